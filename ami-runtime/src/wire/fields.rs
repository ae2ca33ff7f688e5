//! The traits that `ami-derive` implements, and the generic helpers its
//! generated code calls, so that per-struct generated code stays small.

use super::derive_support::{key_is, value_ref, ValueRef, ValueRefusal, WriteValue};
use super::encode_table::{Bound, FieldTable, MessageInfo};
use super::error::{DecodeError, EncodeError, EncodeErrorKind, FieldError};
use super::message::{Header, Message, MessageKind, MessageView, RawHeader};
use super::response::FromResponse;
use super::value::{bool_word, Var, WireValue};

use std::alloc::Layout;
use std::marker::PhantomData;
use std::mem::MaybeUninit;

/// A struct whose fields map to headers: actions, responses, events and the
/// shared field groups (channel snapshot, bridge snapshot...).
///
/// Implemented by `#[derive(AmiFields)]` (and the derives built on it). Decoding
/// is incremental so that groups can be nested under a prefix
/// (`TransfererChannel` feeds `channel` of the `transferer` group) or an index
/// (`Action-000003` feeds `action` of entry 3).
pub trait Fields: Sized {
    /// Decoding state: one slot per field.
    type Partial: Default;

    /// Whether a successful [`Fields::finish_into`] leaves the decoding
    /// state with nothing to drop (every value moved out): decoding then
    /// skips dropping it, a test of each of its slots. True for derived
    /// structs whose groups are derived too; a wrong `true` would only
    /// leak. Only for the derives: not a stable API.
    #[doc(hidden)]
    const FINISH_EMPTIES: bool = false;

    /// Whether [`Fields::accept`] leaves ([`Accepted::Left`]) every header
    /// named as a framing header of any message role (`Action`,
    /// `ActionID`, `Response`, `Event`, `EventList`, `UserEvent`, in any
    /// case): decoding may then offer each header to the fields first and
    /// test for the framing names only among the headers left over, with
    /// the same outcome as testing every header first. The derive works it
    /// out from the field names; `false` (the default) keeps the test
    /// first. Only for the derives: not a stable API.
    #[doc(hidden)]
    const LEAVES_FRAMING: bool = false;

    /// Offer one header. `key` is the header name as received, with any
    /// group prefix and group index already removed; names match ignoring
    /// ASCII case (the derive compares keys with
    /// `derive_support::key_is`, which needs no lowercased copy). Returns
    /// [`Accepted::Taken`] when a field took the header.
    fn accept(partial: &mut Self::Partial, key: &[u8], header: &RawHeader<'_>) -> Accepted;

    /// The operations decoding runs on a `Self` it does not see (see
    /// [`DecodeOps`]), as a `'static`. The default makes them where they
    /// are used; the derive returns a `static` of the struct's own crate
    /// instead, so that the operations (accepting, finishing, making and
    /// dropping the decoding state) are compiled once, there, and not
    /// again in each crate that decodes the struct (the `Event` enum of
    /// `ami-generated` decodes the events of its part crates). Only for the
    /// derives: not a stable API.
    #[doc(hidden)]
    #[inline(always)]
    fn decode_ops() -> OpsRef<Self> {
        OpsRef::of()
    }

    /// Keep a header that no field took, in the struct's `#[ami(extra)]`
    /// field. Returns `false` when the struct has no such field.
    fn accept_unknown(partial: &mut Self::Partial, header: &RawHeader<'_>) -> bool {
        let _ = (partial, header);
        false
    }

    /// Build the struct once every header was offered, moving the values
    /// out of `partial` (taken by reference so that the decoding state,
    /// hundreds of bytes for a wide event, is not copied to be consumed).
    /// `prefix` is the wire prefix of this group ("Transferer"), used to
    /// name missing fields.
    fn finish(partial: &mut Self::Partial, prefix: &str) -> Result<Self, FieldError>;

    /// [`Fields::finish`] into `out`, the place the struct is to live in
    /// (the box of a boxed event, or the field of an enclosing struct for
    /// a flattened group): what the derive implements, writing each field
    /// where it belongs, so that the struct (hundreds of bytes for an event
    /// with a channel snapshot) is not built on the stack and then copied
    /// once per level. Returns `out`, initialised; on an error `out` holds
    /// nothing to drop. The default writes what [`Fields::finish`] returns.
    /// Only for the derives: not a stable API.
    #[doc(hidden)]
    #[inline]
    fn finish_into<'o>(
        partial: &mut Self::Partial,
        prefix: &str,
        out: &'o mut std::mem::MaybeUninit<Self>,
    ) -> Result<&'o mut Self, FieldError> {
        match Self::finish(partial, prefix) {
            Ok(value) => Ok(out.write(value)),
            Err(error) => Err(error),
        }
    }

    /// The encoding table of a derived struct, whose `encode` is that
    /// table's [`FieldTable::encode`] and nothing else: [`encode_action`]
    /// and [`encode_event`] then write the whole message in one function
    /// (compiled once), with no call of `encode`. Only for the derives: not
    /// a stable API.
    #[doc(hidden)]
    const ENCODE_TABLE: Option<FieldTable<Self>> = None;

    /// Write every field in spec order, then the extra headers.
    fn encode(&self, enc: &mut Encoder<'_>) -> Result<(), EncodeError>;

    /// Headers that decoding kept but no field of the spec recognised,
    /// including those of nested groups.
    fn unknown_headers<'a>(&'a self, out: &mut Vec<&'a Header>) {
        let _ = out;
    }
}

/// What the fields of a struct did with a header offered to them
/// ([`Fields::accept`]).
///
/// An enum of its own rather than a `Result<bool, FieldError>`: it passes
/// up through a call per nesting level (event, field group, value) for
/// every header decoded, and in this form, with the rare error boxed, it is
/// two words returned in registers, where the `Result` went through memory
/// at each level.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum Accepted {
    /// A field took the header.
    Taken,
    /// No field takes a header of that name, or a single-valued field
    /// already holds a different value: the header is the message's to
    /// keep among its extra headers.
    Left,
    /// The field of that name refused the value.
    Refused(Box<FieldError>),
}

impl Accepted {
    /// [`Accepted::Taken`] when `taken`, else [`Accepted::Left`].
    #[inline]
    pub fn taken_if(taken: bool) -> Self {
        if taken {
            Accepted::Taken
        } else {
            Accepted::Left
        }
    }

    /// Whether a field took the header.
    #[inline]
    pub fn is_taken(&self) -> bool {
        matches!(self, Accepted::Taken)
    }
}

/// How the runtime collects the reply to an action. Stated by the spec for
/// each action, never guessed from message text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseShape {
    /// One response message (`Response: Success` with optional fields).
    Single,
    /// `EventList: start`, then item events up to the named completion event.
    List {
        /// Wire name of the event that ends the list.
        complete: &'static str,
    },
    /// CLI output: `Output:` headers, or Asterisk 13's `Response: Follows`
    /// raw text up to `--END COMMAND--`.
    Command,
    /// Raw text lines with no headers at all (the `Queues` action).
    RawText,
    /// `Response: Goodbye`; the server closes the session after it.
    Goodbye,
}

/// A typed AMI action (request), implemented by `#[derive(AmiAction)]`.
pub trait Action: Fields {
    /// Wire name, spelled as Asterisk documents it (matched case-insensitively).
    const NAME: &'static str;
    /// How the reply is collected.
    const SHAPE: ResponseShape;
    /// The Asterisk versions that have the action (`#[ami(since = ...,
    /// removed = ...)]`); a client refuses to send it to a server known to
    /// lack it. Available everywhere unless said otherwise.
    const AVAILABILITY: crate::version::Availability<'static> =
        crate::version::Availability::ALWAYS;
    /// The typed reply.
    type Response: FromResponse;
}

/// A typed AMI event, implemented by `#[derive(AmiEvent)]`.
pub trait Event: Fields + FromEvent {
    /// Wire name (the `Event:` header value).
    const NAME: &'static str;
    /// For a subtype of `UserEvent` (`#[ami(event = "UserEvent", user_event
    /// = "CallQualityReport")]`), the value of its `UserEvent` header, which
    /// selects it among the events called `UserEvent`: decoding checks and
    /// consumes that header, encoding writes it right after `Event`. `None`
    /// for every other event.
    const USER_EVENT: Option<&'static str> = None;
}

/// Anything that can be built from an event message: an event struct, or an
/// enum over several events (`#[derive(AmiEvents)]`).
pub trait FromEvent: Sized {
    /// Whether an event called `name` (any case) may decode into `Self`:
    /// the fast path of the selection, on the `Event` header alone. For a
    /// type that also looks at other headers (a `UserEvent` subtype, an
    /// enum holding one), a `true` here is necessary but not sufficient:
    /// [`FromEvent::accepts_message`] decides.
    fn accepts(name: &str) -> bool;

    /// Whether the event `msg`, whose `Event` header is `name`, decodes into
    /// `Self`. The default asks [`FromEvent::accepts`]; a `UserEvent`
    /// subtype also compares the message's `UserEvent` header, and an enum
    /// of events asks the variant the message would go to.
    fn accepts_message<M: MessageView>(msg: &M, name: &str) -> bool {
        let _ = msg;
        Self::accepts(name)
    }

    /// Decode an event message: an owned [`Message`], or a message borrowed
    /// from the read buffer (`proto::RawMessage`).
    fn from_event<M: MessageView>(msg: &M) -> Result<Self, DecodeError>;

    /// Decode an event message whose `Event` header the caller has already
    /// read: `name` is its value (as `msg.kind()` gives it). An enum of
    /// events reads the header once and hands the name down to the variant
    /// it picked. The default ignores `name` and calls
    /// [`FromEvent::from_event`].
    fn from_named_event<M: MessageView>(msg: &M, name: &str) -> Result<Self, DecodeError> {
        let _ = name;
        Self::from_event(msg)
    }

    /// [`FromEvent::from_named_event`] into a `Box`: what an enum of events
    /// calls for its variants, which hold their events boxed. The default
    /// boxes the decoded value; a derived event struct overrides it to
    /// move its value into the box once, as soon as it is built, instead
    /// of through each `Result` on the way. Only for the derives: not a
    /// stable API.
    #[doc(hidden)]
    fn from_named_event_boxed<M: MessageView>(
        msg: &M,
        name: &str,
    ) -> Result<Box<Self>, DecodeError> {
        Self::from_named_event(msg, name).map(Box::new)
    }

    /// Headers that decoding kept but no field recognised.
    fn unknown_headers<'a>(&'a self, out: &mut Vec<&'a Header>) {
        let _ = out;
    }
}

/// A boxed event decodes as the event does: an enum of events holds each
/// event in a `Box` (`Hangup(Box<HangupEvent>)`), so that the enum stays
/// small to move around.
impl<T: FromEvent> FromEvent for Box<T> {
    fn accepts(name: &str) -> bool {
        T::accepts(name)
    }

    fn accepts_message<M: MessageView>(msg: &M, name: &str) -> bool {
        T::accepts_message(msg, name)
    }

    fn from_event<M: MessageView>(msg: &M) -> Result<Self, DecodeError> {
        T::from_event(msg).map(Box::new)
    }

    fn from_named_event<M: MessageView>(msg: &M, name: &str) -> Result<Self, DecodeError> {
        T::from_named_event_boxed(msg, name)
    }

    fn unknown_headers<'a>(&'a self, out: &mut Vec<&'a Header>) {
        T::unknown_headers(self, out);
    }
}

/// A boxed event encodes as the event does (every variant of an enum of
/// events holds its event boxed).
impl<T: Fields> Fields for Box<T> {
    type Partial = T::Partial;
    const LEAVES_FRAMING: bool = T::LEAVES_FRAMING;

    fn accept(partial: &mut Self::Partial, key: &[u8], header: &RawHeader<'_>) -> Accepted {
        T::accept(partial, key, header)
    }

    fn accept_unknown(partial: &mut Self::Partial, header: &RawHeader<'_>) -> bool {
        T::accept_unknown(partial, header)
    }

    fn finish(partial: &mut Self::Partial, prefix: &str) -> Result<Self, FieldError> {
        T::finish(partial, prefix).map(Box::new)
    }

    fn encode(&self, enc: &mut Encoder<'_>) -> Result<(), EncodeError> {
        T::encode(self, enc)
    }

    fn unknown_headers<'a>(&'a self, out: &mut Vec<&'a Header>) {
        <T as Fields>::unknown_headers(self, out);
    }
}

impl<T: Event> Event for Box<T> {
    const NAME: &'static str = T::NAME;
    const USER_EVENT: Option<&'static str> = T::USER_EVENT;
}

