//! Helpers that the output of `ami-derive` calls, so that the code
//! generated per struct stays a thin list of calls and table entries instead
//! of an inline parser. Not a stable API: only the derives should use these.
//!
//! Build time: every generic function here is compiled again for each type
//! it is used with, and `ami-generated` uses them with hundreds of structs
//! and value types. So the generic ones are thin shims that hand their work
//! to bodies compiled once, through `dyn` or tables ([`WriteValue`], the
//! [`FieldTable`]s of encoding, the decoding loop of `decode_message`); a
//! virtual call per field costs a few nanoseconds, next to parsing the field.

use std::borrow::Cow;
use std::mem::MaybeUninit;

use super::error::{DecodeError, EncodeError, EncodeErrorKind, FieldError, ValueError};
use super::fields::{
    decode_untyped, decode_untyped_boxed, finish_partial, ops_of, Accepted, DecodeOps, Encoder,
    Event, Fields, IndexStyle, MessageRole,
};
use super::message::{Header, MessageKind, MessageView, RawHeader};
use super::value::{Var, WireValue};

pub use super::encode_table::{
    Constraints, Direct, Entry, ExtraHeaders, FieldTable, GroupList, OptionalGroup, OptionalValue,
};
pub use super::fields::{OpsFor, OpsRef};

/// The error for the `Unknown` value `value` of an enumeration that takes
/// `expected` (what a derived `check_wire` refuses), built once here rather
/// than inlined in every enumeration.
#[cold]
#[inline(never)]
pub fn unknown_value(value: &str, expected: &'static str) -> ValueError {
    ValueError::new(value, expected)
}

/// Append `text` to `out`: what a derived `write_wire` of an enumeration
/// does with its spelling, compiled once rather than inlined in each.
#[inline(never)]
pub fn write_text(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
}

/// Append a reference to each of `headers` to `out`: what the derived
/// `unknown_headers` does with the `#[ami(extra)]` field, compiled once
/// here rather than as an inlined `Vec::extend` in every struct.
#[inline(never)]
pub fn push_headers<'a>(out: &mut Vec<&'a Header>, headers: &'a [Header]) {
    out.extend(headers);
}

/// Whether the header name `key` is `lower` (a lowercase constant) ignoring
/// ASCII case, as `key.eq_ignore_ascii_case(lower)` says, without a
/// lowercased copy of the key: each word of the key, with bit 5 set where
/// `lower` has a letter, must equal the word of `lower`. Once inlined with a
/// constant `lower`, that is a load, an `or` and a compare per word.
///
/// Exact: where `lower` has a letter `c`, only `c` and its uppercase give
/// `c` once bit 5 is set; elsewhere the bytes must be equal, which is what
/// lowercasing then comparing gives for a non-letter of `lower`.
#[inline(always)]
pub fn key_is(key: &[u8], lower: &[u8]) -> bool {
    let len = lower.len();
    if key.len() != len {
        return false;
    }
    // Words of 8, 4, 2 and 1 bytes; the last word of a size may overlap
    // the one before it, which only compares some bytes twice. Every range
    // is bounded by `len`, the constant, so that word sizes are constants
    // too and the loads are plain loads.
    if len >= 8 {
        let mut at = 0;
        while at + 8 < len {
            if !word_is(&key[at..at + 8], &lower[at..at + 8]) {
                return false;
            }
            at += 8;
        }
        word_is(&key[len - 8..len], &lower[len - 8..len])
    } else if len >= 4 {
        word_is(&key[..4], &lower[..4]) && word_is(&key[len - 4..len], &lower[len - 4..len])
    } else if len >= 2 {
        word_is(&key[..2], &lower[..2]) && word_is(&key[len - 2..len], &lower[len - 2..len])
    } else {
        word_is(&key[..len], lower)
    }
}

/// [`key_is`] for one word of up to 8 bytes (both slices of that length).
#[inline(always)]
fn word_is(key: &[u8], lower: &[u8]) -> bool {
    let load = |bytes: &[u8]| {
        let mut word = [0; 8];
        word[..bytes.len()].copy_from_slice(bytes);
        u64::from_le_bytes(word)
    };
    let lower_word = load(lower);
    let letters = lower.iter().enumerate().fold(0u64, |mask, (i, b)| {
        mask | (u64::from(b.is_ascii_lowercase()) << (8 * i + 5))
    });
    load(key) | letters == lower_word
}

/// `key` without the group prefix `lower` (a lowercase constant), compared
/// ignoring ASCII case; `None` when `key` does not start with it.
#[inline(always)]
pub fn strip_key_prefix<'k>(key: &'k [u8], lower: &[u8]) -> Option<&'k [u8]> {
    let (head, rest) = key.split_at_checked(lower.len())?;
    key_is(head, lower).then_some(rest)
}

