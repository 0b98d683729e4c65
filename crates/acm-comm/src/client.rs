//! One request to a daemon, with bounded connect and request timeouts.
//!
//! The client is used by command-line tools: each thread that calls it keeps
//! one small current-thread runtime for its later calls (a fan-out thread
//! asks several servers; building a runtime per call costs a new epoll
//! instance, timer and blocking pool each time); every await is under one of
//! the two timeouts, so a call can never hang.

use crate::tls::Identity;
use crate::wire::{ExecRequest, ExecResponse};
use crate::CommError;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::{header, Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use std::error::Error as StdError;
use std::future::Future;
use std::time::Duration;
use tokio_rustls::TlsConnector;

/// The largest answer the client reads (program output is held in memory).
const MAX_RESPONSE: usize = 256 << 20;

/// How long a client waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// For the TCP connection and the TLS handshake.
    pub connect: Duration,
    /// For the whole request, from sending it to the last byte of the answer.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(600),
        }
    }
}

/// Runs `req` on the daemon at `addr` (`host:port`), which must present a
/// certificate for `server_name`.
pub fn exec(
    addr: &str,
    server_name: &str,
    id: &Identity,
    req: &ExecRequest,
    t: &Timeouts,
) -> Result<ExecResponse, CommError> {
    let body = serde_json::to_vec(req).map_err(|e| CommError::Protocol {
        addr: addr.to_owned(),
        detail: format!("cannot encode the request: {e}"),
    })?;
    let answer = call(addr, server_name, id, Method::POST, "/v1/exec", body, t)?;
    serde_json::from_slice(&answer).map_err(|e| CommError::Protocol {
        addr: addr.to_owned(),
        detail: format!("unreadable answer: {e}"),
    })
}

/// Checks that the daemon at `addr` answers as `server_name` (and accepts
/// this identity); returns the name it gives for itself.
pub fn ping(
    addr: &str,
    server_name: &str,
    id: &Identity,
    t: &Timeouts,
) -> Result<String, CommError> {
    let answer = call(
        addr,
        server_name,
        id,
        Method::GET,
        "/v1/ping",
        Vec::new(),
        t,
    )?;
    String::from_utf8(answer.to_vec()).map_err(|_| CommError::Protocol {
        addr: addr.to_owned(),
        detail: "the daemon's name is not UTF-8".into(),
    })
}

/// One HTTP request over a fresh mutual-TLS connection; the body of a 2xx answer.
fn call(
    addr: &str,
    server_name: &str,
    id: &Identity,
    method: Method,
    path: &'static str,
    body: Vec<u8>,
    t: &Timeouts,
) -> Result<Bytes, CommError> {
    let name = ServerName::try_from(server_name.to_owned()).map_err(|e| CommError::Connect {
        addr: addr.to_owned(),
        detail: format!("invalid server name {server_name:?}: {e}"),
    })?;
    let connector = TlsConnector::from(id.client_config());
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, server_name)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| CommError::Protocol {
            addr: addr.to_owned(),
            detail: format!("cannot build the request: {e}"),
        })?;
    with_runtime(addr, |rt| {
        rt.block_on(run(addr, name, connector, request, t))
    })
}

/// A thread's runtime, kept for the thread's later calls.
struct ThreadRuntime(Option<tokio::runtime::Runtime>);

impl Drop for ThreadRuntime {
    /// Don't wait for a stuck name lookup (a blocking task) on the way out.
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

thread_local! {
    static RUNTIME: std::cell::RefCell<ThreadRuntime> =
        const { std::cell::RefCell::new(ThreadRuntime(None)) };
}

/// Runs `f` with this thread's runtime, building it on first use.
fn with_runtime<T>(
    addr: &str,
    f: impl FnOnce(&tokio::runtime::Runtime) -> Result<T, CommError>,
) -> Result<T, CommError> {
    RUNTIME.with(|cell| {
        // A call never nests another on the same thread; if it ever did, the
        // inner call gets a runtime of its own rather than a panic.
        let Ok(mut held) = cell.try_borrow_mut() else {
            let own = ThreadRuntime(Some(new_runtime(addr)?));
            return f(own.0.as_ref().expect("built"));
        };
        if held.0.is_none() {
            held.0 = Some(new_runtime(addr)?);
        }
        f(held.0.as_ref().expect("built"))
    })
}

fn new_runtime(addr: &str) -> Result<tokio::runtime::Runtime, CommError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CommError::Connect {
            addr: addr.to_owned(),
            detail: format!("cannot start the I/O runtime: {e}"),
        })
}

