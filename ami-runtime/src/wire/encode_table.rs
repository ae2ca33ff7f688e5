//! Table-driven encoding of derived structs.
//!
//! A derived `Fields::encode` holds no per-field code: it hands the struct
//! to [`FieldTable::encode`] with a `static` table built by the derive, one
//! [`Entry`] per field in spec order (extra headers last). An entry holds
//! what does not change (the header name followed by `": "`, or a group's
//! prefix; whether the value may be blank; an index style), the offset of
//! the field in the struct, and a writer: a function compiled once per
//! field TYPE (`AmiStr`, `Option<u32>`, `Vec<Var>`, a group...), never per
//! struct or per field. One loop, compiled once, walks the table.
//!
//! Safety rests on one promise, made by the single `unsafe` call in the
//! derive's output ([`FieldTable::new`]): each entry's offset is that of a
//! field of the struct whose declared type is the type its writer was made
//! for. The derive emits both halves of each entry from the same field of
//! the same struct (`core::mem::offset_of!(Struct, field)` and
//! `Entry::value::<FieldType>`, `FieldType` being the tokens of the field's
//! declaration), so they cannot disagree. A writer then reads the field
//! through a pointer of exactly that type, derived from a `&Struct` that
//! outlives the call.

use std::marker::PhantomData;

use super::ami_str::AmiStr;
use super::derive_support::{ValueList, ValueRef};
use super::error::EncodeError;
use super::fields::{has_line_break, Encoder, Fields, IndexStyle, Name, ACTION_ID};
use super::message::Header;
use super::value::Var;
use super::value::WireValue;

/// What writes one field: called with the address of the field (of the type
/// the writer was made for), the encoder, and the field's entry.
///
/// The error is boxed (allocated only when a value is refused) so that the
/// result comes back in a register: an `EncodeError` is eleven words, which
/// would go through memory after every field.
type Writer = unsafe fn(*const u8, &mut Encoder<'_>, &Entry) -> Written;

/// What a [`Writer`] returns.
type Written = Result<(), Box<EncodeError>>;

/// How one field of a derived struct is written: an entry of a
/// [`FieldTable`]. Made by the derive, with the constructors below; the
/// type parameter of each is the declared type of the field.
#[derive(Clone, Copy)]
pub struct Entry {
    /// For a value, its header name followed by `": "` (`"Channel: "`),
    /// which must hold no CR, LF or NUL (the derive checks its literals and
    /// the writers do not look again); for a group, its name prefix
    /// (checked when written, as [`Encoder::group`] does).
    name: &'static str,
    /// Whether a value may not be blank.
    required: bool,
    /// The index style of an indexed field or group.
    index: Option<IndexStyle>,
    /// How the table loop reads the field itself, if it may ([`Direct`]):
    /// then `write` is called only inside a group.
    direct: Kind,
    /// Where the field is in the struct (`offset_of!`).
    offset: usize,
    /// How to write it.
    write: Writer,
}

/// A type whose fields the table loop reads itself (no call of a writer):
/// what a [`Direct`] says of its type.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// None of the below: the entry's writer writes it.
    Call,
    /// An [`AmiStr`].
    Text,
    /// A `u64`.
    UInt,
    /// An `i64`.
    Int,
    /// A `bool`.
    Bool,
    /// A [`Var`].
    Var,
    /// An `Option<AmiStr>`.
    OptText,
    /// An `Option<u64>`.
    OptUInt,
    /// An `Option<i64>`.
    OptInt,
    /// An `Option<bool>`.
    OptBool,
    /// An `Option<Var>`.
    OptVar,
    /// A `Vec<AmiStr>`, repeated (no index).
    TextList,
    /// A `Vec<Var>`, repeated (no index).
    VarList,
    /// A `Vec<Header>` of extra headers: the writer is called only when
    /// there are some.
    Extra,
}

