//! The machinery behind the `serde` feature: what the derives' `Serialize`
//! and `Deserialize` impls call, so that the code generated per type stays a
//! short list of calls (one per field) and a static table, with no code
//! generic over the serializer beyond a one-line forwarding call.
//!
//! * Serializing: the derive writes `ser_fields`, a non-generic function
//!   that hands each field to a [`FieldSink`] (`&mut dyn`); one generic
//!   adapter ([`serialize_fields`], instantiated once per serializer, not
//!   per type) turns those calls into a serde map.
//! * Deserializing: the input becomes a [`Tree`] (one generic impl per
//!   deserializer); the type's [`FieldSpec`] table (key, wire name, JSON
//!   kind) turns the tree into headers, with the JSON types checked; the
//!   headers feed the type's existing decoder ([`Fields::accept`] and
//!   [`Fields::finish`]). The JSON form and the wire form so share one
//!   decoder, one set of value parsers, and one notion of "missing".
//!
//! Not a stable API: only the derives should use these items. The JSON shape
//! they produce is documented in `ami-generated`'s crate docs.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use super::error::FieldError;
use super::fields::{Accepted, Fields, IndexStyle};
use super::message::{Header, Message, RawHeader};
use super::secret::Secret;
use super::value::{AmiBool, Var};
use super::FromEvent;

/// Something that takes a typed value of a type known only at run time
/// (what `ami_generated::registry::visit_action` hands the action it
/// decoded to): the bounds are what serializing, deserializing and
/// comparing it need.
pub trait TypedVisitor {
    /// What the visit gives.
    type Output;
    /// Take the value.
    fn visit<T>(self, value: T) -> Self::Output
    where
        T: Serialize + de::DeserializeOwned + PartialEq + fmt::Debug + 'static;
}

/// The JSON type a value field takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonKind {
    /// A string (text, enumerations, `name=value` variables).
    Str,
    /// An integer.
    Int,
    /// Any number.
    Float,
    /// `true` or `false`.
    Bool,
}

impl JsonKind {
    fn expected(self) -> &'static str {
        match self {
            JsonKind::Str => "a string",
            JsonKind::Int => "an integer",
            JsonKind::Float => "a number",
            JsonKind::Bool => "a boolean",
        }
    }
}

/// A field value as it is serialized.
#[derive(Clone, Copy, Debug)]
pub enum ValueRef<'a> {
    /// A string.
    Str(&'a str),
    /// A non-negative integer.
    U64(u64),
    /// An integer.
    I64(i64),
    /// A number.
    F64(f64),
    /// A boolean.
    Bool(bool),
    /// A variable, written `name=value`.
    Var(&'a Var),
}

impl Serialize for ValueRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            ValueRef::Str(v) => s.serialize_str(v),
            ValueRef::U64(v) => s.serialize_u64(v),
            ValueRef::I64(v) => s.serialize_i64(v),
            ValueRef::F64(v) => s.serialize_f64(v),
            ValueRef::Bool(v) => s.serialize_bool(v),
            ValueRef::Var(v) => s.collect_str(v),
        }
    }
}

/// A header value type as JSON sees it: implemented for the scalars of the
/// spec here, and by `#[derive(AmiEnum)]` for enumerations (as their wire
/// spelling, an unknown value as received).
pub trait SerdeValue {
    /// The JSON type of the value.
    const KIND: JsonKind;
    /// The value to serialize.
    fn value_ref(&self) -> ValueRef<'_>;
}

impl SerdeValue for String {
    const KIND: JsonKind = JsonKind::Str;
    fn value_ref(&self) -> ValueRef<'_> {
        ValueRef::Str(self)
    }
}

impl SerdeValue for super::AmiStr {
    const KIND: JsonKind = JsonKind::Str;
    fn value_ref(&self) -> ValueRef<'_> {
        ValueRef::Str(self)
    }
}

