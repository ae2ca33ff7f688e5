//! Borrowed views of framed messages: header slices into the read buffer.
//!
//! A [`RawMessage`] costs no allocation: it is the validated text of one
//! frame (frozen into [`Bytes`] by the framer) plus the offsets of its
//! headers. Typed decoding reads it in place (it is a [`MessageView`]), and
//! the text fields it keeps are [`AmiStr`](crate::wire::AmiStr) slices of the frame: no copy,
//! no allocation per field. It becomes an owned [`Message`] only when
//! something needs to keep it ([`RawMessage::to_message`]: one vector of
//! headers that share the frame), or fills a reusable one
//! ([`RawMessage::fill`]).

use std::fmt;

use bytes::Bytes;

pub use crate::wire::RawHeader;
use crate::wire::{DecodeError, FromEvent, Message, MessageKind, MessageView};

/// Where one header sits in its frame: byte offsets of the name and of the
/// value, relative to the start of the frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub name: (u32, u32),
    pub value: (u32, u32),
}

/// One framed message, borrowed from the framer (valid until the framer is
/// used again). Its headers borrow the frame as `&str`s; the owned values
/// made from them ([`RawHeader::value_str`], typed decoding,
/// [`RawMessage::to_message`]) share the frame's [`Bytes`].
#[derive(Clone, Copy)]
pub struct RawMessage<'a> {
    frame: &'a str,
    bytes: &'a Bytes,
    spans: &'a [Span],
    text: Option<(u32, u32)>,
}

impl<'a> RawMessage<'a> {
    /// `frame` must be the text of `bytes`, and every span must lie in
    /// `frame` (`start <= end <= frame.len()`) with both ends on character
    /// boundaries: [`RawMessage::headers`] slices the frame at the spans
    /// without checking again. The framer's spans are: each name runs from
    /// the start of its line (the frame's start, or just after an LF) to
    /// its colon, and each value from just after the colon (or the space
    /// after it) to the CR or LF that ends the line, so every end is at an
    /// ASCII byte or just after one, which in UTF-8 text is a character
    /// boundary. Debug builds check it here.
    pub(crate) fn new(
        frame: &'a str,
        bytes: &'a Bytes,
        spans: &'a [Span],
        text: Option<(u32, u32)>,
    ) -> Self {
        debug_assert_eq!(frame.as_ptr(), bytes.as_ptr());
        debug_assert!(
            spans
                .iter()
                .all(|s| frame.get(range(s.name)).is_some() && frame.get(range(s.value)).is_some()),
            "a span of the frame is out of bounds or cuts a character"
        );
        RawMessage {
            frame,
            bytes,
            spans,
            text,
        }
    }

