//! Asterisk versions and the availability of actions and events across them.
//!
//! The spec records, for each action, parameter, event, field and enum
//! value, the first release of each Asterisk branch that has it (`since`;
//! several when a feature was backported), the first release that
//! deprecates it and the first release without it. [`Availability`] holds
//! that data and answers "does this exist in Asterisk X.Y.Z?".
//!
//! ```
//! use ami_runtime::version::{Availability, Version};
//!
//! // Added in 20.4.0 and backported to 18.19.0.
//! let since = [Version::new(18, 19, 0), Version::new(20, 4, 0)];
//! let channel_map = Availability { since: &since, ..Availability::ALWAYS };
//! assert!(channel_map.in_version(&"20.4.0".parse().unwrap()));
//! assert!(channel_map.in_version(&"22.10.1".parse().unwrap()));
//! assert!(!channel_map.in_version(&"20.3.0".parse().unwrap()));
//! assert!(!channel_map.in_version(&"19.8.0".parse().unwrap()));
//! ```

use std::fmt;
use std::str::FromStr;

/// An Asterisk release number, `MAJOR.MINOR.PATCH` (`22.10.1`).
///
/// Ordered numerically; the major number is the release branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Branch (`22`).
    pub major: u32,
    /// Minor release within the branch (`10`).
    pub minor: u32,
    /// Patch release (`1`).
    pub patch: u32,
}

impl Version {
    /// `major.minor.patch`.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// The release number in a version string as servers report it
    /// (`22.10.1`, `20.7.0-rc1`, `certified-20.7-cert5`): the first
    /// `N.N[.N]` that starts a word, a missing patch as 0. `None` when
    /// there is none (`GIT-master-4c8a`).
    pub fn from_server_text(text: &str) -> Option<Version> {
        let bytes = text.as_bytes();
        (0..bytes.len())
            .filter(|&i| {
                bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
            })
            .find_map(|i| Version::leading(&text[i..]))
    }

    /// `N.N[.N]` at the start of `text`.
    fn leading(text: &str) -> Option<Version> {
        let mut numbers = [0u32; 3];
        let mut rest = text;
        let mut count = 0;
        for (k, n) in numbers.iter_mut().enumerate() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                break;
            }
            *n = rest[..digits].parse().ok()?;
            count = k + 1;
            rest = &rest[digits..];
            match rest.strip_prefix('.') {
                Some(r) if r.starts_with(|c: char| c.is_ascii_digit()) => rest = r,
                _ => break,
            }
        }
        (count >= 2).then(|| Version::new(numbers[0], numbers[1], numbers[2]))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Why a text is not a `MAJOR.MINOR.PATCH` version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseVersionError {
    text: String,
    reason: &'static str,
}

impl fmt::Display for ParseVersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid version `{}`: {} (expected MAJOR.MINOR.PATCH, like `18.19.0`)",
            self.text, self.reason
        )
    }
}

impl std::error::Error for ParseVersionError {}

impl FromStr for Version {
    type Err = ParseVersionError;

    /// Exactly three dot-separated decimal numbers: `12.0.0`.
    fn from_str(s: &str) -> Result<Version, ParseVersionError> {
        let err = |reason| ParseVersionError {
            text: s.to_owned(),
            reason,
        };
        let parts: Vec<&str> = s.split('.').collect();
        if parts.len() != 3 {
            return Err(err("it does not have three parts"));
        }
        let mut numbers = [0u32; 3];
        for (n, part) in numbers.iter_mut().zip(&parts) {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("a part is not a decimal number"));
            }
            *n = part.parse().map_err(|_| err("a part is too large"))?;
        }
        Ok(Version::new(numbers[0], numbers[1], numbers[2]))
    }
}

/// In which Asterisk versions an item (an action, an event, a field...)
/// exists.
///
/// The rule: the item exists in version `v` when `v` is older than
/// `removed` (if any) and either `since` is empty, or `since` lists a
/// release of `v`'s branch (same major) and `v` is at least that release,
/// or `v`'s branch is newer than every branch `since` lists. So
/// `since = [20.18.0, 22.8.0]` is in 20.18.0 and later 20s, in 22.8.0 and
/// later 22s, in 23 and later, and in no 21 and no 18.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Availability<'a> {
    /// The first release of each branch that has it (several when the
    /// feature was backported); empty when it has always existed.
    pub since: &'a [Version],
    /// The first release that deprecates it.
    pub deprecated: Option<Version>,
    /// The first release without it.
    pub removed: Option<Version>,
}

impl Availability<'static> {
    /// Available in every version, never deprecated.
    pub const ALWAYS: Availability<'static> = Availability {
        since: &[],
        deprecated: None,
        removed: None,
    };
}

