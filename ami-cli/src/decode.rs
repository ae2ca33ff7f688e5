//! `ami decode`: a raw AMI byte stream in, one JSON object per message out.
//!
//! The stream goes through the runtime's framer (so the output shows what
//! the client would see: limits, resynchronisation, UTF-8 repairs), then
//! each message is decoded with the generated types:
//!
//! * an action (`Action:`) with [`registry::check_action`];
//! * a response with [`registry::check_reply`], matched to its action by
//!   `ActionID`, or else to the last action of the capture (wire examples
//!   carry no `ActionID`); a list response is decoded once its completion
//!   event arrived, items included, so the messages of a list are printed
//!   when the list is complete, in their order. A list is held up to
//!   [`MAX_HELD_BYTES`]; past that, what was held is printed (the head
//!   with an error saying the list was too long to check as a whole) and
//!   the rest of the list streams out as it arrives, so an unterminated
//!   list never holds more than that in memory. A `Response: Error` to a
//!   known action counts as typed: the runtime turns it into its typed
//!   error value, carrying Asterisk's message;
//! * an event into [`ami_generated::Event`] (typed unless it lands in
//!   `Event::Unknown`).

use std::collections::HashMap;
use std::io::{self, Read, Write};

use ami_generated::registry::{self, ActionInfo};
use ami_generated::Event;
use ami_runtime::proto::{Frame, FrameError, Framer};
use ami_runtime::wire::{FromEvent, Message, MessageKind, Reply, ResponseShape, TypedVisitor};

use crate::json::Object;

/// What a run decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Messages printed.
    pub messages: u64,
    /// Of which typed.
    pub typed: u64,
    /// Of which not typed: the decoding failed, or the spec does not know
    /// them (each such line carries an `"error"`).
    pub failed: u64,
    /// Refused frames (`"kind": "error"` lines).
    pub errors: u64,
}

impl Summary {
    /// The exit code of `ami decode`: 0 when every message was typed and
    /// every frame accepted, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.failed > 0 || self.errors > 0)
    }
}

/// `1 message`, `2 messages`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}, {} typed, {} not typed, {}",
            plural(self.messages, "message", "messages"),
            self.typed,
            self.failed,
            plural(self.errors, "frame error", "frame errors"),
        )
    }
}

/// Serializes a typed value known only at run time to JSON text (keys in
/// declaration order).
pub struct ToJson;

impl TypedVisitor for ToJson {
    type Output = Result<String, String>;

    fn visit<T>(self, value: T) -> Self::Output
    where
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug + 'static,
    {
        serde_json::to_string(&value).map_err(|e| e.to_string())
    }
}

/// The typed JSON of an event: its struct's fields (the `Event` enum
/// serializes as `{"<Name>": {...}}`; the line names the event itself).
pub fn typed_event(event: &Event) -> Result<String, String> {
    let json = serde_json::to_string(event).map_err(|e| e.to_string())?;
    let name = serde_json::to_string(event.name()).map_err(|e| e.to_string())?;
    let prefix = format!("{{{name}:");
    match json.strip_prefix(&prefix).and_then(|j| j.strip_suffix('}')) {
        Some(inner) => Ok(inner.to_owned()),
        None => Ok(json),
    }
}

/// One message line of the output: `{"kind", "name", "action_id"?,
/// "typed": {...}}` when the message decoded into its generated type, else
/// `{"kind", "name", "action_id"?, "untyped": true, "headers": [[name,
/// value], ...], "text"?, "error"}`. Returns the line and whether it is
/// typed.
pub fn message_line(
    kind: &str,
    name: Option<&str>,
    msg: &Message,
    typed: Result<String, String>,
) -> (String, bool) {
    let mut json = Object::new().str("kind", kind).opt_str("name", name);
    if let Some(id) = msg.action_id() {
        json = json.str("action_id", id);
    }
    match typed {
        Ok(value) => (json.raw("typed", &value).finish(), true),
        Err(error) => {
            let headers = serde_json::to_string(&msg.headers).unwrap_or_default();
            let mut json = json.bool("untyped", true).raw("headers", &headers);
            if let Some(text) = &msg.text {
                json = json.str("text", text);
            }
            (json.str("error", &error).finish(), false)
        }
    }
}

