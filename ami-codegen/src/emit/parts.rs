//! How the workspace's generated code is split into crates that build in
//! parallel (the way ruma splits its generated API).
//!
//! One crate's front end runs on one core: as a single crate, `ami-generated`
//! took ~48 s to build on two cores, most of it a single-threaded front end
//! whose cost grows with the number of families. So the families live in
//! *part* crates, [`PARTS`], sized from measurement so that each builds in
//! well under 20 s; [`BASE`] holds the `common` groups every part uses; and
//! `ami-generated` is a facade that re-exports the parts' modules under the
//! same paths (`ami_generated::channel::OriginateAction`) and holds what ties
//! the families together: the `Event` enum and the `registry`.
//!
//! A part names the types of another part only in docs, where such a link
//! becomes plain text (a part does not depend on another part, so that they
//! all build at once). A type a family's code needs (a list reply's item
//! events) must be in the same part: [`check`] refuses a layout where it is
//! not.

use super::rust::CodeError;
use crate::model::{Family, Model, COMMON};

/// One crate of generated families.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    /// Short name: the crate is `ami-generated-<name>`, in
    /// `ami-generated/parts/<name>/`.
    pub name: &'static str,
    /// What it holds, for its crate docs and description.
    pub title: &'static str,
    /// Its families. A family no part lists goes to the last part.
    pub families: &'static [&'static str],
}

/// The base crate: the `common` family (shared field groups).
pub const BASE: &str = "common";

/// The part crates. Sized by the release build time of each family
/// (all features; the single-crate build grew about linearly with the
/// families): each part about a quarter of the whole, so that on two cores
/// they build two at a time, then the facade. Measured with `cargo build
/// --timings --release -p ami-generated --all-features` after cleaning the
/// generated packages: each part 11-12 s (10.4-11.3 CPU-s), the facade 5 s,
/// the base 2 s, 29 s in all (one crate took 48.5 s). A part growing past
/// ~15 s is the sign to add one (or move a family): families that link to
/// each other share a part where that keeps the sizes even; a family whose
/// code names another's types must share its part ([`check`]).
pub const PARTS: &[Part] = &[
    Part {
        name: "calls",
        title: "channels and calls, the manager session, call records, XMPP",
        families: &["channel", "manager", "cdr", "cel", "xmpp"],
    },
    Part {
        name: "voip",
        title: "VoIP channel drivers: PJSIP, SIP, IAX2, RTP",
        families: &["pjsip", "sip", "iax", "rtp"],
    },
    Part {
        name: "apps",
        title: "applications: queues, voicemail, conferences, agents, parking; the Skinny (SCCP) driver",
        families: &[
            "queue",
            "voicemail",
            "confbridge",
            "meetme",
            "agent",
            "parking",
            "skinny",
        ],
    },
    Part {
        name: "pbx",
        title: "PBX core and telephony: bridges, dialplan, device state, DAHDI and PRI, fax, recording, configuration, AstDB, sorcery, security",
        families: &[
            "bridge",
            "dialplan",
            "devicestate",
            "dahdi",
            "pri",
            "fax",
            "monitor",
            "config",
            "db",
            "sorcery",
            "security",
        ],
    },
];

/// The crate (package) name of the part or base called `name`.
pub fn crate_name(name: &str) -> String {
    format!("ami-generated-{name}")
}

/// The Rust name of the crate of the part or base called `name`.
pub fn crate_ident(name: &str) -> String {
    format!("ami_generated_{name}")
}

/// The directory of the part or base called `name`, relative to the
/// workspace root.
pub fn dir(name: &str) -> String {
    format!("ami-generated/parts/{name}")
}

/// The part or base that holds `family`: [`BASE`] for `common`, the
/// part listing it, else the last part.
pub fn of(family: &str) -> &'static str {
    if family == COMMON {
        return BASE;
    }
    PARTS
        .iter()
        .find(|p| p.families.contains(&family))
        .or(PARTS.last())
        .map_or(BASE, |p| p.name)
}

/// The families of `model` in the part called `part`, in model order.
pub fn families<'m>(model: &'m Model, part: &str) -> Vec<&'m Family> {
    model
        .families
        .iter()
        .filter(|f| of(&f.name) == part)
        .collect()
}

/// Refuse a layout in which a family's code names a type of another part
/// (its `depends`: the item events of its list replies).
pub fn check(model: &Model) -> Result<(), CodeError> {
    check_layout(model, of)
}

/// [`check`] with the layout `of` (a family's part).
fn check_layout(model: &Model, of: impl Fn(&str) -> &'static str) -> Result<(), CodeError> {
    for family in &model.families {
        for dep in &family.depends {
            if of(dep) != of(&family.name) && of(dep) != BASE {
                return Err(CodeError {
                    source: family.file.clone(),
                    line: 0,
                    column: 0,
                    message: format!(
                        "family `{}` (part `{}`) names types of family `{dep}` (part `{}`): \
                         put them in one part (ami-codegen/src/emit/parts.rs)",
                        family.name,
                        of(&family.name),
                        of(dep)
                    ),
                    near: String::new(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn no_family_is_in_two_parts() {
        let mut seen = std::collections::BTreeSet::new();
        for part in PARTS {
            assert_ne!(part.name, BASE);
            for family in part.families {
                assert!(seen.insert(*family), "{family} is in two parts");
                assert_eq!(of(family), part.name);
            }
        }
        assert_eq!(of(COMMON), BASE);
        // A family no part lists goes to the last part.
        assert_eq!(of("not-listed"), PARTS[PARTS.len() - 1].name);
    }

    fn workspace_spec() -> Model {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        crate::regen::load(&root).unwrap()
    }

    #[test]
    fn every_family_of_the_spec_is_placed_and_the_layout_holds() {
        let model = workspace_spec();
        for family in model.features() {
            assert!(
                PARTS
                    .iter()
                    .any(|p| p.families.contains(&family.name.as_str())),
                "family `{}` is in no part of PARTS: place it (sized by build time)",
                family.name
            );
        }
        check(&model).unwrap();
    }

    #[test]
    fn a_list_reply_naming_events_of_another_part_is_refused() {
        let model = workspace_spec();
        // `iax`'s list replies are made of `sip`'s events.
        let split = |family: &str| match family {
            COMMON => BASE,
            "iax" => "one",
            _ => "two",
        };
        let err = check_layout(&model, split).unwrap_err();
        assert_eq!(err.source, "spec/iax.toml");
        assert_eq!(err.line, 0);
        assert!(
            err.to_string().starts_with(
                "the Rust generated from spec/iax.toml: family `iax` (part `one`) names types of family `sip` (part `two`)"
            ),
            "{err}"
        );
    }

    #[test]
    fn names() {
        assert_eq!(crate_name("calls"), "ami-generated-calls");
        assert_eq!(crate_ident("calls"), "ami_generated_calls");
        assert_eq!(dir("calls"), "ami-generated/parts/calls");
    }
}
