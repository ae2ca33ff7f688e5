//! Framing and correlation cases, each fed in one piece and byte by byte.

use super::*;
use crate::wire::{
    Accepted, Ack, Action, EncodeError, EncodeErrorKind, Encoder, FieldError, Fields, Message,
    ResponseShape,
};

/// What a frame turns into, owned, for comparisons.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Out {
    Banner(String),
    Msg(Message),
    Err(FrameErrorKind, Option<u32>),
}

fn collect(framer: &mut Framer, out: &mut Vec<Out>) {
    while let Some(frame) = framer.next_frame() {
        out.push(match frame {
            Frame::Banner(b) => Out::Banner(b.to_owned()),
            Frame::Message(m) => Out::Msg(m.to_message()),
            Frame::Error(e) => Out::Err(e.kind, e.line),
        });
    }
}

/// Frame `input` fed whole, then byte by byte, then in chunks of 7, and
/// check that every way gives the same frames.
fn frames_with(input: &[u8], limits: Limits, raw_text: bool) -> Vec<Out> {
    let run = |chunk: usize| {
        let mut framer = Framer::with_limits(limits);
        framer.set_raw_text_expected(raw_text);
        let mut out = Vec::new();
        for piece in input.chunks(chunk) {
            framer.feed(piece);
            collect(&mut framer, &mut out);
        }
        out
    };
    let whole = run(input.len().max(1));
    assert_eq!(run(1), whole, "byte by byte");
    assert_eq!(run(7), whole, "chunks of 7");
    whole
}

fn frames(input: &str) -> Vec<Out> {
    frames_with(input.as_bytes(), Limits::default(), false)
}

fn msg(pairs: &[(&str, &str)]) -> Out {
    let mut m = Message::new();
    for (n, v) in pairs {
        m.push(n.to_string(), v.to_string());
    }
    Out::Msg(m)
}

fn text_msg(headers: &[(&str, &str)], text: &str) -> Out {
    let Out::Msg(mut m) = msg(headers) else {
        unreachable!()
    };
    m.text = Some(text.to_owned());
    Out::Msg(m)
}

#[test]
fn banner_and_messages_with_crlf() {
    assert_eq!(
        frames("Asterisk Call Manager/5.0.1\r\nResponse: Success\r\nActionID: 1\r\nPing: Pong\r\n\r\nEvent: FullyBooted\r\nPrivilege: system,all\r\n\r\n"),
        vec![
            Out::Banner("Asterisk Call Manager/5.0.1".into()),
            msg(&[("Response", "Success"), ("ActionID", "1"), ("Ping", "Pong")]),
            msg(&[("Event", "FullyBooted"), ("Privilege", "system,all")]),
        ]
    );
}

#[test]
fn bare_lf_and_mixed_line_endings() {
    assert_eq!(
        frames("Event: A\nX: 1\r\n\nEvent: B\r\nY:2\n\r\n"),
        vec![
            msg(&[("Event", "A"), ("X", "1")]),
            msg(&[("Event", "B"), ("Y", "2")]),
        ]
    );
}

#[test]
fn banner_is_optional_and_leading_blank_lines_are_skipped() {
    assert_eq!(
        frames("\r\n\n\r\nEvent: A\r\n\r\n\r\n\r\nEvent: B\r\n\r\n"),
        vec![msg(&[("Event", "A")]), msg(&[("Event", "B")])]
    );
}

#[test]
fn repeated_headers_are_kept_in_order_and_values_keep_colons() {
    assert_eq!(
        frames("Event: VarSet\r\nChanVariable: a=1\r\nChanVariable: b=2\r\nchanvariable: c=3\r\nValue: sip:1@host:5060\r\nEmpty:\r\n\r\n"),
        vec![msg(&[
            ("Event", "VarSet"),
            ("ChanVariable", "a=1"),
            ("ChanVariable", "b=2"),
            ("chanvariable", "c=3"),
            ("Value", "sip:1@host:5060"),
            ("Empty", ""),
        ])]
    );
}

#[test]
fn output_lines_of_current_command_responses() {
    assert_eq!(
        frames("Response: Success\r\nActionID: 3\r\nMessage: Command output follows\r\nOutput: Name/username  Host\r\nOutput: 100/100  (Unspecified)\r\n\r\n"),
        vec![msg(&[
            ("Response", "Success"),
            ("ActionID", "3"),
            ("Message", "Command output follows"),
            ("Output", "Name/username  Host"),
            ("Output", "100/100  (Unspecified)"),
        ])]
    );
}

#[test]
fn asterisk_13_follows_output_keeps_blank_lines_and_colons() {
    assert_eq!(
        frames("Response: Follows\r\nPrivilege: Command\r\nActionID: 7\r\nChannel  Location\r\n\r\nState: Up\n1 active channel\n--END COMMAND--\r\n\r\nEvent: After\r\n\r\n"),
        vec![
            text_msg(
                &[("Response", "Follows"), ("Privilege", "Command"), ("ActionID", "7")],
                "Channel  Location\n\nState: Up\n1 active channel"
            ),
            msg(&[("Event", "After")]),
        ]
    );
}

