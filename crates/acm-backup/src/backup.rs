//! Backup execution and its history: `swstbackup`, `swstbackstat`, `swsthistdisp`,
//! `swsthistdel` (manual 8.1.2.1, 8.1.2.2, 8.1.2.6, 8.1.2.7).
//!
//! The list records the generations; the array says how each one's copy is doing
//! (`copy::pair`). A backup is planned entirely first (every refusal of the
//! manual's NOTES that can arise is checked before anything changes), then the
//! pre-processing script runs (a failure stops everything, nothing recorded), then
//! the array is changed and the history recorded in one list update.
//!
//! Generations made with `-T` (QuickOPC) or `-suspend` (EC kept suspended) mark
//! their backup volume with [`Hold`] at backup time; deleting such a generation
//! (by `swsthistdel` or by the generation rotation) keeps the session and the
//! hold, so the volume stays `Backup (used-T)` / `(used-S)` and only the same
//! transaction volume reuses it.

use crate::copy::{self, Pair, Survey};
use crate::device;
use crate::devmap::DevMap;
use crate::exclusion;
use crate::list::{BackupKind, BackupList, BoxInfo, Generation, Hold, ListStore, Role};
use crate::messages;
use crate::prelude::*;
use crate::scripts;
use crate::server;
use acm_core::cli::Argv;
use acm_core::cli::{Args, Spec};
use acm_core::msg::{Failure, Family};
use acm_core::report::{self, col, Cell, Column, Kind, Table};
use acm_manager::forward;
use acm_scsi::model::{CopyKind, Phase, SessionInfo, Status};
use std::process::ExitCode;

/// `Mount-Point` on AIX: never shown.
const NO_MOUNT: &str = "---- (----)";
const NONE: &str = "----";

pub const SWSTBACKUP: Spec = Spec {
    name: "swstbackup",
    family: Family::Backup,
    flags: &["-suspend", "-T"],
    valued: &["-h", "-Xdevmap"],
    exclusive: &[&["-suspend", "-T"]],
    operands: (1, 1),
    usage: "/opt/FJSVswsts/bin/swstbackup [-h serverName] [-suspend|-T] deviceName [-Xdevmap deviceMapFile]",
};

pub const SWSTBACKSTAT: Spec = Spec {
    name: "swstbackstat",
    family: Family::Backup,
    flags: &["-Xjson"],
    valued: &["-h"],
    exclusive: &[],
    operands: (0, 1),
    usage: "/opt/FJSVswsts/bin/swstbackstat [-h serverName] [deviceName]",
};

pub const SWSTHISTDISP: Spec = Spec {
    name: "swsthistdisp",
    family: Family::Backup,
    flags: &["-Xjson"],
    valued: &["-h"],
    exclusive: &[],
    operands: (0, 1),
    usage: "/opt/FJSVswsts/bin/swsthistdisp [-h serverName] [deviceName]",
};

pub const SWSTHISTDEL: Spec = Spec {
    name: "swsthistdel",
    family: Family::Backup,
    flags: &["-z", "-emergency"],
    valued: &["-h", "-g", "-v"],
    exclusive: &[&["-g", "-v", "-z"]],
    operands: (1, 1),
    usage: "/opt/FJSVswsts/bin/swsthistdel [-h serverName] -g generationNo | -v versionNo | -z [-emergency] deviceName",
};

// ----- helpers on the list -----

/// What backup management asks of its list when it takes a backup.
pub trait ListBackup {
    /// Whether a backup volume cannot be the destination of a new copy: it holds
    /// history, is held by a session, is the target of synchronous processing, or
    /// is a restore destination.
    fn backup_busy(&self, backup: &str) -> bool;

    /// Whether a restore the array is still copying reads from or writes to `device`.
    /// Finished restores keep their record (shown `succeeded`) but hold nothing.
    fn restore_touches(&self, device: &str) -> bool;

    /// The restore (if any) that uses generation `version` of `transaction`.
    fn restore_from(&self, transaction: &str, version: u64) -> bool;

