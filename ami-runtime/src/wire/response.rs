//! Collected replies and the generic typed response shapes.

use super::error::{DecodeError, FieldError};
use super::fields::{decode_fields, named_context, FromEvent, MessageRole};
use super::message::{Header, Message, MessageKind};

/// Everything the server sent in reply to one action, as the protocol core
/// collects it: the response message, then for list actions the item events
/// and the completion event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// The `Response:` message (for raw text replies, a message with only text).
    pub head: Message,
    /// Item events of a list action, in arrival order.
    pub items: Vec<Message>,
    /// The completion event of a list action.
    pub complete: Option<Message>,
}

impl Reply {
    /// A reply made of a single response message.
    pub fn single(head: Message) -> Self {
        Reply {
            head,
            ..Reply::default()
        }
    }
}

/// The typed reply of an action, built from a collected [`Reply`].
///
/// `Response: Error` never reaches this trait: the runtime turns it into an
/// error value carrying Asterisk's message.
pub trait FromResponse: Sized {
    /// Decode the reply to `action` (its wire name, for error messages).
    fn from_reply(reply: &Reply, action: &'static str) -> Result<Self, DecodeError>;

    /// Headers that decoding kept but no field recognised.
    fn unknown_headers<'a>(&'a self, out: &mut Vec<&'a Header>) {
        let _ = out;
    }
}

fn context(action: &str) -> String {
    format!("response to {action}")
}

fn extra_of(msg: &Message, known: &[&str]) -> Vec<Header> {
    msg.headers
        .iter()
        .filter(|h| {
            !["Response", "ActionID", "Message", "EventList"]
                .iter()
                .chain(known)
                .any(|k| h.is(k))
        })
        .cloned()
        .collect()
}

/// A plain `Response: Success` with an optional `Message`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ack {
    /// Asterisk's human-readable message (`Channel Hungup`, `Variable Set`).
    pub message: Option<String>,
    /// Headers beyond `Response`, `ActionID` and `Message`, kept as received.
    pub extra: Vec<Header>,
}

impl FromResponse for Ack {
    fn from_reply(reply: &Reply, _action: &'static str) -> Result<Self, DecodeError> {
        Ok(Ack {
            message: reply.head.get("Message").map(str::to_owned),
            extra: extra_of(&reply.head, &[]),
        })
    }

    fn unknown_headers<'a>(&'a self, out: &mut Vec<&'a Header>) {
        out.extend(&self.extra);
    }
}

/// `Response: Goodbye`, the reply to `Logoff`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Goodbye {
    /// Asterisk's farewell (`Thanks for all the fish.`).
    pub message: Option<String>,
}

impl FromResponse for Goodbye {
    fn from_reply(reply: &Reply, action: &'static str) -> Result<Self, DecodeError> {
        match reply.head.kind() {
            MessageKind::Response(status) if status.eq_ignore_ascii_case("Goodbye") => {
                Ok(Goodbye {
                    message: reply.head.get("Message").map(str::to_owned),
                })
            }
            MessageKind::Response(status) => Err(DecodeError::unexpected(
                context(action),
                "Response: Goodbye",
                format!("Response: {status}"),
            )),
            _ => Err(DecodeError::unexpected(
                context(action),
                "Response: Goodbye",
                "no Response header",
            )),
        }
    }
}

/// The output of a CLI command: the `Output:` headers of current Asterisk,
/// or the raw text of Asterisk 13's `Response: Follows` up to `--END COMMAND--`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandOutput {
    /// Asterisk's message (`Command output follows`), when sent.
    pub message: Option<String>,
    /// The output, one entry per line.
    pub lines: Vec<String>,
}

impl FromResponse for CommandOutput {
    fn from_reply(reply: &Reply, _action: &'static str) -> Result<Self, DecodeError> {
        let mut lines: Vec<String> = reply.head.get_all("Output").map(str::to_owned).collect();
        if let Some(text) = &reply.head.text {
            lines.extend(text.split('\n').map(str::to_owned));
        }
        Ok(CommandOutput {
            message: reply.head.get("Message").map(str::to_owned),
            lines,
        })
    }
}

