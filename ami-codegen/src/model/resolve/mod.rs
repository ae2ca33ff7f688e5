//! The validation pass: parsed spec files in, a consistent [`Model`] out, or
//! every problem found, each at its `spec/<file>.toml:LINE:COL`.
//!
//! The pass never stops at the first problem: each check records a
//! diagnostic and goes on with a best guess, so one run reports everything.
//!
//! This module holds the driver (pass 1 indexes every action, event and
//! group; pass 2 resolves each file) and what every concern shares (names,
//! definition sites, type-name claims); one submodule per concern does the
//! rest: [`actions`], [`responses`], [`events`] (and shared groups),
//! [`fields`] (parameters, fields, enums, indexed groups), [`examples`] and
//! [`versions`] (availability and deviations).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use toml::Spanned;

use super::*;
use crate::casing;
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile};
use crate::spec::{self, flag};

/// The [`Life`] of a spec item (every such type names the keys alike).
macro_rules! life {
    ($s:expr) => {
        Life {
            since: &$s.since,
            deprecated: &$s.deprecated,
            removed: &$s.removed,
            note: &$s.note,
            deviation: &$s.deviation,
        }
    };
}

mod actions;
mod events;
mod examples;
mod fields;
mod responses;
mod versions;

use events::link_events;
pub use fields::{check_value, parse_bool};
use fields::{GroupSpec, RawField};
use versions::Life;

/// Resolve and validate parsed spec files. `complete` is false when some
/// file failed to parse: references into it would then be reported as
/// unknown, so such reports are left out.
pub fn resolve(
    files: &[(SourceFile, spec::SpecFile)],
    complete: bool,
) -> Result<Model, Vec<Diagnostic>> {
    resolve_files(files, None, complete)
}

/// Resolve and validate a user spec (see [`crate::Builder`]): `files` holds
/// the files of the base spec first (`base` of them), then the user's. The
/// user's files may name the base spec's events, actions and groups; their
/// names may not clash with the base spec's, their families may not be
/// named like its families, and their shared groups may live in any file.
/// The model holds the user's families, with the base spec as
/// [`Model::base`].
pub fn resolve_user(
    files: &[(SourceFile, spec::SpecFile)],
    base: usize,
    complete: bool,
) -> Result<Model, Vec<Diagnostic>> {
    resolve_files(files, Some(base), complete)
}

fn resolve_files(
    files: &[(SourceFile, spec::SpecFile)],
    user_from: Option<usize>,
    complete: bool,
) -> Result<Model, Vec<Diagnostic>> {
    let mut r = Resolver {
        files,
        user_from,
        complete,
        diags: Diagnostics::default(),
        actions: BTreeMap::new(),
        events: BTreeMap::new(),
        groups: BTreeMap::new(),
        type_names: BTreeMap::new(),
    };
    r.index();
    let mut families: Vec<Family> = files.iter().enumerate().map(|(i, _)| r.family(i)).collect();
    link_events(&mut families);
    if !r.diags.is_empty() {
        return Err(r.diags.into_sorted());
    }
    let mut user = match user_from {
        Some(at) => families.split_off(at.min(families.len())),
        None => Vec::new(),
    };
    families.sort_by(|a, b| a.name.cmp(&b.name));
    user.sort_by(|a, b| a.name.cmp(&b.name));
    let model = Model {
        families,
        base: None,
    };
    Ok(match user_from {
        None => model,
        Some(_) => Model {
            families: user,
            base: Some(Box::new(model)),
        },
    })
}

/// The key of an event in the index: its wire name, or `UserEvent: Subtype`
/// for a subtype of `UserEvent`, lowercase.
fn event_key(wire: &str, user_event: Option<&str>) -> String {
    spec_name(wire, user_event).to_ascii_lowercase()
}

/// The key of an event reference (`Hangup`, `UserEvent: CallQualityReport`,
/// spaces around the colon optional).
fn event_ref_key(reference: &str) -> String {
    match reference.split_once(':') {
        Some((wire, subtype)) => event_key(wire.trim(), Some(subtype.trim())),
        None => event_key(reference, None),
    }
}

/// Where something was defined: file index and span.
#[derive(Clone)]
struct Site {
    file: usize,
    span: Range<usize>,
}

