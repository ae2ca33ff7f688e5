//! The tokio client against the mock server: logins, actions, lists,
//! command output, events, concurrency, failures and reconnection.
//!
//! No assertion depends on timing; timeouts only keep a broken build from
//! hanging.

use std::future::Future;
use std::time::Duration;

use ami_runtime::client::auth::Ping;
use ami_runtime::client::{
    Backoff, Client, ClientBuilder, Error, RawEvent, SendOptions, StreamItem,
};
use ami_runtime::derive::{AmiAction, AmiEvent, AmiEvents};
use ami_runtime::proto::{FrameErrorKind, Limits, ProtocolError};
use ami_runtime::testing::{MockServer, Step};
use ami_runtime::wire::{Ack, CommandOutput, EventList, Header, Message, RawText, ResponseShape};

async fn within<T>(fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), fut)
        .await
        .expect("the test took more than 20 s: something hangs")
}

#[derive(Clone, Debug, AmiAction)]
#[ami(action = "Hangup", response = Ack, shape = "single")]
struct Hangup {
    #[ami(name = "Channel", required)]
    channel: String,
    #[ami(extra)]
    extra: Vec<Header>,
}

fn hangup(channel: &str) -> Hangup {
    Hangup {
        channel: channel.into(),
        extra: Vec::new(),
    }
}

#[derive(Clone, Debug, PartialEq, AmiEvent)]
#[ami(event = "Status")]
struct StatusEvent {
    #[ami(name = "Channel")]
    channel: String,
    #[ami(extra)]
    extra: Vec<Header>,
}

#[derive(Clone, Debug, PartialEq, AmiEvent)]
#[ami(event = "StatusComplete")]
struct StatusCompleteEvent {
    #[ami(name = "ListItems", required)]
    list_items: u32,
    #[ami(extra)]
    extra: Vec<Header>,
}

#[derive(Clone, Debug, Default, AmiAction)]
#[ami(action = "Status", response = EventList<StatusEvent, StatusCompleteEvent>, shape = "list", complete = "StatusComplete")]
struct Status {
    #[ami(extra)]
    extra: Vec<Header>,
}

#[derive(Clone, Debug, AmiAction)]
#[ami(action = "Command", response = CommandOutput, shape = "command")]
struct Command {
    #[ami(name = "Command", required)]
    command: String,
    #[ami(extra)]
    extra: Vec<Header>,
}

#[derive(Clone, Debug, Default, AmiAction)]
#[ami(action = "Queues", response = RawText, shape = "raw")]
struct Queues {
    #[ami(extra)]
    extra: Vec<Header>,
}

#[derive(Clone, Debug, PartialEq, AmiEvent)]
#[ami(event = "Hangup")]
struct HangupEvent {
    #[ami(name = "Channel")]
    channel: String,
    #[ami(name = "Cause")]
    cause: Option<u32>,
    #[ami(extra)]
    extra: Vec<Header>,
}

#[derive(Clone, Debug, PartialEq, AmiEvents)]
enum Event {
    #[ami(name = "Hangup")]
    Hangup(HangupEvent),
    #[ami(unknown)]
    Unknown(Message),
}

fn server() -> ami_runtime::testing::MockBuilder {
    MockServer::builder().user("admin", "s3cret")
}

/// These tests count the actions on the wire: no `CoreSettings` after
/// login (version detection has tests of its own, in `versions.rs`).
fn builder() -> ClientBuilder {
    Client::builder("admin", "s3cret")
        .detect_version(false)
        .keepalive(None)
        .reconnect(None)
        .timeout(Duration::from_secs(10))
}

async fn connect(server: &MockServer) -> Client<Event> {
    builder()
        .connect_tcp(server.addr().to_string())
        .await
        .expect("login")
}

/// The next event-stream item that is an event.
async fn next_event<E: ami_runtime::client::ClientEvent>(
    events: &mut ami_runtime::client::EventStream<E>,
) -> StreamItem<E> {
    events.recv().await.expect("the stream ended")
}

#[tokio::test]
async fn plain_login_and_a_plain_action() {
    within(async {
        let server = server().start().await.unwrap();
        let client = connect(&server).await;
        assert_eq!(client.banner(), "Asterisk Call Manager/5.0.1");
        let pong = client.send(&Ping::default()).await.unwrap();
        assert!(pong.extra.iter().any(|h| h.is("Ping") && h.value == "Pong"));
        let received = server.received();
        assert_eq!(received[0].get("Action"), Some("Login"));
        assert_eq!(received[0].get("Username"), Some("admin"));
        assert_eq!(received[1].get("Action"), Some("Ping"));
        assert!(received[1].action_id().is_some());
    })
    .await
}

