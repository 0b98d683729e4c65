//! The communication daemon and the commands that start and stop it.
//!
//! `stgfwcom start` checks what the daemon needs (no `SWSTGNODE`, a TLS
//! identity), then starts `stgfwcom --daemon` in its own process group and
//! waits until it has bound its port and written its pid file, so that a
//! daemon that cannot start says why at once. The daemon logs `stgxfws0060`
//! (to syslog, and to its log file) when it serves, and removes its pid file
//! when SIGTERM stops it. `stgfwcom stop` sends SIGTERM and waits for that.
//! `startacm` and `stopacm` start and stop the package of daemons of a Managed
//! Server, which is the communication daemon (manual Table 8.10).
//!
//! What the daemon serves is [`Runner`]: the allow-listed product programs of
//! [`crate::programs`], run in this server's state root.

use crate::node;
use crate::programs;
use crate::registry::{Repository, ServerRecord};
use crate::remote;
use acm_comm::daemon::{Daemon, Handler};
use acm_comm::tls::Identity;
use acm_comm::wire::{ExecRequest, ExecResponse};
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::command;
use acm_core::msg::{Failure, Family};
use acm_core::paths;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

const F: Family = Family::Config;

/// Pid file of the running daemon.
pub const PID_FILE: &str = "/var/opt/FJSVswstf/stgxfws.pid";
/// The daemon's log.
pub const LOG_FILE: &str = "/var/opt/FJSVswstf/log/stgxfws.log";
/// How long `start` waits for the daemon to come up, and `stop` for it to go.
const WAIT: Duration = Duration::from_secs(15);

/// `SWSTGNODE` is set.
pub const LOGICAL_NODE: u16 = 5101;
/// The daemon could not start.
pub const START_FAILED: u16 = 5102;
/// The daemon is already running (information, exit 0).
pub const ALREADY_RUNNING: u16 = 5103;
/// The daemon is not running (information, exit 0).
pub const NOT_RUNNING: u16 = 5105;
/// The daemon did not stop in time.
pub const STOP_FAILED: u16 = 5106;

const STGFWCOM: Spec = Spec {
    name: "stgfwcom",
    family: F,
    flags: &[],
    valued: &[],
    exclusive: &[],
    operands: (1, 1),
    usage: "stgfwcom start|stop",
};
const STARTACM: Spec = Spec {
    name: "startacm",
    family: F,
    flags: &[],
    valued: &[],
    exclusive: &[],
    operands: (0, 0),
    usage: "startacm",
};
const STOPACM: Spec = Spec {
    name: "stopacm",
    family: F,
    flags: &[],
    valued: &[],
    exclusive: &[],
    operands: (0, 0),
    usage: "stopacm",
};

/// `stgfwcom start|stop` (and, internally, `stgfwcom --daemon`).
pub fn stgfwcom(argv: Argv) -> ExitCode {
    if argv.len() == 1 && argv[0] == "--daemon" {
        paths::private_files();
        return serve();
    }
    command::run(&STGFWCOM, argv, |args| match args.operand() {
        Some("start") => {
            crate::forward::check_config(F)?;
            start()
        }
        Some("stop") => stop(),
        Some(other) => Err(Failure::usage(
            F,
            format!(
                "{other} is neither start nor stop. Usage: {}",
                STGFWCOM.usage
            ),
        )),
        None => unreachable!("one operand"),
    })
}

/// `startacm`.
pub fn startacm(argv: Argv) -> ExitCode {
    crate::forward::run_local(&STARTACM, argv, |_| start())
}

/// `stopacm`. Stopping reads no configuration, so that a daemon can be
/// stopped whatever state the node's files are in.
pub fn stopacm(argv: Argv) -> ExitCode {
    command::run(&STOPACM, argv, |_| stop())
}

fn refuse_logical_node() -> Result<(), Failure> {
    match std::env::var_os(paths::SWSTGNODE) {
        Some(n) if !n.is_empty() => Err(Failure::refused(
            F,
            LOGICAL_NODE,
            format!(
                "The daemons cannot be started or stopped while the environment variable \
                 SWSTGNODE is set (SWSTGNODE={}); unset it.",
                acm_core::cli::escaped(&n)
            ),
        )),
        _ => Ok(()),
    }
}

/// The pid of the running daemon, if one runs.
pub fn running() -> Option<i32> {
    let text = acm_core::input::read_text(&paths::product(PID_FILE), 64).ok()?;
    let pid: i32 = text.trim().parse().ok()?;
    alive(pid).then_some(pid)
}

