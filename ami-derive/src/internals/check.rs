//! Checks across the fields (or variants) of a model: duplicate wire names,
//! what each derive requires, and the fields constraints refer to.

use std::collections::HashMap;

use super::ast::{Container, FieldKind, VariantKind, WireName};
use super::attr::{ConstraintKind, IndexStyle, Shape};
use super::ctxt::Ctxt;
use super::Derive;

/// Run every check of `derive` on `cont`.
pub fn check(cx: &Ctxt, cont: &Container, derive: Derive) {
    if derive.on_enum() {
        check_variants(cx, cont, derive);
    } else {
        check_fields(cx, cont, derive);
        check_container(cx, cont, derive);
        check_constraints(cx, cont);
    }
}

/// Names are matched ignoring ASCII case, so two that differ only in case collide.
fn no_duplicates<'a>(cx: &Ctxt, names: impl IntoIterator<Item = &'a WireName>, what: &str) {
    let mut seen: HashMap<String, &WireName> = HashMap::new();
    for name in names {
        if let Some(first) = seen.get(&name.lower()) {
            cx.error_spanned_by(
                &name.lit,
                format!(
                    "duplicate {what} {:?} (already used as {:?}; names are matched ignoring case)",
                    name.value, first.value
                ),
            );
        } else {
            seen.insert(name.lower(), name);
        }
    }
}

fn check_fields(cx: &Ctxt, cont: &Container, derive: Derive) {
    let fields = cont.fields();
    no_duplicates(
        cx,
        fields.iter().filter_map(|f| match &f.kind {
            FieldKind::Value { name, .. } | FieldKind::Repeated { name, .. } => Some(name),
            _ => None,
        }),
        "header name",
    );
    for style in [IndexStyle::Dash6, IndexStyle::Paren] {
        no_duplicates(
            cx,
            fields.iter().filter_map(|f| match &f.kind {
                FieldKind::Indexed { name, style: s, .. } if *s == style => Some(name),
                _ => None,
            }),
            "indexed header name",
        );
    }
    let mut extras = fields.iter().filter(|f| matches!(f.kind, FieldKind::Extra));
    if let Some(first) = extras.next() {
        for other in extras {
            cx.error_spanned_by(
                other.ident,
                format!(
                    "only one field may be `extra`; `{}` already is",
                    first.ident
                ),
            );
        }
    } else if derive.is_message() {
        cx.error_at(
            cont.span(),
            format!(
                "#[derive({})] needs a field `#[ami(extra)] extra: Vec<ami_runtime::wire::Header>` \
                 to keep the headers no field knows: nothing may be dropped silently",
                derive.name()
            ),
        );
    }
}

fn check_container(cx: &Ctxt, cont: &Container, derive: Derive) {
    let attrs = &cont.attrs;
    match derive {
        Derive::Event => match &attrs.event {
            None => cx.error_at(
                cont.span(),
                "#[derive(AmiEvent)] needs the event's wire name: #[ami(event = \"Name\")]",
            ),
            Some(lit) if lit.value().is_empty() => {
                cx.error_spanned_by(lit, "the event name may not be empty")
            }
            Some(event) => {
                if let Some(lit) = &attrs.user_event {
                    if !event.value().eq_ignore_ascii_case("UserEvent") {
                        cx.error_spanned_by(
                            lit,
                            format!(
                                "`user_event` makes a subtype of `UserEvent`, selected by its \
                                 `UserEvent` header: it needs event = \"UserEvent\", not {:?}",
                                event.value()
                            ),
                        );
                    } else if lit.value().is_empty() || lit.value().contains(['\r', '\n']) {
                        cx.error_spanned_by(
                            lit,
                            "a `UserEvent` subtype is non-empty and has no line break",
                        );
                    }
                }
            }
        },
        Derive::Action => {
            match &attrs.action {
                None => cx.error_at(
                    cont.span(),
                    "#[derive(AmiAction)] needs the action's wire name: #[ami(action = \"Name\")]",
                ),
                Some(lit) if lit.value().is_empty() => {
                    cx.error_spanned_by(lit, "the action name may not be empty")
                }
                Some(_) => {}
            }
            if attrs.response.is_none() {
                cx.error_at(
                    cont.span(),
                    "#[derive(AmiAction)] needs the reply type: #[ami(response = Type)] \
                     (ami_runtime::wire::Ack for a plain Success)",
                );
            }
            let list = matches!(attrs.shape, Some((Shape::List, _)));
            match (&attrs.complete, &attrs.shape) {
                (None, Some((Shape::List, lit))) => cx.error_spanned_by(
                    lit,
                    "shape = \"list\" needs the completion event: complete = \"NameComplete\"",
                ),
                (Some(lit), _) if !list => cx.error_spanned_by(
                    lit,
                    "`complete` names the event ending a list: it needs shape = \"list\"",
                ),
                (Some(lit), _) if lit.value().is_empty() => {
                    cx.error_spanned_by(lit, "the completion event name may not be empty")
                }
                _ => {}
            }
            for (key, lit) in [
                ("since", &attrs.since),
                ("deprecated", &attrs.deprecated),
                ("removed", &attrs.removed),
            ] {
                let Some(lit) = lit else { continue };
                match super::attr::versions(lit) {
                    Err(why) => cx.error_spanned_by(lit, why),
                    Ok(list) if list.len() > 1 && key != "since" => cx.error_spanned_by(
                        lit,
                        format!("`{key}` is one version; only `since` lists one per branch"),
                    ),
                    Ok(_) => {}
                }
            }
        }
        _ => {}
    }
}

