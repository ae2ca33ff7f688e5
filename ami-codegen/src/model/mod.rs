//! Layer 2: the resolved, validated model of the whole spec.
//!
//! Built from the parsed files by [`resolve`](resolve::resolve), which checks
//! everything and collects every problem. Once a [`Model`] exists, it is
//! consistent: every reference points at something, every Rust name is a
//! valid identifier and unique where it must be. The emitters in
//! [`crate::emit`] only read it.

mod resolve;

pub use resolve::{check_value, parse_bool, resolve, resolve_user};

use std::collections::BTreeSet;

pub use ami_runtime::version::{Availability, Version};

/// The whole spec: one [`Family`] per file, sorted by name.
#[derive(Clone, Debug)]
pub struct Model {
    /// Families sorted by name, `common` included.
    pub families: Vec<Family>,
    /// For a user spec (see [`crate::Builder`]): the base spec, whose types
    /// the user's types may name and whose generated code is
    /// `ami_generated`. `None` for the workspace's own spec.
    pub base: Option<Box<Model>>,
}

/// One spec file.
#[derive(Clone, Debug)]
pub struct Family {
    /// Module and feature name (`queue`).
    pub name: String,
    /// Spec path relative to the workspace root (`spec/queue.toml`).
    pub file: String,
    /// Page title.
    pub title: String,
    /// Markdown introduction.
    pub doc: String,
    /// Actions, sorted by wire name (ignoring case).
    pub actions: Vec<Action>,
    /// Events, sorted by wire name (ignoring case).
    pub events: Vec<Event>,
    /// Shared field groups (`common` only), in spec order.
    pub groups: Vec<FieldGroup>,
    /// Other families whose types this one names (list item events), so
    /// its cargo feature must enable theirs.
    pub depends: BTreeSet<String>,
}

impl Family {
    /// Whether this is `common.toml` (always compiled, no feature).
    pub fn is_common(&self) -> bool {
        self.name == COMMON
    }
}

/// The family of the shared groups.
pub const COMMON: &str = "common";

/// A Rust type defined by the generated crate, with the module it lives in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeRef {
    /// Wire name of what it describes (`Hangup`).
    pub wire: String,
    /// Family (module) that defines it.
    pub family: String,
    /// Rust type name (`HangupEvent`).
    pub type_name: String,
    /// Rust name without role suffix (`Hangup`): the `Event` enum variant.
    pub rust: String,
    /// For a subtype of `UserEvent`, the value of its `UserEvent` header.
    pub user_event: Option<String>,
}

impl TypeRef {
    /// How the spec names it: the wire name, or `UserEvent: Subtype` for a
    /// subtype of `UserEvent`.
    pub fn spec_name(&self) -> String {
        spec_name(&self.wire, self.user_event.as_deref())
    }
}

/// `wire`, or `wire: subtype` for a subtype of `UserEvent`: how the spec
/// refers to an event (`events = ["UserEvent: CallQualityReport"]`).
pub fn spec_name(wire: &str, user_event: Option<&str>) -> String {
    match user_event {
        Some(subtype) => format!("{wire}: {subtype}"),
        None => wire.to_owned(),
    }
}

/// An action.
#[derive(Clone, Debug)]
pub struct Action {
    /// Wire name (`Originate`).
    pub wire: String,
    /// Rust name without suffix (`Originate`).
    pub rust: String,
    /// `OriginateAction`.
    pub type_name: String,
    /// Family that defines it.
    pub family: String,
    /// One-line summary.
    pub synopsis: String,
    /// Markdown description.
    pub description: String,
    /// Asterisk module providing it.
    pub module: Option<String>,
    /// Privilege classes needed.
    pub privilege: Vec<String>,
    /// The Asterisk versions that have it.
    pub versions: Versions,
    /// Declared differences from Asterisk's documentation.
    pub deviations: Vec<Deviation>,
    /// Related actions.
    pub see_also: Vec<TypeRef>,
    /// Events the action causes asynchronously.
    pub events: Vec<TypeRef>,
    /// Parameters with a field, in spec (= encoding) order.
    pub params: Vec<Field>,
    /// Placeholder parameters carried by `extra` (`free = true`).
    pub free: Vec<Field>,
    /// Indexed parameter groups, encoded after the parameters.
    pub groups: Vec<Group>,
    /// Constraints between parameters.
    pub constraints: Vec<Constraint>,
    /// How the reply looks.
    pub response: Response,
    /// Wire examples.
    pub examples: Vec<Example>,
}

