//! Durable state files.
//!
//! Every piece of state that must survive a crash (management lists, simulated
//! boxes, the simulated host) is one JSON document in a versioned envelope,
//! written by [`write_atomic`]: a temporary file in the same directory, `fsync`,
//! `rename` over the old file, `fsync` of the directory. A reader therefore sees
//! either the old document or the new one, never a mixture, whatever point a
//! process is killed at. Writers serialise through a [`Lock`], an advisory
//! `File::lock` on a separate lock file whose text names the holder, so that a
//! command that finds the state busy can say who holds it.

use crate::input::{InputError, MAX_STATE_BYTES};
use serde::{de::DeserializeOwned, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Why a state file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}: the state file is damaged ({detail}); move it away or restore it")]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "{path}: the state file is a '{found_format}' file of version {found_version}; this program \
         reads '{format}' version {version}; move or delete the file"
    )]
    Incompatible {
        path: PathBuf,
        found_format: String,
        found_version: u32,
        format: String,
        version: u32,
    },
    #[error("{path} is in use by {holder}")]
    Busy { path: PathBuf, holder: String },
    /// A database holding a document (the Management Server's repository
    /// in PostgreSQL) cannot be used: unreachable, refused, of a newer
    /// schema, or configured wrongly. `target` names it without secrets.
    #[error("{target}: {detail}")]
    Database { target: String, detail: String },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` so that a crash at any point leaves either the old
/// content or the new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    let result = (|| {
        // Root only whatever the caller's umask (see paths::private_files).
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(io_err(path))
}

/// A typed, versioned JSON state file.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
    format: &'static str,
    version: u32,
}

#[derive(serde::Deserialize)]
struct EnvelopeHead {
    format: String,
    version: u32,
}

impl StateFile {
    /// `format` names the kind of document, `version` its layout; a file of another
    /// format or version is refused with a message that names the file.
    pub fn new(path: impl Into<PathBuf>, format: &'static str, version: u32) -> Self {
        StateFile {
            path: path.into(),
            format,
            version,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the document, or `None` when the file does not exist yet.
    pub fn load<T: DeserializeOwned>(&self) -> Result<Option<T>, StoreError> {
        let text = match crate::input::read_bytes(&self.path, MAX_STATE_BYTES) {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(InputError::Io { error, .. }) => return Err(io_err(&self.path)(error)),
            Err(e) => {
                return Err(StoreError::Damaged {
                    path: self.path.clone(),
                    detail: e.to_string(),
                })
            }
        };
        self.decode(&text).map(Some)
    }

    fn decode<T: DeserializeOwned>(&self, text: &[u8]) -> Result<T, StoreError> {
        let damaged = |e: serde_json::Error| StoreError::Damaged {
            path: self.path.clone(),
            detail: e.to_string(),
        };
        let head: EnvelopeHead = serde_json::from_slice(text).map_err(damaged)?;
        if head.format != self.format || head.version != self.version {
            return Err(StoreError::Incompatible {
                path: self.path.clone(),
                found_format: head.format,
                found_version: head.version,
                format: self.format.to_string(),
                version: self.version,
            });
        }
        #[derive(serde::Deserialize)]
        struct Body<T> {
            data: T,
        }
        let body: Body<T> = serde_json::from_slice(text).map_err(damaged)?;
        Ok(body.data)
    }

    /// Replaces the document atomically.
    pub fn save<T: Serialize>(&self, data: &T) -> Result<(), StoreError> {
        #[derive(serde::Serialize)]
        struct Envelope<'a, T> {
            format: &'a str,
            version: u32,
            data: &'a T,
        }
        let bytes = serde_json::to_vec(&Envelope {
            format: self.format,
            version: self.version,
            data,
        })
        .map_err(|e| StoreError::Damaged {
            path: self.path.clone(),
            detail: e.to_string(),
        })?;
        write_atomic(&self.path, &bytes)
    }
}

/// A state document changed only under its lock, and written only when a
/// change altered it: the shape of every management list and of the
/// Management Server's repository. Reading needs no lock, since a save is an
/// atomic replacement.
#[derive(Debug, Clone)]
pub struct LockedFile {
    file: StateFile,
    lock: PathBuf,
}

impl LockedFile {
    /// `file`, serialised through the lock file `lock`.
    pub fn new(file: StateFile, lock: impl Into<PathBuf>) -> Self {
        LockedFile {
            file,
            lock: lock.into(),
        }
    }

    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The document, or its default when it was never saved.
    pub fn load_or_default<T: DeserializeOwned + Default>(&self) -> Result<T, StoreError> {
        Ok(self.file.load()?.unwrap_or_default())
    }

    /// Runs `change` on the document under the lock. When it succeeds and
    /// altered the document, the document is saved and `saved` runs with it,
    /// still under the lock (for a copy that must follow every change). A
    /// refusal of `change` saves nothing. `err` turns store errors into the
    /// caller's.
    pub fn update<T, R, E>(
        &self,
        holder: &str,
        err: impl Fn(StoreError) -> E,
        change: impl FnOnce(&mut T) -> Result<R, E>,
        saved: impl FnOnce(&T) -> Result<(), E>,
    ) -> Result<R, E>
    where
        T: Serialize + DeserializeOwned + Default + Clone + PartialEq,
    {
        let _lock = Lock::acquire(&self.lock, holder).map_err(&err)?;
        let mut doc: T = self.load_or_default().map_err(&err)?;
        let before = doc.clone();
        let out = change(&mut doc)?;
        if doc != before {
            self.file.save(&doc).map_err(&err)?;
            saved(&doc)?;
        }
        Ok(out)
    }
}

/// An exclusive advisory lock held until dropped.
///
/// The lock file's text names the holder (`swstbackup (pid 123)`); it is only
/// information, the lock itself is the kernel's.
#[derive(Debug)]
pub struct Lock {
    _file: File,
    path: PathBuf,
}

impl Lock {
    /// Waits for the lock on `path` and records `holder` in it.
    pub fn acquire(path: &Path, holder: &str) -> Result<Lock, StoreError> {
        let file = Self::open(path)?;
        file.lock().map_err(io_err(path))?;
        Self::claim(file, path, holder)
    }

    /// Takes the lock on `path` if it is free; otherwise [`StoreError::Busy`] naming the holder.
    pub fn try_acquire(path: &Path, holder: &str) -> Result<Lock, StoreError> {
        let mut file = Self::open(path)?;
        match file.try_lock() {
            Ok(()) => Self::claim(file, path, holder),
            Err(fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let holder = text.trim();
                Err(StoreError::Busy {
                    path: path.to_path_buf(),
                    holder: if holder.is_empty() {
                        "another command".to_string()
                    } else {
                        holder.to_string()
                    },
                })
            }
            Err(fs::TryLockError::Error(e)) => Err(io_err(path)(e)),
        }
    }

    fn open(path: &Path) -> Result<File, StoreError> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io_err(path))
    }

    fn claim(mut file: File, path: &Path, holder: &str) -> Result<Lock, StoreError> {
        // Best effort: the holder text is a courtesy for the next waiter.
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(file, "{holder} (pid {})", std::process::id());
        Ok(Lock {
            _file: file,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_version_refusal() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        let f = StateFile::new(&p, "test", 1);
        assert_eq!(f.load::<Vec<u32>>().unwrap(), None);
        f.save(&vec![1u32, 2]).unwrap();
        assert_eq!(f.load::<Vec<u32>>().unwrap(), Some(vec![1, 2]));
        let err = StateFile::new(&p, "test", 2)
            .load::<Vec<u32>>()
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("s.json") && msg.contains("version 1"), "{msg}");
        fs::write(&p, b"{not json").unwrap();
        assert!(matches!(
            f.load::<Vec<u32>>(),
            Err(StoreError::Damaged { .. })
        ));
    }

    #[test]
    fn busy_lock_names_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("lock");
        let held = Lock::acquire(&p, "swstbackup").unwrap();
        match Lock::try_acquire(&p, "swstrestore") {
            Err(StoreError::Busy { holder, .. }) => assert!(holder.starts_with("swstbackup")),
            other => panic!("expected Busy, got {other:?}"),
        }
        drop(held);
        Lock::try_acquire(&p, "swstrestore").unwrap();
    }
}
