//! [`AmiStr`]: the text type of decoded messages, a `str` that shares the
//! read buffer it was decoded from.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::mem::MaybeUninit;
use std::ops::Deref;

use bytes::Bytes;

/// Immutable UTF-8 text, short text held in place and longer text backed
/// by [`bytes::Bytes`]: the type of every text field of a decoded action,
/// response or event, and of [`Header`] names and values.
///
/// # Why not a `String`, and why not always `Bytes`
///
/// Decoding used to copy each header value into its own `String`: one
/// allocation per text field, most of the cost of typed decoding. The
/// framer now freezes each complete message into one [`Bytes`] (see
/// `proto::Framer`), and a decoded field longer than 39 bytes is a slice of
/// it: a reference count increment, no allocation, no copy. Most AMI values
/// are shorter than that (`0`, `Up`, `default`, `1511987918.22`,
/// `SCCP/101-00000004`, a caller's name, a UUID), and for those even the
/// reference count (an atomic increment, a call through the `Bytes` vtable,
/// and the same again to drop it; the atomic operations alone cost typed
/// decoding about 8% of its time when the limit was 23 bytes) costs more
/// than copying the text: they are held inline, in five words with the
/// length in the last byte. An `AmiStr` is thus a word larger than a
/// `Bytes`, and an `Option<AmiStr>` (most fields) no larger than an
/// `AmiStr`.
///
/// The alternative, a borrowed view type generated beside each owned one,
/// would tie every event to the read buffer's lifetime; an `AmiStr` is
/// owned, `'static`, `Send` and `Sync`, so an event decoded from the socket
/// can go to another task as is. The price is that a kept long field keeps
/// its whole frame alive (a few hundred bytes); [`AmiStr::into_string`] or
/// `String::from` detaches it.
///
/// Text built by the program is cheap too: `From<&'static str>` points at
/// the literal (no allocation), and `From<String>` takes the `String`'s
/// buffer over (or holds a short one inline).
///
/// It reads as a `str` everywhere: [`Deref`], [`AsRef<str>`],
/// [`Borrow<str>`] (so `HashMap<AmiStr, _>` is looked up by `&str`), and
/// equality, ordering and hashing are those of the text.
///
/// ```
/// use ami_runtime::wire::AmiStr;
///
/// let channel = AmiStr::from("PJSIP/alice-00000001");
/// assert_eq!(channel, "PJSIP/alice-00000001");
/// assert!(channel.starts_with("PJSIP/"));
/// let copy = channel.clone(); // shares (or for short text, copies) the text
/// assert_eq!(copy.as_str(), &*channel);
/// ```
///
/// [`Header`]: super::Header
#[derive(Clone)]
pub struct AmiStr(Repr);

/// The longest text held inline: what fits in five words less a byte for
/// the length, so that an `AmiStr` is five words (one more than a `Bytes`)
/// and an `Option<AmiStr>` too (the test `sizes` pins both).
const INLINE: usize = 39;

#[derive(Clone)]
enum Repr {
    /// A short text held in place.
    Inline(Inline),
    /// The whole of the `Bytes` is the text.
    Shared(Bytes),
}

/// A short text in five words: its bytes first (in memory order), then
/// unspecified bytes up to byte [`INLINE`] (decoding copies a fixed-size
/// window of the frame; they are never read as text), and in byte
/// [`INLINE`] the length. Built and moved as whole words: building it
/// byte by byte (the window, then the length over its last byte) made the
/// compiler copy it in pieces, and the loads of the caller then waited on
/// those narrow stores.
///
/// The length is a [`Len`], whose values above [`INLINE`] are invalid: the
/// compiler keeps the tells of [`Repr`] and of `Option<AmiStr>` there, so
/// neither needs a word of its own (with the length a plain byte, an
/// `Option<AmiStr>` had one, and was five words already).
#[derive(Clone, Copy)]
#[repr(C, align(8))]
struct Inline {
    bytes: [u8; INLINE],
    len: Len,
}

/// The length of an inline text, `0..=INLINE`.
#[derive(Clone, Copy)]
#[repr(u8)]
#[allow(dead_code)] // made only by `Inline::new`, from a word
enum Len {
    L0 = 0,
    L1,
    L2,
    L3,
    L4,
    L5,
    L6,
    L7,
    L8,
    L9,
    L10,
    L11,
    L12,
    L13,
    L14,
    L15,
    L16,
    L17,
    L18,
    L19,
    L20,
    L21,
    L22,
    L23,
    L24,
    L25,
    L26,
    L27,
    L28,
    L29,
    L30,
    L31,
    L32,
    L33,
    L34,
    L35,
    L36,
    L37,
    L38,
    L39,
}

