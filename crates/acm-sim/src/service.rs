//! The array service: one process per `$ACMSIM_HOME` that owns every box there,
//! answers each CDB from memory and copies in the background.
//!
//! The service holds the [`Array`] open (and so the home's lock) while it is
//! *resident*. Each connection gets a thread; a request takes the one state
//! mutex, so commands run one at a time as they did under the home lock, and a
//! command's changes are committed before its status is sent. A background
//! thread moves the copies at each box's rate in real time (unless the last
//! request fixed the clock: then time moves only when a request or `acmsim
//! advance` says so). A process that opens the array directly (the console's
//! administration, a test harness) asks for a *lease*: the service commits,
//! lets go of the home and waits until that connection closes, then loads the
//! home again on the next request. `docs/simulator.md` ("The array service")
//! tells the whole story.

use crate::array::{Array, SimError};
use crate::block;
use crate::target;
use crate::wire::{self, Completed, Direction, ReplyKind, Request};
use acm_scsi::transport::{Data, Nexus};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The socket the service listens on, in the home it serves.
pub fn socket_path(home: &Path) -> PathBuf {
    home.join("array.sock")
}

/// The pid file (locked while the service runs).
pub fn pid_path(home: &Path) -> PathBuf {
    home.join("array.pid")
}

/// Where a service started in the background writes what it has to say.
pub fn log_path(home: &Path) -> PathBuf {
    home.join("array.log")
}

/// How often the background thread moves copies and checks for an idle exit.
const TICK: Duration = Duration::from_millis(50);
/// How long records wait in the journal before the store takes them;
/// `ACMSIM_CHECKPOINT_MS` changes it (tests that kill the service mid-way
/// through checkpoints).
fn checkpoint_age() -> Duration {
    std::env::var("ACMSIM_CHECKPOINT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(1))
}

/// How the service runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub home: PathBuf,
    /// Stop after this long with no request and no copy in progress (a service
    /// a command started on demand); `None` runs until stopped.
    pub idle_exit: Option<Duration>,
}

struct Resident {
    array: Option<Array>,
    /// What the logical units keep per I_T nexus (reservations, unit
    /// attentions); it outlives reloads of the array.
    units: crate::lu::Units,
    /// Set once the service is stopping: requests are refused from then on.
    closed: bool,
    /// The ROD tokens of an array dropped to be loaded again (they live in
    /// memory only, and outlive reloads).
    tokens: Option<crate::token::Tokens>,
}

impl Resident {
    /// Drops the loaded array (what memory holds beyond the store is
    /// forgotten), keeping its tokens for the next load.
    fn drop_array(&mut self) {
        if let Some(mut a) = self.array.take() {
            self.tokens = Some(a.take_tokens());
        }
    }
}

pub(crate) struct Shared {
    home: PathBuf,
    state: Mutex<Resident>,
    stop: AtomicBool,
    /// The last request ran on the real clock (so the background thread copies).
    real_clock: AtomicBool,
    requests: AtomicU64,
    clients: AtomicUsize,
    last_activity: Mutex<Instant>,
    started: SystemTime,
    /// The listening socket, shut down to wake the accept loop at a stop.
    listener_fd: std::os::fd::RawFd,
    /// The block face, mounted at the first BLOCK request. Its own lock: a
    /// face is never touched under the state lock (its I/O takes that lock).
    face: Mutex<Option<block::Face>>,
    /// The iSCSI portal, started by `acmsim iscsi start`. Its own lock, for
    /// the same reason as the face's.
    portal: Mutex<Option<acm_iscsi::Portal>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Resident> {
        // A request thread that panicked leaves the state as it was committed.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The state lock, with the array loaded (it is dropped after a failed
    /// commit or a refused command, and loaded again here); refused once the
    /// service is stopping.
    fn loaded(&self) -> Result<MutexGuard<'_, Resident>, String> {
        let mut g = self.lock();
        if g.closed {
            return Err("the array service is stopping".into());
        }
        if g.array.is_none() {
            let mut a = Array::open_owned(&self.home).map_err(|e| e.to_string())?;
            if let Some(t) = g.tokens.take() {
                a.put_tokens(t);
            }
            g.array = Some(a);
        }
        Ok(g)
    }

