//! Layer 1: serde types that mirror the TOML spec files one to one.
//!
//! Nothing here is interpreted: names stay as written, types stay strings,
//! references stay unresolved. Every value that a later error may point at is
//! wrapped in [`Spanned`], so the validation pass in [`crate::model`] can say
//! `spec/queue.toml:LINE:COL`. Unknown keys are refused by
//! `deny_unknown_fields`. The format is documented in `spec/README.md`.

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, SourceFile};

/// A spanned string (a name, a reference, a type...).
pub type Name = Spanned<String>;

/// One spec file: one action family.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    /// Module and cargo feature name; must equal the file stem.
    pub family: Name,
    /// Page title in the reference.
    pub title: String,
    /// Markdown introduction of the family.
    #[serde(default)]
    pub doc: String,
    /// The actions of the family.
    #[serde(default)]
    pub action: Vec<Spanned<Action>>,
    /// The events of the family.
    #[serde(default)]
    pub event: Vec<Spanned<Event>>,
    /// Shared field groups (only in `common.toml`).
    #[serde(default)]
    pub group: Vec<Spanned<FieldGroup>>,
}

/// `[[action]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    pub name: Name,
    #[serde(default)]
    pub rust_name: Option<Name>,
    pub synopsis: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub module: Option<String>,
    #[serde(default)]
    pub privilege: Vec<String>,
    /// Availability: the first release of each branch that has it.
    #[serde(default)]
    pub since: Option<Spanned<VersionList>>,
    /// The first release that deprecates it.
    #[serde(default)]
    pub deprecated: Option<Name>,
    /// The first release without it.
    #[serde(default)]
    pub removed: Option<Name>,
    /// Prose on availability (why, what to use instead).
    #[serde(default)]
    pub note: Option<String>,
    /// Declared differences from Asterisk's documentation.
    #[serde(default)]
    pub deviation: Vec<Spanned<Deviation>>,
    #[serde(default)]
    pub see_also: Vec<Name>,
    #[serde(default)]
    pub events: Vec<Name>,
    #[serde(default)]
    pub param: Vec<Spanned<Param>>,
    #[serde(default)]
    pub group: Vec<Spanned<ParamGroup>>,
    #[serde(default)]
    pub constraint: Vec<Spanned<Constraint>>,
    #[serde(default)]
    pub response: Option<Spanned<Response>>,
    #[serde(default)]
    pub example: Vec<Spanned<Example>>,
}

/// `[[action.param]]` and `[[action.group.param]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: Name,
    #[serde(default)]
    pub rust_name: Option<Name>,
    #[serde(rename = "type")]
    pub ty: Name,
    #[serde(default)]
    pub required: Option<Spanned<bool>>,
    #[serde(default)]
    pub repeated: Option<Spanned<bool>>,
    #[serde(default)]
    pub index: Option<Name>,
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub doc: String,
    #[serde(default)]
    pub example: Option<Name>,
    #[serde(default)]
    pub free: Option<Spanned<bool>>,
    /// Availability: the first release of each branch that has it.
    #[serde(default)]
    pub since: Option<Spanned<VersionList>>,
    /// The first release that deprecates it.
    #[serde(default)]
    pub deprecated: Option<Name>,
    /// The first release without it.
    #[serde(default)]
    pub removed: Option<Name>,
    /// Prose on availability (why, what to use instead).
    #[serde(default)]
    pub note: Option<String>,
    /// Declared differences from Asterisk's documentation.
    #[serde(default)]
    pub deviation: Vec<Spanned<Deviation>>,
    /// A secret (a password, a login key): `secret = true` on a `string`
    /// makes the generated field a `Secret`, never shown in `Debug` output,
    /// errors or logs.
    #[serde(default)]
    pub secret: Option<Spanned<bool>>,
    #[serde(default)]
    pub value: Vec<Spanned<EnumValue>>,
}

