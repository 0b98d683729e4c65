//! Backup synchronous processing (EC) and QuickOPC tracking: `swststartsync`,
//! `swstcancelsync`, `swstsyncstat`, `swstcanceltrk`, `swsttrkstat`, and
//! `swstexecstat` (manual 8.1.2.8-8.1.2.13).
//!
//! The list says which backup volumes belong to a transaction volume's
//! synchronous processing (`syncs`, started here) or are held by a suspended EC
//! or a tracking QuickOPC session (`Device.hold`, set by `swstbackup`); the array
//! says what the sessions are doing now, queried fresh through [`copy::pair`].
//!
//! Choices where the manual is open (listed in `docs/messages.md`):
//! - `swststartsync` on a volume whose synchronous processing already copies or
//!   is equivalent prints `swst0301` on standard output and ends normally (0),
//!   like `swst0303` of `swstcancelrest`.
//! - `swststartsync` needs a backup policy (synchronous backup is driven by it).
//! - A suspended backup volume without history held by the transaction volume is
//!   resumed (differential copy) before any free backup volume is taken.
//! - `swstcancelsync` without `-bd`/`-all` cancels the processing started by
//!   `swststartsync` (copying, equivalent, failed or halted), not suspended ones.
//! - `swstexecstat -j` shows as Execute-Date the date of the last backup.

use crate::copy::{self, Pair, Survey};
use crate::device;
use crate::devmap::DevMap;
use crate::exclusion;
use crate::list::{BackupKind, BackupList, BoxInfo, Hold, ListStore, Role};
use crate::messages;
use crate::prelude::*;
use crate::server;
use acm_core::cli::Argv;
use acm_core::cli::{Args, Spec};
use acm_core::msg::{Failure, Family};
use acm_core::report::{col, Column, Kind, Table};
use acm_manager::forward;
use std::process::ExitCode;

pub use acm_scsi::model::{CopyKind, Phase, SessionInfo, Status};

/// `Mount-Point (Method)` on AIX: never shown.
const NO_MOUNT: &str = "---- (----)";
const NONE: &str = "----";

pub const SWSTSTARTSYNC: Spec = Spec {
    name: "swststartsync",
    family: Family::Backup,
    flags: &[],
    valued: &["-h", "-Xdevmap"],
    exclusive: &[],
    operands: (1, 1),
    usage: "/opt/FJSVswsts/bin/swststartsync [-h serverName] deviceName [-Xdevmap deviceMapFile]",
};

pub const SWSTCANCELSYNC: Spec = Spec {
    name: "swstcancelsync",
    family: Family::Backup,
    flags: &["-emergency", "-all"],
    valued: &["-h", "-bd"],
    exclusive: &[&["-bd", "-all"]],
    operands: (1, 1),
    usage: "/opt/FJSVswsts/bin/swstcancelsync [-h serverName] [-emergency] [-bd backupDeviceName | -all] deviceName",
};

pub const SWSTSYNCSTAT: Spec = Spec {
    name: "swstsyncstat",
    family: Family::Backup,
    flags: &["-Xjson"],
    valued: &["-h"],
    exclusive: &[],
    operands: (0, 1),
    usage: "/opt/FJSVswsts/bin/swstsyncstat [-h serverName] [deviceName]",
};

pub const SWSTCANCELTRK: Spec = Spec {
    name: "swstcanceltrk",
    family: Family::Backup,
    flags: &["-copy", "-emergency", "-all"],
    valued: &["-h", "-bd"],
    exclusive: &[&["-copy", "-emergency"], &["-bd", "-all"]],
    operands: (1, 1),
    usage: "/opt/FJSVswsts/bin/swstcanceltrk [-h serverName] [-copy | -emergency] deviceName (-bd backupDeviceName | -all)",
};

