//! Many actions in flight on one connection, and the event stream under
//! load: hundreds of calls originated at once, every event accounted for.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use ami_generated::channel::{GetvarAction, OriginateAction, SetvarAction};
use ami_generated::manager::CommandAction;
use ami_live::{Seen, Session};
use tokio::task::JoinSet;

use crate::common::{self, exclusive, shared};

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn many_actions_in_flight() {
    let _gate = shared().await;
    let s = Session::open("in_flight").await;
    let tag = std::process::id();
    for i in 0..20 {
        s.ok(&SetvarAction::new(format!("LIVE_{tag}_{i}")).with_value(i.to_string()))
            .await;
    }
    // 400 Getvar at once on one connection: each reply must be the one of
    // its own action (ActionID correlation), whatever the order.
    let mut set = JoinSet::new();
    for n in 0..400u32 {
        let client = s.client.clone();
        set.spawn(async move {
            let i = n % 20;
            let reply = client
                .send(&GetvarAction::new(format!("LIVE_{tag}_{i}")))
                .await;
            (i, reply)
        });
    }
    let mut answered = 0;
    while let Some(joined) = set.join_next().await {
        let (i, reply) = joined.expect("task");
        let reply = reply.unwrap_or_else(|e| panic!("Getvar {i}: {e}"));
        assert_eq!(
            reply.value.as_deref(),
            Some(i.to_string().as_str()),
            "{reply:?}"
        );
        answered += 1;
    }
    assert_eq!(answered, 400);
    s.finish().await;
}

/// How many calls the load test originates (`AMI_LIVE_LOAD_CALLS`, default 200).
fn load_calls() -> usize {
    std::env::var("AMI_LIVE_LOAD_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

#[tokio::test]
#[ignore = "live: needs AMI_LIVE_ADDR (an Asterisk); run with --ignored"]
async fn event_stream_under_load() {
    let _gate = exclusive().await;
    let s = Session::open("load").await;
    common::live_dialplan(&s).await;
    let calls = load_calls();
    let mark = s.mark();
    let started = Instant::now();
    let mut set = JoinSet::new();
    let mut ids = BTreeSet::new();
    for _ in 0..calls {
        let id = common::call_id("load");
        ids.insert(id.clone());
        ids.insert(format!("{id}-2"));
        let client = s.client.clone();
        set.spawn(async move {
            client
                .send(
                    &OriginateAction::new("Local/quick@live")
                        .with_application("NoOp")
                        .with_data("load")
                        .with_async_(true)
                        .with_channel_id(id.clone())
                        .with_other_channel_id(format!("{id}-2")),
                )
                .await
                .map_err(|e| format!("Originate {id}: {e}"))
        });
    }
    while let Some(joined) = set.join_next().await {
        joined.expect("task").unwrap_or_else(|e| panic!("{e}"));
    }
    // Every half of every call must hang up, and the stream must not have
    // skipped anything on the way.
    // A call Asterisk refused (`OriginateResponse` with `Response:
    // Failure`) never makes a channel: the wait ends at once with it.
    let mut gone = BTreeSet::new();
    let mut refused = None;
    let wait = s
        .wait_within(
            mark,
            Duration::from_secs(180),
            "the Hangup of every call",
            |seen| {
                if let Some(id) = seen.get("Uniqueid").filter(|id| ids.contains(*id)) {
                    if seen.is("Hangup") {
                        gone.insert(id.to_owned());
                    } else if seen.is("OriginateResponse")
                        && seen.get("Response") == Some("Failure")
                    {
                        refused = Some(id.to_owned());
                    }
                }
                refused.is_some() || gone.len() == ids.len()
            },
        )
        .await;
    let wait = match &refused {
        Some(id) => Err(format!("load: Asterisk refused the call {id}")),
        None => wait.map(drop),
    };
    let items = s.since(mark);
    let lost: Vec<String> = items
        .iter()
        .filter(|i| matches!(i, Seen::Missed(_) | Seen::Error(_) | Seen::Disconnected(_)))
        .map(|i| i.to_string())
        .collect();
    if let Err(e) = wait {
        // The refused call first, then the halves still up.
        let missing: Vec<&String> = refused
            .iter()
            .chain(
                ids.iter()
                    .filter(|id| !gone.contains(*id) && Some(*id) != refused.as_ref()),
            )
            .collect();
        panic!(
            "{e}\n{} of {} halves hung up; stream problems: {lost:?}\n{}",
            gone.len(),
            ids.len(),
            what_became_of(&s, &items, &missing).await
        );
    }
    assert!(lost.is_empty(), "the stream reported: {lost:?}");
    let responses = items
        .iter()
        .filter(|i| i.is("OriginateResponse") && i.get("Uniqueid").is_some_and(|u| ids.contains(u)))
        .count();
    assert_eq!(responses, calls, "one OriginateResponse per call");
    s.note(format!(
        "{calls} calls originated at once: {} stream items in {:.1} s, none missed",
        items.len(),
        started.elapsed().as_secs_f64()
    ));
    s.finish().await;
}

/// For a failure report: the events that name each of the first `missing`
/// channels, and the channels Asterisk still has.
async fn what_became_of(s: &Session, items: &[Seen], missing: &[&String]) -> String {
    let mut out = String::new();
    for id in missing.iter().take(6) {
        let about: Vec<String> = items
            .iter()
            .filter(|i| {
                ["Uniqueid", "DestUniqueid", "Linkedid"]
                    .iter()
                    .any(|h| i.get(h) == Some(id.as_str()))
            })
            .map(|i| {
                let mut line = i.name().unwrap_or("?").to_owned();
                for h in [
                    "Uniqueid",
                    "Channel",
                    "ChannelStateDesc",
                    "Response",
                    "Reason",
                    "Application",
                    "Cause",
                ] {
                    if let Some(v) = i.get(h) {
                        line.push_str(&format!(" {h}={v}"));
                    }
                }
                line
            })
            .collect();
        out.push_str(&format!("{id}: {} events: {about:?}\n", about.len()));
    }
    match s
        .send(&CommandAction::new("core show channels concise"))
        .await
    {
        Ok(reply) => {
            out.push_str(&format!("channels left ({}):\n", reply.lines.len()));
            for line in reply.lines.iter().take(20) {
                out.push_str(&format!("  {line}\n"));
            }
        }
        Err(e) => out.push_str(&format!("core show channels: {e}\n")),
    }
    out
}
