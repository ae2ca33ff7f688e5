//! Conversions between header values and Rust types.

use super::ami_str::AmiStr;
use super::derive_support::{invalid, Direct, ValueRef};
use super::error::ValueError;
use super::fields::Accepted;
use super::fields::{append, find_byte, is_blank_text};
use super::message::RawHeader;
use std::fmt;
use std::mem::MaybeUninit;

/// A type that can be read from and written to one header value.
///
/// Implemented here for the scalar types of the spec (`string`, `int`,
/// `uint`, `float`, `bool`, `var`) and by `#[derive(AmiEnum)]` for the
/// enumerations the spec declares.
pub trait WireValue: Sized {
    /// What a valid value looks like, for error messages ("an integer").
    const EXPECTED: &'static str;

    /// Whether the encoder's table loop reads fields of this type itself
    /// (set for `AmiStr`, `u64`, `i64`, `bool` and `Var` only; nothing else can
    /// make one but [`Direct::NONE`]). Only for the encoder: not a stable
    /// API.
    #[doc(hidden)]
    const DIRECT: Direct<Self> = Direct::NONE;

    /// Parse a header value.
    fn parse_wire(value: &str) -> Result<Self, ValueError>;

    /// Decode the value of a received header. What typed decoding calls:
    /// text values ([`AmiStr`], [`Var`], [`AmiBool`], the `Unknown` of an
    /// enumeration) override it to keep slices of the header's shared
    /// buffer ([`RawHeader::value_str`]) instead of copies. The default
    /// parses `header.value`.
    #[inline]
    fn decode(header: &RawHeader<'_>) -> Result<Self, ValueError> {
        Self::parse_wire(header.value)
    }

    /// `*slot = Some(Self::decode(header)?)`: what decoding a single-valued
    /// field does. [`AmiStr`] overrides it to build the string right in
    /// the slot. Only for the decoding helpers: not a stable API.
    #[doc(hidden)]
    #[inline(always)]
    fn decode_into(header: &RawHeader<'_>, slot: &mut Option<Self>) -> Result<(), ValueError> {
        *slot = Some(Self::decode(header)?);
        Ok(())
    }

    /// `values.push(Self::decode(header)?)`: what decoding a repeated
    /// field does. [`Var`] overrides it to build the pair in the vector
    /// (not in a `Result` first, then moved). Only for the decoding
    /// helpers: not a stable API.
    #[doc(hidden)]
    #[inline(always)]
    fn decode_push(header: &RawHeader<'_>, values: &mut Vec<Self>) -> Result<(), ValueError> {
        values.push(Self::decode(header)?);
        Ok(())
    }

    /// [`WireValue::decode_push`] with what happened as an [`Accepted`]:
    /// what [`accept_repeated`](super::derive_support::accept_repeated)
    /// does. [`Var`] overrides it so that its answer comes back in
    /// registers, where a `Result` with a [`ValueError`] comes through
    /// memory. Only for the decoding helpers: not a stable API.
    #[doc(hidden)]
    #[inline(always)]
    fn accept_push(header: &RawHeader<'_>, values: &mut Vec<Self>) -> Accepted {
        match Self::decode_push(header, values) {
            Ok(()) => Accepted::Taken,
            Err(error) => Accepted::Refused(invalid(header, error)),
        }
    }

    /// Append the wire form of the value to `out`.
    fn write_wire(&self, out: &mut Vec<u8>);

    /// Whether the value may be sent. Enumerations refuse the values they
    /// only keep for lossless decoding (their `Unknown` variant).
    fn check_wire(&self) -> Result<(), ValueError> {
        Ok(())
    }

    /// Whether the value counts as absent for a required parameter (an empty string).
    fn is_blank(&self) -> bool {
        false
    }

