//! The README's CLI examples, run as written against `ami mock` (serving
//! `ami-cli/examples/mock.toml`), and the JSON lines the README shows,
//! compared with what `ami decode` prints.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap()
}

/// The `cargo run -p ami-cli -- ...` commands of the README's `sh` blocks,
/// as argument lists (continuation lines joined, comments and a trailing
/// `&` dropped).
fn cli_examples(readme: &str) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for line in readme.lines() {
        if line.starts_with("```") {
            in_sh = line == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        let line = line.split(" #").next().unwrap_or_default().trim_end();
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head);
            continue;
        }
        pending.push_str(line);
        let command = std::mem::take(&mut pending);
        if let Some(args) = command.trim().strip_prefix("cargo run -p ami-cli -- ") {
            let args = args.trim().trim_end_matches('&');
            commands.push(args.split_whitespace().map(str::to_owned).collect());
        }
    }
    commands
}

/// The lines of the README's `json` blocks that are lines of the CLI's
/// output (`{"kind":...}`).
fn json_examples(readme: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_json = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_json = line == "```json";
            continue;
        }
        if in_json && line.starts_with("{\"kind\"") {
            out.push(line.to_owned());
        }
    }
    out
}

fn ami(args: &[String]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ami"));
    command.args(args).current_dir(root());
    command
}

/// Kills the mock server when the test ends, whatever happens.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn with_port(args: &[String], port: &str) -> Vec<String> {
    let mut out = args.to_vec();
    if let Some(i) = out.iter().position(|a| a == "--port") {
        out[i + 1] = port.to_owned();
    }
    out
}

#[test]
fn the_readme_cli_examples_run_against_ami_mock() {
    let readme = readme();
    let examples = cli_examples(&readme);
    let (mock, others): (Vec<_>, Vec<_>) = examples.iter().partition(|a| a[0] == "mock");
    assert_eq!(mock.len(), 1, "one `ami mock` example: {examples:?}");
    for sub in ["decode", "send", "events"] {
        assert!(others.iter().any(|a| a[0] == sub), "no `ami {sub}` example");
    }

    // The mock on a free port (the README's port may be taken).
    let mut child = ami(&with_port(mock[0], "0"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let _server = Server(child);
    let listening: Value = serde_json::from_str(&first).unwrap_or_else(|e| panic!("{e}: {first}"));
    assert_eq!(listening["notice"], "listening");
    let addr = listening["addr"].as_str().unwrap();
    let port = addr.rsplit(':').next().unwrap();

    for args in others {
        let output = ami(&with_port(args, port)).output().unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            output.status.success(),
            "ami {}: {}\n{stdout}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        let lines: Vec<Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        assert!(!lines.is_empty(), "ami {}: no output", args.join(" "));
        for line in &lines {
            assert!(
                line["typed"].is_object(),
                "ami {}: not typed: {line}",
                args.join(" ")
            );
        }
        eprintln!("ami {}: {} typed lines", args[0], lines.len());
    }
}

#[test]
fn the_readme_shows_what_ami_decode_prints() {
    let readme = readme();
    let shown = json_examples(&readme);
    assert!(shown.len() >= 2, "the README shows no JSON lines");
    let output = ami(&[
        "decode".to_owned(),
        "ami-cli/examples/capture.txt".to_owned(),
    ])
    .output()
    .unwrap();
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    for line in shown {
        assert!(
            printed.lines().any(|l| l == line),
            "the README shows a line `ami decode` does not print:\n{line}\nprinted:\n{printed}"
        );
    }
}
