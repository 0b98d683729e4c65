//! The host's durable state: one record per disk, volume group and mount in
//! `host.redb` (see [`acm_core::records`]), changed under a lock.
//!
//! | kind | key | value |
//! |---|---|---|
//! | `disk` | `/dev/hdiskN` | [`Disk`] |
//! | `vg` | `/dev/vg01` | [`crate::VolumeGroup`] |
//! | `mount` | mount point | device |
//! | `ix.lun` | `box_id/olu` NUL device | empty |
//! | `ix.node` | `box_id/olu` | the disk's device node, for disks that have one |
//!
//! Attaching one more disk and resolving the few devices a command names read
//! only their records (plus the volume groups and mounts, which are few), so
//! they cost the same with 20 disks as with 20,000.

use crate::{Disk, Host, HostError};
use acm_core::paths;
use acm_core::records::{self, Document, Records};
use acm_core::store::StoreError;
use std::path::Path;

/// Format name of the host state file.
pub const HOST_FORMAT: &str = "acmsim-host";
/// Layout version of the host state file.
pub const HOST_VERSION: u32 = 2;
/// The state file in the host directory.
pub const HOST_FILE: &str = "host.redb";
/// The earlier layout (one JSON document, version 1), imported on first use.
pub const EARLIER_FILE: &str = "host.json";

const DISK: &str = "disk";
const VG: &str = "vg";
const MOUNT: &str = "mount";
const IX_LUN: &str = "ix.lun";
const IX_NODE: &str = "ix.node";

/// A LUN: its box's identifier and its OLU.
pub type Lun = (String, u32);

fn lun_key(box_id: &str, olu: u32) -> String {
    format!("{box_id}/{olu}")
}

impl Document for Host {
    fn to_records(&self, _prior: &Records) -> Records {
        let mut out = Records::new();
        let mut put = |kind: &str, key: String, value: Vec<u8>| {
            out.insert((kind.to_string(), key), value);
        };
        for (name, d) in &self.disks {
            put(DISK, name.clone(), records::encode(d));
            let lun = lun_key(&d.box_id, d.olu);
            put(IX_LUN, format!("{lun}\0{name}"), Vec::new());
            if let Some(node) = &d.node {
                put(IX_NODE, lun, node.clone().into_bytes());
            }
        }
        for (name, vg) in &self.volume_groups {
            put(VG, name.clone(), records::encode(vg));
        }
        for (point, device) in &self.mounts {
            put(MOUNT, point.clone(), records::encode(device));
        }
        out
    }

    fn from_records(recs: &Records) -> Result<Self, String> {
        fn kind<T: serde::de::DeserializeOwned>(
            recs: &Records,
            kind: &str,
        ) -> Result<std::collections::BTreeMap<String, T>, String> {
            records::of_kind(recs, kind)
                .map(|(k, v)| Ok((k.to_string(), records::decode(kind, k, v)?)))
                .collect()
        }
        Ok(Host {
            disks: kind(recs, DISK)?,
            volume_groups: kind(recs, VG)?,
            mounts: kind(recs, MOUNT)?,
        })
    }
}

/// Where the host's files are in its directory.
pub static LAYOUT: records::Layout = records::Layout {
    file: HOST_FILE,
    lock: "lock",
    format: HOST_FORMAT,
    version: HOST_VERSION,
    earlier_file: EARLIER_FILE,
};

/// Access to the simulated host's state file and its lock (`lock`): the
/// generic [`records::Store`], with the parts of the host each change
/// depends on.
#[derive(Debug, Clone)]
pub struct HostStore {
    store: records::Store<Host, HostError>,
}

impl HostStore {
    /// The host of this managed server, under [`paths::sim_host_dir`] (thus `ACM_ROOT`).
    pub fn open() -> HostStore {
        Self::open_at(paths::sim_host_dir())
    }

    /// A host kept in `dir`; nothing is created until the first change.
    pub fn open_at(dir: impl AsRef<Path>) -> HostStore {
        HostStore {
            store: records::Store::open_at(dir, &LAYOUT, holder, HostError::from),
        }
    }

