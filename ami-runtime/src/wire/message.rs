//! The owned message model: an ordered list of headers plus optional raw text.

use std::fmt;
use std::mem::MaybeUninit;

use bytes::Bytes;

use super::ami_str::AmiStr;
use super::derive_support::key_is;

/// One `Name: Value` header line, as received or to be sent.
///
/// Names keep the spelling the peer used; compare them with
/// [`Header::is`], which ignores ASCII case as Asterisk does. Name and value
/// are [`AmiStr`]s: a header decoded from the wire shares its frame's
/// buffer, so keeping one (the extra headers of a typed event, a whole
/// [`Message`]) copies nothing.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Header {
    /// Header name, as spelled on the wire.
    pub name: AmiStr,
    /// Header value, without the separating `": "` and the line ending.
    pub value: AmiStr,
}

impl Header {
    /// A header from a name and a value.
    pub fn new(name: impl Into<AmiStr>, value: impl Into<AmiStr>) -> Self {
        Header {
            name: name.into(),
            value: value.into(),
        }
    }

    /// Whether this header is called `name`, ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {:?}", self.name, self.value)
    }
}

/// One `Name: Value` header, borrowed: from a [`Message`], or from the read
/// buffer of the protocol core (`proto::RawMessage`). What typed decoding
/// reads, so that it never copies a header it does not keep.
///
/// Besides the text, it knows the shared buffer the text lives in, when
/// there is one (the frozen frame of `proto::RawMessage`, the [`AmiStr`]s
/// of a [`Header`]): [`RawHeader::value_str`] and [`RawHeader::share`]
/// then hand out [`AmiStr`] slices of it instead of copies.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RawHeader<'a> {
    /// Header name, as spelled on the wire.
    pub name: &'a str,
    /// Header value, without the `": "` separator and the line ending.
    pub value: &'a str,
    /// The buffers `name` and `value` lie in, if shared.
    name_source: Option<&'a Bytes>,
    value_source: Option<&'a Bytes>,
}

impl<'a> RawHeader<'a> {
    /// A header over plain text: [`AmiStr`]s taken from it are copies.
    pub fn new(name: &'a str, value: &'a str) -> Self {
        RawHeader {
            name,
            value,
            name_source: None,
            value_source: None,
        }
    }

    /// A header whose `name` and `value` lie in `source` (a frozen frame):
    /// [`AmiStr`]s taken from it are slices of `source`.
    pub fn in_buffer(name: &'a str, value: &'a str, source: &'a Bytes) -> Self {
        RawHeader {
            name,
            value,
            name_source: Some(source),
            value_source: Some(source),
        }
    }

    /// Whether this header is called `name`, ignoring ASCII case.
    #[inline]
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The name as an [`AmiStr`] (shared with the buffer when there is one).
    pub fn name_str(&self) -> AmiStr {
        share(self.name, self.name_source)
    }

    /// The value as an [`AmiStr`] (shared with the buffer when there is one).
    #[inline(always)]
    pub fn value_str(&self) -> AmiStr {
        share(self.value, self.value_source)
    }

    /// `*slot = Some(self.value_str())`, without a temporary string in
    /// between ([`AmiStr::share_into`]).
    #[inline(always)]
    pub(crate) fn value_str_into(&self, slot: &mut Option<AmiStr>) {
        match self.value_source {
            Some(source) => AmiStr::share_into(self.value, source, slot),
            None => copy_into(self.value, slot),
        }
    }

    /// `part`, a piece of the value (the name of a `name=value` pair), as
    /// an [`AmiStr`]: a slice of the value's buffer when `part` lies in it,
    /// else a copy.
    #[inline]
    pub fn share(&self, part: &str) -> AmiStr {
        share(part, self.value_source)
    }

    /// [`RawHeader::share`] written to `place` ([`AmiStr::share_to`]).
    #[inline(always)]
    pub(crate) fn share_to(&self, part: &str, place: &mut MaybeUninit<AmiStr>) {
        match self.value_source {
            Some(source) => AmiStr::share_to(part, source, place),
            None => {
                place.write(AmiStr::copy_from(part));
            }
        }
    }

    /// An owned copy (sharing the buffer when there is one).
    pub fn to_header(&self) -> Header {
        Header {
            name: self.name_str(),
            value: self.value_str(),
        }
    }
}

/// `*slot = Some(AmiStr::copy_from(text))`, out of line: decoding from a
/// [`Message`] (no shared buffer) is the less usual path, and inlined its
/// copy made every text field's decoding set up a stack frame.
#[inline(never)]
fn copy_into(text: &str, slot: &mut Option<AmiStr>) {
    *slot = Some(AmiStr::copy_from(text));
}

#[inline(always)]
fn share(text: &str, source: Option<&Bytes>) -> AmiStr {
    match source {
        Some(source) => AmiStr::shared(text, source),
        None => AmiStr::copy_from(text),
    }
}

