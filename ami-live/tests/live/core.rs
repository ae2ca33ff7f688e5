//! Actions that need no call: the manager core, configuration files,
//! AstDB, the dialplan, device and presence state, voicemail, and the
//! modules whose actions answer from configuration (sorcery caches, FAX,
//! XMPP, agents). Every reply must decode typed with nothing left in
//! `extra` (unless the spec says why); errors must carry Asterisk's message.

use ami_generated::agent::AgentsAction;
use ami_generated::channel::SetvarAction;
use ami_generated::config::{
    CreateConfigAction, GetConfigAction, GetConfigJsonAction, ListCategoriesAction,
    UpdateConfigAction, UpdateConfigChange, UpdateConfigChangeAction,
};
use ami_generated::db::{DbDelAction, DbDelTreeAction, DbGetAction, DbPutAction};
use ami_generated::devicestate::{
    DeviceStateListAction, PresenceStateAction, PresenceStateListAction,
};
use ami_generated::dialplan::{
    DialplanExtensionRemoveAction, ExtensionStateAction, ExtensionStateListAction,
    ShowDialPlanAction,
};
use ami_generated::fax::{FaxSessionAction, FaxSessionsAction, FaxStatsAction};
use ami_generated::manager::{
    CommandAction, CoreSettingsAction, CoreShowChannelsAction, CoreStatusAction, EventsAction,
    FilterAction, FilterOperation, ListCommandsAction, LoggerRotateAction, ModuleCheckAction,
    ModuleLoadAction, ModuleLoadLoadType, ReloadAction, UserEventAction, WaitEventAction,
};
use ami_generated::sorcery::{
    SorceryMemoryCacheExpireAction, SorceryMemoryCacheExpireObjectAction,
    SorceryMemoryCachePopulateAction, SorceryMemoryCacheStaleAction,
    SorceryMemoryCacheStaleObjectAction,
};
use ami_generated::voicemail::{
    MailboxCountAction, MailboxStatusAction, MwiDeleteAction, MwiGetAction, MwiUpdateAction,
    VoicemailRefreshAction, VoicemailUsersListAction,
};
use ami_generated::xmpp::JabberSendAction;
use ami_live::record;
use ami_live::Session;
use ami_runtime::client::Error;
use ami_runtime::wire::Header;

