//! The array: every box under `ACMSIM_HOME`, opened together under one lock.
//!
//! An operation (one SCSI command, one admin action) opens the [`Array`]: it takes
//! the home-wide lock, loads every box, catches each box's background copy up to
//! the present (so no daemon is needed), runs, and commits the boxes it changed,
//! each with an atomic write. One lock for the whole home serialises operations
//! that span boxes (REC) without any lock-ordering risk; a box is small, so
//! loading them all is cheap and lets the data path see every session at once.

use crate::grains::GrainSet;
use crate::state::*;
use crate::store::{Marks, Saved, Store};
use acm_core::store::{Lock, StoreError};
use acm_scsi::model::{CopyError, BLOCK};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A box identifier as stored: 40 ASCII bytes.
pub type Bid = [u8; 40];

/// Why the array could not be opened or administered (as opposed to a SCSI refusal).
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(String),
    #[error("box '{0}' does not exist")]
    NoBox(String),
    #[error("box '{0}' already exists")]
    BoxExists(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Refused(#[from] CopyError),
}

/// Writes at least this large, and aligned to [`DIRECT_ALIGN`], bypass the
/// page cache ([`Array::write_direct`]).
const DIRECT_MIN: usize = 256 << 10;
const DIRECT_ALIGN: usize = 4096;

pub(crate) struct Loaded {
    pub dir: PathBuf,
    pub state: BoxState,
    /// Which records changed since the last commit.
    pub(crate) marks: Marks,
    /// What the store holds of this box.
    pub(crate) saved: Saved,
    files: HashMap<u32, File>,
    /// The same files opened with O_DIRECT, for large aligned writes; `None`
    /// where the file system refuses O_DIRECT (tmpfs).
    direct: HashMap<u32, Option<File>>,
    touched: BTreeSet<u32>,
    /// Files to remove once the state is saved (REC journals no longer listed in it).
    pub(crate) unlink: Vec<PathBuf>,
}

/// Fields drop in order: the store and the LUN files close before the home
/// lock goes, and the lock before the lease that let us take it.
pub struct Array {
    home: PathBuf,
    store: Store,
    pub(crate) boxes: BTreeMap<Bid, Loaded>,
    pub(crate) now_ns: u64,
    /// Sessions by the LUNs they are on (see [`Array::on_lun`]): built on
    /// first use, kept as sessions come and go, dropped when a box state is
    /// changed wholesale. A host write or a start looks at the sessions of
    /// its LUNs, not at every session of the array.
    pub(crate) lun_index: std::cell::RefCell<Option<crate::datapath::LunIndex>>,
    /// Commits go to the service's journal (see [`Array::commit`]).
    write_back: bool,
    /// When the store last took the journal's records.
    checkpointed: Instant,
    /// Which load of the home this is.
    instance: u64,
    _lock: Lock,
    /// The connection that holds a running service's lease on the home.
    _lease: Option<std::os::unix::net::UnixStream>,
    /// Point-in-time ROD tokens (in memory only).
    pub(crate) tokens: crate::token::Tokens,
}

/// Whether `[off, off+len)` of `f` is a hole (or, on ext4, an unwritten
/// preallocated extent): it reads as zeros without reading. A LUN never
/// written there is, and a copy-on-write of it would otherwise pay the
/// kernel's zero-filling read (on this kind of machine, ten times a write).
/// A file system without `SEEK_DATA` says data everywhere, and is read.
fn hole_throughout(f: &File, off: u64, len: u64) -> bool {
    use nix::unistd::{lseek, Whence};
    let Ok(at) = i64::try_from(off) else {
        return false;
    };
    match lseek(f, at, Whence::SeekData) {
        Ok(next) => next as u64 >= off.saturating_add(len),
        Err(nix::errno::Errno::ENXIO) => true,
        Err(_) => false,
    }
}

/// Makes `[off, off+len)` of `f` read as zeros: an unwritten extent where the
/// file system can (the space stays allocated), written zeros where not.
fn zero_range(f: &File, off: u64, len: u64) -> Result<(), CopyError> {
    use nix::fcntl::{fallocate, FallocateFlags};
    let (Ok(o), Ok(l)) = (i64::try_from(off), i64::try_from(len)) else {
        return Err(CopyError::HardwareError);
    };
    if fallocate(f, FallocateFlags::FALLOC_FL_ZERO_RANGE, o, l).is_ok() {
        return Ok(());
    }
    let zeros = vec![0u8; len.min(1 << 20) as usize];
    let mut done = 0;
    while done < len {
        let n = (len - done).min(zeros.len() as u64) as usize;
        f.write_all_at(&zeros[..n], off + done)
            .map_err(|_| CopyError::HardwareError)?;
        done += n as u64;
    }
    Ok(())
}

/// A checkpoint between its halves (see [`Array::checkpoint_begin`]).
pub(crate) struct Checkpoint {
    array: u64,
    files: Vec<File>,
    unlink: Vec<PathBuf>,
    upto: crate::store::JournalMark,
}

impl Checkpoint {
    /// Syncs the data the journal's records describe.
    pub(crate) fn sync(&self) -> Result<(), SimError> {
        for f in &self.files {
            f.sync_data().map_err(io)?;
        }
        Ok(())
    }
}

/// Tells loaded arrays apart, so that half a checkpoint is never finished on
/// another.
static INSTANCES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A journal this long is checkpointed at the next commit, whatever its age:
/// it bounds the memory the records not yet in the store take.
const JOURNAL_LIMIT: u64 = 64 << 20;

fn io(e: impl std::fmt::Display) -> SimError {
    SimError::Io(e.to_string())
}

/// Current time in nanoseconds; `ACMSIM_CLOCK` (seconds since the epoch) fixes it for tests.
fn clock_ns() -> u64 {
    if let Some(s) = acm_core::time::fixed_clock() {
        return s * 1_000_000_000;
    }
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Builds a 40-character ETERNUS-like box identifier from a box name.
fn make_box_id(name: &str, salt: u32) -> String {
    // FNV-1a: stable across runs, so a box re-created under a name keeps its id.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes().chain(salt.to_be_bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x1000_0000_01b3);
    }
    format!("00ETERNUSDXM##ET44S20A####HK{:06}######", h % 1_000_000)
}

impl Array {
    /// Opens every box under `home` directly and catches their copies up to
    /// now. When the array service holds the home, it is asked for a lease:
    /// it commits and lets go until this `Array` is dropped.
    pub fn open(home: &Path) -> Result<Array, SimError> {
        let (lock, lease) = hold_home(home)?;
        Self::load(home, lock, lease)
    }

    /// Opens the home for the array service itself: waits for the lock and
    /// never asks for a lease.
    pub(crate) fn open_owned(home: &Path) -> Result<Array, SimError> {
        fs::create_dir_all(home).map_err(io)?;
        let lock = Lock::acquire(&home.join("lock"), "acmsim serve")?;
        let mut a = Self::load(home, lock, None)?;
        a.write_back()?;
        Ok(a)
    }

    fn load(
        home: &Path,
        lock: Lock,
        lease: Option<std::os::unix::net::UnixStream>,
    ) -> Result<Array, SimError> {
        let store = Store::open(home)?;
        let mut boxes = BTreeMap::new();
        for (state, saved) in store.load()? {
            let bid = bid_of(&state.box_id)?;
            boxes.insert(
                bid,
                Loaded {
                    dir: home.join(&state.name),
                    state,
                    marks: Marks::default(),
                    saved,
                    files: HashMap::new(),
                    direct: HashMap::new(),
                    touched: BTreeSet::new(),
                    unlink: Vec::new(),
                },
            );
        }
        let mut array = Array {
            home: home.to_path_buf(),
            _lock: lock,
            _lease: lease,
            store,
            boxes,
            now_ns: clock_ns(),
            lun_index: Default::default(),
            write_back: false,
            checkpointed: Instant::now(),
            instance: INSTANCES.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            tokens: Default::default(),
        };
        array.catch_up();
        array.commit()?;
        Ok(array)
    }

    /// Which load of the home this is (distinct within a process).
    pub(crate) fn instance_id(&self) -> u64 {
        self.instance
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    pub(crate) fn now_ns(&self) -> u64 {
        self.now_ns
    }

    pub fn now_secs(&self) -> u64 {
        self.now_ns / 1_000_000_000
    }

    /// Sets the clock the next catch-up and session changes use (the service
    /// takes it from each request: the client's fixed clock, or real time).
    pub(crate) fn set_now_ns(&mut self, ns: u64) {
        self.now_ns = ns;
    }

    /// Whether some box holds record changes not yet committed (data written
    /// but not yet synced is not one: it is in the LUN file already).
    pub(crate) fn is_dirty(&self) -> bool {
        self.boxes
            .values()
            .any(|b| b.marks.any() || !b.unlink.is_empty())
    }

    /// Writes every changed box.
    ///
    /// Opened directly, a commit is durable when it returns: the LUN data
    /// first (fdatasync), then one store transaction with the records that
    /// changed. Data written with no change of a record (a host write that no
    /// session tracks) is not synced here: it is in the LUN file already and
    /// becomes durable at SYNCHRONIZE CACHE ([`Array::synchronize`]) or the
    /// next commit that writes records, as on a disk with a write cache.
    ///
    /// In the service, a commit appends the records to the journal (see
    /// `journal.rs`): what a command changed survives a crash of the service
    /// before its status returns, and reaches the store at the next
    /// [`Array::checkpoint`]. Either way, what a record says of the data (a
    /// grain saved, a grain copied) is never durable before the data.
    pub fn commit(&mut self) -> Result<(), SimError> {
        if self.write_back {
            self.store.commit(self.boxes.values_mut())?;
            if self.store.journal_len() > JOURNAL_LIMIT {
                self.checkpoint()?;
            }
            return Ok(());
        }
        for b in self.boxes.values_mut() {
            if !b.marks.any() && b.unlink.is_empty() {
                continue;
            }
            for olu in std::mem::take(&mut b.touched) {
                if let Some(f) = b.files.get(&olu) {
                    f.sync_data().map_err(io)?;
                }
            }
        }
        self.store.commit(self.boxes.values_mut())?;
        self.unlink_done();
        Ok(())
    }

    /// Commits durably before returning, in the service too: what a session
    /// command (start, suspend, cancel, ...) changed is in the store, not only
    /// in the journal, when its status returns, and a command whose commit
    /// fails left nothing behind (the caller then drops this `Array`).
    pub(crate) fn commit_durable(&mut self) -> Result<(), SimError> {
        if !self.write_back {
            return self.commit();
        }
        if !self.boxes.values().any(|b| b.marks.any()) {
            return Ok(());
        }
        self.sync_touched()?;
        self.store.commit_through(self.boxes.values_mut())?;
        self.unlink_done();
        self.checkpointed = Instant::now();
        Ok(())
    }

    /// Removes the files the committed state no longer names.
    fn unlink_done(&mut self) {
        for b in self.boxes.values_mut() {
            for p in std::mem::take(&mut b.unlink) {
                let _ = fs::remove_file(p);
            }
        }
    }

    /// Syncs the data of every LUN written since the last sync.
    pub(crate) fn sync_touched(&mut self) -> Result<(), SimError> {
        for b in self.boxes.values_mut() {
            for olu in std::mem::take(&mut b.touched) {
                if let Some(f) = b.files.get(&olu) {
                    f.sync_data().map_err(io)?;
                }
            }
        }
        Ok(())
    }

    /// Makes the service's changes durable in the store: commits, syncs the
    /// data written, commits the journal's records in one transaction and
    /// empties the journal. Directly opened, a commit does all of it.
    pub(crate) fn checkpoint(&mut self) -> Result<(), SimError> {
        if !self.write_back {
            return self.commit();
        }
        self.store.commit(self.boxes.values_mut())?;
        self.sync_touched()?;
        self.store.checkpoint()?;
        self.unlink_done();
        self.checkpointed = Instant::now();
        Ok(())
    }

    /// The first half of a checkpoint that lets requests run while the data
    /// is synced: commits, and hands out what the second half needs (the
    /// files written so far, and how much of the journal they cover).
    pub(crate) fn checkpoint_begin(&mut self) -> Result<Checkpoint, SimError> {
        self.store.commit(self.boxes.values_mut())?;
        let mut files = Vec::new();
        let mut unlink = Vec::new();
        for b in self.boxes.values_mut() {
            for olu in std::mem::take(&mut b.touched) {
                if let Some(f) = b.files.get(&olu) {
                    files.push(f.try_clone().map_err(io)?);
                }
            }
            unlink.append(&mut b.unlink);
        }
        Ok(Checkpoint {
            array: self.instance,
            files,
            unlink,
            upto: self.store.journal_mark(),
        })
    }

    /// The second half: the data synced (without the service's lock), the
    /// records it covers go to the store. A checkpoint begun on an array that
    /// was since dropped and loaded again is let go: loading replayed it.
    pub(crate) fn checkpoint_end(&mut self, c: Checkpoint) -> Result<(), SimError> {
        if c.array != self.instance {
            return Ok(());
        }
        self.store.checkpoint_to(c.upto)?;
        for p in c.unlink {
            let _ = fs::remove_file(p);
        }
        self.checkpointed = Instant::now();
        Ok(())
    }

    /// Whether the service's journal holds changes older than `age`.
    pub(crate) fn checkpoint_due(&self, age: Duration) -> bool {
        self.write_back && self.store.journal_len() > 0 && self.checkpointed.elapsed() >= age
    }

    /// Turns the service's write-back journal on (see [`Array::commit`]).
    pub(crate) fn write_back(&mut self) -> Result<(), SimError> {
        self.store.write_back()?;
        self.write_back = true;
        self.checkpointed = Instant::now();
        Ok(())
    }

    /// SYNCHRONIZE CACHE of LUN `olu`: its file's data made durable
    /// (`fdatasync`), whether or not a commit did it already; in the service,
    /// with every other LUN written since the last sync and then the journal,
    /// so that no record is durable before its data.
    pub fn synchronize(&mut self, bid: &Bid, olu: u32) -> Result<(), CopyError> {
        // Opened if need be: data written before the array was last loaded
        // counts too.
        self.file(bid, olu)?
            .sync_data()
            .map_err(|_| CopyError::HardwareError)?;
        if let Some(b) = self.boxes.get_mut(bid) {
            b.touched.remove(&olu);
        }
        if self.write_back {
            self.store
                .commit(self.boxes.values_mut())
                .map_err(|_| CopyError::HardwareError)?;
            self.sync_touched().map_err(|_| CopyError::HardwareError)?;
            self.store.synced().map_err(|_| CopyError::HardwareError)?;
        }
        Ok(())
    }

    // ----- lookup -----

    pub fn box_ids(&self) -> Vec<Bid> {
        self.boxes.keys().copied().collect()
    }

    pub fn bid_by_name(&self, name: &str) -> Result<Bid, SimError> {
        self.boxes
            .iter()
            .find(|(_, b)| b.state.name == name)
            .map(|(id, _)| *id)
            .ok_or_else(|| SimError::NoBox(name.to_string()))
    }

    pub fn state(&self, bid: &Bid) -> Option<&BoxState> {
        self.boxes.get(bid).map(|b| &b.state)
    }

    /// Mutable state of a box, marking all of it for commit (the commit
    /// writes only the records that then differ).
    pub(crate) fn state_mut(&mut self, bid: &Bid) -> Result<&mut BoxState, CopyError> {
        let b = self.boxes.get_mut(bid).ok_or(CopyError::NoSuchBox)?;
        b.marks.all = true;
        // Anything may change, sessions included.
        *self.lun_index.get_mut() = None;
        Ok(&mut b.state)
    }

    /// Mutable state of a box for a change to its own fields (clock, faults,
    /// monitors, paths, buffers), not to its LUNs or sessions.
    pub(crate) fn header_mut(&mut self, bid: &Bid) -> Result<&mut BoxState, CopyError> {
        let b = self.boxes.get_mut(bid).ok_or(CopyError::NoSuchBox)?;
        b.marks.header = true;
        Ok(&mut b.state)
    }

    /// One LUN, marked for commit.
    pub(crate) fn lun_mut(&mut self, bid: &Bid, olu: u32) -> Result<&mut Lun, CopyError> {
        let b = self.boxes.get_mut(bid).ok_or(CopyError::NoSuchBox)?;
        b.marks.luns.insert(olu);
        b.state.luns.get_mut(&olu).ok_or(CopyError::NoSuchLun)
    }

    pub(crate) fn st(&self, bid: &Bid) -> Result<&BoxState, CopyError> {
        self.state(bid).ok_or(CopyError::NoSuchBox)
    }

    pub(crate) fn lun(&self, bid: &Bid, olu: u32) -> Result<&Lun, CopyError> {
        self.st(bid)?.luns.get(&olu).ok_or(CopyError::NoSuchLun)
    }

    pub(crate) fn grain(&self, bid: &Bid) -> u64 {
        self.state(bid)
            .map(|s| s.grain_bytes)
            .unwrap_or(DEFAULT_GRAIN)
    }

    // ----- raw LUN storage -----

    /// Gives `[off, off+len)` of a LUN back (UNMAP): a hole in its file, so
    /// it reads as zeros and takes no space. A range a copy session touches
    /// is written with zeros through the data path instead, so the session
    /// sees the change as any write.
    pub(crate) fn unmap(
        &mut self,
        bid: &Bid,
        olu: u32,
        off: u64,
        len: u64,
    ) -> Result<(), CopyError> {
        if len == 0 {
            return Ok(());
        }
        if !self.touching(bid, olu, off, len).is_empty() {
            let zeros = vec![0u8; len.min(1 << 20) as usize];
            let mut done = 0;
            while done < len {
                let n = (len - done).min(zeros.len() as u64) as usize;
                self.write_view(bid, olu, off + done, &zeros[..n], None)?;
                done += n as u64;
            }
            return Ok(());
        }
        self.keep_for_tokens(bid, olu, off, len)?;
        use nix::fcntl::{fallocate, FallocateFlags};
        let f = self.file(bid, olu)?;
        let (Ok(o), Ok(l)) = (i64::try_from(off), i64::try_from(len)) else {
            return Err(CopyError::LbaOutOfRange);
        };
        let flags = FallocateFlags::FALLOC_FL_PUNCH_HOLE | FallocateFlags::FALLOC_FL_KEEP_SIZE;
        if fallocate(f, flags, o, l).is_ok() {
            return Ok(());
        }
        zero_range(f, off, len)
    }

    /// Whether the byte at `off` of a LUN is mapped, and for how many bytes
    /// from there (up to `limit`) that stays so: the file's data and holes.
    pub(crate) fn mapping(
        &mut self,
        bid: &Bid,
        olu: u32,
        off: u64,
        limit: u64,
    ) -> Result<(bool, u64), CopyError> {
        use nix::unistd::{lseek, Whence};
        let f = self.file(bid, olu)?;
        let at = i64::try_from(off).map_err(|_| CopyError::LbaOutOfRange)?;
        let end = off.saturating_add(limit);
        let data = match lseek(f, at, Whence::SeekData) {
            Ok(d) => d as u64,
            Err(nix::errno::Errno::ENXIO) => end,
            // A file system without SEEK_DATA: all mapped.
            Err(_) => return Ok((true, limit)),
        };
        if data > off {
            return Ok((false, data.min(end) - off));
        }
        let hole = lseek(f, at, Whence::SeekHole)
            .map(|h| h as u64)
            .unwrap_or(end);
        Ok((true, hole.min(end) - off))
    }

    fn file(&mut self, bid: &Bid, olu: u32) -> Result<&File, CopyError> {
        let b = self.boxes.get_mut(bid).ok_or(CopyError::NoSuchBox)?;
        if !b.files.contains_key(&olu) {
            let path = lun_path(&b.dir, olu);
            let f = OpenOptions::new()
                .read(true)
                .write(true)
                .open(&path)
                .map_err(|_| CopyError::HardwareError)?;
            b.files.insert(olu, f);
        }
        Ok(&b.files[&olu])
    }

    fn check_io(&self, bid: &Bid, olu: u32, off: u64, len: u64) -> Result<(), CopyError> {
        let st = self.st(bid)?;
        let lun = st.luns.get(&olu).ok_or(CopyError::NoSuchLun)?;
        if off.checked_add(len).is_none_or(|end| end > lun.size_bytes) {
            return Err(CopyError::LbaOutOfRange);
        }
        if st.faults.hardware.contains(&olu) {
            return Err(CopyError::HardwareError);
        }
        Ok(())
    }

    /// Like `check_io`, and fails on the first injected bad sector in the range.
    fn check_readable(&self, bid: &Bid, olu: u32, off: u64, len: u64) -> Result<(), CopyError> {
        self.check_io(bid, olu, off, len)?;
        if let Some(bad) = self.st(bid)?.faults.bad_sectors.get(&olu) {
            if let Some(lba) = bad.range(off / BLOCK..(off + len).div_ceil(BLOCK)).next() {
                return Err(CopyError::BadSector(*lba));
            }
        }
        Ok(())
    }

    /// Reads stored bytes, failing on an injected bad sector.
    pub(crate) fn raw_read(
        &mut self,
        bid: &Bid,
        olu: u32,
        off: u64,
        buf: &mut [u8],
    ) -> Result<(), CopyError> {
        self.check_readable(bid, olu, off, buf.len() as u64)?;
        let f = self.file(bid, olu)?;
        if hole_throughout(f, off, buf.len() as u64) {
            buf.fill(0);
            return Ok(());
        }
        f.read_exact_at(buf, off)
            .map_err(|_| CopyError::HardwareError)
    }

    /// Stores bytes; writing over a bad sector repairs it.
    pub(crate) fn raw_write(
        &mut self,
        bid: &Bid,
        olu: u32,
        off: u64,
        data: &[u8],
    ) -> Result<(), CopyError> {
        self.check_io(bid, olu, off, data.len() as u64)?;
        self.keep_for_tokens(bid, olu, off, data.len() as u64)?;
        if !self.write_direct(bid, olu, off, data)? {
            self.file(bid, olu)?
                .write_all_at(data, off)
                .map_err(|_| CopyError::HardwareError)?;
        }
        self.stored(bid, olu, off, data.len() as u64)
    }

    /// Writes a large aligned extent with O_DIRECT, so streaming host writes
    /// do not fill the page cache (first-touch page allocation is what bounds
    /// a buffered stream on a virtual machine); the kernel keeps buffered
    /// readers coherent. Says whether it wrote; `false` leaves the write to
    /// the buffered path (small or unaligned, or O_DIRECT refused).
    fn write_direct(
        &mut self,
        bid: &Bid,
        olu: u32,
        off: u64,
        data: &[u8],
    ) -> Result<bool, CopyError> {
        if data.len() < DIRECT_MIN
            || !off.is_multiple_of(DIRECT_ALIGN as u64)
            || !data.len().is_multiple_of(DIRECT_ALIGN)
        {
            return Ok(false);
        }
        let b = self.boxes.get_mut(bid).ok_or(CopyError::NoSuchBox)?;
        let f = b.direct.entry(olu).or_insert_with(|| {
            use std::os::unix::fs::OpenOptionsExt;
            OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_DIRECT)
                .open(lun_path(&b.dir, olu))
                .ok()
        });
        let Some(f) = f.as_ref() else {
            return Ok(false);
        };
        // O_DIRECT wants the memory aligned too: a bounce buffer when not.
        let aligned = (data.as_ptr() as usize).is_multiple_of(DIRECT_ALIGN);
        let result = if aligned {
            f.write_all_at(data, off)
        } else {
            let mut bounce = vec![0u8; data.len() + DIRECT_ALIGN];
            let skip = bounce.as_ptr().align_offset(DIRECT_ALIGN);
            let buf = &mut bounce[skip..skip + data.len()];
            buf.copy_from_slice(data);
            f.write_all_at(buf, off)
        };
        match result {
            Ok(()) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                b.direct.insert(olu, None);
                Ok(false)
            }
            Err(_) => Err(CopyError::HardwareError),
        }
    }

    /// Records that bytes were stored: the file needs syncing at commit, and any
    /// bad sector they cover is repaired (whoever wrote them: host or copy).
    fn stored(&mut self, bid: &Bid, olu: u32, off: u64, len: u64) -> Result<(), CopyError> {
        let b = self.boxes.get_mut(bid).ok_or(CopyError::NoSuchBox)?;
        b.touched.insert(olu);
        if let Some(bad) = b.state.faults.bad_sectors.get_mut(&olu) {
            let hit: Vec<u64> = bad
                .range(off / BLOCK..(off + len).div_ceil(BLOCK))
                .copied()
                .collect();
            if !hit.is_empty() {
                hit.iter().for_each(|l| {
                    bad.remove(l);
                });
                b.marks.header = true;
            }
        }
        Ok(())
    }

    /// Copies stored bytes between LUNs with `copy_file_range` (same-box or not).
    pub(crate) fn raw_copy(
        &mut self,
        from: (&Bid, u32, u64),
        to: (&Bid, u32, u64),
        len: u64,
    ) -> Result<(), CopyError> {
        self.check_readable(from.0, from.1, from.2, len)?;
        self.check_io(to.0, to.1, to.2, len)?;
        self.keep_for_tokens(to.0, to.1, to.2, len)?;
        let src = self
            .file(from.0, from.1)?
            .try_clone()
            .map_err(|_| CopyError::HardwareError)?;
        let dst = self.file(to.0, to.1)?;
        if hole_throughout(&src, from.2, len) {
            // Zeros: the destination reads as zeros already, or is made to.
            if !hole_throughout(dst, to.2, len) {
                zero_range(dst, to.2, len)?;
            }
            return self.stored(to.0, to.1, to.2, len);
        }
        let mut done = 0u64;
        while done < len {
            let mut off_in = (from.2 + done) as i64;
            let mut off_out = (to.2 + done) as i64;
            let n = nix::fcntl::copy_file_range(
                &src,
                Some(&mut off_in),
                dst,
                Some(&mut off_out),
                (len - done) as usize,
            );
            match n {
                Ok(0) | Err(_) => {
                    // Fall back to a plain copy (other filesystems, or EOF surprises).
                    let mut buf = vec![0u8; (len - done).min(1 << 20) as usize];
                    src.read_exact_at(&mut buf, from.2 + done)
                        .map_err(|_| CopyError::HardwareError)?;
                    dst.write_all_at(&buf, to.2 + done)
                        .map_err(|_| CopyError::HardwareError)?;
                    done += buf.len() as u64;
                }
                Ok(n) => done += n as u64,
            }
        }
        self.stored(to.0, to.1, to.2, len)
    }

    // ----- administration -----

    /// Creates a box directory and state; returns its 40-character identifier.
    /// Creates a box answering the command sets of `profile`.
    pub fn create_box_profiled(
        &mut self,
        name: &str,
        profile: crate::state::Profile,
    ) -> Result<String, SimError> {
        let id = self.create_box(name)?;
        let bid = bid_of(&id)?;
        self.header_mut(&bid)
            .map_err(|e| SimError::Invalid(e.to_string()))?
            .profile = profile;
        self.commit()?;
        Ok(id)
    }

    pub fn create_box(&mut self, name: &str) -> Result<String, SimError> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(SimError::Invalid(format!(
                "'{name}' is not a box name (letters, digits, '-', '_', '.')"
            )));
        }
        if self.bid_by_name(name).is_ok() {
            return Err(SimError::BoxExists(name.to_string()));
        }
        let dir = self.home.join(name);
        if dir.exists() {
            return Err(SimError::Invalid(format!(
                "{} exists but holds no box; remove it first",
                dir.display()
            )));
        }
        let mut salt = 0;
        let box_id = loop {
            let id = make_box_id(name, salt);
            if !self.boxes.contains_key(&bid_of(&id)?) {
                break id;
            }
            salt += 1;
        };
        fs::create_dir_all(dir.join("lun")).map_err(io)?;
        let state = BoxState {
            name: name.to_string(),
            box_id: box_id.clone(),
            grain_bytes: DEFAULT_GRAIN,
            rate: Rate::BytesPerSecond(DEFAULT_RATE),
            last_tick_ns: self.now_ns,
            carry_bytes: 0,
            next_olu: 0,
            luns: BTreeMap::new(),
            next_session: 1,
            sessions: BTreeMap::new(),
            pool: Pool::default(),
            paths: BTreeMap::new(),
            rec_buffers: BTreeMap::new(),
            disk_buffer: None,
            limits: Limits::default(),
            faults: Faults::default(),
            monitors: BTreeMap::new(),
            profile: Default::default(),
            raid_groups: BTreeMap::new(),
            pool_raidgroup: 0,
        };
        self.boxes.insert(
            bid_of(&box_id)?,
            Loaded {
                dir,
                state,
                marks: Marks {
                    all: true,
                    ..Marks::default()
                },
                saved: Saved::default(),
                files: HashMap::new(),
                direct: HashMap::new(),
                touched: BTreeSet::new(),
                unlink: Vec::new(),
            },
        );
        Ok(box_id)
    }

    /// Creates `count` LUNs of `size` bytes; returns their OLU numbers.
    pub fn create_luns(
        &mut self,
        bid: &Bid,
        size: u64,
        count: u32,
        kind: LunKind,
    ) -> Result<Vec<u32>, SimError> {
        self.create_luns_provisioned(bid, size, count, kind, false)
    }

    /// [`Array::create_luns`], thin provisioned when `thin` (ordinary LUNs
    /// only): no space is taken until a block is written.
    pub fn create_luns_provisioned(
        &mut self,
        bid: &Bid,
        size: u64,
        count: u32,
        kind: LunKind,
        thin: bool,
    ) -> Result<Vec<u32>, SimError> {
        if thin && !matches!(kind, LunKind::Standard) {
            return Err(SimError::Invalid(
                "only ordinary LUNs are thin provisioned (an SDV is thin by nature)".into(),
            ));
        }
        if size == 0 || !size.is_multiple_of(BLOCK) {
            return Err(SimError::Invalid(format!(
                "a LUN size must be a positive multiple of {BLOCK} bytes (got {size})"
            )));
        }
        if size > MAX_LUN_BYTES || size.div_ceil(self.grain(bid)) > crate::grains::MAX_GRAINS {
            return Err(SimError::Invalid(format!(
                "a LUN size must be at most {MAX_LUN_BYTES} bytes (got {size})"
            )));
        }
        if count == 0 {
            return Err(SimError::Invalid("--count must be at least 1".into()));
        }
        let grain = self.grain(bid);
        let b = self.boxes.get_mut(bid).ok_or(CopyError::NoSuchBox)?;
        let mut made = Vec::new();
        for _ in 0..count {
            let olu = b.state.next_olu;
            let path = lun_path(&b.dir, olu);
            let f = File::create(&path).map_err(io)?;
            f.set_len(size).map_err(io)?;
            if !matches!(kind, LunKind::Sdv(_)) && !thin {
                // Preallocate so copy timing does not pay for extent allocation.
                let _ = nix::fcntl::posix_fallocate(&f, 0, size as i64);
            }
            f.sync_all().map_err(io)?;
            let kind = match &kind {
                LunKind::Sdv(s) => LunKind::Sdv(Sdv {
                    allocated: GrainSet::new(size.div_ceil(grain)),
                    ..s.clone()
                }),
                k => k.clone(),
            };
            b.state.luns.insert(
                olu,
                Lun {
                    size_bytes: size,
                    kind,
                    thin,
                    raidgroup: 0,
                },
            );
            b.state.next_olu += 1;
            made.push(olu);
        }
        if let Some(dir) = b.dir.join("lun").parent() {
            let _ = File::open(dir.join("lun")).and_then(|d| d.sync_all());
        }
        b.marks.all = true;
        Ok(made)
    }

    /// Empties a Snap Data Volume: frees its capacity and zeroes its data.
    pub(crate) fn sdv_reset(&mut self, bid: &Bid, olu: u32) -> Result<(), CopyError> {
        let size = self.lun(bid, olu)?.size_bytes;
        self.keep_for_tokens(bid, olu, 0, size)?;
        let f = self.file(bid, olu)?;
        f.set_len(0)
            .and_then(|_| f.set_len(size))
            .map_err(|_| CopyError::HardwareError)?;
        if let Some(Lun {
            kind: LunKind::Sdv(sdv),
            ..
        }) = self.state_mut(bid)?.luns.get_mut(&olu)
        {
            sdv.allocated.clear();
            sdv.copy_grains = 0;
            sdv.host_grains = 0;
        }
        Ok(())
    }

    /// Runs `f` on a box's state and marks it for commit.
    pub fn admin<T>(
        &mut self,
        bid: &Bid,
        f: impl FnOnce(&mut BoxState) -> Result<T, SimError>,
    ) -> Result<T, SimError> {
        f(self.state_mut(bid)?)
    }
}

/// Takes the home's lock for a direct opener: at once when it is free, else
/// through a lease from the running service (or by waiting for another
/// direct opener). Both are let go of when dropped, the lock first.
pub(crate) fn hold_home(
    home: &Path,
) -> Result<(Lock, Option<std::os::unix::net::UnixStream>), SimError> {
    fs::create_dir_all(home).map_err(io)?;
    let lock_path = home.join("lock");
    match Lock::try_acquire(&lock_path, "acmsim") {
        Ok(l) => Ok((l, None)),
        Err(StoreError::Busy { .. }) => {
            let lease = crate::client::lease(home).map_err(SimError::Io)?;
            Ok((Lock::acquire(&lock_path, "acmsim")?, lease))
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn lun_path(dir: &Path, olu: u32) -> PathBuf {
    dir.join("lun").join(format!("{olu}.img"))
}

pub(crate) fn bid_of(id: &str) -> Result<Bid, SimError> {
    acm_scsi::model::BoxId::parse(id)
        .map(|b| b.0)
        .ok_or_else(|| SimError::Invalid(format!("'{id}' is not a 40-character box identifier")))
}
