//! Load the spec, emit every artifact, and write it or check it is current
//! (the rust-analyzer `ensure_file_contents` idea: one function for
//! `cargo xtask regen`, `cargo xtask regen --check` and a plain `#[test]`).

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use crate::diagnostic::{render, Diagnostic, Diagnostics, SourceFile};
use crate::emit;
use crate::model::{self, Model};
use crate::spec;

/// Write the generated files, or only check them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Write what differs, remove stale files.
    Write,
    /// Write nothing; fail when anything differs.
    Check,
}

/// Why `regen` (or [`crate::Builder`]) failed. `Debug` shows what
/// `Display` does, so that a build script's `main` returning this error
/// prints every located problem, not a struct dump.
#[non_exhaustive]
pub enum RegenError {
    /// The spec is invalid: every problem, located.
    Spec(Vec<Diagnostic>),
    /// Generated files differ from what the spec gives (check mode), or a
    /// hand-written file stands where a generated one goes (both modes).
    Stale {
        /// Each file and why it is stale.
        files: Vec<(String, &'static str)>,
        /// A short diff of the first file that is out of date.
        diff: Option<String>,
    },
    /// A file could not be read or written.
    Io(String),
    /// An option of [`crate::Builder`] cannot work (an enum name that is no
    /// Rust identifier...).
    Options(String),
    /// Generated Rust does not parse; nothing was written.
    Code(crate::emit::rust::CodeError),
}

impl fmt::Display for RegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegenError::Spec(diags) => {
                f.write_str(&render(diags))?;
                write!(
                    f,
                    "error: the spec has {} problem{}",
                    diags.len(),
                    if diags.len() == 1 { "" } else { "s" }
                )
            }
            RegenError::Stale { files, diff } => {
                for (path, why) in files {
                    writeln!(f, "stale: {path} ({why})")?;
                }
                if let Some(diff) = diff {
                    f.write_str(diff)?;
                }
                write!(
                    f,
                    "error: generated files are out of date: run `cargo xtask regen` and commit"
                )
            }
            RegenError::Io(e) => write!(f, "error: {e}"),
            RegenError::Options(e) => write!(f, "error: ami_codegen::Builder: {e}"),
            RegenError::Code(e) => write!(f, "error: {e}"),
        }
    }
}

impl fmt::Debug for RegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for RegenError {}

/// Load and validate `<root>/spec/*.toml`.
pub fn load(root: &Path) -> Result<Model, RegenError> {
    load_dir(&root.join("spec"), "spec")
}

/// Load and validate every `*.toml` of `dir`, naming the files
/// `<prefix>/<name>.toml` in diagnostics.
pub fn load_dir(dir: &Path, prefix: &str) -> Result<Model, RegenError> {
    load_sources(read_sources(dir, prefix)?).map_err(RegenError::Spec)
}

/// Read every `*.toml` of `dir`, sorted by name, naming the files
/// `<prefix>/<name>.toml`.
pub fn read_sources(dir: &Path, prefix: &str) -> Result<Vec<SourceFile>, RegenError> {
    let mut names: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| RegenError::Io(format!("{}: {e}", dir.display())))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    names.sort();
    let mut sources = Vec::new();
    for path in names {
        let text = fs::read_to_string(&path)
            .map_err(|e| RegenError::Io(format!("{}: {e}", path.display())))?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        sources.push(SourceFile::new(format!("{prefix}/{file_name}"), text));
    }
    Ok(sources)
}

/// Parse and validate spec files given as text.
pub fn load_sources(sources: Vec<SourceFile>) -> Result<Model, Vec<Diagnostic>> {
    let mut diags = Diagnostics::default();
    let mut parsed = Vec::new();
    for source in sources {
        match spec::parse(&source) {
            Ok(file) => parsed.push((source, file)),
            Err(d) => diags.push(d),
        }
    }
    let complete = diags.is_empty();
    let resolved = model::resolve(&parsed, complete);
    match resolved {
        Ok(model) if complete => Ok(model),
        Ok(_) => Err(diags.into_sorted()),
        Err(more) => {
            for d in more {
                diags.push(d);
            }
            Err(diags.into_sorted())
        }
    }
}

/// Every file below `dir` (relative to `root`), recursively.
fn files_under(root: &Path, dir: &str, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(root.join(dir)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{dir}/{name}");
        if entry.path().is_dir() {
            files_under(root, &rel, out);
        } else {
            out.push(rel);
        }
    }
}