/// The writing half of [`WireValue`] as a trait object (`WireValue` has
/// a constructor and a constant, so it cannot be one): the bodies that
/// write values take a `&dyn WriteValue` and are compiled once, not once
/// per value type.
pub trait WriteValue {
    /// [`WireValue::write_wire`].
    fn write_value(&self, out: &mut Vec<u8>);
    /// What encoding does with a value, in one virtual call: refuse it if
    /// [`WireValue::check_wire`] does (or, when `required`, if it
    /// [`WireValue::is_blank`]), else write it. Checking for line breaks
    /// is left to the caller, which looks at the bytes written.
    fn write_checked(&self, out: &mut Vec<u8>, required: bool) -> Result<(), ValueRefusal>;
}

impl<V: WireValue> WriteValue for V {
    fn write_value(&self, out: &mut Vec<u8>) {
        self.write_wire(out);
    }

    fn write_checked(&self, out: &mut Vec<u8>, required: bool) -> Result<(), ValueRefusal> {
        if let Err(error) = self.check_wire() {
            return Err(ValueRefusal::Invalid(error));
        }
        if required && self.is_blank() {
            return Err(ValueRefusal::Blank);
        }
        self.write_wire(out);
        Ok(())
    }
}

/// Why [`WriteValue::write_checked`] refused a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueRefusal {
    /// [`WireValue::check_wire`] refused it.
    Invalid(ValueError),
    /// A required value is blank.
    Blank,
}

/// A value to write: text, an integer, a boolean or a variable, which the
/// encoder checks and writes itself, or any other value, behind one
/// virtual call ([`WriteValue::write_checked`]). Made by [`value_ref`]
/// ([`WireValue::wire_ref`]).
#[derive(Clone, Copy)]
pub enum ValueRef<'a> {
    /// Text sent as is.
    Text(&'a str),
    /// A signed integer, sent in decimal (never refused).
    Int(i64),
    /// An unsigned integer, sent in decimal (never refused).
    UInt(u64),
    /// A boolean, sent as `true` or `false` (never refused).
    Bool(bool),
    /// A [`Var`], sent as `name=value`; refused as
    /// [`WireValue::check_wire`] of `Var` refuses it (an empty name, or one
    /// holding `=`), or for a line break in either part.
    Var(&'a Var),
    /// Any other value.
    Other(&'a dyn WriteValue),
}

/// `value` as a [`ValueRef`] ([`WireValue::wire_ref`]; the variant is
/// decided by the type, so the choice vanishes once inlined).
#[inline(always)]
pub fn value_ref<V: WireValue>(value: &V) -> ValueRef<'_> {
    value.wire_ref()
}

/// A repeated or indexed field (`Vec<V>`) as a trait object.
pub trait ValueList: Sized {
    /// Whether the encoder's table loop reads the list itself (a repeated
    /// field, no index): see [`Direct`].
    #[doc(hidden)]
    const DIRECT: Direct<Self> = Direct::NONE;

    /// How many values there are.
    fn count(&self) -> usize;
    /// Value `i` (`i < count()`).
    fn at(&self, i: usize) -> ValueRef<'_>;
    /// Write `head` and each value, outside any group (no name prefix, no
    /// index): the values of a repeated field in the usual case, in one
    /// call rather than two per value.
    fn put_plain_each(&self, enc: &mut Encoder<'_>, head: &str) -> Result<(), EncodeError>;
}

impl<V: WireValue> ValueList for Vec<V> {
    const DIRECT: Direct<Self> = V::DIRECT.list();

    fn count(&self) -> usize {
        self.len()
    }

    fn at(&self, i: usize) -> ValueRef<'_> {
        value_ref(&self[i])
    }

    // Compiled once per value type (a few in all), not per field.
    fn put_plain_each(&self, enc: &mut Encoder<'_>, head: &str) -> Result<(), EncodeError> {
        self.iter()
            .try_for_each(|value| enc.put_plain(head, value_ref(value), false))
    }
}

/// Whether two values have the same wire form (`Yes` and `true` do, for a
/// `bool`).
fn same_wire(a: &dyn WriteValue, b: &dyn WriteValue) -> bool {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    a.write_value(&mut x);
    b.write_value(&mut y);
    x == y
}

/// The position in `values` of `value`, trimmed and compared ignoring ASCII
/// case: how `#[derive(AmiEnum)]` reads a value (its `VALUES` are in
/// variant order), with one loop for every enumeration rather than a
/// `match` of byte strings per enumeration.
pub fn value_index(value: &str, values: &[&str]) -> Option<usize> {
    // The usual case, a value of up to 16 bytes with nothing to trim,
    // spelled as the spec does, in a loop of word compares that calls
    // nothing (and so needs no stack frame); anything else out of line.
    let bytes = value.as_bytes();
    let plain = |b: u8| b > b' ' && b.is_ascii();
    if let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) {
        if plain(first) && plain(last) && bytes.len() <= 16 {
            for (i, v) in values.iter().enumerate() {
                if same_text(v.as_bytes(), bytes) {
                    return Some(i);
                }
            }
        }
    }
    value_index_slow(value, values)
}

