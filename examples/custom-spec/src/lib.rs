//! A crate with AMI actions and events of its own: those of `res_callquality`,
//! an in-house Asterisk module, and a `UserEvent` its dialplan raises.
//!
//! `spec/callquality.toml` describes them in the format of the workspace's
//! `spec/`; `build.rs` runs `ami_codegen::Builder` on that folder, which
//! writes `$OUT_DIR/ami_spec.rs`, included below as the module [`ami`]:
//!
//! * [`ami::callquality`]: `CallQualityStatusAction` (and its typed
//!   `CallQualityStatusResponse`), `CallQualityResetAction`,
//!   `CallQualityAlarmEvent`, and `CallQualityReportEvent`, the `UserEvent`
//!   events whose `UserEvent` header is `CallQualityReport`;
//! * [`ami::Event`]: this crate's events first, then every event
//!   `ami_generated::Event` knows (variant `Asterisk`), for `Client<ami::Event>`.
//!
//! ```
//! use ami_example_custom_spec::ami::{self, callquality::CallQualityReportEvent};
//! use ami_runtime::wire::{FromEvent, Message};
//!
//! let report = Message::parse_block(
//!     "Event: UserEvent\r\nUserEvent: CallQualityReport\r\nChannel: PJSIP/alice-00000001\r\nMOS: 4.4\r\n",
//! )?;
//! let ami::Event::CallQualityReport(event) = ami::Event::from_event(&report)? else {
//!     panic!("not our subtype");
//! };
//! assert_eq!(event.mos, 4.4);
//! assert_eq!(event.channel.unwrap().channel, "PJSIP/alice-00000001");
//!
//! // Another UserEvent is not ours: it falls back to the generated types.
//! let other = Message::parse_block("Event: UserEvent\r\nUserEvent: Other\r\n")?;
//! assert!(!CallQualityReportEvent::accepts_message(&other, "UserEvent"));
//! assert!(matches!(
//!     ami::Event::from_event(&other)?,
//!     ami::Event::Asterisk(ami_generated::Event::UserEvent(_))
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

/// The types generated from `spec/*.toml` by `build.rs`.
pub mod ami {
    include!(concat!(env!("OUT_DIR"), "/ami_spec.rs"));
}
