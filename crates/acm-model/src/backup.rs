//! The backup management list of this Managed Server: whether `swstsvrset` was
//! run, the registered transaction and backup volumes with their box information,
//! the backup policies, and the backup history.
//!
//! Kept as records ([`acm_core::records`]: one per device, policy, history,
//! synchronous processing and restore, with an index of devices by LUN) in
//! `swstlist.redb` in the product's data directory, `/etc/opt/FJSVswsts/data`
//! (or `/etc/opt/FJSVswsts/<SWSTGNODE>/data` for a logical node), relocated
//! under `ACM_ROOT`. Every change is a read-modify-write under the lock
//! `swstlist.lock`, written in one transaction and only when the change
//! succeeds, so a refused command never writes and a crash leaves the old list
//! or the new one. Registering a device reads only the records its refusals
//! depend on ([`ListStore::update_device`]).

pub use crate::extent::{BoxInfo, MAX_SIZE};
use crate::messages::backup as messages;
use acm_core::msg::Failure;
use acm_core::paths;
use acm_core::records::{self, Document, Records};
use acm_core::store::StoreError;
use acm_host::DeviceKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Format name of the list file.
pub const LIST_FORMAT: &str = "acm-backup-list";
/// Layout version of the list file.
pub const LIST_VERSION: u32 = 2;
/// Name of the list file in the data directory.
pub const LIST_FILE: &str = "swstlist.redb";
/// The earlier layout (one JSON document, version 1), imported on first use.
pub const EARLIER_FILE: &str = "swstlist.json";
/// Name of the list's lock file in the data directory.
pub const LIST_LOCK: &str = "swstlist.lock";

/// The product's data directory for backup management, honouring `SWSTGNODE`
/// and `ACM_ROOT`.
pub fn data_dir() -> PathBuf {
    paths::data_dir(acm_core::program::Package::Backup)
}

/// A registered volume's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Transaction,
    Backup,
}

impl Role {
    /// The word used in messages (`transaction`, `backup`).
    pub fn word(self) -> &'static str {
        match self {
            Role::Transaction => "transaction",
            Role::Backup => "backup",
        }
    }
}

/// A session that keeps a backup volume in use after its history is deleted
/// (`swstbackup -suspend` / `-T`; set by the operation commands).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Hold {
    /// An EC session in suspend state, from the given transaction volume.
    Suspend { transaction: String },
    /// A QuickOPC session in tracking state, from the given transaction volume.
    Tracking { transaction: String },
}

/// A registered transaction or backup volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub role: Role,
    pub kind: DeviceKind,
    pub box_info: BoxInfo,
    /// Size in bytes at registration.
    pub size: u64,
    /// For a backup volume: a session holding it without history.
    #[serde(default)]
    pub hold: Option<Hold>,
}

/// A transaction volume's backup policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub interval_days: u32,
    pub save_number: u32,
}

/// How a backup generation was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BackupKind {
    /// OPC snapshot.
    Opc,
    /// QuickOPC (differential snapshot, `-T`).
    QuickOpc,
    /// EC (synchronized backup).
    Ec,
}

/// One backup history generation of a transaction volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generation {
    /// Absolute version, increasing per transaction volume.
    pub version: u64,
    /// `yyyy/mm/dd hh:mm`.
    pub date: String,
    pub backup_volume: String,
    pub kind: BackupKind,
}

/// The whole backup management list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupList {
    /// Set by `swstsvrset`.
    #[serde(default)]
    pub configured: bool,
    /// Registered volumes by device name.
    #[serde(default)]
    pub devices: BTreeMap<String, Device>,
    /// Policies by transaction volume.
    #[serde(default)]
    pub policies: BTreeMap<String, Policy>,
    /// History by transaction volume, oldest first.
    #[serde(default)]
    pub history: BTreeMap<String, Vec<Generation>>,
    /// Next absolute version per transaction volume.
    #[serde(default)]
    pub next_version: BTreeMap<String, u64>,
    /// Backup synchronous processing (EC) started by `swststartsync`: transaction
    /// volume to the backup volumes it is being copied to. The array holds the state.
    #[serde(default)]
    pub syncs: BTreeMap<String, Vec<String>>,
    /// Restores in progress (`swstrestore`), by restore destination device.
    #[serde(default)]
    pub restores: BTreeMap<String, Restore>,
}

/// A restore started by `swstrestore`: OPC from `backup_volume` (generation
/// `version` of `transaction`) onto the destination device the map is keyed by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restore {
    pub transaction: String,
    pub version: u64,
    pub backup_volume: String,
}

impl BackupList {
    /// Names of the volumes registered with `role`, in natural device order.
    pub fn names(&self, role: Role) -> Vec<String> {
        let mut v: Vec<String> = self
            .devices
            .iter()
            .filter(|(_, d)| d.role == role)
            .map(|(n, _)| n.clone())
            .collect();
        v.sort_by_key(|n| natural_key(n));
        v
    }

