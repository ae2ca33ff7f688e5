//! The tokio client: a thin adapter that moves bytes between a transport
//! and the sans-IO [`Connection`](crate::proto::Connection).
//!
//! One background task (the driver) owns the transport and the connection
//! state machine; [`Client`] handles (cheap to clone, usable from any task,
//! including an event handler) hand it pre-encoded actions and await their
//! replies. Encoding, and so validation, happens in the caller's task, before
//! anything is queued: a refused action never reaches the wire.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ami_runtime::client::Error> {
//! use ami_runtime::client::{Client, RawEvent, StreamItem};
//! use ami_runtime::client::auth::Ping;
//!
//! let client: Client<RawEvent> = Client::builder("admin", "secret")
//!     .connect_tcp("127.0.0.1:5038")
//!     .await?;
//! let mut events = client.events();
//! let pong = client.send(&Ping::default()).await?;
//! while let Some(item) = events.recv().await {
//!     if let StreamItem::Event(RawEvent(msg)) = item {
//!         println!("{:?}", msg.get("Event"));
//!     }
//! }
//! # Ok(()) }
//! ```

pub mod auth;
mod driver;
mod transport;
pub mod url;

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream as _;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::proto::{ActionError, Limits, ProtocolError, SendError};
use crate::version::{Availability, ServerVersion};
use crate::wire::{
    encode_action, Action, DecodeError, EncodeError, FromEvent, FromResponse, Goodbye, Message,
    MessageView, Reply, ResponseShape,
};

pub use auth::{AuthMethod, Credentials, Secret};
pub use transport::{BoxTransport, Connector, Transport};
pub use url::{Endpoint, UrlError, UrlErrorKind};

use driver::{Command, Driver};

/// Actions handed to the driver and not taken yet (see
/// [`Config::max_queued_bytes`] for when it stops taking them).
const COMMAND_QUEUE: usize = 1024;

/// What went wrong with a client call.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Connecting or reading/writing the transport failed.
    Io(io::Error),
    /// The typed action was refused before any byte was written.
    Encode(EncodeError),
    /// The action was refused before any byte was written (raw message
    /// header, duplicate `ActionID`).
    Send(SendError),
    /// The reply arrived but does not decode into the action's typed response.
    Decode(DecodeError),
    /// Asterisk answered `Response: Error`.
    Failed {
        /// Wire name of the action.
        action: String,
        /// Asterisk's `Message` header.
        message: String,
        /// The whole response.
        response: Message,
    },
    /// `Login` was refused.
    LoginFailed {
        /// Asterisk's message (`Authentication failed`).
        message: String,
    },
    /// No reply within the action's timeout.
    Timeout {
        /// Wire name of the action.
        action: String,
        /// The timeout.
        after: Duration,
    },
    /// The connection dropped before the reply was complete.
    Disconnected {
        /// What is known about the cause.
        reason: String,
    },
    /// The connection is down and being re-established; try again later.
    NotConnected,
    /// The session ended (`Logoff`, or every handle of the client dropped).
    Closed,
    /// The reply could not be framed (too large, malformed...).
    Protocol(ProtocolError),
    /// The spec knows the action to be absent from the server's version;
    /// nothing was written. [`SendOptions::ignore_version`] sends it anyway.
    Unsupported {
        /// Wire name of the action.
        action: String,
        /// What the client knows of the server.
        server: ServerVersion,
        /// The versions that have the action (`Since 1.2.0 · removed in 21.0.0`).
        available: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::Encode(e) => write!(f, "refused before sending: {e}"),
            Error::Send(e) => write!(f, "refused before sending: {e}"),
            Error::Decode(e) => write!(f, "cannot decode the reply: {e}"),
            Error::Failed {
                action,
                message,
                response,
            } => {
                write!(f, "action {action} failed: {message}")?;
                crate::proto::connection::write_output_lines(f, response)
            }
            Error::LoginFailed { message } => write!(f, "login failed: {message}"),
            Error::Timeout { action, after } => {
                write!(f, "action {action}: no reply within {after:?}")
            }
            Error::Disconnected { reason } => write!(f, "disconnected: {reason}"),
            Error::NotConnected => f.write_str("not connected (reconnecting)"),
            Error::Closed => f.write_str("the session is closed"),
            Error::Protocol(e) => write!(f, "protocol error: {e}"),
            Error::Unsupported {
                action,
                server,
                available,
            } => write!(
                f,
                "action {action} is not available in {server} ({}); not sent \
                 (SendOptions::ignore_version() sends it anyway)",
                available.to_lowercase()
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Encode(e) => Some(e),
            Error::Send(e) => Some(e),
            Error::Decode(e) => Some(e),
            Error::Protocol(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

impl Error {
    fn from_action(action: &str, e: ActionError) -> Self {
        match e {
            ActionError::Failed { message, response } => Error::Failed {
                action: action.to_owned(),
                message,
                response,
            },
            ActionError::Protocol(e) => Error::Protocol(e),
            ActionError::Disconnected { reason } => Error::Disconnected { reason },
        }
    }
}

/// Reconnection delays: `initial`, doubled after each failed attempt up to `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Delay before the first attempt.
    pub initial: Duration,
    /// Longest delay between attempts.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(30),
        }
    }
}