/// [`value_index`] in full: the value trimmed, compared exactly, then
/// ignoring ASCII case.
#[inline(never)]
fn value_index_slow(value: &str, values: &[&str]) -> Option<usize> {
    let value = super::value::trim_value(value);
    // Asterisk spells values as the spec does: an exact comparison finds
    // them for a compare of lengths per value and one of bytes, where
    // ignoring case costs a dozen instructions a byte.
    values
        .iter()
        .position(|v| same_text(v.as_bytes(), value.as_bytes()))
        .or_else(|| values.iter().position(|v| v.eq_ignore_ascii_case(value)))
}

/// `a == b`, with short texts (names, enumeration values: mostly under 16
/// bytes) compared in two overlapping words of 8, 4 or 1 bytes inline,
/// where `==` calls `memcmp` (a call and its set-up per comparison).
#[inline]
pub(crate) fn same_text(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    let word = |bytes: &[u8], at: usize| {
        let mut word = [0; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(word)
    };
    let half = |bytes: &[u8], at: usize| {
        let mut half = [0; 4];
        half.copy_from_slice(&bytes[at..at + 4]);
        u32::from_le_bytes(half)
    };
    match len {
        17.. => a == b,
        8..=16 => word(a, 0) == word(b, 0) && word(a, len - 8) == word(b, len - 8),
        4..=7 => half(a, 0) == half(b, 0) && half(a, len - 4) == half(b, len - 4),
        _ => a.iter().zip(b).all(|(x, y)| x == y),
    }
}

// Inlined into the decoding helpers: the value then goes straight into its
// slot instead of through a `Result` in memory.
#[inline]
fn parse<T: WireValue>(header: &RawHeader<'_>) -> Result<T, Box<FieldError>> {
    match T::decode(header) {
        Ok(value) => Ok(value),
        Err(error) => Err(invalid(header, error)),
    }
}

#[cold]
pub(crate) fn invalid(header: &RawHeader<'_>, error: ValueError) -> Box<FieldError> {
    Box::new(FieldError::Invalid {
        field: header.name.to_owned(),
        error,
    })
}

/// Whether `text` says the same as `value` does: both are written in wire
/// form and compared, so `Yes` repeats `true` for a `bool`.
fn same_value<T: WireValue>(value: &T, text: &str) -> bool {
    match T::parse_wire(text) {
        Ok(other) => same_wire(value, &other),
        Err(_) => false,
    }
}

/// [`Accepted::Left`], from a call that is never inlined: what a derived
/// `accept` answers when no field took the header. Every answer of such an
/// `accept` is then a call's, which the compiler turns into tail calls
/// (with the constant among them, it merged the answers and returned after
/// each call, in a stack frame).
#[inline(never)]
pub fn left() -> Accepted {
    Accepted::Left
}

/// Offer a header to a single-valued field. A repeat that says the same as
/// the first occurrence is dropped; a different one is left
/// ([`Accepted::Left`]) so that the message keeps it among its extra
/// headers. Never inlined: a struct's `accept` then needs no stack frame
/// of its own, and its arms stay a compare and a jump to here.
#[inline(never)]
pub fn accept_value<T: WireValue>(slot: &mut Option<T>, header: &RawHeader<'_>) -> Accepted {
    match slot {
        None => match T::decode_into(header, slot) {
            Ok(()) => Accepted::Taken,
            Err(error) => Accepted::Refused(invalid(header, error)),
        },
        Some(_) => accept_repeat(slot, header),
    }
}

/// [`accept_value`] for a header whose field holds a value already (rare):
/// out of line, so that the usual path (an empty slot, a short text built
/// in it) needs no stack frame for the comparison's temporaries.
#[inline(never)]
fn accept_repeat<T: WireValue>(slot: &mut Option<T>, header: &RawHeader<'_>) -> Accepted {
    match slot {
        Some(first) => Accepted::taken_if(same_value(first, header.value)),
        None => Accepted::Left,
    }
}

/// Offer a header to a repeated field: every occurrence is kept, in order.
#[inline]
pub fn accept_repeated<T: WireValue>(values: &mut Vec<T>, header: &RawHeader<'_>) -> Accepted {
    T::accept_push(header, values)
}

/// Offer entry `index` of an indexed field. Entries are kept sorted by
/// index; a repeated index is handled like a repeated single value.
pub fn accept_indexed<T: WireValue>(
    entries: &mut Vec<(u32, T)>,
    index: u32,
    header: &RawHeader<'_>,
) -> Accepted {
    match entries.binary_search_by_key(&index, |(i, _)| *i) {
        Ok(pos) => Accepted::taken_if(same_value(&entries[pos].1, header.value)),
        Err(pos) => match parse(header) {
            Ok(value) => {
                entries.insert(pos, (index, value));
                Accepted::Taken
            }
            Err(error) => Accepted::Refused(error),
        },
    }
}

/// The values of an indexed field, in index order.
pub fn finish_indexed<T>(entries: Vec<(u32, T)>) -> Vec<T> {
    entries.into_iter().map(|(_, v)| v).collect()
}

/// The value of a field that must be present, or the error naming it.
pub fn finish_value<T>(slot: Option<T>, prefix: &str, name: &str) -> Result<T, FieldError> {
    slot.ok_or_else(|| FieldError::Missing {
        field: format!("{prefix}{name}"),
    })
}

/// `outer` + `prefix`, the prefix of a nested group for its errors: no
/// copy for a group of a top-level struct (every group of an event), and
/// then no call either.
#[inline]
fn join_prefix<'a>(outer: &'a str, prefix: &'a str) -> Cow<'a, str> {
    if outer.is_empty() {
        Cow::Borrowed(prefix)
    } else {
        joined_prefix(outer, prefix)
    }
}

/// [`join_prefix`] of a group inside a prefixed group, out of line.
#[inline(never)]
fn joined_prefix<'a>(outer: &str, prefix: &str) -> Cow<'a, str> {
    Cow::Owned(format!("{outer}{prefix}"))
}

/// Build a flattened group; `outer` is the prefix of the enclosing struct.
pub fn finish_group<G: Fields>(
    partial: &mut G::Partial,
    outer: &str,
    prefix: &str,
) -> Result<G, FieldError> {
    G::finish(partial, &join_prefix(outer, prefix))
}

/// Build a flattened group in `place`, its field in the struct that a
/// derived [`Fields::finish_into`] builds: the group is written where it
/// stays, not returned and copied. `outer` is the prefix of the enclosing
/// struct. On an error nothing is left in `place` to drop.
///
/// # Safety
///
/// `place` must be valid for writes of a `G` and hold no value that needs
/// dropping (it is overwritten without being dropped).
#[inline]
pub unsafe fn finish_group_into<G: Fields>(
    partial: &mut G::Partial,
    outer: &str,
    prefix: &str,
    place: *mut G,
) -> Result<(), FieldError> {
    // SAFETY: `place` is valid for writes of a `G` (the caller's promise),
    // and `MaybeUninit<G>` has the layout of `G` and may hold anything.
    let out = unsafe { &mut *place.cast::<MaybeUninit<G>>() };
    match G::finish_into(partial, &join_prefix(outer, prefix), out) {
        Ok(done) => {
            super::fields::is_initialised(done, place);
            Ok(())
        }
        Err(error) => Err(error),
    }
}

/// Move the value of a decoding slot to `to`, its field in the struct that
/// a derived [`Fields::finish_into`] builds, and leave the slot empty (its
/// `Default`). What `*to = mem::take(slot)` does, but copied from the slot
/// to the field directly: the `take` went through a temporary on the stack
/// (a dozen moves per field of every struct decoded).
///
/// # Safety
///
/// `to` must be valid for writes of a `T` and hold no value that needs
/// dropping (it is overwritten without being dropped).
#[inline(always)]
pub unsafe fn move_slot<T: Default>(slot: &mut T, to: *mut T) {
    // Made first, so that nothing can unwind between the copy and the
    // overwrite, while the value has two owners.
    let empty = T::default();
    // SAFETY: `to` is valid for writes (the caller's promise) and cannot
    // overlap `slot`, a live `&mut`. After the copy the value is owned by
    // `*to`; the slot's bits are overwritten without being dropped.
    unsafe {
        std::ptr::copy_nonoverlapping(slot, to, 1);
        std::ptr::write(slot, empty);
    }
}

/// [`Fields::finish`] of a derived struct: its [`Fields::finish_into`] on
/// the stack (the derive builds structs in place; this is the by-value
/// form, for a struct decoded on its own), called through the untyped shim
/// that decoding uses anyway, so that this copy per struct is a call and a
/// copy.
#[inline]
pub fn finish_in_place<T: Fields>(partial: &mut T::Partial, prefix: &str) -> Result<T, FieldError> {
    let mut out = MaybeUninit::<T>::uninit();
    // SAFETY: `partial` is a `T::Partial`, not otherwise borrowed, and
    // `out` has room for a `T`, as `finish_partial::<T>` requires.
    let finished = unsafe {
        finish_partial::<T>(
            (partial as *mut T::Partial).cast(),
            prefix,
            out.as_mut_ptr().cast(),
        )
    };
    match finished {
        // SAFETY: `finish_partial` wrote a `T` to `out` when it returns
        // `Ok`.
        Ok(()) => Ok(unsafe { out.assume_init() }),
        Err(error) => Err(error),
    }
}

/// Offer a header to an optional flattened group, remembering whether the
/// group took any header at all.
pub fn accept_optional_group<G: Fields>(
    slot: &mut (G::Partial, bool),
    key: &[u8],
    header: &RawHeader<'_>,
) -> Accepted {
    let accepted = G::accept(&mut slot.0, key, header);
    slot.1 |= accepted.is_taken();
    accepted
}

/// Build an optional flattened group: `None` when none of its headers came.
pub fn finish_optional_group<G: Fields>(
    slot: &mut (G::Partial, bool),
    outer: &str,
    prefix: &str,
) -> Result<Option<G>, FieldError> {
    match slot {
        (partial, true) => finish_group(partial, outer, prefix).map(Some),
        (_, false) => Ok(None),
    }
}

/// Offer a header to an indexed group: `key` is split into name, index and
/// rest, and `name` + `rest` is offered to entry `index`. An entry is only
/// created once one of its fields takes a header.
pub fn accept_indexed_group<G: Fields>(
    entries: &mut Vec<(u32, G::Partial)>,
    style: IndexStyle,
    key: &[u8],
    header: &RawHeader<'_>,
) -> Accepted {
    let Some((name, index, rest)) = super::fields::split_index(key, style) else {
        return Accepted::Left;
    };
    let joined;
    let inner = if rest.is_empty() {
        name
    } else {
        joined = [name, rest].concat();
        joined.as_slice()
    };
    match entries.binary_search_by_key(&index, |(i, _)| *i) {
        Ok(pos) => G::accept(&mut entries[pos].1, inner, header),
        Err(pos) => {
            let mut partial = G::Partial::default();
            let accepted = G::accept(&mut partial, inner, header);
            if accepted.is_taken() {
                entries.insert(pos, (index, partial));
            }
            accepted
        }
    }
}

/// Build the entries of an indexed group, in index order. A missing field is
/// named with its index (`Action-000002`).
pub fn finish_indexed_group<G: Fields>(
    entries: Vec<(u32, G::Partial)>,
    style: IndexStyle,
    prefix: &str,
) -> Result<Vec<G>, FieldError> {
    entries
        .into_iter()
        .map(|(index, mut partial)| {
            G::finish(&mut partial, prefix).map_err(|error| match error {
                FieldError::Missing { field } => FieldError::Missing {
                    field: match style {
                        IndexStyle::Dash6 => format!("{field}-{index:06}"),
                        IndexStyle::Paren => format!("{field}({index})"),
                    },
                },
                other => other,
            })
        })
        .collect()
}

/// A constraint between the parameters of an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constraint {
    /// Exactly one parameter is set.
    ExactlyOne,
    /// At most one parameter is set.
    AtMostOne,
    /// All or none of the parameters are set.
    Together,
    /// When the first parameter is set, all the others are too.
    Requires,
}