pub const SWSTTRKSTAT: Spec = Spec {
    name: "swsttrkstat",
    family: Family::Backup,
    flags: &["-Xjson"],
    valued: &["-h"],
    exclusive: &[],
    operands: (0, 1),
    usage: "/opt/FJSVswsts/bin/swsttrkstat [-h serverName] [deviceName]",
};

pub const SWSTEXECSTAT: Spec = Spec {
    name: "swstexecstat",
    family: Family::Backup,
    flags: &["-j", "-Xjson"],
    valued: &["-h"],
    exclusive: &[],
    operands: (0, 1),
    usage: "/opt/FJSVswsts/bin/swstexecstat [-j] [-h serverName] [deviceName]",
};

/// The list's synchronous processing, as the array reports it.
pub trait ListSync {
    /// Backup volumes of `td`'s synchronous processing started by `swststartsync`.
    fn syncs_of(&self, td: &str) -> Vec<String>;

    /// Backup volumes held by a suspended EC session of `td`.
    fn suspended_of(&self, td: &str) -> Vec<String>;

    /// Backup volumes held by a tracking QuickOPC session of `td`.
    fn tracking_of(&self, td: &str) -> Vec<String>;

    /// Whether `bd` holds a history generation of any transaction volume.
    fn has_history_on(&self, bd: &str) -> bool;

    /// Whether `bd` is a target of some synchronous processing.
    fn in_sync(&self, bd: &str) -> bool;

    /// Whether `bd` is the source of a restore in progress.
    fn restoring_from(&self, bd: &str) -> bool;

    /// Backup volumes of `td` that tracking concerns: held `Tracking`, or holding
    /// a QuickOPC generation of `td`, in device order.
    fn tracking_candidates(&self, td: &str) -> Vec<String>;
}

/// Backup volumes whose hold `f` accepts.
fn held_by(list: &BackupList, f: impl Fn(&Hold) -> bool) -> Vec<String> {
    list.names(Role::Backup)
        .into_iter()
        .filter(|n| list.devices[n].hold.as_ref().is_some_and(&f))
        .collect()
}

impl ListSync for BackupList {
    /// Backup volumes of `td`'s synchronous processing started by `swststartsync`.
    fn syncs_of(&self, td: &str) -> Vec<String> {
        self.syncs.get(td).cloned().unwrap_or_default()
    }

    /// Backup volumes held by a suspended EC session of `td`.
    fn suspended_of(&self, td: &str) -> Vec<String> {
        held_by(
            self,
            |h| matches!(h, Hold::Suspend { transaction } if transaction == td),
        )
    }

    /// Backup volumes held by a tracking QuickOPC session of `td`.
    fn tracking_of(&self, td: &str) -> Vec<String> {
        held_by(
            self,
            |h| matches!(h, Hold::Tracking { transaction } if transaction == td),
        )
    }

    /// Whether `bd` holds a history generation of any transaction volume.
    fn has_history_on(&self, bd: &str) -> bool {
        self.history
            .values()
            .flatten()
            .any(|g| g.backup_volume == bd)
    }

    /// Whether `bd` is a target of some synchronous processing.
    fn in_sync(&self, bd: &str) -> bool {
        self.syncs.values().flatten().any(|b| b == bd)
    }

    /// Whether `bd` is the source of a restore in progress.
    fn restoring_from(&self, bd: &str) -> bool {
        self.restores.values().any(|r| r.backup_volume == bd)
    }

    /// Backup volumes of `td` that tracking concerns: held `Tracking`, or holding
    /// a QuickOPC generation of `td`, in device order.
    fn tracking_candidates(&self, td: &str) -> Vec<String> {
        let mut v = self.tracking_of(td);
        for g in self.history_of(td) {
            if g.kind == BackupKind::QuickOpc && !v.contains(&g.backup_volume) {
                v.push(g.backup_volume.clone());
            }
        }
        v.sort_by_key(|n| crate::list::natural_key(n));
        v
    }
}

