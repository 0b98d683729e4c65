//! Running a program on a named server.
//!
//! [`exec`] runs one of the product's programs ([`crate::programs`]) on a server
//! and returns what it printed and its exit status:
//!
//! - on this server, directly;
//! - on a *local peer* named in `/etc/opt/swstorage/peers.ini` (`NAME=/state/root`),
//!   directly with that peer's `ACM_ROOT`: several servers on one machine
//!   without daemons, for tests and demos;
//! - otherwise through the server's communication daemon, over HTTPS with
//!   mutual TLS ([`acm_comm`]). The Management Server finds the server's address
//!   in its registry; a Managed Server asks the Management Server for it.
//!
//! A failure to reach a server is a message of the caller's family, numbered
//! 09xx in every family (see `docs/remote.md`).

use crate::node;
use crate::programs;
use crate::registry::{Repository, ServerRecord};
use acm_comm::client::{self, Timeouts};
use acm_comm::tls::Identity;
use acm_comm::wire::ExecRequest;
use acm_comm::CommError;
use acm_core::ini::{ConfigError, Ini, FLAT};
use acm_core::msg::{Failure, Family};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

/// What a program printed, and its exit status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    pub status: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// `-h NAME`: the server is not registered.
pub const NOT_REGISTERED: u16 = 901;
/// The server's daemon cannot be reached.
pub const UNREACHABLE: u16 = 902;
/// The TLS handshake failed.
pub const AUTHENTICATION: u16 = 903;
/// No answer in time.
pub const TIMEOUT: u16 = 904;
/// The connection broke, or the daemon refused the request.
pub const BROKEN: u16 = 905;
/// `-h` with another server's name on a server that is not the Management Server.
pub const NOT_MANAGER: u16 = 906;
/// This server has no usable TLS identity.
pub const NO_IDENTITY: u16 = 907;
/// The program cannot be started here.
pub const NO_PROGRAM: u16 = 908;

/// Name of the file mapping local peers to their state roots.
pub const PEERS_FILE: &str = "/etc/opt/swstorage/peers.ini";

/// Connect timeout (seconds): `ACM_CONNECT_TIMEOUT`, default 5.
pub const CONNECT_TIMEOUT_VAR: &str = "ACM_CONNECT_TIMEOUT";
/// Request timeout (seconds): `ACM_REQUEST_TIMEOUT`, default 600.
pub const REQUEST_TIMEOUT_VAR: &str = "ACM_REQUEST_TIMEOUT";

/// The timeouts in force.
pub fn timeouts() -> Timeouts {
    let secs = |var: &str| {
        std::env::var(var)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|s| *s > 0)
            .map(Duration::from_secs)
    };
    let d = Timeouts::default();
    Timeouts {
        connect: secs(CONNECT_TIMEOUT_VAR).unwrap_or(d.connect),
        request: secs(REQUEST_TIMEOUT_VAR).unwrap_or(d.request),
    }
}

/// The most bytes of standard output (and of standard error) a program run for
/// another server may print: what fits in one daemon response.
pub const MAX_OUTPUT: usize = 64 << 20;

/// The local peers of [`PEERS_FILE`], `NAME=/its/state/root` each, in the
/// file's order (none when there is no file). A name that is not a server
/// name, a root that is not an absolute path, or a name given twice is
/// malformed.
pub fn peers() -> Result<Vec<(String, PathBuf)>, ConfigError> {
    let Some(ini) = Ini::load(&acm_core::paths::product(PEERS_FILE), FLAT)? else {
        return Ok(Vec::new());
    };
    ini.entries
        .iter()
        .map(|e| {
            if !node::is_server_name(&e.key) {
                return Err(ini.malformed(e, format!("{} is not a server name", e.key)));
            }
            if !e.value.starts_with('/') {
                return Err(ini.malformed(
                    e,
                    format!(
                        "{}={} does not name a state root (an absolute path)",
                        e.key, e.value
                    ),
                ));
            }
            Ok((e.key.clone(), PathBuf::from(&e.value)))
        })
        .collect()
}

/// The state root of local peer `server`, per [`PEERS_FILE`] (none when the
/// file is damaged: every command's entry has refused that already).
pub fn local_peer_root(server: &str) -> Option<PathBuf> {
    peers()
        .ok()?
        .into_iter()
        .find(|(name, _)| name == server)
        .map(|(_, root)| root)
}

/// Runs `program args` with `stdin` on `server`.
pub fn exec(
    server: &str,
    program: &str,
    args: &[String],
    stdin: &[u8],
    family: Family,
) -> Result<Output, Failure> {
    if server == node::local_name() {
        return spawn(program, args, stdin, None, &[], family);
    }
    if let Some(root) = local_peer_root(server) {
        return spawn(program, args, stdin, Some(root), &[], family);
    }
    let record = locate(server, family)?;
    let out = over_network(&record, program, args, stdin, family);
    acm_core::log::Run::request(
        family,
        program,
        &format!(
            "server={server} address={}:{} args={args:?} -> {}",
            record.ip,
            record.port,
            match &out {
                Ok(o) => format!("status {}", o.status),
                Err(f) => f.message.id.clone(),
            }
        ),
    );
    out
}