/// An event.
#[derive(Clone, Debug)]
pub struct Event {
    /// Wire name.
    pub wire: String,
    /// For a subtype of `UserEvent` (`user_event = "..."`), the value of
    /// its `UserEvent` header, which selects it.
    pub user_event: Option<String>,
    /// Rust name without suffix: the variant of the `Event` enum.
    pub rust: String,
    /// `HangupEvent`.
    pub type_name: String,
    /// Family that defines it.
    pub family: String,
    /// One-line summary.
    pub synopsis: String,
    /// Markdown description.
    pub description: String,
    /// Privilege header as Asterisk shows it.
    pub privilege: Option<String>,
    /// The Asterisk versions that have it.
    pub versions: Versions,
    /// Declared differences from Asterisk's documentation.
    pub deviations: Vec<Deviation>,
    /// Shared groups flattened into the event, in spec order.
    pub uses: Vec<Use>,
    /// The event's own fields, in spec order.
    pub fields: Vec<Field>,
    /// Placeholder fields carried by `extra` (`free = true`: `UserEvent`'s
    /// arbitrary headers).
    pub free: Vec<Field>,
    /// Actions that cause it (`events = [...]`), sorted.
    pub caused_by: Vec<TypeRef>,
    /// Actions whose list reply carries it (items or completion), sorted.
    pub listed_by: Vec<TypeRef>,
}

/// A shared group flattened into an event.
#[derive(Clone, Debug)]
pub struct Use {
    /// The group.
    pub group: TypeRef,
    /// Wire prefix, `""` for a bare group.
    pub prefix: String,
    /// Whether the whole group may be absent.
    pub optional: bool,
    /// Rust field name.
    pub rust: String,
    /// The group's fields (copied, to expand prefixed names).
    pub fields: Vec<Field>,
}

/// A shared field group of `common.toml`.
#[derive(Clone, Debug)]
pub struct FieldGroup {
    /// Struct name (`ChannelSnapshot`), also its wire-facing name.
    pub name: String,
    /// Markdown doc.
    pub doc: String,
    /// Fields in spec order.
    pub fields: Vec<Field>,
}

/// An indexed group of parameters (actions) or fields (responses).
#[derive(Clone, Debug)]
pub struct Group {
    /// Spec name (`Change`).
    pub name: String,
    /// Struct name (`UpdateConfigChange`).
    pub type_name: String,
    /// Rust field name of the `Vec` (`changes`).
    pub rust: String,
    /// How entries are numbered.
    pub index: IndexStyle,
    /// Markdown doc.
    pub doc: String,
    /// Members in spec order.
    pub fields: Vec<Field>,
}

/// A parameter or a field.
#[derive(Clone, Debug)]
pub struct Field {
    /// Wire name (`CallerIDNum`).
    pub wire: String,
    /// Rust field name (`caller_id_num`).
    pub rust: String,
    /// Value type.
    pub ty: Type,
    /// Required (a plain `T`, never blank when sent).
    pub required: bool,
    /// Sent once per value, or with an index.
    pub multi: Multi,
    /// Markdown doc.
    pub doc: String,
    /// Server-side default, documented only.
    pub default: Option<String>,
    /// Sample value.
    pub example: Option<String>,
    /// The Asterisk versions that have it.
    pub versions: Versions,
    /// Declared differences from Asterisk's documentation.
    pub deviations: Vec<Deviation>,
    /// Where its name (or `rust_name`) is, in its spec file.
    pub span: std::ops::Range<usize>,
}

impl Field {
    /// Whether it is a secret (`secret = true`): never shown.
    pub fn is_secret(&self) -> bool {
        self.ty == Type::Scalar(Scalar::Secret)
    }

    /// Whether the Rust field is a `Vec`.
    pub fn is_vec(&self) -> bool {
        self.multi != Multi::Single
    }

    /// Whether the Rust field is an `Option`.
    pub fn is_option(&self) -> bool {
        !self.required && !self.is_vec()
    }

