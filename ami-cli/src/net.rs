//! `ami send` and `ami events`: log in to a live server (or the mock) with
//! the runtime's client, and print what comes back as JSON lines.

use std::io::Write;
use std::time::Duration;

use ami_generated::registry;
use ami_runtime::client::{Client, ClientBuilder, Error, Secret, SendOptions, StreamItem};
use ami_runtime::version::Availability;
use ami_runtime::wire::{
    AmiStr, DecodeError, FromEvent, Message, MessageView, Reply, ResponseShape,
};

use crate::decode::{event_json, response_json, typed_reply};
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

/// How `ami send` treats its action.
#[derive(Clone, Debug, Default)]
pub struct SendMode {
    /// Send even when the spec says the server's version lacks the action.
    pub ignore_version: bool,
    /// Send the `Key=Value` pairs as they are: no spec check, and the action
    /// need not be in the spec (its reply is printed untyped).
    pub raw: bool,
    /// With `raw`: the reply is an event list ending with this event.
    pub list_complete: Option<String>,
}

/// A request ready to send.
#[derive(Debug)]
pub struct Request {
    /// `Action: <name>` and the parameters.
    pub msg: Message,
    /// The spec's entry, when the action is in the spec.
    pub info: Option<&'static registry::ActionInfo>,
    /// How to collect the reply.
    pub shape: ResponseShape,
}

impl Request {
    /// The wire name of the action.
    pub fn name(&self) -> &str {
        self.msg.get("Action").unwrap_or_default()
    }
}

/// One `Key=Value` pair, refused when it could break the framing.
fn pair(param: &str) -> Result<(&str, &str), String> {
    let (name, value) = param
        .split_once('=')
        .ok_or_else(|| format!("parameter {param:?} is not Key=Value"))?;
    if param.contains(['\r', '\n', '\0']) {
        return Err(format!(
            "parameter {:?} holds a CR, LF or NUL: it would break the message apart",
            param.escape_debug().to_string()
        ));
    }
    if name.is_empty() || name.contains(':') || name.trim() != name {
        return Err(format!(
            "parameter {param:?}: {name:?} is not a header name"
        ));
    }
    Ok((name, value))
}

/// Build and check the request of `ami send`: `Action: <name>` plus the
/// `Key=Value` parameters, validated against the spec before anything is
/// sent (in `raw` mode only their framing is checked, and the action need
/// not be in the spec).
pub fn request(action: &str, params: &[String], mode: &SendMode) -> Result<Request, String> {
    let info = registry::action_info(action);
    if info.is_none() && !mode.raw {
        return Err(format!(
            "unknown action {action:?} (not in the spec): pass --raw to send it as given"
        ));
    }
    if action.is_empty() || action.contains(['\r', '\n', '\0', ':']) {
        return Err(format!("{action:?} is not an action name"));
    }
    let action = match info {
        Some(info) => AmiStr::from_static(info.name),
        None => AmiStr::from(action.to_owned()),
    };
    let mut msg = Message::new().with("Action", action);
    for param in params {
        let (name, value) = pair(param)?;
        msg.push(name.to_owned(), value.to_owned());
    }
    let shape = match (&mode.list_complete, info) {
        (Some(complete), _) => ResponseShape::List {
            // The shape wants a static name; one per process run.
            complete: Box::leak(complete.clone().into_boxed_str()),
        },
        (None, Some(info)) => info.shape,
        (None, None) => ResponseShape::Single,
    };
    if let (Some(info), false) = (info, mode.raw) {
        registry::check_action(&msg).map_err(|e| format!("{}: {e}", info.name))?;
    }
    Ok(Request { msg, info, shape })
}