macro_rules! int_value {
    ($($ty:ty => $variant:ident),*) => {$(
        impl SerdeValue for $ty {
            const KIND: JsonKind = JsonKind::Int;
            fn value_ref(&self) -> ValueRef<'_> {
                ValueRef::$variant((*self).into())
            }
        }
    )*};
}

int_value!(u64 => U64, u32 => U64, i64 => I64, i32 => I64);

impl SerdeValue for f64 {
    const KIND: JsonKind = JsonKind::Float;
    fn value_ref(&self) -> ValueRef<'_> {
        ValueRef::F64(*self)
    }
}

impl SerdeValue for bool {
    const KIND: JsonKind = JsonKind::Bool;
    fn value_ref(&self) -> ValueRef<'_> {
        ValueRef::Bool(*self)
    }
}

/// As a JSON boolean: the spelling it arrived with (`Yes`, `1`) is not kept.
impl SerdeValue for AmiBool {
    const KIND: JsonKind = JsonKind::Bool;
    fn value_ref(&self) -> ValueRef<'_> {
        ValueRef::Bool(self.value)
    }
}

/// The text that stands for a [`Secret`] in serialized output.
pub const REDACTED: &str = "********";

/// A secret never leaves the process through serde: it serializes as
/// [`REDACTED`]. It deserializes from any string.
impl SerdeValue for Secret {
    const KIND: JsonKind = JsonKind::Str;
    fn value_ref(&self) -> ValueRef<'_> {
        ValueRef::Str(REDACTED)
    }
}

/// A variable serializes as one `name=value` string, its wire form.
impl SerdeValue for Var {
    const KIND: JsonKind = JsonKind::Str;
    fn value_ref(&self) -> ValueRef<'_> {
        ValueRef::Var(self)
    }
}

/// Something that receives the fields of a struct, in declaration order.
/// What `ser_fields` (generated per type) calls; the generic adapter turns
/// the calls into a serde map.
pub trait FieldSink {
    /// A single value.
    fn value(&mut self, key: &'static str, value: ValueRef<'_>);
    /// A list of values (repeated or indexed headers): always an array.
    fn list(&mut self, key: &'static str, values: &dyn ValueList);
    /// A group under a prefix: a nested object.
    fn group(&mut self, key: &'static str, group: &dyn SerFields);
    /// An indexed group: an array of objects.
    fn groups(&mut self, key: &'static str, groups: &dyn GroupList);
    /// The headers no field took: an array of `[name, value]` pairs,
    /// omitted when empty.
    fn extra(&mut self, key: &'static str, headers: &[Header]);
}

/// A list of values, without its element type.
pub trait ValueList {
    /// How many values.
    fn len(&self) -> usize;
    /// Whether there is none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Value `i`.
    fn get(&self, i: usize) -> ValueRef<'_>;
}

impl<T: SerdeValue> ValueList for Vec<T> {
    fn len(&self) -> usize {
        <[T]>::len(self)
    }
    fn get(&self, i: usize) -> ValueRef<'_> {
        self[i].value_ref()
    }
}

/// A list of groups, without its element type.
pub trait GroupList {
    /// How many groups.
    fn len(&self) -> usize;
    /// Whether there is none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Group `i`.
    fn get(&self, i: usize) -> &dyn SerFields;
}

impl<G: SerFields> GroupList for Vec<G> {
    fn len(&self) -> usize {
        <[G]>::len(self)
    }
    fn get(&self, i: usize) -> &dyn SerFields {
        &self[i]
    }
}

/// The JSON side of a struct of header fields, implemented by the struct
/// derives under the `serde` feature.
pub trait SerFields {
    /// Hand every field to `sink`, in declaration order.
    fn ser_fields(&self, sink: &mut dyn FieldSink);

    /// The key, wire name and JSON type of every field, for deserializing.
    fn table() -> &'static [FieldSpec]
    where
        Self: Sized;
}

/// A boxed group serializes as the group does (every variant of an enum
/// of events holds its event boxed).
impl<T: SerFields> SerFields for Box<T> {
    fn ser_fields(&self, sink: &mut dyn FieldSink) {
        T::ser_fields(self, sink);
    }

    fn table() -> &'static [FieldSpec] {
        T::table()
    }
}

/// A value field behind a `dyn`: a [`SerdeValue`], or an `Option` of one
/// (omitted when `None`). The vtables are one per value type, shared by
/// every struct.
pub trait DynField {
    /// The value to serialize, if any.
    fn dyn_value(&self) -> Option<ValueRef<'_>>;
}

impl<T: SerdeValue> DynField for T {
    fn dyn_value(&self) -> Option<ValueRef<'_>> {
        Some(self.value_ref())
    }
}

impl<T: SerdeValue> DynField for Option<T> {
    fn dyn_value(&self) -> Option<ValueRef<'_>> {
        self.as_ref().map(T::value_ref)
    }
}

