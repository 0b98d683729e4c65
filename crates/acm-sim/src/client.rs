//! The host's side of the array service: [`SocketTransport`] carries one CDB
//! per call to `$ACMSIM_HOME/array.sock`, starting the service when none runs.
//!
//! The service is started as `acmsim serve --idle-exit SECONDS`: `$ACMSIM`,
//! or the suite's multicall binary started as `acmsim` (the running one, the
//! build tree's, or the installed one). Where no console can be found, or `ACMSIM_SERVICE=off`, the host opens the array in process
//! ([`SimTransport`]), which the lease makes safe beside a running service.

use crate::service::{pid_path, socket_path};
use crate::target::SimTransport;
use crate::wire::{self, Direction, Execute, Op, Reply};
use acm_scsi::transport::{Completion, Data, Transport, TransportError};
use std::io::{self, Read};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long an idle service a command started on demand lives (seconds);
/// `ACMSIM_IDLE_EXIT` overrides it.
pub const DEFAULT_IDLE_EXIT: u64 = 600;
/// How long a client waits for a service it started to answer.
const START_WAIT: Duration = Duration::from_secs(20);

/// Whether commands should use the service (`ACMSIM_SERVICE=off` says no).
fn service_wanted() -> bool {
    std::env::var("ACMSIM_SERVICE").map_or(true, |v| v != "off")
}

/// The console that runs the service, if it can be found: `$ACMSIM` when it
/// names one, else the suite's `acmsim` program (the multicall binary).
pub fn console_command() -> Option<Command> {
    if let Some(p) = std::env::var_os("ACMSIM") {
        let p = PathBuf::from(p);
        if p.is_absolute() && p.is_file() {
            return Some(Command::new(p));
        }
    }
    acm_core::program::command("acmsim")
}

fn not_found(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
    )
}

/// Connects to the service of `home`, if one answers.
pub fn connect(home: &Path) -> io::Result<UnixStream> {
    UnixStream::connect(socket_path(home))
}

