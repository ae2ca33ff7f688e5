//! `cargo xtask msrv`: every dependency of a published crate must build with
//! that crate's `rust-version`.
//!
//! Only the toolchains of the day are installed here, and cargo 1.80 cannot
//! even read the manifests of some of our dev-dependencies (edition 2024),
//! so the MSRV is checked from `cargo metadata` instead: for each published
//! workspace crate (not `publish = false`), walk its normal and build
//! dependencies in the resolved graph (`Cargo.lock`) and fail when one of
//! them declares a `rust-version` newer than the crate's own. Clippy's
//! `incompatible_msrv` lint (driven by the same `rust-version`) checks our
//! own code's use of newer std APIs. `.cargo/config.toml` makes cargo
//! resolve to MSRV-compatible versions when there are some.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// A `rust-version` as comparable numbers: `1.80` is `[1, 80, 0]`.
fn parse_version(text: &str) -> Option<[u64; 3]> {
    let mut out = [0; 3];
    let mut parts = text.split('.');
    for slot in &mut out {
        match parts.next() {
            Some(p) => *slot = p.parse().ok()?,
            None => break,
        }
    }
    parts.next().is_none().then_some(out)
}

/// What the check found for one published crate.
#[derive(Debug, PartialEq, Eq)]
pub struct CrateReport {
    /// `name rust-version`.
    pub name: String,
    /// Its `rust-version`.
    pub rust_version: String,
    /// How many dependencies (transitively, normal and build) it has.
    pub dependencies: usize,
    /// `name version (rust-version X)` of each dependency that needs more.
    pub too_new: Vec<String>,
}

/// Check the output of `cargo metadata --format-version 1`.
pub fn check(metadata: &Value) -> Result<Vec<CrateReport>, String> {
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata: no `packages`")?;
    let by_id: BTreeMap<&str, &Value> = packages
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let nodes: BTreeMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .ok_or("cargo metadata: no `resolve.nodes` (run without --no-deps)")?
        .iter()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let members = metadata["workspace_members"]
        .as_array()
        .ok_or("cargo metadata: no `workspace_members`")?;
    let mut reports = Vec::new();
    for member in members.iter().filter_map(Value::as_str) {
        let package = by_id
            .get(member)
            .ok_or_else(|| format!("cargo metadata: no package {member}"))?;
        // `publish = false` is `"publish": []`.
        if package["publish"].as_array().is_some_and(Vec::is_empty) {
            continue;
        }
        let name = package["name"].as_str().unwrap_or(member).to_owned();
        let Some(ours) = package["rust_version"].as_str() else {
            return Err(format!("{name}: published but declares no rust-version"));
        };
        let limit = parse_version(ours)
            .ok_or_else(|| format!("{name}: rust-version `{ours}` is not a version"))?;
        let mut seen = BTreeSet::new();
        let mut stack = vec![member];
        let mut too_new = BTreeSet::new();
        while let Some(id) = stack.pop() {
            let Some(node) = nodes.get(id) else { continue };
            for dep in node["deps"].as_array().into_iter().flatten() {
                let runtime = dep["dep_kinds"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|k| matches!(k["kind"].as_str(), None | Some("build")));
                let Some(dep_id) = dep["pkg"].as_str() else {
                    continue;
                };
                if !runtime || !seen.insert(dep_id) {
                    continue;
                }
                stack.push(dep_id);
                let Some(dep_pkg) = by_id.get(dep_id) else {
                    continue;
                };
                if let Some(theirs) = dep_pkg["rust_version"].as_str() {
                    if parse_version(theirs).is_some_and(|v| v > limit) {
                        too_new.insert(format!(
                            "{} {} (rust-version {theirs})",
                            dep_pkg["name"].as_str().unwrap_or("?"),
                            dep_pkg["version"].as_str().unwrap_or("?"),
                        ));
                    }
                }
            }
        }
        reports.push(CrateReport {
            name,
            rust_version: ours.to_owned(),
            dependencies: seen.len(),
            too_new: too_new.into_iter().collect(),
        });
    }
    reports.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(id: &str, rust_version: Option<&str>, publish: Option<Vec<&str>>) -> Value {
        serde_json::json!({
            "id": id,
            "name": id,
            "version": "1.0.0",
            "rust_version": rust_version,
            "publish": publish,
        })
    }

    fn dep(id: &str, kind: Option<&str>) -> Value {
        serde_json::json!({ "pkg": id, "dep_kinds": [{ "kind": kind }] })
    }

    fn metadata() -> Value {
        serde_json::json!({
            "workspace_members": ["lib", "bench"],
            "packages": [
                package("lib", Some("1.80"), None),
                package("bench", Some("1.86"), Some(vec![])),
                package("old", Some("1.70"), None),
                package("deep", Some("1.85.0"), None),
                package("devonly", Some("1.88"), None),
                package("peer", Some("1.86"), None),
            ],
            "resolve": { "nodes": [
                { "id": "lib", "deps": [dep("old", None), dep("devonly", Some("dev"))] },
                { "id": "old", "deps": [dep("deep", Some("build"))] },
                { "id": "deep", "deps": [] },
                { "id": "devonly", "deps": [] },
                { "id": "bench", "deps": [dep("peer", None)] },
                { "id": "peer", "deps": [] },
            ]},
        })
    }

    #[test]
    fn a_transitive_dependency_newer_than_the_msrv_is_reported() {
        let reports = check(&metadata()).unwrap();
        assert_eq!(
            reports,
            [CrateReport {
                name: "lib".into(),
                rust_version: "1.80".into(),
                dependencies: 2,
                too_new: vec!["deep 1.0.0 (rust-version 1.85.0)".into()],
            }]
        );
    }

    #[test]
    fn versions_compare_as_numbers() {
        assert_eq!(parse_version("1.80"), Some([1, 80, 0]));
        assert!(parse_version("1.100").unwrap() > parse_version("1.85.1").unwrap());
        assert_eq!(parse_version("1.x"), None);
        assert_eq!(parse_version("1.2.3.4"), None);
    }

    #[test]
    fn a_published_crate_without_rust_version_is_an_error() {
        let mut m = metadata();
        m["packages"][0]["rust_version"] = Value::Null;
        assert_eq!(
            check(&m).unwrap_err(),
            "lib: published but declares no rust-version"
        );
    }
}