#[tokio::test]
async fn md5_login() {
    within(async {
        let server = server().start().await.unwrap();
        let client: Client<Event> = builder()
            .md5()
            .connect_tcp(server.addr().to_string())
            .await
            .expect("md5 login");
        client.send(&Ping::default()).await.unwrap();
        let received = server.received();
        assert_eq!(received[0].get("Action"), Some("Challenge"));
        assert_eq!(received[0].get("AuthType"), Some("MD5"));
        assert_eq!(received[1].get("AuthType"), Some("MD5"));
        assert!(received[1].get("Key").is_some());
        assert_eq!(received[1].get("Secret"), None);
        assert_eq!(server.logins(), 1);
    })
    .await
}

#[tokio::test]
async fn failed_logins_say_so() {
    within(async {
        let server = server().start().await.unwrap();
        for md5 in [false, true] {
            let mut b = Client::builder("admin", "wrong").keepalive(None).reconnect(None);
            if md5 {
                b = b.md5();
            }
            let err = b
                .connect_tcp::<RawEvent>(server.addr().to_string())
                .await
                .unwrap_err();
            assert!(
                matches!(&err, Error::LoginFailed { message } if message == "Authentication failed"),
                "{err:?}"
            );
            assert!(err.to_string().starts_with("login failed"), "{err}");
        }
        assert_eq!(server.logins(), 0);
    })
    .await
}

#[tokio::test]
async fn secrets_never_show_in_debug_output() {
    within(async {
        let server = server().start().await.unwrap();
        let b = builder();
        assert!(!format!("{b:?}").contains("s3cret"));
        let client: Client<Event> = b.connect_tcp(server.addr().to_string()).await.unwrap();
        assert!(!format!("{client:?}").contains("s3cret"));
        assert!(!format!("{:?}", server.received()).contains("s3cret"));
    })
    .await
}

#[tokio::test]
async fn error_response_is_an_error_carrying_asterisks_message() {
    within(async {
        let server = server()
            .reply("Hangup", vec![Step::error("No such channel")])
            .start()
            .await
            .unwrap();
        let client = connect(&server).await;
        let err = client.send(&hangup("SIP/nope")).await.unwrap_err();
        match err {
            Error::Failed {
                action, message, ..
            } => {
                assert_eq!(action, "Hangup");
                assert_eq!(message, "No such channel");
            }
            other => panic!("{other:?}"),
        }
        // An action the server does not know is an Error response too.
        let unknown = Message::new().with("Action", "NoSuchThing");
        let err = client
            .send_message(&unknown, ResponseShape::Single, SendOptions::default())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("Invalid/unknown command"), "{err}");
    })
    .await
}

#[tokio::test]
async fn a_failed_command_keeps_its_output_in_the_error() {
    within(async {
        // What Asterisk 22 answers to an unknown CLI command: the reason is
        // in the Output line, the Message says nothing.
        let refusal = Message::new()
            .with("Response", "Error")
            .with("Message", "Command output follows")
            .with("Output", "No such command 'frobnicate' (type 'core show help frobnicate' for other possible commands)")
            .with("Output", "second line");
        let server = server()
            .reply("Command", vec![Step::Respond(refusal)])
            .start()
            .await
            .unwrap();
        let client = connect(&server).await;
        let command = Message::new()
            .with("Action", "Command")
            .with("Command", "frobnicate");
        let err = client
            .send_message(&command, ResponseShape::Command, SendOptions::default())
            .await
            .unwrap_err();
        let shown = err.to_string();
        assert_eq!(
            shown,
            "action Command failed: Command output follows\n\
             No such command 'frobnicate' (type 'core show help frobnicate' for other possible commands)\n\
             second line"
        );
        match err {
            Error::Failed { message, .. } => assert_eq!(message, "Command output follows"),
            other => panic!("{other:?}"),
        }
    })
    .await
}

