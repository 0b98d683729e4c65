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
use std::time::{SystemTime, UNIX_EPOCH};

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

pub(crate) struct Loaded {
    pub dir: PathBuf,
    pub state: BoxState,
    /// Which records changed since the last commit.
    pub(crate) marks: Marks,
    /// What the store holds of this box.
    pub(crate) saved: Saved,
    files: HashMap<u32, File>,
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
    _lock: Lock,
    /// The connection that holds a running service's lease on the home.
    _lease: Option<std::os::unix::net::UnixStream>,
}

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
        Self::load(home, lock, None)
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
        };
        array.catch_up();
        array.commit()?;
        Ok(array)
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    pub fn now_secs(&self) -> u64 {
        self.now_ns / 1_000_000_000
    }

    /// Sets the clock the next catch-up and session changes use (the service
    /// takes it from each request: the client's fixed clock, or real time).
    pub(crate) fn set_now_ns(&mut self, ns: u64) {
        self.now_ns = ns;
    }

    /// Whether some box holds changes not yet committed.
    pub(crate) fn is_dirty(&self) -> bool {
        self.boxes
            .values()
            .any(|b| b.marks.any() || !b.touched.is_empty() || !b.unlink.is_empty())
    }

    /// Writes every changed box: LUN data first (fdatasync), then one store
    /// transaction with the records that changed. Data written with no change
    /// of a record (a host write that no session tracks) is not synced here:
    /// it is in the LUN file already (a crash of the service loses none of
    /// it) and becomes durable at SYNCHRONIZE CACHE ([`Array::synchronize`])
    /// or the next commit that writes records, as on a disk with a write
    /// cache. What a record says of the data (a grain saved, a grain copied)
    /// is never durable before the data.
    pub fn commit(&mut self) -> Result<(), SimError> {
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
        for b in self.boxes.values_mut() {
            for p in std::mem::take(&mut b.unlink) {
                let _ = fs::remove_file(p);
            }
        }
        Ok(())
    }

    /// SYNCHRONIZE CACHE of LUN `olu`: its file's data made durable
    /// (`fdatasync`), whether or not a commit did it already.
    pub fn synchronize(&mut self, bid: &Bid, olu: u32) -> Result<(), CopyError> {
        // Opened if need be: data written before the array was last loaded
        // counts too.
        self.file(bid, olu)?
            .sync_data()
            .map_err(|_| CopyError::HardwareError)?;
        if let Some(b) = self.boxes.get_mut(bid) {
            b.touched.remove(&olu);
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
        self.file(bid, olu)?
            .read_exact_at(buf, off)
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
        self.file(bid, olu)?
            .write_all_at(data, off)
            .map_err(|_| CopyError::HardwareError)?;
        self.stored(bid, olu, off, data.len() as u64)
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
        let src = self
            .file(from.0, from.1)?
            .try_clone()
            .map_err(|_| CopyError::HardwareError)?;
        let dst = self.file(to.0, to.1)?;
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
            if !matches!(kind, LunKind::Sdv(_)) {
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
