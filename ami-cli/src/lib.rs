//! The `ami` command-line tool, as a library so that its pieces are tested
//! directly: [`decode`] (a capture to JSON lines), [`net`] (`send` and
//! `events` against a live server), [`mock`] (a scripted server) and the
//! [`json`] output.

pub mod decode;
pub mod json;
pub mod mock;
pub mod net;
