use ami_runtime::derive::{AmiEvent, AmiEvents};
use ami_runtime::wire::Header;

#[derive(AmiEvent)]
#[ami(event = "Hangup")]
pub struct HangupEvent {
    #[ami(extra)]
    pub extra: Vec<Header>,
}

#[derive(AmiEvents)]
pub enum AnyEvent {
    #[ami(name = "Hangup")]
    Hangup(HangupEvent),
    #[ami(name = "hangup")]
    HangupAgain(HangupEvent),
    Newchannel(HangupEvent),
    #[ami(value = "Dial")]
    Dial(HangupEvent),
    #[ami(unknown)]
    Unknown,
}

fn main() {}
