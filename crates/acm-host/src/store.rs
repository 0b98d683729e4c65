//! The host's durable state: one versioned JSON document, changed under a lock.

use crate::{Host, HostError};
use acm_core::paths;
use acm_core::store::{Lock, StateFile};
use std::path::{Path, PathBuf};

/// Format name of the host state file.
pub const HOST_FORMAT: &str = "acmsim-host";
/// Layout version of the host state file.
pub const HOST_VERSION: u32 = 1;

/// Access to the simulated host's state file (`host.json`) and its lock (`lock`).
#[derive(Debug, Clone)]
pub struct HostStore {
    file: StateFile,
    lock: PathBuf,
}

impl HostStore {
    /// The host of this managed server, under [`paths::sim_host_dir`] (thus `ACM_ROOT`).
    pub fn open() -> HostStore {
        Self::open_at(paths::sim_host_dir())
    }

    /// A host kept in `dir`; nothing is created until the first [`HostStore::update`].
    pub fn open_at(dir: impl AsRef<Path>) -> HostStore {
        let dir = dir.as_ref();
        HostStore {
            file: StateFile::new(dir.join("host.json"), HOST_FORMAT, HOST_VERSION),
            lock: dir.join("lock"),
        }
    }

    /// Path of the state file.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The current host; empty when nothing was ever saved. Needs no lock: saves are
    /// atomic renames, so a reader sees one whole document.
    pub fn load(&self) -> Result<Host, HostError> {
        Ok(self.file.load()?.unwrap_or_default())
    }

    /// Runs `f` on the current host under the lock and saves the result only if `f`
    /// succeeds, so a refused operation never writes.
    pub fn update<T>(
        &self,
        f: impl FnOnce(&mut Host) -> Result<T, HostError>,
    ) -> Result<T, HostError> {
        let _lock = Lock::acquire(&self.lock, &holder())?;
        let mut host = self.load()?;
        let out = f(&mut host)?;
        self.file.save(&host)?;
        Ok(out)
    }
}

/// The running program's name, recorded in the lock file for whoever waits on it.
fn holder() -> String {
    std::env::args_os()
        .next()
        .and_then(|a| {
            Path::new(&a)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "acm-host".to_string())
}
