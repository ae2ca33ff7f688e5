//! The audit of the spec against Asterisk's own XML documentation
//! (`cargo xtask audit`).
//!
//! * [`xml`] reads one documentation file (gzip or plain) into a plain
//!   [`xml::DocSet`]: actions, parameters, list replies, events, fields;
//! * [`compare`](mod@compare) puts the spec's items of each version beside the docs of
//!   that version and lists every difference that no deviation declares,
//!   in a [`report::Report`];
//! * [`coverage`] renders the counts as the reference page
//!   `docs/reference/coverage.md`.
//!
//! The version of a documentation file comes from its name
//! (`asterisk-22.10.1-docs.xml.gz`) unless the caller gives it: Asterisk's
//! XML does not say which release it documents.

pub mod compare;
pub mod coverage;
pub mod report;
mod spec_view;
pub mod xml;

use std::fmt;
use std::path::{Path, PathBuf};

pub use compare::{compare, Docs};
pub use report::{Counts, Difference, Location, Ratio, Report, VersionReport};
pub use spec_view::Version;

use crate::regen::{load_sources, read_sources, RegenError};

/// Where the default documentation files are, relative to the workspace
/// root: every `*.xml.gz` there is audited when no file is named.
pub const DEFAULT_DOCS_DIR: &str = "../shared/asterisk/docs";

/// The coverage page, relative to the workspace root. `cargo xtask regen`
/// leaves it alone: the audit writes it (it needs the documentation files,
/// which a clone may lack).
pub const COVERAGE_PAGE: &str = "docs/reference/coverage.md";

/// Why the audit could not run (differences are not errors: they are the
/// [`Report`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum AuditError {
    /// The spec does not load.
    Spec(RegenError),
    /// A documentation file cannot be read.
    Docs(xml::XmlError),
    /// A documentation file's version is unknown (not in its name, not
    /// given).
    Version(String),
    /// No documentation file to audit.
    NoDocs(String),
}

impl fmt::Display for AuditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditError::Spec(e) => write!(f, "{e}"),
            AuditError::Docs(e) => write!(f, "error: {e}"),
            AuditError::Version(e) | AuditError::NoDocs(e) => write!(f, "error: {e}"),
        }
    }
}

impl std::error::Error for AuditError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // Displayed as the regen error itself: its cause is the next link.
            AuditError::Spec(e) => e.source(),
            AuditError::Docs(e) => Some(e),
            AuditError::Version(_) | AuditError::NoDocs(_) => None,
        }
    }
}

/// The Asterisk version in a documentation file's name
/// (`asterisk-22.10.1-docs.xml.gz` -> `22.10.1`).
pub fn version_from_name(path: &Path) -> Option<Version> {
    let name = path.file_name()?.to_string_lossy();
    Version::from_server_text(&name)
}

/// The documentation files of [`DEFAULT_DOCS_DIR`] under `root`, sorted by
/// version (then name).
pub fn default_docs(root: &Path) -> Result<Vec<PathBuf>, AuditError> {
    let dir = root.join(DEFAULT_DOCS_DIR);
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        AuditError::NoDocs(format!(
            "{}: {e}: name the documentation files to audit (doc/core-en_US.xml of a build)",
            dir.display()
        ))
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".xml.gz"))
        .collect();
    files.sort_by_key(|p| (version_from_name(p), p.clone()));
    if files.is_empty() {
        return Err(AuditError::NoDocs(format!(
            "{}: no *.xml.gz documentation file",
            dir.display()
        )));
    }
    Ok(files)
}

/// Read documentation files, each with its version: the given one, or the
/// one in its name. Files under `root` are named relative to it in the
/// report (`../shared/asterisk/docs/asterisk-22.10.1-docs.xml.gz`).
pub fn read_docs(
    root: &Path,
    files: &[(PathBuf, Option<Version>)],
) -> Result<Vec<Docs>, AuditError> {
    let mut docs = Vec::new();
    for (path, version) in files {
        let mut set = xml::read_file(path).map_err(AuditError::Docs)?;
        let version = match version.or_else(|| version_from_name(path)) {
            Some(v) => v,
            None => {
                return Err(AuditError::Version(format!(
                    "{}: no Asterisk version in the file name: give it with --version X.Y.Z",
                    path.display()
                )))
            }
        };
        if let Ok(relative) = path.strip_prefix(root) {
            set.source = relative.display().to_string();
        }
        docs.push(Docs { version, set });
    }
    Ok(docs)
}

/// Load the spec of `root` and compare it with `docs`.
pub fn audit(root: &Path, docs: &[Docs]) -> Result<Report, AuditError> {
    let sources = read_sources(&root.join("spec"), "spec").map_err(AuditError::Spec)?;
    let model = load_sources(sources.clone()).map_err(|d| AuditError::Spec(RegenError::Spec(d)))?;
    Ok(compare(&model, &sources, docs))
}
