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
use ami_runtime::wire::{FromEvent, Header, Message, MessageKind, Reply, ResponseShape};

use crate::json::Object;

/// What a run decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Messages printed.
    pub messages: u64,
    /// Of which typed.
    pub typed: u64,
    /// Error items printed (refused frames).
    pub errors: u64,
}

/// The JSON line of an event, and whether it decoded into a generated struct.
pub fn event_json(msg: &Message) -> (String, bool) {
    let name = match msg.kind() {
        MessageKind::Event(name) => Some(name),
        _ => None,
    };
    let (typed, error, unknown) = match Event::from_event(msg) {
        Ok(Event::Unknown(_)) => (
            false,
            Some("not an event of the spec".to_owned()),
            Vec::new(),
        ),
        Ok(event) => {
            let mut unknown: Vec<&Header> = Vec::new();
            event.unknown_headers(&mut unknown);
            (
                true,
                None,
                unknown.iter().map(|h| h.name.to_string()).collect(),
            )
        }
        Err(e) => (false, Some(e.to_string()), Vec::new()),
    };
    let mut json = Object::new()
        .str("type", "event")
        .opt_str("name", name)
        .bool("typed", typed)
        .fields(msg);
    if let Some(error) = error {
        json = json.str("error", &error);
    }
    if !unknown.is_empty() {
        json = json.strs("unknown_headers", &unknown);
    }
    (json.finish(), typed)
}

/// The JSON line of a response to `action`.
pub fn response_json(action: Option<&str>, msg: &Message, typed: Result<(), String>) -> String {
    let mut json = Object::new()
        .str("type", "response")
        .opt_str("name", action)
        .bool("typed", typed.is_ok())
        .fields(msg);
    if let Err(error) = typed {
        json = json.str("error", &error);
    }
    json.finish()
}

/// The JSON line of a refused frame.
pub fn error_json(e: &FrameError) -> String {
    let mut json = Object::new()
        .str("type", "error")
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

/// Whether the reply to `action` decodes (an `Error` response always does:
/// into the runtime's error value).
fn check_reply(action: &ActionInfo, reply: &Reply) -> Result<(), String> {
    if matches!(reply.head.kind(), MessageKind::Response(s) if s.eq_ignore_ascii_case("Error")) {
        return Ok(());
    }
    registry::check_reply(action.name, reply).map_err(|e| e.to_string())
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
        head_typed: Result<(), String>,
    ) -> io::Result<()> {
        for held in held {
            match held {
                Held::Line(line, kind) => self.print(&line, kind)?,
                Held::Head => {
                    let kind = Kind::from(head_typed.is_ok());
                    let line = response_json(Some(name), head, head_typed.clone());
                    self.print(&line, kind)?;
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
            check_reply(list.action, &list.reply)
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
        let checked = registry::check_action(msg);
        let typed = checked.is_ok();
        let mut json = Object::new()
            .str("type", "action")
            .str("name", info.map_or(name, |i| i.name))
            .bool("typed", typed)
            .fields(msg);
        if let Err(e) = checked {
            json = json.str("error", &e.to_string());
        }
        self.emit(json.finish(), Kind::from(typed))
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
                let line = response_json(
                    None,
                    &msg,
                    Err("answers an action the spec does not know".to_owned()),
                );
                return self.emit(line, Kind::Untyped);
            }
            None => {
                let line = response_json(
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
        let typed = check_reply(info, &Reply::single(msg.clone()));
        let kind = Kind::from(typed.is_ok());
        self.emit(response_json(Some(info.name), &msg, typed), kind)
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
                let typed = check_reply(info, &Reply::single(msg.clone()));
                let kind = Kind::from(typed.is_ok());
                self.emit(response_json(Some(info.name), &msg, typed), kind)
            }
            _ => {
                let line = response_json(
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