/// Whether the table loop may read a field of type `T` itself, and how: a
/// proof that `T` is one of the few types it knows ([`AmiStr`], `u64`,
/// `i64`, `bool`, [`Var`], `Option`s of them, `Vec<AmiStr>` and
/// `Vec<Var>`), or [`Direct::NONE`]: the field is written by the writer
/// made for its type, as any other.
///
/// The proof rests on who can make one: a `Direct<T>` other than `NONE` is
/// made only in this crate, by the constants of `Direct<AmiStr>`,
/// `Direct<u64>`, `Direct<i64>`, `Direct<bool>` and `Direct<Var>`, and by
/// `Direct::optional` and `Direct::list` of those. A `Direct<T>` that says "text" therefore
/// has `T = AmiStr`, whatever `WireValue` impl hands it out (the
/// constant's type would not match any other `T`). Only for the derive
/// support: not a stable API.
#[doc(hidden)]
pub struct Direct<T> {
    kind: Kind,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Direct<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Direct<T> {}

impl<T> Direct<T> {
    /// No shortcut: fields of type `T` go through their writer.
    pub const NONE: Direct<T> = Direct::of(Kind::Call);

    /// Only for the constants below, each of the one type its kind names.
    const fn of(kind: Kind) -> Self {
        Direct {
            kind,
            _type: PhantomData,
        }
    }

    /// The same for an `Option<T>` (`Some` holds a `T`, so the proof
    /// carries over).
    pub(crate) const fn optional(self) -> Direct<Option<T>> {
        Direct::of(match self.kind {
            Kind::Text => Kind::OptText,
            Kind::UInt => Kind::OptUInt,
            Kind::Int => Kind::OptInt,
            Kind::Bool => Kind::OptBool,
            Kind::Var => Kind::OptVar,
            _ => Kind::Call,
        })
    }

    /// The same for a `Vec<T>` (each element a `T`), written as repeated
    /// headers.
    pub(crate) const fn list(self) -> Direct<Vec<T>> {
        Direct::of(match self.kind {
            Kind::Text => Kind::TextList,
            Kind::Var => Kind::VarList,
            _ => Kind::Call,
        })
    }
}

impl Direct<AmiStr> {
    /// Text, read as an [`AmiStr`].
    pub(crate) const TEXT: Self = Direct::of(Kind::Text);
}

impl Direct<u64> {
    /// Read as a `u64`.
    pub(crate) const UINT: Self = Direct::of(Kind::UInt);
}

impl Direct<i64> {
    /// Read as an `i64`.
    pub(crate) const INT: Self = Direct::of(Kind::Int);
}

impl Direct<bool> {
    /// Read as a `bool`.
    pub(crate) const BOOL: Self = Direct::of(Kind::Bool);
}

impl Direct<Var> {
    /// Read as a [`Var`].
    pub(crate) const VAR: Self = Direct::of(Kind::Var);
}

impl Entry {
    /// A field of type `T`, written `Name: value`; a `required` value may
    /// not be blank. `head` is `"Name: "`.
    pub const fn value<T: WireValue>(head: &'static str, required: bool, offset: usize) -> Entry {
        Entry {
            name: head,
            required,
            index: None,
            direct: T::DIRECT.kind,
            offset,
            write: write_value_at::<T>,
        }
    }

    /// An optional field (`Option<T>`), written `Name: value` when present.
    pub const fn optional<F: OptionalValue>(head: &'static str, offset: usize) -> Entry {
        Entry {
            name: head,
            required: false,
            index: None,
            direct: F::DIRECT.kind,
            offset,
            write: write_optional_at::<F>,
        }
    }

    /// A repeated field (`Vec<T>`), written `Name: value` once per value.
    pub const fn repeated<F: ValueList>(head: &'static str, offset: usize) -> Entry {
        Entry {
            name: head,
            required: false,
            index: None,
            direct: F::DIRECT.kind,
            offset,
            write: write_list_at::<F>,
        }
    }