/// Check one constraint, given which of its parameters are set; `rule` is
/// the constraint in words, for the error. Inlined into each action's
/// `encode`, where `constraint` and the length of `set` are constants: a
/// few instructions, and a call only to build the error.
#[inline]
pub fn check_constraint(
    enc: &Encoder<'_>,
    constraint: Constraint,
    set: &[bool],
    rule: &str,
) -> Result<(), EncodeError> {
    let count = set.iter().filter(|s| **s).count();
    let holds = match constraint {
        Constraint::ExactlyOne => count == 1,
        Constraint::AtMostOne => count <= 1,
        Constraint::Together => count == 0 || count == set.len(),
        Constraint::Requires => !set.first().copied().unwrap_or(false) || count == set.len(),
    };
    if holds {
        Ok(())
    } else {
        Err(constraint_error(enc, rule))
    }
}

#[cold]
#[inline(never)]
fn constraint_error(enc: &Encoder<'_>, rule: &str) -> EncodeError {
    enc.error(EncodeErrorKind::Constraint {
        rule: rule.to_owned(),
    })
}

fn event_header<M: MessageView>(msg: &M) -> Option<&str> {
    match msg.kind() {
        MessageKind::Event(name) => Some(name),
        _ => None,
    }
}

/// Decode an event message into the event struct `E`, after checking that
/// its `Event` header names `E`.
pub fn decode_event<E: Event, M: MessageView>(msg: &M) -> Result<E, DecodeError> {
    match event_header(msg) {
        Some(name) => decode_named_event(msg, name),
        None => Err(no_event_header(E::NAME)),
    }
}

