//! swsrprecoverres: resource adjustment (manual 8.3.3.1).
//!
//! - Without `-r` the replication management list must be readable; a damaged
//!   one is refused (`swsrp1805`) with the advice to use `-r`. The repository
//!   copy is checked too (`swsrp1806` when damaged), so that damage to it
//!   shows before `-r` needs it.
//! - `-r` rebuilds the list: from the repository copy ([`crate::repository`])
//!   when there is one (a damaged copy is refused, never restored from), else
//!   from the array: every copy session between two disks of this server
//!   (backup management's sessions, which involve a backup volume, left out)
//!   becomes a bi-directional pair, operation server both, no group, its
//!   source as original. The rebuilt list is also saved as the repository copy.
//! - Either way the array is asked about every box the list's local volumes
//!   are on: a box whose state cannot be read is refused (`swsrp1007`), not
//!   taken for a consistent one.
//! - Then the post-processing an interrupted `swsrpmake` left due is run and
//!   forgotten; with `-p` it is forgotten without running.
//!
//! The command excludes every other replication command (`swsrprecover.lock`).

use super::server;
use crate::exclusion;
use crate::list::{self, Direction, ListStore, OpServer, Pair, ReplicationList, Volume};
use crate::messages;
use crate::repository;
use crate::scripts;
use crate::session;
use crate::volume::{self, Operand};
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::msg::{Failure, Family};
use acm_host::Host;
use acm_manager::forward;
use acm_model::backup::{ListStore as BackupStore, Role};
use acm_scsi::model as m;
use std::process::ExitCode;

pub const SWSRPRECOVERRES: Spec = Spec {
    name: "swsrprecoverres",
    family: Family::Replication,
    flags: &["-r", "-p"],
    valued: &["-h"],
    exclusive: &[],
    operands: (0, 0),
    usage: "swsrprecoverres [-h serverName] [-r] [-p]",
};

pub fn swsrprecoverres(argv: Argv) -> ExitCode {
    forward::run(&SWSRPRECOVERRES, argv, |args| {
        let local = server(args)?;
        let _run = exclusion::enter("swsrprecoverres", None)?;
        if args.has("-r") {
            rebuild(&local)?;
        } else {
            let list = list::ListStore::open()
                .load()
                .map_err(|f| messages::list_damaged(f.message.text))?;
            repository::load()?;
            ask_every_box(&list, &local)?;
        }
        post_processing(&local, args.has("-p"))?;
        println!("swsrprecoverres completed");
        Ok(())
    })
}

/// Asks the array for the sessions of one local volume of each box of
/// `list`. An answer of any kind (a refusal such as "status unobtainable"
/// included) is an answer; a box that cannot be asked is `swsrp1007`.
fn ask_every_box(list: &ReplicationList, local: &str) -> Result<(), Failure> {
    let mut asked = std::collections::BTreeSet::new();
    for v in list.pairs.iter().flat_map(|p| [&p.original, &p.replica]) {
        if v.server != local || !asked.insert(v.box_info.box_id.clone()) {
            continue;
        }
        match crate::copy::driver_at(v).sessions() {
            Err(e) if e.copy_error().is_none() => {
                return Err(messages::array_error(&v.qualified(), e))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Runs (or with `skip`, only forgets) every due post-processing; the failures
/// stay due and the first is returned after all were tried.
fn post_processing(local: &str, skip: bool) -> Result<(), Failure> {
    let mut first = None;
    for d in scripts::due()? {
        if !skip {
            if let Err(f) = scripts::run(d.script, &d.volume, local) {
                first.get_or_insert(f);
                continue;
            }
        }
        scripts::forget(&d.operation, d.script, &d.volume)?;
    }
    first.map_or(Ok(()), Err)
}

/// `-r`: writes the list afresh (it may be unreadable, so it is not read),
/// from the repository or else from the array.
fn rebuild(local: &str) -> Result<(), Failure> {
    let rebuilt = match repository::load()? {
        Some(l) => l,
        None => {
            let host = volume::load_host()?;
            let l = from_array(&host, local)?;
            repository::save(&l)?;
            l
        }
    };
    ask_every_box(&rebuilt, local)?;
    ListStore::open().replace("swsrprecoverres", &rebuilt)
}

/// The pairs the array knows between two disks of this server.
pub fn from_array(host: &Host, local: &str) -> Result<ReplicationList, Failure> {
    let backup = BackupStore::open().load().ok();
    let is_backup_volume = |v: &Volume| {
        backup.as_ref().is_some_and(|b| {
            b.devices
                .values()
                .any(|d| d.role == Role::Backup && d.box_info == v.box_info)
        })
    };
    // Each disk of this host as a resolved volume, by (box, OLU).
    let mut disks: Vec<Volume> = Vec::new();
    for name in host.disks.keys() {
        let op = Operand {
            device: name.clone(),
            server: local.to_string(),
            local: true,
        };
        if let Ok(v) = volume::resolve(host, &op) {
            disks.push(v);
        }
    }
    let find = |e: &m::Extent| {
        disks
            .iter()
            .find(|v| v.box_info.box_id == e.box_id.as_str() && v.box_info.olu == e.olu)
    };
    let survey = session::survey(&disks);
    let mut list = ReplicationList::default();
    for v in &disks {
        let sessions = match survey.lun(&v.box_info.box_id, v.box_info.olu) {
            Ok(s) => s,
            Err(e) if e.refusal.is_some() => continue,
            Err(e) => return Err(messages::array_error(&v.qualified(), e)),
        };
        for s in sessions {
            let (Some(src), Some(dst)) = (find(&s.src), find(&s.dst)) else {
                continue;
            };
            if src.device == dst.device || is_backup_volume(src) || is_backup_volume(dst) {
                continue;
            }
            if list.find(src, dst).is_some() || list.find(dst, src).is_some() {
                continue;
            }
            list.pairs.push(Pair {
                original: src.clone(),
                replica: dst.clone(),
                direction: Direction::Bi,
                op_server: OpServer::Both,
                no_size_check: src.size != dst.size,
                group: None,
            });
        }
    }
    Ok(list)
}