/// Which kind of message a struct is decoded from; decides which framing
/// headers are consumed without a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageRole {
    /// A request: `Action` and `ActionID` are framing.
    Action,
    /// A response: `Response`, `ActionID` and `EventList` are framing.
    Response,
    /// An event: `Event`, `ActionID` and `EventList` are framing.
    Event,
    /// A subtype of `UserEvent`: `UserEvent` is framing too (it names the
    /// subtype, which the struct's type says already).
    UserEvent,
}

impl MessageRole {
    #[inline(always)]
    fn is_framing(self, key: &[u8]) -> bool {
        let is = |lower: &[u8]| key_is(key, lower);
        match self {
            MessageRole::Action => is(b"action") || is(b"actionid"),
            MessageRole::Response => is(b"response") || is(b"actionid") || is(b"eventlist"),
            MessageRole::Event => is(b"event") || is(b"actionid") || is(b"eventlist"),
            MessageRole::UserEvent => {
                is(b"event") || is(b"actionid") || is(b"eventlist") || is(b"userevent")
            }
        }
    }
}

/// Call `f` with `name` in ASCII lowercase, as bytes (the form `match`es of
/// byte-string literals take), without allocating for names of up to 64
/// bytes.
pub fn lowercase_key<R>(name: &str, f: impl FnOnce(&[u8]) -> R) -> R {
    let bytes = name.as_bytes();
    if bytes.len() <= 64 {
        let mut buf = [0u8; 64];
        let buf = &mut buf[..bytes.len()];
        for (dst, src) in buf.iter_mut().zip(bytes) {
            *dst = src.to_ascii_lowercase();
        }
        f(buf)
    } else {
        f(&bytes.to_ascii_lowercase())
    }
}

/// Decode a whole message into `T`: every header is offered to the fields,
/// framing headers of `role` are consumed, and the rest is kept in `T`'s
/// extra field. `context` names the message in errors (`event Hangup`).
pub fn decode_message<T: Fields, M: MessageView>(
    msg: &M,
    role: MessageRole,
    context: impl Fn() -> String,
) -> Result<T, DecodeError> {
    decode_fields(msg, role, &context)
}

/// [`decode_message`] with the context behind a reference: what the
/// runtime's own callers use. Compiled once per struct and message type,
/// it is a shim of a few lines: it makes room on the stack for the decoding
/// state and the value, and hands them, untyped, to [`decode_untyped`],
/// which makes the state, runs the decoding through the struct's
/// [`DecodeOps`] and drops the state, compiled once per message type.
/// Keeping the body out of the generic code is what keeps the crate of
/// generated structs quick to build.
pub(crate) fn decode_fields<T: Fields, M: MessageView>(
    msg: &M,
    role: MessageRole,
    context: &dyn Fn() -> String,
) -> Result<T, DecodeError> {
    let mut partial = MaybeUninit::<T::Partial>::uninit();
    let mut value = MaybeUninit::<T>::uninit();
    // SAFETY: the operations are those of `T` (`ops_of`), `partial` has
    // room for a `T::Partial` and `value` for a `T`, as they require.
    let decoded = unsafe {
        decode_untyped(
            msg,
            role,
            context,
            ops_of::<T>(),
            partial.as_mut_ptr().cast(),
            value.as_mut_ptr().cast(),
        )
    };
    match decoded {
        // SAFETY: `decode_untyped` wrote a `T` into `value` when it
        // returns `Ok`.
        Ok(()) => Ok(unsafe { value.assume_init() }),
        Err(error) => Err(error),
    }
}

/// Check that the `&mut T` that [`Fields::finish_into`] returned is the
/// place it was given, which it then holds initialised (a `&mut T` only
/// ever points at a valid `T`): what lets its callers assume the place
/// initialised without trusting every implementation. A derived or default
/// `finish_into` always returns its place; anything else is a bug of a
/// hand-written one.
#[inline(always)]
pub(crate) fn is_initialised<T>(done: &mut T, place: *const T) {
    if !std::ptr::eq(done, place) {
        finished_elsewhere();
    }
}

/// The panic of [`is_initialised`], out of line: one copy, not one per
/// struct.
#[cold]
#[inline(never)]
fn finished_elsewhere() -> ! {
    panic!("Fields::finish_into returned a value other than the one it was given to build")
}

