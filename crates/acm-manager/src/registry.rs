//! The Management Server's repository: the servers it manages and the devices
//! fetched from each.
//!
//! [`Repository`] is the interface; [`FileRepository`] is the embedded default,
//! durable JSON files under the state root of the Management Server
//! (`/etc/opt/FJSVswstf/repository/`), written atomically under a lock like every
//! management list; [`pg::PgRepository`] keeps the same contents in a
//! PostgreSQL database. [`open`] gives the backend the Management Server's
//! `repository.ini` chooses ([`config`]).

pub mod config;
pub mod pg;

use acm_core::paths;
use acm_core::store::{LockedFile, StateFile, StoreError};
use serde::{Deserialize, Serialize};

/// A server registered with `stgxfwcmaddsrv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerRecord {
    /// The server name (case-sensitive; what `-h` names).
    pub name: String,
    /// The address of its communication daemon.
    pub ip: String,
    /// The port of its communication daemon.
    pub port: u16,
    /// Whether it is the Management Server itself.
    #[serde(default)]
    pub manager: bool,
}

/// A device fetched from a Managed Server with `stgxfwcmsetdev`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRecord {
    /// The AIX device name (`/dev/hdisk10`, `/dev/vg01`, `/dev/vx/dmp/hdisk3`).
    pub device: String,
    /// `disk`, `vg` or `vxvm`.
    pub kind: String,
    /// The 40-character box identifier, empty when the device is on no ETERNUS box.
    pub box_id: String,
    /// The LUN(s) on the box backing the device (one for a disk).
    pub luns: Vec<u32>,
    /// Size in bytes.
    pub size: u64,
    /// Mount point, if mounted.
    #[serde(default)]
    pub mount_point: Option<String>,
    /// File system type, if any.
    #[serde(default)]
    pub file_system: Option<String>,
    /// The member disks of a volume group.
    #[serde(default)]
    pub members: Vec<String>,
    /// For a disk, the volume group it belongs to.
    #[serde(default)]
    pub volume_group: Option<String>,
    /// The logical volumes of a volume group (what `stgxfwcmdisppat` shows).
    #[serde(default)]
    pub logical_volumes: Vec<LogicalVolumeRecord>,
}

/// A logical volume of a volume group, as fetched with the group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogicalVolumeRecord {
    /// Its device name (`/dev/lv01`).
    pub device: String,
    /// Where it is mounted now, if it is.
    #[serde(default)]
    pub mount_point: Option<String>,
}

/// What the repository holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contents {
    pub servers: Vec<ServerRecord>,
    /// Devices per server name.
    #[serde(default)]
    pub devices: std::collections::BTreeMap<String, Vec<DeviceRecord>>,
}

/// The repository interface.
///
/// `read` and `update` work on the whole document; the finer operations
/// below let a backend that keeps records (PostgreSQL) touch only what a
/// command needs, which is what keeps a command fast when the repository
/// holds 100,000 devices. Their default implementations go through `read`
/// and `update`, so a whole-document backend needs nothing more.
pub trait Repository {
    /// Everything, as last saved.
    fn read(&self) -> Result<Contents, StoreError>;
    /// Reads, changes and saves under the repository lock; `change` may refuse
    /// with its own error, in which case nothing is saved.
    fn update<E: From<StoreError>>(
        &self,
        holder: &str,
        change: impl FnOnce(&mut Contents) -> Result<(), E>,
    ) -> Result<Contents, E>;

    /// The registered servers, in registration order.
    fn servers(&self) -> Result<Vec<ServerRecord>, StoreError> {
        Ok(self.read()?.servers)
    }

    /// The server named exactly `name`.
    fn server(&self, name: &str) -> Result<Option<ServerRecord>, StoreError> {
        Ok(self.servers()?.into_iter().find(|s| s.name == name))
    }

