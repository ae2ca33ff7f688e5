//! Actions that recent releases added (most backported to 18 and 20): each
//! is sent when the server offers it, on a call or mailbox of its own.

use ami_generated::channel::{CancelAtxferAction, PlayMfAction, SendFlashAction};
use ami_generated::db::{DbDelTreeAction, DbGetTreeAction, DbPutAction};
use ami_generated::manager::CoreShowChannelMapAction;
use ami_generated::queue::{QueueChangePriorityCallerAction, QueueWithdrawCallerAction};
use ami_generated::voicemail::{
    VoicemailBoxSummaryAction, VoicemailForwardAction, VoicemailMoveAction, VoicemailRemoveAction,
    VoicemailUserStatusAction,
};
use ami_live::Session;

use crate::common::{hangup, originate, shared, wait_gone};

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn newer_channel_and_db_actions() {
    let _gate = shared().await;
    let s = Session::open("newer_channel").await;
    let mark = s.mark();
    let call = originate(&s, "newer", "250", "test", "Wait", "60").await;
    if s.offers("CoreShowChannelMap").await {
        s.ok(&CoreShowChannelMapAction::new(call.other.clone()))
            .await;
    }
    // Local channels carry no flash or MF, and no transfer is under way:
    // Asterisk may refuse each, but must answer.
    if s.offers("SendFlash").await {
        let _ = s.answered(&SendFlashAction::new(call.other.clone())).await;
    }
    if s.offers("PlayMF").await {
        let _ = s
            .answered(&PlayMfAction::new(call.other.clone(), "1"))
            .await;
    }
    if s.offers("CancelAtxfer").await {
        let _ = s
            .answered(&CancelAtxferAction::new(call.other.clone()))
            .await;
    }
    hangup(&s, &call).await;
    wait_gone(&s, mark, &call).await;

    if s.offers("DBGetTree").await {
        let family = format!("livetree{}", std::process::id());
        s.ok(&DbPutAction::new(family.clone(), "a").with_val("1"))
            .await;
        s.ok(&DbPutAction::new(family.clone(), "b").with_val("2"))
            .await;
        let tree = s
            .ok(&DbGetTreeAction::new().with_family(family.clone()))
            .await;
        assert_eq!(tree.items.len(), 2, "{tree:?}");
        s.ok(&DbDelTreeAction::new(family)).await;
    }
    s.finish().await;
}

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn newer_queue_and_voicemail_actions() {
    let _gate = shared().await;
    let s = Session::open("newer_queue").await;
    // A caller waiting in "sales": moved up, then withdrawn from the queue.
    let mark = s.mark();
    let caller = originate(&s, "newer", "310", "test", "Wait", "30").await;
    s.wait_event(mark, "QueueCallerJoin", &[("Uniqueid", &caller.other_id)])
        .await;
    if s.offers("QueueChangePriorityCaller").await {
        s.ok(&QueueChangePriorityCallerAction::new(
            "sales",
            caller.other.clone(),
            5,
        ))
        .await;
    }
    if s.offers("QueueWithdrawCaller").await {
        s.ok(
            &QueueWithdrawCallerAction::new("sales", caller.other.clone())
                .with_withdraw_info("live"),
        )
        .await;
        s.wait_event(mark, "QueueCallerLeave", &[("Uniqueid", &caller.other_id)])
            .await;
    }
    hangup(&s, &caller).await;
    wait_gone(&s, mark, &caller).await;

    // Mailbox 100@default exists and is empty: status and summary list it.
    // Moving, removing or forwarding a message that does not exist: 22.10.1
    // answers Success to some of these; what matters is that the reply
    // decodes (or carries Asterisk's message).
    if s.offers("VoicemailUserStatus").await {
        s.ok(&VoicemailUserStatusAction::new("default", "100"))
            .await;
    }
    if s.offers("VoicemailBoxSummary").await {
        s.ok(&VoicemailBoxSummaryAction::new("default", "100"))
            .await;
    }
    let mut outcomes = Vec::new();
    if s.offers("VoicemailMove").await {
        let r = s
            .answered(&VoicemailMoveAction::new(
                "default", "100", "INBOX", "none", "Old",
            ))
            .await;
        outcomes.push(format!("VoicemailMove: {:?}", r.map(|a| a.message)));
    }
    if s.offers("VoicemailRemove").await {
        let r = s
            .answered(&VoicemailRemoveAction::new(
                "default", "100", "INBOX", "none",
            ))
            .await;
        outcomes.push(format!("VoicemailRemove: {:?}", r.map(|a| a.message)));
    }
    if s.offers("VoicemailForward").await {
        let r = s
            .answered(&VoicemailForwardAction::new(
                "default", "100", "INBOX", "none", "default", "101", "INBOX",
            ))
            .await;
        outcomes.push(format!("VoicemailForward: {:?}", r.map(|a| a.message)));
    }
    s.note(format!(
        "a message that does not exist: {}",
        outcomes.join("; ")
    ));
    s.finish().await;
}
