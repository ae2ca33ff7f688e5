//! Framing: bytes in, frames out.
//!
//! AMI is line based: a message is a run of `Name: Value` lines ended by a
//! blank line, with `\r\n` or bare `\n` line endings. Three exceptions live
//! here and nowhere else:
//!
//! * the banner, one line (`Asterisk Call Manager/5.0.1`) sent on connect,
//!   with no blank line after it;
//! * Asterisk 13 command output: after `Response: Follows`, raw lines (blank
//!   ones included) up to a line ending in `--END COMMAND--`;
//! * raw text replies with no header at all (the `Queues` action), whose
//!   text holds single blank lines and ends with two of them when the
//!   connection said such a reply is awaited
//!   ([`Framer::set_raw_text_expected`]).
//!
//! The framer scans each line once, however the bytes are split across
//! reads, and decodes UTF-8 once per message, never per read, so a
//! multi-byte character split across reads survives. Limits keep memory
//! bounded: a message over [`Limits::max_message_bytes`] or with more than
//! [`Limits::max_headers`] headers yields a [`FrameError`] at once, and
//! what is left of it is skipped, without being buffered, up to the next
//! blank line, where framing resumes.

use std::fmt;

use bytes::{Buf, Bytes, BytesMut};
use memchr::memchr;

use super::raw::{RawMessage, Span};

/// Bounds on what a peer can make the framer hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest message, in bytes, line endings included.
    pub max_message_bytes: usize,
    /// Most headers in one message.
    pub max_headers: usize,
}

impl Limits {
    /// 4 MiB and 65,536 headers: room for the `GetConfig` of a large
    /// dialplan or the output of a busy `core show channels`.
    pub const DEFAULT: Limits = Limits {
        max_message_bytes: 4 << 20,
        max_headers: 65_536,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// A message the framer could not deliver as is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FrameError {
    /// What was wrong.
    pub kind: FrameErrorKind,
    /// Offset in the byte stream of the first byte of the message.
    pub offset: u64,
    /// The 1-based line of the message where the problem was found, when
    /// it is tied to one line.
    pub line: Option<u32>,
    /// The `ActionID` of the message, when one was read before the problem:
    /// lets the connection fail the action it belongs to instead of
    /// leaving it waiting.
    pub action_id: Option<String>,
}

/// The reason a message was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameErrorKind {
    /// The message is larger than the limit; it was skipped up to the next
    /// blank line.
    TooLarge {
        /// The limit in force, in bytes.
        limit: usize,
    },
    /// The message has more headers than the limit; it was skipped up to
    /// the next blank line.
    TooManyHeaders {
        /// The limit in force.
        limit: usize,
    },
    /// A line of a headed message is not a `Name: Value` header; the message
    /// was skipped up to the next blank line.
    Malformed {
        /// The offending line (lossily decoded, cut to 120 characters).
        content: String,
    },
    /// The message (or banner) is not valid UTF-8. It is still delivered,
    /// right after this error, with each invalid sequence replaced by U+FFFD.
    InvalidUtf8 {
        /// Offset, within the message, of the first invalid byte.
        valid_up_to: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "message at byte {}", self.offset)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        match &self.kind {
            FrameErrorKind::TooLarge { limit } => write!(
                f,
                ": larger than the limit of {limit} bytes; skipped up to the next blank line"
            ),
            FrameErrorKind::TooManyHeaders { limit } => write!(
                f,
                ": more than {limit} headers; skipped up to the next blank line"
            ),
            FrameErrorKind::Malformed { content } => write!(
                f,
                ": not a `Name: Value` header: {content:?}; message skipped up to the next blank line"
            ),
            FrameErrorKind::InvalidUtf8 { valid_up_to } => write!(
                f,
                ": invalid UTF-8 at byte {valid_up_to} of the message; delivered with U+FFFD replacements"
            ),
        }
    }
}

impl std::error::Error for FrameError {}

/// One item out of the framer.
#[derive(Debug)]
pub enum Frame<'a> {
    /// The greeting line, e.g. `Asterisk Call Manager/5.0.1`.
    Banner(&'a str),
    /// A complete message.
    Message(RawMessage<'a>),
    /// A message that was refused (or, for invalid UTF-8, is delivered next
    /// in a repaired form).
    Error(FrameError),
}

/// What [`Framer::advance`] produced; the data is read through
/// [`Framer::banner`] and [`Framer::message`]. Unlike [`Frame`] it holds no
/// borrow, which lets a state machine look at the framer and at its own
/// fields in the same loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Produced {
    /// A banner line: see [`Framer::banner`].
    Banner,
    /// A message: see [`Framer::message`].
    Message,
    /// A refused message.
    Error(FrameError),
}

