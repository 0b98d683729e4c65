//! Documents kept as keyed records: the replication management list, its
//! repository copy and the simulated host.
//!
//! A document that grows with the installation (10,000 pairs, 20,000 disks)
//! cannot be one JSON file rewritten whole by every change: registering one
//! more item would cost the whole list. Here a document is a set of records,
//! one per item, keyed `(kind, key)` in one redb database, with index records
//! (kind `ix.*`, empty values) derived from the items so that a command can
//! find the few items a change depends on without reading the rest. A change
//! writes only the records it altered, in one transaction, so a crash leaves
//! the old document or the new one, never a mixture.
//!
//! Every command opens the file in redb's multi-writer mode: readers never wait
//! for a writer and see its last commit. Changes are read-modify-writes, so they
//! serialise through the document's lock file (as [`crate::store::LockedFile`]
//! does) for as long as the change runs, not only for the commit.

use crate::store::{Lock, StoreError};
use redb::{
    Builder, ConcurrencyMode, Database, ReadableDatabase, ReadableTable, TableDefinition,
    TableError,
};
use serde::{de::DeserializeOwned, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const META: TableDefinition<&str, &str> = TableDefinition::new("meta");
const RECORDS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("records");

/// Records by `(kind, key)`: what a document is stored as.
pub type Records = BTreeMap<(String, String), Vec<u8>>;

/// A document that is stored as records.
pub trait Document: Default {
    /// The records that store this document, its index records included.
    /// `prior` holds what was stored before (at least the records the document
    /// was read from), for what must persist across changes, such as the
    /// sequence numbers that keep items in order.
    fn to_records(&self, prior: &Records) -> Records;

    /// The document that `records` store; index records are ignored.
    fn from_records(records: &Records) -> Result<Self, String>;
}

/// One record's JSON value.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising plain data (no maps with non-string keys) cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

/// Decodes one record's JSON value, naming the record when it is damaged.
pub fn decode<T: DeserializeOwned>(kind: &str, key: &str, bytes: &[u8]) -> Result<T, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("record {kind} {key:?}: {e}"))
}

/// The records of one kind, in key order.
pub fn of_kind<'a>(
    records: &'a Records,
    kind: &'a str,
) -> impl Iterator<Item = (&'a str, &'a [u8])> {
    records
        .range((kind.to_string(), String::new())..)
        .take_while(move |((k, _), _)| k == kind)
        .map(|((_, key), v)| (key.as_str(), v.as_slice()))
}

/// What one change wrote: the records put and the keys removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta {
    pub put: Records,
    pub removed: Vec<(String, String)>,
}

impl Delta {
    /// The change that turns `before` into `after`.
    pub fn between(before: &Records, after: &Records) -> Delta {
        let put = after
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let removed = before
            .keys()
            .filter(|k| !after.contains_key(*k))
            .cloned()
            .collect();
        Delta { put, removed }
    }

    pub fn is_empty(&self) -> bool {
        self.put.is_empty() && self.removed.is_empty()
    }
}

/// A record file: a versioned redb database of records, and the lock its
/// changes serialise through.
#[derive(Debug, Clone)]
pub struct RecordFile {
    path: PathBuf,
    lock: PathBuf,
    format: &'static str,
    version: u32,
}

