//! One case of the peer benchmark, repeated, for a profiler:
//! `cargo run --release -p ami-bench --example profile -- <case> [rounds]`
//! (for instance under `perf record`). Cases: `framing`, `typed`, `bound`
//! on the shared corpus x200; `framing-examples`, `typed-examples`,
//! `bound-examples` on the spec-example stream of the same length (as the
//! peer benchmark builds it); `encode`.

use std::hint::black_box;

use ami_bench::{
    corpus_stream, frame_stream, spec_example_stream, split_lines, workspace_root, BenchActions,
    CHUNK,
};
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
    let root = workspace_root();
    let corpus = match corpus_stream(&root) {
        Ok(Some(stream)) => stream,
        other => {
            eprintln!("corpus not available: {other:?}");
            std::process::exit(2);
        }
    };
    let (stream, kind) = match case.strip_suffix("-examples") {
        Some(kind) => match spec_example_stream(&root, corpus.len()) {
            Ok(stream) => (stream, kind),
            Err(e) => {
                eprintln!("spec examples not available: {e}");
                std::process::exit(2);
            }
        },
        None => (corpus, case.as_str()),
    };
    start = std::time::Instant::now();
    for _ in 0..rounds {
        bytes += stream.len();
        let n = match kind {
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
