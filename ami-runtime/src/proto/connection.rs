//! The connection state machine: actions in -> bytes out, bytes in ->
//! replies and events out. No socket, no clock, no task: an adapter (the
//! tokio client, a test, a capture reader) moves the bytes and decides
//! when an action has waited too long.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;

use crate::wire::{encode_action, Action, EncodeError, Message, MessageKind, Reply, ResponseShape};

use super::framer::{FrameError, FrameErrorKind, Framer, Limits, Produced};
use super::raw::RawMessage;

/// Why an action could not be sent. Nothing was written when this is returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendError {
    /// The typed action was refused by its own validation.
    Encode(EncodeError),
    /// A header of a raw message may not be sent as is.
    InvalidHeader {
        /// The header name (or `Action` when that header is missing).
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// The caller's `ActionID` is already used by an action in flight.
    DuplicateActionId(String),
    /// The session ended (`Response: Goodbye`).
    Closed,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Encode(e) => e.fmt(f),
            SendError::InvalidHeader { name, reason } => write!(f, "header {name}: {reason}"),
            SendError::DuplicateActionId(id) => {
                write!(f, "ActionID {id:?} is already used by an action in flight")
            }
            SendError::Closed => f.write_str("the session is closed"),
        }
    }
}

impl std::error::Error for SendError {}

impl From<EncodeError> for SendError {
    fn from(e: EncodeError) -> Self {
        SendError::Encode(e)
    }
}

/// Something the peer sent that fits no action and no event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// A message the framer refused (or repaired: invalid UTF-8).
    Frame(FrameError),
    /// A response whose `ActionID` matches no action in flight.
    UnexpectedResponse {
        /// Its `ActionID`, if any.
        action_id: Option<String>,
        /// The response.
        response: Message,
    },
    /// Headerless text while no raw text reply was awaited.
    UnexpectedText {
        /// The text.
        text: String,
    },
    /// A message that is neither a response nor an event.
    UnexpectedMessage {
        /// The message.
        message: Message,
    },
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::Frame(e) => e.fmt(f),
            ProtocolError::UnexpectedResponse {
                action_id: Some(id),
                ..
            } => write!(
                f,
                "response with ActionID {id:?} matches no action in flight"
            ),
            ProtocolError::UnexpectedResponse {
                action_id: None, ..
            } => f.write_str("response without ActionID"),
            ProtocolError::UnexpectedText { text } => {
                let head: String = text.chars().take(60).collect();
                write!(f, "raw text while no raw text reply was awaited: {head:?}")
            }
            ProtocolError::UnexpectedMessage { message } => {
                write!(
                    f,
                    "message that is neither a response nor an event: {message:?}"
                )
            }
        }
    }
}

impl std::error::Error for ProtocolError {}

/// Why an action got no reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionError {
    /// Asterisk answered `Response: Error`.
    Failed {
        /// Asterisk's `Message` header (empty when absent).
        message: String,
        /// The whole response.
        response: Message,
    },
    /// The reply could not be framed (too large, malformed...).
    Protocol(ProtocolError),
    /// The connection dropped before the reply was complete.
    Disconnected {
        /// What the adapter knows about the cause.
        reason: String,
    },
}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionError::Failed { message, response } => {
                write!(f, "Asterisk answered Error: {message}")?;
                write_output_lines(f, response)
            }
            ActionError::Protocol(e) => write!(f, "protocol error: {e}"),
            ActionError::Disconnected { reason } => {
                write!(f, "disconnected before the reply was complete: {reason}")
            }
        }
    }
}

impl std::error::Error for ActionError {}

/// Write the `Output:` lines of an error response, one per line after the
/// message: a failed `Command` says only `Command output follows` in its
/// `Message`, and the reason (`No such command ...`) is in its output.
pub(crate) fn write_output_lines(f: &mut fmt::Formatter<'_>, response: &Message) -> fmt::Result {
    for line in response.get_all("Output") {
        write!(f, "\n{line}")?;
    }
    Ok(())
}

/// The end of one action: its collected reply or why there is none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completed {
    /// The `ActionID` it was sent with.
    pub action_id: String,
    /// Its wire name.
    pub action: Cow<'static, str>,
    /// The reply (response, list items, completion event) or the error.
    pub result: Result<Reply, ActionError>,
}