#[cfg(test)]
thread_local! {
    /// Bytes searched for line ends on this thread, for the tests that prove
    /// each byte is searched once however the input is split.
    pub(crate) static SEARCHED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

const BANNER_PREFIX: &[u8] = b"Asterisk Call Manager/";
const END_COMMAND: &[u8] = b"--END COMMAND--";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Mode {
    /// No line of the message seen yet.
    #[default]
    Start,
    /// `Name: Value` lines.
    Headers,
    /// After `Response: Follows`, before the first text line.
    FollowsHead,
    /// Inside command text, up to `--END COMMAND--`.
    FollowsText,
    /// Headerless text; `blank` is set after a single blank line.
    Text { blank: bool },
}

/// Incremental state of the message being scanned; offsets are relative
/// to the start of the message.
#[derive(Clone, Debug, Default)]
struct Scanner {
    /// Start of the next line to scan.
    pos: usize,
    /// Bytes after `pos` already searched for a line end without finding
    /// one: the next read resumes the search there, so a long line arriving
    /// in small reads is searched once, not once per read.
    searched: usize,
    /// Lines scanned so far.
    line: u32,
    /// Whether a byte at or above 0x80 was read: if not, every byte of the
    /// message up to where scanning stopped is ASCII, hence valid UTF-8.
    /// (Scanning reads whole 64-byte blocks, past the line end it looks
    /// for, so this may also see bytes of the next message: the error is
    /// only ever on the side of validating.)
    non_ascii: bool,
    mode: Mode,
    text_start: usize,
    /// Start of the last blank line inside raw text.
    blank_start: usize,
    text: Option<(u32, u32)>,
}

/// What one scanning step found.
enum Step {
    /// No complete message yet.
    NeedMore,
    /// Leading blank line(s): drop this many bytes.
    Skip(usize),
    /// A banner line, `end` bytes long with its line ending, text up to `text_end`.
    Banner { end: usize, text_end: usize },
    /// A complete message of `end` bytes.
    Complete { end: usize },
    /// A refused message.
    Refused {
        kind: FrameErrorKind,
        line: Option<u32>,
        resume: Resume,
    },
}

/// A line as [`Scanner::header_run`] sees it.
enum Line {
    /// A header, taken.
    Header(Span),
    /// The blank line that ends the message.
    Blank,
    /// Anything else: left to the general loop.
    Other,
}

/// Where framing resumes after a refused message.
enum Resume {
    /// The message ended exactly here (its blank line was read).
    Done(usize),
    /// Skip from this line start up to the next blank line.
    LineStart(usize),
    /// Skip from here, in the middle of a line, up to the next blank line.
    MidLine(usize),
}

/// Finds successive `\n`s of a buffer 64 bytes at a time: each block is
/// turned into a bitmask of its newlines (a compare the compiler
/// vectorises), and each line end is then a `trailing_zeros` of the mask.
/// Short lines, the usual case, cost a few instructions each instead of a
/// search of their own. The same pass makes a mask of the colons, so that
/// the colon of a header line is a `trailing_zeros` too, and notes bytes
/// that are not ASCII, so that a message found to be ASCII needs no UTF-8
/// validation of its own.
#[derive(Clone, Copy)]
struct Newlines {
    /// Start of the block the masks describe.
    block: usize,
    /// Newlines of the block not returned yet, bit `i` for `block + i`.
    mask: u64,
    /// Colons of the block after the last newline returned, bit `i` for
    /// `block + i`: those of the line the next newline ends, then of the
    /// lines after it.
    colons: u64,
    /// The first colon of that line when it is in a block before `block`
    /// (the line started there), else [`NO_COLON`].
    carry: usize,
    /// Where the search started: colons are known from here on, so for a
    /// line that started before (a line partly searched by an earlier
    /// step) `carry` and `colons` may miss its first colon.
    start: usize,
    /// Nonzero once a byte of the blocks read so far is not ASCII.
    high: u32,
    /// Whether to use the AVX2 block masks ([`wide_blocks`]).
    wide: bool,
}

/// [`Newlines::carry`] when the line has no colon in the blocks before.
const NO_COLON: usize = usize::MAX;

impl Newlines {
    /// A search of `data` from `from` on. `wide`: the result of
    /// [`wide_blocks`].
    fn new(data: &[u8], from: usize, wide: bool) -> Self {
        let masks = block_masks(&data[from.min(data.len())..], wide);
        Newlines {
            block: from,
            mask: masks.newlines,
            colons: masks.colons,
            carry: NO_COLON,
            start: from,
            high: masks.high,
            wide,
        }
    }

    /// Whether every byte read so far (from `from` up to the end of the
    /// last block, or of `data`) is ASCII.
    fn ascii(&self) -> bool {
        self.high == 0
    }

    /// Move to the next block of `data`, if it has one, once every newline
    /// of this one was returned: its colons left (those of the line not
    /// ended yet) go to `carry`. `wide`: the result of [`wide_blocks`].
    #[inline(always)]
    fn next_block_with(&mut self, data: &[u8], wide: bool) -> bool {
        let block = self.block + 64;
        let Some(rest) = data.get(block..).filter(|rest| !rest.is_empty()) else {
            return false;
        };
        let masks = block_masks(rest, wide);
        if self.colons != 0 {
            self.carry = self
                .carry
                .min(self.block + self.colons.trailing_zeros() as usize);
        }
        self.block = block;
        self.mask = masks.newlines;
        self.colons = masks.colons;
        self.high |= masks.high;
        true
    }

    /// The bits of `mask` up to and including its lowest set one
    /// (`blsmsk`): the next newline and the bytes before it in the block.
    #[inline(always)]
    fn upto(&self) -> u64 {
        self.mask ^ self.mask.wrapping_sub(1)
    }

    /// Mark the next newline (the lowest bit of `mask`) returned: the
    /// colons up to it (`upto`, from [`Newlines::upto`]) belong to the
    /// line it ends.
    #[inline(always)]
    fn take(&mut self, upto: u64) {
        self.colons &= !upto;
        self.mask &= self.mask.wrapping_sub(1);
        self.carry = NO_COLON;
    }

    /// The next newline of `data` (the same slice as given to `new`).
    #[inline]
    fn next(&mut self, data: &[u8]) -> Option<usize> {
        loop {
            if self.mask != 0 {
                let at = self.block + self.mask.trailing_zeros() as usize;
                self.take(self.upto());
                return Some(at);
            }
            if !self.next_block_with(data, self.wide) {
                return None;
            }
        }
    }
}

/// The masks of one block: see [`block_masks`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BlockMasks {
    newlines: u64,
    colons: u64,
    /// Nonzero when a byte of the block is at or above 0x80 (not ASCII).
    high: u32,
}

#[cfg(test)]
thread_local! {
    /// Set by the tests that run the SSE2 block masks on a processor with AVX2.
    static FORCE_SSE2: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the AVX2 block masks, and the header run built for AVX2 and
/// BMI1 ([`Scanner::header_run_avx2`]), can run here: detected once per
/// process (the standard library caches the answer), asked once per
/// framer ([`Framer::wide`]).
#[cfg(target_arch = "x86_64")]
#[inline]
fn wide_blocks() -> bool {
    #[cfg(test)]
    if FORCE_SSE2.with(std::cell::Cell::get) {
        return false;
    }
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("bmi1")
}

/// No wide variant off x86-64.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn wide_blocks() -> bool {
    false
}

/// For the first 64 bytes of `data`: bit `i` set where `data[i]` is `\n`,
/// and where it is `:`, and whether a byte is not ASCII. `wide`: the
/// result of [`wide_blocks`].
#[inline(always)]
fn block_masks(data: &[u8], wide: bool) -> BlockMasks {
    match data.first_chunk::<64>() {
        Some(block) => whole_block_masks(block, wide),
        None => portable_block_masks(data),
    }
}

/// [`block_masks`] of at most 64 bytes, a byte at a time: for the last,
/// short block of a buffer, and for whole blocks off x86-64.
fn portable_block_masks(data: &[u8]) -> BlockMasks {
    let (mut newlines, mut colons, mut bits) = (0, 0, 0);
    for (i, &b) in data.iter().take(64).enumerate() {
        newlines |= u64::from(b == b'\n') << i;
        colons |= u64::from(b == b':') << i;
        bits |= b;
    }
    BlockMasks {
        newlines,
        colons,
        high: u32::from(bits & 0x80),
    }
}

/// [`block_masks`] of a whole block: AVX2 when [`wide_blocks`] found it,
/// SSE2 (part of the x86-64 baseline) otherwise.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn whole_block_masks(block: &[u8; 64], wide: bool) -> BlockMasks {
    if wide {
        // SAFETY: `wide` is only set by `wide_blocks`, which detected AVX2.
        unsafe { avx2_block_masks(block) }
    } else {
        sse2_block_masks(block)
    }
}

/// [`block_masks`] of a whole block, portably.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn whole_block_masks(block: &[u8; 64], _wide: bool) -> BlockMasks {
    portable_block_masks(block)
}

/// [`block_masks`] of a whole block with SSE2: 16-byte compares and
/// `movemask`s.
#[cfg(target_arch = "x86_64")]
#[inline]
fn sse2_block_masks(block: &[u8; 64]) -> BlockMasks {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut newlines = 0u64;
    let mut colons = 0u64;
    // SAFETY: SSE2 is part of the x86-64 baseline, so these intrinsics are
    // available on every x86-64 processor; each `lane` is 16 readable
    // bytes, and `loadu` needs no alignment.
    let high = unsafe {
        let newline = _mm_set1_epi8(b'\n' as i8);
        let colon = _mm_set1_epi8(b':' as i8);
        let mut all = _mm_set1_epi8(0);
        for (i, lane) in block.chunks_exact(16).enumerate() {
            let v = _mm_loadu_si128(lane.as_ptr().cast::<__m128i>());
            newlines |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, newline)) as u16) << (16 * i);
            colons |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, colon)) as u16) << (16 * i);
            all = _mm_or_si128(all, v);
        }
        // `movemask` of the bytes themselves: their high bits.
        _mm_movemask_epi8(all)
    };
    BlockMasks {
        newlines,
        colons,
        high: high as u32,
    }
}

/// [`block_masks`] of a whole block with AVX2: the same as
/// [`sse2_block_masks`] in 32-byte halves, half the instructions.
///
/// # Safety
///
/// The processor must have AVX2 ([`wide_blocks`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn avx2_block_masks(block: &[u8; 64]) -> BlockMasks {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_set1_epi8,
    };
    // SAFETY: the caller guarantees AVX2; each half is 32 readable bytes of
    // `block`, and `loadu` needs no alignment.
    unsafe {
        let newline = _mm256_set1_epi8(b'\n' as i8);
        let colon = _mm256_set1_epi8(b':' as i8);
        let low = _mm256_loadu_si256(block.as_ptr().cast::<__m256i>());
        let high = _mm256_loadu_si256(block.as_ptr().add(32).cast::<__m256i>());
        let newlines = u64::from(_mm256_movemask_epi8(_mm256_cmpeq_epi8(low, newline)) as u32)
            | u64::from(_mm256_movemask_epi8(_mm256_cmpeq_epi8(high, newline)) as u32) << 32;
        let colons = u64::from(_mm256_movemask_epi8(_mm256_cmpeq_epi8(low, colon)) as u32)
            | u64::from(_mm256_movemask_epi8(_mm256_cmpeq_epi8(high, colon)) as u32) << 32;
        // `movemask` of the bytes themselves: their high bits.
        let top = _mm256_movemask_epi8(_mm256_or_si256(low, high));
        BlockMasks {
            newlines,
            colons,
            high: top as u32,
        }
    }
}