#[test]
fn follows_output_without_final_newline_and_empty_output() {
    assert_eq!(
        frames("Response: Follows\r\nPrivilege: Command\r\nNo such command 'x'--END COMMAND--\r\n\r\nResponse: Follows\r\nPrivilege: Command\r\n--END COMMAND--\r\n\r\n"),
        vec![
            text_msg(
                &[("Response", "Follows"), ("Privilege", "Command")],
                "No such command 'x'"
            ),
            msg(&[("Response", "Follows"), ("Privilege", "Command")]),
        ]
    );
}

const QUEUES: &str = "default has 0 calls (max unlimited) in 'ringall' strategy (0s holdtime, 0s talktime), W:0, C:0, A:0, SL:0.0% within 0s\r\n   No Members\r\n   No Callers\r\n\r\nsales has 1 calls (max 5) in 'rrmemory' strategy (2s holdtime), W:0, C:3, A:1, SL:0.0% within 0s\r\n   Members: \r\n      SIP/100 (ringinuse enabled) (Not in use) has taken no calls yet\r\n   Callers: \r\n\r\n\r\n\r\n";

#[test]
fn raw_text_reply_spans_single_blank_lines_when_expected() {
    let out = frames_with(QUEUES.as_bytes(), Limits::default(), true);
    assert_eq!(out.len(), 1);
    let Out::Msg(m) = &out[0] else {
        panic!("{out:?}")
    };
    assert!(m.headers.is_empty());
    let text = m.text.as_deref().unwrap();
    assert!(text.starts_with("default has 0 calls"));
    assert!(text.contains("   No Callers\n\nsales has 1 calls"));
    assert!(text.ends_with("   Callers: "));
}

#[test]
fn headerless_text_ends_at_a_blank_line_when_not_expected() {
    let out = frames(QUEUES);
    assert_eq!(out.len(), 2);
    assert_eq!(
        out[0],
        text_msg(&[], "default has 0 calls (max unlimited) in 'ringall' strategy (0s holdtime, 0s talktime), W:0, C:0, A:0, SL:0.0% within 0s\n   No Members\n   No Callers")
    );
}

#[test]
fn a_multibyte_character_split_across_reads_survives() {
    let input = "Event: Newchannel\r\nCallerIDName: Zoë Ångström 日本\r\n\r\n".as_bytes();
    // `frames_with` feeds byte by byte, splitting every character.
    assert_eq!(
        frames_with(input, Limits::default(), false),
        vec![msg(&[
            ("Event", "Newchannel"),
            ("CallerIDName", "Zoë Ångström 日本")
        ])]
    );
}

#[test]
fn invalid_utf8_is_reported_then_delivered_repaired() {
    let mut input = b"Event: A\r\nName: caf".to_vec();
    input.extend_from_slice(&[0xE9, b'!']);
    input.extend_from_slice(b"\r\n\r\nEvent: B\r\n\r\n");
    assert_eq!(
        frames_with(&input, Limits::default(), false),
        vec![
            Out::Err(FrameErrorKind::InvalidUtf8 { valid_up_to: 19 }, None),
            msg(&[("Event", "A"), ("Name", "caf\u{FFFD}!")]),
            msg(&[("Event", "B")]),
        ]
    );
}

#[test]
fn utf8_is_checked_in_long_messages_and_next_to_ascii_ones() {
    // Messages longer than the 64-byte blocks the framer scans, with
    // non-ASCII bytes past the first block, and an ASCII message whose
    // block reaches into a non-ASCII one after it.
    let pad = "p".repeat(70);
    let mut input = format!("Event: A\r\nPad: {pad}\r\nName: caf").into_bytes();
    input.extend_from_slice(&[0xE9, b'!']);
    input.extend_from_slice(b"\r\n\r\nEvent: B\r\n\r\n");
    input.extend_from_slice(format!("Event: C\r\nPad: {pad}\r\nName: Zoë 日本\r\n\r\n").as_bytes());
    input.extend_from_slice(b"Event: D\r\nBad: ");
    input.extend_from_slice(&[0xFF]);
    input.extend_from_slice(b"\r\n\r\n");
    assert_eq!(
        frames_with(&input, Limits::default(), false),
        vec![
            Out::Err(FrameErrorKind::InvalidUtf8 { valid_up_to: 96 }, None),
            msg(&[("Event", "A"), ("Pad", &pad), ("Name", "caf\u{FFFD}!")]),
            msg(&[("Event", "B")]),
            msg(&[("Event", "C"), ("Pad", &pad), ("Name", "Zoë 日本")]),
            Out::Err(FrameErrorKind::InvalidUtf8 { valid_up_to: 15 }, None),
            msg(&[("Event", "D"), ("Bad", "\u{FFFD}")]),
        ]
    );
}

