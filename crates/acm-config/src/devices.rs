//! Device information (manual 8.2.5, 8.2.6, 8.2.8, 8.2.9): what a Managed
//! Server reports of its devices, stored in the repository by
//! `stgxfwcmsetdev`, forgotten by `stgxfwcmdeldev`, shown by
//! `stgxfwcmdispdev` and, for the disks and logical volumes of a device, by
//! `stgxfwcmdisppat`.

use crate::{agent, completed, messages, repository, required};
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::msg::{Failure, Family};
use acm_core::report::{col, Cell, Column, Kind, Table};
use acm_core::table::table;
use acm_host::{DeviceKind, Host, HostStore, Resolved};
use acm_manager::forward;
use acm_manager::node;
use acm_manager::registry::{DeviceRecord, LogicalVolumeRecord, Repository};
use std::process::ExitCode;

const SETDEV: Spec = Spec {
    name: "stgxfwcmsetdev",
    family: Family::Config,
    flags: &[],
    valued: &["-n", "-d"],
    exclusive: &[],
    operands: (0, 0),
    usage: "/opt/FJSVswstf/bin/stgxfwcmsetdev [-n serverName] [-d deviceName]",
};

const DELDEV: Spec = Spec {
    name: "stgxfwcmdeldev",
    family: Family::Config,
    flags: &[],
    valued: &["-n", "-d"],
    exclusive: &[],
    operands: (0, 0),
    usage: "/opt/FJSVswstf/bin/stgxfwcmdeldev -n serverName -d deviceName",
};

const DISPDEV: Spec = Spec {
    name: "stgxfwcmdispdev",
    family: Family::Config,
    flags: &["-Xjson"],
    valued: &["-n", "-d"],
    exclusive: &[],
    operands: (0, 0),
    usage: "/opt/FJSVswstf/bin/stgxfwcmdispdev -n serverName [-d deviceName]",
};

const DISPPAT: Spec = Spec {
    name: "stgxfwcmdisppat",
    family: Family::Config,
    flags: &[],
    valued: &["-n", "-d"],
    exclusive: &[],
    operands: (0, 0),
    usage: "/opt/FJSVswstf/bin/stgxfwcmdisppat -n serverName -d deviceName",
};

/// Shown for an empty cell.
const NONE: &str = "----";

fn kind_word(kind: DeviceKind) -> &'static str {
    match kind {
        DeviceKind::Disk => "disk",
        DeviceKind::VolumeGroup => "vg",
        DeviceKind::VxvmDisk => "vxvm",
    }
}

fn record(host: &Host, r: &Resolved) -> DeviceRecord {
    let is_vg = r.kind == DeviceKind::VolumeGroup;
    let logical_volumes = host
        .volume_groups
        .get(&r.device)
        .filter(|_| is_vg)
        .map(|g| {
            g.lvs
                .keys()
                .map(|lv| LogicalVolumeRecord {
                    device: lv.clone(),
                    mount_point: host
                        .mounts
                        .iter()
                        .find(|(_, d)| *d == lv)
                        .map(|(mp, _)| mp.clone()),
                })
                .collect()
        })
        .unwrap_or_default();
    DeviceRecord {
        device: r.device.clone(),
        kind: kind_word(r.kind).to_string(),
        box_id: r
            .disks
            .first()
            .map(|d| d.box_id.clone())
            .unwrap_or_default(),
        luns: r.disks.iter().map(|d| d.olu).collect(),
        size: r.size,
        mount_point: r.mount_points.first().cloned(),
        file_system: None,
        members: if is_vg {
            r.disks.iter().map(|d| d.device.clone()).collect()
        } else {
            Vec::new()
        },
        volume_group: r.volume_group.clone(),
        logical_volumes,
    }
}

/// This server's devices as device discovery reports them (varied-off volume
/// groups are not detected).
pub fn inventory() -> Result<Vec<DeviceRecord>, Failure> {
    let store = HostStore::open();
    let host = store.load().map_err(|e| messages::io(store.path(), e))?;
    Ok(host
        .discoverable()
        .iter()
        .map(|r| record(&host, r))
        .collect())
}

/// `stgxfwcmsetdev [-n serverName] [-d deviceName]`: all devices of the server
/// replace what the repository held, or only the one named.
pub fn stgxfwcmsetdev(argv: Argv) -> ExitCode {
    forward::run_local(&SETDEV, argv, |args| {
        repository::require_manager(SETDEV.name)?;
        let local = node::local_name();
        let server = args.value("-n").unwrap_or(&local);
        repository::server(&repository::registered()?, server)?;
        let fetched: Vec<DeviceRecord> = agent::call_json(server, &["devices"])?;
        let chosen = match args.value("-d") {
            Some(name) => vec![fetched
                .into_iter()
                .find(|d| d.device == name)
                .ok_or_else(|| messages::unknown_device(server, name))?],
            None => fetched,
        };
        let only_one = args.has("-d");
        repository::update_devices(SETDEV.name, server, |servers, held| {
            repository::server(servers, server)?;
            if only_one {
                for d in chosen {
                    match held.iter_mut().find(|h| h.device == d.device) {
                        Some(h) => *h = d,
                        None => held.push(d),
                    }
                }
            } else {
                *held = chosen;
            }
            Ok(())
        })?;
        completed(&SETDEV);
        Ok(())
    })
}