/// The first `:` or space of `line`. Header names are short, so instead
/// of a SIMD search (whose setup costs more than the search) and a second
/// pass for spaces, this tests 8 bytes at a time for either.
fn colon_or_space(line: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    while let Some(chunk) = line.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let colon = word ^ (ONES * u64::from(b':'));
        let space = word ^ (ONES * u64::from(b' '));
        // A byte of `colon`/`space` is zero where the line has that byte; the
        // lowest flagged byte is exact (borrows only flag bytes above it).
        let found =
            (colon.wrapping_sub(ONES) & !colon & HIGH) | (space.wrapping_sub(ONES) & !space & HIGH);
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    line[at..]
        .iter()
        .position(|&b| b == b':' || b == b' ')
        .map(|p| at + p)
}

/// Whether `data[..end]` holds a space (`end <= data.len()`): for the
/// name of a first line, which is short, in one 16-byte compare when
/// `data` has 16 bytes.
#[inline(always)]
fn has_space(data: &[u8], end: usize) -> bool {
    #[cfg(target_arch = "x86_64")]
    if let Some(head) = data.first_chunk::<16>().filter(|_| end <= 16) {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
        };
        // SAFETY: SSE2 is part of the x86-64 baseline; `head` is 16
        // readable bytes, and `loadu` needs no alignment.
        let spaces = unsafe {
            let v = _mm_loadu_si128(head.as_ptr().cast::<__m128i>());
            _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8))) as u32
        };
        return spaces & ((1u32 << end) - 1) != 0;
    }
    data[..end].contains(&b' ')
}

/// Whether a header is `Response: Follows` (ASCII case ignored), which
/// switches the framer to command text.
#[inline]
fn is_response_follows(name: &[u8], value: &[u8]) -> bool {
    // Setting bit 5 of each byte lowers the case of letters, and of
    // nothing else that could match: every byte of `response` is a letter.
    const LOWER: u64 = 0x2020_2020_2020_2020;
    name.first_chunk::<8>()
        .is_some_and(|name| u64::from_le_bytes(*name) | LOWER == u64::from_le_bytes(*b"response"))
        && name.len() == 8
        && value.eq_ignore_ascii_case(b"Follows")
}

/// Split a line into header name and value offsets (relative to the line):
/// the name runs up to the first `:` and holds no space.
fn split_header(line: &[u8]) -> Option<(usize, usize)> {
    let colon = colon_or_space(line)?;
    if colon == 0 || line[colon] != b':' {
        return None;
    }
    let value = if line.get(colon + 1) == Some(&b' ') {
        colon + 2
    } else {
        colon + 1
    };
    Some((colon, value))
}

/// Like [`split_header`], but the name may hold inner spaces
/// (`Named Callgroup` of chan_sip's `SIPshowpeer`). Only for lines after
/// the first of a headed message: a first line with a space before its
/// colon is raw text (the `Queues` reply).
fn split_spaced_header(line: &[u8]) -> Option<(usize, usize)> {
    split_header(line).or_else(|| {
        let colon = memchr::memchr(b':', line)?;
        let name = &line[..colon];
        if name.first() == Some(&b' ') || name.last() == Some(&b' ') {
            return None;
        }
        let value = if line.get(colon + 1) == Some(&b' ') {
            colon + 2
        } else {
            colon + 1
        };
        Some((colon, value))
    })
}

impl Scanner {
    fn push_header(spans: &mut Vec<Span>, ls: usize, line: &[u8]) -> bool {
        Self::push_split(spans, ls, line, split_header(line))
    }

    fn push_spaced_header(spans: &mut Vec<Span>, ls: usize, line: &[u8]) -> bool {
        Self::push_split(spans, ls, line, split_spaced_header(line))
    }

    fn push_split(
        spans: &mut Vec<Span>,
        ls: usize,
        line: &[u8],
        split: Option<(usize, usize)>,
    ) -> bool {
        match split {
            Some((name_end, value_start)) => {
                let ls = ls as u32;
                spans.push(Span {
                    name: (ls, ls + name_end as u32),
                    value: (ls + value_start as u32, ls + line.len() as u32),
                });
                true
            }
            None => false,
        }
    }

    /// Scan complete lines of `data` (the bytes of the current message so
    /// far) until something happens. `wide`: the result of [`wide_blocks`].
    fn step(
        &mut self,
        data: &[u8],
        spans: &mut Vec<Span>,
        limits: &Limits,
        raw_text: bool,
        wide: bool,
    ) -> Step {
        // Every call resumes where the last one stopped reading (`pos +
        // searched`) or starts a message afresh, so the blocks read cover
        // the message from its first byte.
        let mut newlines = Newlines::new(data, self.pos + self.searched, wide);
        let step = self.scan_lines(data, spans, limits, raw_text, &mut newlines);
        self.non_ascii |= !newlines.ascii();
        step
    }

    /// [`Scanner::step`], with the line ends found by `newlines`.
    fn scan_lines(
        &mut self,
        data: &[u8],
        spans: &mut Vec<Span>,
        limits: &Limits,
        raw_text: bool,
        newlines: &mut Newlines,
    ) -> Step {
        // No line can take the message past the size limit when the whole
        // buffer is within it, so the header run need not check it.
        let within_size = data.len() <= limits.max_message_bytes;
        loop {
            if matches!(self.mode, Mode::Start | Mode::Headers) && within_size {
                // Each header line has a colon and a newline: when the rest
                // of `data` cannot take the message to the header limit,
                // the run need not count.
                let room = spans.len().saturating_add((data.len() - self.pos) / 2);
                let step = if room < limits.max_headers {
                    self.header_run::<false>(data, spans, limits, newlines)
                } else {
                    self.header_run::<true>(data, spans, limits, newlines)
                };
                if let Some(end) = step {
                    return Step::Complete { end };
                }
            }
            let ls = self.pos;
            let found = newlines.next(data);
            #[cfg(test)]
            let from = ls + self.searched;
            #[cfg(test)]
            SEARCHED.with(|c| {
                c.set(c.get() + found.map_or(data.len() - from, |p| p - from + 1) as u64)
            });
            let Some(nl) = found.map(|p| p - ls) else {
                self.searched = data.len() - ls;
                if data.len() > limits.max_message_bytes {
                    return Step::Refused {
                        kind: FrameErrorKind::TooLarge {
                            limit: limits.max_message_bytes,
                        },
                        line: None,
                        resume: Resume::MidLine(ls),
                    };
                }
                return Step::NeedMore;
            };
            self.searched = 0;
            let next = ls + nl + 1;
            let mut le = ls + nl;
            if le > ls && data[le - 1] == b'\r' {
                le -= 1;
            }
            let line = &data[ls..le];
            if line.is_empty() && self.mode == Mode::Start {
                return Step::Skip(next);
            }
            self.pos = next;
            self.line += 1;
            if next > limits.max_message_bytes {
                let ends =
                    line.is_empty() && matches!(self.mode, Mode::Headers | Mode::Text { .. });
                return Step::Refused {
                    kind: FrameErrorKind::TooLarge {
                        limit: limits.max_message_bytes,
                    },
                    line: None,
                    resume: if ends {
                        Resume::Done(next)
                    } else {
                        Resume::LineStart(next)
                    },
                };
            }
            match self.mode {
                Mode::Start => {
                    if line.starts_with(BANNER_PREFIX) {
                        return Step::Banner {
                            end: next,
                            text_end: le,
                        };
                    }
                    if Self::push_header(spans, ls, line) {
                        self.mode = self.after_header(spans, data);
                    } else {
                        self.text_start = ls;
                        self.mode = Mode::Text { blank: false };
                    }
                }
                Mode::Headers => {
                    if line.is_empty() {
                        return Step::Complete { end: next };
                    }
                    if !Self::push_spaced_header(spans, ls, line) {
                        return self.malformed(line, next);
                    }
                    if spans.len() > limits.max_headers {
                        return Self::too_many_headers(limits, self.line, next);
                    }
                    self.mode = self.after_header(spans, data);
                }
                Mode::FollowsHead => {
                    if line.ends_with(END_COMMAND) {
                        self.end_command(ls, le);
                    } else if split_header(line).is_some_and(|(colon, _)| {
                        let name = &line[..colon];
                        name.eq_ignore_ascii_case(b"Privilege")
                            || name.eq_ignore_ascii_case(b"ActionID")
                    }) {
                        Self::push_header(spans, ls, line);
                        if spans.len() > limits.max_headers {
                            return Self::too_many_headers(limits, self.line, next);
                        }
                    } else {
                        self.text_start = ls;
                        self.mode = Mode::FollowsText;
                    }
                }
                Mode::FollowsText => {
                    if line.ends_with(END_COMMAND) {
                        self.end_command(ls, le);
                    }
                }
                Mode::Text { blank } => {
                    if !line.is_empty() {
                        self.mode = Mode::Text { blank: false };
                    } else if raw_text && !blank {
                        // A single blank line inside a raw text reply.
                        self.blank_start = ls;
                        self.mode = Mode::Text { blank: true };
                    } else {
                        // The text ends before the blank line (or the blank run).
                        let end = if blank { self.blank_start } else { ls };
                        self.text = Some((self.text_start as u32, end as u32));
                        return Step::Complete { end: next };
                    }
                }
            }
        }
    }