    /// Refuses (`swst1002`) until `swstsvrset` has been run.
    pub fn check_configured(&self) -> Result<(), Failure> {
        if self.configured {
            Ok(())
        } else {
            Err(messages::not_configured())
        }
    }

    /// Refuses (`swst1201`) a device that is not a registered transaction volume.
    pub fn check_transaction(&self, device: &str) -> Result<(), Failure> {
        if self.role(device) == Some(Role::Transaction) {
            Ok(())
        } else {
            Err(messages::not_transaction(device))
        }
    }

    /// Box information of a registered volume (`swst1109` when unregistered).
    pub fn box_info_of(&self, device: &str) -> Result<BoxInfo, Failure> {
        self.devices
            .get(device)
            .map(|d| d.box_info.clone())
            .ok_or_else(|| messages::not_registered(device))
    }

    pub fn role(&self, device: &str) -> Option<Role> {
        self.devices.get(device).map(|d| d.role)
    }

    /// History generations of a transaction volume.
    pub fn history_of(&self, transaction: &str) -> &[Generation] {
        self.history
            .get(transaction)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Whether a backup volume holds a generation of some transaction volume, is
    /// held by a suspended or tracking session, or is the target of synchronous
    /// processing.
    pub fn backup_in_use(&self, backup: &str) -> bool {
        self.devices.get(backup).is_some_and(|d| d.hold.is_some())
            || self.syncs.values().flatten().any(|b| b == backup)
            || self
                .history
                .values()
                .flatten()
                .any(|g| g.backup_volume == backup)
    }

    /// Backup volumes Table 3.2 (snapshot) requires: the generations of every policy.
    pub fn backup_volumes_needed(&self) -> u64 {
        self.policies.values().map(|p| p.save_number as u64).sum()
    }
}

/// Sort key putting `hdisk2` before `hdisk10`.
pub fn natural_key(device: &str) -> (String, u64) {
    let digits = device.len() - device.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (stem, num) = device.split_at(device.len() - digits);
    (stem.to_string(), num.parse().unwrap_or(0))
}

// Record kinds of the list.
const META: &str = "meta";
const CONFIGURED: &str = "configured";
const DEVICE: &str = "device";
const POLICY: &str = "policy";
const HISTORY: &str = "history";
const NEXT_VERSION: &str = "next_version";
const SYNC: &str = "sync";
const RESTORE: &str = "restore";
const IX_LUN: &str = "ix.lun";

fn lun_key(b: &BoxInfo) -> String {
    format!("{}/{}", b.box_id, b.olu)
}

/// Adds every device on the LUN of `b` (found through the LUN index) to `part`.
fn pick_on_lun(
    r: &acm_core::records::Reader<'_>,
    part: &mut Records,
    b: &BoxInfo,
) -> Result<(), acm_core::store::StoreError> {
    for (key, _) in r.prefix(IX_LUN, &format!("{}\0", lun_key(b)))? {
        if let Some((_, name)) = key.split_once('\0') {
            r.pick(part, DEVICE, name)?;
        }
    }
    Ok(())
}

impl Document for BackupList {
    fn to_records(&self, _prior: &Records) -> Records {
        let mut out = Records::new();
        fn kind<T: Serialize>(out: &mut Records, kind: &str, map: &BTreeMap<String, T>) {
            for (k, v) in map {
                out.insert((kind.to_string(), k.clone()), records::encode(v));
            }
        }
        if self.configured {
            out.insert((META.into(), CONFIGURED.into()), records::encode(&true));
        }
        kind(&mut out, DEVICE, &self.devices);
        for (name, d) in &self.devices {
            let key = format!("{}\0{name}", lun_key(&d.box_info));
            out.insert((IX_LUN.into(), key), Vec::new());
        }
        kind(&mut out, POLICY, &self.policies);
        kind(&mut out, HISTORY, &self.history);
        kind(&mut out, NEXT_VERSION, &self.next_version);
        kind(&mut out, SYNC, &self.syncs);
        kind(&mut out, RESTORE, &self.restores);
        out
    }

