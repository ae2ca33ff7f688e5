//! Originate a call and print the typed events it causes, with no Asterisk:
//! the mock server runs in-process and plays the part.
//!
//! ```text
//! cargo run -p ami-runtime --example originate
//! ```

use std::time::Duration;

use ami_generated::channel::OriginateAction;
use ami_generated::Event;
use ami_runtime::client::{Client, StreamItem};
use ami_runtime::testing::{MockServer, Step};
use ami_runtime::wire::Var;

/// The channel headers every call event carries.
fn snapshot(channel: &str, state: &str, desc: &str) -> Vec<(String, String)> {
    [
        ("Channel", channel),
        ("ChannelState", state),
        ("ChannelStateDesc", desc),
        ("CallerIDNum", "1001"),
        ("CallerIDName", "Alice"),
        ("ConnectedLineNum", "<unknown>"),
        ("ConnectedLineName", "<unknown>"),
        ("Language", "en"),
        ("AccountCode", ""),
        ("Context", "from-internal"),
        ("Exten", "2002"),
        ("Priority", "1"),
        ("Uniqueid", "1700000000.1"),
        ("Linkedid", "1700000000.1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// An unsolicited event: the snapshot, then more fields.
fn event(name: &str, mut fields: Vec<(String, String)>, more: &[(&str, &str)]) -> Step {
    fields.extend(more.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    Step::event(name, &fields)
}

/// What Asterisk sends when an async Originate to `channel` is answered
/// and then hung up.
fn call_events(channel: &str, action_id: &str) -> Vec<Step> {
    vec![
        event("Newchannel", snapshot(channel, "0", "Down"), &[]),
        event(
            "VarSet",
            snapshot(channel, "0", "Down"),
            &[("Variable", "CDR(userfield)"), ("Value", "example")],
        ),
        event("Newstate", snapshot(channel, "6", "Up"), &[]),
        Step::event(
            "OriginateResponse",
            &[
                ("ActionID", action_id),
                ("Response", "Success"),
                ("Channel", channel),
                ("Context", "from-internal"),
                ("Exten", "2002"),
                ("Reason", "4"),
                ("Uniqueid", "1700000000.1"),
                ("CallerIDNum", "1001"),
                ("CallerIDName", "Alice"),
            ],
        ),
        Step::Sleep(Duration::from_millis(100)),
        event(
            "Hangup",
            snapshot(channel, "6", "Up"),
            &[("Cause", "16"), ("Cause-txt", "Normal Clearing")],
        ),
    ]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = MockServer::builder()
        .user("admin", "secret")
        .on("Originate", |request| {
            let channel = request.get("Channel").unwrap_or("PJSIP/unknown").to_owned();
            let id = request.action_id().unwrap_or_default().to_owned();
            let mut steps = vec![Step::success(&[(
                "Message",
                "Originate successfully queued",
            )])];
            steps.extend(call_events(&channel, &id));
            steps
        })
        .start()
        .await?;
    println!("mock AMI server on {}", server.addr());

    let client: Client<Event> = Client::builder("admin", "secret")
        .md5()
        .connect_tcp(server.addr().to_string())
        .await?;
    println!("logged in; server says {:?}", client.banner());
    let mut events = client.events();

    let originate = OriginateAction::new("PJSIP/alice")
        .with_exten("2002")
        .with_context("from-internal")
        .with_priority("1")
        .with_caller_id("Alice <1001>")
        .with_async_(true)
        .with_variable(vec![Var::new("CDR(userfield)", "example")]);
    let response = client.send(&originate).await?;
    println!("Originate: {response:?}");

    while let Some(item) = events.recv().await {
        match item {
            StreamItem::Event(Event::Hangup(hangup)) => {
                println!("event Hangup: {hangup:#?}");
                break;
            }
            StreamItem::Event(Event::Unknown(raw)) => {
                println!(
                    "event {} (not in the spec, kept raw): {raw:?}",
                    raw.get("Event").unwrap_or("?")
                );
            }
            StreamItem::Event(event) => println!("event {event:#?}"),
            other => println!("{other:?}"),
        }
    }

    let bye = client.logoff().await?;
    println!("Logoff: {:?}", bye.message);
    Ok(())
}
