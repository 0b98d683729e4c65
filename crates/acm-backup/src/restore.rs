//! Restore from the backup history: `swstrestore`, `swstcancelrest`,
//! `swstreststat` (manual 8.1.2.3-8.1.2.5).
//!
//! A restore is an OPC from the backup volume of one history generation onto the
//! transaction volume (or, with `-r`, onto another device of the same size that is
//! not a transaction volume). The array makes the logical copy at once, so the
//! destination reads as the transaction volume did when the backup was taken as
//! soon as the command returns; the physical copy runs on in the box.
//!
//! The list records each restore by its destination device
//! (`BackupList::restores`); the array holds its state. A record stays after the
//! physical copy ends (`swstreststat` shows `succeeded`, as in the manual's
//! example) until `swstcancelrest` removes it or the next `swstrestore` to the
//! same destination replaces it.
//!
//! Scripts: `OpcRestore.pre` / `OpcRestore.post` run around the copy with the
//! transaction volume and an empty reserve argument, only when restoring to the
//! transaction volume itself (the manual does the LVM steps by hand for `-r`).

use crate::copy::{self, Pair};
use crate::device;
use crate::exclusion;
use crate::list::{BackupList, BoxInfo, Generation, Hold, ListStore, Restore, Role};
use crate::messages;
use crate::scripts;
use crate::server;
use acm_core::cli::Argv;
use acm_core::cli::{Args, Spec};
use acm_core::msg::{Failure, Family};
use acm_core::report::{col, Column, Kind, Table};
use acm_manager::forward;
use acm_scsi::model::{CopyKind, Phase, Status};
use std::process::ExitCode;

pub const SWSTRESTORE: Spec = Spec {
    name: "swstrestore",
    family: Family::Backup,
    flags: &[],
    valued: &["-h", "-g", "-v", "-r"],
    exclusive: &[&["-g", "-v"]],
    operands: (1, 1),
    usage: "/opt/FJSVswsts/bin/swstrestore [-h serverName] [-g generationNo | -v versionNo] [-r restoreDeviceName] deviceName",
};

pub const SWSTCANCELREST: Spec = Spec {
    name: "swstcancelrest",
    family: Family::Backup,
    flags: &["-emergency"],
    valued: &["-h", "-g", "-v", "-r"],
    exclusive: &[&["-g", "-v"]],
    operands: (1, 1),
    usage: "/opt/FJSVswsts/bin/swstcancelrest [-h serverName] [-g generationNo | -v versionNo] [-r restoreDeviceName] [-emergency] deviceName",
};

pub const SWSTRESTSTAT: Spec = Spec {
    name: "swstreststat",
    family: Family::Backup,
    flags: &["-Xjson"],
    valued: &["-h", "-g", "-v"],
    exclusive: &[&["-g", "-v"]],
    operands: (0, 1),
    usage: "/opt/FJSVswsts/bin/swstreststat [-h serverName] [-g generationNo | -v versionNo] [deviceName]",
};

/// The `swstreststat` header (manual 8.1.2.5).
/// The columns of `swstreststat`.
pub const RESTSTAT: &[Column] = &[
    col("Server", "server", Kind::Text),
    col("Transaction-Disk", "transaction_disk", Kind::Text),
    col("Generation", "generation", Kind::Int),
    col("Version", "version", Kind::Int),
    col("Backup-Disk", "backup_disk", Kind::Text),
    col("Restore-Device", "restore_device", Kind::Text),
    col("Status", "status", Kind::Text),
    col("Execute", "execute", Kind::Percent),
];

const NONE: &str = "----";

/// Which history generation the options select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    /// Neither `-g` nor `-v`: the newest generation.
    Latest,
    /// `-g N`: relative generation (1 = newest).
    Relative(u64),
    /// `-v N`: absolute version.
    Version(u64),
}

impl Select {
    /// From `-g` / `-v`; a value that is not a number of 1 or more is refused.
    pub fn from_args(args: &Args) -> Result<Select, Failure> {
        let num = |opt: &str, v: &str| match v.parse::<u64>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(messages::restore_bad_number(opt, v)),
        };
        if let Some(v) = args.value("-g") {
            Ok(Select::Relative(num("-g", v)?))
        } else if let Some(v) = args.value("-v") {
            Ok(Select::Version(num("-v", v)?))
        } else {
            Ok(Select::Latest)
        }
    }
}

