//! The background task: owns the transport and the sans-IO connection,
//! serves the handles' commands, logs in (again), keeps alive, reconnects.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};

use crate::proto::{Connection, Item, SendError};
use crate::version::{ServerVersion, Version};
use crate::wire::{Action, FromResponse, Reply, ResponseShape};

use super::auth::{md5_key, AuthMethod, Challenge, CoreSettings, Login, Ping, Secret};
use super::{Backoff, BoxTransport, ClientEvent, Config, Connector, Error, StreamItem};

/// How often abandoned calls are swept when the keepalive is slower.
const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// Commands taken in one go, so that a burst is written in few syscalls.
const COMMAND_BATCH: usize = 256;
const READ_BUFFER: usize = 64 * 1024;

/// What a handle asks of the driver.
pub(super) enum Command {
    /// Queue an action encoded without `ActionID` and answer on `reply`.
    Send {
        action: Cow<'static, str>,
        shape: ResponseShape,
        encoded: Vec<u8>,
        action_id: Option<String>,
        reply: oneshot::Sender<Result<Reply, Error>>,
    },
}

struct Session {
    reader: ReadHalf<BoxTransport>,
    writer: WriteHalf<BoxTransport>,
    conn: Connection,
}

/// Why a session ended.
enum End {
    /// `Response: Goodbye`.
    Closed,
    /// Every handle is gone.
    Shutdown,
    /// The connection broke.
    Dropped(String),
}

pub(super) struct Driver<E> {
    config: Arc<Config>,
    connector: Connector,
    commands: mpsc::Receiver<Command>,
    events: broadcast::Sender<StreamItem<E>>,
    session: Option<Session>,
    /// Callers waiting for a reply, by `ActionID`.
    waiters: HashMap<String, oneshot::Sender<Result<Reply, Error>>>,
    /// The `ActionID` of the keepalive `Ping` in flight.
    ping: Option<String>,
    /// What is known of the server's version, shared with the handles.
    version: Arc<Mutex<ServerVersion>>,
}

fn failed(action: &str, reply: Result<Reply, crate::proto::ActionError>) -> Result<Reply, Error> {
    reply.map_err(|e| Error::from_action(action, e))
}

impl<E: ClientEvent> Driver<E> {
    /// Open and log in the first connection; the caller spawns [`Driver::run`].
    pub(super) async fn start(
        config: Arc<Config>,
        connector: Connector,
        commands: mpsc::Receiver<Command>,
        events: broadcast::Sender<StreamItem<E>>,
        version: Arc<Mutex<ServerVersion>>,
    ) -> Result<(Self, String), Error> {
        let mut driver = Driver {
            config,
            connector,
            commands,
            events,
            session: None,
            waiters: HashMap::new(),
            ping: None,
            version,
        };
        let session = driver.open().await?;
        let banner = session.conn.banner().unwrap_or_default().to_owned();
        driver.session = Some(session);
        Ok((driver, banner))
    }