/// Remove the directories of the removed file `path` (relative to `root`)
/// that are left empty, up to (not including) its generated directory: a
/// part crate no longer generated leaves no empty directory behind (the
/// workspace's `ami-generated/parts/*` glob would find one and fail).
fn remove_empty_dirs(root: &Path, path: &str) {
    let mut dir = Path::new(path).parent();
    while let Some(d) = dir {
        let top = emit::GENERATED_DIRS.iter().any(|g| Path::new(g) == d);
        if top || d.as_os_str().is_empty() || fs::remove_dir(root.join(d)).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Lines of context and of changes [`short_diff`] shows at most.
const DIFF_CONTEXT: usize = 2;
const DIFF_LINES: usize = 8;

/// The first difference between `old` and `new`, as a few `-`/`+` lines
/// with their line numbers: enough to see why a file is stale.
pub fn short_diff(path: &str, old: &str, new: &str) -> String {
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (old_end, new_end) = (old.len() - suffix, new.len() - suffix);
    let from = prefix.saturating_sub(DIFF_CONTEXT);
    let mut out = format!(
        "--- {path} (on disk)\n+++ {path} (from the spec)\n@@ line {} @@\n",
        prefix + 1
    );
    for line in &old[from..prefix] {
        out.push_str(&format!(" {line}\n"));
    }
    for (sign, lines) in [('-', &old[prefix..old_end]), ('+', &new[prefix..new_end])] {
        for line in lines.iter().take(DIFF_LINES) {
            out.push_str(&format!("{sign}{line}\n"));
        }
        if lines.len() > DIFF_LINES {
            out.push_str(&format!(
                "{sign}... ({} more lines)\n",
                lines.len() - DIFF_LINES
            ));
        }
    }
    for line in old[old_end..].iter().take(DIFF_CONTEXT) {
        out.push_str(&format!(" {line}\n"));
    }
    out
}

/// What `regen` did (write mode) or found current (check mode).
#[derive(Debug, Default)]
pub struct Report {
    /// Files written (write mode).
    pub written: Vec<String>,
    /// Stale files removed (write mode).
    pub removed: Vec<String>,
    /// Files that were already current.
    pub unchanged: usize,
}

/// Regenerate everything under `root` from `root/spec`, or check that it is
/// current. In check mode nothing is written, and the error names every
/// stale file.
pub fn regen(root: &Path, mode: Mode) -> Result<Report, RegenError> {
    let model = load(root)?;
    let files = emit::all(&model).map_err(RegenError::Code)?;
    ensure_files(root, &files, mode)
}

/// Make the files under `root` equal `files`, and remove the generated
/// files of the generated directories that `files` does not list (or, in
/// check mode, report what differs, with a short diff of the first file
/// that is out of date). Only files whose first line has the `@generated`
/// marker are ever overwritten or removed; line ends are compared after
/// CRLF -> LF, so a checkout with `core.autocrlf` is not stale.
pub fn ensure_files(
    root: &Path,
    files: &BTreeMap<String, String>,
    mode: Mode,
) -> Result<Report, RegenError> {
    let mut report = Report::default();
    let mut stale = Vec::new();
    let mut diff = None;
    for (path, contents) in files {
        let full = root.join(path);
        let current = fs::read_to_string(&full).ok();
        let why = match &current {
            Some(current) if current.replace("\r\n", "\n") == *contents => {
                report.unchanged += 1;
                continue;
            }
            Some(current) if !emit::is_generated(current) => {
                // Refused in both modes: never overwrite a hand-written file.
                stale.push((
                    path.clone(),
                    "hand-written (no `@generated` first line): regen will not overwrite it",
                ));
                continue;
            }
            Some(current) => {
                if diff.is_none() {
                    diff = Some(short_diff(path, &current.replace("\r\n", "\n"), contents));
                }
                "out of date"
            }
            None => "missing",
        };
        match mode {
            Mode::Check => stale.push((path.clone(), why)),
            Mode::Write => {
                if let Some(parent) = full.parent() {
                    fs::create_dir_all(parent)
                        .map_err(|e| RegenError::Io(format!("{}: {e}", parent.display())))?;
                }
                fs::write(&full, contents).map_err(|e| RegenError::Io(format!("{path}: {e}")))?;
                report.written.push(path.clone());
            }
        }
    }
    let mut existing = Vec::new();
    for dir in emit::GENERATED_DIRS {
        files_under(root, dir, &mut existing);
    }
    existing.sort();
    for path in existing {
        // The coverage page lives among the reference pages but is the
        // audit's output (it needs Asterisk's docs): never stale here.
        if files.contains_key(&path) || path == crate::audit::COVERAGE_PAGE {
            continue;
        }
        // Hand-written files (tests, their support module) stay.
        let ours = fs::read_to_string(root.join(&path)).is_ok_and(|t| emit::is_generated(&t));
        if !ours {
            continue;
        }
        match mode {
            Mode::Check => stale.push((path, "not generated from the spec: remove it")),
            Mode::Write => {
                fs::remove_file(root.join(&path))
                    .map_err(|e| RegenError::Io(format!("{path}: {e}")))?;
                remove_empty_dirs(root, &path);
                report.removed.push(path);
            }
        }
    }
    if stale.is_empty() {
        Ok(report)
    } else {
        Err(RegenError::Stale { files: stale, diff })
    }
}