fn info(list: &BackupList, device: &str) -> BoxInfo {
    list.devices[device].box_info.clone()
}

/// The transaction volumes a display command shows.
fn display_targets(list: &BackupList, args: &Args) -> Result<Vec<String>, Failure> {
    list.check_configured()?;
    match args.operand() {
        Some(d) => {
            list.check_transaction(d)?;
            Ok(vec![d.to_string()])
        }
        None => Ok(list.names(Role::Transaction)),
    }
}

/// The session from `from` to `to`, where a `None` pair in the result means no
/// session and an `Err` that the array cannot be reached.
pub(crate) fn session(list: &BackupList, from: &str, to: &str) -> Result<Pair, Failure> {
    session_in(&Survey::default(), list, from, to)
}

/// [`session`] as the array reported it to `survey`.
fn session_in(survey: &Survey, list: &BackupList, from: &str, to: &str) -> Result<Pair, Failure> {
    survey.pair(&info(list, from), &info(list, to))
}

/// A survey of the registered volumes among `names` (the backup volumes a
/// display will look at).
fn survey_of<'a>(list: &BackupList, names: impl IntoIterator<Item = &'a String>) -> Survey {
    copy::survey(
        names
            .into_iter()
            .filter_map(|n| list.devices.get(n))
            .map(|d| &d.box_info),
    )
}

/// The backup volumes `swstsyncstat` shows for `td`: its syncs, then its
/// suspended volumes, in natural order.
fn sync_volumes(list: &BackupList, td: &str) -> Vec<String> {
    let mut bds = list.syncs_of(td);
    for b in list.suspended_of(td) {
        if !bds.contains(&b) {
            bds.push(b);
        }
    }
    bds.sort_by_key(|n| crate::list::natural_key(n));
    bds
}

/// Whether an EC session is copying or equivalent (not suspended, failed or halted).
fn ec_running(s: &SessionInfo) -> bool {
    s.status == Status::Active && matches!(s.phase, Phase::Copying | Phase::Equivalent)
}

// ----- swststartsync -----

enum Start {
    Started,
    AlreadyRunning,
}

/// `swststartsync [-h serverName] deviceName [-Xdevmap deviceMapFile]`.
pub fn swststartsync(argv: Argv) -> ExitCode {
    forward::run(&SWSTSTARTSYNC, argv, |args| {
        let td = args.operand().unwrap_or_default();
        server::check(args)?;
        let _run = exclusion::enter("swststartsync", Some(td))?;
        let map = args.value("-Xdevmap").map(DevMap::load).transpose()?;
        let out =
            ListStore::open().update("swststartsync", |list| start_sync(list, td, map.as_ref()))?;
        match out {
            Start::Started => println!("{td} swststartsync completed."),
            Start::AlreadyRunning => println!("{}", messages::sync_in_progress()),
        }
        Ok(())
    })
}

/// Checks a registered device against the host: present, active, same box information.
fn check_on_host(
    list: &BackupList,
    host: &acm_host::Host,
    name: &str,
) -> Result<device::Volume, Failure> {
    let vol = device::resolve(host, name)?;
    if !vol.active {
        return Err(messages::inactive_vg(name));
    }
    if vol.box_info() != list.devices[name].box_info {
        return Err(messages::box_info_changed(name));
    }
    Ok(vol)
}

