//! The framer: no panic, identical frames under any chunking, bounded
//! memory, recovery after garbage.

#![no_main]

use ami_fuzz::{chunkings, frame_pieces};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for raw_text in [false, true] {
        let runs: Vec<Vec<String>> = chunkings(data)
            .iter()
            .map(|pieces| frame_pieces(pieces, raw_text))
            .collect();
        for run in &runs[1..] {
            assert_eq!(run, &runs[0], "chunking changed the frames");
        }
        if !raw_text {
            // Raw text may legitimately swallow the recovery event when a
            // raw text reply is awaited; otherwise it always arrives.
            let last = runs[0].last().expect("at least the recovery event");
            assert!(last.contains("Recovered"), "no recovery: {last}");
        }
    }
});