/// The list's restores, as the array reports them.
pub trait ListRestore {
    /// The generation of `transaction` chosen by `select`, with its relative
    /// generation number; refused when there is no history or no such generation.
    fn restore_pick_generation(
        &self,
        transaction: &str,
        select: Select,
    ) -> Result<(u64, &Generation), Failure>;

    /// The relative generation number of version `version` of `transaction`.
    fn restore_relative_generation(&self, transaction: &str, version: u64) -> Option<u64>;

    /// The restore records of `transaction`, by destination in natural order.
    fn restore_records_of(&self, transaction: &str) -> Vec<(String, Restore)>;
}

impl ListRestore for BackupList {
    /// The generation of `transaction` chosen by `select`, with its relative
    /// generation number; refused when there is no history or no such generation.
    fn restore_pick_generation(
        &self,
        transaction: &str,
        select: Select,
    ) -> Result<(u64, &Generation), Failure> {
        let history = self.history_of(transaction);
        if history.is_empty() {
            return Err(messages::restore_no_history(transaction));
        }
        let len = history.len() as u64;
        let found = match select {
            Select::Latest => Some((1, &history[history.len() - 1])),
            Select::Relative(g) if g <= len => Some((g, &history[(len - g) as usize])),
            Select::Relative(_) => None,
            Select::Version(v) => history
                .iter()
                .position(|h| h.version == v)
                .map(|i| (len - i as u64, &history[i])),
        };
        found.ok_or_else(|| match select {
            Select::Version(v) => messages::restore_no_generation(transaction, "version", v),
            Select::Relative(g) => messages::restore_no_generation(transaction, "generation", g),
            Select::Latest => messages::restore_no_history(transaction),
        })
    }

    /// The relative generation number of version `version` of `transaction`.
    fn restore_relative_generation(&self, transaction: &str, version: u64) -> Option<u64> {
        let history = self.history_of(transaction);
        history
            .iter()
            .position(|h| h.version == version)
            .map(|i| (history.len() - i) as u64)
    }

    /// The restore records of `transaction`, by destination in natural order.
    fn restore_records_of(&self, transaction: &str) -> Vec<(String, Restore)> {
        let mut v: Vec<(String, Restore)> = self
            .restores
            .iter()
            .filter(|(_, r)| r.transaction == transaction)
            .map(|(d, r)| (d.clone(), r.clone()))
            .collect();
        v.sort_by_key(|(d, _)| crate::list::natural_key(d));
        v
    }
}

/// The box information of a restore destination: from the list for a registered
/// volume, else resolved through the host.
fn destination_box(list: &BackupList, dest: &str) -> Result<BoxInfo, Failure> {
    match list.devices.get(dest) {
        Some(d) => Ok(d.box_info.clone()),
        None => {
            let host = device::load_host()?;
            Ok(device::resolve(&host, dest)?.box_info())
        }
    }
}

/// The copy-status word of a session (`executing`, `failed`, `halt`, ...).
fn status_word(s: &acm_scsi::model::SessionInfo) -> &'static str {
    match s.status {
        Status::ErrorSuspend(_) => "failed",
        Status::Halt(_) => "halt",
        Status::Suspended => "suspend",
        Status::Active => match s.phase {
            Phase::Copying | Phase::TrackingCopying | Phase::Readying => "executing",
            Phase::Tracking => "tracking",
            Phase::Equivalent => "equivalent",
            Phase::CopyOnWrite => "executing",
        },
    }
}

