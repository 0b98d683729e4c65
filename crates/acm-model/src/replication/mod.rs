//! The replication management list of this Managed Server: the volume pairs set
//! by `swsrpsetvol`, in the order they were set, each with its copy direction,
//! operation server, size-check choice and optional group.
//!
//! Kept as records (one per pair, with index records by volume, extent and
//! group; the layout is [`layout`]) in `swsrplist.redb` in
//! `/etc/opt/FJSVswsrp/data` (or `/etc/opt/FJSVswsrp/<SWSTGNODE>/data`),
//! relocated under `ACM_ROOT`. Every change is a read-modify-write under the
//! lock `swsrplist.lock`, written in one transaction and only when the change
//! succeeds, so a refused command never writes and a crash leaves the old list
//! or the new one. Registering a pair reads only the pairs its refusals depend
//! on ([`ListStore::add`]), so it costs the same at 10 pairs as at 10,000.
pub mod layout;
pub mod repository;

use crate::extent::BoxInfo;
use crate::messages::replication as messages;
use acm_core::msg::Failure;
use acm_core::paths;
use acm_core::records::{self, Delta, Document, Records};
use acm_host::DeviceKind;
use layout::{IX_BOX, IX_GROUP, IX_VOLUME, META, NEXT_SEQ, PAIR};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub use layout::{FILE as LIST_FILE, FORMAT as LIST_FORMAT, LOCK as LIST_LOCK};

