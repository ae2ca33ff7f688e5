//! Runtime for the Asterisk Manager Interface (AMI).
//!
//! This crate knows nothing about any particular action or event: everything
//! action-specific lives in the structs that `ami-generated` emits from the
//! TOML spec, and the behaviour those structs share (encoding to the wire,
//! decoding from it, validation) is implemented once here and in the derives
//! of `ami-derive`.
//!
//! * [`wire`]: the owned message model ([`Message`], [`Header`]), the text
//!   type of decoded values ([`AmiStr`]: a `str` sharing the
//!   frame it was decoded from, so typed decoding copies no field), the value
//!   conversions ([`WireValue`]), the traits the derives implement
//!   ([`Fields`], [`Action`], [`Event`], [`FromResponse`]) and the generic
//!   response shapes ([`Ack`], [`EventList`], [`CommandOutput`], [`RawText`],
//!   [`Goodbye`]).
//! * [`version`]: Asterisk [`Version`](version::Version)s and the
//!   [`Availability`](version::Availability) of actions and events across them.
//! * [`proto`]: the sans-IO protocol core: the framer, zero-copy
//!   [`RawMessage`](proto::RawMessage)s and the [`Connection`](proto::Connection)
//!   state machine (`ActionID` correlation, list collection, the event stream).
//! * [`client`] (feature `client`, on by default): the tokio client over any
//!   transport (TCP, TLS with the `tls` feature, a Unix socket, an in-memory
//!   duplex), with MD5 login, keepalive and reconnection.
//! * [`testing`] (feature `testing`): a mock AMI server, in-process over TCP
//!   or in memory, answering from a script.
//! * feature `serde`: `Serialize` and `Deserialize` for the wire types, and
//!   for every type the derives give wire behaviour to (the JSON shape is
//!   documented in `ami-generated`).
//!
//! ```
//! use ami_runtime::wire::Message;
//!
//! let msg = Message::parse_block("Response: Success\r\nPing: Pong\r\n").unwrap();
//! assert_eq!(msg.get("ping"), Some("Pong"));
//! ```
// Without their feature the `client` and `testing` modules are not
// compiled: the links above then go to their docs.rs pages.
#![cfg_attr(
    not(feature = "client"),
    doc = "\n[`client`]: https://docs.rs/ami-runtime/latest/ami_runtime/client/"
)]
#![cfg_attr(
    not(feature = "testing"),
    doc = "\n[`testing`]: https://docs.rs/ami-runtime/latest/ami_runtime/testing/"
)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// Lets the derives' output (which names `::ami_runtime`) work inside this crate too.
extern crate self as ami_runtime;

#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod client;
pub mod proto;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod version;
pub mod wire;

/// The derive macros that give generated (or hand-written) structs their
/// wire behaviour; see the `ami-derive` crate for the attributes.
pub mod derive {
    pub use ami_derive::{AmiAction, AmiEnum, AmiEvent, AmiEvents, AmiFields, AmiResponse};
}

/// The serde crate, for the derives' output (downstream crates need not
/// depend on serde themselves).
#[cfg(feature = "serde")]
#[doc(hidden)]
pub use serde as __serde;

/// Expands to its input when the `serde` feature of this crate is on, to
/// nothing otherwise: the derives wrap their `Serialize` and `Deserialize`
/// impls in it, so that the feature of the runtime decides, whichever crate
/// the derive runs in.
#[cfg(feature = "serde")]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_serde {
    ($($tt:tt)*) => { $($tt)* };
}

/// See the `serde` version above: the feature is off, nothing is emitted.
#[cfg(not(feature = "serde"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_serde {
    ($($tt:tt)*) => {};
}

// The README's Rust examples run as doctests of this crate (whose
// dev-dependencies bring `ami-generated`, tokio and the mock server).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

pub use wire::{
    Ack, Action, AmiStr, CommandOutput, DecodeError, EncodeError, Event, EventList, Fields,
    FromEvent, FromResponse, Goodbye, Header, Message, RawText, Reply, ResponseShape, WireValue,
};
