//! The comparison: for each documentation file (one Asterisk version V), the
//! spec's items that exist in V against what the docs list, one
//! [`Difference`] per disagreement, then the deviations that matched
//! nothing.
//!
//! A difference is accepted when the spec declares it: a deviation of the
//! kind that the difference names ([`Difference::accepts`](super::Difference::accepts)), on the item
//! itself, or on its parent with `name` set to the item's documented name
//! (`missing` is always declared that way: the item is not in the spec).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::ops::Range;

use super::report::{Counts, Difference, Location, Report, VersionReport};
use super::spec_view::{self, Avail, Deviation, DeviationKind, Version};
use super::xml::{DocAction, DocEvent, DocField, DocSet};
use crate::diagnostic::SourceFile;
use crate::model::{Action, EnumValue, Event, Field, Model, ResponseKind, Scalar, Type, COMMON};
use crate::spec;

/// One documentation file and the Asterisk version it documents.
#[derive(Clone, Debug)]
pub struct Docs {
    /// The Asterisk release the file comes from.
    pub version: Version,
    /// What it documents.
    pub set: DocSet,
}

/// Compare the spec (`model`, loaded from `sources`) with each of `docs`.
pub fn compare(model: &Model, sources: &[SourceFile], docs: &[Docs]) -> Report {
    let mut auditor = Auditor::new(model, sources);
    let versions = docs.iter().map(|d| auditor.version(d, docs)).collect();
    let audited: Vec<String> = docs.iter().map(|d| d.version.to_string()).collect();
    let (stale, deviations) = auditor.stale(&audited);
    Report {
        versions,
        stale,
        deviations,
    }
}

/// Headers every event has outside its fields (framing, list state and the
/// implicit `Privilege`), so never compared.
const EVENT_FRAMING: &[&str] = &["Event", "ActionID", "EventList", "Privilege"];

/// Deviations that may accept a difference: those of the item itself, or
/// those of its parent (which must then name the item).
#[derive(Clone, Copy)]
struct Holder<'m> {
    devs: &'m [Deviation],
    file: &'m str,
    parent: bool,
}

/// A parameter or field of the spec, as the comparison sees it.
struct SpecField<'m> {
    field: &'m Field,
    /// What the docs may call it, lowercase, with the `renamed` deviation
    /// that allows the name (index in `own.devs`), if any.
    names: Vec<(String, Option<usize>)>,
    /// Its wire name (with its prefix, for a shared group's field).
    display: String,
    location: Location,
    own: Holder<'m>,
    free: bool,
    avail: Avail<'m>,
}

