//! The sans-IO protocol core: bytes in -> messages out, actions in -> bytes
//! out. No socket, no async, no clock; the tokio client (and anything else)
//! is a thin adapter around [`Connection`].
//!
//! * [`framer`]: the banner, blank-line framing, `\r\n` and bare `\n`,
//!   Asterisk 13 command output, raw text replies, limits and
//!   resynchronisation, UTF-8 checked once per message.
//! * [`raw`]: [`RawMessage`], a zero-copy view of one framed message (header
//!   slices into the read buffer), turned into an owned
//!   [`Message`](crate::wire::Message) only when needed.
//! * [`connection`]: [`Connection`], the session state machine: `ActionID`
//!   generation and correlation, list collection up to the completion event
//!   the spec names, command output, raw text replies, `Goodbye`, and the
//!   event stream.

pub mod connection;
pub mod framer;
pub mod raw;

pub use connection::{
    encode_message, ActionError, Completed, Connection, Item, ProtocolError, SendError,
};
pub use framer::{Frame, FrameError, FrameErrorKind, Framer, Limits, Produced};
pub use raw::{RawHeader, RawMessage};

#[cfg(test)]
mod tests;