fn start_sync(list: &mut BackupList, td: &str, map: Option<&DevMap>) -> Result<Start, Failure> {
    list.check_configured()?;
    list.check_transaction(td)?;
    if !list.policies.contains_key(td) {
        return Err(messages::no_policy(td));
    }
    // Already copying or equivalent: the manual's information message.
    for bd in list.syncs_of(td) {
        if let Pair::Session(s) = session(list, td, &bd)? {
            if ec_running(&s) {
                return Ok(Start::AlreadyRunning);
            }
        }
    }
    let host = device::load_host()?;
    let td_vol = check_on_host(list, &host, td)?;
    if crate::restore::restore_in_progress(list, td) {
        return Err(messages::sync_restore_running(td));
    }
    let suspended: Vec<String> = list
        .suspended_of(td)
        .into_iter()
        .filter(|b| !list.has_history_on(b) && !list.in_sync(b))
        .collect();
    let usable = |list: &BackupList, bd: &str| -> Result<(), String> {
        let dev = &list.devices[bd];
        if dev.box_info.blocks != list.devices[td].box_info.blocks {
            return Err(format!("{bd} is not the same size as {td}"));
        }
        let vol = device::resolve(&host, bd).map_err(|f| f.message.text)?;
        if !vol.active {
            return Err(format!("{bd} is an inactive volume group"));
        }
        if vol.box_info() != dev.box_info {
            return Err(format!("the box information of {bd} has changed"));
        }
        if vol.kind != acm_host::DeviceKind::VolumeGroup && !vol.mounted.is_empty() {
            return Err(format!("{bd} is mounted ({})", vol.mounted.join(", ")));
        }
        Ok(())
    };
    // The target: the device map's, else a suspended one of this volume, else a free one.
    let (bd, resume) = match map.and_then(|m| m.target(td).map(|e| (m, e))) {
        Some((m, e)) => {
            let bd = e.backup.clone();
            if list.role(&bd) != Some(Role::Backup) {
                return Err(m.refuse(
                    e.line,
                    &format!("{bd} is not registered as a backup volume"),
                ));
            }
            let resume = suspended.contains(&bd);
            if !resume && (list.backup_in_use(&bd) || list.in_sync(&bd) || list.restoring_from(&bd))
            {
                return Err(m.refuse(e.line, &format!("{bd} is in use")));
            }
            usable(list, &bd).map_err(|why| m.refuse(e.line, &why))?;
            (bd, resume)
        }
        None => {
            if let Some(bd) = suspended.first() {
                if let Err(why) = usable(list, bd) {
                    return Err(messages::backup_unusable(td, &why));
                }
                (bd.clone(), true)
            } else {
                let mut last_why = None;
                let found = list.names(Role::Backup).into_iter().find(|bd| {
                    if list.backup_in_use(bd) || list.in_sync(bd) || list.restoring_from(bd) {
                        return false;
                    }
                    match usable(list, bd) {
                        Ok(()) => true,
                        Err(why) => {
                            if list.devices[bd].box_info.blocks == td_vol.blocks {
                                last_why = Some(why);
                            }
                            false
                        }
                    }
                });
                match found {
                    Some(bd) => (bd, false),
                    None => {
                        return Err(match last_why {
                            Some(why) => messages::backup_unusable(td, &why),
                            None => messages::no_backup_volume(td),
                        })
                    }
                }
            }
        }
    };
    let (ti, bi) = (info(list, td), info(list, &bd));
    let existing = if resume {
        copy::pair(&ti, &bi)?
    } else {
        Pair::None
    };
    match existing {
        Pair::Session(s) if s.kind == CopyKind::Ec && s.status == Status::Suspended => {
            copy::restart(CopyKind::Ec, &ti, s.id)?
        }
        Pair::Session(s) => {
            // A suspended session that failed meanwhile: start over with a full copy.
            copy::cancel(CopyKind::Ec, &ti, s.id, false)?;
            copy::start(CopyKind::Ec, &ti, &bi)?;
        }
        Pair::None => {
            copy::start(CopyKind::Ec, &ti, &bi)?;
        }
        Pair::Unobtainable => {
            return Err(messages::copy_refused(
                CopyKind::Ec,
                &acm_scsi::model::CopyError::Unobtainable,
            ))
        }
    }
    if let Some(d) = list.devices.get_mut(&bd) {
        d.hold = None;
    }
    list.syncs.entry(td.to_string()).or_default().push(bd);
    Ok(Start::Started)
}

