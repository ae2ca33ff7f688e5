//! The validation pass: parsed spec files in, a consistent [`Model`] out, or
//! every problem found, each at its `spec/<file>.toml:LINE:COL`.
//!
//! The pass never stops at the first problem: each check records a
//! diagnostic and goes on with a best guess, so one run reports everything.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use toml::Spanned;

use super::*;
use crate::casing;
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile};
use crate::spec::{self, flag};

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

/// The spec keys of an indexed group, shared by action and reply groups.
struct GroupSpec<'s> {
    name: &'s spec::Name,
    rust_name: Option<&'s spec::Name>,
    index: &'s spec::Name,
    doc: &'s str,
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

/// The keys shared by parameters and fields, borrowed from either.
struct RawField<'s> {
    name: &'s Spanned<String>,
    rust_name: Option<&'s Spanned<String>>,
    ty: &'s Spanned<String>,
    required: &'s Option<Spanned<bool>>,
    repeated: &'s Option<Spanned<bool>>,
    index: Option<&'s Spanned<String>>,
    doc: &'s str,
    default: Option<&'s String>,
    example: Option<&'s Spanned<String>>,
    since: Option<&'s String>,
    values: &'s [Spanned<spec::EnumValue>],
    free: Option<&'s Spanned<bool>>,
    span: Range<usize>,
}

impl<'s> RawField<'s> {
    fn param(p: &'s Spanned<spec::Param>) -> Self {
        let s = p.get_ref();
        RawField {
            name: &s.name,
            rust_name: s.rust_name.as_ref(),
            ty: &s.ty,
            required: &s.required,
            repeated: &s.repeated,
            index: s.index.as_ref(),
            doc: &s.doc,
            default: s.default.as_ref(),
            example: s.example.as_ref(),
            since: s.since.as_ref(),
            values: &s.value,
            free: None,
            span: p.span(),
        }
    }

    fn field(f: &'s Spanned<spec::Field>) -> Self {
        let s = f.get_ref();
        RawField {
            name: &s.name,
            rust_name: s.rust_name.as_ref(),
            ty: &s.ty,
            required: &s.required,
            repeated: &s.repeated,
            index: s.index.as_ref(),
            doc: &s.doc,
            default: None,
            example: None,
            since: s.since.as_ref(),
            values: &s.value,
            free: s.free.as_ref(),
            span: f.span(),
        }
    }
}