    /// An indexed field (`Vec<T>`), written `Name-000000: value`,
    /// `Name-000001: ...` (or `Name(0)`...).
    pub const fn indexed<F: ValueList>(
        head: &'static str,
        style: IndexStyle,
        offset: usize,
    ) -> Entry {
        Entry {
            name: head,
            required: false,
            index: Some(style),
            direct: Kind::Call,
            offset,
            write: write_list_at::<F>,
        }
    }

    /// A group of fields flattened under a name `prefix` (may be empty).
    pub const fn group<G: Fields>(prefix: &'static str, offset: usize) -> Entry {
        Entry {
            name: prefix,
            required: false,
            index: None,
            direct: Kind::Call,
            offset,
            write: write_group_at::<G>,
        }
    }

    /// An optional group (`Option<G>`), written when present.
    pub const fn optional_group<F: OptionalGroup>(prefix: &'static str, offset: usize) -> Entry {
        Entry {
            name: prefix,
            required: false,
            index: None,
            direct: Kind::Call,
            offset,
            write: write_optional_group_at::<F>,
        }
    }

    /// An indexed group (`Vec<G>`): entry `i` with every name suffixed by
    /// index `i`.
    pub const fn indexed_group<F: GroupList>(style: IndexStyle, offset: usize) -> Entry {
        Entry {
            name: "",
            required: false,
            index: Some(style),
            direct: Kind::Call,
            offset,
            write: write_indexed_group_at::<F>,
        }
    }

    /// The constraints between the fields of the struct `S` itself,
    /// checked where the entry stands (the first, so that a refused action
    /// writes nothing): offset 0, the struct.
    pub const fn constraints<S: Constraints>() -> Entry {
        Entry {
            name: "",
            required: false,
            index: None,
            direct: Kind::Call,
            offset: 0,
            write: check_at::<S>,
        }
    }

    /// The extra headers (`Vec<Header>`), written as they are.
    pub const fn extra<F: ExtraHeaders>(offset: usize) -> Entry {
        Entry {
            name: "",
            required: false,
            index: None,
            direct: F::DIRECT.kind,
            offset,
            write: write_extra_at::<F>,
        }
    }
}

/// The encoding table of a struct `S`: its [`Entry`]s in the order they
/// are written.
pub struct FieldTable<S> {
    entries: &'static [Entry],
    // `fn(&S)`: the table neither owns an `S` nor stops being `Sync`.
    _struct: PhantomData<fn(&S)>,
}

impl<S> FieldTable<S> {
    /// The table of `entries`.
    ///
    /// # Safety
    ///
    /// For each entry, `offset` must be the offset in `S` of a field whose
    /// type is the type parameter the entry was made with
    /// (`Entry::value::<T>(.., core::mem::offset_of!(S, field))` with
    /// `field: T`): [`FieldTable::encode`] reads the field as that type.
    /// An [`Entry::constraints`] (offset 0) must be made with `S` itself.
    pub const unsafe fn new(entries: &'static [Entry]) -> Self {
        FieldTable {
            entries,
            _struct: PhantomData,
        }
    }

