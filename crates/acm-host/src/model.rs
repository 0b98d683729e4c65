//! The host's configuration: attached disks, VxVM flags, volume groups with their
//! logical volumes, and mounted file systems, with the AIX rules that govern them.
//!
//! Every operation checks all of its refusals before changing anything, so a
//! refused operation leaves the [`Host`] exactly as it was.

use crate::HostError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where VxVM exposes its DMP nodes; `/dev/vx/dmp/hdiskN` names a VxVM-flagged `/dev/hdiskN`.
pub const VXVM_DMP_PREFIX: &str = "/dev/vx/dmp/";

/// The whole simulated host. Maps are ordered so that listings and the state file are stable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    /// Attached disks by device name (`/dev/hdiskN`).
    pub disks: BTreeMap<String, Disk>,
    /// Volume groups by device name (`/dev/vg01`).
    pub volume_groups: BTreeMap<String, VolumeGroup>,
    /// Mounted file systems: mount point → device (a logical volume or a whole `/dev/hdiskN`).
    pub mounts: BTreeMap<String, String>,
}

/// A disk attached to a LUN (OLU) of a simulated box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disk {
    pub box_name: String,
    /// The box's 40-character identifier; opaque to the host.
    pub box_id: String,
    pub olu: u32,
    /// Size in bytes.
    pub size: u64,
    /// Whether VxVM manages the disk (it is then also reachable as `/dev/vx/dmp/hdiskN`).
    pub vxvm: bool,
    /// The SCSI generic device node (`/dev/sgN`) of a LUN of a real array,
    /// reached with `SG_IO`; `None` for a LUN of a simulated box. It is what
    /// chooses the disk's transport ([`crate::scsi::transport_for`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The Linux block device (`/dev/loopN`) of a *block disk*: a loop device
    /// over the file the array service's block face serves for the LUN. A
    /// block disk's mounts are the kernel's, not records of ours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<String>,
}

/// An LVM volume group made of whole disks, concatenated in `disks` order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeGroup {
    pub disks: Vec<String>,
    /// Varied on (`varyonvg`); only then can its logical volumes be mounted.
    pub active: bool,
    /// Logical volumes by device name; AIX LV names are global, like VG names.
    pub lvs: BTreeMap<String, LogicalVolume>,
}

/// A logical volume; its data lives somewhere on its volume group's disks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogicalVolume {
    /// The configured mount point (the `/etc/filesystems` stanza), if any.
    pub mount_point: Option<String>,
}

/// What kind of operable device a name designates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceKind {
    Disk,
    VolumeGroup,
    VxvmDisk,
}

/// One LUN behind a resolved device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskRef {
    /// The disk's `/dev/hdiskN` name.
    pub device: String,
    pub box_name: String,
    pub box_id: String,
    pub olu: u32,
    pub size: u64,
    /// The device node of a real array's LUN (see [`Disk::node`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

/// A device name resolved to the LUNs behind it and its current use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    /// The name as asked (`/dev/hdisk3`, `/dev/vx/dmp/hdisk3`, `/dev/vg01`).
    pub device: String,
    pub kind: DeviceKind,
    /// The LUNs, in the order their bytes appear on the device.
    pub disks: Vec<DiskRef>,
    /// False only for a varied-off volume group.
    pub active: bool,
    /// Mount points currently mounted from this device or from logical volumes on it
    /// (for a disk in a volume group: those of the group, since they live on it).
    pub mount_points: Vec<String>,
    /// Sum of the disks' sizes in bytes.
    pub size: u64,
    /// For a disk, the volume group it belongs to.
    pub volume_group: Option<String>,
}