    /// The value as text, for a type whose wire form is that text as is:
    /// [`WireValue::write_wire`] writes exactly its bytes,
    /// [`WireValue::check_wire`] accepts every value, and
    /// [`WireValue::is_blank`] says whether `trim()` leaves nothing. The
    /// encoder then checks and copies the text itself, with no virtual call.
    /// `None` (the default) for every other type.
    #[inline(always)]
    fn as_wire_text(&self) -> Option<&str> {
        None
    }

    /// The value as the encoder takes it (what
    /// [`value_ref`](super::derive_support::value_ref) gives): by default
    /// text where [`WireValue::as_wire_text`] gives it, else the value
    /// behind one virtual call. Integers, `bool` and [`Var`] give their
    /// parts instead, which the encoder writes and checks itself with the
    /// same outcome as [`WireValue::check_wire`], [`WireValue::is_blank`]
    /// and [`WireValue::write_wire`]. Only for the encoder: not a stable API.
    #[doc(hidden)]
    #[inline(always)]
    fn wire_ref(&self) -> ValueRef<'_> {
        match self.as_wire_text() {
            Some(text) => ValueRef::Text(text),
            None => ValueRef::Other(self),
        }
    }
}

/// `value.trim()`, without the Unicode-aware scan in the usual case of a
/// value that neither starts nor ends with a space: an ASCII byte above
/// `' '` is no white space, so then there is nothing to trim.
#[inline]
pub(crate) fn trim_value(value: &str) -> &str {
    let plain = |b: u8| b > b' ' && b.is_ascii();
    match value.as_bytes() {
        [first, .., last] if plain(*first) && plain(*last) => value,
        [only] if plain(*only) => value,
        _ => value.trim(),
    }
}

impl WireValue for String {
    const EXPECTED: &'static str = "text";

    // Inlined into the decoding helpers: the string then goes straight into
    // its slot instead of through a `Result` in memory.
    #[inline]
    fn parse_wire(value: &str) -> Result<Self, ValueError> {
        Ok(value.to_owned())
    }

    fn write_wire(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }

    fn is_blank(&self) -> bool {
        is_blank_text(self)
    }

    #[inline(always)]
    fn as_wire_text(&self) -> Option<&str> {
        Some(self)
    }
}

/// Text fields of decoded messages: a slice of the frame, no copy.
impl WireValue for AmiStr {
    const EXPECTED: &'static str = "text";
    const DIRECT: Direct<Self> = Direct::<AmiStr>::TEXT;

    fn parse_wire(value: &str) -> Result<Self, ValueError> {
        Ok(AmiStr::from(value.to_owned()))
    }

    // Always inlined: the string then goes to its slot in registers rather
    // than through a `Result` in memory (whose narrow stores the slot's
    // wide loads waited on).
    #[inline(always)]
    fn decode(header: &RawHeader<'_>) -> Result<Self, ValueError> {
        Ok(header.value_str())
    }

    #[inline(always)]
    fn decode_into(header: &RawHeader<'_>, slot: &mut Option<Self>) -> Result<(), ValueError> {
        header.value_str_into(slot);
        Ok(())
    }

    #[inline]
    fn write_wire(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }

    fn is_blank(&self) -> bool {
        is_blank_text(self)
    }

    #[inline(always)]
    fn as_wire_text(&self) -> Option<&str> {
        Some(self)
    }
}

