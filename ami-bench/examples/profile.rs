//! One case of the peer benchmark, repeated, for a profiler:
//! `cargo run --release -p ami-bench --example profile -- <framing|typed|bound|encode> [rounds]`
//! (for instance under `perf record`), on the shared corpus x200.

use std::hint::black_box;

use ami_bench::{corpus_stream, frame_stream, split_lines, workspace_root, CHUNK};
use ami_generated::channel::{HangupAction, OriginateAction};
use ami_generated::manager::PingAction;
use ami_generated::Event;
use ami_runtime::wire::{encode_action, FromEvent, Var};

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "typed".to_owned());
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(20);
    let mut start = std::time::Instant::now();
    let mut bytes = 0usize;
    if case == "encode" {
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
        let mut out = Vec::new();
        for _ in 0..rounds * 1_000_000 {
            out.clear();
            let ok = encode_action(black_box(&ping), Some("1"), &mut out).is_ok()
                && encode_action(black_box(&hangup), Some("2"), &mut out).is_ok()
                && encode_action(black_box(&originate), Some("3"), &mut out).is_ok();
            black_box((ok, out.len()));
        }
        let secs = start.elapsed().as_secs_f64();
        println!("{:.2} M actions/s", 3.0 * rounds as f64 / secs);
        return;
    }
    let stream = match corpus_stream(&workspace_root()) {
        Ok(Some(stream)) => stream,
        other => {
            eprintln!("corpus not available: {other:?}");
            std::process::exit(2);
        }
    };
    start = std::time::Instant::now();
    for _ in 0..rounds {
        bytes += stream.len();
        let n = match case.as_str() {
            "bound" => split_lines(&stream, CHUNK),
            "framing" => frame_stream(&stream, CHUNK, |m| {
                black_box(m.headers().len());
            }),
            _ => frame_stream(&stream, CHUNK, |m| {
                black_box(Event::from_event(m).ok());
            }),
        };
        black_box(n);
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{case}: {:.2} GB/s", bytes as f64 / secs / 1e9);
}