    /// Write the fields of `value` in table order.
    #[inline(always)]
    pub fn encode(&self, value: &S, enc: &mut Encoder<'_>) -> Result<(), EncodeError> {
        // SAFETY: `value` is a live `S`, and `new`'s contract says each
        // entry reads a field of `S` of the type its writer expects.
        unsafe { encode_entries((value as *const S).cast(), enc, self.entries) }
    }
}

/// What a message writer needs of a message type whose struct is encoded
/// by its table alone ([`Fields::ENCODE_TABLE`]): its first header and
/// name, its `UserEvent`, its table. One `static` per type (made by
/// [`MessageInfo::new`] in a `const` block), so that the writer takes a
/// single pointer for all of them.
pub(crate) struct MessageInfo {
    /// `Action: ` or `Event: `.
    pub(crate) head: &'static [u8],
    /// The action's or event's name.
    pub(crate) name: &'static str,
    /// The `UserEvent` of a user event.
    pub(crate) user_event: Option<&'static str>,
    /// The struct's table.
    entries: &'static [Entry],
    /// `head`, `name` and [`ACTION_ID`] joined, the first [`LEAD`] bytes
    /// of `lead`, when they fit and there is no `UserEvent`.
    lead: [u8; LEAD],
    /// Their length (0: they do not fit).
    lead_len: usize,
}

/// Room for an action's first line and the start of the second in a
/// [`MessageInfo`]: as much as `copy_short` (in `fields`) copies with
/// no call (names of up to 12 bytes fit).
const LEAD: usize = 32;

impl MessageInfo {
    /// The message type of `head` and `name` whose struct `S` has the
    /// table `table` (none: no field).
    pub(crate) const fn new<S>(
        head: &'static [u8],
        name: &'static str,
        user_event: Option<&'static str>,
        table: Option<FieldTable<S>>,
    ) -> Self {
        let entries = match table {
            Some(table) => table.entries,
            None => &[],
        };
        let mut lead = [0; LEAD];
        let mut lead_len = 0;
        let parts = [head, name.as_bytes(), ACTION_ID];
        if user_event.is_none() && head.len() + name.len() + ACTION_ID.len() <= LEAD {
            let mut p = 0;
            while p < parts.len() {
                let mut i = 0;
                while i < parts[p].len() {
                    lead[lead_len] = parts[p][i];
                    lead_len += 1;
                    i += 1;
                }
                p += 1;
            }
        }
        MessageInfo {
            head,
            name,
            user_event,
            entries,
            lead,
            lead_len,
        }
    }

    /// `head`, `name` and [`ACTION_ID`] joined, or nothing.
    #[inline(always)]
    pub(crate) fn lead(&self) -> &[u8] {
        self.lead.get(..self.lead_len).unwrap_or_default()
    }
}

/// A struct and its [`MessageInfo`], of a type that is no longer named
/// ([`Bound::new`]): two words, passed in registers, for
/// [`encode_action`](super::encode_action) and
/// [`encode_event`](super::encode_event), which write a whole message in
/// one function, compiled once, with the table loop inlined into it.
#[derive(Clone, Copy)]
pub(crate) struct Bound<'v> {
    /// The message type.
    info: &'static MessageInfo,
    /// The struct (borrowed for `'v`).
    base: *const u8,
    _value: PhantomData<&'v ()>,
}

impl<'v> Bound<'v> {
    /// `value` with the message type `info`.
    ///
    /// # Safety
    ///
    /// `info` was made from the table of `S` ([`MessageInfo::new`] with
    /// `S::ENCODE_TABLE` of this `S`).
    #[inline(always)]
    pub(crate) unsafe fn new<S>(info: &'static MessageInfo, value: &'v S) -> Self {
        Bound {
            info,
            base: (value as *const S).cast(),
            _value: PhantomData,
        }
    }

    /// The message type.
    #[inline(always)]
    pub(crate) fn info(self) -> &'static MessageInfo {
        self.info
    }

    /// [`FieldTable::encode`], its loop inlined into the caller, for
    /// `enc` the encoder of a whole message: outside any group, so names
    /// are written as they are without asking (in an encoder of a group
    /// they would lack the group's prefix).
    #[inline(always)]
    pub(crate) fn encode(self, enc: &mut Encoder<'_>) -> Result<(), EncodeError> {
        // SAFETY: `new`'s contract paired the table of a struct type with
        // a live struct of that type, borrowed for as long as `self` lives;
        // the table's contract ([`FieldTable::new`]) does the rest.
        unsafe { encode_entries_plain(self.base, enc, self.info.entries) }
    }
}