/// Runs a program of this installation, optionally in another state root and
/// with extra environment variables.
pub fn spawn(
    program: &str,
    args: &[String],
    stdin: &[u8],
    root: Option<PathBuf>,
    env: &[(String, String)],
    family: Family,
) -> Result<Output, Failure> {
    let mut cmd = programs::command(program).ok_or_else(|| {
        Failure::refused(
            family,
            NO_PROGRAM,
            format!("The program {program} is not installed on this server."),
        )
    })?;
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(root) = root {
        cmd.env(acm_core::paths::ACM_ROOT, root);
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    let broken = |e: std::io::Error| {
        Failure::refused(
            family,
            NO_PROGRAM,
            format!("The program {program} failed to run: {e}"),
        )
    };
    let mut child = cmd.spawn().map_err(broken)?;
    let mut input = child.stdin.take();
    let data = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        if let Some(i) = input.as_mut() {
            let _ = i.write_all(&data);
        }
    });
    // Each stream keeps at most MAX_OUTPUT bytes and reads the rest away (so the
    // program never blocks on a full pipe); more than that is a refusal.
    let drain = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let mut over = false;
            if let Some(r) = r {
                let mut r = r.take(MAX_OUTPUT as u64 + 1);
                let _ = r.read_to_end(&mut buf);
                if buf.len() > MAX_OUTPUT {
                    over = true;
                    buf.truncate(MAX_OUTPUT);
                    let _ = std::io::copy(&mut r.into_inner(), &mut std::io::sink());
                }
            }
            (buf, over)
        })
    };
    let out_reader = drain(child.stdout.take().map(|o| Box::new(o) as _));
    let err_reader = drain(child.stderr.take().map(|e| Box::new(e) as _));
    // The same bound as a request to a daemon: a local program that never
    // ends must not hang its caller.
    let limit = timeouts().request;
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait().map_err(broken)? {
            Some(st) => break st,
            None if started.elapsed() >= limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Failure::refused(
                    family,
                    TIMEOUT,
                    format!("{program} did not end within {} s.", limit.as_secs()),
                ));
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    let _ = feeder.join();
    let (stdout, out_over) = out_reader.join().unwrap_or_default();
    let (stderr, err_over) = err_reader.join().unwrap_or_default();
    if out_over || err_over {
        return Err(Failure::refused(
            family,
            NO_PROGRAM,
            format!("{program} printed more than {MAX_OUTPUT} bytes; its output is not relayed."),
        ));
    }
    Ok(Output {
        status: exit_status(&status),
        stdout,
        stderr,
    })
}

fn exit_status(s: &std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0))
}

/// Where `server`'s daemon is: the registry on the Management Server; on a
/// Managed Server, the Management Server's answer.
pub fn locate(server: &str, family: Family) -> Result<ServerRecord, Failure> {
    let not_registered = || {
        Failure::refused(
            family,
            NOT_REGISTERED,
            format!("The server {server} is not registered with the Management Server."),
        )
    };
    if node::is_manager() {
        return crate::registry::open()
            .and_then(|r| r.server(server))
            .map_err(|e| Failure::refused(family, NOT_REGISTERED, e.to_string()))?
            .ok_or_else(not_registered);
    }
    let me = node::load().map_err(|e| Failure::bad_config(family, &e))?;
    let (Some(ip), Some(port), Some(name)) = (
        me.management.ip.clone(),
        me.management.port,
        me.management.name.clone(),
    ) else {
        return Err(not_registered());
    };
    let manager = ServerRecord {
        name,
        ip,
        port,
        manager: true,
    };
    if manager.name == server {
        return Ok(manager);
    }
    let out = over_network(
        &manager,
        "stgagent",
        &["server".to_string(), server.to_string()],
        &[],
        family,
    )?;
    if out.status != 0 {
        return Err(not_registered());
    }
    serde_json::from_slice(&out.stdout).map_err(|_| not_registered())
}

/// This server's TLS identity.
pub fn identity(family: Family) -> Result<Identity, Failure> {
    Identity::load(&node::tls_dir())
        .map_err(|e| Failure::refused(family, NO_IDENTITY, e.to_string()))
}

/// Runs a program on a registered server through its daemon.
pub fn over_network(
    server: &ServerRecord,
    program: &str,
    args: &[String],
    stdin: &[u8],
    family: Family,
) -> Result<Output, Failure> {
    let id = identity(family)?;
    let mut env = Vec::new();
    match acm_core::paths::logical_node() {
        Ok(Some(n)) => env.push((acm_core::paths::SWSTGNODE.to_string(), n)),
        Ok(None) => {}
        Err(e) => return Err(Failure::bad_node(family, &e)),
    }
    let req = ExecRequest {
        program: program.to_string(),
        args: args.to_vec(),
        stdin: stdin.to_vec(),
        env,
    };
    let addr = if server.ip.contains(':') {
        format!("[{}]:{}", server.ip, server.port)
    } else {
        format!("{}:{}", server.ip, server.port)
    };
    let resp = client::exec(&addr, &server.name, &id, &req, &timeouts())
        .map_err(|e| comm_failure(family, &server.name, e))?;
    Ok(Output {
        status: resp.status,
        stdout: resp.stdout,
        stderr: resp.stderr,
    })
}

/// The message for a communication failure with `server`.
pub fn comm_failure(family: Family, server: &str, e: CommError) -> Failure {
    let number = match e {
        CommError::Identity { .. } => NO_IDENTITY,
        CommError::Connect { .. } => UNREACHABLE,
        CommError::Authentication { .. } => AUTHENTICATION,
        CommError::Timeout { .. } => TIMEOUT,
        CommError::Rejected { .. } | CommError::Protocol { .. } => BROKEN,
    };
    Failure::refused(
        family,
        number,
        format!("Communication with the server {server} failed: {e}"),
    )
}
