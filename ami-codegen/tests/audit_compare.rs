//! The audit's comparison, on a fixture spec (`tests/fixtures/audit/spec/`)
//! and a fixture documentation file of our own
//! (`tests/fixtures/audit/asterisk-20.5.0-docs.xml`).

use std::path::{Path, PathBuf};

use ami_codegen::audit::{self, compare, coverage, AuditError, Docs, Report, Version};
use ami_codegen::model::DeviationKind;
use ami_codegen::{load_sources, read_sources};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit")
}

/// The fixture docs, read once per version given (`None`: the version in
/// the file name, 20.5.0).
fn docs(versions: &[Option<Version>]) -> Vec<Docs> {
    let dir = dir();
    let files: Vec<(PathBuf, Option<Version>)> = versions
        .iter()
        .map(|v| (dir.join("asterisk-20.5.0-docs.xml"), *v))
        .collect();
    audit::read_docs(&dir, &files).expect("fixture docs read")
}

/// The fixture spec audited against `docs`.
fn report(docs: &[Docs]) -> Report {
    let sources = read_sources(&dir().join("spec"), "spec").expect("fixture spec reads");
    let model = load_sources(sources.clone()).expect("fixture spec is valid");
    compare(&model, &sources, docs)
}

const REPORT_20_5_0: &str = "\
== 20.5.0 (asterisk-20.5.0-docs.xml)
spec/kettle.toml:15:8: [20.5.0] parameter AuthType of Login: value \"plain\" documented, not in the spec
spec/kettle.toml:36:8: [20.5.0] parameter Temperature of KettleBoil: optional in the docs, required in the spec
spec/kettle.toml:46:8: [20.5.0] parameter Mode of KettleBoil: value \"whistle\" documented, not in the spec
spec/kettle.toml:66:8: [20.5.0] action KettleFill: documented as a list reply with items KettleEntry, completion KettleListComplete; the spec has a single reply
spec/kettle.toml:76:8: [20.5.0] action KettleDescale: in the spec, not documented
spec/kettle.toml:111:8: [20.5.0] event KettleBoiled: since differs: the docs say 20.3.0 (from 20.3.0 in 20), the spec 20.4.0 (from 20.4.0 in 20)
spec/kettle.toml:125:8: [20.5.0] event TeapotSpout: documented in 20.5.0, but the spec's versions leave it out (since 21.0.0)
asterisk-20.5.0-docs.xml:74: [20.5.0] action TeapotBrew: documented, not in the spec (module res_teapot)
== stale deviations
spec/kettle.toml:73:14: deviation required on Water of action KettleFill matches no difference in 20.5.0: remove it
== summary
20.5.0: actions 3/4 (+1 not documented), parameters 7/7, events 3/4 (+0 not documented), fields 19/20, 8 differences, 3 deviations honoured
audit: 8 differences and 1 stale deviation (5 deviations declared)
";

/// Pinned: required flags, enumerated values (a nested enumlist is not a
/// value), a parameter included from another action (Water: no line, it
/// agrees), the channel snapshot under a prefix (KettleEntry: no line),
/// two event instances merged (KettleBoiled's Dry, declared `missing`), a
/// field the docs spell otherwise (`Temp-txt`, declared `renamed`: in use),
/// list replies, since, availability (KettleWhistle removed in 20.0.0: no
/// line), honoured deviations (`token`, `Lid`, `Dry`), a stale one, and a
/// missing action located in the docs.
#[test]
fn every_difference_is_reported_once_with_its_location() {
    let report = report(&docs(&[None]));
    assert_eq!(report.render(false), REPORT_20_5_0);
    assert!(!report.is_clean());
    assert_eq!(report.problem_count(), 9);
}

#[test]
fn differences_name_the_deviation_that_would_declare_them() {
    let report = report(&docs(&[None]));
    let accepts: Vec<(String, Option<DeviationKind>)> = report.versions[0]
        .differences
        .iter()
        .map(|d| (d.message.split(':').next().unwrap().to_owned(), d.accepts))
        .collect();
    let kind = |k| Some(k);
    assert_eq!(
        accepts,
        [
            (
                "parameter AuthType of Login".to_owned(),
                kind(DeviationKind::Values)
            ),
            (
                "parameter Temperature of KettleBoil".to_owned(),
                kind(DeviationKind::Required)
            ),
            (
                "parameter Mode of KettleBoil".to_owned(),
                kind(DeviationKind::Values)
            ),
            ("action KettleFill".to_owned(), kind(DeviationKind::Type)),
            (
                "action KettleDescale".to_owned(),
                kind(DeviationKind::Undocumented)
            ),
            ("event KettleBoiled".to_owned(), None),
            ("event TeapotSpout".to_owned(), None),
            ("action TeapotBrew".to_owned(), None),
        ]
    );
}