/// The words of an [`Inline`].
const WORDS: usize = (INLINE + 1) / 8;

/// Where byte [`INLINE`] of an [`Inline`] sits in its last word.
const LEN_SHIFT: u32 = if cfg!(target_endian = "little") {
    56
} else {
    0
};

impl Inline {
    /// The empty text.
    const EMPTY: Inline = Inline {
        bytes: [0; INLINE],
        len: Len::L0,
    };

    /// `window[..len]` is the text; `len <= INLINE` (a longer `len` is
    /// cut to `INLINE`).
    #[inline(always)]
    fn new(window: &[u8; INLINE + 1], len: usize) -> Self {
        debug_assert!(len <= INLINE);
        let word = |i: usize| {
            let mut word = [0; 8];
            word.copy_from_slice(&window[8 * i..8 * i + 8]);
            u64::from_ne_bytes(word)
        };
        let len = len.min(INLINE) as u64;
        let last = (word(WORDS - 1) & !(0xff << LEN_SHIFT)) | (len << LEN_SHIFT);
        let words: [u64; WORDS] = [word(0), word(1), word(2), word(3), last];
        // SAFETY: `Inline` is `repr(C)`, 40 bytes aligned to 8 like the
        // five words: 39 bytes of any value, then at byte `INLINE` (the
        // byte `LEN_SHIFT` selects in the last word) a length of at most
        // `INLINE`, a valid `Len` (its variants are `0..=INLINE`).
        unsafe { std::mem::transmute::<[u64; WORDS], Inline>(words) }
    }

    #[inline(always)]
    fn as_bytes(&self) -> &[u8] {
        let len = usize::from(self.len as u8);
        debug_assert!(len <= INLINE);
        // SAFETY: a `Len` is one of its variants, `0..=INLINE`, and `bytes`
        // holds `INLINE` bytes. (The checked slice kept a bounds check and
        // its panic path in every function that reads a text.)
        unsafe { self.bytes.get_unchecked(..len) }
    }
}

/// The fast path of [`AmiStr::shared`] (and of `share_into`, `share_to`):
/// `text`, a part of `source`, held inline when it is short and `source`
/// has a whole window from its start. The window, of constant size (three
/// word moves), is copied rather than `len` bytes (a call to `memcpy`): in
/// a frame the line ending and the next headers follow a value, so it
/// mostly is there. Only this path is inlined into the decoding helpers,
/// so that the string goes to its slot in registers: `put` writes it
/// there, and the answer says whether it did (an `Option<Inline>` returned
/// instead cost 1% more instructions in typed decoding).
#[inline(always)]
fn put_inline(text: &str, source: &Bytes, put: impl FnOnce(Inline)) -> bool {
    let start = (text.as_ptr() as usize).wrapping_sub(source.as_ptr() as usize);
    let len = text.len();
    if len <= INLINE {
        if let Some(window) = window_at(source, start) {
            // `text` starts at `start` and is shorter than the window.
            put(Inline::new(window, len));
            return true;
        }
    }
    false
}

/// The [`INLINE`] + 1 bytes of `source` from `start`, if it has that many:
/// `source.get(start..)?.first_chunk()` with one compare (of `start`
/// against the last start that leaves a window) where that took five. A
/// `start` before the buffer wrapped around to a huge one, which fails it.
#[inline(always)]
fn window_at(source: &[u8], start: usize) -> Option<&[u8; INLINE + 1]> {
    let last = source.len().checked_sub(INLINE + 1)?;
    if start > last {
        return None;
    }
    source[start..].first_chunk()
}

impl Default for AmiStr {
    #[inline]
    fn default() -> Self {
        AmiStr::new()
    }
}

impl AmiStr {
    /// The empty string (no allocation).
    #[inline]
    pub const fn new() -> Self {
        AmiStr(Repr::Inline(Inline::EMPTY))
    }

    /// A string pointing at a `'static` text (no allocation, no copy).
    pub const fn from_static(text: &'static str) -> Self {
        AmiStr(Repr::Shared(Bytes::from_static(text.as_bytes())))
    }

