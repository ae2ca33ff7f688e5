//! Workspace tasks: `cargo xtask regen [--check]`, `cargo xtask spec --json`,
//! `cargo xtask audit [FILES...]`.
//!
//! The logic lives in `ami-codegen` (`regen`), so that a plain `#[test]`
//! there runs the same check as `cargo xtask regen --check`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ami_codegen::audit::{self, Version};
use ami_codegen::{emit, Mode};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  regen          regenerate ami-generated/, docs/reference/ from spec/*.toml
  regen --check  write nothing; fail if anything is stale or the spec is invalid
  spec --json    print the resolved spec as JSON
  audit [OPTIONS] [FILES...]
                 compare the spec with Asterisk's XML documentation (default:
                 every *.xml.gz of ../shared/asterisk/docs/); one line per
                 difference, then a summary per version; fails on any
                 difference or stale deviation
    --summary         print only the summary
    --by-item         each difference once, with the versions that have it
    --version X.Y.Z   the Asterisk version of the next FILE (default: from
                      its name, as in asterisk-22.10.1-docs.xml.gz)
    --coverage        also write docs/reference/coverage.md
    --coverage-check  only check that docs/reference/coverage.md is current";

/// The workspace root: the parent of this crate. `cargo run` sets
/// `CARGO_MANIFEST_DIR` at run time too, which follows a moved checkout.
fn root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = root();
    match args.as_slice() {
        ["regen"] => match ami_codegen::regen(&root, Mode::Write) {
            Ok(report) => {
                for path in &report.written {
                    println!("wrote {path}");
                }
                for path in &report.removed {
                    println!("removed {path}");
                }
                println!(
                    "regen: {} written, {} removed, {} unchanged",
                    report.written.len(),
                    report.removed.len(),
                    report.unchanged
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        ["regen", "--check"] => match ami_codegen::regen(&root, Mode::Check) {
            Ok(report) => {
                println!("regen --check: {} files up to date", report.unchanged);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        ["spec", "--json"] => match ami_codegen::load(&root) {
            Ok(model) => {
                print!("{}", emit::json::spec_json(&model));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        ["audit", rest @ ..] => match AuditArgs::parse(rest) {
            Ok(args) => run_audit(&root, &args),
            Err(e) => {
                eprintln!("error: {e}\n{USAGE}");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// The options of `cargo xtask audit`.
#[derive(Debug, Default)]
struct AuditArgs {
    summary: bool,
    by_item: bool,
    coverage: bool,
    coverage_check: bool,
    files: Vec<(PathBuf, Option<Version>)>,
}

impl AuditArgs {
    fn parse(args: &[&str]) -> Result<AuditArgs, String> {
        let mut parsed = AuditArgs::default();
        let mut version = None;
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match *arg {
                "--summary" => parsed.summary = true,
                "--by-item" => parsed.by_item = true,
                "--coverage" => parsed.coverage = true,
                "--coverage-check" => parsed.coverage_check = true,
                "--version" => {
                    let v = args.next().ok_or("--version needs a value (22.10.1)")?;
                    version = Some(
                        v.parse::<Version>()
                            .map_err(|e| format!("--version {v}: {e}"))?,
                    );
                }
                flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
                file => parsed.files.push((PathBuf::from(file), version.take())),
            }
        }
        if version.is_some() {
            return Err("--version must come before the file it describes".to_owned());
        }
        if parsed.coverage && parsed.coverage_check {
            return Err("--coverage and --coverage-check exclude each other".to_owned());
        }
        Ok(parsed)
    }
}

fn run_audit(root: &Path, args: &AuditArgs) -> ExitCode {
    let files = if args.files.is_empty() {
        match audit::default_docs(root) {
            Ok(files) => files.into_iter().map(|f| (f, None)).collect(),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        args.files.clone()
    };
    let report = match audit::read_docs(root, &files).and_then(|docs| audit::audit(root, &docs)) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let page_path = root.join(audit::COVERAGE_PAGE);
    let page = audit::coverage::coverage_md(&report);
    if args.coverage_check {
        print!("{}", report.render(true));
        return match std::fs::read_to_string(&page_path) {
            Ok(current) if current == page => {
                println!(
                    "audit --coverage-check: {} is current",
                    audit::COVERAGE_PAGE
                );
                ExitCode::SUCCESS
            }
            _ => {
                eprintln!(
                    "stale: {} (run `cargo xtask audit --coverage` and commit)",
                    audit::COVERAGE_PAGE
                );
                ExitCode::FAILURE
            }
        };
    }
    if args.by_item {
        print!("{}", report.render_by_item());
        print!("{}", report.render(true));
    } else {
        print!("{}", report.render(args.summary));
    }
    if args.coverage {
        let current = std::fs::read_to_string(&page_path).ok();
        if current.as_deref() != Some(page.as_str()) {
            if let Err(e) = std::fs::write(&page_path, &page) {
                eprintln!("error: {}: {e}", page_path.display());
                return ExitCode::FAILURE;
            }
            println!("wrote {}", audit::COVERAGE_PAGE);
        }
    }
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_version_applies_to_the_next_file_only() {
        let args = AuditArgs::parse(&[
            "--summary",
            "--version",
            "20.7.0",
            "a.xml",
            "b-22.1.0.xml.gz",
        ])
        .unwrap();
        assert!(args.summary);
        assert_eq!(
            args.files,
            [
                (PathBuf::from("a.xml"), Some(Version::new(20, 7, 0))),
                (PathBuf::from("b-22.1.0.xml.gz"), None),
            ]
        );
    }

    #[test]
    fn audit_arguments_are_checked() {
        let error = |args: &[&str]| AuditArgs::parse(args).unwrap_err();
        assert_eq!(
            error(&["a.xml", "--version"]),
            "--version needs a value (22.10.1)"
        );
        assert_eq!(
            error(&["a.xml", "--version", "22.1.0"]),
            "--version must come before the file it describes"
        );
        assert!(error(&["--version", "x.y", "a.xml"]).starts_with("--version x.y: "));
        assert_eq!(error(&["--sumary"]), "unknown option --sumary");
        assert_eq!(
            error(&["--coverage", "--coverage-check"]),
            "--coverage and --coverage-check exclude each other"
        );
    }
}
