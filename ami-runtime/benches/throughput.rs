//! Throughput of the protocol core and the client.
//!
//! * `framing`: framing and header parsing of a realistic event stream
//!   (Newchannel, VarSet with ChanVariable lines, Hangup, DialBegin,
//!   BridgeEnter, Newstate...; 300-700 bytes each), fed in 64 KiB reads.
//! * `framing/long_line_16_byte_reads`: one 1 MiB line arriving in 16-byte
//!   reads, the worst case for a framer that searches an incomplete line
//!   again on every read (it must stay linear).
//! * `typed_decoding`: framing plus decoding into `ami_generated::Event` of
//!   the events the spec knows (the others are left out of the stream); and
//!   the decoding alone, from messages already framed.
//! * `encoding`: typed actions (Ping, Hangup, Originate with variables) to bytes.
//! * `pipelined_ping`: 100,000 `Ping`s in flight over loopback TCP against
//!   the mock server, answered and decoded.
//!
//! Run with `cargo bench -p ami-runtime --bench throughput`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ami_generated::channel::{HangupAction, OriginateAction};
use ami_generated::manager::PingAction;
use ami_generated::Event;
use ami_runtime::client::{Client, RawEvent};
use ami_runtime::proto::{Framer, Produced};
use ami_runtime::testing::MockServer;
use ami_runtime::wire::{encode_action, FromEvent, Var};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// A deterministic stream of call events, as a busy PBX sends them.
fn event_stream(calls: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for call in 0..calls {
        let uid = format!("1700000000.{call}");
        let peer = format!("1700000000.{}", call + 100_000);
        let chan = format!("PJSIP/alice-{call:08x}");
        let other = format!("PJSIP/bob-{call:08x}");
        let snapshot = |prefix: &str, channel: &str, uniqueid: &str, state: (u32, &str)| {
            format!(
                "{prefix}Channel: {channel}\r\n{prefix}ChannelState: {}\r\n{prefix}ChannelStateDesc: {}\r\n\
                 {prefix}CallerIDNum: 1001\r\n{prefix}CallerIDName: Alice Example\r\n\
                 {prefix}ConnectedLineNum: 2002\r\n{prefix}ConnectedLineName: Bob Example\r\n\
                 {prefix}Language: en\r\n{prefix}AccountCode: sales\r\n{prefix}Context: from-internal\r\n\
                 {prefix}Exten: 2002\r\n{prefix}Priority: 1\r\n{prefix}Uniqueid: {uniqueid}\r\n\
                 {prefix}Linkedid: {uid}\r\n",
                state.0, state.1
            )
        };
        let events = [
            format!("Event: Newchannel\r\nPrivilege: call,all\r\n{}\r\n", snapshot("", &chan, &uid, (0, "Down"))),
            format!(
                "Event: VarSet\r\nPrivilege: dialplan,all\r\n{}Variable: CDR(dst)\r\nValue: 2002\r\n\
                 ChanVariable: DIALEDPEERNUMBER=2002\r\nChanVariable: SIPCALLID=a84b4c76e66710@pc33.example.com\r\n\
                 ChanVariable: CALLERID(num)=1001\r\n\r\n",
                snapshot("", &chan, &uid, (4, "Ring"))
            ),
            format!(
                "Event: DialBegin\r\nPrivilege: call,all\r\n{}{}DialString: bob\r\n\r\n",
                snapshot("", &chan, &uid, (4, "Ring")),
                snapshot("Dest", &other, &peer, (5, "Ringing"))
            ),
            format!("Event: Newstate\r\nPrivilege: call,all\r\n{}\r\n", snapshot("", &chan, &uid, (6, "Up"))),
            format!(
                "Event: BridgeEnter\r\nPrivilege: call,all\r\nBridgeUniqueid: 0b8f6d5e-{call:08x}\r\nBridgeType: basic\r\n\
                 BridgeTechnology: simple_bridge\r\nBridgeCreator: <unknown>\r\nBridgeName: <unknown>\r\n\
                 BridgeNumChannels: 2\r\nBridgeVideoSourceMode: none\r\n{}\r\n",
                snapshot("", &chan, &uid, (6, "Up"))
            ),
            format!(
                "Event: Hangup\r\nPrivilege: call,all\r\n{}Cause: 16\r\nCause-txt: Normal Clearing\r\n\r\n",
                snapshot("", &chan, &uid, (6, "Up"))
            ),
        ];
        for e in events {
            out.extend_from_slice(e.as_bytes());
        }
    }
    out
}

/// Frame the whole stream in 64 KiB reads; returns the number of messages.
fn frame_all(stream: &[u8], mut each: impl FnMut(&Framer)) -> usize {
    let mut framer = Framer::new();
    let mut count = 0;
    for chunk in stream.chunks(64 * 1024) {
        framer.feed(chunk);
        while let Some(produced) = framer.advance() {
            if produced == Produced::Message {
                each(&framer);
                count += 1;
            }
        }
    }
    count
}

