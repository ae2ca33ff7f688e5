//! The record of a live run, and the coverage summary built from it.
//!
//! Each [`Session`](crate::Session) appends JSON lines to `AMI_LIVE_RECORD`
//! when it finishes: one per action sent (`"kind": "action"`), one per event
//! name seen (`"kind": "events"`, with counts), the actions the server lists
//! (`"kind": "server_actions"`) and free notes (`"kind": "note"`). Tests run
//! on several threads, so every line is written whole with one `write` on a
//! file opened for appending. [`Summary`] reads them back.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde_json::{json, Value};

use ami_runtime::version::Version;

use crate::spec::SpecIndex;

/// How an action sent by the suite ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `Response: Success` (or the list, the output...), decoded typed.
    Success,
    /// `Response: Error` with Asterisk's message.
    Error,
    /// Anything else: no reply, a reply that does not decode, a drop.
    Failure,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Error => "error",
            Outcome::Failure => "failure",
        }
    }
}

/// One action the suite sent.
#[derive(Clone, Debug)]
pub struct ActionEntry {
    /// Test that sent it.
    pub test: String,
    /// Wire name.
    pub name: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Asterisk's message, or the error.
    pub detail: String,
    /// Reply headers the typed response kept in `extra`.
    pub extra: Vec<String>,
    /// Whether the spec says the reply may carry such headers.
    pub extra_allowed: bool,
}

/// What a session saw of one event name.
#[derive(Clone, Debug, Default)]
pub struct EventTally {
    /// How many arrived.
    pub count: u64,
    /// How many decoded into their typed struct.
    pub typed: u64,
    /// How many came back `Event::Unknown`.
    pub unknown: u64,
    /// How many failed to decode; a few reasons are kept.
    pub undecoded: u64,
    /// Decoding errors (first few, deduplicated).
    pub errors: BTreeSet<String>,
    /// Headers left in `extra` without a reason in the spec.
    pub extra: BTreeSet<String>,
    /// For an event the spec lacks, or one that did not decode: every
    /// header name it came with (what a spec entry for it needs).
    pub headers: BTreeSet<String>,
}

/// Serialises appends to the record file within the process.
static FILE_LOCK: Mutex<()> = Mutex::new(());