/// What the decoding loop needs to know of a struct `T` whose type it does
/// not see: its [`Fields`] methods behind untyped pointers, to its decoding
/// state (`*mut T::Partial`) and to the value (`*mut T`), and the layout of
/// `T`. One `static`-like constant per struct ([`ops_of`]), so that the loop
/// and everything around it ([`decode_untyped`]) is compiled once per
/// message type rather than once per struct.
///
/// Made only by `OpsOf::<T>::OPS` (handed out typed, as [`OpsRef`] or
/// [`OpsFor`]): every pointer an operation takes must point to the type
/// named with it, which only holds when all the operations come from the
/// same `T`.
pub(crate) struct DecodeOps {
    /// [`Fields::accept`] on the state.
    accept: unsafe fn(*mut u8, &[u8], &RawHeader<'_>) -> Accepted,
    /// [`Fields::accept_unknown`] on the state.
    accept_unknown: unsafe fn(*mut u8, &RawHeader<'_>) -> bool,
    /// [`Fields::finish_into`] on the state, the value built in place at
    /// the second (uninitialised) pointer on `Ok`.
    finish: unsafe fn(*mut u8, &str, *mut u8) -> Result<(), FieldError>,
    /// Writes a new (`Default`) `T::Partial` to the (uninitialised) place.
    init: unsafe fn(*mut u8),
    /// Drops the `T::Partial` in place.
    drop: unsafe fn(*mut u8),
    /// [`Fields::FINISH_EMPTIES`] of `T`: a successful `finish` leaves
    /// nothing in the state to drop, so the drop is skipped.
    finish_empties: bool,
    /// [`Fields::LEAVES_FRAMING`] of `T`: the framing test runs only on the
    /// headers `accept` leaves.
    leaves_framing: bool,
    /// The layout of `T`, for the box of [`decode_untyped_boxed`].
    layout: Layout,
}

/// The [`DecodeOps`] of `T`.
struct OpsOf<T>(PhantomData<T>);

impl<T: Fields> OpsOf<T> {
    const OPS: DecodeOps = DecodeOps {
        accept: accept_erased::<T>(),
        accept_unknown: accept_unknown_partial::<T>,
        finish: finish_partial::<T>,
        init: init_partial::<T>,
        drop: drop_partial::<T>,
        finish_empties: T::FINISH_EMPTIES,
        leaves_framing: T::LEAVES_FRAMING,
        layout: Layout::new::<T>(),
    };
}

/// The [`DecodeOps`] of `T`: [`Fields::decode_ops`].
#[inline(always)]
pub(crate) fn ops_of<T: Fields>() -> &'static DecodeOps {
    T::decode_ops().0
}

/// The [`DecodeOps`] of `T` ([`Fields::decode_ops`]), typed: made only
/// from `T`'s own operations ([`OpsRef::of`], [`OpsFor::get`]), so that
/// whatever `decode_ops` returns describes `Self` (the decoding loop
/// relies on it to write a `T`). Only for the derives: not a stable API.
#[doc(hidden)]
pub struct OpsRef<T>(&'static DecodeOps, PhantomData<fn() -> T>);

impl<T> Clone for OpsRef<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for OpsRef<T> {}

impl<T: Fields> OpsRef<T> {
    /// The operations of `T`, a constant promoted to a `static` where this
    /// is called.
    #[inline(always)]
    pub fn of() -> Self {
        OpsRef(&OpsOf::<T>::OPS, PhantomData)
    }
}

/// The [`DecodeOps`] of `T` as the value of a `static` (what a derive
/// declares, in the crate of `T`). Only for the derives: not a stable API.
#[doc(hidden)]
pub struct OpsFor<T>(DecodeOps, PhantomData<fn() -> T>);

impl<T: Fields> OpsFor<T> {
    /// The operations of `T`.
    pub const NEW: Self = OpsFor(OpsOf::<T>::OPS, PhantomData);

    /// A reference to these operations, from their `static`.
    #[inline(always)]
    pub fn get(&'static self) -> OpsRef<T> {
        OpsRef(&self.0, PhantomData)
    }
}

/// The untyped [`Fields::accept`] of [`DecodeOps`]: `T::accept` itself,
/// called with a `*mut u8` where it takes a `&mut T::Partial` (a shim that
/// cast the pointer was a jump more per header decoded).
///
/// The pointer so made may only be called with a `partial` that points to
/// an initialised `T::Partial`, not otherwise borrowed for the call (what
/// [`feed_headers`] guarantees): the callee then holds a valid `&mut`.
const fn accept_erased<T: Fields>() -> unsafe fn(*mut u8, &[u8], &RawHeader<'_>) -> Accepted {
    let typed: fn(&mut T::Partial, &[u8], &RawHeader<'_>) -> Accepted = T::accept;
    // SAFETY: the two function pointer types differ only in the first
    // parameter, `&mut T::Partial` against `*mut u8`: references and raw
    // pointers to sized types are ABI-compatible with each other whatever
    // they point to (the `fn` primitive's documentation, "ABI
    // compatibility"), and a safe `fn` may be called as an `unsafe fn`.
    // So calling the result calls `T::accept` with the pointer as the
    // reference, valid under the contract above.
    unsafe {
        std::mem::transmute::<
            fn(&mut T::Partial, &[u8], &RawHeader<'_>) -> Accepted,
            unsafe fn(*mut u8, &[u8], &RawHeader<'_>) -> Accepted,
        >(typed)
    }
}

/// # Safety
/// `partial` points to an initialised `T::Partial`, not otherwise borrowed.
unsafe fn accept_unknown_partial<T: Fields>(partial: *mut u8, header: &RawHeader<'_>) -> bool {
    T::accept_unknown(&mut *partial.cast::<T::Partial>(), header)
}

/// # Safety
/// `partial` is valid for writes of a `T::Partial` and holds nothing to
/// drop (it is overwritten).
unsafe fn init_partial<T: Fields>(partial: *mut u8) {
    partial.cast::<T::Partial>().write(T::Partial::default());
}

/// # Safety
/// As [`accept_unknown_partial`]; the state is not used again.
unsafe fn drop_partial<T: Fields>(partial: *mut u8) {
    std::ptr::drop_in_place(partial.cast::<T::Partial>());
}

/// # Safety
/// As [`accept_unknown_partial`]; `value` is valid for writes of a `T`, which
/// holds a `T` on `Ok` and nothing to drop on `Err`.
pub(crate) unsafe fn finish_partial<T: Fields>(
    partial: *mut u8,
    prefix: &str,
    value: *mut u8,
) -> Result<(), FieldError> {
    let out = &mut *value.cast::<MaybeUninit<T>>();
    let place = out.as_ptr();
    match T::finish_into(&mut *partial.cast::<T::Partial>(), prefix, out) {
        Ok(done) => {
            is_initialised(done, place);
            Ok(())
        }
        Err(error) => Err(error),
    }
}

/// Decode `msg` into a value of the struct that `ops` describes, written to
/// `value`: a decoding state is made at `partial`, fed every header,
/// finished, then dropped (unless finishing emptied it,
/// [`Fields::FINISH_EMPTIES`]), on every path, unwinding included. On
/// `Err`, nothing was written to `value`.
///
/// # Safety
/// `ops` is `ops_of::<T>()` for some `T`, `partial` is valid for writes of
/// a `T::Partial` and `value` of a `T` (both suitably aligned); neither is
/// otherwise borrowed. Nothing in either is dropped (both are overwritten),
/// and `partial` holds nothing to drop on return.
#[inline(never)]
pub(crate) unsafe fn decode_untyped<M: MessageView>(
    msg: &M,
    role: MessageRole,
    context: &dyn Fn() -> String,
    ops: &DecodeOps,
    partial: *mut u8,
    value: *mut u8,
) -> Result<(), DecodeError> {
    // Drops the state when it goes out of scope, unless forgotten.
    struct State<'a>(&'a DecodeOps, *mut u8);
    impl Drop for State<'_> {
        fn drop(&mut self) {
            // SAFETY: the state was made at `self.1` with the operations
            // of its struct (`self.0`) just below, and is not used again.
            unsafe { (self.0.drop)(self.1) }
        }
    }
    (ops.init)(partial);
    let state = State(ops, partial);
    if let Err(error) = feed_headers(msg, role, ops, partial) {
        return Err(field_error(context, *error));
    }
    match (ops.finish)(partial, "", value) {
        Ok(()) => {
            if ops.finish_empties {
                // Nothing left to drop: the drop would only test each slot.
                // Forgetting never is unsound; at worst (a wrong
                // `FINISH_EMPTIES`) it leaks.
                std::mem::forget(state);
            }
            Ok(())
        }
        Err(error) => Err(field_error(context, error)),
    }
}

/// [`decode_untyped`] into a new allocation of the layout of `ops`' struct:
/// on `Ok`, the pointer to it, holding the value (what a `Box` of it
/// holds). Allocating the box before `finish` runs lets `finish` write the
/// value straight into it.
///
/// # Safety
/// As [`decode_untyped`], with no `value`.
#[inline]
pub(crate) unsafe fn decode_untyped_boxed<M: MessageView>(
    msg: &M,
    role: MessageRole,
    context: &dyn Fn() -> String,
    ops: &DecodeOps,
    partial: *mut u8,
) -> Result<*mut u8, DecodeError> {
    let layout = ops.layout;
    let ptr = if layout.size() == 0 {
        // What `Box` holds for a zero-sized value: a dangling, aligned
        // pointer (the derives make no such struct, but a hand-written
        // `Fields` may).
        layout.align() as *mut u8
    } else {
        let ptr = std::alloc::alloc(layout);
        if ptr.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        ptr
    };
    // Frees the allocation unless the value was written to it.
    struct Allocation(*mut u8, Layout);
    impl Drop for Allocation {
        fn drop(&mut self) {
            if self.1.size() != 0 {
                // SAFETY: allocated above with this layout, and not handed
                // out (the guard is forgotten once it is).
                unsafe { std::alloc::dealloc(self.0, self.1) }
            }
        }
    }
    let allocation = Allocation(ptr, layout);
    decode_untyped(msg, role, context, ops, partial, ptr)?;
    std::mem::forget(allocation);
    Ok(ptr)
}

/// Offer every header of `msg` but the framing headers of `role` to the
/// decoding state `partial` of the struct that `ops` describes, in wire
/// order. Compiled once per message type, with [`decode_untyped`].
///
/// For a struct whose fields leave every framing name
/// ([`Fields::LEAVES_FRAMING`]), each header goes to `accept` first and
/// only the headers it leaves are tested for the framing names (a header
/// in ~50 of a typed event's is one), except the first header, the
/// message's `Event`, `Response` or `Action` as a rule, which is tested
/// first: that test costs less than offering it. The outcome is the same
/// either way: such a struct leaves a framing header, which is then
/// consumed rather than kept.
///
/// # Safety
/// `ops` is `ops_of::<T>()` and `partial` an initialised `T::Partial`, not
/// otherwise borrowed.
#[inline(always)]
unsafe fn feed_headers<M: MessageView>(
    msg: &M,
    role: MessageRole,
    ops: &DecodeOps,
    partial: *mut u8,
) -> Result<(), Box<FieldError>> {
    let mut headers = msg.raw_headers();
    if ops.leaves_framing {
        if let Some(first) = headers.next() {
            let key = first.name.as_bytes();
            if !role.is_framing(key) {
                offer_left_framing(role, ops, partial, key, &first)?;
            }
        }
        for header in headers {
            offer_left_framing(role, ops, partial, header.name.as_bytes(), &header)?;
        }
        return Ok(());
    }
    for header in headers {
        let key = header.name.as_bytes();
        if role.is_framing(key) {
            continue;
        }
        match (ops.accept)(partial, key, &header) {
            Accepted::Taken => {}
            // Structs without an extra field drop nothing silently: the
            // derive requires one on every top-level message struct.
            Accepted::Left => {
                (ops.accept_unknown)(partial, &header);
            }
            Accepted::Refused(error) => return Err(error),
        }
    }
    Ok(())
}

/// One header of [`feed_headers`] for a struct whose fields leave the
/// framing names: offered, then, if left, consumed when it is a framing
/// header of `role` and kept among the unknown headers otherwise.
///
/// # Safety
/// As [`feed_headers`].
#[inline(always)]
unsafe fn offer_left_framing(
    role: MessageRole,
    ops: &DecodeOps,
    partial: *mut u8,
    key: &[u8],
    header: &RawHeader<'_>,
) -> Result<(), Box<FieldError>> {
    match (ops.accept)(partial, key, header) {
        Accepted::Taken => {}
        Accepted::Left => {
            if !role.is_framing(key) {
                (ops.accept_unknown)(partial, header);
            }
        }
        Accepted::Refused(error) => return Err(error),
    }
    Ok(())
}

#[cold]
fn field_error(context: &dyn Fn() -> String, error: FieldError) -> DecodeError {
    DecodeError::field(context(), error)
}

/// A context for errors, `"{what} {name}"` (`event Hangup`), built only
/// when an error needs it. One closure type for every struct, so that
/// [`decode_fields`] takes no closure of its own per struct.
pub(crate) fn named_context<'a>(what: &'a str, name: &'a str) -> impl Fn() -> String + 'a {
    move || format!("{what} {name}")
}

/// How the index of an indexed header is spelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexStyle {
    /// `Name-000000`: a dash and six decimal digits (UpdateConfig, GetConfig).
    Dash6,
    /// `Name(0)`: the index in parentheses (AOCMessage `UnitAmount(0)`).
    Paren,
}

/// Split an indexed key into `(name, index, rest)`: `line-000002-000001`
/// gives `("line", 2, "-000001")`, `unitamount(1)` gives `("unitamount", 1, "")`.
/// Returns `None` when `key` carries no index of that style.
pub fn split_index(key: &[u8], style: IndexStyle) -> Option<(&[u8], u32, &[u8])> {
    match style {
        IndexStyle::Dash6 => {
            let mut from = 0;
            while let Some(pos) = memchr::memchr(b'-', &key[from..]).map(|p| p + from) {
                let digits = key.get(pos + 1..pos + 7)?;
                if pos > 0 && digits.iter().all(u8::is_ascii_digit) {
                    return Some((&key[..pos], parse_index(digits)?, &key[pos + 7..]));
                }
                from = pos + 1;
            }
            None
        }
        IndexStyle::Paren => {
            let open = memchr::memchr(b'(', key)?;
            let close = open + memchr::memchr(b')', &key[open..])?;
            let index = parse_index(&key[open + 1..close])?;
            (open > 0).then(|| (&key[..open], index, &key[close + 1..]))
        }
    }
}

/// A `u32` written in ASCII, as `str::parse` reads it (an optional `+`,
/// decimal digits, no overflow).
fn parse_index(digits: &[u8]) -> Option<u32> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// What [`is_valid_header_name`] accepts, in words (for error messages).
pub(crate) const HEADER_NAME_RULE: &str =
    "a header name: not empty, no ':', space or control character";

/// Whether `name` may be sent as a header name: not empty, and no `:`,
/// space or ASCII control character (CR, LF, NUL, tab, DEL...), which would
/// end the name early, inject a header or be cut short by Asterisk.
///
/// ```
/// use ami_runtime::wire::is_valid_header_name;
///
/// assert!(is_valid_header_name("Variable"));
/// assert!(!is_valid_header_name("Bad Name"));
/// assert!(!is_valid_header_name("X\0Y"));
/// assert!(!is_valid_header_name(""));
/// ```
pub fn is_valid_header_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .bytes()
            .any(|b| b == b':' || b == b' ' || b.is_ascii_control())
}

/// Whether `bytes` holds a CR, LF or NUL, the bytes that would end a
/// header early (and so inject another) or cut it short.
///
/// Header values are short, so this reads them 8 bytes at a time in
/// plain `u64`s (the last word overlapping the one before it) rather than
/// setting up a SIMD search, which only pays for long values.
#[inline(always)]
pub(crate) fn has_line_break(bytes: &[u8]) -> bool {
    if bytes.len() > 64 {
        return memchr::memchr3(b'\r', b'\n', b'\0', bytes).is_some();
    }
    any_word(bytes, word_has_line_break)
}

/// Whether `test` holds for a word of `bytes`, read as `u64`s of 8 bytes
/// (the last overlapping the one before it), 4 + 4 bytes, or for up to 3
/// bytes the first, the middle and the last byte then the last again up to
/// 8: every byte is in some word, and each word holds only bytes of
/// `bytes`. For a `test` that looks for some byte value in a word.
#[inline(always)]
fn any_word(bytes: &[u8], test: impl Fn(u64) -> bool) -> bool {
    let len = bytes.len();
    let word = |at: usize| {
        let mut word = [0; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(word)
    };
    let half = |at: usize| {
        let mut half = [0; 4];
        half.copy_from_slice(&bytes[at..at + 4]);
        u64::from(u32::from_le_bytes(half))
    };
    if len >= 8 {
        let mut at = 0;
        while at + 8 < len {
            if test(word(at)) {
                return true;
            }
            at += 8;
        }
        test(word(len - 8))
    } else if len >= 4 {
        test(half(0) | half(len - 4) << 32)
    } else if len > 0 {
        let (first, middle, last) = (bytes[0], bytes[len / 2], bytes[len - 1]);
        test(short_word(first, middle, last))
    } else {
        false
    }
}

/// The position of the first `needle` in `bytes`, for short text such as
/// a header value (a channel variable's `=`). On x86-64, 16 bytes at a
/// time with SSE2 (part of every x86-64), the last 16 overlapping the ones
/// before, with no set-up; shorter text through `memchr`'s SSE2 search
/// called directly. `memchr::memchr` first picks the best search of the
/// CPU it runs on through a function pointer, a set-up that costs as much
/// as the search itself on values of a few dozen bytes.
#[inline(always)]
pub(crate) fn find_byte(needle: u8, bytes: &[u8]) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if bytes.len() >= 16 {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
        };
        let mask_at = |at: usize| {
            let chunk: &[u8; 16] = bytes[at..at + 16].try_into().expect("16 bytes");
            // SAFETY: the build enables SSE2 (the `cfg` above), so its
            // intrinsics may be called; `chunk` is 16 readable bytes, what
            // `_mm_loadu_si128` reads, with no alignment required.
            unsafe {
                let word = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
                _mm_movemask_epi8(_mm_cmpeq_epi8(word, _mm_set1_epi8(needle as i8))) as u32
            }
        };
        let last = bytes.len() - 16;
        let mut at = 0;
        loop {
            let mask = mask_at(at);
            if mask != 0 {
                return Some(at + mask.trailing_zeros() as usize);
            }
            if at == last {
                return None;
            }
            at = (at + 16).min(last);
        }
    }
    #[cfg(target_arch = "x86_64")]
    if let Some(finder) = memchr::arch::x86_64::sse2::memchr::One::new(needle) {
        return finder.find(bytes);
    }
    memchr::memchr(needle, bytes)
}

/// The word [`any_word`] reads for up to 3 bytes: the first, the middle,
/// then the last one repeated (never a byte that is not in them).
#[inline(always)]
fn short_word(first: u8, middle: u8, last: u8) -> u64 {
    ((u64::from(last) * ONES) & !0xffff) | (u64::from(middle) << 8) | u64::from(first)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Whether a byte of `word` is zero: exactly when `(b - 1) & !b` has its
/// top bit set (with borrows between the bytes, which never hide the first
/// zero byte).
#[inline(always)]
fn word_has_zero(word: u64) -> bool {
    zero_bytes(word) != 0
}

/// The top bit of each byte of `word` that is zero, and maybe of some
/// bytes after the first zero one: nonzero exactly when a byte is zero.
#[inline(always)]
fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & HIGH
}

/// Whether a byte of `word` is CR, LF or NUL. CR and LF are found as zero
/// bytes ([`word_has_zero`]) of `word` XOR a word of CRs, or of LFs. All
/// three are below 14, so one such test against 14 rules out most words
/// first (it is exact too: a byte below 14 sets its top bit in
/// `word - 14 * ONES`, borrow or not, and no byte of 128 or more does,
/// since `!word` clears it).
#[inline(always)]
fn word_has_line_break(word: u64) -> bool {
    if below_14(word) == 0 {
        return false;
    }
    zero_bytes(word)
        | zero_bytes(word ^ (u64::from(b'\r') * ONES))
        | zero_bytes(word ^ (u64::from(b'\n') * ONES))
        != 0
}

/// Whether a text value counts as blank (`trim()` leaves nothing), with a
/// shortcut for the usual case: a first byte that is ASCII and above the
/// space is no whitespace, so the text is not blank.
#[inline]
pub(crate) fn is_blank_text(text: &str) -> bool {
    match text.as_bytes().first() {
        Some(&b) if b > b' ' && b.is_ascii() => false,
        _ => text.trim().is_empty(),
    }
}