impl<'a> From<&'a Header> for RawHeader<'a> {
    fn from(header: &'a Header) -> Self {
        RawHeader {
            name: &header.name,
            value: &header.value,
            name_source: header.name.shared_bytes(),
            value_source: header.value.shared_bytes(),
        }
    }
}

impl fmt::Debug for RawHeader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {:?}", self.name, self.value)
    }
}

/// One AMI message: the headers in the order they arrived (repeats kept), and
/// the raw text that some replies carry instead of, or after, headers
/// (Asterisk 13 `Response: Follows` command output, the `Queues` action).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Message {
    /// Headers in wire order; the same name may appear several times.
    pub headers: Vec<Header>,
    /// Raw text lines that are not headers, joined with `\n`, if any.
    pub text: Option<String>,
}

/// What a message is, judged by its first identifying header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind<'a> {
    /// `Response: <status>` (`Success`, `Error`, `Follows`, `Goodbye`...).
    Response(&'a str),
    /// `Event: <name>`.
    Event(&'a str),
    /// `Action: <name>` (a request, as a server or a capture sees it).
    Action(&'a str),
    /// None of the above (raw text, or a malformed message).
    Other,
}

impl<'a> MessageKind<'a> {
    /// What a message with these headers is: the first header that is a
    /// `Response`, `Event` or `Action` decides (on the wire it is the
    /// first header of all).
    #[inline(always)]
    pub(crate) fn of(headers: impl Iterator<Item = RawHeader<'a>>) -> Self {
        // `key_is` compares a word or two against constants, where
        // `eq_ignore_ascii_case` loops over bytes: this runs for every
        // event decoded. A `for` loop rather than `find_map`, whose
        // `try_fold` the compiler sometimes kept out of line (a call and
        // its set-up per message, 40% more instructions here).
        for h in headers {
            let name = h.name.as_bytes();
            if key_is(name, b"response") {
                return MessageKind::Response(h.value);
            } else if key_is(name, b"event") {
                return MessageKind::Event(h.value);
            } else if key_is(name, b"action") {
                return MessageKind::Action(h.value);
            }
        }
        MessageKind::Other
    }
}

/// Read access to one message, owned ([`Message`]) or borrowed from the read
/// buffer of the protocol core (`proto::RawMessage`). Typed decoding reads
/// messages through it, so that a framed message decodes straight from the
/// read buffer, without a copy into a [`Message`] first.
pub trait MessageView {
    /// The headers in wire order (repeats kept).
    fn raw_headers(&self) -> impl Iterator<Item = RawHeader<'_>>;

    /// An owned copy (what `Event::Unknown` keeps).
    fn to_message(&self) -> Message;

    /// Whether this is a response, an event or an action, as
    /// [`Message::kind`] judges it.
    fn kind(&self) -> MessageKind<'_> {
        MessageKind::of(self.raw_headers())
    }
}

impl MessageView for Message {
    fn raw_headers(&self) -> impl Iterator<Item = RawHeader<'_>> {
        self.headers.iter().map(RawHeader::from)
    }

    fn to_message(&self) -> Message {
        self.clone()
    }
}

impl Message {
    /// An empty message.
    pub fn new() -> Self {
        Message::default()
    }

    /// Append a header (builder style).
    pub fn with(mut self, name: impl Into<AmiStr>, value: impl Into<AmiStr>) -> Self {
        self.push(name, value);
        self
    }

    /// Append a header.
    pub fn push(&mut self, name: impl Into<AmiStr>, value: impl Into<AmiStr>) {
        self.headers.push(Header::new(name, value));
    }

