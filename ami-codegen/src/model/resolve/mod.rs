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
    let mut r = Resolver {
        files,
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
    if r.diags.is_empty() {
        families.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Model { families })
    } else {
        Err(r.diags.into_sorted())
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
        format!("{}:{line}:{col}", self.file(site.file).path)
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
                let Some(site) = self.new_definition(fi, "action", &a.name, first) else {
                    continue;
                };
                let r = TypeRef {
                    wire: a.name.get_ref().clone(),
                    family: family.clone(),
                    type_name: casing::action_type(&rust),
                    rust,
                };
                self.actions.insert(key, (r, site));
            }
            for e in &file.event {
                let e = e.get_ref();
                let rust = self.upper_name(fi, &e.name, e.rust_name.as_ref(), "event");
                self.check_wire_name(fi, "event", "matched", &e.name);
                let key = e.name.get_ref().to_ascii_lowercase();
                let first = self.events.get(&key).map(|(_, site)| site.clone());
                let Some(site) = self.new_definition(fi, "event", &e.name, first) else {
                    continue;
                };
                if rust == "Unknown" {
                    self.err(
                        fi,
                        &e.name.span(),
                        "event Rust name `Unknown` is reserved for the `Event::Unknown` variant: give it another rust_name",
                    );
                }
                let r = TypeRef {
                    wire: e.name.get_ref().clone(),
                    family: family.clone(),
                    type_name: casing::event_type(&rust),
                    rust,
                };
                self.events.insert(key, (r, site));
            }
            for (gi, g) in file.group.iter().enumerate() {
                let g = g.get_ref();
                let key = g.name.get_ref().to_ascii_lowercase();
                let first = self.groups.get(&key).map(|(_, _, site)| site.clone());
                let Some(site) = self.new_definition(fi, "group", &g.name, first) else {
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

    /// The site of a new definition of `name`, or `None` (reported) when a
    /// `kind` of that name (case-insensitively) was defined `first`.
    fn new_definition(
        &mut self,
        fi: usize,
        kind: &str,
        name: &Spanned<String>,
        first: Option<Site>,
    ) -> Option<Site> {
        if let Some(first) = first {
            let msg = format!(
                "duplicate {kind} `{}` (names are case-insensitive; first defined at {})",
                name.get_ref(),
                self.at(&first)
            );
            self.err(fi, &name.span(), msg);
            return None;
        }
        Some(Site {
            file: fi,
            span: name.span(),
        })
    }

    /// Whether `name` at this place is the definition that the index kept
    /// (not a duplicate, which is reported already).
    fn is_definition(
        &self,
        table: &BTreeMap<String, (TypeRef, Site)>,
        wire: &str,
        fi: usize,
        name: &Spanned<String>,
    ) -> bool {
        table
            .get(&wire.to_ascii_lowercase())
            .is_some_and(|(_, site)| site.file == fi && site.span == name.span())
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
        let found = self.events.get(&name.get_ref().to_ascii_lowercase());
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
        let is_common = source.stem == COMMON;
        if is_common {
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
