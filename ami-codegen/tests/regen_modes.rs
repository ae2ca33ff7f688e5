//! Write and check modes of `ensure_files`, on a scratch directory.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use ami_codegen::emit::header;
use ami_codegen::regen::ensure_files;
use ami_codegen::{Mode, RegenError};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ami-codegen-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("ami-generated/src")).unwrap();
    dir
}

/// A generated file's text: the `@generated` header, then `body`.
fn generated(body: &str) -> String {
    format!("{}{body}", header("//", "spec/demo.toml"))
}

fn wanted() -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "ami-generated/src/lib.rs".to_owned(),
            generated("lib\none\ntwo\nthree\n"),
        ),
        (
            "ami-generated/src/queue.rs".to_owned(),
            generated("queue\n"),
        ),
        (
            "docs/reference/queue.md".to_owned(),
            format!("{}# Queue\n", header("<!--", "spec/queue.toml")),
        ),
    ])
}

fn stale_of(err: &RegenError) -> (&[(String, &'static str)], Option<&str>) {
    match err {
        RegenError::Stale { files, diff } => (files, diff.as_deref()),
        other => panic!("{other}"),
    }
}

#[test]
fn check_names_every_stale_file_and_writes_nothing() {
    let root = scratch("check");
    fs::write(
        root.join("ami-generated/src/lib.rs"),
        generated("lib\none\nTWO\nthree\n"),
    )
    .unwrap();
    fs::write(
        root.join("ami-generated/src/gone.rs"),
        generated("a removed family\n"),
    )
    .unwrap();
    let err = ensure_files(&root, &wanted(), Mode::Check).unwrap_err();
    let (stale, diff) = stale_of(&err);
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
    // The first stale file's difference, with its line number and context.
    assert_eq!(
        diff,
        Some(
            "--- ami-generated/src/lib.rs (on disk)\n\
             +++ ami-generated/src/lib.rs (from the spec)\n\
             @@ line 4 @@\n \
             lib\n \
             one\n\
             -TWO\n\
             +two\n \
             three\n"
        )
    );
    let text = err.to_string();
    assert!(text.contains("-TWO\n+two\n"), "{text}");
    assert!(text.ends_with("run `cargo xtask regen` and commit"));
    assert_eq!(
        fs::read_to_string(root.join("ami-generated/src/lib.rs")).unwrap(),
        generated("lib\none\nTWO\nthree\n")
    );
    assert!(root.join("ami-generated/src/gone.rs").exists());
    assert!(!root.join("docs").exists());
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn write_then_check_passes() {
    let root = scratch("write");
    fs::write(
        root.join("ami-generated/src/gone.rs"),
        generated("a removed family\n"),
    )
    .unwrap();
    let report = ensure_files(&root, &wanted(), Mode::Write).unwrap();
    assert_eq!(report.written.len(), 3);
    assert_eq!(report.removed, ["ami-generated/src/gone.rs"]);
    assert!(!root.join("ami-generated/src/gone.rs").exists());
    let report = ensure_files(&root, &wanted(), Mode::Check).unwrap();
    assert_eq!(report.unchanged, 3);
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_crlf_checkout_is_current() {
    let root = scratch("crlf");
    ensure_files(&root, &wanted(), Mode::Write).unwrap();
    for (path, text) in wanted() {
        fs::write(root.join(path), text.replace('\n', "\r\n")).unwrap();
    }
    let report = ensure_files(&root, &wanted(), Mode::Check).unwrap();
    assert_eq!(report.unchanged, 3);
    // Nor does write mode touch them.
    let report = ensure_files(&root, &wanted(), Mode::Write).unwrap();
    assert!(report.written.is_empty(), "{:?}", report.written);
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn hand_written_files_are_never_touched() {
    let root = scratch("hand");
    let support = root.join("ami-generated/tests/support/mod.rs");
    fs::create_dir_all(support.parent().unwrap()).unwrap();
    fs::write(&support, "//! Hand-written test helpers.\n").unwrap();
    fs::write(root.join("docs-notes.md"), "outside").unwrap();
    // A hand-written file where a generated one goes: refused, kept.
    fs::write(root.join("ami-generated/src/queue.rs"), "// mine\n").unwrap();

    // Write writes the two other files; check then finds only this one.
    for mode in [Mode::Write, Mode::Check] {
        let err = ensure_files(&root, &wanted(), mode).unwrap_err();
        let (stale, _) = stale_of(&err);
        assert_eq!(stale.len(), 1, "{stale:?}");
        assert!(stale.contains(&(
            "ami-generated/src/queue.rs".to_owned(),
            "hand-written (no `@generated` first line): regen will not overwrite it"
        )));
        assert_eq!(
            fs::read_to_string(root.join("ami-generated/src/queue.rs")).unwrap(),
            "// mine\n"
        );
        assert_eq!(
            fs::read_to_string(&support).unwrap(),
            "//! Hand-written test helpers.\n"
        );
    }
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_part_crate_no_longer_generated_is_stale_then_removed_whole() {
    let root = scratch("part");
    let old = root.join("ami-generated/parts/old");
    fs::create_dir_all(old.join("src")).unwrap();
    fs::write(
        old.join("Cargo.toml"),
        format!("{}[package]\n", header("#", "spec/*.toml")),
    )
    .unwrap();
    fs::write(old.join("src/lib.rs"), generated("pub mod gone;\n")).unwrap();
    fs::write(old.join("src/gone.rs"), generated("a removed family\n")).unwrap();

    let err = ensure_files(&root, &wanted(), Mode::Check).unwrap_err();
    let (stale, _) = stale_of(&err);
    let removed = "not generated from the spec: remove it";
    for path in ["Cargo.toml", "src/gone.rs", "src/lib.rs"] {
        let path = format!("ami-generated/parts/old/{path}");
        assert!(
            stale.contains(&(path.clone(), removed)),
            "{path}: {stale:?}"
        );
    }
    assert!(old.join("src/gone.rs").exists());

    // Write removes the files and the directories they leave empty (the
    // workspace's `ami-generated/parts/*` glob would fail on an empty one),
    // but not `ami-generated/parts` itself.
    let report = ensure_files(&root, &wanted(), Mode::Write).unwrap();
    assert_eq!(report.removed.len(), 3, "{:?}", report.removed);
    assert!(!old.exists());
    assert!(root.join("ami-generated/parts").exists());
    fs::remove_dir_all(root).unwrap();
}