    /// The wire name of the first header of this field: `Name`,
    /// `Name-000000` or `Name(0)`.
    pub fn first_wire_name(&self) -> String {
        match self.multi {
            Multi::Indexed(style) => style.first(&self.wire),
            _ => self.wire.clone(),
        }
    }
}

/// When an item exists: `since`, `deprecated`, `removed` and `note` of
/// the spec, parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Versions {
    /// The first release of each branch that has it, ascending; empty
    /// when it has always existed.
    pub since: Vec<Version>,
    /// The first release that deprecates it.
    pub deprecated: Option<Version>,
    /// The first release without it.
    pub removed: Option<Version>,
    /// Prose: why it was deprecated or removed, what to use instead.
    pub note: Option<String>,
}

impl Versions {
    /// The runtime's view (which versions have it).
    pub fn availability(&self) -> Availability<'_> {
        Availability {
            since: &self.since,
            deprecated: self.deprecated,
            removed: self.removed,
        }
    }

    /// Whether nothing is known (always available, no note).
    pub fn is_empty(&self) -> bool {
        self.availability().is_always() && self.note.is_none()
    }

    /// `Since 18.19.0, 20.4.0 · removed in 21.0.0`, then the note; empty
    /// when there is nothing to say.
    pub fn summary(&self) -> String {
        let mut text = self.availability().to_string();
        if let Some(note) = &self.note {
            if !text.is_empty() {
                text.push_str(". ");
            }
            text.push_str(note.trim());
        } else if !text.is_empty() {
            text.push('.');
        }
        text
    }
}

/// A declared difference between the spec and Asterisk's XML
/// documentation, with its reason. The audit accepts exactly the
/// differences declared so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deviation {
    /// What differs.
    pub kind: DeviationKind,
    /// The name in Asterisk's documentation it is about, when given
    /// (required for `missing` and `renamed`).
    pub name: Option<String>,
    /// Why.
    pub why: String,
    /// Where it is declared, in the spec file of its item.
    pub span: std::ops::Range<usize>,
}

/// The kinds of [`Deviation`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeviationKind {
    /// The item exists on real servers but the docs do not list it.
    Undocumented,
    /// The required flag differs from the docs.
    Required,
    /// The type differs from the docs.
    Type,
    /// The enum values differ from the docs.
    Values,
    /// The docs list `name` under this item; the spec models it otherwise
    /// or not at all.
    Missing,
    /// The docs spell the item `name`.
    Renamed,
}

impl DeviationKind {
    /// All kinds with their spec names.
    pub const ALL: [(&'static str, DeviationKind); 6] = [
        ("undocumented", DeviationKind::Undocumented),
        ("required", DeviationKind::Required),
        ("type", DeviationKind::Type),
        ("values", DeviationKind::Values),
        ("missing", DeviationKind::Missing),
        ("renamed", DeviationKind::Renamed),
    ];

    /// The spec spelling (`string` for a secret).
    pub fn spec_name(self) -> &'static str {
        DeviationKind::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("undocumented", |(n, _)| n)
    }

    /// Whether the deviation must name the documented item.
    pub fn needs_name(self) -> bool {
        matches!(self, DeviationKind::Missing | DeviationKind::Renamed)
    }
}

impl Deviation {
    /// One sentence for the reference docs: what differs, then why.
    pub fn describe(&self) -> String {
        let what = match (self.kind, &self.name) {
            (DeviationKind::Undocumented, _) => "not in Asterisk's documentation".to_owned(),
            (DeviationKind::Required, _) => "the required flag differs".to_owned(),
            (DeviationKind::Type, _) => "the type differs".to_owned(),
            (DeviationKind::Values, Some(n)) => format!("the values differ (`{n}`)"),
            (DeviationKind::Values, None) => "the values differ".to_owned(),
            (DeviationKind::Missing, Some(n)) => format!("`{n}` is not modelled here"),
            (DeviationKind::Missing, None) => "an item is not modelled here".to_owned(),
            (DeviationKind::Renamed, Some(n)) => format!("documented as `{n}`"),
            (DeviationKind::Renamed, None) => "documented under another name".to_owned(),
        };
        let why = self.why.trim();
        let why = why.strip_suffix('.').unwrap_or(why);
        format!("Deviation from Asterisk's documentation: {what}: {why}.")
    }
}