/// `hdisk` followed by decimal digits, nothing else.
fn is_hdisk(name: &str) -> bool {
    name.strip_prefix("hdisk")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Checks a `/dev/hdiskN` name.
fn check_disk_name(device: &str) -> Result<(), HostError> {
    match device.strip_prefix("/dev/") {
        Some(n) if is_hdisk(n) => Ok(()),
        _ => Err(HostError::InvalidName {
            name: device.to_string(),
            what: "disk device",
            rule: "it must be /dev/hdisk followed by digits",
        }),
    }
}

/// A volume group or logical volume name (`vg01` or `/dev/vg01`) as its `/dev/` device name.
fn lvm_device(name: &str, what: &'static str) -> Result<String, HostError> {
    let bare = name.strip_prefix("/dev/").unwrap_or(name);
    let rule = if bare.is_empty() || !bare.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        "use letters, digits and _ only"
    } else if is_hdisk(bare) {
        "hdiskN names are reserved for disks"
    } else if bare == "vx" {
        "/dev/vx is reserved for VxVM"
    } else {
        return Ok(format!("/dev/{bare}"));
    };
    Err(HostError::InvalidName {
        name: name.to_string(),
        what,
        rule,
    })
}

/// A mount point in canonical form: absolute, no empty, `.` or `..` components, not `/`
/// and not under `/dev` (so a target can always be told apart from a device).
fn mount_point(path: &str) -> Result<String, HostError> {
    let invalid = |rule| HostError::InvalidName {
        name: path.to_string(),
        what: "mount point",
        rule,
    };
    if !path.starts_with('/') {
        return Err(invalid("it must be an absolute path"));
    }
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    if parts.iter().any(|p| *p == "." || *p == "..") {
        return Err(invalid("it must not contain . or .."));
    }
    match parts.first() {
        None => Err(invalid("the root file system cannot be remounted")),
        Some(&"dev") => Err(invalid("it must not be under /dev")),
        Some(_) => Ok(format!("/{}", parts.join("/"))),
    }
}

/// Sort key putting `hdisk2` before `hdisk10`.
fn natural_key(device: &str) -> (String, u64) {
    let digits = device.len() - device.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (stem, num) = device.split_at(device.len() - digits);
    (stem.to_string(), num.parse().unwrap_or(0))
}

impl Host {
    /// Attaches `device` (`/dev/hdiskN`) to a LUN; refused if the name or the LUN is taken.
    pub fn attach(&mut self, device: &str, disk: Disk) -> Result<(), HostError> {
        check_disk_name(device)?;
        if self.disks.contains_key(device) {
            return Err(HostError::AlreadyAttached(device.to_string()));
        }
        if disk.size == 0 {
            return Err(HostError::invalid(device, "a disk cannot be empty"));
        }
        if let Some((other, _)) = self
            .disks
            .iter()
            .find(|(_, d)| d.box_id == disk.box_id && d.olu == disk.olu)
        {
            return Err(HostError::LunAttached {
                box_name: disk.box_name,
                box_id: disk.box_id,
                olu: disk.olu,
                device: other.clone(),
            });
        }
        self.disks.insert(device.to_string(), disk);
        Ok(())
    }

    /// Replaces what is recorded of block disks' mounts with what the kernel
    /// says: `mounts_of(loop device)` gives its mount points.
    pub fn adopt_kernel_mounts(&mut self, mounts_of: impl Fn(&str) -> Vec<String>) {
        let block: Vec<(String, String)> = self
            .disks
            .iter()
            .filter_map(|(dev, d)| d.block.clone().map(|b| (dev.clone(), b)))
            .collect();
        if block.is_empty() {
            return;
        }
        let alias = |dev: &str| format!("{VXVM_DMP_PREFIX}{}", dev.trim_start_matches("/dev/"));
        self.mounts
            .retain(|_, d| !block.iter().any(|(dev, _)| d == dev || *d == alias(dev)));
        for (dev, lo) in block {
            for mp in mounts_of(&lo) {
                self.mounts.entry(mp).or_insert_with(|| dev.clone());
            }
        }
    }

    /// The disk and Linux block device behind `target` (a disk, its VxVM
    /// name, or a mount point of one) when it is a block disk.
    pub fn block_disk(&self, target: &str) -> Option<(String, String)> {
        let device = if target.starts_with("/dev/") {
            let d = self.canonical(target);
            if let Some(name) = d.strip_prefix(VXVM_DMP_PREFIX) {
                format!("/dev/{name}")
            } else {
                d
            }
        } else {
            let mp = mount_point(target).ok()?;
            self.mounts.get(&mp)?.clone()
        };
        let b = self.disks.get(&device)?.block.clone()?;
        Some((device, b))
    }

