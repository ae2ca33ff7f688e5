//! A mock AMI server for tests (feature `testing`): in-process, over TCP on
//! 127.0.0.1 or over in-memory duplex streams. It speaks the real framing
//! (the banner, `\r\n` line endings, blank-line ends), answers `Login`
//! (plain and MD5), `Challenge`, `Logoff` and `Ping` itself (and
//! `CoreSettings` when told which Asterisk it plays), and answers every
//! other action from a script: responses, list items, unsolicited
//! events, raw bytes (garbage, Asterisk 13 command output, `Queues` text),
//! pauses and disconnects.
//!
//! ```
//! use ami_runtime::testing::{MockServer, Step};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let server = MockServer::builder()
//!     .user("admin", "secret")
//!     .on("Hangup", |req| vec![Step::success(&[("Message", "Channel Hungup")])])
//!     .start()
//!     .await
//!     .unwrap();
//! let client: ami_runtime::client::Client = ami_runtime::client::Client::builder("admin", "secret")
//!     .connect_tcp(server.addr().to_string())
//!     .await
//!     .unwrap();
//! assert!(client.banner().starts_with("Asterisk Call Manager/"));
//! # }
//! ```

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::client::auth::{md5_key, Secret};
use crate::client::{BoxTransport, Connector};
use crate::proto::{Frame, Framer};
use crate::wire::Message;

/// One thing the server does in answer to an action (or when pushed).
#[derive(Clone, Debug)]
pub enum Step {
    /// Send a response; the request's `ActionID` is added when the message
    /// has none.
    Respond(Message),
    /// Send an event that belongs to the request (a list item, a completion
    /// event): the request's `ActionID` is added when the message has none.
    Item(Message),
    /// Send an event as is (unsolicited).
    Event(Message),
    /// Send bytes as they are; `{ActionID}` is replaced by the request's
    /// `ActionID`.
    Raw(Vec<u8>),
    /// Wait before the next step.
    Sleep(Duration),
    /// Close the connection.
    Disconnect,
}

fn message(first: (&str, &str), fields: &[(&str, &str)]) -> Message {
    let mut msg = Message::new().with(first.0.to_owned(), first.1.to_owned());
    for (name, value) in fields {
        msg.push(name.to_string(), value.to_string());
    }
    msg
}

impl Step {
    /// `Response: Success` with these fields.
    pub fn success(fields: &[(&str, &str)]) -> Step {
        Step::Respond(message(("Response", "Success"), fields))
    }

    /// `Response: Error` with this message.
    pub fn error(text: &str) -> Step {
        Step::Respond(message(("Response", "Error"), &[("Message", text)]))
    }

    /// An event `name` of the request (list item or completion).
    pub fn item(name: &str, fields: &[(&str, &str)]) -> Step {
        Step::Item(message(("Event", name), fields))
    }

    /// An unsolicited event `name`.
    pub fn event(name: &str, fields: &[(&str, &str)]) -> Step {
        Step::Event(message(("Event", name), fields))
    }

    /// A whole list reply: the start response, the items, the completion event.
    pub fn list(items: Vec<Message>, complete: &str) -> Vec<Step> {
        let count = items.len().to_string();
        let mut steps = vec![Step::success(&[
            ("EventList", "start"),
            ("Message", "Events will follow"),
        ])];
        steps.extend(items.into_iter().map(Step::Item));
        steps.push(Step::item(
            complete,
            &[("EventList", "Complete"), ("ListItems", &count)],
        ));
        steps
    }
}

type Handler = Arc<dyn Fn(&Message) -> Vec<Step> + Send + Sync>;

/// Configures a [`MockServer`].
#[derive(Default)]
pub struct MockBuilder {
    users: Vec<(String, Secret)>,
    banner: Option<String>,
    handlers: Vec<(String, Handler)>,
    on_login: Vec<Step>,
    asterisk_version: Option<String>,
}

