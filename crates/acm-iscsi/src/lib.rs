//! An iSCSI target (RFC 7143) over the logical units a [`Backend`] offers.
//!
//! A [`Portal`] listens on one TCP address and serves one target per backend
//! target (a simulated box), named [`iqn`]`(box)`, its LUNs numbered as the
//! backend numbers them. Each connection is one thread: the login phase
//! ([`login`]), then the full-feature phase ([`session`]) in which every SCSI
//! command becomes one [`Backend::execute`] call with the I_T nexus it came
//! on. The protocol as implemented (keys, limits, what is refused and how)
//! is described in `docs/iscsi.md`.
//!
//! Written here rather than taken from a crate: the published Rust iSCSI
//! target crates are young and none carries the task management and
//! negotiation this target needs; the protocol is a standard and small
//! enough to own.

pub mod initiator;
pub mod login;
pub mod pdu;
pub mod session;
pub mod text;

pub use acm_scsi::transport::Nexus;
pub use login::Chap;

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// The naming authority of the targets: `iqn.2026-12.org.acm-rs:BOXNAME`.
pub const IQN_PREFIX: &str = "iqn.2026-12.org.acm-rs:";
/// The CmdSN window the target grants (MaxCmdSN - ExpCmdSN + 1).
pub const CMD_WINDOW: u32 = 32;
/// The most connections a portal serves at once; more are closed at accept.
pub const MAX_CONNECTIONS: usize = 1024;
/// The largest write one command may send (the logical units say less in
/// their Block Limits page; this bounds what a connection holds).
pub const MAX_TRANSFER: u32 = 32 << 20;
/// The largest Data-In one command may ask for: the array socket's bound,
/// which the vendor set's bulk queries need.
pub const MAX_DATA_IN: u64 = 256 << 20;

/// The target name of a box.
pub fn iqn(box_name: &str) -> String {
    format!("{IQN_PREFIX}{}", box_name.to_ascii_lowercase())
}

/// One target the backend offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The backend's name for it (the box name).
    pub name: String,
    pub luns: Vec<u32>,
}

/// The data phase of one command as the backend runs it.
#[derive(Debug)]
pub enum DataPhase<'a> {
    None,
    Out(&'a [u8]),
    /// The backend returns at most this many bytes.
    In(usize),
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u8,
    pub sense: Vec<u8>,
    /// Data-In bytes the command returned.
    pub data: Vec<u8>,
}

/// The logical units behind the portal.
pub trait Backend: Send + Sync + 'static {
    fn targets(&self) -> Vec<Target>;
    /// Runs one CDB on LUN `lun` of target `target` (the backend's name).
    /// `Err` is a delivery failure (the service is stopping), not a SCSI error.
    fn execute(
        &self,
        nexus: &Nexus,
        target: &str,
        lun: u32,
        cdb: &[u8],
        data: DataPhase<'_>,
    ) -> Result<Response, String>;
    /// LUN RESET (`Some`) or TARGET WARM/COLD RESET (`None`) from `nexus`.
    fn reset(&self, nexus: &Nexus, target: &str, lun: Option<u32>);
    /// The nexus is gone (its session ended).
    fn nexus_lost(&self, nexus: &Nexus);
}

/// A session as `acmsim iscsi status` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    pub tsih: u16,
    pub initiator: String,
    pub isid: String,
    /// The target's IQN, or `discovery`.
    pub target: String,
    pub peer: String,
    pub commands: u64,
}

struct SessionEntry {
    view: SessionView,
    conn: u64,
    commands: Arc<AtomicU64>,
}

/// How a portal runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// One-way CHAP the initiators must pass; `None` lets any initiator in.
    pub chap: Option<Chap>,
    /// How long a login may take before the connection is dropped.
    pub login_timeout: std::time::Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            chap: None,
            login_timeout: std::time::Duration::from_secs(15),
        }
    }
}