    /// The next absolute version of `transaction`'s history (versions only grow).
    fn take_version(&mut self, transaction: &str) -> u64;
}

impl ListBackup for BackupList {
    /// Whether a backup volume cannot be the destination of a new copy: it holds
    /// history, is held by a session, is the target of synchronous processing, or
    /// is a restore destination.
    fn backup_busy(&self, backup: &str) -> bool {
        self.backup_in_use(backup)
            || self.syncs.values().flatten().any(|b| b == backup)
            || self.restore_touches(backup)
    }

    /// Whether a restore the array is still copying reads from or writes to `device`.
    /// Finished restores keep their record (shown `succeeded`) but hold nothing.
    fn restore_touches(&self, device: &str) -> bool {
        self.restores.iter().any(|(dest, r)| {
            (dest == device || r.backup_volume == device)
                && crate::restore::restore_in_progress(self, dest)
        })
    }

    /// The restore (if any) that uses generation `version` of `transaction`.
    fn restore_from(&self, transaction: &str, version: u64) -> bool {
        self.restores.iter().any(|(dest, r)| {
            r.transaction == transaction
                && r.version == version
                && crate::restore::restore_in_progress(self, dest)
        })
    }

    /// The next absolute version of `transaction`'s history (versions only grow).
    fn take_version(&mut self, transaction: &str) -> u64 {
        let newest = self
            .history_of(transaction)
            .iter()
            .map(|g| g.version)
            .max()
            .unwrap_or(0);
        let next = self
            .next_version
            .get(transaction)
            .copied()
            .unwrap_or(1)
            .max(newest + 1);
        self.next_version.insert(transaction.to_string(), next + 1);
        next
    }
}

/// Resolves `device` on the host again: an inactive volume group and changed box
/// information are refused.
fn check_host(list: &BackupList, device: &str) -> Result<(), Failure> {
    let host = device::load_host()?;
    let vol = device::resolve(&host, device)?;
    if !vol.active {
        return Err(messages::inactive_vg(device));
    }
    if Some(&vol.box_info()) != list.devices.get(device).map(|d| &d.box_info) {
        return Err(messages::bk_box_info_changed(device));
    }
    Ok(())
}

// ----- the clock -----

/// The date of a backup taken now: `ACMSIM_CLOCK` (seconds since the epoch)
/// when set, else the system clock.
pub fn backup_date() -> String {
    format_date(acm_core::time::now_secs())
}

/// `yyyy/mm/dd hh:mm` (UTC) of `secs` since the epoch.
pub fn format_date(secs: u64) -> String {
    acm_core::time::format_minutes(secs)
}

// ----- status of a generation -----

/// `Status` and `Execute` of the copy from `td` to `bd` as the array reported
/// it to `survey`.
pub fn status_of(survey: &Survey, td: &BoxInfo, bd: &BoxInfo) -> (String, String) {
    match survey.pair(td, bd) {
        Err(_) | Ok(Pair::Unobtainable) => ("?????".into(), NONE.into()),
        Ok(Pair::None) => ("succeeded".into(), NONE.into()),
        Ok(Pair::Session(s)) => session_status(&s),
    }
}

fn session_status(s: &SessionInfo) -> (String, String) {
    match s.status {
        Status::ErrorSuspend(_) => ("failed".into(), NONE.into()),
        Status::Halt(_) => ("halt".into(), NONE.into()),
        Status::Active
            if matches!(s.kind, CopyKind::Opc | CopyKind::QuickOpc)
                && matches!(s.phase, Phase::Copying | Phase::TrackingCopying) =>
        {
            ("executing".into(), format!("{}%", copy::percent(s)))
        }
        _ => ("succeeded".into(), NONE.into()),
    }
}

// ----- swstbackup -----

/// What a backup will do, decided before anything changes.
struct Plan {
    backup: String,
    kind: BackupKind,
    /// Versions of the generations released by the rotation.
    release: Vec<u64>,
    /// EC: the session to suspend; QuickOPC: the tracking session to restart.
    session: Option<u32>,
}