/// The product's data directory for replication management, honouring
/// `SWSTGNODE` and `ACM_ROOT`.
pub fn data_dir() -> PathBuf {
    paths::data_dir(acm_core::program::Package::Replication)
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

/// How one pair is stored: its place in the order of setting, and the pair.
#[derive(Serialize, Deserialize)]
struct Stored<P> {
    seq: u64,
    pair: P,
}

impl Pair {
    /// The key of this pair's record.
    pub fn key(&self) -> String {
        layout::pair_key(&self.original.qualified(), &self.replica.qualified())
    }
}

fn next_seq(prior: &Records) -> u64 {
    prior
        .get(&(META.to_string(), NEXT_SEQ.to_string()))
        .and_then(|v| serde_json::from_slice(v).ok())
        .unwrap_or(0)
}

fn seq_of(prior: &Records, key: &str) -> Option<u64> {
    #[derive(Deserialize)]
    struct Seq {
        seq: u64,
    }
    let v = prior.get(&(PAIR.to_string(), key.to_string()))?;
    serde_json::from_slice::<Seq>(v).ok().map(|s| s.seq)
}

impl Document for ReplicationList {
    fn to_records(&self, prior: &Records) -> Records {
        let mut out = Records::new();
        let mut next = next_seq(prior);
        let mut last: Option<u64> = None;
        for p in &self.pairs {
            let key = p.key();
            // A pair keeps its place; one new, or now out of order, goes last.
            let seq = match seq_of(prior, &key) {
                Some(s) if last.is_none_or(|l| s > l) => s,
                _ => next,
            };
            next = next.max(seq + 1);
            last = Some(seq);
            let mut index = |kind: &str, value: String| {
                out.insert(
                    (kind.to_string(), layout::index_key(&value, &key)),
                    Vec::new(),
                );
            };
            for v in [&p.original, &p.replica] {
                index(IX_VOLUME, v.qualified());
                index(IX_BOX, layout::box_key(&v.box_info));
            }
            if let Some(g) = &p.group {
                index(IX_GROUP, g.clone());
            }
            out.insert(
                (PAIR.to_string(), key),
                records::encode(&Stored { seq, pair: p }),
            );
        }
        out.insert(
            (META.to_string(), NEXT_SEQ.to_string()),
            records::encode(&next),
        );
        out
    }

    fn from_records(recs: &Records) -> Result<Self, String> {
        let mut pairs: Vec<Stored<Pair>> = records::of_kind(recs, PAIR)
            .map(|(k, v)| records::decode(PAIR, k, v))
            .collect::<Result<_, _>>()?;
        pairs.sort_by_key(|s| s.seq);
        Ok(ReplicationList {
            pairs: pairs.into_iter().map(|s| s.pair).collect(),
        })
    }
}

/// The replication management list on disk: the generic
/// [`records::Store`], with the parts of the list each change depends on
/// and the repository copy that follows it.
#[derive(Debug, Clone)]
pub struct ListStore {
    store: records::Store<ReplicationList, Failure>,
    /// The repository's copy ([`crate::repository`]), following every change.
    repository: repository::Copy,
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
            store: records::Store::open_at(
                dir,
                &layout::LAYOUT,
                || "swsrp (import)".to_string(),
                messages::list_error,
            ),
            repository: repository::Copy::in_data_dir(dir),
        }
    }

    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// Imports a list of the earlier layout (one JSON document) once; the
    /// repository copy of the earlier layout is replaced by one of the list.
    /// Called before every access, so that the store's own import finds
    /// nothing left to do.
    fn import_earlier(&self) -> Result<(), Failure> {
        if let Some(list) = self.store.import_earlier()? {
            self.repository.replace(&list)?;
            let earlier_copy = self
                .store
                .dir()
                .join(repository::REPOSITORY_DIR)
                .join(repository::EARLIER_COPY_FILE);
            let _ = std::fs::remove_file(earlier_copy);
        }
        Ok(())
    }

    /// Replaces the whole list without reading it (it may be damaged), under
    /// the lock: what `swsrprecoverres -r` writes.
    pub fn replace(&self, holder: &str, list: &ReplicationList) -> Result<(), Failure> {
        self.store.replace(holder, list)
    }

    /// The current list (empty when never saved): its pair records, not its
    /// index records.
    pub fn load(&self) -> Result<ReplicationList, Failure> {
        self.import_earlier()?;
        let mut pairs: Vec<Stored<Pair>> = self.store.read(|r| r.decode_kind(PAIR))?;
        pairs.sort_by_key(|s| s.seq);
        Ok(ReplicationList {
            pairs: pairs.into_iter().map(|s| s.pair).collect(),
        })
    }

    /// The pairs that have one of `volumes` (`device@server`) as original or
    /// replica, or belong to `group`, in list order: what an operation command
    /// that names them needs, read without the rest of the list.
    pub fn load_about(
        &self,
        volumes: &[String],
        group: Option<&str>,
    ) -> Result<ReplicationList, Failure> {
        self.import_earlier()?;
        self.store.load_part(|r| {
            let mut part = Records::new();
            for v in volumes {
                layout::gather(r, &mut part, IX_VOLUME, v)?;
            }
            if let Some(g) = group {
                layout::gather(r, &mut part, IX_GROUP, g)?;
            }
            Ok(part)
        })
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
        self.import_earlier()?;
        let (out, delta) = self.store.update(holder, f)?;
        self.follow(&delta)?;
        Ok(out)
    }

    /// Runs `f` on the part of the list a new pair between `original` and
    /// `replica` (in `group`) depends on: every pair that shares a volume, an
    /// extent or the group with it. What `f` appends is added after every
    /// pair of the list; the pairs not gathered are neither read nor written.
    pub fn add<T>(
        &self,
        holder: &str,
        original: &Volume,
        replica: &Volume,
        group: Option<&str>,
        f: impl FnOnce(&mut ReplicationList) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        self.import_earlier()?;
        let (out, delta) = self.store.update_part(
            holder,
            |r| {
                let mut part = Records::new();
                for v in [original, replica] {
                    layout::gather(r, &mut part, IX_VOLUME, &v.qualified())?;
                    layout::gather(r, &mut part, IX_BOX, &layout::box_key(&v.box_info))?;
                }
                if let Some(g) = group {
                    layout::gather(r, &mut part, IX_GROUP, g)?;
                }
                r.pick(&mut part, META, NEXT_SEQ)?;
                Ok(part)
            },
            f,
        )?;
        self.follow(&delta)?;
        Ok(out)
    }

    /// Brings the repository copy to the list after a change.
    /// The copy takes the change when it holds the one before; a copy that
    /// missed one (the list was written, then the command was killed) is made
    /// again from the list, so it never drifts.
    fn follow(&self, delta: &Delta) -> Result<(), Failure> {
        let Some(revision) = records::revision_of(delta) else {
            return Ok(());
        };
        if self.repository.revision()? + 1 == revision {
            return self.repository.apply(delta);
        }
        let list = self.load()?;
        self.repository.replace_at(&list, revision)
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
        let before = store.load().unwrap();
        let r: Result<(), _> = store.update("t", |l| {
            l.pairs.clear();
            Err(messages::no_group("g"))
        });
        assert!(r.is_err());
        assert_eq!(store.load().unwrap(), before);
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
