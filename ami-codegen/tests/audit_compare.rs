//! The audit's comparison, on a fixture spec (`tests/fixtures/audit/spec/`)
//! and a fixture documentation file of our own
//! (`tests/fixtures/audit/asterisk-20.5.0-docs.xml`).

use std::path::{Path, PathBuf};

use ami_codegen::audit::{self, compare, coverage, Report, Version};
use ami_codegen::{load_sources, read_sources};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit")
}

/// The fixture spec audited against the fixture docs, read as `version`
/// (from the file name when `None`).
fn report(version: Option<Version>) -> Report {
    let dir = dir();
    let sources = read_sources(&dir.join("spec"), "spec").expect("fixture spec reads");
    let model = load_sources(sources.clone()).expect("fixture spec is valid");
    let docs = audit::read_docs(&dir, &[(dir.join("asterisk-20.5.0-docs.xml"), version)])
        .expect("fixture docs read");
    compare(&model, &sources, &docs)
}

#[test]
fn every_difference_is_reported_once_with_its_location() {
    let report = report(None);
    let expected = "\
== 20.5.0 (asterisk-20.5.0-docs.xml)
TODO
";
    assert_eq!(report.render(false), expected);
}