    /// The common case of [`Scanner::scan_lines`], in `Mode::Start` or
    /// `Mode::Headers`, when the buffer is within the size limit: take
    /// `Name: Value` lines and the blank line that ends the message, each
    /// found with the newline and colon masks of its block. Returns the
    /// end of the message when it took its blank line (a small value, in
    /// registers, rather than a `Step`), and `None`,
    /// with the line it stopped at not taken, at anything else (a leading
    /// blank line, a line partly searched by an earlier step or with no
    /// colon, a first line whose name holds a space, a later one whose
    /// name starts or ends with one, the header limit, `Response: Follows`,
    /// the end of `data`), for the general loop, which handles every line
    /// the same way.
    ///
    /// `COUNT_HEADERS`: whether the header limit can be reached in `data`.
    #[inline(always)]
    fn header_run<const COUNT_HEADERS: bool>(
        &mut self,
        data: &[u8],
        spans: &mut Vec<Span>,
        limits: &Limits,
        newlines: &mut Newlines,
    ) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if newlines.wide {
            // SAFETY: `wide` is only set by `wide_blocks`, which detected
            // AVX2 and BMI1.
            return unsafe { self.header_run_avx2::<COUNT_HEADERS>(data, spans, limits, newlines) };
        }
        self.header_run_narrow::<COUNT_HEADERS>(data, spans, limits, newlines)
    }

    /// [`Scanner::header_run`] built for any processor (SSE2 block masks
    /// on x86-64).
    #[inline(never)]
    fn header_run_narrow<const COUNT_HEADERS: bool>(
        &mut self,
        data: &[u8],
        spans: &mut Vec<Span>,
        limits: &Limits,
        newlines: &mut Newlines,
    ) -> Option<usize> {
        self.header_run_with::<COUNT_HEADERS, false>(data, spans, limits, newlines)
    }

    /// [`Scanner::header_run`] built for AVX2 and BMI1: the block masks
    /// inline, and the per-line bit steps one instruction each.
    ///
    /// # Safety
    ///
    /// The processor must have AVX2 and BMI1 ([`wide_blocks`]).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,bmi1")]
    #[inline(never)]
    unsafe fn header_run_avx2<const COUNT_HEADERS: bool>(
        &mut self,
        data: &[u8],
        spans: &mut Vec<Span>,
        limits: &Limits,
        newlines: &mut Newlines,
    ) -> Option<usize> {
        self.header_run_with::<COUNT_HEADERS, true>(data, spans, limits, newlines)
    }

    /// The body of [`Scanner::header_run`], working on copies of the state
    /// written back on return, so that its loop keeps that state in
    /// registers. `WIDE`: the block masks to use (see [`wide_blocks`]).
    #[inline(always)]
    fn header_run_with<const COUNT_HEADERS: bool, const WIDE: bool>(
        &mut self,
        data: &[u8],
        spans: &mut Vec<Span>,
        limits: &Limits,
        newlines: &mut Newlines,
    ) -> Option<usize> {
        let mut nl = *newlines;
        let mut pos = self.pos;
        if pos < nl.start {
            // The line was partly searched by an earlier step, which did
            // not keep its colons: the general loop takes it.
            return None;
        }
        // The first line of the message is at 0 (`Mode::Start`); every
        // later line starts after a newline, at 1 or more.
        debug_assert_eq!(self.mode == Mode::Start, pos == 0);
        let headers_before = spans.len();
        #[cfg(test)]
        let mut searched = self.searched;
        // A block has at most 64 newlines, hence at most 64 lines ending in
        // it: room for them is made when the run reaches a block, and their
        // spans are written at `out` (the length of `spans` is set when
        // more room is needed, and on return). `room_end` is the last
        // place with room for 64 spans after it.
        spans.reserve(64);
        // SAFETY: `spans.len()` is within the allocation, and after the
        // `reserve` the capacity is at least the length plus 64.
        let (mut out, mut room_end) = unsafe {
            let base = spans.as_mut_ptr();
            (base.add(spans.len()), base.add(spans.capacity() - 64))
        };
        // The length of `spans` once the spans before `out` are in.
        let written = |out: *mut Span, spans: &Vec<Span>| -> usize {
            // SAFETY: `out` was made from the pointer of `spans`' current
            // allocation, at or past its start.
            unsafe { out.offset_from(spans.as_ptr()) as usize }
        };
        // Take the line from `pos` to the next newline (`nl.mask` is not
        // empty), whose first colon is `$colon` (past the newline: none),
        // on the rules of the first line of a message when `$first`;
        // `break` out of the run with what it ends in at a line not taken.
        macro_rules! line {
            ($run:lifetime, $colon:expr, $first:literal) => {
                let ls = pos;
                let at = nl.block + nl.mask.trailing_zeros() as usize;
                let upto = nl.upto();
                let next = at + 1;
                // SAFETY: `at` is a newline of `data`: the masks are made
                // from the bytes of `data` itself (`Newlines::new`,
                // `next_block_with`), so each bit is an index of `data`.
                // `$colon` is the first colon after the newline before `ls`
                // (`take` clears the colons up to each newline taken), or
                // after `nl.start <= ls`; a line not the first starts after
                // a newline, at 1 or more.
                match unsafe { Self::classify::<$first>(data, ls, $colon(upto), at) } {
                    Line::Header(span) => {
                        if COUNT_HEADERS && !$first && written(out, spans) >= limits.max_headers {
                            break $run None;
                        }
                        // SAFETY: room for 64 spans past `out` was made when
                        // the run reached this block, and each span written
                        // since took one of the block's newlines, which are
                        // at most 64.
                        unsafe {
                            out.write(span);
                            out = out.add(1);
                        }
                        nl.take(upto);
                        #[cfg(test)]
                        {
                            SEARCHED.with(|c| c.set(c.get() + (next - (ls + searched)) as u64));
                            searched = 0;
                        }
                        pos = next;
                    }
                    Line::Blank => {
                        nl.take(upto);
                        #[cfg(test)]
                        SEARCHED.with(|c| c.set(c.get() + (next - (ls + searched)) as u64));
                        pos = next;
                        break $run Some(next);
                    }
                    Line::Other => break $run None,
                }
            };
        }
        // The colons of `colons` are past the line before (`take`), and
        // those up to the newline are the line's: its first colon is the
        // lowest of them when it has none in a block before (`carry`).
        let in_block =
            |nl: &Newlines, upto: u64| nl.block + (nl.colons & upto).trailing_zeros() as usize;
        let step = 'run: loop {
            if nl.mask != 0 {
                if pos == 0 {
                    // The first line of the message (`nl.start` is 0).
                    line!('run, |upto| nl.carry.min(in_block(&nl, upto)), true);
                } else if nl.carry != NO_COLON {
                    // The line that started in a block before, with a
                    // colon there.
                    line!('run, |_| nl.carry, false);
                }
            }
            while nl.mask != 0 {
                line!('run, |upto| in_block(&nl, upto), false);
            }
            if !nl.next_block_with(data, WIDE) {
                break 'run None;
            }
            if out > room_end {
                let len = written(out, spans);
                // SAFETY: the spans up to `out` were written above, in the
                // room made.
                unsafe { spans.set_len(len) };
                spans.reserve(64);
                // SAFETY: as when making room first.
                unsafe {
                    let base = spans.as_mut_ptr();
                    out = base.add(len);
                    room_end = base.add(spans.capacity() - 64);
                }
            }
        };
        let len = written(out, spans);
        // SAFETY: as when making room above.
        unsafe { spans.set_len(len) };
        *newlines = nl;
        if pos != self.pos {
            // The lines taken: the headers, and the blank line if the
            // message is complete.
            let taken = len - headers_before + usize::from(step.is_some());
            self.pos = pos;
            self.line += taken as u32;
            self.searched = 0;
            if self.mode == Mode::Start {
                self.mode = Mode::Headers;
            }
        }
        step
    }

    /// What the line from `ls` to the newline at `at` is for
    /// [`Scanner::header_run`], `colon` being its first colon (past `at`:
    /// none).
    ///
    /// # Safety
    ///
    /// `data` must hold the newline at `at`, and `colon` (when below `at`)
    /// must be the first colon at or after `ls`, with `ls <= colon`; a line
    /// at 1 or more must follow a newline.
    #[inline(always)]
    unsafe fn classify<const FIRST: bool>(data: &[u8], ls: usize, colon: usize, at: usize) -> Line {
        debug_assert_eq!(FIRST, ls == 0);
        if colon >= at {
            // No colon: only the blank line that ends the message is taken
            // (header lines, with their colon before the newline, are never
            // blank); leading blank lines are for the general loop.
            let blank = at == ls || (at == ls + 1 && data[ls] == b'\r');
            return if blank && !FIRST {
                Line::Blank
            } else {
                Line::Other
            };
        }
        // `ls <= colon < at < data.len()` (the caller's promise): the reads
        // below, up to `at`, are in `data`.
        debug_assert!(ls <= colon && colon < at && at < data.len());
        debug_assert!(data[colon] == b':' && !data[ls..colon].contains(&b':'));
        let byte = |i: usize| -> u8 {
            debug_assert!(i <= at);
            // SAFETY: `i <= at < data.len()` (above).
            unsafe { *data.get_unchecked(i) }
        };
        if FIRST {
            // The first line is a header only with a name free of spaces
            // (`split_header`); this also rules out the banner.
            if colon == 0 || has_space(data, colon) {
                return Line::Other;
            }
        } else {
            // A later name may hold inner spaces but neither start nor end
            // with one (`split_spaced_header`); an empty one is accepted:
            // its first byte is the colon, and the byte before it the
            // newline of the line before (`colon >= ls >= 1`).
            debug_assert!(data[ls - 1] == b'\n');
            if (byte(ls) == b' ') | (byte(colon - 1) == b' ') {
                return Line::Other;
            }
        }
        // The newline at `at` follows the colon: `colon + 1 <= at`.
        let value = colon + 1 + usize::from(byte(colon + 1) == b' ');
        let le = at - usize::from(byte(at - 1) == b'\r');
        if colon - ls == 8 && is_response_follows(&data[ls..colon], &data[value..le]) {
            return Line::Other;
        }
        Line::Header(Span {
            name: (ls as u32, colon as u32),
            value: (value as u32, le as u32),
        })
    }

    /// The mode after a header: `Response: Follows` switches to command text.
    fn after_header(&self, spans: &[Span], data: &[u8]) -> Mode {
        let Some(span) = spans.last() else {
            return Mode::Headers;
        };
        let name = &data[span.name.0 as usize..span.name.1 as usize];
        if name.len() != 8 || !name.eq_ignore_ascii_case(b"Response") {
            return Mode::Headers;
        }
        let value = &data[span.value.0 as usize..span.value.1 as usize];
        if value.eq_ignore_ascii_case(b"Follows") {
            Mode::FollowsHead
        } else {
            Mode::Headers
        }
    }

    /// A line ending in `--END COMMAND--`: text before the marker on the same
    /// line (output without a final newline) is the last text line.
    fn end_command(&mut self, ls: usize, le: usize) {
        let marker = le - END_COMMAND.len();
        let start = if self.mode == Mode::FollowsText {
            self.text_start
        } else {
            ls
        };
        let end = if marker > ls { marker } else { ls };
        self.text = (end > start).then_some((start as u32, end as u32));
        self.mode = Mode::Headers;
    }

    /// Every header counts against the limit, those of a `Response: Follows`
    /// head included.
    fn too_many_headers(limits: &Limits, line: u32, next: usize) -> Step {
        Step::Refused {
            kind: FrameErrorKind::TooManyHeaders {
                limit: limits.max_headers,
            },
            line: Some(line),
            resume: Resume::LineStart(next),
        }
    }

    fn malformed(&self, line: &[u8], next: usize) -> Step {
        let content: String = String::from_utf8_lossy(line).chars().take(120).collect();
        Step::Refused {
            kind: FrameErrorKind::Malformed { content },
            line: Some(self.line),
            resume: Resume::LineStart(next),
        }
    }
}

/// Skipping the rest of a refused message: tracks the current line across
/// reads to find the blank line that ends it.
#[derive(Clone, Copy, Debug, Default)]
struct Skipping {
    /// Bytes of the current line seen so far (saturating).
    line_len: usize,
    /// Its first byte.
    first: u8,
}

impl Skipping {
    fn mid_line(partial: &[u8]) -> Self {
        Skipping {
            line_len: partial.len(),
            first: partial.first().copied().unwrap_or(0),
        }
    }

    /// Returns how many bytes of `data` to drop, and whether the blank line
    /// that ends the message was found.
    fn skip(&mut self, data: &[u8]) -> (usize, bool) {
        let mut at = 0;
        while let Some(nl) = memchr(b'\n', &data[at..]) {
            let segment = &data[at..at + nl];
            let len = self.line_len.saturating_add(segment.len());
            let first = if self.line_len > 0 {
                self.first
            } else {
                segment.first().copied().unwrap_or(0)
            };
            at += nl + 1;
            *self = Skipping::default();
            if len == 0 || (len == 1 && first == b'\r') {
                return (at, true);
            }
        }
        let rest = &data[at..];
        if !rest.is_empty() {
            if self.line_len == 0 {
                self.first = rest[0];
            }
            self.line_len = self.line_len.saturating_add(rest.len());
        }
        (data.len(), false)
    }
}

/// What the last [`Framer::advance`] produced, for the accessors; the data
/// is in `Framer::frame`.
#[derive(Clone, Copy, Debug, Default)]
enum Last {
    #[default]
    Nothing,
    /// A banner: its text is the first `len` bytes of the frame.
    Banner { len: usize },
    /// A message: the whole frame.
    Message { text: Option<(u32, u32)> },
}

/// A repaired copy waiting to be delivered after its `InvalidUtf8` error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum RepairedPending {
    #[default]
    None,
    Message,
    Banner,
}

