//! Hostile peers over plain TCP (issue 9, findings 1 and 2): a server that
//! answers the login and then stops reading. Every call must end by its
//! deadline, the keepalive must declare the connection dead, and the bytes
//! of timed-out actions must not pile up.
//!
//! Once logged in (on the real clock, with the default 30 s timeout, so a
//! loaded machine cannot fail the login), the clock is paused: deadlines and
//! keepalive periods pass as soon as the runtime has nothing else to do, so
//! the figures are exact and the tests do not depend on the machine's load.
//! The sockets are real.

mod common;

use std::time::Duration;

use ami_runtime::client::{Client, Error, RawEvent};
use common::{answer_login_then_stop_reading, big_command, calls_end_and_keepalive_notices};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// A TCP server that answers the login, then holds the socket unread
/// until `release` fires (or the test ends).
async fn stalled_tcp_server() -> (String, oneshot::Sender<()>) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let addr = listener.local_addr().expect("address").to_string();
    let (release, held) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let (mut tcp, _): (TcpStream, _) = listener.accept().await.expect("accept");
        answer_login_then_stop_reading(&mut tcp).await;
        let _ = held.await;
        drop(tcp);
    });
    (addr, release)
}

#[tokio::test]
async fn tcp_peer_that_stops_reading_cannot_hang_calls_or_keepalive() {
    let (addr, _release) = stalled_tcp_server().await;
    // The peer answers Login only: no CoreSettings probe of its version.
    let client: Client<RawEvent> = Client::builder("admin", "s3cret")
        .detect_version(false)
        .keepalive(Some(Duration::from_secs(2)))
        .reconnect(None)
        .connect_tcp(addr)
        .await
        .expect("login");
    tokio::time::pause();
    calls_end_and_keepalive_notices(client).await;
}

#[tokio::test]
async fn timed_out_actions_give_their_queued_bytes_back() {
    // Finding 2: keepalive off, 20,000 x 8 KiB Commands with 1 s timeouts
    // against a peer that never reads. The queue stays under its limit and
    // empties as the calls time out.
    let (addr, _release) = stalled_tcp_server().await;
    let limit = 1 << 20;
    // The peer answers Login only: no CoreSettings probe of its version.
    let client: Client<RawEvent> = Client::builder("admin", "s3cret")
        .detect_version(false)
        .keepalive(None)
        .reconnect(None)
        .max_queued_bytes(limit)
        .connect_tcp(addr)
        .await
        .expect("login");
    tokio::time::pause();
    let mut peak = 0;
    for _wave in 0..20 {
        let calls: Vec<_> = (0..1000)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move {
                    client
                        .send_timeout(&big_command(), Duration::from_secs(1))
                        .await
                })
            })
            .collect();
        for call in calls {
            while !call.is_finished() {
                peak = peak.max(client.queued_bytes());
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let result = call.await.expect("join");
            assert!(matches!(result, Err(Error::Timeout { .. })), "{result:?}");
        }
    }
    // Bound: the limit, plus the 64 KiB handed to the socket, plus one action.
    let bound = limit + (64 << 10) + 8300;
    assert!(peak <= bound, "peak queue {peak} over {bound}");
    // Once the driver swept the timed-out calls, only the bytes already
    // handed to the transport remain.
    common::within(Duration::from_secs(10), async {
        while client.queued_bytes() > (64 << 10) + 8300 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    eprintln!(
        "20,000 x 8 KiB timed out: queue peak {peak} bytes (limit {limit}), now {}; process peak RSS {:?} KiB",
        client.queued_bytes(),
        common::peak_rss_kib()
    );
}
