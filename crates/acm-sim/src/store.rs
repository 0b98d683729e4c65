//! Where the boxes of a home persist: one embedded transactional store,
//! `$ACMSIM_HOME/array.redb` (redb; `docs/simulator.md` says why).
//!
//! A box is a few records, so a change costs what changed, not the box:
//!
//! | table | key | value |
//! |---|---|---|
//! | `meta` | `format`, `version` | `acmsim-store`, [`STORE_VERSION`] |
//! | `boxes` | box id | the box's own fields (JSON; LUNs and sessions apart) |
//! | `luns` | (box id, OLU) | one LUN (JSON; an SDV's allocation map apart) |
//! | `sessions` | (box id, session id) | one session (JSON; its grain sets apart) |
//! | `grains` | (box id, set, owner, chunk) | 512 little-endian words of a grain set |
//!
//! A set is 0 (a session's pending grains), 1 (its changed grains) or 2 (an
//! SDV's allocated grains); the owner is the session id or the OLU. Chunks that
//! hold no grain are not stored. A commit is one write transaction over every
//! box that changed: the records that serialise differently from what was
//! last written, and the chunks whose grains changed. redb makes the commit
//! durable before it returns, and a crash leaves the previous commit. In the
//! array service, host I/O's commits go to the journal (`journal.rs`) and
//! reach the store at checkpoints; session commands commit through.

use crate::array::{bid_of, Loaded, SimError};
use crate::grains::{GrainSet, CHUNK_GRAINS};
use crate::journal::{self, Journal, Op};
use crate::state::{BoxState, Lun, LunKind, Session};
use acm_core::store::StoreError;
use redb::{Database, ReadableDatabase, ReadableTable, Table, TableDefinition};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Format name kept in the store.
pub const STORE_FORMAT: &str = "acmsim-store";
/// Layout version of the store (1 was one `state.json` per box).
pub const STORE_VERSION: u32 = 2;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const BOXES: TableDefinition<&str, &[u8]> = TableDefinition::new("boxes");
const LUNS: TableDefinition<(&str, u32), &[u8]> = TableDefinition::new("luns");
const SESSIONS: TableDefinition<(&str, u32), &[u8]> = TableDefinition::new("sessions");
const GRAINS: TableDefinition<(&str, u8, u32, u32), &[u8]> = TableDefinition::new("grains");

const PENDING: u8 = 0;
const CHANGED: u8 = 1;
const ALLOCATED: u8 = 2;

/// The store file of a home.
pub fn store_path(home: &Path) -> PathBuf {
    home.join("array.redb")
}

/// What was last written for a box, record by record, so a commit writes only
/// the records that differ.
#[derive(Debug, Default)]
pub(crate) struct Saved {
    header: Vec<u8>,
    luns: BTreeMap<u32, Vec<u8>>,
    sessions: BTreeMap<u32, Vec<u8>>,
}

/// Which records of a box may have changed since the last commit.
#[derive(Debug, Default)]
pub(crate) struct Marks {
    /// Anything may have changed: compare every record.
    pub all: bool,
    pub header: bool,
    pub luns: BTreeSet<u32>,
    pub sessions: BTreeSet<u32>,
}

impl Marks {
    pub fn any(&self) -> bool {
        self.all || self.header || !self.luns.is_empty() || !self.sessions.is_empty()
    }
}

/// The open store of a home.
pub(crate) struct Store {
    db: Database,
    path: PathBuf,
    /// The service's write-back journal; `None` when every commit is durable.
    journal: Option<Journal>,
    /// What the journal holds that the store does not yet.
    pending: Vec<Op>,
    /// Counts checkpoints, so a mark from before the last one is known stale.
    checkpoints: u64,
}

fn damaged(path: &Path, detail: impl std::fmt::Display) -> SimError {
    SimError::Store(StoreError::Damaged {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    })
}

/// Records as stored: the JSON of a value whose grain sets were taken out,
/// followed by the lengths of those sets.
#[derive(serde::Serialize, serde::Deserialize)]
struct Record<T> {
    value: T,
    sets: Vec<u64>,
}