/// The loop of every derived `encode`, compiled once (its plain part,
/// [`encode_entries_plain`], once more, inlined into the function that
/// writes a whole message).
///
/// # Safety
///
/// `base` points to a live struct for which each entry's offset and writer
/// are those of one of its fields ([`FieldTable::new`]).
unsafe fn encode_entries(
    base: *const u8,
    enc: &mut Encoder<'_>,
    entries: &[Entry],
) -> Result<(), EncodeError> {
    if !enc.writes_plain_names() {
        // SAFETY: the caller's contract, passed on.
        return unsafe { encode_entries_by_call(base, enc, entries) };
    }
    // SAFETY: the caller's contract, and names are plain.
    unsafe { encode_entries_plain(base, enc, entries) }
}

/// [`encode_entries`] outside any group (the usual case, and always
/// for [`Bound::encode`], whose encoder is the message's own), where
/// [`Encoder::writes_plain_names`] holds: else names would lack their
/// group's prefix or index.
///
/// # Safety
///
/// As for [`encode_entries`].
#[inline(always)]
unsafe fn encode_entries_plain(
    base: *const u8,
    enc: &mut Encoder<'_>,
    entries: &[Entry],
) -> Result<(), EncodeError> {
    debug_assert!(enc.writes_plain_names());
    // Outside any group (the usual case): the fields of the types the
    // loop knows ([`Direct`]) are read and written here, with no call.
    for entry in entries {
        // SAFETY (each read below): the caller's contract says that
        // `base + offset` is a live field of the type the entry was made
        // for, and the entry's `direct` kind, taken from a `Direct` of that
        // type, proves which type that is.
        let field = unsafe { base.add(entry.offset) };
        let value = match entry.direct {
            Kind::Text => ValueRef::Text(unsafe { &*field.cast::<AmiStr>() }),
            Kind::UInt => ValueRef::UInt(unsafe { *field.cast::<u64>() }),
            Kind::Int => ValueRef::Int(unsafe { *field.cast::<i64>() }),
            Kind::Bool => ValueRef::Bool(unsafe { *field.cast::<bool>() }),
            Kind::OptText => match unsafe { &*field.cast::<Option<AmiStr>>() } {
                Some(text) => ValueRef::Text(text),
                None => continue,
            },
            Kind::OptUInt => match unsafe { *field.cast::<Option<u64>>() } {
                Some(n) => ValueRef::UInt(n),
                None => continue,
            },
            Kind::OptInt => match unsafe { *field.cast::<Option<i64>>() } {
                Some(n) => ValueRef::Int(n),
                None => continue,
            },
            Kind::OptBool => match unsafe { *field.cast::<Option<bool>>() } {
                Some(b) => ValueRef::Bool(b),
                None => continue,
            },
            Kind::Var | Kind::OptVar | Kind::TextList | Kind::VarList => {
                // SAFETY: as above.
                if let Err(error) = unsafe { put_lists_and_vars(field, enc, entry) } {
                    return Err(*error);
                }
                continue;
            }
            // Usually there are none: said here, without a call.
            Kind::Extra if unsafe { &*field.cast::<Vec<Header>>() }.is_empty() => continue,
            Kind::Call | Kind::Extra => {
                // SAFETY: as above, for the writer made for the field's type.
                if let Err(error) = unsafe { (entry.write)(field, enc, entry) } {
                    return Err(*error);
                }
                continue;
            }
        };
        debug_check_head(entry.name);
        enc.put_plain(entry.name, value, entry.required)?;
    }
    Ok(())
}

