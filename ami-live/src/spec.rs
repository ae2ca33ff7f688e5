//! What the spec says about each action and event, for the suite's checks
//! and its coverage summary. Loaded from `spec/` with `ami-codegen`, the
//! same loader `cargo xtask regen` uses, so the suite judges the server
//! against the spec the generated code came from.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use ami_codegen::model::Model;
use ami_runtime::version::{Availability, Version};

/// One action of the spec.
#[derive(Clone, Debug)]
pub struct ActionInfo {
    /// Wire name.
    pub name: String,
    /// Family (spec file).
    pub family: String,
    /// The first release of each branch that has it (empty: always).
    pub since: Vec<Version>,
    /// The first release without it.
    pub removed: Option<Version>,
    /// Whether its reply may carry headers the spec cannot name.
    pub free_response: bool,
}

impl ActionInfo {
    /// Whether the spec says Asterisk `version` has this action.
    pub fn in_version(&self, version: &Version) -> bool {
        Availability {
            since: &self.since,
            deprecated: None,
            removed: self.removed,
        }
        .in_version(version)
    }
}

/// One event of the spec.
#[derive(Clone, Debug)]
pub struct EventInfo {
    /// Wire name.
    pub name: String,
    /// Whether it may carry headers the spec cannot name (`UserEvent`).
    pub free: bool,
}

/// The spec, indexed by lowercased wire name.
#[derive(Clone, Debug, Default)]
pub struct SpecIndex {
    /// Every action.
    pub actions: BTreeMap<String, ActionInfo>,
    /// Every event.
    pub events: BTreeMap<String, EventInfo>,
}

impl SpecIndex {
    /// Index a loaded model.
    pub fn from_model(model: &Model) -> Self {
        let mut index = SpecIndex::default();
        for family in &model.families {
            for action in &family.actions {
                index.actions.insert(
                    action.wire.to_ascii_lowercase(),
                    ActionInfo {
                        name: action.wire.clone(),
                        family: family.name.clone(),
                        since: action.versions.since.clone(),
                        removed: action.versions.removed,
                        free_response: action.has_free_response(),
                    },
                );
            }
            for event in &family.events {
                index.events.insert(
                    event.wire.to_ascii_lowercase(),
                    EventInfo {
                        name: event.wire.clone(),
                        free: !event.free.is_empty(),
                    },
                );
            }
        }
        index
    }

    /// Load `dir` (a folder of spec files).
    pub fn load(dir: &Path) -> Result<Self, String> {
        ami_codegen::load_dir(dir, "spec")
            .map(|model| Self::from_model(&model))
            .map_err(|e| format!("{}: {e}", dir.display()))
    }

    /// The workspace's spec, loaded once per process.
    pub fn workspace() -> &'static SpecIndex {
        static SPEC: OnceLock<SpecIndex> = OnceLock::new();
        SPEC.get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
            match Self::load(&dir) {
                Ok(index) => index,
                Err(e) => panic!("the live suite cannot load the spec: {e}"),
            }
        })
    }

    /// The action called `name` (any case).
    pub fn action(&self, name: &str) -> Option<&ActionInfo> {
        self.actions.get(&name.to_ascii_lowercase())
    }

    /// The event called `name` (any case).
    pub fn event(&self, name: &str) -> Option<&EventInfo> {
        self.events.get(&name.to_ascii_lowercase())
    }

    /// The actions the spec says Asterisk `version` has.
    pub fn actions_in<'a>(&'a self, version: &'a Version) -> impl Iterator<Item = &'a ActionInfo> {
        self.actions.values().filter(move |a| a.in_version(version))
    }
}