// ----- swstcancelsync -----

/// `swstcancelsync [-h serverName] [-emergency] [-bd backupDeviceName | -all] deviceName`.
pub fn swstcancelsync(argv: Argv) -> ExitCode {
    forward::run(&SWSTCANCELSYNC, argv, |args| {
        let td = args.operand().unwrap_or_default();
        server::check(args)?;
        let _run = exclusion::enter("swstcancelsync", Some(td))?;
        let emergency = args.has("-emergency");
        ListStore::open().update("swstcancelsync", |list| {
            list.check_configured()?;
            list.check_transaction(td)?;
            let syncs = list.syncs_of(td);
            let suspended = list.suspended_of(td);
            let targets: Vec<String> = if let Some(bd) = args.value("-bd") {
                if !syncs.iter().any(|b| b == bd) && !suspended.iter().any(|b| b == bd) {
                    return Err(messages::not_sync_target(td, bd));
                }
                vec![bd.to_string()]
            } else if args.has("-all") {
                syncs.iter().chain(&suspended).cloned().collect()
            } else {
                syncs.clone()
            };
            if targets.is_empty() {
                return Err(messages::no_sync(td));
            }
            if !emergency {
                let host = device::load_host()?;
                check_on_host(list, &host, td)?;
                for bd in &targets {
                    match session(list, td, bd)? {
                        Pair::Session(s) => {
                            copy::cancel(CopyKind::Ec, &info(list, td), s.id, false)?
                        }
                        Pair::None => {}
                        Pair::Unobtainable => {
                            return Err(messages::copy_refused(
                                CopyKind::Ec,
                                &acm_scsi::model::CopyError::Unobtainable,
                            ))
                        }
                    }
                }
            }
            for bd in &targets {
                if let Some(v) = list.syncs.get_mut(td) {
                    v.retain(|b| b != bd);
                }
                if let Some(d) = list.devices.get_mut(bd) {
                    if matches!(&d.hold, Some(Hold::Suspend { transaction }) if transaction == td) {
                        d.hold = None;
                    }
                }
            }
            if list.syncs.get(td).is_some_and(Vec::is_empty) {
                list.syncs.remove(td);
            }
            Ok(())
        })?;
        println!("{td} swstcancelsync completed.");
        Ok(())
    })
}

// ----- swstsyncstat -----

/// Status and Execute of an EC session for `swstsyncstat`.
pub(crate) fn ec_status(pair: &Pair) -> (String, String) {
    match pair {
        Pair::None => ("nosession".into(), NONE.into()),
        Pair::Unobtainable => ("?????".into(), NONE.into()),
        Pair::Session(s) => match s.status {
            Status::Suspended => ("suspend".into(), NONE.into()),
            Status::ErrorSuspend(_) => ("failed".into(), NONE.into()),
            Status::Halt(_) => ("halt".into(), NONE.into()),
            Status::Active if s.phase == Phase::Equivalent => ("equivalent".into(), "100%".into()),
            Status::Active => ("executing".into(), format!("{}%", copy::percent(s))),
        },
    }
}

/// The columns of `swstsyncstat`.
const SYNCSTAT: &[Column] = &[
    col("Server", "server", Kind::Text),
    col("Transaction-Disk", "transaction_disk", Kind::Text),
    col("Backup-Disk", "backup_disk", Kind::Text),
    col("Status", "status", Kind::Text),
    col("Execute", "execute", Kind::Percent),
];

