//! The output depends on the spec only: not on the order the files are read
//! in, nor on the run.

use std::fs;
use std::path::Path;

use ami_codegen::diagnostic::SourceFile;
use ami_codegen::{emit, load_sources};

fn sources() -> Vec<SourceFile> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            SourceFile::new(
                format!("spec/{n}"),
                fs::read_to_string(dir.join(&n)).unwrap(),
            )
        })
        .collect()
}

#[test]
fn emitting_twice_gives_the_same_bytes() {
    let model = load_sources(sources()).unwrap();
    let first = emit::all(&model);
    let second = emit::all(&load_sources(sources()).unwrap());
    assert_eq!(first, second);
    assert_eq!(emit::json::spec_json(&model), emit::json::spec_json(&model));
}

#[test]
fn file_order_does_not_matter() {
    let mut reversed = sources();
    reversed.reverse();
    let a = emit::all(&load_sources(sources()).unwrap());
    let b = emit::all(&load_sources(reversed).unwrap());
    assert_eq!(a, b);
}

#[test]
fn output_is_plain_lf_text() {
    for (path, text) in emit::all(&load_sources(sources()).unwrap()) {
        assert!(
            !text.contains('\r') || path.ends_with("examples.rs"),
            "{path} has CR"
        );
        assert!(text.ends_with('\n'), "{path} does not end with a newline");
        assert!(
            text.starts_with("// @generated")
                || text.starts_with("# @generated")
                || text.starts_with("<!-- @generated"),
            "{path} has no @generated header"
        );
    }
}

#[test]
fn only_the_widest_events_are_boxed_in_the_event_enums() {
    let model = load_sources(sources()).unwrap();
    let lib = emit::rust::lib_rs(&model);
    let boxed: Vec<&str> = lib
        .lines()
        .filter(|l| l.contains("(Box<"))
        .map(str::trim)
        .collect();
    assert_eq!(
        boxed,
        [
            "AttendedTransfer(Box<channel::AttendedTransferEvent>),",
            "EndpointDetail(Box<pjsip::EndpointDetailEvent>),"
        ]
    );
    assert!(lib.contains("    Hangup(channel::HangupEvent),"));
    for event in model.events() {
        let wide = event.field_count() > 64;
        let boxed = ["AttendedTransfer", "EndpointDetail"].contains(&event.wire.as_str());
        assert_eq!(wide, boxed, "{}", event.wire);
    }
}