#[cold]
fn no_event_header(event: &str) -> DecodeError {
    DecodeError::unexpected(format!("event {event}"), "an Event header", "none")
}

/// [`decode_event`] for a message whose `Event` header, `name`, the caller
/// has already read.
///
/// A shim per event: all but the room for the decoding state and the value
/// is in `decode_event_untyped`, compiled once per message type.
pub fn decode_named_event<E: Event, M: MessageView>(msg: &M, name: &str) -> Result<E, DecodeError> {
    let mut partial = MaybeUninit::<E::Partial>::uninit();
    let mut value = MaybeUninit::<E>::uninit();
    // SAFETY: the operations are those of `E`, `partial` has room for an
    // `E::Partial` and `value` for an `E`, as `decode_event_untyped`
    // requires.
    let decoded = unsafe {
        decode_event_untyped(
            msg,
            name,
            &(E::NAME, E::USER_EVENT),
            ops_of::<E>(),
            partial.as_mut_ptr().cast(),
            value.as_mut_ptr().cast(),
        )
    };
    // `match` rather than `?`: no `Try` conversion compiled per event.
    match decoded {
        // SAFETY: `decode_event_untyped` wrote an `E` into `value` when it
        // returns `Ok`.
        Ok(()) => Ok(unsafe { value.assume_init() }),
        Err(error) => Err(error),
    }
}