/// A group field behind a `dyn`: a [`SerFields`], or an `Option` of one
/// (omitted when `None`).
pub trait DynGroup {
    /// The group, if any.
    fn dyn_group(&self) -> Option<&dyn SerFields>;
}

impl<G: SerFields> DynGroup for G {
    fn dyn_group(&self) -> Option<&dyn SerFields> {
        Some(self)
    }
}

impl<G: SerFields> DynGroup for Option<G> {
    fn dyn_group(&self) -> Option<&dyn SerFields> {
        match self {
            Some(group) => Some(group),
            None => None,
        }
    }
}

/// The fields of a struct as its derived `ser_fields` hands them to
/// [`ser_table`]: one list per kind of field, each in declaration order;
/// the table says which kind each field is and its key. Arrays of `dyn`
/// references rather than one list of an enum: a fat pointer per field is
/// all the derive writes per field.
pub struct SerSlots<'a> {
    /// The value fields ([`SpecKind::Value`]).
    pub values: &'a [&'a dyn DynField],
    /// The repeated and indexed fields ([`SpecKind::Repeated`],
    /// [`SpecKind::Indexed`]).
    pub lists: &'a [&'a dyn ValueList],
    /// The groups ([`SpecKind::Flatten`], [`SpecKind::Prefixed`]).
    pub groups: &'a [&'a dyn DynGroup],
    /// The indexed groups ([`SpecKind::Groups`]).
    pub group_lists: &'a [&'a dyn GroupList],
    /// The extra headers ([`SpecKind::Extra`]).
    pub extra: &'a [Header],
}

/// Hand every field of a struct to `sink`, in the order of `table` (what a
/// derived `ser_fields` calls, so that the loop is compiled once).
pub fn ser_table(sink: &mut dyn FieldSink, table: &[FieldSpec], slots: &SerSlots<'_>) {
    let mut values = slots.values.iter();
    let mut lists = slots.lists.iter();
    let mut groups = slots.groups.iter();
    let mut group_lists = slots.group_lists.iter();
    for spec in table {
        let key = spec.key;
        // The derive writes one slot per entry of the table: a slot that
        // is not there is a bug of the derive, and serializes nothing.
        match spec.kind {
            SpecKind::Value { .. } => {
                if let Some(value) = values.next().and_then(|v| v.dyn_value()) {
                    sink.value(key, value);
                }
            }
            SpecKind::Repeated { .. } | SpecKind::Indexed { .. } => {
                if let Some(list) = lists.next() {
                    sink.list(key, *list);
                }
            }
            SpecKind::Flatten { .. } => {
                if let Some(group) = groups.next().and_then(|g| g.dyn_group()) {
                    group.ser_fields(sink);
                }
            }
            SpecKind::Prefixed { .. } => {
                if let Some(group) = groups.next().and_then(|g| g.dyn_group()) {
                    sink.group(key, group);
                }
            }
            SpecKind::Groups { .. } => {
                if let Some(list) = group_lists.next() {
                    sink.groups(key, *list);
                }
            }
            SpecKind::Extra => sink.extra(key, slots.extra),
        }
    }
    debug_assert!(
        values.next().is_none()
            && lists.next().is_none()
            && groups.next().is_none()
            && group_lists.next().is_none(),
        "more slots than fields in the table"
    );
}