/// `ami send`: returns the process exit code (0 success, 1 the action or
/// the connection failed, 2 the request was refused before sending: by the
/// spec, or because the server's version lacks the action).
pub async fn send(
    login: &Login,
    action: &str,
    params: &[String],
    mode: &SendMode,
    out: &mut impl Write,
) -> u8 {
    let request = match request(action, params, mode) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ami send: {e}");
            return 2;
        }
    };
    let name = request.name().to_owned();
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
    let options = SendOptions {
        ignore_version: mode.ignore_version,
        ..SendOptions::default()
    };
    let availability = request
        .info
        .map_or(Availability::ALWAYS, |i| i.availability);
    let code = match client
        .send_message_checked(&request.msg, request.shape, &availability, options)
        .await
    {
        Ok(reply) => {
            let typed = match (request.info, mode.raw) {
                (Some(info), false) => typed_reply(info.name, &reply),
                (Some(_), true) => Err("sent with --raw: not decoded".to_owned()),
                (None, _) => Err("not in the spec: not decoded".to_owned()),
            };
            let checked = !mode.raw;
            let (line, mut all_typed) = response_json(Some(&name), &reply.head, typed);
            let mut lines = vec![line];
            for item in reply.items.iter().chain(&reply.complete) {
                let (line, typed) = event_json(item);
                all_typed &= typed;
                lines.push(line);
            }
            for line in lines {
                let _ = writeln!(out, "{line}");
            }
            // A reply that does not decode as the spec says is a failure
            // (with --raw nothing is decoded: the reply is the answer).
            u8::from(checked && !all_typed)
        }
        Err(Error::Failed {
            response, message, ..
        }) => {
            let typed = typed_reply(&name, &Reply::single(response.clone()));
            let _ = writeln!(out, "{}", response_json(Some(&name), &response, typed).0);
            eprintln!("ami send: {name} failed: {message}");
            1
        }
        Err(Error::Unsupported {
            server, available, ..
        }) => {
            eprintln!(
                "ami send: {name} is not available in {server} ({}): not sent; \
                 pass --ignore-version to send it anyway",
                available.to_lowercase()
            );
            2
        }
        Err(e) => {
            eprintln!("ami send: {name}: {e}");
            1
        }
    };
    let _ = client.logoff().await;
    code
}

/// A notice line of `ami events`: `{"kind": "notice", "notice": <what>}`,
/// plus `"error"` when something went wrong and `"missed"` (a count) when
/// events were dropped.
pub fn notice(notice: &str, error: Option<&str>, missed: Option<u64>) -> String {
    let mut json = Object::new().str("kind", "notice").str("notice", notice);
    if let Some(missed) = missed {
        json = json.num("missed", missed);
    }
    if let Some(error) = error {
        json = json.str("error", error);
    }
    json.finish()
}

/// `ami events`: print the event stream until interrupted, until the
/// session ends, or after `count` events. Returns the exit code.
pub async fn events(
    login: &Login,
    count: Option<u64>,
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
    let mut printed = 0;
    while count.is_none_or(|n| printed < n) {
        let item = tokio::select! {
            item = events.recv() => item,
            () = &mut until => break,
        };
        let line = match item {
            None => break,
            Some(StreamItem::Event(AnyEvent(msg))) => {
                printed += 1;
                event_json(&msg).0
            }
            Some(StreamItem::Undecoded { message, .. }) => {
                printed += 1;
                event_json(&message).0
            }
            Some(StreamItem::Missed(n)) => notice(
                "missed",
                Some("the output is too slow: events were dropped"),
                Some(n),
            ),
            Some(StreamItem::Error(e)) => notice("error", Some(&e.to_string()), None),
            Some(StreamItem::Disconnected { reason }) => {
                notice("disconnected", Some(&reason.to_string()), None)
            }
            Some(StreamItem::Reconnected) => notice("reconnected", None, None),
        };
        if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
            break;
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), client.logoff()).await;
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> SendMode {
        SendMode {
            raw: true,
            ..SendMode::default()
        }
    }

    #[test]
    fn raw_pairs_cannot_break_the_framing() {
        for bad in ["A=b\rc", "A=b\nAction: Originate", "A=b\0", "Na\nme=x"] {
            let err = request("DBGetTree", &[bad.to_owned()], &raw()).unwrap_err();
            assert!(err.contains("CR, LF or NUL"), "{err}");
        }
        for bad in ["=x", "A:b=c", " A=b"] {
            let err = request("DBGetTree", &[bad.to_owned()], &raw()).unwrap_err();
            assert!(err.contains("is not a header name"), "{err}");
        }
        assert!(request("DB\r\nGetTree", &[], &raw()).is_err());
    }

    #[test]
    fn raw_requests_skip_the_spec_but_keep_its_shape() {
        let r = request("livenotinthespec", &["Family=cf".to_owned()], &raw()).unwrap();
        assert!(r.info.is_none());
        assert_eq!(r.shape, ResponseShape::Single);
        assert_eq!(r.msg.get("Family"), Some("cf"));
        // A spec action keeps its wire name and shape, without the checks
        // (Originate without its required Channel).
        let r = request("originate", &["Exten=100".to_owned()], &raw()).unwrap();
        assert_eq!(r.name(), "Originate");
        assert!(r.info.is_some());
        let checked = request("originate", &["Exten=100".to_owned()], &SendMode::default());
        assert!(checked.is_err());
        let list = request("coreshowchannels", &[], &raw()).unwrap();
        assert!(matches!(list.shape, ResponseShape::List { .. }));
    }
}