/// The generations (oldest first) the rotation releases when one more is added.
fn overflow(list: &BackupList, td: &str, save: u32) -> Vec<Generation> {
    let history = list.history_of(td);
    let keep = (save as usize).saturating_sub(1);
    let n = history.len().saturating_sub(keep);
    history[..n].to_vec()
}

fn check_releasable(list: &BackupList, td: &str, gens: &[Generation]) -> Result<(), Failure> {
    for g in gens {
        if list.restore_from(td, g.version) {
            return Err(messages::bk_history_in_restore(
                td,
                g.version,
                &g.backup_volume,
            ));
        }
    }
    Ok(())
}

/// The EC session from `td` to one of its synchronous-processing backup volumes,
/// if the array shows one: `(backup volume, session)`.
fn ec_sessions(list: &BackupList, td: &BoxInfo, name: &str) -> Vec<(String, SessionInfo)> {
    let mut out = Vec::new();
    for bd in list.syncs.get(name).into_iter().flatten() {
        let Some(dev) = list.devices.get(bd) else {
            continue;
        };
        if let Ok(Pair::Session(s)) = copy::pair(td, &dev.box_info) {
            if s.kind == CopyKind::Ec {
                out.push((bd.clone(), *s));
            }
        }
    }
    out
}

fn plan_sync(
    list: &BackupList,
    td: &str,
    args: &Args,
    ecs: Vec<(String, SessionInfo)>,
) -> Result<Plan, Failure> {
    if args.has("-T") {
        return Err(messages::bk_quickopc_during_sync(td));
    }
    if let Some(path) = args.value("-Xdevmap") {
        return Err(messages::devmap_error(
            path,
            None,
            "a device map file cannot be used while backup synchronous processing is running",
        ));
    }
    let equivalent = ecs.iter().find(|(_, s)| {
        s.status == Status::Active && s.phase == Phase::Equivalent && s.pending_grains == 0
    });
    let Some((bd, s)) = equivalent else {
        return Err(messages::bk_not_equivalent(td, &ecs[0].0));
    };
    // Synchronous backup: the oldest generation goes after the new one is added.
    let save = list.policies[td].save_number;
    let history = list.history_of(td);
    let n = (history.len() + 1).saturating_sub(save as usize);
    let release: Vec<Generation> = history[..n.min(history.len())].to_vec();
    check_releasable(list, td, &release)?;
    Ok(Plan {
        backup: bd.clone(),
        kind: BackupKind::Ec,
        release: release.iter().map(|g| g.version).collect(),
        session: Some(s.id),
    })
}

