//! The tokio client over TLS (the `tls` feature): `connect_tls` against the
//! mock server behind a TLS acceptor that uses a self-signed certificate
//! generated at test time.
//!
//! The acceptor listens on 127.0.0.1, does the TLS handshake (tokio-rustls,
//! ring provider) and bridges the decrypted stream to an in-memory session
//! of the mock server, so that everything the client says goes through TLS.
//!
//! No assertion depends on timing; timeouts only keep a broken build from
//! hanging.

#![cfg(feature = "tls")]

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ami_generated::manager::{CoreSettingsAction, PingAction};
use ami_runtime::client::{Client, ClientBuilder, Error, RawEvent, StreamItem};
use ami_runtime::testing::{MockServer, Step};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::rustls::crypto::{ring, CryptoProvider};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::rustls::{
    self, CertificateError, ClientConfig, ProtocolVersion, RootCertStore, ServerConfig,
};
use tokio_rustls::TlsAcceptor;

mod common;

async fn within<T>(fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), fut)
        .await
        .expect("the test took more than 20 s: something hangs")
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// A self-signed certificate for `localhost` and 127.0.0.1, issued to and
/// by `common_name`, and its key.
struct Identity {
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

fn self_signed(common_name: &str) -> Identity {
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("certificate parameters");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    let key = rcgen::KeyPair::generate().expect("generate a key pair");
    let cert = params.self_signed(&key).expect("self-sign the certificate");
    Identity {
        cert: cert.der().clone(),
        key: PrivateKeyDer::try_from(key.serialize_der()).expect("a PKCS#8 private key"),
    }
}

fn server_config(identity: &Identity) -> Arc<ServerConfig> {
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![identity.cert.clone()], identity.key.clone_key())
        .expect("server certificate");
    Arc::new(config)
}

/// A client configuration that trusts `cert` only.
fn trusting(cert: &CertificateDer<'static>) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots
        .add(cert.clone())
        .expect("add the trusted certificate");
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

fn localhost() -> ServerName<'static> {
    ServerName::try_from("localhost").expect("a DNS name")
}

/// The TLS acceptor in front of the mock server: one in-memory mock
/// session per accepted handshake. Each handshake's outcome (the protocol
/// version, or the error) is reported on `handshakes`.
struct TlsFront {
    addr: SocketAddr,
    handshakes: mpsc::UnboundedReceiver<io::Result<ProtocolVersion>>,
    accept: JoinHandle<()>,
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl TlsFront {
    async fn start(mock: &MockServer, identity: &Identity) -> TlsFront {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let acceptor = TlsAcceptor::from(server_config(identity));
        let backend = mock.in_memory_connector();
        let (report, handshakes) = mpsc::unbounded_channel();
        let accept = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, backend, report) =
                    (acceptor.clone(), backend.clone(), report.clone());
                tokio::spawn(async move {
                    let mut tls = match acceptor.accept(tcp).await {
                        Ok(tls) => tls,
                        Err(e) => {
                            let _ = report.send(Err(e));
                            return;
                        }
                    };
                    let version = tls.get_ref().1.protocol_version();
                    let _ = report.send(version.ok_or_else(|| io::Error::other("no version")));
                    let mut session = backend().await.expect("an in-memory mock session");
                    // Ends when either side closes; errors are the client's
                    // business (it sees the connection drop).
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut session).await;
                });
            }
        });
        TlsFront {
            addr,
            handshakes,
            accept,
        }
    }

    fn addr(&self) -> String {
        self.addr.to_string()
    }

    /// The outcome of the next handshake the acceptor saw.
    async fn next_handshake(&mut self) -> io::Result<ProtocolVersion> {
        self.handshakes
            .recv()
            .await
            .expect("the acceptor task ended")
    }
}

fn mock() -> ami_runtime::testing::MockBuilder {
    MockServer::builder().user("admin", "s3cret")
}

/// These tests count the actions on the wire: no `CoreSettings` after
/// login (version detection has tests of its own, in `versions.rs`).
fn builder() -> ClientBuilder {
    Client::builder("admin", "s3cret")
        .detect_version(false)
        .keepalive(None)
        .reconnect(None)
        .timeout(Duration::from_secs(10))
}