/// The body of [`decode_named_event`]: the event's name checked against
/// `names` (`Event`, `UserEvent` subtype), then the event decoded into
/// `value` ([`decode_untyped`]).
///
/// # Safety
/// As [`decode_untyped`]: `ops`, `partial` and `value` are those of the
/// event that `names` names.
#[inline(never)]
unsafe fn decode_event_untyped<M: MessageView>(
    msg: &M,
    name: &str,
    names: &'static (&'static str, Option<&'static str>),
    ops: &DecodeOps,
    partial: *mut u8,
    value: *mut u8,
) -> Result<(), DecodeError> {
    match event_role(msg, name, names.0, names.1) {
        Ok(role) => decode_untyped(msg, role, &lazy_event_context(names), ops, partial, value),
        Err(error) => Err(error),
    }
}

/// [`decode_named_event`] into a `Box` (what the boxed variants of an enum
/// of events call, through `FromEvent::from_named_event_boxed`): the event
/// is built in its box. All but a cast and the room for the decoding state
/// is in `decode_event_untyped_boxed`, compiled once per message type.
pub fn decode_named_event_boxed<E: Event, M: MessageView>(
    msg: &M,
    name: &str,
) -> Result<Box<E>, DecodeError> {
    let mut partial = MaybeUninit::<E::Partial>::uninit();
    // SAFETY: the operations are those of `E`, and `partial` has room for
    // an `E::Partial`, as `decode_event_untyped_boxed` requires.
    let decoded = unsafe {
        decode_event_untyped_boxed(
            msg,
            name,
            &(E::NAME, E::USER_EVENT),
            ops_of::<E>(),
            partial.as_mut_ptr().cast(),
        )
    };
    match decoded {
        // SAFETY: the pointer is an allocation of `E`'s layout from the
        // global allocator holding an initialised `E`: a `Box<E>`'s
        // (`decode_untyped_boxed`).
        Ok(ptr) => Ok(unsafe { Box::from_raw(ptr.cast::<E>()) }),
        Err(error) => Err(error),
    }
}

/// The body of [`decode_named_event_boxed`]: the event's name checked
/// against `names` (`Event`, `UserEvent` subtype), then the event decoded
/// into a new box ([`decode_untyped_boxed`]).
///
/// # Safety
/// As [`decode_untyped_boxed`]: `ops` and `partial` are those of the event
/// that `names` names.
#[inline(never)]
unsafe fn decode_event_untyped_boxed<M: MessageView>(
    msg: &M,
    name: &str,
    names: &'static (&'static str, Option<&'static str>),
    ops: &DecodeOps,
    partial: *mut u8,
) -> Result<*mut u8, DecodeError> {
    match event_role(msg, name, names.0, names.1) {
        Ok(role) => decode_untyped_boxed(msg, role, &lazy_event_context(names), ops, partial),
        Err(error) => Err(error),
    }
}

/// The role of an event message whose `Event` header is `name`, once its
/// name (and for a `UserEvent` subtype its `UserEvent` header) is checked
/// against `event` (and `user_event`). Generic over the message alone, not
/// the event; inlined into its two callers (one copy per kind of message
/// each), where the usual case, no subtype, is a name compare and a return.
#[inline]
fn event_role<M: MessageView>(
    msg: &M,
    name: &str,
    event: &str,
    user_event: Option<&str>,
) -> Result<MessageRole, DecodeError> {
    check_event_name(name, event)?;
    match user_event {
        None => Ok(MessageRole::Event),
        Some(subtype) => user_event_role(msg, event, subtype),
    }
}

/// The role of a `UserEvent` subtype's message, once its `UserEvent`
/// header is checked against `subtype`.
#[inline(never)]
fn user_event_role<M: MessageView>(
    msg: &M,
    event: &str,
    subtype: &str,
) -> Result<MessageRole, DecodeError> {
    check_user_event(user_event_header(msg), event, subtype)?;
    Ok(MessageRole::UserEvent)
}

