//! Property tests: every generated action and event survives encode ->
//! decode with arbitrary field values.
//!
//! One generic test, no per-type code: the spec model (`ami_codegen::load`)
//! says which headers each action and event has and of which type; random
//! values of those types make a message; the generated code decodes it,
//! encodes it and decodes the encoding again, which must give the same
//! value (`registry::check_action` for actions, `Event::encode` for
//! events).
//!
//! Each value also goes through serde (JSON) and must come back unchanged.
//!
//! Cases per type: 6 by default, so that `cargo test` stays quick on a
//! loaded machine; set `AMI_PROPTEST_CASES` for a longer run.

use std::path::Path;
use std::sync::OnceLock;

use ami_codegen::model::{Field, IndexStyle, Model, Multi, Scalar, Type};
use ami_generated::registry::{self, check_action, ACTIONS, EVENTS};
use ami_generated::Event;
use ami_runtime::wire::{EncodeErrorKind, FromEvent, Message};
use ami_tests::{round_trip, RoundTrip};
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        ami_codegen::load(&root).unwrap_or_else(|e| panic!("the spec does not load: {e}"))
    })
}

/// A runner with a bounded, configurable case count and a fixed seed, so
/// that a failure reproduces.
fn runner() -> TestRunner {
    let cases = std::env::var("AMI_PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(6);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

/// Text that a header value can carry unchanged: no CR, LF or NUL, no
/// leading or trailing space; ASCII punctuation (`:` and `=` included) and
/// some non-ASCII.
fn text() -> BoxedStrategy<String> {
    "[a-zA-Z0-9!-/:-@\\[-`{-~éß€日😀]([ a-zA-Z0-9!-/:-@\\[-`{-~éß€日😀]{0,14}[a-zA-Z0-9!-/:-@\\[-`{-~éß€日😀])?"
        .prop_map(|s| s)
        .boxed()
}

/// A wire value of the field's type.
fn value(f: &Field) -> BoxedStrategy<String> {
    match &f.ty {
        Type::Scalar(Scalar::String | Scalar::Secret) => text(),
        Type::Scalar(Scalar::Int) => any::<i64>().prop_map(|v| v.to_string()).boxed(),
        Type::Scalar(Scalar::Uint) => any::<u64>().prop_map(|v| v.to_string()).boxed(),
        Type::Scalar(Scalar::Float) => any::<f64>()
            .prop_filter("finite", |v| v.is_finite())
            .prop_map(|v| v.to_string())
            .boxed(),
        Type::Scalar(Scalar::Bool) => prop::sample::select(vec![
            "Yes", "no", "true", "False", "1", "0", "on", "OFF", "y", "n",
        ])
        .prop_map(str::to_owned)
        .boxed(),
        Type::Scalar(Scalar::Var) => ("[A-Za-z_][A-Za-z0-9_]{0,8}", text())
            .prop_map(|(n, v)| format!("{n}={v}"))
            .boxed(),
        Type::Enum(e) => {
            prop::sample::select(e.values.iter().map(|v| v.wire.clone()).collect::<Vec<_>>())
                .boxed()
        }
    }
}

fn indexed(name: &str, style: IndexStyle, i: usize) -> String {
    match style {
        IndexStyle::Dash6 => format!("{name}-{i:06}"),
        IndexStyle::Paren => format!("{name}({i})"),
    }
}

type Headers = Vec<(String, String)>;

/// The headers of one field named `name`: always present when required,
/// else maybe; 0 to 3 of them when repeated or indexed.
fn field_headers(f: &Field, name: String) -> BoxedStrategy<Headers> {
    match f.multi {
        Multi::Single if f.required => value(f).prop_map(move |v| vec![(name.clone(), v)]).boxed(),
        Multi::Single => prop::option::of(value(f))
            .prop_map(move |v| v.map(|v| (name.clone(), v)).into_iter().collect())
            .boxed(),
        Multi::Repeated => prop::collection::vec(value(f), 0..4)
            .prop_map(move |vs| vs.into_iter().map(|v| (name.clone(), v)).collect())
            .boxed(),
        Multi::Indexed(style) => prop::collection::vec(value(f), 0..4)
            .prop_map(move |vs| {
                vs.into_iter()
                    .enumerate()
                    .map(|(i, v)| (indexed(&name, style, i), v))
                    .collect()
            })
            .boxed(),
    }
}

/// The headers of several fields, in order.
fn all_headers(parts: Vec<BoxedStrategy<Headers>>) -> BoxedStrategy<Headers> {
    parts
        .prop_map(|parts| parts.into_iter().flatten().collect())
        .boxed()
}

fn message(first: (&str, &str), headers: Headers) -> Message {
    let mut msg = Message::new().with(first.0.to_owned(), first.1.to_owned());
    for (n, v) in headers {
        msg.push(n, v);
    }
    msg
}

#[test]
fn every_action_round_trips_with_arbitrary_values() {
    let model = model();
    let mut checked = 0;
    let refused_by_constraints = std::cell::Cell::new(0u32);
    for info in ACTIONS {
        let action = model
            .families
            .iter()
            .flat_map(|f| &f.actions)
            .find(|a| a.wire == info.name)
            .unwrap_or_else(|| panic!("{} is in the registry, not in the spec", info.name));
        let mut parts: Vec<BoxedStrategy<Headers>> = action
            .params
            .iter()
            .map(|f| field_headers(f, f.wire.clone()))
            .collect();
        for group in &action.groups {
            let (style, fields) = (group.index, group.fields.clone());
            // 0 to 2 entries, numbered in order.
            parts.push(
                (0..3usize)
                    .prop_flat_map(move |entries| {
                        let fields = fields.clone();
                        (0..entries)
                            .map(|i| {
                                all_headers(
                                    fields
                                        .iter()
                                        .filter(|f| !f.is_vec())
                                        .map(|f| field_headers(f, indexed(&f.wire, style, i)))
                                        .collect(),
                                )
                            })
                            .collect::<Vec<_>>()
                    })
                    .prop_map(|entries| entries.into_iter().flatten().collect())
                    .boxed(),
            );
        }
        let strategy = all_headers(parts);
        let mut runner = runner();
        runner
            .run(&strategy, |headers| {
                let msg = message(("Action", info.name), headers);
                match check_action(&msg) {
                    Ok(()) => match registry::visit_action(&msg, RoundTrip) {
                        Ok(Ok(_)) => Ok(()),
                        Ok(Err(e)) => {
                            Err(TestCaseError::fail(format!("{} (serde): {e}", info.name)))
                        }
                        Err(e) => Err(TestCaseError::fail(format!("{}: {e}", info.name))),
                    },
                    // A random choice of optional parameters may break a
                    // constraint between them: refused, as it should be.
                    Err(registry::Error::Encode(e))
                        if matches!(e.kind, EncodeErrorKind::Constraint { .. }) =>
                    {
                        refused_by_constraints.set(refused_by_constraints.get() + 1);
                        Ok(())
                    }
                    Err(e) => Err(TestCaseError::fail(format!("{}: {e}\n{msg:?}", info.name))),
                }
            })
            .unwrap_or_else(|e| panic!("{e}"));
        checked += 1;
    }
    eprintln!(
        "{checked} actions round-tripped ({} samples refused by constraints)",
        refused_by_constraints.get()
    );
    assert_eq!(checked, ACTIONS.len());
}

#[test]
fn every_event_round_trips_with_arbitrary_values() {
    let model = model();
    let groups: Vec<_> = model.families.iter().flat_map(|f| &f.groups).collect();
    let mut checked = 0;
    for info in EVENTS {
        let event = model
            .families
            .iter()
            .flat_map(|f| &f.events)
            .find(|e| e.wire == info.name)
            .unwrap_or_else(|| panic!("{} is in the registry, not in the spec", info.name));
        let mut parts: Vec<BoxedStrategy<Headers>> = Vec::new();
        for used in &event.uses {
            let group = groups
                .iter()
                .find(|g| g.name == used.group.wire || g.name == used.group.type_name)
                .unwrap_or_else(|| panic!("group {:?} of {}", used.group, event.wire));
            let fields = all_headers(
                group
                    .fields
                    .iter()
                    .map(|f| field_headers(f, format!("{}{}", used.prefix, f.wire)))
                    .collect(),
            );
            parts.push(if used.optional {
                prop::option::of(fields)
                    .prop_map(Option::unwrap_or_default)
                    .boxed()
            } else {
                fields
            });
        }
        parts.extend(
            event
                .fields
                .iter()
                .map(|f| field_headers(f, f.wire.clone())),
        );
        let strategy = all_headers(parts);
        let mut runner = runner();
        runner
            .run(&strategy, |headers| {
                let msg = message(("Event", info.name), headers);
                let decoded = Event::from_event(&msg)
                    .map_err(|e| TestCaseError::fail(format!("{}: {e}\n{msg:?}", info.name)))?;
                prop_assert!(
                    !matches!(decoded, Event::Unknown(_)),
                    "{} decoded as unknown",
                    info.name
                );
                let mut out = Vec::new();
                decoded
                    .encode(&mut out)
                    .map_err(|e| TestCaseError::fail(format!("{}: {e}\n{msg:?}", info.name)))?;
                let encoded = String::from_utf8(out).expect("UTF-8");
                let again = Message::parse_block(&encoded)
                    .map_err(|e| TestCaseError::fail(format!("{e}: {encoded:?}")))?;
                let again = Event::from_event(&again)
                    .map_err(|e| TestCaseError::fail(format!("{e}: {encoded:?}")))?;
                prop_assert_eq!(&again, &decoded, "{}", encoded);
                round_trip(&decoded)
                    .map_err(|e| TestCaseError::fail(format!("{} (serde): {e}", info.name)))?;
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        checked += 1;
    }
    eprintln!("{checked} events round-tripped");
    assert_eq!(checked, EVENTS.len());
}