struct Resolver<'a> {
    files: &'a [(SourceFile, spec::SpecFile)],
    /// For a user spec: the index of the first user file (the files before
    /// it are the base spec's).
    user_from: Option<usize>,
    complete: bool,
    diags: Diagnostics,
    /// Lowercase wire name -> reference and definition site.
    actions: BTreeMap<String, (TypeRef, Site)>,
    events: BTreeMap<String, (TypeRef, Site)>,
    groups: BTreeMap<String, (usize, usize, Site)>,
    /// Every generated type name -> where it comes from, to refuse collisions.
    type_names: BTreeMap<String, (Site, String)>,
}

/// Header names an action carries for framing; no parameter may take them.
const ACTION_FRAMING: &[&str] = &["Action", "ActionID"];
/// Header names that responses carry for framing; no field may take them.
const RESPONSE_FRAMING: &[&str] = &["Response", "ActionID", "EventList"];
/// Headers every event may carry, with their Rust fields: the privilege
/// classes, `Timestamp` (`timestampevents = yes` in `manager.conf`) and
/// `SystemName` (`systemname` in `asterisk.conf`).
const EVENT_IMPLICIT: &[(&str, &str)] = &[
    ("Privilege", "privilege"),
    ("Timestamp", "timestamp"),
    ("SystemName", "system_name"),
];
/// Header names that events carry for framing; no field may take them.
const EVENT_FRAMING: &[&str] = &["Event", "ActionID", "EventList"];

