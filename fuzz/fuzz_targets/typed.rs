//! Typed decoding: every framed message is decoded as what it says it is
//! (an event into the generated `Event`, an action into its typed struct
//! and encoded again, a response as the reply of an action the input
//! picks). No panic, and the same results under any chunking.

#![no_main]

use ami_fuzz::{chunkings, LIMITS};
use ami_generated::registry::{check_action, check_reply, ACTIONS};
use ami_generated::Event;
use ami_runtime::proto::{Frame, Framer};
use ami_runtime::wire::{FromEvent, MessageKind, Reply};
use libfuzzer_sys::fuzz_target;

fn run(pieces: &[&[u8]], pick: usize) -> Vec<String> {
    let mut framer = Framer::with_limits(LIMITS);
    let mut out = Vec::new();
    for piece in pieces {
        framer.feed(piece);
        while let Some(frame) = framer.next_frame() {
            let Frame::Message(raw) = frame else {
                continue;
            };
            let msg = raw.to_message();
            out.push(match msg.kind() {
                MessageKind::Event(_) => format!("{:?}", Event::from_event(&raw)),
                MessageKind::Action(_) => format!("{:?}", check_action(&msg)),
                MessageKind::Response(_) => {
                    let action = ACTIONS[pick % ACTIONS.len()].name;
                    format!("{action}: {:?}", check_reply(action, &Reply::single(msg)))
                }
                MessageKind::Other => format!("other {msg:?}"),
            });
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let pick = data.first().map_or(0, |&b| usize::from(b));
    let runs: Vec<Vec<String>> = chunkings(data).iter().map(|p| run(p, pick)).collect();
    for other in &runs[1..] {
        assert_eq!(other, &runs[0], "chunking changed the decoding");
    }
});
