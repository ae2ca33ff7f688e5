//! Derive macros that give AMI structs and enums their wire behaviour.
//!
//! `ami-codegen` emits plain annotated structs (`ami-generated`); these derives
//! turn them into the traits of `ami_runtime::wire`, so the behaviour lives
//! once here and in the runtime's generic helpers, and a hand-written action
//! uses the very same derive. Use them through `ami_runtime::derive`; the
//! generated code names the runtime as `::ami_runtime`.
//!
//! | Derive          | Applies to | Implements                                        |
//! |-----------------|------------|---------------------------------------------------|
//! | [`AmiFields`]   | struct     | `Fields` (a field group), constructors            |
//! | [`AmiEvent`]    | struct     | `Fields`, `Event`, `FromEvent`, constructors      |
//! | [`AmiResponse`] | struct     | `Fields`, `FromResponse`, constructors            |
//! | [`AmiAction`]   | struct     | `Fields`, `Action`, `from_message`, constructors  |
//! | [`AmiEnum`]     | enum       | `WireValue`, `Display`, `as_str`, `VALUES`        |
//! | [`AmiEvents`]   | enum       | `FromEvent`, `name`                               |
//!
//! With the `serde` feature of `ami-runtime` on, every derive also
//! implements `Serialize` and `Deserialize` (module `serde`: a non-generic
//! field walk and a static field table per type, generic adapters in
//! `ami_runtime::wire::serde_support`); the JSON shape is documented in
//! `ami-generated`.
//!
//! # Field attributes (every struct derive)
//!
//! ```text
//! #[ami(name = "Header")]                 one header; field T (always present when
//!                                         decoding) or Option<T> (may be absent)
//! #[ami(name = "Header", required)]       T only: encoding refuses a blank value
//! #[ami(name = "Header", repeated)]       Vec<T>: one header per value (Variable: a=1)
//! #[ami(name = "Header", index = "dash6")] Vec<T>: Header-000000, Header-000001...
//! #[ami(name = "Header", index = "paren")] Vec<T>: Header(0), Header(1)...
//! #[ami(flatten)]                         G or Option<G>, G: Fields: its headers as is
//! #[ami(flatten, prefix = "Transferer")]  ...under a prefix (TransfererChannel)
//! #[ami(group, index = "dash6"|"paren")]  Vec<G>: entry i takes the headers of index i
//!                                         (Action-000000, Cat-000000 -> entry 0)
//! #[ami(extra)]                           Vec<Header>: headers no field took; sent last
//! ```
//!
//! `T` is any `WireValue` (`AmiStr`, `String`, integers, `f64`, `bool`,
//! `AmiBool`, `Var`, an `AmiEnum`). An `AmiStr` field decoded from a framed
//! message is a slice of the frame (no copy); a `String` field is a copy.
//! Header names match ignoring ASCII case. Decoding
//! tries the struct's own fields first, then its groups in declaration order.
//! A single-valued header that comes twice keeps its first value; a repeat
//! with the same value is dropped, a different one lands in `extra`, so
//! nothing is lost. An `Option<G>` group is `None` when none of its headers
//! came. Encoding writes the fields in declaration order, the extra headers
//! last: the derived `encode` is a `static` table of the fields (per field
//! its header name, its `offset_of!` and its declared type, which picks a
//! writer compiled once per field type) walked by one loop of the runtime
//! (`FieldTable` in `ami_runtime::wire::derive_support`). That table is
//! built in one `unsafe` block per struct, whose promise (each offset is
//! that of a field of the declared type) holds by construction (the
//! `unsafe_code` lint, being no lint of external macros, stays quiet in a
//! crate that forbids it).
//!
//! Every struct derive also generates `new(..)` taking the fields that have no
//! empty value (plain `T` and `G`), and a setter `with_<field>(..)` for each
//! other field (`impl Into<T>` for an `Option<T>`, the `Vec` itself for a list),
//! so that `#[non_exhaustive]` structs can still be built. Numbers and `bool`
//! are taken as themselves, not `impl Into<T>`, so that a literal fits:
//! `with_cause(16)` for an `Option<u64>`.
//!
//! # Type attributes
//!
//! ```text
//! AmiEvent:    #[ami(event = "Hangup")]           the Event header value
//!              #[ami(event = "UserEvent", user_event = "CallQualityReport")]
//!                                                 a UserEvent subtype: its UserEvent
//!                                                 header is checked and consumed when
//!                                                 decoding, written when encoding
//! AmiAction:   #[ami(action = "Originate")]       the Action header value
//!              #[ami(response = Type)]            the typed reply (Ack, EventList<I, C>...)
//!              #[ami(shape = "single")]           single (default) | list | command | raw | goodbye
//!              #[ami(complete = "XComplete")]     the event ending a list; shape = "list" only
//!              #[ami(since = "18.19.0, 20.4.0")]  first release of each branch that has it
//!              #[ami(deprecated = "17.0.0")]      first release that deprecates it
//!              #[ami(removed = "21.0.0")]         first release without it (Action::AVAILABILITY)
//!              #[ami(exactly_one(a, b))]          exactly one of the fields is set
//!              #[ami(at_most_one(a, b))]          at most one is set
//!              #[ami(together(a, b))]             all or none are set
//!              #[ami(requires(a, b, c))]          when a is set, b and c are set too
//! ```
//!
//! Constraints name Rust fields of type `Option<T>` or `Vec<T>` (set means
//! `Some` or non-empty); they are checked before any byte is written, and the
//! error states the rule with wire names ("exactly one of Endpoint, URI").
//! Message structs (`AmiEvent`, `AmiResponse`, `AmiAction`) must have an
//! `#[ami(extra)]` field: a header nobody expected is kept, never dropped.
//!
//! # Variant attributes
//!
//! ```text
//! AmiEnum:     #[ami(value = "Not Permitted")] NotPermitted   a unit variant per value
//!              #[ami(unknown)] Unknown(AmiStr)                exactly one: any other value
//!                                                             (or Unknown(String): a copy)
//! AmiEvents:   #[ami(name = "Hangup")] Hangup(HangupEvent)    payload: FromEvent
//!              #[ami(name = "Big")] Big(Box<BigEvent>)        a Box of one too
//!              #[ami(name = "UserEvent", user_event = "Q")] Q(QEvent)
//!                                                 only the UserEvents whose UserEvent
//!                                                 header is Q (tried before a plain
//!                                                 UserEvent variant)
//!              #[ami(unknown)] Unknown(Message)               optional: any other event
//!              #[ami(fallback)] Base(BaseEvents)             or: another AmiEvents enum
//!                                                 decodes any other event
//! ```
//!
//! An `AmiEnum` parses ignoring ASCII case and keeps an unlisted value in
//! `Unknown`, which encoding refuses. An `AmiEvents` enum without `Unknown`
//! or `fallback` refuses events it does not list. `#[cfg]` attributes of
//! variants are repeated on every generated arm (the `fallback` variant
//! takes none). A `fallback` enum composes a crate's own events with
//! `ami_generated::Event` (`ami_codegen::Builder` emits such an enum):
//! its `FromEvent::accepts_message` is the message-level selection that a
//! `UserEvent` subtype needs, `accepts` the name-only fast path.
//!
//! # Errors
//!
//! Every misuse is reported at once, each error spanned at the offending
//! attribute, field or type, and the derive still emits the trait impls
//! (with bodies that never run) so that one mistake does not cascade.
//!
//! # Example
//!
//! ```
//! use ami_runtime::derive::{AmiEnum, AmiEvent, AmiFields};
//! use ami_runtime::wire::{FromEvent, Header, Message};
//!
//! /// How a channel left.
//! #[derive(Debug, PartialEq, AmiEnum)]
//! pub enum Cause {
//!     /// Normal clearing.
//!     #[ami(value = "Normal Clearing")]
//!     Normal,
//!     /// Anything else, as received.
//!     #[ami(unknown)]
//!     Unknown(String),
//! }
//!
//! /// The channel part of many events.
//! #[derive(Debug, AmiFields)]
//! pub struct Channel {
//!     /// Channel name.
//!     #[ami(name = "Channel", required)]
//!     pub channel: String,
//!     /// Caller number.
//!     #[ami(name = "CallerIDNum")]
//!     pub caller_id_num: Option<String>,
//! }
//!
//! /// A channel was hung up.
//! #[derive(Debug, AmiEvent)]
//! #[ami(event = "Hangup")]
//! pub struct HangupEvent {
//!     /// The channel.
//!     #[ami(flatten)]
//!     pub channel: Channel,
//!     /// Why.
//!     #[ami(name = "Cause-txt")]
//!     pub cause: Option<Cause>,
//!     /// Headers this struct does not know.
//!     #[ami(extra)]
//!     pub extra: Vec<Header>,
//! }
//!
//! let msg = Message::parse_block(
//!     "Event: Hangup\nChannel: SIP/1\ncause-TXT: normal clearing\nNew: x\n",
//! )
//! .unwrap();
//! let event = HangupEvent::from_event(&msg).unwrap();
//! assert_eq!(event.channel.channel, "SIP/1");
//! assert_eq!(event.cause, Some(Cause::Normal));
//! assert_eq!(event.extra, [Header::new("New", "x")]);
//!
//! let built = HangupEvent::new(Channel::new("SIP/2")).with_cause(Cause::Normal);
//! assert_eq!(built.cause.unwrap().as_str(), "Normal Clearing");
//! ```