fn words_to_bytes(words: &[u64]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn bytes_to_words(b: &[u8]) -> Option<Vec<u64>> {
    if !b.len().is_multiple_of(8) || b.len() as u64 > CHUNK_GRAINS / 8 {
        return None;
    }
    Some(
        b.chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect(),
    )
}

/// The record of a session: its JSON without its grain sets (moved out and
/// back, so nothing is copied).
fn session_record(s: &mut Session) -> Vec<u8> {
    let pending = std::mem::take(&mut s.pending);
    let changed = std::mem::take(&mut s.changed);
    let sets = vec![pending.len(), changed.len()];
    let bytes = serde_json::to_vec(&Record { value: &*s, sets }).unwrap_or_default();
    s.pending = pending;
    s.changed = changed;
    bytes
}

fn lun_record(l: &mut Lun) -> Vec<u8> {
    match &mut l.kind {
        LunKind::Sdv(sdv) => {
            let allocated = std::mem::take(&mut sdv.allocated);
            let sets = vec![allocated.len()];
            let bytes = serde_json::to_vec(&Record { value: &*l, sets }).unwrap_or_default();
            if let LunKind::Sdv(sdv) = &mut l.kind {
                sdv.allocated = allocated;
            }
            bytes
        }
        _ => serde_json::to_vec(&Record {
            value: &*l,
            sets: vec![],
        })
        .unwrap_or_default(),
    }
}

fn header_record(st: &mut BoxState) -> Vec<u8> {
    let luns = std::mem::take(&mut st.luns);
    let sessions = std::mem::take(&mut st.sessions);
    let bytes = serde_json::to_vec(&*st).unwrap_or_default();
    st.luns = luns;
    st.sessions = sessions;
    bytes
}

type Grains<'t> = Table<'t, (&'static str, u8, u32, u32), &'static [u8]>;

/// Removes every chunk of one set.
fn drop_set(grains: &mut Grains<'_>, id: &str, set: u8, owner: u32) -> Result<(), redb::Error> {
    let keys: Vec<u32> = grains
        .range((id, set, owner, 0u32)..=(id, set, owner, u32::MAX))?
        .filter_map(|r| r.ok().map(|(k, _)| k.value().3))
        .collect();
    for c in keys {
        grains.remove((id, set, owner, c))?;
    }
    Ok(())
}

impl Store {
    /// Opens (or creates) the store of `home`, refusing one of another format
    /// or version, or one that cannot be read, by its path.
    pub fn open(home: &Path) -> Result<Store, SimError> {
        let path = store_path(home);
        let fresh = !path.exists();
        if fresh {
            // Boxes of the earlier layout are not read: say so, by name.
            if let Ok(entries) = std::fs::read_dir(home) {
                for e in entries.flatten() {
                    let old = e.path().join("state.json");
                    if old.exists() {
                        return Err(SimError::Store(StoreError::Incompatible {
                            path: old,
                            found_format: "acmsim-box".into(),
                            found_version: 1,
                            format: STORE_FORMAT.into(),
                            version: STORE_VERSION,
                        }));
                    }
                }
            }
        }
        let db = Database::create(&path).map_err(|e| damaged(&path, e))?;
        let mut store = Store {
            db,
            path,
            journal: None,
            pending: Vec::new(),
            checkpoints: 0,
        };
        if fresh {
            let txn = store.db.begin_write().map_err(|e| store.bad(e))?;
            {
                let mut meta = txn.open_table(META).map_err(|e| store.bad(e))?;
                meta.insert("format", STORE_FORMAT.as_bytes())
                    .map_err(|e| store.bad(e))?;
                meta.insert("version", STORE_VERSION.to_string().as_bytes())
                    .map_err(|e| store.bad(e))?;
            }
            txn.commit().map_err(|e| store.bad(e))?;
        }
        store.check_version()?;
        store.replay(home)?;
        Ok(store)
    }

    /// Commits what a service's journal holds (a service that stopped without
    /// a checkpoint: killed, or its machine lost power) and empties it. The
    /// data it describes is synced first, file system wide: which files a
    /// dead service touched is not known.
    fn replay(&mut self, home: &Path) -> Result<(), SimError> {
        let path = journal::journal_path(home);
        let ops = journal::replay(&path).map_err(|e| damaged(&path, e))?;
        if !ops.is_empty() {
            if let Ok(dir) = std::fs::File::open(home) {
                let _ = nix::unistd::syncfs(&dir);
            }
            self.apply(&ops)?;
        }
        if path.exists() {
            std::fs::remove_file(&path).map_err(|e| damaged(&path, e))?;
        }
        Ok(())
    }

    fn bad(&self, e: impl std::fmt::Display) -> SimError {
        damaged(&self.path, e)
    }

    fn check_version(&self) -> Result<(), SimError> {
        let txn = self.db.begin_read().map_err(|e| self.bad(e))?;
        let meta = txn.open_table(META).map_err(|e| self.bad(e))?;
        let get = |k: &str| -> Result<String, SimError> {
            Ok(meta
                .get(k)
                .map_err(|e| self.bad(e))?
                .map(|v| String::from_utf8_lossy(v.value()).into_owned())
                .unwrap_or_default())
        };
        let (format, version) = (get("format")?, get("version")?);
        let found_version = version.parse().unwrap_or(0);
        if format != STORE_FORMAT || found_version != STORE_VERSION {
            return Err(SimError::Store(StoreError::Incompatible {
                path: self.path.clone(),
                found_format: format,
                found_version,
                format: STORE_FORMAT.into(),
                version: STORE_VERSION,
            }));
        }
        Ok(())
    }

    /// Reads every box: its state and what was last written of it.
    pub fn load(&self) -> Result<Vec<(BoxState, Saved)>, SimError> {
        let bad = |e: redb::Error| self.bad(e);
        let txn = self.db.begin_read().map_err(|e| bad(e.into()))?;
        let open = |t| txn.open_table(t).map_err(|e| bad(e.into()));
        let boxes = match txn.open_table(BOXES) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(bad(e.into())),
        };
        let luns = open(LUNS)?;
        let sessions = open(SESSIONS)?;
        let grains = txn.open_table(GRAINS).map_err(|e| bad(e.into()))?;
        let mut out = Vec::new();
        for row in boxes.iter().map_err(|e| bad(e.into()))? {
            let (k, v) = row.map_err(|e| bad(e.into()))?;
            let id = k.value().to_string();
            let header = v.value().to_vec();
            let mut st: BoxState =
                serde_json::from_slice(&header).map_err(|e| self.bad(format!("box {id}: {e}")))?;
            let mut saved = Saved {
                header,
                ..Saved::default()
            };
            let set_of = |set: u8, owner: u32, len: u64| -> Result<GrainSet, SimError> {
                if len > crate::grains::MAX_GRAINS {
                    return Err(self.bad(format!("box {id}: a grain set of {len} grains")));
                }
                let mut gs = GrainSet::new(len);
                let range = grains
                    .range((id.as_str(), set, owner, 0u32)..=(id.as_str(), set, owner, u32::MAX))
                    .map_err(|e| bad(e.into()))?;
                for row in range {
                    let (k, v) = row.map_err(|e| bad(e.into()))?;
                    let words = bytes_to_words(v.value())
                        .ok_or_else(|| self.bad(format!("box {id}: a grain chunk of odd size")))?;
                    gs.load_chunk(k.value().3, &words)
                        .map_err(|e| self.bad(format!("box {id}: {e}")))?;
                }
                gs.mark_clean();
                Ok(gs)
            };
            let lun_rows = luns
                .range((id.as_str(), 0u32)..=(id.as_str(), u32::MAX))
                .map_err(|e| bad(e.into()))?;
            for row in lun_rows {
                let (k, v) = row.map_err(|e| bad(e.into()))?;
                let olu = k.value().1;
                let rec: Record<Lun> = serde_json::from_slice(v.value())
                    .map_err(|e| self.bad(format!("box {id} LUN {olu}: {e}")))?;
                let mut lun = rec.value;
                if let LunKind::Sdv(sdv) = &mut lun.kind {
                    let len = rec.sets.first().copied().unwrap_or(0);
                    sdv.allocated = set_of(ALLOCATED, olu, len)?;
                }
                saved.luns.insert(olu, v.value().to_vec());
                st.luns.insert(olu, lun);
            }
            let session_rows = sessions
                .range((id.as_str(), 0u32)..=(id.as_str(), u32::MAX))
                .map_err(|e| bad(e.into()))?;
            for row in session_rows {
                let (k, v) = row.map_err(|e| bad(e.into()))?;
                let sid = k.value().1;
                let rec: Record<Session> = serde_json::from_slice(v.value())
                    .map_err(|e| self.bad(format!("box {id} session {sid}: {e}")))?;
                let mut s = rec.value;
                s.pending = set_of(PENDING, sid, rec.sets.first().copied().unwrap_or(0))?;
                s.changed = set_of(CHANGED, sid, rec.sets.get(1).copied().unwrap_or(0))?;
                saved.sessions.insert(sid, v.value().to_vec());
                st.sessions.insert(sid, s);
            }
            st.check_bounds()
                .map_err(|d| self.bad(format!("box {id}: {d}")))?;
            bid_of(&st.box_id).map_err(|e| self.bad(e))?;
            out.push((st, saved));
        }
        Ok(out)
    }

    /// The records that changed in `boxes`, as [`Op`]s, in the order they
    /// must be written; `saved` follows them.
    fn changes<'a>(boxes: impl Iterator<Item = &'a mut Loaded>) -> Vec<Op> {
        let mut ops = Vec::new();
        for b in boxes.filter(|b| b.marks.any()) {
            let id = b.state.box_id.clone();
            let marks = std::mem::take(&mut b.marks);
            if marks.all || marks.header {
                let rec = header_record(&mut b.state);
                if rec != b.saved.header {
                    b.saved.header = rec.clone();
                    ops.push(Op::Box {
                        id: id.clone(),
                        rec,
                    });
                }
            }
            let olus = to_compare(marks.all, b.state.luns.keys(), &b.saved.luns, marks.luns);
            for olu in olus {
                match b.state.luns.get_mut(&olu) {
                    Some(lun) => {
                        let rec = lun_record(lun);
                        if b.saved.luns.get(&olu) != Some(&rec) {
                            b.saved.luns.insert(olu, rec.clone());
                            ops.push(Op::Lun {
                                id: id.clone(),
                                olu,
                                rec: Some(rec),
                            });
                        }
                        if let LunKind::Sdv(sdv) = &mut lun.kind {
                            chunks(&mut ops, &id, ALLOCATED, olu, &mut sdv.allocated);
                        }
                    }
                    None => {
                        if b.saved.luns.remove(&olu).is_some() {
                            ops.push(Op::Lun {
                                id: id.clone(),
                                olu,
                                rec: None,
                            });
                        }
                    }
                }
            }
            let sids = to_compare(
                marks.all,
                b.state.sessions.keys(),
                &b.saved.sessions,
                marks.sessions,
            );
            for sid in sids {
                match b.state.sessions.get_mut(&sid) {
                    Some(s) => {
                        let rec = session_record(s);
                        if b.saved.sessions.get(&sid) != Some(&rec) {
                            b.saved.sessions.insert(sid, rec.clone());
                            ops.push(Op::Session {
                                id: id.clone(),
                                sid,
                                rec: Some(rec),
                            });
                        }
                        chunks(&mut ops, &id, PENDING, sid, &mut s.pending);
                        chunks(&mut ops, &id, CHANGED, sid, &mut s.changed);
                    }
                    None => {
                        if b.saved.sessions.remove(&sid).is_some() {
                            ops.push(Op::Session {
                                id: id.clone(),
                                sid,
                                rec: None,
                            });
                        }
                    }
                }
            }
        }
        ops
    }

    /// Writes `ops` in one durable transaction.
    fn apply(&self, ops: &[Op]) -> Result<(), SimError> {
        if ops.is_empty() {
            return Ok(());
        }
        let bad = |e: redb::Error| self.bad(e);
        let txn = self.db.begin_write().map_err(|e| bad(e.into()))?;
        {
            let mut t_boxes = txn.open_table(BOXES).map_err(|e| bad(e.into()))?;
            let mut t_luns = txn.open_table(LUNS).map_err(|e| bad(e.into()))?;
            let mut t_sessions = txn.open_table(SESSIONS).map_err(|e| bad(e.into()))?;
            let mut t_grains = txn.open_table(GRAINS).map_err(|e| bad(e.into()))?;
            for op in ops {
                match op {
                    Op::Box { id, rec } => {
                        t_boxes
                            .insert(id.as_str(), rec.as_slice())
                            .map_err(|e| bad(e.into()))?;
                    }
                    Op::Lun { id, olu, rec } => match rec {
                        Some(rec) => {
                            t_luns
                                .insert((id.as_str(), *olu), rec.as_slice())
                                .map_err(|e| bad(e.into()))?;
                        }
                        None => {
                            t_luns
                                .remove((id.as_str(), *olu))
                                .map_err(|e| bad(e.into()))?;
                            drop_set(&mut t_grains, id, ALLOCATED, *olu).map_err(bad)?;
                        }
                    },
                    Op::Session { id, sid, rec } => match rec {
                        Some(rec) => {
                            t_sessions
                                .insert((id.as_str(), *sid), rec.as_slice())
                                .map_err(|e| bad(e.into()))?;
                        }
                        None => {
                            t_sessions
                                .remove((id.as_str(), *sid))
                                .map_err(|e| bad(e.into()))?;
                            drop_set(&mut t_grains, id, PENDING, *sid).map_err(bad)?;
                            drop_set(&mut t_grains, id, CHANGED, *sid).map_err(bad)?;
                        }
                    },
                    Op::Chunk {
                        id,
                        set,
                        owner,
                        chunk,
                        words,
                    } => {
                        let key = (id.as_str(), *set, *owner, *chunk);
                        match words {
                            Some(w) => {
                                t_grains
                                    .insert(key, w.as_slice())
                                    .map_err(|e| bad(e.into()))?;
                            }
                            None => {
                                t_grains.remove(key).map_err(|e| bad(e.into()))?;
                            }
                        }
                    }
                }
            }
        }
        txn.commit().map_err(|e| bad(e.into()))
    }

    /// Writes what changed in `boxes`: in one durable transaction, or, for a
    /// service, into its journal until the next [`Store::checkpoint`].
    pub fn commit<'a>(
        &mut self,
        boxes: impl Iterator<Item = &'a mut Loaded>,
    ) -> Result<(), SimError> {
        let ops = Self::changes(boxes);
        if ops.is_empty() {
            return Ok(());
        }
        match self.journal.as_mut() {
            Some(j) => {
                let path = journal_path_of(&self.path);
                j.append(&ops).map_err(|e| damaged(&path, e))?;
                self.pending.extend(ops);
                Ok(())
            }
            None => self.apply(&ops),
        }
    }

    /// Writes what changed in `boxes` durably now, with whatever the journal
    /// holds before it, in one transaction, and empties the journal. Nothing
    /// of it is journaled: when it fails, nothing of the change is anywhere.
    pub fn commit_through<'a>(
        &mut self,
        boxes: impl Iterator<Item = &'a mut Loaded>,
    ) -> Result<(), SimError> {
        let ops = Self::changes(boxes);
        if ops.is_empty() {
            return Ok(());
        }
        if self.journal.is_none() {
            return self.apply(&ops);
        }
        let mut all = std::mem::take(&mut self.pending);
        let before = all.len();
        all.extend(ops);
        if let Err(e) = self.apply(&all) {
            all.truncate(before);
            self.pending = all;
            return Err(e);
        }
        self.checkpoints += 1;
        let path = journal_path_of(&self.path);
        if let Some(j) = self.journal.as_mut() {
            j.reset().map_err(|e| damaged(&path, e))?;
        }
        Ok(())
    }

    /// From now on, commits go to the journal (the service's write-back cache).
    pub fn write_back(&mut self) -> Result<(), SimError> {
        if self.journal.is_none() {
            let path = journal_path_of(&self.path);
            self.journal = Some(Journal::begin(&path).map_err(|e| damaged(&path, e))?);
        }
        Ok(())
    }

    /// Bytes the journal holds (0 when commits are durable as they are made).
    pub fn journal_len(&self) -> u64 {
        self.journal.as_ref().map_or(0, |j| j.len())
    }

    /// Commits what the journal holds in one durable transaction and empties
    /// it. The data the records describe must be synced first.
    pub fn checkpoint(&mut self) -> Result<(), SimError> {
        let ops = std::mem::take(&mut self.pending);
        self.checkpoints += 1;
        self.apply(&ops)?;
        if let Some(j) = self.journal.as_mut() {
            if !ops.is_empty() || j.len() > JOURNAL_EMPTY {
                let path = journal_path_of(&self.path);
                j.reset().map_err(|e| damaged(&path, e))?;
            }
        }
        Ok(())
    }

    /// Where the journal is now: what a checkpoint begun now covers.
    pub fn journal_mark(&self) -> JournalMark {
        JournalMark {
            ops: self.pending.len(),
            bytes: self.journal_len(),
            checkpoints: self.checkpoints,
        }
    }

    /// Commits the journal's records up to `mark` in one durable transaction
    /// and keeps only the rest in the journal (the data up to `mark` having
    /// been synced).
    pub fn checkpoint_to(&mut self, mark: JournalMark) -> Result<(), SimError> {
        let Some(j) = self.journal.as_ref() else {
            return Ok(());
        };
        if mark.checkpoints != self.checkpoints
            || mark.ops > self.pending.len()
            || mark.bytes > j.len()
        {
            return Ok(());
        }
        self.checkpoints += 1;
        self.apply(&self.pending[..mark.ops])?;
        self.pending.drain(..mark.ops);
        let path = journal_path_of(&self.path);
        if let Some(j) = self.journal.as_mut() {
            j.keep_from(mark.bytes, &path)
                .map_err(|e| damaged(&path, e))?;
        }
        Ok(())
    }

    /// Makes the journal durable to here, the data it describes having been
    /// synced (SYNCHRONIZE CACHE).
    pub fn synced(&mut self) -> Result<(), SimError> {
        if let Some(j) = self.journal.as_mut() {
            let path = journal_path_of(&self.path);
            j.synced().map_err(|e| damaged(&path, e))?;
        }
        Ok(())
    }
}