pub(crate) struct Inner {
    pub(crate) backend: Arc<dyn Backend>,
    pub(crate) chap: Option<Chap>,
    pub(crate) login_timeout: std::time::Duration,
    addr: SocketAddr,
    pub(crate) stop: AtomicBool,
    sessions: Mutex<HashMap<u16, SessionEntry>>,
    conns: Mutex<HashMap<u64, TcpStream>>,
    next_tsih: AtomicU16,
    next_conn: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Inner {
    /// The backend target an IQN names.
    pub(crate) fn target_of(&self, name: &str) -> Option<Target> {
        let name = name.to_ascii_lowercase();
        self.backend
            .targets()
            .into_iter()
            .find(|t| iqn(&t.name) == name)
    }

    pub(crate) fn address(&self) -> SocketAddr {
        self.addr
    }

    /// Registers a session; one of the same initiator port (name and ISID)
    /// is reinstated: its connection is closed (RFC 7143 §6.3.5).
    pub(crate) fn add_session(&self, view: SessionView, conn: u64) -> Arc<AtomicU64> {
        let commands = Arc::new(AtomicU64::new(0));
        let mut s = lock(&self.sessions);
        let old: Vec<u16> = s
            .iter()
            .filter(|(_, e)| e.view.initiator == view.initiator && e.view.isid == view.isid)
            .map(|(t, _)| *t)
            .collect();
        for t in old {
            if let Some(e) = s.remove(&t) {
                if let Some(c) = lock(&self.conns).get(&e.conn) {
                    let _ = c.shutdown(Shutdown::Both);
                }
            }
        }
        s.insert(
            view.tsih,
            SessionEntry {
                view,
                conn,
                commands: commands.clone(),
            },
        );
        commands
    }

    pub(crate) fn remove_session(&self, tsih: u16, conn: u64) {
        let mut s = lock(&self.sessions);
        if s.get(&tsih).is_some_and(|e| e.conn == conn) {
            s.remove(&tsih);
        }
    }
}

impl login::Directory for Inner {
    fn has_target(&self, name: &str) -> bool {
        self.target_of(name).is_some()
    }
    fn chap(&self) -> Option<Chap> {
        self.chap.clone()
    }
    fn session_exists(&self, tsih: u16) -> bool {
        lock(&self.sessions).contains_key(&tsih)
    }
    fn new_tsih(&self) -> u16 {
        loop {
            let t = self.next_tsih.fetch_add(1, Ordering::SeqCst);
            if t != 0 && !lock(&self.sessions).contains_key(&t) {
                return t;
            }
        }
    }
}

/// A listening iSCSI portal.
pub struct Portal {
    inner: Arc<Inner>,
    listener_fd: std::os::fd::RawFd,
    accept: Option<JoinHandle<()>>,
}

impl Portal {
    /// Listens on `addr` and serves the backend's targets until [`Portal::stop`].
    pub fn start(
        addr: SocketAddr,
        config: Config,
        backend: Arc<dyn Backend>,
    ) -> io::Result<Portal> {
        let listener = TcpListener::bind(addr)?;
        let inner = Arc::new(Inner {
            backend,
            chap: config.chap,
            login_timeout: config.login_timeout,
            addr: listener.local_addr()?,
            stop: AtomicBool::new(false),
            sessions: Mutex::new(HashMap::new()),
            conns: Mutex::new(HashMap::new()),
            next_tsih: AtomicU16::new(1),
            next_conn: AtomicU64::new(1),
        });
        let listener_fd = listener.as_raw_fd();
        let accept = {
            let inner = inner.clone();
            std::thread::spawn(move || accept_loop(&inner, listener))
        };
        Ok(Portal {
            inner,
            listener_fd,
            accept: Some(accept),
        })
    }

    /// The address the portal listens on (the port chosen when 0 was asked).
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    pub fn chap_user(&self) -> Option<String> {
        self.inner.chap.as_ref().map(|c| c.user.clone())
    }

    /// The logged-in sessions, by TSIH.
    pub fn sessions(&self) -> Vec<SessionView> {
        let mut v: Vec<SessionView> = lock(&self.inner.sessions)
            .values()
            .map(|e| {
                let mut v = e.view.clone();
                v.commands = e.commands.load(Ordering::Relaxed);
                v
            })
            .collect();
        v.sort_by_key(|s| s.tsih);
        v
    }

    /// Connections open now (logged in or not).
    pub fn connections(&self) -> usize {
        lock(&self.inner.conns).len()
    }

    /// The targets served now, with their IQNs.
    pub fn targets(&self) -> Vec<(String, Target)> {
        self.inner
            .backend
            .targets()
            .into_iter()
            .map(|t| (iqn(&t.name), t))
            .collect()
    }

    /// Stops listening and closes every connection.
    pub fn stop(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        self.inner.stop.store(true, Ordering::SeqCst);
        // Shutting a listening socket down makes the blocked accept fail.
        unsafe {
            libc::shutdown(self.listener_fd, libc::SHUT_RDWR);
        }
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        for c in lock(&self.inner.conns).values() {
            let _ = c.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        if self.accept.is_some() {
            self.shut();
        }
    }
}

fn accept_loop(inner: &Arc<Inner>, listener: TcpListener) {
    for conn in listener.incoming() {
        if inner.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = conn else {
            std::thread::sleep(std::time::Duration::from_millis(1));
            continue;
        };
        let id = inner.next_conn.fetch_add(1, Ordering::SeqCst);
        {
            let mut conns = lock(&inner.conns);
            if conns.len() >= MAX_CONNECTIONS {
                let _ = stream.shutdown(Shutdown::Both);
                continue;
            }
            match stream.try_clone() {
                Ok(c) => conns.insert(id, c),
                Err(_) => continue,
            };
        }
        let inner = inner.clone();
        std::thread::spawn(move || {
            session::serve(&inner, stream, id);
            lock(&inner.conns).remove(&id);
        });
    }
}
