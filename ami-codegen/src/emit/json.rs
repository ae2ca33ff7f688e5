//! The JSON dump of `cargo xtask spec --json`, for tools outside Rust
//! (`seed-coverage`). Names are as on the wire; indexed names are given with
//! index 0 (`Action-000000`, `UnitAmount(0)`), event fields include the
//! fields of their groups under their prefix (`TransfererChannel`), free
//! placeholders (`"free": true`) and the headers every event or reply of its
//! kind has (`"implicit": true`: `Privilege`, `Timestamp`, `SystemName`,
//! `EventList` of completion events, `Output` of command output). Items
//! carry their availability (`since`: a list of versions, `deprecated`,
//! `removed`, `note`) and declared `deviations`, each key only when set.

use serde::Serialize;

use crate::model::*;

#[derive(Serialize)]
struct Spec<'m> {
    actions: Vec<ActionJson<'m>>,
    events: Vec<EventJson<'m>>,
}

#[derive(Serialize)]
struct ActionJson<'m> {
    name: &'m str,
    family: &'m str,
    synopsis: &'m str,
    #[serde(flatten)]
    life: Life<'m>,
    params: Vec<ParamJson<'m>>,
    response: ResponseJson<'m>,
    events: Vec<&'m str>,
}

#[derive(Serialize)]
struct ParamJson<'m> {
    name: String,
    required: bool,
    #[serde(rename = "type")]
    ty: &'static str,
    repeated: bool,
    free: bool,
    /// Marked `secret = true`: never shown by the generated types.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    secret: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'m str>,
    values: Vec<&'m str>,
    /// Availability and deviations of the values that have any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    value_details: Vec<ValueJson<'m>>,
    #[serde(flatten)]
    life: Life<'m>,
}

#[derive(Serialize)]
struct ResponseJson<'m> {
    kind: &'static str,
    fields: Vec<FieldJson<'m>>,
    events: Vec<&'m str>,
    complete: Option<&'m str>,
}

#[derive(Serialize)]
struct FieldJson<'m> {
    name: String,
    #[serde(rename = "type")]
    ty: &'static str,
    required: bool,
    repeated: bool,
    /// A placeholder of arbitrary headers (carried by `extra`).
    free: bool,
    /// Marked `secret = true`: never shown by the generated types.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    secret: bool,
    /// A header every message of the kind has (`Privilege`, `EventList`,
    /// `Output`), not declared in the spec.
    implicit: bool,
    /// A concrete wire name from this action's examples that an indexed
    /// field or a free placeholder covers (`Category-000001`,
    /// `Line-000001-000002`), listed so tools that match names literally
    /// find it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    observed: bool,
    /// Availability and deviations of the enum values that have any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    value_details: Vec<ValueJson<'m>>,
    #[serde(flatten)]
    life: Life<'m>,
}

/// An enum value with availability or deviations.
#[derive(Serialize)]
struct ValueJson<'m> {
    name: &'m str,
    #[serde(flatten)]
    life: Life<'m>,
}

/// `since`, `deprecated`, `removed`, `note` and `deviations` of an item,
/// each only when set.
#[derive(Serialize, Default)]
struct Life<'m> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    since: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deprecated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    removed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'m str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    deviations: Vec<DeviationJson<'m>>,
}

#[derive(Serialize)]
struct DeviationJson<'m> {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'m str>,
    why: &'m str,
}

fn life<'m>(versions: &'m Versions, deviations: &'m [Deviation]) -> Life<'m> {
    Life {
        since: versions.since.iter().map(Version::to_string).collect(),
        deprecated: versions.deprecated.map(|v| v.to_string()),
        removed: versions.removed.map(|v| v.to_string()),
        note: versions.note.as_deref(),
        deviations: deviations
            .iter()
            .map(|d| DeviationJson {
                kind: d.kind.spec_name(),
                name: d.name.as_deref(),
                why: &d.why,
            })
            .collect(),
    }
}

fn value_details(f: &Field) -> Vec<ValueJson<'_>> {
    match &f.ty {
        Type::Enum(e) => e
            .values
            .iter()
            .filter(|v| !v.versions.is_empty() || !v.deviations.is_empty())
            .map(|v| ValueJson {
                name: &v.wire,
                life: life(&v.versions, &v.deviations),
            })
            .collect(),
        Type::Scalar(_) => Vec::new(),
    }
}

