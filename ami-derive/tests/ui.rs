//! Compile-fail tests: each misuse of the derives is reported as a spanned
//! error, and the messages are pinned in `tests/ui/*.stderr`.
//!
//! After an intended change of a message, regenerate the files with
//! `TRYBUILD=overwrite cargo test -p ami-derive --test ui` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