/// Checks that the backup of `gen` is complete on the array: no session from
/// the transaction volume to its backup volume, or a QuickOPC session that only
/// tracks. An EC session means synchronous processing (`swst0639`). The manual's
/// exception: restoring onto the transaction volume itself (`to_self`) from a
/// backup whose OPC is still copying is allowed, since the pair is the same (the
/// array completes the backup's copy-before-write first).
fn check_backup_complete(
    list: &BackupList,
    transaction: &str,
    td_box: &BoxInfo,
    gen: &Generation,
    to_self: bool,
) -> Result<(), Failure> {
    let bd_box = list.box_info_of(&gen.backup_volume)?;
    match copy::pair(td_box, &bd_box)? {
        Pair::None => Ok(()),
        Pair::Unobtainable => Err(messages::restore_backup_unusable(
            transaction,
            &gen.backup_volume,
            gen.version,
            "?????",
        )),
        Pair::Session(s) => {
            if matches!(s.kind, CopyKind::Ec | CopyKind::Rec) {
                return Err(messages::sync_copy_running(transaction));
            }
            match (s.status, s.phase) {
                // Manual 5.5.3: "While tracking processing is performed between the
                // transaction volume and backup volume, restoration to other
                // volumes cannot be performed" (stop it with swstcanceltrk first).
                (Status::Active, Phase::Tracking) if to_self => Ok(()),
                (Status::Active, Phase::Tracking) => Err(messages::restore_other_while_tracking(
                    transaction,
                    &gen.backup_volume,
                    gen.version,
                )),
                (Status::Active, _) if to_self => Ok(()),
                (Status::Active, _) => Err(messages::restore_backup_copying(
                    transaction,
                    &gen.backup_volume,
                    gen.version,
                    copy::percent(&s),
                )),
                _ => Err(messages::restore_backup_unusable(
                    transaction,
                    &gen.backup_volume,
                    gen.version,
                    status_word(&s),
                )),
            }
        }
    }
}

/// Refuses while a restore recorded for `dest` still has a session on the array
/// (executing, failed or halted: the manual cancels a failed one with
/// `swstcancelrest` before restoring again) or its state cannot be obtained.
fn check_no_restore_running(
    list: &BackupList,
    dest: &str,
    dest_box: &BoxInfo,
) -> Result<(), Failure> {
    let Some(r) = list.restores.get(dest) else {
        return Ok(());
    };
    let Some(bd) = list.devices.get(&r.backup_volume) else {
        return Ok(());
    };
    match copy::pair(&bd.box_info, dest_box)? {
        Pair::None => Ok(()),
        Pair::Unobtainable => Err(messages::restore_running(dest, &r.backup_volume, "?????")),
        Pair::Session(s) => Err(messages::restore_running(
            dest,
            &r.backup_volume,
            status_word(&s),
        )),
    }
}

/// What `swstrestore` found to do, before the scripts run.
struct Plan {
    transaction: String,
    dest: String,
    dest_box: BoxInfo,
    version: u64,
    backup_volume: String,
    bd_box: BoxInfo,
}

/// Checks every refusal of `swstrestore` against the list, the host and the array.
fn plan_restore(
    list: &BackupList,
    transaction: &str,
    select: Select,
    restore_device: Option<&str>,
) -> Result<Plan, Failure> {
    list.check_configured()?;
    list.check_transaction(transaction)?;
    let host = device::load_host()?;
    let td = device::resolve(&host, transaction)?;
    if !td.active {
        return Err(messages::inactive_vg(transaction));
    }
    let td_reg = &list.devices[transaction];
    if td.box_info() != td_reg.box_info {
        return Err(messages::restore_box_changed(transaction));
    }
    // Synchronous processing of the transaction volume, in any state.
    let syncing = list.syncs.get(transaction).is_some_and(|v| !v.is_empty())
        || list
            .devices
            .values()
            .any(|d| matches!(&d.hold, Some(Hold::Suspend { transaction: t }) if t == transaction));
    if syncing {
        return Err(messages::sync_copy_running(transaction));
    }
    let (_, gen) = list.restore_pick_generation(transaction, select)?;
    let (dest, dest_box) = match restore_device {
        None => (transaction.to_string(), td_reg.box_info.clone()),
        Some(r) => {
            match list.devices.get(r) {
                Some(d) if d.role == Role::Transaction => {
                    return Err(messages::restore_dest_transaction(r))
                }
                Some(d) if d.role == Role::Backup && list.backup_in_use(r) => {
                    return Err(messages::restore_dest_backup_in_use(r))
                }
                _ => {}
            }
            let vol = device::resolve(&host, r)?;
            if !vol.active {
                return Err(messages::inactive_vg(r));
            }
            if vol.size != td.size {
                return Err(messages::restore_dest_size(
                    r,
                    vol.size,
                    transaction,
                    td.size,
                ));
            }
            (r.to_string(), vol.box_info())
        }
    };
    check_backup_complete(
        list,
        transaction,
        &td_reg.box_info,
        gen,
        dest == transaction,
    )?;
    check_no_restore_running(list, &dest, &dest_box)?;
    Ok(Plan {
        transaction: transaction.to_string(),
        dest,
        dest_box,
        version: gen.version,
        backup_volume: gen.backup_volume.clone(),
        bd_box: list.box_info_of(&gen.backup_volume)?,
    })
}