use crate::common::{self, shared};

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn manager_core_actions() {
    let _gate = shared().await;
    let s = Session::open("manager_core").await;

    let commands = s.ok(&ListCommandsAction::new()).await;
    let names: Vec<String> = commands
        .extra
        .iter()
        .map(|h: &Header| h.name.to_string())
        .collect();
    assert!(
        names.iter().any(|n| n == "Originate"),
        "ListCommands: {names:?}"
    );
    if let Some(path) = &s.config.record {
        record::append(path, &[record::server_actions_line(&names)]).unwrap();
    }

    let settings = s.ok(&CoreSettingsAction::new()).await;
    assert!(!settings.asterisk_version.is_empty(), "{settings:?}");
    if let Some(path) = &s.config.record {
        record::append(
            path,
            &[record::server_version_line(&settings.asterisk_version)],
        )
        .unwrap();
    }
    s.note(format!(
        "server: Asterisk {} (AMI {})",
        settings.asterisk_version, settings.ami_version
    ));
    let status = s.ok(&CoreStatusAction::new()).await;
    assert!(status.core_startup_date.is_some(), "{status:?}");
    s.ok(&CoreShowChannelsAction::new()).await;

    // Command: the output arrives whole, one entry per line.
    let out = s.ok(&CommandAction::new("core show help core")).await;
    assert!(out.lines.len() > 5, "{out:?}");
    assert!(
        out.lines.iter().any(|l| l.contains("core show uptime")),
        "{out:?}"
    );
    // A failed Command keeps Asterisk's explanation in the error.
    match s.send(&CommandAction::new("no such live command")).await {
        Err(e @ Error::Failed { .. }) => {
            let shown = e.to_string();
            assert!(
                shown.contains("No such command"),
                "the error shows only: {shown}"
            );
        }
        other => panic!("a bad Command answered {other:?}"),
    }

    s.ok(&EventsAction::new("on")).await;
    // Filters apply to the session that sets them: this one keeps every event.
    s.ok(&FilterAction::new()
        .with_operation(FilterOperation::Add)
        .with_filter("Event: *"))
        .await;
    s.ok(&LoggerRotateAction::new()).await;
    let check = s.ok(&ModuleCheckAction::new("app_queue")).await;
    s.note(format!("ModuleCheck app_queue: {:?}", check.version));
    s.refused(&ModuleCheckAction::new("no_such_module")).await;
    let mark = s.mark();
    s.ok(&ModuleLoadAction::new(ModuleLoadLoadType::Reload).with_module("cdr_manager.so"))
        .await;
    s.wait_event(mark, "Reload", &[]).await;
    s.ok(&ReloadAction::new().with_module("cel")).await;

    // WaitEvent returns at once when an event is queued for the session.
    s.ok(&UserEventAction::new("LiveWaitEvent")).await;
    s.ok(&WaitEventAction::new(2)).await;

    // UserEvent with headers of our own: they land in `extra`, which the
    // spec allows (free fields).
    let mark = s.mark();
    s.ok(&UserEventAction::new("LiveProbe").with_extra(vec![Header::new("Probe", "42")]))
        .await;
    let ev = s
        .wait_event(mark, "UserEvent", &[("UserEvent", "LiveProbe")])
        .await;
    assert_eq!(ev.get("Probe"), Some("42"));
    s.finish().await;
}

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn config_files() {
    let _gate = shared().await;
    let s = Session::open("config").await;
    let file = format!("live-{}.conf", std::process::id());
    s.ok(&CreateConfigAction::new(file.clone())).await;
    let changes = vec![
        UpdateConfigChange::new(UpdateConfigChangeAction::NewCat).with_cat("one"),
        UpdateConfigChange::new(UpdateConfigChangeAction::Append)
            .with_cat("one")
            .with_var("colour")
            .with_value("blue"),
        UpdateConfigChange::new(UpdateConfigChangeAction::NewCat).with_cat("two"),
    ];
    s.ok(&UpdateConfigAction::new(file.clone(), file.clone()).with_changes(changes))
        .await;
    let config = s.ok(&GetConfigAction::new(file.clone())).await;
    assert_eq!(config.categories.len(), 2, "{config:?}");
    let cats = s.ok(&ListCategoriesAction::new(file.clone())).await;
    assert_eq!(cats.categories.len(), 2, "{cats:?}");
    let json = s.ok(&GetConfigJsonAction::new(file.clone())).await;
    assert!(json.json.contains("colour"), "{json:?}");
    // A file that does not exist: Asterisk's message, not a decoding error.
    let message = s.refused(&GetConfigAction::new("no-such-live.conf")).await;
    assert!(!message.is_empty());
    s.finish().await;
}

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn astdb() {
    let _gate = shared().await;
    let s = Session::open("astdb").await;
    let family = format!("live{}", std::process::id());
    s.ok(&DbPutAction::new(family.clone(), "key").with_val("value"))
        .await;
    let got = s.ok(&DbGetAction::new(family.clone(), "key")).await;
    assert_eq!(got.items.len(), 1, "{got:?}");
    s.ok(&DbDelAction::new(family.clone(), "key")).await;
    s.refused(&DbGetAction::new(family.clone(), "key")).await;
    s.ok(&DbPutAction::new(family.clone(), "a/b").with_val("1"))
        .await;
    s.ok(&DbDelTreeAction::new(family.clone())).await;
    s.finish().await;
}

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn dialplan_and_states() {
    let _gate = shared().await;
    let s = Session::open("dialplan").await;
    common::live_dialplan(&s).await;
    let plan = s.ok(&ShowDialPlanAction::new().with_context("live")).await;
    assert!(plan.items.len() >= 2, "{plan:?}");
    s.ok(&ShowDialPlanAction::new()).await;
    s.ok(&ExtensionStateAction::new("100", "test")).await;
    s.ok(&ExtensionStateListAction::new()).await;
    s.ok(&DialplanExtensionRemoveAction::new("live", "sit").with_priority(2u64))
        .await;
    s.refused(&DialplanExtensionRemoveAction::new("live", "no-such-exten"))
        .await;

    // Device state of the hint of 100, and a presence state.
    let mark = s.mark();
    s.ok(&SetvarAction::new("DEVICE_STATE(Custom:dev100)").with_value("INUSE"))
        .await;
    s.wait_event(mark, "DeviceStateChange", &[("Device", "Custom:dev100")])
        .await;
    s.wait_event(mark, "ExtensionStatus", &[("Exten", "100")])
        .await;
    s.ok(&SetvarAction::new("DEVICE_STATE(Custom:dev100)").with_value("NOT_INUSE"))
        .await;
    s.ok(&DeviceStateListAction::new()).await;
    let mark = s.mark();
    s.ok(&SetvarAction::new("PRESENCE_STATE(CustomPresence:live)").with_value("away,,gone"))
        .await;
    s.wait_event(mark, "PresenceStateChange", &[]).await;
    let presence = s.ok(&PresenceStateAction::new("CustomPresence:live")).await;
    assert_eq!(
        presence.state.as_ref().map(|state| state.as_str()),
        Some("away"),
        "{presence:?}"
    );
    s.ok(&PresenceStateListAction::new()).await;
    s.finish().await;
}

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn voicemail() {
    let _gate = shared().await;
    let s = Session::open("voicemail").await;
    let count = s.ok(&MailboxCountAction::new("100@default")).await;
    assert_eq!(count.new_messages, Some(0), "{count:?}");
    s.ok(&MailboxStatusAction::new("100@default")).await;
    let users = s.ok(&VoicemailUsersListAction::new()).await;
    assert_eq!(users.items.len(), 2, "{users:?}");
    s.ok(&VoicemailRefreshAction::new().with_context("default"))
        .await;
    // The MWI actions need res_mwi_external (not loaded by the shared
    // server): sent when the server offers them.
    if s.offers("MWIUpdate").await {
        s.ok(&MwiUpdateAction::new("live@default").with_new_messages(1u64))
            .await;
    }
    if s.offers("MWIGet").await {
        s.ok(&MwiGetAction::new("live@default")).await;
    }
    if s.offers("MWIDelete").await {
        s.ok(&MwiDeleteAction::new("live@default")).await;
    }
    s.finish().await;
}

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn modules_without_configuration() {
    let _gate = shared().await;
    let s = Session::open("unconfigured_modules").await;
    // Modules the shared server may lack (res_sorcery_memory_cache,
    // res_fax, res_xmpp): each action is sent when the server offers it;
    // with nothing configured, Asterisk's error is a fine answer.
    let cache = "live-cache";
    if s.offers("SorceryMemoryCacheExpire").await {
        let _ = s
            .answered(&SorceryMemoryCacheExpireAction::new(cache))
            .await;
    }
    if s.offers("SorceryMemoryCacheExpireObject").await {
        let _ = s
            .answered(&SorceryMemoryCacheExpireObjectAction::new(cache, "x"))
            .await;
    }
    if s.offers("SorceryMemoryCachePopulate").await {
        let _ = s
            .answered(&SorceryMemoryCachePopulateAction::new(cache))
            .await;
    }
    if s.offers("SorceryMemoryCacheStale").await {
        let _ = s.answered(&SorceryMemoryCacheStaleAction::new(cache)).await;
    }
    if s.offers("SorceryMemoryCacheStaleObject").await {
        let _ = s
            .answered(&SorceryMemoryCacheStaleObjectAction::new(cache, "x"))
            .await;
    }
    if s.offers("FAXSessions").await {
        s.ok(&FaxSessionsAction::new()).await;
    }
    if s.offers("FAXStats").await {
        s.ok(&FaxStatsAction::new()).await;
    }
    if s.offers("FAXSession").await {
        let _ = s.answered(&FaxSessionAction::new(1u64)).await;
    }
    if s.offers("JabberSend").await {
        let _ = s
            .answered(&JabberSendAction::new(
                "live",
                "nobody@example.invalid",
                "hi",
            ))
            .await;
    }
    s.ok(&AgentsAction::new()).await;
    s.finish().await;
}
