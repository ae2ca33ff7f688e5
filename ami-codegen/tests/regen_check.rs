//! `cargo test` alone catches stale generated files: the same check as
//! `cargo xtask regen --check`, against the real spec (rust-analyzer style).

use std::path::Path;

use ami_codegen::{regen, Mode};

#[test]
fn generated_files_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    if let Err(e) = regen(root, Mode::Check) {
        panic!("\n{e}\n");
    }
}