#[test]
fn oversized_message_is_refused_and_framing_resumes() {
    let limits = Limits {
        max_message_bytes: 64,
        max_headers: 100,
    };
    let big = format!(
        "Event: Big\r\nActionID: 9\r\nData: {}\r\nMore: x\r\n\r\nEvent: Next\r\n\r\n",
        "x".repeat(200)
    );
    let out = frames_with(big.as_bytes(), limits, false);
    assert_eq!(
        out,
        vec![
            Out::Err(FrameErrorKind::TooLarge { limit: 64 }, None),
            msg(&[("Event", "Next")]),
        ]
    );
    // The error names the action it belongs to.
    let mut framer = Framer::with_limits(limits);
    framer.feed(big.as_bytes());
    let Some(Frame::Error(e)) = framer.next_frame() else {
        panic!()
    };
    assert_eq!(e.action_id.as_deref(), Some("9"));
    assert_eq!(e.offset, 0);
    assert!(
        e.to_string().contains("larger than the limit of 64 bytes"),
        "{e}"
    );
}

#[test]
fn memory_stays_bounded_whatever_the_peer_sends() {
    let limits = Limits {
        max_message_bytes: 1024,
        max_headers: 16,
    };
    let mut framer = Framer::with_limits(limits);
    let mut errors = 0;
    // 10 MB without a single newline, then a proper message.
    let chunk = vec![b'A'; 4096];
    for _ in 0..2560 {
        framer.feed(&chunk);
        while let Some(frame) = framer.next_frame() {
            assert!(matches!(frame, Frame::Error(_)));
            errors += 1;
        }
        assert!(framer.buffered() <= 1024 + 4096, "{}", framer.buffered());
    }
    assert_eq!(errors, 1);
    framer.feed(b"\r\n\r\nEvent: Ok\r\n\r\n");
    let Some(Frame::Message(m)) = framer.next_frame() else {
        panic!()
    };
    assert_eq!(m.get("Event"), Some("Ok"));
    assert_eq!(framer.stream_offset(), 10_485_760 + 17);
}

#[test]
fn too_many_headers_is_refused_and_framing_resumes() {
    let limits = Limits {
        max_message_bytes: 1 << 20,
        max_headers: 3,
    };
    let out = frames_with(
        b"Event: A\r\nB: 1\r\nC: 2\r\nD: 3\r\nE: 4\r\n\r\nEvent: Z\r\n\r\n",
        limits,
        false,
    );
    assert_eq!(
        out,
        vec![
            Out::Err(FrameErrorKind::TooManyHeaders { limit: 3 }, Some(4)),
            msg(&[("Event", "Z")]),
        ]
    );
}

#[test]
fn follows_head_lines_count_against_max_headers() {
    // Finding 5 of issue 9: the head of a `Response: Follows` reply was not
    // counted, so any number of `ActionID`/`Privilege` lines got through.
    let limits = Limits {
        max_message_bytes: 1 << 20,
        max_headers: 3,
    };
    let out = frames_with(
        b"Response: Follows\r\nPrivilege: Command\r\nActionID: 1\r\nActionID: 2\r\nout\r\n--END COMMAND--\r\n\r\nEvent: Z\r\n\r\n",
        limits,
        false,
    );
    assert_eq!(
        out,
        vec![
            Out::Err(FrameErrorKind::TooManyHeaders { limit: 3 }, Some(4)),
            msg(&[("Event", "Z")]),
        ]
    );
    // The figure of the issue: 70,002 head lines against the default limit.
    let mut input = b"Response: Follows\r\n".to_vec();
    for _ in 0..70_001 {
        input.extend_from_slice(b"Privilege: Command\r\n");
    }
    input.extend_from_slice(b"text\r\n--END COMMAND--\r\n\r\n");
    let mut framer = Framer::new();
    framer.feed(&input);
    let Some(Frame::Error(e)) = framer.next_frame() else {
        panic!("a Follows reply over the header limit was delivered")
    };
    assert_eq!(e.kind, FrameErrorKind::TooManyHeaders { limit: 65_536 });
    assert_eq!(e.line, Some(65_537));
    assert!(framer.next_frame().is_none());
}

#[test]
fn a_million_headers_are_refused_without_holding_them() {
    let mut framer = Framer::new();
    let mut errors = Vec::new();
    framer.feed(b"Event: Flood\r\n");
    let lines = b"X: 1\r\n".repeat(1000);
    for _ in 0..1000 {
        framer.feed(&lines);
        while let Some(frame) = framer.next_frame() {
            let Frame::Error(e) = frame else {
                panic!("{frame:?}")
            };
            errors.push(e.kind);
        }
        // Bounded by the size limit plus one read, whatever the header count.
        assert!(framer.buffered() <= (4 << 20) + lines.len());
    }
    assert_eq!(
        errors,
        vec![FrameErrorKind::TooManyHeaders { limit: 65_536 }]
    );
    framer.feed(b"\r\nEvent: After\r\n\r\n");
    let Some(Frame::Message(m)) = framer.next_frame() else {
        panic!()
    };
    assert_eq!(m.get("Event"), Some("After"));
}

