//! The configuration commands: `swsrpsetvol`, `swsrpvolinfo`, `swsrpdelvol`.

use super::{server, valid_group_name};
use crate::exclusion;
use crate::list::{Direction, ListStore, OpServer, Pair, ReplicationList, Volume};
use crate::messages;
use crate::pair;
use crate::volume::{self, Operand};
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::msg::{Failure, Family};
use acm_core::report::{col, Cell, Column, Kind, Table};
use acm_host::DeviceKind;
use acm_manager::forward;
use acm_model::backup::{BoxInfo, ListStore as BackupStore, Role};
use acm_scsi::model as m;
use std::process::ExitCode;

const R: Family = Family::Replication;

pub const SWSRPSETVOL: Spec = Spec {
    name: "swsrpsetvol",
    family: R,
    flags: &["-n", "-u"],
    valued: &["-h", "-o", "-Xgroup"],
    exclusive: &[],
    operands: (2, 2),
    usage: "swsrpsetvol [-h serverName] [-n] [-u] [-o ORG|REP|BOTH] [-Xgroup groupName] \
            originalVolumeName replicaVolumeName",
};

pub const SWSRPVOLINFO: Spec = Spec {
    name: "swsrpvolinfo",
    family: R,
    flags: &["-L", "-Xjson"],
    valued: &["-h"],
    exclusive: &[],
    operands: (0, 1),
    usage: "swsrpvolinfo [-h serverName] [-L] [originalVolumeName]",
};

pub const SWSRPDELVOL: Spec = Spec {
    name: "swsrpdelvol",
    family: R,
    flags: &["-e", "-d"],
    valued: &["-h", "-Xgroup"],
    exclusive: &[],
    operands: (0, 2),
    usage: "swsrpdelvol [-h serverName] [-e] [-d] originalVolumeName replicaVolumeName | \
            swsrpdelvol [-h serverName] [-e] [-d] -Xgroup groupName",
};

// ---------------------------------------------------------------- swsrpsetvol

/// What `swsrpsetvol` was asked to set.
#[derive(Debug, Clone)]
pub struct SetRequest {
    pub direction: Direction,
    pub op_server: OpServer,
    pub no_size_check: bool,
    pub group: Option<String>,
}

pub fn swsrpsetvol(argv: Argv) -> ExitCode {
    forward::run(&SWSRPSETVOL, argv, |args| {
        let op_server = match args.value("-o") {
            None => OpServer::Both,
            Some(v) => OpServer::parse(v).ok_or_else(|| {
                messages::usage(
                    &format!("The value {v} of -o is not valid (ORG, REP or BOTH)"),
                    SWSRPSETVOL.usage,
                )
            })?,
        };
        let group = args.value("-Xgroup").map(str::to_string);
        if let Some(g) = &group {
            if !valid_group_name(g) {
                return Err(messages::bad_group_name(g));
            }
        }
        let req = SetRequest {
            direction: if args.has("-u") {
                Direction::Uni
            } else {
                Direction::Bi
            },
            op_server,
            no_size_check: args.has("-n"),
            group,
        };
        let local = server(args)?;
        let (orig, rep) = (&args.operands[0], &args.operands[1]);
        let o = volume::parse(orig, &local)?;
        let r = volume::parse(rep, &local)?;
        if !o.local && !r.local {
            return Err(messages::no_local_volume(&o.qualified(), &r.qualified()));
        }
        let server_to_server = o.server != r.server;
        if server_to_server && args.value("-o").is_none() {
            return Err(messages::usage(
                "-o ORG|REP|BOTH is required for server-to-server replication",
                SWSRPSETVOL.usage,
            ));
        }
        let _run = exclusion::enter("swsrpsetvol", Some(&format!("{orig} {rep}")))?;
        let host = volume::load_host_for(&[&o.device, &r.device])?;
        let original = volume::resolve_any(&host, &o)?;
        let replica = volume::resolve_any(&host, &r)?;
        // Only the backup list's records about the two volumes.
        let backup = BackupStore::open()
            .load_devices(
                &[&original.device, &replica.device],
                &[&original.box_info, &replica.box_info],
            )
            .map_err(|f| messages::backup_list_error(f.message.text))?;
        let group = req.group.as_deref();
        ListStore::open().add("swsrpsetvol", &original, &replica, group, |list| {
            check_backup(&backup, &local, &original, &replica, req.direction)?;
            add_pair(list, original.clone(), replica.clone(), &req)?;
            // The peer records the pair too; if it cannot, nothing is saved here.
            if server_to_server {
                let peer = if o.local { &r.server } else { &o.server };
                let pair = list.pairs.last().cloned().expect("just added");
                crate::peer::call(peer, &crate::peer::Request::AddPair { pair })?;
            }
            Ok(())
        })?;
        println!("swsrpsetvol completed");
        Ok(())
    })
}

