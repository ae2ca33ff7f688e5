//! What the audit found: the [`Report`] of every version audited, its
//! [`Difference`]s and figures, and its text forms (per version, or each
//! difference once with its versions).

use std::collections::BTreeMap;
use std::fmt;

use super::spec_view::{DeviationKind, Version};

/// Where a difference is: in the spec when the spec has the item (or its
/// parent), else in the documentation file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    /// `spec/<file>.toml:LINE:COL`.
    Spec {
        /// Spec path relative to the workspace root.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
    },
    /// `<docs file>:LINE`.
    Docs {
        /// The documentation file as named by the user.
        file: String,
        /// 1-based line in the (decompressed) XML.
        line: usize,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Spec { file, line, col } => write!(f, "{file}:{line}:{col}"),
            Location::Docs { file, line } => write!(f, "{file}:{line}"),
        }
    }
}

/// One disagreement between the spec and the documentation of a version.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Difference {
    /// Where to look.
    pub location: Location,
    /// What differs, in words (`parameter Reason of QueueAdd: documented,
    /// not in the spec`).
    pub message: String,
    /// More about it, shown after the message but not part of what the
    /// difference is (` (module app_queue)`, `, documented in 20.20.1`).
    pub detail: String,
    /// The deviation kind that would declare it deliberate; `None` when
    /// none can (a wrong `since`, an action the spec lacks).
    pub accepts: Option<DeviationKind>,
}

/// `x` of `y` documented items found in the spec.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ratio {
    /// Documented and in the spec (for this version).
    pub found: usize,
    /// Documented.
    pub documented: usize,
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.found, self.documented)
    }
}

/// The figures of one version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Documented actions the spec has.
    pub actions: Ratio,
    /// Documented parameters (of the actions in both) the spec has.
    pub params: Ratio,
    /// Documented events the spec has.
    pub events: Ratio,
    /// Documented fields (of the events in both) the spec has.
    pub fields: Ratio,
    /// Spec actions of this version that the docs do not list.
    pub extra_actions: usize,
    /// Spec events of this version that the docs do not list.
    pub extra_events: usize,
    /// Differences accepted by a declared deviation.
    pub honoured: usize,
}

/// The audit of one version.
#[derive(Clone, Debug)]
pub struct VersionReport {
    /// The Asterisk version.
    pub version: Version,
    /// The documentation file.
    pub source: String,
    /// Undeclared differences, sorted by location.
    pub differences: Vec<Difference>,
    /// The figures.
    pub counts: Counts,
    /// Oddities of the documentation file itself (includes that point at
    /// nothing).
    pub warnings: Vec<String>,
}

/// The audit of every version.
#[derive(Clone, Debug)]
pub struct Report {
    /// One per documentation file, in the order given.
    pub versions: Vec<VersionReport>,
    /// Deviations that accepted no difference in any version audited.
    pub stale: Vec<Difference>,
    /// Deviations declared in the spec.
    pub deviations: usize,
}

impl Report {
    /// Whether the spec and the docs agree (up to declared deviations).
    pub fn is_clean(&self) -> bool {
        self.stale.is_empty() && self.versions.iter().all(|v| v.differences.is_empty())
    }

    /// Undeclared differences and stale deviations, all versions together.
    pub fn problem_count(&self) -> usize {
        self.stale.len()
            + self
                .versions
                .iter()
                .map(|v| v.differences.len())
                .sum::<usize>()
    }

    /// The text report: each version's differences (unless `summary_only`),
    /// stale deviations, then one summary line per version.
    pub fn render(&self, summary_only: bool) -> String {
        let mut out = String::new();
        if !summary_only {
            for v in &self.versions {
                out.push_str(&format!("== {} ({})\n", v.version, v.source));
                for w in &v.warnings {
                    out.push_str(&format!("{}:{w} (warning)\n", v.source));
                }
                for d in &v.differences {
                    out.push_str(&format!(
                        "{}: [{}] {}{}\n",
                        d.location, v.version, d.message, d.detail
                    ));
                }
            }
            if !self.stale.is_empty() {
                out.push_str("== stale deviations\n");
                for d in &self.stale {
                    out.push_str(&format!("{}: {}\n", d.location, d.message));
                }
            }
            out.push_str("== summary\n");
        }
        for v in &self.versions {
            let c = &v.counts;
            out.push_str(&format!(
                "{}: actions {} (+{} not documented), parameters {}, events {} (+{} not documented), fields {}, {} difference{}, {} deviation{} honoured\n",
                v.version,
                c.actions,
                c.extra_actions,
                c.params,
                c.events,
                c.extra_events,
                c.fields,
                v.differences.len(),
                plural(v.differences.len()),
                c.honoured,
                plural(c.honoured),
            ));
        }
        out.push_str(&format!(
            "audit: {} difference{} and {} stale deviation{} ({} deviation{} declared)\n",
            self.problem_count() - self.stale.len(),
            plural(self.problem_count() - self.stale.len()),
            self.stale.len(),
            plural(self.stale.len()),
            self.deviations,
            plural(self.deviations),
        ));
        out
    }
}

impl Report {
    /// The differences of all versions, each once with the versions that
    /// have it (`spec/x.toml:3:8: [20.20.1, 22.10.1] ...`), sorted by
    /// location: a to-do list. A difference located in the docs files is
    /// keyed by its message (its line differs from file to file) and shown
    /// at its first location.
    pub fn render_by_item(&self) -> String {
        /// (spec location or none, message) -> (first location, detail, versions).
        type Merged = BTreeMap<(Option<Location>, String), (Location, String, Vec<String>)>;
        let mut merged = Merged::new();
        for v in &self.versions {
            for d in &v.differences {
                let key_location = match &d.location {
                    Location::Spec { .. } => Some(d.location.clone()),
                    Location::Docs { .. } => None,
                };
                merged
                    .entry((key_location, d.message.clone()))
                    .or_insert_with(|| (d.location.clone(), d.detail.clone(), Vec::new()))
                    .2
                    .push(v.version.to_string());
            }
        }
        let mut out = String::new();
        for ((_, message), (location, detail, versions)) in merged {
            out.push_str(&format!(
                "{location}: [{}] {message}{detail}\n",
                versions.join(", ")
            ));
        }
        for d in &self.stale {
            out.push_str(&format!("{}: {}\n", d.location, d.message));
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