/// The decimal digits of `n` when it is below 1000, from a table (no
/// division, no call): what `itoa` writes for it.
#[inline(always)]
fn small_number(n: u64) -> Option<&'static [u8]> {
    if n >= 1000 {
        return None;
    }
    let n = n as usize;
    // Each number has three digits in the table, with leading zeros.
    let skip = usize::from(n < 100) + usize::from(n < 10);
    SMALL_NUMBERS.get(3 * n + skip..3 * n + 3)
}

/// The decimal digits of `n` when it is at least 1000 and below a million
/// (timeouts in milliseconds, mostly), written into `digits` from two
/// entries of the table of [`small_number`]: what `itoa` writes for it.
#[inline(always)]
fn medium_number(n: u64, digits: &mut [u8; 6]) -> Option<&[u8]> {
    if !(1000..1_000_000).contains(&n) {
        return None;
    }
    let (high, low) = ((n / 1000) as usize, (n % 1000) as usize);
    digits[..3].copy_from_slice(&SMALL_NUMBERS[3 * high..3 * high + 3]);
    digits[3..].copy_from_slice(&SMALL_NUMBERS[3 * low..3 * low + 3]);
    // `high` is 1..=999: its leading zeros go.
    let skip = usize::from(high < 100) + usize::from(high < 10);
    digits.get(skip..)
}

/// Append `head`, the decimal digits of `n` (what `itoa` writes) and CR
/// LF to `out`: from the table below a million, else by `itoa`.
#[inline(always)]
fn append_number_line(out: &mut Vec<u8>, head: &[u8], n: u64) {
    if let Some(digits) = small_number(n) {
        return append_line(out, head, digits);
    }
    let mut six = [0; 6];
    if let Some(digits) = medium_number(n, &mut six) {
        return append_line(out, head, digits);
    }
    let mut digits = itoa::Buffer::new();
    append_line(out, head, digits.format(n).as_bytes());
}

/// `000`, `001`, ... `999`, one after the other.
static SMALL_NUMBERS: [u8; 3000] = {
    let mut digits = [0; 3000];
    let mut n = 0;
    while n < 1000 {
        digits[3 * n] = b'0' + (n / 100) as u8;
        digits[3 * n + 1] = b'0' + (n / 10 % 10) as u8;
        digits[3 * n + 2] = b'0' + (n % 10) as u8;
        n += 1;
    }
    digits
};

/// Append `head`, `text` and CR LF to `out` with one capacity check: the
/// bytes of one header, in the usual case.
#[inline(always)]
fn append_line(out: &mut Vec<u8>, head: &[u8], text: &[u8]) {
    let total = head.len() + text.len() + 2;
    out.reserve(total);
    let len = out.len();
    // SAFETY: `reserve` made room for `total` bytes past `len`, and the
    // three copies fill exactly that range: `head` at `len`, `text` right
    // after it, CR LF last. Every byte up to `len + total` is then
    // initialised, so the length may be set there.
    unsafe {
        let dst = out.as_mut_ptr().add(len);
        copy_short(head, dst);
        copy_short(text, dst.add(head.len()));
        dst.add(head.len() + text.len())
            .cast::<[u8; 2]>()
            .write_unaligned(*b"\r\n");
        out.set_len(len + total);
    }
}

/// [`append_line`] for a text value, checking it for CR, LF and NUL while
/// copying it (one pass over its bytes for both): `false`, with `out` as it
/// was, when it holds one.
#[inline(always)]
fn append_text_line(out: &mut Vec<u8>, head: &[u8], text: &[u8]) -> bool {
    let total = head.len() + text.len() + 2;
    out.reserve(total);
    let len = out.len();
    // SAFETY: `reserve` made room for `total` bytes past `len`, and the
    // copies fill exactly that range: `head` at `len`, `text` right after
    // it, CR LF last. Every byte up to `len + total` is then initialised,
    // so the length may be set there; when the text is refused the length
    // stays `len`, and the bytes written past it are spare capacity.
    unsafe {
        let dst = out.as_mut_ptr().add(len);
        copy_short(head, dst);
        if copy_and_test(
            text,
            dst.add(head.len()),
            below_14,
            is_below_14,
            line_break_in,
        ) {
            return false;
        }
        dst.add(head.len() + text.len())
            .cast::<[u8; 2]>()
            .write_unaligned(*b"\r\n");
        out.set_len(len + total);
    }
    true
}

/// The bytes between an action's name and its `ActionID`'s value.
pub(crate) const ACTION_ID: &[u8] = b"\r\nActionID: ";

/// Append `parts`, `id` and CR LF to `out` with one capacity check, `id`
/// checked for CR, LF and NUL while it is copied: the first two lines of
/// an action, `parts` being `Action: `, the name and [`ACTION_ID`], or all
/// three joined beforehand ([`MessageInfo`]). `false`, with `out` as it
/// was, when `id` holds one of them.
#[inline(always)]
fn append_parts_and_id<const N: usize>(out: &mut Vec<u8>, parts: [&[u8]; N], id: &[u8]) -> bool {
    let total = parts.iter().map(|part| part.len()).sum::<usize>() + id.len() + 2;
    out.reserve(total);
    let len = out.len();
    // SAFETY: `reserve` made room for `total` bytes past `len`, and the
    // copies fill exactly that range, in order: the parts, `id`, CR LF.
    // Every byte up to `len + total` is then initialised; when `id` is
    // refused the length stays `len`, and the bytes written past it are
    // spare capacity.
    unsafe {
        let mut dst = out.as_mut_ptr().add(len);
        for part in parts {
            copy_short(part, dst);
            dst = dst.add(part.len());
        }
        if copy_and_test(id, dst, below_14, is_below_14, line_break_in) {
            return false;
        }
        dst.add(id.len())
            .cast::<[u8; 2]>()
            .write_unaligned(*b"\r\n");
        out.set_len(len + total);
    }
    true
}

/// Copy `src` to `dst`, as [`copy_short`] does, and say whether `exact`
/// holds for it: a search for a few byte values (CR, LF, NUL...).
///
/// The words the copy loads (as [`any_word`] reads them) are tested on
/// the way by `suspect`, which gives a mask that is nonzero whenever a
/// word may hold one of those bytes (and sometimes when it does not: a
/// tab is below 14, as CR, LF and NUL are). The masks of all the words are
/// or-ed, with no branch per word; only when the result is nonzero, which
/// is rare, does `exact` read `src` again, out of line. Values over 64
/// bytes are copied by `memcpy`, then read by `exact` alone. One to three
/// bytes (an `ActionID` of a digit, a short variable) are tested one by
/// one with `suspect_byte`, which says the same of a byte as `suspect` of
/// a word: three compares, where building a word of them took more.
///
/// # Safety
///
/// As for [`copy_short`]: `dst` must be valid for writes of `src.len()`
/// bytes, and not overlap `src`.
#[inline(always)]
unsafe fn copy_and_test(
    src: &[u8],
    dst: *mut u8,
    suspect: impl Fn(u64) -> u64,
    suspect_byte: impl Fn(u8) -> bool,
    exact: fn(&[u8]) -> bool,
) -> bool {
    let n = src.len();
    // Each 8-byte word of `src` at `at` (`at + 8 <= n`), stored at `dst + at`.
    let word = |at: usize| {
        let mut word = [0; 8];
        word.copy_from_slice(&src[at..at + 8]);
        // SAFETY: `at + 8 <= n`, and the caller guarantees `n` writable
        // bytes at `dst`.
        unsafe { dst.add(at).cast::<[u8; 8]>().write_unaligned(word) };
        u64::from_le_bytes(word)
    };
    let half = |at: usize| {
        let mut half = [0; 4];
        half.copy_from_slice(&src[at..at + 4]);
        // SAFETY: as for `word`, with `at + 4 <= n`.
        unsafe { dst.add(at).cast::<[u8; 4]>().write_unaligned(half) };
        u64::from(u32::from_le_bytes(half))
    };
    let mask = if n >= 8 {
        if n <= 16 {
            suspect(word(0)) | suspect(word(n - 8))
        } else if n <= 32 {
            suspect(word(0)) | suspect(word(8)) | suspect(word(n - 16)) | suspect(word(n - 8))
        } else if n <= 64 {
            let mut mask = 0;
            let mut at = 0;
            while at + 8 < n {
                mask |= suspect(word(at));
                at += 8;
            }
            mask | suspect(word(n - 8))
        } else {
            // SAFETY: the caller's guarantee, for the `n` bytes of `src`.
            unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst, n) };
            return exact(src);
        }
    } else if n >= 4 {
        let low = half(0);
        suspect(low | half(n - 4) << 32)
    } else if n > 0 {
        let (first, middle, last) = (src[0], src[n / 2], src[n - 1]);
        // SAFETY: `n / 2` and `n - 1` are below `n`, the bytes writable
        // at `dst`.
        unsafe {
            *dst = first;
            *dst.add(n / 2) = middle;
            *dst.add(n - 1) = last;
        }
        u64::from(suspect_byte(first) | suspect_byte(middle) | suspect_byte(last))
    } else {
        0
    };
    mask != 0 && exact(src)
}

/// The top bit of each byte of `word` below 14 (CR, LF and NUL are), and
/// maybe of some bytes after the first such byte: nonzero exactly when a
/// byte is below 14 (see [`word_has_line_break`]). What
/// [`copy_and_test`] takes as `suspect` for a value.
#[inline(always)]
fn below_14(word: u64) -> u64 {
    word.wrapping_sub(14 * ONES) & !word & HIGH
}

/// Whether `byte` is below 14: [`below_14`] of one byte, the
/// `suspect_byte` of [`copy_and_test`] for a value.
#[inline(always)]
fn is_below_14(byte: u8) -> bool {
    byte < 14
}

/// Whether `byte` is below 14 or `=`: [`below_14_or_equals`] of one byte.
#[inline(always)]
fn is_below_14_or_equals(byte: u8) -> bool {
    byte < 14 || byte == b'='
}

/// [`below_14`], or a byte is `=`: `suspect` for a variable's name.
#[inline(always)]
fn below_14_or_equals(word: u64) -> u64 {
    below_14(word) | zero_bytes(word ^ (u64::from(b'=') * ONES))
}

/// [`has_line_break`], out of line: `exact` for a value.
#[cold]
#[inline(never)]
fn line_break_in(bytes: &[u8]) -> bool {
    has_line_break(bytes)
}

/// Whether a byte of a variable's name is `=`, CR, LF or NUL, out of
/// line: `exact` for a name, and the whole test of a name too long for
/// [`any_word`].
#[cold]
#[inline(never)]
fn var_stop_in(name: &[u8]) -> bool {
    name.iter()
        .any(|&b| matches!(b, b'=' | b'\r' | b'\n' | b'\0'))
}

/// Whether the parts of a [`Var`] may be sent as they are: what
/// [`WireValue::check_wire`] of `Var` asks (a name, holding no `=`), and no
/// CR, LF or NUL in either part. Names are short: they are read a word at
/// a time, as [`has_line_break`] reads values, looking for all four bytes
/// at once (a call to `memchr` cost more, a byte loop four instructions a
/// byte).
#[inline(always)]
fn is_clean_var(name: &str, value: &str) -> bool {
    let name = name.as_bytes();
    let stops = if name.len() > 64 {
        var_stop_in(name)
    } else {
        any_word(name, word_has_var_stop)
    };
    !name.is_empty() && !stops && !has_line_break(value.as_bytes())
}

/// Whether a byte of `word` is `=`, CR, LF or NUL (see
/// [`word_has_line_break`]).
#[inline(always)]
fn word_has_var_stop(word: u64) -> bool {
    word_has_line_break(word) | word_has_zero(word ^ (u64::from(b'=') * ONES))
}

/// Append `head`, `name`, `=`, `value` and CR LF to `out` with one capacity
/// check: a header whose value is a [`Var`], the parts checked while they
/// are copied ([`copy_and_test`]). `false`, with `out` as it was, when the
/// parts may not be sent as they are ([`is_clean_var`]).
#[inline(always)]
fn append_var_line(out: &mut Vec<u8>, head: &[u8], name: &[u8], value: &[u8]) -> bool {
    let total = head.len() + name.len() + 1 + value.len() + 2;
    out.reserve(total);
    let len = out.len();
    // SAFETY: `reserve` made room for `total` bytes past `len`, and the
    // copies fill exactly that range, in order: `head`, `name`, `=`,
    // `value`, CR LF. Every byte up to `len + total` is then initialised;
    // when the parts are refused the length stays `len`, and the bytes
    // written past it are spare capacity.
    unsafe {
        let mut dst = out.as_mut_ptr().add(len);
        copy_short(head, dst);
        dst = dst.add(head.len());
        let bad_name = name.is_empty()
            | copy_and_test(
                name,
                dst,
                below_14_or_equals,
                is_below_14_or_equals,
                var_stop_in,
            );
        dst = dst.add(name.len());
        dst.write(b'=');
        dst = dst.add(1);
        if bad_name | copy_and_test(value, dst, below_14, is_below_14, line_break_in) {
            return false;
        }
        dst.add(value.len())
            .cast::<[u8; 2]>()
            .write_unaligned(*b"\r\n");
        out.set_len(len + total);
    }
    true
}

