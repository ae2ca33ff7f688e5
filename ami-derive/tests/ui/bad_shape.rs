use ami_runtime::derive::AmiAction;
use ami_runtime::wire::{Ack, Header};

#[derive(AmiAction)]
#[ami(action = "Ping", response = Ack, shape = "many")]
pub struct PingAction {
    #[ami(extra)]
    pub extra: Vec<Header>,
}

#[derive(AmiAction)]
#[ami(action = "Status", response = Ack, shape = "list")]
pub struct StatusAction {
    #[ami(extra)]
    pub extra: Vec<Header>,
}

#[derive(AmiAction)]
#[ami(action = "Logoff", event = "Logoff", complete = "Done")]
pub struct LogoffAction {
    #[ami(extra)]
    pub extra: Vec<Header>,
}

fn main() {}