#[tokio::test]
async fn list_action_returns_a_typed_list() {
    within(async {
        let items = vec![
            Message::new()
                .with("Event", "Status")
                .with("Channel", "SIP/1"),
            Message::new()
                .with("Event", "Status")
                .with("Channel", "SIP/2"),
        ];
        let server = server()
            .reply("Status", Step::list(items, "StatusComplete"))
            .start()
            .await
            .unwrap();
        let client = connect(&server).await;
        let list = client.send(&Status::default()).await.unwrap();
        assert_eq!(list.message.as_deref(), Some("Events will follow"));
        assert_eq!(
            list.items
                .iter()
                .map(|i| i.channel.as_str())
                .collect::<Vec<_>>(),
            ["SIP/1", "SIP/2"]
        );
        assert_eq!(list.complete.list_items, 2);
    })
    .await
}

#[tokio::test]
async fn command_output_in_both_formats() {
    within(async {
        let server = server()
            .on("Command", |req| {
                if req.get("Command") == Some("old") {
                    vec![Step::Raw(
                        b"Response: Follows\r\nPrivilege: Command\r\nActionID: {ActionID}\r\nline one\n\nline: three\n--END COMMAND--\r\n\r\n".to_vec(),
                    )]
                } else {
                    vec![Step::success(&[
                        ("Message", "Command output follows"),
                        ("Output", "line one"),
                        ("Output", "line two"),
                    ])]
                }
            })
            .start()
            .await
            .unwrap();
        let client = connect(&server).await;
        let new = client
            .send(&Command {
                command: "new".into(),
                extra: vec![],
            })
            .await
            .unwrap();
        assert_eq!(new.lines, ["line one", "line two"]);
        assert_eq!(new.message.as_deref(), Some("Command output follows"));
        let old = client
            .send(&Command {
                command: "old".into(),
                extra: vec![],
            })
            .await
            .unwrap();
        assert_eq!(old.lines, ["line one", "", "line: three"]);
    })
    .await
}

#[tokio::test]
async fn raw_text_reply_of_queues() {
    within(async {
        let server = server()
            .reply(
                "Queues",
                vec![Step::Raw(
                    b"sales has 0 calls (max unlimited) in 'ringall' strategy (0s holdtime), W:0, C:0, A:0, SL:0.0% within 0s\r\n   No Members\r\n\r\nsupport has 0 calls\r\n   No Callers\r\n\r\n\r\n\r\n".to_vec(),
                )],
            )
            .start()
            .await
            .unwrap();
        let client = connect(&server).await;
        let text = client.send(&Queues::default()).await.unwrap();
        assert!(text.text.starts_with("sales has 0 calls"));
        assert!(text.text.ends_with("support has 0 calls\n   No Callers"));
        // The connection is still in step afterwards.
        client.send(&Ping::default()).await.unwrap();
    })
    .await
}

#[tokio::test]
async fn typed_and_unknown_events_reach_the_stream() {
    within(async {
        let server = server().start().await.unwrap();
        let client = connect(&server).await;
        let mut events = client.events();
        server
            .push(vec![
                Step::event("Hangup", &[("Channel", "SIP/1"), ("Cause", "16")]),
                Step::event("BrandNewEvent", &[("Foo", "bar")]),
                Step::event("Hangup", &[("Channel", "SIP/2"), ("Cause", "sixteen")]),
            ])
            .await;
        match next_event(&mut events).await {
            StreamItem::Event(Event::Hangup(h)) => {
                assert_eq!(h.channel, "SIP/1");
                assert_eq!(h.cause, Some(16));
            }
            other => panic!("{other:?}"),
        }
        match next_event(&mut events).await {
            StreamItem::Event(Event::Unknown(m)) => assert_eq!(m.get("Foo"), Some("bar")),
            other => panic!("{other:?}"),
        }
        // A known event that does not decode is kept raw, with the reason.
        match next_event(&mut events).await {
            StreamItem::Undecoded { message, error } => {
                assert_eq!(message.get("Cause"), Some("sixteen"));
                assert!(error.to_string().contains("Cause"), "{error}");
            }
            other => panic!("{other:?}"),
        }
    })
    .await
}

