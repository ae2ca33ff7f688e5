//! The client learns the server's version (banner, then `CoreSettings`)
//! and refuses, before writing anything, an action the spec knows to be
//! absent from it; `SendOptions::ignore_version()` sends it anyway.

use std::future::Future;
use std::time::Duration;

use ami_generated::sip::SipPeersAction;
use ami_runtime::client::{Client, ClientBuilder, Error, RawEvent, SendOptions};
use ami_runtime::derive::AmiAction;
use ami_runtime::testing::{MockBuilder, MockServer, Step};
use ami_runtime::version::{ServerVersion, Version};
use ami_runtime::wire::{Ack, Action, Header, Message, ResponseShape};

async fn within<T>(fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), fut)
        .await
        .expect("the test took more than 20 s: something hangs")
}

/// A test spec item: added in 20.4.0 and backported to 18.19.0, like
/// Asterisk's `CoreShowChannelMap`.
#[derive(Clone, Debug, Default, AmiAction)]
#[ami(
    action = "CoreShowChannelMap",
    response = Ack,
    shape = "single",
    since = "18.19.0, 20.4.0"
)]
struct ChannelMap {
    #[ami(extra)]
    extra: Vec<Header>,
}

fn v(text: &str) -> Version {
    text.parse().unwrap()
}

/// A server playing Asterisk `version`, which answers both test actions.
fn asterisk(version: &str) -> MockBuilder {
    MockServer::builder()
        .user("admin", "s3cret")
        .asterisk_version(version)
        .reply("SIPpeers", Step::list(Vec::new(), "PeerlistComplete"))
        .reply("CoreShowChannelMap", vec![Step::success(&[])])
}

fn builder() -> ClientBuilder {
    Client::builder("admin", "s3cret")
        .keepalive(None)
        .reconnect(None)
        .timeout(Duration::from_secs(10))
}

async fn connect(server: &MockServer) -> Client<RawEvent> {
    builder()
        .connect_tcp(server.addr().to_string())
        .await
        .expect("login")
}

fn sent(server: &MockServer, action: &str) -> bool {
    server
        .received()
        .iter()
        .any(|m| m.get("Action") == Some(action))
}

#[tokio::test]
async fn the_banner_and_core_settings_give_the_version() {
    within(async {
        let server = asterisk("22.10.1").start().await.unwrap();
        let client = connect(&server).await;
        assert_eq!(client.banner(), "Asterisk Call Manager/11.0.0");
        let version = client.server_version();
        assert_eq!(version.ami, Some(v("11.0.0")));
        assert_eq!(version.asterisk, Some(v("22.10.1")));
        assert_eq!(version.to_string(), "Asterisk 22.10.1 (AMI 11.0.0)");
        let actions: Vec<_> = server
            .received()
            .iter()
            .map(|m| m.get("Action").unwrap_or_default().to_owned())
            .collect();
        assert_eq!(actions, ["Login", "CoreSettings"]);
    })
    .await
}

#[tokio::test]
async fn without_the_privilege_the_banner_still_gives_the_branch() {
    within(async {
        let server = asterisk("22.10.1")
            .reply("CoreSettings", vec![Step::error("Permission denied")])
            .start()
            .await
            .unwrap();
        let client = connect(&server).await;
        let version = client.server_version();
        assert_eq!(version.asterisk, None);
        assert_eq!(version.branch(), Some(22));
        // The branch is enough to know that chan_sip is gone...
        assert!(!client.supports::<SipPeersAction>());
        // ...and that 22 has the channel map (22 is newer than 18 and 20).
        assert!(client.supports::<ChannelMap>());
    })
    .await
}

