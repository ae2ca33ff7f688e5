//! Hostile peers shared by the TCP and TLS tests, and the checks run
//! against them (issue 9, findings 1 and 2).

#![allow(dead_code)] // Each test binary uses part of it.

use std::future::Future;
use std::time::Duration;

use ami_generated::manager::CommandAction;
use ami_runtime::client::{Client, Error, RawEvent, StreamItem};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

/// Fail instead of hanging: the bound is in (paused, so virtual) time.
pub async fn within<T>(limit: Duration, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, fut)
        .await
        .unwrap_or_else(|_| panic!("still pending after {limit:?}: something hangs"))
}

/// Greet, answer the `Login` with success, then never read again (the
/// stream is kept open by the caller).
pub async fn answer_login_then_stop_reading<S: AsyncRead + AsyncWrite + Unpin>(io: &mut S) {
    io.write_all(b"Asterisk Call Manager/5.0.1\r\n")
        .await
        .expect("banner");
    let mut seen = Vec::new();
    let mut chunk = [0u8; 4096];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = io.read(&mut chunk).await.expect("read the login");
        assert!(n > 0, "the client closed before logging in");
        seen.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&seen);
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("ActionID: "))
        .expect("the Login has an ActionID");
    let reply =
        format!("Response: Success\r\nActionID: {id}\r\nMessage: Authentication accepted\r\n\r\n");
    io.write_all(reply.as_bytes()).await.expect("login reply");
    io.flush().await.expect("flush");
}

/// An 8 KiB `Command`, the action of the reproduction.
pub fn big_command() -> CommandAction {
    CommandAction::new("x".repeat(8192))
}

/// The checks of finding 1 against a client (keepalive 2 s, no
/// reconnection) connected to a peer that stopped reading: 3,000 calls
/// with a 1 s timeout all end within their deadline, a fresh call too,
/// and the keepalive declares the connection dead.
pub async fn calls_end_and_keepalive_notices(client: Client<RawEvent>) {
    let mut events = client.events();
    let start = Instant::now();
    let calls: Vec<_> = (0..3000)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let result = client
                    .send_timeout(&big_command(), Duration::from_secs(1))
                    .await;
                (result, Instant::now())
            })
        })
        .collect();
    let mut latest = start;
    for call in calls {
        let (result, at) = within(Duration::from_secs(30), call).await.expect("join");
        assert!(
            matches!(
                result,
                Err(Error::Timeout { .. } | Error::Disconnected { .. } | Error::Closed)
            ),
            "{result:?}"
        );
        latest = latest.max(at);
    }
    let all_done = latest - start;
    eprintln!("3,000 calls with a 1 s timeout: the last ended after {all_done:?}");
    assert!(all_done <= Duration::from_millis(1100), "{all_done:?}");

    // A fresh call while the peer still does not read.
    let fresh_start = Instant::now();
    let fresh = within(
        Duration::from_secs(30),
        client.send_timeout(&big_command(), Duration::from_secs(1)),
    )
    .await;
    assert!(fresh.is_err(), "{fresh:?}");
    let fresh_took = fresh_start.elapsed();
    eprintln!("a fresh call with a 1 s timeout ended after {fresh_took:?}: {fresh:?}");
    assert!(fresh_took <= Duration::from_millis(1100), "{fresh_took:?}");

    // The keepalive Ping cannot be written, so it goes unanswered.
    let reason = within(Duration::from_secs(30), async {
        loop {
            match events.recv().await {
                Some(StreamItem::Disconnected { reason }) => return reason,
                Some(_) => {}
                None => panic!("the stream ended without a Disconnected item"),
            }
        }
    })
    .await;
    let dead_after = start.elapsed();
    eprintln!("keepalive 2 s: connection declared dead after {dead_after:?} ({reason})");
    assert!(reason.contains("keepalive"), "{reason}");
    // Two keepalive periods (the Ping, then its deadline) and one tick.
    assert!(dead_after <= Duration::from_secs(6), "{dead_after:?}");
    // And calls now fail at once.
    let after = within(Duration::from_secs(5), client.send(&big_command())).await;
    assert!(matches!(after, Err(Error::Closed)), "{after:?}");
}

/// Peak resident memory of this process, in KiB (`VmHWM`), for the figures.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