/// Append `lines` (JSON values) to the record file.
pub fn append(path: &Path, lines: &[Value]) -> Result<(), String> {
    let mut text = String::new();
    for line in lines {
        text.push_str(&line.to_string());
        text.push('\n');
    }
    let _guard = FILE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The JSON line of an action entry.
pub fn action_line(entry: &ActionEntry) -> Value {
    json!({
        "kind": "action",
        "test": entry.test,
        "name": entry.name,
        "outcome": entry.outcome.as_str(),
        "detail": entry.detail,
        "extra": entry.extra,
        "extra_allowed": entry.extra_allowed,
    })
}

/// The JSON line of an event tally.
pub fn events_line(test: &str, name: &str, tally: &EventTally) -> Value {
    json!({
        "kind": "events",
        "test": test,
        "name": name,
        "count": tally.count,
        "typed": tally.typed,
        "unknown": tally.unknown,
        "undecoded": tally.undecoded,
        "errors": tally.errors,
        "extra": tally.extra,
        "headers": tally.headers,
    })
}

/// The JSON line naming the server's version (`CoreSettings`).
pub fn server_version_line(version: &str) -> Value {
    json!({ "kind": "server_version", "version": version })
}

/// The JSON line listing the actions the server offers.
pub fn server_actions_line(names: &[String]) -> Value {
    json!({ "kind": "server_actions", "names": names })
}

/// A free note (a skipped scenario, a figure).
pub fn note_line(test: &str, text: &str) -> Value {
    json!({ "kind": "note", "test": test, "text": text })
}

/// Per event name, over the whole run.
#[derive(Clone, Debug, Default)]
struct EventTotals {
    count: u64,
    typed: u64,
    unknown: u64,
    undecoded: u64,
    errors: BTreeSet<String>,
    extra: BTreeSet<String>,
    headers: BTreeSet<String>,
}

/// The coverage summary of a run: actions exercised out of those the spec
/// has for current Asterisk and this server offers, event types seen and
/// how many decoded typed, and every problem found.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    version: Option<Version>,
    spec_actions: usize,
    spec_for_version: usize,
    spec_says_absent: BTreeSet<String>,
    server_actions: BTreeSet<String>,
    executable: BTreeSet<String>,
    exercised: BTreeMap<String, (u64, u64)>,
    failures: Vec<String>,
    response_extra: Vec<String>,
    server_only: BTreeSet<String>,
    events: BTreeMap<String, EventTotals>,
    notes: Vec<String>,
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl Summary {
    /// Build the summary from the record's text and the spec.
    pub fn from_record(text: &str, spec: &SpecIndex) -> Result<Self, String> {
        let mut s = Summary {
            spec_actions: spec.actions.len(),
            ..Summary::default()
        };
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: Value =
                serde_json::from_str(line).map_err(|e| format!("record line {}: {e}", n + 1))?;
            let str_of = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            let num_of = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
            match v.get("kind").and_then(Value::as_str) {
                Some("action") => {
                    let name = str_of("name");
                    let key = spec
                        .action(&name)
                        .map(|a| a.name.clone())
                        .unwrap_or_else(|| name.clone());
                    let slot = s.exercised.entry(key).or_default();
                    match str_of("outcome").as_str() {
                        "success" => slot.0 += 1,
                        "error" => slot.1 += 1,
                        _ => s.failures.push(format!(
                            "{name} ({}): {}",
                            str_of("test"),
                            str_of("detail")
                        )),
                    }
                    let extra = strings(&v["extra"]);
                    let allowed = v["extra_allowed"].as_bool().unwrap_or(false);
                    if !extra.is_empty() && !allowed {
                        s.response_extra.push(format!(
                            "{name}: reply headers in extra: {}",
                            extra.join(", ")
                        ));
                    }
                }
                Some("events") => {
                    let t = s.events.entry(str_of("name")).or_default();
                    t.count += num_of("count");
                    t.typed += num_of("typed");
                    t.unknown += num_of("unknown");
                    t.undecoded += num_of("undecoded");
                    t.errors.extend(strings(&v["errors"]));
                    t.extra.extend(strings(&v["extra"]));
                    t.headers.extend(strings(&v["headers"]));
                }
                Some("server_actions") => s.server_actions.extend(strings(&v["names"])),
                Some("server_version") => {
                    let text = str_of("version");
                    let version = Version::from_server_text(&text)
                        .ok_or_else(|| format!("record line {}: no version in {text:?}", n + 1))?;
                    s.version = Some(version);
                }
                Some("note") => s
                    .notes
                    .push(format!("{}: {}", str_of("test"), str_of("text"))),
                _ => return Err(format!("record line {}: unknown kind", n + 1)),
            }
        }
        s.response_extra.sort();
        s.response_extra.dedup();
        s.notes.sort();
        s.notes.dedup();
        let server_lower: BTreeSet<String> = s
            .server_actions
            .iter()
            .map(|n| n.to_ascii_lowercase())
            .collect();
        // Without the server's version, judge by the newest the spec knows
        // of: whatever is not removed.
        let version = s.version.unwrap_or(Version::new(u32::MAX, 0, 0));
        let for_version: Vec<&str> = spec.actions_in(&version).map(|a| a.name.as_str()).collect();
        s.spec_for_version = for_version.len();
        s.executable = for_version
            .iter()
            .filter(|a| server_lower.contains(&a.to_ascii_lowercase()))
            .map(|a| a.to_string())
            .collect();
        s.spec_says_absent = s
            .server_actions
            .iter()
            .filter(|n| spec.action(n).is_some_and(|a| !a.in_version(&version)))
            .cloned()
            .collect();
        s.server_only = s
            .server_actions
            .iter()
            .filter(|n| spec.action(n).is_none())
            .cloned()
            .collect();
        Ok(s)
    }

    /// Executable actions the run never sent.
    pub fn missing_actions(&self) -> Vec<&str> {
        self.executable
            .iter()
            .filter(|a| !self.exercised.contains_key(*a))
            .map(String::as_str)
            .collect()
    }

    /// Every problem: each makes the run fail.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.server_actions.is_empty() {
            out.push("the record has no server_actions line (ListCommands never ran)".to_owned());
        }
        if !self.spec_says_absent.is_empty() {
            let names: Vec<&str> = self.spec_says_absent.iter().map(String::as_str).collect();
            out.push(format!(
                "the server offers actions the spec says this version lacks: {}",
                names.join(", ")
            ));
        }
        let missing = self.missing_actions();
        if !missing.is_empty() {
            out.push(format!(
                "{} executable actions never sent: {}",
                missing.len(),
                missing.join(", ")
            ));
        }
        out.extend(self.failures.iter().map(|f| format!("action failed: {f}")));
        out.extend(self.response_extra.iter().cloned());
        for (name, t) in &self.events {
            if t.unknown > 0 {
                let headers: Vec<&str> = t.headers.iter().map(String::as_str).collect();
                out.push(format!(
                    "event {name}: {} not in the spec (Event::Unknown); headers: {}",
                    t.unknown,
                    headers.join(", ")
                ));
            }
            if t.undecoded > 0 {
                let errors: Vec<&str> = t.errors.iter().map(String::as_str).collect();
                let headers: Vec<&str> = t.headers.iter().map(String::as_str).collect();
                out.push(format!(
                    "event {name}: {} undecodable: {}; headers: {}",
                    t.undecoded,
                    errors.join(" | "),
                    headers.join(", ")
                ));
            }
            if !t.extra.is_empty() {
                let extra: Vec<&str> = t.extra.iter().map(String::as_str).collect();
                out.push(format!(
                    "event {name}: headers in extra: {}",
                    extra.join(", ")
                ));
            }
        }
        out
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sent = self.exercised.len();
        let covered = self
            .executable
            .iter()
            .filter(|a| self.exercised.contains_key(*a))
            .count();
        let (ok, err) = self
            .exercised
            .values()
            .fold((0, 0), |(a, b), (s, e)| (a + s, b + e));
        writeln!(f, "== ami-live coverage")?;
        writeln!(
            f,
            "actions: {covered}/{} executable here exercised ({sent} distinct sent; {ok} \
             successes, {err} Asterisk errors, {} failures)",
            self.executable.len(),
            self.failures.len()
        )?;
        let version = match self.version {
            Some(v) => format!("Asterisk {v}"),
            None => "current Asterisk (server version unknown)".to_owned(),
        };
        writeln!(
            f,
            "  spec: {} actions, {} for {version}; the server lists {}; {} of the spec's \
             actions for {version} are not loaded here (PJSIP, DAHDI...)",
            self.spec_actions,
            self.spec_for_version,
            self.server_actions.len(),
            self.spec_for_version - self.executable.len()
        )?;
        if !self.server_only.is_empty() {
            let names: Vec<&str> = self.server_only.iter().map(String::as_str).collect();
            writeln!(
                f,
                "  server actions missing from the spec ({}): {}",
                names.len(),
                names.join(", ")
            )?;
        }
        let types = self.events.len();
        let typed_types = self
            .events
            .values()
            .filter(|t| t.unknown == 0 && t.undecoded == 0)
            .count();
        let total: u64 = self.events.values().map(|t| t.count).sum();
        let typed: u64 = self.events.values().map(|t| t.typed).sum();
        let share = |a: u64, b: u64| {
            if b == 0 {
                100.0
            } else {
                a as f64 * 100.0 / b as f64
            }
        };
        writeln!(
            f,
            "events: {types} types seen, {typed_types} typed ({:.1}%); {total} events, {typed} \
             typed ({:.1}%)",
            share(typed_types as u64, types as u64),
            share(typed, total)
        )?;
        for note in &self.notes {
            writeln!(f, "note: {note}")?;
        }
        let problems = self.problems();
        if problems.is_empty() {
            writeln!(f, "problems: none")
        } else {
            writeln!(f, "problems ({}):", problems.len())?;
            for p in problems {
                writeln!(f, "  - {p}")?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ActionInfo, EventInfo};

    fn spec() -> SpecIndex {
        let mut s = SpecIndex::default();
        for (name, removed) in [
            ("Ping", None),
            ("Hangup", None),
            ("SIPpeers", Some(Version::new(21, 0, 0))),
        ] {
            s.actions.insert(
                name.to_ascii_lowercase(),
                ActionInfo {
                    name: name.to_owned(),
                    family: "x".to_owned(),
                    since: Vec::new(),
                    removed,
                    free_response: false,
                },
            );
        }
        s.events.insert(
            "hangup".to_owned(),
            EventInfo {
                name: "Hangup".to_owned(),
                free: false,
            },
        );
        s
    }

    fn entry(name: &str, outcome: Outcome, extra: &[&str]) -> Value {
        action_line(&ActionEntry {
            test: "t".to_owned(),
            name: name.to_owned(),
            outcome,
            detail: "d".to_owned(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
            extra_allowed: false,
        })
    }

    fn record(lines: &[Value]) -> String {
        lines.iter().map(|l| format!("{l}\n")).collect()
    }

    #[test]
    fn a_clean_run_has_no_problems() {
        let tally = EventTally {
            count: 2,
            typed: 2,
            ..EventTally::default()
        };
        let text = record(&[
            server_version_line("22.10.1"),
            server_actions_line(&["Ping".to_owned(), "Hangup".to_owned()]),
            entry("ping", Outcome::Success, &[]),
            entry("Hangup", Outcome::Error, &[]),
            events_line("t", "Hangup", &tally),
        ]);
        let s = Summary::from_record(&text, &spec()).unwrap();
        assert_eq!(s.problems(), Vec::<String>::new());
        let shown = s.to_string();
        assert!(
            shown.contains("actions: 2/2 executable here exercised"),
            "{shown}"
        );
        assert!(shown.contains("1 types seen, 1 typed (100.0%)"), "{shown}");
    }

    #[test]
    fn unsent_actions_unknown_events_and_extra_headers_are_problems() {
        let tally = EventTally {
            count: 3,
            typed: 1,
            unknown: 0,
            undecoded: 2,
            errors: ["bad Cause".to_owned()].into(),
            extra: ["Timestamp".to_owned()].into(),
            ..EventTally::default()
        };
        let unknown = EventTally {
            count: 1,
            unknown: 1,
            ..EventTally::default()
        };
        let text = record(&[
            server_version_line("22.10.1"),
            server_actions_line(&[
                "Ping".to_owned(),
                "Hangup".to_owned(),
                "New".to_owned(),
                "SIPpeers".to_owned(),
            ]),
            entry("Ping", Outcome::Success, &["Surprise"]),
            entry("Ping", Outcome::Failure, &[]),
            events_line("t", "Hangup", &tally),
            events_line("t", "Mystery", &unknown),
        ]);
        let s = Summary::from_record(&text, &spec()).unwrap();
        let problems = s.problems().join("\n");
        for needle in [
            "1 executable actions never sent: Hangup",
            "action failed: Ping (t): d",
            "Ping: reply headers in extra: Surprise",
            "event Hangup: 2 undecodable: bad Cause",
            "event Hangup: headers in extra: Timestamp",
            "event Mystery: 1 not in the spec",
            "the server offers actions the spec says this version lacks: SIPpeers",
        ] {
            assert!(problems.contains(needle), "{needle} not in:\n{problems}");
        }
        assert!(s
            .to_string()
            .contains("server actions missing from the spec (1): New"));
    }

    #[test]
    fn a_bad_line_is_reported_with_its_number() {
        let err = Summary::from_record("{}\nnot json\n", &spec()).unwrap_err();
        assert!(err.starts_with("record line 1"), "{err}");
    }
}