fn plan_snapshot(list: &BackupList, td: &str, args: &Args) -> Result<Plan, Failure> {
    let quick = args.has("-T");
    if args.has("-suspend") {
        return Err(messages::bk_suspend_without_sync(td));
    }
    let save = list.policies[td].save_number;
    let release = overflow(list, td, save);
    check_releasable(list, td, &release)?;
    let tdev = &list.devices[td];
    let hold_ok = |h: &Option<Hold>| match h {
        None => true,
        Some(Hold::Tracking { transaction }) => quick && transaction == td,
        Some(Hold::Suspend { .. }) => false,
    };
    let released: Vec<u64> = release.iter().map(|g| g.version).collect();
    // Whether `bd` can take this backup once the rotation has released its
    // generations: no other history, no foreign hold, no sync, no restore.
    let free_after = |bd: &str| {
        let history = list.history.iter().any(|(t, gens)| {
            gens.iter()
                .any(|g| g.backup_volume == bd && !(t == td && released.contains(&g.version)))
        });
        !history
            && hold_ok(&list.devices[bd].hold)
            && !list.syncs.values().flatten().any(|b| b == bd)
            && !list.restore_touches(bd)
    };
    let backup = if let Some(path) = args.value("-Xdevmap") {
        let map = DevMap::load(path)?;
        let Some(entry) = map.target(td) else {
            return Err(messages::devmap_error(
                path,
                None,
                &format!("no line names the transaction volume {td}"),
            ));
        };
        let bd = entry.backup.as_str();
        let refuse = |why: String| Err(map.refuse(entry.line, &why));
        match list.devices.get(bd) {
            _ if bd == td => {
                return refuse(format!("{bd} is the transaction volume being backed up"))
            }
            None => return refuse(format!("{bd} is not registered as a backup volume")),
            Some(d) if d.role == Role::Transaction => {
                return refuse(format!("{bd} is a transaction volume, not a backup volume"))
            }
            Some(d) if d.size != tdev.size || d.box_info.blocks != tdev.box_info.blocks => {
                return refuse(format!(
                    "the size of {bd} ({} bytes) differs from that of {td} ({} bytes)",
                    d.size, tdev.size
                ))
            }
            Some(d) if d.box_info.box_id != tdev.box_info.box_id => {
                return refuse(format!("{bd} is not in the same box as {td}"))
            }
            Some(d) if !hold_ok(&d.hold) => {
                return refuse(format!(
                    "{bd} is held by a suspended or tracking session and cannot be the destination"
                ))
            }
            Some(_) if !free_after(bd) => return refuse(format!("{bd} is in use")),
            Some(_) => bd.to_string(),
        }
    } else {
        let candidates: Vec<String> = list
            .names(Role::Backup)
            .into_iter()
            .filter(|n| {
                let d = &list.devices[n];
                d.size == tdev.size
                    && d.box_info.blocks == tdev.box_info.blocks
                    && d.box_info.box_id == tdev.box_info.box_id
            })
            .collect();
        let tracking = |n: &String| matches!(&list.devices[n].hold, Some(Hold::Tracking { transaction }) if transaction == td);
        let pick = quick
            .then(|| candidates.iter().find(|n| tracking(n) && free_after(n)))
            .flatten()
            .or_else(|| candidates.iter().find(|n| !list.backup_busy(n)))
            .or_else(|| candidates.iter().find(|n| free_after(n)));
        match pick {
            Some(n) => n.clone(),
            None => return Err(messages::bk_no_free_backup_volume(td, tdev.size)),
        }
    };
    // A QuickOPC session to this volume that is still tracking: differential copy.
    let mut session = None;
    if quick {
        let bd_info = &list.devices[&backup].box_info;
        if let Ok(Pair::Session(s)) = copy::pair(&tdev.box_info, bd_info) {
            if s.kind == CopyKind::QuickOpc && s.status == Status::Active && s.tracking {
                session = Some(s.id);
            }
        }
    }
    Ok(Plan {
        backup,
        kind: if quick {
            BackupKind::QuickOpc
        } else {
            BackupKind::Opc
        },
        release: release.iter().map(|g| g.version).collect(),
        session,
    })
}

/// Removes generation `version` of `td` from the list; on the array, cancels a
/// plain OPC still copying (or error-suspended), keeps a QuickOPC / suspended EC
/// session (its volume keeps its hold), and frees a held volume whose session is
/// gone. With `emergency` the array is neither asked nor changed.
fn release_generation(
    list: &mut BackupList,
    td: &str,
    version: u64,
    emergency: bool,
) -> Result<(), Failure> {
    let gens = list.history.entry(td.to_string()).or_default();
    let Some(at) = gens.iter().position(|g| g.version == version) else {
        return Ok(());
    };
    let g = gens.remove(at);
    if gens.is_empty() {
        list.history.remove(td);
    }
    if emergency {
        return Ok(());
    }
    let td_info = list.box_info_of(td)?;
    let Some(bd) = list.devices.get_mut(&g.backup_volume) else {
        return Ok(());
    };
    match copy::pair(&td_info, &bd.box_info)? {
        Pair::Unobtainable => return Err(messages::bk_status_unobtainable(td, &g.backup_volume)),
        Pair::None => bd.hold = None,
        Pair::Session(s) => match (g.kind, s.kind) {
            (BackupKind::QuickOpc, CopyKind::QuickOpc) | (BackupKind::Ec, CopyKind::Ec)
                if bd.hold.is_some() && !matches!(s.status, Status::ErrorSuspend(_)) => {}
            _ => {
                copy::cancel(s.kind, &td_info, s.id, false)?;
                bd.hold = None;
            }
        },
    }
    Ok(())
}