impl fmt::Debug for MockBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockBuilder")
            .field("users", &self.users)
            .field("banner", &self.banner)
            .field("asterisk_version", &self.asterisk_version)
            .field(
                "handlers",
                &self.handlers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl MockBuilder {
    /// Accept this user and secret (plain and MD5 login).
    pub fn user(mut self, name: &str, secret: &str) -> Self {
        self.users.push((name.to_owned(), Secret::new(secret)));
        self
    }

    /// The greeting (default `Asterisk Call Manager/5.0.1`).
    pub fn banner(mut self, banner: &str) -> Self {
        self.banner = Some(banner.to_owned());
        self
    }

    /// Answer action `name` (any case) with the steps `handler` returns for
    /// the request. An empty list means no answer at all. Scripts take
    /// precedence over the built-in `Ping`.
    pub fn on(
        mut self,
        name: &str,
        handler: impl Fn(&Message) -> Vec<Step> + Send + Sync + 'static,
    ) -> Self {
        self.handlers.push((name.to_owned(), Arc::new(handler)));
        self
    }

    /// Answer action `name` with fixed steps.
    pub fn reply(self, name: &str, steps: Vec<Step>) -> Self {
        self.on(name, move |_| steps.clone())
    }

    /// Play Asterisk `version` (`22.10.1`): the banner gives the AMI
    /// version of that branch (`Asterisk Call Manager/11.0.0` for 22; an
    /// explicit [`MockBuilder::banner`] wins) and `CoreSettings` answers with
    /// `AsteriskVersion: 22.10.1` (a script for `CoreSettings` wins, e.g.
    /// `Step::error("Permission denied")` for a user without the privilege).
    pub fn asterisk_version(mut self, version: &str) -> Self {
        self.asterisk_version = Some(version.to_owned());
        self
    }

    /// Steps run right after each successful login (`FullyBooted`...).
    pub fn on_login(mut self, steps: Vec<Step>) -> Self {
        self.on_login = steps;
        self
    }

    fn shared(mut self) -> Arc<Shared> {
        let mut banner = None;
        if let Some(version) = self.asterisk_version.clone() {
            let major = crate::version::Version::from_server_text(&version).map(|v| v.major);
            let ami = match major {
                Some(m @ 15..=23) => format!("{}.0.0", m - 11),
                Some(14) => "3.0.0".to_owned(),
                _ => "2.0.0".to_owned(),
            };
            banner = Some(format!("Asterisk Call Manager/{ami}"));
            self = self.reply(
                "CoreSettings",
                vec![Step::success(&[
                    ("AMIversion", &ami),
                    ("AsteriskVersion", &version),
                    ("SystemName", ""),
                    ("CoreMaxCalls", "0"),
                    ("CoreMaxLoadAvg", "0.000000"),
                    ("CoreRunUser", "asterisk"),
                    ("CoreRunGroup", "asterisk"),
                    ("CoreMaxFilehandles", "0"),
                    ("CoreRealTimeEnabled", "No"),
                    ("CoreCDRenabled", "Yes"),
                    ("CoreHTTPenabled", "No"),
                ])],
            );
        }
        Arc::new(Shared {
            users: self.users,
            banner: self
                .banner
                .or(banner)
                .unwrap_or_else(|| "Asterisk Call Manager/5.0.1".to_owned()),
            handlers: self.handlers,
            on_login: self.on_login,
            sessions: Mutex::new(Vec::new()),
            received: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            logins: AtomicUsize::new(0),
            challenges: AtomicU64::new(0),
        })
    }

    /// Start listening on 127.0.0.1 (a free port); in-memory connections
    /// work too.
    pub async fn start(self) -> io::Result<MockServer> {
        self.start_on(("127.0.0.1", 0)).await
    }

    /// Start listening on `addr` (`127.0.0.1:5038`; port 0 picks a free
    /// one, which [`MockServer::addr`] tells): what `ami mock` serves on.
    pub async fn start_on(self, addr: impl tokio::net::ToSocketAddrs) -> io::Result<MockServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = self.shared();
        let accepting = shared.clone();
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                accepting.clone().spawn_session(stream);
            }
        });
        Ok(MockServer {
            shared,
            addr: Some(addr),
            accept: Some(accept),
        })
    }

    /// A server reachable only in memory ([`MockServer::connect_in_memory`]).
    pub fn in_memory(self) -> MockServer {
        MockServer {
            shared: self.shared(),
            addr: None,
            accept: None,
        }
    }
}

/// Something pushed to every connected session.
struct Push {
    steps: Vec<Step>,
    done: oneshot::Sender<()>,
}

struct Shared {
    users: Vec<(String, Secret)>,
    banner: String,
    handlers: Vec<(String, Handler)>,
    on_login: Vec<Step>,
    sessions: Mutex<Vec<mpsc::UnboundedSender<Push>>>,
    received: Mutex<Vec<Message>>,
    connections: AtomicUsize,
    logins: AtomicUsize,
    challenges: AtomicU64,
}

/// Whether a session goes on after some steps.
enum Flow {
    Continue,
    Close,
}

fn with_action_id(msg: &Message, action_id: Option<&str>) -> Message {
    let mut msg = msg.clone();
    if let (Some(id), None) = (action_id, msg.action_id()) {
        let at = msg.headers.len().min(1);
        msg.headers
            .insert(at, crate::wire::Header::new("ActionID", id.to_owned()));
    }
    msg
}