/// Single, repeated or indexed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Multi {
    /// One header.
    Single,
    /// The same header once per value.
    Repeated,
    /// `Name-000000`, `Name-000001`... or `Name(0)`, `Name(1)`...
    Indexed(IndexStyle),
}

/// How indexed names are spelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexStyle {
    /// `Name-000000`.
    Dash6,
    /// `Name(0)`.
    Paren,
}

impl IndexStyle {
    /// The spec spelling (`dash6`).
    pub fn spec_name(self) -> &'static str {
        match self {
            IndexStyle::Dash6 => "dash6",
            IndexStyle::Paren => "paren",
        }
    }

    /// `name` with index 0.
    pub fn first(self, name: &str) -> String {
        match self {
            IndexStyle::Dash6 => format!("{name}-000000"),
            IndexStyle::Paren => format!("{name}(0)"),
        }
    }
}

/// A value type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    /// A scalar of the runtime.
    Scalar(Scalar),
    /// A generated enumeration.
    Enum(EnumDef),
}

impl Type {
    /// The spec spelling (`string`, `enum`...).
    pub fn spec_name(&self) -> &'static str {
        match self {
            Type::Scalar(s) => s.spec_name(),
            Type::Enum(_) => "enum",
        }
    }
}

/// Scalar types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    /// `String`.
    String,
    /// `i64`.
    Int,
    /// `u64`.
    Uint,
    /// `f64`.
    Float,
    /// `bool`.
    Bool,
    /// `ami_runtime::wire::Var`.
    Var,
    /// `ami_runtime::wire::Secret`: a `string` the spec marks
    /// `secret = true`, never shown. Its spec spelling stays `string`.
    Secret,
}

impl Scalar {
    /// All scalars with their spec names.
    pub const ALL: [(&'static str, Scalar); 6] = [
        ("string", Scalar::String),
        ("int", Scalar::Int),
        ("uint", Scalar::Uint),
        ("float", Scalar::Float),
        ("bool", Scalar::Bool),
        ("var", Scalar::Var),
    ];

    /// The spec spelling.
    pub fn spec_name(self) -> &'static str {
        Scalar::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("string", |(n, _)| n)
    }
}

/// A generated enumeration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumDef {
    /// Type name (`BlindTransferResult`).
    pub type_name: String,
    /// Values in spec order.
    pub values: Vec<EnumValue>,
}

/// One value of an enumeration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumValue {
    /// Wire spelling.
    pub wire: String,
    /// Variant name.
    pub rust: String,
    /// Markdown doc.
    pub doc: String,
    /// The Asterisk versions that have it.
    pub versions: Versions,
    /// Declared differences from Asterisk's documentation.
    pub deviations: Vec<Deviation>,
}

/// A constraint between parameters.
#[derive(Clone, Debug)]
pub struct Constraint {
    /// Which rule.
    pub kind: ConstraintKind,
    /// The parameters, as wire names.
    pub params: Vec<String>,
    /// The parameters, as Rust field names.
    pub fields: Vec<String>,
    /// Why.
    pub doc: String,
}

/// The rules between parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstraintKind {
    /// Exactly one is set.
    ExactlyOne,
    /// At most one is set.
    AtMostOne,
    /// All or none are set.
    Together,
    /// When the first is set, all others are.
    Requires,
}

impl ConstraintKind {
    /// All rules with their spec names.
    pub const ALL: [(&'static str, ConstraintKind); 4] = [
        ("exactly_one", ConstraintKind::ExactlyOne),
        ("at_most_one", ConstraintKind::AtMostOne),
        ("together", ConstraintKind::Together),
        ("requires", ConstraintKind::Requires),
    ];

    /// The spec (and derive attribute) spelling.
    pub fn spec_name(self) -> &'static str {
        ConstraintKind::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("exactly_one", |(n, _)| n)
    }