#[derive(Serialize)]
struct EventJson<'m> {
    name: &'m str,
    /// A subtype of `UserEvent`: its `UserEvent` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    user_event: Option<&'m str>,
    family: &'m str,
    synopsis: &'m str,
    #[serde(flatten)]
    life: Life<'m>,
    fields: Vec<FieldJson<'m>>,
}

fn values(f: &Field) -> Vec<&str> {
    match &f.ty {
        Type::Enum(e) => e.values.iter().map(|v| v.wire.as_str()).collect(),
        Type::Scalar(_) => Vec::new(),
    }
}

fn param<'m>(f: &'m Field, name: String, free: bool, group: Option<&'m str>) -> ParamJson<'m> {
    ParamJson {
        name,
        required: f.required,
        ty: f.ty.spec_name(),
        repeated: f.is_vec(),
        free,
        secret: f.is_secret(),
        group,
        values: values(f),
        value_details: value_details(f),
        life: life(&f.versions, &f.deviations),
    }
}

fn field(f: &Field, name: String) -> FieldJson<'_> {
    FieldJson {
        name,
        ty: f.ty.spec_name(),
        required: f.required,
        repeated: f.is_vec(),
        free: false,
        secret: f.is_secret(),
        implicit: false,
        observed: false,
        value_details: value_details(f),
        life: life(&f.versions, &f.deviations),
    }
}

fn free_field(f: &Field) -> FieldJson<'_> {
    FieldJson {
        free: true,
        ..field(f, f.wire.clone())
    }
}

fn implicit(name: &str, ty: &'static str, repeated: bool) -> FieldJson<'static> {
    FieldJson {
        name: name.to_owned(),
        ty,
        required: false,
        repeated,
        free: false,
        secret: false,
        implicit: true,
        observed: false,
        value_details: Vec::new(),
        life: Life::default(),
    }
}

/// `name` without its index tokens (`-000001`, `(1)`), in ASCII lowercase:
/// `Line-000001-000002` gives `line`.
fn unindexed(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let dash6 = bytes[i] == b'-'
            && bytes.len() >= i + 7
            && bytes[i + 1..i + 7].iter().all(u8::is_ascii_digit);
        if dash6 {
            i += 7;
            continue;
        }
        if bytes[i] == b'(' {
            if let Some(close) = name[i..].find(')') {
                if close > 1 && bytes[i + 1..i + close].iter().all(u8::is_ascii_digit) {
                    i += close + 1;
                    continue;
                }
            }
        }
        out.push(bytes[i].to_ascii_lowercase() as char);
        i += 1;
    }
    out
}

/// Header names of the action's successful example replies that the
/// indexed fields (or, for a free-form reply, the free placeholders) cover,
/// beyond the names already listed.
fn observed_names(
    a: &Action,
    listed: &[FieldJson<'_>],
    indexed: &[String],
    free: bool,
) -> Vec<FieldJson<'static>> {
    let mut seen: std::collections::BTreeSet<String> =
        listed.iter().map(|f| f.name.to_ascii_lowercase()).collect();
    let mut out = Vec::new();
    for example in &a.examples {
        let Some(response) = &example.response else {
            continue;
        };
        let headers = header_lines(response);
        if !headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("Response") && *v == "Success")
        {
            continue;
        }
        for (name, _) in headers {
            if ["response", "actionid", "message", "eventlist"]
                .contains(&name.to_ascii_lowercase().as_str())
            {
                continue;
            }
            let covered = free || indexed.contains(&unindexed(name));
            if covered && seen.insert(name.to_ascii_lowercase()) {
                out.push(FieldJson {
                    name: name.to_owned(),
                    ty: "string",
                    required: false,
                    repeated: false,
                    free,
                    secret: false,
                    implicit: false,
                    observed: true,
                    value_details: Vec::new(),
                    life: Life::default(),
                });
            }
        }
    }
    out
}

/// The `Name: value` lines of a verbatim example block, up to its first blank line.
fn header_lines(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .map(|line| line.trim_end_matches('\r'))
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n, v.trim_start()))
        .collect()
}

/// Name of a member of an indexed group, for entry 0.
fn member_name(g: &Group, f: &Field) -> String {
    let name = g.index.first(&f.wire);
    match f.multi {
        Multi::Indexed(style) => style.first(&name),
        _ => name,
    }
}

