use ami_runtime::derive::AmiAction;
use ami_runtime::wire::{Ack, Header};

#[derive(AmiAction)]
#[ami(action = "Originate", response = Ack)]
#[ami(exactly_one(exten, aplication), requires(data, channel), together(exten))]
pub struct OriginateAction {
    #[ami(name = "Channel", required)]
    pub channel: String,
    #[ami(name = "Exten")]
    pub exten: Option<String>,
    #[ami(name = "Application")]
    pub application: Option<String>,
    #[ami(name = "Data")]
    pub data: Option<String>,
    #[ami(extra)]
    pub extra: Vec<Header>,
}

fn main() {}