    /// A copy of `text`: held inline when short, else one allocation.
    #[inline]
    pub fn copy_from(text: &str) -> Self {
        let bytes = text.as_bytes();
        if bytes.len() <= INLINE {
            let mut window = [0; INLINE + 1];
            window[..bytes.len()].copy_from_slice(bytes);
            AmiStr(Repr::Inline(Inline::new(&window, bytes.len())))
        } else {
            AmiStr(Repr::Shared(Bytes::copy_from_slice(bytes)))
        }
    }

    /// `text` as a slice of `source` when `text` lies inside it (a reference
    /// count increment), or else a copy; short text is copied inline either
    /// way (cheaper than the reference count). This is how decoding turns a
    /// header value of a framed message into a field without allocating.
    #[inline]
    pub fn shared(text: &str, source: &Bytes) -> Self {
        let mut inline = None;
        put_inline(text, source, |i| inline = Some(AmiStr(Repr::Inline(i))));
        inline.unwrap_or_else(|| AmiStr::shared_slow(text, source))
    }

    /// `*slot = Some(AmiStr::shared(text, source))`, with each of the two
    /// ways of building the string writing its result into `slot` itself:
    /// where they met, the string went through a temporary on the stack
    /// first (a dozen moves per text field decoded).
    #[inline(always)]
    pub(crate) fn share_into(text: &str, source: &Bytes, slot: &mut Option<AmiStr>) {
        if !put_inline(text, source, |i| *slot = Some(AmiStr(Repr::Inline(i)))) {
            AmiStr::shared_slow_into(text, source, slot);
        }
    }

    /// `place.write(AmiStr::shared(text, source))`, the string's words
    /// written straight to `place` (a field of a value being built in a
    /// vector, [`Var`](super::Var)'s `decode_push`) rather than built on
    /// the stack and moved there with the rest of the value.
    #[inline(always)]
    pub(crate) fn share_to(text: &str, source: &Bytes, place: &mut MaybeUninit<AmiStr>) {
        if !put_inline(text, source, |i| {
            place.write(AmiStr(Repr::Inline(i)));
        }) {
            place.write(AmiStr::shared_slow(text, source));
        }
    }

    /// [`AmiStr::share_into`] for what [`AmiStr::shared_slow`] builds,
    /// written into `slot` directly (not through a second call and a move
    /// of its result).
    #[inline(never)]
    fn shared_slow_into(text: &str, source: &Bytes, slot: &mut Option<AmiStr>) {
        *slot = Some(AmiStr::shared_slow_body(text, source));
    }

    /// [`AmiStr::shared`] for long text, text at the very end of `source`
    /// and text outside it: kept out of line.
    #[inline(never)]
    fn shared_slow(text: &str, source: &Bytes) -> Self {
        AmiStr::shared_slow_body(text, source)
    }

    /// The body of [`AmiStr::shared_slow`] and [`AmiStr::shared_slow_into`].
    #[inline(always)]
    fn shared_slow_body(text: &str, source: &Bytes) -> Self {
        let start = (text.as_ptr() as usize).wrapping_sub(source.as_ptr() as usize);
        let len = text.len();
        if len <= INLINE || start > source.len() || len > source.len() - start {
            return AmiStr::copy_from(text);
        }
        // SAFETY: `text` lies inside `source` (checked above), so this
        // range of `source` holds exactly the bytes of `text`, which are
        // UTF-8; `Bytes` never changes the bytes it shares.
        unsafe { AmiStr::from_utf8_unchecked(source.slice(start..start + len)) }
    }

    /// UTF-8 bytes as text, or the bytes back when they are not UTF-8.
    pub fn from_utf8(bytes: Bytes) -> Result<Self, Bytes> {
        match std::str::from_utf8(&bytes) {
            // SAFETY: just checked.
            Ok(_) => Ok(unsafe { AmiStr::from_utf8_unchecked(bytes) }),
            Err(_) => Err(bytes),
        }
    }

    /// Bytes known to be UTF-8 as text, without checking them.
    ///
    /// # Safety
    ///
    /// `bytes` must be valid UTF-8.
    #[inline]
    pub unsafe fn from_utf8_unchecked(bytes: Bytes) -> Self {
        AmiStr(Repr::Shared(bytes))
    }

