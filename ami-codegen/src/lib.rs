//! The AMI spec toolchain: TOML spec files in, Rust code, Markdown reference
//! docs and JSON out.
//!
//! Data flows one way through three layers:
//!
//! 1. [`spec`]: serde types that mirror `spec/*.toml` (spans kept);
//! 2. [`model`]: the resolved, validated IR, built by a validation pass that
//!    reports every problem as `spec/<file>.toml:LINE:COL: message`;
//! 3. [`emit`]: one module per artifact (Rust, Markdown, JSON, tests).
//!
//! [`regen()`] ties them together for `cargo xtask regen` (and `--check`);
//! [`Builder`] does the same for a downstream crate's own spec, from its
//! `build.rs`.

pub mod audit;
mod base_spec;
pub mod builder;
pub mod casing;
pub mod diagnostic;
pub mod emit;
pub mod model;
pub mod regen;
pub mod spec;
pub mod suggest;

pub use builder::Builder;
pub use diagnostic::Diagnostic;
pub use regen::{load, load_dir, load_sources, read_sources, regen, Mode, RegenError, Report};