/// Client settings. `Debug` never shows the secret.
#[derive(Clone, Debug)]
pub struct Config {
    /// Who logs in, and how.
    pub credentials: Credentials,
    /// Default timeout of an action (login included).
    pub timeout: Duration,
    /// Send `Ping` this often; a `Ping` unanswered by the next one means the
    /// connection is dead. `None` disables it.
    pub keepalive: Option<Duration>,
    /// Reconnect after a drop (when the transport can be opened again).
    /// `None` disables it.
    pub reconnect: Option<Backoff>,
    /// Events kept for a consumer that falls behind; past that it is told
    /// how many it missed.
    pub event_buffer: usize,
    /// Limits on received messages.
    pub limits: Limits,
    /// Ask `CoreSettings` for the exact Asterisk release after each login
    /// (see [`Client::server_version`]); the banner alone gives the branch.
    pub detect_version: bool,
    /// Most bytes of actions queued for writing (default 8 MiB). Past it the
    /// driver takes no new action from the handles: calls wait in a channel
    /// of 1024 until the queue drains, and fail with [`Error::Timeout`] when
    /// their deadline comes first. An action that times out before its
    /// bytes were handed to the transport gives them back; at most 64 KiB
    /// (plus one action) are handed at a time. So the client holds at most
    /// this limit plus 64 KiB plus one action of unwritten bytes, and 1024
    /// waiting actions, whatever the peer does.
    pub max_queued_bytes: usize,
}

/// Builds a [`Client`]: settings, then a `connect_*` call; or, from a
/// connection string ([`ClientBuilder::from_url`]), settings and address,
/// then [`ClientBuilder::connect`].
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    config: Config,
    /// Set by a connection string.
    endpoint: Option<Endpoint>,
    /// For `amis://` endpoints.
    #[cfg(feature = "tls")]
    tls: Option<Arc<tokio_rustls::rustls::ClientConfig>>,
}

