//! The `ami` command against the live server, through its library
//! (`ami_cli::net`, what `ami send` and `ami events` run).

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ami_cli::net::{self, Login, SendMode};
use ami_generated::manager::UserEventAction;
use ami_live::config::WAIT;
use ami_live::{LiveConfig, Session};
use ami_runtime::client::Secret;
use tokio::sync::oneshot;

use crate::common::shared;

fn login(config: &LiveConfig, md5: bool) -> Login {
    let (host, port) = config
        .addr
        .rsplit_once(':')
        .expect("AMI_LIVE_ADDR is host:port");
    Login {
        host: host.to_owned(),
        port: port.parse().expect("AMI_LIVE_ADDR port"),
        user: config.user.clone(),
        secret: Secret::new(config.secret.clone()),
        md5,
        timeout: WAIT,
    }
}

async fn send(login: &Login, action: &str, params: &[&str]) -> (u8, Vec<serde_json::Value>) {
    send_with(login, action, params, &SendMode::default()).await
}

async fn send_with(
    login: &Login,
    action: &str,
    params: &[&str],
    mode: &SendMode,
) -> (u8, Vec<serde_json::Value>) {
    let params: Vec<String> = params.iter().map(|p| p.to_string()).collect();
    let mut out = Vec::new();
    let code = net::send(login, action, &params, mode, &mut out).await;
    let lines = String::from_utf8(out)
        .expect("UTF-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    (code, lines)
}

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn ami_send() {
    let _gate = shared().await;
    let config = LiveConfig::get();
    let login = login(&config, true);
    let (code, lines) = send(&login, "Ping", &[]).await;
    assert_eq!(code, 0, "{lines:?}");
    assert_eq!(lines[0]["typed"]["ping"], "Pong", "{lines:?}");
    // A list: the response, its items and the completion event, all typed.
    let (code, lines) = send(&login, "QueueStatus", &["Queue=support"]).await;
    assert_eq!(code, 0, "{lines:?}");
    assert!(lines.len() >= 3, "{lines:?}");
    assert!(lines.iter().all(|l| l["typed"].is_object()), "{lines:?}");
    let (code, lines) = send(&login, "Command", &["Command=core show uptime"]).await;
    assert_eq!(code, 0, "{lines:?}");
    assert!(lines[0].to_string().contains("System uptime"), "{lines:?}");
    // Asterisk's refusal: exit code 1 and the response on stdout.
    let (code, lines) = send(&login, "Getvar", &["Channel=Local/none", "Variable=X"]).await;
    assert_eq!(code, 1, "{lines:?}");
    // Refused before sending: a required parameter is missing.
    let (code, _) = send(&login, "Hangup", &[]).await;
    assert_eq!(code, 2);
    // Refused before sending: the spec says Asterisk 22 has no chan_sip...
    let (code, _) = send(&login, "SIPpeers", &[]).await;
    assert_eq!(code, 2);
    // ...and it is right: sent anyway, the server does not know the action.
    let anyway = SendMode {
        ignore_version: true,
        ..SendMode::default()
    };
    let (code, lines) = send_with(&login, "SIPpeers", &[], &anyway).await;
    assert_eq!(code, 1, "{lines:?}");
    // Raw mode: an action as typed, its reply printed untyped.
    let raw = SendMode {
        raw: true,
        ..SendMode::default()
    };
    let (code, lines) = send_with(&login, "Ping", &[], &raw).await;
    assert_eq!(code, 0, "{lines:?}");
    assert!(lines[0].to_string().contains("Pong"), "{lines:?}");
}

/// Collects `ami events` output and says when the probe event went by.
struct Probe {
    out: Vec<u8>,
    seen: Arc<AtomicBool>,
    done: Option<oneshot::Sender<()>>,
}

impl Write for Probe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.extend_from_slice(buf);
        if String::from_utf8_lossy(&self.out).contains("LiveCliProbe") {
            self.seen.store(true, Ordering::SeqCst);
            if let Some(done) = self.done.take() {
                let _ = done.send(());
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn ami_events() {
    let _gate = shared().await;
    let config = LiveConfig::get();
    let login = login(&config, false);
    let s = Session::open("cli_events").await;
    let seen = Arc::new(AtomicBool::new(false));
    let (done, until) = oneshot::channel();
    let mut probe = Probe {
        out: Vec::new(),
        seen: seen.clone(),
        done: Some(done),
    };
    let until = async move {
        let _ = tokio::time::timeout(WAIT * 2, until).await;
    };
    // `ami events` logs in on its own: raise the probe again every 250 ms
    // until it shows up (it cannot be seen before that login), within the
    // deadline.
    let raise = async {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !seen.load(Ordering::SeqCst) && tokio::time::Instant::now() < deadline {
            s.ok(&UserEventAction::new("LiveCliProbe")).await;
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    };
    let (code, ()) = tokio::join!(net::events(&login, None, &mut probe, until), raise);
    assert_eq!(code, 0);
    assert!(
        seen.load(Ordering::SeqCst),
        "ami events never printed the probe"
    );
    let text = String::from_utf8(probe.out).unwrap();
    let line = text.lines().find(|l| l.contains("LiveCliProbe")).unwrap();
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["name"], "UserEvent", "{line}");
    assert!(v["typed"].is_object(), "{line}");
    s.finish().await;
}