/// The streaming framer: feed it bytes, take frames out.
///
/// Received bytes go into one [`BytesMut`]; each complete message is split
/// off it and frozen into a [`Bytes`] once, and the [`RawMessage`] lent out
/// reads that frame: its headers are `&str`s for framing-only users, and
/// typed decoding keeps [`AmiStr`](crate::wire::AmiStr) slices of it (a
/// reference count increment per field, no copy). When nothing holds a
/// frame any more, the buffer is reused for the next reads.
///
/// ```
/// use ami_runtime::proto::{Framer, Frame};
///
/// let mut framer = Framer::new();
/// framer.feed(b"Asterisk Call Manager/5.0.1\r\nEvent: FullyBooted\r\nStatus: Fu");
/// assert!(matches!(framer.next_frame(), Some(Frame::Banner("Asterisk Call Manager/5.0.1"))));
/// assert!(framer.next_frame().is_none()); // the event is incomplete
/// framer.feed(b"lly Booted\r\n\r\n");
/// let Some(Frame::Message(msg)) = framer.next_frame() else { panic!() };
/// assert_eq!(msg.get("status"), Some("Fully Booted"));
/// ```
#[derive(Debug)]
pub struct Framer {
    /// Bytes not framed yet: `buf[0]` is the first byte of the message
    /// being scanned (consumed bytes are split or advanced off the front).
    buf: BytesMut,
    /// Stream offset of `buf[0]`.
    base: u64,
    limits: Limits,
    scanner: Scanner,
    spans: Vec<Span>,
    skipping: Option<Skipping>,
    raw_text: bool,
    last: Last,
    /// The last banner or message produced, frozen (for a message that was
    /// not valid UTF-8, its repaired copy).
    frame: Bytes,
    /// The repaired copy of a message or banner that was not valid UTF-8,
    /// delivered by the `advance` after its error.
    repaired: Bytes,
    repaired_pending: RepairedPending,
    /// [`wide_blocks`], asked once here rather than once per message.
    wide: bool,
}