/// Whether the `Event` header's value `found` names `event` (ignoring ASCII
/// case), or the error saying so.
fn check_event_name(found: &str, event: &str) -> Result<(), DecodeError> {
    // Asterisk spells event names as the spec does: an exact comparison (a
    // few word compares) settles it before the case-insensitive loop.
    if same_text(found.as_bytes(), event.as_bytes()) || found.eq_ignore_ascii_case(event) {
        Ok(())
    } else {
        Err(wrong_event_name(found, event))
    }
}

/// The error of [`check_event_name`], out of its way.
#[cold]
#[inline(never)]
fn wrong_event_name(found: &str, event: &str) -> DecodeError {
    DecodeError::unexpected(
        format!("event {event}"),
        format!("Event: {event}"),
        format!("Event: {found}"),
    )
}

/// Whether the `UserEvent` header's value `found` is `subtype` (ignoring
/// ASCII case), or the error saying so.
fn check_user_event(found: Option<&str>, event: &str, subtype: &str) -> Result<(), DecodeError> {
    if found.is_some_and(|v| v.eq_ignore_ascii_case(subtype)) {
        return Ok(());
    }
    Err(DecodeError::unexpected(
        event_context(event, Some(subtype)),
        format!("UserEvent: {subtype}"),
        found.map_or_else(
            || "no UserEvent header".to_owned(),
            |v| format!("UserEvent: {v}"),
        ),
    ))
}

/// [`event_context`], built only when an error needs it. A function that
/// is not generic, so that every event shares its closure type: a closure
/// written in `decode_named_event::<E>` would be one type per event, each
/// with its own `Fn` vtable and `call_once` shims (about 9k lines of IR
/// over the generated crate). `names` (`Event`, `UserEvent` subtype) is a
/// constant promoted per event, so the closure is one pointer to make.
#[inline]
fn lazy_event_context(names: &'static (&'static str, Option<&'static str>)) -> impl Fn() -> String {
    move || event_context(names.0, names.1)
}

/// `event Hangup`, or `event UserEvent CallQualityReport` for a subtype.
fn event_context(event: &str, subtype: Option<&str>) -> String {
    match subtype {
        None => format!("event {event}"),
        Some(subtype) => format!("event {event} {subtype}"),
    }
}

/// The value of the first `UserEvent` header of `msg`.
fn user_event_header<M: MessageView>(msg: &M) -> Option<&str> {
    msg.raw_headers()
        .find(|h| h.is("UserEvent"))
        .map(|h| h.value)
}

/// Whether `msg` is the `UserEvent` subtype `E` (its `Event` header, `name`,
/// read already): what `FromEvent::accepts_message` of a subtype says.
pub fn accepts_user_event<E: Event, M: MessageView>(msg: &M, name: &str) -> bool {
    name.eq_ignore_ascii_case(E::NAME)
        && E::USER_EVENT.map_or(true, |subtype| user_event_is(msg, subtype))
}

/// Whether the first `UserEvent` header of `msg` is `subtype`, ignoring
/// ASCII case: how an enum of events picks a `UserEvent` subtype variant.
pub fn user_event_is<M: MessageView>(msg: &M, subtype: &str) -> bool {
    user_event_header(msg).is_some_and(|v| v.eq_ignore_ascii_case(subtype))
}

/// The `Event` header of a message that an enum of events decodes.
pub fn event_name<M: MessageView>(msg: &M) -> Result<&str, DecodeError> {
    event_header(msg).ok_or_else(|| DecodeError::unexpected("event", "an Event header", "none"))
}