/// The whole spec as pretty JSON, actions and events sorted by name.
pub fn spec_json(model: &Model) -> String {
    let mut actions: Vec<&Action> = model.actions().collect();
    actions.sort_by_key(|a| a.wire.to_ascii_lowercase());
    let mut events: Vec<&Event> = model.events().collect();
    // Completion events carry `EventList: Complete`.
    let completions: std::collections::BTreeSet<&str> = model
        .actions()
        .filter_map(|a| match &a.response.kind {
            ResponseKind::List { complete, .. } => Some(complete.wire.as_str()),
            _ => None,
        })
        .collect();
    events.sort_by_key(|e| e.wire.to_ascii_lowercase());
    let spec = Spec {
        actions: actions
            .into_iter()
            .map(|a| {
                let mut params: Vec<ParamJson> = a
                    .params
                    .iter()
                    .map(|f| param(f, f.first_wire_name(), false, None))
                    .collect();
                params.extend(a.free.iter().map(|f| param(f, f.wire.clone(), true, None)));
                for g in &a.groups {
                    params.extend(
                        g.fields
                            .iter()
                            .map(|f| param(f, member_name(g, f), false, Some(g.name.as_str()))),
                    );
                }
                let response = match &a.response.kind {
                    ResponseKind::Single {
                        fields,
                        groups,
                        free,
                    } => {
                        let mut out: Vec<FieldJson> = fields
                            .iter()
                            .map(|f| field(f, f.first_wire_name()))
                            .collect();
                        for g in groups {
                            out.extend(g.fields.iter().map(|f| field(f, member_name(g, f))));
                        }
                        out.extend(free.iter().map(free_field));
                        let indexed: Vec<String> =
                            fields
                                .iter()
                                .filter(|f| matches!(f.multi, Multi::Indexed(_)))
                                .map(|f| f.wire.to_ascii_lowercase())
                                .chain(groups.iter().flat_map(|g| {
                                    g.fields.iter().map(|f| f.wire.to_ascii_lowercase())
                                }))
                                .collect();
                        let observed = observed_names(a, &out, &indexed, !free.is_empty());
                        out.extend(observed);
                        ResponseJson {
                            kind: "single",
                            fields: out,
                            events: Vec::new(),
                            complete: None,
                        }
                    }
                    ResponseKind::List { items, complete } => ResponseJson {
                        kind: "list",
                        fields: Vec::new(),
                        events: items.iter().map(|i| i.wire.as_str()).collect(),
                        complete: Some(complete.wire.as_str()),
                    },
                    ResponseKind::Command => ResponseJson {
                        kind: "command",
                        fields: vec![implicit("Output", "string", true)],
                        events: Vec::new(),
                        complete: None,
                    },
                    other => ResponseJson {
                        kind: other.spec_name(),
                        fields: Vec::new(),
                        events: Vec::new(),
                        complete: None,
                    },
                };
                ActionJson {
                    name: &a.wire,
                    family: &a.family,
                    synopsis: &a.synopsis,
                    life: life(&a.versions, &a.deviations),
                    params,
                    response,
                    events: a.events.iter().map(|e| e.wire.as_str()).collect(),
                }
            })
            .collect(),
        events: events
            .into_iter()
            .map(|e| {
                let mut fields = vec![
                    implicit("Privilege", "string", false),
                    implicit("Timestamp", "float", false),
                    implicit("SystemName", "string", false),
                ];
                if completions.contains(e.wire.as_str()) {
                    fields.push(implicit("EventList", "string", false));
                }
                for u in &e.uses {
                    fields.extend(
                        u.fields
                            .iter()
                            .map(|f| field(f, format!("{}{}", u.prefix, f.first_wire_name()))),
                    );
                }
                fields.extend(e.fields.iter().map(|f| field(f, f.first_wire_name())));
                fields.extend(e.free.iter().map(free_field));
                EventJson {
                    name: &e.wire,
                    user_event: e.user_event.as_deref(),
                    family: &e.family,
                    synopsis: &e.synopsis,
                    life: life(&e.versions, &e.deviations),
                    fields,
                }
            })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&spec).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unindexed_strips_every_index_token() {
        assert_eq!(unindexed("Line-000001-000002"), "line");
        assert_eq!(unindexed("Category-000013"), "category");
        assert_eq!(unindexed("UnitAmount(1)"), "unitamount");
        assert_eq!(unindexed("Cause-txt"), "cause-txt");
        assert_eq!(unindexed("Named Callgroup"), "named callgroup");
    }

    #[test]
    fn header_lines_stop_at_the_blank_line() {
        let lines = header_lines("Response: Success\r\nCategory-000001: b\r\n\r\nX: y\r\n");
        assert_eq!(lines, [("Response", "Success"), ("Category-000001", "b")]);
    }
}
