//! [`AmiStr`]: the text type of decoded messages, a `str` that shares the
//! read buffer it was decoded from.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use bytes::Bytes;

/// Immutable UTF-8 text backed by [`bytes::Bytes`]: the type of every text
/// field of a decoded action, response or event, and of [`Header`] names and
/// values.
///
/// # Why `Bytes`
///
/// Decoding used to copy each header value into its own `String`: one
/// allocation per text field, most of the cost of typed decoding. The
/// framer now freezes each complete message into one [`Bytes`] (see
/// `proto::Framer`), and a decoded field is a slice of it: a reference count
/// increment, no allocation, no copy. The alternative, a borrowed view type
/// generated beside each owned one, would tie every event to the read
/// buffer's lifetime; an `AmiStr` is owned, `'static`, `Send` and `Sync`, so
/// an event decoded from the socket can go to another task as is. The price
/// is that a kept field keeps its whole frame alive (a few hundred bytes);
/// [`AmiStr::into_string`] or `String::from` detaches it.
///
/// Text built by the program is cheap too: `From<&'static str>` points at
/// the literal (no allocation), and `From<String>` takes the `String`'s
/// buffer over.
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
/// let copy = channel.clone(); // shares the text
/// assert_eq!(copy.as_str(), &*channel);
/// ```
///
/// [`Header`]: super::Header
#[derive(Clone, Default)]
pub struct AmiStr(Bytes);

impl AmiStr {
    /// The empty string (no allocation).
    pub const fn new() -> Self {
        AmiStr(Bytes::new())
    }

    /// A string pointing at a `'static` text (no allocation, no copy).
    pub const fn from_static(text: &'static str) -> Self {
        AmiStr(Bytes::from_static(text.as_bytes()))
    }

    /// `text` as a slice of `source` when `text` lies inside it (a reference
    /// count increment), or else a copy. This is how decoding turns a header
    /// value of a framed message into a field without copying it.
    pub fn shared(text: &str, source: &Bytes) -> Self {
        let base = source.as_ptr() as usize;
        let start = (text.as_ptr() as usize).wrapping_sub(base);
        if start <= source.len() && text.len() <= source.len() - start {
            // SAFETY: `text` lies inside `source` (checked just above), so
            // this range of `source` holds exactly the bytes of `text`,
            // which are UTF-8; `Bytes` never changes the bytes it shares.
            unsafe { AmiStr::from_utf8_unchecked(source.slice(start..start + text.len())) }
        } else {
            AmiStr::from(text.to_owned())
        }
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
    pub unsafe fn from_utf8_unchecked(bytes: Bytes) -> Self {
        AmiStr(bytes)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor checks or is given UTF-8 (`from_utf8`,
        // `shared` slices text at its own bounds, `From<String>` and
        // `from_static` take `str`s), and `Bytes` is immutable.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    /// The bytes the text shares (cloning them is a reference count increment).
    pub fn as_bytes_shared(&self) -> &Bytes {
        &self.0
    }

    /// The shared bytes.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// An owned `String` (a copy, unless this string holds the only
    /// reference to a buffer that came from a `String`).
    pub fn into_string(self) -> String {
        // SAFETY: the bytes of an `AmiStr` are UTF-8.
        unsafe { String::from_utf8_unchecked(Vec::from(self.0)) }
    }
}

impl Deref for AmiStr {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for AmiStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for AmiStr {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Borrow<str> for AmiStr {
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
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
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
        AmiStr(Bytes::from(text))
    }
}

impl From<&String> for AmiStr {
    fn from(text: &String) -> Self {
        AmiStr::from(text.clone())
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
        text.0
    }
}

impl std::str::FromStr for AmiStr {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(AmiStr::from(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn shared_slices_inside_the_source_and_copies_outside() {
        let source = Bytes::from_static(b"Event: Hangup\r\nChannel: SIP/a\r\n");
        let text = std::str::from_utf8(&source[24..29]).unwrap();
        let s = AmiStr::shared(text, &source);
        assert_eq!(s, "SIP/a");
        assert_eq!(s.as_ptr(), text.as_ptr(), "no copy");
        let elsewhere = String::from("SIP/a");
        let copied = AmiStr::shared(&elsewhere, &source);
        assert_eq!(copied, "SIP/a");
        assert_ne!(copied.as_ptr(), elsewhere.as_ptr());
        // Empty text at the very end of the source is inside it.
        let end = std::str::from_utf8(&source[source.len()..]).unwrap();
        assert_eq!(AmiStr::shared(end, &source), "");
    }

    #[test]
    fn reads_compares_and_hashes_as_a_str() {
        let a = AmiStr::from("abc");
        assert_eq!(a, "abc");
        assert_eq!("abc", a);
        assert_eq!(a, String::from("abc"));
        assert!(AmiStr::from("abd") > a);
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