/// `[[...field]]`: response fields, event fields and shared group fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: Name,
    #[serde(default)]
    pub rust_name: Option<Name>,
    #[serde(rename = "type")]
    pub ty: Name,
    #[serde(default)]
    pub required: Option<Spanned<bool>>,
    #[serde(default)]
    pub repeated: Option<Spanned<bool>>,
    #[serde(default)]
    pub index: Option<Name>,
    #[serde(default)]
    pub doc: String,
    #[serde(default)]
    pub free: Option<Spanned<bool>>,
    /// Availability: the first release of each branch that has it.
    #[serde(default)]
    pub since: Option<Spanned<VersionList>>,
    /// The first release that deprecates it.
    #[serde(default)]
    pub deprecated: Option<Name>,
    /// The first release without it.
    #[serde(default)]
    pub removed: Option<Name>,
    /// Prose on availability (why, what to use instead).
    #[serde(default)]
    pub note: Option<String>,
    /// Declared differences from Asterisk's documentation.
    #[serde(default)]
    pub deviation: Vec<Spanned<Deviation>>,
    /// A secret (a password, a login key): `secret = true` on a `string`
    /// makes the generated field a `Secret`, never shown in `Debug` output,
    /// errors or logs.
    #[serde(default)]
    pub secret: Option<Spanned<bool>>,
    #[serde(default)]
    pub value: Vec<Spanned<EnumValue>>,
}

/// `[[...value]]`: one value of an enumeration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    pub name: Name,
    #[serde(default)]
    pub rust_name: Option<Name>,
    #[serde(default)]
    pub doc: String,
    /// Availability: the first release of each branch that has it.
    #[serde(default)]
    pub since: Option<Spanned<VersionList>>,
    /// The first release that deprecates it.
    #[serde(default)]
    pub deprecated: Option<Name>,
    /// The first release without it.
    #[serde(default)]
    pub removed: Option<Name>,
    /// Prose on availability (why, what to use instead).
    #[serde(default)]
    pub note: Option<String>,
    /// Declared differences from Asterisk's documentation.
    #[serde(default)]
    pub deviation: Vec<Spanned<Deviation>>,
}

/// `[[action.group]]`: an indexed parameter group.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamGroup {
    pub name: Name,
    #[serde(default)]
    pub rust_name: Option<Name>,
    pub index: Name,
    #[serde(default)]
    pub doc: String,
    #[serde(default)]
    pub param: Vec<Spanned<Param>>,
}

/// `[[action.response.group]]`: an indexed field group of a response.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseGroup {
    pub name: Name,
    #[serde(default)]
    pub rust_name: Option<Name>,
    pub index: Name,
    #[serde(default)]
    pub doc: String,
    #[serde(default)]
    pub field: Vec<Spanned<Field>>,
}

/// `[[action.constraint]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraint {
    pub kind: Name,
    pub params: Vec<Name>,
    #[serde(default)]
    pub doc: String,
}

/// `[action.response]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    #[serde(default)]
    pub kind: Option<Name>,
    #[serde(default)]
    pub items: Option<Spanned<Vec<Name>>>,
    #[serde(default)]
    pub complete: Option<Name>,
    #[serde(default)]
    pub doc: String,
    #[serde(default)]
    pub field: Vec<Spanned<Field>>,
    #[serde(default)]
    pub group: Vec<Spanned<ResponseGroup>>,
}

/// `[[action.example]]`: a wire example, kept verbatim.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    #[serde(default)]
    pub title: Option<String>,
    pub request: Spanned<String>,
    #[serde(default)]
    pub response: Option<Spanned<String>>,
    #[serde(default)]
    pub events: Vec<Spanned<String>>,
}

/// `[[event]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub name: Name,
    /// A subtype of `UserEvent`: the value of its `UserEvent` header
    /// (`name` is then `UserEvent`).
    #[serde(default)]
    pub user_event: Option<Name>,
    #[serde(default)]
    pub rust_name: Option<Name>,
    pub synopsis: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub privilege: Option<String>,
    /// Availability: the first release of each branch that has it.
    #[serde(default)]
    pub since: Option<Spanned<VersionList>>,
    /// The first release that deprecates it.
    #[serde(default)]
    pub deprecated: Option<Name>,
    /// The first release without it.
    #[serde(default)]
    pub removed: Option<Name>,
    /// Prose on availability (why, what to use instead).
    #[serde(default)]
    pub note: Option<String>,
    /// Declared differences from Asterisk's documentation.
    #[serde(default)]
    pub deviation: Vec<Spanned<Deviation>>,
    #[serde(default, rename = "use")]
    pub uses: Vec<Spanned<Use>>,
    #[serde(default)]
    pub field: Vec<Spanned<Field>>,
}

/// `[[event.use]]`: a shared group flattened into an event.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Use {
    pub group: Name,
    #[serde(default)]
    pub prefix: Option<Name>,
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub rust_name: Option<Name>,
}