/// Append `bytes` to `out` (what `extend_from_slice` does, but short
/// slices are copied inline rather than through a call to `memcpy`).
#[inline(always)]
pub(crate) fn append(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len());
    let len = out.len();
    // SAFETY: `reserve` made room for `bytes.len()` bytes past `len`, which
    // the copy fills.
    unsafe {
        copy_short(bytes, out.as_mut_ptr().add(len));
        out.set_len(len + bytes.len());
    }
}

/// Copy `src` to `dst`. Header names and values are mostly under 32
/// bytes: those are copied with two overlapping loads and stores of a
/// fixed size (a few instructions), where `memcpy` would cost a call and
/// its own dispatch on the length for each piece of each header.
///
/// # Safety
///
/// `dst` must be valid for writes of `src.len()` bytes, and not overlap
/// `src`.
#[inline(always)]
unsafe fn copy_short(src: &[u8], dst: *mut u8) {
    let n = src.len();
    let s = src.as_ptr();
    // SAFETY (every branch): each copy reads and writes `WIDTH` bytes at
    // offset 0 or `n - WIDTH`, which lie within the `n` bytes of `src` and
    // `dst` since `n >= WIDTH` in that branch; the caller guarantees that
    // `dst` holds `n` writable bytes apart from `src`.
    unsafe {
        if n >= 16 {
            if n > 32 {
                std::ptr::copy_nonoverlapping(s, dst, n);
            } else {
                std::ptr::copy_nonoverlapping(s, dst, 16);
                std::ptr::copy_nonoverlapping(s.add(n - 16), dst.add(n - 16), 16);
            }
        } else if n >= 8 {
            std::ptr::copy_nonoverlapping(s, dst, 8);
            std::ptr::copy_nonoverlapping(s.add(n - 8), dst.add(n - 8), 8);
        } else if n >= 4 {
            std::ptr::copy_nonoverlapping(s, dst, 4);
            std::ptr::copy_nonoverlapping(s.add(n - 4), dst.add(n - 4), 4);
        } else if n > 0 {
            // One, two or three bytes: the first, the middle and the last.
            *dst = *s;
            *dst.add(n / 2) = *s.add(n / 2);
            *dst.add(n - 1) = *s.add(n - 1);
        }
    }
}

/// Writes the headers of one action into a byte buffer, refusing CR/LF/NUL,
/// blank required parameters and values that may not be sent.
///
/// Use [`encode_action`]: it rolls the buffer back when any field is refused,
/// so a refused action produces no byte at all.
pub struct Encoder<'a> {
    out: &'a mut Vec<u8>,
    action: &'static str,
    /// The prefixes of the groups being written, innermost first (`None`
    /// outside any group): each group writes through an encoder of its own
    /// whose list adds its prefix to the enclosing one's, so that nesting
    /// groups allocates nothing.
    prefix: Option<&'a Prefix<'a>>,
    index: Option<(IndexStyle, u32)>,
}

/// One link of the list of group prefixes of an [`Encoder`]: a prefix and
/// the prefixes around it, kept on the call stack by `Encoder::group`.
struct Prefix<'p> {
    outer: Option<&'p Prefix<'p>>,
    text: &'p str,
}

/// Append the prefixes of `prefix`, outermost first.
fn write_prefix(out: &mut Vec<u8>, prefix: Option<&Prefix<'_>>) {
    if let Some(prefix) = prefix {
        write_prefix(out, prefix.outer);
        out.extend_from_slice(prefix.text.as_bytes());
    }
}

/// A header name as the encoder receives it: from a derive, already
/// followed by `": "` and known to be valid (the derive checks its
/// literals); from a caller of the public methods, bare and unchecked.
#[derive(Clone, Copy)]
pub(crate) enum Name<'n> {
    /// `"Channel: "`: the name, then `": "`.
    Joined(&'n str),
    /// `"Channel"`.
    Bare(&'n str),
}

impl<'n> Name<'n> {
    /// The name alone.
    fn bare(self) -> &'n str {
        match self {
            Name::Joined(head) => &head[..head.len() - 2],
            Name::Bare(name) => name,
        }
    }
}

impl<'a> Encoder<'a> {
    /// An encoder appending to `out` on behalf of `action` (named in errors).
    pub fn new(out: &'a mut Vec<u8>, action: &'static str) -> Self {
        Encoder {
            out,
            action,
            prefix: None,
            index: None,
        }
    }

    /// The action this encoder writes.
    pub fn action(&self) -> &'static str {
        self.action
    }

    /// An error of this action.
    pub fn error(&self, kind: EncodeErrorKind) -> EncodeError {
        EncodeError::new(self.action, kind)
    }

    /// Write the name of a header and `": "`; returns where it starts.
    #[inline]
    fn write_name(&mut self, name: Name<'_>, own_index: Option<(IndexStyle, u32)>) -> usize {
        let start = self.out.len();
        if let Name::Joined(head) = name {
            if self.is_plain(own_index) {
                // The usual case: a plain name, one copy.
                append(self.out, head.as_bytes());
                return start;
            }
        }
        self.write_decorated_name(name.bare(), own_index);
        start
    }

    /// Whether a name is written as is: no group prefix, no index.
    #[inline(always)]
    fn is_plain(&self, own_index: Option<(IndexStyle, u32)>) -> bool {
        self.prefix.is_none() && self.index.is_none() && own_index.is_none()
    }

    /// [`Encoder::write_name`] with a group prefix or an index.
    fn write_decorated_name(&mut self, name: &str, own_index: Option<(IndexStyle, u32)>) {
        write_prefix(self.out, self.prefix);
        self.out.extend_from_slice(name.as_bytes());
        for (style, i) in self.index.into_iter().chain(own_index) {
            let mut digits = itoa::Buffer::new();
            let digits = digits.format(i);
            match style {
                IndexStyle::Dash6 => {
                    self.out.push(b'-');
                    for _ in digits.len()..6 {
                        self.out.push(b'0');
                    }
                    self.out.extend_from_slice(digits.as_bytes());
                }
                IndexStyle::Paren => {
                    self.out.push(b'(');
                    self.out.extend_from_slice(digits.as_bytes());
                    self.out.push(b')');
                }
            }
        }
        self.out.extend_from_slice(b": ");
    }

    fn full_name(&self, start: usize) -> String {
        let end = self.out[start..]
            .iter()
            .position(|&b| b == b':')
            .map_or(self.out.len(), |p| start + p);
        String::from_utf8_lossy(&self.out[start..end]).into_owned()
    }

    /// Write one header. Not generic: the value comes as a [`ValueRef`],
    /// text or a `dyn`, so that this body is compiled once, not once per
    /// value type. Text (most parameters) is checked and copied here with
    /// no virtual call; other values are checked and written by one
    /// virtual call, then their bytes are checked for line breaks.
    pub(crate) fn put(
        &mut self,
        name: Name<'_>,
        index: Option<(IndexStyle, u32)>,
        value: ValueRef<'_>,
        required: bool,
    ) -> Result<(), EncodeError> {
        match value {
            ValueRef::Text(text) => {
                if (required && is_blank_text(text)) || has_line_break(text.as_bytes()) {
                    return Err(self.refused_text(name, index, text, required));
                }
                match name {
                    Name::Joined(head) if self.is_plain(index) => {
                        append_line(self.out, head.as_bytes(), text.as_bytes());
                        return Ok(());
                    }
                    _ => {
                        self.write_name(name, index);
                        append(self.out, text.as_bytes());
                    }
                }
            }
            ValueRef::Int(n) => {
                self.write_name(name, index);
                append(self.out, itoa::Buffer::new().format(n).as_bytes());
            }
            ValueRef::UInt(n) => {
                self.write_name(name, index);
                append(self.out, itoa::Buffer::new().format(n).as_bytes());
            }
            ValueRef::Bool(b) => {
                self.write_name(name, index);
                append(self.out, bool_word(b).as_bytes());
            }
            ValueRef::Var(var) => {
                let start = self.write_name(name, index);
                let (var_name, var_value) = (var.name.as_str(), var.value.as_str());
                if !is_clean_var(var_name, var_value) {
                    return Err(self.refused_var(start, var));
                }
                append(self.out, var_name.as_bytes());
                self.out.push(b'=');
                append(self.out, var_value.as_bytes());
            }
            ValueRef::Other(value) => {
                let start = self.write_name(name, index);
                return self.finish_other(start, value, required);
            }
        }
        self.out.extend_from_slice(b"\r\n");
        Ok(())
    }

    /// The value of a header whose name was written from `start`, then the
    /// line end: a non-text value, written and checked by its own code.
    #[inline(always)]
    fn finish_other(
        &mut self,
        start: usize,
        value: &dyn WriteValue,
        required: bool,
    ) -> Result<(), EncodeError> {
        let value_start = self.out.len();
        if let Err(refusal) = value.write_checked(self.out, required) {
            return Err(self.refused(start, refusal));
        }
        if has_line_break(&self.out[value_start..]) {
            return Err(self.line_break(start, value_start));
        }
        self.out.extend_from_slice(b"\r\n");
        Ok(())
    }

    /// Whether names are written as given: no group prefix, no index of a
    /// group. Then [`Encoder::put_plain`] may write them.
    #[inline(always)]
    pub(crate) fn writes_plain_names(&self) -> bool {
        self.is_plain(None)
    }

    /// [`Encoder::put`] for a header of no index, `head` being its name
    /// followed by `": "`, while [`Encoder::writes_plain_names`]: the hot
    /// path of encoding, inlined into the writers of the encoding tables.
    #[inline(always)]
    pub(crate) fn put_plain(
        &mut self,
        head: &str,
        value: ValueRef<'_>,
        required: bool,
    ) -> Result<(), EncodeError> {
        debug_assert!(self.writes_plain_names());
        match value {
            ValueRef::Text(text) => {
                if (required && is_blank_text(text))
                    || !append_text_line(self.out, head.as_bytes(), text.as_bytes())
                {
                    return Err(self.refused_text(Name::Joined(head), None, text, required));
                }
            }
            // Digits and `true`/`false`: nothing to check. Numbers below
            // 1000 (the usual cause, priority, count) from a table.
            ValueRef::Int(n) => match u64::try_from(n) {
                Ok(n) => append_number_line(self.out, head.as_bytes(), n),
                Err(_) => {
                    let mut digits = itoa::Buffer::new();
                    append_line(self.out, head.as_bytes(), digits.format(n).as_bytes());
                }
            },
            ValueRef::UInt(n) => append_number_line(self.out, head.as_bytes(), n),
            ValueRef::Bool(b) => append_line(self.out, head.as_bytes(), bool_word(b).as_bytes()),
            ValueRef::Var(var) => return self.put_var_plain(head, var),
            ValueRef::Other(value) => return self.put_other_plain(head, value, required),
        }
        Ok(())
    }

    /// [`Encoder::put_plain`] of a [`ValueRef::Var`].
    #[inline(always)]
    pub(crate) fn put_var_plain(&mut self, head: &str, var: &Var) -> Result<(), EncodeError> {
        let (name, value) = (var.name.as_bytes(), var.value.as_bytes());
        if !append_var_line(self.out, head.as_bytes(), name, value) {
            let start = self.out.len();
            append(self.out, head.as_bytes());
            return Err(self.refused_var(start, var));
        }
        Ok(())
    }

    /// [`Encoder::put_plain`] of a [`ValueRef::Other`].
    #[inline(never)]
    pub(crate) fn put_other_plain(
        &mut self,
        head: &str,
        value: &dyn WriteValue,
        required: bool,
    ) -> Result<(), EncodeError> {
        let start = self.out.len();
        append(self.out, head.as_bytes());
        self.finish_other(start, value, required)
    }

    /// The error for a [`ValueRef::Var`] that [`is_clean_var`] refused,
    /// its header name written from `start`: the error the value as a
    /// [`Var`] gets from [`Encoder::finish_other`] (refused by
    /// [`WireValue::check_wire`], else for a line break).
    #[cold]
    #[inline(never)]
    fn refused_var(&mut self, start: usize, var: &Var) -> EncodeError {
        if let Err(error) = var.check_wire() {
            return self.refused(start, ValueRefusal::Invalid(error));
        }
        let value_start = self.out.len();
        var.write_wire(self.out);
        self.line_break(start, value_start)
    }

    /// The error for a text value that [`Encoder::put`] refused (blank
    /// though required, or holding a line break).
    #[cold]
    #[inline(never)]
    fn refused_text(
        &mut self,
        name: Name<'_>,
        index: Option<(IndexStyle, u32)>,
        text: &str,
        required: bool,
    ) -> EncodeError {
        let start = self.write_name(name, index);
        let param = self.full_name(start);
        if required && is_blank_text(text) {
            return self.error(EncodeErrorKind::MissingRequired { param });
        }
        let value = text.to_owned();
        self.error(EncodeErrorKind::LineBreak { param, value })
    }

    /// The error for a value whose
    /// [`WriteValue::write_checked`](super::derive_support::WriteValue::write_checked)
    /// refused it.
    #[cold]
    #[inline(never)]
    fn refused(&self, start: usize, refusal: ValueRefusal) -> EncodeError {
        let param = self.full_name(start);
        match refusal {
            ValueRefusal::Invalid(error) => {
                self.error(EncodeErrorKind::InvalidValue { param, error })
            }
            ValueRefusal::Blank => self.error(EncodeErrorKind::MissingRequired { param }),
        }
    }

    /// The error for a written value holding CR, LF or NUL.
    #[cold]
    #[inline(never)]
    fn line_break(&self, start: usize, value_start: usize) -> EncodeError {
        let param = self.full_name(start);
        let value = String::from_utf8_lossy(&self.out[value_start..]).into_owned();
        self.error(EncodeErrorKind::LineBreak { param, value })
    }

    /// A header name given to a public method: refused when it holds CR,
    /// LF or NUL (names from the derive were checked when it expanded).
    fn checked_name<'n>(&self, name: &'n str) -> Result<Name<'n>, EncodeError> {
        if has_line_break(name.as_bytes()) {
            return Err(self.error(EncodeErrorKind::LineBreak {
                param: name.escape_debug().to_string(),
                value: name.to_owned(),
            }));
        }
        Ok(Name::Bare(name))
    }

    /// Write one header whose name a caller gave: checked first.
    fn value(
        &mut self,
        name: &str,
        index: Option<(IndexStyle, u32)>,
        value: ValueRef<'_>,
        required: bool,
    ) -> Result<(), EncodeError> {
        let name = self.checked_name(name)?;
        self.put(name, index, value, required)
    }

    /// Write `name: value`. A `required` parameter may not be blank.
    pub fn field<V: WireValue>(
        &mut self,
        name: &str,
        value: &V,
        required: bool,
    ) -> Result<(), EncodeError> {
        self.value(name, None, value_ref(value), required)
    }

    /// Write `name: value` if the value is present.
    pub fn optional<V: WireValue>(
        &mut self,
        name: &str,
        value: &Option<V>,
    ) -> Result<(), EncodeError> {
        match value {
            Some(v) => self.value(name, None, value_ref(v), false),
            None => Ok(()),
        }
    }

    /// Write `name: value` once per value (repeated headers such as `Variable`).
    pub fn repeated<V: WireValue>(&mut self, name: &str, values: &[V]) -> Result<(), EncodeError> {
        values
            .iter()
            .try_for_each(|v| self.value(name, None, value_ref(v), false))
    }

    /// Write `name-000000: value`, `name-000001: ...` (or `name(0)`...) for the values.
    pub fn indexed<V: WireValue>(
        &mut self,
        name: &str,
        style: IndexStyle,
        values: &[V],
    ) -> Result<(), EncodeError> {
        values
            .iter()
            .zip(0u32..)
            .try_for_each(|(v, i)| self.value(name, Some((style, i)), value_ref(v), false))
    }

    /// Write a header taken as is (the extra headers of a struct): its name
    /// must pass [`is_valid_header_name`], its value holds no CR, LF or NUL.
    pub fn header(&mut self, header: &Header) -> Result<(), EncodeError> {
        if !is_valid_header_name(&header.name) {
            let name = header.name.escape_debug().to_string();
            return Err(self.error(EncodeErrorKind::InvalidValue {
                param: name.clone(),
                error: super::ValueError::new(name, HEADER_NAME_RULE),
            }));
        }
        // A valid header name holds no control character: no check left.
        self.put(
            Name::Bare(&header.name),
            None,
            ValueRef::Text(&header.value),
            false,
        )
    }

    /// Write the fields of a group under a name prefix (`Transferer`).
    pub fn group<G: Fields>(&mut self, prefix: &str, group: &G) -> Result<(), EncodeError> {
        self.group_dyn(prefix, group)
    }

    fn group_dyn(&mut self, prefix: &str, group: &dyn EncodeFields) -> Result<(), EncodeError> {
        // The prefix goes before every name of the group: checked once here.
        self.checked_name(prefix)?;
        let link = Prefix {
            outer: self.prefix,
            text: prefix,
        };
        let mut inner = Encoder {
            out: &mut *self.out,
            action: self.action,
            // An empty prefix (a group flattened as is) changes no name:
            // the group's names stay plain.
            prefix: if prefix.is_empty() {
                self.prefix
            } else {
                Some(&link)
            },
            index: self.index,
        };
        group.encode_fields(&mut inner)
    }

    /// Write each entry of an indexed group, entry `i` with every name
    /// suffixed by index `i` (`Action-000000`, `Cat-000000`, ...).
    pub fn indexed_group<G: Fields>(
        &mut self,
        style: IndexStyle,
        entries: &[G],
    ) -> Result<(), EncodeError> {
        let saved = self.index;
        let result = entries.iter().zip(0u32..).try_for_each(|(g, i)| {
            self.index = Some((style, i));
            g.encode(self)
        });
        self.index = saved;
        result
    }
}