macro_rules! integer_value {
    ($($ty:ty => $expected:literal, $direct:ident, $table:expr),*) => {$(
        impl WireValue for $ty {
            const EXPECTED: &'static str = $expected;
            const DIRECT: Direct<Self> = $table;

            #[inline]
            fn parse_wire(value: &str) -> Result<Self, ValueError> {
                if let Some(n) = short_decimal(value.as_bytes()).and_then(|n| Self::try_from(n).ok()) {
                    return Ok(n);
                }
                trim_value(value)
                    .parse()
                    .map_err(|_| ValueError::new(value, Self::EXPECTED))
            }

            // The usual short number is read inline, straight into the
            // slot; anything else through `parse_wire` (out of line).
            #[inline(always)]
            fn decode_into(header: &RawHeader<'_>, slot: &mut Option<Self>) -> Result<(), ValueError> {
                if let Some(n) = short_decimal(header.value.as_bytes()).and_then(|n| Self::try_from(n).ok()) {
                    *slot = Some(n);
                    return Ok(());
                }
                *slot = Some(Self::parse_wire(header.value)?);
                Ok(())
            }

            fn write_wire(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(itoa::Buffer::new().format(*self).as_bytes());
            }

            // Every integer may be sent, none is blank, and its digits
            // hold no line break: the encoder writes them itself.
            #[inline(always)]
            fn wire_ref(&self) -> ValueRef<'_> {
                ValueRef::$direct((*self).into())
            }
        }
    )*};
}

/// The number that 1 to 18 ASCII digits spell, `None` for anything else:
/// the usual integer value (`0`, `16`, `1511987918`) read in one short
/// loop. What it reads, `str::parse` reads the same (18 digits cannot
/// overflow a `u64`); the rest (signs, spaces, overflow, errors) is left
/// to it.
#[inline]
fn short_decimal(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 18 {
        return None;
    }
    let mut n = 0u64;
    for &b in bytes {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n = n * 10 + u64::from(digit);
    }
    Some(n)
}

integer_value!(
    i64 => "an integer", Int, Direct::<i64>::INT,
    u64 => "a non-negative integer", UInt, Direct::<u64>::UINT,
    i32 => "an integer", Int, Direct::NONE,
    u32 => "a non-negative integer", UInt, Direct::NONE
);

impl WireValue for f64 {
    const EXPECTED: &'static str = "a decimal number";

    fn parse_wire(value: &str) -> Result<Self, ValueError> {
        trim_value(value)
            .parse()
            .map_err(|_| ValueError::new(value, Self::EXPECTED))
    }

    fn write_wire(&self, out: &mut Vec<u8>) {
        // A whole number below 10^15 (seconds, counts, the usual values) is
        // written as the integer it is, which is what `Display` writes for
        // it ("5", never "5.0" or an exponent), for a tenth of the cost of
        // the float formatting machinery; minus zero ("-0") and every
        // other value go through `Display`.
        let value = *self;
        if value.fract() == 0.0 && value.abs() < 1e15 && !(value == 0.0 && value.is_sign_negative())
        {
            // Exact: a whole number below 2^53 converts without loss.
            append(out, itoa::Buffer::new().format(value as i64).as_bytes());
            return;
        }
        use std::io::Write;
        let _ = write!(out, "{self}");
    }
}

/// Asterisk's booleans: `ast_true` accepts `yes`, `true`, `y`, `t`, `1` and
/// `on`; `ast_false` accepts `no`, `false`, `n`, `f`, `0` and `off` (any case).
/// Sent as `true` / `false`.
impl WireValue for bool {
    const EXPECTED: &'static str = "a boolean (yes/no, true/false, 1/0, on/off)";
    const DIRECT: Direct<Self> = Direct::<bool>::BOOL;

    fn parse_wire(value: &str) -> Result<Self, ValueError> {
        let v = trim_value(value);
        const TRUE: [&str; 6] = ["yes", "true", "y", "t", "1", "on"];
        const FALSE: [&str; 6] = ["no", "false", "n", "f", "0", "off"];
        if TRUE.iter().any(|t| v.eq_ignore_ascii_case(t)) {
            Ok(true)
        } else if FALSE.iter().any(|f| v.eq_ignore_ascii_case(f)) {
            Ok(false)
        } else {
            Err(ValueError::new(value, Self::EXPECTED))
        }
    }

    fn write_wire(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(bool_word(*self).as_bytes());
    }

    // Always sent, never blank, no line break: written by the encoder.
    #[inline(always)]
    fn wire_ref(&self) -> ValueRef<'_> {
        ValueRef::Bool(*self)
    }
}

