//! swstwait: waits until a transaction volume's backup, restore, synchronous
//! processing or tracking reaches a status, so a script need not poll the
//! display commands in a loop (the suite's addition, beside `swsrpwait`).
//!
//! ```text
//! swstwait [-h serverName] [-t seconds] [-s status] deviceName
//! ```
//!
//! The processing of a volume is what the display commands show for it: the
//! restore to it (`swstreststat`), its synchronous processing
//! (`swstsyncstat`), its tracking (`swsttrkstat`) and its latest backup
//! (`swstbackstat`), with their Status words. `-s succeeded` waits for the
//! backups and restores, `-s equivalent` or `suspend` for the synchronous
//! processing, `-s tracking` for the tracking; without `-s` the command waits
//! until nothing is `executing`. Exit status: 0 reached; 1 when a copy failed,
//! halted or cannot be seen, or the volume has no such processing (an ID
//! each); 3 when `-t` seconds passed first; 2 usage. It takes no command lock.

use crate::copy::Pair;
use crate::list::{BackupList, ListStore};
use crate::prelude::*;
use crate::{backup, messages, restore, server, sync};
use acm_core::cli::{Argv, Spec};
use acm_core::msg::{Failure, Family};
use acm_manager::forward;
use acm_scsi::model::{CopyKind, Phase, Status};
use std::process::ExitCode;
use std::time::{Duration, Instant};

pub const SWSTWAIT: Spec = Spec {
    name: "swstwait",
    family: Family::Backup,
    flags: &[],
    valued: &["-h", "-t", "-s"],
    exclusive: &[],
    operands: (1, 1),
    usage: "/opt/FJSVswsts/bin/swstwait [-h serverName] [-t seconds] [-s status] deviceName",
};

/// The statuses that can be waited for, and the processing that shows them.
pub const WAITABLE: &[(&str, Kind)] = &[
    ("succeeded", Kind::Snapshot),
    ("equivalent", Kind::Sync),
    ("suspend", Kind::Sync),
    ("tracking", Kind::Tracking),
];

/// The kinds of processing of a transaction volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A backup or a restore.
    Snapshot,
    /// Synchronous processing (EC).
    Sync,
    /// QuickOPC tracking.
    Tracking,
}

const POLL: Duration = Duration::from_millis(200);

/// The volume's processing now: kind, what it is (for messages), Status word.
fn processing(list: &BackupList, td: &str) -> Result<Vec<(Kind, String, String)>, Failure> {
    let mut out = Vec::new();
    if let Some(r) = list.restores.get(td) {
        let (status, _) = restore::restore_status(list, td, r);
        out.push((
            Kind::Snapshot,
            format!("the restore of {td} from {}", r.backup_volume),
            status,
        ));
    }
    for bd in list.syncs.get(td).into_iter().flatten() {
        let (status, _) = sync::ec_status(&sync::session(list, td, bd)?);
        out.push((
            Kind::Sync,
            format!("the synchronous processing of {td} to {bd}"),
            status,
        ));
    }
    for bd in list.tracking_of(td) {
        let status = match sync::session(list, td, &bd)? {
            Pair::Unobtainable => "?????".to_string(),
            Pair::Session(s) if s.kind == CopyKind::QuickOpc => match s.status {
                Status::Active if s.phase == Phase::Tracking => "tracking".into(),
                Status::Active => "executing".into(),
                _ => "failed".into(),
            },
            _ => "nosession".into(),
        };
        out.push((
            Kind::Tracking,
            format!("the tracking of {td} to {bd}"),
            status,
        ));
    }
    if let Some(g) = list.history_of(td).last() {
        if let (Ok(td_info), Some(bd)) = (list.box_info_of(td), list.devices.get(&g.backup_volume))
        {
            let survey = crate::copy::Survey::default();
            let (status, _) = backup::status_of(&survey, &td_info, &bd.box_info);
            out.push((
                Kind::Snapshot,
                format!("the backup of {td} to {}", g.backup_volume),
                status,
            ));
        }
    }
    Ok(out)
}

/// `swstwait`.
pub fn swstwait(argv: Argv) -> ExitCode {
    forward::run(&SWSTWAIT, argv, |args| {
        let td = args.operand().unwrap_or_default();
        let want = match args.value("-s") {
            None => None,
            Some(w) => match WAITABLE.iter().find(|(s, _)| *s == w) {
                Some(&(s, k)) => Some((s, k)),
                None => {
                    let words: Vec<&str> = WAITABLE.iter().map(|(s, _)| *s).collect();
                    return Err(SWSTWAIT.not_a_status(w, &words));
                }
            },
        };
        let limit = SWSTWAIT.time_limit(args)?;
        server::check(args)?;
        let started = Instant::now();
        loop {
            let list = ListStore::open().load()?;
            list.check_configured()?;
            list.check_transaction(td)?;
            let now = processing(&list, td)?;
            for (_, what, status) in &now {
                if status == "failed" || status == "halt" {
                    return Err(messages::wait_failed(what, status));
                }
                if status == "?????" {
                    return Err(messages::wait_unobtainable(what));
                }
            }
            let waiting = match want {
                None => now.iter().find(|(_, _, s)| s == "executing"),
                Some((w, kind)) => {
                    let of_kind: Vec<_> = now.iter().filter(|(k, _, _)| *k == kind).collect();
                    if of_kind.is_empty() {
                        return Err(messages::wait_nothing(td, w));
                    }
                    if let Some((_, what, _)) = of_kind.iter().find(|(_, _, s)| s == "nosession") {
                        return Err(messages::wait_vanished(what));
                    }
                    of_kind.into_iter().find(|(_, _, s)| s != w)
                }
            };
            let Some((_, what, _)) = waiting else {
                return Ok(());
            };
            if let Some(limit) = limit {
                if started.elapsed() >= limit {
                    return Err(messages::wait_timeout(
                        what,
                        want.map_or("the end of the copy", |(w, _)| w),
                        limit.as_secs(),
                    ));
                }
            }
            std::thread::sleep(POLL);
        }
    })
}