/// The fields of [`encode_entries`] that hold variables or lists, out of
/// line: their code (a variable is two values to check) would crowd the
/// loop's registers.
///
/// # Safety
///
/// As in [`encode_entries`]: `field` is the field of `entry`, of the type
/// its `direct` kind proves.
#[inline(never)]
unsafe fn put_lists_and_vars(field: *const u8, enc: &mut Encoder<'_>, entry: &Entry) -> Written {
    // SAFETY (each read): the caller's contract.
    match entry.direct {
        Kind::Var => enc.put_var_plain(entry.name, unsafe { &*field.cast::<Var>() }),
        Kind::OptVar => match unsafe { &*field.cast::<Option<Var>>() } {
            Some(var) => enc.put_var_plain(entry.name, var),
            None => Ok(()),
        },
        Kind::TextList => unsafe { &*field.cast::<Vec<AmiStr>>() }
            .iter()
            .try_for_each(|text| enc.put_plain(entry.name, ValueRef::Text(text), false)),
        Kind::VarList => unsafe { &*field.cast::<Vec<Var>>() }
            .iter()
            .try_for_each(|var| enc.put_var_plain(entry.name, var)),
        // Not called for the other kinds.
        _ => Ok(()),
    }
    .map_err(Box::new)
}

/// [`encode_entries`] inside a group: every field through its writer.
///
/// # Safety
///
/// As for [`encode_entries`].
#[inline(never)]
unsafe fn encode_entries_by_call(
    base: *const u8,
    enc: &mut Encoder<'_>,
    entries: &[Entry],
) -> Result<(), EncodeError> {
    for entry in entries {
        // SAFETY: the caller's contract: `base + offset` is a field of the
        // type `entry.write` was made for, inside the same struct.
        if let Err(error) = unsafe { (entry.write)(base.add(entry.offset), enc, entry) } {
            return Err(*error);
        }
    }
    Ok(())
}

/// An `Option<T>` of a value type: what [`Entry::optional`] takes.
pub trait OptionalValue: Sized {
    /// Whether the table loop may read the field itself ([`Direct`]).
    #[doc(hidden)]
    const DIRECT: Direct<Self> = Direct::NONE;

    /// The value, if present.
    fn present(&self) -> Option<ValueRef<'_>>;
}

impl<T: WireValue> OptionalValue for Option<T> {
    const DIRECT: Direct<Self> = T::DIRECT.optional();

    #[inline(always)]
    fn present(&self) -> Option<ValueRef<'_>> {
        self.as_ref().map(WireValue::wire_ref)
    }
}

/// An `Option<G>` of a group: what [`Entry::optional_group`] takes.
pub trait OptionalGroup {
    /// The group's type.
    type Group: Fields;
    /// The group, if present.
    fn present(&self) -> Option<&Self::Group>;
}

impl<G: Fields> OptionalGroup for Option<G> {
    type Group = G;
    #[inline(always)]
    fn present(&self) -> Option<&G> {
        self.as_ref()
    }
}

/// A `Vec<G>` of groups: what [`Entry::indexed_group`] takes.
pub trait GroupList {
    /// The group's type.
    type Group: Fields;
    /// The groups, in index order.
    fn groups(&self) -> &[Self::Group];
}

impl<G: Fields> GroupList for Vec<G> {
    type Group = G;
    #[inline(always)]
    fn groups(&self) -> &[G] {
        self
    }
}

/// [`Entry::value`]'s writer.
///
/// # Safety
///
/// `field` points to a live `T`.
unsafe fn write_value_at<T: WireValue>(
    field: *const u8,
    enc: &mut Encoder<'_>,
    entry: &Entry,
) -> Written {
    // SAFETY: the caller's contract.
    let value = unsafe { &*field.cast::<T>() };
    put_value(enc, entry, value.wire_ref())
}

/// [`Entry::optional`]'s writer.
///
/// # Safety
///
/// `field` points to a live `F`.
unsafe fn write_optional_at<F: OptionalValue>(
    field: *const u8,
    enc: &mut Encoder<'_>,
    entry: &Entry,
) -> Written {
    // SAFETY: the caller's contract.
    let value = unsafe { &*field.cast::<F>() };
    match value.present() {
        Some(value) => put_value(enc, entry, value),
        None => Ok(()),
    }
}