async fn run(
    addr: &str,
    name: ServerName<'static>,
    connector: TlsConnector,
    request: Request<Full<Bytes>>,
    t: &Timeouts,
) -> Result<Bytes, CommError> {
    let tls = bounded(addr, "connect", t.connect, async {
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| connect_failure(addr, e))?;
        let _ = tcp.set_nodelay(true);
        connector
            .connect(name, tcp)
            .await
            .map_err(|e| handshake_failure(addr, &e))
    })
    .await?;

    bounded(addr, "request", t.request, async {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| classify(addr, &e))?;

        let exchange = async {
            let resp = sender
                .send_request(request)
                .await
                .map_err(|e| classify(addr, &e))?;
            let status = resp.status();
            let bytes = Limited::new(resp.into_body(), MAX_RESPONSE)
                .collect()
                .await
                .map_err(|e| classify(addr, e.as_ref()))?
                .to_bytes();
            Ok::<_, CommError>((status, bytes))
        };
        tokio::pin!(exchange, conn);
        // Drive the connection alongside the exchange, keeping its error: when
        // the daemon refuses our certificate (TLS 1.3 tells us only after the
        // handshake) the connection sees the alert, the exchange just "closed".
        let mut conn_error = None;
        let mut conn_done = false;
        let (status, bytes) = loop {
            tokio::select! {
                r = &mut exchange => match r {
                    Ok(v) => break v,
                    Err(e) => return Err(conn_error.unwrap_or(e)),
                },
                c = &mut conn, if !conn_done => {
                    conn_done = true;
                    if let Err(e) = c {
                        let e = classify(addr, &e);
                        if matches!(e, CommError::Authentication { .. }) {
                            conn_error = Some(e);
                        }
                    }
                }
            }
        };
        if !status.is_success() {
            return Err(CommError::Rejected {
                addr: addr.to_owned(),
                detail: rejection_text(status, &bytes),
            });
        }
        Ok(bytes)
    })
    .await
}

/// Runs `fut` for at most `limit`, turning expiry into `CommError::Timeout`.
async fn bounded<T>(
    addr: &str,
    what: &'static str,
    limit: Duration,
    fut: impl Future<Output = Result<T, CommError>>,
) -> Result<T, CommError> {
    match tokio::time::timeout(limit, fut).await {
        Ok(r) => r,
        Err(_) => Err(CommError::Timeout {
            addr: addr.to_owned(),
            what,
            seconds: limit.as_secs() + u64::from(limit.subsec_nanos() > 0),
        }),
    }
}

fn rejection_text(status: StatusCode, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        format!("HTTP {status}")
    } else {
        text.to_owned()
    }
}

/// A failed connection: nobody there (refused, no route) cannot be reached;
/// a connection that was made and then reset before the connect call
/// returned is a peer that vanished, a broken connection.
fn connect_failure(addr: &str, e: std::io::Error) -> CommError {
    use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
    if matches!(
        e.kind(),
        ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
    ) {
        CommError::Protocol {
            addr: addr.to_owned(),
            detail: format!("the connection broke as it was made: {e}"),
        }
    } else {
        CommError::Connect {
            addr: addr.to_owned(),
            detail: e.to_string(),
        }
    }
}

/// A failed handshake: an authentication failure only when TLS itself refused
/// (a certificate rejected on either side, an alert); a peer that vanished
/// before or during the handshake (reset, end of stream: a daemon killed, or
/// one that was stopping with our connection in its backlog) is a broken
/// connection, like one that breaks later.
fn handshake_failure(addr: &str, e: &std::io::Error) -> CommError {
    match rustls_cause(e) {
        Some(detail) => CommError::Authentication {
            addr: addr.to_owned(),
            detail,
        },
        None => CommError::Protocol {
            addr: addr.to_owned(),
            detail: format!("the connection broke during the TLS handshake: {e}"),
        },
    }
}

/// A TLS failure anywhere in the chain means a certificate was refused (or
/// the peer does not speak our TLS); anything else is a broken exchange.
fn classify(addr: &str, err: &(dyn StdError + 'static)) -> CommError {
    match rustls_cause(err) {
        Some(detail) => CommError::Authentication {
            addr: addr.to_owned(),
            detail,
        },
        None => {
            let mut detail = err.to_string();
            let mut cur = err.source();
            while let Some(e) = cur {
                detail.push_str(": ");
                detail.push_str(&e.to_string());
                cur = e.source();
            }
            CommError::Protocol {
                addr: addr.to_owned(),
                detail,
            }
        }
    }
}

/// Finds a `rustls::Error` in `err`'s chain. `io::Error::source` skips the
/// error it wraps, so wrapped errors are looked into explicitly.
fn rustls_cause(err: &(dyn StdError + 'static)) -> Option<String> {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls.to_string());
        }
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(found) = rustls_cause(inner) {
                return Some(found);
            }
        }
        cur = e.source();
    }
    None
}