/// `stgxfwcmdeldev -n serverName -d deviceName`.
pub fn stgxfwcmdeldev(argv: Argv) -> ExitCode {
    forward::run_local(&DELDEV, argv, |args| {
        let server = required(&DELDEV, args, "-n")?;
        let device = required(&DELDEV, args, "-d")?;
        repository::require_manager(DELDEV.name)?;
        repository::update_devices(DELDEV.name, server, |servers, held| {
            repository::server(servers, server)?;
            let before = held.len();
            held.retain(|d| d.device != device);
            if held.len() == before {
                return Err(messages::unknown_device(server, device));
            }
            Ok(())
        })?;
        completed(&DELDEV);
        Ok(())
    })
}

/// The stored devices of `server`: all, or the one named (`swstf1010` if absent).
fn stored(server: &str, device: Option<&str>) -> Result<Vec<DeviceRecord>, Failure> {
    let repo = repository::open()?;
    repository::server(&repo.servers().map_err(messages::store)?, server)?;
    let all = repo.devices(server).map_err(messages::store)?;
    match device {
        None => Ok(all),
        Some(name) => all
            .into_iter()
            .find(|d| d.device == name)
            .map(|d| vec![d])
            .ok_or_else(|| messages::unknown_device(server, name)),
    }
}

fn or_none(v: Option<&String>) -> String {
    v.cloned().unwrap_or_else(|| NONE.to_string())
}

/// The columns of `stgxfwcmdispdev`.
const DISPDEV_COLUMNS: &[Column] = &[
    col("Device", "device", Kind::Text),
    col("Type", "type", Kind::Text),
    col("Size", "size", Kind::Bytes),
    col("Box-ID", "box_id", Kind::Text),
    col("LUN", "lun", Kind::Text),
    col("VG", "vg", Kind::Text),
    col("Mount-Point", "mount_point", Kind::Text),
];

/// The `stgxfwcmdispdev` table.
pub fn device_table(devices: &[DeviceRecord]) -> Table {
    let mut rows = Table::new(DISPDEV_COLUMNS);
    for d in devices {
        let luns: Vec<String> = d.luns.iter().map(u32::to_string).collect();
        rows.push(vec![
            (&d.device).into(),
            (&d.kind).into(),
            Cell::bytes(d.size),
            if d.box_id.is_empty() {
                NONE.into()
            } else {
                (&d.box_id).into()
            },
            if luns.is_empty() {
                NONE.into()
            } else {
                luns.join(",").into()
            },
            or_none(d.volume_group.as_ref()).into(),
            or_none(d.mount_point.as_ref()).into(),
        ]);
    }
    rows
}

/// The `stgxfwcmdisppat` table: a volume group's disks and logical volumes; a
/// disk is its own only partition.
pub fn partition_table(d: &DeviceRecord) -> String {
    let mut rows = Vec::new();
    if d.kind == "vg" {
        for m in &d.members {
            rows.push(vec![
                d.device.clone(),
                m.clone(),
                "disk".into(),
                NONE.into(),
            ]);
        }
        for lv in &d.logical_volumes {
            rows.push(vec![
                d.device.clone(),
                lv.device.clone(),
                "lv".into(),
                or_none(lv.mount_point.as_ref()),
            ]);
        }
    } else {
        rows.push(vec![
            d.device.clone(),
            d.device.clone(),
            d.kind.clone(),
            or_none(d.mount_point.as_ref()),
        ]);
    }
    table(&["Device", "Partition", "Type", "Mount-Point"], &rows)
}

/// `stgxfwcmdispdev -n serverName [-d deviceName]`.
pub fn stgxfwcmdispdev(argv: Argv) -> ExitCode {
    forward::run_local(&DISPDEV, argv, |args| {
        let server = required(&DISPDEV, args, "-n")?;
        repository::require_manager(DISPDEV.name)?;
        device_table(&stored(server, args.value("-d"))?).print(args);
        Ok(())
    })
}

/// `stgxfwcmdisppat -n serverName -d deviceName`.
pub fn stgxfwcmdisppat(argv: Argv) -> ExitCode {
    forward::run_local(&DISPPAT, argv, |args| {
        let server = required(&DISPPAT, args, "-n")?;
        let device = required(&DISPPAT, args, "-d")?;
        repository::require_manager(DISPPAT.name)?;
        for d in stored(server, Some(device))? {
            print!("{}", partition_table(&d));
        }
        Ok(())
    })
}
