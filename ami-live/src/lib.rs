//! The live suite's harness: the project's client (and CLI) against a real
//! Asterisk, with a record of every action sent and every event seen.
//!
//! The tests live in `tests/live/`; every one of them is `#[ignore]`d, so a
//! plain `cargo test --workspace` needs no Asterisk. To run them:
//!
//! ```text
//! ../shared/asterisk/start 15038     # or any Asterisk you may test against
//! AMI_LIVE_ADDR=127.0.0.1:15038 AMI_LIVE_RECORD=/tmp/live.jsonl \
//!     cargo test -p ami-live -- --ignored
//! cargo run -p ami-live --bin ami-live-coverage -- /tmp/live.jsonl
//! ```
//!
//! * [`config`]: the settings, read from the environment (`AMI_LIVE_*`).
//! * [`session`]: a logged-in client whose event stream is recorded, with
//!   waits for events that end at a deadline, and typed sends that record
//!   their outcome.
//! * [`spec`]: what the spec says about each action and event (loaded with
//!   `ami-codegen`): whether it may carry headers the spec cannot name,
//!   whether it is still in current Asterisk.
//! * [`record`]: the JSON lines each session appends to `AMI_LIVE_RECORD`,
//!   and the coverage summary built from them.

#![warn(missing_docs)]

pub mod config;
pub mod record;
pub mod session;
pub mod spec;

pub use config::{Control, LiveConfig};
pub use session::{LiveEvent, Seen, Session};
