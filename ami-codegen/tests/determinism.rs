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
    let first = emit::all(&model).unwrap();
    let second = emit::all(&load_sources(sources()).unwrap()).unwrap();
    assert_eq!(first, second);
    assert_eq!(emit::json::spec_json(&model), emit::json::spec_json(&model));
}

#[test]
fn file_order_does_not_matter() {
    let mut reversed = sources();
    reversed.reverse();
    let a = emit::all(&load_sources(sources()).unwrap()).unwrap();
    let b = emit::all(&load_sources(reversed).unwrap()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn output_is_plain_lf_text() {
    for (path, text) in emit::all(&load_sources(sources()).unwrap()).unwrap() {
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
fn every_event_is_boxed_in_the_event_enums() {
    let model = load_sources(sources()).unwrap();
    let lib = emit::rust::lib_rs(&model).unwrap();
    // Every event of the spec is a variant of `Event` holding a `Box` of
    // its struct (long variants are wrapped over lines: compare without
    // white space); the only unboxed variant is `Unknown`.
    let squashed: String = lib.split_whitespace().collect();
    let events: Vec<&str> = model.events().map(|e| e.rust.as_str()).collect();
    for event in &events {
        assert!(
            squashed.contains(&format!("{event}(Box<")),
            "{event} is not boxed"
        );
    }
    assert_eq!(squashed.matches("(Box<").count(), events.len());
    assert!(lib.contains("    Hangup(Box<channel::HangupEvent>),"));
    assert!(lib.contains("    Unknown(ami_runtime::wire::Message),"));
}