impl RecordFile {
    /// `format` names the kind of document, `version` its layout; a file of
    /// another format or version is refused with a message naming it.
    pub fn new(
        path: impl Into<PathBuf>,
        lock: impl Into<PathBuf>,
        format: &'static str,
        version: u32,
    ) -> RecordFile {
        RecordFile {
            path: path.into(),
            lock: lock.into(),
            format,
            version,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn damaged(&self, detail: impl std::fmt::Display) -> StoreError {
        StoreError::Damaged {
            path: self.path.clone(),
            detail: detail.to_string(),
        }
    }

    fn builder() -> Builder {
        let mut builder = Builder::new();
        builder.set_concurrency_mode(ConcurrencyMode::MultiWriter);
        builder
    }

    /// Opens the database for writing, creating it (and stamping its format)
    /// when it does not exist.
    fn open_writable(&self) -> Result<Database, StoreError> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        if !self.path.exists() {
            self.create_stamped()?;
        }
        let db = Self::builder()
            .create(&self.path)
            .map_err(|e| self.damaged(e))?;
        self.check_meta(&db, false)?;
        Ok(db)
    }

    /// Creates the file with its format record in place from the start, so
    /// that no reader ever sees a file without one: made under a temporary
    /// name, then linked to the real one (which fails harmlessly when another
    /// command created it first).
    fn create_stamped(&self) -> Result<(), StoreError> {
        let tmp = self.temp_path("new");
        let _ = std::fs::remove_file(&tmp);
        let made = Self::builder()
            .create(&tmp)
            .map_err(|e| self.damaged(e))
            .and_then(|db| self.check_meta(&db, true));
        let linked = made.and_then(|()| match std::fs::hard_link(&tmp, &self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(source) => Err(StoreError::Io {
                path: self.path.clone(),
                source,
            }),
        });
        let _ = std::fs::remove_file(&tmp);
        linked
    }

    /// A temporary file beside the file, private to this process.
    fn temp_path(&self, what: &str) -> PathBuf {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = self.path.parent().unwrap_or(Path::new("."));
        dir.join(format!(".{name}.{what}.{}", std::process::id()))
    }

    /// Opens the database for reading without changing a byte of it (a
    /// refused command leaves the file as it was); `None` when it does not
    /// exist. A file left unclean by a killed writer is opened for writing
    /// instead, which recovers it.
    fn open_readable(&self) -> Result<Option<Readable>, StoreError> {
        if !self.path.exists() {
            return Ok(None);
        }
        let db = match Self::builder().open_read_only(&self.path) {
            Ok(db) => Readable::Shared(db),
            Err(redb::DatabaseError::Storage(e)) => return Err(self.damaged(e)),
            Err(_) => Readable::Writable(
                Self::builder()
                    .create(&self.path)
                    .map_err(|e| self.damaged(e))?,
            ),
        };
        let txn = db.begin_read().map_err(|e| self.damaged(e))?;
        self.check_meta_txn(&txn)?;
        Ok(Some(db))
    }

    /// Refuses a database of another format or version, read in `txn`.
    fn check_meta_txn(&self, txn: &redb::ReadTransaction) -> Result<(), StoreError> {
        match self.read_meta(txn)? {
            Some((format, version)) if format == self.format && version == self.version => Ok(()),
            Some((found_format, found_version)) => Err(StoreError::Incompatible {
                path: self.path.clone(),
                found_format,
                found_version,
                format: self.format.to_string(),
                version: self.version,
            }),
            None => Err(self.damaged("it carries no format record")),
        }
    }

    fn read_meta(&self, txn: &redb::ReadTransaction) -> Result<Option<(String, u32)>, StoreError> {
        let meta = match txn.open_table(META) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(self.damaged(e)),
        };
        let get = |k: &str| -> Result<Option<String>, StoreError> {
            Ok(meta
                .get(k)
                .map_err(|e| self.damaged(e))?
                .map(|v| v.value().to_string()))
        };
        match (get("format")?, get("version")?) {
            (Some(f), Some(v)) => Ok(Some((f, v.parse().unwrap_or(0)))),
            _ => Ok(None),
        }
    }

    /// Refuses a database of another format or version; stamps an empty one
    /// when `create`.
    fn check_meta(&self, db: &Database, create: bool) -> Result<(), StoreError> {
        let txn = db.begin_read().map_err(|e| self.damaged(e))?;
        if self.read_meta(&txn)?.is_some() || !create {
            return self.check_meta_txn(&txn);
        }
        drop(txn);
        let txn = db.begin_write().map_err(|e| self.damaged(e))?;
        {
            let mut meta = txn.open_table(META).map_err(|e| self.damaged(e))?;
            // Another command may have stamped it first.
            if meta.get("format").map_err(|e| self.damaged(e))?.is_none() {
                meta.insert("format", self.format)
                    .map_err(|e| self.damaged(e))?;
                meta.insert("version", self.version.to_string().as_str())
                    .map_err(|e| self.damaged(e))?;
            }
        }
        txn.commit().map_err(|e| self.damaged(e))?;
        self.check_meta(db, false)
    }