struct Auditor<'m> {
    model: &'m Model,
    sources: BTreeMap<&'m str, &'m SourceFile>,
    family_files: BTreeMap<&'m str, &'m str>,
    action_sites: BTreeMap<String, (&'m str, Range<usize>)>,
    event_sites: BTreeMap<String, (&'m str, Range<usize>)>,
    /// Deviations that accepted something: (file, span start).
    used: HashSet<(String, usize)>,
}

impl<'m> Auditor<'m> {
    fn new(model: &'m Model, sources: &'m [SourceFile]) -> Self {
        let mut action_sites = BTreeMap::new();
        let mut event_sites = BTreeMap::new();
        for source in sources {
            // The model was built from these files, so they parse.
            let Ok(file) = spec::parse(source) else {
                continue;
            };
            for a in &file.action {
                let name = &a.get_ref().name;
                action_sites.insert(
                    name.get_ref().to_ascii_lowercase(),
                    (source.path.as_str(), name.span()),
                );
            }
            for e in &file.event {
                let name = &e.get_ref().name;
                event_sites.insert(
                    name.get_ref().to_ascii_lowercase(),
                    (source.path.as_str(), name.span()),
                );
            }
        }
        Auditor {
            model,
            sources: sources.iter().map(|s| (s.path.as_str(), s)).collect(),
            family_files: model
                .families
                .iter()
                .map(|f| (f.name.as_str(), f.file.as_str()))
                .collect(),
            action_sites,
            event_sites,
            used: HashSet::new(),
        }
    }

    fn spec_location(&self, file: &str, span: &Range<usize>) -> Location {
        let (line, col) = self
            .sources
            .get(file)
            .map_or((1, 1), |s| s.line_col(span.start));
        Location::Spec {
            file: file.to_owned(),
            line,
            col,
        }
    }

    fn family_file(&self, family: &str) -> &'m str {
        self.family_files.get(family).copied().unwrap_or("spec")
    }

    fn action_location(&self, action: &Action) -> Location {
        match self.action_sites.get(&action.wire.to_ascii_lowercase()) {
            Some((file, span)) => self.spec_location(file, span),
            None => self.spec_location(self.family_file(&action.family), &(0..0)),
        }
    }

    fn event_location(&self, event: &Event) -> Location {
        match self.event_sites.get(&event.wire.to_ascii_lowercase()) {
            Some((file, span)) => self.spec_location(file, span),
            None => self.spec_location(self.family_file(&event.family), &(0..0)),
        }
    }

    /// Record a difference unless a deviation accepts it: one of `kind`
    /// in `holders`, for one of the `accept` alternatives.
    fn differ(
        &mut self,
        out: &mut Vec<Difference>,
        counts: &mut Counts,
        location: Location,
        message: String,
        accept: &[(DeviationKind, &str, &[Holder<'m>])],
    ) {
        self.differ_detailed(out, counts, location, message, String::new(), accept);
    }

    /// [`Self::differ`] with a detail.
    fn differ_detailed(
        &mut self,
        out: &mut Vec<Difference>,
        counts: &mut Counts,
        location: Location,
        message: String,
        detail: String,
        accept: &[(DeviationKind, &str, &[Holder<'m>])],
    ) {
        for (kind, subject, holders) in accept {
            for holder in *holders {
                let found = holder.devs.iter().find(|d| {
                    d.kind == *kind
                        && match (&d.name, holder.parent) {
                            (Some(n), _) => n.eq_ignore_ascii_case(subject),
                            (None, parent) => !parent,
                        }
                });
                if let Some(d) = found {
                    self.used.insert((holder.file.to_owned(), d.span.start));
                    counts.honoured += 1;
                    return;
                }
            }
        }
        out.push(Difference {
            location,
            message,
            detail,
            accepts: accept.first().map(|(k, _, _)| *k),
        });
    }

    fn version(&mut self, docs: &Docs, all: &[Docs]) -> VersionReport {
        let v = docs.version;
        let mut out = Vec::new();
        let mut counts = Counts::default();
        self.actions(docs, all, &mut out, &mut counts);
        self.events(docs, all, &mut out, &mut counts);
        out.sort();
        out.dedup();
        VersionReport {
            version: v,
            source: docs.set.source.clone(),
            differences: out,
            counts,
            warnings: docs.set.warnings.clone(),
        }
    }

    /// The names the docs may give an item called `wire` with deviations
    /// `devs`: its own, and each `renamed` one.
    fn doc_names(wire: &[String], devs: &[Deviation]) -> Vec<(String, Option<usize>)> {
        let mut names: Vec<(String, Option<usize>)> = wire
            .iter()
            .map(|w| (w.to_ascii_lowercase(), None))
            .collect();
        for (i, d) in devs.iter().enumerate() {
            if let (DeviationKind::Renamed, Some(name)) = (d.kind, &d.name) {
                names.push((name.to_ascii_lowercase(), Some(i)));
            }
        }
        names
    }

    fn actions(
        &mut self,
        docs: &Docs,
        all: &[Docs],
        out: &mut Vec<Difference>,
        counts: &mut Counts,
    ) {
        let v = docs.version;
        let model = self.model;
        let mut matched: HashSet<*const Action> = HashSet::new();
        for doc in &docs.set.actions {
            counts.actions.documented += 1;
            let found = model.actions().find(|a| {
                Self::doc_names(std::slice::from_ref(&a.wire), spec_view::action_devs(a))
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(&doc.name))
            });
            let Some(action) = found else {
                self.differ_detailed(
                    out,
                    counts,
                    Location::Docs {
                        file: docs.set.source.clone(),
                        line: doc.line,
                    },
                    format!("action {}: documented, not in the spec", doc.name),
                    modules_detail(&doc.modules),
                    &[],
                );
                continue;
            };
            let avail = spec_view::action_avail(action);
            if !avail.in_version(&v) {
                let location = self.action_location(action);
                self.differ(
                    out,
                    counts,
                    location,
                    format!(
                        "action {}: documented in {v}, but the spec's versions leave it out ({})",
                        action.wire,
                        avail_text(&avail)
                    ),
                    &[],
                );
                continue;
            }
            matched.insert(action);
            counts.actions.found += 1;
            self.mark_renamed(
                &action.wire,
                &doc.name,
                spec_view::action_devs(action),
                self.family_file(&action.family),
            );
            self.action(docs, doc, action, out, counts);
        }
        for action in model.actions() {
            if matched.contains(&(action as *const Action))
                || !spec_view::action_avail(action).in_version(&v)
            {
                continue;
            }
            counts.extra_actions += 1;
            let hint = elsewhere(all, v, |d| d.action(&action.wire).map(|a| &a.since));
            let location = self.action_location(action);
            let own = Holder {
                devs: spec_view::action_devs(action),
                file: self.family_file(&action.family),
                parent: false,
            };
            self.differ_detailed(
                out,
                counts,
                location,
                format!("action {}: in the spec, not documented", action.wire),
                hint,
                &[(DeviationKind::Undocumented, &action.wire, &[own])],
            );
        }
    }

    /// A `renamed` deviation that let `doc_name` match `wire` is in use.
    fn mark_renamed(&mut self, wire: &str, doc_name: &str, devs: &[Deviation], file: &str) {
        if wire.eq_ignore_ascii_case(doc_name) {
            return;
        }
        for d in devs {
            if d.kind == DeviationKind::Renamed
                && d.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(doc_name))
            {
                self.used.insert((file.to_owned(), d.span.start));
            }
        }
    }

    fn action(
        &mut self,
        docs: &Docs,
        doc: &DocAction,
        action: &'m Action,
        out: &mut Vec<Difference>,
        counts: &mut Counts,
    ) {
        let v = docs.version;
        let file = self.family_file(&action.family);
        let location = self.action_location(action);
        let parent = Holder {
            devs: spec_view::action_devs(action),
            file,
            parent: true,
        };
        let own = Holder {
            parent: false,
            ..parent
        };
        self.since(
            out,
            counts,
            v,
            &location,
            &format!("action {}", action.wire),
            &doc.since,
            &spec_view::action_avail(action),
        );
        // Parameters: plain ones, indexed group members, free placeholders.
        let mut fields = Vec::new();
        for f in action.params.iter().chain(&action.free) {
            fields.push(self.spec_field(
                f,
                vec![f.wire.clone(), f.first_wire_name()],
                f.wire.clone(),
                file,
                action.free.iter().any(|x| std::ptr::eq(x, f)),
            ));
        }
        for g in &action.groups {
            for f in &g.fields {
                fields.push(self.spec_field(
                    f,
                    vec![f.wire.clone(), g.index.first(&f.wire)],
                    f.wire.clone(),
                    file,
                    false,
                ));
            }
        }
        let docs_fields: Vec<&DocField> = doc
            .params
            .iter()
            .filter(|p| !p.name.eq_ignore_ascii_case("ActionID"))
            .collect();
        self.fields(
            out,
            counts,
            v,
            "parameter",
            &action.wire,
            &location,
            parent,
            &docs_fields,
            &fields,
            true,
        );
        if let Some(list) = &doc.list {
            let lower = |names: &[String]| -> BTreeSet<String> {
                names.iter().map(|n| n.to_ascii_lowercase()).collect()
            };
            let docs_items = lower(&list.items);
            let docs_complete = lower(&list.complete);
            let spec_shape = match &action.response.kind {
                ResponseKind::List { items, complete } => {
                    let spec_items: BTreeSet<String> =
                        items.iter().map(|i| i.wire.to_ascii_lowercase()).collect();
                    let complete_ok = docs_complete.is_empty()
                        || docs_complete.contains(&complete.wire.to_ascii_lowercase());
                    if spec_items == docs_items && complete_ok {
                        None
                    } else {
                        Some(format!(
                            "items {}, completion {}",
                            join_wire(items.iter().map(|i| i.wire.as_str())),
                            complete.wire
                        ))
                    }
                }
                other => Some(format!("a {} reply", other.spec_name())),
            };
            if let Some(spec_shape) = spec_shape {
                self.differ(
                    out,
                    counts,
                    location.clone(),
                    format!(
                        "action {}: documented as a list reply with items {}, completion {}; the spec has {spec_shape}",
                        action.wire,
                        join_wire(list.items.iter().map(String::as_str)),
                        join_wire(list.complete.iter().map(String::as_str)),
                    ),
                    &[(DeviationKind::Type, &action.wire, &[own])],
                );
            }
        }
    }

    fn spec_field(
        &self,
        field: &'m Field,
        wire_names: Vec<String>,
        display: String,
        file: &'m str,
        free: bool,
    ) -> SpecField<'m> {
        let devs = spec_view::field_devs(field);
        SpecField {
            field,
            names: Self::doc_names(&wire_names, devs),
            display,
            location: self.spec_location(file, &field.span),
            own: Holder {
                devs,
                file,
                parent: false,
            },
            free,
            avail: spec_view::field_avail(field),
        }
    }

    /// Compare the documented fields (or parameters) of one item with the
    /// spec's. `is_action`: parameters of an action, where a docs parameter
    /// without `required` counts as optional; for event fields only explicit
    /// flags are compared (the docs of events rarely give them).
    #[allow(clippy::too_many_arguments)]
    fn fields(
        &mut self,
        out: &mut Vec<Difference>,
        counts: &mut Counts,
        v: Version,
        what: &str,
        owner: &str,
        owner_location: &Location,
        parent: Holder<'m>,
        docs_fields: &[&DocField],
        spec_fields: &[SpecField<'m>],
        is_action: bool,
    ) {
        let mut matched = vec![false; spec_fields.len()];
        for doc in docs_fields {
            if is_action {
                counts.params.documented += 1;
            } else {
                counts.fields.documented += 1;
            }
            let lower = doc.name.to_ascii_lowercase();
            let found = spec_fields
                .iter()
                .enumerate()
                .find(|(_, s)| s.names.iter().any(|(n, _)| *n == lower));
            let Some((i, spec)) = found else {
                self.differ(
                    out,
                    counts,
                    owner_location.clone(),
                    format!(
                        "{what} {} of {owner}: documented, not in the spec",
                        doc.name
                    ),
                    &[(DeviationKind::Missing, &doc.name, &[parent])],
                );
                continue;
            };
            if !spec.avail.in_version(&v) {
                self.differ(
                    out,
                    counts,
                    spec.location.clone(),
                    format!(
                        "{what} {} of {owner}: documented in {v}, but the spec's versions leave it out ({})",
                        spec.display,
                        avail_text(&spec.avail)
                    ),
                    &[],
                );
                continue;
            }
            matched[i] = true;
            if is_action {
                counts.params.found += 1;
            } else {
                counts.fields.found += 1;
            }
            if let Some((_, Some(dev))) = spec.names.iter().find(|(n, _)| *n == lower) {
                let d = &spec.own.devs[*dev];
                self.used.insert((spec.own.file.to_owned(), d.span.start));
            }
            if spec.free {
                continue;
            }
            let holders = [spec.own, parent];
            let docs_required = match doc.required {
                Some(r) => Some(r),
                None if is_action => Some(false),
                None => None,
            };
            if let Some(docs_required) = docs_required {
                if docs_required != spec.field.required {
                    let (d, s) = if docs_required {
                        ("required", "optional")
                    } else {
                        ("optional", "required")
                    };
                    self.differ(
                        out,
                        counts,
                        spec.location.clone(),
                        format!(
                            "{what} {} of {owner}: {d} in the docs, {s} in the spec",
                            spec.display
                        ),
                        &[(DeviationKind::Required, &doc.name, &holders)],
                    );
                }
            }
            self.values(out, counts, v, what, owner, doc, spec, &holders);
        }
        for (spec, matched) in spec_fields.iter().zip(matched) {
            if matched || !spec.avail.in_version(&v) {
                continue;
            }
            self.differ(
                out,
                counts,
                spec.location.clone(),
                format!(
                    "{what} {} of {owner}: in the spec, not documented",
                    spec.display
                ),
                &[(
                    DeviationKind::Undocumented,
                    &spec.display,
                    &[spec.own, parent],
                )],
            );
        }
    }

    /// Enumerated values of a matched field.
    #[allow(clippy::too_many_arguments)]
    fn values(
        &mut self,
        out: &mut Vec<Difference>,
        counts: &mut Counts,
        v: Version,
        what: &str,
        owner: &str,
        doc: &DocField,
        spec: &SpecField<'m>,
        holders: &[Holder<'m>],
    ) {
        if doc.values.is_empty() {
            return;
        }
        let values = match &spec.field.ty {
            Type::Enum(def) => &def.values,
            Type::Scalar(scalar) => {
                if !scalar_fits(*scalar, &doc.values) {
                    self.differ(
                        out,
                        counts,
                        spec.location.clone(),
                        format!(
                            "{what} {} of {owner}: documented with values {}; the spec's type is {}",
                            spec.display,
                            doc.values.join(", "),
                            scalar.spec_name()
                        ),
                        &[(DeviationKind::Type, &doc.name, holders)],
                    );
                }
                return;
            }
        };
        let available: Vec<&EnumValue> = values
            .iter()
            .filter(|value| spec_view::value_avail(value).in_version(&v))
            .collect();
        let mut matched = vec![false; available.len()];
        for value in &doc.values {
            let found = available.iter().position(|s| {
                Self::doc_names(std::slice::from_ref(&s.wire), spec_view::value_devs(s))
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(value))
            });
            match found {
                Some(i) => {
                    matched[i] = true;
                    self.mark_renamed(
                        &available[i].wire,
                        value,
                        spec_view::value_devs(available[i]),
                        spec.own.file,
                    );
                }
                None => self.differ(
                    out,
                    counts,
                    spec.location.clone(),
                    format!(
                        "{what} {} of {owner}: value {value:?} documented, not in the spec",
                        spec.display
                    ),
                    &[(DeviationKind::Values, value, holders)],
                ),
            }
        }
        for (value, matched) in available.iter().zip(matched) {
            if matched {
                continue;
            }
            let own = Holder {
                devs: spec_view::value_devs(value),
                file: spec.own.file,
                parent: false,
            };
            // `undocumented` on the value itself, or `values` on the field.
            self.differ(
                out,
                counts,
                spec.location.clone(),
                format!(
                    "{what} {} of {owner}: value {:?} in the spec, not documented",
                    spec.display, value.wire
                ),
                &[
                    (DeviationKind::Undocumented, &value.wire, &[own]),
                    (DeviationKind::Values, &value.wire, holders),
                ],
            );
        }
    }

    /// `since` of an item in both: the first release of this branch that
    /// has it must agree.
    #[allow(clippy::too_many_arguments)]
    fn since(
        &mut self,
        out: &mut Vec<Difference>,
        counts: &mut Counts,
        v: Version,
        location: &Location,
        what: &str,
        docs_since: &[String],
        spec: &Avail,
    ) {
        // Old releases have four numbers (1.6.2.0): the first three do.
        let docs: Vec<Version> = docs_since
            .iter()
            .filter_map(|s| Version::from_server_text(s))
            .collect();
        if docs.is_empty() {
            return;
        }
        let docs_start = branch_start(&docs, v.major);
        if docs_start == BranchStart::Absent {
            return;
        }
        let spec_start = branch_start(spec.since, v.major);
        if docs_start != spec_start {
            self.differ(
                out,
                counts,
                location.clone(),
                format!(
                    "{what}: since differs: the docs say {} ({} in {}), the spec {} ({} in {})",
                    join_versions(&docs),
                    docs_start,
                    v.major,
                    if spec.since.is_empty() {
                        "nothing".to_owned()
                    } else {
                        join_versions(spec.since)
                    },
                    spec_start,
                    v.major
                ),
                &[],
            );
        }
    }

    fn events(
        &mut self,
        docs: &Docs,
        all: &[Docs],
        out: &mut Vec<Difference>,
        counts: &mut Counts,
    ) {
        let v = docs.version;
        let model = self.model;
        let mut matched: HashSet<*const Event> = HashSet::new();
        for doc in &docs.set.events {
            counts.events.documented += 1;
            let found = model.events().find(|e| {
                Self::doc_names(std::slice::from_ref(&e.wire), spec_view::event_devs(e))
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(&doc.name))
            });
            let Some(event) = found else {
                self.differ_detailed(
                    out,
                    counts,
                    Location::Docs {
                        file: docs.set.source.clone(),
                        line: doc.line,
                    },
                    format!("event {}: documented, not in the spec", doc.name),
                    modules_detail(&doc.modules),
                    &[],
                );
                continue;
            };
            let avail = spec_view::event_avail(event);
            if !avail.in_version(&v) {
                let location = self.event_location(event);
                self.differ(
                    out,
                    counts,
                    location,
                    format!(
                        "event {}: documented in {v}, but the spec's versions leave it out ({})",
                        event.wire,
                        avail_text(&avail)
                    ),
                    &[],
                );
                continue;
            }
            matched.insert(event);
            counts.events.found += 1;
            self.mark_renamed(
                &event.wire,
                &doc.name,
                spec_view::event_devs(event),
                self.family_file(&event.family),
            );
            self.event(docs, doc, event, out, counts);
        }
        for event in model.events() {
            if matched.contains(&(event as *const Event))
                || !spec_view::event_avail(event).in_version(&v)
            {
                continue;
            }
            counts.extra_events += 1;
            let hint = elsewhere(all, v, |d| d.event(&event.wire).map(|e| &e.since));
            let location = self.event_location(event);
            let own = Holder {
                devs: spec_view::event_devs(event),
                file: self.family_file(&event.family),
                parent: false,
            };
            self.differ_detailed(
                out,
                counts,
                location,
                format!("event {}: in the spec, not documented", event.wire),
                hint,
                &[(DeviationKind::Undocumented, &event.wire, &[own])],
            );
        }
    }

    fn event(
        &mut self,
        docs: &Docs,
        doc: &DocEvent,
        event: &'m Event,
        out: &mut Vec<Difference>,
        counts: &mut Counts,
    ) {
        let v = docs.version;
        let file = self.family_file(&event.family);
        let location = self.event_location(event);
        let parent = Holder {
            devs: spec_view::event_devs(event),
            file,
            parent: true,
        };
        self.since(
            out,
            counts,
            v,
            &location,
            &format!("event {}", event.wire),
            &doc.since,
            &spec_view::event_avail(event),
        );
        let mut fields = Vec::new();
        for f in &event.fields {
            fields.push(self.spec_field(
                f,
                vec![f.wire.clone(), f.first_wire_name()],
                f.wire.clone(),
                file,
                false,
            ));
        }
        for f in &event.free {
            fields.push(self.spec_field(f, vec![f.wire.clone()], f.wire.clone(), file, true));
        }
        let common = self.family_file(COMMON);
        for u in &event.uses {
            for f in &u.fields {
                let wire = format!("{}{}", u.prefix, f.wire);
                let first = format!("{}{}", u.prefix, f.first_wire_name());
                let mut spec = self.spec_field(f, vec![wire.clone(), first], wire, common, false);
                // Reported at the event, which is where `use` puts the group;
                // a group field renamed in the docs is renamed under the prefix.
                spec.location = location.clone();
                for (name, renamed) in &mut spec.names {
                    if renamed.is_some() {
                        *name = format!("{}{name}", u.prefix.to_ascii_lowercase());
                    }
                }
                fields.push(spec);
            }
        }
        let docs_fields: Vec<&DocField> = doc
            .fields
            .iter()
            .filter(|p| !EVENT_FRAMING.iter().any(|f| p.name.eq_ignore_ascii_case(f)))
            .collect();
        self.fields(
            out,
            counts,
            v,
            "field",
            &event.wire,
            &location,
            parent,
            &docs_fields,
            &fields,
            false,
        );
    }

    /// Deviations that accepted nothing, and how many there are.
    fn stale(&self, audited: &[String]) -> (Vec<Difference>, usize) {
        let mut all: Vec<(&'m str, &'m Deviation, String)> = Vec::new();
        let model = self.model;
        for family in &model.families {
            let file = family.file.as_str();
            for a in &family.actions {
                let owner = format!("action {}", a.wire);
                for d in spec_view::action_devs(a) {
                    all.push((file, d, owner.clone()));
                }
                let mut fields: Vec<&Field> = a.params.iter().chain(&a.free).collect();
                fields.extend(a.groups.iter().flat_map(|g| &g.fields));
                if let ResponseKind::Single {
                    fields: r,
                    groups,
                    free,
                } = &a.response.kind
                {
                    fields.extend(r.iter().chain(free));
                    fields.extend(groups.iter().flat_map(|g| &g.fields));
                }
                for f in fields {
                    push_field_devs(&mut all, file, f, &format!("{} of {owner}", f.wire));
                }
            }
            for e in &family.events {
                let owner = format!("event {}", e.wire);
                for d in spec_view::event_devs(e) {
                    all.push((file, d, owner.clone()));
                }
                for f in e.fields.iter().chain(&e.free) {
                    push_field_devs(&mut all, file, f, &format!("{} of {owner}", f.wire));
                }
            }
            for g in &family.groups {
                for f in &g.fields {
                    push_field_devs(
                        &mut all,
                        file,
                        f,
                        &format!("{} of group {}", f.wire, g.name),
                    );
                }
            }
        }
        let count = all.len();
        let mut stale: Vec<Difference> = all
            .into_iter()
            .filter(|(file, d, _)| !self.used.contains(&((*file).to_owned(), d.span.start)))
            .map(|(file, d, owner)| Difference {
                location: self.spec_location(file, &d.span),
                message: format!(
                    "deviation {}{} on {owner} matches no difference in {}: remove it",
                    d.kind.spec_name(),
                    d.name
                        .as_ref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default(),
                    audited.join(", ")
                ),
                detail: String::new(),
                accepts: None,
            })
            .collect();
        stale.sort();
        (stale, count)
    }
}

fn push_field_devs<'m>(
    all: &mut Vec<(&'m str, &'m Deviation, String)>,
    file: &'m str,
    f: &'m Field,
    owner: &str,
) {
    for d in spec_view::field_devs(f) {
        all.push((file, d, owner.to_owned()));
    }
    if let Type::Enum(def) = &f.ty {
        for value in &def.values {
            for d in spec_view::value_devs(value) {
                all.push((file, d, format!("value {:?} of {owner}", value.wire)));
            }
        }
    }
}

/// Whether documented values fit a scalar type: booleans for `bool`,
/// integers for `int`/`uint`. Other scalars never enumerate.
fn scalar_fits(scalar: Scalar, values: &[String]) -> bool {
    const BOOLS: &[&str] = &["true", "false", "yes", "no", "1", "0", "on", "off"];
    match scalar {
        Scalar::Bool => values
            .iter()
            .all(|v| BOOLS.iter().any(|b| b.eq_ignore_ascii_case(v.trim()))),
        Scalar::Int => values.iter().all(|v| v.trim().parse::<i64>().is_ok()),
        Scalar::Uint => values.iter().all(|v| v.trim().parse::<u64>().is_ok()),
        _ => false,
    }
}

/// Where a branch begins to have an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BranchStart {
    /// From its first release.
    Whole,
    /// From this release.
    From(Version),
    /// Not at all.
    Absent,
}

impl fmt::Display for BranchStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BranchStart::Whole => f.write_str("all releases"),
            BranchStart::From(v) => write!(f, "from {v}"),
            BranchStart::Absent => f.write_str("none"),
        }
    }
}