/// The same docs read as 21.0.0: KettleBoiled's since agrees (both cover
/// all of 21), TeapotSpout (since 21.0.0) is in the spec there.
#[test]
fn each_version_sees_only_the_items_the_spec_gives_it() {
    let report = report(&docs(&[Some(Version::new(21, 0, 0))]));
    let messages: Vec<&str> = report.versions[0]
        .differences
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        !messages.iter().any(|m| m.contains("KettleBoiled")),
        "{messages:?}"
    );
    assert!(
        !messages.iter().any(|m| m.contains("TeapotSpout")),
        "{messages:?}"
    );
    assert_eq!(messages.len(), 6, "{messages:?}");
    let counts = report.versions[0].counts;
    assert_eq!((counts.events.found, counts.events.documented), (4, 4));
}

#[test]
fn by_item_lists_each_difference_once_with_its_versions() {
    let report = report(&docs(&[None, Some(Version::new(21, 0, 0))]));
    let text = report.render_by_item();
    assert!(text.contains(
        "spec/kettle.toml:36:8: [20.5.0, 21.0.0] parameter Temperature of KettleBoil: optional in the docs, required in the spec\n"
    ), "{text}");
    assert!(text.contains(
        "asterisk-20.5.0-docs.xml:74: [20.5.0, 21.0.0] action TeapotBrew: documented, not in the spec (module res_teapot)\n"
    ), "{text}");
    assert!(
        text.contains("spec/kettle.toml:111:8: [20.5.0] event KettleBoiled: since differs"),
        "{text}"
    );
    // The deviation is stale in both versions: reported once.
    assert_eq!(
        text.matches("deviation required on Water").count(),
        1,
        "{text}"
    );
    assert!(
        text.contains("matches no difference in 20.5.0, 21.0.0: remove it"),
        "{text}"
    );
}

#[test]
fn the_coverage_page_has_a_row_per_version() {
    let page = coverage::coverage_md(&report(&docs(&[None])));
    assert!(page.starts_with(coverage::HEADER));
    assert!(
        page.contains("| 20.5.0 | 3/4 | 7/7 | 3/4 | 19/20 | 1, 0 | 3 | 8 |\n"),
        "{page}"
    );
    assert!(
        page.contains("Deviations declared in the spec: 5; stale (accepting no difference): 1.")
    );
}

#[test]
fn a_file_without_a_version_in_its_name_needs_one() {
    let plain = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("core-en_US.xml");
    std::fs::copy(dir().join("asterisk-20.5.0-docs.xml"), &plain).unwrap();
    let error = audit::read_docs(&dir(), &[(plain.clone(), None)]).unwrap_err();
    assert!(matches!(error, AuditError::Version(_)));
    assert_eq!(
        error.to_string(),
        format!(
            "error: {}: no Asterisk version in the file name: give it with --version X.Y.Z",
            plain.display()
        )
    );
    let docs = audit::read_docs(&dir(), &[(plain, Some(Version::new(22, 10, 1)))]).unwrap();
    assert_eq!(docs[0].version, Version::new(22, 10, 1));
    assert_eq!(
        audit::version_from_name(Path::new("x/asterisk-18.26.4-docs.xml.gz")),
        Some(Version::new(18, 26, 4))
    );
}

#[test]
fn the_default_docs_are_the_gzipped_files_sorted_by_version() {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("audit-root/ws");
    let docs_dir = root.join(audit::DEFAULT_DOCS_DIR);
    std::fs::create_dir_all(&docs_dir).unwrap();
    for name in [
        "asterisk-22.10.1-docs.xml.gz",
        "asterisk-18.26.4-docs.xml.gz",
        "notes.txt",
    ] {
        std::fs::write(docs_dir.join(name), b"").unwrap();
    }
    let names: Vec<String> = audit::default_docs(&root)
        .unwrap()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "asterisk-18.26.4-docs.xml.gz",
            "asterisk-22.10.1-docs.xml.gz"
        ]
    );
    let error = audit::default_docs(&root.join("nowhere")).unwrap_err();
    assert!(matches!(error, AuditError::NoDocs(_)), "{error}");
}
