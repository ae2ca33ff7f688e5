//! Helpers shared by the live tests: the gate that keeps restarts and the
//! load test apart from everything else, calls over Local channels, and
//! the extensions the suite adds to the dialplan at run time.

use std::sync::atomic::{AtomicU32, Ordering};

use ami_generated::channel::{HangupAction, OriginateAction};
use ami_generated::dialplan::DialplanExtensionAddAction;
use ami_live::Session;
use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Tests that restart the server or flood it hold this exclusively; every
/// other test holds it shared.
static GATE: RwLock<()> = RwLock::const_new(());

/// Run alongside the other ordinary tests.
pub async fn shared() -> RwLockReadGuard<'static, ()> {
    GATE.read().await
}

/// Run alone (restarts, load).
pub async fn exclusive() -> RwLockWriteGuard<'static, ()> {
    GATE.write().await
}

/// A unique id for a call of this run: `live-<tag>-<pid>-<n>`, used as the
/// `Uniqueid` of the originated channel so that a test finds its own
/// events among those of the tests running beside it; the other half of
/// a Local channel gets `<id>-2`.
///
/// `n` has a fixed width: Asterisk (22, its default channel storage)
/// checks an assigned id against the live channels by PREFIX, so that
/// `...-1` would be refused ("Channel Unique ID already in use", Originate
/// `Response: Failure`, no channel at all) while `...-13-2` is up. With a
/// fixed width, an id is a prefix only of its own call's `-2` half.
pub fn call_id(tag: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "live-{tag}-{}-{:06}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A call placed by [`originate`]: the two halves of a Local channel.
#[derive(Clone, Debug)]
pub struct Call {
    /// `Uniqueid` of the `;1` half (runs the application of the Originate).
    pub id: String,
    /// `Uniqueid` of the `;2` half (runs the dialplan extension).
    pub other_id: String,
    /// Channel name of the `;1` half.
    pub channel: String,
    /// Channel name of the `;2` half.
    pub other: String,
}

/// Originate `Local/<exten>@<context>` whose `;1` half runs `app(data)`,
/// and wait until both halves exist and the `;2` half has answered (every
/// extension the tests call answers first), so that actions on it find a
/// live call.
pub async fn originate(
    s: &Session,
    tag: &str,
    exten: &str,
    context: &str,
    app: &str,
    data: &str,
) -> Call {
    let id = call_id(tag);
    let other_id = format!("{id}-2");
    let mark = s.mark();
    s.ok(&OriginateAction::new(format!("Local/{exten}@{context}"))
        .with_application(app.to_owned())
        .with_data(data.to_owned())
        .with_async_(true)
        .with_channel_id(id.clone())
        .with_other_channel_id(other_id.clone()))
        .await;
    let one = s.wait_event(mark, "Newchannel", &[("Uniqueid", &id)]).await;
    let two = s
        .wait_event(mark, "Newchannel", &[("Uniqueid", &other_id)])
        .await;
    Call {
        channel: one.get("Channel").unwrap_or_default().to_owned(),
        other: two.get("Channel").unwrap_or_default().to_owned(),
        id,
        other_id,
    }
}

/// Hang up both halves of a call (either may be gone already).
pub async fn hangup(s: &Session, call: &Call) {
    for channel in [&call.channel, &call.other] {
        let _ = s.answered(&HangupAction::new(channel.clone())).await;
    }
}

/// Wait until both halves of `call` are hung up (events after `mark`).
pub async fn wait_gone(s: &Session, mark: usize, call: &Call) {
    s.wait_event(mark, "Hangup", &[("Uniqueid", &call.id)])
        .await;
    s.wait_event(mark, "Hangup", &[("Uniqueid", &call.other_id)])
        .await;
}

/// The extensions of context `live` that the shared dialplan lacks, added
/// with `DialplanExtensionAdd` (`Replace` makes it idempotent, so a test
/// may call this after a restart too).
pub async fn live_dialplan(s: &Session) {
    let entries: &[(&str, &str, &str, &str)] = &[
        // a call that answers and ends at once (the load test)
        ("quick", "1", "Answer", ""),
        ("quick", "2", "Hangup", ""),
        // a hangup handler
        ("handler", "1", "NoOp", "hangup handler of ${CHANNEL}"),
        ("handler", "2", "Return", ""),
        // agent 1001 logs in and waits
        ("agent", "1", "Answer", ""),
        ("agent", "2", "AgentLogin", "1001,s"),
        // a caller bridged to a long call, with transfer features
        ("bridged", "1", "Answer", ""),
        ("bridged", "2", "Dial", "Local/250@test/n,,tT"),
        // answers and waits
        ("sit", "1", "Answer", ""),
        ("sit", "2", "Wait", "60"),
        // the same, with digits only (an attended transfer dials it by DTMF)
        ("555", "1", "Answer", ""),
        ("555", "2", "Wait", "60"),
        // never answers
        ("ring", "1", "Wait", "120"),
    ];
    for (exten, priority, app, data) in entries {
        let mut add =
            DialplanExtensionAddAction::new("live", *exten, *priority, *app).with_replace(true);
        if !data.is_empty() {
            add = add.with_application_data(*data);
        }
        s.ok(&add).await;
    }
}
