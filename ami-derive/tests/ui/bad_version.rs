use ami_runtime::derive::AmiAction;
use ami_runtime::wire::{Ack, Header};

#[derive(AmiAction)]
#[ami(action = "SIPpeers", response = Ack, since = "Asterisk 1.2")]
pub struct SipPeersAction {
    #[ami(extra)]
    pub extra: Vec<Header>,
}

#[derive(AmiAction)]
#[ami(action = "Monitor", response = Ack, since = "0.4.0", removed = "21.0.0, 22.0.0")]
pub struct MonitorAction {
    #[ami(extra)]
    pub extra: Vec<Header>,
}

fn main() {}