    /// The value of the first header called `name` (ASCII case ignored).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.is(name))
            .map(|h| h.value.as_str())
    }

    /// Every value of the headers called `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |h| h.is(name))
            .map(|h| h.value.as_str())
    }

    /// Whether this is a response, an event or an action, and its name or status.
    ///
    /// The first header decides, as on the wire; a message whose first header is
    /// none of `Response`, `Event` or `Action` falls back to a search.
    pub fn kind(&self) -> MessageKind<'_> {
        MessageKind::of(self.headers.iter().map(RawHeader::from))
    }

    /// The `ActionID` header, if any.
    pub fn action_id(&self) -> Option<&str> {
        self.get("ActionID")
    }

    /// Parse one message from text in wire form: `Name: Value` lines ended by
    /// `\r\n` or `\n`; an empty line ends the message. Used for wire examples
    /// and tests; the streaming framer of the protocol core handles sockets.
    ///
    /// A line without `:` is an error naming its line number, except in a
    /// `Response: Follows` message, where such lines (up to
    /// `--END COMMAND--`) become [`Message::text`].
    pub fn parse_block(text: &str) -> Result<Message, ParseBlockError> {
        // One copy of the block; every header is a slice of it.
        let block = Bytes::copy_from_slice(text.as_bytes());
        let source = &block;
        // A copy of a `str`: always UTF-8.
        let text = std::str::from_utf8(&block).unwrap_or_default();
        let push = |msg: &mut Message, name: &str, value: &str| {
            let header = RawHeader::in_buffer(name, value, source).to_header();
            msg.headers.push(header);
        };
        let mut msg = Message::new();
        let mut raw: Vec<&str> = Vec::new();
        let mut follows = false;
        for (i, line) in text.split('\n').enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if follows {
                if line == "--END COMMAND--" {
                    follows = false;
                    continue;
                }
                // Asterisk 13 sends Privilege and ActionID before the text.
                if raw.is_empty() {
                    if let Some((name, value)) = line.split_once(": ") {
                        if name.eq_ignore_ascii_case("Privilege")
                            || name.eq_ignore_ascii_case("ActionID")
                        {
                            push(&mut msg, name, value);
                            continue;
                        }
                    }
                }
                raw.push(line);
                continue;
            }
            if line.is_empty() {
                if msg.headers.is_empty() && raw.is_empty() {
                    continue;
                }
                break;
            }
            if !raw.is_empty() {
                // Inside a raw text reply, every line is text.
                raw.push(line);
                continue;
            }
            match line.split_once(':') {
                // A first line with a space before its colon is raw text
                // (the `Queues` reply); later names may hold spaces
                // (`Named Callgroup`).
                Some((name, value))
                    if !name.is_empty() && (!msg.headers.is_empty() || !name.contains(' ')) =>
                {
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    push(&mut msg, name, value);
                    if name.eq_ignore_ascii_case("Response") && value == "Follows" {
                        follows = true;
                    }
                }
                _ => {
                    if msg.headers.is_empty() {
                        // Raw text reply (the `Queues` action): keep it whole.
                        raw.push(line);
                    } else {
                        return Err(ParseBlockError {
                            line: i + 1,
                            content: line.to_owned(),
                        });
                    }
                }
            }
        }
        if !raw.is_empty() {
            msg.text = Some(raw.join("\n"));
        }
        Ok(msg)
    }

    /// Append this message in wire form (`\r\n` line endings, blank line at the end).
    pub fn write_to(&self, out: &mut Vec<u8>) {
        for h in &self.headers {
            out.extend_from_slice(h.name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(h.value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        if let Some(text) = &self.text {
            for line in text.split('\n') {
                out.extend_from_slice(line.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
        }
        out.extend_from_slice(b"\r\n");
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for h in &self.headers {
            list.entry(h);
        }
        if let Some(text) = &self.text {
            list.entry(&format_args!("text: {text:?}"));
        }
        list.finish()
    }
}

/// A line of a message block that is not a `Name: Value` header.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseBlockError {
    /// 1-based line number in the block.
    pub line: usize,
    /// The offending line.
    pub content: String,
}

impl fmt::Display for ParseBlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: header line without ':': {:?}",
            self.line, self.content
        )
    }
}

impl std::error::Error for ParseBlockError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_headers_and_keeps_repeats() {
        let m = Message::parse_block("Event: Status\nVariable: a=1\r\nvariable: b=2\n\nignored: x")
            .unwrap();
        assert_eq!(m.kind(), MessageKind::Event("Status"));
        assert_eq!(m.get_all("VARIABLE").collect::<Vec<_>>(), ["a=1", "b=2"]);
        assert_eq!(m.get("ignored"), None);
    }

    #[test]
    fn follows_text_is_kept() {
        let m = Message::parse_block(
            "Response: Follows\r\nPrivilege: Command\r\nline one\r\nline: two\r\n--END COMMAND--\r\n",
        )
        .unwrap();
        assert_eq!(m.text.as_deref(), Some("line one\nline: two"));
        assert_eq!(m.get("Privilege"), Some("Command"));
    }

    #[test]
    fn raw_text_without_headers() {
        let m = Message::parse_block("sales has 0 calls\n   Members: \n").unwrap();
        assert!(m.headers.is_empty());
        assert_eq!(m.text.as_deref(), Some("sales has 0 calls\n   Members: "));
    }

    #[test]
    fn names_with_inner_spaces_after_the_first_line() {
        let m = Message::parse_block("Response: Success\nNamed Callgroup: sales\n").unwrap();
        assert_eq!(m.get("named callgroup"), Some("sales"));
        assert_eq!(m.text, None);
    }

    #[test]
    fn bad_line_is_reported_with_its_number() {
        let err = Message::parse_block("Response: Success\nno colon here\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.to_string().contains("header line without ':'"));
    }

    #[test]
    fn write_round_trips() {
        let m = Message::new().with("Action", "Ping").with("ActionID", "1");
        let mut out = Vec::new();
        m.write_to(&mut out);
        assert_eq!(out, b"Action: Ping\r\nActionID: 1\r\n\r\n");
        assert_eq!(
            Message::parse_block(std::str::from_utf8(&out).unwrap()).unwrap(),
            m
        );
    }
}
