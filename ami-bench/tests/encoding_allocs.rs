//! Encoding allocates nothing in steady state: once the output buffer has
//! grown, Ping + Hangup + Originate (with variables) are written with no
//! allocation at all. One test in this binary, so that no other test's
//! allocations are counted.

use ami_bench::{BenchActions, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

#[test]
fn encoding_in_steady_state_allocates_nothing() {
    let actions = BenchActions::new();
    let mut out = Vec::new();
    let encode_all = |out: &mut Vec<u8>| assert!(actions.encode(out));
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
