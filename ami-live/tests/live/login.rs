//! Logging in: MD5 and plain, a wrong secret, a limited user, and the
//! per-server settings that shape every event (`timestampevents`,
//! `channelvars`).

use ami_generated::channel::OriginateAction;
use ami_generated::manager::{
    ChallengeAction, ChallengeAuthType, CommandAction, LoginAction, LogoffAction, PingAction,
};
use ami_live::session::admin;
use ami_live::{LiveConfig, Session};
use ami_runtime::client::{Client, Error};

use crate::common::{self, shared};

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn md5_and_plain_login() {
    let _gate = shared().await;
    let config = LiveConfig::get();
    // Every session runs to its end; the problems of all are reported at once.
    let mut problems = Vec::new();
    for md5 in [false, true] {
        let builder = if md5 {
            admin(&config).md5()
        } else {
            admin(&config)
        };
        let test = if md5 { "login_md5" } else { "login_plain" };
        let mut s = Session::with(test, config.clone(), builder).await;
        assert!(
            s.client.banner().starts_with("Asterisk Call Manager/"),
            "banner {:?}",
            s.client.banner()
        );
        let pong = s.ok(&PingAction::new()).await;
        assert_eq!(pong.ping, "Pong", "{pong:?}");
        if md5 {
            // The challenge the client used, asked for once more by hand.
            let challenge = s.ok(&ChallengeAction::new(ChallengeAuthType::Md5)).await;
            assert!(!challenge.challenge.is_empty(), "{challenge:?}");
        } else {
            // Login on a session that is already logged in.
            let again = s
                .ok(&LoginAction::new(config.user.clone()).with_secret(config.secret.clone()))
                .await;
            assert_eq!(again.message.as_deref(), Some("Already authenticated"));
        }
        problems.extend(s.close().await);
    }
    // Logoff sent as a typed action: Goodbye, and the session ends.
    let mut s = Session::with("logoff", config.clone(), admin(&config)).await;
    let bye = s.ok(&LogoffAction::new()).await;
    assert!(bye.message.is_some(), "{bye:?}");
    problems.extend(s.close().await);
    assert!(
        problems.is_empty(),
        "{} problems:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn wrong_secret_is_refused() {
    let _gate = shared().await;
    let config = LiveConfig::get();
    for md5 in [false, true] {
        let mut builder = Client::builder(config.user.clone(), "not-the-secret").reconnect(None);
        if md5 {
            builder = builder.md5();
        }
        match builder
            .connect_tcp::<ami_live::LiveEvent>(config.addr.clone())
            .await
        {
            Err(Error::LoginFailed { message }) => {
                assert!(message.contains("Authentication failed"), "{message}")
            }
            Err(e) => panic!("md5={md5}: expected LoginFailed, got {e}"),
            Ok(_) => panic!("md5={md5}: a wrong secret logged in"),
        }
    }
}

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn limited_user_gets_permission_denied() {
    let _gate = shared().await;
    let config = LiveConfig::get();
    let builder = Client::builder(config.ro_user.clone(), config.ro_secret.clone()).md5();
    let s = Session::with("limited_user", config.clone(), builder).await;
    s.ok(&PingAction::new()).await;
    let denied = s
        .refused(
            &OriginateAction::new("Local/250@test")
                .with_application("Wait")
                .with_data("1"),
        )
        .await;
    assert_eq!(denied, "Permission denied");
    let denied = s.refused(&CommandAction::new("core show uptime")).await;
    assert_eq!(denied, "Permission denied");
    s.finish().await;
}

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn timestamps_and_channel_variables() {
    let _gate = shared().await;
    let s = Session::open("event_settings").await;
    let mark = s.mark();
    // 100 sets TESTVAR=hello, raises a UserEvent, records, sends DTMF.
    let call = common::originate(&s, "vars", "100", "test", "Wait", "3").await;
    let user = s
        .wait_event(mark, "UserEvent", &[("Uniqueid", &call.other_id)])
        .await;
    let newchannel = s
        .wait_event(mark, "Newchannel", &[("Uniqueid", &call.id)])
        .await;
    if s.config.timestamp_events {
        for event in [&user, &newchannel] {
            let stamp = event
                .get("Timestamp")
                .unwrap_or_else(|| panic!("no Timestamp on {event}"));
            assert!(stamp.parse::<f64>().is_ok(), "Timestamp {stamp:?}");
        }
    } else {
        s.note("timestampevents: not checked (AMI_TIMESTAMPEVENTS is not yes)");
    }
    if s.config.channel_vars.iter().any(|v| v == "TESTVAR") {
        let vars = user.get_all("ChanVariable");
        assert!(
            vars.contains(&"TESTVAR=hello"),
            "ChanVariable headers: {vars:?}"
        );
    } else {
        s.note("channelvars: not checked (AMI_CHANNELVARS lacks TESTVAR)");
    }
    common::hangup(&s, &call).await;
    common::wait_gone(&s, mark, &call).await;
    s.finish().await;
}