#[tokio::test]
async fn plain_login_typed_actions_and_events_over_tls() {
    within(async {
        let identity = self_signed("AMI test server");
        let server = mock()
            .reply(
                "CoreSettings",
                vec![Step::success(&[
                    ("AMIversion", "2.8.0"),
                    ("AsteriskVersion", "14.1.1"),
                    ("SystemName", ""),
                    ("CoreMaxCalls", "0"),
                    ("CoreMaxLoadAvg", "0.000000"),
                    ("CoreRealTimeEnabled", "No"),
                    ("CoreCDRenabled", "Yes"),
                ])],
            )
            .in_memory();
        let mut front = TlsFront::start(&server, &identity).await;

        let client: Client<RawEvent> = builder()
            .connect_tls(front.addr(), localhost(), trusting(&identity.cert))
            .await
            .expect("login over TLS");
        let version = front.next_handshake().await.expect("the TLS handshake");
        assert_eq!(version, ProtocolVersion::TLSv1_3);
        assert_eq!(client.banner(), "Asterisk Call Manager/5.0.1");
        assert_eq!(server.connections(), 1);
        assert_eq!(server.logins(), 1);

        // A generated action answered by the mock's built-in Ping.
        let pong = client.send(&PingAction::new()).await.expect("Ping");
        assert_eq!(pong.ping, "Pong");
        assert_eq!(pong.timestamp, Some(1_700_000_000.0));

        // A generated action with a scripted reply, decoded into its typed
        // response (strings, integers, floats, booleans).
        let settings = client
            .send(&CoreSettingsAction::new())
            .await
            .expect("CoreSettings");
        assert_eq!(settings.ami_version, "2.8.0");
        assert_eq!(settings.asterisk_version, "14.1.1");
        assert_eq!(settings.core_max_calls, Some(0));
        assert_eq!(settings.core_max_load_avg, Some(0.0));
        assert_eq!(settings.core_real_time_enabled, Some(false));
        assert_eq!(settings.core_cdr_enabled, Some(true));

        // Server-to-client traffic that is not a reply goes through too.
        let mut events = client.events();
        server
            .push(vec![Step::event("Reload", &[("Module", "manager")])])
            .await;
        match events.recv().await.expect("the stream ended") {
            StreamItem::Event(RawEvent(msg)) => {
                assert_eq!(msg.get("Event"), Some("Reload"));
                assert_eq!(msg.get("Module"), Some("manager"));
            }
            other => panic!("{other:?}"),
        }

        let received = server.received();
        let actions: Vec<_> = received.iter().map(|m| m.get("Action")).collect();
        assert_eq!(actions, [Some("Login"), Some("Ping"), Some("CoreSettings")]);
        assert_eq!(received[0].get("Username"), Some("admin"));
        assert!(received[1].action_id().is_some());

        client.logoff().await.expect("Logoff over TLS");
    })
    .await
}

#[tokio::test]
async fn md5_login_over_tls() {
    within(async {
        let identity = self_signed("AMI test server");
        let server = mock().in_memory();
        let mut front = TlsFront::start(&server, &identity).await;

        let client: Client<RawEvent> = builder()
            .md5()
            .connect_tls(front.addr(), localhost(), trusting(&identity.cert))
            .await
            .expect("md5 login over TLS");
        front.next_handshake().await.expect("the TLS handshake");
        let pong = client.send(&PingAction::new()).await.expect("Ping");
        assert_eq!(pong.ping, "Pong");

        let received = server.received();
        assert_eq!(received[0].get("Action"), Some("Challenge"));
        assert_eq!(received[0].get("AuthType"), Some("MD5"));
        assert_eq!(received[1].get("Action"), Some("Login"));
        assert_eq!(received[1].get("AuthType"), Some("MD5"));
        assert!(received[1].get("Key").is_some());
        assert_eq!(received[1].get("Secret"), None);
        assert_eq!(received[2].get("Action"), Some("Ping"));
        assert_eq!(server.logins(), 1);
    })
    .await
}

/// The client's error: an I/O error carrying rustls's certificate error.
fn certificate_error(err: &Error) -> &CertificateError {
    let Error::Io(io) = err else {
        panic!("expected an I/O error, got {err:?}");
    };
    assert_eq!(io.kind(), io::ErrorKind::InvalidData, "{io:?}");
    match io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::InvalidCertificate(cert)) => cert,
        other => panic!("expected a certificate error, got {other:?} ({io})"),
    }
}

#[tokio::test]
async fn a_certificate_the_client_does_not_trust_fails_the_handshake() {
    within(async {
        let identity = self_signed("AMI test server");
        let server = mock().in_memory();
        let mut front = TlsFront::start(&server, &identity).await;

        // Another self-signed certificate for the same names, which did not
        // sign the server's.
        let other = self_signed("another AMI server");
        let err = builder()
            .connect_tls::<RawEvent>(front.addr(), localhost(), trusting(&other.cert))
            .await
            .expect_err("a server the client does not trust");
        assert_eq!(
            certificate_error(&err),
            &CertificateError::UnknownIssuer,
            "{err:?}"
        );
        let shown = err.to_string();
        assert!(shown.starts_with("I/O error: "), "{shown}");
        assert!(shown.contains("invalid peer certificate"), "{shown}");

        // The server saw the handshake fail (the client's alert), and no
        // AMI session was ever opened.
        let refused = front
            .next_handshake()
            .await
            .expect_err("a failed handshake");
        assert_eq!(refused.kind(), io::ErrorKind::InvalidData, "{refused:?}");
        assert_eq!(server.connections(), 0);
        assert!(server.received().is_empty());
    })
    .await
}

