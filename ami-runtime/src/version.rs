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

impl Availability<'_> {
    /// Whether some release of branch `major` has the item: within a
    /// branch, an item appears at one release (its `since` there, or the
    /// branch's first) and stays until `removed`.
    pub fn in_branch(&self, major: u32) -> bool {
        let first = Version::new(major, 0, 0);
        self.in_version(&first)
            || self
                .since
                .iter()
                .any(|s| s.major == major && self.in_version(s))
    }
}

/// The Asterisk branch of an AMI protocol version, as `main/manager.c`'s
/// `AMI_VERSION` gives it per release: AMI 3.x is Asterisk 14, AMI 4 to 12
/// are Asterisk 15 to 23. Older AMI majors span several branches (AMI 2 is
/// Asterisk 12, 13 and early 14) and later ones are not known yet: `None`.
pub fn asterisk_branch_of_ami(ami: &Version) -> Option<u32> {
    match ami.major {
        3 => Some(14),
        4..=12 => Some(ami.major + 11),
        _ => None,
    }
}

/// What a client knows about the Asterisk it talks to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ServerVersion {
    /// The AMI protocol version of the banner (`Asterisk Call Manager/11.0.0`).
    pub ami: Option<Version>,
    /// The Asterisk release (`AsteriskVersion` of `CoreSettings`), when the
    /// user may run that action.
    pub asterisk: Option<Version>,
}

impl ServerVersion {
    /// The AMI version of a banner line (`Asterisk Call Manager/5.0.1`).
    pub fn ami_from_banner(banner: &str) -> Option<Version> {
        let (_, version) = banner.trim().rsplit_once('/')?;
        Version::from_server_text(version)
    }

    /// The Asterisk branch (major): from the exact release when known, else
    /// from the AMI version where that maps to one branch.
    pub fn branch(&self) -> Option<u32> {
        self.asterisk
            .map(|v| v.major)
            .or_else(|| self.ami.as_ref().and_then(asterisk_branch_of_ami))
    }

    /// Whether an item with this availability may exist on the server:
    /// `false` only when what is known of the server rules it out (the
    /// exact release lacks it, or no release of its branch has it).
    pub fn allows(&self, availability: &Availability<'_>) -> bool {
        match (self.asterisk, self.branch()) {
            (Some(v), _) => availability.in_version(&v),
            (None, Some(major)) => availability.in_branch(major),
            (None, None) => true,
        }
    }
}

/// `Asterisk 22.10.1 (AMI 11.0.0)`, `Asterisk 22 (AMI 11.0.0)`, `AMI
/// 2.10.6` or `an unknown version`.
impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.asterisk, self.branch(), self.ami) {
            (Some(v), _, Some(ami)) => write!(f, "Asterisk {v} (AMI {ami})"),
            (Some(v), _, None) => write!(f, "Asterisk {v}"),
            (None, Some(b), Some(ami)) => write!(f, "Asterisk {b} (AMI {ami})"),
            (None, _, Some(ami)) => write!(f, "AMI {ami}"),
            (None, _, None) => f.write_str("an unknown version"),
        }
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

    #[test]
    fn branches_have_an_item_when_some_release_does() {
        let since = [v("18.19.0"), v("20.4.0")];
        let a = Availability {
            since: &since,
            ..Availability::ALWAYS
        };
        assert!(a.in_branch(18) && a.in_branch(20) && a.in_branch(22));
        assert!(!a.in_branch(19) && !a.in_branch(17));
        let removed = Availability {
            removed: Some(v("20.5.0")),
            ..Availability::ALWAYS
        };
        assert!(removed.in_branch(20) && !removed.in_branch(21));
    }

    #[test]
    fn the_server_version_decides_what_is_allowed() {
        let ami = ServerVersion::ami_from_banner("Asterisk Call Manager/11.0.0");
        assert_eq!(ami, Some(v("11.0.0")));
        assert_eq!(
            ServerVersion::ami_from_banner("Asterisk Call Manager"),
            None
        );
        assert_eq!(asterisk_branch_of_ami(&v("9.0.0")), Some(20));
        assert_eq!(asterisk_branch_of_ami(&v("3.2.2")), Some(14));
        assert_eq!(asterisk_branch_of_ami(&v("2.10.6")), None);

        let since = [v("1.2.0")];
        let sip = Availability {
            since: &since,
            deprecated: Some(v("17.0.0")),
            removed: Some(v("21.0.0")),
        };
        let map_since = [v("18.19.0"), v("20.4.0")];
        let map = Availability {
            since: &map_since,
            ..Availability::ALWAYS
        };
        let banner_only = ServerVersion {
            ami,
            asterisk: None,
        };
        assert_eq!(banner_only.branch(), Some(22));
        assert_eq!(banner_only.to_string(), "Asterisk 22 (AMI 11.0.0)");
        assert!(!banner_only.allows(&sip));
        assert!(banner_only.allows(&map));
        let old_20 = ServerVersion {
            ami: Some(v("9.0.0")),
            asterisk: Some(v("20.3.0")),
        };
        assert_eq!(old_20.to_string(), "Asterisk 20.3.0 (AMI 9.0.0)");
        assert!(old_20.allows(&sip));
        assert!(!old_20.allows(&map));
        // A 20 known by its banner only might be 20.4.0 or later.
        assert!(ServerVersion {
            asterisk: None,
            ..old_20
        }
        .allows(&map));
        let unknown = ServerVersion::default();
        assert!(unknown.allows(&sip) && unknown.allows(&map));
        assert_eq!(unknown.to_string(), "an unknown version");
    }
}
