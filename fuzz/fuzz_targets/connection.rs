//! The connection core: a few actions in flight (a single reply, a list, a
//! command, a raw text reply), then server bytes. No panic, identical items
//! under any chunking, bounded state.

#![no_main]

use ami_fuzz::{chunkings, LIMITS, RECOVERY};
use ami_runtime::proto::{Connection, Item};
use ami_runtime::wire::{Message, ResponseShape};
use libfuzzer_sys::fuzz_target;

fn run(pieces: &[&[u8]]) -> Vec<String> {
    let mut conn = Connection::with_limits(LIMITS);
    let shapes = [
        ("Ping", ResponseShape::Single),
        (
            "CoreShowChannels",
            ResponseShape::List {
                complete: "CoreShowChannelsComplete",
            },
        ),
        ("Command", ResponseShape::Command),
        ("Queues", ResponseShape::RawText),
    ];
    // ActionIDs 1 to 4, as the input's examples use.
    for (name, shape) in shapes {
        conn.send_message(&Message::new().with("Action", name), shape)
            .expect("a valid action");
    }
    conn.take_output();
    let mut out = Vec::new();
    for piece in pieces.iter().copied().chain([RECOVERY]) {
        conn.receive(piece);
        while let Some(item) = conn.poll() {
            out.push(match item {
                Item::Banner(b) => format!("banner {b:?}"),
                Item::Event(e) => format!("event {:?}", e.to_message()),
                Item::Reply(done) => format!("reply {done:?}"),
                Item::Error(e) => format!("error {e:?}"),
                Item::Goodbye(m) => format!("goodbye {:?}", m.to_message()),
            });
        }
        assert!(conn.in_flight() <= 4);
    }
    // Nothing left to hang on: failing all resolves the rest.
    let left = conn.in_flight();
    assert_eq!(conn.fail_all("end of input").len(), left);
    out
}

fuzz_target!(|data: &[u8]| {
    let runs: Vec<Vec<String>> = chunkings(data).iter().map(|p| run(p)).collect();
    for other in &runs[1..] {
        assert_eq!(other, &runs[0], "chunking changed the items");
    }
});