    fn face(&self) -> MutexGuard<'_, Option<block::Face>> {
        self.face.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Why the service may not stop now: a block disk is mounted (stopping
    /// would pull the disk from under a mounted file system).
    fn held(&self) -> Option<String> {
        let mounted = self
            .face()
            .as_ref()
            .map(|f| f.mounted())
            .unwrap_or_default();
        if mounted.is_empty() {
            return None;
        }
        let list: Vec<String> = mounted
            .iter()
            .map(|(dev, mp)| format!("{dev} on {}", mp.display()))
            .collect();
        Some(format!(
            "block disks are mounted ({}): unmount them first",
            list.join(", ")
        ))
    }

    pub(crate) fn portal(&self) -> MutexGuard<'_, Option<acm_iscsi::Portal>> {
        self.portal.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn touch(&self) {
        *self.last_activity.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }
}

/// Set by SIGTERM and SIGINT: the background thread turns it into a clean stop.
static SIGNALLED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    SIGNALLED.store(true, Ordering::SeqCst);
}

fn real_now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("the array service (pid {pid}) already owns {home}")]
    Running { pid: String, home: PathBuf },
    #[error("{0}")]
    Io(String),
    #[error(transparent)]
    Sim(#[from] SimError),
}

fn io_at(path: &Path) -> impl Fn(std::io::Error) -> ServeError + '_ {
    move |e| ServeError::Io(format!("{}: {e}", path.display()))
}

/// Takes the pid file, or says who holds it. The lock on the open file is
/// what makes it the service's; a pid file left by a killed service is free.
fn claim_pid_file(home: &Path) -> Result<File, ServeError> {
    let path = pid_path(home);
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(io_at(&path))?;
    match f.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = f.read_to_string(&mut pid);
            return Err(ServeError::Running {
                pid: pid.trim().to_string(),
                home: home.to_path_buf(),
            });
        }
        Err(fs::TryLockError::Error(e)) => return Err(io_at(&path)(e)),
    }
    f.set_len(0).map_err(io_at(&path))?;
    writeln!(f, "{}", std::process::id()).map_err(io_at(&path))?;
    f.sync_all().map_err(io_at(&path))?;
    Ok(f)
}

