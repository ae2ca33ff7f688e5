//! [`Secret`]: a header value that is sent on the wire but never shown.

use std::fmt;

use super::error::ValueError;
use super::value::WireValue;

/// A secret header value (a password, an MD5 login key): written to the
/// wire as is, never printed. `Debug` shows `Secret(***)`, there is no
/// `Display`, and an encoding error about it never quotes it.
///
/// The fields the spec marks `secret = true` have this type in the
/// generated code (`LoginAction::secret`, `LoginAction::key`...), so a
/// `{:?}` of an action or event, a log line or an error message cannot
/// leak them.
///
/// ```
/// use ami_runtime::wire::Secret;
///
/// let s = Secret::new("s3cret");
/// assert_eq!(format!("{s:?}"), "Secret(***)");
/// assert_eq!(s.expose(), "s3cret");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself, for the rare code that must see it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret::new(s)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&String> for Secret {
    fn from(s: &String) -> Self {
        Secret(s.clone())
    }
}

impl WireValue for Secret {
    const EXPECTED: &'static str = "text";

    fn parse_wire(value: &str) -> Result<Self, ValueError> {
        Ok(Secret::new(value))
    }

    fn write_wire(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.0.as_bytes());
    }

    fn check_wire(&self) -> Result<(), ValueError> {
        // Checked here, before the generic check that quotes the value, so
        // that the error shows `***` instead of the secret.
        if memchr::memchr3(b'\r', b'\n', b'\0', self.0.as_bytes()).is_some() {
            return Err(ValueError::new("***", "a secret without CR, LF or NUL"));
        }
        Ok(())
    }

    fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}
