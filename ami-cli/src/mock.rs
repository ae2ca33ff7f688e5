//! `ami mock`: a scripted AMI server on a local port, so that `ami send`,
//! `ami events` and any client can be tried without an Asterisk. Built on
//! the runtime's mock server (`ami_runtime::testing`): it answers `Login`
//! (plain and MD5), `Challenge`, `Logoff` and `Ping` itself, every other
//! action from the script, and `Response: Error` to an unscripted action.
//!
//! The script is TOML (a sample: `ami-cli/examples/mock.toml`); messages
//! are written as wire blocks, `Name: value` per line:
//!
//! ```toml
//! banner = "Asterisk Call Manager/11.0.0"   # optional
//! asterisk_version = "22.5.0"               # optional: answers CoreSettings
//! replay = "capture.txt"                    # optional: its events are pushed after each login
//!
//! [[user]]
//! name = "admin"
//! secret = "s3cret"
//!
//! on_login = ["Event: FullyBooted\nStatus: Fully Booted\n"]  # pushed after each login
//!
//! [[action]]
//! name = "Hangup"                                  # any case
//! response = "Response: Success\nMessage: Channel Hungup\n"
//! items = []                                       # events of the reply (list items, completion)
//! events = ["Event: Hangup\nChannel: PJSIP/300-00000001\nUniqueid: 1.1\n"]  # pushed after it
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use ami_runtime::proto::{Frame, Framer};
use ami_runtime::testing::{MockBuilder, MockServer, Step};
use ami_runtime::wire::{Message, MessageKind};
use serde::Deserialize;

use crate::json::Object;

/// A mock script, as written in TOML.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// The greeting line (default `Asterisk Call Manager/5.0.1`, or that of
    /// `asterisk_version`).
    #[serde(default)]
    pub banner: Option<String>,
    /// The Asterisk version to play (`22.5.0`): sets the banner and answers
    /// `CoreSettings`.
    #[serde(default)]
    pub asterisk_version: Option<String>,
    /// Accepted logins.
    #[serde(default, rename = "user")]
    pub users: Vec<User>,
    /// Events pushed after each successful login, as wire blocks.
    #[serde(default)]
    pub on_login: Vec<String>,
    /// A capture (relative to the script) whose events are pushed after
    /// each login, after `on_login`.
    #[serde(default)]
    pub replay: Option<PathBuf>,
    /// Scripted actions.
    #[serde(default, rename = "action")]
    pub actions: Vec<ScriptedAction>,
}

/// A login the mock accepts.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// User name.
    pub name: String,
    /// Its secret.
    pub secret: String,
}

/// How the mock answers one action.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedAction {
    /// Action name (matched ignoring case).
    pub name: String,
    /// The response, as a wire block; none means no answer at all.
    #[serde(default)]
    pub response: Option<String>,
    /// Events of the reply (list items, then the completion event), sent
    /// with the request's `ActionID`.
    #[serde(default)]
    pub items: Vec<String>,
    /// Events pushed after the reply, as they are.
    #[serde(default)]
    pub events: Vec<String>,
}

fn block(text: &str, what: &str) -> Result<Message, String> {
    Message::parse_block(text).map_err(|e| format!("{what}: {e}"))
}

/// The events of a capture file, in order.
fn capture_events(path: &Path) -> Result<Vec<Message>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut framer = Framer::new();
    framer.feed(&bytes);
    framer.feed(b"\r\n\r\n");
    let mut events = Vec::new();
    while let Some(frame) = framer.next_frame() {
        if let Frame::Message(m) = frame {
            let msg = m.to_message();
            if matches!(msg.kind(), MessageKind::Event(_)) {
                events.push(msg);
            }
        }
    }
    Ok(events)
}

impl Script {
    /// Read a script; `replay` is taken relative to the script's folder.
    pub fn load(path: &Path) -> Result<Script, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut script: Script =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(replay) = &mut script.replay {
            if replay.is_relative() {
                *replay = path.parent().unwrap_or(Path::new(".")).join(&*replay);
            }
        }
        Ok(script)
    }

    /// The mock server this script describes; every block is checked
    /// first, each error naming where it is (`action[1] (Hangup): items[0]`).
    pub fn builder(&self) -> Result<MockBuilder, String> {
        let mut builder = MockServer::builder();
        if self.users.is_empty() {
            return Err("the script names no [[user]]: nobody could log in".to_owned());
        }
        for user in &self.users {
            builder = builder.user(&user.name, &user.secret);
        }
        if let Some(version) = &self.asterisk_version {
            builder = builder.asterisk_version(version);
        }
        if let Some(banner) = &self.banner {
            builder = builder.banner(banner);
        }
        let mut on_login = self
            .on_login
            .iter()
            .enumerate()
            .map(|(i, text)| block(text, &format!("on_login[{i}]")).map(Step::Event))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(replay) = &self.replay {
            on_login.extend(capture_events(replay)?.into_iter().map(Step::Event));
        }
        builder = builder.on_login(on_login);
        for (i, action) in self.actions.iter().enumerate() {
            let what = format!("action[{i}] ({})", action.name);
            let mut steps = Vec::new();
            if let Some(response) = &action.response {
                steps.push(Step::Respond(block(
                    response,
                    &format!("{what}: response"),
                )?));
            }
            for (j, item) in action.items.iter().enumerate() {
                steps.push(Step::Item(block(item, &format!("{what}: items[{j}]"))?));
            }
            for (j, event) in action.events.iter().enumerate() {
                steps.push(Step::Event(block(event, &format!("{what}: events[{j}]"))?));
            }
            builder = builder.reply(&action.name, steps);
        }
        Ok(builder)
    }
}

/// `ami mock`: serve `script` on `addr` until `until` completes. Prints one
/// line, `{"kind": "notice", "notice": "listening", "addr": "..."}`, once
/// the port is open. Returns the exit code (2: the script or the address
/// is refused).
pub async fn serve(
    script: &Path,
    addr: &str,
    out: &mut impl Write,
    until: impl std::future::Future<Output = ()>,
) -> u8 {
    let builder = match Script::load(script).and_then(|s| s.builder()) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("ami mock: {e}");
            return 2;
        }
    };
    let server = match builder.start_on(addr).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ami mock: cannot listen on {addr}: {e}");
            return 2;
        }
    };
    let line = Object::new()
        .str("kind", "notice")
        .str("notice", "listening")
        .str("addr", &server.addr().to_string())
        .finish();
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
        return 1;
    }
    until.await;
    drop(server);
    0
}