    /// Every record (none when the file does not exist).
    pub fn read_all(&self) -> Result<Records, StoreError> {
        self.read(|r| r.all())
    }

    /// Runs `gather` on a consistent view of the file (an empty one when the
    /// file does not exist): the way to read a few records by key.
    pub fn read<T>(
        &self,
        gather: impl FnOnce(&Reader<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let Some(db) = self.open_readable()? else {
            return gather(&Reader {
                table: None,
                file: self,
            });
        };
        let txn = db.begin_read().map_err(|e| self.damaged(e))?;
        let table = match txn.open_table(RECORDS) {
            Ok(t) => Some(t),
            Err(TableError::TableDoesNotExist(_)) => None,
            Err(e) => return Err(self.damaged(e)),
        };
        gather(&Reader { table, file: self })
    }

    /// Writes `delta` in one durable transaction.
    pub fn apply(&self, delta: &Delta) -> Result<(), StoreError> {
        if delta.is_empty() {
            return Ok(());
        }
        let db = self.open_writable()?;
        let txn = db.begin_write().map_err(|e| self.damaged(e))?;
        {
            let mut t = txn.open_table(RECORDS).map_err(|e| self.damaged(e))?;
            for ((kind, key), value) in &delta.put {
                t.insert((kind.as_str(), key.as_str()), value.as_slice())
                    .map_err(|e| self.damaged(e))?;
            }
            for (kind, key) in &delta.removed {
                t.remove((kind.as_str(), key.as_str()))
                    .map_err(|e| self.damaged(e))?;
            }
        }
        txn.commit().map_err(|e| self.damaged(e))
    }

    /// Replaces the file with one holding `records` and nothing else, without
    /// reading it (it may be damaged): a fresh database written beside it and
    /// renamed over it, so a crash leaves the old file or the new one.
    pub fn replace(&self, records: &Records) -> Result<(), StoreError> {
        let dir = self.path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let tmp = self.temp_path("tmp");
        let _ = std::fs::remove_file(&tmp);
        let fresh = RecordFile {
            path: tmp.clone(),
            ..self.clone()
        };
        let result = fresh
            .apply(&Delta {
                put: records.clone(),
                removed: Vec::new(),
            })
            .and_then(|()| {
                // An empty document still gets its file (and format record).
                drop(fresh.open_writable()?);
                let io = |source| StoreError::Io {
                    path: self.path.clone(),
                    source,
                };
                std::fs::rename(&tmp, &self.path).map_err(io)?;
                std::fs::File::open(&dir)
                    .and_then(|d| d.sync_all())
                    .map_err(io)
            });
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// Imports a document of the earlier layout, one JSON document of format
    /// `earlier_format` version 1 at `earlier` ([`crate::store::StateFile`]),
    /// once: under the lock, when this file does not exist yet, its records are
    /// written and the JSON file removed, so that one file holds the document.
    /// Returns the document imported, `None` when there was nothing to import.
    pub fn import_earlier<T>(
        &self,
        earlier: &Path,
        earlier_format: &'static str,
        holder: &str,
    ) -> Result<Option<T>, StoreError>
    where
        T: Document + DeserializeOwned,
    {
        let pending = || !self.path.exists() && earlier.exists();
        if !pending() {
            return Ok(None);
        }
        let _lock = Lock::acquire(&self.lock, holder)?;
        if !pending() {
            return Ok(None);
        }
        let doc: T = crate::store::StateFile::new(earlier, earlier_format, 1)
            .load()?
            .unwrap_or_default();
        self.replace(&doc.to_records(&Records::new()))?;
        std::fs::remove_file(earlier).map_err(|source| StoreError::Io {
            path: earlier.to_path_buf(),
            source,
        })?;
        Ok(Some(doc))
    }

    /// The document stored here (its default when the file does not exist).
    pub fn load<T: Document>(&self) -> Result<T, StoreError> {
        T::from_records(&self.read_all()?).map_err(|e| self.damaged(e))
    }

    /// The part of the document held by the records `gather` picks.
    pub fn load_part<T: Document>(
        &self,
        gather: impl FnOnce(&Reader<'_>) -> Result<Records, StoreError>,
    ) -> Result<T, StoreError> {
        T::from_records(&self.read(gather)?).map_err(|e| self.damaged(e))
    }

    /// Runs `change` on the whole document under the lock; when it succeeds
    /// and altered the document, writes the records that changed and returns
    /// them with `change`'s result. A refusal writes nothing.
    pub fn update<T, R, E>(
        &self,
        holder: &str,
        err: impl Fn(StoreError) -> E,
        change: impl FnOnce(&mut T) -> Result<R, E>,
    ) -> Result<(R, Delta), E>
    where
        T: Document,
    {
        self.update_part(holder, &err, |r| r.all(), change)
    }

    /// As [`RecordFile::update`], on the part of the document held by the
    /// records `gather` picks: what a change depends on, found through the
    /// index records. `change` sees only that part, so it must need no other
    /// (its refusals look only at the items gathered), and what it adds or
    /// removes is written as such; the rest of the document is not read.
    pub fn update_part<T, R, E>(
        &self,
        holder: &str,
        err: impl Fn(StoreError) -> E,
        gather: impl FnOnce(&Reader<'_>) -> Result<Records, StoreError>,
        change: impl FnOnce(&mut T) -> Result<R, E>,
    ) -> Result<(R, Delta), E>
    where
        T: Document,
    {
        let _lock = Lock::acquire(&self.lock, holder).map_err(&err)?;
        let (prior, revision) = self
            .read(|r| Ok((gather(r)?, revision_in(r)?)))
            .map_err(&err)?;
        let mut doc = T::from_records(&prior).map_err(|e| err(self.damaged(e)))?;
        // What the part is stored as, index records included.
        let before = doc.to_records(&prior);
        let out = change(&mut doc)?;
        let mut delta = Delta::between(&before, &doc.to_records(&prior));
        if !delta.is_empty() {
            delta.put.insert(revision_key(), encode(&(revision + 1)));
        }
        self.apply(&delta).map_err(&err)?;
        Ok((out, delta))
    }

    /// How many changes [`RecordFile::update_part`] has written (0 for a file
    /// written by [`RecordFile::replace`]): a copy that follows the file by its
    /// changes knows from it whether it missed one.
    pub fn revision(&self) -> Result<u64, StoreError> {
        self.read(revision_in)
    }
}

/// The record that counts a file's changes.
pub fn revision_key() -> (String, String) {
    ("meta".to_string(), "revision".to_string())
}

/// Where a document's record file lives in its directory: the one
/// description of a list's files, read by its [`Store`].
#[derive(Debug)]
pub struct Layout {
    /// The record file's name.
    pub file: &'static str,
    /// The lock file every change serialises through.
    pub lock: &'static str,
    /// The document's format name, checked on every open.
    pub format: &'static str,
    /// Its record layout's version.
    pub version: u32,
    /// The file of the earlier layout (one JSON document of `format`,
    /// version 1), imported once.
    pub earlier_file: &'static str,
}

impl Layout {
    /// The record file of this layout at `path`, locked through `lock`
    /// (a copy saved elsewhere, as `swstresback` keeps one).
    pub fn file_at(&'static self, path: PathBuf, lock: PathBuf) -> RecordFile {
        RecordFile::new(path, lock, self.format, self.version)
    }
}

/// A locked store of one document in a directory of its own: the backup
/// and replication management lists and the simulated host are each one.
/// Every access first imports the earlier layout once, and every error
/// comes back as the owner's error (its message and ID) through `err`, so
/// the owners keep only what is theirs: which records a change depends on.
#[derive(Debug)]
pub struct Store<D, E> {
    dir: PathBuf,
    file: RecordFile,
    layout: &'static Layout,
    /// Who holds the lock while the earlier layout is imported.
    importer: fn() -> String,
    err: fn(StoreError) -> E,
    doc: std::marker::PhantomData<fn() -> D>,
}

// Not derived: a derived Clone would ask the document and error to be Clone.
impl<D, E> Clone for Store<D, E> {
    fn clone(&self) -> Self {
        Store {
            dir: self.dir.clone(),
            file: self.file.clone(),
            layout: self.layout,
            importer: self.importer,
            err: self.err,
            doc: std::marker::PhantomData,
        }
    }
}

impl<D, E> Store<D, E>
where
    D: Document + DeserializeOwned,
{
    /// The document of `layout` kept in `dir`; nothing is created until the
    /// first change.
    pub fn open_at(
        dir: impl AsRef<Path>,
        layout: &'static Layout,
        importer: fn() -> String,
        err: fn(StoreError) -> E,
    ) -> Self {
        let dir = dir.as_ref();
        Store {
            dir: dir.to_path_buf(),
            file: layout.file_at(dir.join(layout.file), dir.join(layout.lock)),
            layout,
            importer,
            err,
            doc: std::marker::PhantomData,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self) -> &Path {
        self.file.path()
    }

    fn lock_path(&self) -> PathBuf {
        self.dir.join(self.layout.lock)
    }

    /// Imports a document of the earlier layout once (see
    /// [`RecordFile::import_earlier`]); returns it when this call did.
    pub fn import_earlier(&self) -> Result<Option<D>, E> {
        self.file
            .import_earlier(
                &self.dir.join(self.layout.earlier_file),
                self.layout.format,
                &(self.importer)(),
            )
            .map_err(self.err)
    }

    /// The current document (its default when never saved).
    pub fn load(&self) -> Result<D, E> {
        self.import_earlier()?;
        self.file.load().map_err(self.err)
    }

    /// The part of the document held by the records `gather` picks.
    pub fn load_part(
        &self,
        gather: impl FnOnce(&Reader<'_>) -> Result<Records, StoreError>,
    ) -> Result<D, E> {
        self.import_earlier()?;
        self.file.load_part(gather).map_err(self.err)
    }

    /// Runs `gather` on a consistent view of the records.
    pub fn read<T>(
        &self,
        gather: impl FnOnce(&Reader<'_>) -> Result<T, StoreError>,
    ) -> Result<T, E> {
        self.import_earlier()?;
        self.file.read(gather).map_err(self.err)
    }

    /// Runs `change` on the whole document under the lock (see
    /// [`RecordFile::update`]).
    pub fn update<R>(
        &self,
        holder: &str,
        change: impl FnOnce(&mut D) -> Result<R, E>,
    ) -> Result<(R, Delta), E> {
        self.import_earlier()?;
        self.file.update(holder, self.err, change)
    }

    /// Runs `change` on the part `gather` picks, under the lock (see
    /// [`RecordFile::update_part`]).
    pub fn update_part<R>(
        &self,
        holder: &str,
        gather: impl FnOnce(&Reader<'_>) -> Result<Records, StoreError>,
        change: impl FnOnce(&mut D) -> Result<R, E>,
    ) -> Result<(R, Delta), E> {
        self.import_earlier()?;
        self.file.update_part(holder, self.err, gather, change)
    }

    /// Replaces the whole document under the lock without reading it (it
    /// may be damaged): what a recovery from a saved copy writes.
    pub fn replace(&self, holder: &str, doc: &D) -> Result<(), E> {
        let _lock = Lock::acquire(&self.lock_path(), holder).map_err(self.err)?;
        self.file
            .replace(&doc.to_records(&Records::new()))
            .map_err(self.err)
    }
}

/// The revision a change writes, when it is one of `delta`'s records.
pub fn revision_of(delta: &Delta) -> Option<u64> {
    delta
        .put
        .get(&revision_key())
        .and_then(|v| serde_json::from_slice(v).ok())
}

fn revision_in(r: &Reader<'_>) -> Result<u64, StoreError> {
    let (kind, key) = revision_key();
    Ok(r.get(&kind, &key)?
        .and_then(|v| serde_json::from_slice(&v).ok())
        .unwrap_or(0))
}

/// A database opened for reading.
enum Readable {
    Shared(redb::ReadOnlyDatabase),
    Writable(Database),
}

impl Readable {
    fn begin_read(&self) -> Result<redb::ReadTransaction, redb::TransactionError> {
        match self {
            Readable::Shared(db) => db.begin_read(),
            Readable::Writable(db) => db.begin_read(),
        }
    }
}

/// From this many records of one kind on, [`Reader::decode_kind`] decodes
/// the rest on every core: a list of 10,000 pairs is mostly JSON decoding.
const PARALLEL_DECODE: usize = 1000;

/// A consistent read-only view of a record file.
pub struct Reader<'a> {
    table: Option<redb::ReadOnlyTable<(&'static str, &'static str), &'static [u8]>>,
    file: &'a RecordFile,
}

impl Reader<'_> {
    /// Every record.
    pub fn all(&self) -> Result<Records, StoreError> {
        let mut out = Records::new();
        let Some(t) = &self.table else {
            return Ok(out);
        };
        for row in t.iter().map_err(|e| self.file.damaged(e))? {
            let (k, v) = row.map_err(|e| self.file.damaged(e))?;
            let (kind, key) = k.value();
            out.insert((kind.to_string(), key.to_string()), v.value().to_vec());
        }
        Ok(out)
    }

    /// One record.
    pub fn get(&self, kind: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(t) = &self.table else {
            return Ok(None);
        };
        Ok(t.get((kind, key))
            .map_err(|e| self.file.damaged(e))?
            .map(|v| v.value().to_vec()))
    }

    /// The records of `kind` whose key starts with `prefix`, in key order.
    pub fn prefix(&self, kind: &str, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut out = Vec::new();
        let Some(t) = &self.table else {
            return Ok(out);
        };
        for row in t
            .range((kind, prefix)..)
            .map_err(|e| self.file.damaged(e))?
        {
            let (k, v) = row.map_err(|e| self.file.damaged(e))?;
            let (k_kind, key) = k.value();
            if k_kind != kind || !key.starts_with(prefix) {
                break;
            }
            out.push((key.to_string(), v.value().to_vec()));
        }
        Ok(out)
    }

    /// Every record of `kind`, each value decoded where it lies (no copy of
    /// the records first): how a display reads a whole list.
    pub fn decode_kind<T: DeserializeOwned + Send>(
        &self,
        kind: &str,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        let Some(t) = &self.table else {
            return Ok(out);
        };
        let mut raw: Vec<(String, Vec<u8>)> = Vec::new();
        for row in t.range((kind, "")..).map_err(|e| self.file.damaged(e))? {
            let (k, v) = row.map_err(|e| self.file.damaged(e))?;
            let (k_kind, key) = k.value();
            if k_kind != kind {
                break;
            }
            if raw.is_empty() && out.len() < PARALLEL_DECODE {
                out.push(decode(kind, key, v.value()).map_err(|e| self.file.damaged(e))?);
            } else {
                // Many records: the rest are decoded on every core below.
                raw.push((key.to_string(), v.value().to_vec()));
            }
        }
        if raw.is_empty() {
            return Ok(out);
        }
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let per = raw.len().div_ceil(workers);
        let parts: Vec<Result<Vec<T>, String>> = std::thread::scope(|scope| {
            let running: Vec<_> = raw
                .chunks(per)
                .map(|chunk| {
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .map(|(key, v)| decode::<T>(kind, key, v))
                            .collect::<Result<Vec<T>, String>>()
                    })
                })
                .collect();
            running
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("a decoder panicked".into()))
                })
                .collect()
        });
        for part in parts {
            out.extend(part.map_err(|e| self.file.damaged(e))?);
        }
        Ok(out)
    }

    /// Every record of `kind`.
    pub fn kind(&self, kind: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.prefix(kind, "")
    }

    /// Adds the record `(kind, key)`, when there is one, to `into`.
    pub fn pick(&self, into: &mut Records, kind: &str, key: &str) -> Result<(), StoreError> {
        if let Some(v) = self.get(kind, key)? {
            into.insert((kind.to_string(), key.to_string()), v);
        }
        Ok(())
    }

    /// Adds every record of `kind` to `into`.
    pub fn pick_kind(&self, into: &mut Records, kind: &str) -> Result<(), StoreError> {
        for (key, v) in self.kind(kind)? {
            into.insert((kind.to_string(), key), v);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A document of named numbers, indexed by value.
    #[derive(Debug, Default, PartialEq)]
    struct Numbers(BTreeMap<String, u32>);

    impl Document for Numbers {
        fn to_records(&self, _prior: &Records) -> Records {
            let mut r = Records::new();
            for (k, v) in &self.0 {
                r.insert(("n".into(), k.clone()), encode(v));
                r.insert(("ix.v".into(), format!("{v}\0{k}")), Vec::new());
            }
            r
        }
        fn from_records(records: &Records) -> Result<Self, String> {
            of_kind(records, "n")
                .map(|(k, v)| Ok((k.to_string(), decode("n", k, v)?)))
                .collect::<Result<_, String>>()
                .map(Numbers)
        }
    }

    fn file(dir: &Path) -> RecordFile {
        RecordFile::new(dir.join("n.redb"), dir.join("n.lock"), "numbers", 1)
    }

    #[test]
    fn a_part_update_writes_only_what_it_changed() {
        let dir = tempfile::tempdir().unwrap();
        let f = file(dir.path());
        assert_eq!(f.load::<Numbers>().unwrap(), Numbers::default());
        assert!(!f.path().exists(), "reading creates nothing");
        let (_, d) = f
            .update(
                "t",
                |e| e,
                |n: &mut Numbers| {
                    for i in 0..100 {
                        n.0.insert(format!("k{i:03}"), i % 10);
                    }
                    Ok::<_, StoreError>(())
                },
            )
            .unwrap();
        assert_eq!(
            d.put.len(),
            201,
            "100 items, 100 index records, the revision"
        );
        assert_eq!(revision_of(&d), Some(1));
        // Change one item found through its index: nothing else is read or written.
        let (_, d) = f
            .update_part(
                "t",
                |e| e,
                |r| {
                    let mut part = Records::new();
                    for (key, _) in r.prefix("ix.v", "7\0")? {
                        let name = key.split('\0').nth(1).unwrap().to_string();
                        r.pick(&mut part, "n", &name)?;
                    }
                    Ok(part)
                },
                |n: &mut Numbers| {
                    assert_eq!(n.0.len(), 10);
                    n.0.remove("k007");
                    n.0.insert("k017".into(), 70);
                    Ok::<_, StoreError>(())
                },
            )
            .unwrap();
        // k007 and its index record, and k017's index record under its old value.
        assert_eq!(d.removed.len(), 3, "{d:?}");
        assert_eq!(
            d.put.len(),
            3,
            "k017, its new index record, the revision: {d:?}"
        );
        assert_eq!(f.revision().unwrap(), 2);
        let n: Numbers = f.load().unwrap();
        assert_eq!(n.0.len(), 99);
        assert_eq!(n.0["k017"], 70);
        assert_eq!(f.read(|r| r.prefix("ix.v", "7\0")).unwrap().len(), 8);
    }

    #[test]
    fn a_refused_change_writes_nothing_and_other_formats_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = file(dir.path());
        f.update(
            "t",
            |e| e,
            |n: &mut Numbers| {
                n.0.insert("a".into(), 1);
                Ok::<_, StoreError>(())
            },
        )
        .unwrap();
        let r = f.update(
            "t",
            |e| e,
            |n: &mut Numbers| {
                n.0.clear();
                Err::<(), _>(StoreError::Damaged {
                    path: "x".into(),
                    detail: "refused".into(),
                })
            },
        );
        assert!(r.is_err());
        let bytes = std::fs::read(f.path()).unwrap();
        assert_eq!(f.load::<Numbers>().unwrap().0.len(), 1);
        assert_eq!(
            std::fs::read(f.path()).unwrap(),
            bytes,
            "reads change no byte"
        );
        let other = RecordFile::new(f.path(), dir.path().join("n.lock"), "numbers", 2);
        let msg = other.load::<Numbers>().unwrap_err().to_string();
        assert!(msg.contains("n.redb") && msg.contains("version 1"), "{msg}");
        std::fs::write(f.path(), b"not a database at all, not at all").unwrap();
        let msg = f.load::<Numbers>().unwrap_err().to_string();
        assert!(msg.contains("damaged") && msg.contains("n.redb"), "{msg}");
    }
}