/// A place in the journal: how many pending records and bytes precede it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JournalMark {
    ops: usize,
    bytes: u64,
    checkpoints: u64,
}

/// A journal that holds only its boot frame is this long or shorter.
const JOURNAL_EMPTY: u64 = 64;

fn journal_path_of(store: &Path) -> PathBuf {
    store.with_file_name("array.journal")
}

/// The records a commit compares: the marked ones, or (`all`) every one that
/// is live or was last written.
fn to_compare<'a>(
    all: bool,
    live: impl Iterator<Item = &'a u32>,
    saved: &'a BTreeMap<u32, Vec<u8>>,
    marked: BTreeSet<u32>,
) -> BTreeSet<u32> {
    if all {
        live.chain(saved.keys()).copied().collect()
    } else {
        marked
    }
}

/// The changed chunks of one set, as ops.
fn chunks(ops: &mut Vec<Op>, id: &str, set: u8, owner: u32, gs: &mut GrainSet) {
    for (c, words) in gs.take_dirty_chunks() {
        ops.push(Op::Chunk {
            id: id.to_string(),
            set,
            owner,
            chunk: c,
            words: (!words.iter().all(|w| *w == 0)).then(|| words_to_bytes(words)),
        });
    }
}

/// Opens the store of `home` as a direct opener would (the home's lock, a
/// lease from a running service) for a test hook.
fn with_raw_store<T>(
    home: &Path,
    f: impl FnOnce(&Database, &Path) -> Result<T, SimError>,
) -> Result<T, SimError> {
    let (_lock, _lease) = crate::array::hold_home(home)?;
    let path = store_path(home);
    let db = Database::create(&path).map_err(|e| damaged(&path, e))?;
    f(&db, &path)
}