impl ClientBuilder {
    /// Plain login as `username` with `secret`; 30 s action timeout,
    /// keepalive every 30 s, reconnection with the default [`Backoff`],
    /// 1024 buffered events, default [`Limits`], 8 MiB write queue.
    pub fn new(username: impl Into<String>, secret: impl Into<Secret>) -> Self {
        ClientBuilder {
            config: Config {
                credentials: Credentials::new(username, secret),
                timeout: Duration::from_secs(30),
                keepalive: Some(Duration::from_secs(30)),
                reconnect: Some(Backoff::default()),
                event_buffer: 1024,
                limits: Limits::default(),
                detect_version: true,
                max_queued_bytes: 8 << 20,
            },
            endpoint: None,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// Log in with an MD5 challenge instead of a plain secret.
    pub fn md5(mut self) -> Self {
        self.config.credentials.method = AuthMethod::Md5;
        self
    }

    /// The `Events` parameter of `Login` (`on`, `off`, `call,agent`...).
    pub fn events(mut self, events: impl Into<String>) -> Self {
        self.config.credentials.events = Some(events.into());
        self
    }

    /// Default timeout of an action.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// Keepalive interval (`None` to disable).
    pub fn keepalive(mut self, every: Option<Duration>) -> Self {
        self.config.keepalive = every;
        self
    }

    /// Reconnection policy (`None` to disable).
    pub fn reconnect(mut self, backoff: Option<Backoff>) -> Self {
        self.config.reconnect = backoff;
        self
    }

    /// Size of the event buffer of each consumer.
    pub fn event_buffer(mut self, events: usize) -> Self {
        self.config.event_buffer = events.max(1);
        self
    }

    /// Limits on received messages.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// Whether to send `CoreSettings` after each login to learn the exact
    /// Asterisk release (on by default). Without it, or when the user may
    /// not run it, [`Client::server_version`] knows the AMI version of the
    /// banner and the branch it maps to.
    pub fn detect_version(mut self, detect: bool) -> Self {
        self.config.detect_version = detect;
        self
    }

    /// Most bytes of actions queued for writing (see [`Config::max_queued_bytes`]).
    pub fn max_queued_bytes(mut self, bytes: usize) -> Self {
        self.config.max_queued_bytes = bytes.max(1);
        self
    }

    /// The settings so far.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The TLS settings (trusted roots, client certificate...) for an
    /// `amis://` connection string; [`ClientBuilder::connect`] needs them.
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn tls_config(mut self, tls: Arc<tokio_rustls::rustls::ClientConfig>) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Connect to the address of the connection string this builder was
    /// made from ([`ClientBuilder::from_url`]): over TCP for `ami://`, over
    /// TLS for `amis://` (feature `tls`, with the `ClientBuilder::tls_config` given, and
    /// the host as server name); then log in and start the client.
    ///
    /// ```
    /// use ami_runtime::client::{Client, ClientBuilder, RawEvent};
    /// use ami_runtime::testing::MockServer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = MockServer::builder().user("admin", "p@ss").start().await?;
    /// let url = format!("ami://admin:p%40ss@{}?events=off&timeout=5s", server.addr());
    /// let client: Client<RawEvent> = url.parse::<ClientBuilder>()?.connect().await?;
    /// assert_eq!(client.config().timeout, std::time::Duration::from_secs(5));
    /// client.logoff().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect<E: ClientEvent>(self) -> Result<Client<E>, Error> {
        let Some(endpoint) = self.endpoint.clone() else {
            return Err(Error::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                "no address to connect to: make the builder with ClientBuilder::from_url, \
                 or call a connect_* method",
            )));
        };
        if endpoint.tls {
            #[cfg(feature = "tls")]
            {
                let Some(tls) = self.tls.clone() else {
                    return Err(Error::Io(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "amis:// needs TLS settings: ClientBuilder::tls_config",
                    )));
                };
                let name =
                    tokio_rustls::rustls::pki_types::ServerName::try_from(endpoint.host.clone())
                        .map_err(|e| {
                            Error::Io(io::Error::new(
                                io::ErrorKind::InvalidInput,
                                format!("`{}` is not a TLS server name: {e}", endpoint.host),
                            ))
                        })?;
                return self.connect_tls(endpoint.addr(), name, tls).await;
            }
            // `from_url` refuses `amis://` without the feature already.
            #[cfg(not(feature = "tls"))]
            return Err(Error::Io(io::Error::new(
                io::ErrorKind::Unsupported,
                "amis:// needs the `tls` feature of ami-runtime",
            )));
        }
        self.connect_tcp(endpoint.addr()).await
    }

    /// Connect over TCP (`"host:port"`), log in, and start the client.
    pub async fn connect_tcp<E: ClientEvent>(
        self,
        addr: impl Into<String>,
    ) -> Result<Client<E>, Error> {
        let addr = addr.into();
        let connector: Connector = Arc::new(move || {
            let addr = addr.clone();
            Box::pin(async move {
                let stream = tokio::net::TcpStream::connect(addr.as_str()).await?;
                stream.set_nodelay(true)?;
                Ok(Box::new(stream) as BoxTransport)
            })
        });
        self.connect_with(connector).await
    }

    /// Connect over TCP to a socket address.
    pub async fn connect_addr<E: ClientEvent>(self, addr: SocketAddr) -> Result<Client<E>, Error> {
        self.connect_tcp(addr.to_string()).await
    }

    /// Connect over TLS (the `tls` feature): TCP to `addr`, then a TLS
    /// handshake for `server_name` with `tls`.
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub async fn connect_tls<E: ClientEvent>(
        self,
        addr: impl Into<String>,
        server_name: tokio_rustls::rustls::pki_types::ServerName<'static>,
        tls: Arc<tokio_rustls::rustls::ClientConfig>,
    ) -> Result<Client<E>, Error> {
        let addr = addr.into();
        let connector: Connector = Arc::new(move || {
            let (addr, name, tls) = (addr.clone(), server_name.clone(), tls.clone());
            Box::pin(async move {
                let tcp = tokio::net::TcpStream::connect(addr.as_str()).await?;
                tcp.set_nodelay(true)?;
                let stream = tokio_rustls::TlsConnector::from(tls)
                    .connect(name, tcp)
                    .await?;
                Ok(Box::new(stream) as BoxTransport)
            })
        });
        self.connect_with(connector).await
    }

    /// Start over a transport that is already open (an in-memory duplex, a
    /// Unix socket...). It cannot be reopened, so there is no reconnection.
    pub async fn connect_io<E: ClientEvent>(self, io: impl Transport) -> Result<Client<E>, Error> {
        let slot = Arc::new(Mutex::new(Some(Box::new(io) as BoxTransport)));
        let connector: Connector = Arc::new(move || {
            let taken = slot.lock().map(|mut s| s.take()).unwrap_or(None);
            Box::pin(async move {
                taken.ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::NotConnected,
                        "the transport cannot be reopened",
                    )
                })
            })
        });
        let mut builder = self;
        builder.config.reconnect = None;
        builder.connect_with(connector).await
    }

    /// Start with a connector that opens a fresh transport for each
    /// (re)connection: the first one is opened and logged in before this
    /// returns.
    pub async fn connect_with<E: ClientEvent>(
        self,
        connector: Connector,
    ) -> Result<Client<E>, Error> {
        let config = Arc::new(self.config);
        let (events, first) = broadcast::channel(config.event_buffer);
        let version = Arc::new(Mutex::new(ServerVersion::default()));
        let (cmd_tx, cmd_rx) = mpsc::channel(COMMAND_QUEUE);
        let queued = Arc::new(AtomicUsize::new(0));
        let (driver, banner) = Driver::start(
            config.clone(),
            connector,
            cmd_rx,
            events.clone(),
            version.clone(),
            queued.clone(),
        )
        .await?;
        tokio::spawn(driver.run());
        Ok(Client {
            inner: Arc::new(Inner {
                cmd: cmd_tx,
                events: events.downgrade(),
                first: Mutex::new(Some(first)),
                config,
                banner,
                version,
                queued,
            }),
        })
    }
}