    /// Checks that `target` could be mounted at `mount_point` (see
    /// [`Host::mount`]) without recording it; returns the device and the
    /// mount point. What a block disk's real mount is checked against first.
    pub fn check_mount(
        &self,
        target: &str,
        mount_point: Option<&str>,
    ) -> Result<(String, String), HostError> {
        let mut h = self.clone();
        let mp = h.mount(target, mount_point)?;
        let dev = h.mounts.get(&mp).cloned().unwrap_or_default();
        Ok((dev, mp))
    }

    /// Detaches a disk; refused while it is in a volume group or mounted.
    pub fn detach(&mut self, device: &str) -> Result<(), HostError> {
        self.disk(device)?;
        self.check_free(device)?;
        self.disks.remove(device);
        Ok(())
    }

    /// Flags or unflags a disk as VxVM-managed. LVM and VxVM do not share a disk, so
    /// flagging a volume group member is refused.
    pub fn set_vxvm(&mut self, device: &str, vxvm: bool) -> Result<(), HostError> {
        self.disk(device)?;
        if vxvm {
            if let Some(vg) = self.vg_of_disk(device) {
                return Err(HostError::InVolumeGroup {
                    disk: device.to_string(),
                    vg: vg.to_string(),
                });
            }
        }
        if let Some(d) = self.disks.get_mut(device) {
            d.vxvm = vxvm;
        }
        Ok(())
    }

    /// Creates an active volume group `name` (`vg01` or `/dev/vg01`) over `disks`, in order.
    /// Returns the group's device name.
    pub fn create_vg(&mut self, name: &str, disks: &[&str]) -> Result<String, HostError> {
        let vg = lvm_device(name, "volume group name")?;
        self.check_name_free(&vg)?;
        if disks.is_empty() {
            return Err(HostError::invalid(
                &vg,
                "a volume group needs at least one disk",
            ));
        }
        for (i, d) in disks.iter().enumerate() {
            if self.disk(d)?.block.is_some() {
                return Err(HostError::invalid(
                    d,
                    "is a block disk (a Linux block device holding its own file system) \
                     and cannot join a simulated volume group",
                ));
            }
            if self.disk(d)?.vxvm {
                return Err(HostError::invalid(
                    d,
                    "is a VxVM disk and cannot join a volume group",
                ));
            }
            if disks[..i].contains(d) {
                return Err(HostError::invalid(d, "is listed twice"));
            }
            self.check_free(d)?;
        }
        let group = VolumeGroup {
            disks: disks.iter().map(|d| d.to_string()).collect(),
            active: true,
            lvs: BTreeMap::new(),
        };
        self.volume_groups.insert(vg.clone(), group);
        Ok(vg)
    }

    /// Removes a volume group and its logical volumes; refused while any of them is mounted.
    pub fn remove_vg(&mut self, vg: &str) -> Result<(), HostError> {
        self.vg(vg)?;
        self.check_no_mounted_lvs(vg)?;
        self.volume_groups.remove(&Self::vg_key(vg));
        Ok(())
    }

    /// `varyonvg`: makes the group's logical volumes mountable. Idempotent, as on AIX.
    pub fn varyon(&mut self, vg: &str) -> Result<(), HostError> {
        self.vg_mut(vg)?.active = true;
        Ok(())
    }

    /// `varyoffvg`: refused while a logical volume of the group is mounted.
    pub fn varyoff(&mut self, vg: &str) -> Result<(), HostError> {
        self.vg(vg)?;
        self.check_no_mounted_lvs(vg)?;
        self.vg_mut(vg)?.active = false;
        Ok(())
    }

    /// Adds logical volume `name` to `vg`, optionally with a configured mount point
    /// (unique across the host, like an `/etc/filesystems` stanza). Returns its device name.
    pub fn add_lv(
        &mut self,
        vg: &str,
        name: &str,
        mount_point: Option<&str>,
    ) -> Result<String, HostError> {
        self.vg(vg)?;
        let lv = lvm_device(name, "logical volume name")?;
        self.check_name_free(&lv)?;
        let mount_point = mount_point.map(self::mount_point).transpose()?;
        if let Some(mp) = &mount_point {
            if let Some((other, _)) = self.lv_configured_at(mp) {
                return Err(HostError::MountPointInUse {
                    mount_point: mp.clone(),
                    device: other,
                });
            }
        }
        let group = self.vg_mut(vg)?;
        group.lvs.insert(lv.clone(), LogicalVolume { mount_point });
        Ok(lv)
    }