/// Encode `action` in wire form (`Action:`, `ActionID:` if given, every
/// parameter, blank line) at the end of `out`. When the action is refused,
/// `out` is left exactly as it was: nothing of a bad action reaches the wire.
///
/// ```
/// use ami_runtime::wire::{encode_action, Accepted, Encoder, EncodeError, Fields, FieldError, RawHeader, Action, ResponseShape, Ack};
///
/// struct Ping;
/// impl Fields for Ping {
///     type Partial = ();
///     fn accept(_: &mut (), _: &[u8], _: &RawHeader<'_>) -> Accepted { Accepted::Left }
///     fn finish(_: &mut (), _: &str) -> Result<Self, FieldError> { Ok(Ping) }
///     fn encode(&self, _: &mut Encoder<'_>) -> Result<(), EncodeError> { Ok(()) }
/// }
/// impl Action for Ping {
///     const NAME: &'static str = "Ping";
///     const SHAPE: ResponseShape = ResponseShape::Single;
///     type Response = Ack;
/// }
///
/// let mut out = Vec::new();
/// encode_action(&Ping, Some("42"), &mut out).unwrap();
/// assert_eq!(out, b"Action: Ping\r\nActionID: 42\r\n\r\n");
/// assert!(encode_action(&Ping, Some("4\r\n2"), &mut out).is_err());
/// assert_eq!(out, b"Action: Ping\r\nActionID: 42\r\n\r\n");
/// ```
#[inline]
pub fn encode_action<A: Action>(
    action: &A,
    action_id: Option<&str>,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    match A::ENCODE_TABLE {
        Some(_) => {
            let info = const { &MessageInfo::new(b"Action: ", A::NAME, None, A::ENCODE_TABLE) };
            // SAFETY: `info` holds the table of `A`, and `action` is an `A`.
            encode_bound(unsafe { Bound::new(info, action) }, action_id, out)
        }
        None => encode_message_unboxed(b"Action: ", A::NAME, None, action_id, action, out),
    }
}

/// [`encode_message_unboxed`] of a struct encoded by its table alone
/// ([`Fields::ENCODE_TABLE`]): the table loop inlined, so that the whole
/// message is written by this one function (compiled once).
#[inline(never)]
fn encode_bound(
    fields: Bound<'_>,
    action_id: Option<&str>,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let info = fields.info();
    // As in `encode_message_unboxed`.
    let (head, name, user_event) = (info.head, info.name, info.user_event);
    match encode_message(head, name, user_event, info.lead(), action_id, out, |enc| {
        fields.encode(enc)
    }) {
        Ok(()) => Ok(()),
        Err(error) => Err(*error),
    }
}

/// [`encode_message`] with its refusal moved out of the box: compiled once,
/// so that [`encode_action`] and [`encode_event`] are one call wherever
/// they are used (once per message type in the generated registry).
#[inline(never)]
fn encode_message_unboxed(
    head: &[u8],
    name: &'static str,
    user_event: Option<&str>,
    action_id: Option<&str>,
    fields: &dyn EncodeFields,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    // `match` rather than `?`: the error comes back boxed (in a register),
    // and a message that encodes needs no drop of an error here.
    match encode_message(head, name, user_event, &[], action_id, out, |enc| {
        fields.encode_fields(enc)
    }) {
        Ok(()) => Ok(()),
        Err(error) => Err(*error),
    }
}