/// Refuses a replica registered as a backup volume, or an original registered
/// as one with bi-directional copy (volumes of this server, `local`; the peer's
/// backup list is the peer's business).
fn check_backup(
    backup: &acm_model::backup::BackupList,
    local: &str,
    original: &Volume,
    replica: &Volume,
    direction: Direction,
) -> Result<(), Failure> {
    let registered_backup = |v: &Volume| {
        if v.server != local {
            return None;
        }
        backup
            .devices
            .iter()
            .find(|(name, d)| {
                d.role == Role::Backup && (**name == v.device || d.box_info == v.box_info)
            })
            .map(|(name, _)| name.clone())
    };
    if let Some(name) = registered_backup(replica) {
        return Err(messages::replica_is_backup(&replica.qualified(), &name));
    }
    if direction == Direction::Bi {
        if let Some(name) = registered_backup(original) {
            return Err(messages::original_is_backup(&original.qualified(), &name));
        }
    }
    Ok(())
}

/// Checks every refusal of `swsrpsetvol` that depends on the list and the two
/// resolved volumes, then appends the pair.
pub fn add_pair(
    list: &mut ReplicationList,
    original: Volume,
    replica: Volume,
    req: &SetRequest,
) -> Result<(), Failure> {
    let (oq, rq) = (original.qualified(), replica.qualified());
    if original.device == replica.device && original.server == replica.server
        || original.box_info == replica.box_info
    {
        return Err(messages::same_volume(&oq, &rq));
    }
    let vg = |v: &Volume| v.kind == DeviceKind::VolumeGroup;
    if vg(&original) != vg(&replica) {
        return Err(messages::vg_pair(&oq, &rq));
    }
    if list.find(&original, &replica).is_some() {
        return Err(messages::already_set(&oq, &rq));
    }
    if list.find(&replica, &original).is_some() {
        return Err(messages::reversed_set(&oq, &rq));
    }
    let same = |a: &BoxInfo, b: &BoxInfo, p: &Pair| {
        (p.original.box_info == *a && p.replica.box_info == *b)
            || (p.original.box_info == *b && p.replica.box_info == *a)
    };
    if let Some(p) = list
        .pairs
        .iter()
        .find(|p| same(&original.box_info, &replica.box_info, p))
    {
        return Err(messages::same_box_info(
            &oq,
            &rq,
            &format!("{} {}", p.original.qualified(), p.replica.qualified()),
        ));
    }
    if !req.no_size_check && original.size != replica.size {
        return Err(messages::size_mismatch(
            &oq,
            original.size,
            &rq,
            replica.size,
        ));
    }
    if let Some(g) = &req.group {
        check_group(list, g, &original, &replica, req)?;
    }
    list.pairs.push(Pair {
        original,
        replica,
        direction: req.direction,
        op_server: req.op_server,
        no_size_check: req.no_size_check,
        group: req.group.clone(),
    });
    Ok(())
}