    /// The devices held for `server`, in the order they were stored.
    fn devices(&self, server: &str) -> Result<Vec<DeviceRecord>, StoreError> {
        Ok(self.read()?.devices.remove(server).unwrap_or_default())
    }

    /// Changes the devices of one server under the repository lock: `change`
    /// sees the registered servers (to refuse an unknown one) and the
    /// server's devices; a refusal saves nothing, and a server left with no
    /// devices has no entry.
    fn update_devices<E: From<StoreError>>(
        &self,
        holder: &str,
        server: &str,
        change: impl FnOnce(&[ServerRecord], &mut Vec<DeviceRecord>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.update(holder, |c| {
            let mut held = c.devices.remove(server).unwrap_or_default();
            change(&c.servers, &mut held)?;
            if !held.is_empty() {
                c.devices.insert(server.to_string(), held);
            }
            Ok(())
        })
        .map(|_| ())
    }

    /// Adds `record` as the last registered server, under the repository
    /// lock, once `check` (which sees the registered servers) accepts it.
    /// No device is read.
    fn add_server<E: From<StoreError>>(
        &self,
        holder: &str,
        record: ServerRecord,
        check: impl FnOnce(&[ServerRecord]) -> Result<(), E>,
    ) -> Result<(), E> {
        self.update(holder, |c| {
            check(&c.servers)?;
            c.servers.push(record);
            Ok(())
        })
        .map(|_| ())
    }

    /// Changes the registered servers in place, under the repository lock,
    /// without reading any device: `change` edits the records (it neither
    /// adds nor removes one) and returns the renames it made, `(old, new)` in
    /// the order made, whose devices follow their server.
    fn update_servers<E: From<StoreError>>(
        &self,
        holder: &str,
        change: impl FnOnce(&mut Vec<ServerRecord>) -> Result<Vec<(String, String)>, E>,
    ) -> Result<(), E> {
        self.update(holder, |c| {
            for (old, new) in change(&mut c.servers)? {
                if old != new {
                    if let Some(devices) = c.devices.remove(&old) {
                        c.devices.insert(new, devices);
                    }
                }
            }
            Ok(())
        })
        .map(|_| ())
    }

    /// Removes the server `name` and its devices, under the repository lock,
    /// once `check` accepts it; `check` sees the registered servers and the
    /// number of devices held for `name` (counted, not read).
    fn remove_server<E: From<StoreError>>(
        &self,
        holder: &str,
        name: &str,
        check: impl FnOnce(&[ServerRecord], usize) -> Result<(), E>,
    ) -> Result<(), E> {
        self.update(holder, |c| {
            check(&c.servers, c.devices.get(name).map_or(0, Vec::len))?;
            c.servers.retain(|s| s.name != name);
            c.devices.remove(name);
            Ok(())
        })
        .map(|_| ())
    }
}

/// The backend the Management Server's configuration chooses.
#[derive(Debug)]
pub enum Backend {
    File(FileRepository),
    Postgres(Box<pg::PgRepository>),
}

/// The repository of this server's state root, of the backend its
/// `repository.ini` names (the file backend when there is none). A
/// configuration that cannot be used is an error, never a silent fallback
/// to the other backend.
pub fn open() -> Result<Backend, StoreError> {
    match config::load()? {
        config::Choice::File => Ok(Backend::File(FileRepository::open())),
        config::Choice::Postgres(c) => Ok(Backend::Postgres(Box::new(pg::PgRepository::new(*c)))),
    }
}

/// Every operation delegated to the chosen backend.
macro_rules! delegate {
    ($self:ident, $r:ident => $e:expr) => {
        match $self {
            Backend::File($r) => $e,
            Backend::Postgres($r) => $e,
        }
    };
}

impl Repository for Backend {
    fn read(&self) -> Result<Contents, StoreError> {
        delegate!(self, r => r.read())
    }
    fn update<E: From<StoreError>>(
        &self,
        holder: &str,
        change: impl FnOnce(&mut Contents) -> Result<(), E>,
    ) -> Result<Contents, E> {
        delegate!(self, r => r.update(holder, change))
    }
    fn servers(&self) -> Result<Vec<ServerRecord>, StoreError> {
        delegate!(self, r => r.servers())
    }
    fn server(&self, name: &str) -> Result<Option<ServerRecord>, StoreError> {
        delegate!(self, r => r.server(name))
    }
    fn devices(&self, server: &str) -> Result<Vec<DeviceRecord>, StoreError> {
        delegate!(self, r => r.devices(server))
    }
    fn update_devices<E: From<StoreError>>(
        &self,
        holder: &str,
        server: &str,
        change: impl FnOnce(&[ServerRecord], &mut Vec<DeviceRecord>) -> Result<(), E>,
    ) -> Result<(), E> {
        delegate!(self, r => r.update_devices(holder, server, change))
    }
    fn add_server<E: From<StoreError>>(
        &self,
        holder: &str,
        record: ServerRecord,
        check: impl FnOnce(&[ServerRecord]) -> Result<(), E>,
    ) -> Result<(), E> {
        delegate!(self, r => r.add_server(holder, record, check))
    }
    fn update_servers<E: From<StoreError>>(
        &self,
        holder: &str,
        change: impl FnOnce(&mut Vec<ServerRecord>) -> Result<Vec<(String, String)>, E>,
    ) -> Result<(), E> {
        delegate!(self, r => r.update_servers(holder, change))
    }
    fn remove_server<E: From<StoreError>>(
        &self,
        holder: &str,
        name: &str,
        check: impl FnOnce(&[ServerRecord], usize) -> Result<(), E>,
    ) -> Result<(), E> {
        delegate!(self, r => r.remove_server(holder, name, check))
    }
}

/// Directory of the embedded repository.
pub const DIR: &str = "/etc/opt/FJSVswstf/repository";
const FORMAT: &str = "acm-repository";
const VERSION: u32 = 1;

/// The embedded repository: one state file under the state root.
#[derive(Debug, Clone)]
pub struct FileRepository {
    doc: LockedFile,
}

impl FileRepository {
    /// The repository of this server's state root.
    pub fn open() -> FileRepository {
        Self::open_at(&paths::product(DIR))
    }