/// One value: where names are written as they are (outside any group, the
/// usual case), straight into the buffer, inlined into each writer, where
/// the kind of value is known; else through the general path.
#[inline(always)]
fn put_value(enc: &mut Encoder<'_>, entry: &Entry, value: ValueRef<'_>) -> Written {
    debug_check_head(entry.name);
    if enc.writes_plain_names() {
        enc.put_plain(entry.name, value, entry.required)
            .map_err(Box::new)
    } else {
        put_decorated(enc, entry, value)
    }
}

/// [`put_value`] inside a group (a prefix or an index to add to the name).
#[inline(never)]
fn put_decorated(enc: &mut Encoder<'_>, entry: &Entry, value: ValueRef<'_>) -> Written {
    enc.put(Name::Joined(entry.name), None, value, entry.required)
        .map_err(Box::new)
}

/// [`Entry::repeated`]'s and [`Entry::indexed`]'s writer.
///
/// # Safety
///
/// `field` points to a live `F`.
unsafe fn write_list_at<F: ValueList>(
    field: *const u8,
    enc: &mut Encoder<'_>,
    entry: &Entry,
) -> Written {
    // SAFETY: the caller's contract.
    let values = unsafe { &*field.cast::<F>() };
    put_list(enc, entry, values)
}

/// A [`ValueList`] as a trait object (`ValueList` itself has a constant).
trait DynList {
    fn count(&self) -> usize;
    fn at(&self, i: usize) -> ValueRef<'_>;
    fn put_plain_each(&self, enc: &mut Encoder<'_>, head: &str) -> Result<(), EncodeError>;
}

impl<F: ValueList> DynList for F {
    fn count(&self) -> usize {
        ValueList::count(self)
    }

    fn at(&self, i: usize) -> ValueRef<'_> {
        ValueList::at(self, i)
    }

    fn put_plain_each(&self, enc: &mut Encoder<'_>, head: &str) -> Result<(), EncodeError> {
        ValueList::put_plain_each(self, enc, head)
    }
}

/// The values of a list, compiled once.
#[inline(never)]
fn put_list(enc: &mut Encoder<'_>, entry: &Entry, values: &dyn DynList) -> Written {
    debug_check_head(entry.name);
    if entry.index.is_none() && enc.writes_plain_names() {
        return values.put_plain_each(enc, entry.name).map_err(Box::new);
    }
    for (i, index) in (0..values.count()).zip(0u32..) {
        let own_index = entry.index.map(|style| (style, index));
        enc.put(Name::Joined(entry.name), own_index, values.at(i), false)?;
    }
    Ok(())
}

/// [`Entry::group`]'s writer.
///
/// # Safety
///
/// `field` points to a live `G`.
unsafe fn write_group_at<G: Fields>(
    field: *const u8,
    enc: &mut Encoder<'_>,
    entry: &Entry,
) -> Written {
    // SAFETY: the caller's contract.
    let group = unsafe { &*field.cast::<G>() };
    enc.group(entry.name, group).map_err(Box::new)
}

/// [`Entry::optional_group`]'s writer.
///
/// # Safety
///
/// `field` points to a live `F`.
unsafe fn write_optional_group_at<F: OptionalGroup>(
    field: *const u8,
    enc: &mut Encoder<'_>,
    entry: &Entry,
) -> Written {
    // SAFETY: the caller's contract.
    let group = unsafe { &*field.cast::<F>() };
    match group.present() {
        Some(group) => enc.group(entry.name, group).map_err(Box::new),
        None => Ok(()),
    }
}

/// [`Entry::indexed_group`]'s writer.
///
/// # Safety
///
/// `field` points to a live `F`.
unsafe fn write_indexed_group_at<F: GroupList>(
    field: *const u8,
    enc: &mut Encoder<'_>,
    entry: &Entry,
) -> Written {
    // SAFETY: the caller's contract.
    let groups = unsafe { &*field.cast::<F>() };
    // `Entry::indexed_group` always sets a style.
    let style = entry.index.unwrap_or(IndexStyle::Dash6);
    enc.indexed_group(style, groups.groups()).map_err(Box::new)
}

