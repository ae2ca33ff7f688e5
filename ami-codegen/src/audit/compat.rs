//! What the audit needs of the spec's versions and deviations, in one place.
//! TEMPORARY: the spec model has no structured versions yet; everything is
//! available everywhere and nothing is declared. Replaced by the model's
//! `Versions`/`Deviation` once they land.

use std::fmt;
use std::str::FromStr;

use crate::model::{Action, EnumValue, Event, Field};

/// An Asterisk release number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Branch.
    pub major: u32,
    /// Minor release.
    pub minor: u32,
    /// Patch release.
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

    /// The first `N.N.N` of a text (a file name).
    pub fn from_server_text(text: &str) -> Option<Version> {
        let bytes = text.as_bytes();
        (0..bytes.len())
            .filter(|&i| {
                bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
            })
            .find_map(|i| {
                let end = text[i..]
                    .find(|c: char| !c.is_ascii_digit() && c != '.')
                    .map_or(text.len(), |e| i + e);
                let parts: Vec<u32> = text[i..end]
                    .split('.')
                    .take(3)
                    .map_while(|p| p.parse().ok())
                    .collect();
                match parts.as_slice() {
                    [a, b] => Some(Version::new(*a, *b, 0)),
                    [a, b, c] => Some(Version::new(*a, *b, *c)),
                    _ => None,
                }
            })
    }
}

impl FromStr for Version {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('.').collect();
        let n = |p: &str| p.parse::<u32>().map_err(|e| format!("{s:?}: {e}"));
        match parts.as_slice() {
            [a, b, c] => Ok(Version::new(n(a)?, n(b)?, n(c)?)),
            [a, b] => Ok(Version::new(n(a)?, n(b)?, 0)),
            _ => Err(format!("{s:?} is not MAJOR.MINOR.PATCH")),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// A declared deviation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deviation {
    /// What differs.
    pub kind: DeviationKind,
    /// The documented name it is about.
    pub name: Option<String>,
    /// Why.
    pub why: String,
    /// Where it is declared.
    pub span: std::ops::Range<usize>,
}

/// The kinds of deviation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeviationKind {
    /// Not in the docs.
    Undocumented,
    /// Required flag differs.
    Required,
    /// Type differs.
    Type,
    /// Values differ.
    Values,
    /// Docs item not modelled.
    Missing,
    /// Docs spell it otherwise.
    Renamed,
}

impl DeviationKind {
    /// The spec spelling.
    pub fn spec_name(self) -> &'static str {
        match self {
            DeviationKind::Undocumented => "undocumented",
            DeviationKind::Required => "required",
            DeviationKind::Type => "type",
            DeviationKind::Values => "values",
            DeviationKind::Missing => "missing",
            DeviationKind::Renamed => "renamed",
        }
    }
}

/// The versions part of a spec item.
pub struct Avail {
    /// First release per branch.
    pub since: Vec<Version>,
    /// First release without it.
    pub removed: Option<Version>,
}

impl Avail {
    /// Whether the item exists in `v`.
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
}

/// Availability of an action.
pub fn action_avail(_: &Action) -> Avail {
    ALWAYS
}
/// Availability of an event.
pub fn event_avail(_: &Event) -> Avail {
    ALWAYS
}
/// Availability of a field.
pub fn field_avail(_: &Field) -> Avail {
    ALWAYS
}
/// Availability of an enum value.
pub fn value_avail(_: &EnumValue) -> Avail {
    ALWAYS
}
const ALWAYS: Avail = Avail {
    since: Vec::new(),
    removed: None,
};
/// Deviations of an action.
pub fn action_devs(_: &Action) -> &[Deviation] {
    &[]
}
/// Deviations of an event.
pub fn event_devs(_: &Event) -> &[Deviation] {
    &[]
}
/// Deviations of a field.
pub fn field_devs(_: &Field) -> &[Deviation] {
    &[]
}
/// Deviations of an enum value.
pub fn value_devs(_: &EnumValue) -> &[Deviation] {
    &[]
}