/// A reply made of raw text with no headers (the `Queues` action).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawText {
    /// The text, lines joined with `\n`.
    pub text: String,
}

impl FromResponse for RawText {
    fn from_reply(reply: &Reply, _action: &'static str) -> Result<Self, DecodeError> {
        Ok(RawText {
            text: reply.head.text.clone().unwrap_or_default(),
        })
    }
}

/// The reply to a list action: `EventList: start`, the item events, and the
/// completion event with its own fields (`ListItems`...).
#[derive(Clone, Debug, PartialEq)]
pub struct EventList<I, C> {
    /// Asterisk's message on the start response (`Channels will follow`).
    pub message: Option<String>,
    /// The item events, in arrival order.
    pub items: Vec<I>,
    /// The completion event.
    pub complete: C,
}

impl<I: FromEvent, C: FromEvent> FromResponse for EventList<I, C> {
    // Compiled once per list action, so it is kept to the two decoders:
    // the loop over the items, the check for the completion event and the
    // `Message` are in `decode_items` and `list_message`, compiled once.
    // `match` rather than `?`: no `Try` conversion to copy per action.
    #[allow(clippy::question_mark)]
    fn from_reply(reply: &Reply, action: &'static str) -> Result<Self, DecodeError> {
        let mut items = Vec::<I>::new();
        let complete = match decode_items(reply, action, &mut items) {
            Ok(complete) => complete,
            Err(error) => return Err(error),
        };
        match C::from_event(complete) {
            Ok(complete) => Ok(EventList {
                message: list_message(&reply.head),
                items,
                complete,
            }),
            Err(error) => Err(error),
        }
    }

    fn unknown_headers<'a>(&'a self, out: &mut Vec<&'a Header>) {
        for item in &self.items {
            item.unknown_headers(out);
        }
        self.complete.unknown_headers(out);
    }
}

/// Where [`decode_items`] puts the items of a list: a `Vec` of the item
/// type behind a `dyn`, so that the loop is compiled once rather than once
/// per list action.
trait ItemSink {
    /// Make room for `n` more items.
    fn reserve(&mut self, n: usize);
    /// Decode `msg` as an item and append it.
    fn push_item(&mut self, msg: &Message) -> Result<(), DecodeError>;
}

impl<I: FromEvent> ItemSink for Vec<I> {
    fn reserve(&mut self, n: usize) {
        Vec::reserve_exact(self, n);
    }

    fn push_item(&mut self, msg: &Message) -> Result<(), DecodeError> {
        match I::from_event(msg) {
            Ok(item) => {
                self.push(item);
                Ok(())
            }
            Err(error) => Err(error),
        }
    }
}

/// Decode the items of `reply` into `items`, in order, then give the
/// completion event (or the error of the first item that does not decode,
/// or of a missing completion event).
#[inline(never)]
fn decode_items<'r>(
    reply: &'r Reply,
    action: &str,
    items: &mut dyn ItemSink,
) -> Result<&'r Message, DecodeError> {
    items.reserve(reply.items.len());
    for item in &reply.items {
        items.push_item(item)?;
    }
    match &reply.complete {
        Some(complete) => Ok(complete),
        None => Err(no_completion_event(action)),
    }
}

/// The `Message` of a list's start response.
#[inline(never)]
fn list_message(head: &Message) -> Option<String> {
    head.get("Message").map(str::to_owned)
}

#[cold]
fn no_completion_event(action: &str) -> DecodeError {
    DecodeError::field(
        context(action),
        FieldError::Missing {
            field: "completion event".to_owned(),
        },
    )
}

/// Decode the response message of `reply` into a struct of response fields
/// (what `#[derive(AmiResponse)]` calls).
pub fn decode_response<T: super::Fields>(
    reply: &Reply,
    action: &'static str,
) -> Result<T, DecodeError> {
    decode_fields(
        &reply.head,
        MessageRole::Response,
        &named_context("response to", action),
    )
}