/// Rewrites the version a store says it has: for tests that show how a store
/// of another version is refused, and for a future migration's own tests.
pub fn stamp_version(home: &Path, version: u32) -> Result<(), SimError> {
    with_raw_store(home, |db, path| {
        let txn = db.begin_write().map_err(|e| damaged(path, e))?;
        {
            let mut meta = txn.open_table(META).map_err(|e| damaged(path, e))?;
            meta.insert("version", version.to_string().as_bytes())
                .map_err(|e| damaged(path, e))?;
        }
        txn.commit().map_err(|e| damaged(path, e))
    })
}

/// Which stored record a test hook edits.
#[derive(Debug, Clone, Copy)]
pub enum RecordOf {
    /// A box's own fields.
    Box,
    /// One LUN: `{"value": <the LUN>, "sets": [...]}`.
    Lun(u32),
}

/// Edits one record of the box named `name` as JSON, bypassing every check:
/// for tests that show how a store out of bounds is refused.
pub fn edit_record(
    home: &Path,
    name: &str,
    which: RecordOf,
    f: impl FnOnce(&mut serde_json::Value),
) -> Result<(), SimError> {
    with_raw_store(home, |db, path| {
        let bad = |e: redb::Error| damaged(path, e);
        let txn = db.begin_write().map_err(|e| bad(e.into()))?;
        {
            let mut boxes = txn.open_table(BOXES).map_err(|e| bad(e.into()))?;
            let mut id = None;
            for row in boxes.iter().map_err(|e| bad(e.into()))? {
                let (k, v) = row.map_err(|e| bad(e.into()))?;
                let doc: serde_json::Value =
                    serde_json::from_slice(v.value()).map_err(|e| damaged(path, e))?;
                if doc["name"] == name {
                    id = Some(k.value().to_string());
                }
            }
            let id = id.ok_or_else(|| SimError::NoBox(name.to_string()))?;
            let edit = |bytes: &[u8]| -> Result<Vec<u8>, SimError> {
                let mut doc: serde_json::Value =
                    serde_json::from_slice(bytes).map_err(|e| damaged(path, e))?;
                f(&mut doc);
                Ok(doc.to_string().into_bytes())
            };
            match which {
                RecordOf::Box => {
                    let old = boxes
                        .get(id.as_str())
                        .map_err(|e| bad(e.into()))?
                        .map(|v| v.value().to_vec())
                        .unwrap_or_default();
                    let new = edit(&old)?;
                    boxes
                        .insert(id.as_str(), new.as_slice())
                        .map_err(|e| bad(e.into()))?;
                }
                RecordOf::Lun(olu) => {
                    let mut luns = txn.open_table(LUNS).map_err(|e| bad(e.into()))?;
                    let old = luns
                        .get((id.as_str(), olu))
                        .map_err(|e| bad(e.into()))?
                        .map(|v| v.value().to_vec())
                        .ok_or(SimError::Refused(acm_scsi::model::CopyError::NoSuchLun))?;
                    let new = edit(&old)?;
                    luns.insert((id.as_str(), olu), new.as_slice())
                        .map_err(|e| bad(e.into()))?;
                }
            }
        }
        txn.commit().map_err(|e| bad(e.into()))
    })
}