/// Whether `pid` is a live process, and (where `/proc` tells) a
/// communication daemon rather than a process that reused a stale pid.
fn alive(pid: i32) -> bool {
    if pid <= 0 || nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_err() {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/cmdline")) {
        Ok(cmd) => cmd.contains("stgfwcom"),
        Err(_) => true,
    }
}

fn start() -> Result<(), Failure> {
    refuse_logical_node()?;
    if let Some(pid) = running() {
        println!(
            "swstf{ALREADY_RUNNING:04} The communication daemon is already running. (pid={pid})"
        );
        return Ok(());
    }
    let failed = |why: String| {
        Failure::refused(
            F,
            START_FAILED,
            format!("The communication daemon could not be started: {why}"),
        )
    };
    Identity::load(&node::tls_dir()).map_err(|e| failed(e.to_string()))?;
    let mut daemon = programs::command("stgfwcom")
        .ok_or_else(|| failed("the program stgfwcom is not installed".to_string()))?;
    let log_path = paths::product(LOG_FILE);
    if let Some(dir) = log_path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| failed(format!("{}: {e}", dir.display())))?;
    }
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| failed(format!("{}: {e}", log_path.display())))?;
    let log2 = log.try_clone().map_err(|e| failed(e.to_string()))?;
    let _ = std::fs::remove_file(paths::product(PID_FILE));
    let mut child = daemon
        .arg("--daemon")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2)
        .process_group(0)
        .spawn()
        .map_err(|e| failed(format!("stgfwcom: {e}")))?;
    let started = Instant::now();
    loop {
        if running() == Some(child.id() as i32) {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(failed(format!(
                "it ended ({status}): {}",
                last_line(&log_path).unwrap_or_default()
            )));
        }
        if started.elapsed() > WAIT {
            let _ = child.kill();
            return Err(failed(format!(
                "it did not come up within {} s",
                WAIT.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The log's last line: only its last 64 KiB are read, however long it grew.
fn last_line(path: &std::path::Path) -> Option<String> {
    use std::io::{Seek, SeekFrom};
    let mut f = acm_core::input::open_regular(path).ok()?;
    let len = f.metadata().ok()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(64 << 10))).ok()?;
    let bytes = acm_core::input::read_bounded(f, path, 64 << 10).ok()?;
    String::from_utf8_lossy(&bytes)
        .lines()
        .last()
        .map(str::to_string)
}

fn stop() -> Result<(), Failure> {
    refuse_logical_node()?;
    let Some(pid) = running() else {
        let _ = std::fs::remove_file(paths::product(PID_FILE));
        println!("swstf{NOT_RUNNING:04} The communication daemon is not running.");
        return Ok(());
    };
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    );
    let started = Instant::now();
    while alive(pid) && paths::product(PID_FILE).exists() {
        if started.elapsed() > WAIT {
            return Err(Failure::refused(
                F,
                STOP_FAILED,
                format!(
                    "The communication daemon (pid={pid}) did not stop within {} s.",
                    WAIT.as_secs()
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// Appends a line to the daemon's log, and to syslog when `syslog` is set.
fn log(line: &str, syslog: bool) {
    let path = paths::product(LOG_FILE);
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let stamp = acm_core::time::format_seconds(acm_core::time::now_secs());
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        let _ = writeln!(f, "{stamp} {line}");
    }
    if syslog {
        if let Ok(msg) = std::ffi::CString::new(line) {
            // SAFETY: both strings are NUL-terminated and live across the calls;
            // the format takes exactly one string argument.
            unsafe {
                libc::openlog(c"stgxfws".as_ptr(), libc::LOG_PID, libc::LOG_DAEMON);
                libc::syslog(libc::LOG_INFO, c"%s".as_ptr(), msg.as_ptr());
            }
        }
    }
}

/// The daemon itself: bind, announce, serve until SIGTERM.
fn serve() -> ExitCode {
    let fail = |why: String| {
        log(
            &format!("stgxfws0061 The communication daemon could not start: {why}"),
            true,
        );
        eprintln!("{why}");
        ExitCode::FAILURE
    };
    let me = match node::load() {
        Ok(me) => me,
        Err(e) => return fail(e.to_string()),
    };
    let id = match Identity::load(&node::tls_dir()) {
        Ok(id) => id,
        Err(e) => return fail(e.to_string()),
    };
    let addr = if me.ip.contains(':') {
        format!("[{}]:{}", me.ip, me.port)
    } else {
        format!("{}:{}", me.ip, me.port)
    };
    let listener = match std::net::TcpListener::bind(&addr) {
        Ok(l) => l,
        Err(e) => return fail(format!("cannot listen on {addr}: {e}")),
    };
    let daemon = match Daemon::new(listener, id, std::sync::Arc::new(Runner)) {
        Ok(d) => d,
        Err(e) => return fail(e.to_string()),
    };
    let pid_path = paths::product(PID_FILE);
    if let Err(e) =
        acm_core::store::write_atomic(&pid_path, format!("{}\n", std::process::id()).as_bytes())
    {
        return fail(e.to_string());
    }
    log(
        &format!(
            "stgxfws0060 The communication daemon started. (server={}, address={addr})",
            me.name
        ),
        true,
    );
    let result = daemon.run_until_signal();
    // Log first: `stop` returns as soon as the pid file is gone.
    let code = match result {
        Ok(()) => {
            log("stgxfws0062 The communication daemon stopped.", true);
            ExitCode::SUCCESS
        }
        Err(e) => {
            log(
                &format!("stgxfws0063 The communication daemon ended: {e}"),
                true,
            );
            ExitCode::FAILURE
        }
    };
    let _ = std::fs::remove_file(&pid_path);
    code
}

/// The environment variables a request may set for the program it runs: only
/// the logical node crosses over; everything else is this server's (the
/// daemon adds [`crate::client_dirs::CLIENT_VAR`] itself).
pub const REQUEST_ENV: &[&str] = &[paths::SWSTGNODE];

/// The request's environment, cut to [`REQUEST_ENV`], each value checked as
/// the local commands check it (a logical node name is a path component).
pub fn request_env(env: Vec<(String, String)>) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (k, v) in env {
        if !REQUEST_ENV.contains(&k.as_str()) {
            continue;
        }
        if k == paths::SWSTGNODE && !v.is_empty() {
            paths::check_node_name(std::ffi::OsStr::new(&v)).map_err(|e| e.to_string())?;
        }
        out.push((k, v));
    }
    Ok(out)
}

/// What the daemon does for a client: run one allow-listed program here.
pub struct Runner;

impl Handler for Runner {
    fn exec(&self, client: &str, req: ExecRequest) -> Result<ExecResponse, String> {
        if !programs::allowed(&req.program) {
            log(
                &format!(
                    "stgxfws0064 Refused {} for {client}: not served.",
                    req.program
                ),
                false,
            );
            return Err(format!("the program {} is not served", req.program));
        }
        let mut env = match request_env(req.env) {
            Ok(env) => env,
            Err(why) => {
                log(
                    &format!("stgxfws0064 Refused {} for {client}: {why}.", req.program),
                    false,
                );
                return Err(why);
            }
        };
        // The program knows it runs for a client (the directories it may name).
        env.push((
            crate::client_dirs::CLIENT_VAR.to_string(),
            client.to_string(),
        ));
        let out = remote::spawn(&req.program, &req.args, &req.stdin, None, &env, F)
            .map_err(|f| f.to_string())?;
        log(
            &format!(
                "stgxfws0065 {client}: {} {} -> {}",
                req.program,
                req.args.join(" "),
                out.status
            ),
            false,
        );
        Ok(ExecResponse {
            status: out.status,
            stdout: out.stdout,
            stderr: out.stderr,
        })
    }
}

/// `acmsetup`: the installer's part of setting up a node (not a product command).
pub fn acmsetup(argv: Argv) -> ExitCode {
    crate::setup::main(argv)
}

/// Registers this server in its own repository (the Management Server is a
/// registered server too), or updates its record.
pub fn register_self() -> Result<ServerRecord, String> {
    let me = node::load().map_err(|e| e.to_string())?;
    let record = ServerRecord {
        name: me.name.clone(),
        ip: me.ip.clone(),
        port: me.port,
        manager: true,
    };
    crate::registry::open()
        .and_then(|r| {
            r.update::<acm_core::store::StoreError>("acmsetup", |c| {
                c.servers.retain(|s| !s.manager && s.name != record.name);
                c.servers.insert(0, record.clone());
                Ok(())
            })
        })
        .map_err(|e| e.to_string())?;
    Ok(record)
}
