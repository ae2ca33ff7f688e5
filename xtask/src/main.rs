//! Workspace tasks: `cargo xtask regen [--check]`, `cargo xtask spec --json`.
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
  spec --json    print the resolved spec as JSON";

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
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
