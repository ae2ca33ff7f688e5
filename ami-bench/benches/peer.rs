//! This project against `asterisk-rs-ami` 0.8 and the bare line-split
//! bound, in one run, on the same bytes fed in the same reads.
//!
//! Streams: the shared corpus (`../shared/corpora/wazo-ami-messages.txt`
//! from the workspace root, LF made CRLF, repeated 200 times in memory;
//! skipped with a message when absent) and the events of the spec's wire
//! examples (repeated to a similar size). Each is fed in 16 KiB reads.
//!
//! Measures, per stream: the bound (`memchr` line split), framing with the
//! headers parsed (our `Framer`; the peer's `AmiCodec`), and typed decoding
//! (framing plus `ami_generated::Event`; the peer's codec plus
//! `AmiEvent::from_raw`), with the allocations per message counted by the
//! counting global allocator. Then encoding Ping + Hangup + Originate.
//!
//! Criterion measures each case; a table follows, the median of 5
//! interleaved rounds of every case, with ratios to the peer and to the
//! bound. With `AMI_BENCH_TABLE_ONLY=1` the table alone is printed.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ami_bench::{
    corpus_stream, frame_stream, spec_example_stream, split_lines, workspace_root, AllocCount,
    BenchActions, CountingAlloc, CHUNK, CORPUS_PATH,
};
use ami_generated::Event;
use ami_runtime::wire::FromEvent;
use asterisk_rs_ami::action::AmiAction;
use asterisk_rs_ami::{AmiCodec, AmiEvent, RawAmiMessage};
use bytes::BytesMut;
use criterion::{Criterion, Throughput};
use tokio_util::codec::{Decoder, Encoder};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

const ROUNDS: usize = 5;
/// Iterations of the three actions per timed encoding run.
const ENCODE_ITERS: usize = 200_000;

// ---- the cases: each runs over a whole stream and returns messages seen ----

fn bound(stream: &[u8]) -> usize {
    split_lines(stream, CHUNK)
}

fn ours_framing(stream: &[u8]) -> usize {
    frame_stream(stream, CHUNK, |m| {
        black_box(m.headers().len());
    })
}

fn ours_typed(stream: &[u8]) -> usize {
    frame_stream(stream, CHUNK, |m| {
        black_box(Event::from_event(m).ok());
    })
}

/// Feed the peer's codec like its connection does: append each read to a
/// `BytesMut` and decode every complete message.
fn peer_frames(stream: &[u8], mut each: impl FnMut(RawAmiMessage)) -> usize {
    let mut codec = AmiCodec::new();
    let mut buf = BytesMut::with_capacity(2 * CHUNK);
    let mut count = 0;
    for part in stream.chunks(CHUNK) {
        buf.extend_from_slice(part);
        while let Ok(Some(message)) = codec.decode(&mut buf) {
            each(message);
            count += 1;
        }
    }
    count
}

fn peer_framing(stream: &[u8]) -> usize {
    peer_frames(stream, |m| {
        black_box(m);
    })
}

fn peer_typed(stream: &[u8]) -> usize {
    peer_frames(stream, |m| {
        black_box(AmiEvent::from_raw(&m));
    })
}

fn ours_encode(actions: &BenchActions, out: &mut Vec<u8>, iters: usize) -> usize {
    for _ in 0..iters {
        black_box((actions.encode(out), out.len()));
    }
    3 * iters
}

struct PeerActions {
    ping: asterisk_rs_ami::action::PingAction,
    hangup: asterisk_rs_ami::action::HangupAction,
    originate: asterisk_rs_ami::action::OriginateAction,
}

fn peer_actions() -> PeerActions {
    use asterisk_rs_ami::action as peer;
    PeerActions {
        ping: peer::PingAction,
        hangup: peer::HangupAction::new("PJSIP/alice-00000001").cause(16),
        originate: peer::OriginateAction::new("PJSIP/alice")
            .extension("2002")
            .context("from-internal")
            .priority(1)
            .timeout_ms(30_000)
            .caller_id("Alice <1001>")
            .async_originate(true)
            .variable("CDR(userfield)", "bench")
            .variable("X", "1"),
    }
}