    /// The text.
    #[inline]
    pub fn as_str(&self) -> &str {
        let bytes: &[u8] = match &self.0 {
            Repr::Inline(inline) => inline.as_bytes(),
            Repr::Shared(bytes) => bytes,
        };
        // SAFETY: every constructor checks or is given UTF-8 (`from_utf8`,
        // `shared` and `copy_from` take text at its own bounds,
        // `From<String>` and `from_static` take `str`s), and neither form
        // is ever changed.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// The buffer the text shares, or `None` for a short text held inline
    /// (cloning the buffer is a reference count increment).
    #[inline]
    pub fn shared_bytes(&self) -> Option<&Bytes> {
        match &self.0 {
            Repr::Inline(_) => None,
            Repr::Shared(bytes) => Some(bytes),
        }
    }

    /// The text as [`Bytes`] (a copy for a short text held inline).
    pub fn into_bytes(self) -> Bytes {
        match self.0 {
            Repr::Inline(_) => Bytes::copy_from_slice(self.as_bytes()),
            Repr::Shared(bytes) => bytes,
        }
    }

    /// An owned `String` (a copy, unless this string holds the only
    /// reference to a buffer that came from a `String`).
    pub fn into_string(self) -> String {
        match self.0 {
            Repr::Inline(_) => self.as_str().to_owned(),
            // SAFETY: the bytes of an `AmiStr` are UTF-8.
            Repr::Shared(bytes) => unsafe { String::from_utf8_unchecked(Vec::from(bytes)) },
        }
    }
}

impl Deref for AmiStr {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for AmiStr {
    #[inline]
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for AmiStr {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Borrow<str> for AmiStr {
    #[inline]
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for AmiStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for AmiStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for AmiStr {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for AmiStr {}

impl PartialOrd for AmiStr {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for AmiStr {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for AmiStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As `str` hashes, so that `Borrow<str>` lookups find the entry.
        self.as_str().hash(state)
    }
}

impl PartialEq<str> for AmiStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for AmiStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for AmiStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<AmiStr> for str {
    fn eq(&self, other: &AmiStr) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<AmiStr> for &str {
    fn eq(&self, other: &AmiStr) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<AmiStr> for String {
    fn eq(&self, other: &AmiStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl From<&'static str> for AmiStr {
    fn from(text: &'static str) -> Self {
        AmiStr::from_static(text)
    }
}

impl From<String> for AmiStr {
    fn from(text: String) -> Self {
        if text.len() <= INLINE {
            AmiStr::copy_from(&text)
        } else {
            AmiStr(Repr::Shared(Bytes::from(text)))
        }
    }
}

impl From<&String> for AmiStr {
    fn from(text: &String) -> Self {
        AmiStr::copy_from(text)
    }
}

impl From<Box<str>> for AmiStr {
    fn from(text: Box<str>) -> Self {
        AmiStr::from(String::from(text))
    }
}

impl From<std::borrow::Cow<'static, str>> for AmiStr {
    fn from(text: std::borrow::Cow<'static, str>) -> Self {
        match text {
            std::borrow::Cow::Borrowed(s) => AmiStr::from_static(s),
            std::borrow::Cow::Owned(s) => AmiStr::from(s),
        }
    }
}

impl From<&AmiStr> for AmiStr {
    fn from(text: &AmiStr) -> Self {
        text.clone()
    }
}

impl From<AmiStr> for String {
    fn from(text: AmiStr) -> Self {
        text.into_string()
    }
}

impl From<AmiStr> for Bytes {
    fn from(text: AmiStr) -> Self {
        text.into_bytes()
    }
}

impl std::str::FromStr for AmiStr {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(AmiStr::copy_from(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn shared_slices_long_text_inside_the_source_and_copies_the_rest() {
        let source = Bytes::from_static(
            b"Event: Hangup\r\nChannel: PJSIP/alice-00000001-a;b;c;d;e;f;g;h;i;j\r\nCause: 16\r\n",
        );
        let at = |text: &str| {
            let start = source
                .windows(text.len())
                .position(|w| w == text.as_bytes());
            std::str::from_utf8(&source[start.unwrap()..][..text.len()]).unwrap()
        };
        // Longer than the inline capacity: a slice of the source.
        let long = at("PJSIP/alice-00000001-a;b;c;d;e;f;g;h;i;j");
        let s = AmiStr::shared(long, &source);
        assert_eq!(s, long);
        assert_eq!(s.as_ptr(), long.as_ptr(), "no copy");
        assert!(s.shared_bytes().is_some());
        // Short, with a whole window after it, and short at the very end
        // (no window): held inline, equal to the text and nothing more.
        let end = std::str::from_utf8(&source[source.len()..]).unwrap();
        for short in [at("Hangup"), at("16"), end] {
            let s = AmiStr::shared(short, &source);
            assert_eq!(s, short);
            assert_eq!(s.len(), short.len());
            assert!(s.shared_bytes().is_none());
        }
        // Outside the source: a copy.
        let elsewhere = String::from("PJSIP/alice-00000001-a;b;c;d;e;f;g;h;i;j");
        let copied = AmiStr::shared(&elsewhere, &source);
        assert_eq!(copied, elsewhere);
        assert_ne!(copied.as_ptr(), elsewhere.as_ptr());
        assert_eq!(AmiStr::shared("ab", &source), "ab");
    }

    #[test]
    fn short_and_long_forms_are_the_same_text() {
        let long = "x".repeat(INLINE + 1);
        for text in ["", "a", &"y".repeat(INLINE), &long] {
            let forms = [
                AmiStr::copy_from(text),
                AmiStr::from(text.to_owned()),
                AmiStr::from(&text.to_owned()),
                AmiStr::from_utf8(Bytes::copy_from_slice(text.as_bytes())).unwrap(),
                text.parse().unwrap(),
            ];
            for form in &forms {
                assert_eq!(form, &forms[0]);
                assert_eq!(form.as_str(), text);
                assert_eq!(form.clone().into_string(), text);
                assert_eq!(&form.clone().into_bytes()[..], text.as_bytes());
            }
        }
        assert_eq!(AmiStr::copy_from(&long).shared_bytes().unwrap(), &long);
    }

    #[test]
    fn sizes() {
        // A word more than `Bytes`, and no more for an `Option` (the
        // optional fields of every decoded struct).
        assert_eq!(std::mem::size_of::<AmiStr>(), 40);
        assert_eq!(std::mem::size_of::<Option<AmiStr>>(), 40);
        assert_eq!(std::mem::size_of::<Inline>(), 8 * WORDS);
        assert_eq!(std::mem::size_of::<Bytes>(), 32);
    }

    #[test]
    fn inline_lengths_round_trip_at_every_length() {
        let window: [u8; INLINE + 1] = std::array::from_fn(|i| b'a' + (i % 26) as u8);
        for len in 0..=INLINE {
            let text = std::str::from_utf8(&window[..len]).unwrap();
            let inline = AmiStr(Repr::Inline(Inline::new(&window, len)));
            assert_eq!(inline.as_str(), text);
            // In an `Option` (its tell in the length byte), through memory.
            let slot = std::hint::black_box(Some(inline.clone()));
            assert_eq!(slot.as_deref(), Some(text));
            assert_eq!(AmiStr::copy_from(text).as_str(), text);
            assert!(AmiStr::copy_from(text).shared_bytes().is_none());
        }
        assert!(std::hint::black_box(None::<AmiStr>).is_none());
        let long = AmiStr::copy_from(&"z".repeat(INLINE + 1));
        assert_eq!(
            std::hint::black_box(Some(long)).as_deref().map(str::len),
            Some(INLINE + 1)
        );
    }

    #[test]
    fn reads_compares_and_hashes_as_a_str() {
        let a = AmiStr::from("abc");
        assert_eq!(a, "abc");
        assert_eq!("abc", a);
        assert_eq!(a, String::from("abc"));
        assert!(a < AmiStr::from_static("abd") && a.cmp(&a) == std::cmp::Ordering::Equal);
        assert_eq!(format!("{a} {a:?}"), "abc \"abc\"");
        let mut map = HashMap::new();
        map.insert(a.clone(), 1);
        assert_eq!(map.get("abc"), Some(&1));
        assert_eq!(a.clone().into_string(), "abc");
        assert_eq!(AmiStr::default(), "");
        assert!(AmiStr::from_utf8(Bytes::from_static(b"\xff")).is_err());
    }

    #[test]
    fn is_owned_and_sendable() {
        fn owned<T: Send + Sync + 'static>() {}
        owned::<AmiStr>();
    }
}