    /// A repository kept in `dir`.
    pub fn open_at(dir: &std::path::Path) -> FileRepository {
        FileRepository {
            doc: LockedFile::new(
                StateFile::new(dir.join("repository.json"), FORMAT, VERSION),
                dir.join("repository.lock"),
            ),
        }
    }

    /// Path of the repository file.
    pub fn path(&self) -> &std::path::Path {
        self.doc.path()
    }
}

impl Repository for FileRepository {
    fn read(&self) -> Result<Contents, StoreError> {
        self.doc.load_or_default()
    }

    fn update<E: From<StoreError>>(
        &self,
        holder: &str,
        change: impl FnOnce(&mut Contents) -> Result<(), E>,
    ) -> Result<Contents, E> {
        self.doc.update(
            holder,
            E::from,
            |c: &mut Contents| {
                change(c)?;
                Ok(c.clone())
            },
            |_| Ok(()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_saves_and_refusal_saves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let repo = FileRepository::open_at(dir.path());
        let sv = ServerRecord {
            name: "SV1".into(),
            ip: "127.0.0.1".into(),
            port: 1226,
            manager: false,
        };
        repo.update::<StoreError>("t", |c| {
            c.servers.push(sv.clone());
            Ok(())
        })
        .unwrap();
        assert_eq!(repo.server("SV1").unwrap(), Some(sv));
        assert_eq!(repo.server("sv1").unwrap(), None);
        let r: Result<_, StoreError> = repo.update("t", |c| {
            c.servers.clear();
            Err(StoreError::Busy {
                path: "x".into(),
                holder: "y".into(),
            })
        });
        assert!(r.is_err());
        assert_eq!(repo.read().unwrap().servers.len(), 1);
    }
}