/// The wire form of a `bool`: `true` or `false`.
#[inline(always)]
pub(crate) fn bool_word(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

/// A boolean that keeps the spelling it arrived with, for fields whose
/// exact text matters to a round trip (`Yes`/`No` in events, `1`/`0`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AmiBool {
    /// The parsed truth value.
    pub value: bool,
    /// The text as received or to be sent.
    pub text: AmiStr,
}

impl AmiBool {
    /// A boolean sent as `true` or `false`.
    pub fn new(value: bool) -> Self {
        AmiBool {
            value,
            text: AmiStr::from_static(if value { "true" } else { "false" }),
        }
    }
}

impl AmiBool {
    /// The truth value.
    pub fn get(&self) -> bool {
        self.value
    }
}

impl PartialEq<bool> for AmiBool {
    fn eq(&self, other: &bool) -> bool {
        self.value == *other
    }
}

impl From<bool> for AmiBool {
    fn from(value: bool) -> Self {
        AmiBool::new(value)
    }
}

impl WireValue for AmiBool {
    const EXPECTED: &'static str = <bool as WireValue>::EXPECTED;

    fn parse_wire(value: &str) -> Result<Self, ValueError> {
        Ok(AmiBool {
            value: bool::parse_wire(value)?,
            text: AmiStr::from(value.to_owned()),
        })
    }

    fn decode(header: &RawHeader<'_>) -> Result<Self, ValueError> {
        Ok(AmiBool {
            value: bool::parse_wire(header.value)?,
            text: header.value_str(),
        })
    }

    fn write_wire(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.text.as_bytes());
    }

    fn check_wire(&self) -> Result<(), ValueError> {
        bool::parse_wire(&self.text).map(|_| ())
    }

    // A spelling that `check_wire` accepts goes to the encoder as text,
    // which it checks and copies itself (a boolean word is never blank);
    // any other through the general path that refuses it.
    #[inline]
    fn wire_ref(&self) -> ValueRef<'_> {
        match self.text.as_str() {
            text @ ("true" | "false") => ValueRef::Text(text),
            text if bool::parse_wire(text).is_ok() => ValueRef::Text(text),
            _ => ValueRef::Other(self),
        }
    }
}

/// A `name=value` pair, as in repeated `Variable:` and `ChanVariable:` headers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Var {
    /// Variable name (left of the first `=`).
    pub name: AmiStr,
    /// Variable value (right of the first `=`; may itself contain `=`).
    pub value: AmiStr,
}

impl Var {
    /// A variable assignment.
    pub fn new(name: impl Into<AmiStr>, value: impl Into<AmiStr>) -> Self {
        Var {
            name: name.into(),
            value: value.into(),
        }
    }
}

impl fmt::Display for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)
    }
}

/// `text` split at its first `=` into a name that is not empty and a
/// value: how a [`Var`] is read.
#[inline(always)]
fn var_split(text: &str) -> Option<(&str, &str)> {
    // `find_byte` rather than `split_once` or `memchr::memchr`: the
    // values are short, and the generic search of `str` (or the run-time
    // choice of `memchr`'s search) costs more than the search itself.
    match find_byte(b'=', text.as_bytes()) {
        Some(at) if at > 0 => {
            debug_assert!(text.is_char_boundary(at) && text.is_char_boundary(at + 1));
            // SAFETY: `text[at]` is `=`, an ASCII byte, so both `at` and
            // `at + 1 <= text.len()` are character boundaries of `text`
            // (an ASCII byte is a character of its own in UTF-8). The
            // checked slices tested both boundaries again, byte by byte.
            unsafe { Some((text.get_unchecked(..at), text.get_unchecked(at + 1..))) }
        }
        _ => None,
    }
}