/// What the client can deliver as events: any [`FromEvent`] (the generated
/// `Event` enum, one event struct, [`RawEvent`]) that can be shared between
/// consumers.
pub trait ClientEvent: FromEvent + Clone + Send + Sync + 'static {}

impl<T: FromEvent + Clone + Send + Sync + 'static> ClientEvent for T {}

/// Any event, kept as received (no typed decoding).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawEvent(pub Message);

impl FromEvent for RawEvent {
    fn accepts(_: &str) -> bool {
        true
    }

    fn from_event<M: MessageView>(msg: &M) -> Result<Self, DecodeError> {
        Ok(RawEvent(msg.to_message()))
    }
}

/// One item of the event stream.
#[derive(Clone, Debug)]
pub enum StreamItem<E> {
    /// A typed event.
    Event(E),
    /// An event that `E` could not decode (a known event with a field of
    /// the wrong type...), kept raw with the reason.
    Undecoded {
        /// The event as received.
        message: Message,
        /// Why it did not decode.
        error: DecodeError,
    },
    /// This consumer fell behind: so many events were skipped.
    Missed(u64),
    /// Something the server sent that fits nowhere (a refused frame,
    /// invalid UTF-8, a response nobody waits for).
    Error(ProtocolError),
    /// The connection dropped; every action in flight failed with
    /// [`Error::Disconnected`].
    Disconnected {
        /// What is known about the cause.
        reason: String,
    },
    /// The connection is back and logged in again.
    Reconnected,
}