/// The constraints between the fields of an action (a derive implements
/// it when the action has some), checked by an entry of its table
/// ([`Entry::constraints`]). Only for the derive support: not a stable API.
#[doc(hidden)]
pub trait Constraints {
    /// Whether the constraints hold; if not, the error of the first that
    /// does not (boxed, as a [`Writer`]'s: the result comes back in a
    /// register).
    fn check(&self, enc: &Encoder<'_>) -> Result<(), Box<EncodeError>>;
}

/// [`Entry::constraints`]'s writer: writes nothing.
///
/// # Safety
///
/// `field` points to a live `S` (the entry's offset is 0).
unsafe fn check_at<S: Constraints>(field: *const u8, enc: &mut Encoder<'_>, _: &Entry) -> Written {
    // SAFETY: the caller's contract.
    let value = unsafe { &*field.cast::<S>() };
    value.check(enc)
}

/// The type of the extra headers of a struct (`Vec<Header>`): what
/// [`Entry::extra`] takes.
pub trait ExtraHeaders: AsRef<[Header]> + Sized {
    /// Whether the table loop may read the field itself ([`Direct`]).
    #[doc(hidden)]
    const DIRECT: Direct<Self> = Direct::NONE;
}

impl ExtraHeaders for Vec<Header> {
    const DIRECT: Direct<Self> = Direct::EXTRA;
}

impl Direct<Vec<Header>> {
    /// Extra headers, read as a `Vec<Header>`.
    const EXTRA: Self = Direct::of(Kind::Extra);
}

/// [`Entry::extra`]'s writer.
///
/// # Safety
///
/// `field` points to a live `F`.
unsafe fn write_extra_at<F: ExtraHeaders>(
    field: *const u8,
    enc: &mut Encoder<'_>,
    _: &Entry,
) -> Written {
    // SAFETY: the caller's contract.
    let headers = unsafe { &*field.cast::<F>() }.as_ref();
    // Usually there are none: say so before setting up the loop (inside a
    // group; the table loop itself tests the extra headers first).
    if headers.is_empty() {
        return Ok(());
    }
    put_headers(enc, headers)
}

/// The extra headers, compiled once.
#[inline(never)]
fn put_headers(enc: &mut Encoder<'_>, headers: &[Header]) -> Written {
    headers
        .iter()
        .try_for_each(|header| enc.header(header))
        .map_err(Box::new)
}

/// In debug builds, that `head` is the name of a value entry: a header
/// name, valid on the wire, then `": "` (the derive ensures it).
#[inline(always)]
fn debug_check_head(head: &str) {
    debug_assert!(
        head.ends_with(": ") && head.len() > 2 && !has_line_break(head.as_bytes()),
        "{head:?}: not a header name followed by \": \""
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lead of an action is its first line and `ActionID: ` joined
    /// when they fit in [`LEAD`] bytes (names up to 12 bytes), else
    /// nothing (the writer then copies the parts one by one); never for a
    /// user event.
    #[test]
    fn leads_join_head_name_and_action_id_when_they_fit() {
        for len in [0, 1, 11, 12, 13, 40] {
            let name: &'static str = "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMN"
                .get(..len)
                .unwrap();
            let info = MessageInfo::new::<()>(b"Action: ", name, None, None);
            let joined = [b"Action: ", name.as_bytes(), ACTION_ID].concat();
            if len <= 12 {
                assert_eq!(info.lead(), joined, "{name}");
            } else {
                assert!(info.lead().is_empty(), "{name}");
            }
            let info = MessageInfo::new::<()>(b"Event: ", name, Some("Sub"), None);
            assert!(info.lead().is_empty());
        }
    }
}
