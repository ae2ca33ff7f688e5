//! `ami decode` over the wire examples of the spec (taken from the seed
//! document) and over broken input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use ami_cli::decode::{decode, Summary};
use serde_json::Value;

/// Every wire example of `spec/*.toml` (requests, responses, events), in
/// file order, each block followed by two blank lines: one ends a message,
/// the second ends a raw text reply (`Queues`). Also says, per block,
/// whether it is the request of an error example (`Response: Error`), which
/// the spec may show deliberately invalid ("Error: State not specified").
fn seed_examples() -> (String, Vec<bool>) {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&spec)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut out = String::new();
    let mut may_refuse = Vec::new();
    let mut push = |block: &str, refusable: bool| {
        out.push_str(block.trim_end_matches(['\n', '\r']));
        out.push_str("\r\n\r\n\r\n");
        may_refuse.push(refusable);
    };
    for file in files {
        let value: toml::Value = toml::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let actions = value
            .get("action")
            .and_then(|a| a.as_array())
            .cloned()
            .unwrap_or_default();
        for action in actions {
            let examples = action
                .get("example")
                .and_then(|e| e.as_array())
                .cloned()
                .unwrap_or_default();
            for example in examples {
                let response = example.get("response").and_then(|b| b.as_str());
                let error_example = response.is_some_and(|r| r.starts_with("Response: Error"));
                if let Some(request) = example.get("request").and_then(|b| b.as_str()) {
                    push(request, error_example);
                }
                if let Some(response) = response {
                    push(response, false);
                }
                for event in example
                    .get("events")
                    .and_then(|e| e.as_array())
                    .into_iter()
                    .flatten()
                {
                    push(event.as_str().unwrap(), false);
                }
            }
        }
    }
    (out, may_refuse)
}

fn lines(output: &[u8]) -> Vec<Value> {
    String::from_utf8(output.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn every_seed_wire_example_decodes_as_typed() {
    let (capture, may_refuse) = seed_examples();
    assert!(
        may_refuse.len() > 100,
        "only {} examples found in spec/",
        may_refuse.len()
    );
    let path = std::env::temp_dir().join(format!("ami-seed-examples-{}.txt", std::process::id()));
    std::fs::write(&path, &capture).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ami"))
        .arg("decode")
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let decoded = lines(&output.stdout);
    assert_eq!(
        decoded.len(),
        may_refuse.len(),
        "one line per example block"
    );
    let mut refused = 0;
    for (line, refusable) in decoded.iter().zip(&may_refuse) {
        if line["typed"].is_object() {
            assert!(
                line.get("untyped").is_none() && line.get("error").is_none(),
                "{line:#}"
            );
            continue;
        }
        assert_eq!(line["untyped"], true, "{line:#}");
        assert!(line["headers"].is_array(), "{line:#}");
        // Only a request the spec shows as refused by Asterisk may fail to
        // type, and then the reason names the missing parameter.
        assert!(*refusable, "not typed: {line:#}");
        let error = line["error"].as_str().unwrap_or_default();
        assert!(error.contains("missing required field"), "{line:#}");
        refused += 1;
    }
    eprintln!(
        "{refused} deliberately invalid requests of error examples were refused, with the reason"
    );
    // Those refusals are messages that did not type: the exit code and the
    // summary say so.
    assert_eq!(output.status.code(), Some(u8::from(refused > 0).into()));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("{refused} not typed")), "{stderr}");
}