#![warn(missing_docs)]

mod enums;
mod events;
mod expand;
mod fallback;
mod internals;
mod serde;
mod structs;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

use internals::Derive;

fn run(input: TokenStream, derive: Derive) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input, derive).into()
}

/// Implements `ami_runtime::wire::Fields` for a struct of header fields (a
/// field group such as a channel snapshot), plus `new` and `with_<field>`
/// constructors. See the [crate documentation](crate) for the attributes.
#[proc_macro_derive(AmiFields, attributes(ami))]
pub fn derive_fields(input: TokenStream) -> TokenStream {
    run(input, Derive::Fields)
}

/// Implements `Fields`, `Event` and `FromEvent` for an event struct named by
/// `#[ami(event = "Name")]`; it needs an `#[ami(extra)]` field.
#[proc_macro_derive(AmiEvent, attributes(ami))]
pub fn derive_event(input: TokenStream) -> TokenStream {
    run(input, Derive::Event)
}

/// Implements `Fields` and `FromResponse` for the fields of a `Response:
/// Success` message; it needs an `#[ami(extra)]` field.
#[proc_macro_derive(AmiResponse, attributes(ami))]
pub fn derive_response(input: TokenStream) -> TokenStream {
    run(input, Derive::Response)
}

/// Implements `Fields` and `Action` (name, response shape, reply type) for an
/// action struct, with the constraints between its parameters checked before
/// encoding, and an inherent `from_message`; it needs an `#[ami(extra)]` field.
#[proc_macro_derive(AmiAction, attributes(ami))]
pub fn derive_action(input: TokenStream) -> TokenStream {
    run(input, Derive::Action)
}

/// Implements `WireValue` and `Display`, `as_str` and `VALUES` for an
/// enumeration of wire values with an `#[ami(unknown)] Unknown(String)` variant.
#[proc_macro_derive(AmiEnum, attributes(ami))]
pub fn derive_enum(input: TokenStream) -> TokenStream {
    run(input, Derive::Enum)
}

/// Implements `FromEvent` and `name` for an enum over several events,
/// dispatching on the `Event` header.
#[proc_macro_derive(AmiEvents, attributes(ami))]
pub fn derive_events(input: TokenStream) -> TokenStream {
    run(input, Derive::Events)
}