/// `swstsyncstat [-h serverName] [deviceName]`.
pub fn swstsyncstat(argv: Argv) -> ExitCode {
    forward::run(&SWSTSYNCSTAT, argv, |args| {
        let server = server::check(args)?;
        let list = ListStore::open().load()?;
        let tds = display_targets(&list, args)?;
        let shown: Vec<(String, Vec<String>)> = tds
            .into_iter()
            .map(|td| {
                let bds = sync_volumes(&list, &td);
                (td, bds)
            })
            .collect();
        let survey = survey_of(&list, shown.iter().flat_map(|(_, bds)| bds));
        let mut rows = Vec::new();
        for (td, bds) in shown {
            if bds.is_empty() {
                rows.push(vec![
                    server.clone(),
                    td.clone(),
                    NONE.into(),
                    NONE.into(),
                    NONE.into(),
                ]);
            }
            for bd in bds {
                let (status, exec) = ec_status(&session_in(&survey, &list, &td, &bd)?);
                rows.push(vec![server.clone(), td.clone(), bd, status, exec]);
            }
        }
        Table::of_text(SYNCSTAT, rows).print(args);
        Ok(())
    })
}

// ----- swstcanceltrk -----

/// `swstcanceltrk [-h serverName] [-copy | -emergency] deviceName (-bd backupDeviceName | -all)`.
pub fn swstcanceltrk(argv: Argv) -> ExitCode {
    forward::run(&SWSTCANCELTRK, argv, |args| {
        if !args.has("-bd") && !args.has("-all") {
            return Err(messages::usage(
                "One of the options -bd and -all must be given",
                SWSTCANCELTRK.usage,
            ));
        }
        let td = args.operand().unwrap_or_default();
        server::check(args)?;
        let _run = exclusion::enter("swstcanceltrk", Some(td))?;
        let (with_copy, emergency) = (args.has("-copy"), args.has("-emergency"));
        ListStore::open().update("swstcanceltrk", |list| {
            list.check_configured()?;
            list.check_transaction(td)?;
            let candidates = list.tracking_candidates(td);
            let mut targets = Vec::new();
            for bd in candidates {
                if args.value("-bd").is_some_and(|b| b != bd) {
                    continue;
                }
                if emergency {
                    targets.push((bd, None));
                    continue;
                }
                match session(list, td, &bd)? {
                    Pair::Session(s) if s.kind == CopyKind::QuickOpc => targets.push((bd, Some(s))),
                    // The session is gone: only the hold is left to clear.
                    _ if list.tracking_of(td).contains(&bd) => targets.push((bd, None)),
                    _ => {}
                }
            }
            if targets.is_empty() {
                return Err(messages::no_tracking(td, args.value("-bd")));
            }
            if with_copy {
                let own = list.history_of(td);
                if let Some((bd, _)) = targets
                    .iter()
                    .find(|(bd, _)| own.iter().any(|g| &g.backup_volume == bd))
                {
                    return Err(messages::copy_with_history(td, bd));
                }
            }
            if !emergency {
                let host = device::load_host()?;
                check_on_host(list, &host, td)?;
                for (_, s) in &targets {
                    if let Some(s) = s {
                        let tracking_only = !with_copy && s.pending_grains > 0;
                        copy::cancel(CopyKind::QuickOpc, &info(list, td), s.id, tracking_only)?;
                    }
                }
            }
            for (bd, _) in &targets {
                if let Some(d) = list.devices.get_mut(bd) {
                    if matches!(&d.hold, Some(Hold::Tracking { transaction }) if transaction == td)
                    {
                        d.hold = None;
                    }
                }
            }
            Ok(())
        })?;
        println!("{td} swstcanceltrk completed.");
        Ok(())
    })
}

// ----- swsttrkstat -----

/// The columns of `swsttrkstat`.
const TRKSTAT: &[Column] = &[
    col("Server", "server", Kind::Text),
    col("Transaction-Disk", "transaction_disk", Kind::Text),
    col("Backup-Disk", "backup_disk", Kind::Text),
    col("Status", "status", Kind::Text),
    col("Execute", "execute", Kind::Percent),
    col("Update", "update", Kind::Percent),
];

