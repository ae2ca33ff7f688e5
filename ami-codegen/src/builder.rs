//! User specs: a downstream crate's own actions and events, generated from
//! its own TOML directory by its `build.rs` (or its own `cargo xtask`), with
//! the same toolchain and the same derives as `ami-generated`.
//!
//! A user spec has the format of the workspace's `spec/` (see
//! `spec/README.md`) and is validated against it: the workspace's spec,
//! compiled into this crate, is its *base*. The user's files may name the
//! base spec's events (`items = ["CoreShowChannel"]`, `events =
//! ["Hangup"]`), actions (`see_also`) and shared groups (`group =
//! "ChannelSnapshot"`), and the generated code names them by their paths in
//! `ami_generated` (`::ami_generated::common::ChannelSnapshot`). Their own
//! names may not clash with the base spec's; an event of the user's may be a
//! subtype of `UserEvent`, selected by its `UserEvent` header:
//!
//! ```toml
//! [[event]]
//! name = "UserEvent"
//! user_event = "CallQualityReport"   # the struct CallQualityReportEvent
//! synopsis = "..."
//! ```
//!
//! The output is one Rust file: a module per spec file, then an enum of the
//! user's events (`Event` unless [`Builder::event_enum`] says otherwise) that
//! tries the user's types first and falls back to `ami_generated::Event`
//! (variant `Asterisk`), for `Client<Event>`. The generated code names the
//! runtime as `ami_runtime` (the derives' paths) and the base types as
//! `ami_generated`: the crate depends on both, with the `ami-generated`
//! features of every base family it names.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let out_dir = std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?;
//!     ami_codegen::Builder::new("spec").generate_to(out_dir)?;
//!     Ok(())
//! }
//! ```
//!
//! and in the crate: `mod ami { include!(concat!(env!("OUT_DIR"), "/ami_spec.rs")); }`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::casing;
use crate::diagnostic::{Diagnostics, SourceFile};
use crate::emit;
use crate::model::{self, Model};
use crate::regen::{read_sources, RegenError};
use crate::spec;

/// Generates the Rust of a user spec directory; see the [module
/// documentation](self).
#[derive(Clone, Debug)]
pub struct Builder {
    spec_dir: PathBuf,
    event_enum: String,
    file_name: String,
    rerun: Option<bool>,
}

impl Builder {
    /// A builder for the spec files (`*.toml`) of `spec_dir`. A relative
    /// path is relative to the current directory, which for a build script
    /// is the package's root; diagnostics name the files as
    /// `<spec_dir>/<name>.toml:LINE:COL`.
    pub fn new(spec_dir: impl Into<PathBuf>) -> Self {
        Builder {
            spec_dir: spec_dir.into(),
            event_enum: "Event".to_owned(),
            file_name: "ami_spec.rs".to_owned(),
            rerun: None,
        }
    }

    /// The name of the generated enum of events (default `Event`).
    pub fn event_enum(mut self, name: impl Into<String>) -> Self {
        self.event_enum = name.into();
        self
    }

    /// The name of the file [`Builder::generate_to`] writes (default
    /// `ami_spec.rs`).
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = name.into();
        self
    }

    /// Whether [`Builder::generate_to`] prints `cargo:rerun-if-changed`
    /// lines for the spec directory and each spec file. By default it does
    /// when it runs in a build script (`OUT_DIR` is set), not from a tool.
    pub fn rerun_if_changed(mut self, print: bool) -> Self {
        self.rerun = Some(print);
        self
    }

    /// Load and validate the spec: every problem as
    /// `<spec_dir>/<file>.toml:LINE:COL: message`. The model holds the
    /// user's families, with the base spec as [`Model::base`].
    pub fn load(&self) -> Result<Model, RegenError> {
        let prefix = self.spec_dir.to_string_lossy().replace('\\', "/");
        let prefix = prefix.trim_end_matches('/');
        let user = read_sources(&self.spec_dir, prefix)?;
        if user.is_empty() {
            return Err(RegenError::Io(format!(
                "{}: no spec file (*.toml) in this directory",
                self.spec_dir.display()
            )));
        }
        load_user_sources(user).map_err(RegenError::Spec)
    }

    /// The generated Rust, for `include!`.
    pub fn generate(&self) -> Result<String, RegenError> {
        if !casing::is_upper_camel(&self.event_enum) {
            return Err(RegenError::Options(format!(
                "event_enum `{}` is not an UpperCamelCase Rust identifier",
                self.event_enum
            )));
        }
        let model = self.load()?;
        let source = format!(
            "{}/*.toml",
            self.spec_dir.to_string_lossy().replace('\\', "/")
        );
        Ok(emit::rust::user_rs(&model, &self.event_enum, &source))
    }

    /// Write the generated Rust to `<out_dir>/<file_name>` (only when it
    /// changed, so that nothing rebuilds for nothing) and return that path;
    /// in a build script, also tell cargo to run it again when a spec file
    /// changes.
    pub fn generate_to(&self, out_dir: impl AsRef<Path>) -> Result<PathBuf, RegenError> {
        if self
            .rerun
            .unwrap_or_else(|| std::env::var_os("OUT_DIR").is_some())
        {
            self.print_rerun_lines();
        }
        let code = self.generate()?;
        let path = out_dir.as_ref().join(&self.file_name);
        if fs::read_to_string(&path).ok().as_deref() != Some(code.as_str()) {
            fs::write(&path, code)
                .map_err(|e| RegenError::Io(format!("{}: {e}", path.display())))?;
        }
        Ok(path)
    }

    /// `cargo:rerun-if-changed` for the directory (a new file) and for each
    /// spec file in it.
    fn print_rerun_lines(&self) {
        println!("cargo:rerun-if-changed={}", self.spec_dir.display());
        if let Ok(entries) = fs::read_dir(&self.spec_dir) {
            let mut paths: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            paths.sort();
            for path in paths {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
}

/// The base spec's files, as compiled into this crate.
pub fn base_sources() -> Vec<SourceFile> {
    crate::base_spec::FILES
        .iter()
        .map(|(path, text)| SourceFile::new(*path, *text))
        .collect()
}

/// Parse and validate a user spec given as text, against the base spec
/// compiled into this crate (what [`Builder::load`] does once the files
/// are read).
pub fn load_user_sources(
    user: Vec<SourceFile>,
) -> Result<Model, Vec<crate::diagnostic::Diagnostic>> {
    let mut diags = Diagnostics::default();
    let mut parsed = Vec::new();
    let base = base_sources();
    let base_count = base.len();
    for source in base.into_iter().chain(user) {
        match spec::parse(&source) {
            Ok(file) => parsed.push((source, file)),
            Err(d) => diags.push(d),
        }
    }
    let complete = diags.is_empty();
    match model::resolve_user(&parsed, base_count, complete) {
        Ok(model) if complete => Ok(model),
        Ok(_) => Err(diags.into_sorted()),
        Err(more) => {
            for d in more {
                diags.push(d);
            }
            Err(diags.into_sorted())
        }
    }
}
