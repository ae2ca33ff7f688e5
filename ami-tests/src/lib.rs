//! No library: this crate holds workspace tests under `tests/` (the
//! directories of `ami-generated` are regenerated from the spec, so
//! hand-written tests that need every family live here).