/// One field of a [`SerFields::table`].
#[derive(Debug)]
pub struct FieldSpec {
    /// The JSON key: the Rust field name.
    pub key: &'static str,
    /// What the field maps to.
    pub kind: SpecKind,
}

/// What a field maps to on the wire, for deserializing.
#[derive(Debug)]
pub enum SpecKind {
    /// One header.
    Value {
        /// Header name.
        wire: &'static str,
        /// JSON type.
        json: JsonKind,
    },
    /// One header per value of an array.
    Repeated {
        /// Header name.
        wire: &'static str,
        /// JSON type of each value.
        json: JsonKind,
    },
    /// `Name-000000`... per value of an array.
    Indexed {
        /// Header name.
        wire: &'static str,
        /// How the index is spelled.
        style: IndexStyle,
        /// JSON type of each value.
        json: JsonKind,
    },
    /// A group's fields in the same object (no prefix).
    Flatten {
        /// The group's fields.
        fields: fn() -> &'static [FieldSpec],
    },
    /// A group under a prefix, as a nested object.
    Prefixed {
        /// The wire prefix (`Transferer`).
        prefix: &'static str,
        /// The group's fields.
        fields: fn() -> &'static [FieldSpec],
    },
    /// An indexed group, as an array of objects.
    Groups {
        /// How the index is spelled.
        style: IndexStyle,
        /// The group's fields.
        fields: fn() -> &'static [FieldSpec],
    },
    /// The extra headers, as `[name, value]` pairs.
    Extra,
}

/// Serialize a struct of header fields as a map (what a derived
/// `Serialize` calls). Generic over the serializer only.
pub fn serialize_fields<S: Serializer>(fields: &dyn SerFields, s: S) -> Result<S::Ok, S::Error> {
    let map = s.serialize_map(None)?;
    let mut sink = MapSink::<S::SerializeMap> { map, error: None };
    fields.ser_fields(&mut sink);
    match sink.error {
        Some(e) => Err(e),
        None => sink.map.end(),
    }
}

struct MapSink<M: SerializeMap> {
    map: M,
    error: Option<M::Error>,
}

impl<M: SerializeMap> MapSink<M> {
    fn entry<V: Serialize + ?Sized>(&mut self, key: &'static str, value: &V) {
        if self.error.is_none() {
            if let Err(e) = self.map.serialize_entry(key, value) {
                self.error = Some(e);
            }
        }
    }
}

struct ListSer<'a>(&'a dyn ValueList);

impl Serialize for ListSer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for i in 0..self.0.len() {
            seq.serialize_element(&self.0.get(i))?;
        }
        seq.end()
    }
}

/// A `&dyn SerFields` as a serde value (a map).
pub struct FieldsSer<'a>(pub &'a dyn SerFields);

impl Serialize for FieldsSer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_fields(self.0, s)
    }
}

struct GroupsSer<'a>(&'a dyn GroupList);

impl Serialize for GroupsSer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((0..self.0.len()).map(|i| FieldsSer(self.0.get(i))))
    }
}

impl<M: SerializeMap> FieldSink for MapSink<M> {
    fn value(&mut self, key: &'static str, value: ValueRef<'_>) {
        self.entry(key, &value);
    }
    fn list(&mut self, key: &'static str, values: &dyn ValueList) {
        self.entry(key, &ListSer(values));
    }
    fn group(&mut self, key: &'static str, group: &dyn SerFields) {
        self.entry(key, &FieldsSer(group));
    }
    fn groups(&mut self, key: &'static str, groups: &dyn GroupList) {
        self.entry(key, &GroupsSer(groups));
    }
    fn extra(&mut self, key: &'static str, headers: &[Header]) {
        if !headers.is_empty() {
            self.entry(key, headers);
        }
    }
}

