//! The daemon's server loop.
//!
//! One tokio runtime (two workers) accepts connections; each gets a TLS
//! handshake that demands a client certificate issued by the site CA, then
//! HTTP/1.1: `POST /v1/exec` runs the request through the [`Handler`] (on a
//! blocking thread, since it runs a program), `GET /v1/ping` answers the
//! daemon's own name. Nothing is ever awaited without a bound except the
//! handler itself, whose limits are the handler's business.

use crate::tls::{certificate_name, Identity};
use crate::wire::{ExecRequest, ExecResponse};
use crate::CommError;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

/// What the daemon does with a request.
pub trait Handler: Send + Sync + 'static {
    /// Runs `req` for the client whose certificate names `client`; an `Err`
    /// refuses the request with that text (the client sees `CommError::Rejected`).
    fn exec(&self, client: &str, req: ExecRequest) -> Result<ExecResponse, String>;
}

/// A client that connects and never finishes the handshake holds a task.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Likewise for one that never finishes sending a request's headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// After refusing a handshake, how long to read what the client still sends,
/// so that closing does not reset the connection before it reads our alert.
const LINGER: Duration = Duration::from_secs(1);
/// The largest request body (the program's standard input, base64-encoded).
pub const MAX_REQUEST: usize = 64 << 20;
/// How long stopping waits for handlers still running on blocking threads.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// A bound daemon, not yet serving.
pub struct Daemon {
    listener: TcpListener,
    addr: SocketAddr,
    id: Identity,
    handler: Arc<dyn Handler>,
}

/// What every connection needs.
struct Shared {
    handler: Arc<dyn Handler>,
    name: String,
}

impl Daemon {
    /// Binds to `listener` with `id`, serving with `handler`.
    pub fn new(
        listener: TcpListener,
        id: Identity,
        handler: Arc<dyn Handler>,
    ) -> Result<Daemon, CommError> {
        let addr = listener.local_addr().map_err(|e| CommError::Connect {
            addr: "listener".into(),
            detail: e.to_string(),
        })?;
        // tokio requires a non-blocking socket.
        listener
            .set_nonblocking(true)
            .map_err(|e| CommError::Connect {
                addr: addr.to_string(),
                detail: e.to_string(),
            })?;
        Ok(Daemon {
            listener,
            addr,
            id,
            handler,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until SIGTERM or SIGINT, then returns.
    ///
    /// Failing to start (the runtime or the signal handlers) is reported as
    /// `CommError::Connect` for the listening address.
    pub fn run_until_signal(self) -> Result<(), CommError> {
        let addr = self.addr;
        self.serve(move || {
            use tokio::signal::unix::{signal, SignalKind};
            let sig_err = |e: std::io::Error| CommError::Connect {
                addr: addr.to_string(),
                detail: format!("cannot watch for signals: {e}"),
            };
            let mut term = signal(SignalKind::terminate()).map_err(sig_err)?;
            let mut int = signal(SignalKind::interrupt()).map_err(sig_err)?;
            Ok(async move {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            })
        })
    }

    /// Serves on a background thread (for tests); the handle stops it.
    pub fn spawn(self) -> Running {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let addr = self.addr;
        let thread = std::thread::Builder::new()
            .name("acm-comm-daemon".into())
            .spawn(move || {
                self.serve(move || {
                    Ok(async move {
                        // A dropped sender stops the daemon too.
                        let _ = rx.await;
                    })
                })
            });
        let thread = match thread {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("acm-comm: cannot start the daemon thread for {addr}: {e}");
                None
            }
        };
        Running {
            addr,
            stop: Some(tx),
            thread,
        }
    }

    /// Serves until the future made by `shutdown` (inside the runtime) ends.
    fn serve<F, Fut>(self, shutdown: F) -> Result<(), CommError>
    where
        F: FnOnce() -> Result<Fut, CommError>,
        Fut: Future<Output = ()>,
    {
        let addr = self.addr;
        let start_err = move |e: std::io::Error| CommError::Connect {
            addr: addr.to_string(),
            detail: format!("cannot start serving: {e}"),
        };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("acm-comm-worker")
            .enable_all()
            .build()
            .map_err(start_err)?;
        let acceptor = TlsAcceptor::from(self.id.server_config());
        let shared = Arc::new(Shared {
            handler: self.handler,
            name: self.id.name(),
        });
        let listener = self.listener;
        let result = rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).map_err(start_err)?;
            let stop = shutdown()?;
            tokio::pin!(stop);
            loop {
                tokio::select! {
                    _ = &mut stop => break,
                    accepted = listener.accept() => match accepted {
                        Ok((tcp, _)) => {
                            tokio::spawn(connection(tcp, acceptor.clone(), shared.clone()));
                        }
                        // Out of descriptors and the like: back off, don't spin.
                        Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                    },
                }
            }
            Ok(())
        });
        // Drops every connection task; handlers still running on blocking
        // threads get a short grace, then are left to finish on their own.
        rt.shutdown_timeout(SHUTDOWN_GRACE);
        result
    }
}