impl Default for Framer {
    fn default() -> Self {
        Framer {
            buf: BytesMut::new(),
            base: 0,
            limits: Limits::DEFAULT,
            scanner: Scanner::default(),
            spans: Vec::new(),
            skipping: None,
            raw_text: false,
            last: Last::Nothing,
            frame: Bytes::new(),
            repaired: Bytes::new(),
            repaired_pending: RepairedPending::None,
            wide: wide_blocks(),
        }
    }
}

impl Framer {
    /// A framer with the default [`Limits`].
    pub fn new() -> Self {
        Framer::default()
    }

    /// A framer with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        Framer {
            limits,
            ..Framer::default()
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Whether a headerless raw text reply (the `Queues` action) is awaited.
    /// While set, headerless text may contain single blank lines and ends
    /// with two; otherwise it ends at the first blank line.
    pub fn set_raw_text_expected(&mut self, expected: bool) {
        self.raw_text = expected;
    }

    /// Append received bytes.
    pub fn feed(&mut self, data: &[u8]) {
        self.last = Last::Nothing;
        // Let go of the last frame: when the caller kept no part of the
        // buffer either, appending reuses it instead of allocating.
        self.frame = Bytes::new();
        self.buf.extend_from_slice(data);
    }

    /// Bytes held: the unfinished message (never more than the size limit
    /// plus the last read) and frames not yet taken.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Offset in the stream of the next byte to frame.
    pub fn stream_offset(&self) -> u64 {
        self.base
    }

    /// Drop `n` bytes from the front of the buffer, and start a new message.
    fn consume(&mut self, n: usize) {
        self.buf.advance(n);
        self.base += n as u64;
        self.scanner = Scanner::default();
        self.spans.clear();
    }

    /// Split the first `n` bytes off the buffer, frozen.
    #[inline]
    fn split_frame(&mut self, n: usize) -> Bytes {
        self.base += n as u64;
        self.buf.split_to(n).freeze()
    }

    fn error(&self, kind: FrameErrorKind, line: Option<u32>) -> FrameError {
        self.error_in(&self.buf, self.base, kind, line)
    }

    fn error_in(
        &self,
        data: &[u8],
        offset: u64,
        kind: FrameErrorKind,
        line: Option<u32>,
    ) -> FrameError {
        let action_id = self.spans.iter().find_map(|s| {
            let name = &data[s.name.0 as usize..s.name.1 as usize];
            name.eq_ignore_ascii_case(b"ActionID").then(|| {
                String::from_utf8_lossy(&data[s.value.0 as usize..s.value.1 as usize]).into_owned()
            })
        });
        FrameError {
            kind,
            offset,
            line,
            action_id,
        }
    }

    /// Frame what was fed so far, one item at a time; `None` when more
    /// bytes are needed. Read the item with [`Framer::banner`] or
    /// [`Framer::message`].
    pub fn advance(&mut self) -> Option<Produced> {
        self.last = Last::Nothing;
        match std::mem::take(&mut self.repaired_pending) {
            RepairedPending::None => {}
            RepairedPending::Message => {
                self.frame = std::mem::take(&mut self.repaired);
                self.last = Last::Message {
                    text: self.scanner.text,
                };
                self.scanner = Scanner::default();
                return Some(Produced::Message);
            }
            RepairedPending::Banner => {
                self.frame = std::mem::take(&mut self.repaired);
                self.last = Last::Banner {
                    len: self.frame.len(),
                };
                return Some(Produced::Banner);
            }
        }
        loop {
            if let Some(skipping) = &mut self.skipping {
                let (n, done) = skipping.skip(&self.buf);
                self.buf.advance(n);
                self.base += n as u64;
                if !done {
                    return None;
                }
                self.skipping = None;
                self.scanner = Scanner::default();
                self.spans.clear();
            }
            if self.scanner.pos == 0 {
                // A new message: the spans of the previous one are no longer lent out.
                self.spans.clear();
            }
            match self.scanner.step(
                &self.buf,
                &mut self.spans,
                &self.limits,
                self.raw_text,
                self.wide,
            ) {
                Step::NeedMore => return None,
                Step::Skip(n) => self.consume(n),
                Step::Banner { end, text_end } => {
                    let offset = self.base;
                    let frame = self.split_frame(end);
                    self.scanner = Scanner::default();
                    self.spans.clear();
                    if let Err(e) = std::str::from_utf8(&frame[..text_end]) {
                        // Delivered next, repaired, like any other message.
                        let repaired = String::from_utf8_lossy(&frame[..text_end]).into_owned();
                        self.repaired = Bytes::from(repaired);
                        self.repaired_pending = RepairedPending::Banner;
                        return Some(Produced::Error(FrameError {
                            kind: FrameErrorKind::InvalidUtf8 {
                                valid_up_to: e.valid_up_to(),
                            },
                            offset,
                            line: Some(1),
                            action_id: None,
                        }));
                    }
                    self.frame = frame;
                    self.last = Last::Banner { len: text_end };
                    return Some(Produced::Banner);
                }
                Step::Complete { end } => {
                    let text = self.scanner.text;
                    let offset = self.base;
                    let frame = self.split_frame(end);
                    // A message the scan saw no byte above 0x7F in is
                    // ASCII: valid UTF-8 without a second pass over it.
                    let valid = if self.scanner.non_ascii {
                        std::str::from_utf8(&frame).map(|_| ())
                    } else {
                        debug_assert!(frame.is_ascii());
                        Ok(())
                    };
                    if let Err(e) = valid {
                        let error = self.error_in(
                            &frame,
                            offset,
                            FrameErrorKind::InvalidUtf8 {
                                valid_up_to: e.valid_up_to(),
                            },
                            None,
                        );
                        self.repair(&frame);
                        return Some(Produced::Error(error));
                    }
                    self.frame = frame;
                    self.last = Last::Message { text };
                    // Spans stay until the next advance: the message borrows them.
                    self.scanner = Scanner::default();
                    return Some(Produced::Message);
                }
                Step::Refused { kind, line, resume } => {
                    let error = self.error(kind, line);
                    match resume {
                        Resume::Done(n) => self.consume(n),
                        Resume::LineStart(n) => {
                            self.consume(n);
                            self.skipping = Some(Skipping::default());
                        }
                        Resume::MidLine(n) => {
                            let partial = Skipping::mid_line(&self.buf[n..]);
                            self.consume(self.buf.len());
                            self.skipping = Some(partial);
                        }
                    }
                    return Some(Produced::Error(error));
                }
            }
            if self.buf.is_empty() {
                return None;
            }
        }
    }