/// Starts the service of `home` in the background and waits until it
/// answers. Two clients starting it at once are fine: one wins the pid file,
/// the other's `acmsim serve` finds it running.
pub fn start(home: &Path, idle_exit: Option<u64>) -> Result<UnixStream, String> {
    let mut cmd = console_command().ok_or_else(|| {
        "the array service is not running and no acmsim console was found to start it".to_string()
    })?;
    cmd.arg("serve")
        .env("ACMSIM_HOME", home)
        .env_remove("ACMSIM_CLOCK")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(s) = idle_exit {
        cmd.arg("--idle-exit").arg(s.to_string());
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run acmsim: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the array service did not start: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    wait_for(home, START_WAIT)
}

/// Whether the service of `home` serves: it answers a STATUS within a
/// second (a service still loading its store accepts the connection but
/// answers only once loaded; one that failed to load closes it).
pub fn ready(home: &Path) -> bool {
    let Ok(mut s) = connect(home) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
    if wire::send_op(&mut s, Op::Status).is_err() {
        return false;
    }
    matches!(wire::read_reply(&mut s), Ok(Reply::Done(_)))
}

/// Waits until the service of `home` accepts a connection.
pub fn wait_for(home: &Path, limit: Duration) -> Result<UnixStream, String> {
    let t0 = Instant::now();
    loop {
        match connect(home) {
            Ok(s) => return Ok(s),
            Err(e) if t0.elapsed() >= limit => {
                return Err(format!(
                    "the array service of {} does not answer: {e}",
                    home.display()
                ))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

fn idle_exit() -> u64 {
    std::env::var("ACMSIM_IDLE_EXIT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_IDLE_EXIT)
}

/// Asks the service of `home` (started when none runs) to expose LUN `olu`
/// of box `target` as a block device; returns the loop device (`/dev/loopN`)
/// and the file in the block face behind it.
pub fn block(home: &Path, target: &str, olu: u32) -> Result<(String, PathBuf), String> {
    let reply = ask(home, Some(Some(idle_exit())), |s| {
        wire::send_block(s, target, olu)
    })?;
    match reply {
        Some(Reply::Done(text)) => {
            let mut t = text.split_whitespace();
            match (t.next(), t.next()) {
                (Some(dev), Some(file)) => Ok((dev.to_string(), PathBuf::from(file))),
                _ => Err(format!("the array service answered BLOCK oddly: {text}")),
            }
        }
        Some(Reply::Error(why)) => Err(why),
        _ => Err("the array service answered BLOCK oddly".into()),
    }
}

/// Runs an iSCSI portal subcommand in the service of `home` (started for
/// `start` when none runs; `Ok(None)` for the others when none runs).
pub fn iscsi(home: &Path, words: &[&str]) -> Result<Option<String>, String> {
    let start_with = (words.first() == Some(&"start")).then_some(None);
    match ask(home, start_with, |s| wire::send_iscsi(s, words))? {
        None => Ok(None),
        Some(Reply::Done(text)) => Ok(Some(text)),
        Some(Reply::Error(why)) => Err(why),
        Some(Reply::Completion(_)) => Err("the array service answered ISCSI oddly".into()),
    }
}

/// One request and its reply on a new connection to the service of `home`;
/// `start_with` says whether (and with which idle exit) to start a service when
/// none runs, else `Ok(None)`.
///
/// A service killed a moment ago can still accept a connection it will
/// never read: its listening socket outlives its other files by an instant.
/// Such a connection breaks before any reply, so the service read nothing;
/// the request goes once more to the service that answers after it.
fn ask(
    home: &Path,
    start_with: Option<Option<u64>>,
    send: impl Fn(&mut UnixStream) -> io::Result<()>,
) -> Result<Option<Reply>, String> {
    let mut last = String::new();
    for attempt in 0..2 {
        if attempt > 0 {
            let t0 = Instant::now();
            while service_pid(home).is_some() && t0.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        let mut s = match connect(home) {
            Ok(s) => s,
            Err(e) if not_found(&e) => match start_with {
                Some(idle) => start(home, idle)?,
                None => return Ok(None),
            },
            Err(e) => return Err(format!("the array service: {e}")),
        };
        let sent = send(&mut s);
        match wire::read_reply(&mut s) {
            Ok(r) => return Ok(Some(r)),
            Err(wire::WireError::Io(e)) if broken_before_reply(&e) => {
                last = match sent {
                    Err(s) => s.to_string(),
                    Ok(()) => e.to_string(),
                }
            }
            Err(e) => return Err(format!("the array service: {e}")),
        }
    }
    Err(format!("the array service: {last}"))
}

fn broken_before_reply(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe | io::ErrorKind::UnexpectedEof
    )
}

/// Asks a running service for the home; `None` when no service answers.
/// The returned connection holds the lease until it is dropped.
pub fn lease(home: &Path) -> Result<Option<UnixStream>, String> {
    let mut s = match connect(home) {
        Ok(s) => s,
        Err(e) if not_found(&e) => return Ok(None),
        Err(e) => return Err(format!("the array service: {e}")),
    };
    let _ = wire::send_op(&mut s, Op::Lease);
    match wire::read_reply(&mut s) {
        Ok(Reply::Done(_)) => Ok(Some(s)),
        Ok(Reply::Error(why)) => Err(format!("the array service refused a lease: {why}")),
        Ok(Reply::Completion(_)) => Err("the array service answered a lease oddly".into()),
        // A service stopping (or killed) as we asked lets go of the home anyway.
        Err(_) => Ok(None),
    }
}

/// What `acmsim status` prints: the service's own account, or `None` when no
/// service runs for `home`.
pub fn status(home: &Path) -> Result<Option<String>, String> {
    match ask(home, None, |s| wire::send_op(s, Op::Status))? {
        None => Ok(None),
        Some(Reply::Done(text)) => Ok(Some(text)),
        Some(Reply::Error(why)) => Err(why),
        Some(Reply::Completion(_)) => Err("the array service answered STATUS oddly".into()),
    }
}

/// Stops the service of `home` and waits until it has let go of the pid
/// file; `Ok(false)` when none ran.
pub fn stop(home: &Path) -> Result<bool, String> {
    let mut s = match connect(home) {
        Ok(s) => s,
        Err(e) if not_found(&e) => return Ok(false),
        Err(e) => return Err(format!("the array service: {e}")),
    };
    let _ = wire::send_op(&mut s, Op::Stop);
    if let Ok(Reply::Error(why)) = wire::read_reply(&mut s) {
        return Err(why);
    }
    let t0 = Instant::now();
    while service_pid(home).is_some() {
        if t0.elapsed() > Duration::from_secs(60) {
            return Err("the array service did not stop within 60 seconds".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(true)
}

/// The pid of the service holding `home`'s pid file, if one does (0 when
/// it has not written it yet).
pub fn service_pid(home: &Path) -> Option<u32> {
    let mut f = std::fs::File::open(pid_path(home)).ok()?;
    match f.try_lock_shared() {
        Ok(()) => None,
        Err(_) => {
            let mut text = String::new();
            let _ = f.read_to_string(&mut text);
            Some(text.trim().parse().unwrap_or(0))
        }
    }
}

/// The transport to one LUN of a simulated box through the array service.
pub struct SocketTransport {
    home: PathBuf,
    target: String,
    olu: u32,
    conn: Option<UnixStream>,
    /// Set when no service can be had: the array is opened in process.
    local: Option<SimTransport>,
}

impl SocketTransport {
    /// A path to LUN `olu` of the box named (or identified) `target` under `home`.
    pub fn new(home: impl Into<PathBuf>, target: &str, olu: u32) -> SocketTransport {
        SocketTransport {
            home: home.into(),
            target: target.to_string(),
            olu,
            conn: None,
            local: None,
        }
    }

    /// The same, under the configured `ACMSIM_HOME`.
    pub fn from_env(target: &str, olu: u32) -> SocketTransport {
        SocketTransport::new(acm_core::paths::sim_home(), target, olu)
    }

    fn connection(&mut self) -> Result<Option<&mut UnixStream>, TransportError> {
        if self.conn.is_none() && self.local.is_none() {
            match connect(&self.home) {
                Ok(s) => self.conn = Some(s),
                Err(e) if not_found(&e) => {
                    if !service_wanted() || console_command().is_none() {
                        self.local = Some(SimTransport::new(&self.home, &self.target, self.olu));
                    } else {
                        self.conn = Some(
                            start(&self.home, Some(idle_exit())).map_err(TransportError::Target)?,
                        );
                    }
                }
                Err(e) => return Err(self.broken(e)),
            }
        }
        Ok(self.conn.as_mut())
    }

    fn broken(&self, e: impl std::fmt::Display) -> TransportError {
        TransportError::Target(format!(
            "the array service ({}): {e}",
            socket_path(&self.home).display()
        ))
    }
}

impl Transport for SocketTransport {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        if !service_wanted() && self.conn.is_none() && self.local.is_none() {
            self.local = Some(SimTransport::new(&self.home, &self.target, self.olu));
        }
        if let Some(local) = self.local.as_mut() {
            return local.execute(cdb, data, timeout);
        }
        let request = Execute {
            target: self.target.clone(),
            olu: self.olu,
            clock: acm_core::time::fixed_clock().unwrap_or(0),
            timeout_ms: timeout.as_millis().min(u32::MAX as u128) as u32,
            cdb: cdb.to_vec(),
            data: match &data {
                Data::None => Direction::None,
                Data::Out(d) => Direction::Out(d.to_vec()),
                Data::In(b) => Direction::In(b.len()),
            },
        };
        // A kept connection the service closed since (it stopped when idle) is
        // found at the send; the service read nothing, so sending again on a
        // new connection cannot run the command twice.
        let mut sent = false;
        for _ in 0..2 {
            let Some(conn) = self.connection()? else {
                return self
                    .local
                    .as_mut()
                    .map(|l| l.execute(cdb, data, timeout))
                    .unwrap_or_else(|| Err(TransportError::Target("no path to the array".into())));
            };
            if wire::send_execute(conn, &request).is_ok() {
                sent = true;
                break;
            }
            self.conn = None;
        }
        if !sent {
            return Err(self.broken("cannot send the command"));
        }
        let reply = match self.conn.as_mut().map(wire::read_reply) {
            Some(Ok(r)) => r,
            Some(Err(e)) => {
                self.conn = None;
                return Err(self.broken(e));
            }
            None => return Err(self.broken("no connection")),
        };
        match reply {
            Reply::Completion(c) => {
                if let Data::In(buf) = data {
                    let n = c.data_in.len().min(buf.len());
                    buf[..n].copy_from_slice(&c.data_in[..n]);
                }
                Ok(Completion {
                    status: c.status,
                    sense: c.sense,
                    residual: c.residual as usize,
                })
            }
            Reply::Error(why) => {
                self.conn = None;
                Err(TransportError::Target(why))
            }
            Reply::Done(_) => Err(self.broken("an unexpected reply")),
        }
    }
}