#[test]
fn messages_print_with_type_name_and_fields() {
    let capture = "Asterisk Call Manager/5.0.1\r\n\
        Action: Ping\r\nActionID: 1\r\n\r\n\
        Response: Success\r\nActionID: 1\r\nPing: Pong\r\nTimestamp: 1494854593.314921\r\n\r\n\
        Event: Hangup\r\nPrivilege: call,all\r\nChannel: SIP/1\r\nUniqueid: 1.1\r\nCause: 16\r\nCause-txt: Normal\r\n\r\n\
        Event: SomethingNew\r\nX: 1\r\nX: 2\r\n\r\n";
    let mut out = Vec::new();
    let summary = decode(capture.as_bytes(), &mut out).unwrap();
    let decoded = lines(&out);
    assert_eq!(decoded.len(), 4);
    assert_eq!(
        decoded[0],
        serde_json::json!({"kind": "action", "name": "Ping", "action_id": "1", "typed": {}})
    );
    assert_eq!(
        decoded[1],
        serde_json::json!({
            "kind": "response", "name": "Ping", "action_id": "1",
            "typed": {"ping": "Pong", "timestamp": 1494854593.314921}
        })
    );
    // Typed values: numbers as numbers, repeated headers always arrays.
    assert_eq!(
        decoded[2],
        serde_json::json!({
            "kind": "event", "name": "Hangup",
            "typed": {
                "privilege": "call,all", "channel": "SIP/1", "uniqueid": "1.1",
                "chan_variable": [], "cause": 16, "cause_txt": "Normal"
            }
        })
    );
    assert_eq!(
        decoded[3],
        serde_json::json!({
            "kind": "event", "name": "SomethingNew", "untyped": true,
            "headers": [["Event", "SomethingNew"], ["X", "1"], ["X", "2"]],
            "error": "not an event of the spec"
        })
    );
    assert_eq!(
        summary,
        Summary {
            messages: 4,
            typed: 3,
            failed: 1,
            errors: 0
        }
    );
    assert_eq!(summary.exit_code(), 1);
    assert_eq!(
        summary.to_string(),
        "4 messages, 3 typed, 1 not typed, 0 frame errors"
    );
    let one = Summary {
        messages: 1,
        typed: 1,
        failed: 0,
        errors: 1,
    };
    assert_eq!(
        one.to_string(),
        "1 message, 1 typed, 0 not typed, 1 frame error"
    );
}

#[test]
fn a_list_is_typed_as_a_whole_and_printed_in_order() {
    let capture = "Action: CoreShowChannels\r\nActionID: 9\r\n\r\n\
        Response: Success\r\nActionID: 9\r\nEventList: start\r\nMessage: Channels will follow\r\n\r\n\
        Event: CoreShowChannel\r\nActionID: 9\r\nChannel: SIP/1\r\nUniqueid: 1.1\r\n\r\n\
        Event: FullyBooted\r\nStatus: Fully Booted\r\n\r\n\
        Event: CoreShowChannelsComplete\r\nActionID: 9\r\nEventList: Complete\r\nListItems: 1\r\n\r\n";
    let mut out = Vec::new();
    decode(capture.as_bytes(), &mut out).unwrap();
    let decoded = lines(&out);
    let names: Vec<&str> = decoded
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "CoreShowChannels",
            "CoreShowChannels",
            "CoreShowChannel",
            "FullyBooted",
            "CoreShowChannelsComplete"
        ]
    );
    assert!(
        decoded.iter().all(|v| v["typed"].is_object()),
        "{decoded:#?}"
    );
    // The response line carries the whole typed reply, items included.
    let reply = &decoded[1]["typed"];
    assert_eq!(reply["message"], "Channels will follow");
    assert_eq!(reply["items"][0]["channel"], "SIP/1");
    assert_eq!(reply["complete"]["list_items"], 1);
}

#[test]
fn broken_input_gives_error_items_and_exits_one() {
    let mut capture =
        b"Event: Hangup\r\nnot a header\r\n\r\nEvent: Hangup\r\nChannel: caf".to_vec();
    capture.push(0xE9);
    capture.extend_from_slice(b"\r\n\r\nResponse: Success\r\nMessage: orphan\r\n\r\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ami"))
        .arg("decode")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&capture).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("2 messages, 1 typed, 1 not typed, 2 frame errors"));
    let decoded = lines(&output.stdout);
    assert_eq!(decoded[0]["kind"], "error");
    assert_eq!(decoded[0]["line"], 2);
    assert!(decoded[0]["error"]
        .as_str()
        .unwrap()
        .contains("not a header"));
    assert_eq!(decoded[1]["kind"], "error");
    assert!(decoded[1]["error"].as_str().unwrap().contains("UTF-8"));
    assert_eq!(decoded[2]["typed"]["channel"], "caf\u{FFFD}");
    assert_eq!(decoded[3]["kind"], "response");
    assert_eq!(decoded[3]["untyped"], true);
    assert!(decoded[3]["error"].is_string());
}