/// A consumer of the event stream; each has its own buffer.
///
/// Read it with [`EventStream::recv`], or as a [`futures_core::Stream`] of
/// [`StreamItem`]s, which brings the `StreamExt` combinators of
/// `futures-util` or `tokio-stream` (`filter_map`, `take`, `select`...). The
/// stream ends (`None`) once the client is gone.
///
/// ```
/// use ami_generated::channel::HangupAction;
/// use ami_runtime::client::{Client, RawEvent, StreamItem};
/// use ami_runtime::testing::{MockServer, Step};
/// use futures_util::StreamExt;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = MockServer::builder()
///     .user("admin", "s3cret")
///     .reply("Hangup", vec![
///         Step::success(&[("Message", "Channel Hungup")]),
///         Step::event("Hangup", &[("Channel", "SIP/300-00000000"), ("Cause", "16")]),
///         Step::event("Hangup", &[("Channel", "SIP/301-00000001"), ("Cause", "17")]),
///     ])
///     .start()
///     .await?;
/// let client: Client<RawEvent> = Client::builder("admin", "s3cret")
///     .connect_tcp(server.addr().to_string())
///     .await?;
/// let events = client.events();
/// client.send(&HangupAction::new("SIP/300-00000000")).await?;
///
/// // Only the events, only their `Cause`, the first two.
/// let causes: Vec<String> = events
///     .filter_map(|item| async move {
///         match item {
///             StreamItem::Event(RawEvent(msg)) => msg.get("Cause").map(str::to_owned),
///             _ => None,
///         }
///     })
///     .take(2)
///     .collect()
///     .await;
/// assert_eq!(causes, ["16", "17"]);
/// # Ok(())
/// # }
/// ```
pub struct EventStream<E> {
    state: RecvState<E>,
}

/// What an [`EventStream`] holds between polls: its receiver, or (while a
/// `poll_next` waits for the next item) a future that owns the receiver and
/// gives it back with the item. Only waiting costs an allocation: buffered
/// items are taken with `try_recv`.
enum RecvState<E> {
    Idle(broadcast::Receiver<StreamItem<E>>),
    Waiting(Pin<Box<RecvFuture<E>>>),
    /// Only while switching states.
    Empty,
}

type RecvResult<E> = Result<StreamItem<E>, broadcast::error::RecvError>;

type RecvFuture<E> =
    dyn Future<Output = (RecvResult<E>, broadcast::Receiver<StreamItem<E>>)> + Send + Sync;

fn recv_owned<E: Clone + Send + 'static>(
    mut rx: broadcast::Receiver<StreamItem<E>>,
) -> Pin<Box<RecvFuture<E>>> {
    Box::pin(async move {
        let result = rx.recv().await;
        (result, rx)
    })
}

