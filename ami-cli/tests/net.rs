//! `ami send` and `ami events` against the mock server.

use std::process::Stdio;
use std::time::Duration;

use ami_runtime::testing::{MockServer, Step};
use ami_runtime::wire::Message;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

async fn within<T>(fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), fut)
        .await
        .expect("the test took more than 60 s: something hangs")
}

fn ami(server: &MockServer, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ami"));
    cmd.arg(args[0])
        .args([
            "--port",
            &server.addr().port().to_string(),
            "--user",
            "admin",
        ])
        .env("AMI_SECRET", "s3cret")
        .args(&args[1..])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

fn lines(output: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

async fn server() -> MockServer {
    let channel = |n: &str| {
        Message::new()
            .with("Event", "CoreShowChannel")
            .with("Channel", format!("PJSIP/{n}"))
            .with("Uniqueid", format!("{n}.1"))
    };
    MockServer::builder()
        .user("admin", "s3cret")
        .reply(
            "CoreShowChannels",
            Step::list(vec![channel("a"), channel("b")], "CoreShowChannelsComplete"),
        )
        .reply("Hangup", vec![Step::error("No such channel")])
        .start()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_prints_the_typed_response() {
    within(async {
        let server = server().await;
        let output = ami(&server, &["send", "ping"]).output().await.unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let out = lines(&output.stdout);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0]["kind"], "response");
        assert_eq!(out[0]["name"], "Ping");
        assert_eq!(out[0]["typed"]["ping"], "Pong");
        // The secret came from the environment and went only on the wire.
        assert!(!String::from_utf8_lossy(&output.stderr).contains("s3cret"));
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_prints_a_list_and_md5_login_works() {
    within(async {
        let server = server().await;
        let output = ami(&server, &["send", "--md5", "CoreShowChannels"])
            .output()
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let out = lines(&output.stdout);
        let names: Vec<&str> = out.iter().map(|v| v["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "CoreShowChannels",
                "CoreShowChannel",
                "CoreShowChannel",
                "CoreShowChannelsComplete"
            ]
        );
        assert!(out.iter().all(|v| v["typed"].is_object()), "{out:#?}");
        assert_eq!(out[0]["typed"]["items"].as_array().map(Vec::len), Some(2));
        assert_eq!(server.received()[0].get("Action"), Some("Challenge"));
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_reports_an_error_response_and_refuses_invalid_requests() {
    within(async {
        let server = server().await;
        let output = ami(&server, &["send", "Hangup", "Channel=PJSIP/x"])
            .output()
            .await
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&output.stderr).contains("No such channel"));
        assert_eq!(
            lines(&output.stdout)[0]["typed"],
            serde_json::json!({"response": "Error", "message": "No such channel"})
        );

        // Checked against the spec before connecting: nothing is sent.
        let connections = server.connections();
        for bad in [
            &["send", "Originate"][..],
            &["send", "NoSuchAction"],
            &["send", "Ping", "oops"],
        ] {
            let output = ami(&server, bad).output().await.unwrap();
            assert_eq!(output.status.code(), Some(2), "{bad:?}");
        }
        assert_eq!(server.connections(), connections);
    })
    .await
}

/// Handshakes the CLI has finished on `server`: a login is counted when the
/// server accepts it, but the client then asks `CoreSettings` (its last
/// handshake step); a disconnect pushed before that reply fails the connect
/// itself rather than the running stream.
fn handshakes(server: &MockServer) -> usize {
    server
        .received()
        .iter()
        .filter(|m| {
            m.get("Action")
                .is_some_and(|a| a.eq_ignore_ascii_case("CoreSettings"))
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_prints_the_stream() {
    within(async {
        let server = server().await;
        let mut child = ami(&server, &["events"]).spawn().unwrap();
        while handshakes(&server) == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        server
            .push(vec![
                Step::event(
                    "Hangup",
                    &[("Channel", "PJSIP/a"), ("Uniqueid", "1.1"), ("Cause", "16")],
                ),
                Step::event("BrandNew", &[("X", "y")]),
            ])
            .await;
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let first: Value =
            serde_json::from_str(&stdout.next_line().await.unwrap().unwrap()).unwrap();
        let second: Value =
            serde_json::from_str(&stdout.next_line().await.unwrap().unwrap()).unwrap();
        assert_eq!(first["name"], "Hangup");
        assert_eq!(first["typed"]["cause"], 16);
        assert_eq!(second["name"], "BrandNew");
        assert_eq!(second["untyped"], true);
        assert_eq!(second["headers"][1], serde_json::json!(["X", "y"]));
        child.kill().await.unwrap();
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_prints_notices_with_one_shape_and_stops_after_count() {
    within(async {
        let server = server().await;
        let mut child = ami(&server, &["events", "--count", "1"]).spawn().unwrap();
        while handshakes(&server) == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        server.push(vec![Step::Disconnect]).await;
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let disconnected: Value =
            serde_json::from_str(&stdout.next_line().await.unwrap().unwrap()).unwrap();
        assert_eq!(disconnected["kind"], "notice");
        assert_eq!(disconnected["notice"], "disconnected");
        assert!(disconnected["error"].is_string(), "{disconnected}");
        let reconnected: Value =
            serde_json::from_str(&stdout.next_line().await.unwrap().unwrap()).unwrap();
        assert_eq!(
            reconnected,
            serde_json::json!({"kind": "notice", "notice": "reconnected"})
        );
        while handshakes(&server) < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        server
            .push(vec![Step::event(
                "FullyBooted",
                &[("Status", "Fully Booted")],
            )])
            .await;
        let event: Value =
            serde_json::from_str(&stdout.next_line().await.unwrap().unwrap()).unwrap();
        assert_eq!(event["typed"]["status"], "Fully Booted");
        // `--count 1`: one event printed, then the command ends by itself.
        assert!(child.wait().await.unwrap().success());
    })
    .await
}

/// A server playing Asterisk `version` that answers `SIPpeers` and the
/// `FrobTree` list (an action the spec lacks).
async fn asterisk(version: &str) -> MockServer {
    MockServer::builder()
        .user("admin", "s3cret")
        .asterisk_version(version)
        .reply("SIPpeers", Step::list(Vec::new(), "PeerlistComplete"))
        .reply(
            "FrobTree",
            Step::list(
                vec![Message::new()
                    .with("Event", "FrobTreeResponse")
                    .with("Family", "cf")
                    .with("Key", "/cf/100")
                    .with("Val", "200")],
                "FrobTreeComplete",
            ),
        )
        .start()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_refuses_an_action_the_server_version_lacks() {
    within(async {
        let server = asterisk("22.10.1").await;
        let output = ami(&server, &["send", "SIPpeers"]).output().await.unwrap();
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(
                "SIPpeers is not available in Asterisk 22.10.1 (AMI 11.0.0) (since 1.2.0 · \
                 deprecated in 17.0.0 · removed in 21.0.0): not sent; pass --ignore-version"
            ),
            "{stderr}"
        );
        assert!(output.stdout.is_empty());
        let sent = |server: &MockServer| {
            server
                .received()
                .iter()
                .any(|m| m.get("Action") == Some("SIPpeers"))
        };
        assert!(!sent(&server));

        let output = ami(&server, &["send", "--ignore-version", "SIPpeers"])
            .output()
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(sent(&server));

        // Asterisk 20 still has chan_sip.
        let old = asterisk("20.20.1").await;
        let output = ami(&old, &["send", "SIPpeers"]).output().await.unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(lines(&output.stdout)[0]["name"], "SIPpeers");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_raw_sends_an_action_the_spec_lacks_and_prints_the_reply() {
    within(async {
        let server = asterisk("22.10.1").await;
        let output = ami(&server, &["send", "FrobTree", "Family=cf"])
            .output()
            .await
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&output.stderr).contains("pass --raw"));

        let output = ami(
            &server,
            &[
                "send",
                "--raw",
                "--list-complete",
                "FrobTreeComplete",
                "FrobTree",
                "Family=cf",
            ],
        )
        .output()
        .await
        .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let out = lines(&output.stdout);
        let names: Vec<&str> = out.iter().map(|v| v["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["FrobTree", "FrobTreeResponse", "FrobTreeComplete"]);
        assert_eq!(out[0]["untyped"], true);
        assert!(out[1]["headers"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(["Val", "200"])));
        let request = server
            .received()
            .into_iter()
            .find(|m| m.get("Action") == Some("FrobTree"))
            .expect("FrobTree was sent");
        assert_eq!(request.get("Family"), Some("cf"));

        // A line break in a pair is refused before connecting.
        let connections = server.connections();
        let output = ami(
            &server,
            &[
                "send",
                "--raw",
                "FrobTree",
                "Family=cf\r\nAction: Originate",
            ],
        )
        .output()
        .await
        .unwrap();
        assert_eq!(output.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&output.stderr).contains("CR, LF or NUL"));
        assert_eq!(server.connections(), connections);
    })
    .await
}
