//! The generated user types against the mock AMI server: a user action and
//! its typed reply, a `UserEvent` subtype, an event of the in-house module,
//! and standard events through the fallback to `ami_generated::Event`, all
//! on one `Client<ami::Event>`.

use ami_example_custom_spec::ami::{self, callquality};
use ami_runtime::client::{Client, EventStream, StreamItem};
use ami_runtime::testing::{MockServer, Step};
use ami_runtime::wire::{encode_action, FromEvent, Message};

/// The next typed event of the stream.
async fn next(events: &mut EventStream<ami::Event>) -> ami::Event {
    match events.recv().await {
        Some(StreamItem::Event(event)) => event,
        other => panic!("expected a typed event, got {other:?}"),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn user_actions_and_events_share_the_client_with_the_generated_ones() {
    let server = MockServer::builder()
        .user("admin", "s3cret")
        .reply(
            "CallQualityStatus",
            vec![
                Step::success(&[("MOS", "4.2"), ("Jitter", "3.5"), ("Codec", "opus")]),
                Step::event(
                    "UserEvent",
                    &[
                        ("Privilege", "user,all"),
                        ("UserEvent", "CallQualityReport"),
                        ("Channel", "PJSIP/alice-00000001"),
                        ("Uniqueid", "1700000000.1"),
                        ("MOS", "4.2"),
                        ("Rating", "5"),
                    ],
                ),
                Step::event(
                    "UserEvent",
                    &[("UserEvent", "SomethingElse"), ("Note", "not ours")],
                ),
                Step::event(
                    "CallQualityAlarm",
                    &[("Channel", "PJSIP/bob-00000002"), ("MOS", "2.1")],
                ),
                Step::event(
                    "Hangup",
                    &[
                        ("Channel", "PJSIP/alice-00000001"),
                        ("Uniqueid", "1700000000.1"),
                        ("Cause", "16"),
                        ("Cause-txt", "Normal Clearing"),
                    ],
                ),
            ],
        )
        .start()
        .await
        .expect("mock server");
    let client: Client<ami::Event> = Client::builder("admin", "s3cret")
        .connect_tcp(server.addr().to_string())
        .await
        .expect("login");
    let mut events = client.events();

    let action = callquality::CallQualityStatusAction::new("PJSIP/alice-00000001".to_owned())
        .with_window(30u64);
    let status = client.send(&action).await.expect("typed reply");
    assert_eq!(status.mos, 4.2);
    assert_eq!(status.jitter, Some(3.5));
    assert_eq!(
        status.codec,
        Some(callquality::CallQualityStatusResponseCodec::Opus)
    );
    let sent = server
        .received()
        .into_iter()
        .find(|m| m.get("Action") == Some("CallQualityStatus"))
        .expect("the action reached the server");
    assert_eq!(sent.get("Channel"), Some("PJSIP/alice-00000001"));
    assert_eq!(sent.get("Window"), Some("30"));

    let ami::Event::CallQualityReport(report) = next(&mut events).await else {
        panic!("expected the CallQualityReport subtype");
    };
    assert_eq!(report.mos, 4.2);
    assert_eq!(report.rating, Some(5));
    let channel = report.channel.as_ref().expect("the dialplan's channel");
    assert_eq!(channel.channel, "PJSIP/alice-00000001");
    // The `UserEvent` header selected the type: it is not kept as extra.
    assert!(report.extra.is_empty(), "{:?}", report.extra);

    let ami::Event::Asterisk(ami_generated::Event::UserEvent(other)) = next(&mut events).await
    else {
        panic!("another UserEvent falls back to the generated UserEventEvent");
    };
    assert_eq!(other.user_event, "SomethingElse");

    let ami::Event::CallQualityAlarm(alarm) = next(&mut events).await else {
        panic!("expected the module's own event");
    };
    assert_eq!(
        (alarm.channel.as_str(), alarm.mos),
        ("PJSIP/bob-00000002", 2.1)
    );

    let ami::Event::Asterisk(ami_generated::Event::Hangup(hangup)) = next(&mut events).await else {
        panic!("a standard event falls back to ami_generated::Event");
    };
    assert_eq!(hangup.channel_snapshot.channel, "PJSIP/alice-00000001");
    client.logoff().await.expect("logoff");
}

#[test]
fn a_user_event_subtype_encodes_its_user_event_header() {
    let msg =
        Message::parse_block("Event: UserEvent\r\nUserEvent: callqualityreport\r\nMOS: 3.9\r\n")
            .expect("a message");
    let event = ami::Event::from_event(&msg).expect("decodes");
    assert!(matches!(event, ami::Event::CallQualityReport(_)));
    let mut out = Vec::new();
    event.encode(&mut out).expect("encodes");
    assert_eq!(
        String::from_utf8(out).expect("text"),
        "Event: UserEvent\r\nUserEvent: CallQualityReport\r\nMOS: 3.9\r\n\r\n"
    );
}

#[test]
fn a_user_action_encodes_like_a_generated_one() {
    let action = callquality::CallQualityResetAction::new("PJSIP/alice-00000001".to_owned());
    let mut out = Vec::new();
    encode_action(&action, Some("7"), &mut out).expect("encodes");
    assert_eq!(
        out,
        b"Action: CallQualityReset\r\nActionID: 7\r\nChannel: PJSIP/alice-00000001\r\n\r\n"
    );
}