impl Availability<'_> {
    /// Whether the item exists in version `v` (see the rule above).
    pub fn in_version(&self, v: &Version) -> bool {
        if self.removed.is_some_and(|r| *v >= r) {
            return false;
        }
        if self.since.is_empty() {
            return true;
        }
        match self.since.iter().find(|s| s.major == v.major) {
            Some(first) => v >= first,
            None => self.since.iter().all(|s| s.major < v.major),
        }
    }

    /// Whether the item exists in `v` but is deprecated there.
    pub fn deprecated_in(&self, v: &Version) -> bool {
        self.in_version(v) && self.deprecated.is_some_and(|d| *v >= d)
    }

    /// Whether there is anything to say (some `since`, deprecation or
    /// removal).
    pub fn is_always(&self) -> bool {
        self.since.is_empty() && self.deprecated.is_none() && self.removed.is_none()
    }
}

/// `Since 18.19.0, 20.4.0 · deprecated in 17.0.0 · removed in 21.0.0`;
/// empty for [`Availability::ALWAYS`].
impl fmt::Display for Availability<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.since.is_empty() {
            let list: Vec<String> = self.since.iter().map(Version::to_string).collect();
            parts.push(format!("since {}", list.join(", ")));
        }
        if let Some(d) = self.deprecated {
            parts.push(format!("deprecated in {d}"));
        }
        if let Some(r) = self.removed {
            parts.push(format!("removed in {r}"));
        }
        let text = parts.join(" · ");
        let mut chars = text.chars();
        match chars.next() {
            Some(c) => write!(f, "{}{}", c.to_ascii_uppercase(), chars.as_str()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn parses_three_numbers_only() {
        assert_eq!(v("22.10.1"), Version::new(22, 10, 1));
        assert_eq!(Version::new(1, 6, 2).to_string(), "1.6.2");
        for bad in [
            "", "12", "12.0", "12.0.0.1", "12.a.0", "12..0", "+1.0.0", " 1.0.0",
        ] {
            let e = bad.parse::<Version>().unwrap_err();
            assert!(e
                .to_string()
                .starts_with(&format!("invalid version `{bad}`")));
        }
        assert!("99999999999.0.0"
            .parse::<Version>()
            .unwrap_err()
            .to_string()
            .contains("too large"));
    }

    #[test]
    fn orders_numerically() {
        assert!(v("20.10.0") > v("20.9.9"));
        assert!(v("21.0.0") > v("20.99.99"));
    }

    #[test]
    fn reads_server_version_text() {
        let t = Version::from_server_text;
        assert_eq!(t("22.10.1"), Some(v("22.10.1")));
        assert_eq!(t("20.7.0-rc1"), Some(v("20.7.0")));
        assert_eq!(t("certified-20.7-cert5"), Some(v("20.7.0")));
        assert_eq!(t("Asterisk 18.9-cert2"), Some(v("18.9.0")));
        assert_eq!(t("18"), None);
        assert_eq!(t("GIT-master-4c8a"), None);
    }

    #[test]
    fn no_since_means_always() {
        let a = Availability::ALWAYS;
        assert!(a.in_version(&v("1.4.0")));
        assert!(a.in_version(&v("23.4.1")));
        assert!(!a.deprecated_in(&v("23.4.1")));
        assert_eq!(a.to_string(), "");
    }

    #[test]
    fn one_since_covers_later_branches() {
        let since = [v("12.0.0")];
        let a = Availability {
            since: &since,
            ..Availability::ALWAYS
        };
        assert!(!a.in_version(&v("11.25.3")));
        assert!(a.in_version(&v("12.0.0")));
        assert!(a.in_version(&v("22.10.1")));
    }

    #[test]
    fn backports_leave_other_branches_out() {
        let since = [v("20.18.0"), v("22.8.0")];
        let a = Availability {
            since: &since,
            ..Availability::ALWAYS
        };
        assert!(!a.in_version(&v("18.26.4")));
        assert!(!a.in_version(&v("20.17.0")));
        assert!(a.in_version(&v("20.18.0")));
        assert!(a.in_version(&v("20.20.1")));
        assert!(!a.in_version(&v("21.12.3")));
        assert!(!a.in_version(&v("22.7.0")));
        assert!(a.in_version(&v("22.8.0")));
        assert!(a.in_version(&v("23.0.0")));
        assert_eq!(a.to_string(), "Since 20.18.0, 22.8.0");
    }

    #[test]
    fn removal_and_deprecation() {
        let since = [v("1.2.0")];
        let a = Availability {
            since: &since,
            deprecated: Some(v("17.0.0")),
            removed: Some(v("21.0.0")),
        };
        assert!(a.in_version(&v("16.30.0")));
        assert!(!a.deprecated_in(&v("16.30.0")));
        assert!(a.deprecated_in(&v("20.20.1")));
        assert!(!a.in_version(&v("21.0.0")));
        assert!(!a.in_version(&v("22.10.1")));
        assert!(!a.deprecated_in(&v("22.10.1")));
        assert_eq!(
            a.to_string(),
            "Since 1.2.0 · deprecated in 17.0.0 · removed in 21.0.0"
        );
    }
}