#[test]
fn an_unreadable_input_exits_non_zero() {
    let output = Command::new(env!("CARGO_BIN_EXE_ami"))
        .args(["decode", "/nonexistent/capture.txt"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read"));
}

/// An endless `CoreShowChannels` list (never completed), produced lazily:
/// `limit` bytes of events after the list's head.
struct EndlessList {
    head: Vec<u8>,
    event: Vec<u8>,
    produced: std::rc::Rc<std::cell::Cell<usize>>,
    limit: usize,
}

impl std::io::Read for EndlessList {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let at = self.produced.get();
        if at >= self.limit {
            return Ok(0);
        }
        let n = if at < self.head.len() {
            let n = (self.head.len() - at).min(buf.len());
            buf[..n].copy_from_slice(&self.head[at..at + n]);
            n
        } else {
            let whole = (buf.len() / self.event.len()).max(1);
            let mut n = 0;
            for _ in 0..whole {
                if n + self.event.len() > buf.len() {
                    break;
                }
                buf[n..n + self.event.len()].copy_from_slice(&self.event);
                n += self.event.len();
            }
            n
        };
        self.produced.set(at + n);
        Ok(n)
    }
}

/// Counts output lines, and notes how much input had been read when the
/// first list item was printed.
struct Watch {
    produced: std::rc::Rc<std::cell::Cell<usize>>,
    lines: usize,
    first_item_at: Option<usize>,
}

impl Write for Watch {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let lines = buf.iter().filter(|&&b| b == b'\n').count();
        if self.first_item_at.is_none() && buf.windows(16).any(|w| w == b"CoreShowChannel\"") {
            self.first_item_at = Some(self.produced.get());
        }
        self.lines += lines;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn an_unterminated_list_streams_out_instead_of_piling_up() {
    // Finding 4 of issue 9: 200 MB of list items with no completion event
    // were all held until the end of the input. Now at most
    // MAX_HELD_BYTES are held: the first item is printed before 8 MiB plus
    // one read of input went in.
    let produced = std::rc::Rc::new(std::cell::Cell::new(0));
    let head = b"Action: CoreShowChannels\r\nActionID: L1\r\n\r\nResponse: Success\r\nActionID: L1\r\nEventList: start\r\nMessage: Channels will follow\r\n\r\n".to_vec();
    let event = b"Event: CoreShowChannel\r\nActionID: L1\r\nChannel: PJSIP/alice-00000001\r\nChannelState: 6\r\nChannelStateDesc: Up\r\nUniqueid: 1700000000.1\r\nLinkedid: 1700000000.1\r\nApplication: Dial\r\nDuration: 00:00:10\r\n\r\n".to_vec();
    let limit = ami_cli::decode::MAX_HELD_BYTES;
    let head_len = head.len();
    let input = EndlessList {
        head,
        event: event.clone(),
        produced: produced.clone(),
        limit,
    };
    let mut watch = Watch {
        produced,
        lines: 0,
        first_item_at: None,
    };
    let summary = decode(input, &mut watch).unwrap();
    let first = watch.first_item_at.expect("list items were printed");
    eprintln!(
        "unterminated list of {limit} bytes: first item printed after {first} bytes of input; {} lines",
        watch.lines
    );
    assert!(
        first <= ami_cli::decode::MAX_HELD_BYTES + 64 * 1024,
        "first item printed only after {first} bytes of input"
    );
    // Every message is printed once: the action, the head, every item.
    let items = (limit - head_len) / event.len();
    assert!(summary.messages as usize >= items, "{summary:?}");
    assert_eq!(watch.lines as u64, summary.messages + summary.errors);
}