/// Runs the service in this process until it is stopped (STOP, SIGTERM,
/// SIGINT), its home is removed, or it has been idle for `idle_exit`.
pub fn serve(opts: Options, ready: impl FnOnce()) -> Result<(), ServeError> {
    let home = opts.home.clone();
    fs::create_dir_all(&home).map_err(io_at(&home))?;
    let home_id = fs::metadata(&home).map(|m| (m.dev(), m.ino())).ok();
    let pid_file = claim_pid_file(&home)?;
    let sock = socket_path(&home);
    // The pid file is ours, so a socket here is a killed service's.
    let _ = fs::remove_file(&sock);
    // Tokens are memory only: a killed service's kept blocks are litter.
    let _ = fs::remove_dir_all(crate::token::dir(&home));
    let listener = UnixListener::bind(&sock).map_err(io_at(&sock))?;
    // The socket is removed at the end only while it is still this one: a
    // service whose home was removed under it must not take the socket of
    // the service that has the path now.
    let sock_id = fs::metadata(&sock).map(|m| (m.dev(), m.ino())).ok();
    let remove_sock = {
        let sock = sock.clone();
        move || {
            if fs::metadata(&sock).map(|m| (m.dev(), m.ino())).ok() == sock_id {
                let _ = fs::remove_file(&sock);
            }
        }
    };
    // Load the home now, so a damaged store is refused before anyone is
    // served; a starter knows the service is ready when it answers a STATUS
    // (`client::ready`), which waits for this. A failed load leaves no socket.
    let array = fs::set_permissions(&sock, fs::Permissions::from_mode(0o600))
        .map_err(io_at(&sock))
        .and_then(|()| Array::open_owned(&home).map_err(ServeError::from));
    let array = match array {
        Ok(a) => a,
        Err(e) => {
            remove_sock();
            return Err(e);
        }
    };
    let shared = Arc::new(Shared {
        home: home.clone(),
        state: Mutex::new(Resident {
            array: Some(array),
            units: crate::lu::Units::new(),
            closed: false,
            tokens: None,
        }),
        stop: AtomicBool::new(false),
        real_clock: AtomicBool::new(acm_core::time::fixed_clock().is_none()),
        requests: AtomicU64::new(0),
        clients: AtomicUsize::new(0),
        last_activity: Mutex::new(Instant::now()),
        started: SystemTime::now(),
        listener_fd: std::os::fd::AsRawFd::as_raw_fd(&listener),
        face: Mutex::new(None),
        portal: Mutex::new(None),
    });
    unsafe {
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let ticker = {
        let shared = shared.clone();
        let idle = opts.idle_exit;
        std::thread::spawn(move || background(&shared, idle, home_id))
    };
    ready();
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = conn else {
            // Only a shutdown makes accept fail for good; anything else passes.
            std::thread::sleep(Duration::from_millis(1));
            continue;
        };
        let shared = shared.clone();
        std::thread::spawn(move || connection(&shared, stream));
    }
    // Stopping: the iSCSI portal and the block face first (their I/O goes
    // through the state lock), then wait for the request in flight, commit,
    // let go of the home.
    let portal = shared.portal().take();
    if let Some(p) = portal {
        p.stop();
    }
    let face = shared.face().take();
    if let Some(f) = face {
        if let Err(e) = f.shut() {
            eprintln!("acmsim serve: {e}");
        }
    }
    let mut g = shared.lock();
    g.closed = true;
    let result = match g.array.take() {
        Some(mut a) => a.checkpoint().map_err(ServeError::from),
        None => Ok(()),
    };
    remove_sock();
    drop(g);
    let _ = ticker.join();
    drop(pid_file);
    result
}

/// Stops the service: shutting the listening socket down wakes the accept
/// loop (even when the socket's path is gone with the home).
fn stop_now(shared: &Shared) {
    shared.stop.store(true, Ordering::SeqCst);
    unsafe {
        libc::shutdown(shared.listener_fd, libc::SHUT_RDWR);
    }
}

/// Moves copies in real time; stops the service when told to by a signal, when
/// its home is gone, or when it has been idle long enough.
fn background(shared: &Shared, idle_exit: Option<Duration>, home_id: Option<(u64, u64)>) {
    let age = checkpoint_age();
    loop {
        std::thread::sleep(TICK);
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let gone = fs::metadata(&shared.home)
            .map(|m| Some((m.dev(), m.ino())) != home_id)
            .unwrap_or(true);
        let mut copying = false;
        let mut checkpoint = None;
        {
            let mut g = shared.lock();
            if let Some(a) = g.array.as_mut() {
                copying = a.copying();
                if copying && shared.real_clock.load(Ordering::SeqCst) {
                    a.set_now_ns(real_now_ns());
                    a.catch_up();
                    if let Err(e) = a.commit() {
                        eprintln!("acmsim serve: cannot commit background copy: {e}");
                    }
                }
                if a.checkpoint_due(age) {
                    checkpoint = Some(a.checkpoint_begin());
                }
            }
        }
        // The data is synced without the lock, so requests go on meanwhile.
        match checkpoint.take() {
            Some(Ok(c)) => {
                let done = c.sync().and_then(|()| match shared.lock().array.as_mut() {
                    Some(a) => a.checkpoint_end(c),
                    None => Ok(()),
                });
                if let Err(e) = done {
                    eprintln!("acmsim serve: cannot checkpoint the journal: {e}");
                }
            }
            Some(Err(e)) => eprintln!("acmsim serve: cannot checkpoint the journal: {e}"),
            None => {}
        }
        if copying {
            shared.touch();
        }
        let idle = idle_exit.is_some_and(|limit| {
            shared.clients.load(Ordering::SeqCst) == 0
                && shared.face().is_none()
                && shared.portal().is_none()
                && shared
                    .last_activity
                    .lock()
                    .map(|t| t.elapsed() >= limit)
                    .unwrap_or(false)
        });
        if SIGNALLED.load(Ordering::SeqCst) && !gone {
            if let Some(why) = shared.held() {
                eprintln!(
                    "acmsim serve (pid {}): not stopping: {why}",
                    std::process::id()
                );
                SIGNALLED.store(false, Ordering::SeqCst);
                continue;
            }
        }
        if SIGNALLED.load(Ordering::SeqCst) || gone || idle {
            let why = if gone {
                "its home is gone"
            } else if idle {
                "it has been idle"
            } else {
                "a signal asked"
            };
            eprintln!("acmsim serve (pid {}): stopping, {why}", std::process::id());
            stop_now(shared);
            return;
        }
    }
}