/// The peer's send path: the action to a message (it draws an ActionID),
/// then the codec to bytes.
fn peer_encode(actions: &PeerActions, out: &mut BytesMut, iters: usize) -> usize {
    let mut codec = AmiCodec::new();
    for _ in 0..iters {
        out.clear();
        let ok = codec
            .encode(black_box(&actions.ping).to_message().1, out)
            .is_ok()
            && codec
                .encode(black_box(&actions.hangup).to_message().1, out)
                .is_ok()
            && codec
                .encode(black_box(&actions.originate).to_message().1, out)
                .is_ok();
        black_box((ok, out.len()));
    }
    3 * iters
}

// ---- the table ----

/// One stream case of the table.
struct StreamCase {
    name: &'static str,
    run: fn(&[u8]) -> usize,
}

const STREAM_CASES: [StreamCase; 5] = [
    StreamCase {
        name: "bound",
        run: bound,
    },
    StreamCase {
        name: "ours_framing",
        run: ours_framing,
    },
    StreamCase {
        name: "peer_framing",
        run: peer_framing,
    },
    StreamCase {
        name: "ours_typed",
        run: ours_typed,
    },
    StreamCase {
        name: "peer_typed",
        run: peer_typed,
    },
];

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn counted<T>(f: impl FnOnce() -> T) -> (T, AllocCount) {
    let before = ALLOC.snapshot();
    let out = f();
    (out, ALLOC.snapshot().since(before))
}

fn gbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e9
}

fn table_for_stream(label: &str, stream: &[u8]) {
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); STREAM_CASES.len()];
    let mut counts = vec![0usize; STREAM_CASES.len()];
    for _ in 0..ROUNDS {
        for (i, case) in STREAM_CASES.iter().enumerate() {
            let start = Instant::now();
            counts[i] = black_box((case.run)(black_box(stream)));
            times[i].push(start.elapsed());
        }
    }
    let medians: Vec<Duration> = times.into_iter().map(median).collect();
    // Allocations of one more pass of each case, outside the timed rounds.
    let allocs: Vec<AllocCount> = STREAM_CASES
        .iter()
        .map(|case| counted(|| black_box((case.run)(stream))).1)
        .collect();
    let messages = counts[1];
    let typed = {
        let mut typed = 0usize;
        frame_stream(stream, CHUNK, |m| {
            typed += usize::from(
                matches!(Event::from_event(m), Ok(e) if !matches!(e, Event::Unknown(_))),
            );
        });
        typed
    };
    println!();
    println!(
        "## {label}: {:.1} MB, {messages} messages ({typed} of a type the spec knows), {} KiB reads, median of {ROUNDS} interleaved rounds",
        stream.len() as f64 / 1e6,
        CHUNK / 1024
    );
    println!("| case | GB/s | M msg/s | vs bound | allocs/msg | bytes/msg |");
    println!("|---|---|---|---|---|---|");
    for (i, case) in STREAM_CASES.iter().enumerate() {
        let per = |x: u64| x as f64 / messages as f64;
        println!(
            "| {} | {:.2} | {:.2} | {:.0}% | {:.2} | {:.0} |",
            case.name,
            gbps(stream.len(), medians[i]),
            messages as f64 / medians[i].as_secs_f64() / 1e6,
            100.0 * medians[0].as_secs_f64() / medians[i].as_secs_f64(),
            per(allocs[i].allocs),
            per(allocs[i].bytes),
        );
    }
    if counts[2] != messages {
        println!("(the peer framed {} messages)", counts[2]);
    }
    println!(
        "ratios ours/peer: framing {:.1}x, typed {:.1}x",
        medians[2].as_secs_f64() / medians[1].as_secs_f64(),
        medians[4].as_secs_f64() / medians[3].as_secs_f64(),
    );
}