/// A waker that does nothing, to look at a waiting receive without
/// registering interest ([`EventStream::try_recv`]).
struct NoopWake;

impl std::task::Wake for NoopWake {
    fn wake(self: Arc<Self>) {}
}

fn stream_item<E>(result: RecvResult<E>) -> Option<StreamItem<E>> {
    match result {
        Ok(item) => Some(item),
        Err(broadcast::error::RecvError::Lagged(n)) => Some(StreamItem::Missed(n)),
        Err(broadcast::error::RecvError::Closed) => None,
    }
}

impl<E: Clone + Send + 'static> EventStream<E> {
    fn new(rx: broadcast::Receiver<StreamItem<E>>) -> Self {
        EventStream {
            state: RecvState::Idle(rx),
        }
    }

    /// The next item; `None` once the client is gone. Cancel-safe: an item
    /// is never lost when this future is dropped.
    pub async fn recv(&mut self) -> Option<StreamItem<E>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The next item if one is buffered.
    pub fn try_recv(&mut self) -> Option<StreamItem<E>> {
        match std::mem::replace(&mut self.state, RecvState::Empty) {
            RecvState::Idle(mut rx) => {
                let item = match rx.try_recv() {
                    Ok(item) => Some(item),
                    Err(broadcast::error::TryRecvError::Lagged(n)) => Some(StreamItem::Missed(n)),
                    Err(_) => None,
                };
                self.state = RecvState::Idle(rx);
                item
            }
            RecvState::Waiting(mut fut) => {
                // Nobody else can be polling this stream (`&mut self`), so
                // replacing the registered waker loses no wake-up: the next
                // `poll_next` registers its own.
                let waker = std::task::Waker::from(Arc::new(NoopWake));
                match fut.as_mut().poll(&mut Context::from_waker(&waker)) {
                    Poll::Ready((result, rx)) => {
                        self.state = RecvState::Idle(rx);
                        stream_item(result)
                    }
                    Poll::Pending => {
                        self.state = RecvState::Waiting(fut);
                        None
                    }
                }
            }
            RecvState::Empty => None,
        }
    }
}

impl<E: Clone + Send + 'static> futures_core::Stream for EventStream<E> {
    type Item = StreamItem<E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<StreamItem<E>>> {
        let this = self.get_mut();
        let mut fut = match std::mem::replace(&mut this.state, RecvState::Empty) {
            RecvState::Idle(mut rx) => match rx.try_recv() {
                Ok(item) => {
                    this.state = RecvState::Idle(rx);
                    return Poll::Ready(Some(item));
                }
                Err(broadcast::error::TryRecvError::Lagged(n)) => {
                    this.state = RecvState::Idle(rx);
                    return Poll::Ready(Some(StreamItem::Missed(n)));
                }
                Err(broadcast::error::TryRecvError::Closed) => {
                    this.state = RecvState::Idle(rx);
                    return Poll::Ready(None);
                }
                Err(broadcast::error::TryRecvError::Empty) => recv_owned(rx),
            },
            RecvState::Waiting(fut) => fut,
            RecvState::Empty => return Poll::Ready(None),
        };
        match fut.as_mut().poll(cx) {
            Poll::Ready((result, rx)) => {
                this.state = RecvState::Idle(rx);
                Poll::Ready(stream_item(result))
            }
            Poll::Pending => {
                this.state = RecvState::Waiting(fut);
                Poll::Pending
            }
        }
    }
}

impl<E> fmt::Debug for EventStream<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream").finish_non_exhaustive()
    }
}

/// Per-call options.
#[derive(Clone, Debug, Default)]
pub struct SendOptions {
    /// Timeout of this call (the client's default when `None`).
    pub timeout: Option<Duration>,
    /// The `ActionID` to send (a generated one when `None`).
    pub action_id: Option<String>,
    /// Send even when the spec says the server's version lacks the action
    /// (a backport, a patched server, a spec that is wrong).
    pub ignore_version: bool,
}