/// The fields of a struct as a trait object, for the encoding helpers that
/// are compiled once rather than once per struct.
trait EncodeFields {
    fn encode_fields(&self, enc: &mut Encoder<'_>) -> Result<(), EncodeError>;
}

impl<F: Fields> EncodeFields for F {
    fn encode_fields(&self, enc: &mut Encoder<'_>) -> Result<(), EncodeError> {
        self.encode(enc)
    }
}

/// `head` + `name`, the `ActionID` if given, the fields (written by
/// `fields`), the blank line; `out` is rolled back when anything is
/// refused. `lead`, unless empty, is `head`, `name` and [`ACTION_ID`]
/// joined ([`MessageInfo`]), copied at once before an `ActionID`. The body
/// of [`encode_message_unboxed`] and [`encode_bound`].
/// The error is boxed (allocated only when something is refused) so that
/// the result comes back in a register rather than in eleven words of
/// memory.
#[inline(always)]
fn encode_message(
    head: &[u8],
    name: &'static str,
    user_event: Option<&str>,
    lead: &[u8],
    action_id: Option<&str>,
    out: &mut Vec<u8>,
    fields: impl FnOnce(&mut Encoder<'_>) -> Result<(), EncodeError>,
) -> Result<(), Box<EncodeError>> {
    let start = out.len();
    let result = (|| {
        let mut enc = Encoder::new(out, name);
        match (user_event, action_id) {
            // The usual first lines of an action, in one go.
            (None, Some(id))
                if !is_blank_text(id)
                    && if lead.is_empty() {
                        let parts = [head, name.as_bytes(), ACTION_ID];
                        append_parts_and_id(enc.out, parts, id.as_bytes())
                    } else {
                        append_parts_and_id(enc.out, [lead], id.as_bytes())
                    } => {}
            // Anything else, and the refusal of an ActionID, line by line.
            _ => {
                append_line(enc.out, head, name.as_bytes());
                if let Some(subtype) = user_event {
                    enc.out.extend_from_slice(b"UserEvent: ");
                    enc.out.extend_from_slice(subtype.as_bytes());
                    enc.out.extend_from_slice(b"\r\n");
                }
                if let Some(id) = action_id {
                    enc.put_plain("ActionID: ", ValueRef::Text(id), true)
                        .map_err(Box::new)?;
                }
            }
        }
        fields(&mut enc).map_err(Box::new)?;
        append(enc.out, b"\r\n");
        Ok(())
    })();
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// Decode a request message into the typed action `A` (what a server, a
/// mock or a capture reader sees).
///
/// A shim per action: all but the room for the decoding state and the
/// value is in `decode_action_untyped`, compiled once.
pub fn decode_action<A: Action>(msg: &Message) -> Result<A, DecodeError> {
    let mut partial = MaybeUninit::<A::Partial>::uninit();
    let mut value = MaybeUninit::<A>::uninit();
    // SAFETY: the operations are those of `A` (`ops_of`), `partial` has
    // room for an `A::Partial` and `value` for an `A`, as they require.
    let decoded = unsafe {
        decode_action_untyped(
            msg,
            A::NAME,
            ops_of::<A>(),
            partial.as_mut_ptr().cast(),
            value.as_mut_ptr().cast(),
        )
    };
    // `match` rather than `?`: no `Try` conversion compiled per action.
    match decoded {
        // SAFETY: `decode_action_untyped` wrote an `A` into `value` when
        // it returns `Ok`.
        Ok(()) => Ok(unsafe { value.assume_init() }),
        Err(error) => Err(error),
    }
}

/// The body of [`decode_action`]: the action's name checked, then the
/// action decoded ([`decode_untyped`]).
///
/// # Safety
/// As [`decode_untyped`]: `ops`, `partial` and `value` are those of the
/// action called `name`.
#[inline(never)]
unsafe fn decode_action_untyped(
    msg: &Message,
    name: &'static str,
    ops: &DecodeOps,
    partial: *mut u8,
    value: *mut u8,
) -> Result<(), DecodeError> {
    match check_action_name(msg, name) {
        Ok(()) => decode_untyped(
            msg,
            MessageRole::Action,
            &named_context("action", name),
            ops,
            partial,
            value,
        ),
        Err(error) => Err(error),
    }
}

/// Whether `msg` is the action called `name` (ignoring ASCII case), or the
/// error saying what it is instead.
fn check_action_name(msg: &Message, name: &str) -> Result<(), DecodeError> {
    match msg.kind() {
        MessageKind::Action(found) if found.eq_ignore_ascii_case(name) => Ok(()),
        MessageKind::Action(found) => Err(DecodeError::unexpected(
            format!("action {name}"),
            format!("Action: {name}"),
            format!("Action: {found}"),
        )),
        _ => Err(DecodeError::unexpected(
            format!("action {name}"),
            "an Action header",
            "none",
        )),
    }
}

/// Encode `event` in wire form (`Event:`, every field, blank line) at the
/// end of `out`, as a server sends it (for mock servers and tests). When a
/// field is refused, `out` is left exactly as it was.
#[inline]
pub fn encode_event<E: Event>(event: &E, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    match E::ENCODE_TABLE {
        Some(_) => {
            let info =
                const { &MessageInfo::new(b"Event: ", E::NAME, E::USER_EVENT, E::ENCODE_TABLE) };
            // SAFETY: `info` holds the table of `E`, and `event` is an `E`.
            encode_bound(unsafe { Bound::new(info, event) }, None, out)
        }
        None => encode_message_unboxed(b"Event: ", E::NAME, E::USER_EVENT, None, event, out),
    }
}

/// Encode an event kept as received (a [`Message`] whose first header is
/// `Event`), refusing what [`Encoder::header`] refuses. When a header is
/// refused, `out` is left exactly as it was.
pub fn encode_event_message(msg: &Message, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    let result = (|| {
        let mut enc = Encoder::new(out, "(event)");
        msg.headers.iter().try_for_each(|h| enc.header(h))?;
        enc.out.extend_from_slice(b"\r\n");
        Ok(())
    })();
    if result.is_err() {
        out.truncate(start);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::super::AmiBool;
    use super::*;

    /// A hand-written event with no field at all: zero-sized, so that its
    /// box is the dangling pointer of [`decode_untyped_boxed`].
    #[derive(Debug, PartialEq)]
    struct Empty;

    impl Fields for Empty {
        type Partial = ();

        fn accept(_: &mut (), _: &[u8], _: &RawHeader<'_>) -> Accepted {
            Accepted::Left
        }

        fn finish(_: &mut (), _: &str) -> Result<Self, FieldError> {
            Ok(Empty)
        }

        fn encode(&self, _: &mut Encoder<'_>) -> Result<(), EncodeError> {
            Ok(())
        }
    }

    impl Event for Empty {
        const NAME: &'static str = "Empty";
    }

    impl FromEvent for Empty {
        fn accepts(name: &str) -> bool {
            name.eq_ignore_ascii_case(Self::NAME)
        }

        fn from_event<M: MessageView>(msg: &M) -> Result<Self, DecodeError> {
            super::super::derive_support::decode_event(msg)
        }
    }

    /// A hand-written event whose decoding state owns heap memory (a
    /// `Vec` per header and a `String`), refuses a header called `Bad`,
    /// requires `Name`, and panics on a header called `Panic`: every way
    /// out of the untyped decoder (the value written to its box, the box
    /// freed on an error or a panic, the state dropped each time).
    #[derive(Debug, PartialEq)]
    struct Owning {
        name: String,
        others: Vec<String>,
        wide: [u64; 32],
    }

    #[derive(Default)]
    struct OwningPartial {
        name: Option<String>,
        others: Vec<String>,
        _dropped: CountsDrops,
    }

    thread_local! {
        /// How many `OwningPartial`s this thread dropped.
        static PARTIALS_DROPPED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    /// Counts its drops in `PARTIALS_DROPPED`.
    #[derive(Default)]
    struct CountsDrops;

    impl Drop for CountsDrops {
        fn drop(&mut self) {
            PARTIALS_DROPPED.with(|n| n.set(n.get() + 1));
        }
    }

    /// How many `OwningPartial`s `f` dropped.
    fn partials_dropped_by(f: impl FnOnce()) -> usize {
        let before = PARTIALS_DROPPED.with(|n| n.get());
        f();
        PARTIALS_DROPPED.with(|n| n.get()) - before
    }

    impl Fields for Owning {
        type Partial = OwningPartial;

        fn accept(partial: &mut OwningPartial, key: &[u8], header: &RawHeader<'_>) -> Accepted {
            match key {
                b"Name" => {
                    partial.name = Some(header.value.to_owned());
                    Accepted::Taken
                }
                b"Bad" => Accepted::Refused(Box::new(FieldError::Missing {
                    field: "refused".to_owned(),
                })),
                b"Panic" => panic!("a field's decoder panicked"),
                _ => Accepted::Left,
            }
        }

        fn accept_unknown(partial: &mut OwningPartial, header: &RawHeader<'_>) -> bool {
            partial.others.push(header.name.to_owned());
            true
        }

        fn finish(partial: &mut OwningPartial, prefix: &str) -> Result<Self, FieldError> {
            let name = partial.name.take().ok_or_else(|| FieldError::Missing {
                field: format!("{prefix}Name"),
            })?;
            Ok(Owning {
                name,
                others: std::mem::take(&mut partial.others),
                wide: [7; 32],
            })
        }

        fn encode(&self, _: &mut Encoder<'_>) -> Result<(), EncodeError> {
            Ok(())
        }
    }

    impl Event for Owning {
        const NAME: &'static str = "Owning";
    }

    impl FromEvent for Owning {
        fn accepts(name: &str) -> bool {
            name.eq_ignore_ascii_case(Self::NAME)
        }

        fn from_event<M: MessageView>(msg: &M) -> Result<Self, DecodeError> {
            super::super::derive_support::decode_event(msg)
        }
    }

    fn event(text: &str) -> Message {
        Message::parse_block(text).unwrap()
    }

    #[test]
    fn untyped_decoder_builds_values_in_place_and_in_boxes() {
        use super::super::derive_support::{decode_event, decode_named_event_boxed};
        // Zero-sized: no allocation, still a box that drops cleanly.
        let msg = event("Event: Empty\r\nX: 1\r\n");
        assert_eq!(
            *decode_named_event_boxed::<Empty, _>(&msg, "Empty").unwrap(),
            Empty
        );
        assert_eq!(decode_event::<Empty, _>(&msg).unwrap(), Empty);

        let msg = event("Event: Owning\r\nA: 1\r\nName: n\r\nB: 2\r\n");
        let expected = Owning {
            name: "n".to_owned(),
            others: vec!["A".to_owned(), "B".to_owned()],
            wide: [7; 32],
        };
        assert_eq!(
            *decode_named_event_boxed::<Owning, _>(&msg, "Owning").unwrap(),
            expected
        );
        assert_eq!(decode_event::<Owning, _>(&msg).unwrap(), expected);
        // The event's name is checked before anything is decoded.
        let error = decode_named_event_boxed::<Owning, _>(&msg, "Other").unwrap_err();
        assert!(error.to_string().contains("Event: Other"), "{error}");
    }

    #[test]
    fn untyped_decoder_frees_what_it_made_on_errors_and_panics() {
        use super::super::derive_support::{decode_event, decode_named_event_boxed};
        // A refused header: the box is freed, the state dropped (once).
        let msg = event("Event: Owning\r\nA: 1\r\nBad: x\r\nName: n\r\n");
        let dropped = partials_dropped_by(|| {
            let error = decode_named_event_boxed::<Owning, _>(&msg, "Owning").unwrap_err();
            assert!(error.to_string().contains("refused"), "{error}");
            assert!(decode_event::<Owning, _>(&msg).is_err());
        });
        assert_eq!(dropped, 2);
        // `finish` refuses (a missing field): the same.
        let msg = event("Event: Owning\r\nA: 1\r\n");
        let dropped = partials_dropped_by(|| {
            let error = decode_named_event_boxed::<Owning, _>(&msg, "Owning").unwrap_err();
            assert!(error.to_string().contains("Name"), "{error}");
        });
        assert_eq!(dropped, 1);
        // A panic goes through, dropping the state on the way, and the
        // decoder still works afterwards.
        let msg = event("Event: Owning\r\nA: 1\r\nPanic: x\r\n");
        let dropped = partials_dropped_by(|| {
            let panicked = std::panic::catch_unwind(|| {
                let _ = decode_named_event_boxed::<Owning, _>(&msg, "Owning");
            });
            assert!(panicked.is_err());
        });
        assert_eq!(dropped, 1);
        // Decoded: the state is dropped too (`Owning` does not promise
        // `FINISH_EMPTIES`).
        let msg = event("Event: Owning\r\nName: n\r\n");
        let dropped = partials_dropped_by(|| {
            assert_eq!(
                decode_named_event_boxed::<Owning, _>(&msg, "Owning")
                    .unwrap()
                    .name,
                "n"
            );
            assert_eq!(decode_event::<Owning, _>(&msg).unwrap().name, "n");
        });
        assert_eq!(dropped, 2);
    }

    #[test]
    fn split_index_styles() {
        let split = |key: &'static str, style| split_index(key.as_bytes(), style);
        assert_eq!(
            split("line-000002-000001", IndexStyle::Dash6),
            Some((&b"line"[..], 2, &b"-000001"[..]))
        );
        assert_eq!(
            split("cat-000010", IndexStyle::Dash6),
            Some((&b"cat"[..], 10, &b""[..]))
        );
        assert_eq!(split("cause-txt", IndexStyle::Dash6), None);
        assert_eq!(
            split("a-00001x-000003", IndexStyle::Dash6),
            Some((&b"a-00001x"[..], 3, &b""[..]))
        );
        assert_eq!(
            split("unitamount(1)", IndexStyle::Paren),
            Some((&b"unitamount"[..], 1, &b""[..]))
        );
        assert_eq!(split("unitamount(x)", IndexStyle::Paren), None);
        assert_eq!(split("(1)", IndexStyle::Paren), None);
    }

    #[test]
    fn lowercase_keys() {
        assert_eq!(lowercase_key("CallerIDNum", <[u8]>::to_vec), b"calleridnum");
        let long = "X".repeat(100);
        assert_eq!(
            lowercase_key(&long, <[u8]>::to_vec),
            "x".repeat(100).as_bytes()
        );
        // Only ASCII letters change: other UTF-8 stays as it was.
        assert_eq!(lowercase_key("Ä-X", <[u8]>::to_vec), "Ä-x".as_bytes());
    }

    #[test]
    fn find_byte_finds_the_first_at_every_length_and_position() {
        // Every length across the search's blocks of 16 and 32 bytes, the
        // needle at every position (alone, and followed by a second one,
        // which must not be the one found), between bytes next to it and
        // bytes of 0x80 and up.
        for len in 0..=80 {
            for fill in [b'a', b'<', b'>', 0x01, 0x80, 0xbd, 0xff] {
                let mut bytes = vec![fill; len];
                assert_eq!(find_byte(b'=', &bytes), None, "{len} {fill:#x}");
                for at in 0..len {
                    bytes[at] = b'=';
                    assert_eq!(find_byte(b'=', &bytes), Some(at), "{len} {fill:#x} {at}");
                    for later in at + 1..len {
                        bytes[later] = b'=';
                        assert_eq!(find_byte(b'=', &bytes), Some(at), "{len} {at} {later}");
                        bytes[later] = fill;
                    }
                    bytes[at] = fill;
                }
            }
        }
    }

    #[test]
    fn line_breaks_found_at_every_length_and_position() {
        // Every length up to past the SIMD cut-off, every position, and each
        // byte value there: the same verdict as a plain search. Bytes next
        // to the targets (and 0x80 and up, where borrows could mislead the
        // word tests) fill the rest.
        for len in 0..=80 {
            for fill in [b'a', 0x0e, 0x0c, 0x0b, 0x01, 0x80, 0xff] {
                let mut bytes = vec![fill; len];
                assert!(!has_line_break(&bytes), "{len} {fill:#x}");
                for at in 0..len {
                    for b in 0..=255u8 {
                        bytes[at] = b;
                        let expected = matches!(b, b'\r' | b'\n' | 0);
                        assert_eq!(has_line_break(&bytes), expected, "{len} {at} {b:#x}");
                        // The same verdict when checked while copied, and
                        // the line written only when accepted.
                        let mut out = b"X".to_vec();
                        let written = append_text_line(&mut out, b"Name: ", &bytes);
                        assert_eq!(written, !expected, "{len} {at} {b:#x}");
                        if written {
                            assert_eq!(out, [&b"XName: "[..], &bytes, b"\r\n"].concat());
                        } else {
                            assert_eq!(out, b"X");
                        }
                    }
                    bytes[at] = fill;
                }
            }
        }
    }

    #[test]
    fn var_names_checked_at_every_length_and_position() {
        // As for line breaks: every length up to past the cut-off, every
        // position, each ASCII byte there (`<` and `>` sit next to `=`),
        // against the plain definition.
        let plain = |name: &str| {
            !name.is_empty() && !name.bytes().any(|b| matches!(b, b'=' | b'\r' | b'\n' | 0))
        };
        for len in 0..=80 {
            for fill in [b'a', b'<', b'>', 0x0e, 0x7f] {
                let mut name = vec![fill; len];
                for at in 0..len {
                    for b in 0..0x80u8 {
                        name[at] = b;
                        let text = std::str::from_utf8(&name).unwrap();
                        assert_eq!(is_clean_var(text, "v"), plain(text), "{len} {at} {b:#x}");
                        // The same verdict when checked while copied, for
                        // the name and, swapped, for the value (where only
                        // CR, LF and NUL are refused).
                        let mut out = b"X".to_vec();
                        let written = append_var_line(&mut out, b"V: ", &name, b"v");
                        assert_eq!(written, plain(text), "{len} {at} {b:#x}");
                        if written {
                            assert_eq!(out, [&b"XV: "[..], &name, b"=v\r\n"].concat());
                        } else {
                            assert_eq!(out, b"X");
                        }
                        let written = append_var_line(&mut out, b"V: ", b"n", &name);
                        assert_eq!(written, !has_line_break(&name), "{len} {at} {b:#x}");
                        out.truncate(1);
                    }
                    name[at] = fill;
                }
            }
        }
        assert!(!is_clean_var("é=", "v"));
        assert!(is_clean_var("é", "ü"));
        assert!(!is_clean_var("X", "\0"));
    }

    #[test]
    fn action_ids_are_written_or_refused_whole() {
        struct Ping;
        impl Fields for Ping {
            type Partial = ();
            fn accept(_: &mut (), _: &[u8], _: &RawHeader<'_>) -> Accepted {
                Accepted::Left
            }
            fn finish(_: &mut (), _: &str) -> Result<Self, FieldError> {
                Ok(Ping)
            }
            fn encode(&self, _: &mut Encoder<'_>) -> Result<(), EncodeError> {
                Ok(())
            }
        }
        impl Action for Ping {
            const NAME: &'static str = "Ping";
            const SHAPE: ResponseShape = ResponseShape::Single;
            type Response = super::super::Ack;
        }
        for len in 0..=80 {
            let id = "7".repeat(len);
            let mut out = b"x".to_vec();
            let result = encode_action(&Ping, Some(&id), &mut out);
            if len == 0 {
                assert_eq!(
                    result.unwrap_err().to_string(),
                    "action Ping: required parameter ActionID is empty"
                );
                assert_eq!(out, b"x");
                continue;
            }
            result.unwrap();
            assert_eq!(
                out,
                format!("xAction: Ping\r\nActionID: {id}\r\n\r\n").as_bytes()
            );
            for at in [0, len / 2, len - 1] {
                let mut bad = id.clone().into_bytes();
                bad[at] = b'\n';
                let bad = String::from_utf8(bad).unwrap();
                let mut out = b"x".to_vec();
                let err = encode_action(&Ping, Some(&bad), &mut out).unwrap_err();
                // A lone line break is blank first.
                assert!(
                    matches!(&err.kind, EncodeErrorKind::LineBreak { param, value } if param == "ActionID" && *value == bad)
                        || (len == 1
                            && matches!(err.kind, EncodeErrorKind::MissingRequired { .. })),
                    "{err}"
                );
                assert_eq!(out, b"x");
            }
        }
        let mut out = Vec::new();
        let err = encode_action(&Ping, Some(" \t"), &mut out).unwrap_err();
        assert!(matches!(err.kind, EncodeErrorKind::MissingRequired { .. }));
        assert!(out.is_empty());
    }

    #[test]
    fn blank_text_is_what_trim_leaves_empty() {
        for text in [
            "",
            " ",
            "\t",
            "\r\n",
            "\u{a0}",
            "\u{2003}x",
            "\u{3000}",
            " a",
            "a",
            "é",
            "\x0b",
            "\x7f",
        ] {
            assert_eq!(is_blank_text(text), text.trim().is_empty(), "{text:?}");
        }
    }

    #[test]
    fn small_numbers_are_written_as_itoa_writes_them() {
        for n in 0..1000u64 {
            assert_eq!(small_number(n), Some(n.to_string().as_bytes()), "{n}");
        }
        assert_eq!(small_number(1000), None);
        assert_eq!(small_number(u64::MAX), None);
        let mut six = [0; 6];
        for n in (1000..1_000_000u64)
            .step_by(7)
            .chain([1000, 1009, 10_000, 999_999])
        {
            let digits = medium_number(n, &mut six).map(<[u8]>::to_vec);
            assert_eq!(digits, Some(n.to_string().into_bytes()), "{n}");
        }
        for n in [0, 999, 1_000_000, u64::MAX] {
            assert_eq!(medium_number(n, &mut six), None, "{n}");
        }
        // Through the encoder: the table below 1000, `itoa` above, signs.
        let mut out = Vec::new();
        let mut enc = Encoder::new(&mut out, "Test");
        let unsigned = [0, 7, 42, 999, 1000, 30_000, 999_999, 1_000_000, u64::MAX];
        let signed = [
            0,
            9,
            10,
            999,
            1000,
            45_678,
            1_000_000,
            -1,
            -999,
            -30_000,
            i64::MIN,
        ];
        for n in unsigned {
            enc.put_plain("N: ", ValueRef::UInt(n), false).unwrap();
        }
        for n in signed {
            enc.put_plain("I: ", ValueRef::Int(n), false).unwrap();
        }
        let expected: String = unsigned
            .iter()
            .map(|n| format!("N: {n}\r\n"))
            .chain(signed.iter().map(|n| format!("I: {n}\r\n")))
            .collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn short_copies_write_every_byte_once() {
        // Every length around the copy widths, after a prefix of every
        // length up to 8 (so that the copies land at odd offsets).
        let src: Vec<u8> = (1..=70).collect();
        for before in 0..8 {
            for n in 0..=src.len() {
                let mut out = vec![0xAA; before];
                append(&mut out, &src[..n]);
                let mut line = vec![0xAA; before];
                append_line(&mut line, &src[..n], &src[n..]);
                let mut expected = vec![0xAA; before];
                expected.extend_from_slice(&src[..n]);
                assert_eq!(out, expected, "{before} {n}");
                expected.extend_from_slice(&src[n..]);
                expected.extend_from_slice(b"\r\n");
                assert_eq!(line, expected, "{before} {n}");
            }
        }
    }

    #[test]
    fn encoder_indexes_and_prefixes() {
        let mut out = Vec::new();
        let mut enc = Encoder::new(&mut out, "Test");
        enc.indexed("UnitAmount", IndexStyle::Paren, &[5u32, 6])
            .unwrap();
        enc.indexed("Cat", IndexStyle::Dash6, &["a".to_owned()])
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "UnitAmount(0): 5\r\nUnitAmount(1): 6\r\nCat-000000: a\r\n"
        );
    }

    /// What one header gives, written through `value` or through the
    /// virtual call of `ValueRef::Other` on `wrapped`: bytes or error text,
    /// on the plain path and on the general one (`put`, with an index).
    fn direct_and_virtual(value: ValueRef<'_>, wrapped: &dyn WriteValue) -> [String; 2] {
        let written = |value: ValueRef<'_>| {
            let mut out = Vec::new();
            let mut enc = Encoder::new(&mut out, "Test");
            let plain = enc
                .put_plain("Variable: ", value, true)
                .map_err(|e| e.to_string());
            let indexed = enc
                .put(
                    Name::Bare("Variable"),
                    Some((IndexStyle::Paren, 2)),
                    value,
                    true,
                )
                .map_err(|e| e.to_string());
            // What a refused header left in the buffer is not compared:
            // `encode_action` rolls it back.
            let written = match (&plain, &indexed) {
                (Ok(()), Ok(())) => String::from_utf8_lossy(&out).into_owned(),
                _ => String::new(),
            };
            format!("{plain:?} {indexed:?} {written:?}")
        };
        [written(value), written(ValueRef::Other(wrapped))]
    }

    #[test]
    fn direct_values_write_and_refuse_as_the_virtual_path_does() {
        fn same<V: WireValue>(value: V) {
            let [direct, virtual_] = direct_and_virtual(value_ref(&value), &value);
            assert_eq!(direct, virtual_);
        }
        same(i64::MIN);
        same(-1i32);
        same(u64::MAX);
        same(0u32);
        same(true);
        same(false);
        for (name, value) in [
            ("CDR(userfield)", "bench"),
            ("X", ""),
            ("X", "a=b"),
            ("", "v"),
            ("a=b", "v"),
            ("a\r\nAction: Logoff", "v"),
            ("X", "v\r\nAction: Logoff"),
            ("X", "v\0w"),
            ("", "v\n"),
            ("=", "\r"),
        ] {
            let var = Var::new(name, value);
            assert!(matches!(value_ref(&var), ValueRef::Var(..)));
            same(var);
        }
        for text in [
            "true", "false", "Yes", " on ", "1", "maybe", "", "yes\r\n", "no\0",
        ] {
            let flag = AmiBool {
                value: true,
                text: text.into(),
            };
            same(flag);
        }
        assert!(matches!(
            value_ref(&AmiBool::new(true)),
            ValueRef::Text("true")
        ));
        assert!(matches!(value_ref(&7u64), ValueRef::UInt(7)));
        assert!(matches!(value_ref(&-7i32), ValueRef::Int(-7)));
        assert!(matches!(value_ref(&true), ValueRef::Bool(true)));
    }

    #[test]
    fn encoder_refuses_line_breaks_and_blank_required() {
        let mut out = Vec::new();
        let mut enc = Encoder::new(&mut out, "Test");
        let err = enc
            .field("Channel", &"a\r\nAction: Hangup".to_owned(), true)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "action Test: parameter Channel: CR, LF or NUL in \"a\\r\\nAction: Hangup\" would inject headers or cut the value short"
        );
        let err = enc.field("Channel", &String::new(), true).unwrap_err();
        assert_eq!(
            err.to_string(),
            "action Test: required parameter Channel is empty"
        );
    }

    #[test]
    fn encoder_refuses_nul_and_bad_extra_header_names() {
        // Finding 8 of issue 9: NUL went to the wire (Asterisk cuts the
        // value there), and extra header names could hold spaces and
        // control characters.
        let mut out = Vec::new();
        let mut enc = Encoder::new(&mut out, "Test");
        let err = enc
            .field("Channel", &"SIP/1\0evil".to_owned(), true)
            .unwrap_err();
        assert!(
            matches!(err.kind, EncodeErrorKind::LineBreak { .. }),
            "{err}"
        );
        for name in [
            "Bad Name",
            "X\0Y",
            "Tab\tName",
            "Del\x7f",
            "Colon:",
            "",
            "Line\nBreak",
        ] {
            let header = Header {
                name: name.into(),
                value: "v".into(),
            };
            let err = enc.header(&header).unwrap_err();
            assert!(
                matches!(err.kind, EncodeErrorKind::InvalidValue { .. }),
                "{name:?}: {err}"
            );
        }
        let header = Header {
            name: "X-Ok".into(),
            value: "a\0b".into(),
        };
        assert!(enc.header(&header).is_err());
        let header = Header {
            name: "X-Ok".into(),
            value: "fine".into(),
        };
        enc.header(&header).unwrap();
        // Refused fields wrote nothing the caller keeps: `encode_action`
        // rolls back; here only the accepted header is checked.
        assert!(String::from_utf8_lossy(&out).ends_with("X-Ok: fine\r\n"));
    }
}