/// The error for an event that no variant of an enum of events takes;
/// `expected` lists the names it takes.
pub fn unexpected_event(name: &str, expected: &str) -> DecodeError {
    DecodeError::unexpected(format!("event {name}"), expected, format!("Event: {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<'a>(name: &'a str, value: &'a str) -> RawHeader<'a> {
        RawHeader::new(name, value)
    }

    #[test]
    fn key_is_matches_lowercase_comparison() {
        let names = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "event",
            "cause-txt",
            "privilege",
            "channelstate",
            "connectedlinename",
            "destchannelstatedesc",
            "x-ünï_1",
            "unitamount(0)",
            "a0123456789-_[]@`{}~z",
        ];
        for lower in names {
            let lower = lower.as_bytes();
            assert!(key_is(lower, lower));
            assert!(key_is(&lower.to_ascii_uppercase(), lower));
            // Every byte value at every position: the same verdict as
            // lowercasing the key and comparing.
            for at in 0..lower.len() {
                for b in 0..=255u8 {
                    let mut key = lower.to_vec();
                    key[at] = b;
                    assert_eq!(
                        key_is(&key, lower),
                        key.to_ascii_lowercase() == lower,
                        "{:?} {:?}",
                        String::from_utf8_lossy(&key),
                        String::from_utf8_lossy(lower),
                    );
                }
            }
            assert!(!key_is(&[lower, b"x"].concat(), lower));
            if let Some((_, shorter)) = lower.split_last() {
                assert!(!key_is(shorter, lower));
            }
        }
        assert_eq!(
            strip_key_prefix(b"DestChannel", b"dest"),
            Some(&b"Channel"[..])
        );
        assert_eq!(strip_key_prefix(b"Dest", b"dest"), Some(&b""[..]));
        assert_eq!(strip_key_prefix(b"Des", b"dest"), None);
        assert_eq!(strip_key_prefix(b"DistChannel", b"dest"), None);
    }

    #[test]
    fn same_text_is_equality() {
        // Every length up to past the word compares, a difference at every
        // position (each byte value there), and a length apart.
        for len in 0..=40usize {
            let a: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(same_text(&a, &a.clone()), "{len}");
            assert!(!same_text(&a, &a[..len.saturating_sub(1)]) || len == 0);
            assert!(!same_text(&a, &[&a[..], b"a"].concat()), "{len}");
            for at in 0..len {
                for byte in [0u8, b'A', a[at] ^ 0x20, a[at] ^ 0x80, 0xff] {
                    let mut b = a.clone();
                    b[at] = byte;
                    assert_eq!(same_text(&a, &b), a == b, "{len} {at} {byte:#x}");
                }
            }
        }
    }

    #[test]
    fn value_index_trims_and_ignores_case() {
        assert_eq!(value_index(" up ", &["Down", "Up"]), Some(1));
        assert_eq!(value_index("\u{a0}DOWN", &["Down", "Up"]), Some(0));
        assert_eq!(value_index("Dow", &["Down", "Up"]), None);
        // Every length around the word sizes and the 16-byte fast path,
        // exact, in another case, with spaces, and among values that share
        // a length or a prefix: the position of the first value that
        // `trim` and `eq_ignore_ascii_case` say is the same.
        let long = "A_VALUE_LONGER_THAN_SIXTEEN_BYTES";
        let values: Vec<&str> = (1..=long.len()).map(|n| &long[..n]).collect();
        let other: Vec<String> = values.iter().map(|v| v.replace('A', "B")).collect();
        let mut all: Vec<&str> = other.iter().map(String::as_str).collect();
        all.extend(&values);
        for v in &values {
            let lower = v.to_ascii_lowercase();
            let spaced = format!(" {v}\t");
            for probe in [*v, &lower, &spaced, &v[..v.len() - 1]] {
                let expected = all
                    .iter()
                    .position(|x| x.eq_ignore_ascii_case(probe.trim()));
                assert_eq!(value_index(probe, &all), expected, "{probe:?}");
            }
        }
        assert_eq!(value_index("", &["", "x"]), Some(0));
        assert_eq!(value_index(" ", &["x", ""]), Some(1));
    }

    #[test]
    fn repeated_value_is_dropped_only_when_it_says_the_same() {
        let mut slot = None;
        let accept = |slot: &mut Option<bool>, name, value| accept_value(slot, &raw(name, value));
        assert_eq!(accept(&mut slot, "A", "yes"), Accepted::Taken);
        assert_eq!(accept(&mut slot, "a", "True"), Accepted::Taken);
        assert_eq!(accept(&mut slot, "A", "no"), Accepted::Left);
        assert_eq!(accept(&mut slot, "A", "?"), Accepted::Left);
        assert_eq!(slot, Some(true));
    }

    #[test]
    fn indexed_entries_are_sorted() {
        let mut entries = Vec::new();
        for (i, v) in [(2, "c"), (0, "a"), (1, "b"), (0, "a"), (0, "z")] {
            let accepted = accept_indexed::<String>(&mut entries, i, &raw("X", v));
            assert_eq!(accepted, Accepted::taken_if(v != "z"));
        }
        assert_eq!(finish_indexed(entries), ["a", "b", "c"]);
    }

    #[test]
    fn constraints() {
        let mut out = Vec::new();
        let enc = Encoder::new(&mut out, "T");
        let ok = |c, set: &[bool]| check_constraint(&enc, c, set, "r").is_ok();
        assert!(ok(Constraint::ExactlyOne, &[false, true]));
        assert!(!ok(Constraint::ExactlyOne, &[false, false]));
        assert!(!ok(Constraint::ExactlyOne, &[true, true]));
        assert!(ok(Constraint::AtMostOne, &[false, false]));
        assert!(!ok(Constraint::AtMostOne, &[true, true]));
        assert!(ok(Constraint::Together, &[true, true]));
        assert!(ok(Constraint::Together, &[false, false]));
        assert!(!ok(Constraint::Together, &[true, false]));
        assert!(ok(Constraint::Requires, &[false, false]));
        assert!(ok(Constraint::Requires, &[false, true]));
        assert!(!ok(Constraint::Requires, &[true, false]));
        assert!(ok(Constraint::Requires, &[true, true]));
    }
}