impl SendOptions {
    /// Options that send the action whatever the server's version.
    pub fn ignore_version() -> Self {
        SendOptions {
            ignore_version: true,
            ..SendOptions::default()
        }
    }
}

struct Inner<E> {
    cmd: mpsc::Sender<Command>,
    /// Weak, so that the stream ends when the driver does.
    events: broadcast::WeakSender<StreamItem<E>>,
    /// The receiver created with the channel, so that events arriving before
    /// anyone subscribes are buffered; handed to the first `events()` call.
    first: Mutex<Option<broadcast::Receiver<StreamItem<E>>>>,
    config: Arc<Config>,
    banner: String,
    /// Updated by the driver at each login.
    version: Arc<Mutex<ServerVersion>>,
    /// Written by the driver: bytes of actions queued for writing.
    queued: Arc<AtomicUsize>,
}

/// A connected, logged-in AMI client. Clone it freely: clones share the
/// connection. The connection closes when the last clone is dropped or on
/// [`Client::logoff`].
pub struct Client<E: ClientEvent = RawEvent> {
    inner: Arc<Inner<E>>,
}

impl<E: ClientEvent> Clone for Client<E> {
    fn clone(&self) -> Self {
        Client {
            inner: self.inner.clone(),
        }
    }
}

impl<E: ClientEvent> fmt::Debug for Client<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("banner", &self.inner.banner)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the credentials.
    pub fn builder(username: impl Into<String>, secret: impl Into<Secret>) -> ClientBuilder {
        ClientBuilder::new(username, secret)
    }
}

impl<E: ClientEvent> Client<E> {
    /// The server's greeting, e.g. `Asterisk Call Manager/5.0.1`.
    pub fn banner(&self) -> &str {
        &self.inner.banner
    }

    /// The settings in force.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// What the client knows of the server's version, as of the last login:
    /// the AMI version of the banner, and the Asterisk release from
    /// `CoreSettings` when [`ClientBuilder::detect_version`] is on and the
    /// user may run it.
    pub fn server_version(&self) -> ServerVersion {
        self.inner.version.lock().map(|v| *v).unwrap_or_default()
    }

    /// Whether the server may have action `A`: `false` only when the spec
    /// knows it to be absent from the server's version (an unknown version
    /// allows everything).
    pub fn supports<A: Action>(&self) -> bool {
        self.supports_availability(&A::AVAILABILITY)
    }

    /// [`Client::supports`] for an availability looked up by name
    /// (`ami_generated::registry::action_info(name)?.availability`).
    pub fn supports_availability(&self, availability: &Availability<'_>) -> bool {
        self.server_version().allows(availability)
    }

    /// The error for an action the server's version lacks, if it does.
    fn check_version(
        &self,
        action: &str,
        availability: &Availability<'_>,
        options: &SendOptions,
    ) -> Result<(), Error> {
        let server = self.server_version();
        if options.ignore_version || server.allows(availability) {
            return Ok(());
        }
        Err(Error::Unsupported {
            action: action.to_owned(),
            server,
            available: availability.to_string(),
        })
    }

    /// Bytes of actions queued for writing and not written yet: at most
    /// [`Config::max_queued_bytes`] plus 64 KiB plus one action. Grows when
    /// the server reads slower than the client sends.
    pub fn queued_bytes(&self) -> usize {
        self.inner.queued.load(Ordering::Relaxed)
    }

    /// Subscribe to the event stream. The first call also gets the events
    /// that arrived since login.
    pub fn events(&self) -> EventStream<E> {
        let first = self.inner.first.lock().ok().and_then(|mut f| f.take());
        let rx = first.unwrap_or_else(|| match self.inner.events.upgrade() {
            Some(events) => events.subscribe(),
            // The session is over: a stream that ends at once.
            None => broadcast::channel(1).1,
        });
        EventStream::new(rx)
    }