    async fn open(&mut self) -> Result<Session, Error> {
        let timeout = self.config.timeout;
        // A peer that accepts the TCP connection but never completes the
        // TLS handshake must not hang the caller: the connect is bounded too.
        let io = match tokio::time::timeout(timeout, (self.connector)()).await {
            Ok(io) => io?,
            Err(_) => {
                return Err(Error::Timeout {
                    action: "connect".to_owned(),
                    after: timeout,
                })
            }
        };
        let (reader, writer) = tokio::io::split(io);
        let mut session = Session {
            reader,
            writer,
            conn: Connection::with_limits(self.config.limits),
        };
        match tokio::time::timeout(timeout, self.login(&mut session)).await {
            Ok(Ok(())) => Ok(session),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Error::Timeout {
                action: "Login".to_owned(),
                after: timeout,
            }),
        }
    }

    async fn login(&mut self, session: &mut Session) -> Result<(), Error> {
        let credentials = self.config.credentials.clone();
        let mut login = Login {
            username: credentials.username.clone(),
            secret: None,
            auth_type: None,
            key: None,
            events: credentials.events.clone(),
            extra: Vec::new(),
        };
        match credentials.method {
            AuthMethod::Plain => login.secret = Some(credentials.secret.clone()),
            AuthMethod::Md5 => {
                let challenge = Challenge {
                    auth_type: "MD5".to_owned(),
                    extra: Vec::new(),
                };
                let reply = self.call(session, &challenge).await?;
                login.auth_type = Some("MD5".to_owned());
                login.key = Some(Secret::new(md5_key(&reply.challenge, &credentials.secret)));
            }
        }
        match self.call(session, &login).await {
            Ok(_) => tracing::debug!(user = %credentials.username, "logged in"),
            Err(Error::Failed { message, .. }) => return Err(Error::LoginFailed { message }),
            Err(e) => return Err(e),
        }
        self.learn_version(session).await
    }

    /// The AMI version of the banner and, when enabled and permitted, the
    /// Asterisk release from `CoreSettings`. A refusal (no `system` or
    /// `reporting` read privilege) or an odd reply leaves the release unknown.
    async fn learn_version(&mut self, session: &mut Session) -> Result<(), Error> {
        let mut known = ServerVersion {
            ami: session
                .conn
                .banner()
                .and_then(ServerVersion::ami_from_banner),
            asterisk: None,
        };
        if self.config.detect_version {
            match self.call(session, &CoreSettings::default()).await {
                Ok(reply) => {
                    known.asterisk = reply
                        .asterisk_version
                        .as_deref()
                        .and_then(Version::from_server_text);
                    if known.ami.is_none() {
                        known.ami = reply
                            .ami_version
                            .as_deref()
                            .and_then(Version::from_server_text);
                    }
                }
                Err(e @ (Error::Failed { .. } | Error::Decode(_))) => {
                    tracing::debug!(error = %e, "CoreSettings refused: the Asterisk release stays unknown");
                }
                Err(e) => return Err(e),
            }
        }
        tracing::debug!(server = %known, "server version");
        if let Ok(mut version) = self.version.lock() {
            *version = known;
        }
        Ok(())
    }

    /// One action during the handshake: write it, read until its reply,
    /// passing anything else on as the main loop would.
    async fn call<A: Action>(
        &mut self,
        session: &mut Session,
        action: &A,
    ) -> Result<A::Response, Error> {
        let id = session.conn.send(action).map_err(|e| match e {
            SendError::Encode(e) => Error::Encode(e),
            e => Error::Send(e),
        })?;
        let out = session.conn.take_output();
        let mut written = 0;
        let mut buf = vec![0u8; 8192];
        loop {
            while let Some(item) = session.conn.poll() {
                match item {
                    Item::Reply(done) if done.action_id == id => {
                        let reply = failed(A::NAME, done.result)?;
                        return A::Response::from_reply(&reply, A::NAME).map_err(Error::Decode);
                    }
                    Item::Goodbye(_) => {
                        return Err(Error::Disconnected {
                            reason: "the server said Goodbye during login".to_owned(),
                        })
                    }
                    other => {
                        self.handle(other);
                    }
                }
            }
            // Read while writing: the server may be writing to us too (its
            // banner), and neither side's buffer need hold a whole message.
            tokio::select! {
                n = session.writer.write(&out[written..]), if written < out.len() => {
                    match n? {
                        0 => return Err(Error::Disconnected {
                            reason: "the transport accepts no more bytes".to_owned(),
                        }),
                        n => written += n,
                    }
                    if written == out.len() {
                        session.writer.flush().await?;
                    }
                }
                n = session.reader.read(&mut buf) => {
                    let n = n?;
                    if n == 0 {
                        return Err(Error::Disconnected {
                            reason: format!("the server closed the connection during {}", A::NAME),
                        });
                    }
                    session.conn.receive(&buf[..n]);
                }
            }
        }
    }

    /// Pass one item on; `true` when the server said Goodbye.
    fn handle(&mut self, item: Item<'_>) -> bool {
        match item {
            Item::Banner(_) => {}
            Item::Event(raw) => {
                let item = match raw.decode_event::<E>() {
                    Ok(event) => StreamItem::Event(event),
                    Err(error) => StreamItem::Undecoded {
                        message: raw.to_message(),
                        error,
                    },
                };
                // Fails only when no consumer exists at all.
                let _ = self.events.send(item);
            }
            Item::Reply(done) => {
                if self.ping.as_deref() == Some(done.action_id.as_str()) {
                    self.ping = None;
                } else if let Some(waiter) = self.waiters.remove(&done.action_id) {
                    // The caller may have timed out meanwhile.
                    let _ = waiter.send(failed(&done.action, done.result));
                }
            }
            Item::Error(e) => {
                tracing::warn!(error = %e, "AMI protocol error");
                let _ = self.events.send(StreamItem::Error(e));
            }
            Item::Goodbye(_) => return true,
        }
        false
    }

    fn drain(&mut self, session: &mut Session) -> Option<End> {
        while let Some(item) = session.conn.poll() {
            if self.handle(item) {
                return Some(End::Closed);
            }
        }
        session.conn.is_closed().then_some(End::Closed)
    }

    fn command(&mut self, session: &mut Session, command: Command) {
        let Command::Send {
            action,
            shape,
            encoded,
            action_id,
            reply,
        } = command;
        if reply.is_closed() {
            return; // The caller gave up already.
        }
        match session
            .conn
            .send_encoded(action, shape, &encoded, action_id.as_deref())
        {
            Ok(id) => {
                self.waiters.insert(id, reply);
            }
            Err(SendError::Closed) => {
                let _ = reply.send(Err(Error::Closed));
            }
            Err(e) => {
                let _ = reply.send(Err(Error::Send(e)));
            }
        }
    }

    /// Forget calls whose caller gave up (timed out), and keep alive.
    fn tick(&mut self, session: &mut Session, next_ping: &mut Option<Instant>) -> Option<End> {
        let conn = &mut session.conn;
        self.waiters.retain(|id, waiter| {
            let keep = !waiter.is_closed();
            if !keep {
                conn.cancel(id);
            }
            keep
        });
        let (Some(every), Some(at)) = (self.config.keepalive, *next_ping) else {
            return None;
        };
        let now = Instant::now();
        if now < at {
            return None;
        }
        if self.ping.is_some() {
            return Some(End::Dropped(format!(
                "no answer to the keepalive Ping within {every:?}"
            )));
        }
        self.ping = session.conn.send(&Ping::default()).ok();
        *next_ping = Some(now + every);
        None
    }

    async fn serve(&mut self, session: &mut Session) -> End {
        // Items that arrived with the login reply.
        if let Some(end) = self.drain(session) {
            return end;
        }
        let mut rbuf = vec![0u8; READ_BUFFER];
        let mut wbuf = Vec::new();
        let period = self
            .config
            .keepalive
            .map_or(SWEEP_EVERY, |k| k.min(SWEEP_EVERY));
        let mut ticks = tokio::time::interval_at(Instant::now() + period, period);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut next_ping = self.config.keepalive.map(|k| Instant::now() + k);
        self.ping = None;
        loop {
            session.conn.take_output_into(&mut wbuf);
            tokio::select! {
                read = session.reader.read(&mut rbuf) => match read {
                    Ok(0) => return End::Dropped("the server closed the connection".to_owned()),
                    Ok(n) => {
                        session.conn.receive(&rbuf[..n]);
                        if let Some(end) = self.drain(session) {
                            return end;
                        }
                    }
                    Err(e) => return End::Dropped(format!("read failed: {e}")),
                },
                written = session.writer.write(&wbuf), if !wbuf.is_empty() => match written {
                    Ok(0) => return End::Dropped("the transport accepts no more bytes".to_owned()),
                    Ok(n) => {
                        wbuf.drain(..n);
                        if wbuf.is_empty() {
                            if let Err(e) = session.writer.flush().await {
                                return End::Dropped(format!("write failed: {e}"));
                            }
                        }
                    }
                    Err(e) => return End::Dropped(format!("write failed: {e}")),
                },
                command = self.commands.recv() => match command {
                    None => return End::Shutdown,
                    Some(command) => {
                        self.command(session, command);
                        for _ in 0..COMMAND_BATCH {
                            match self.commands.try_recv() {
                                Ok(command) => self.command(session, command),
                                Err(_) => break,
                            }
                        }
                    }
                },
                _ = ticks.tick() => {
                    if let Some(end) = self.tick(session, &mut next_ping) {
                        return end;
                    }
                }
            }
        }
    }

    /// Serve connections until the session ends for good.
    pub(super) async fn run(mut self) {
        let mut current = self.session.take();
        while let Some(mut session) = current.take() {
            let end = self.serve(&mut session).await;
            let _ = session.writer.shutdown().await;
            drop(session);
            let error = || match &end {
                End::Dropped(reason) => Error::Disconnected {
                    reason: reason.clone(),
                },
                End::Closed | End::Shutdown => Error::Closed,
            };
            // Nothing hangs: every call in flight fails now.
            for (_, waiter) in self.waiters.drain() {
                let _ = waiter.send(Err(error()));
            }
            self.ping = None;
            match end {
                End::Shutdown => {}
                End::Closed => {
                    tracing::debug!("session closed");
                    let _ = self.events.send(StreamItem::Disconnected {
                        reason: "the session was closed (Goodbye)".to_owned(),
                    });
                }
                End::Dropped(reason) => {
                    tracing::warn!(%reason, "AMI connection lost");
                    let _ = self.events.send(StreamItem::Disconnected { reason });
                    if let Some(backoff) = self.config.reconnect {
                        current = self.reconnect(backoff).await;
                        if current.is_some() {
                            tracing::info!("AMI connection re-established");
                            let _ = self.events.send(StreamItem::Reconnected);
                        }
                    }
                }
            }
        }
        // Calls queued meanwhile: their reply senders drop, and the callers
        // see `Error::Closed`.
        self.commands.close();
    }

    /// Reopen and log in again, with backoff; `None` when every handle is
    /// gone meanwhile. Calls made while down fail at once with
    /// `NotConnected`.
    async fn reconnect(&mut self, backoff: Backoff) -> Option<Session> {
        let mut delay = backoff.initial;
        loop {
            let sleep = tokio::time::sleep(delay);
            tokio::pin!(sleep);
            loop {
                tokio::select! {
                    _ = &mut sleep => break,
                    command = self.commands.recv() => match command {
                        None => return None,
                        Some(Command::Send { reply, .. }) => {
                            let _ = reply.send(Err(Error::NotConnected));
                        }
                    },
                }
            }
            match self.open().await {
                Ok(session) => return Some(session),
                Err(e) => {
                    tracing::warn!(error = %e, ?delay, "AMI reconnection failed");
                    delay = (delay * 2).min(backoff.max);
                }
            }
        }
    }
}