    /// Re-scan a message that is not valid UTF-8 from its repaired copy, so
    /// that it can be delivered after the error.
    fn repair(&mut self, frame: &[u8]) {
        let mut repaired = String::from_utf8_lossy(frame).into_owned();
        self.spans.clear();
        self.scanner = Scanner::default();
        let limits = Limits {
            max_message_bytes: usize::MAX,
            max_headers: usize::MAX,
        };
        // The repaired copy has the same lines, so it completes the same way.
        let mut scanner = Scanner::default();
        let mut from = 0;
        loop {
            match scanner.step(
                &repaired.as_bytes()[from..],
                &mut self.spans,
                &limits,
                self.raw_text,
                self.wide,
            ) {
                Step::Skip(n) => {
                    // Only leading blank lines; none remain in a complete frame.
                    from += n;
                    scanner = Scanner::default();
                }
                Step::Complete { .. } => break,
                _ => {
                    self.spans.clear();
                    break;
                }
            }
        }
        if from > 0 {
            repaired.drain(..from);
        }
        self.scanner = scanner;
        self.repaired = Bytes::from(repaired);
        self.repaired_pending = RepairedPending::Message;
    }

    /// The banner line produced by the last [`Framer::advance`].
    pub fn banner(&self) -> Option<&str> {
        match self.last {
            Last::Banner { len } => Some(self.checked_str(len)),
            _ => None,
        }
    }

    /// The first `len` bytes of the frame, which `advance` validated as UTF-8.
    #[inline]
    fn checked_str(&self, len: usize) -> &str {
        let bytes = &self.frame[..len];
        debug_assert!(std::str::from_utf8(bytes).is_ok());
        // SAFETY: `advance` records a length in `last` only after
        // `str::from_utf8` accepted exactly these bytes of `frame`, or the
        // scan found them all ASCII (`Scanner::non_ascii` false), or after
        // storing a repaired copy made from a `String`; and every
        // method that replaces `frame` (`feed`, `advance`) resets `last`
        // first. Validating again here would double the cost of UTF-8
        // checking on the hot path.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// The message produced by the last [`Framer::advance`].
    #[inline]
    pub fn message(&self) -> Option<RawMessage<'_>> {
        match self.last {
            Last::Message { text } => Some(RawMessage::new(
                self.checked_str(self.frame.len()),
                &self.frame,
                &self.spans,
                text,
            )),
            _ => None,
        }
    }