    /// Send a typed action and await its typed reply (the collected list for
    /// list actions).
    pub async fn send<A: Action>(&self, action: &A) -> Result<A::Response, Error> {
        self.send_with(action, SendOptions::default()).await
    }

    /// [`Client::send`] with a timeout of its own.
    pub async fn send_timeout<A: Action>(
        &self,
        action: &A,
        timeout: Duration,
    ) -> Result<A::Response, Error> {
        let options = SendOptions {
            timeout: Some(timeout),
            ..SendOptions::default()
        };
        self.send_with(action, options).await
    }

    /// [`Client::send`] with options. An action that the spec knows to be
    /// absent from the server's version ([`Client::supports`]) fails with
    /// [`Error::Unsupported`] before anything is written, unless
    /// `options.ignore_version` is set.
    pub async fn send_with<A: Action>(
        &self,
        action: &A,
        options: SendOptions,
    ) -> Result<A::Response, Error> {
        self.check_version(A::NAME, &A::AVAILABILITY, &options)?;
        let mut encoded = Vec::with_capacity(64);
        encode_action(action, None, &mut encoded).map_err(Error::Encode)?;
        let reply = self
            .request(Cow::Borrowed(A::NAME), A::SHAPE, encoded, options)
            .await?;
        A::Response::from_reply(&reply, A::NAME).map_err(Error::Decode)
    }

    /// Send an untyped action (first header `Action`) and await its collected
    /// reply; `shape` says how to collect it (see the generated registry).
    /// Headers are checked for CR/LF before anything is queued. The version
    /// is not checked: the caller knows the action's availability, if any
    /// (see [`Client::send_message_checked`]).
    pub async fn send_message(
        &self,
        msg: &Message,
        shape: ResponseShape,
        options: SendOptions,
    ) -> Result<Reply, Error> {
        let mut encoded = Vec::new();
        let name = crate::proto::encode_message(msg, &mut encoded).map_err(Error::Send)?;
        let options = SendOptions {
            action_id: options
                .action_id
                .or_else(|| msg.action_id().map(str::to_owned)),
            ..options
        };
        self.request(Cow::Owned(name), shape, encoded, options)
            .await
    }

    /// [`Client::send_message`] for an action of known availability (from
    /// the generated registry): refused like [`Client::send_with`] when the
    /// server's version lacks it.
    pub async fn send_message_checked(
        &self,
        msg: &Message,
        shape: ResponseShape,
        availability: &Availability<'_>,
        options: SendOptions,
    ) -> Result<Reply, Error> {
        let name = msg.get("Action").unwrap_or_default();
        self.check_version(name, availability, &options)?;
        self.send_message(msg, shape, options).await
    }

    async fn request(
        &self,
        action: Cow<'static, str>,
        shape: ResponseShape,
        encoded: Vec<u8>,
        options: SendOptions,
    ) -> Result<Reply, Error> {
        let timeout = options.timeout.unwrap_or(self.inner.config.timeout);
        let (tx, rx) = oneshot::channel();
        let command = Command::Send {
            action: action.clone(),
            shape,
            encoded,
            action_id: options.action_id,
            reply: tx,
        };
        // One deadline for all of it: waiting for room in the command
        // channel (the write queue is full), writing, and the reply.
        let call = async {
            self.inner
                .cmd
                .send(command)
                .await
                .map_err(|_| Error::Closed)?;
            rx.await.map_err(|_| Error::Closed)?
        };
        match tokio::time::timeout(timeout, call).await {
            Err(_) => {
                // Dropping `rx` tells the driver to forget the action and
                // give back its bytes if they are still queued.
                tracing::debug!(action = %action, ?timeout, "action timed out");
                Err(Error::Timeout {
                    action: action.into_owned(),
                    after: timeout,
                })
            }
            Ok(result) => result,
        }
    }

    /// Log off: the server answers `Goodbye` and the session ends (no
    /// reconnection).
    pub async fn logoff(&self) -> Result<Goodbye, Error> {
        self.send(&auth::Logoff::default()).await
    }
}
