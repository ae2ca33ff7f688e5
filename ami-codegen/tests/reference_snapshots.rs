//! Snapshots of the rendered reference, one per spec file, so that a change
//! of the Markdown emitter shows up as a reviewable diff. Snapshots without
//! a spec file are refused (no churn left behind when a family goes).
//!
//! Update with `INSTA_UPDATE=always cargo test -p ami-codegen --test
//! reference_snapshots` (or `cargo insta review`).

use std::fs;
use std::path::Path;

use ami_codegen::emit::markdown;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn reference_pages() {
    let model = ami_codegen::load(root()).unwrap();
    for family in &model.families {
        let md = markdown::family_md(&model, family);
        insta::assert_snapshot!(format!("reference_{}", family.name), md);
    }
}

#[test]
fn no_unreferenced_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let Ok(entries) = fs::read_dir(&dir) else {
        return;
    };
    for entry in entries {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let family = name
            .strip_prefix("reference_snapshots__reference_")
            .and_then(|n| n.strip_suffix(".snap"));
        let spec = family.map(|f| root().join(format!("spec/{f}.toml")));
        assert!(
            spec.is_some_and(|s| s.is_file()),
            "tests/snapshots/{name} belongs to no spec file: remove it"
        );
    }
}