    /// [`Framer::advance`] and the item it produced, in one call.
    pub fn next_frame(&mut self) -> Option<Frame<'_>> {
        match self.advance()? {
            Produced::Banner => self.banner().map(Frame::Banner),
            Produced::Message => self.message().map(Frame::Message),
            Produced::Error(e) => Some(Frame::Error(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{
        block_masks, colon_or_space, has_space, portable_block_masks, split_header,
        split_spaced_header, wide_blocks, Frame, FrameErrorKind, Framer, Newlines, FORCE_SSE2,
    };

    /// What the framer gave, owned: a message's headers, or the line of a
    /// malformed message.
    #[derive(Debug, PartialEq, Eq)]
    enum Got {
        Msg(Vec<(String, String)>),
        Malformed(u32),
    }

    /// A small deterministic generator (xorshift), for varied input.
    struct Xorshift(u64);

    impl Xorshift {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }

        /// `min` to `min + spread - 1` bytes of `alphabet`.
        fn text(&mut self, min: usize, spread: usize, alphabet: &[u8]) -> String {
            let len = min + self.below(spread);
            (0..len)
                .map(|_| char::from(alphabet[self.below(alphabet.len())]))
                .collect()
        }
    }

    /// Messages of varied lines (names from empty to longer than a 64-byte
    /// block, inner spaces, values holding colons, CRLF or LF endings, now
    /// and then a line that is not a header), with the frames they must
    /// give, as the rules of `split_header` / `split_spaced_header` state
    /// them line by line.
    fn varied_stream(seed: u64, messages: usize) -> (Vec<u8>, Vec<Got>) {
        const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
        const VALUE: &[u8] = b"abcXYZ019 :/<>@.-";
        let mut rng = Xorshift(seed);
        let (mut stream, mut expected) = (Vec::new(), Vec::new());
        for _ in 0..messages {
            let lines = 1 + rng.below(30);
            let mut headers = Vec::new();
            let mut malformed = None;
            for n in 0..lines {
                let eol: &[u8] = if rng.below(4) == 0 { b"\n" } else { b"\r\n" };
                if n > 0 && rng.below(40) == 0 {
                    // No colon at all, or a name that starts with a space.
                    let bad = if rng.below(2) == 0 {
                        rng.text(1, 90, b"abc xyz")
                    } else {
                        format!(" {}: v", rng.text(0, 5, LETTERS))
                    };
                    stream.extend_from_slice(bad.as_bytes());
                    stream.extend_from_slice(eol);
                    malformed.get_or_insert(n as u32 + 1);
                    continue;
                }
                let mut name = rng.text(usize::from(n == 0), 70, LETTERS);
                if n > 0 && name.len() > 2 && rng.below(5) == 0 {
                    let at = 1 + rng.below(name.len() - 2);
                    name.replace_range(at..at + 1, " ");
                }
                let mut value = rng.text(0, 150, VALUE);
                if rng.below(10) == 0 {
                    // Not ASCII: the message is validated as UTF-8.
                    value.push_str("é日");
                }
                let separator = if rng.below(6) == 0 { ":" } else { ": " };
                stream.extend_from_slice(format!("{name}{separator}{value}").as_bytes());
                stream.extend_from_slice(eol);
                let value = match separator {
                    ":" => value.strip_prefix(' ').unwrap_or(&value).to_owned(),
                    _ => value,
                };
                headers.push((name, value));
            }
            stream.extend_from_slice(if rng.below(4) == 0 { b"\n" } else { b"\r\n" });
            expected.push(match malformed {
                Some(line) => Got::Malformed(line),
                None => Got::Msg(headers),
            });
        }
        (stream, expected)
    }

    fn frame_in_chunks(stream: &[u8], chunk: usize) -> Vec<Got> {
        let mut framer = Framer::new();
        let mut got = Vec::new();
        for piece in stream.chunks(chunk) {
            framer.feed(piece);
            while let Some(frame) = framer.next_frame() {
                got.push(match frame {
                    Frame::Message(m) => Got::Msg(
                        m.headers()
                            .map(|h| (h.name.to_owned(), h.value.to_owned()))
                            .collect(),
                    ),
                    Frame::Error(e) => match e.kind {
                        FrameErrorKind::Malformed { .. } => Got::Malformed(e.line.unwrap_or(0)),
                        other => panic!("unexpected error {other:?}"),
                    },
                    Frame::Banner(b) => panic!("unexpected banner {b:?}"),
                });
            }
        }
        got
    }

    #[test]
    fn varied_lines_frame_the_same_however_the_input_is_split() {
        for seed in [1, 0x9E37_79B9_7F4A_7C15, 0xDEAD_BEEF] {
            let (stream, expected) = varied_stream(seed, 300);
            assert!(expected.iter().any(|g| matches!(g, Got::Malformed(_))));
            for chunk in [stream.len(), 1, 7, 63, 64, 65, 4096] {
                assert_eq!(
                    frame_in_chunks(&stream, chunk),
                    expected,
                    "seed {seed} chunk {chunk}"
                );
            }
        }
    }

    /// Runs `f` with the SSE2 block masks even where AVX2 is available.
    fn with_sse2<T>(f: impl FnOnce() -> T) -> T {
        FORCE_SSE2.with(|force| force.set(true));
        let out = f();
        FORCE_SSE2.with(|force| force.set(false));
        out
    }

    #[test]
    fn varied_lines_frame_the_same_with_the_sse2_block_masks() {
        let (stream, expected) = varied_stream(7, 200);
        for chunk in [stream.len(), 13, 64] {
            assert_eq!(with_sse2(|| frame_in_chunks(&stream, chunk)), expected);
        }
    }

    #[test]
    fn every_block_mask_variant_agrees_with_the_portable_one() {
        let mut rng = Xorshift(0x1234_5678);
        // Bytes next to `\n` (0x0A) and `:` (0x3A), and high ones.
        const BYTES: &[u8] = b"\n\x0B\x09:;9\x80\xFF\x8A\xBAa ";
        let variants = [wide_blocks(), false];
        for _ in 0..2000 {
            let mut block = [0u8; 64];
            let ascii = rng.below(3) == 0;
            for b in &mut block {
                *b = BYTES[rng.below(BYTES.len())];
                if ascii {
                    *b &= 0x7F;
                }
            }
            let expected = portable_block_masks(&block);
            assert_eq!(expected.high == 0, ascii);
            for wide in variants {
                let got = block_masks(&block, wide);
                assert_eq!(got.newlines, expected.newlines, "wide {wide}");
                assert_eq!(got.colons, expected.colons, "wide {wide}");
                assert_eq!(got.high != 0, expected.high != 0, "wide {wide}");
            }
        }
    }

    /// Every newline of `data` from `from` on, in order, as `Newlines` gives them.
    fn all_newlines(data: &[u8], from: usize) -> Vec<usize> {
        let mut newlines = Newlines::new(data, from, wide_blocks());
        std::iter::from_fn(|| newlines.next(data)).collect()
    }

    #[test]
    fn newlines_finds_each_in_order_across_blocks() {
        for len in [0, 1, 7, 63, 64, 65, 127, 128, 129, 200] {
            for step in [1, 2, 5, 63, 64, 65] {
                let mut data = vec![b'a'; len];
                let expected: Vec<usize> = (0..len).step_by(step).collect();
                for &at in &expected {
                    data[at] = b'\n';
                }
                for from in [0, 1, 63, 64, 65, len] {
                    let from = from.min(len);
                    let tail: Vec<usize> =
                        expected.iter().copied().filter(|&at| at >= from).collect();
                    assert_eq!(all_newlines(&data, from), tail, "{len} {step} {from}");
                    let sse2 = with_sse2(|| all_newlines(&data, from));
                    assert_eq!(sse2, tail, "sse2 {len} {step} {from}");
                }
            }
            assert_eq!(all_newlines(&vec![b'x'; len], 0), Vec::<usize>::new());
        }
        // Bytes next to `\n` (0x0A) are not mistaken for it.
        assert_eq!(
            all_newlines(b"\x0B\x09\x8A\x0B\x0B\x0B\x0B\x0B\x09\xFF\x00\n", 0),
            vec![11]
        );
    }

    #[test]
    fn messages_of_one_read_are_handed_out_in_turn() {
        let first = "Event: A\r\nX: 1\r\n\r\n";
        let second = "Response: Success\r\nActionID: 7\r\n\r\n";
        let third = "Event: Long\r\nValue: ".to_owned() + &"v".repeat(150) + "\r\n\r\n";
        let input = format!("{first}{second}{third}Event: Par");
        let mut framer = Framer::new();
        framer.feed(input.as_bytes());
        let mut offsets = Vec::new();
        let mut seen = Vec::new();
        while framer.advance().is_some() {
            let message = framer.message().expect("a message");
            assert_eq!(&message.bytes()[..], message.as_str().as_bytes());
            seen.push(message.as_str().to_owned());
            offsets.push((framer.stream_offset(), framer.buffered()));
        }
        assert_eq!(seen, [first, second, third.as_str()]);
        let total = input.len();
        let ends = [
            first.len(),
            first.len() + second.len(),
            total - "Event: Par".len(),
        ];
        let expected: Vec<(u64, usize)> =
            ends.iter().map(|&end| (end as u64, total - end)).collect();
        assert_eq!(offsets, expected);
        // The unfinished message completes with the next read.
        framer.feed(b"tial\r\n\r\n");
        let Some(Frame::Message(message)) = framer.next_frame() else {
            panic!("no message")
        };
        assert_eq!(message.get("Event"), Some("Partial"));
        assert_eq!(framer.buffered(), 0);
    }

    #[test]
    fn raw_text_expected_after_a_message_of_the_same_read_applies_to_the_text() {
        // The `Queues` reply follows another message in the same read; the
        // caller learns it awaits raw text only from that other message.
        let input = b"Response: Success\r\nActionID: 1\r\n\r\nqueue one\r\n\r\nqueue two\r\n\r\n\r\nEvent: After\r\n\r\n";
        for expect_text in [false, true] {
            let mut framer = Framer::new();
            framer.feed(input);
            let mut texts = Vec::new();
            while let Some(frame) = framer.next_frame() {
                let Frame::Message(message) = frame else {
                    panic!("{frame:?}")
                };
                if message.is_empty() {
                    texts.push(message.text().unwrap_or_default());
                }
                if message.get("ActionID") == Some("1") {
                    framer.set_raw_text_expected(expect_text);
                }
            }
            let expected: &[&str] = if expect_text {
                &["queue one\n\nqueue two"]
            } else {
                &["queue one", "queue two"]
            };
            assert_eq!(texts, expected, "raw text expected: {expect_text}");
        }
    }

    #[test]
    fn inner_spaces_only_in_later_header_names() {
        assert_eq!(split_header(b"Named Callgroup: x"), None);
        assert_eq!(split_spaced_header(b"Named Callgroup: x"), Some((15, 17)));
        assert_eq!(split_spaced_header(b" Lead: x"), None);
        assert_eq!(split_spaced_header(b"no colon here"), None);
        assert_eq!(split_spaced_header(b"Event: x"), Some((5, 7)));
    }

    #[test]
    fn has_space_sees_only_the_bytes_before_the_end() {
        for len in 0..40 {
            for at in 0..len {
                let mut data = vec![b'a'; len];
                data[at] = b' ';
                for end in 0..=len {
                    assert_eq!(has_space(&data, end), at < end, "{len} {at} {end}");
                }
            }
            assert!((0..=len).all(|end| !has_space(&vec![b'x'; len], end)));
        }
        // Bytes next to ' ' (0x20) are not mistaken for it.
        assert!(!has_space(b"\x1F\x21\xA0\x00abcdefghijklmnop", 20));
    }

    #[test]
    fn colon_or_space_finds_the_first_of_either_at_any_position() {
        for len in 0..40 {
            for at in 0..len {
                for mark in [b':', b' '] {
                    let mut line = vec![b'a'; len];
                    line[at] = mark;
                    if at + 1 < len {
                        line[len - 1] = b':';
                    }
                    assert_eq!(colon_or_space(&line), Some(at), "{len} {at}");
                }
            }
            assert_eq!(colon_or_space(&vec![b'x'; len]), None);
        }
        // Bytes next to the marks (':' is 0x3A, ' ' is 0x20) are not mistaken for them.
        assert_eq!(
            colon_or_space(b"\x3B\x39\x21\x1F\xBA\xA0\x00\x01AB:"),
            Some(10)
        );
    }
}