    fn from_records(recs: &Records) -> Result<Self, String> {
        fn kind<T: serde::de::DeserializeOwned>(
            recs: &Records,
            kind: &str,
        ) -> Result<BTreeMap<String, T>, String> {
            records::of_kind(recs, kind)
                .map(|(k, v)| Ok((k.to_string(), records::decode(kind, k, v)?)))
                .collect()
        }
        let configured = match recs.get(&(META.to_string(), CONFIGURED.to_string())) {
            Some(v) => records::decode(META, CONFIGURED, v)?,
            None => false,
        };
        Ok(BackupList {
            configured,
            devices: kind(recs, DEVICE)?,
            policies: kind(recs, POLICY)?,
            history: kind(recs, HISTORY)?,
            next_version: kind(recs, NEXT_VERSION)?,
            syncs: kind(recs, SYNC)?,
            restores: kind(recs, RESTORE)?,
        })
    }
}

/// Where the list's files are in the data directory.
pub static LAYOUT: records::Layout = records::Layout {
    file: LIST_FILE,
    lock: LIST_LOCK,
    format: LIST_FORMAT,
    version: LIST_VERSION,
    earlier_file: EARLIER_FILE,
};

/// Access to the list file and its lock: the generic [`records::Store`],
/// with the parts of the list each change depends on.
#[derive(Debug, Clone)]
pub struct ListStore {
    store: records::Store<BackupList, Failure>,
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
        ListStore {
            store: records::Store::open_at(
                dir,
                &LAYOUT,
                || "swst (import)".to_string(),
                messages::list_error,
            ),
        }
    }

    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// The current list (empty when never saved).
    pub fn load(&self) -> Result<BackupList, Failure> {
        self.store.load()
    }

    /// A list saved elsewhere (by `swstresback`), read without changing it.
    pub fn load_saved(path: &Path) -> Result<BackupList, StoreError> {
        LAYOUT
            .file_at(path.to_path_buf(), path.with_extension("lock"))
            .load()
    }

    /// The part of the list about `devices` and the extents `extents` touch:
    /// those devices and every device on the same LUNs (nothing else).
    pub fn load_devices(
        &self,
        devices: &[&str],
        extents: &[&BoxInfo],
    ) -> Result<BackupList, Failure> {
        self.store.load_part(|r| {
            let mut part = Records::new();
            r.pick(&mut part, META, CONFIGURED)?;
            for d in devices {
                r.pick(&mut part, DEVICE, d)?;
            }
            for b in extents {
                pick_on_lun(r, &mut part, b)?;
            }
            Ok(part)
        })
    }

    /// Runs `f` on the current list under the lock, saving only when `f` succeeds.
    pub fn update<T>(
        &self,
        holder: &str,
        f: impl FnOnce(&mut BackupList) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        Ok(self.store.update(holder, f)?.0)
    }

    /// As [`ListStore::update`], on the part of the list that registering or
    /// deregistering `device` (on extent `extent`) depends on: whether the
    /// server is set up, the device with its policy and history, and every
    /// device on the same LUN; when the device is registered already, also
    /// every history and synchronous processing (whether a backup volume is
    /// in use). `f` must need no more.
    pub fn update_device<T>(
        &self,
        holder: &str,
        device: &str,
        extent: Option<&BoxInfo>,
        f: impl FnOnce(&mut BackupList) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let gather = |r: &records::Reader<'_>| {
            let mut part = Records::new();
            r.pick(&mut part, META, CONFIGURED)?;
            for kind in [DEVICE, POLICY, HISTORY, NEXT_VERSION, SYNC] {
                r.pick(&mut part, kind, device)?;
            }
            if let Some(b) = extent {
                pick_on_lun(r, &mut part, b)?;
            }
            if r.get(DEVICE, device)?.is_some() {
                r.pick_kind(&mut part, HISTORY)?;
                r.pick_kind(&mut part, SYNC)?;
            }
            Ok(part)
        };
        Ok(self.store.update_part(holder, gather, f)?.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bi(olu: u32, start: u64, blocks: u64) -> BoxInfo {
        BoxInfo {
            box_id: "B".into(),
            olu,
            start_lba: start,
            blocks,
        }
    }

    #[test]
    fn overlap_needs_the_same_lun_and_shared_blocks() {
        assert!(bi(1, 0, 10).overlaps(&bi(1, 9, 5)));
        assert!(!bi(1, 0, 10).overlaps(&bi(1, 10, 5)));
        assert!(!bi(1, 0, 10).overlaps(&bi(2, 0, 10)));
    }

    #[test]
    fn refused_update_never_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = ListStore::open_at(dir.path());
        store
            .update("t", |l| {
                l.configured = true;
                Ok(())
            })
            .unwrap();
        let before = store.load().unwrap();
        let r: Result<(), _> = store.update("t", |l| {
            l.configured = false;
            Err(messages::not_configured())
        });
        assert!(r.is_err());
        assert_eq!(store.load().unwrap(), before);
        assert!(store.load().unwrap().configured);
    }

    #[test]
    fn natural_order() {
        let mut v = vec!["/dev/hdisk10", "/dev/hdisk2", "/dev/vg01"];
        v.sort_by_key(|n| natural_key(n));
        assert_eq!(v, ["/dev/hdisk2", "/dev/hdisk10", "/dev/vg01"]);
    }
}