    /// The rule in words, as the runtime reports it.
    pub fn describe(self, params: &[String]) -> String {
        match self {
            ConstraintKind::ExactlyOne => format!("exactly one of {}", params.join(", ")),
            ConstraintKind::AtMostOne => format!("at most one of {}", params.join(", ")),
            ConstraintKind::Together => format!("{} go together", params.join(", ")),
            ConstraintKind::Requires => {
                format!("{} requires {}", params[0], params[1..].join(", "))
            }
        }
    }
}

/// The reply of an action.
#[derive(Clone, Debug)]
pub struct Response {
    /// Shape and content.
    pub kind: ResponseKind,
    /// Notes on the reply.
    pub doc: String,
}

/// The reply shapes.
#[derive(Clone, Debug)]
pub enum ResponseKind {
    /// One message: `Ack` when `fields` and `groups` are empty, else a
    /// generated `<X>Response`.
    Single {
        /// Action-specific fields.
        fields: Vec<Field>,
        /// Indexed field groups.
        groups: Vec<Group>,
        /// Placeholders of arbitrary headers, carried by `extra`.
        free: Vec<Field>,
    },
    /// An event list.
    List {
        /// Item events.
        items: Vec<TypeRef>,
        /// Completion event.
        complete: TypeRef,
    },
    /// CLI output.
    Command,
    /// Raw text.
    Raw,
    /// `Response: Goodbye`.
    Goodbye,
}

impl ResponseKind {
    /// The spec spelling (`single`, `list`...).
    pub fn spec_name(&self) -> &'static str {
        match self {
            ResponseKind::Single { .. } => "single",
            ResponseKind::List { .. } => "list",
            ResponseKind::Command => "command",
            ResponseKind::Raw => "raw",
            ResponseKind::Goodbye => "goodbye",
        }
    }
}

impl Action {
    /// Whether the response is a generated `<X>Response` struct.
    pub fn has_response_struct(&self) -> bool {
        matches!(&self.response.kind, ResponseKind::Single { fields, groups, .. } if !fields.is_empty() || !groups.is_empty())
    }

    /// The name of the generated list item enum, when the list has several item events.
    pub fn item_enum(&self) -> Option<String> {
        match &self.response.kind {
            ResponseKind::List { items, .. } if items.len() > 1 => {
                Some(crate::casing::item_type(&self.rust))
            }
            _ => None,
        }
    }

    /// Whether the reply may carry headers the spec cannot name (free response fields).
    pub fn has_free_response(&self) -> bool {
        matches!(&self.response.kind, ResponseKind::Single { free, .. } if !free.is_empty())
    }

    /// Every field of the action with a Rust field, parameters then group members.
    pub fn all_fields(&self) -> impl Iterator<Item = &Field> {
        self.params
            .iter()
            .chain(self.groups.iter().flat_map(|g| &g.fields))
    }
}

/// A wire example.
#[derive(Clone, Debug)]
pub struct Example {
    /// Optional title.
    pub title: Option<String>,
    /// The request, verbatim.
    pub request: String,
    /// The response, verbatim.
    pub response: Option<String>,
    /// Events that follow, verbatim.
    pub events: Vec<String>,
    /// Required parameters the request lacks: an example of an error
    /// reply, whose request the typed action refuses too.
    pub missing: Vec<String>,
}

impl Event {
    /// A reference to it.
    pub fn type_ref(&self) -> TypeRef {
        TypeRef {
            wire: self.wire.clone(),
            family: self.family.clone(),
            type_name: self.type_name.clone(),
            rust: self.rust.clone(),
            user_event: self.user_event.clone(),
        }
    }

    /// Whether the event carries arbitrary headers in `extra`.
    pub fn has_free_fields(&self) -> bool {
        !self.free.is_empty()
    }

    /// Fields of the event struct, those of its flattened groups included.
    pub fn field_count(&self) -> usize {
        self.fields.len() + self.uses.iter().map(|u| u.fields.len()).sum::<usize>()
    }
}

impl Model {
    /// Every action of every family, in family order.
    pub fn actions(&self) -> impl Iterator<Item = &Action> {
        self.families.iter().flat_map(|f| &f.actions)
    }

