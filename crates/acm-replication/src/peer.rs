//! The other Managed Server of a server-to-server pair.
//!
//! What one server needs of its peer is a short list of [`Request`]s: resolve a
//! device to its box information, run a pre/post-processing script on a volume,
//! record or remove a pair in the peer's replication list. [`call`] sends one to
//! the named server and returns its [`Response`]; [`serve`] is what the peer
//! runs for it, in its own state root.
//!
//! Today every peer is on this machine: `/etc/opt/swstorage/peers.ini` (under
//! `ACM_ROOT`) maps a server name to that server's state root
//! (`SV2=/var/tmp/sv2`), and a request is carried by running the internal
//! program `swsrppeer` (beside the commands) with `ACM_ROOT` set to the peer's
//! root, the request as JSON on standard input and the response on standard
//! output. The communication daemon of the remote-execution work carries the
//! same requests over the network to the same [`serve`].

use crate::list::{ListStore, Pair, Volume};
use crate::messages;
use crate::scripts::{self, Script};
use crate::volume;
use acm_core::msg::{Failure, Message};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A request to a peer server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Resolve a device of the peer to a volume (box information and size).
    Resolve { device: String },
    /// Run a pre/post-processing script on a volume of the peer.
    Script { script: Script, device: String },
    /// Record a pair in the peer's list (`swsrpsetvol` of a server-to-server pair).
    AddPair { pair: Pair },
    /// Remove a pair from the peer's list (`swsrpdelvol`).
    DeletePair { pair: Pair },
}

/// What the peer answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    Done,
    Volume(Volume),
    /// The peer refused: its message and exit status.
    Refused {
        id: String,
        text: String,
        status: u8,
    },
}

/// Name of the file mapping peer servers to their state roots.
pub const PEERS_FILE: &str = "/etc/opt/swstorage/peers.ini";
/// Name of the internal program that serves a request in a peer's root.
pub const PEER_PROGRAM: &str = "swsrppeer";
/// How long a peer may take to answer.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// The state root of local peer `server`, per [`PEERS_FILE`].
pub fn root_of(server: &str) -> Option<PathBuf> {
    let text = std::fs::read_to_string(acm_core::paths::product(PEERS_FILE)).ok()?;
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == server)
        .map(|(_, v)| PathBuf::from(v.trim()))
}

/// The `swsrppeer` program: beside the running command.
fn program() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(PEER_PROGRAM)))
        .unwrap_or_else(|| PathBuf::from(PEER_PROGRAM))
}

/// Sends `req` to `server`; a refusal of the peer comes back as the same failure.
pub fn call(server: &str, req: &Request) -> Result<Response, Failure> {
    let unreachable = |e: &dyn std::fmt::Display| messages::peer_unreachable(server, e);
    let root = root_of(server).ok_or_else(|| unreachable(&"the server is not registered"))?;
    let body = serde_json::to_vec(req).map_err(|e| unreachable(&e))?;
    let mut child = Command::new(program())
        .env(acm_core::paths::ACM_ROOT, &root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| unreachable(&e))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(&body).map_err(|e| unreachable(&e))?;
    }
    let deadline = Instant::now() + TIMEOUT;
    while child.try_wait().map_err(|e| unreachable(&e))?.is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(unreachable(&"no answer in time"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().map_err(|e| unreachable(&e))?;
    let resp: Response = serde_json::from_slice(&out.stdout)
        .map_err(|e| unreachable(&format!("bad answer: {e}")))?;
    match resp {
        Response::Refused { id, text, status } => Err(Failure {
            message: Message { id, text },
            status,
        }),
        r => Ok(r),
    }
}

/// Serves one request in this server's state root.
pub fn serve(req: &Request) -> Response {
    let result = (|| -> Result<Response, Failure> {
        let local = acm_backup::server::local_name();
        match req {
            Request::Resolve { device } => {
                let op = volume::Operand {
                    device: device.clone(),
                    server: local,
                    local: true,
                };
                Ok(Response::Volume(volume::resolve(
                    &volume::load_host()?,
                    &op,
                )?))
            }
            Request::Script { script, device } => {
                scripts::run_here(*script, device)?;
                Ok(Response::Done)
            }
            Request::AddPair { pair } => {
                ListStore::open().update("swsrppeer", |l| {
                    if !l.pairs.contains(pair) {
                        l.pairs.push(pair.clone());
                    }
                    Ok(())
                })?;
                Ok(Response::Done)
            }
            Request::DeletePair { pair } => {
                ListStore::open().update("swsrppeer", |l| {
                    l.pairs.retain(|p| {
                        !(p.original.is(&pair.original.device, &pair.original.server)
                            && p.replica.is(&pair.replica.device, &pair.replica.server))
                    });
                    Ok(())
                })?;
                Ok(Response::Done)
            }
        }
    })();
    result.unwrap_or_else(refusal)
}

fn refusal(f: Failure) -> Response {
    Response::Refused {
        id: f.message.id,
        text: f.message.text,
        status: f.status,
    }
}

/// The `swsrppeer` program: one request on standard input, its response on
/// standard output. Root only, like every command it serves.
pub fn main() -> std::process::ExitCode {
    let resp = if !acm_core::command::is_root() {
        refusal(Failure::not_root(messages::F))
    } else {
        let mut input = Vec::new();
        match std::io::Read::read_to_end(&mut std::io::stdin(), &mut input) {
            Err(e) => refusal(messages::peer_unreachable("(caller)", e)),
            Ok(_) => match serde_json::from_slice::<Request>(&input) {
                Ok(req) => serve(&req),
                Err(e) => refusal(messages::peer_unreachable("(caller)", e)),
            },
        }
    };
    println!("{}", serde_json::to_string(&resp).unwrap_or_default());
    std::process::ExitCode::SUCCESS
}