/// The availability rule of the spec, for one branch.
fn branch_start(since: &[Version], major: u32) -> BranchStart {
    if since.is_empty() {
        return BranchStart::Whole;
    }
    match since.iter().find(|s| s.major == major) {
        Some(s) if s.minor == 0 && s.patch == 0 => BranchStart::Whole,
        Some(s) => BranchStart::From(*s),
        None if since.iter().all(|s| s.major < major) => BranchStart::Whole,
        None => BranchStart::Absent,
    }
}

/// ` (module app_queue)`, or nothing when the docs do not say.
fn modules_detail(modules: &[String]) -> String {
    match modules {
        [] => String::new(),
        [one] => format!(" (module {one})"),
        more => format!(" (modules {})", more.join(", ")),
    }
}

fn join_versions(versions: &[Version]) -> String {
    versions
        .iter()
        .map(Version::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn join_wire<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

fn avail_text(avail: &Avail) -> String {
    let mut parts = Vec::new();
    if !avail.since.is_empty() {
        parts.push(format!("since {}", join_versions(avail.since)));
    }
    if let Some(r) = avail.removed {
        parts.push(format!("removed in {r}"));
    }
    parts.join(", ")
}

/// ` (documented in 20.20.1 since 20.4.0)`: the other audited versions
/// whose docs have the item, as a hint for a spec item that `v` lacks.
fn elsewhere<'d>(
    all: &'d [Docs],
    v: Version,
    find: impl Fn(&'d DocSet) -> Option<&'d Vec<String>>,
) -> String {
    let mut found = Vec::new();
    let mut since = BTreeSet::new();
    for d in all.iter().filter(|d| d.version != v) {
        if let Some(s) = find(&d.set) {
            found.push(d.version.to_string());
            since.extend(s.iter().cloned());
        }
    }
    if found.is_empty() {
        return String::new();
    }
    let since: Vec<String> = since.into_iter().collect();
    if since.is_empty() {
        format!(" (documented in {})", found.join(", "))
    } else {
        format!(
            " (documented in {}, since {})",
            found.join(", "),
            since.join(", ")
        )
    }
}