    /// Removes a logical volume; refused while it is mounted.
    pub fn remove_lv(&mut self, lv: &str) -> Result<(), HostError> {
        let vg = self
            .vg_of_lv(lv)
            .ok_or_else(|| HostError::NoSuchDevice(lv.to_string()))?
            .to_string();
        if let Some(mp) = self.mounts_of(lv).into_iter().next() {
            return Err(HostError::Mounted {
                device: lv.to_string(),
                mount_point: mp,
            });
        }
        self.vg_mut(&vg)?.lvs.remove(lv);
        Ok(())
    }

    /// Mounts a file system.
    ///
    /// With `mount_point`, `target` is the device: a logical volume of an active group,
    /// or a whole disk (`/dev/hdiskN` or its `/dev/vx/dmp/` name) in no volume group.
    /// Without it, `target` is either a logical volume, mounted on its configured mount
    /// point, or a configured mount point, mounted from its logical volume — the two
    /// forms of AIX `mount` that read `/etc/filesystems`. Returns the mount point.
    pub fn mount(&mut self, target: &str, mount_point: Option<&str>) -> Result<String, HostError> {
        let (device, mp) = match mount_point {
            Some(mp) => (self.mountable(target)?, self::mount_point(mp)?),
            None if target.starts_with("/dev/") => {
                let device = self.mountable(target)?;
                let mp = self
                    .lv(&device)
                    .and_then(|(_, _, l)| l.mount_point.clone())
                    .ok_or_else(|| HostError::NoMountPoint(device.clone()))?;
                (device, mp)
            }
            None => {
                let mp = self::mount_point(target)?;
                let (lv, _) = self.lv_configured_at(&mp).ok_or_else(|| {
                    HostError::invalid(&mp, "no logical volume is configured to be mounted here")
                })?;
                (self.mountable(&lv)?, mp)
            }
        };
        if let Some(on) = self.mounts_of(&device).into_iter().next() {
            return Err(HostError::Mounted {
                device,
                mount_point: on,
            });
        }
        if let Some(other) = self.mounts.get(&mp) {
            return Err(HostError::MountPointInUse {
                mount_point: mp,
                device: other.clone(),
            });
        }
        self.mounts.insert(mp.clone(), device);
        Ok(mp)
    }

    /// Unmounts by mount point or by device (`/dev/...`).
    pub fn umount(&mut self, target: &str) -> Result<(), HostError> {
        if target.starts_with("/dev/") {
            let device = self.canonical(target);
            let points = self.mounts_of(&device);
            if points.is_empty() {
                return Err(HostError::NotMounted(target.to_string()));
            }
            for mp in points {
                self.mounts.remove(&mp);
            }
        } else {
            let mp = mount_point(target)?;
            self.mounts.remove(&mp).ok_or(HostError::NotMounted(mp))?;
        }
        Ok(())
    }

    /// Resolves an operable device — a disk, a VxVM disk or a volume group — to the
    /// LUNs behind it. Logical volumes are refused: copies work on whole groups.
    pub fn resolve(&self, device: &str) -> Result<Resolved, HostError> {
        if let Some(name) = device.strip_prefix(VXVM_DMP_PREFIX) {
            let disk = format!("/dev/{name}");
            if !is_hdisk(name) {
                return Err(HostError::NoSuchDevice(device.to_string()));
            }
            if !self
                .disk(&disk)
                .map_err(|_| HostError::NotAttached(device.to_string()))?
                .vxvm
            {
                return Err(HostError::NotVxvm(disk));
            }
            return Ok(self.resolve_disk(device, DeviceKind::VxvmDisk, &disk));
        }
        if device.strip_prefix("/dev/").is_some_and(is_hdisk) {
            self.disk(device)?;
            return Ok(self.resolve_disk(device, DeviceKind::Disk, device));
        }
        if let Some(group) = self.volume_groups.get(device) {
            let disks: Vec<DiskRef> = group.disks.iter().map(|d| self.disk_ref(d)).collect();
            return Ok(Resolved {
                device: device.to_string(),
                kind: DeviceKind::VolumeGroup,
                size: disks.iter().map(|d| d.size).sum(),
                disks,
                active: group.active,
                mount_points: self.vg_mounts(device),
                volume_group: None,
            });
        }
        if let Some(vg) = self.vg_of_lv(device) {
            return Err(HostError::invalid(
                device,
                format!("is a logical volume of {vg}; operate on the volume group"),
            ));
        }
        Err(HostError::NoSuchDevice(device.to_string()))
    }

