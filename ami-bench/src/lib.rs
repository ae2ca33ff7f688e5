//! Inputs and measuring tools of the peer benchmark (`benches/peer.rs`).
//!
//! The benchmark compares, in one process and on the same bytes fed the
//! same way (reads of [`CHUNK`] bytes), this project's framer and typed
//! decoding with the `asterisk-rs-ami` crate and with the bare bound of
//! splitting the stream into lines with `memchr`. This library holds what
//! the benchmark and its tests share: the two input streams, the counting
//! allocator and the feeding loops of this project and of the bound.
//!
//! Run with `cargo bench -p ami-bench`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::{Path, PathBuf};

use ami_generated::channel::{HangupAction, OriginateAction};
use ami_generated::manager::PingAction;
use ami_runtime::proto::{Framer, Produced, RawMessage};
use ami_runtime::wire::{encode_action, Var};

/// Size of one simulated socket read.
pub const CHUNK: usize = 16 * 1024;

/// How many times the shared corpus is repeated in memory.
pub const CORPUS_REPEAT: usize = 200;

/// The banner the server sends first (the peer's codec requires it).
pub const BANNER: &[u8] = b"Asterisk Call Manager/7.0.3\r\n";

/// The shared corpus, relative to the workspace root.
pub const CORPUS_PATH: &str = "../shared/corpora/wazo-ami-messages.txt";

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Text with every line ending made `\r\n` (bare `\n` and existing `\r\n`
/// alike), ending with a blank line so that its last message is complete.
pub fn to_crlf(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 8);
    for line in text.lines() {
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !out.ends_with(b"\r\n\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The banner followed by `body` repeated `times` times.
pub fn repeated(body: &[u8], times: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(BANNER.len() + body.len() * times);
    out.extend_from_slice(BANNER);
    for _ in 0..times {
        out.extend_from_slice(body);
    }
    out
}

/// The shared corpus (a real call's events, as published with the
/// xivo-amid benchmark), made CRLF and repeated [`CORPUS_REPEAT`] times
/// after the banner; `Ok(None)` when the file is absent.
pub fn corpus_stream(root: &Path) -> Result<Option<Vec<u8>>, String> {
    let path = root.join(CORPUS_PATH);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(repeated(&to_crlf(&text), CORPUS_REPEAT))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Every event of the wire examples of `spec/*.toml` (the `events` of each
/// `[[action.example]]`), in file order, each made CRLF and ended by a
/// blank line.
pub fn spec_example_events(root: &Path) -> Result<Vec<Vec<u8>>, String> {
    let dir = root.join("spec");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut events = Vec::new();
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let doc: toml::Table = text
            .parse()
            .map_err(|e| format!("{}: {e}", file.display()))?;
        let actions = doc.get("action").and_then(toml::Value::as_array);
        for action in actions.into_iter().flatten() {
            let examples = action.get("example").and_then(toml::Value::as_array);
            for example in examples.into_iter().flatten() {
                let texts = example.get("events").and_then(toml::Value::as_array);
                for event in texts.into_iter().flatten().filter_map(toml::Value::as_str) {
                    events.push(to_crlf(event));
                }
            }
        }
    }
    Ok(events)
}

/// The events of the spec's wire examples, concatenated and repeated until
/// the stream holds at least `min_len` bytes, after the banner.
pub fn spec_example_stream(root: &Path, min_len: usize) -> Result<Vec<u8>, String> {
    let events = spec_example_events(root)?;
    let body: Vec<u8> = events.concat();
    if body.is_empty() {
        return Err(format!(
            "{}: no example events",
            root.join("spec").display()
        ));
    }
    Ok(repeated(&body, min_len.div_ceil(body.len())))
}

/// The bare bound of a framer: copy each read of `chunk` bytes into a
/// reused buffer (as `Framer::feed` does), split what it holds into lines
/// with `memchr`, and carry the unfinished line over to the next read.
/// Returns the number of lines.
pub fn split_lines(stream: &[u8], chunk: usize) -> usize {
    let mut buf = Vec::with_capacity(2 * chunk);
    let mut lines = 0;
    for part in stream.chunks(chunk) {
        buf.extend_from_slice(part);
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', &buf) {
            std::hint::black_box(&buf[start..end]);
            lines += 1;
            start = end + 1;
        }
        buf.drain(..start);
    }
    lines
}

/// Frame the stream with this project's [`Framer`], fed in reads of
/// `chunk` bytes, calling `each` on every message. Returns the number of
/// messages.
pub fn frame_stream(stream: &[u8], chunk: usize, mut each: impl FnMut(&RawMessage<'_>)) -> usize {
    let mut framer = Framer::new();
    let mut count = 0;
    for part in stream.chunks(chunk) {
        framer.feed(part);
        while let Some(produced) = framer.advance() {
            if produced == Produced::Message {
                if let Some(message) = framer.message() {
                    each(&message);
                    count += 1;
                }
            }
        }
    }
    count
}

/// The actions every encoding measure writes: Ping, Hangup with a cause,
/// and an Originate with eight fields and two channel variables.
pub struct BenchActions {
    /// `Ping`.
    pub ping: PingAction,
    /// `Hangup` of a PJSIP channel, cause 16.
    pub hangup: HangupAction,
    /// `Originate` to an extension, with `Variable`s.
    pub originate: OriginateAction,
}

impl BenchActions {
    /// The three actions.
    pub fn new() -> Self {
        BenchActions {
            ping: PingAction::new(),
            hangup: HangupAction::new("PJSIP/alice-00000001").with_cause(16),
            originate: OriginateAction::new("PJSIP/alice")
                .with_exten("2002")
                .with_context("from-internal")
                .with_priority("1")
                .with_timeout(30_000)
                .with_caller_id("Alice <1001>")
                .with_async_(true)
                .with_variable(vec![
                    Var::new("CDR(userfield)", "bench"),
                    Var::new("X", "1"),
                ]),
        }
    }

    /// Clear `out`, then encode the three (ActionIDs 1, 2, 3) into it;
    /// whether all three encoded.
    pub fn encode(&self, out: &mut Vec<u8>) -> bool {
        out.clear();
        encode_action(std::hint::black_box(&self.ping), Some("1"), out).is_ok()
            && encode_action(std::hint::black_box(&self.hangup), Some("2"), out).is_ok()
            && encode_action(std::hint::black_box(&self.originate), Some("3"), out).is_ok()
    }
}

impl Default for BenchActions {
    fn default() -> Self {
        BenchActions::new()
    }
}

/// A global allocator that counts allocations (and reallocations) and the
/// bytes they ask for, over the system allocator. Install it in a binary
/// with `#[global_allocator]` and read it with [`CountingAlloc::snapshot`].
///
/// Counts are kept per thread: a snapshot sees the allocations of the
/// thread that takes it, never those of another thread that happens to run
/// meanwhile (the test harness's main thread, for one).
pub struct CountingAlloc {
    _private: (),
}

/// Allocations counted so far by a [`CountingAlloc`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocCount {
    /// Calls to `alloc` and `realloc`.
    pub allocs: u64,
    /// Bytes asked for by those calls.
    pub bytes: u64,
}

impl AllocCount {
    /// What was counted between `earlier` and `self`.
    pub fn since(self, earlier: AllocCount) -> AllocCount {
        AllocCount {
            allocs: self.allocs - earlier.allocs,
            bytes: self.bytes - earlier.bytes,
        }
    }
}

thread_local! {
    // `const` initialisers and `Copy` contents: no lazy initialisation and
    // no destructor, so the allocator may touch them at any time.
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
}

impl CountingAlloc {
    /// A counter at zero.
    pub const fn new() -> Self {
        CountingAlloc { _private: () }
    }

    /// The counts of the calling thread so far.
    pub fn snapshot(&self) -> AllocCount {
        AllocCount {
            allocs: ALLOCS.with(Cell::get),
            bytes: BYTES.with(Cell::get),
        }
    }

    fn count(&self, size: usize) {
        // `try_with`: a thread being torn down still allocates.
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        let _ = BYTES.try_with(|c| c.set(c.get() + size as u64));
    }
}

impl Default for CountingAlloc {
    fn default() -> Self {
        CountingAlloc::new()
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are thread-local cells that never allocate.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.count(layout.size());
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.count(layout.size());
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.count(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ami_generated::Event;
    use ami_runtime::wire::FromEvent;

    #[test]
    fn crlf_conversion_ends_every_line_and_the_message() {
        assert_eq!(to_crlf("A: 1\nB: 2\n"), b"A: 1\r\nB: 2\r\n\r\n");
        assert_eq!(to_crlf("A: 1\r\n\r\nB: 2"), b"A: 1\r\n\r\nB: 2\r\n\r\n");
    }

    #[test]
    fn line_split_counts_every_line_across_reads() {
        let stream = repeated(b"Event: X\r\nA: b\r\n\r\n", 1000);
        assert_eq!(split_lines(&stream, 7), 1 + 3 * 1000);
    }

    #[test]
    fn spec_example_stream_is_framed_whole_and_every_event_is_typed() {
        let root = workspace_root();
        let events = spec_example_events(&root).unwrap();
        assert!(events.len() > 50, "only {} example events", events.len());
        let stream = spec_example_stream(&root, 1 << 20).unwrap();
        let repeats = (stream.len() - BANNER.len()) / events.concat().len();
        let mut untyped = Vec::new();
        let framed = frame_stream(&stream, 1000, |m| {
            if !matches!(Event::from_event(m), Ok(e) if !matches!(e, Event::Unknown(_))) {
                untyped.push(m.as_str().lines().next().unwrap_or("").to_owned());
            }
        });
        assert_eq!(framed, events.len() * repeats);
        assert!(untyped.is_empty(), "not typed: {untyped:?}");
    }

    #[test]
    fn corpus_is_found_or_reported_absent() {
        let missing = Path::new("/nonexistent-ami-bench-root/x");
        assert_eq!(corpus_stream(missing), Ok(None));
        if let Some(stream) = corpus_stream(&workspace_root()).unwrap() {
            let framed = frame_stream(&stream, CHUNK, |_| {});
            assert_eq!(framed % CORPUS_REPEAT, 0);
            assert!(framed >= CORPUS_REPEAT * 200, "{framed} messages");
        }
    }
}
