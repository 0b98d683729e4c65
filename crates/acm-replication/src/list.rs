//! The replication management list of this Managed Server: the volume pairs set
//! by `swsrpsetvol`, in the order they were set, each with its copy direction,
//! operation server, size-check choice and optional group.
//!
//! One versioned JSON document (`swsrplist.json`) in `/etc/opt/FJSVswsrp/data`
//! (or `/etc/opt/FJSVswsrp/<SWSTGNODE>/data`), relocated under `ACM_ROOT`. Every
//! change is a read-modify-write under the lock `swsrplist.lock`, saved
//! atomically and only when the change succeeds, so a refused command never writes.

use crate::messages;
use acm_backup::list::BoxInfo;
use acm_core::msg::Failure;
use acm_core::paths;
use acm_core::store::{LockedFile, StateFile};
use acm_host::DeviceKind;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Format name of the list file.
pub const LIST_FORMAT: &str = "acm-replication-list";
/// Layout version of the list file.
pub const LIST_VERSION: u32 = 1;
/// Name of the list file in the data directory.
pub const LIST_FILE: &str = "swsrplist.json";
/// Name of the list's lock file in the data directory.
pub const LIST_LOCK: &str = "swsrplist.lock";

/// The product's data directory for replication management, honouring
/// `SWSTGNODE` and `ACM_ROOT`.
pub fn data_dir() -> PathBuf {
    paths::data_dir("FJSVswsrp")
}

/// One volume of a pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volume {
    /// Device name (`/dev/vg01`, `/dev/hdisk10`).
    pub device: String,
    /// The Managed Server it belongs to.
    pub server: String,
    pub kind: DeviceKind,
    pub box_info: BoxInfo,
    /// Size in bytes at registration.
    pub size: u64,
}

impl Volume {
    /// `device@server`, as every output prints it.
    pub fn qualified(&self) -> String {
        format!("{}@{}", self.device, self.server)
    }

    /// Whether an operand (`device` or `device@server`, already split) names this volume.
    pub fn is(&self, device: &str, server: &str) -> bool {
        self.device == device && self.server == server
    }
}

/// Copy direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// Both ways (the default).
    Bi,
    /// Original to replica only (`-u`).
    Uni,
}

impl Direction {
    /// The `Copy` column of `swsrpvolinfo`.
    pub fn word(self) -> &'static str {
        match self {
            Direction::Bi => "bi-direction",
            Direction::Uni => "uni-direction",
        }
    }
}

/// The operation server (`-o`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpServer {
    Original,
    Replica,
    Both,
}

impl OpServer {
    /// Parses the `-o` value (`ORG`, `REP`, `BOTH`, as the manual spells them).
    pub fn parse(text: &str) -> Option<OpServer> {
        match text {
            "ORG" => Some(OpServer::Original),
            "REP" => Some(OpServer::Replica),
            "BOTH" => Some(OpServer::Both),
            _ => None,
        }
    }

    /// The `Op-Server` column of `swsrpvolinfo`.
    pub fn word(self) -> &'static str {
        match self {
            OpServer::Original => "original",
            OpServer::Replica => "replica",
            OpServer::Both => "both",
        }
    }
}

/// A pair set by `swsrpsetvol`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pair {
    pub original: Volume,
    pub replica: Volume,
    pub direction: Direction,
    pub op_server: OpServer,
    /// `-n`: sizes were not checked; a copy covers the smaller size.
    pub no_size_check: bool,
    pub group: Option<String>,
}

impl Pair {
    /// Bytes a copy covers: the smaller of the two sizes.
    pub fn copy_size(&self) -> u64 {
        self.original.size.min(self.replica.size)
    }
}

/// The whole replication management list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationList {
    /// Pairs in the order they were set.
    #[serde(default)]
    pub pairs: Vec<Pair>,
}

impl ReplicationList {
    /// The pair with this original and replica, in this order.
    pub fn find(&self, original: &Volume, replica: &Volume) -> Option<usize> {
        self.pairs.iter().position(|p| {
            p.original.is(&original.device, &original.server)
                && p.replica.is(&replica.device, &replica.server)
        })
    }

    /// The pairs of `group`.
    pub fn group(&self, group: &str) -> Vec<&Pair> {
        self.pairs
            .iter()
            .filter(|p| p.group.as_deref() == Some(group))
            .collect()
    }
}

/// The replication management list on disk.
#[derive(Debug, Clone)]
pub struct ListStore {
    doc: LockedFile,
    /// The repository's copy ([`crate::repository`]), refreshed after every change.
    repository: PathBuf,
}

impl Default for ListStore {
    fn default() -> Self {
        ListStore::open()
    }
}

impl ListStore {
    /// The list of this Managed Server (see [`data_dir`]).
    pub fn open() -> ListStore {
        Self::open_at(data_dir())
    }

    /// A list kept in `dir`.
    pub fn open_at(dir: impl AsRef<Path>) -> ListStore {
        let dir = dir.as_ref();
        ListStore {
            doc: LockedFile::new(
                StateFile::new(dir.join(LIST_FILE), LIST_FORMAT, LIST_VERSION),
                dir.join(LIST_LOCK),
            ),
            repository: dir.join(crate::repository::REPOSITORY_DIR).join(LIST_FILE),
        }
    }

    pub fn path(&self) -> &Path {
        self.doc.path()
    }

    /// The current list (empty when never saved).
    pub fn load(&self) -> Result<ReplicationList, Failure> {
        self.doc.load_or_default().map_err(messages::list_error)
    }

    /// Runs `f` on the current list under the lock, saving only when `f`
    /// succeeds and changed something; the repository copy follows (a crash
    /// between the two leaves the repository one change behind, which
    /// `swsrprecoverres -r` then brings back).
    pub fn update<T>(
        &self,
        holder: &str,
        f: impl FnOnce(&mut ReplicationList) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        self.doc.update(holder, messages::list_error, f, |list| {
            crate::repository::save_at(&self.repository, list)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_update_never_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = ListStore::open_at(dir.path());
        assert!(store.load().unwrap().pairs.is_empty());
        let v = |d: &str| Volume {
            device: d.into(),
            server: "s".into(),
            kind: DeviceKind::Disk,
            box_info: BoxInfo {
                box_id: "B".into(),
                olu: 0,
                start_lba: 0,
                blocks: 8,
            },
            size: 4096,
        };
        store
            .update("t", |l| {
                l.pairs.push(Pair {
                    original: v("/dev/hdisk1"),
                    replica: v("/dev/hdisk2"),
                    direction: Direction::Bi,
                    op_server: OpServer::Both,
                    no_size_check: false,
                    group: None,
                });
                Ok(())
            })
            .unwrap();
        let before = std::fs::read(store.path()).unwrap();
        let r: Result<(), _> = store.update("t", |l| {
            l.pairs.clear();
            Err(messages::no_group("g"))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read(store.path()).unwrap(), before);
        let l = store.load().unwrap();
        assert_eq!(l.find(&v("/dev/hdisk1"), &v("/dev/hdisk2")), Some(0));
        assert_eq!(l.find(&v("/dev/hdisk2"), &v("/dev/hdisk1")), None);
    }

    #[test]
    fn op_server_words() {
        assert_eq!(OpServer::parse("ORG"), Some(OpServer::Original));
        assert_eq!(OpServer::parse("org"), None);
        assert_eq!(OpServer::parse("BOTH").unwrap().word(), "both");
        assert_eq!(Direction::Uni.word(), "uni-direction");
    }
}
