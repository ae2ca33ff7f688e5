//! Encoding allocates nothing in steady state: once the output buffer has
//! grown, Ping + Hangup + Originate (with variables) are written with no
//! allocation at all. One test in this binary, so that no other test's
//! allocations are counted.

use ami_bench::CountingAlloc;
use ami_generated::channel::{HangupAction, OriginateAction};
use ami_generated::manager::PingAction;
use ami_runtime::wire::{encode_action, Var};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

#[test]
fn encoding_in_steady_state_allocates_nothing() {
    let ping = PingAction::new();
    let hangup = HangupAction::new("PJSIP/alice-00000001").with_cause(16);
    let originate = OriginateAction::new("PJSIP/alice")
        .with_exten("2002")
        .with_context("from-internal")
        .with_priority("1")
        .with_timeout(30_000)
        .with_async_(true)
        .with_variable(vec![
            Var::new("CDR(userfield)", "bench"),
            Var::new("X", "1"),
        ]);
    let mut out = Vec::new();
    let encode_all = |out: &mut Vec<u8>| {
        out.clear();
        encode_action(&ping, Some("1"), out).unwrap();
        encode_action(&hangup, Some("2"), out).unwrap();
        encode_action(&originate, Some("3"), out).unwrap();
    };
    encode_all(&mut out);
    let first = out.clone();
    let before = ALLOC.snapshot();
    for _ in 0..100 {
        encode_all(&mut out);
    }
    let spent = ALLOC.snapshot().since(before);
    assert_eq!(out, first);
    assert_eq!(spent.allocs, 0, "{spent:?} over 300 actions");
}