/// The JSON line of an event, and whether it decoded into a generated struct.
pub fn event_json(msg: &Message) -> (String, bool) {
    let name = match msg.kind() {
        MessageKind::Event(name) => Some(name),
        _ => None,
    };
    let typed = match Event::from_event(msg) {
        Ok(Event::Unknown(_)) => Err("not an event of the spec".to_owned()),
        Ok(event) => typed_event(&event),
        Err(e) => Err(e.to_string()),
    };
    message_line("event", name, msg, typed)
}

/// The JSON line of a response to `action`: `typed` is the JSON of the
/// typed reply, or why there is none.
pub fn response_json(
    action: Option<&str>,
    msg: &Message,
    typed: Result<String, String>,
) -> (String, bool) {
    message_line("response", action, msg, typed)
}

/// The JSON line of a refused frame.
pub fn error_json(e: &FrameError) -> String {
    let mut json = Object::new()
        .str("kind", "error")
        .str("error", &e.to_string())
        .num("offset", e.offset);
    if let Some(line) = e.line {
        json = json.num("line", u64::from(line));
    }
    if let Some(id) = &e.action_id {
        json = json.str("action_id", id);
    }
    json.finish()
}

/// The typed JSON of a reply to `action`: a `Response: Error` is typed as
/// `{"response": "Error", "message": ...}` (the runtime turns it into its
/// error value); anything else decodes into the action's response type.
pub fn typed_reply(action: &str, reply: &Reply) -> Result<String, String> {
    if matches!(reply.head.kind(), MessageKind::Response(s) if s.eq_ignore_ascii_case("Error")) {
        let mut json = Object::new().str("response", "Error");
        if let Some(message) = reply.head.get("Message") {
            json = json.str("message", message);
        }
        return Ok(json.finish());
    }
    registry::visit_reply(action, reply, ToJson).map_err(|e| e.to_string())?
}

/// The typed JSON of a request: checked as `registry::check_action` does
/// (decode, encode, decode again), then serialized.
pub fn typed_action(msg: &Message) -> Result<String, String> {
    registry::check_action(msg).map_err(|e| e.to_string())?;
    registry::visit_action(msg, ToJson).map_err(|e| e.to_string())?
}

/// The action a response answers.
#[derive(Clone, Copy)]
enum Asked {
    Known(&'static ActionInfo),
    Unknown,
}

/// Most bytes of output and list items held while a list is collected
/// (8 MiB); past that the list streams out unchecked.
pub const MAX_HELD_BYTES: usize = 8 << 20;

/// A list reply being collected.
struct List {
    action: &'static ActionInfo,
    complete: &'static str,
    action_id: Option<String>,
    reply: Reply,
    /// Everything printed since the list started, in order; `None` once the
    /// list outgrew [`MAX_HELD_BYTES`] and streams out as it arrives.
    held: Option<Vec<Held>>,
    /// Approximate bytes of `held` and `reply`.
    held_bytes: usize,
}

/// Approximate memory of a message held in a list.
fn message_bytes(msg: &Message) -> usize {
    msg.headers
        .iter()
        .map(|h| h.name.len() + h.value.len() + 48)
        .sum::<usize>()
        + msg.text.as_ref().map_or(0, String::len)
}

/// How a printed line counts in the summary.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Typed,
    Untyped,
    Error,
}

impl From<bool> for Kind {
    fn from(typed: bool) -> Self {
        if typed {
            Kind::Typed
        } else {
            Kind::Untyped
        }
    }
}

enum Held {
    Line(String, Kind),
    Head,
    Item(Message),
}

/// The decoding state over one stream.
struct Decoder<W: Write> {
    out: W,
    framer: Framer,
    by_id: HashMap<String, Asked>,
    last: Option<Asked>,
    list: Option<List>,
    summary: Summary,
}

/// How many `ActionID`s are remembered (a capture can be long).
const REMEMBERED_IDS: usize = 100_000;

impl<W: Write> Decoder<W> {
    fn emit(&mut self, line: String, kind: Kind) -> io::Result<()> {
        if let Some(List {
            held: Some(held),
            held_bytes,
            ..
        }) = &mut self.list
        {
            *held_bytes += line.len();
            held.push(Held::Line(line, kind));
            return self.check_held();
        }
        self.print(&line, kind)
    }