    /// Every operable device: each disk (under its `/dev/vx/dmp/` name when VxVM manages
    /// it, so one LUN is listed once), then each volume group, varied off or not.
    /// Disks in a volume group are included; see [`Resolved::volume_group`].
    pub fn devices(&self) -> Vec<Resolved> {
        let mut disks: Vec<(&String, &Disk)> = self.disks.iter().collect();
        disks.sort_by_key(|(name, _)| natural_key(name));
        let disks = disks.into_iter().map(|(name, d)| {
            if d.vxvm {
                let dmp = format!(
                    "{VXVM_DMP_PREFIX}{}",
                    name.strip_prefix("/dev/").unwrap_or(name)
                );
                self.resolve_disk(&dmp, DeviceKind::VxvmDisk, name)
            } else {
                self.resolve_disk(name, DeviceKind::Disk, name)
            }
        });
        let vgs = self
            .volume_groups
            .keys()
            .filter_map(|vg| self.resolve(vg).ok());
        disks.chain(vgs).collect()
    }

    /// The devices that device discovery reports: [`Host::devices`] without varied-off
    /// volume groups, because the manual says inactive VGs are not detected.
    pub fn discoverable(&self) -> Vec<Resolved> {
        self.devices().into_iter().filter(|r| r.active).collect()
    }

    fn resolve_disk(&self, device: &str, kind: DeviceKind, disk: &str) -> Resolved {
        let r = self.disk_ref(disk);
        let volume_group = self.vg_of_disk(disk).map(str::to_string);
        let mut mount_points = self.mounts_of(disk);
        if let Some(vg) = &volume_group {
            mount_points.extend(self.vg_mounts(vg));
        }
        Resolved {
            device: device.to_string(),
            kind,
            size: r.size,
            disks: vec![r],
            active: true,
            mount_points,
            volume_group,
        }
    }

    /// Callers pass only names of attached disks (checked, or taken from a group).
    fn disk_ref(&self, disk: &str) -> DiskRef {
        let d = self.disks.get(disk);
        DiskRef {
            device: disk.to_string(),
            box_name: d.map(|d| d.box_name.clone()).unwrap_or_default(),
            box_id: d.map(|d| d.box_id.clone()).unwrap_or_default(),
            olu: d.map_or(0, |d| d.olu),
            size: d.map_or(0, |d| d.size),
            node: d.and_then(|d| d.node.clone()),
        }
    }

    fn disk(&self, device: &str) -> Result<&Disk, HostError> {
        check_disk_name(device)?;
        self.disks
            .get(device)
            .ok_or_else(|| HostError::NotAttached(device.to_string()))
    }

    /// A volume group's key: `vg01` and `/dev/vg01` name the same group.
    fn vg_key(vg: &str) -> String {
        if vg.starts_with('/') {
            vg.to_string()
        } else {
            format!("/dev/{vg}")
        }
    }

    fn vg(&self, vg: &str) -> Result<&VolumeGroup, HostError> {
        self.volume_groups
            .get(&Self::vg_key(vg))
            .ok_or_else(|| HostError::NoSuchDevice(vg.to_string()))
    }

    fn vg_mut(&mut self, vg: &str) -> Result<&mut VolumeGroup, HostError> {
        self.volume_groups
            .get_mut(&Self::vg_key(vg))
            .ok_or_else(|| HostError::NoSuchDevice(vg.to_string()))
    }

    fn vg_of_disk(&self, disk: &str) -> Option<&str> {
        self.volume_groups
            .iter()
            .find(|(_, g)| g.disks.iter().any(|d| d == disk))
            .map(|(name, _)| name.as_str())
    }