#[tokio::test]
async fn many_actions_in_flight_at_once() {
    within(async {
        let server = server()
            .on("Hangup", |req| {
                let channel = req.get("Channel").unwrap_or_default().to_owned();
                vec![Step::success(&[("Message", &channel)])]
            })
            .start()
            .await
            .unwrap();
        let client = connect(&server).await;
        let mut tasks = Vec::new();
        for i in 0..200 {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                let channel = format!("SIP/{i}");
                let ack = client.send(&hangup(&channel)).await.unwrap();
                assert_eq!(ack.message.as_deref(), Some(channel.as_str()));
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
    })
    .await
}

#[tokio::test]
async fn sending_from_an_event_handler_works() {
    within(async {
        let server = server().start().await.unwrap();
        let client = connect(&server).await;
        let mut events = client.events();
        let handler_client = client.clone();
        let handler = tokio::spawn(async move {
            while let Some(item) = events.recv().await {
                if let StreamItem::Event(Event::Hangup(h)) = item {
                    // Send and await a reply from inside the handler.
                    let pong = handler_client.send(&Ping::default()).await.unwrap();
                    return (h.channel, pong);
                }
            }
            panic!("the stream ended");
        });
        server
            .push(vec![Step::event("Hangup", &[("Channel", "SIP/7")])])
            .await;
        let (channel, pong) = handler.await.unwrap();
        assert_eq!(channel, "SIP/7");
        assert!(pong.extra.iter().any(|h| h.is("Ping")));
    })
    .await
}

#[tokio::test]
async fn a_slow_consumer_is_told_how_many_events_it_missed() {
    within(async {
        let mut burst: Vec<Step> = (0..50)
            .map(|i| Step::event("Hangup", &[("Channel", &format!("SIP/{i}"))]))
            .collect();
        burst.push(Step::success(&[("Ping", "Pong")]));
        let server = server().reply("Ping", burst).start().await.unwrap();
        let client: Client<Event> = builder()
            .event_buffer(8)
            .connect_tcp(server.addr().to_string())
            .await
            .unwrap();
        let mut events = client.events();
        // The reply comes after the 50 events on the wire, so once it is
        // here, every event went through the (unread) stream.
        client.send(&Ping::default()).await.unwrap();
        let mut missed = 0;
        let mut seen = Vec::new();
        while let Some(item) = events.try_recv() {
            match item {
                StreamItem::Missed(n) => missed += n,
                StreamItem::Event(Event::Hangup(h)) => seen.push(h.channel),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(missed, 42);
        assert_eq!(seen.len(), 8);
        assert_eq!(seen.last().map(String::as_str), Some("SIP/49"));
    })
    .await
}

#[tokio::test]
async fn the_event_stream_is_a_futures_stream() {
    use futures_util::StreamExt;
    within(async {
        let mut burst: Vec<Step> = (0..50)
            .map(|i| Step::event("Hangup", &[("Channel", &format!("SIP/{i}"))]))
            .collect();
        burst.push(Step::success(&[("Ping", "Pong")]));
        let server = server().reply("Ping", burst).start().await.unwrap();
        let client: Client<Event> = builder()
            .event_buffer(8)
            .connect_tcp(server.addr().to_string())
            .await
            .unwrap();
        let mut events = client.events();
        // Polled once with nothing buffered: the stream now waits, its
        // receiver inside the pending receive.
        tokio::select! {
            biased;
            item = events.next() => panic!("nothing was sent yet: {item:?}"),
            () = std::future::ready(()) => {}
        }
        client.send(&Ping::default()).await.unwrap();
        // `try_recv` takes what the waiting receive holds, then the buffer.
        let first = events.try_recv().expect("buffered");
        assert!(matches!(first, StreamItem::Missed(42)), "{first:?}");
        let channels: Vec<String> = events
            .by_ref()
            .take(8)
            .filter_map(|item| async move {
                match item {
                    StreamItem::Event(Event::Hangup(h)) => Some(h.channel),
                    _ => None,
                }
            })
            .collect()
            .await;
        assert_eq!(channels.first().map(String::as_str), Some("SIP/42"));
        assert_eq!(channels.last().map(String::as_str), Some("SIP/49"));
        assert_eq!(channels.len(), 8);
        client.logoff().await.unwrap();
        assert!(matches!(
            events.next().await,
            Some(StreamItem::Disconnected { .. })
        ));
        assert!(events.next().await.is_none());
        // `recv` after the end of the stream: still the end.
        assert!(events.recv().await.is_none());
    })
    .await
}

#[tokio::test]
async fn a_disconnect_mid_list_fails_every_pending_call_at_once() {
    within(async {
        let server = server()
            .reply(
                "Status",
                vec![
                    Step::success(&[("EventList", "start")]),
                    Step::item("Status", &[("Channel", "SIP/1")]),
                    Step::Disconnect,
                ],
            )
            .reply("Hangup", vec![])
            .start()
            .await
            .unwrap();
        // A long timeout: the calls must end because of the drop, not of it.
        let client: Client<Event> = builder()
            .timeout(Duration::from_secs(3600))
            .connect_tcp(server.addr().to_string())
            .await
            .unwrap();
        let mut events = client.events();
        let never_answered = {
            let client = client.clone();
            tokio::spawn(async move { client.send(&hangup("SIP/1")).await })
        };
        // Wait until the server has it, so that it is surely in flight.
        while !server
            .received()
            .iter()
            .any(|m| m.get("Action") == Some("Hangup"))
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let list = client.send(&Status::default()).await;
        assert!(matches!(list, Err(Error::Disconnected { .. })), "{list:?}");
        let other = never_answered.await.unwrap();
        assert!(
            matches!(other, Err(Error::Disconnected { .. })),
            "{other:?}"
        );
        assert!(matches!(
            next_event(&mut events).await,
            StreamItem::Disconnected { .. }
        ));
        // Without reconnection the stream then ends, and calls fail at once.
        assert!(events.recv().await.is_none());
        assert!(matches!(
            client.send(&Ping::default()).await,
            Err(Error::Closed)
        ));
    })
    .await
}

#[tokio::test]
async fn reconnects_logs_in_again_and_says_so() {
    within(async {
        let server = server().in_memory();
        let client: Client<Event> = builder()
            .reconnect(Some(Backoff {
                initial: Duration::from_millis(10),
                max: Duration::from_millis(100),
            }))
            .connect_with(server.in_memory_connector())
            .await
            .unwrap();
        let mut events = client.events();
        server.disconnect_all().await;
        assert!(matches!(
            next_event(&mut events).await,
            StreamItem::Disconnected { .. }
        ));
        assert!(matches!(
            next_event(&mut events).await,
            StreamItem::Reconnected
        ));
        client.send(&Ping::default()).await.unwrap();
        assert_eq!(server.logins(), 2);
        assert_eq!(server.connections(), 2);
    })
    .await
}

#[tokio::test]
async fn keepalive_detects_a_dead_server() {
    within(async {
        // The server swallows Ping: the keepalive must notice.
        let server = server().reply("Ping", vec![]).start().await.unwrap();
        let client: Client<Event> = builder()
            .keepalive(Some(Duration::from_millis(50)))
            .connect_tcp(server.addr().to_string())
            .await
            .unwrap();
        let mut events = client.events();
        match next_event(&mut events).await {
            StreamItem::Disconnected { reason } => {
                assert!(reason.contains("keepalive"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    })
    .await
}

#[tokio::test]
async fn per_action_timeout() {
    within(async {
        let server = server().reply("Hangup", vec![]).start().await.unwrap();
        let client = connect(&server).await;
        let err = client
            .send_timeout(&hangup("SIP/1"), Duration::from_millis(50))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Timeout { action, .. } if action == "Hangup"),
            "{err:?}"
        );
        // The connection is still usable.
        client.send(&Ping::default()).await.unwrap();
    })
    .await
}

#[tokio::test]
async fn oversized_and_malformed_frames_are_reported_and_the_connection_resyncs() {
    within(async {
        let big = format!("Response: Success\r\nActionID: {{ActionID}}\r\nOutput: {}\r\n\r\n", "x".repeat(5000));
        let server = server()
            .reply("Command", vec![Step::Raw(big.into_bytes())])
            .start()
            .await
            .unwrap();
        let client: Client<Event> = builder()
            .limits(Limits {
                max_message_bytes: 1024,
                max_headers: 64,
            })
            .connect_tcp(server.addr().to_string())
            .await
            .unwrap();
        let mut events = client.events();
        // The oversized reply fails its own action...
        let err = client
            .send(&Command {
                command: "big".into(),
                extra: vec![],
            })
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Protocol(ProtocolError::Frame(e)) if matches!(e.kind, FrameErrorKind::TooLarge { limit: 1024 })),
            "{err:?}"
        );
        // ...and garbage is reported on the event stream, then framing resumes.
        server
            .push(vec![
                Step::Raw(b"Event: Broken\r\nno colon on this line\r\nX: 1\r\n\r\n".to_vec()),
                Step::event("Hangup", &[("Channel", "SIP/after")]),
            ])
            .await;
        match next_event(&mut events).await {
            StreamItem::Error(ProtocolError::Frame(e)) => {
                assert_eq!(e.line, Some(2));
                assert!(e.to_string().contains("no colon on this line"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            next_event(&mut events).await,
            StreamItem::Event(Event::Hangup(h)) if h.channel == "SIP/after"
        ));
        client.send(&Ping::default()).await.unwrap();
    })
    .await
}

#[tokio::test]
async fn a_multibyte_character_split_across_reads_survives() {
    within(async {
        let server = server().in_memory();
        // One-byte pipes: every read returns a single byte.
        let client: Client<Event> = builder()
            .connect_io(server.connect_in_memory_with_buffer(1))
            .await
            .unwrap();
        let mut events = client.events();
        server
            .push(vec![Step::event(
                "Hangup",
                &[("Channel", "SIP/Zoë-日本-😀")],
            )])
            .await;
        match next_event(&mut events).await {
            StreamItem::Event(Event::Hangup(h)) => assert_eq!(h.channel, "SIP/Zoë-日本-😀"),
            other => panic!("{other:?}"),
        }
    })
    .await
}

#[tokio::test]
async fn invalid_utf8_is_reported_and_the_event_still_delivered() {
    within(async {
        let server = server().start().await.unwrap();
        let client = connect(&server).await;
        let mut events = client.events();
        let mut raw = b"Event: Hangup\r\nChannel: SIP/caf".to_vec();
        raw.push(0xE9);
        raw.extend_from_slice(b"\r\n\r\n");
        server.push(vec![Step::Raw(raw)]).await;
        assert!(matches!(
            next_event(&mut events).await,
            StreamItem::Error(ProtocolError::Frame(e)) if matches!(e.kind, FrameErrorKind::InvalidUtf8 { .. })
        ));
        assert!(matches!(
            next_event(&mut events).await,
            StreamItem::Event(Event::Hangup(h)) if h.channel == "SIP/caf\u{FFFD}"
        ));
    })
    .await
}

#[tokio::test]
async fn line_breaks_are_refused_with_nothing_written() {
    within(async {
        let server = server().start().await.unwrap();
        let client = connect(&server).await;
        let err = client
            .send(&hangup("SIP/1\r\nAction: Originate"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Encode(_)), "{err:?}");
        let raw = Message::new()
            .with("Action", "Hangup")
            .with("Channel", "SIP/1\nAction: Originate");
        let err = client
            .send_message(&raw, ResponseShape::Single, SendOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Send(_)), "{err:?}");
        let err = client
            .send_with(
                &Ping::default(),
                SendOptions {
                    action_id: Some("1\r\nAction: Originate".into()),
                    ..SendOptions::default()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Send(_)), "{err:?}");
        // The Ping proves the server read everything we wrote: only Login and it.
        client.send(&Ping::default()).await.unwrap();
        let actions: Vec<_> = server
            .received()
            .iter()
            .map(|m| m.get("Action").unwrap_or_default().to_owned())
            .collect();
        assert_eq!(actions, ["Login", "Ping"]);
    })
    .await
}

#[tokio::test]
async fn caller_chosen_action_ids_are_used() {
    within(async {
        let server = server().start().await.unwrap();
        let client = connect(&server).await;
        client
            .send_with(
                &Ping::default(),
                SendOptions {
                    action_id: Some("my-id-1".into()),
                    ..SendOptions::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(server.received()[1].action_id(), Some("my-id-1"));
    })
    .await
}

#[tokio::test]
async fn logoff_ends_the_session_cleanly() {
    within(async {
        let server = server().start().await.unwrap();
        let client = connect(&server).await;
        let mut events = client.events();
        let bye = client.logoff().await.unwrap();
        assert_eq!(bye.message.as_deref(), Some("Thanks for all the fish."));
        assert!(matches!(
            next_event(&mut events).await,
            StreamItem::Disconnected { .. }
        ));
        assert!(events.recv().await.is_none());
        assert!(matches!(
            client.send(&Ping::default()).await,
            Err(Error::Closed)
        ));
    })
    .await
}

#[cfg(unix)]
#[tokio::test]
async fn works_over_a_unix_socket() {
    within(async {
        let dir = std::env::temp_dir().join(format!("ami-runtime-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ami.sock");
        let _ = std::fs::remove_file(&path);
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        let server = server().in_memory();
        // Relay the Unix socket to an in-memory session of the mock.
        let backend = server.connect_in_memory();
        tokio::spawn(async move {
            let (mut unix, _) = listener.accept().await.unwrap();
            let mut backend = backend;
            let _ = tokio::io::copy_bidirectional(&mut unix, &mut backend).await;
        });
        let stream = tokio::net::UnixStream::connect(&path).await.unwrap();
        let client: Client<Event> = builder().connect_io(stream).await.unwrap();
        client.send(&Ping::default()).await.unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await
}
