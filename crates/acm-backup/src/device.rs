//! Devices as backup management sees them: an operand resolved through the
//! simulated host to its box information, and the rules for registering it as a
//! transaction or backup volume (manual 8.1.1.3 NOTES).

use crate::list::{BackupList, BoxInfo, Device, Role};
use crate::messages;
use acm_core::msg::Failure;
use acm_host::{DeviceKind, Host, HostError, HostStore};

use crate::list::MAX_SIZE;
use acm_scsi::model::BLOCK;

/// An operable device: a disk, a VxVM disk or a one-disk volume group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    pub name: String,
    pub kind: DeviceKind,
    pub box_id: String,
    pub olu: u32,
    pub start_lba: u64,
    pub blocks: u64,
    /// Size in bytes.
    pub size: u64,
    /// False for a varied-off volume group.
    pub active: bool,
    /// Mount points mounted from the device (for a volume group, from its logical volumes).
    pub mounted: Vec<String>,
}

impl Volume {
    pub fn box_info(&self) -> BoxInfo {
        BoxInfo {
            box_id: self.box_id.clone(),
            olu: self.olu,
            start_lba: self.start_lba,
            blocks: self.blocks,
        }
    }
}

/// The host of this Managed Server.
pub fn load_host() -> Result<Host, Failure> {
    HostStore::open().load().map_err(messages::host_error)
}

/// The part of the host that resolving `devices` needs (see
/// [`HostStore::load_for`]).
pub fn load_host_for(devices: &[&str]) -> Result<Host, Failure> {
    HostStore::open()
        .load_for(devices)
        .map_err(messages::host_error)
}

/// Resolves `name` on `host`. Refused when it does not exist or is not attached
/// (`swst1101`), and for a volume group of more than one physical disk (`swst1102`).
pub fn resolve(host: &Host, name: &str) -> Result<Volume, Failure> {
    let r = host.resolve(name).map_err(|e| match e {
        HostError::Store(s) => messages::host_error(s),
        other => messages::no_device(name, other),
    })?;
    if r.kind == DeviceKind::VolumeGroup && r.disks.len() != 1 {
        return Err(messages::multi_disk_vg(name, r.disks.len()));
    }
    let disk = &r.disks[0];
    Ok(Volume {
        name: name.to_string(),
        kind: r.kind,
        box_id: disk.box_id.clone(),
        olu: disk.olu,
        start_lba: 0,
        blocks: r.size / BLOCK,
        size: r.size,
        active: r.active,
        mounted: r.mount_points,
    })
}

/// Checks that `vol` may be registered with `role` in `list`. Checks every refusal
/// of `swstdevinfoset -t` / `-b` that can arise before changing anything.
pub fn check_register(list: &BackupList, vol: &Volume, role: Role) -> Result<(), Failure> {
    if !vol.active {
        return Err(messages::inactive_vg(&vol.name));
    }
    if vol.size >= MAX_SIZE {
        return Err(messages::too_large(&vol.name));
    }
    match list.devices.get(&vol.name) {
        Some(d) if d.role == role => {
            return Err(messages::already_registered(&vol.name, role.word()))
        }
        // Backup → transaction: its history must be gone.
        Some(d) if d.role == Role::Backup && list.backup_in_use(&vol.name) => {
            return Err(messages::backup_in_use(&vol.name))
        }
        // Transaction → backup: its policy (and so its history) must be gone.
        Some(d) if d.role == Role::Transaction && list.policies.contains_key(&vol.name) => {
            return Err(messages::has_policy(&vol.name))
        }
        Some(d) if d.role == Role::Transaction && !list.history_of(&vol.name).is_empty() => {
            return Err(messages::has_history(&vol.name))
        }
        _ => {}
    }
    let info = vol.box_info();
    let others = || list.devices.iter().filter(|(n, _)| **n != vol.name);
    if let Some((other, _)) = others().find(|(_, d)| d.role == role && d.box_info == info) {
        return Err(messages::same_box_info(&vol.name, other, role.word()));
    }
    if let Some((other, d)) = others().find(|(_, d)| d.box_info.overlaps(&info)) {
        return Err(messages::overlap(&vol.name, other, d.role.word()));
    }
    // The manual: "For a volume group the logical volumes are not checked for mounting".
    if role == Role::Backup && vol.kind != DeviceKind::VolumeGroup && !vol.mounted.is_empty() {
        return Err(messages::mounted(&vol.name, &vol.mounted));
    }
    Ok(())
}

