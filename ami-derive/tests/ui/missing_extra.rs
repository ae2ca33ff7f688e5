use ami_runtime::derive::AmiEvent;
use ami_runtime::wire::{FromEvent, Message};

/// Drops what it does not know: refused.
#[derive(AmiEvent)]
#[ami(event = "Hangup")]
pub struct HangupEvent {
    #[ami(name = "Channel", required)]
    pub channel: String,
}

fn main() {
    // No follow-up error: the fallback impls stand in.
    let _ = HangupEvent::from_event(&Message::new());
}