#[test]
fn invalid_utf8_banner_is_reported_then_delivered_repaired() {
    // Finding 6 of issue 9: the banner was reported and never delivered.
    let input = b"Asterisk Call Manager/\xff5.0\r\nEvent: A\r\n\r\n";
    assert_eq!(
        frames_with(input, Limits::default(), false),
        vec![
            Out::Err(FrameErrorKind::InvalidUtf8 { valid_up_to: 22 }, Some(1)),
            Out::Banner("Asterisk Call Manager/\u{FFFD}5.0".into()),
            msg(&[("Event", "A")]),
        ]
    );
    let mut conn = Connection::new();
    conn.receive(input);
    assert!(matches!(conn.poll(), Some(Item::Error(_))));
    assert!(matches!(
        conn.poll(),
        Some(Item::Banner("Asterisk Call Manager/\u{FFFD}5.0"))
    ));
    assert_eq!(conn.banner(), Some("Asterisk Call Manager/\u{FFFD}5.0"));
}

#[test]
fn an_incomplete_line_is_searched_once_however_it_is_split() {
    // Finding 7 of issue 9: each read searched the incomplete line again
    // from its start, so a 1 MiB line in 16-byte reads cost 32 GiB of
    // searching. Now every byte is searched once.
    let line = 1 << 20;
    let mut input = b"Event: Long\r\nData: ".to_vec();
    input.resize(line, b'x');
    input.extend_from_slice(b"\r\n\r\n");
    let mut framer = Framer::new();
    super::framer::SEARCHED.with(|c| c.set(0));
    let mut delivered = 0;
    for piece in input.chunks(16) {
        framer.feed(piece);
        while let Some(frame) = framer.next_frame() {
            assert!(matches!(frame, Frame::Message(_)), "{frame:?}");
            delivered += 1;
        }
    }
    let searched = super::framer::SEARCHED.with(|c| c.get());
    assert_eq!(delivered, 1);
    assert!(
        searched <= input.len() as u64,
        "searched {searched} bytes for {} bytes of input",
        input.len()
    );
}

#[test]
fn malformed_line_is_named_and_framing_resumes() {
    let out = frames("Event: A\r\nthis is not a header\r\nX: 1\r\n\r\nEvent: B\r\n\r\n");
    assert_eq!(
        out,
        vec![
            Out::Err(
                FrameErrorKind::Malformed {
                    content: "this is not a header".into()
                },
                Some(2)
            ),
            msg(&[("Event", "B")]),
        ]
    );
}

#[test]
fn raw_message_views_are_zero_copy_and_fill_reuses() {
    let mut framer = Framer::new();
    framer.feed(b"Event: Hangup\r\nChannel: SIP/1\r\nCause: 16\r\n\r\n");
    let Some(Frame::Message(raw)) = framer.next_frame() else {
        panic!()
    };
    assert_eq!(raw.kind(), crate::wire::MessageKind::Event("Hangup"));
    assert_eq!(raw.len(), 3);
    assert_eq!(raw.get("cause"), Some("16"));
    let frame = raw.as_str();
    let value = raw.get("Channel").unwrap();
    // The value points into the frame, which points into the read buffer.
    let offset = value.as_ptr() as usize - frame.as_ptr() as usize;
    assert_eq!(&frame[offset..offset + value.len()], "SIP/1");
    let mut scratch = Message::new()
        .with("Old", "x")
        .with("Old2", "y")
        .with("Old3", "z")
        .with("Old4", "w");
    raw.fill(&mut scratch);
    assert_eq!(scratch, raw.to_message());
}

// --- Connection -----------------------------------------------------------

/// A hand-written action, so that these tests need no derive.
#[derive(Debug)]
struct Demo {
    shape_channel: String,
}

impl Fields for Demo {
    type Partial = ();
    fn accept(_: &mut (), _: &[u8], _: &RawHeader<'_>) -> Accepted {
        Accepted::Left
    }
    fn finish(_: &mut (), _: &str) -> Result<Self, FieldError> {
        Ok(Demo {
            shape_channel: String::new(),
        })
    }
    fn encode(&self, enc: &mut Encoder<'_>) -> Result<(), EncodeError> {
        enc.field("Channel", &self.shape_channel, true)
    }
}

impl Action for Demo {
    const NAME: &'static str = "Hangup";
    const SHAPE: ResponseShape = ResponseShape::Single;
    type Response = Ack;
}

fn demo(channel: &str) -> Demo {
    Demo {
        shape_channel: channel.into(),
    }
}