fn replace_action_id(raw: &[u8], action_id: Option<&str>) -> Vec<u8> {
    const MARK: &[u8] = b"{ActionID}";
    let id = action_id.unwrap_or("").as_bytes();
    let mut out = Vec::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.windows(MARK.len()).position(|w| w == MARK) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(id);
        rest = &rest[at + MARK.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Append the bytes of `steps` to `out`; a pause or a disconnect first
/// writes out what is pending, so that bytes before it leave before it.
async fn run_steps<W: AsyncWrite + Unpin>(
    w: &mut W,
    out: &mut Vec<u8>,
    steps: &[Step],
    action_id: Option<&str>,
) -> io::Result<Flow> {
    for step in steps {
        match step {
            Step::Respond(msg) | Step::Item(msg) => with_action_id(msg, action_id).write_to(out),
            Step::Event(msg) => msg.write_to(out),
            Step::Raw(raw) => out.extend_from_slice(&replace_action_id(raw, action_id)),
            Step::Sleep(d) => {
                flush(w, out).await?;
                tokio::time::sleep(*d).await;
            }
            Step::Disconnect => {
                flush(w, out).await?;
                return Ok(Flow::Close);
            }
        }
    }
    Ok(Flow::Continue)
}

/// Write what is pending: one write for all the answers to one read.
async fn flush<W: AsyncWrite + Unpin>(w: &mut W, out: &mut Vec<u8>) -> io::Result<()> {
    if !out.is_empty() {
        w.write_all(out).await?;
        w.flush().await?;
        out.clear();
    }
    Ok(())
}

/// What one session remembers.
#[derive(Default)]
struct SessionState {
    logged_in: bool,
    challenge: Option<String>,
}

impl Shared {
    fn spawn_session<T: AsyncRead + AsyncWrite + Send + 'static>(self: Arc<Self>, io: T) {
        let (tx, rx) = mpsc::unbounded_channel();
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.retain(|s| !s.is_closed());
            sessions.push(tx);
        }
        self.connections.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(async move {
            let _ = self.session(io, rx).await;
        });
    }

    async fn session<T: AsyncRead + AsyncWrite>(
        &self,
        io: T,
        mut pushes: mpsc::UnboundedReceiver<Push>,
    ) -> io::Result<()> {
        let (mut r, mut w) = tokio::io::split(io);
        w.write_all(format!("{}\r\n", self.banner).as_bytes())
            .await?;
        w.flush().await?;
        let mut framer = Framer::new();
        let mut state = SessionState::default();
        let mut buf = vec![0u8; 64 * 1024];
        let mut out = Vec::new();
        loop {
            tokio::select! {
                biased;
                push = pushes.recv() => {
                    let Some(push) = push else { return Ok(()) };
                    let flow = run_steps(&mut w, &mut out, &push.steps, None).await?;
                    flush(&mut w, &mut out).await?;
                    let _ = push.done.send(());
                    if let Flow::Close = flow {
                        return Ok(());
                    }
                }
                n = r.read(&mut buf) => {
                    let n = n?;
                    if n == 0 {
                        return Ok(());
                    }
                    framer.feed(&buf[..n]);
                    loop {
                        let request = match framer.next_frame() {
                            Some(Frame::Message(m)) => m.to_message(),
                            Some(_) => continue,
                            None => break,
                        };
                        if let Flow::Close = self.answer(&mut w, &mut out, &mut state, &request).await? {
                            return Ok(());
                        }
                    }
                    flush(&mut w, &mut out).await?;
                }
            }
        }
    }

    fn record(&self, request: &Message) {
        let mut copy = request.clone();
        for h in &mut copy.headers {
            if h.is("Secret") || h.is("Key") {
                h.value = "***".into();
            }
        }
        if let Ok(mut received) = self.received.lock() {
            received.push(copy);
        }
    }

    fn accepts(&self, request: &Message, state: &SessionState) -> bool {
        let user = request.get("Username").unwrap_or_default();
        let Some((_, secret)) = self.users.iter().find(|(u, _)| u == user) else {
            return false;
        };
        if request
            .get("AuthType")
            .is_some_and(|a| a.eq_ignore_ascii_case("MD5"))
        {
            match (&state.challenge, request.get("Key")) {
                (Some(challenge), Some(key)) => md5_key(challenge, secret) == key,
                _ => false,
            }
        } else {
            request.get("Secret") == Some(secret.expose())
        }
    }

    async fn answer<W: AsyncWrite + Unpin>(
        &self,
        w: &mut W,
        out: &mut Vec<u8>,
        state: &mut SessionState,
        request: &Message,
    ) -> io::Result<Flow> {
        self.record(request);
        let id = request.action_id();
        let action = request
            .get("Action")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let steps = match action.as_str() {
            "login" => {
                if self.accepts(request, state) {
                    state.logged_in = true;
                    self.logins.fetch_add(1, Ordering::SeqCst);
                    let mut steps = vec![Step::success(&[("Message", "Authentication accepted")])];
                    steps.extend(self.on_login.iter().cloned());
                    steps
                } else {
                    // Asterisk closes the session after a failed login.
                    vec![Step::error("Authentication failed"), Step::Disconnect]
                }
            }
            "challenge" => {
                if request
                    .get("AuthType")
                    .is_some_and(|a| a.eq_ignore_ascii_case("MD5"))
                {
                    let n = self.challenges.fetch_add(1, Ordering::SeqCst);
                    let challenge =
                        format!("{:09}", 100_000_007u64.wrapping_mul(n + 1) % 1_000_000_000);
                    state.challenge = Some(challenge.clone());
                    vec![Step::success(&[("Challenge", &challenge)])]
                } else {
                    vec![Step::error("Must specify AuthType")]
                }
            }
            "logoff" => vec![
                Step::Respond(message(
                    ("Response", "Goodbye"),
                    &[("Message", "Thanks for all the fish.")],
                )),
                Step::Disconnect,
            ],
            _ if !state.logged_in => vec![Step::error("Permission denied")],
            _ => match self
                .handlers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(&action))
            {
                Some((_, handler)) => handler(request),
                None if action == "ping" => {
                    vec![Step::success(&[
                        ("Ping", "Pong"),
                        ("Timestamp", "1700000000.000000"),
                    ])]
                }
                None => {
                    let name = request.get("Action").unwrap_or_default();
                    vec![Step::error(&format!(
                        "Invalid/unknown command: {name}. Use Action: ListCommands to show available commands."
                    ))]
                }
            },
        };
        run_steps(w, out, &steps, id).await
    }
}