fn table_for_encoding() {
    let ours = BenchActions::new();
    let peer = peer_actions();
    let mut out = Vec::with_capacity(1024);
    let mut peer_out = BytesMut::with_capacity(1024);
    // Warm the buffers, then count a steady-state run.
    ours_encode(&ours, &mut out, 10);
    peer_encode(&peer, &mut peer_out, 10);
    let (n, ours_allocs) = counted(|| ours_encode(&ours, &mut out, 1000));
    let (_, peer_allocs) = counted(|| peer_encode(&peer, &mut peer_out, 1000));
    let (mut t_ours, mut t_peer) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let start = Instant::now();
        ours_encode(&ours, &mut out, ENCODE_ITERS);
        t_ours.push(start.elapsed());
        let start = Instant::now();
        peer_encode(&peer, &mut peer_out, ENCODE_ITERS);
        t_peer.push(start.elapsed());
    }
    let (m_ours, m_peer) = (median(t_ours), median(t_peer));
    let rate = |d: Duration| (3 * ENCODE_ITERS) as f64 / d.as_secs_f64() / 1e6;
    println!();
    println!("## encoding Ping + Hangup + Originate, reused output buffer, median of {ROUNDS} interleaved rounds");
    println!("| case | M actions/s | allocs/action | bytes/action |");
    println!("|---|---|---|---|");
    for (name, d, a) in [("ours", m_ours, ours_allocs), ("peer", m_peer, peer_allocs)] {
        println!(
            "| {name} | {:.1} | {:.2} | {:.0} |",
            rate(d),
            a.allocs as f64 / n as f64,
            a.bytes as f64 / n as f64
        );
    }
    println!(
        "ratio ours/peer: {:.1}x",
        m_peer.as_secs_f64() / m_ours.as_secs_f64()
    );
}

// ---- criterion ----

fn criterion_stream(c: &mut Criterion, label: &str, stream: &[u8]) {
    let mut group = c.benchmark_group(label);
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    for case in &STREAM_CASES {
        group.bench_function(case.name, |b| b.iter(|| (case.run)(black_box(stream))));
    }
    group.finish();
}

fn criterion_encoding(c: &mut Criterion) {
    let ours = BenchActions::new();
    let peer = peer_actions();
    let mut group = c.benchmark_group("encoding");
    group.throughput(Throughput::Elements(3));
    group.bench_function("ours", |b| {
        let mut out = Vec::with_capacity(1024);
        b.iter(|| ours_encode(&ours, &mut out, 1))
    });
    group.bench_function("peer", |b| {
        let mut out = BytesMut::with_capacity(1024);
        b.iter(|| peer_encode(&peer, &mut out, 1))
    });
    group.finish();
}

fn main() {
    let table_only = std::env::var_os("AMI_BENCH_TABLE_ONLY").is_some();
    let root = workspace_root();
    let corpus = match corpus_stream(&root) {
        Ok(Some(stream)) => Some(stream),
        Ok(None) => {
            println!(
                "corpus {CORPUS_PATH} not found from {}: its rows are skipped",
                root.display()
            );
            None
        }
        Err(e) => {
            println!("corpus unreadable, its rows are skipped: {e}");
            None
        }
    };
    let min_len = corpus.as_ref().map_or(24_000_000, Vec::len);
    let examples = match spec_example_stream(&root, min_len) {
        Ok(stream) => stream,
        Err(e) => {
            println!("spec examples unreadable: {e}");
            return;
        }
    };
    if !table_only {
        let mut c = Criterion::default().configure_from_args();
        if let Some(corpus) = &corpus {
            criterion_stream(&mut c, "corpus_x200", corpus);
        }
        criterion_stream(&mut c, "spec_examples", &examples);
        criterion_encoding(&mut c);
        c.final_summary();
    }
    if let Some(corpus) = &corpus {
        table_for_stream("shared corpus x200", corpus);
    }
    table_for_stream("spec example events", &examples);
    table_for_encoding();
}
