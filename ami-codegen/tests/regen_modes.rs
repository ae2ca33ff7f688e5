//! Write and check modes of `ensure_files`, on a scratch directory.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use ami_codegen::regen::ensure_files;
use ami_codegen::{Mode, RegenError};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ami-codegen-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("ami-generated/src")).unwrap();
    dir
}

fn wanted() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("ami-generated/src/lib.rs".to_owned(), "lib\n".to_owned()),
        (
            "ami-generated/src/queue.rs".to_owned(),
            "queue\n".to_owned(),
        ),
        ("docs/reference/queue.md".to_owned(), "# Queue\n".to_owned()),
    ])
}

#[test]
fn check_names_every_stale_file_and_writes_nothing() {
    let root = scratch("check");
    fs::write(root.join("ami-generated/src/lib.rs"), "old\n").unwrap();
    fs::write(root.join("ami-generated/src/gone.rs"), "a removed family\n").unwrap();
    let err = ensure_files(&root, &wanted(), Mode::Check).unwrap_err();
    let RegenError::Stale(stale) = &err else {
        panic!("{err}");
    };
    assert_eq!(
        stale,
        &[
            ("ami-generated/src/lib.rs".to_owned(), "out of date"),
            ("ami-generated/src/queue.rs".to_owned(), "missing"),
            ("docs/reference/queue.md".to_owned(), "missing"),
            (
                "ami-generated/src/gone.rs".to_owned(),
                "not generated from the spec: remove it"
            ),
        ]
    );
    assert!(err
        .to_string()
        .ends_with("run `cargo xtask regen` and commit"));
    assert_eq!(
        fs::read_to_string(root.join("ami-generated/src/lib.rs")).unwrap(),
        "old\n"
    );
    assert!(root.join("ami-generated/src/gone.rs").exists());
    assert!(!root.join("docs").exists());
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn write_then_check_passes() {
    let root = scratch("write");
    fs::write(root.join("ami-generated/src/gone.rs"), "a removed family\n").unwrap();
    let report = ensure_files(&root, &wanted(), Mode::Write).unwrap();
    assert_eq!(report.written.len(), 3);
    assert_eq!(report.removed, ["ami-generated/src/gone.rs"]);
    assert!(!root.join("ami-generated/src/gone.rs").exists());
    let report = ensure_files(&root, &wanted(), Mode::Check).unwrap();
    assert_eq!(report.unchanged, 3);
    fs::remove_dir_all(root).unwrap();
}