/// `{tag: value}`: how an enum of events serializes a variant.
pub fn serialize_tagged<S: Serializer, T: Serialize + ?Sized>(
    tag: &str,
    value: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(1))?;
    map.serialize_entry(tag, value)?;
    map.end()
}

// ---------------------------------------------------------------------------
// Deserializing
// ---------------------------------------------------------------------------

/// Any self-describing serde value, as the deserializer gave it: the
/// intermediate form between the input and a type's decoder.
#[derive(Clone, Debug, PartialEq)]
pub enum Tree {
    /// `null` (or a unit).
    Null,
    /// A boolean.
    Bool(bool),
    /// A non-negative integer.
    U64(u64),
    /// A negative integer.
    I64(i64),
    /// Any other number.
    F64(f64),
    /// A string.
    Str(String),
    /// An array.
    Seq(Vec<Tree>),
    /// An object, keys in input order.
    Map(Vec<(String, Tree)>),
}

impl Tree {
    fn found(&self) -> &'static str {
        match self {
            Tree::Null => "null",
            Tree::Bool(_) => "a boolean",
            Tree::U64(_) | Tree::I64(_) | Tree::F64(_) => "a number",
            Tree::Str(_) => "a string",
            Tree::Seq(_) => "an array",
            Tree::Map(_) => "an object",
        }
    }

    /// The object's entries, or an error naming `what`.
    pub fn into_map(self, what: &str) -> Result<Vec<(String, Tree)>, String> {
        match self {
            Tree::Map(entries) => Ok(entries),
            other => Err(format!(
                "{what}: expected an object, found {}",
                other.found()
            )),
        }
    }

    /// The string, or an error naming `what`.
    pub fn into_string(self, what: &str) -> Result<String, String> {
        match self {
            Tree::Str(s) => Ok(s),
            other => Err(format!(
                "{what}: expected a string, found {}",
                other.found()
            )),
        }
    }

    /// The array's elements (`null` is none), or an error naming `what`.
    pub fn into_seq(self, what: &str) -> Result<Vec<Tree>, String> {
        match self {
            Tree::Seq(items) => Ok(items),
            Tree::Null => Ok(Vec::new()),
            other => Err(format!(
                "{what}: expected an array, found {}",
                other.found()
            )),
        }
    }

    /// The wire text of a scalar of JSON type `kind`, or an error naming `what`.
    fn into_wire(self, kind: JsonKind, what: &str) -> Result<String, String> {
        let text = match (kind, self) {
            (JsonKind::Str, Tree::Str(s)) => s,
            (JsonKind::Int | JsonKind::Float, Tree::U64(v)) => {
                itoa::Buffer::new().format(v).to_owned()
            }
            (JsonKind::Int | JsonKind::Float, Tree::I64(v)) => {
                itoa::Buffer::new().format(v).to_owned()
            }
            (JsonKind::Float, Tree::F64(v)) => v.to_string(),
            (JsonKind::Bool, Tree::Bool(v)) => if v { "true" } else { "false" }.to_owned(),
            (kind, other) => {
                return Err(format!(
                    "{what}: expected {}, found {}",
                    kind.expected(),
                    other.found()
                ))
            }
        };
        Ok(text)
    }
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TreeVisitor)
    }
}

struct TreeVisitor;

