//! The other Managed Server of a server-to-server pair.
//!
//! What one server needs of its peer is a short list of [`Request`]s: resolve a
//! device to its box information, run a pre/post-processing script on a volume,
//! record or remove a pair in the peer's replication list. [`call`] sends one to
//! the named server and returns its [`Response`]; [`serve`] is what the peer
//! runs for it, in its own state root.
//!
//! A request is carried by running the internal program `swsrppeer` on the
//! peer with [`acm_manager::remote::exec`], the request as JSON on standard
//! input and the response on standard output: through the peer's
//! communication daemon, or, for a local peer named in
//! `/etc/opt/swstorage/peers.ini`, directly in that peer's state root.

use crate::list::{ListStore, Pair, Volume};
use crate::messages;
use crate::scripts::{self, Script};
use crate::volume;
use acm_core::msg::{Failure, Message};
use serde::{Deserialize, Serialize};

/// A request to a peer server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Resolve a device of the peer to a volume (box information and size).
    Resolve { device: String },
    /// Run a pre/post-processing script on a volume of the peer.
    Script { script: Script, device: String },
    /// Check a volume of the peer before an operation: it still resolves to the
    /// box, LUN and size recorded, and backup management is not working on it.
    Check { volume: Volume },
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

/// Name of the internal program that serves a request in a peer's root.
pub const PEER_PROGRAM: &str = "swsrppeer";

/// Sends `req` to `server`; a refusal of the peer comes back as the same failure.
pub fn call(server: &str, req: &Request) -> Result<Response, Failure> {
    let unreachable = |e: &dyn std::fmt::Display| messages::peer_unreachable(server, e);
    let body = serde_json::to_vec(req).map_err(|e| unreachable(&e))?;
    let out = acm_manager::remote::exec(server, PEER_PROGRAM, &[], &body, messages::F)?;
    let resp: Response = serde_json::from_slice(&out.stdout).map_err(|e| {
        let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
        unreachable(&format!("bad answer ({e}) {why}"))
    })?;
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
        acm_manager::forward::check_config(messages::F)?;
        let local = acm_manager::node::local_name();
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
            Request::Check { volume: v } => {
                let op = volume::Operand {
                    device: v.device.clone(),
                    server: local.clone(),
                    local: true,
                };
                let now = volume::resolve(&volume::load_host()?, &op)?;
                if now.box_info != v.box_info || now.size != v.size {
                    return Err(messages::volume_changed(&v.qualified()));
                }
                crate::commands::check_backup_idle(v, &local)?;
                Ok(Response::Done)
            }
            Request::Script { script, device } => {
                scripts::run_here(*script, device)?;
                Ok(Response::Done)
            }
            Request::AddPair { pair } => {
                let (o, r, g) = (&pair.original, &pair.replica, pair.group.as_deref());
                ListStore::open().add("swsrppeer", o, r, g, |l| {
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
pub fn main(argv: acm_core::cli::Argv) -> std::process::ExitCode {
    acm_core::paths::private_files();
    // It takes no argument: anything on its command line is a usage error.
    if let Some(arg) = argv.first() {
        let f = Failure::usage(
            messages::F,
            format!(
                "swsrppeer takes no argument (got {}); it reads one request on standard input",
                acm_core::cli::escaped(arg)
            ),
        );
        return acm_core::command::report(&f);
    }
    let resp = if !acm_core::command::is_root() {
        refusal(Failure::not_root(messages::F))
    } else {
        let limit = acm_core::input::MAX_CONFIG_BYTES;
        let from = std::path::Path::new("(standard input)");
        match acm_core::input::read_bounded(std::io::stdin(), from, limit) {
            Err(e) => refusal(messages::peer_unreachable("(caller)", e)),
            Ok(input) => match serde_json::from_slice::<Request>(&input) {
                Ok(req) => serve(&req),
                Err(e) => refusal(messages::peer_unreachable("(caller)", e)),
            },
        }
    };
    println!("{}", serde_json::to_string(&resp).unwrap_or_default());
    std::process::ExitCode::SUCCESS
}
