//! `ami send` and `ami events`: log in to a live server (or the mock) with
//! the runtime's client, and print what comes back as JSON lines.

use std::io::Write;
use std::time::Duration;

use ami_generated::registry;
use ami_runtime::client::{Client, ClientBuilder, Error, Secret, SendOptions, StreamItem};
use ami_runtime::wire::{DecodeError, FromEvent, Message, MessageView};

use crate::decode::{event_json, response_json};
use crate::json::Object;

/// Where and how to log in.
#[derive(Clone)]
pub struct Login {
    /// Server host name or address.
    pub host: String,
    /// Server port (5038 by default in Asterisk).
    pub port: u16,
    /// Manager user.
    pub user: String,
    /// Its secret (never printed).
    pub secret: Secret,
    /// Log in with an MD5 challenge.
    pub md5: bool,
    /// Timeout of login and of the action.
    pub timeout: Duration,
}

impl Login {
    fn builder(&self) -> ClientBuilder {
        let builder = Client::builder(self.user.clone(), self.secret.clone()).timeout(self.timeout);
        if self.md5 {
            builder.md5()
        } else {
            builder
        }
    }

    fn addr(&self) -> String {
        if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// An event kept as received; `ami events` decodes it when printing.
#[derive(Clone, Debug)]
struct AnyEvent(Message);

impl FromEvent for AnyEvent {
    fn accepts(_: &str) -> bool {
        true
    }

    fn from_event<M: MessageView>(msg: &M) -> Result<Self, DecodeError> {
        Ok(AnyEvent(msg.to_message()))
    }
}

/// Build and check the request of `ami send`: `Action: <name>` plus the
/// `Key=Value` parameters, validated against the spec before anything is
/// sent. Returns the message and the registry entry.
pub fn request(
    action: &str,
    params: &[String],
) -> Result<(Message, &'static registry::ActionInfo), String> {
    let info = registry::action_info(action)
        .ok_or_else(|| format!("unknown action {action:?} (not in the spec)"))?;
    let mut msg = Message::new().with("Action", info.name);
    for param in params {
        let (name, value) = param
            .split_once('=')
            .ok_or_else(|| format!("parameter {param:?} is not Key=Value"))?;
        msg.push(name, value);
    }
    registry::check_action(&msg).map_err(|e| format!("{}: {e}", info.name))?;
    Ok((msg, info))
}

/// `ami send`: returns the process exit code (0 success, 1 the action or
/// the connection failed, 2 the request was refused before sending).
pub async fn send(login: &Login, action: &str, params: &[String], out: &mut impl Write) -> u8 {
    let (msg, info) = match request(action, params) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ami send: {e}");
            return 2;
        }
    };
    let client: Client<AnyEvent> = match login
        .builder()
        .keepalive(None)
        .reconnect(None)
        .connect_tcp(login.addr())
        .await
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ami send: {}: {e}", login.addr());
            return 1;
        }
    };
    let code = match client
        .send_message(&msg, info.shape, SendOptions::default())
        .await
    {
        Ok(reply) => {
            let typed = registry::check_reply(info.name, &reply).map_err(|e| e.to_string());
            let mut lines = vec![response_json(Some(info.name), &reply.head, typed)];
            for item in reply.items.iter().chain(&reply.complete) {
                lines.push(event_json(item).0);
            }
            for line in lines {
                let _ = writeln!(out, "{line}");
            }
            0
        }
        Err(Error::Failed {
            response, message, ..
        }) => {
            let _ = writeln!(out, "{}", response_json(Some(info.name), &response, Ok(())));
            eprintln!("ami send: {} failed: {message}", info.name);
            1
        }
        Err(e) => {
            eprintln!("ami send: {}: {e}", info.name);
            1
        }
    };
    let _ = client.logoff().await;
    code
}

fn notice(kind: &str, text: &str) -> String {
    Object::new().str("type", kind).str("error", text).finish()
}

/// `ami events`: print the event stream until interrupted (or until the
/// session ends). Returns the exit code.
pub async fn events(
    login: &Login,
    out: &mut impl Write,
    until: impl std::future::Future<Output = ()>,
) -> u8 {
    let client: Client<AnyEvent> = match login.builder().connect_tcp(login.addr()).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ami events: {}: {e}", login.addr());
            return 1;
        }
    };
    let mut events = client.events();
    tokio::pin!(until);
    loop {
        let item = tokio::select! {
            item = events.recv() => item,
            () = &mut until => break,
        };
        let line = match item {
            None => break,
            Some(StreamItem::Event(AnyEvent(msg))) => event_json(&msg).0,
            Some(StreamItem::Undecoded { message, .. }) => event_json(&message).0,
            Some(StreamItem::Missed(n)) => notice(
                "error",
                &format!("missed {n} events: the output is too slow"),
            ),
            Some(StreamItem::Error(e)) => notice("error", &e.to_string()),
            Some(StreamItem::Disconnected { reason }) => {
                notice("notice", &format!("disconnected: {reason}"))
            }
            Some(StreamItem::Reconnected) => Object::new()
                .str("type", "notice")
                .str("notice", "reconnected")
                .finish(),
        };
        if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
            break;
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), client.logoff()).await;
    0
}
