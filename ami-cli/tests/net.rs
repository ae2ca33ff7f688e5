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
        assert_eq!(out[0]["type"], "response");
        assert_eq!(out[0]["name"], "Ping");
        assert_eq!(out[0]["typed"], true);
        assert_eq!(out[0]["fields"]["Ping"], "Pong");
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
        assert!(out.iter().all(|v| v["typed"] == true), "{out:#?}");
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
        assert_eq!(lines(&output.stdout)[0]["fields"]["Response"], "Error");

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_prints_the_stream() {
    within(async {
        let server = server().await;
        let mut child = ami(&server, &["events"]).spawn().unwrap();
        while server.logins() == 0 {
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
        assert_eq!(
            (first["name"].as_str(), first["typed"].as_bool()),
            (Some("Hangup"), Some(true))
        );
        assert_eq!(
            (second["name"].as_str(), second["typed"].as_bool()),
            (Some("BrandNew"), Some(false))
        );
        child.kill().await.unwrap();
    })
    .await
}