/// `swstbackup [-h serverName] [-suspend|-T] deviceName [-Xdevmap deviceMapFile]`.
pub fn swstbackup(argv: Argv) -> ExitCode {
    forward::run(&SWSTBACKUP, argv, |args| {
        let td = args.operand().unwrap_or_default();
        server::check(args)?;
        let _run = exclusion::enter("swstbackup", Some(td))?;
        let post_failure = ListStore::open().update("swstbackup", |list| {
            list.check_configured()?;
            list.check_transaction(td)?;
            if !list.policies.contains_key(td) {
                return Err(messages::no_policy(td));
            }
            check_host(list, td)?;
            if crate::restore::restore_in_progress(list, td) {
                return Err(messages::bk_restore_running(td));
            }
            let td_info = list.box_info_of(td)?;
            // "The backup that was executed one generation earlier was unsuccessful".
            if let Some(last) = list.history_of(td).last() {
                if let Some(bd) = list.devices.get(&last.backup_volume) {
                    if let Ok(Pair::Session(s)) = copy::pair(&td_info, &bd.box_info) {
                        if matches!(s.status, Status::ErrorSuspend(_)) {
                            return Err(messages::bk_previous_failed(
                                td,
                                &last.backup_volume,
                                last.version,
                            ));
                        }
                    }
                }
            }
            let ecs = ec_sessions(list, &td_info, td);
            let plan = if ecs.is_empty() {
                plan_snapshot(list, td, args)?
            } else {
                plan_sync(list, td, args, ecs)?
            };
            let bd = plan.backup.clone();
            exclusion::check_replication_idle(&bd)?;
            let bd_info = list.box_info_of(&bd)?;
            scripts::run("OpcBackup.pre", &[td, "", &bd])?;
            match plan.kind {
                BackupKind::Ec => {
                    let id = plan.session.unwrap_or_default();
                    copy::suspend(&td_info, id)?;
                    if args.has("-suspend") {
                        list.devices.get_mut(&bd).expect("registered").hold = Some(Hold::Suspend {
                            transaction: td.to_string(),
                        });
                    } else {
                        copy::cancel(CopyKind::Ec, &td_info, id, false)?;
                    }
                    if let Some(v) = list.syncs.get_mut(td) {
                        v.retain(|b| *b != bd);
                        if v.is_empty() {
                            list.syncs.remove(td);
                        }
                    }
                }
                kind => {
                    // Snapshot: the oldest generation goes before the copy.
                    for v in &plan.release {
                        release_generation(list, td, *v, false)?;
                    }
                    match (kind, plan.session) {
                        (BackupKind::QuickOpc, Some(id)) => {
                            copy::restart(CopyKind::QuickOpc, &td_info, id)?
                        }
                        (BackupKind::QuickOpc, None) => {
                            copy::start(CopyKind::QuickOpc, &td_info, &bd_info)?;
                        }
                        _ => {
                            copy::start(CopyKind::Opc, &td_info, &bd_info)?;
                        }
                    }
                    list.devices.get_mut(&bd).expect("registered").hold =
                        (kind == BackupKind::QuickOpc).then(|| Hold::Tracking {
                            transaction: td.to_string(),
                        });
                }
            }
            let version = list.take_version(td);
            list.history
                .entry(td.to_string())
                .or_default()
                .push(Generation {
                    version,
                    date: backup_date(),
                    backup_volume: bd.clone(),
                    kind: plan.kind,
                });
            if plan.kind == BackupKind::Ec {
                // Synchronous backup: the oldest generation goes after.
                for v in &plan.release {
                    release_generation(list, td, *v, false)?;
                }
            }
            Ok(scripts::run("OpcBackup.post", &[td, ""]).err())
        })?;
        if let Some(f) = post_failure {
            return Err(f);
        }
        println!("{td} swstbackup completed");
        Ok(())
    })
}

