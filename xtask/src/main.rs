//! Workspace tasks: `cargo xtask regen [--check]`, `cargo xtask spec --json`,
//! `cargo xtask audit [FILES...]`, `cargo xtask fuzz-seeds`, `cargo xtask msrv`.
//!
//! The logic lives in `ami-codegen` (`regen`), so that a plain `#[test]`
//! there runs the same check as `cargo xtask regen --check`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod msrv;

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
    --coverage-check  only check that docs/reference/coverage.md is current
  fuzz-seeds     write the spec's wire examples as fuzzing seeds under fuzz/corpus/
  msrv           fail when a dependency of a published crate declares a newer
                 rust-version than the crate (from `cargo metadata`)";

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
            Ok(model) => print_stdout(&emit::json::spec_json(&model)),
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
        ["fuzz-seeds"] => match fuzz_seeds(&root) {
            Ok(count) => {
                println!("fuzz-seeds: {count} seeds written under fuzz/corpus/");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        ["msrv"] => run_msrv(&root),
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Print `text`; a reader that went away (`| head`) is no error: the task
/// goes on (and ends) quietly, as a Unix filter does, instead of panicking
/// like `print!`.
fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// [`write_stdout`], then success, or failure on another write error.
fn print_stdout(text: &str) -> ExitCode {
    match write_stdout(text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: writing to stdout: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_msrv(root: &Path) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root)
        .stderr(std::process::Stdio::inherit())
        .output();
    let output = match output {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            eprintln!("error: cargo metadata failed ({})", o.status);
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("error: cannot run cargo metadata: {e}");
            return ExitCode::FAILURE;
        }
    };
    let metadata: serde_json::Value = match serde_json::from_slice(&output.stdout) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: cargo metadata printed no JSON: {e}");
            return ExitCode::FAILURE;
        }
    };
    match msrv::check(&metadata) {
        Ok(reports) => {
            let mut failed = false;
            for r in &reports {
                if r.too_new.is_empty() {
                    println!(
                        "msrv: {} (rust-version {}): {} dependencies, all compatible",
                        r.name, r.rust_version, r.dependencies
                    );
                } else {
                    failed = true;
                    eprintln!(
                        "error: {} declares rust-version {} but depends on:",
                        r.name, r.rust_version
                    );
                    for d in &r.too_new {
                        eprintln!("  {d}");
                    }
                }
            }
            if failed {
                eprintln!(
                    "pin a compatible version (`cargo update -p NAME --precise VERSION`) or \
                     raise rust-version, and say why in the README"
                );
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
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
        if write_stdout(&report.render(true)).is_err() {
            return ExitCode::FAILURE;
        }
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
    let text = if args.by_item {
        report.render_by_item() + &report.render(true)
    } else {
        report.render(args.summary)
    };
    if let Err(e) = write_stdout(&text) {
        eprintln!("error: writing to stdout: {e}");
        return ExitCode::FAILURE;
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

/// A wire example as the server (or client) sends it: `\r\n` line endings,
/// ended by a blank line.
fn wire(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for line in text.trim_end_matches('\n').lines() {
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Seeds for the fuzz targets from every `[[action.example]]` of the spec:
/// what a server sends (banner, response, events) for `framer` and
/// `connection`, the request followed by the reply for `typed`. Returns how
/// many files were written.
fn fuzz_seeds(root: &Path) -> Result<usize, Box<dyn std::error::Error>> {
    let model = ami_codegen::load(root)?;
    let corpus = root.join("fuzz").join("corpus");
    let mut count = 0;
    for family in &model.families {
        for action in &family.actions {
            for (i, example) in action.examples.iter().enumerate() {
                let mut server = b"Asterisk Call Manager/5.0.1\r\n".to_vec();
                if let Some(response) = &example.response {
                    server.extend(wire(response));
                }
                for event in &example.events {
                    server.extend(wire(event));
                }
                let mut both = wire(&example.request);
                both.extend_from_slice(&server);
                let name = format!("{}-{i}", action.wire);
                for (target, bytes) in [
                    ("framer", &server),
                    ("connection", &server),
                    ("typed", &both),
                ] {
                    let dir = corpus.join(target);
                    std::fs::create_dir_all(&dir)?;
                    std::fs::write(dir.join(&name), bytes)?;
                    count += 1;
                }
            }
        }
    }
    Ok(count)
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