fn check_constraints(cx: &Ctxt, cont: &Container) {
    for constraint in &cont.attrs.constraints {
        let key = &constraint.key;
        let min = if constraint.kind == ConstraintKind::Requires {
            "a field and what it requires"
        } else {
            "at least two fields"
        };
        if constraint.fields.len() < 2 {
            cx.error_spanned_by(key, format!("`{key}` lists {min}"));
        }
        let mut seen = Vec::new();
        for ident in &constraint.fields {
            if seen.contains(&ident) {
                cx.error_spanned_by(ident, format!("`{ident}` is listed twice"));
                continue;
            }
            seen.push(ident);
            match cont.fields().iter().find(|f| f.ident == ident) {
                None => cx.error_spanned_by(ident, format!("no field `{ident}` in this struct")),
                Some(field) => match &field.kind {
                    FieldKind::Value { optional: true, .. }
                    | FieldKind::Repeated { .. }
                    | FieldKind::Indexed { .. } => {}
                    _ => cx.error_spanned_by(
                        ident,
                        format!(
                            "`{ident}` cannot take part in a constraint: constraints relate \
                             optional parameters, fields of type Option<T> or Vec<T> with a \
                             header name"
                        ),
                    ),
                },
            }
        }
    }
}

fn check_variants(cx: &Ctxt, cont: &Container, derive: Derive) {
    let variants = cont.variants();
    let unknown: Vec<_> = variants
        .iter()
        .filter(|v| matches!(v.kind, VariantKind::Unknown | VariantKind::Fallback { .. }))
        .collect();
    for extra in unknown.iter().skip(1) {
        cx.error_spanned_by(
            extra.ident,
            format!(
                "only one variant may take the events no other variant takes (`unknown` or \
                 `fallback`); `{}` already does",
                unknown[0].ident
            ),
        );
    }
    match derive {
        Derive::Enum => {
            if unknown.is_empty() {
                cx.error_at(
                    cont.span(),
                    "#[derive(AmiEnum)] needs a variant `#[ami(unknown)] Unknown(String)` to \
                     keep values this enumeration does not list: decoding never fails on a new value",
                );
            }
            no_duplicates(
                cx,
                variants.iter().filter_map(|v| match &v.kind {
                    VariantKind::Value(name) => Some(name),
                    _ => None,
                }),
                "value",
            );
        }
        _ => {
            // A name is taken once, or (`UserEvent`) once per subtype plus
            // at most once without one.
            let mut seen: HashMap<(String, Option<String>), String> = HashMap::new();
            for v in variants {
                let VariantKind::Event {
                    name, user_event, ..
                } = &v.kind
                else {
                    continue;
                };
                let subtype = user_event.as_ref().map(|l| l.value());
                let key = (
                    name.lower(),
                    subtype.as_ref().map(|s| s.to_ascii_lowercase()),
                );
                let shown = subtype.clone().unwrap_or_else(|| name.value.clone());
                if let Some(first) = seen.get(&key) {
                    let (what, span) = match user_event {
                        Some(lit) => (format!("event {:?} subtype", name.value), lit),
                        None => ("event name".to_owned(), &name.lit),
                    };
                    cx.error_spanned_by(
                        span,
                        format!(
                            "duplicate {what} {shown:?} (already used as {first:?}; names are \
                             matched ignoring case)"
                        ),
                    );
                } else {
                    seen.insert(key, shown);
                }
            }
        }
    }
}