// ----- swstbackstat / swsthistdisp -----

/// The transaction volumes to show: the operand (which must be one) or all.
fn targets(list: &BackupList, operand: Option<&str>) -> Result<Vec<String>, Failure> {
    match operand {
        Some(d) => {
            list.check_transaction(d)?;
            Ok(vec![d.to_string()])
        }
        None => Ok(list.names(Role::Transaction)),
    }
}

/// The backup volumes of `gens` (generations of the list), for a [`Survey`].
fn backup_volumes<'a>(
    list: &'a BackupList,
    gens: impl IntoIterator<Item = &'a Generation>,
) -> impl Iterator<Item = &'a BoxInfo> {
    gens.into_iter()
        .filter_map(|g| list.devices.get(&g.backup_volume))
        .map(|d| &d.box_info)
}

/// The columns of `swstbackstat`.
const BACKSTAT: &[Column] = &[
    col("Server", "server", Kind::Text),
    col("Transaction-Disk", "transaction_disk", Kind::Text),
    col("Backup-Disk", "backup_disk", Kind::Text),
    col("Status", "status", Kind::Text),
    col("Execute", "execute", Kind::Percent),
];

/// `swsthistdisp`'s volume line, and its history table (a volume's
/// `history` array in JSON).
const HISTDISP_VOLUME: &[Column] = &[
    col("Server", "server", Kind::Text),
    col("Device", "device", Kind::Text),
    col("Mount-Point", "mount_point", Kind::Text),
];
const HISTDISP: &[Column] = &[
    col("Generation", "generation", Kind::Int),
    col("Version", "version", Kind::Int),
    col("Backup-Date", "backup_date", Kind::Date),
    col("Backup-Disk", "backup_disk", Kind::Text),
    col("Status", "status", Kind::Text),
    col("Execute", "execute", Kind::Percent),
];

/// `swstbackstat [-h serverName] [deviceName]`.
pub fn swstbackstat(argv: Argv) -> ExitCode {
    forward::run(&SWSTBACKSTAT, argv, |args| {
        let server = server::check(args)?;
        let list = ListStore::open().load()?;
        list.check_configured()?;
        let tds = targets(&list, args.operand())?;
        let survey = copy::survey(backup_volumes(
            &list,
            tds.iter().filter_map(|td| list.history_of(td).last()),
        ));
        let mut rows = Table::new(BACKSTAT);
        for td in tds {
            let row: Vec<Cell> = match list.history_of(&td).last() {
                None => vec![NONE.into(), NONE.into(), NONE.into()],
                Some(g) => {
                    let (status, execute) = match list.devices.get(&g.backup_volume) {
                        Some(bd) => status_of(&survey, &list.box_info_of(&td)?, &bd.box_info),
                        None => ("?????".into(), NONE.into()),
                    };
                    vec![(&g.backup_volume).into(), status.into(), execute.into()]
                }
            };
            let mut full = vec![Cell::from(&server), (&td).into()];
            full.extend(row);
            rows.push(full);
        }
        rows.print(args);
        Ok(())
    })
}

