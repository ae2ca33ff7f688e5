//! One case of the peer benchmark, repeated, for a profiler:
//! `cargo run --release -p ami-bench --example profile -- <framing|typed|bound|encode> [rounds]`
//! (for instance under `perf record`), on the shared corpus x200.

use std::hint::black_box;

use ami_bench::{corpus_stream, frame_stream, split_lines, workspace_root, BenchActions, CHUNK};
use ami_generated::Event;
use ami_runtime::wire::FromEvent;

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "typed".to_owned());
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(20);
    let mut start = std::time::Instant::now();
    let mut bytes = 0usize;
    if case == "encode" {
        let actions = BenchActions::new();
        let mut out = Vec::new();
        for _ in 0..rounds * 1_000_000 {
            black_box((actions.encode(&mut out), out.len()));
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
