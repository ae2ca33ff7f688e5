//! Workspace tasks: `cargo xtask regen [--check]`, `cargo xtask spec --json`,
//! `cargo xtask fuzz-seeds`.
//!
//! The logic lives in `ami-codegen` (`regen`), so that a plain `#[test]`
//! there runs the same check as `cargo xtask regen --check`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ami_codegen::{emit, Mode};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  regen          regenerate ami-generated/, docs/reference/ from spec/*.toml
  regen --check  write nothing; fail if anything is stale or the spec is invalid
  spec --json    print the resolved spec as JSON
  fuzz-seeds     write the spec's wire examples as fuzzing seeds under fuzz/corpus/";

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
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
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