/// `swsthistdisp [-h serverName] [deviceName]`.
pub fn swsthistdisp(argv: Argv) -> ExitCode {
    forward::run(&SWSTHISTDISP, argv, |args| {
        let server = server::check(args)?;
        let list = ListStore::open().load()?;
        list.check_configured()?;
        let tds = targets(&list, args.operand())?;
        let survey = copy::survey(backup_volumes(
            &list,
            tds.iter().flat_map(|td| list.history_of(td)),
        ));
        let mut out = String::new();
        let mut volumes = Vec::new();
        for td in tds {
            let td_info = list.box_info_of(&td)?;
            let history = list.history_of(&td);
            let mut rows = Table::new(HISTDISP);
            for (i, g) in history.iter().rev().enumerate() {
                let (status, execute) = match list.devices.get(&g.backup_volume) {
                    Some(bd) => status_of(&survey, &td_info, &bd.box_info),
                    None => ("?????".into(), NONE.into()),
                };
                rows.push(vec![
                    (i + 1).to_string().into(),
                    g.version.to_string().into(),
                    (&g.date).into(),
                    (&g.backup_volume).into(),
                    status.into(),
                    execute.into(),
                ]);
            }
            let mut volume = report::record(
                HISTDISP_VOLUME,
                &[(&server).into(), (&td).into(), NO_MOUNT.into()],
            );
            volume["history"] = rows.json().into();
            volumes.push(volume);
            out.push_str(&format!(
                "Server={server} Device={td} Mount-Point={NO_MOUNT}\n"
            ));
            // The manual: the six items "are not displayed if no backup history
            // information exists", so the volume line stands alone.
            if !rows.is_empty() {
                out.push_str(&rows.text());
            }
        }
        if args.has(report::JSON) {
            report::print_rows(volumes);
        } else {
            print!("{out}");
        }
        Ok(())
    })
}

// ----- swsthistdel -----

fn positive(option: &str, value: &str) -> Result<u64, Failure> {
    match value.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(messages::usage(
            &format!("{option} {value}: a positive number is required"),
            SWSTHISTDEL.usage,
        )),
    }
}

/// `swsthistdel [-h serverName] -g generationNo | -v versionNo | -z [-emergency] deviceName`.
pub fn swsthistdel(argv: Argv) -> ExitCode {
    forward::run(&SWSTHISTDEL, argv, |args| {
        let td = args.operand().unwrap_or_default();
        let generation = args.value("-g").map(|v| positive("-g", v)).transpose()?;
        let version = args.value("-v").map(|v| positive("-v", v)).transpose()?;
        if generation.is_none() && version.is_none() && !args.has("-z") {
            return Err(messages::usage(
                "One of the options -g, -v and -z must be given",
                SWSTHISTDEL.usage,
            ));
        }
        let emergency = args.has("-emergency");
        server::check(args)?;
        let _run = exclusion::enter("swsthistdel", Some(td))?;
        ListStore::open().update("swsthistdel", |list| {
            list.check_configured()?;
            list.check_transaction(td)?;
            let history = list.history_of(td);
            let chosen: Vec<Generation> = if let Some(n) = generation {
                match history.len().checked_sub(n as usize) {
                    Some(i) => vec![history[i].clone()],
                    None => {
                        return Err(messages::bk_no_such_history(
                            td,
                            &format!("of generation {n}"),
                        ))
                    }
                }
            } else if let Some(v) = version {
                match history.iter().find(|g| g.version == v) {
                    Some(g) => vec![g.clone()],
                    None => {
                        return Err(messages::bk_no_such_history(td, &format!("of version {v}")))
                    }
                }
            } else {
                history.to_vec()
            };
            check_releasable(list, td, &chosen)?;
            let host = device::load_host()?;
            if !device::resolve(&host, td)?.active {
                return Err(messages::inactive_vg(td));
            }
            for g in &chosen {
                release_generation(list, td, g.version, emergency)?;
            }
            Ok(())
        })?;
        println!("{td} swsthistdel completed");
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_minutes() {
        assert_eq!(format_date(0), "1970/01/01 00:00");
        assert_eq!(format_date(974_066_400), "2000/11/12 22:00");
        assert_eq!(format_date(951_782_400 + 59), "2000/02/29 00:00");
    }

    #[test]
    fn versions_only_grow() {
        let mut l = BackupList::default();
        assert_eq!(l.take_version("/dev/vg01"), 1);
        assert_eq!(l.take_version("/dev/vg01"), 2);
        l.history.insert(
            "/dev/vg02".into(),
            vec![Generation {
                version: 9,
                date: String::new(),
                backup_volume: "/dev/hdisk3".into(),
                kind: BackupKind::Opc,
            }],
        );
        assert_eq!(l.take_version("/dev/vg02"), 10);
    }
}