/// A daemon serving in the background.
pub struct Running {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), CommError>>>,
}

impl Running {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving (connections in flight are dropped) and waits for the loop to end.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Running {
    /// A forgotten handle must not leave a daemon serving behind a test.
    fn drop(&mut self) {
        self.halt();
    }
}

/// One connection: mutual-TLS handshake, then HTTP/1.1 until the client closes.
async fn connection(tcp: TcpStream, acceptor: TlsAcceptor, shared: Arc<Shared>) {
    let _ = tcp.set_nodelay(true);
    let accept = acceptor.accept(tcp).into_fallible();
    let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, accept).await {
        Ok(Ok(tls)) => tls,
        Ok(Err((_, tcp))) => return linger(tcp).await,
        Err(_) => return,
    };
    // The verifier required a certificate; one that names nobody is useless.
    let Some(client) = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .and_then(|cert| certificate_name(cert))
    else {
        return;
    };
    let client: Arc<str> = client.into();
    let service = service_fn(move |req| {
        let shared = shared.clone();
        let client = client.clone();
        async move { Ok::<_, Infallible>(route(req, &shared, &client).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(TokioIo::new(tls), service)
        .await;
}

/// Closes a refused connection gently: our alert is already sent; reading
/// what the client still sends avoids a reset that could discard the alert
/// before the client reads it (it would then see "connection reset").
async fn linger(mut tcp: TcpStream) {
    let _ = tcp.shutdown().await;
    let mut buf = [0u8; 4096];
    let _ = tokio::time::timeout(LINGER, async {
        while let Ok(n) = tcp.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

type Reply = Response<Full<Bytes>>;

fn reply(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Reply {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

fn text(status: StatusCode, body: impl Into<String>) -> Reply {
    reply(status, "text/plain; charset=utf-8", body.into())
}

async fn route(req: Request<Incoming>, shared: &Shared, client: &str) -> Reply {
    match (req.method(), req.uri().path()) {
        (&Method::POST, "/v1/exec") => exec(req, shared, client).await,
        (&Method::GET, "/v1/ping") => text(StatusCode::OK, shared.name.clone()),
        _ => text(StatusCode::NOT_FOUND, "no such resource"),
    }
}

async fn exec(req: Request<Incoming>, shared: &Shared, client: &str) -> Reply {
    let too_large = || {
        text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request exceeds {MAX_REQUEST} bytes"),
        )
    };
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_REQUEST as u64) {
        return too_large();
    }
    let body = match Limited::new(req.into_body(), MAX_REQUEST).collect().await {
        Ok(body) => body.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => return too_large(),
        Err(e) => {
            return text(
                StatusCode::BAD_REQUEST,
                format!("cannot read the request: {e}"),
            )
        }
    };
    let request: ExecRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return text(StatusCode::BAD_REQUEST, format!("malformed request: {e}")),
    };
    let handler = shared.handler.clone();
    let client = client.to_owned();
    match tokio::task::spawn_blocking(move || handler.exec(&client, request)).await {
        Ok(Ok(resp)) => match serde_json::to_vec(&resp) {
            Ok(json) => reply(StatusCode::OK, "application/json", json),
            Err(e) => text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot encode the answer: {e}"),
            ),
        },
        Ok(Err(why)) => text(StatusCode::FORBIDDEN, why),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the request handler failed",
        ),
    }
}