    /// Path of the state file.
    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// The current host; empty when nothing was ever saved. Needs no lock:
    /// a reader sees the last committed change.
    pub fn load(&self) -> Result<Host, HostError> {
        let mut h: Host = self.store.load()?;
        adopt_kernel_mounts(&mut h);
        Ok(h)
    }

    /// The part of the host that resolving `devices` needs: those disks (a
    /// `/dev/vx/dmp/` name stands for its disk), every volume group with its
    /// disks, and the mounts. Resolving any of `devices` on it gives what it
    /// gives on the whole host.
    pub fn load_for(&self, devices: &[&str]) -> Result<Host, HostError> {
        let mut h: Host = self.store.load_part(|r| {
            let mut part = Records::new();
            r.pick_kind(&mut part, VG)?;
            r.pick_kind(&mut part, MOUNT)?;
            let vgs = Host::from_records(&part).map_err(|e| StoreError::Damaged {
                path: self.path().to_path_buf(),
                detail: e,
            })?;
            for d in devices {
                let disk = match d.strip_prefix(crate::VXVM_DMP_PREFIX) {
                    Some(name) => format!("/dev/{name}"),
                    None => d.to_string(),
                };
                r.pick(&mut part, DISK, &disk)?;
            }
            for vg in vgs.volume_groups.values() {
                for d in &vg.disks {
                    r.pick(&mut part, DISK, d)?;
                }
            }
            Ok(part)
        })?;
        adopt_kernel_mounts(&mut h);
        Ok(h)
    }

    /// The device node recorded for the disk on LUN `olu` of `box_id`, if any:
    /// disks with a node are few, so all of them are read at once.
    pub fn nodes(&self) -> Result<Vec<(Lun, String)>, HostError> {
        let rows = self.store.read(|r| r.kind(IX_NODE))?;
        Ok(rows
            .into_iter()
            .filter_map(|(lun, node)| {
                let (box_id, olu) = lun.rsplit_once('/')?;
                Some((
                    (box_id.to_string(), olu.parse().ok()?),
                    String::from_utf8(node).ok()?,
                ))
            })
            .collect())
    }

    /// Runs `f` on the current host under the lock and saves the result only if `f`
    /// succeeds, so a refused operation never writes.
    pub fn update<T>(
        &self,
        f: impl FnOnce(&mut Host) -> Result<T, HostError>,
    ) -> Result<T, HostError> {
        let f = |h: &mut Host| {
            adopt_kernel_mounts(h);
            f(h)
        };
        Ok(self.store.update(&holder(), f)?.0)
    }

    /// Attaches `device` to the LUN of `disk` (refused as [`Host::attach`]
    /// refuses), reading only the records that decision needs.
    pub fn attach(&self, device: &str, disk: Disk) -> Result<(), HostError> {
        let lun = lun_key(&disk.box_id, disk.olu);
        self.store
            .update_part(
                &holder(),
                |r| {
                    let mut part = Records::new();
                    r.pick(&mut part, DISK, device)?;
                    for (key, _) in r.prefix(IX_LUN, &format!("{lun}\0"))? {
                        if let Some((_, name)) = key.split_once('\0') {
                            r.pick(&mut part, DISK, name)?;
                        }
                    }
                    r.pick_kind(&mut part, VG)?;
                    r.pick_kind(&mut part, MOUNT)?;
                    Ok(part)
                },
                |h: &mut Host| {
                    adopt_kernel_mounts(h);
                    h.attach(device, disk)
                },
            )
            .map(|(out, _)| out)
    }
}

/// A block disk's mounts are the kernel's: what `/proc/self/mountinfo` says
/// of its loop device replaces what was recorded.
fn adopt_kernel_mounts(h: &mut Host) {
    // Read once, and only when the host has a block disk to ask about.
    let table = std::cell::OnceCell::new();
    h.adopt_kernel_mounts(|lo| {
        let Some(n) = acm_core::blockdev::device_number(lo) else {
            return Vec::new();
        };
        table
            .get_or_init(acm_core::blockdev::mounts)
            .iter()
            .filter(|m| m.number == n)
            .map(|m| m.mount_point.to_string_lossy().into_owned())
            .collect()
    });
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
