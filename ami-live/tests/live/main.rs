//! The live suite: the project's client and CLI against a real Asterisk.
//!
//! Every test is `#[ignore]`d: run them with
//! `AMI_LIVE_ADDR=127.0.0.1:5038 cargo test -p ami-live -- --ignored`
//! (settings: `ami_live::config`; how to get a server: ami-live/README.md).
//! Tests that restart or flood the server run alone (see `common::exclusive`).

mod calls;
mod cli;
mod common;
mod core;
mod load;
mod login;
mod newer;
mod restart;