fn framing(c: &mut Criterion) {
    let stream = event_stream(2000);
    let mut group = c.benchmark_group("framing");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.bench_function("frame_and_parse_headers", |b| {
        b.iter(|| {
            frame_all(black_box(&stream), |f| {
                let m = f.message().unwrap();
                black_box(m.len());
            })
        })
    });
    group.finish();

    let mut long = b"Event: Long\r\nData: ".to_vec();
    long.resize(1 << 20, b'x');
    long.extend_from_slice(b"\r\n\r\n");
    let mut group = c.benchmark_group("framing");
    group.throughput(Throughput::Bytes(long.len() as u64));
    group.bench_function("long_line_16_byte_reads", |b| {
        b.iter(|| {
            let mut framer = Framer::new();
            let mut count = 0;
            for piece in black_box(&long).chunks(16) {
                framer.feed(piece);
                while framer.advance().is_some() {
                    count += 1;
                }
            }
            assert_eq!(count, 1);
        })
    });
    group.finish();
}

fn typed_decoding(c: &mut Criterion) {
    // Keep only the events the spec knows, so that this measures typed decoding.
    let all = event_stream(2000);
    let mut known = Vec::new();
    frame_all(&all, |f| {
        let m = f.message().unwrap();
        if !matches!(Event::from_event(&m), Ok(Event::Unknown(_)) | Err(_)) {
            known.extend_from_slice(m.as_str().as_bytes());
        }
    });
    assert!(!known.is_empty());
    let mut group = c.benchmark_group("typed_decoding");
    group.throughput(Throughput::Bytes(known.len() as u64));
    group.bench_function("frame_and_decode_known_events", |b| {
        b.iter(|| {
            frame_all(black_box(&known), |f| {
                let event: Event = f.message().unwrap().decode_event().unwrap();
                black_box(event);
            })
        })
    });
    // The same, from messages already framed and owned: the cost of the
    // typed decoding alone (the derives and the generated structs).
    let mut owned = Vec::new();
    frame_all(&known, |f| owned.push(f.message().unwrap().to_message()));
    group.bench_function("decode_known_events_only", |b| {
        b.iter(|| {
            for msg in &owned {
                black_box(Event::from_event(black_box(msg)).unwrap());
            }
        })
    });
    group.finish();
}

fn encoding(c: &mut Criterion) {
    let ping = PingAction::new();
    let hangup = HangupAction::new("PJSIP/alice-00000001").with_cause(16);
    let originate = OriginateAction::new("PJSIP/alice")
        .with_exten("2002")
        .with_context("from-internal")
        .with_priority("1")
        .with_timeout(30_000)
        .with_caller_id("Alice <1001>")
        .with_async_(true)
        .with_variable(vec![
            Var::new("CDR(userfield)", "bench"),
            Var::new("X", "1"),
        ]);
    let mut group = c.benchmark_group("encoding");
    group.throughput(Throughput::Elements(3));
    group.bench_function("ping_hangup_originate", |b| {
        let mut out = Vec::with_capacity(1024);
        b.iter(|| {
            out.clear();
            encode_action(black_box(&ping), Some("1"), &mut out).unwrap();
            encode_action(black_box(&hangup), Some("2"), &mut out).unwrap();
            encode_action(black_box(&originate), Some("3"), &mut out).unwrap();
            black_box(out.len())
        })
    });
    group.finish();
}

fn pipelined_ping(c: &mut Criterion) {
    const PINGS: usize = 100_000;
    const IN_FLIGHT: usize = 512;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (server, client) = runtime.block_on(async {
        let server = MockServer::builder()
            .user("bench", "bench")
            .start()
            .await
            .unwrap();
        let client: Client<RawEvent> = Client::builder("bench", "bench")
            .keepalive(None)
            .reconnect(None)
            .connect_tcp(server.addr().to_string())
            .await
            .unwrap();
        (server, client)
    });
    let client = Arc::new(client);
    let mut group = c.benchmark_group("pipelined_ping");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.throughput(Throughput::Elements(PINGS as u64));
    group.bench_function("100k_pings_loopback_mock", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let client = client.clone();
                total += runtime.block_on(async move {
                    let start = Instant::now();
                    let mut workers = Vec::new();
                    for w in 0..IN_FLIGHT {
                        let client = client.clone();
                        let n = PINGS / IN_FLIGHT + usize::from(w < PINGS % IN_FLIGHT);
                        workers.push(tokio::spawn(async move {
                            for _ in 0..n {
                                client.send(&PingAction::new()).await.unwrap();
                            }
                        }));
                    }
                    for w in workers {
                        w.await.unwrap();
                    }
                    start.elapsed()
                });
            }
            total
        })
    });
    group.finish();
    drop(client);
    drop(server);
}

criterion_group!(benches, framing, typed_decoding, encoding, pipelined_ping);
criterion_main!(benches);
