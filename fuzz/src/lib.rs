//! What the targets share: chunkings of one input and owned summaries of
//! what came out, so that runs over different chunkings can be compared.

use ami_runtime::proto::{Frame, Framer, Limits};

/// Small limits, so that the fuzzer reaches them.
pub const LIMITS: Limits = Limits {
    max_message_bytes: 4096,
    max_headers: 64,
};

/// Ends whatever message, list or command output the input left open, then
/// sends one event: whatever came before, framing must deliver it.
pub const RECOVERY: &[u8] =
    b"\r\n--END COMMAND--\r\n\r\n\r\nEvent: Recovered\r\nActionID: none\r\n\r\n";

/// The input split three ways: whole, byte by byte, and in chunks whose
/// sizes come from the input itself (1 to 64 bytes).
pub fn chunkings(data: &[u8]) -> Vec<Vec<&[u8]>> {
    let whole = vec![data];
    let bytes = data.chunks(1).collect();
    let mut random = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < data.len() {
        let size = 1 + usize::from(data[i % data.len()] % 64);
        let end = (at + size).min(data.len());
        random.push(&data[at..end]);
        at = end;
        i += 7;
    }
    vec![whole, bytes, random]
}

/// One frame, owned.
pub fn summary(frame: &Frame<'_>) -> String {
    match frame {
        Frame::Banner(b) => format!("banner {b:?}"),
        Frame::Message(m) => format!("message {:?}", m.to_message()),
        Frame::Error(e) => format!("error {:?} line {:?}", e.kind, e.line),
    }
}

/// Frame `pieces` (then the recovery bytes) with the fuzzing limits and
/// return every frame, checking the memory bound after each read.
pub fn frame_pieces(pieces: &[&[u8]], raw_text: bool) -> Vec<String> {
    let mut framer = Framer::with_limits(LIMITS);
    framer.set_raw_text_expected(raw_text);
    let mut out = Vec::new();
    for piece in pieces.iter().copied().chain([RECOVERY]) {
        framer.feed(piece);
        while let Some(frame) = framer.next_frame() {
            out.push(summary(&frame));
        }
        assert!(
            framer.buffered() <= LIMITS.max_message_bytes + piece.len() + RECOVERY.len(),
            "{} bytes buffered",
            framer.buffered()
        );
    }
    out
}
