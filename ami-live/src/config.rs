//! Settings of the live suite, from the environment.
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `AMI_LIVE_ADDR` | `host:port` of the AMI server; the suite's switch | none: the tests refuse to run |
//! | `AMI_LIVE_USER` / `AMI_LIVE_SECRET` | a user with every right (`read = all`, `write = all`) | `admin` / `s3cret` |
//! | `AMI_LIVE_RO_USER` / `AMI_LIVE_RO_SECRET` | a user that may not send `system`/`call` actions | `monitor` / `m0nitor` |
//! | `AMI_LIVE_CONTROL` | a folder with `start PORT` and `stop PORT` scripts (`../shared/asterisk`): the restart tests need it | unset: they record that they were skipped |
//! | `AMI_LIVE_RECORD` | file to which each session appends what it saw (JSON lines) | unset: nothing is written |
//! | `AMI_TIMESTAMPEVENTS` | `yes` when the server adds `Timestamp:` to events (the start script's variable) | `no` |
//! | `AMI_CHANNELVARS` | the server's `channelvars` (comma-separated; the start script's variable) | none |

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// The live suite's settings.
#[derive(Clone, Debug)]
pub struct LiveConfig {
    /// `host:port` of the AMI server.
    pub addr: String,
    /// Full-rights user.
    pub user: String,
    /// Its secret.
    pub secret: String,
    /// Limited user.
    pub ro_user: String,
    /// Its secret.
    pub ro_secret: String,
    /// How to stop and start the server (restart tests).
    pub control: Option<Control>,
    /// Where sessions append their records.
    pub record: Option<PathBuf>,
    /// Whether events carry `Timestamp:`.
    pub timestamp_events: bool,
    /// The variables the server adds to channel events as `ChanVariable:`.
    pub channel_vars: Vec<String>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl LiveConfig {
    /// Read the settings; `Err` names what is missing.
    pub fn from_env() -> Result<Self, String> {
        let addr = var("AMI_LIVE_ADDR").ok_or_else(|| {
            "AMI_LIVE_ADDR is not set: the live suite needs an Asterisk to talk to \
             (see ami-live/README.md)"
                .to_owned()
        })?;
        let control = match var("AMI_LIVE_CONTROL") {
            None => None,
            Some(dir) => {
                let port = addr
                    .rsplit_once(':')
                    .and_then(|(_, p)| p.parse::<u16>().ok())
                    .ok_or_else(|| format!("AMI_LIVE_ADDR {addr:?} has no port"))?;
                Some(Control {
                    dir: PathBuf::from(dir),
                    port,
                })
            }
        };
        Ok(LiveConfig {
            addr,
            user: var("AMI_LIVE_USER").unwrap_or_else(|| "admin".to_owned()),
            secret: var("AMI_LIVE_SECRET").unwrap_or_else(|| "s3cret".to_owned()),
            ro_user: var("AMI_LIVE_RO_USER").unwrap_or_else(|| "monitor".to_owned()),
            ro_secret: var("AMI_LIVE_RO_SECRET").unwrap_or_else(|| "m0nitor".to_owned()),
            control,
            record: var("AMI_LIVE_RECORD").map(PathBuf::from),
            timestamp_events: var("AMI_TIMESTAMPEVENTS")
                .is_some_and(|v| v.eq_ignore_ascii_case("yes")),
            channel_vars: var("AMI_CHANNELVARS")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// The settings, or a panic that says what to set (for tests run with
    /// `--ignored` on purpose).
    pub fn get() -> Self {
        match Self::from_env() {
            Ok(config) => config,
            Err(e) => panic!("{e}"),
        }
    }
}

/// The scripts that stop and start the server under test.
#[derive(Clone, Debug)]
pub struct Control {
    /// Folder holding `start` and `stop`.
    pub dir: PathBuf,
    /// The server's AMI port (their argument).
    pub port: u16,
}

/// How to stop the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// `SIGTERM`: Asterisk shuts down and says so (`Shutdown` event).
    Graceful,
    /// `SIGKILL`: a crash; the socket just closes.
    Kill,
}

impl Control {
    fn run(&self, script: &str, env: &[(&str, &str)]) -> Result<String, String> {
        let path = self.dir.join(script);
        let mut cmd = Command::new(&path);
        cmd.arg(self.port.to_string());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd
            .output()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if out.status.success() {
            Ok(text)
        } else {
            Err(format!(
                "{} {}: {}: {text}",
                path.display(),
                self.port,
                out.status
            ))
        }
    }

    /// Stop the server (the script waits until the process is gone).
    pub async fn stop(&self, how: Stop) -> Result<String, String> {
        let this = self.clone();
        let signal = match how {
            Stop::Graceful => "TERM",
            Stop::Kill => "KILL",
        };
        tokio::task::spawn_blocking(move || this.run("stop", &[("AST_STOP_SIGNAL", signal)]))
            .await
            .map_err(|e| e.to_string())?
    }

    /// Start the server again (the script waits for the AMI banner and for
    /// `core waitfullybooted`); the environment (`AMI_TIMESTAMPEVENTS`...)
    /// is passed on.
    pub async fn start(&self) -> Result<String, String> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.run("start", &[]))
            .await
            .map_err(|e| e.to_string())?
    }
}

/// The deadline used by waits that have no better one: generous, because
/// the machine running CI may be busy; a wait that succeeds returns at once.
pub const WAIT: Duration = Duration::from_secs(30);