    /// A list that outgrew [`MAX_HELD_BYTES`]: print what it held and
    /// stream the rest.
    fn check_held(&mut self) -> io::Result<()> {
        let Some(list) = &mut self.list else {
            return Ok(());
        };
        if list.held_bytes <= MAX_HELD_BYTES {
            return Ok(());
        }
        let Some(held) = list.held.take() else {
            return Ok(());
        };
        let name = list.action.name;
        let error = format!(
            "the list is longer than {MAX_HELD_BYTES} bytes: its messages are printed as they arrive, not checked as a whole"
        );
        let head = std::mem::take(&mut list.reply);
        list.held_bytes = 0;
        self.print_held(held, name, &head.head, Err(error))
    }

    fn print_held(
        &mut self,
        held: Vec<Held>,
        name: &str,
        head: &Message,
        head_typed: Result<String, String>,
    ) -> io::Result<()> {
        for held in held {
            match held {
                Held::Line(line, kind) => self.print(&line, kind)?,
                Held::Head => {
                    let (line, typed) = response_json(Some(name), head, head_typed.clone());
                    self.print(&line, Kind::from(typed))?;
                }
                Held::Item(msg) => {
                    let (line, typed) = event_json(&msg);
                    self.print(&line, Kind::from(typed))?;
                }
            }
        }
        Ok(())
    }

    fn print(&mut self, line: &str, kind: Kind) -> io::Result<()> {
        match kind {
            Kind::Error => self.summary.errors += 1,
            kind => {
                self.summary.messages += 1;
                self.summary.typed += u64::from(kind == Kind::Typed);
                self.summary.failed += u64::from(kind == Kind::Untyped);
            }
        }
        writeln!(self.out, "{line}")
    }

    fn finish_list(&mut self, incomplete: bool) -> io::Result<()> {
        let Some(list) = self.list.take() else {
            return Ok(());
        };
        let Some(held) = list.held else {
            // Streamed: everything is printed already.
            return Ok(());
        };
        let head_typed = if incomplete {
            Err("the list did not complete before the end of the input".to_owned())
        } else {
            typed_reply(list.action.name, &list.reply)
        };
        self.print_held(held, list.action.name, &list.reply.head, head_typed)
    }

    fn action(&mut self, msg: &Message, name: &str) -> io::Result<()> {
        let info = registry::action_info(name);
        let asked = info.map_or(Asked::Unknown, Asked::Known);
        if let Some(id) = msg.action_id() {
            if self.by_id.len() >= REMEMBERED_IDS {
                self.by_id.clear();
            }
            self.by_id.insert(id.to_owned(), asked);
        }
        self.last = Some(asked);
        if info.is_some_and(|i| i.shape == ResponseShape::RawText) {
            self.framer.set_raw_text_expected(true);
        }
        let (line, typed) = message_line(
            "action",
            Some(info.map_or(name, |i| i.name)),
            msg,
            typed_action(msg),
        );
        self.emit(line, Kind::from(typed))
    }

    fn asked(&mut self, msg: &Message) -> Option<Asked> {
        msg.action_id()
            .and_then(|id| self.by_id.remove(id))
            .or(self.last)
    }

    fn response(&mut self, msg: Message, status: &str) -> io::Result<()> {
        let asked = self.asked(&msg);
        let info = match asked {
            Some(Asked::Known(info)) => info,
            Some(Asked::Unknown) => {
                let (line, _) = response_json(
                    None,
                    &msg,
                    Err("answers an action the spec does not know".to_owned()),
                );
                return self.emit(line, Kind::Untyped);
            }
            None => {
                let (line, _) = response_json(
                    None,
                    &msg,
                    Err("no action in the input to match this response".to_owned()),
                );
                return self.emit(line, Kind::Untyped);
            }
        };
        if let (ResponseShape::List { complete }, false) =
            (info.shape, status.eq_ignore_ascii_case("Error"))
        {
            self.finish_list(true)?;
            self.list = Some(List {
                action: info,
                complete,
                action_id: msg.action_id().map(str::to_owned),
                held_bytes: message_bytes(&msg),
                reply: Reply::single(msg),
                held: Some(vec![Held::Head]),
            });
            return self.check_held();
        }
        let typed = typed_reply(info.name, &Reply::single(msg.clone()));
        let (line, typed) = response_json(Some(info.name), &msg, typed);
        self.emit(line, Kind::from(typed))
    }