/// Only root (or the service's own user) may talk to the array.
fn peer_allowed(stream: &UnixStream) -> Result<(), String> {
    use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};
    let cred = getsockopt(stream, PeerCredentials).map_err(|e| e.to_string())?;
    let me = nix::unistd::geteuid().as_raw();
    if cred.uid() == 0 || cred.uid() == me {
        Ok(())
    } else {
        Err(format!(
            "uid {} may not use the array service (root only)",
            cred.uid()
        ))
    }
}

fn connection(shared: &Arc<Shared>, mut stream: UnixStream) {
    if shared.stop.load(Ordering::SeqCst) {
        return;
    }
    if let Err(why) = peer_allowed(&stream) {
        let _ = wire::send_text(&mut stream, ReplyKind::Error, &why);
        return;
    }
    shared.clients.fetch_add(1, Ordering::SeqCst);
    shared.touch();
    loop {
        let req = match wire::read_request(&mut stream) {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) => {
                let _ = wire::send_text(&mut stream, ReplyKind::Error, &e.to_string());
                break;
            }
        };
        shared.requests.fetch_add(1, Ordering::SeqCst);
        let keep = match req {
            Request::Execute(x) => {
                let reply = execute(shared, x);
                let sent = match reply {
                    Ok(c) => wire::send_completion(&mut stream, &c),
                    Err(why) => wire::send_text(&mut stream, ReplyKind::Error, &why),
                };
                sent.is_ok()
            }
            Request::Lease => {
                lease(shared, &mut stream);
                false
            }
            Request::Status => {
                let text = status_text(shared);
                wire::send_text(&mut stream, ReplyKind::Done, &text).is_ok()
            }
            Request::Block(target, olu) => {
                let sent = match export(shared, &target, olu) {
                    Ok(text) => wire::send_text(&mut stream, ReplyKind::Done, &text),
                    Err(why) => wire::send_text(&mut stream, ReplyKind::Error, &why),
                };
                sent.is_ok()
            }
            Request::Iscsi(words) => {
                let sent = match crate::iscsi::request(shared, &words) {
                    Ok(text) => wire::send_text(&mut stream, ReplyKind::Done, &text),
                    Err(why) => wire::send_text(&mut stream, ReplyKind::Error, &why),
                };
                sent.is_ok()
            }
            Request::Stop => match shared.held() {
                // A mounted block disk keeps the service serving.
                Some(why) => wire::send_text(&mut stream, ReplyKind::Error, &why).is_ok(),
                None => {
                    let text = format!("stopping (pid {})", std::process::id());
                    let _ = wire::send_text(&mut stream, ReplyKind::Done, &text);
                    stop_now(shared);
                    false
                }
            },
        };
        shared.touch();
        if !keep {
            break;
        }
    }
    shared.clients.fetch_sub(1, Ordering::SeqCst);
}