/// `[[group]]`: a shared field group.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldGroup {
    pub name: Name,
    #[serde(default)]
    pub doc: String,
    #[serde(default)]
    pub field: Vec<Spanned<Field>>,
}

/// `since = "12.0.0"` or `since = ["18.19.0", "20.4.0"]`: one version or
/// one per branch. Versions stay text here; the model parses them.
#[derive(Debug)]
pub enum VersionList {
    /// A single version (its span is the key's value).
    One(String),
    /// One version per branch, each with its span.
    Many(Vec<Name>),
}

impl<'de> Deserialize<'de> for VersionList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = VersionList;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a version string (\"12.0.0\") or an array of them")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<VersionList, E> {
                Ok(VersionList::One(v.to_owned()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<VersionList, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<Name>()? {
                    out.push(v);
                }
                Ok(VersionList::Many(out))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// `deviation = [{ kind = "required", why = "..." }]`: one declared
/// difference from Asterisk's documentation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    /// `undocumented`, `required`, `type`, `values`, `missing` or `renamed`.
    pub kind: Name,
    /// The name in Asterisk's documentation the deviation is about
    /// (`missing`: the item the docs list; `renamed`: the docs' spelling).
    #[serde(default)]
    pub name: Option<Name>,
    /// Why the spec differs.
    pub why: Spanned<String>,
}

/// Parse one spec file. A syntax error or a key of the wrong shape stops the
/// file (serde cannot go on past it) and is reported at its position.
pub fn parse(file: &SourceFile) -> Result<SpecFile, Diagnostic> {
    toml::from_str(&file.text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let mut message = e.message().trim_end().to_owned();
        message.push_str(&unknown_key_hint(&message));
        if let Some(item) = item_at(&file.text, span.start) {
            message.push_str(&format!(" (in {item})"));
        }
        file.diagnostic(&span, message)
    })
}

/// For toml's "unknown field `x`, expected one of `a`, `b`": a "did you
/// mean" among the expected keys.
fn unknown_key_hint(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return String::new();
    };
    let Some((word, expected)) = rest.split_once('`') else {
        return String::new();
    };
    let candidates = expected.split('`').skip(1).step_by(2);
    crate::suggest::did_you_mean(word, candidates)
}

/// The spec item at byte `offset` of a spec file's text, in words, from its
/// table headers and `name` keys: `parameter `Cause` of action `Hangup``.
/// A shape error (a missing or unknown key) then says where, beyond the
/// line: the table of an action and of its parameter look alike.
pub fn item_at(text: &str, offset: usize) -> Option<String> {
    // The header path of each table opened so far, with its `name`.
    let mut open: Vec<(Vec<String>, Option<String>)> = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        // Past the offset, only the `name` of the innermost table is read
        // (a missing-key error points at the table's header).
        let past = at > offset;
        at += line.len();
        let trimmed = line.trim();
        let is_header = trimmed.starts_with('[');
        if past && (is_header || open.last().is_some_and(|(_, n)| n.is_some())) {
            break;
        }
        if let Some(header) = trimmed
            .strip_prefix("[[")
            .and_then(|h| h.split("]]").next())
            .or_else(|| trimmed.strip_prefix('[').and_then(|h| h.split(']').next()))
        {
            let path: Vec<String> = header.split('.').map(|p| p.trim().to_owned()).collect();
            open.retain(|(p, _)| p.len() < path.len() && path.starts_with(p));
            open.push((path, None));
        } else if let Some(value) = trimmed
            .strip_prefix("name")
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix('='))
        {
            if let Some((_, name)) = open.last_mut() {
                if name.is_none() {
                    *name = Some(value.trim().trim_matches('"').to_owned());
                }
            }
        }
    }
    let words: Vec<String> = open
        .iter()
        .rev()
        .map(|(path, name)| {
            let kind = match path.last().map(String::as_str) {
                Some("param") => "parameter",
                Some(other) => other,
                None => "table",
            };
            match name {
                Some(n) => format!("{kind} `{n}`"),
                None => format!("the {kind}"),
            }
        })
        .collect();
    (!words.is_empty()).then(|| words.join(" of "))
}

/// A spanned optional flag: its value, `false` when absent.
pub fn flag(value: &Option<Spanned<bool>>) -> bool {
    value.as_ref().is_some_and(|v| *v.get_ref())
}