#[tokio::test]
async fn a_certificate_for_another_name_fails_the_handshake() {
    within(async {
        let identity = self_signed("AMI test server");
        let server = mock().in_memory();
        let mut front = TlsFront::start(&server, &identity).await;

        let name = ServerName::try_from("ami.example.net").expect("a DNS name");
        let err = builder()
            .connect_tls::<RawEvent>(front.addr(), name, trusting(&identity.cert))
            .await
            .expect_err("a certificate for another name");
        assert!(
            matches!(
                certificate_error(&err),
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
            ),
            "{err:?}"
        );

        front
            .next_handshake()
            .await
            .expect_err("a failed handshake");
        assert_eq!(server.connections(), 0);
    })
    .await
}

#[tokio::test]
async fn tls_against_a_plain_ami_port_fails_instead_of_hanging() {
    within(async {
        // The plain-TCP mock: it greets with its banner in clear text, which
        // is no TLS record.
        let identity = self_signed("AMI test server");
        let server = mock().start().await.expect("start the mock server");
        let err = builder()
            .connect_tls::<RawEvent>(
                server.addr().to_string(),
                localhost(),
                trusting(&identity.cert),
            )
            .await
            .expect_err("TLS to a plain AMI port");
        let Error::Io(io) = &err else {
            panic!("expected an I/O error, got {err:?}");
        };
        assert_eq!(io.kind(), io::ErrorKind::InvalidData, "{io:?}");
        assert!(
            matches!(
                io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()),
                Some(rustls::Error::InvalidMessage(_))
            ),
            "{io:?}"
        );
        assert_eq!(server.logins(), 0);
    })
    .await
}

#[tokio::test]
async fn a_server_that_never_answers_the_handshake_times_out() {
    within(async {
        // Accepts the TCP connection, then stays silent: the TLS handshake
        // never completes, and the connect must give up after the timeout.
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let silent = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.expect("accept");
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(socket);
        });
        let identity = self_signed("AMI test server");
        let err = builder()
            .timeout(Duration::from_millis(300))
            .connect_tls::<RawEvent>(addr.to_string(), localhost(), trusting(&identity.cert))
            .await
            .expect_err("a silent server");
        assert!(
            matches!(&err, Error::Timeout { action, .. } if action == "connect"),
            "{err:?}"
        );
        silent.abort();
    })
    .await
}

#[tokio::test]
async fn tls_peer_that_stops_reading_cannot_hang_calls_or_keepalive() {
    // Finding 1 of issue 9: the handshake completes, Login is answered, then
    // the server never reads. Over TLS the driver used to await a flush that
    // never ended, and everything behind it hung.
    let identity = self_signed("stalled");
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let addr = listener.local_addr().expect("address").to_string();
    let acceptor = TlsAcceptor::from(server_config(&identity));
    let (_release, held) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("accept");
        let mut tls = acceptor.accept(tcp).await.expect("handshake");
        common::answer_login_then_stop_reading(&mut tls).await;
        let _ = held.await;
        drop(tls);
    });
    // The peer answers Login only: no CoreSettings probe of its version.
    let client: Client<RawEvent> = Client::builder("admin", "s3cret")
        .detect_version(false)
        .keepalive(Some(Duration::from_secs(2)))
        .reconnect(None)
        .connect_tls(addr, localhost(), trusting(&identity.cert))
        .await
        .expect("login over TLS");
    // The handshake ran on the real clock (a paused one jumps ahead while
    // rustls waits for the peer's flight); what follows runs on a paused one.
    tokio::time::pause();
    common::calls_end_and_keepalive_notices(client).await;
}

#[tokio::test]
async fn an_amis_connection_string_connects_over_tls() {
    within(async {
        let identity = self_signed("AMI test server");
        let server = mock().in_memory();
        let mut front = TlsFront::start(&server, &identity).await;
        let url = format!(
            "amis://admin:s3cret@localhost:{}/?keepalive=off&reconnect=off&detect_version=off",
            front.addr.port()
        );

        // No TLS settings: refused before connecting.
        let err = url
            .parse::<ClientBuilder>()
            .expect("a valid connection string")
            .connect::<RawEvent>()
            .await
            .expect_err("amis:// without tls_config");
        assert!(err.to_string().contains("tls_config"), "{err}");
        assert_eq!(server.connections(), 0);

        let client: Client<RawEvent> = ClientBuilder::from_url(&url)
            .expect("a valid connection string")
            .tls_config(trusting(&identity.cert))
            .connect()
            .await
            .expect("login over TLS");
        front.next_handshake().await.expect("the TLS handshake");
        assert_eq!(server.logins(), 1);
        client
            .send(&PingAction::new())
            .await
            .expect("Ping over TLS");
        client.logoff().await.expect("logoff");
    })
    .await
}