/// Runs one CDB from the socket on the resident array; the status is sent
/// only after what the command changed is committed.
fn execute(shared: &Shared, x: wire::Execute) -> Result<Completed, String> {
    run_cdb(
        shared,
        &Nexus::local(),
        &x.target,
        x.olu,
        &x.cdb,
        x.data,
        Some(x.clock),
    )
}

/// Runs one CDB: `clock` is the request's (0: the real clock; seconds: a
/// fixed one), or `None` for I/O of the block face, which leaves the array's
/// clock as the last command set it.
pub(crate) fn run_cdb(
    shared: &Shared,
    nexus: &Nexus,
    target: &str,
    olu: u32,
    cdb: &[u8],
    data: Direction,
    clock: Option<u64>,
) -> Result<Completed, String> {
    let mut g = shared.loaded()?;
    let r = &mut *g;
    let Some(a) = r.array.as_mut() else {
        return Err("the array is not loaded".into());
    };
    if let Some(clock) = clock {
        let fixed = clock != 0;
        shared.real_clock.store(!fixed, Ordering::SeqCst);
        a.set_now_ns(if fixed {
            clock.saturating_mul(1_000_000_000)
        } else {
            real_now_ns()
        });
        a.catch_up();
        a.commit().map_err(|e| e.to_string())?;
    }
    let mut data_in = match data {
        Direction::In(n) => vec![0u8; n],
        _ => Vec::new(),
    };
    let data = match &data {
        Direction::None => Data::None,
        Direction::Out(d) => Data::Out(d),
        Direction::In(_) => Data::In(&mut data_in),
    };
    let outcome = target::execute_on(a, &mut r.units, nexus, target, olu, cdb, data);
    let (completion, completed) = match outcome {
        Ok(v) => v,
        Err(e) => return Err(e.to_string()),
    };
    if completed {
        // Host I/O is acknowledged from the journal; a session command (the
        // vendor CDBs) only once the store holds what it changed.
        let done = if matches!(
            cdb.first(),
            Some(&acm_scsi::cdb::COPY_SESSION_OUT | &acm_scsi::cdb::COPY_SESSION_IN)
        ) {
            a.commit_durable()
        } else {
            a.commit()
        };
        if let Err(e) = done {
            // Memory holds what the store does not: load it again.
            g.drop_array();
            return Err(e.to_string());
        }
    } else if a.is_dirty() {
        // A refused command leaves no trace: forget what it changed in memory
        // and load the committed state again on the next request (the data
        // written before it is synced first: the list of it is in memory).
        let _ = a.sync_touched();
        g.drop_array();
    }
    let residual = completion.residual.min(data_in.len());
    data_in.truncate(data_in.len() - residual);
    Ok(Completed {
        status: completion.status,
        sense: completion.sense,
        residual: residual as u32,
        data_in,
    })
}

/// Runs `f` on the resident array and the logical units' nexus state (the
/// iSCSI face's task management), loading the array when it is not.
pub(crate) fn with_units<R>(
    shared: &Shared,
    f: impl FnOnce(&mut Array, &mut crate::lu::Units) -> R,
) -> Result<R, String> {
    let mut g = shared.loaded()?;
    let r = &mut *g;
    let a = r.array.as_mut().ok_or("the array is not loaded")?;
    Ok(f(a, &mut r.units))
}

/// The boxes the home holds, as iSCSI targets: box names and their OLUs.
pub(crate) fn targets(shared: &Shared) -> Vec<acm_iscsi::Target> {
    let mut g = shared.lock();
    if g.closed {
        return Vec::new();
    }
    if g.array.is_none() {
        match Array::open_owned(&shared.home) {
            Ok(a) => g.array = Some(a),
            Err(_) => return Vec::new(),
        }
    }
    let Some(a) = g.array.as_ref() else {
        return Vec::new();
    };
    a.box_ids()
        .iter()
        .filter_map(|b| a.state(b))
        .map(|st| acm_iscsi::Target {
            name: st.name.clone(),
            luns: st.luns.keys().copied().collect(),
        })
        .collect()
}

