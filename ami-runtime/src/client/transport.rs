//! What the client talks over: anything that reads and writes bytes.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};

/// A byte stream the client can run over: TCP, TLS, a Unix socket, an
/// in-memory duplex.
pub trait Transport: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Transport for T {}

/// A transport behind a box, so that the client is not generic over it.
pub type BoxTransport = Box<dyn Transport>;

/// Opens a fresh transport, once per connection and reconnection.
pub type Connector =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = io::Result<BoxTransport>> + Send>> + Send + Sync>;