/// Push the pair `name`=`value` (parts of `header`'s value) to `values`,
/// built where it stays, each of its two strings written straight to its
/// field in the vector, rather than built on the stack, returned through a
/// `Result` and moved in.
#[inline(always)]
fn push_var(header: &RawHeader<'_>, values: &mut Vec<Var>, name: &str, value: &str) {
    if values.len() == values.capacity() {
        grow_vars(values);
    }
    let len = values.len();
    let spare = values.spare_capacity_mut();
    debug_assert!(!spare.is_empty());
    // SAFETY: `grow_vars` left room for one more `Var` at least, so the
    // spare capacity is not empty.
    let var = unsafe { spare.get_unchecked_mut(0) }.as_mut_ptr();
    // SAFETY: `var` points to the first spare element of `values`, valid
    // for writes and holding nothing; its two fields are written here
    // (through `MaybeUninit`, which drops nothing), so the element is
    // initialised before the length covers it (were building the value's
    // string to panic, the name would only be leaked).
    unsafe {
        let name_place = &mut *std::ptr::addr_of_mut!((*var).name).cast::<MaybeUninit<AmiStr>>();
        header.share_to(name, name_place);
        let value_place = &mut *std::ptr::addr_of_mut!((*var).value).cast::<MaybeUninit<AmiStr>>();
        header.share_to(value, value_place);
        values.set_len(len + 1);
    }
}

/// Make room for one more variable in `values`: four at once for the
/// first (what `push` would make room for too), without dropping the
/// empty vector that is replaced (a call that frees nothing). Out of
/// [`Var`]'s `decode_push`, which then needs no stack frame of its own
/// for it.
#[cold]
#[inline(never)]
fn grow_vars(values: &mut Vec<Var>) {
    if values.capacity() == 0 {
        // A vector with no room owns no allocation (a `Var` is not
        // zero-sized): forgetting it frees nothing and leaks nothing.
        std::mem::forget(std::mem::replace(values, Vec::with_capacity(4)));
    } else {
        values.reserve(1);
    }
}

#[cold]
fn var_error(text: &str) -> ValueError {
    ValueError::new(text, <Var as WireValue>::EXPECTED)
}

impl WireValue for Var {
    const EXPECTED: &'static str = "name=value";
    const DIRECT: Direct<Self> = Direct::<Var>::VAR;

    fn parse_wire(value: &str) -> Result<Self, ValueError> {
        match value.split_once('=') {
            Some((name, v)) if !name.is_empty() => Ok(Var::new(name.to_owned(), v.to_owned())),
            _ => Err(ValueError::new(value, Self::EXPECTED)),
        }
    }

    fn decode(header: &RawHeader<'_>) -> Result<Self, ValueError> {
        match var_split(header.value) {
            Some((name, value)) => Ok(Var {
                name: header.share(name),
                value: header.share(value),
            }),
            None => Err(var_error(header.value)),
        }
    }

    fn decode_push(header: &RawHeader<'_>, values: &mut Vec<Self>) -> Result<(), ValueError> {
        let Some((name, value)) = var_split(header.value) else {
            return Err(var_error(header.value));
        };
        push_var(header, values, name, value);
        Ok(())
    }

    // What a `ChanVariable` header goes through (a few per channel event):
    // its answer in registers.
    #[inline(never)]
    fn accept_push(header: &RawHeader<'_>, values: &mut Vec<Self>) -> Accepted {
        let Some((name, value)) = var_split(header.value) else {
            return Accepted::Refused(invalid(header, var_error(header.value)));
        };
        push_var(header, values, name, value);
        Accepted::Taken
    }

    fn write_wire(&self, out: &mut Vec<u8>) {
        out.reserve(self.name.len() + 1 + self.value.len());
        append(out, self.name.as_bytes());
        out.push(b'=');
        append(out, self.value.as_bytes());
    }