/// `swsttrkstat [-h serverName] [deviceName]`.
pub fn swsttrkstat(argv: Argv) -> ExitCode {
    forward::run(&SWSTTRKSTAT, argv, |args| {
        let server = server::check(args)?;
        let list = ListStore::open().load()?;
        let tds = display_targets(&list, args)?;
        let candidates: Vec<String> = tds
            .iter()
            .flat_map(|td| list.tracking_candidates(td))
            .collect();
        let survey = survey_of(&list, &candidates);
        let mut rows = Vec::new();
        for td in tds {
            let held = list.tracking_of(&td);
            let mut shown = 0;
            for bd in list.tracking_candidates(&td) {
                let pair = session_in(&survey, &list, &td, &bd)?;
                let (status, exec, update) = match &pair {
                    Pair::Unobtainable => ("?????".to_string(), NONE.to_string(), NONE.to_string()),
                    Pair::Session(s) if s.kind == CopyKind::QuickOpc => match s.status {
                        Status::Active if s.phase == Phase::Tracking => (
                            "tracking".into(),
                            NONE.into(),
                            format!(
                                "{}%",
                                (s.changed_grains * 100)
                                    .checked_div(s.total_grains)
                                    .unwrap_or(0)
                            ),
                        ),
                        Status::Active => (
                            "executing".into(),
                            format!("{}%", copy::percent(s)),
                            NONE.into(),
                        ),
                        _ => ("failed".into(), NONE.into(), NONE.into()),
                    },
                    // A generation without a tracking session is no tracking processing.
                    _ if !held.contains(&bd) => continue,
                    _ => ("nosession".into(), NONE.into(), NONE.into()),
                };
                shown += 1;
                rows.push(vec![server.clone(), td.clone(), bd, status, exec, update]);
            }
            if shown == 0 {
                rows.push(vec![
                    server.clone(),
                    td.clone(),
                    NONE.into(),
                    NONE.into(),
                    NONE.into(),
                    NONE.into(),
                ]);
            }
        }
        Table::of_text(TRKSTAT, rows).print(args);
        Ok(())
    })
}

// ----- swstexecstat -----

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The day number of a `yyyy/mm/dd ...` date.
fn day_of(date: &str) -> Option<i64> {
    let mut it = date.split_whitespace().next()?.split('/');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let d = it.next()?.parse().ok()?;
    Some(days_from_civil(y, m, d))
}

/// Today's day number on the clock the history dates are written with: UTC
/// days of `ACMSIM_CLOCK` when set, else of the system clock, so a fixed clock
/// gives the same DELAY as it gives dates.
fn today() -> i64 {
    (acm_core::time::now_secs() / 86_400) as i64
}

/// The `Interval` column: `DELAY=n` when more than the policy's interval days
/// have passed since the last backup, else `OK`.
pub fn interval(last_backup: Option<&str>, interval_days: Option<u32>, today: i64) -> String {
    match (last_backup.and_then(day_of), interval_days) {
        (Some(day), Some(days)) => {
            let delay = today - day - days as i64;
            if delay > 0 {
                format!("DELAY={delay}")
            } else {
                "OK".into()
            }
        }
        _ => "OK".into(),
    }
}

/// The Execute form of a copy of `what` (`sync`, `snapshot`, `restore`), if it runs.
fn copy_form(what: &str, pair: &Pair) -> Option<String> {
    match pair {
        Pair::None => None,
        Pair::Unobtainable => Some("?????".into()),
        Pair::Session(s) => match s.status {
            Status::ErrorSuspend(_) => Some(format!("{what}(failed)")),
            Status::Halt(_) => Some(format!("{what}(halt)")),
            Status::Suspended => None,
            Status::Active => match s.phase {
                Phase::Equivalent => Some(format!("{what}(100%)")),
                Phase::Tracking | Phase::Readying | Phase::CopyOnWrite => None,
                Phase::Copying | Phase::TrackingCopying => {
                    Some(format!("{what}({}%)", copy::percent(s)))
                }
            },
        },
    }
}