fn action(name: &str) -> Message {
    Message::new().with("Action", name.to_owned())
}

enum Seen {
    Banner(String),
    Event(Message),
    Reply(Completed),
    Error(ProtocolError),
    Goodbye,
}

fn poll_all(conn: &mut Connection) -> Vec<Seen> {
    let mut out = Vec::new();
    while let Some(item) = conn.poll() {
        out.push(match item {
            Item::Banner(b) => Seen::Banner(b.into()),
            Item::Event(e) => Seen::Event(e.to_message()),
            Item::Reply(c) => Seen::Reply(c),
            Item::Error(e) => Seen::Error(e),
            Item::Goodbye(_) => Seen::Goodbye,
        });
    }
    out
}

fn reply(seen: Seen) -> Completed {
    match seen {
        Seen::Reply(c) => c,
        _ => panic!("not a reply"),
    }
}

#[test]
fn action_ids_are_generated_unique_or_taken_from_the_caller() {
    let mut conn = Connection::new();
    let a = conn.send(&demo("SIP/1")).unwrap();
    let b = conn.send(&demo("SIP/2")).unwrap();
    assert_ne!(a, b);
    let c = conn.send_with_id(&demo("SIP/3"), "mine").unwrap();
    assert_eq!(c, "mine");
    assert_eq!(
        conn.send_with_id(&demo("SIP/4"), "mine"),
        Err(SendError::DuplicateActionId("mine".into()))
    );
    // A caller's ID that looks generated is skipped by the generator.
    let next = (a.parse::<u64>().unwrap() + 2).to_string();
    conn.send_with_id(&demo("SIP/5"), &next).unwrap();
    let d = conn.send(&demo("SIP/6")).unwrap();
    assert!(![&a, &b, &c, &next].contains(&&d));
    let out = String::from_utf8(conn.take_output()).unwrap();
    assert!(out.starts_with(&format!(
        "Action: Hangup\r\nActionID: {a}\r\nChannel: SIP/1\r\n\r\nAction: Hangup\r\nActionID: {b}\r\n"
    )));
    assert_eq!(conn.in_flight(), 5);
}

#[test]
fn responses_are_matched_by_action_id_in_any_order() {
    let mut conn = Connection::new();
    let a = conn.send(&demo("SIP/1")).unwrap();
    let b = conn.send(&demo("SIP/2")).unwrap();
    conn.receive(format!("Asterisk Call Manager/5.0.1\r\nResponse: Success\r\nActionID: {b}\r\nMessage: B\r\n\r\nResponse: Success\r\nActionID: {a}\r\nMessage: A\r\n\r\n").as_bytes());
    let mut seen = poll_all(&mut conn).into_iter();
    assert!(matches!(seen.next(), Some(Seen::Banner(b)) if b == "Asterisk Call Manager/5.0.1"));
    let first = reply(seen.next().unwrap());
    assert_eq!(first.action_id, b);
    assert_eq!(first.action, "Hangup");
    assert_eq!(first.result.unwrap().head.get("Message"), Some("B"));
    let second = reply(seen.next().unwrap());
    assert_eq!(second.action_id, a);
    assert!(seen.next().is_none());
    assert_eq!(conn.banner(), Some("Asterisk Call Manager/5.0.1"));
    assert_eq!(conn.in_flight(), 0);
}

