//! Runtime for the Asterisk Manager Interface (AMI).
//!
//! This crate knows nothing about any particular action or event: everything
//! action-specific lives in the structs that `ami-generated` emits from the
//! TOML spec, and the behaviour those structs share (encoding to the wire,
//! decoding from it, validation) is implemented once here and in the derives
//! of `ami-derive`.
//!
//! * [`wire`]: the owned message model ([`Message`], [`Header`]), the value
//!   conversions ([`WireValue`]), the traits the derives implement
//!   ([`Fields`], [`Action`], [`Event`], [`FromResponse`]) and the generic
//!   response shapes ([`Ack`], [`EventList`], [`CommandOutput`], [`RawText`],
//!   [`Goodbye`]).
//!
//! ```
//! use ami_runtime::wire::Message;
//!
//! let msg = Message::parse_block("Response: Success\r\nPing: Pong\r\n").unwrap();
//! assert_eq!(msg.get("ping"), Some("Pong"));
//! ```

#![warn(missing_docs)]

// Lets the derives' output (which names `::ami_runtime`) work inside this crate too.
extern crate self as ami_runtime;

pub mod wire;

/// The derive macros that give generated (or hand-written) structs their
/// wire behaviour; see the `ami-derive` crate for the attributes.
pub mod derive {
    pub use ami_derive::{AmiAction, AmiEnum, AmiEvent, AmiEvents, AmiFields, AmiResponse};
}

pub use wire::{
    Ack, Action, CommandOutput, DecodeError, EncodeError, Event, EventList, Fields, FromEvent,
    FromResponse, Goodbye, Header, Message, RawText, Reply, ResponseShape, WireValue,
};