    /// The frozen frame the headers are slices of (cloning it is a
    /// reference count increment).
    pub fn bytes(&self) -> &'a Bytes {
        self.bytes
    }

    fn slice(&self, (start, end): (u32, u32)) -> &'a str {
        &self.frame[start as usize..end as usize]
    }

    /// The whole frame as received (line endings included, UTF-8 checked).
    pub fn as_str(&self) -> &'a str {
        self.frame
    }

    /// Number of headers.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether the message has no header (a raw text reply).
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The `index`-th header.
    pub fn header(&self, index: usize) -> Option<RawHeader<'a>> {
        self.spans
            .get(index)
            .map(|s| RawHeader::in_buffer(self.slice(s.name), self.slice(s.value), self.bytes))
    }

    /// The headers in wire order (repeats kept).
    pub fn headers(&self) -> impl ExactSizeIterator<Item = RawHeader<'a>> + 'a {
        let (frame, bytes, spans) = (self.frame, self.bytes, self.spans);
        spans.iter().map(move |s| {
            RawHeader::in_buffer(span_str(frame, s.name), span_str(frame, s.value), bytes)
        })
    }

    /// The value of the first header called `name` (ASCII case ignored).
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.headers().find(|h| h.is(name)).map(|h| h.value)
    }

    /// Every value of the headers called `name`, in order.
    pub fn get_all<'n>(&self, name: &'n str) -> impl Iterator<Item = &'a str> + 'n
    where
        'a: 'n,
    {
        self.headers().filter(move |h| h.is(name)).map(|h| h.value)
    }

    /// The `ActionID` header, if any.
    pub fn action_id(&self) -> Option<&'a str> {
        self.get("ActionID")
    }

    /// Whether this is a response, an event or an action, judged as
    /// [`Message::kind`] does.
    pub fn kind(&self) -> MessageKind<'a> {
        MessageKind::of(self.headers())
    }

    /// The raw text lines of the message (command output of Asterisk 13's
    /// `Response: Follows`, the text of a `Queues` reply), line endings removed.
    pub fn text_lines(&self) -> impl Iterator<Item = &'a str> + 'a {
        let text = self.text.map(|t| self.slice(t)).unwrap_or("");
        let text = text.strip_suffix('\n').unwrap_or(text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        let lines = if self.text.is_some() {
            Some(text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)))
        } else {
            None
        };
        lines.into_iter().flatten()
    }

    /// Whether the message carries raw text.
    pub fn has_text(&self) -> bool {
        self.text.is_some()
    }

    /// The raw text joined with `\n`, as [`Message::text`] holds it.
    pub fn text(&self) -> Option<String> {
        self.text?;
        let mut out = String::new();
        for (i, line) in self.text_lines().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(line);
        }
        Some(out)
    }

    /// An owned message: one vector of headers whose names and values
    /// share the frame (no copy of the text), and the raw text, if any.
    pub fn to_message(&self) -> Message {
        Message {
            headers: self.headers().map(|h| h.to_header()).collect(),
            text: self.text(),
        }
    }

    /// Overwrite `msg` with this message, reusing its vector of headers:
    /// after a few messages, filling allocates nothing.
    pub fn fill(&self, msg: &mut Message) {
        msg.headers.truncate(self.spans.len());
        let reused = msg.headers.len();
        for (slot, h) in msg.headers.iter_mut().zip(self.headers()) {
            // Messages of a stream share their header names, mostly at the
            // same positions: keeping the name already there saves a
            // reference count update.
            if slot.name != h.name {
                slot.name = h.name_str();
            }
            slot.value = h.value_str();
        }
        msg.headers
            .extend(self.headers().skip(reused).map(|h| h.to_header()));
        match (self.text.is_some(), &mut msg.text) {
            (false, text) => *text = None,
            (true, Some(text)) => {
                text.clear();
                for (i, line) in self.text_lines().enumerate() {
                    if i > 0 {
                        text.push('\n');
                    }
                    text.push_str(line);
                }
            }
            (true, text) => *text = self.text(),
        }
    }

    /// Decode into a typed event (or an event enum) straight from the read
    /// buffer: text fields are slices of the frame, so only the vectors of
    /// repeated or extra headers (when the event has any) and the box of a
    /// large enum variant allocate.
    pub fn decode_event<E: FromEvent>(&self) -> Result<E, DecodeError> {
        E::from_event(self)
    }
}

/// A span's bounds as a range of the frame.
#[inline(always)]
fn range((start, end): (u32, u32)) -> std::ops::Range<usize> {
    start as usize..end as usize
}

/// The text of `span` in `frame`, a span of a [`RawMessage`]: typed
/// decoding takes every header of every message through here, and the
/// checks of `&frame[start..end]` (the bounds, and that neither end cuts a
/// character) were a third of the cost of offering a header.
#[inline(always)]
fn span_str(frame: &str, span: (u32, u32)) -> &str {
    let range = range(span);
    debug_assert!(frame.get(range.clone()).is_some());
    // SAFETY: a `RawMessage`'s spans lie in its frame, with both ends on
    // character boundaries (the contract of `RawMessage::new`, the only
    // way to make one, checked there in debug builds): the framer cuts
    // names and values only next to the ASCII bytes `:`, ` `, CR and LF
    // of a frame that is valid UTF-8. The framer's tests (non-ASCII names
    // and values, split at every read size) run with that check.
    unsafe { frame.get_unchecked(range) }
}

impl MessageView for RawMessage<'_> {
    fn raw_headers(&self) -> impl Iterator<Item = RawHeader<'_>> {
        self.headers()
    }

    fn to_message(&self) -> Message {
        RawMessage::to_message(self)
    }

    fn kind(&self) -> MessageKind<'_> {
        RawMessage::kind(self)
    }
}

impl fmt::Debug for RawMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for h in self.headers() {
            list.entry(&h);
        }
        if let Some(text) = self.text() {
            list.entry(&format_args!("text: {text:?}"));
        }
        list.finish()
    }
}