/// `swstrestore [-h serverName] [-g generationNo | -v versionNo] [-r restoreDeviceName] deviceName`.
pub fn swstrestore(argv: Argv) -> ExitCode {
    forward::run(&SWSTRESTORE, argv, |args| {
        let select = Select::from_args(args)?;
        let device = args.operand().unwrap_or_default();
        let restore_device = args.value("-r");
        server::check(args)?;
        let _run = exclusion::enter("swstrestore", Some(device))?;
        if let Some(r) = restore_device {
            exclusion::check_replication_idle(r)?;
        }
        let store = ListStore::open();
        let plan = plan_restore(&store.load()?, device, select, restore_device)?;
        let scripts = restore_device.is_none();
        if scripts {
            scripts::run("OpcRestore.pre", &[&plan.transaction, ""])?;
        }
        // Checked again under the list lock, then the copy and its record.
        let started = store.update("swstrestore", |list| {
            let again = plan_restore(list, device, select, restore_device)?;
            if again.version != plan.version || again.dest != plan.dest {
                return Err(messages::restore_changed(device));
            }
            copy::start(CopyKind::Opc, &plan.bd_box, &plan.dest_box)?;
            list.restores.insert(
                plan.dest.clone(),
                Restore {
                    transaction: plan.transaction.clone(),
                    version: plan.version,
                    backup_volume: plan.backup_volume.clone(),
                },
            );
            Ok(())
        });
        if scripts {
            // The post-processing remounts the volume whether or not the copy started.
            let post = scripts::run("OpcRestore.post", &[&plan.transaction, ""]);
            started?;
            post?;
        } else {
            started?;
        }
        println!("{device} swstrestore completed");
        Ok(())
    })
}

/// `swstcancelrest [-h serverName] [-g generationNo | -v versionNo] [-r restoreDeviceName] [-emergency] deviceName`.
pub fn swstcancelrest(argv: Argv) -> ExitCode {
    forward::run(&SWSTCANCELREST, argv, |args| {
        let select = Select::from_args(args)?;
        let device = args.operand().unwrap_or_default();
        let emergency = args.has("-emergency");
        server::check(args)?;
        let _run = exclusion::enter("swstcancelrest", Some(device))?;
        let done = ListStore::open().update("swstcancelrest", |list| {
            list.check_configured()?;
            list.check_transaction(device)?;
            let host = device::load_host()?;
            let td = device::resolve(&host, device)?;
            if !td.active {
                return Err(messages::inactive_vg(device));
            }
            let dest = args.value("-r").unwrap_or(device).to_string();
            // A record whose generation was deleted since can still be named by -v.
            let version = match (list.restore_pick_generation(device, select), select) {
                (Ok((_, gen)), _) => gen.version,
                (Err(_), Select::Version(v))
                    if list
                        .restores
                        .get(&dest)
                        .is_some_and(|r| r.transaction == device && r.version == v) =>
                {
                    v
                }
                (Err(e), _) => return Err(e),
            };
            // A -r device never restored from this volume is a refusal (manual:
            // "not performed on the device specified in the -r option"); one
            // restored from another history is swst0303's normal end below.
            if args.value("-r").is_some()
                && list
                    .restores
                    .get(&dest)
                    .is_none_or(|r| r.transaction != device)
            {
                return Err(messages::restore_not_on_device(&dest, device));
            }
            let record = match list.restores.get(&dest) {
                Some(r) if r.transaction == device && r.version == version => r.clone(),
                _ => return Ok(false),
            };
            if !emergency {
                let bd_box = list.box_info_of(&record.backup_volume)?;
                let dest_box = destination_box(list, &dest)?;
                match copy::pair(&bd_box, &dest_box)? {
                    Pair::None => {}
                    Pair::Unobtainable => return Err(messages::restore_status_unobtainable(&dest)),
                    Pair::Session(s) => copy::cancel(CopyKind::Opc, &dest_box, s.id, false)?,
                }
            }
            list.restores.remove(&dest);
            Ok(true)
        })?;
        if done {
            println!("{device} swstcancelrest completed.");
        } else {
            println!("{}", messages::restore_not_performed());
        }
        Ok(())
    })
}

