//! `cargo xtask spec --json | head`: the reader goes away early, and the
//! task must end quietly (no panic), with success.

use std::io::Read;
use std::process::{Command, Stdio};

#[test]
fn spec_json_into_a_closed_pipe_exits_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["spec", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run xtask");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut head = [0u8; 64];
    stdout.read_exact(&mut head).expect("the start of the JSON");
    assert_eq!(head[0], b'{');
    // The dump is far larger than a pipe's buffer: the task is still
    // writing when the reader closes.
    drop(stdout);
    let output = child.wait_with_output().expect("wait for xtask");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}