#[tokio::test]
async fn an_action_removed_in_21_is_refused_by_22_before_anything_is_written() {
    within(async {
        let server = asterisk("22.10.1").start().await.unwrap();
        let client = connect(&server).await;
        assert!(!client.supports::<SipPeersAction>());
        let err = client.send(&SipPeersAction::new()).await.unwrap_err();
        match &err {
            Error::Unsupported {
                action,
                server,
                available,
            } => {
                assert_eq!(action, "SIPpeers");
                assert_eq!(server.asterisk, Some(v("22.10.1")));
                assert_eq!(
                    available,
                    "Since 1.2.0 · deprecated in 17.0.0 · removed in 21.0.0"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            err.to_string(),
            "action SIPpeers is not available in Asterisk 22.10.1 (AMI 11.0.0) (since 1.2.0 · \
             deprecated in 17.0.0 · removed in 21.0.0); not sent (SendOptions::ignore_version() \
             sends it anyway)"
        );
        // Nothing was written: the next action is the only one after login.
        client.send(&ChannelMap::default()).await.unwrap();
        assert!(!sent(&server, "SIPpeers"));

        // The way to send it anyway.
        let list = client
            .send_with(&SipPeersAction::new(), SendOptions::ignore_version())
            .await
            .unwrap();
        assert!(list.items.is_empty());
        assert!(sent(&server, "SIPpeers"));
    })
    .await
}

#[tokio::test]
async fn an_action_removed_in_21_is_sent_to_20() {
    within(async {
        let server = asterisk("20.20.1").start().await.unwrap();
        let client = connect(&server).await;
        assert_eq!(client.server_version().asterisk, Some(v("20.20.1")));
        assert!(client.supports::<SipPeersAction>());
        client.send(&SipPeersAction::new()).await.unwrap();
        assert!(sent(&server, "SIPpeers"));
    })
    .await
}

#[tokio::test]
async fn an_action_added_in_20_4_is_refused_by_older_releases() {
    within(async {
        for (version, supported) in [
            ("20.3.0", false),
            ("19.8.1", false),
            ("18.18.0", false),
            ("18.19.0", true),
            ("20.4.0", true),
            ("21.12.3", true),
            ("22.10.1", true),
        ] {
            let server = asterisk(version).start().await.unwrap();
            let client = connect(&server).await;
            assert_eq!(client.supports::<ChannelMap>(), supported, "{version}");
            let result = client.send(&ChannelMap::default()).await;
            assert_eq!(result.is_ok(), supported, "{version}: {result:?}");
            assert_eq!(sent(&server, "CoreShowChannelMap"), supported, "{version}");
            if !supported {
                let text = result.unwrap_err().to_string();
                assert!(text.contains(&format!("Asterisk {version}")), "{text}");
                assert!(text.contains("since 18.19.0, 20.4.0"), "{text}");
            }
        }
    })
    .await
}

#[tokio::test]
async fn an_unknown_version_allows_everything() {
    within(async {
        // AMI 2.x spans Asterisk 12 to 14, and the release is not asked.
        let server = asterisk("13.38.3")
            .banner("Asterisk Call Manager/2.10.6")
            .start()
            .await
            .unwrap();
        let client: Client<RawEvent> = builder()
            .detect_version(false)
            .connect_tcp(server.addr().to_string())
            .await
            .unwrap();
        assert_eq!(
            client.server_version(),
            ServerVersion {
                ami: Some(v("2.10.6")),
                asterisk: None
            }
        );
        assert!(client.supports::<ChannelMap>());
        client.send(&ChannelMap::default()).await.unwrap();
        assert!(!sent(&server, "CoreSettings"));
    })
    .await
}

#[tokio::test]
async fn untyped_messages_are_checked_against_the_availability_given() {
    within(async {
        let server = asterisk("22.10.1").start().await.unwrap();
        let client = connect(&server).await;
        let msg = Message::new().with("Action", "SIPpeers");
        let availability = <SipPeersAction as Action>::AVAILABILITY;
        let err = client
            .send_message_checked(
                &msg,
                ResponseShape::List {
                    complete: "PeerlistComplete",
                },
                &availability,
                SendOptions::default(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
        assert!(!sent(&server, "SIPpeers"));
    })
    .await
}