/// Status and Execute of a restore record, fresh from the array.
pub(crate) fn restore_status(list: &BackupList, dest: &str, r: &Restore) -> (String, String) {
    let unknown = || ("?????".to_string(), NONE.to_string());
    let (Ok(bd_box), Ok(dest_box)) = (
        list.box_info_of(&r.backup_volume),
        destination_box(list, dest),
    ) else {
        return unknown();
    };
    match copy::pair(&bd_box, &dest_box) {
        Err(_) | Ok(Pair::Unobtainable) => unknown(),
        Ok(Pair::None) => ("succeeded".to_string(), NONE.to_string()),
        Ok(Pair::Session(s)) => match s.status {
            Status::ErrorSuspend(_) => ("failed".to_string(), NONE.to_string()),
            Status::Halt(_) => ("halt".to_string(), NONE.to_string()),
            _ if s.pending_grains > 0 => {
                ("executing".to_string(), format!("{}%", copy::percent(&s)))
            }
            _ => ("succeeded".to_string(), NONE.to_string()),
        },
    }
}

/// `swstreststat [-h serverName] [-g generationNo | -v versionNo] [deviceName]`.
pub fn swstreststat(argv: Argv) -> ExitCode {
    forward::run(&SWSTRESTSTAT, argv, |args| {
        let select = Select::from_args(args)?;
        let server = server::check(args)?;
        let list = ListStore::open().load()?;
        list.check_configured()?;
        let targets = match args.operand() {
            Some(d) => {
                list.check_transaction(d)?;
                vec![d.to_string()]
            }
            None => list.names(Role::Transaction),
        };
        let mut rows = Vec::new();
        for td in &targets {
            // The generation asked for, if it exists.
            let wanted: Option<u64> = match select {
                Select::Latest => None,
                _ => list
                    .restore_pick_generation(td, select)
                    .ok()
                    .map(|(_, g)| g.version),
            };
            let records: Vec<(String, Restore)> = list
                .restore_records_of(td)
                .into_iter()
                .filter(|(_, r)| select == Select::Latest || Some(r.version) == wanted)
                .collect();
            if records.is_empty() {
                let (g, v) = match select {
                    Select::Latest => (NONE.to_string(), NONE.to_string()),
                    Select::Relative(g) => (
                        g.to_string(),
                        wanted.map_or(NONE.to_string(), |v| v.to_string()),
                    ),
                    Select::Version(v) => (
                        list.restore_relative_generation(td, v)
                            .map_or(NONE.to_string(), |g| g.to_string()),
                        v.to_string(),
                    ),
                };
                rows.push(vec![
                    server.clone(),
                    td.clone(),
                    g,
                    v,
                    NONE.into(),
                    NONE.into(),
                    NONE.into(),
                    NONE.into(),
                ]);
                continue;
            }
            for (dest, r) in records {
                let (status, execute) = restore_status(&list, &dest, &r);
                rows.push(vec![
                    server.clone(),
                    td.clone(),
                    list.restore_relative_generation(td, r.version)
                        .map_or(NONE.to_string(), |g| g.to_string()),
                    r.version.to_string(),
                    r.backup_volume.clone(),
                    if dest == *td {
                        NONE.to_string()
                    } else {
                        dest.clone()
                    },
                    status,
                    execute,
                ]);
            }
        }
        Table::of_text(RESTSTAT, rows).print(args);
        Ok(())
    })
}

/// Whether the restore recorded for `dest` still has a session on the array
/// (executing, failed or halted) or its state cannot be obtained. A record whose
/// copy has completed stays in the list (`swstreststat` shows `succeeded`) but
/// no longer restores anything; other commands that must not run during a
/// restore should ask this rather than test the record's presence.
pub fn restore_in_progress(list: &BackupList, dest: &str) -> bool {
    if !list.restores.contains_key(dest) {
        return false;
    }
    let Ok(dest_box) = destination_box(list, dest) else {
        return true;
    };
    check_no_restore_running(list, dest, &dest_box).is_err()
}