/// Header names an action carries for framing; no parameter may take them.
const ACTION_FRAMING: &[&str] = &["Action", "ActionID"];
/// Header names that responses carry for framing; no field may take them.
const RESPONSE_FRAMING: &[&str] = &["Response", "ActionID", "EventList"];
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

    /// Resolve one indexed group (UpdateConfig's changes, GetConfig's
    /// categories): its type, field name, index style and members.
    fn indexed_group(
        &mut self,
        fi: usize,
        owner: &str,
        spec: GroupSpec<'_>,
        gwhat: &str,
        members: Vec<RawField<'_>>,
        role: Role,
    ) -> Group {
        let gname = spec.name.get_ref().clone();
        let type_name = self.group_type(fi, owner, spec.name);
        self.claim_type(&type_name, fi, &spec.name.span(), gwhat.to_owned());
        let field = self.snake_name(fi, spec.name, &gname, spec.rust_name, gwhat);
        let index = self.index_style(fi, spec.index);
        let fields = self.fields(fi, members, &type_name, gwhat, role);
        if fields.is_empty() {
            let kind = match role {
                Role::Params => "parameters",
                _ => "fields",
            };
            self.err(fi, &spec.name.span(), format!("{gwhat} has no {kind}"));
        }
        let names = Self::field_names(&fields);
        self.unique_rust_fields(fi, names, &[], gwhat);
        Group {
            name: gname,
            type_name,
            rust: field,
            index: index.unwrap_or(IndexStyle::Dash6),
            doc: spec.doc.to_owned(),
            fields,
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
                        format!("{what} names unknown action `{}`", name.get_ref()),
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
                        format!("{what} names unknown event `{}`", name.get_ref()),
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

    fn field_group(&mut self, fi: usize, g: &Spanned<spec::FieldGroup>) -> FieldGroup {
        let spec = g.get_ref();
        let name = spec.name.get_ref().clone();
        if !casing::is_upper_camel(&name) {
            self.err(
                fi,
                &spec.name.span(),
                format!("group name `{name}` is not an UpperCamelCase Rust identifier"),
            );
        }
        self.claim_type(&name, fi, &spec.name.span(), format!("group `{name}`"));
        let fields = self.fields(
            fi,
            spec.field.iter().map(RawField::field).collect(),
            &name,
            &format!("group `{name}`"),
            Role::EventFields,
        );
        if fields.is_empty() {
            self.err(
                fi,
                &spec.name.span(),
                format!("group `{name}` has no fields"),
            );
        }
        let names = Self::field_names(&fields);
        self.unique_rust_fields(fi, names, &[], &format!("group `{name}`"));
        FieldGroup {
            name,
            doc: spec.doc.clone(),
            fields,
        }
    }

    fn action(&mut self, fi: usize, family: &str, a: &Spanned<spec::Action>) -> Action {
        let spec = a.get_ref();
        let wire = spec.name.get_ref().clone();
        let rust = self
            .actions
            .get(&wire.to_ascii_lowercase())
            .map(|(r, _)| r.rust.clone())
            .unwrap_or_else(|| "Invalid".to_owned());
        let type_name = casing::action_type(&rust);
        let what = format!("action `{wire}`");
        if self.is_definition(&self.actions, &wire, fi, &spec.name) {
            self.claim_type(&type_name, fi, &spec.name.span(), what.clone());
        }

        // Parameters: free ones have no field.
        let (free_raw, field_raw): (Vec<_>, Vec<_>) =
            spec.param.iter().partition(|p| flag(&p.get_ref().free));
        let params = self.fields(
            fi,
            field_raw.into_iter().map(RawField::param).collect(),
            &rust,
            &what,
            Role::Params,
        );
        let mut free = Vec::new();
        for p in free_raw {
            let s = p.get_ref();
            if flag(&s.required) {
                self.err(
                    fi,
                    &s.name.span(),
                    format!(
                        "free parameter `{}` cannot be required: it has no field",
                        s.name.get_ref()
                    ),
                );
            }
            if s.index.is_some() || flag(&s.repeated) {
                self.err(
                    fi,
                    &s.name.span(),
                    format!(
                        "free parameter `{}` cannot be repeated or indexed: it has no field",
                        s.name.get_ref()
                    ),
                );
            }
            if !s.value.is_empty() || s.ty.get_ref() == "enum" {
                self.err(
                    fi,
                    &s.ty.span(),
                    format!(
                        "free parameter `{}` cannot be an enum: it has no field",
                        s.name.get_ref()
                    ),
                );
            }
            free.push(Field {
                wire: s.name.get_ref().clone(),
                rust: String::new(),
                ty: Type::Scalar(Scalar::String),
                required: false,
                multi: Multi::Single,
                doc: s.doc.clone(),
                default: s.default.clone(),
                example: s.example.as_ref().map(|e| e.get_ref().clone()),
                since: s.since.clone(),
                span: s.name.span(),
            });
        }

        // Parameter names are unique within the action, free ones included.
        let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
        for p in &spec.param {
            let n = &p.get_ref().name;
            let key = n.get_ref().to_ascii_lowercase();
            if let Some(first) = seen.get(&key) {
                let (line, col) = self.file(fi).line_col(first.start);
                self.err(
                    fi,
                    &n.span(),
                    format!(
                        "parameter `{}` is listed twice in {what} (names are case-insensitive; first at line {line}, column {col})",
                        n.get_ref()
                    ),
                );
            } else {
                seen.insert(key.clone(), n.span());
            }
            if ACTION_FRAMING
                .iter()
                .any(|f| f.eq_ignore_ascii_case(n.get_ref()))
            {
                self.err(
                    fi,
                    &n.span(),
                    format!(
                        "parameter name `{}` is a framing header the runtime writes itself",
                        n.get_ref()
                    ),
                );
            }
        }

        // Indexed parameter groups.
        let mut groups = Vec::new();
        for g in &spec.group {
            let gs = g.get_ref();
            let gwhat = format!("group `{}` of {what}", gs.name.get_ref());
            for p in &gs.param {
                let s = p.get_ref();
                if let Some(i) = &s.index {
                    self.err(
                        fi,
                        &i.span(),
                        format!(
                            "parameter `{}` of {gwhat} takes the group's index: remove `index`",
                            s.name.get_ref()
                        ),
                    );
                }
                if flag(&s.free) {
                    self.err(
                        fi,
                        &s.name.span(),
                        format!("parameter `{}` of {gwhat} cannot be free", s.name.get_ref()),
                    );
                }
            }
            let group = self.indexed_group(
                fi,
                &rust,
                GroupSpec {
                    name: &gs.name,
                    rust_name: gs.rust_name.as_ref(),
                    index: &gs.index,
                    doc: &gs.doc,
                },
                &gwhat,
                gs.param.iter().map(RawField::param).collect(),
                Role::Params,
            );
            groups.push(group);
        }
        let mut names = Self::field_names(&params);
        names.extend(
            groups
                .iter()
                .zip(&spec.group)
                .map(|(g, gs)| (g.rust.clone(), g.name.clone(), gs.get_ref().name.span())),
        );
        self.unique_rust_fields(fi, names, &["extra"], &what);

        let constraints = self.constraints(fi, spec, &params, &what);
        let see_also = spec
            .see_also
            .iter()
            .filter_map(|n| self.action_ref(fi, n, &format!("see_also of {what}")))
            .collect();
        let events = spec
            .events
            .iter()
            .filter_map(|n| self.event_ref(fi, n, &format!("events of {what}")))
            .collect();
        let response = self.response(fi, spec, &rust, &what);
        let examples = self.examples(fi, spec, &params, &free, &groups, &response, &what);

        let action = Action {
            wire,
            rust,
            type_name,
            family: family.to_owned(),
            synopsis: spec.synopsis.trim().to_owned(),
            description: spec.description.trim().to_owned(),
            module: spec.module.clone(),
            privilege: spec.privilege.clone(),
            since: spec.since.clone(),
            deprecated: spec.deprecated.clone(),
            removed: spec.removed.clone(),
            see_also,
            events,
            params,
            free,
            groups,
            constraints,
            response,
            examples,
        };
        if let (Some(first), None) = (spec.constraint.first(), action.satisfying_params(None)) {
            self.err(
                fi,
                &first.span(),
                format!("the constraints of {what} cannot all hold at once"),
            );
        }
        action
    }

    fn group_type(&mut self, fi: usize, owner: &str, name: &Spanned<String>) -> String {
        if !casing::is_upper_camel(name.get_ref()) {
            self.err(
                fi,
                &name.span(),
                format!(
                    "group name `{}` is not an UpperCamelCase Rust identifier",
                    name.get_ref()
                ),
            );
            return format!("{owner}Invalid");
        }
        format!("{owner}{}", name.get_ref())
    }

    fn index_style(&mut self, fi: usize, index: &Spanned<String>) -> Option<IndexStyle> {
        match index.get_ref().as_str() {
            "dash6" => Some(IndexStyle::Dash6),
            "paren" => Some(IndexStyle::Paren),
            other => {
                self.err(
                    fi,
                    &index.span(),
                    format!("unknown index style `{other}` (expected one of dash6, paren)"),
                );
                None
            }
        }
    }

    /// Rust field names must be unique within a struct and avoid the
    /// implicit fields. Each entry is (Rust name, wire name, span).
    fn unique_rust_fields(
        &mut self,
        fi: usize,
        fields: Vec<(String, String, Range<usize>)>,
        implicit: &[&str],
        what: &str,
    ) {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for (rust, wire, span) in fields {
            if implicit.contains(&rust.as_str()) {
                self.err(
                    fi,
                    &span,
                    format!("`{wire}` of {what} maps to the Rust field `{rust}`, which every such struct has: give it another rust_name"),
                );
            } else if let Some(first) = seen.get(&rust) {
                if first.eq_ignore_ascii_case(&wire) {
                    // Reported as listed twice.
                    continue;
                }
                self.err(
                    fi,
                    &span,
                    format!("`{first}` and `{wire}` of {what} both map to the Rust field `{rust}`: give one a rust_name"),
                );
            } else {
                seen.insert(rust, wire);
            }
        }
    }

    fn field_names(fields: &[Field]) -> Vec<(String, String, Range<usize>)> {
        fields
            .iter()
            .map(|f| (f.rust.clone(), f.wire.clone(), f.span.clone()))
            .collect()
    }

    /// Parameters or fields: types, enums, flags, names.
    fn fields(
        &mut self,
        fi: usize,
        raw: Vec<RawField<'_>>,
        owner: &str,
        what: &str,
        role: Role,
    ) -> Vec<Field> {
        let mut out = Vec::new();
        let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
        for f in raw {
            let wire = f.name.get_ref().clone();
            let key = wire.to_ascii_lowercase();
            if role != Role::Params {
                if let Some(first) = seen.get(&key) {
                    let (line, col) = self.file(fi).line_col(first.start);
                    self.err(
                        fi,
                        &f.name.span(),
                        format!("field `{wire}` is listed twice in {what} (names are case-insensitive; first at line {line}, column {col})"),
                    );
                } else {
                    seen.insert(key.clone(), f.name.span());
                }
                if role.framing().iter().any(|n| n.eq_ignore_ascii_case(&wire)) {
                    self.err(
                        fi,
                        &f.name.span(),
                        format!(
                            "field name `{wire}` is a framing header the runtime consumes itself"
                        ),
                    );
                }
            }
            if !is_header_name(&wire) {
                self.err(
                    fi,
                    &f.name.span(),
                    format!("`{wire}` cannot be a header name: it is empty, or holds `:`, a control character, or whitespace other than inner spaces"),
                );
            }
            let fwhat = format!("{} `{wire}` of {what}", role.noun());
            if let Some(free) = f.free.filter(|f| *f.get_ref()) {
                self.err(
                    fi,
                    &free.span(),
                    format!("{fwhat} cannot be free: only action parameters, response fields and event fields can"),
                );
            }
            let rust = self.snake_name(fi, f.name, &wire, f.rust_name, &fwhat);
            let ty = self.ty(fi, &f, owner, &rust, &fwhat);
            let required = flag(f.required);
            let repeated = flag(f.repeated);
            let mut multi = Multi::Single;
            if let Some(index) = f.index {
                if let Some(style) = self.index_style(fi, index) {
                    multi = Multi::Indexed(style);
                }
                if repeated {
                    self.err(
                        fi,
                        &index.span(),
                        format!("{fwhat} is both repeated and indexed: choose one"),
                    );
                }
            } else if repeated {
                multi = Multi::Repeated;
            }
            if required && multi != Multi::Single {
                let span = f.required.as_ref().map_or(f.span.clone(), |r| r.span());
                self.err(
                    fi,
                    &span,
                    format!(
                        "{fwhat} is repeated or indexed, so it cannot be required (it is a Vec)"
                    ),
                );
            }
            if let (Some(example), Some(ty)) = (f.example, &ty) {
                if let Err(why) = check_value(ty, example.get_ref()) {
                    self.err(
                        fi,
                        &example.span(),
                        format!("example `{}` of {fwhat} is not {why}", example.get_ref()),
                    );
                }
            }
            out.push(Field {
                wire,
                rust,
                ty: ty.unwrap_or(Type::Scalar(Scalar::String)),
                required: required && multi == Multi::Single,
                multi,
                doc: f.doc.trim().to_owned(),
                default: f.default.cloned(),
                example: f.example.map(|e| e.get_ref().clone()),
                since: f.since.cloned(),
                span: f.rust_name.map_or(f.name.span(), |r| r.span()),
            });
        }
        out
    }

    fn ty(
        &mut self,
        fi: usize,
        f: &RawField<'_>,
        owner: &str,
        rust_field: &str,
        what: &str,
    ) -> Option<Type> {
        let name = f.ty.get_ref().as_str();
        if name == "enum" {
            if f.values.is_empty() {
                self.err(
                    fi,
                    &f.ty.span(),
                    format!("{what} is an enum without values: add [[...value]] entries"),
                );
            }
            let type_name = match casing::nested_type(owner, rust_field) {
                Some(n) => n,
                None => {
                    self.err(
                        fi,
                        &f.name.span(),
                        format!("{what} makes no enum type name"),
                    );
                    format!("{owner}Invalid")
                }
            };
            self.claim_type(&type_name, fi, &f.ty.span(), format!("the enum of {what}"));
            let mut values = Vec::new();
            let mut wires: BTreeMap<String, Range<usize>> = BTreeMap::new();
            let mut variants: BTreeMap<String, String> = BTreeMap::new();
            for v in f.values {
                let vs = v.get_ref();
                let wire = vs.name.get_ref().clone();
                let rust = match &vs.rust_name {
                    Some(given) => {
                        if !casing::is_upper_camel(given.get_ref()) {
                            self.err(
                                fi,
                                &given.span(),
                                format!("rust_name `{}` of value `{wire}` is not an UpperCamelCase Rust identifier", given.get_ref()),
                            );
                        }
                        given.get_ref().clone()
                    }
                    None => match casing::upper_camel(&wire) {
                        Some(n) => n,
                        None => {
                            self.err(
                                fi,
                                &vs.name.span(),
                                format!("enum value `{wire}` of {what} makes no Rust identifier: give it a rust_name"),
                            );
                            continue;
                        }
                    },
                };
                if wire.is_empty() || wire.contains(['\r', '\n']) {
                    self.err(
                        fi,
                        &vs.name.span(),
                        format!("enum value `{wire:?}` of {what} cannot be sent"),
                    );
                }
                let key = wire.to_ascii_lowercase();
                if let Some(first) = wires.get(&key) {
                    let (line, col) = self.file(fi).line_col(first.start);
                    self.err(
                        fi,
                        &vs.name.span(),
                        format!("enum value `{wire}` of {what} is listed twice (values are case-insensitive; first at line {line}, column {col})"),
                    );
                    continue;
                }
                wires.insert(key, vs.name.span());
                let at = vs.rust_name.as_ref().map_or(vs.name.span(), |r| r.span());
                if rust == "Unknown" {
                    self.err(
                        fi,
                        &at,
                        format!("enum value `{wire}` of {what} maps to `Unknown`, the variant that keeps unlisted values: give it another rust_name"),
                    );
                } else if let Some(first) = variants.get(&rust) {
                    self.err(
                        fi,
                        &at,
                        format!("enum values `{first}` and `{wire}` of {what} both map to the variant `{rust}`: give one a rust_name"),
                    );
                } else {
                    variants.insert(rust.clone(), wire.clone());
                }
                values.push(EnumValue {
                    wire,
                    rust,
                    doc: vs.doc.trim().to_owned(),
                });
            }
            return Some(Type::Enum(EnumDef { type_name, values }));
        }
        if let Some(first) = f.values.first() {
            self.err(
                fi,
                &first.span(),
                format!("{what} has values but its type is `{name}`, not `enum`"),
            );
        }
        match Scalar::ALL.iter().find(|(n, _)| *n == name) {
            Some((_, s)) => Some(Type::Scalar(*s)),
            None => {
                let names: Vec<&str> = Scalar::ALL
                    .iter()
                    .map(|(n, _)| *n)
                    .chain(["enum"])
                    .collect();
                self.err(
                    fi,
                    &f.ty.span(),
                    format!(
                        "unknown type `{name}` of {what} (expected one of {})",
                        names.join(", ")
                    ),
                );
                None
            }
        }
    }

    fn constraints(
        &mut self,
        fi: usize,
        spec: &spec::Action,
        params: &[Field],
        what: &str,
    ) -> Vec<Constraint> {
        let mut out = Vec::new();
        for c in &spec.constraint {
            let cs = c.get_ref();
            let kind = match ConstraintKind::ALL
                .iter()
                .find(|(n, _)| *n == cs.kind.get_ref())
            {
                Some((_, k)) => Some(*k),
                None => {
                    let names: Vec<&str> = ConstraintKind::ALL.iter().map(|(n, _)| *n).collect();
                    self.err(
                        fi,
                        &cs.kind.span(),
                        format!(
                            "unknown constraint kind `{}` (expected one of {})",
                            cs.kind.get_ref(),
                            names.join(", ")
                        ),
                    );
                    None
                }
            };
            if cs.params.len() < 2 {
                self.err(
                    fi,
                    &c.span(),
                    format!("a constraint of {what} needs at least two params"),
                );
            }
            let mut wires = Vec::new();
            let mut fields = Vec::new();
            for p in &cs.params {
                let Some(param) = params
                    .iter()
                    .find(|f| f.wire.eq_ignore_ascii_case(p.get_ref()))
                else {
                    self.err(
                        fi,
                        &p.span(),
                        format!(
                            "constraint names `{}`, which is not a parameter of {what}",
                            p.get_ref()
                        ),
                    );
                    continue;
                };
                if wires.contains(&param.wire) {
                    self.err(
                        fi,
                        &p.span(),
                        format!("constraint names `{}` twice", p.get_ref()),
                    );
                    continue;
                }
                if param.required {
                    self.err(
                        fi,
                        &p.span(),
                        format!("constraint names `{}`, a required parameter of {what}: it is always set", param.wire),
                    );
                }
                wires.push(param.wire.clone());
                fields.push(param.rust.clone());
            }
            if let (Some(kind), true) = (kind, wires.len() >= 2) {
                out.push(Constraint {
                    kind,
                    params: wires,
                    fields,
                    doc: cs.doc.trim().to_owned(),
                });
            }
        }
        out
    }

    fn response(&mut self, fi: usize, spec: &spec::Action, rust: &str, what: &str) -> Response {
        let Some(r) = &spec.response else {
            return Response {
                kind: ResponseKind::Single {
                    fields: Vec::new(),
                    groups: Vec::new(),
                    free: Vec::new(),
                },
                doc: String::new(),
            };
        };
        let rs = r.get_ref();
        let kind_name = rs.kind.as_ref().map_or("single", |k| k.get_ref().as_str());
        let kind_span = rs.kind.as_ref().map_or(r.span(), |k| k.span());
        let rwhat = format!("the response of {what}");
        let is_list = kind_name == "list";
        if !is_list {
            if let Some(items) = &rs.items {
                self.err(
                    fi,
                    &items.span(),
                    format!("`items` is for list responses, but {rwhat} is `{kind_name}`"),
                );
            }
            if let Some(c) = &rs.complete {
                self.err(
                    fi,
                    &c.span(),
                    format!("`complete` is for list responses, but {rwhat} is `{kind_name}`"),
                );
            }
        }
        if kind_name != "single" {
            if let Some(f) = rs.field.first() {
                self.err(
                    fi,
                    &f.span(),
                    format!("fields are for single responses, but {rwhat} is `{kind_name}`"),
                );
            }
            if let Some(g) = rs.group.first() {
                self.err(
                    fi,
                    &g.span(),
                    format!("groups are for single responses, but {rwhat} is `{kind_name}`"),
                );
            }
        }
        let kind = match kind_name {
            "single" => {
                let owner = casing::response_type(rust);
                let (field_raw, free) = self.split_free(fi, &rs.field, &rwhat);
                let fields = self.fields(fi, field_raw, &owner, &rwhat, Role::ResponseFields);
                let mut groups = Vec::new();
                for g in &rs.group {
                    let gs = g.get_ref();
                    let gwhat = format!("group `{}` of {rwhat}", gs.name.get_ref());
                    let group = self.indexed_group(
                        fi,
                        &owner,
                        GroupSpec {
                            name: &gs.name,
                            rust_name: gs.rust_name.as_ref(),
                            index: &gs.index,
                            doc: &gs.doc,
                        },
                        &gwhat,
                        gs.field.iter().map(RawField::field).collect(),
                        Role::ResponseFields,
                    );
                    groups.push(group);
                }
                if !fields.is_empty() || !groups.is_empty() {
                    self.claim_type(&owner, fi, &r.span(), rwhat.clone());
                }
                for f in &rs.field {
                    let n = &f.get_ref().name;
                    if n.get_ref().eq_ignore_ascii_case("Message") {
                        self.err(
                            fi,
                            &n.span(),
                            format!("field `Message` of {rwhat} is implicit (every response has `message`): remove it"),
                        );
                    }
                }
                let mut names = Self::field_names(&fields);
                names.retain(|(_, wire, _)| !wire.eq_ignore_ascii_case("Message"));
                names.extend(
                    groups
                        .iter()
                        .zip(&rs.group)
                        .map(|(g, gs)| (g.rust.clone(), g.name.clone(), gs.get_ref().name.span())),
                );
                self.unique_rust_fields(fi, names, &["message", "extra"], &rwhat);
                ResponseKind::Single {
                    fields,
                    groups,
                    free,
                }
            }
            "list" => {
                let items: Vec<TypeRef> = match &rs.items {
                    Some(items) if !items.get_ref().is_empty() => items
                        .get_ref()
                        .iter()
                        .filter_map(|n| self.event_ref(fi, n, &format!("items of {rwhat}")))
                        .collect(),
                    Some(items) => {
                        self.err(
                            fi,
                            &items.span(),
                            format!("{rwhat} is a list without item events"),
                        );
                        Vec::new()
                    }
                    None => {
                        self.err(fi, &kind_span, format!("{rwhat} is a list without `items`"));
                        Vec::new()
                    }
                };
                if let Some(items) = &rs.items {
                    let mut seen = BTreeSet::new();
                    for n in items.get_ref() {
                        if !seen.insert(n.get_ref().to_ascii_lowercase()) {
                            self.err(
                                fi,
                                &n.span(),
                                format!("item event `{}` is listed twice", n.get_ref()),
                            );
                        }
                    }
                }
                let complete = match &rs.complete {
                    Some(c) => self.event_ref(fi, c, &format!("complete of {rwhat}")),
                    None => {
                        self.err(
                            fi,
                            &kind_span,
                            format!("{rwhat} is a list without `complete` (the completion event)"),
                        );
                        None
                    }
                };
                if let (Some(c), Some(items)) = (&complete, &rs.items) {
                    if let Some(n) = items
                        .get_ref()
                        .iter()
                        .find(|n| n.get_ref().eq_ignore_ascii_case(&c.wire))
                    {
                        self.err(
                            fi,
                            &n.span(),
                            format!(
                                "event `{}` is both an item and the completion event",
                                c.wire
                            ),
                        );
                    }
                }
                if items.len() > 1 {
                    let item = casing::item_type(rust);
                    self.claim_type(&item, fi, &kind_span, format!("the item enum of {rwhat}"));
                }
                match complete {
                    Some(complete) => ResponseKind::List { items, complete },
                    None => ResponseKind::Single {
                        fields: Vec::new(),
                        groups: Vec::new(),
                        free: Vec::new(),
                    },
                }
            }
            "command" => ResponseKind::Command,
            "raw" => ResponseKind::Raw,
            "goodbye" => ResponseKind::Goodbye,
            other => {
                self.err(
                    fi,
                    &kind_span,
                    format!("unknown response kind `{other}` (expected one of single, list, command, raw, goodbye)"),
                );
                ResponseKind::Single {
                    fields: Vec::new(),
                    groups: Vec::new(),
                    free: Vec::new(),
                }
            }
        };
        Response {
            kind,
            doc: rs.doc.trim().to_owned(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn examples(
        &mut self,
        fi: usize,
        spec: &spec::Action,
        params: &[Field],
        free: &[Field],
        groups: &[Group],
        response: &Response,
        what: &str,
    ) -> Vec<Example> {
        let mut out = Vec::new();
        for ex in &spec.example {
            let es = ex.get_ref();
            // Request: `Action: <this action>` first, then known parameters.
            let mut missing = Vec::new();
            if let Some(headers) = self.block(fi, &es.request, false) {
                missing = params
                    .iter()
                    .filter(|p| p.required)
                    .filter(|p| {
                        !headers
                            .iter()
                            .any(|(_, n, _)| n.eq_ignore_ascii_case(&p.wire))
                    })
                    .map(|p| p.wire.clone())
                    .collect();
                match headers.first() {
                    Some((_, n, v)) if n.eq_ignore_ascii_case("Action") => {
                        if !v.eq_ignore_ascii_case(spec.name.get_ref()) {
                            let at = self.line_in(fi, &es.request, 0);
                            self.diags.push(at.with(format!(
                                "example request is `Action: {v}`, not `{}`",
                                spec.name.get_ref()
                            )));
                        }
                    }
                    _ => {
                        let at = self.line_in(fi, &es.request, 0);
                        self.diags.push(at.with(format!(
                            "example request of {what} must start with `Action: {}`",
                            spec.name.get_ref()
                        )));
                    }
                }
                if free.is_empty() {
                    for (line, name, _) in headers.iter().skip(1) {
                        if name.eq_ignore_ascii_case("ActionID")
                            || knows_param(params, groups, name)
                        {
                            continue;
                        }
                        let at = self.line_in(fi, &es.request, *line);
                        self.diags.push(at.with(format!(
                            "example header `{name}` is not a parameter of {what}"
                        )));
                    }
                }
            }
            let raw = matches!(response.kind, ResponseKind::Raw);
            let is_error = es.response.as_ref().is_some_and(|r| {
                r.get_ref()
                    .lines()
                    .next()
                    .and_then(|l| l.split_once(':'))
                    .is_some_and(|(n, v)| {
                        n.eq_ignore_ascii_case("Response") && v.trim().eq_ignore_ascii_case("Error")
                    })
            });
            if !missing.is_empty() && !is_error {
                self.err(
                    fi,
                    &es.request.span(),
                    format!(
                        "example request of {what} lacks the required parameter{} {}, so its response must be `Response: Error`",
                        if missing.len() == 1 { "" } else { "s" },
                        missing.join(", ")
                    ),
                );
            }
            let mut success = false;
            if let Some(resp) = &es.response {
                if let Some(headers) = self.block(fi, resp, true) {
                    match headers.first() {
                        Some((_, n, v)) if n.eq_ignore_ascii_case("Response") => {
                            success = !v.eq_ignore_ascii_case("Error");
                        }
                        _ if raw => success = true,
                        _ => {
                            let at = self.line_in(fi, resp, 0);
                            self.diags.push(at.with(
                                "example response must start with a `Response:` header".to_owned(),
                            ));
                        }
                    }
                }
            }
            let mut event_names = Vec::new();
            for ev in &es.events {
                if let Some(headers) = self.block(fi, ev, false) {
                    match headers.first() {
                        Some((_, n, v)) if n.eq_ignore_ascii_case("Event") => {
                            if self.complete && !self.events.contains_key(&v.to_ascii_lowercase()) {
                                let at = self.line_in(fi, ev, 0);
                                self.diags.push(at.with(format!(
                                    "example event `{v}` is not an event of the spec"
                                )));
                            }
                            event_names.push(v.clone());
                        }
                        _ => {
                            let at = self.line_in(fi, ev, 0);
                            self.diags.push(at.with(
                                "example event must start with an `Event:` header".to_owned(),
                            ));
                        }
                    }
                }
            }
            if let (ResponseKind::List { complete, .. }, true) = (&response.kind, success) {
                let n = event_names
                    .iter()
                    .filter(|n| n.eq_ignore_ascii_case(&complete.wire))
                    .count();
                if n != 1 {
                    self.err(
                        fi,
                        &ex.span(),
                        format!(
                            "example of {what} has a successful list response, so it needs exactly one `{}` completion event (found {n})",
                            complete.wire
                        ),
                    );
                }
            }
            out.push(Example {
                missing,
                title: es.title.clone(),
                request: es.request.get_ref().clone(),
                response: es.response.as_ref().map(|r| r.get_ref().clone()),
                events: es.events.iter().map(|e| e.get_ref().clone()).collect(),
            });
        }
        out
    }

    /// Where line `line` (0-based) of a multi-line string value is.
    fn line_in(&self, fi: usize, value: &Spanned<String>, line: usize) -> Diagnostic {
        let file = self.file(fi);
        let span = value.span();
        let (l, c) = file.line_col(span.start);
        let raw = &file.text[span.clone()];
        // A multi-line string starts on the line after its opening quotes.
        let multi = raw.starts_with("\"\"\"\n")
            || raw.starts_with("'''\n")
            || raw.starts_with("\"\"\"\r\n")
            || raw.starts_with("'''\r\n");
        let (line, col) = if multi {
            (l + 1 + line, 1)
        } else if line == 0 {
            (l, c)
        } else {
            (l + line, 1)
        };
        Diagnostic {
            file: file.path.clone(),
            line,
            col,
            message: String::new(),
        }
    }

    /// The headers of a wire example as (line, name, value); `None` after
    /// reporting a malformed line. Mirrors `Message::parse_block`.
    fn block(
        &mut self,
        fi: usize,
        value: &Spanned<String>,
        response: bool,
    ) -> Option<Vec<(usize, String, String)>> {
        let text = value.get_ref();
        let lines: Vec<&str> = text.trim_end_matches(['\n', '\r']).split('\n').collect();
        let mut headers = Vec::new();
        let mut text_mode = false;
        let mut ok = true;
        for (i, line) in lines.iter().enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                let at = self.line_in(fi, value, i);
                self.diags.push(at.with(
                    "blank line inside a wire example: it would end the message there".to_owned(),
                ));
                ok = false;
                break;
            }
            if text_mode {
                continue;
            }
            match line.split_once(':') {
                // A first line with a space before its colon is raw text
                // (`Queues`); later names may hold spaces (`Named Callgroup`).
                Some((name, v))
                    if !name.is_empty() && (!headers.is_empty() || !name.contains(' ')) =>
                {
                    let v = v.strip_prefix(' ').unwrap_or(v);
                    if response && name.eq_ignore_ascii_case("Response") && v == "Follows" {
                        text_mode = true;
                    }
                    headers.push((i, name.to_owned(), v.to_owned()));
                }
                _ if response && headers.is_empty() => text_mode = true,
                _ => {
                    let at = self.line_in(fi, value, i);
                    self.diags
                        .push(at.with(format!("`{line}` is not a `Name: value` header line")));
                    ok = false;
                }
            }
        }
        ok.then_some(headers)
    }

    fn event(&mut self, fi: usize, family: &str, e: &Spanned<spec::Event>) -> Event {
        let spec = e.get_ref();
        let wire = spec.name.get_ref().clone();
        let rust = self
            .events
            .get(&wire.to_ascii_lowercase())
            .map(|(r, _)| r.rust.clone())
            .unwrap_or_else(|| "Invalid".to_owned());
        let type_name = casing::event_type(&rust);
        let what = format!("event `{wire}`");
        if self.is_definition(&self.events, &wire, fi, &spec.name) {
            self.claim_type(&type_name, fi, &spec.name.span(), what.clone());
        }
        let (field_raw, free) = self.split_free(fi, &spec.field, &what);
        let fields = self.fields(fi, field_raw, &rust, &what, Role::EventFields);
        for f in &spec.field {
            let n = &f.get_ref().name;
            if n.get_ref().eq_ignore_ascii_case("Privilege") {
                self.err(
                    fi,
                    &n.span(),
                    format!("field `Privilege` of {what} is implicit (every event has `privilege`): remove it"),
                );
            }
        }
        let mut uses = Vec::new();
        let mut use_spans = Vec::new();
        for u in &spec.uses {
            let us = u.get_ref();
            let key = us.group.get_ref().to_ascii_lowercase();
            let Some((gfile, gi, _)) = self.groups.get(&key).cloned() else {
                if self.complete {
                    self.err(
                        fi,
                        &us.group.span(),
                        format!("{what} uses unknown group `{}`", us.group.get_ref()),
                    );
                }
                continue;
            };
            let group = self.files[gfile].1.group[gi].get_ref();
            let prefix = us
                .prefix
                .as_ref()
                .map_or(String::new(), |p| p.get_ref().clone());
            if !prefix.is_empty() && !is_header_name(&prefix) {
                let span = us.prefix.as_ref().map_or(u.span(), |p| p.span());
                self.err(
                    fi,
                    &span,
                    format!("prefix `{prefix}` is no header name prefix"),
                );
            }
            let default_from = if prefix.is_empty() {
                group.name.get_ref().clone()
            } else {
                prefix.clone()
            };
            let anchor = us.prefix.as_ref().unwrap_or(&us.group);
            let uwhat = format!("the use of `{}` in {what}", group.name.get_ref());
            let rust_field =
                self.snake_name(fi, anchor, &default_from, us.rust_name.as_ref(), &uwhat);
            // Build the group's fields without reporting again (the group
            // itself reports its problems once).
            let fields = self.quiet(|r| {
                r.fields(
                    gfile,
                    group.field.iter().map(RawField::field).collect(),
                    group.name.get_ref(),
                    "",
                    Role::EventFields,
                )
            });
            use_spans.push(us.rust_name.as_ref().map_or(anchor.span(), |r| r.span()));
            uses.push(Use {
                group: TypeRef {
                    wire: group.name.get_ref().clone(),
                    family: COMMON.to_owned(),
                    type_name: group.name.get_ref().clone(),
                    rust: group.name.get_ref().clone(),
                },
                prefix,
                optional: us.optional,
                rust: rust_field,
                fields,
            });
        }
        // Expanded wire names are unique: own fields and every group field
        // under its prefix.
        let mut wires: BTreeMap<String, String> = BTreeMap::new();
        for f in &fields {
            wires.insert(f.wire.to_ascii_lowercase(), format!("field `{}`", f.wire));
        }
        for (u, span) in uses.iter().zip(&use_spans) {
            for f in &u.fields {
                let full = format!("{}{}", u.prefix, f.wire);
                let key = full.to_ascii_lowercase();
                let this = format!("`{full}` of group `{}`", u.group.wire);
                if let Some(first) = wires.get(&key) {
                    self.err(
                        fi,
                        span,
                        format!(
                            "header `{full}` of {what} comes twice: from {first} and from {this}"
                        ),
                    );
                } else {
                    wires.insert(key, this);
                }
            }
        }
        let mut names = Self::field_names(&fields);
        names.retain(|(_, wire, _)| !wire.eq_ignore_ascii_case("Privilege"));
        names.extend(uses.iter().zip(&use_spans).map(|(u, span)| {
            (
                u.rust.clone(),
                format!("the use of {}", u.group.wire),
                span.clone(),
            )
        }));
        self.unique_rust_fields(fi, names, &["privilege", "extra"], &what);
        Event {
            wire,
            rust,
            type_name,
            family: family.to_owned(),
            synopsis: spec.synopsis.trim().to_owned(),
            description: spec.description.trim().to_owned(),
            privilege: spec.privilege.clone(),
            since: spec.since.clone(),
            deprecated: spec.deprecated.clone(),
            uses,
            fields,
            free,
            caused_by: Vec::new(),
            listed_by: Vec::new(),
        }
    }

    /// Split fields into those with a Rust field and the free ones
    /// (placeholders of arbitrary headers, carried by `extra`).
    fn split_free<'s>(
        &mut self,
        fi: usize,
        fields: &'s [Spanned<spec::Field>],
        what: &str,
    ) -> (Vec<RawField<'s>>, Vec<Field>) {
        let mut typed = Vec::new();
        let mut free = Vec::new();
        for f in fields {
            let s = f.get_ref();
            if !flag(&s.free) {
                typed.push(RawField::field(f));
                continue;
            }
            if flag(&s.required) || flag(&s.repeated) || s.index.is_some() || !s.value.is_empty() {
                self.err(
                    fi,
                    &s.name.span(),
                    format!("free field `{}` of {what} has no Rust field: it cannot be required, repeated, indexed or an enum", s.name.get_ref()),
                );
            }
            free.push(Field {
                wire: s.name.get_ref().clone(),
                rust: String::new(),
                ty: Type::Scalar(Scalar::String),
                required: false,
                multi: Multi::Single,
                doc: s.doc.trim().to_owned(),
                default: None,
                example: None,
                since: s.since.clone(),
                span: s.name.span(),
            });
        }
        (typed, free)
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

impl Diagnostic {
    fn with(mut self, message: String) -> Diagnostic {
        self.message = message;
        self
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

/// Whether a header of an example request is a parameter (plain, indexed or
/// a member of an indexed group).
fn knows_param(params: &[Field], groups: &[Group], name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let matches = |f: &Field, style: Option<IndexStyle>| {
        let wire = f.wire.to_ascii_lowercase();
        match style.or(match f.multi {
            Multi::Indexed(s) => Some(s),
            _ => None,
        }) {
            None => lower == wire,
            Some(style) => strip_index(&lower, style).is_some_and(|base| base == wire),
        }
    };
    params.iter().any(|f| matches(f, None))
        || groups
            .iter()
            .any(|g| g.fields.iter().any(|f| matches(f, Some(g.index))))
}

/// `name-000003` -> `name` (or `name(3)` -> `name`).
fn strip_index(name: &str, style: IndexStyle) -> Option<&str> {
    match style {
        IndexStyle::Dash6 => {
            let (base, digits) = name.rsplit_once('-')?;
            (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(base)
        }
        IndexStyle::Paren => {
            let base = name.strip_suffix(')')?;
            let (base, digits) = base.rsplit_once('(')?;
            (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(base)
        }
    }
}

/// Whether `value` is a valid value of `ty`; `Err` says what it should be.
pub fn check_value(ty: &Type, value: &str) -> Result<(), String> {
    let ok = match ty {
        Type::Scalar(Scalar::String) => true,
        Type::Scalar(Scalar::Int) => value.trim().parse::<i64>().is_ok(),
        Type::Scalar(Scalar::Uint) => value.trim().parse::<u64>().is_ok(),
        Type::Scalar(Scalar::Float) => value.trim().parse::<f64>().is_ok(),
        Type::Scalar(Scalar::Bool) => parse_bool(value).is_some(),
        Type::Scalar(Scalar::Var) => value.split_once('=').is_some_and(|(n, _)| !n.is_empty()),
        Type::Enum(e) => e.values.iter().any(|v| v.wire.eq_ignore_ascii_case(value)),
    };
    if ok {
        Ok(())
    } else {
        Err(match ty {
            Type::Enum(e) => format!(
                "one of {}",
                e.values
                    .iter()
                    .map(|v| v.wire.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Type::Scalar(s) => format!("a valid `{}`", s.spec_name()),
        })
    }
}

/// Asterisk's booleans (`ast_true` / `ast_false`).
pub fn parse_bool(value: &str) -> Option<bool> {
    let v = value.trim();
    if ["yes", "true", "y", "t", "1", "on"]
        .iter()
        .any(|t| v.eq_ignore_ascii_case(t))
    {
        Some(true)
    } else if ["no", "false", "n", "f", "0", "off"]
        .iter()
        .any(|t| v.eq_ignore_ascii_case(t))
    {
        Some(false)
    } else {
        None
    }
}

/// Fill `caused_by` and `listed_by` of every event.
fn link_events(families: &mut [Family]) {
    let mut caused: BTreeMap<String, Vec<TypeRef>> = BTreeMap::new();
    let mut listed: BTreeMap<String, Vec<TypeRef>> = BTreeMap::new();
    for f in families.iter() {
        for a in &f.actions {
            let me = TypeRef {
                wire: a.wire.clone(),
                family: a.family.clone(),
                type_name: a.type_name.clone(),
                rust: a.rust.clone(),
            };
            for e in &a.events {
                caused.entry(e.wire.clone()).or_default().push(me.clone());
            }
            if let ResponseKind::List { items, complete } = &a.response.kind {
                for e in items.iter().chain([complete]) {
                    listed.entry(e.wire.clone()).or_default().push(me.clone());
                }
            }
        }
    }
    for f in families.iter_mut() {
        for e in &mut f.events {
            let mut c = caused.remove(&e.wire).unwrap_or_default();
            c.sort_by_key(|r| r.wire.to_ascii_lowercase());
            let mut l = listed.remove(&e.wire).unwrap_or_default();
            l.sort_by_key(|r| r.wire.to_ascii_lowercase());
            e.caused_by = c;
            e.listed_by = l;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_strip() {
        assert_eq!(strip_index("cat-000003", IndexStyle::Dash6), Some("cat"));
        assert_eq!(strip_index("cat-3", IndexStyle::Dash6), None);
        assert_eq!(
            strip_index("unitamount(12)", IndexStyle::Paren),
            Some("unitamount")
        );
        assert_eq!(strip_index("unitamount", IndexStyle::Paren), None);
    }

    #[test]
    fn values_are_checked_by_type() {
        assert!(check_value(&Type::Scalar(Scalar::Uint), "30").is_ok());
        assert_eq!(
            check_value(&Type::Scalar(Scalar::Uint), "-1").unwrap_err(),
            "a valid `uint`"
        );
        assert!(check_value(&Type::Scalar(Scalar::Bool), "Yes").is_ok());
        assert!(check_value(&Type::Scalar(Scalar::Var), "a=b").is_ok());
        assert!(check_value(&Type::Scalar(Scalar::Var), "=b").is_err());
    }
}
