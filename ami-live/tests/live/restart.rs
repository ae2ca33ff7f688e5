//! Asterisk restarted under a connected client: a graceful stop (the
//! `Shutdown` event, then the socket closes) and a crash (`SIGKILL`, the
//! socket just closes). Pending actions must fail promptly, sends while the
//! server is down must be refused at once, the stream must say what
//! happened, and the client must log in again by itself.

use std::time::{Duration, Instant};

use ami_generated::channel::OriginateAction;
use ami_generated::manager::PingAction;
use ami_live::config::{Control, Stop};
use ami_live::session::admin;
use ami_live::{LiveConfig, Seen, Session};
use ami_runtime::client::{Backoff, Error};

use crate::common::{self, exclusive};

/// Starts the server again if a test stopped it and failed before starting
/// it (so that the tests after it still have a server).
struct Restore(Option<Control>);

impl Drop for Restore {
    fn drop(&mut self) {
        if let Some(control) = self.0.take() {
            let _ = std::process::Command::new(control.dir.join("start"))
                .arg(control.port.to_string())
                .status();
        }
    }
}

async fn restart(test: &str, how: Stop) {
    let _gate = exclusive().await;
    let config = LiveConfig::get();
    let builder = admin(&config).md5().reconnect(Some(Backoff {
        initial: Duration::from_millis(100),
        max: Duration::from_millis(500),
    }));
    let mut s = Session::with(test, config.clone(), builder).await;
    let Some(control) = config.control.clone() else {
        s.note("skipped: AMI_LIVE_CONTROL is not set (no way to stop and start the server)");
        s.finish().await;
        return;
    };
    common::live_dialplan(&s).await;

    // A synchronous Originate to a channel that never answers: its reply
    // is pending when the server goes away. Asterisk runs it in the
    // session's own thread, which then delivers no events: another
    // session watches the call appear.
    let mut watcher = Session::open(&format!("{test}_watcher")).await;
    let seen = watcher.mark();
    let mark = s.mark();
    let pending = {
        let client = s.client.clone();
        tokio::spawn(async move {
            let originate = OriginateAction::new("Local/ring@live")
                .with_application("Wait")
                .with_data("1")
                .with_timeout(120_000);
            let r = client
                .send_timeout(&originate, Duration::from_secs(300))
                .await;
            (r.map(|_| ()), Instant::now())
        })
    };
    watcher
        .wait(seen, "the ringing channel", |e| {
            e.is("Newchannel")
                && e.get("Channel")
                    .is_some_and(|c| c.starts_with("Local/ring@live"))
        })
        .await;
    let mut problems = watcher.close().await;

    let mut restore = Restore(Some(control.clone()));
    let stopped_at = Instant::now();
    let stopped = control.stop(how).await;
    stopped.unwrap_or_else(|e| panic!("{test}: {e}"));
    s.wait(mark, "the stream to say the connection dropped", |seen| {
        matches!(seen, Seen::Disconnected(_))
    })
    .await;
    let (result, failed_at) = pending.await.expect("task");
    match (how, result) {
        // A crash: the reply never comes.
        (_, Err(Error::Disconnected { .. })) => {}
        // A graceful stop hangs the channels up first: the Originate may
        // get its (failed) reply before the socket closes.
        (Stop::Graceful, Err(Error::Failed { .. })) => {}
        (_, other) => panic!("{test}: the pending Originate ended with {other:?}"),
    }
    let after = failed_at.saturating_duration_since(stopped_at);
    assert!(
        after < Duration::from_secs(15),
        "the pending action failed {after:?} after the stop"
    );
    // While the server is down, an action is refused at once.
    match s
        .client
        .send_timeout(&PingAction::new(), Duration::from_secs(5))
        .await
    {
        Err(Error::NotConnected) | Err(Error::Disconnected { .. }) => {}
        other => panic!("{test}: Ping while down: {other:?}"),
    }

    control
        .start()
        .await
        .unwrap_or_else(|e| panic!("{test}: {e}"));
    restore.0 = None;
    s.wait(
        mark,
        "the stream to say the client logged in again",
        |seen| matches!(seen, Seen::Reconnected),
    )
    .await;
    s.ok(&PingAction::new()).await;
    let shutdown = s.since(mark).iter().any(|e| e.is("Shutdown"));
    s.note(format!(
        "{how:?} stop: the pending action failed {:.1} s after the stop (Shutdown event \
         seen: {shutdown}); logged in again",
        after.as_secs_f64()
    ));
    problems.extend(s.close().await);
    assert!(
        problems.is_empty(),
        "{test}: {} problems:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn restart_graceful() {
    restart("restart_graceful", Stop::Graceful).await;
}

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn restart_killed() {
    restart("restart_killed", Stop::Kill).await;
}