impl<'a> Resolver<'a> {
    fn file(&self, i: usize) -> &'a SourceFile {
        &self.files[i].0
    }

    fn err(&mut self, file: usize, span: &Range<usize>, message: impl Into<String>) {
        let f = &self.files[file].0;
        self.diags.error(f, span, message);
    }

    fn at(&self, site: &Site) -> String {
        let (line, col) = self.file(site.file).line_col(site.span.start);
        let base = if self.is_base(site.file) {
            "the base spec's "
        } else {
            ""
        };
        format!("{base}{}:{line}:{col}", self.file(site.file).path)
    }

    /// Whether file `fi` belongs to the base spec of a user spec.
    fn is_base(&self, fi: usize) -> bool {
        self.user_from.is_some_and(|at| fi < at)
    }

    /// Whether file `fi` is a file of a user spec.
    fn is_user(&self, fi: usize) -> bool {
        self.user_from.is_some_and(|at| fi >= at)
    }

    /// Claim a generated type name, refusing a second claim.
    fn claim_type(&mut self, name: &str, file: usize, span: &Range<usize>, what: String) {
        let site = Site {
            file,
            span: span.clone(),
        };
        if let Some((first, first_what)) = self.type_names.get(name) {
            let msg = format!(
                "generated type name `{name}` of {what} collides with {first_what} (at {})",
                self.at(first)
            );
            self.err(file, span, msg);
        } else {
            self.type_names.insert(name.to_owned(), (site, what));
        }
    }

    /// A type-level Rust name: the given `rust_name`, checked, or the
    /// UpperCamelCase of the wire name.
    fn upper_name(
        &mut self,
        file: usize,
        name: &Spanned<String>,
        rust_name: Option<&Spanned<String>>,
        what: &str,
    ) -> String {
        if let Some(given) = rust_name {
            if !casing::is_upper_camel(given.get_ref()) {
                self.err(
                    file,
                    &given.span(),
                    format!(
                        "rust_name `{}` of {what} is not an UpperCamelCase Rust identifier",
                        given.get_ref()
                    ),
                );
            }
            return given.get_ref().clone();
        }
        match casing::upper_camel(name.get_ref()) {
            Some(n) => n,
            None => {
                self.err(
                    file,
                    &name.span(),
                    format!(
                        "{what} `{}` makes no Rust identifier: give it a rust_name",
                        name.get_ref()
                    ),
                );
                "Invalid".to_owned()
            }
        }
    }

    /// A field-level Rust name: the given `rust_name`, checked, or the
    /// snake_case of `default_from`.
    fn snake_name(
        &mut self,
        file: usize,
        name: &Spanned<String>,
        default_from: &str,
        rust_name: Option<&Spanned<String>>,
        what: &str,
    ) -> String {
        if let Some(given) = rust_name {
            if !casing::is_snake(given.get_ref()) {
                self.err(
                    file,
                    &given.span(),
                    format!(
                        "rust_name `{}` of {what} is not a snake_case Rust identifier (keywords take a trailing `_`)",
                        given.get_ref()
                    ),
                );
            }
            return given.get_ref().clone();
        }
        match casing::snake(default_from) {
            Some(n) => n,
            None => {
                self.err(
                    file,
                    &name.span(),
                    format!("{what} makes no Rust field name: give it a rust_name"),
                );
                "invalid".to_owned()
            }
        }
    }

    /// Pass 1: the global tables of actions, events and groups.
    fn index(&mut self) {
        for fi in 0..self.files.len() {
            let (source, file) = &self.files[fi];
            let family = source.stem.clone();
            for a in &file.action {
                let a = a.get_ref();
                let rust = self.upper_name(fi, &a.name, a.rust_name.as_ref(), "action");
                self.check_wire_name(fi, "action", "sent", &a.name);
                let key = a.name.get_ref().to_ascii_lowercase();
                let first = self.actions.get(&key).map(|(_, site)| site.clone());
                let Some(site) =
                    self.new_definition(fi, "action", a.name.get_ref(), &a.name.span(), first)
                else {
                    continue;
                };
                let r = TypeRef {
                    wire: a.name.get_ref().clone(),
                    family: family.clone(),
                    type_name: casing::action_type(&rust),
                    rust,
                    user_event: None,
                };
                self.actions.insert(key, (r, site));
            }
            for e in &file.event {
                let e = e.get_ref();
                self.check_wire_name(fi, "event", "matched", &e.name);
                if let Some(st) = &e.user_event {
                    self.check_user_event(fi, &e.name, st);
                }
                // Only `UserEvent` has subtypes (reported above otherwise).
                let subtype = e
                    .user_event
                    .as_ref()
                    .filter(|_| e.name.get_ref().eq_ignore_ascii_case("UserEvent"));
                // A subtype is named after its `UserEvent` header.
                let rust = match subtype {
                    Some(st) if e.rust_name.is_none() => {
                        self.upper_name(fi, st, None, "user_event")
                    }
                    _ => self.upper_name(fi, &e.name, e.rust_name.as_ref(), "event"),
                };
                let sub = subtype.map(|st| st.get_ref().as_str());
                let key = event_key(e.name.get_ref(), sub);
                let shown = spec_name(e.name.get_ref(), sub);
                let span = subtype.map_or_else(|| e.name.span(), |st| st.span());
                let first = self.events.get(&key).map(|(_, site)| site.clone());
                let Some(site) = self.new_definition(fi, "event", &shown, &span, first) else {
                    continue;
                };
                let reserved = match self.user_from {
                    Some(_) => ["Unknown", "Asterisk"].as_slice(),
                    None => ["Unknown"].as_slice(),
                };
                if reserved.contains(&rust.as_str()) {
                    let owner = if rust == "Unknown" {
                        "the `Event::Unknown` variant".to_owned()
                    } else {
                        "the variant of the user's event enum that holds `ami_generated::Event`"
                            .to_owned()
                    };
                    self.err(
                        fi,
                        &span,
                        format!("event Rust name `{rust}` is reserved for {owner}: give it another rust_name"),
                    );
                }
                let r = TypeRef {
                    wire: e.name.get_ref().clone(),
                    family: family.clone(),
                    type_name: casing::event_type(&rust),
                    rust,
                    user_event: sub.map(str::to_owned),
                };
                self.events.insert(key, (r, site));
            }
            for (gi, g) in file.group.iter().enumerate() {
                let g = g.get_ref();
                let key = g.name.get_ref().to_ascii_lowercase();
                let first = self.groups.get(&key).map(|(_, _, site)| site.clone());
                let Some(site) =
                    self.new_definition(fi, "group", g.name.get_ref(), &g.name.span(), first)
                else {
                    continue;
                };
                self.groups.insert(key, (fi, gi, site));
            }
        }
    }

    /// Report an action or event name that cannot travel in a header
    /// (`verb`: what the name is for, "sent" or "matched").
    fn check_wire_name(&mut self, fi: usize, kind: &str, verb: &str, name: &Spanned<String>) {
        if !is_header_name(name.get_ref()) {
            self.err(
                fi,
                &name.span(),
                format!(
                    "{kind} name `{}` cannot be {verb}: it is empty, or holds `:`, a control character, or whitespace other than inner spaces",
                    name.get_ref()
                ),
            );
        }
    }

    /// Check the `user_event` of event `name`: only `UserEvent` has
    /// subtypes, and the subtype must be a header value that a reference
    /// (`UserEvent: Subtype`) can name.
    fn check_user_event(&mut self, fi: usize, name: &Spanned<String>, subtype: &Spanned<String>) {
        if !name.get_ref().eq_ignore_ascii_case("UserEvent") {
            self.err(
                fi,
                &subtype.span(),
                format!(
                    "user_event `{}` makes a subtype of `UserEvent`, selected by its `UserEvent` header: \
                     event `{}` has no such header (name the event `UserEvent`)",
                    subtype.get_ref(),
                    name.get_ref()
                ),
            );
        }
        if !is_header_name(subtype.get_ref()) {
            self.err(
                fi,
                &subtype.span(),
                format!(
                    "user_event `{}` cannot be matched: it is empty, or holds `:`, a control character, or whitespace other than inner spaces",
                    subtype.get_ref()
                ),
            );
        }
    }

    /// The site of a new definition of `name` (at `span`), or `None`
    /// (reported) when a `kind` of that name (case-insensitively) was
    /// defined `first`.
    fn new_definition(
        &mut self,
        fi: usize,
        kind: &str,
        name: &str,
        span: &Range<usize>,
        first: Option<Site>,
    ) -> Option<Site> {
        if let Some(first) = first {
            let msg = if self.is_base(first.file) {
                let hint = if kind == "event" {
                    ": a user spec adds events of its own, or subtypes of `UserEvent` (`user_event = \"...\"`)"
                } else {
                    ": a user spec adds names of its own"
                };
                format!(
                    "{kind} `{name}` is already defined by the base spec (at {}){hint}",
                    self.at(&first)
                )
            } else {
                format!(
                    "duplicate {kind} `{name}` (names are case-insensitive; first defined at {})",
                    self.at(&first)
                )
            };
            self.err(fi, span, msg);
            return None;
        }
        Some(Site {
            file: fi,
            span: span.clone(),
        })
    }

    /// Whether `name` at this place is the definition that the index kept
    /// (not a duplicate, which is reported already).
    fn is_definition(
        &self,
        table: &BTreeMap<String, (TypeRef, Site)>,
        key: &str,
        fi: usize,
        span: &Range<usize>,
    ) -> bool {
        table
            .get(key)
            .is_some_and(|(_, site)| site.file == fi && site.span == *span)
    }

    fn action_ref(&mut self, file: usize, name: &Spanned<String>, what: &str) -> Option<TypeRef> {
        let found = self.actions.get(&name.get_ref().to_ascii_lowercase());
        match found {
            Some((r, _)) => Some(r.clone()),
            None => {
                if self.complete {
                    self.err(
                        file,
                        &name.span(),
                        format!(
                            "{what} names unknown action `{}`{}",
                            name.get_ref(),
                            crate::suggest::did_you_mean(
                                name.get_ref(),
                                self.actions.values().map(|(r, _)| r.wire.as_str())
                            )
                        ),
                    );
                }
                None
            }
        }
    }

    fn event_ref(&mut self, file: usize, name: &Spanned<String>, what: &str) -> Option<TypeRef> {
        let found = self.events.get(&event_ref_key(name.get_ref()));
        match found {
            Some((r, _)) => Some(r.clone()),
            None => {
                if self.complete {
                    self.err(
                        file,
                        &name.span(),
                        format!(
                            "{what} names unknown event `{}`{}",
                            name.get_ref(),
                            crate::suggest::did_you_mean(
                                name.get_ref(),
                                self.events.values().map(|(r, _)| r.wire.as_str())
                            )
                        ),
                    );
                }
                None
            }
        }
    }

    /// Pass 2: one file.
    fn family(&mut self, fi: usize) -> Family {
        let (source, file) = &self.files[fi];
        let name = file.family.get_ref().clone();
        let valid_name = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid_name {
            self.err(
                fi,
                &file.family.span(),
                format!("family `{name}` is not a lowercase module name ([a-z][a-z0-9_]*)"),
            );
        } else if name != source.stem {
            self.err(
                fi,
                &file.family.span(),
                format!(
                    "family `{name}` does not match the file name: expected `{}`",
                    source.stem
                ),
            );
        } else if casing::is_keyword(&name)
            || matches!(name.as_str(), "registry" | "all" | "default")
        {
            self.err(
                fi,
                &file.family.span(),
                format!("family `{name}` is reserved (a Rust keyword, a generated module or a cargo feature)"),
            );
        }
        if self.is_user(fi) {
            let base = self.files[..self.user_from.unwrap_or(0)]
                .iter()
                .find(|(b, _)| b.stem == name);
            if let Some((b, _)) = base {
                self.err(
                    fi,
                    &file.family.span(),
                    format!(
                        "family `{name}` is a family of the base spec ({}, `ami_generated::{name}`): give the file and its family another name",
                        b.path
                    ),
                );
            }
        }
        let is_common = source.stem == COMMON;
        if self.is_user(fi) {
            // A user spec is one crate without features: its shared groups
            // may live in any of its files.
        } else if is_common {
            for a in &file.action {
                self.err(
                    fi,
                    &a.span(),
                    "spec/common.toml holds shared groups only: move this action to its family's file",
                );
            }
            for e in &file.event {
                self.err(
                    fi,
                    &e.span(),
                    "spec/common.toml holds shared groups only: move this event to its family's file",
                );
            }
        } else {
            for g in &file.group {
                self.err(fi, &g.span(), "shared groups belong in spec/common.toml");
            }
        }
        let family = source.stem.clone();
        let mut groups = Vec::new();
        for g in &file.group {
            groups.push(self.field_group(fi, g));
        }
        let mut actions = Vec::new();
        let mut depends = BTreeSet::new();
        if !is_common {
            for a in &file.action {
                let action = self.action(fi, &family, a);
                if let ResponseKind::List { items, complete } = &action.response.kind {
                    for r in items.iter().chain([complete]) {
                        if r.family != family {
                            depends.insert(r.family.clone());
                        }
                    }
                }
                actions.push(action);
            }
        }
        let mut events = Vec::new();
        if !is_common {
            for e in &file.event {
                events.push(self.event(fi, &family, e));
            }
        }
        actions.sort_by_key(|a| a.wire.to_ascii_lowercase());
        events.sort_by_key(|e| e.wire.to_ascii_lowercase());
        Family {
            name: family,
            file: source.path.clone(),
            title: file.title.clone(),
            doc: file.doc.clone(),
            actions,
            events,
            groups,
            depends,
        }
    }

    /// Run `f` without keeping the diagnostics and type claims it makes.
    fn quiet<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let diags = std::mem::take(&mut self.diags);
        let types = self.type_names.clone();
        let out = f(self);
        self.diags = diags;
        self.type_names = types;
        out
    }
}

/// What a list of fields belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Action parameters (duplicates are checked by the action, free ones included).
    Params,
    /// Response fields.
    ResponseFields,
    /// Event fields and the fields of shared groups (used in events).
    EventFields,
}

impl Role {
    fn noun(self) -> &'static str {
        match self {
            Role::Params => "parameter",
            Role::ResponseFields | Role::EventFields => "field",
        }
    }

    fn framing(self) -> &'static [&'static str] {
        match self {
            Role::Params => ACTION_FRAMING,
            Role::ResponseFields => RESPONSE_FRAMING,
            Role::EventFields => EVENT_FRAMING,
        }
    }
}

/// Whether `name` can be the name of a header, an action or an event, as
/// `ami-derive` and `Message::parse_block` accept it: not empty, no `:`, no
/// control character, no whitespace but inner spaces (Asterisk sends
/// `Named Callgroup` and `Event: DataGet Tree`).
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(' ')
        && !name.ends_with(' ')
        && !name
            .chars()
            .any(|c| c == ':' || c.is_control() || (c.is_whitespace() && c != ' '))
}