#[test]
fn error_response_carries_asterisks_message() {
    let mut conn = Connection::new();
    let id = conn.send(&demo("SIP/none")).unwrap();
    conn.receive(
        format!("Response: Error\r\nActionID: {id}\r\nMessage: No such channel\r\n\r\n").as_bytes(),
    );
    let done = reply(poll_all(&mut conn).remove(0));
    match done.result {
        Err(ActionError::Failed { message, response }) => {
            assert_eq!(message, "No such channel");
            assert_eq!(response.get("Response"), Some("Error"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn list_collects_items_until_the_completion_event_the_spec_names() {
    let mut conn = Connection::new();
    let id = conn
        .send_message(
            &action("Status"),
            ResponseShape::List {
                complete: "StatusComplete",
            },
        )
        .unwrap();
    // An unrelated event in the middle goes to the event stream; an item
    // that says "Complete" in its text does not end the list.
    conn.receive(
        format!(
            "Response: Success\r\nActionID: {id}\r\nEventList: start\r\nMessage: Channel status will follow\r\n\r\n\
             Event: Status\r\nActionID: {id}\r\nChannel: SIP/1\r\n\r\n\
             Event: Newexten\r\nChannel: SIP/9\r\n\r\n\
             Event: Status\r\nActionID: {id}\r\nChannel: SIP/2\r\nEventList: Complete\r\n\r\n\
             Event: statuscomplete\r\nActionID: {id}\r\nEventList: Complete\r\nListItems: 2\r\n\r\n"
        )
        .as_bytes(),
    );
    let mut seen = poll_all(&mut conn).into_iter();
    assert!(matches!(seen.next(), Some(Seen::Event(e)) if e.get("Event") == Some("Newexten")));
    let list = reply(seen.next().unwrap()).result.unwrap();
    assert_eq!(list.head.get("EventList"), Some("start"));
    assert_eq!(list.items.len(), 2);
    assert_eq!(list.items[1].get("Channel"), Some("SIP/2"));
    assert_eq!(list.complete.unwrap().get("ListItems"), Some("2"));
    assert!(seen.next().is_none());
}

#[test]
fn list_error_response_ends_the_list() {
    let mut conn = Connection::new();
    let id = conn
        .send_message(
            &action("Status"),
            ResponseShape::List {
                complete: "StatusComplete",
            },
        )
        .unwrap();
    conn.receive(
        format!("Response: Error\r\nActionID: {id}\r\nMessage: No such channel\r\n\r\n").as_bytes(),
    );
    assert!(matches!(
        reply(poll_all(&mut conn).remove(0)).result,
        Err(ActionError::Failed { .. })
    ));
}

#[test]
fn events_of_non_list_actions_and_unsolicited_events_go_to_the_stream() {
    let mut conn = Connection::new();
    let id = conn
        .send_message(
            &action("Originate").with("Async", "true"),
            ResponseShape::Single,
        )
        .unwrap();
    conn.receive(format!("Response: Success\r\nActionID: {id}\r\nMessage: Originate successfully queued\r\n\r\nEvent: OriginateResponse\r\nActionID: {id}\r\nResponse: Success\r\n\r\nEvent: Brand New\r\nX: y\r\n\r\n").as_bytes());
    let seen = poll_all(&mut conn);
    assert_eq!(seen.len(), 3);
    assert!(matches!(&seen[1], Seen::Event(e) if e.get("Event") == Some("OriginateResponse")));
    assert!(matches!(&seen[2], Seen::Event(e) if e.get("Event") == Some("Brand New")));
}

#[test]
fn command_output_in_both_formats() {
    let mut conn = Connection::new();
    let a = conn
        .send_message(
            &action("Command").with("Command", "core show uptime"),
            ResponseShape::Command,
        )
        .unwrap();
    let b = conn
        .send_message(
            &action("Command").with("Command", "core show uptime"),
            ResponseShape::Command,
        )
        .unwrap();
    conn.receive(format!("Response: Success\r\nActionID: {a}\r\nMessage: Command output follows\r\nOutput: System uptime: 1 hour\r\n\r\nResponse: Follows\r\nPrivilege: Command\r\nActionID: {b}\r\nSystem uptime: 1 hour\n\n--END COMMAND--\r\n\r\n").as_bytes());
    let seen = poll_all(&mut conn);
    let out_a = reply(seen.into_iter().next().unwrap()).result.unwrap();
    assert_eq!(out_a.head.get("Output"), Some("System uptime: 1 hour"));
    conn.receive(b"");
    let mut conn2 = Connection::new();
    let b2 = conn2
        .send_message(&action("Command"), ResponseShape::Command)
        .unwrap();
    conn2.receive(format!("Response: Follows\r\nPrivilege: Command\r\nActionID: {b2}\r\nline 1\nline 2\n--END COMMAND--\r\n\r\n").as_bytes());
    let out_b = reply(poll_all(&mut conn2).remove(0)).result.unwrap();
    assert_eq!(out_b.head.text.as_deref(), Some("line 1\nline 2"));
}

#[test]
fn raw_text_reply_answers_the_oldest_raw_text_action() {
    let mut conn = Connection::new();
    let ping = conn
        .send_message(&action("Ping"), ResponseShape::Single)
        .unwrap();
    let q1 = conn
        .send_message(&action("Queues"), ResponseShape::RawText)
        .unwrap();
    let q2 = conn
        .send_message(&action("Queues"), ResponseShape::RawText)
        .unwrap();
    conn.receive(format!("Response: Success\r\nActionID: {ping}\r\nPing: Pong\r\n\r\n{QUEUES}No queues.\r\n\r\n\r\n").as_bytes());
    let seen = poll_all(&mut conn);
    assert_eq!(seen.len(), 3);
    let mut seen = seen.into_iter().skip(1);
    let first = reply(seen.next().unwrap());
    assert_eq!(first.action_id, q1);
    assert!(first
        .result
        .unwrap()
        .head
        .text
        .unwrap()
        .contains("sales has 1 calls"));
    let second = reply(seen.next().unwrap());
    assert_eq!(second.action_id, q2);
    assert_eq!(
        second.result.unwrap().head.text.as_deref(),
        Some("No queues.")
    );
}

#[test]
fn unexpected_text_and_responses_are_reported_not_dropped() {
    let mut conn = Connection::new();
    conn.receive(b"some stray text\r\n\r\nResponse: Success\r\nActionID: nobody\r\n\r\n");
    let seen = poll_all(&mut conn);
    assert!(
        matches!(&seen[0], Seen::Error(ProtocolError::UnexpectedText { text }) if text == "some stray text")
    );
    assert!(
        matches!(&seen[1], Seen::Error(ProtocolError::UnexpectedResponse { action_id: Some(id), .. }) if id == "nobody")
    );
}

#[test]
fn goodbye_ends_the_session() {
    let mut conn = Connection::new();
    let id = conn
        .send_message(&action("Logoff"), ResponseShape::Goodbye)
        .unwrap();
    conn.receive(
        format!("Response: Goodbye\r\nActionID: {id}\r\nMessage: Thanks for all the fish.\r\n\r\n")
            .as_bytes(),
    );
    let done = reply(poll_all(&mut conn).remove(0));
    assert_eq!(
        done.result.unwrap().head.get("Message"),
        Some("Thanks for all the fish.")
    );
    assert!(conn.is_closed());
    assert_eq!(conn.send(&demo("SIP/1")), Err(SendError::Closed));
    // An unsolicited goodbye is reported as such.
    let mut conn = Connection::new();
    conn.receive(b"Response: Goodbye\r\nMessage: Bye\r\n\r\n");
    assert!(matches!(poll_all(&mut conn).remove(0), Seen::Goodbye));
    assert!(conn.is_closed());
}

#[test]
fn line_breaks_are_refused_with_nothing_written() {
    let mut conn = Connection::new();
    let err = conn.send(&demo("SIP/1\r\nAction: Hangup")).unwrap_err();
    assert!(matches!(
        err,
        SendError::Encode(EncodeError {
            kind: EncodeErrorKind::LineBreak { .. },
            ..
        })
    ));
    let err = conn
        .send_message(
            &action("Hangup").with("Channel", "SIP/1\nAction: Hangup"),
            ResponseShape::Single,
        )
        .unwrap_err();
    assert!(err.to_string().contains("CR, LF or NUL"), "{err}");
    assert!(conn
        .send_message(
            &action("Hangup").with("Chan\rnel", "x"),
            ResponseShape::Single
        )
        .is_err());
    assert!(conn
        .send_encoded(
            "Ping",
            ResponseShape::Single,
            b"Action: Ping\r\n\r\n",
            Some("1\r\n2")
        )
        .is_err());
    assert!(conn.send(&demo("")).is_err());
    assert!(conn.output().is_empty());
    assert_eq!(conn.in_flight(), 0);
}

#[test]
fn nul_bytes_are_refused_like_line_breaks_with_nothing_written() {
    // Finding 8 of issue 9: Asterisk cuts a header at NUL, so a NUL in a
    // value, a header name or an ActionID is refused like CR/LF.
    let mut conn = Connection::new();
    assert!(matches!(
        conn.send(&demo("SIP/1\0Action: Hangup")),
        Err(SendError::Encode(EncodeError {
            kind: EncodeErrorKind::LineBreak { .. },
            ..
        }))
    ));
    for msg in [
        action("Hangup").with("Channel", "SIP/1\0x"),
        action("Hangup").with("Chan\0nel", "x"),
        action("Hangup").with("Chan nel", "x"),
        action("Hangup").with("Chan\tnel", "x"),
        action("Hangup").with("ActionID", "7\08"),
    ] {
        let err = conn.send_message(&msg, ResponseShape::Single).unwrap_err();
        assert!(matches!(err, SendError::InvalidHeader { .. }), "{err}");
    }
    assert!(conn
        .send_encoded(
            "Ping",
            ResponseShape::Single,
            b"Action: Ping\r\n\r\n",
            Some("1\x002")
        )
        .is_err());
    assert!(matches!(
        conn.send_with_id(&demo("SIP/1"), "4\x002"),
        Err(SendError::Encode(_))
    ));
    assert!(conn.output().is_empty());
    assert_eq!(conn.in_flight(), 0);
}

#[test]
fn a_cancelled_action_gives_back_its_unwritten_bytes() {
    // Finding 2 of issue 9: bytes of timed-out actions stayed queued behind
    // a peer that stopped reading.
    let mut conn = Connection::new();
    let first = conn.send(&demo("SIP/1")).unwrap();
    let second = conn.send(&demo("SIP/2")).unwrap();
    let third = conn.send(&demo("SIP/3")).unwrap();
    let one = conn.queued_output() / 3;
    // The adapter takes one action at a time into its write buffer.
    let mut wbuf = Vec::new();
    conn.take_output_up_to(&mut wbuf, 1);
    assert_eq!(wbuf.len(), one);
    assert_eq!(conn.queued_output(), 2 * one);
    // Handed out: nothing to give back, but the action is forgotten.
    assert!(conn.cancel(&first));
    assert_eq!(conn.queued_output(), 2 * one);
    // Still queued: its bytes go.
    assert!(conn.cancel(&second));
    assert_eq!(conn.queued_output(), one);
    let rest = conn.take_output();
    assert!(String::from_utf8_lossy(&rest).contains("SIP/3"), "{rest:?}");
    assert!(!String::from_utf8_lossy(&rest).contains("SIP/2"));
    assert_eq!(conn.in_flight(), 1);
    assert!(conn.cancel(&third));
    assert_eq!(conn.queued_output(), 0);
}

#[test]
fn an_urgent_action_goes_out_before_queued_ones() {
    let mut conn = Connection::new();
    conn.send(&demo("SIP/1")).unwrap();
    let ping = conn.send_urgent(&demo("URGENT")).unwrap();
    let out = String::from_utf8(conn.take_output()).unwrap();
    assert!(
        out.starts_with(&format!(
            "Action: Hangup\r\nActionID: {ping}\r\nChannel: URGENT"
        )),
        "{out}"
    );
}

#[test]
fn send_encoded_inserts_the_action_id() {
    let mut conn = Connection::new();
    let id = conn
        .send_encoded("Ping", ResponseShape::Single, b"Action: Ping\r\n\r\n", None)
        .unwrap();
    assert_eq!(
        conn.output(),
        format!("Action: Ping\r\nActionID: {id}\r\n\r\n").as_bytes()
    );
    conn.consume_output(4);
    assert_eq!(
        conn.output(),
        format!("on: Ping\r\nActionID: {id}\r\n\r\n").as_bytes()
    );
}

#[test]
fn fail_all_resolves_every_action_in_flight() {
    let mut conn = Connection::new();
    let a = conn.send(&demo("SIP/1")).unwrap();
    let b = conn
        .send_message(
            &action("Status"),
            ResponseShape::List {
                complete: "StatusComplete",
            },
        )
        .unwrap();
    conn.receive(format!("Response: Success\r\nActionID: {b}\r\nEventList: start\r\n\r\nEvent: Status\r\nActionID: {b}\r\n\r\n").as_bytes());
    assert!(poll_all(&mut conn).is_empty());
    let mut failed = conn.fail_all("connection reset");
    failed.sort_by(|x, y| x.action_id.cmp(&y.action_id));
    let mut ids = vec![a, b];
    ids.sort();
    assert_eq!(
        failed
            .iter()
            .map(|c| c.action_id.clone())
            .collect::<Vec<_>>(),
        ids
    );
    assert!(failed.iter().all(|c| matches!(
        &c.result,
        Err(ActionError::Disconnected { reason }) if reason == "connection reset"
    )));
    assert_eq!(conn.in_flight(), 0);
}

#[test]
fn a_cancelled_actions_late_response_is_ignored() {
    let mut conn = Connection::new();
    let id = conn.send(&demo("SIP/1")).unwrap();
    assert!(conn.cancel(&id));
    assert!(!conn.cancel(&id));
    conn.receive(format!("Response: Success\r\nActionID: {id}\r\n\r\n").as_bytes());
    assert!(poll_all(&mut conn).is_empty());
}

#[test]
fn a_refused_reply_fails_its_action() {
    let mut conn = Connection::with_limits(Limits {
        max_message_bytes: 100,
        max_headers: 10,
    });
    let id = conn
        .send_message(&action("Command"), ResponseShape::Command)
        .unwrap();
    conn.receive(
        format!(
            "Response: Success\r\nActionID: {id}\r\nOutput: {}\r\n\r\nEvent: Next\r\n\r\n",
            "y".repeat(200)
        )
        .as_bytes(),
    );
    let seen = poll_all(&mut conn);
    let done = reply(seen.into_iter().next().unwrap());
    assert!(matches!(
        done.result,
        Err(ActionError::Protocol(ProtocolError::Frame(FrameError {
            kind: FrameErrorKind::TooLarge { limit: 100 },
            ..
        })))
    ));
}

#[test]
fn invalid_utf8_response_still_reaches_its_action() {
    let mut conn = Connection::new();
    let id = conn
        .send_message(&action("Getvar"), ResponseShape::Single)
        .unwrap();
    let mut bytes = format!("Response: Success\r\nActionID: {id}\r\nValue: ").into_bytes();
    bytes.extend_from_slice(&[0xFF, 0xFE]);
    bytes.extend_from_slice(b"\r\n\r\n");
    conn.receive(&bytes);
    let seen = poll_all(&mut conn);
    assert_eq!(seen.len(), 2);
    assert!(matches!(
        &seen[0],
        Seen::Error(ProtocolError::Frame(FrameError {
            kind: FrameErrorKind::InvalidUtf8 { .. },
            ..
        }))
    ));
    let done = reply(seen.into_iter().nth(1).unwrap());
    assert_eq!(
        done.result.unwrap().head.get("Value"),
        Some("\u{FFFD}\u{FFFD}")
    );
}