/// One item out of [`Connection::poll`].
#[derive(Debug)]
pub enum Item<'a> {
    /// The greeting line (`Asterisk Call Manager/5.0.1`).
    Banner(&'a str),
    /// An event that belongs to no list in progress.
    Event(RawMessage<'a>),
    /// An action is complete.
    Reply(Completed),
    /// Something that fits nowhere, reported rather than dropped.
    Error(ProtocolError),
    /// A `Response: Goodbye` that answers no `Logoff` of ours: the server
    /// ends the session.
    Goodbye(RawMessage<'a>),
}

#[derive(Debug)]
struct Pending {
    action: Cow<'static, str>,
    shape: ResponseShape,
    /// Its key in [`Outgoing::queue`] while its bytes wait there.
    queued: Option<u64>,
    /// The reply of a list action, once its response arrived.
    collecting: Option<Reply>,
}

/// What to do with one message.
enum Route {
    Event,
    Goodbye,
    Absorbed,
    Completed(Completed),
    Error(ProtocolError),
}

/// How many abandoned (timed out) actions are remembered, so that their late
/// responses are recognised instead of reported as unexpected.
const ABANDONED_MEMORY: usize = 1024;

/// The actions in flight and how their replies are collected.
#[derive(Debug, Default)]
struct Book {
    pending: HashMap<String, Pending>,
    /// Raw text replies carry no ActionID: they answer the oldest awaiting one.
    raw_text: VecDeque<String>,
    abandoned: HashSet<String>,
    abandoned_order: VecDeque<String>,
    closed: bool,
}

impl Book {
    fn insert(&mut self, id: String, action: Cow<'static, str>, shape: ResponseShape, queued: u64) {
        if shape == ResponseShape::RawText {
            self.raw_text.push_back(id.clone());
        }
        self.pending.insert(
            id,
            Pending {
                action,
                shape,
                queued: Some(queued),
                collecting: None,
            },
        );
    }

    fn remove(&mut self, id: &str) -> Option<(String, Pending)> {
        let (id, pending) = self.pending.remove_entry(id)?;
        if pending.shape == ResponseShape::RawText {
            self.raw_text.retain(|r| *r != id);
        }
        Some((id, pending))
    }

    fn complete(
        &mut self,
        id: &str,
        result: impl FnOnce(Pending) -> Result<Reply, ActionError>,
    ) -> Route {
        match self.remove(id) {
            Some((action_id, pending)) => Route::Completed(Completed {
                action_id,
                action: pending.action.clone(),
                result: result(pending),
            }),
            None => Route::Absorbed,
        }
    }

    /// Forget an action; returns its key in the output queue, if it had one,
    /// so that its unwritten bytes can be given back.
    fn abandon(&mut self, id: &str) -> Option<Option<u64>> {
        let (_, pending) = self.remove(id)?;
        if self.abandoned_order.len() == ABANDONED_MEMORY {
            if let Some(old) = self.abandoned_order.pop_front() {
                self.abandoned.remove(&old);
            }
        }
        self.abandoned.insert(id.to_owned());
        self.abandoned_order.push_back(id.to_owned());
        Some(pending.queued)
    }

    fn route(&mut self, raw: &RawMessage<'_>) -> Route {
        match raw.kind() {
            MessageKind::Response(status) => self.route_response(raw, status),
            MessageKind::Event(name) => self.route_event(raw, name),
            MessageKind::Other if raw.is_empty() => match self.raw_text.front().cloned() {
                Some(id) => self.complete(&id, |_| {
                    Ok(Reply::single(Message {
                        headers: Vec::new(),
                        text: Some(raw.text().unwrap_or_default()),
                    }))
                }),
                None => Route::Error(ProtocolError::UnexpectedText {
                    text: raw.text().unwrap_or_default(),
                }),
            },
            MessageKind::Action(_) | MessageKind::Other => {
                Route::Error(ProtocolError::UnexpectedMessage {
                    message: raw.to_message(),
                })
            }
        }
    }

    fn route_response(&mut self, raw: &RawMessage<'_>, status: &str) -> Route {
        let goodbye = status.eq_ignore_ascii_case("Goodbye");
        if goodbye {
            self.closed = true;
        }
        let unexpected = |action_id: Option<&str>| {
            if goodbye {
                Route::Goodbye
            } else {
                Route::Error(ProtocolError::UnexpectedResponse {
                    action_id: action_id.map(str::to_owned),
                    response: raw.to_message(),
                })
            }
        };
        let Some(id) = raw.action_id() else {
            return unexpected(None);
        };
        let Some(pending) = self.pending.get_mut(id) else {
            if self.abandoned.remove(id) {
                // The caller gave up on it; its list events, if any, still
                // reach the event stream.
                return Route::Absorbed;
            }
            return unexpected(Some(id));
        };
        if pending.collecting.is_some() {
            return unexpected(Some(id));
        }
        if status.eq_ignore_ascii_case("Error") {
            return self.complete(id, |_| {
                Err(ActionError::Failed {
                    message: raw.get("Message").unwrap_or_default().to_owned(),
                    response: raw.to_message(),
                })
            });
        }
        if let ResponseShape::List { .. } = pending.shape {
            pending.collecting = Some(Reply::single(raw.to_message()));
            return Route::Absorbed;
        }
        self.complete(id, |_| Ok(Reply::single(raw.to_message())))
    }

    fn route_event(&mut self, raw: &RawMessage<'_>, name: &str) -> Route {
        let Some(id) = raw.action_id() else {
            return Route::Event;
        };
        let Some(pending) = self.pending.get_mut(id) else {
            return Route::Event;
        };
        let (ResponseShape::List { complete }, Some(reply)) =
            (pending.shape, pending.collecting.as_mut())
        else {
            return Route::Event;
        };
        if !name.eq_ignore_ascii_case(complete) {
            reply.items.push(raw.to_message());
            return Route::Absorbed;
        }
        self.complete(id, |pending| {
            let mut reply = pending.collecting.unwrap_or_default();
            reply.complete = Some(raw.to_message());
            Ok(reply)
        })
    }
}

/// Bytes waiting to be written, one entry per action until they are handed
/// to the adapter, so that an action given up before that gives its bytes
/// back instead of keeping them queued behind a peer that stopped reading.
#[derive(Debug)]
struct Outgoing {
    /// Bytes handed out in order: the start of `out` is what the adapter
    /// writes next. Only these cannot be given back.
    out: Vec<u8>,
    /// Encoded actions not handed out yet, by key: ordinary actions get
    /// increasing keys from `URGENT_KEYS` up, urgent ones (the keepalive
    /// `Ping`) decreasing keys below it, so they go out first.
    queue: BTreeMap<u64, Vec<u8>>,
    /// Total length of the `queue` entries.
    queued: usize,
    next_key: u64,
    next_urgent: u64,
}

/// The first key of an ordinary action; urgent ones count down from here.
const URGENT_KEYS: u64 = 1 << 63;

impl Default for Outgoing {
    fn default() -> Self {
        Outgoing {
            out: Vec::new(),
            queue: BTreeMap::new(),
            queued: 0,
            next_key: URGENT_KEYS,
            next_urgent: URGENT_KEYS - 1,
        }
    }
}

impl Outgoing {
    fn push(&mut self, bytes: Vec<u8>, urgent: bool) -> u64 {
        let key = if urgent {
            self.next_urgent -= 1;
            self.next_urgent + 1
        } else {
            self.next_key += 1;
            self.next_key - 1
        };
        self.queued += bytes.len();
        self.queue.insert(key, bytes);
        key
    }

    fn give_back(&mut self, key: u64) {
        if let Some(bytes) = self.queue.remove(&key) {
            self.queued -= bytes.len();
        }
    }

    /// Hand out queued actions, in order, into `buf` until it holds `max`
    /// bytes (at least one action when there is one).
    fn hand_out(&mut self, buf: &mut Vec<u8>, max: usize) {
        while buf.len() < max || buf.is_empty() {
            let Some((_, bytes)) = self.queue.pop_first() else {
                break;
            };
            self.queued -= bytes.len();
            if buf.is_empty() {
                *buf = bytes;
            } else {
                buf.extend_from_slice(&bytes);
            }
        }
    }

    fn hand_out_all(&mut self) {
        let mut out = std::mem::take(&mut self.out);
        self.hand_out(&mut out, usize::MAX);
        self.out = out;
    }
}

/// The sans-IO AMI session.
///
/// ```
/// use ami_runtime::proto::{Connection, Item};
/// use ami_runtime::wire::{Message, ResponseShape};
///
/// let mut conn = Connection::new();
/// let ping = Message::new().with("Action", "Ping");
/// let id = conn.send_message(&ping, ResponseShape::Single).unwrap();
/// assert_eq!(conn.take_output(), format!("Action: Ping\r\nActionID: {id}\r\n\r\n").into_bytes());
///
/// conn.receive(b"Asterisk Call Manager/5.0.1\r\n");
/// conn.receive(format!("Response: Success\r\nActionID: {id}\r\nPing: Pong\r\n\r\n").as_bytes());
/// assert!(matches!(conn.poll(), Some(Item::Banner(_))));
/// let Some(Item::Reply(done)) = conn.poll() else { panic!() };
/// assert_eq!(done.result.unwrap().head.get("Ping"), Some("Pong"));
/// ```
#[derive(Debug, Default)]
pub struct Connection {
    framer: Framer,
    book: Book,
    out: Outgoing,
    next_id: u64,
    banner: Option<String>,
}

impl Connection {
    /// A connection with the default [`Limits`].
    pub fn new() -> Self {
        Connection::default()
    }

    /// A connection with the given limits on received messages.
    pub fn with_limits(limits: Limits) -> Self {
        Connection {
            framer: Framer::with_limits(limits),
            ..Connection::default()
        }
    }

    /// The banner the server greeted with, once received.
    pub fn banner(&self) -> Option<&str> {
        self.banner.as_deref()
    }

    /// Whether the server said `Response: Goodbye`.
    pub fn is_closed(&self) -> bool {
        self.book.closed
    }

    /// Number of actions in flight.
    pub fn in_flight(&self) -> usize {
        self.book.pending.len()
    }

    /// A fresh `ActionID`, unique on this connection.
    pub fn next_action_id(&mut self) -> String {
        loop {
            self.next_id += 1;
            let id = itoa::Buffer::new().format(self.next_id).to_owned();
            if !self.book.pending.contains_key(&id) {
                return id;
            }
        }
    }

    fn check_id(&self, id: &str) -> Result<(), SendError> {
        if self.book.closed {
            return Err(SendError::Closed);
        }
        if self.book.pending.contains_key(id) {
            return Err(SendError::DuplicateActionId(id.to_owned()));
        }
        Ok(())
    }

    fn register(
        &mut self,
        id: String,
        action: Cow<'static, str>,
        shape: ResponseShape,
        bytes: Vec<u8>,
        urgent: bool,
    ) -> String {
        let key = self.out.push(bytes, urgent);
        self.book.insert(id.clone(), action, shape, key);
        self.framer
            .set_raw_text_expected(!self.book.raw_text.is_empty());
        id
    }

    /// Queue a typed action with a generated `ActionID`; returns the ID.
    /// A refused action writes nothing.
    pub fn send<A: Action>(&mut self, action: &A) -> Result<String, SendError> {
        if self.book.closed {
            return Err(SendError::Closed);
        }
        let id = self.next_action_id();
        self.send_with_id(action, &id)
    }

    /// Queue a typed action with the caller's `ActionID`.
    pub fn send_with_id<A: Action>(
        &mut self,
        action: &A,
        action_id: &str,
    ) -> Result<String, SendError> {
        self.check_id(action_id)?;
        let mut bytes = Vec::new();
        encode_action(action, Some(action_id), &mut bytes)?;
        Ok(self.register(
            action_id.to_owned(),
            Cow::Borrowed(A::NAME),
            A::SHAPE,
            bytes,
            false,
        ))
    }

    /// Queue a typed action with a generated `ActionID` ahead of every
    /// action not yet handed out: for the keepalive `Ping`, whose answer
    /// must tell whether the link works, not how long the queue is.
    pub fn send_urgent<A: Action>(&mut self, action: &A) -> Result<String, SendError> {
        if self.book.closed {
            return Err(SendError::Closed);
        }
        let id = self.next_action_id();
        let mut bytes = Vec::new();
        encode_action(action, Some(&id), &mut bytes)?;
        Ok(self.register(id, Cow::Borrowed(A::NAME), A::SHAPE, bytes, true))
    }

    /// Queue an action encoded elsewhere by [`encode_action`] *without* an
    /// `ActionID` (so that encoding, and its validation, can run in the
    /// caller's task): the `ActionID` line, generated or `action_id`, is
    /// inserted after the `Action:` line. `action` is its wire name.
    pub fn send_encoded(
        &mut self,
        action: impl Into<Cow<'static, str>>,
        shape: ResponseShape,
        encoded: &[u8],
        action_id: Option<&str>,
    ) -> Result<String, SendError> {
        let id = match action_id {
            Some(id) => {
                check_value("ActionID", id)?;
                if id.trim().is_empty() {
                    return Err(SendError::InvalidHeader {
                        name: "ActionID".to_owned(),
                        reason: "is empty",
                    });
                }
                self.check_id(id)?;
                id.to_owned()
            }
            None if self.book.closed => return Err(SendError::Closed),
            None => self.next_action_id(),
        };
        let first_line = memchr::memchr(b'\n', encoded).map_or(encoded.len(), |p| p + 1);
        let mut bytes = Vec::with_capacity(encoded.len() + id.len() + 12);
        bytes.extend_from_slice(&encoded[..first_line]);
        bytes.extend_from_slice(b"ActionID: ");
        bytes.extend_from_slice(id.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(&encoded[first_line..]);
        Ok(self.register(id, action.into(), shape, bytes, false))
    }

    /// Queue an untyped action (see [`encode_message`] for the checks): its
    /// `ActionID` header, if any, is used, otherwise one is generated.
    /// `shape` says how to collect the reply (see the generated registry for
    /// the spec's answer).
    pub fn send_message(
        &mut self,
        msg: &Message,
        shape: ResponseShape,
    ) -> Result<String, SendError> {
        let mut encoded = Vec::new();
        let action = encode_message(msg, &mut encoded)?;
        self.send_encoded(action, shape, &encoded, msg.action_id())
    }

    /// Bytes waiting to be written to the server (every queued action is
    /// handed out: none of them can be given back any more).
    pub fn output(&mut self) -> &[u8] {
        self.out.hand_out_all();
        &self.out.out
    }

    /// Mark the first `n` bytes of [`Connection::output`] as written.
    pub fn consume_output(&mut self, n: usize) {
        self.out.out.drain(..n.min(self.out.out.len()));
    }

    /// Take every byte waiting to be written.
    pub fn take_output(&mut self) -> Vec<u8> {
        self.out.hand_out_all();
        std::mem::take(&mut self.out.out)
    }

    /// Append every byte waiting to be written to `buf`.
    pub fn take_output_into(&mut self, buf: &mut Vec<u8>) {
        self.take_output_up_to(buf, usize::MAX);
    }

    /// Append bytes waiting to be written to `buf`, whole actions in order,
    /// until it holds `max` bytes (at least one action, however large).
    /// What stays queued can still be given back by [`Connection::cancel`]:
    /// an adapter that writes from a small buffer keeps the bytes of a
    /// timed-out action from waiting behind a peer that stopped reading.
    pub fn take_output_up_to(&mut self, buf: &mut Vec<u8>, max: usize) {
        if !self.out.out.is_empty() {
            buf.append(&mut self.out.out);
        }
        self.out.hand_out(buf, max);
    }

    /// Bytes of queued actions not yet handed out (those
    /// [`Connection::cancel`] can give back), plus those handed out through
    /// [`Connection::output`] and not yet consumed.
    pub fn queued_output(&self) -> usize {
        self.out.queued + self.out.out.len()
    }

    /// Bytes received from the server.
    pub fn receive(&mut self, bytes: &[u8]) {
        self.framer.feed(bytes);
    }

    /// Give up on an action (its timeout expired): its late response will be
    /// ignored, and its bytes, if not handed out yet, are dropped unwritten.
    /// Returns whether it was in flight.
    pub fn cancel(&mut self, action_id: &str) -> bool {
        let found = self.book.abandon(action_id);
        if let Some(Some(key)) = found {
            self.out.give_back(key);
        }
        self.framer
            .set_raw_text_expected(!self.book.raw_text.is_empty());
        found.is_some()
    }

    /// The connection is gone: every action in flight completes with
    /// [`ActionError::Disconnected`], in no particular order.
    pub fn fail_all(&mut self, reason: &str) -> Vec<Completed> {
        let ids: Vec<String> = self.book.pending.keys().cloned().collect();
        let failed = ids
            .iter()
            .filter_map(|id| {
                match self.book.complete(id, |_| {
                    Err(ActionError::Disconnected {
                        reason: reason.to_owned(),
                    })
                }) {
                    Route::Completed(c) => Some(c),
                    _ => None,
                }
            })
            .collect();
        self.framer.set_raw_text_expected(false);
        // Nobody will write them any more.
        self.out = Outgoing::default();
        failed
    }

    /// The next item from what was received; `None` when more bytes are needed.
    pub fn poll(&mut self) -> Option<Item<'_>> {
        loop {
            match self.framer.advance()? {
                Produced::Banner => {
                    let banner = self.framer.banner()?;
                    self.banner = Some(banner.to_owned());
                    return self.framer.banner().map(Item::Banner);
                }
                Produced::Error(e) => return Some(self.frame_error(e)),
                Produced::Message => {
                    let Some(raw) = self.framer.message() else {
                        continue;
                    };
                    let route = self.book.route(&raw);
                    self.framer
                        .set_raw_text_expected(!self.book.raw_text.is_empty());
                    match route {
                        Route::Absorbed => continue,
                        Route::Event => return self.framer.message().map(Item::Event),
                        Route::Goodbye => return self.framer.message().map(Item::Goodbye),
                        Route::Completed(c) => return Some(Item::Reply(c)),
                        Route::Error(e) => return Some(Item::Error(e)),
                    }
                }
            }
        }
    }

    fn frame_error(&mut self, e: FrameError) -> Item<'static> {
        let repaired_next = matches!(e.kind, FrameErrorKind::InvalidUtf8 { .. });
        if let (false, Some(id)) = (repaired_next, e.action_id.clone()) {
            let error = ActionError::Protocol(ProtocolError::Frame(e.clone()));
            if let Route::Completed(c) = self.book.complete(&id, |_| Err(error)) {
                self.framer
                    .set_raw_text_expected(!self.book.raw_text.is_empty());
                return Item::Reply(c);
            }
        }
        Item::Error(ProtocolError::Frame(e))
    }
}

/// Encode an untyped action without its `ActionID` (the form
/// [`Connection::send_encoded`] takes) at the end of `out`, and return its
/// name. Its first header must be `Action`; every header is checked (no CR,
/// LF or NUL in values, names as [`is_valid_header_name`](crate::wire::is_valid_header_name)
/// says) before any byte is written.
pub fn encode_message(msg: &Message, out: &mut Vec<u8>) -> Result<String, SendError> {
    let action = match msg.headers.first() {
        Some(h) if h.is("Action") && !h.value.trim().is_empty() => h.value.to_string(),
        _ => {
            return Err(SendError::InvalidHeader {
                name: "Action".to_owned(),
                reason: "must be the first header, with a value",
            })
        }
    };
    for h in &msg.headers {
        if !crate::wire::is_valid_header_name(&h.name) {
            return Err(SendError::InvalidHeader {
                name: h.name.escape_debug().to_string(),
                reason: "is not a valid header name (empty, or a ':', space or control character)",
            });
        }
        check_value(&h.name, &h.value)?;
    }
    if msg.text.is_some() {
        return Err(SendError::InvalidHeader {
            name: "Action".to_owned(),
            reason: "an action cannot carry raw text",
        });
    }
    for h in msg.headers.iter().filter(|h| !h.is("ActionID")) {
        out.extend_from_slice(h.name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(h.value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    Ok(action)
}

fn check_value(name: &str, value: &str) -> Result<(), SendError> {
    if memchr::memchr3(b'\r', b'\n', b'\0', value.as_bytes()).is_some() {
        return Err(SendError::InvalidHeader {
            name: name.escape_debug().to_string(),
            reason: "contains CR, LF or NUL, which would inject headers or cut the value short",
        });
    }
    Ok(())
}
