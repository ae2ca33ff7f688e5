use ami_runtime::derive::{AmiEvent, AmiEvents};
use ami_runtime::wire::Header;

#[derive(AmiEvent)]
#[ami(event = "Hangup", user_event = "Quality")]
pub struct NotAUserEvent {
    #[ami(extra)]
    pub extra: Vec<Header>,
}

#[derive(AmiEvent)]
#[ami(event = "UserEvent", user_event = "Quality")]
pub struct QualityEvent {
    #[ami(extra)]
    pub extra: Vec<Header>,
}

#[derive(AmiEvents)]
pub enum Mixed {
    #[ami(name = "UserEvent", user_event = "Quality")]
    Quality(QualityEvent),
    #[ami(name = "UserEvent", user_event = "quality")]
    QualityAgain(QualityEvent),
    #[ami(name = "Hangup", user_event = "Quality")]
    Hangup(QualityEvent),
    #[ami(fallback)]
    Rest(Closed),
    #[ami(fallback)]
    More(Closed),
    #[ami(name = "Named", fallback)]
    Named(Closed),
}

#[derive(AmiEvents)]
pub enum Closed {
    #[ami(name = "UserEvent", user_event = "Quality")]
    Quality(QualityEvent),
}

fn main() {}
