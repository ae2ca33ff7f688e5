//! The `serde` feature: every typed action, response and event of the
//! spec's wire examples survives serialize -> deserialize unchanged, and the
//! JSON keeps the documented shape (typed scalars, lists always arrays,
//! `None` omitted, secrets redacted).
//!
//! Driven by the spec model (`ami_codegen::load`) and the registry: no
//! per-type code. Actions and replies reach their typed value through
//! `registry::visit_action` / `registry::visit_reply`, events through the
//! generated `Event` enum.

use std::path::Path;

use ami_generated::registry::{self, action_info, ACTIONS, EVENTS};
use ami_generated::Event;
use ami_runtime::wire::{FromEvent, Message, MessageKind, Reply, ResponseShape};
use ami_tests::{round_trip, RoundTrip};

fn model() -> ami_codegen::model::Model {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    ami_codegen::load(&root).unwrap_or_else(|e| panic!("the spec does not load: {e}"))
}

fn parse(text: &str) -> Message {
    Message::parse_block(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn every_example_round_trips_through_serde() {
    let model = model();
    let (mut actions, mut replies, mut events) = (0, 0, 0);
    let mut failures = Vec::new();
    let mut event_names = std::collections::BTreeSet::new();
    let mut action_names = std::collections::BTreeSet::new();
    let mut event = |text: &str, failures: &mut Vec<String>| {
        let msg = parse(text);
        let typed = Event::from_event(&msg).unwrap_or_else(|e| panic!("{e}: {text}"));
        if let MessageKind::Event(name) = msg.kind() {
            event_names.insert(name.to_ascii_lowercase());
        }
        if let Err(e) = round_trip(&typed) {
            failures.push(format!("event {}: {e}", typed.name()));
        }
        events += 1;
    };
    for action in model.actions() {
        let Some(info) = action_info(&action.wire) else {
            continue;
        };
        for example in &action.examples {
            let request = parse(&example.request);
            if example.missing.is_empty() {
                match registry::visit_action(&request, RoundTrip) {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => failures.push(format!("action {}: {e}", info.name)),
                    Err(e) => failures.push(format!("action {}: decode: {e}", info.name)),
                }
                action_names.insert(info.name);
                actions += 1;
            }
            for text in &example.events {
                event(text, &mut failures);
            }
            let Some(response) = &example.response else {
                continue;
            };
            let head = parse(response);
            if matches!(head.kind(), MessageKind::Response(s) if s.eq_ignore_ascii_case("Error")) {
                continue;
            }
            let mut reply = Reply::single(head);
            if let ResponseShape::List { complete } = info.shape {
                for text in &example.events {
                    let msg = parse(text);
                    if msg
                        .get("Event")
                        .is_some_and(|e| e.eq_ignore_ascii_case(complete))
                    {
                        reply.complete = Some(msg);
                    } else {
                        reply.items.push(msg);
                    }
                }
            }
            match registry::visit_reply(info.name, &reply, RoundTrip) {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => failures.push(format!("response to {}: {e}", info.name)),
                Err(e) => failures.push(format!("response to {}: decode: {e}", info.name)),
            }
            replies += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    eprintln!(
        "serde round trips: {actions} actions ({} of {} kinds), {replies} replies, {events} events ({} of {} kinds)",
        action_names.len(),
        ACTIONS.len(),
        event_names.len(),
        EVENTS.len()
    );
    // Every kind is covered with arbitrary values by `round_trips.rs`.
    assert!(actions > 100 && replies > 100 && events > 100);
}

#[test]
fn secrets_serialize_redacted() {
    let login = parse("Action: Login\nUsername: admin\nSecret: s3cret\n");
    let json = registry::visit_action(&login, RoundTrip).unwrap().unwrap();
    assert_eq!(
        json,
        serde_json::json!({"username": "admin", "secret": "********"})
    );
    assert!(!json.to_string().contains("s3cret"));
}

#[test]
fn deserializing_checks_json_types_and_keys() {
    use ami_generated::channel::HangupEvent;
    let ok = r#"{"channel":"PJSIP/1","uniqueid":"1.1","cause":16,"cause_txt":"Normal Clearing"}"#;
    let event: HangupEvent = serde_json::from_str(ok).unwrap();
    assert_eq!(event.cause, Some(16));
    let err = |json: &str| {
        serde_json::from_str::<HangupEvent>(json)
            .unwrap_err()
            .to_string()
    };
    assert!(
        err(r#"{"channel":"PJSIP/1","uniqueid":"1.1","cause":"16"}"#)
            .contains("field `cause`: expected an integer, found a string"),
        "{}",
        err(r#"{"channel":"PJSIP/1","uniqueid":"1.1","cause":"16"}"#)
    );
    assert!(err(r#"{"channel":"PJSIP/1","uniqueid":"1.1","causes":1}"#).contains("unknown field"));
    assert!(err(r#"{"uniqueid":"1.1"}"#).contains("Channel"));
    // The enum of events: one key, the event's wire name (any case).
    let any: Event = serde_json::from_str(&format!(r#"{{"hangup":{ok}}}"#)).unwrap();
    assert_eq!(any, Event::Hangup(Box::new(event)));
    let unknown: Event =
        serde_json::from_str(r#"{"Unknown":{"headers":[["Event","Custom"],["A","1"]]}}"#).unwrap();
    assert_eq!(unknown.name(), "Custom");
    assert!(serde_json::from_str::<Event>(r#"{"NoSuchEvent":{}}"#).is_err());
}