/// The block face's path to the array: the service's own request path.
struct FaceIo(Weak<Shared>);

impl block::Backend for FaceIo {
    fn execute(
        &self,
        target: &str,
        olu: u32,
        cdb: &[u8],
        data: Direction,
    ) -> Result<Completed, String> {
        let shared = self.0.upgrade().ok_or("the array service is stopping")?;
        shared.touch();
        run_cdb(&shared, &Nexus::local(), target, olu, cdb, data, None)
    }
}

/// Exposes LUN `olu` of box `target` as a block device: mounts the face when
/// it is not yet, exports the LUN there and attaches a loop device to it
/// (or finds the one attached). Answers "LOOPDEV FILE".
fn export(shared: &Arc<Shared>, target: &str, olu: u32) -> Result<String, String> {
    let (name, bid, size) = {
        let g = shared.loaded()?;
        let a = g.array.as_ref().ok_or("the array is not loaded")?;
        let bid = match crate::array::bid_of(target) {
            Ok(b) if a.state(&b).is_some() => b,
            _ => a.bid_by_name(target).map_err(|e| e.to_string())?,
        };
        let st = a.state(&bid).ok_or("the box vanished")?;
        let lun = st
            .luns
            .get(&olu)
            .ok_or_else(|| format!("box {} has no LUN {olu}", st.name))?;
        let id = acm_scsi::model::BoxId(bid);
        (
            block::file_name(&st.name, olu),
            id.as_str().to_string(),
            lun.size_bytes,
        )
    };
    let file = {
        let mut f = shared.face();
        if f.is_none() {
            let io = FaceIo(Arc::downgrade(shared));
            *f = Some(block::Face::mount(&block::mount_point(&shared.home), io)?);
        }
        let face = f.as_ref().ok_or("the block face is not mounted")?;
        face.export(&name, &bid, olu, size)
    };
    // losetup opens the file through the face: no lock may be held here.
    let dev = match acm_core::blockdev::loop_of(&file) {
        Some(d) => d,
        None => acm_core::blockdev::loop_attach(&file)?,
    };
    Ok(format!("{dev} {}", file.display()))
}

/// Hands the home to the client until it closes the connection.
fn lease(shared: &Shared, stream: &mut UnixStream) {
    let mut g = shared.lock();
    if let Some(mut a) = g.array.take() {
        if let Err(e) = a.checkpoint() {
            let _ = wire::send_text(stream, ReplyKind::Error, &e.to_string());
            return;
        }
    }
    if wire::send_text(stream, ReplyKind::Done, "leased").is_err() {
        return;
    }
    // Every other request waits here until the lease holder closes.
    let mut buf = [0u8; 64];
    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
    drop(g);
}

fn status_text(shared: &Shared) -> String {
    let boxes = {
        let g = shared.lock();
        match g.array.as_ref() {
            Some(a) => a
                .box_ids()
                .iter()
                .filter_map(|b| a.state(b).map(|s| s.name.clone()))
                .collect::<Vec<_>>()
                .join(" "),
            None => "(not loaded)".to_string(),
        }
    };
    // The block face and the Linux devices over it (`-` before the first).
    let block = match shared.face().as_ref() {
        Some(f) => {
            let devs: Vec<String> = f.loops().into_iter().map(|l| l.device).collect();
            format!(
                "{} {}",
                block::mount_point(&shared.home).display(),
                if devs.is_empty() {
                    "-".to_string()
                } else {
                    devs.join(",")
                }
            )
        }
        None => "-".to_string(),
    };
    let started = shared
        .started
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!(
        "pid {}\nhome {}\nsocket {}\nstarted {}\nboxes {}\nclients {}\nrequests {}\nblock {}\n",
        std::process::id(),
        shared.home.display(),
        socket_path(&shared.home).display(),
        acm_core::time::format_seconds(started),
        boxes,
        shared.clients.load(Ordering::SeqCst).saturating_sub(1),
        shared.requests.load(Ordering::SeqCst),
        block,
    )
}