    // The encoder checks its two parts (`check_wire`, line breaks) and
    // writes them around the `=` itself.
    #[inline(always)]
    fn wire_ref(&self) -> ValueRef<'_> {
        ValueRef::Var(self)
    }

    fn check_wire(&self) -> Result<(), ValueError> {
        if self.name.is_empty() || self.name.contains('=') {
            Err(ValueError::new(
                self.to_string(),
                "a variable name without '='",
            ))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn floats_are_written_as_display_writes_them() {
        let values = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            5.0,
            16.0,
            30_000.0,
            -42.0,
            1e14,
            999_999_999_999_999.0,
            -999_999_999_999_999.0,
            1e15,
            1e16,
            1e300,
            0.5,
            -0.25,
            1.5,
            1_494_854_593.314_921,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for value in values {
            let mut out = b"x".to_vec();
            value.write_wire(&mut out);
            assert_eq!(out, format!("x{value}").into_bytes(), "{value:?}");
        }
    }
    use super::*;

    fn wire<T: WireValue>(v: &T) -> String {
        let mut out = Vec::new();
        v.write_wire(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn integers_parse_as_str_parse_does() {
        let inputs = [
            "",
            "0",
            "7",
            "007",
            "16",
            "1511987918",
            "999999999999999999",
            "1000000000000000000",
            "18446744073709551615",
            "18446744073709551616",
            "4294967295",
            "4294967296",
            "2147483648",
            "-1",
            "+5",
            " 5",
            "5 ",
            "1a",
            "a1",
            "١",
            "9223372036854775807",
            "9223372036854775808",
        ];
        for input in inputs {
            let trimmed = input.trim();
            let map = |e: ValueError| e.value;
            assert_eq!(
                u64::parse_wire(input).map_err(map),
                trimmed.parse::<u64>().map_err(|_| input.to_owned()),
                "{input:?}"
            );
            assert_eq!(
                u32::parse_wire(input).map_err(map),
                trimmed.parse::<u32>().map_err(|_| input.to_owned()),
                "{input:?}"
            );
            assert_eq!(
                i64::parse_wire(input).map_err(map),
                trimmed.parse::<i64>().map_err(|_| input.to_owned()),
                "{input:?}"
            );
            assert_eq!(
                i32::parse_wire(input).map_err(map),
                trimmed.parse::<i32>().map_err(|_| input.to_owned()),
                "{input:?}"
            );
            // Decoding into a slot reads the same (its short path inline).
            fn decoded<T: WireValue>(input: &str) -> Result<Option<T>, String> {
                let mut slot = None;
                T::decode_into(&RawHeader::new("N", input), &mut slot).map_err(|e| e.value)?;
                Ok(slot)
            }
            assert_eq!(
                decoded::<u64>(input),
                u64::parse_wire(input).map(Some).map_err(map)
            );
            assert_eq!(
                decoded::<u32>(input),
                u32::parse_wire(input).map(Some).map_err(map)
            );
            assert_eq!(
                decoded::<i64>(input),
                i64::parse_wire(input).map(Some).map_err(map)
            );
            assert_eq!(
                decoded::<i32>(input),
                i32::parse_wire(input).map(Some).map_err(map)
            );
        }
    }

    #[test]
    fn scalars_round_trip() {
        assert_eq!(i64::parse_wire("-12").unwrap(), -12);
        assert_eq!(wire(&-12i64), "-12");
        assert_eq!(
            f64::parse_wire("1494854593.314921").unwrap(),
            1494854593.314921
        );
        assert!(u64::parse_wire("-1").is_err());
        assert!(bool::parse_wire("Yes").unwrap());
        assert!(!bool::parse_wire("off").unwrap());
        assert_eq!(
            bool::parse_wire("maybe").unwrap_err().to_string(),
            "invalid value \"maybe\": expected a boolean (yes/no, true/false, 1/0, on/off)"
        );
    }

    #[test]
    fn trim_value_is_trim() {
        for text in [
            "",
            " ",
            "1",
            " 1",
            "1 ",
            "\t12\r",
            "a b",
            "\u{a0}7\u{a0}",
            "\u{2003}",
            "x\u{85}",
            "\u{7f}",
        ] {
            assert_eq!(trim_value(text), text.trim(), "{text:?}");
        }
    }

    #[test]
    fn var_splits_at_first_equals() {
        let v = Var::parse_wire("SIPURI=sip:300@10.1.27.60:5060;a=b").unwrap();
        assert_eq!(v.name, "SIPURI");
        assert_eq!(v.value, "sip:300@10.1.27.60:5060;a=b");
        assert_eq!(wire(&v), "SIPURI=sip:300@10.1.27.60:5060;a=b");
        assert!(Var::parse_wire("novalue").is_err());
    }

    #[test]
    fn var_decode_push_pushes_what_decode_gives() {
        for text in [
            "A=b",
            "A=",
            "=b",
            "no equals",
            "",
            "A_NAME_LONGER_THAN_23_BYTES=v=w",
            "é=ü",
            "名前=値",
            "A_NAME_LONGER_THAN_FORTY_BYTES_TO_SHARE_THE_BUFFER=and a value longer than forty bytes too",
        ] {
            let header = RawHeader::new("ChanVariable", text);
            let mut values = vec![Var::new("x", "y")];
            let pushed = Var::decode_push(&header, &mut values).map_err(|e| e.to_string());
            match Var::decode(&header) {
                Ok(var) => {
                    assert_eq!(pushed, Ok(()), "{text:?}");
                    assert_eq!(values, [Var::new("x", "y"), var], "{text:?}");
                }
                Err(error) => {
                    assert_eq!(pushed, Err(error.to_string()), "{text:?}");
                    assert_eq!(values, [Var::new("x", "y")], "{text:?}");
                }
            }
        }
    }

    #[test]
    fn var_accept_push_takes_what_decode_push_pushes() {
        for text in ["A=b", "A=", "=b", "no equals", "", "\u{e9}=\u{fc}"] {
            let header = RawHeader::new("ChanVariable", text);
            let (mut pushed, mut accepted) = (Vec::new(), Vec::new());
            let decoded = Var::decode_push(&header, &mut pushed).map_err(|e| e.to_string());
            match Var::accept_push(&header, &mut accepted) {
                Accepted::Taken => assert_eq!(decoded, Ok(()), "{text:?}"),
                Accepted::Refused(error) => {
                    let expected = decoded.expect_err(text);
                    assert!(
                        error.to_string().contains(&expected),
                        "{error} vs {expected}"
                    );
                }
                Accepted::Left => panic!("{text:?} left"),
            }
            assert_eq!(pushed, accepted, "{text:?}");
        }
    }

    #[test]
    fn var_decode_push_grows_from_empty_and_shares_the_frame() {
        let frame = bytes::Bytes::from_static(
            b"ChanVariable: SHORT=1\r\nChanVariable: A_NAME_LONGER_THAN_FORTY_BYTES_TO_BE_SHARED=v\r\n\r\n",
        );
        let text = std::str::from_utf8(&frame).unwrap();
        let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
        let mut values = Vec::new();
        let mut expected = Vec::new();
        for round in 0..6 {
            for line in &lines {
                let (name, value) = line.split_once(": ").unwrap();
                let header = RawHeader::in_buffer(name, value, &frame);
                Var::decode_push(&header, &mut values).unwrap();
                let (n, v) = value.split_once('=').unwrap();
                expected.push(Var::new(n.to_owned(), v.to_owned()));
            }
            assert_eq!(values, expected, "round {round}");
        }
        // The long name is a slice of the frame, not a copy.
        let long = &values[1].name;
        let shared = long.shared_bytes().expect("a long name shares the frame");
        assert_eq!(shared.as_ptr(), lines[1][14..].as_ptr());
    }

    #[test]
    fn ami_bool_keeps_spelling() {
        let b = AmiBool::parse_wire("Yes").unwrap();
        assert!(b.value);
        assert_eq!(wire(&b), "Yes");
    }
}
