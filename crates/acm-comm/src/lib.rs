//! The communication daemon's protocol.
//!
//! Servers talk HTTPS (HTTP/1.1 over TLS 1.2/1.3, rustls) with **mutual**
//! authentication: every server holds a certificate issued by the site's own
//! certificate authority, the daemon accepts only clients that present one,
//! and a client accepts only the daemon whose certificate names the server it
//! meant to reach. One request does all the work: [`wire::ExecRequest`] runs one
//! allow-listed program on the server and returns what it printed and its exit
//! status. Nothing here knows the product; the allow-list and the program
//! lookup are the [`daemon::Handler`]'s business.
//!
//! - [`tls`]: identities (`ca.pem`, `node.pem`, `node.key`), and issuing them;
//! - [`wire`]: the request and response bodies;
//! - [`client`]: one request with bounded connect and request timeouts;
//! - [`daemon`]: the server loop.

pub mod client;
pub mod daemon;
pub mod tls;
pub mod wire;

/// Why a request could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum CommError {
    /// The identity files are missing or unreadable.
    #[error("the TLS identity in {path} cannot be used: {detail}")]
    Identity { path: String, detail: String },
    /// No connection could be made.
    #[error("cannot connect to {addr}: {detail}")]
    Connect { addr: String, detail: String },
    /// The TLS handshake failed: a certificate was refused on one side.
    #[error("authentication with {addr} failed: {detail}")]
    Authentication { addr: String, detail: String },
    /// A connect or request timeout ran out.
    #[error("no answer from {addr} within {seconds} s ({what})")]
    Timeout {
        addr: String,
        what: &'static str,
        seconds: u64,
    },
    /// The daemon answered with an error (for example a program it does not run).
    #[error("{addr} refused the request: {detail}")]
    Rejected { addr: String, detail: String },
    /// The connection broke or the answer could not be read.
    #[error("the connection to {addr} failed: {detail}")]
    Protocol { addr: String, detail: String },
}