/// The Execute column of `td` when no command runs on it.
fn copy_execute(list: &BackupList, td: &str) -> Result<String, Failure> {
    for bd in list.syncs_of(td) {
        if let Some(f) = copy_form("sync", &session(list, td, &bd)?) {
            return Ok(f);
        }
    }
    let mut seen = Vec::new();
    for g in list.history_of(td).iter().rev() {
        if seen.contains(&g.backup_volume) || g.kind == BackupKind::Ec {
            continue;
        }
        seen.push(g.backup_volume.clone());
        if let Some(f) = copy_form("snapshot", &session(list, td, &g.backup_volume)?) {
            return Ok(f);
        }
    }
    for (dest, r) in &list.restores {
        if (dest == td || r.transaction == td)
            && list.devices.contains_key(&r.backup_volume)
            && list.devices.contains_key(dest)
        {
            if let Some(f) = copy_form("restore", &session(list, &r.backup_volume, dest)?) {
                return Ok(f);
            }
        }
    }
    Ok(NONE.into())
}

/// The columns of `swstexecstat`, and of `swstexecstat -j`.
const EXECSTAT: &[Column] = &[
    col("Server", "server", Kind::Text),
    col("Device", "device", Kind::Text),
    col("Last-Backup-Date", "last_backup_date", Kind::Date),
    col("Interval", "interval", Kind::Text),
    col("Status", "status", Kind::Text),
    col("Mount-Point (Method)", "mount_point", Kind::Text),
    col("Execute", "execute", Kind::Text),
];
const EXECSTAT_J: &[Column] = &[
    col("Server", "server", Kind::Text),
    col("Device", "device", Kind::Text),
    col("Execute-Date", "execute_date", Kind::Date),
    col("Status", "status", Kind::Text),
    col("Mount-Point (Method)", "mount_point", Kind::Text),
    col("Execute", "execute", Kind::Text),
];

/// `swstexecstat [-j] [-h serverName] [deviceName]`.
pub fn swstexecstat(argv: Argv) -> ExitCode {
    forward::run(&SWSTEXECSTAT, argv, |args| {
        let server = server::check(args)?;
        let list = ListStore::open().load()?;
        let running = exclusion::running();
        let today = today();
        let mut rows = Vec::new();
        for td in display_targets(&list, args)? {
            let command = running
                .iter()
                .filter(|r| exclusion::is_operation(&r.command))
                .find(|r| r.target.as_deref().is_none_or(|d| d == td))
                .map(|r| r.command.clone());
            let status = if command.is_some() { "EXEC" } else { "IDLE" };
            let execute = match command {
                Some(c) => c,
                None => copy_execute(&list, &td)?,
            };
            let last = list.history_of(&td).last().map(|g| g.date.clone());
            let mut row = vec![
                server.clone(),
                td.clone(),
                last.clone().unwrap_or(NONE.into()),
            ];
            if !args.has("-j") {
                row.push(interval(
                    last.as_deref(),
                    list.policies.get(&td).map(|p| p.interval_days),
                    today,
                ));
            }
            row.extend([status.to_string(), NO_MOUNT.to_string(), execute]);
            rows.push(row);
        }
        let columns = if args.has("-j") { EXECSTAT_J } else { EXECSTAT };
        Table::of_text(columns, rows).print(args);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(
            days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28),
            2
        );
        assert_eq!(days_from_civil(2000, 12, 11), 11302);
    }

    #[test]
    fn interval_column() {
        let today = days_from_civil(2000, 12, 12);
        assert_eq!(interval(Some("2000/12/11 12:20"), Some(1), today), "OK");
        assert_eq!(
            interval(Some("2000/12/10 12:20"), Some(1), today),
            "DELAY=1"
        );
        assert_eq!(
            interval(Some("2000/12/09 12:20"), Some(1), today),
            "DELAY=2"
        );
        assert_eq!(interval(None, Some(1), today), "OK");
    }
}