/// The group configuration conditions (manual 6.4.7): every pair
/// of a group has the same original and replica servers, the same operation
/// server and copy direction, and no volume appears twice in a group.
fn check_group(
    list: &ReplicationList,
    group: &str,
    original: &Volume,
    replica: &Volume,
    req: &SetRequest,
) -> Result<(), Failure> {
    for p in list.group(group) {
        if p.original.server != original.server || p.replica.server != replica.server {
            return Err(messages::group_conditions(
                group,
                format!(
                    "its pairs copy from {} to {}",
                    p.original.server, p.replica.server
                ),
            ));
        }
        if p.op_server != req.op_server {
            return Err(messages::group_conditions(
                group,
                format!("its operation server is {}", p.op_server.word()),
            ));
        }
        if p.direction != req.direction {
            return Err(messages::group_conditions(
                group,
                format!("its copy direction is {}", p.direction.word()),
            ));
        }
        for v in [original, replica] {
            for w in [&p.original, &p.replica] {
                if v.is(&w.device, &w.server) || v.box_info == w.box_info {
                    return Err(messages::group_conditions(
                        group,
                        format!("{} is already in the group", v.qualified()),
                    ));
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- swsrpvolinfo

pub fn swsrpvolinfo(argv: Argv) -> ExitCode {
    forward::run(&SWSRPVOLINFO, argv, |args| {
        let local = server(args)?;
        let wanted = args
            .operand()
            .map(|o| volume::parse(o, &local))
            .transpose()?;
        let _run = exclusion::enter("swsrpvolinfo", args.operand())?;
        let list = ListStore::open().load()?;
        volinfo(&list, &local, wanted.as_ref(), args.has("-L"))?.print(args);
        Ok(())
    })
}

/// The columns of `swsrpvolinfo -L` (without `-L`, all but `Group`).
const VOLINFO_L: &[Column] = &[
    col("Server", "server", Kind::Text),
    col("Original-Volume", "original_volume", Kind::Text),
    col("Size", "original_size", Kind::Bytes),
    col("Replica-Volume", "replica_volume", Kind::Text),
    col("Size", "replica_size", Kind::Bytes),
    col("Copy", "copy", Kind::Text),
    col("Op-Server", "op_server", Kind::Text),
    col("Group", "group", Kind::Text),
];

/// The `swsrpvolinfo` table of `list`: every pair, or those whose original is
/// `wanted` (refused with `swsrp1301` when there is none).
pub fn volinfo(
    list: &ReplicationList,
    local: &str,
    wanted: Option<&Operand>,
    long: bool,
) -> Result<Table, Failure> {
    let pairs: Vec<&Pair> = list
        .pairs
        .iter()
        .filter(|p| wanted.is_none_or(|w| p.original.is(&w.device, &w.server)))
        .collect();
    if let (Some(w), true) = (wanted, pairs.is_empty()) {
        return Err(messages::not_original(&w.qualified()));
    }
    let columns = if long { VOLINFO_L } else { &VOLINFO_L[..7] };
    let mut rows = Table::new(columns);
    for p in pairs {
        let mut row = vec![
            Cell::from(local),
            p.original.qualified().into(),
            Cell::bytes(p.original.size),
            p.replica.qualified().into(),
            Cell::bytes(p.replica.size),
            p.direction.word().into(),
            p.op_server.word().into(),
        ];
        if long {
            row.push(p.group.as_deref().unwrap_or("----").into());
        }
        rows.push(row);
    }
    Ok(rows)
}

// ---------------------------------------------------------------- swsrpdelvol

pub fn swsrpdelvol(argv: Argv) -> ExitCode {
    forward::run(&SWSRPDELVOL, argv, |args| {
        let group = args.value("-Xgroup");
        match (group, args.operands.len()) {
            (Some(_), 0) | (None, 2) => {}
            (Some(_), _) => {
                return Err(messages::usage(
                    "-Xgroup replaces the volume operands",
                    SWSRPDELVOL.usage,
                ))
            }
            (None, _) => {
                return Err(messages::usage(
                    "Give originalVolumeName and replicaVolumeName, or -Xgroup",
                    SWSRPDELVOL.usage,
                ))
            }
        }
        let local = server(args)?;
        let target = match group {
            Some(g) => format!("GROUP={g}"),
            None => args.operands.join(" "),
        };
        let emergency = args.has("-e");
        let ops = if group.is_none() {
            let o = volume::parse(&args.operands[0], &local)?;
            let r = volume::parse(&args.operands[1], &local)?;
            if !o.local && !r.local {
                return Err(messages::no_local_volume(&o.qualified(), &r.qualified()));
            }
            Some((o, r))
        } else {
            None
        };
        let _run = exclusion::enter("swsrpdelvol", Some(&target))?;
        ListStore::open().update("swsrpdelvol", |list| {
            let indexes: Vec<usize> = match (&ops, group) {
                (Some((o, r)), _) => {
                    let found = list.pairs.iter().position(|p| {
                        p.original.is(&o.device, &o.server) && p.replica.is(&r.device, &r.server)
                    });
                    vec![found.ok_or_else(|| messages::not_set(&o.qualified(), &r.qualified()))?]
                }
                (None, Some(g)) => {
                    let v: Vec<usize> = (0..list.pairs.len())
                        .filter(|&i| list.pairs[i].group.as_deref() == Some(g))
                        .collect();
                    if v.is_empty() {
                        return Err(messages::no_group(g));
                    }
                    v
                }
                (None, None) => unreachable!("checked above"),
            };
            let no_peer = args.has("-d");
            for &i in &indexes {
                let p = &list.pairs[i];
                let names = format!("{} {}", p.original.qualified(), p.replica.qualified());
                if no_peer && !pair::is_server_to_server(p) {
                    return Err(messages::d_single_server(&names));
                }
                // -d is the non-operation server's release function.
                if !no_peer && !pair::is_operation_server(p, &local) {
                    return Err(messages::not_operation_server(&names, &local));
                }
            }
            if !emergency {
                let host = volume::load_host()?;
                for &i in &indexes {
                    check_deletable(&host, &list.pairs[i])?;
                }
            }
            // The peer forgets the pair first; if it cannot, nothing is saved here.
            if !no_peer {
                for &i in &indexes {
                    let p = &list.pairs[i];
                    if pair::is_server_to_server(p) {
                        let peer = if p.original.server == local {
                            &p.replica.server
                        } else {
                            &p.original.server
                        };
                        crate::peer::call(
                            peer,
                            &crate::peer::Request::DeletePair { pair: p.clone() },
                        )?;
                    }
                }
            }
            for &i in indexes.iter().rev() {
                list.pairs.remove(i);
            }
            Ok(())
        })?;
        println!("swsrpdelvol completed");
        Ok(())
    })
}

/// Refuses to delete a pair whose local volume group is inactive or whose
/// copy session the array reports (or cannot report).
fn check_deletable(host: &acm_host::Host, p: &Pair) -> Result<(), Failure> {
    for v in [&p.original, &p.replica] {
        if v.kind == DeviceKind::VolumeGroup {
            if let Ok(r) = host.resolve(&v.device) {
                if !r.active {
                    return Err(messages::inactive_vg(&v.device));
                }
            }
        }
    }
    let (oq, rq) = (p.original.qualified(), p.replica.qualified());
    let (Some(a), Some(b)) = (extent(&p.original.box_info), extent(&p.replica.box_info)) else {
        return Err(messages::unconfirmed(&oq, &rq));
    };
    for v in [&p.original, &p.replica] {
        let sessions =
            match acm_host::scsi::driver_to(&v.box_info.box_id, v.box_info.olu).sessions() {
                Ok(s) => s,
                Err(e) if e.copy_error() == Some(&m::CopyError::Unobtainable) => {
                    return Err(messages::unconfirmed(&oq, &rq))
                }
                Err(e) => return Err(messages::array_error(&v.qualified(), e)),
            };
        let between = |s: &m::SessionInfo| {
            (same_lun(&s.src, &a) && same_lun(&s.dst, &b))
                || (same_lun(&s.src, &b) && same_lun(&s.dst, &a))
        };
        if sessions.iter().any(between) {
            return Err(messages::copy_in_progress(&oq, &rq));
        }
    }
    Ok(())
}

/// Whether a session extent lies on the same LUN as a pair's volume and overlaps it.
fn same_lun(s: &m::Extent, v: &m::Extent) -> bool {
    s.box_id == v.box_id
        && s.olu == v.olu
        && s.start_lba < v.start_lba.saturating_add(v.blocks)
        && v.start_lba < s.start_lba.saturating_add(s.blocks)
}

fn extent(info: &BoxInfo) -> Option<m::Extent> {
    info.extent()
}