    fn vg_of_lv(&self, lv: &str) -> Option<&str> {
        self.lv(lv).map(|(vg, _, _)| vg)
    }

    /// A logical volume with its group's name and the group.
    fn lv(&self, lv: &str) -> Option<(&str, &VolumeGroup, &LogicalVolume)> {
        self.volume_groups
            .iter()
            .find_map(|(vg, g)| g.lvs.get(lv).map(|l| (vg.as_str(), g, l)))
    }

    /// The logical volume whose configured mount point is `mp`.
    fn lv_configured_at(&self, mp: &str) -> Option<(String, String)> {
        self.volume_groups.iter().find_map(|(vg, g)| {
            g.lvs
                .iter()
                .find(|(_, l)| l.mount_point.as_deref() == Some(mp))
                .map(|(lv, _)| (lv.clone(), vg.clone()))
        })
    }

    fn mounts_of(&self, device: &str) -> Vec<String> {
        self.mounts
            .iter()
            .filter(|(_, d)| *d == device)
            .map(|(mp, _)| mp.clone())
            .collect()
    }

    fn vg_mounts(&self, vg: &str) -> Vec<String> {
        let lvs = self.volume_groups.get(&Self::vg_key(vg)).map(|g| &g.lvs);
        self.mounts
            .iter()
            .filter(|(_, d)| lvs.is_some_and(|l| l.contains_key(*d)))
            .map(|(mp, _)| mp.clone())
            .collect()
    }

    /// `/dev/vx/dmp/hdiskN` of a VxVM disk → `/dev/hdiskN`; anything else unchanged.
    fn canonical(&self, device: &str) -> String {
        match device.strip_prefix(VXVM_DMP_PREFIX) {
            Some(name)
                if self
                    .disks
                    .get(&format!("/dev/{name}"))
                    .is_some_and(|d| d.vxvm) =>
            {
                format!("/dev/{name}")
            }
            _ => device.to_string(),
        }
    }

    /// The device a mount would use: a logical volume of an active group or a free disk.
    fn mountable(&self, target: &str) -> Result<String, HostError> {
        let device = self.canonical(target);
        if device.starts_with(VXVM_DMP_PREFIX) {
            return self.resolve(&device).map(|_| device);
        }
        if device.strip_prefix("/dev/").is_some_and(is_hdisk) {
            self.disk(&device)?;
            if let Some(vg) = self.vg_of_disk(&device) {
                return Err(HostError::InVolumeGroup {
                    disk: device,
                    vg: vg.to_string(),
                });
            }
            return Ok(device);
        }
        if let Some((vg, group, _)) = self.lv(&device) {
            if !group.active {
                return Err(HostError::Inactive(vg.to_string()));
            }
            return Ok(device);
        }
        if self.volume_groups.contains_key(&device) {
            return Err(HostError::invalid(
                &device,
                "is a volume group; mount one of its logical volumes",
            ));
        }
        Err(HostError::NoSuchDevice(target.to_string()))
    }

    /// A disk that is neither in a volume group nor mounted, as joining a group or
    /// detaching requires.
    fn check_free(&self, disk: &str) -> Result<(), HostError> {
        if let Some(vg) = self.vg_of_disk(disk) {
            return Err(HostError::InVolumeGroup {
                disk: disk.to_string(),
                vg: vg.to_string(),
            });
        }
        match self.mounts_of(disk).into_iter().next() {
            Some(mp) => Err(HostError::Mounted {
                device: disk.to_string(),
                mount_point: mp,
            }),
            None => Ok(()),
        }
    }

    fn check_no_mounted_lvs(&self, vg: &str) -> Result<(), HostError> {
        let mounted = self.vg_mounts(vg);
        if mounted.is_empty() {
            Ok(())
        } else {
            Err(HostError::MountedLvs {
                device: vg.to_string(),
                mount_points: mounted.join(", "),
            })
        }
    }

    /// VG and LV names share `/dev/`, so each must be free among both.
    fn check_name_free(&self, device: &str) -> Result<(), HostError> {
        if self.volume_groups.contains_key(device) || self.vg_of_lv(device).is_some() {
            Err(HostError::NameInUse(device.to_string()))
        } else {
            Ok(())
        }
    }
}