    fn event(&mut self, msg: Message, name: &str) -> io::Result<()> {
        if let Some(list) = &mut self.list {
            let belongs = match (&list.action_id, msg.action_id()) {
                (Some(id), Some(got)) => id == got,
                (None, None) => true,
                _ => false,
            };
            if belongs {
                let last = name.eq_ignore_ascii_case(list.complete);
                let Some(held) = &mut list.held else {
                    // Streaming: print it now, keep nothing.
                    if last {
                        self.list = None;
                    }
                    let (line, typed) = event_json(&msg);
                    return self.print(&line, Kind::from(typed));
                };
                list.held_bytes += 2 * message_bytes(&msg);
                held.push(Held::Item(msg.clone()));
                if last {
                    list.reply.complete = Some(msg);
                    return self.finish_list(false);
                }
                list.reply.items.push(msg);
                return self.check_held();
            }
        }
        let (line, typed) = event_json(&msg);
        self.emit(line, Kind::from(typed))
    }

    fn text(&mut self, msg: Message) -> io::Result<()> {
        match self.last {
            Some(Asked::Known(info)) if info.shape == ResponseShape::RawText => {
                self.framer.set_raw_text_expected(false);
                self.last = None;
                let typed = typed_reply(info.name, &Reply::single(msg.clone()));
                let (line, typed) = response_json(Some(info.name), &msg, typed);
                self.emit(line, Kind::from(typed))
            }
            _ => {
                let (line, _) = response_json(
                    None,
                    &msg,
                    Err("raw text that answers no raw-text action".to_owned()),
                );
                self.emit(line, Kind::Untyped)
            }
        }
    }

    fn frame(&mut self, msg: Message) -> io::Result<()> {
        match msg.kind() {
            MessageKind::Action(name) => {
                let name = name.to_owned();
                self.action(&msg, &name)
            }
            MessageKind::Response(status) => {
                let status = status.to_owned();
                self.response(msg, &status)
            }
            MessageKind::Event(name) => {
                let name = name.to_owned();
                self.event(msg, &name)
            }
            MessageKind::Other => self.text(msg),
        }
    }
}

/// Why `ami decode` stopped early.
#[derive(Debug)]
pub enum Failure {
    /// The input could not be read.
    Read(io::Error),
    /// The output could not be written.
    Write(io::Error),
}

/// Decode the whole of `input`, writing JSON lines to `out`. Fails only
/// when `input` cannot be read or `out` written; anything wrong inside the
/// stream is an `error` line.
pub fn decode(mut input: impl Read, out: impl Write) -> Result<Summary, Failure> {
    let mut decoder = Decoder {
        out,
        framer: Framer::new(),
        by_id: HashMap::new(),
        last: None,
        list: None,
        summary: Summary::default(),
    };
    let mut buf = vec![0u8; 64 * 1024];
    let mut at_end = false;
    while !at_end {
        let n = match input.read(&mut buf) {
            Ok(0) => {
                // A capture may end without the final blank line.
                at_end = true;
                decoder.framer.feed(b"\r\n\r\n");
                0
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Failure::Read(e)),
        };
        decoder.framer.feed(&buf[..n]);
        decoder.drain().map_err(Failure::Write)?;
    }
    decoder.finish_list(true).map_err(Failure::Write)?;
    decoder.out.flush().map_err(Failure::Write)?;
    Ok(decoder.summary)
}

impl<W: Write> Decoder<W> {
    fn drain(&mut self) -> io::Result<()> {
        loop {
            let msg = match self.framer.next_frame() {
                None => return Ok(()),
                Some(Frame::Banner(_)) => continue,
                Some(Frame::Error(e)) => {
                    self.emit(error_json(&e), Kind::Error)?;
                    continue;
                }
                Some(Frame::Message(m)) => m.to_message(),
            };
            self.frame(msg)?;
        }
    }
}
