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
    logged_over_network(&record, program, args, stdin, family)
}

/// [`exec`] on a server whose record the caller already holds (a Table 8.2
/// display has just read every record): the same, without opening the
/// repository again for each server, which on PostgreSQL is a connection.
pub fn exec_at(
    record: &ServerRecord,
    program: &str,
    args: &[String],
    stdin: &[u8],
    family: Family,
) -> Result<Output, Failure> {
    if record.name == node::local_name() {
        return spawn(program, args, stdin, None, &[], family);
    }
    if let Some(root) = local_peer_root(&record.name) {
        return spawn(program, args, stdin, Some(root), &[], family);
    }
    logged_over_network(record, program, args, stdin, family)
}

/// [`over_network`], with the request in the command log.
fn logged_over_network(
    record: &ServerRecord,
    program: &str,
    args: &[String],
    stdin: &[u8],
    family: Family,
) -> Result<Output, Failure> {
    let out = over_network(record, program, args, stdin, family);
    acm_core::log::Run::request(
        family,
        program,
        &format!(
            "server={} address={}:{} args={args:?} -> {}",
            record.name,
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
    // Standard input needs a thread only when there is something to write
    // (the program may fill its output pipes before it reads it all); an
    // empty one is a pipe closed at once, as before.
    let feeder = match child.stdin.take() {
        Some(mut input) if !stdin.is_empty() => {
            let data = stdin.to_vec();
            Some(std::thread::spawn(move || {
                let _ = input.write_all(&data);
            }))
        }
        _ => None,
    };
    // The same bound as a request to a daemon: a local program that never
    // ends must not hang its caller.
    let limit = timeouts().request;
    let deadline = std::time::Instant::now() + limit;
    let collected = collect(&mut child, deadline);
    if !matches!(collected, Ok(Some(_))) {
        // Ended first, so that a feeder blocked on a program that never
        // read its input gets a broken pipe rather than waiting forever.
        let _ = child.kill();
        let _ = child.wait();
    }
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let Some((status, (stdout, out_over), (stderr, err_over))) = collected.map_err(broken)? else {
        return Err(Failure::refused(
            family,
            TIMEOUT,
            format!("{program} did not end within {} s.", limit.as_secs()),
        ));
    };
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

/// One output stream of a child: what it printed (at most [`MAX_OUTPUT`]
/// bytes kept, the rest read away so the program never blocks on a full
/// pipe) and whether it printed more.
struct Drain {
    pipe: Option<std::fs::File>,
    kept: Vec<u8>,
    over: bool,
}

impl Drain {
    fn new(pipe: Option<impl Into<std::os::fd::OwnedFd>>) -> Drain {
        Drain {
            pipe: pipe.map(|p| std::fs::File::from(p.into())),
            kept: Vec::new(),
            over: false,
        }
    }

    /// Reads what is there (the pipe polled readable, so this does not
    /// block); the end of the stream closes it.
    fn read_some(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
        let Some(mut pipe) = self.pipe.as_ref() else {
            return Ok(());
        };
        match pipe.read(buf) {
            Ok(0) => self.pipe = None,
            Ok(n) => {
                let room = MAX_OUTPUT.saturating_sub(self.kept.len());
                self.kept.extend_from_slice(&buf[..n.min(room)]);
                self.over |= n > room;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        Ok(())
    }
}

/// What a child printed on its two streams, and its exit status, read on
/// this thread alone (one `poll` over both pipes, then the exit): no helper
/// threads and no fixed polling interval, which a daemon pays on every
/// request. `None` when `deadline` passed first.
#[allow(clippy::type_complexity)]
fn collect(
    child: &mut std::process::Child,
    deadline: std::time::Instant,
) -> std::io::Result<Option<(std::process::ExitStatus, (Vec<u8>, bool), (Vec<u8>, bool))>> {
    use std::os::fd::AsRawFd;
    let mut streams = [
        Drain::new(child.stdout.take()),
        Drain::new(child.stderr.take()),
    ];
    let mut buf = vec![0u8; 64 << 10];
    while streams.iter().any(|s| s.pipe.is_some()) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        let mut fds: Vec<libc::pollfd> = streams
            .iter()
            .map(|s| libc::pollfd {
                fd: s.pipe.as_ref().map_or(-1, |p| p.as_raw_fd()),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        let ms = libc::c_int::try_from(left.as_millis().max(1)).unwrap_or(libc::c_int::MAX);
        // SAFETY: `fds` is a valid array of `fds.len()` pollfd records that
        // lives across the call; a negative fd is ignored by poll.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        for (s, p) in streams.iter_mut().zip(&fds) {
            if p.revents != 0 {
                s.read_some(&mut buf)?;
            }
        }
    }
    // Both streams ended: the program is exiting. Its status follows at
    // once; wait for it in short, growing steps, still under the deadline.
    let mut pause = Duration::from_micros(50);
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break st;
        }
        if std::time::Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(5));
    };
    let [out, err] = streams;
    Ok(Some((status, (out.kept, out.over), (err.kept, err.over))))
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

/// This server's TLS identity, loaded once per process and shared: a display
/// over fifty servers would otherwise read and parse the certificates and
/// the key, and build the TLS configuration, fifty times. The threads of a
/// fan-out wait for the first load rather than each doing it; a failure is
/// not kept, so the next call tries again.
pub fn identity(family: Family) -> Result<Identity, Failure> {
    static LOADED: std::sync::Mutex<Option<(PathBuf, Identity)>> = std::sync::Mutex::new(None);
    let dir = node::tls_dir();
    let mut held = LOADED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((at, id)) = held.as_ref() {
        if *at == dir {
            return Ok(id.clone());
        }
    }
    let id =
        Identity::load(&dir).map_err(|e| Failure::refused(family, NO_IDENTITY, e.to_string()))?;
    *held = Some((dir, id.clone()));
    Ok(id)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;
    use std::time::Instant;

    fn sh(script: &str) -> std::process::Child {
        Command::new("sh")
            .args(["-c", script])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sh")
    }

    #[test]
    fn both_streams_and_the_status_are_collected() {
        // More than a pipe holds on stdout, interleaved with stderr.
        let mut c = sh("echo out; echo err >&2; head -c 300000 /dev/zero; echo end >&2; exit 3");
        let deadline = Instant::now() + Duration::from_secs(30);
        let (status, (out, over), (err, err_over)) = collect(&mut c, deadline).unwrap().unwrap();
        assert_eq!(status.code(), Some(3));
        assert_eq!(out.len(), 4 + 300_000);
        assert!(out.starts_with(b"out\n"));
        assert_eq!(err, b"err\nend\n");
        assert!(!over && !err_over);
    }

    #[test]
    fn a_program_that_does_not_end_is_given_up_at_the_deadline() {
        let mut c = sh("exec sleep 30");
        let t = Instant::now();
        let got = collect(&mut c, t + Duration::from_millis(300)).unwrap();
        assert!(got.is_none());
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        let _ = c.kill();
        let _ = c.wait();
    }

    #[test]
    fn a_program_that_closes_its_streams_first_is_still_waited_for() {
        let mut c = sh("exec >&- 2>&-; sleep 0.2; exit 7");
        let deadline = Instant::now() + Duration::from_secs(30);
        let (status, (out, _), (err, _)) = collect(&mut c, deadline).unwrap().unwrap();
        assert_eq!(status.code(), Some(7));
        assert!(out.is_empty() && err.is_empty());
    }
}