/// A running mock server. Dropping it stops accepting connections;
/// sessions already open go on until their client leaves.
pub struct MockServer {
    shared: Arc<Shared>,
    addr: Option<SocketAddr>,
    accept: Option<JoinHandle<()>>,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(accept) = &self.accept {
            accept.abort();
        }
    }
}

impl MockServer {
    /// Configure a server.
    pub fn builder() -> MockBuilder {
        MockBuilder::default()
    }

    /// The TCP address (panics for an in-memory-only server).
    pub fn addr(&self) -> SocketAddr {
        self.addr
            .expect("this mock server was built in memory only; use connect_in_memory")
    }

    /// A new in-memory connection to the server (64 KiB of buffering).
    pub fn connect_in_memory(&self) -> tokio::io::DuplexStream {
        self.connect_in_memory_with_buffer(64 * 1024)
    }

    /// A new in-memory connection whose pipes hold at most `bytes` bytes:
    /// with 1, every read returns a single byte, which splits every
    /// multi-byte character and every line across reads.
    pub fn connect_in_memory_with_buffer(&self, bytes: usize) -> tokio::io::DuplexStream {
        let (client, server) = tokio::io::duplex(bytes.max(1));
        self.shared.clone().spawn_session(server);
        client
    }

    /// A connector that opens a new in-memory connection each time (for
    /// reconnection tests).
    pub fn in_memory_connector(&self) -> Connector {
        let shared = self.shared.clone();
        Arc::new(move || {
            let (client, server) = tokio::io::duplex(64 * 1024);
            shared.clone().spawn_session(server);
            Box::pin(async move { Ok(Box::new(client) as BoxTransport) })
        })
    }

    /// Run `steps` on every open session (unsolicited events, garbage, a
    /// disconnect), returning once each session has written them.
    pub async fn push(&self, steps: Vec<Step>) {
        let senders: Vec<_> = match self.shared.sessions.lock() {
            Ok(sessions) => sessions
                .iter()
                .filter(|s| !s.is_closed())
                .cloned()
                .collect(),
            Err(_) => return,
        };
        let mut waits = Vec::new();
        for sender in senders {
            let (done, wait) = oneshot::channel();
            if sender
                .send(Push {
                    steps: steps.clone(),
                    done,
                })
                .is_ok()
            {
                waits.push(wait);
            }
        }
        for wait in waits {
            let _ = wait.await;
        }
    }

    /// Close every open session.
    pub async fn disconnect_all(&self) {
        self.push(vec![Step::Disconnect]).await;
    }

    /// Every action received so far, in order (`Secret` and `Key` masked).
    pub fn received(&self) -> Vec<Message> {
        self.shared
            .received
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Successful logins so far.
    pub fn logins(&self) -> usize {
        self.shared.logins.load(Ordering::SeqCst)
    }
}