impl<'de> de::Visitor<'de> for TreeVisitor {
    type Value = Tree;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON-like value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Tree, E> {
        Ok(Tree::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Tree, E> {
        Ok(if v >= 0 {
            Tree::U64(v as u64)
        } else {
            Tree::I64(v)
        })
    }
    fn visit_u64<E>(self, v: u64) -> Result<Tree, E> {
        Ok(Tree::U64(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Tree, E> {
        Ok(Tree::F64(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Tree, E> {
        Ok(Tree::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Tree, E> {
        Ok(Tree::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Tree, E> {
        Ok(Tree::Null)
    }
    fn visit_none<E>(self) -> Result<Tree, E> {
        Ok(Tree::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Tree, D::Error> {
        Tree::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Tree::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        while let Some((k, v)) = map.next_entry::<String, Tree>()? {
            entries.push((k, v));
        }
        Ok(Tree::Map(entries))
    }
}

/// A [`Tree`] is itself a deserializer, so that a generic type (the items of
/// an [`EventList`](super::EventList)) can be read back out of one.
impl<'de> Deserializer<'de> for Tree {
    type Error = de::value::Error;

    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Tree::Null => visitor.visit_unit(),
            Tree::Bool(v) => visitor.visit_bool(v),
            Tree::U64(v) => visitor.visit_u64(v),
            Tree::I64(v) => visitor.visit_i64(v),
            Tree::F64(v) => visitor.visit_f64(v),
            Tree::Str(v) => visitor.visit_string(v),
            Tree::Seq(items) => {
                visitor.visit_seq(de::value::SeqDeserializer::new(items.into_iter()))
            }
            Tree::Map(entries) => {
                visitor.visit_map(de::value::MapDeserializer::new(entries.into_iter()))
            }
        }
    }

    fn deserialize_option<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Tree::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl IntoDeserializer<'_, de::value::Error> for Tree {
    type Deserializer = Tree;
    fn into_deserializer(self) -> Tree {
        self
    }
}

/// A value of an enumeration from its wire spelling (what a derived
/// `Deserialize` of an `AmiEnum` calls): an unknown value is kept as such.
pub fn deserialize_wire_value<'de, T: super::WireValue, D: Deserializer<'de>>(
    d: D,
) -> Result<T, D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
    T::parse_wire(&text).map_err(de::Error::custom)
}

/// `{tag: value}` (an object with exactly one key): the tag and the value.
pub fn tagged_tree<'de, D: Deserializer<'de>>(d: D) -> Result<(String, Tree), D::Error> {
    let mut entries = Tree::deserialize(d)?
        .into_map("an event")
        .map_err(de::Error::custom)?;
    match (entries.pop(), entries.is_empty()) {
        (Some(entry), true) => Ok(entry),
        _ => Err(de::Error::custom(
            "an event: expected an object with one key, the event's name",
        )),
    }
}

/// Deserialize `T` out of a tree, the error as text.
pub fn from_tree<'de, T: Deserialize<'de>>(tree: Tree) -> Result<T, String> {
    T::deserialize(tree).map_err(|e| e.to_string())
}

/// Read a seed's value out of a tree (for hand-written visitors).
pub fn seed_tree<'de, S: DeserializeSeed<'de>>(seed: S, tree: Tree) -> Result<S::Value, String> {
    seed.deserialize(tree).map_err(|e| e.to_string())
}

/// Deserialize a struct of header fields (what a derived `Deserialize`
/// calls): the tree becomes headers by `T`'s table, and the headers go
/// through `T`'s decoder.
pub fn deserialize_fields<'de, T: Fields + SerFields, D: Deserializer<'de>>(
    d: D,
) -> Result<T, D::Error> {
    let tree = Tree::deserialize(d)?;
    fields_from_tree::<T>(tree).map_err(de::Error::custom)
}

/// A struct of header fields from a tree (the generic part of
/// [`deserialize_fields`], shared by every deserializer).
pub fn fields_from_tree<T: Fields + SerFields>(tree: Tree) -> Result<T, String> {
    let mut headers = Vec::new();
    tree_to_headers(T::table(), tree, &Scope::default(), &mut headers)?;
    decode_headers::<T>(&headers).map_err(|e| e.to_string())
}

/// An event of an events enum `E` from the tree of its fields (what the
/// `Deserialize` of a derived events enum calls, with the table of the
/// variant the JSON tag names): the tree becomes that event's headers,
/// after `Event: <event>` (and `UserEvent: <subtype>`), and `E`'s own
/// decoder reads them, as it reads a message off the wire. One generic
/// instance per enum, not one per event: the per-event work is done by the
/// decoders the enum has anyway.
pub fn event_from_tree<E: FromEvent>(
    event: &'static str,
    user_event: Option<&'static str>,
    table: &[FieldSpec],
    tree: Tree,
) -> Result<E, String> {
    let msg = event_message(event, user_event, table, tree)?;
    E::from_event(&msg).map_err(|e| e.to_string())
}

/// One event of an enum of events, as its derived `Deserialize` looks it
/// up by JSON tag (a static table per enum, one entry per event).
#[derive(Debug)]
pub struct TreeEvent {
    /// The JSON tag: the wire name, `UserEvent(<subtype>)` for a subtype.
    pub tag: &'static str,
    /// The `Event` header value.
    pub event: &'static str,
    /// The `UserEvent` header value of a subtype.
    pub user_event: Option<&'static str>,
    /// The event's fields.
    pub fields: fn() -> &'static [FieldSpec],
}

/// The first of `events` whose tag is `tag`, ignoring ASCII case.
pub fn tree_event(events: &'static [TreeEvent], tag: &str) -> Option<&'static TreeEvent> {
    events.iter().find(|e| tag.eq_ignore_ascii_case(e.tag))
}

/// The message [`event_from_tree`] decodes.
fn event_message(
    event: &'static str,
    user_event: Option<&'static str>,
    table: &[FieldSpec],
    tree: Tree,
) -> Result<Message, String> {
    let mut msg = Message::new().with("Event", event);
    if let Some(subtype) = user_event {
        msg.push("UserEvent", subtype);
    }
    tree_to_headers(table, tree, &Scope::default(), &mut msg.headers)?;
    Ok(msg)
}

/// Run `T`'s decoder over `headers`.
pub fn decode_headers<T: Fields>(headers: &[Header]) -> Result<T, FieldError> {
    let mut partial = T::Partial::default();
    for header in headers {
        let raw = RawHeader::from(header);
        match T::accept(&mut partial, raw.name.as_bytes(), &raw) {
            Accepted::Taken => {}
            Accepted::Left => {
                T::accept_unknown(&mut partial, &raw);
            }
            Accepted::Refused(error) => return Err(*error),
        }
    }
    T::finish(&mut partial, "")
}

/// Where the headers of a (nested) object go: a name prefix, the index of
/// the enclosing indexed group, and the JSON path for errors.
#[derive(Default, Clone)]
struct Scope {
    prefix: String,
    index: Option<(IndexStyle, u32)>,
    path: String,
}

impl Scope {
    fn name(&self, wire: &str, own: Option<(IndexStyle, u32)>) -> String {
        let mut name = format!("{}{wire}", self.prefix);
        for (style, i) in self.index.into_iter().chain(own) {
            match style {
                IndexStyle::Dash6 => name.push_str(&format!("-{i:06}")),
                IndexStyle::Paren => name.push_str(&format!("({i})")),
            }
        }
        name
    }

    fn path(&self, key: &str) -> String {
        if self.path.is_empty() {
            format!("field `{key}`")
        } else {
            format!("field `{}.{key}`", self.path)
        }
    }

    fn child(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }
}

/// Find `key` in `table` or, recursively, in its unprefixed groups.
fn find<'t>(table: &'t [FieldSpec], key: &str) -> Option<&'t FieldSpec> {
    // A flattened group has no key of its own (its field name may well be
    // one of its members' names: `channel`).
    let own = |f: &&FieldSpec| f.key == key && !matches!(f.kind, SpecKind::Flatten { .. });
    table.iter().find(own).or_else(|| {
        table.iter().find_map(|f| match f.kind {
            SpecKind::Flatten { fields } => find(fields(), key),
            _ => None,
        })
    })
}

fn tree_to_headers(
    table: &[FieldSpec],
    tree: Tree,
    scope: &Scope,
    out: &mut Vec<Header>,
) -> Result<(), String> {
    let what = if scope.path.is_empty() {
        "the value".to_owned()
    } else {
        format!("field `{}`", scope.path)
    };
    let entries = tree.into_map(&what)?;
    // Extra headers go last, as on the wire: a field decodes first.
    let mut extra = Vec::new();
    for (key, value) in entries {
        let Some(spec) = find(table, &key) else {
            let known: Vec<&str> = keys(table);
            return Err(format!(
                "{}: unknown field (expected one of {})",
                scope.path(&key),
                known.join(", ")
            ));
        };
        let what = scope.path(&key);
        match spec.kind {
            SpecKind::Value { wire, json } => {
                if value != Tree::Null {
                    out.push(Header::new(
                        scope.name(wire, None),
                        value.into_wire(json, &what)?,
                    ));
                }
            }
            SpecKind::Repeated { wire, json } => {
                for (i, item) in value.into_seq(&what)?.into_iter().enumerate() {
                    let text = item.into_wire(json, &format!("{what}[{i}]"))?;
                    out.push(Header::new(scope.name(wire, None), text));
                }
            }
            SpecKind::Indexed { wire, style, json } => {
                for (i, item) in value.into_seq(&what)?.into_iter().enumerate() {
                    let text = item.into_wire(json, &format!("{what}[{i}]"))?;
                    out.push(Header::new(
                        scope.name(wire, Some((style, index(i)?))),
                        text,
                    ));
                }
            }
            SpecKind::Flatten { .. } => {
                // A flattened group has no key of its own: `find` only
                // returns its fields.
                return Err(format!("{what}: unknown field"));
            }
            SpecKind::Prefixed { prefix, fields } => {
                if value != Tree::Null {
                    let inner = Scope {
                        prefix: format!("{}{prefix}", scope.prefix),
                        index: scope.index,
                        path: scope.child(&key),
                    };
                    tree_to_headers(fields(), value, &inner, out)?;
                }
            }
            SpecKind::Groups { style, fields } => {
                for (i, item) in value.into_seq(&what)?.into_iter().enumerate() {
                    let inner = Scope {
                        prefix: scope.prefix.clone(),
                        index: Some((style, index(i)?)),
                        path: format!("{}[{i}]", scope.child(&key)),
                    };
                    tree_to_headers(fields(), item, &inner, out)?;
                }
            }
            SpecKind::Extra => extra.extend(headers_from_tree(value, &what)?),
        }
    }
    out.extend(extra);
    Ok(())
}

fn index(i: usize) -> Result<u32, String> {
    u32::try_from(i).map_err(|_| format!("more than {} entries", u32::MAX))
}

fn keys(table: &[FieldSpec]) -> Vec<&'static str> {
    let mut out = Vec::new();
    for f in table {
        match f.kind {
            SpecKind::Flatten { fields } => out.extend(keys(fields())),
            _ => out.push(f.key),
        }
    }
    out
}

/// `[["Name", "value"], ...]` as headers.
pub fn headers_from_tree(tree: Tree, what: &str) -> Result<Vec<Header>, String> {
    tree.into_seq(what)?
        .into_iter()
        .enumerate()
        .map(|(i, pair)| header_from_tree(pair, &format!("{what}[{i}]")))
        .collect()
}

fn header_from_tree(tree: Tree, what: &str) -> Result<Header, String> {
    let mut pair = tree.into_seq(what)?.into_iter();
    match (pair.next(), pair.next(), pair.next()) {
        (Some(name), Some(value), None) => Ok(Header::new(
            name.into_string(what)?,
            value.into_string(what)?,
        )),
        _ => Err(format!("{what}: expected a [name, value] pair")),
    }
}
