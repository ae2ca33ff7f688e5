//! Typed decoding allocates per event, not per field: text fields are
//! slices of the frame (`AmiStr`), so what is left is the box that holds
//! the event in its variant of `ami_generated::Event`, a vector for the
//! repeated or extra headers an event actually has, and the read buffer's
//! growth.
//! One test in this binary, so that no other test's allocations are
//! counted.

use ami_bench::{frame_stream, repeated, to_crlf, CountingAlloc, CHUNK};
use ami_generated::Event;
use ami_runtime::wire::FromEvent;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

/// Events as the shared corpus has them (a `VarSet` with channel
/// variables, which dominates it, a `Newchannel`, a `Hangup`, a
/// `DialBegin` with two snapshots, and a `CEL`), each fully typed.
const EVENTS: &str = "\
Event: VarSet
Privilege: dialplan,all
Channel: SCCP/101-00000004
ChannelState: 0
ChannelStateDesc: Down
CallerIDNum: 101
CallerIDName: Alice Wuuuuuuuuuuuunderland
ConnectedLineNum: <unknown>
ConnectedLineName: <unknown>
Language: en
AccountCode:
Context: default
Exten: 103
Priority: 1
Uniqueid: 1511987918.22
Linkedid: 1511987918.22
ChanVariable: WAZO_USERUUID=
ChanVariable: XIVO_BASE_EXTEN=
Variable: WAZO_CHANNEL_DIRECTION
Value: from-wazo

Event: Newchannel
Privilege: call,all
Channel: SCCP/101-00000004
ChannelState: 0
ChannelStateDesc: Down
CallerIDNum: 101
CallerIDName: Alice
ConnectedLineNum: <unknown>
ConnectedLineName: <unknown>
Language: en
AccountCode:
Context: default
Exten: 103
Priority: 1
Uniqueid: 1511987918.22
Linkedid: 1511987918.22

Event: Hangup
Privilege: call,all
Channel: SCCP/101-00000004
ChannelState: 6
ChannelStateDesc: Up
CallerIDNum: 101
CallerIDName: Alice
ConnectedLineNum: 103
ConnectedLineName: Bob
Language: en
AccountCode:
Context: default
Exten: 103
Priority: 1
Uniqueid: 1511987918.22
Linkedid: 1511987918.22
Cause: 16
Cause-txt: Normal Clearing

Event: DialBegin
Privilege: call,all
Channel: SCCP/101-00000004
ChannelState: 4
ChannelStateDesc: Ring
CallerIDNum: 101
CallerIDName: Alice
ConnectedLineNum: <unknown>
ConnectedLineName: <unknown>
Language: en
AccountCode:
Context: default
Exten: 103
Priority: 5
Uniqueid: 1511987918.22
Linkedid: 1511987918.22
DestChannel: SCCP/103-00000005
DestChannelState: 0
DestChannelStateDesc: Down
DestCallerIDNum: 103
DestCallerIDName: Bob
DestConnectedLineNum: 101
DestConnectedLineName: Alice
DestLanguage: en
DestAccountCode:
DestContext: default
DestExten: 103
DestPriority: 1
DestUniqueid: 1511987918.23
DestLinkedid: 1511987918.22
DialString: 103

Event: CEL
Privilege: call,all
EventName: CHAN_START
AccountCode:
CallerIDnum: 101
CallerIDname: Alice
CallerIDani: 101
CallerIDrdnis:
CallerIDdnid:
Exten: 103
Context: default
Channel: SCCP/101-00000004
Application:
AppData:
EventTime: 2017-11-29 15:38:38
AMAFlags: DOCUMENTATION
UniqueID: 1511987918.22
LinkedID: 1511987918.22
Userfield:
Peer:
PeerAccount:
Extra:

";

#[test]
fn typed_decoding_allocates_a_box_and_at_most_one_vector_per_event() {
    let stream = repeated(&to_crlf(EVENTS), 200);
    let decode = |stream: &[u8]| {
        let mut typed = 0usize;
        let framed = frame_stream(stream, CHUNK, |m| {
            let event = Event::from_event(m);
            typed += usize::from(matches!(event, Ok(ref e) if !matches!(e, Event::Unknown(_))));
            // Every field typed: nothing left among the unknown headers.
            if let Ok(e) = &event {
                let mut unknown = Vec::new();
                e.unknown_headers(&mut unknown);
                assert!(unknown.is_empty(), "{unknown:?} in {e:?}");
            }
        });
        (framed, typed)
    };
    // A first pass outside the count: the assertion's vectors, lazy statics.
    decode(&stream);
    let before = ALLOC.snapshot();
    let mut framed = 0;
    for part in stream.chunks(stream.len() / 4 + 1) {
        framed += frame_stream(part, CHUNK, |m| {
            std::hint::black_box(Event::from_event(m).ok());
        });
    }
    let spent = ALLOC.snapshot().since(before);
    let (all, typed) = decode(&stream);
    assert_eq!(typed, all, "every event typed");
    assert_eq!(framed, 5 * 200);
    // Each event's box, and the VarSet's `ChanVariable` vector, are the
    // only per-event allocations of these five events (1.2 per event);
    // the rest is the framers' buffers (one framer per part) and their
    // growth.
    let per_event = spent.allocs as f64 / framed as f64;
    assert!(
        per_event <= 1.3,
        "{per_event:.2} allocations per event ({spent:?} over {framed} events)"
    );
}