    /// Every event of every family, in family order.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.families.iter().flat_map(|f| &f.events)
    }

    /// The families with a cargo feature (all but `common`).
    pub fn features(&self) -> impl Iterator<Item = &Family> {
        self.families.iter().filter(|f| !f.is_common())
    }

    /// The event called `wire` (any case), not a `UserEvent` subtype.
    pub fn event(&self, wire: &str) -> Option<&Event> {
        self.events()
            .find(|e| e.wire.eq_ignore_ascii_case(wire) && e.user_event.is_none())
    }

    /// The event `r` refers to, in this spec or (a user spec) its base.
    pub fn event_of(&self, r: &TypeRef) -> Option<&Event> {
        let found = self.events().find(|e| {
            e.wire.eq_ignore_ascii_case(&r.wire)
                && e.user_event.as_deref().map(str::to_ascii_lowercase)
                    == r.user_event.as_deref().map(str::to_ascii_lowercase)
        });
        found.or_else(|| self.base.as_ref().and_then(|b| b.event_of(r)))
    }

    /// Whether `family` is a family of this spec (not of its base).
    pub fn is_local(&self, family: &str) -> bool {
        self.families.iter().any(|f| f.name == family)
    }

    /// Whether this is a user spec, emitted into a user's crate beside
    /// `ami_generated` (see [`crate::Builder`]).
    pub fn is_user(&self) -> bool {
        self.base.is_some()
    }

    /// The action called `wire` (any case).
    pub fn action(&self, wire: &str) -> Option<&Action> {
        self.actions().find(|a| a.wire.eq_ignore_ascii_case(wire))
    }
}

impl Action {
    /// A set of optional parameters (Rust field names) that satisfies every
    /// constraint, setting as many as it can, and always `pinned` when given.
    /// `None` when no such set exists. Used for sample instances (generated
    /// tests) and to refuse constraints that can never all hold.
    pub fn satisfying_params(&self, pinned: Option<&str>) -> Option<BTreeSet<String>> {
        let mut set: BTreeSet<String> = self
            .params
            .iter()
            .filter(|f| !f.required)
            .map(|f| f.rust.clone())
            .collect();
        let is_pinned = |f: &String| Some(f.as_str()) == pinned;
        for _ in 0..=self.constraints.len() * 2 + 1 {
            let before = set.clone();
            for c in &self.constraints {
                let fields = &c.fields;
                let present: Vec<&String> = fields.iter().filter(|f| set.contains(*f)).collect();
                match c.kind {
                    ConstraintKind::ExactlyOne | ConstraintKind::AtMostOne => {
                        let keep = fields
                            .iter()
                            .find(|f| is_pinned(f))
                            .or_else(|| present.first().copied())
                            .or(match c.kind {
                                ConstraintKind::ExactlyOne => fields.first(),
                                _ => None,
                            })
                            .cloned();
                        for f in fields {
                            set.remove(f);
                        }
                        set.extend(keep);
                    }
                    ConstraintKind::Together => {
                        if !present.is_empty() && present.len() < fields.len() {
                            if fields.iter().any(&is_pinned) {
                                set.extend(fields.iter().cloned());
                            } else {
                                for f in fields {
                                    set.remove(f);
                                }
                            }
                        }
                    }
                    ConstraintKind::Requires => {
                        let first = &fields[0];
                        if set.contains(first) && !fields[1..].iter().all(|f| set.contains(f)) {
                            if is_pinned(first) {
                                set.extend(fields[1..].iter().cloned());
                            } else {
                                set.remove(first);
                            }
                        }
                    }
                }
            }
            if set == before {
                break;
            }
        }
        let holds = self.constraints.iter().all(|c| c.holds(&set))
            && pinned.map_or(true, |p| {
                set.contains(p) || self.params.iter().any(|f| f.rust == p && f.required)
            });
        holds.then_some(set)
    }
}

impl Constraint {
    /// Whether the constraint holds when exactly the fields in `set` (and
    /// no other of its fields) are set.
    pub fn holds(&self, set: &BTreeSet<String>) -> bool {
        let n = self.fields.iter().filter(|f| set.contains(*f)).count();
        match self.kind {
            ConstraintKind::ExactlyOne => n == 1,
            ConstraintKind::AtMostOne => n <= 1,
            ConstraintKind::Together => n == 0 || n == self.fields.len(),
            ConstraintKind::Requires => !set.contains(&self.fields[0]) || n == self.fields.len(),
        }
    }
}
