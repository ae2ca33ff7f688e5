//! Encoding allocates nothing in steady state: once the output buffer has
//! grown, Ping + Hangup + Originate (with variables) are written with no
//! allocation at all, and so is an action whose fields include groups
//! flattened under a name prefix, one inside the other. One test in this
//! binary, so that no other test's allocations are counted.

use ami_bench::{BenchActions, CountingAlloc};
use ami_runtime::derive::{AmiAction, AmiFields};
use ami_runtime::wire::{encode_action, Ack, AmiStr, Header};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

/// A channel's identity, flattened under a prefix.
#[derive(Clone, Debug, PartialEq, AmiFields)]
pub struct Party {
    /// Channel.
    #[ami(name = "Channel", required)]
    pub channel: AmiStr,
    /// Caller ID number.
    #[ami(name = "CallerIDNum")]
    pub caller_id_num: Option<AmiStr>,
}

/// Two parties, the second nested under a prefix of its own.
#[derive(Clone, Debug, PartialEq, AmiFields)]
pub struct Leg {
    /// The first party.
    #[ami(flatten, prefix = "From")]
    pub from: Party,
    /// The second party.
    #[ami(flatten, prefix = "To")]
    pub to: Party,
}

/// An action whose parameters are flattened groups: `LegFromChannel`,
/// `LegToChannel`, ...
#[derive(Clone, Debug, PartialEq, AmiAction)]
#[ami(action = "Connect", response = Ack)]
pub struct ConnectAction {
    /// The leg, under the prefix `Leg`.
    #[ami(flatten, prefix = "Leg")]
    pub leg: Leg,
    /// Timeout.
    #[ami(name = "Timeout")]
    pub timeout: Option<u64>,
    /// Extra headers.
    #[ami(extra)]
    pub extra: Vec<Header>,
}

#[test]
fn encoding_in_steady_state_allocates_nothing() {
    let actions = BenchActions::new();
    let party = |channel: &'static str| {
        Party::new(AmiStr::from_static(channel)).with_caller_id_num(AmiStr::from_static("1001"))
    };
    let connect = ConnectAction::new(Leg::new(party("PJSIP/a"), party("PJSIP/b"))).with_timeout(5);
    let mut out = Vec::new();
    let encode_all = |out: &mut Vec<u8>| {
        assert!(actions.encode(out));
        encode_action(&connect, Some("4"), out).unwrap();
    };
    encode_all(&mut out);
    let first = out.clone();
    assert!(String::from_utf8_lossy(&first).ends_with(
        "Action: Connect\r\nActionID: 4\r\nLegFromChannel: PJSIP/a\r\n\
         LegFromCallerIDNum: 1001\r\nLegToChannel: PJSIP/b\r\nLegToCallerIDNum: 1001\r\n\
         Timeout: 5\r\n\r\n"
    ));
    let before = ALLOC.snapshot();
    for _ in 0..100 {
        encode_all(&mut out);
    }
    let spent = ALLOC.snapshot().since(before);
    assert_eq!(out, first);
    assert_eq!(spent.allocs, 0, "{spent:?} over 400 actions");
}