/// Registers `vol` with `role` after [`check_register`].
pub fn register(list: &mut BackupList, vol: &Volume, role: Role) -> Result<(), Failure> {
    check_register(list, vol, role)?;
    list.devices.insert(
        vol.name.clone(),
        Device {
            role,
            kind: vol.kind,
            box_info: vol.box_info(),
            size: vol.size,
            hold: None,
        },
    );
    Ok(())
}

/// Deregisters `name` (`swstdevinfoset -o`): a backup volume must not be in use,
/// a transaction volume must have no policy.
pub fn deregister(list: &mut BackupList, name: &str) -> Result<(), Failure> {
    match list.role(name) {
        None => Err(messages::not_registered(name)),
        Some(Role::Backup) if list.backup_in_use(name) => Err(messages::backup_in_use(name)),
        Some(Role::Transaction) if list.policies.contains_key(name) => {
            Err(messages::has_policy(name))
        }
        Some(Role::Transaction) if !list.history_of(name).is_empty() => {
            Err(messages::has_history(name))
        }
        Some(_) => {
            list.devices.remove(name);
            list.history.remove(name);
            list.next_version.remove(name);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::{BackupKind, Generation, Policy};

    fn vol(name: &str, olu: u32, kind: DeviceKind) -> Volume {
        Volume {
            name: name.into(),
            kind,
            box_id: "BOX".into(),
            olu,
            start_lba: 0,
            blocks: 2048,
            size: 2048 * 512,
            active: true,
            mounted: vec![],
        }
    }

    #[test]
    fn registration_rules() {
        let mut l = BackupList::default();
        let td = vol("/dev/vg01", 0, DeviceKind::VolumeGroup);
        register(&mut l, &td, Role::Transaction).unwrap();
        let id = |r: Result<(), Failure>| r.unwrap_err().message.id;
        assert_eq!(id(register(&mut l, &td, Role::Transaction)), "swst1110");
        // The disk under vg01 has the same box information.
        let disk = vol("/dev/hdisk1", 0, DeviceKind::Disk);
        assert_eq!(id(register(&mut l, &disk, Role::Transaction)), "swst1104");
        assert_eq!(id(register(&mut l, &disk, Role::Backup)), "swst1105");
        let mut bd = vol("/dev/hdisk2", 1, DeviceKind::Disk);
        bd.mounted = vec!["/mnt/x".into()];
        assert_eq!(id(register(&mut l, &bd, Role::Backup)), "swst1106");
        bd.mounted.clear();
        register(&mut l, &bd, Role::Backup).unwrap();
        l.policies.insert(
            "/dev/vg01".into(),
            Policy {
                interval_days: 30,
                save_number: 1,
            },
        );
        assert_eq!(id(register(&mut l, &td, Role::Backup)), "swst1108");
        assert_eq!(id(deregister(&mut l, "/dev/vg01")), "swst1108");
        l.history.insert(
            "/dev/vg01".into(),
            vec![Generation {
                version: 1,
                date: "2000/11/12 22:00".into(),
                backup_volume: "/dev/hdisk2".into(),
                kind: BackupKind::Opc,
            }],
        );
        assert_eq!(id(register(&mut l, &bd, Role::Transaction)), "swst1107");
        assert_eq!(id(deregister(&mut l, "/dev/hdisk2")), "swst1107");
        assert_eq!(id(deregister(&mut l, "/dev/hdisk9")), "swst1109");
        let mut off = vol("/dev/vg09", 5, DeviceKind::VolumeGroup);
        off.active = false;
        assert_eq!(id(register(&mut l, &off, Role::Transaction)), "swst1103");
    }
}
