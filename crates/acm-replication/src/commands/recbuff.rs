//! swsrprecbuffstat and swsrprecbuffset: the REC buffer (manual 8.3.1.4, 8.3.1.5).
//!
//! Both name a replication volume of this Managed Server (a volume of a pair in
//! the list, as original or replica) and address the box that holds it, through
//! the SCSI driver on the volume's LUN: the box answers for its own REC buffers
//! (`rec_buffers`, one vendor query) and changes one (`set_rec_buffer`). The
//! box refuses a change while a Consistency-mode REC session through the buffer
//! is ACTIVE or ERROR SUSPEND; the command reports that as `swsrp1804`.

use super::server;
use crate::copy::driver_at;
use crate::exclusion;
use crate::list::{ListStore, Volume};
use crate::messages;
use crate::volume;
use acm_core::cli::Argv;
use acm_core::cli::{Args, Spec};
use acm_core::msg::{Failure, Family};
use acm_core::report::{self, col, Column, Kind, Table};
use acm_manager::forward;
use acm_scsi::driver::DriverError;
use acm_scsi::model::{BufferUse, DiskBufferState, RecBufferInfo};
use std::process::ExitCode;

pub const SWSRPRECBUFFSTAT: Spec = Spec {
    name: "swsrprecbuffstat",
    family: Family::Replication,
    flags: &["-L", "-Xjson"],
    valued: &["-h"],
    exclusive: &[],
    operands: (1, 1),
    usage: "swsrprecbuffstat [-h serverName] [-L] volumeName",
};

pub const SWSRPRECBUFFSET: Spec = Spec {
    name: "swsrprecbuffset",
    family: Family::Replication,
    flags: &[],
    valued: &["-h", "-Xbuffid", "-Xbuffuse"],
    exclusive: &[],
    operands: (1, 1),
    usage: "swsrprecbuffset [-h serverName] -Xbuffid buffer-id -Xbuffuse SEND|RECV volumeName",
};

/// The replication volume `text` names: a volume of this server (`local`) that
/// is the original or replica of a pair in the list (`swsrp1801` otherwise).
fn replication_volume(text: &str, local: &str) -> Result<Volume, Failure> {
    let op = volume::parse(text, local)?;
    if !op.local {
        return Err(messages::not_replication_volume(&op.qualified()));
    }
    let list = ListStore::open().load()?;
    let found = list
        .pairs
        .iter()
        .flat_map(|p| [&p.original, &p.replica])
        .find(|v| v.is(&op.device, &op.server))
        .cloned();
    found.ok_or_else(|| messages::not_replication_volume(&op.qualified()))
}

/// A refusal of the box for the REC buffers of `v`.
fn buffer_refused(v: &Volume, e: &DriverError) -> Failure {
    match e.copy_error() {
        Some(c) => messages::rec_buffer_refused(&v.box_info.box_id, c),
        None => messages::array_error(&v.qualified(), e),
    }
}

/// The word of a buffer use.
pub fn use_word(u: BufferUse) -> &'static str {
    match u {
        BufferUse::Send => "SEND",
        BufferUse::Recv => "RECV",
    }
}

/// The `DiskBuff` column.
pub fn disk_word(d: DiskBufferState) -> String {
    match d {
        DiskBufferState::None => "---".to_string(),
        DiskBufferState::Active => "active".to_string(),
        DiskBufferState::Invalid => "invalid".to_string(),
        DiskBufferState::Warning(c) => format!("warning(code={c:02})"),
        DiskBufferState::Inactive(c) => format!("inactive(code={c:02})"),
        DiskBufferState::NotSupported => "not_support".to_string(),
    }
}

/// The `Rate` column. The manual says a SEND buffer's rate "is never 0%, even
/// if REC is not being performed in Consistency mode", so a SEND buffer the box
/// reports empty shows 1% (RECV shows the box's 0%; `----` while unusable).
pub fn rate_word(b: &RecBufferInfo) -> String {
    match (b.usage, b.rate) {
        (_, None) => "----".to_string(),
        (BufferUse::Send, Some(r)) => format!("{}%", r.max(1)),
        (BufferUse::Recv, Some(r)) => format!("{r}%"),
    }
}

/// The columns of `swsrprecbuffstat -L` (without `-L`, the first four).
const RECBUFFSTAT_L: &[Column] = &[
    col("ID", "id", Kind::Int),
    col("Use", "use", Kind::Text),
    col("Rate", "rate", Kind::Percent),
    col("RemoteBoxID", "remote_box_id", Kind::Text),
    col("DiskBuff", "disk_buff", Kind::Text),
    col("DiskRate", "disk_rate", Kind::Percent),
];

/// The buffers' table, by buffer ID.
fn recbuff_table(buffers: &[RecBufferInfo], long: bool) -> Table {
    let columns = if long {
        RECBUFFSTAT_L
    } else {
        &RECBUFFSTAT_L[..4]
    };
    let mut sorted: Vec<&RecBufferInfo> = buffers.iter().collect();
    sorted.sort_by_key(|b| b.id);
    let rows: Vec<Vec<String>> = sorted
        .iter()
        .map(|b| {
            let mut row = vec![
                b.id.to_string(),
                use_word(b.usage).to_string(),
                rate_word(b),
                b.remote_box.to_string(),
            ];
            if long {
                row.push(disk_word(b.disk_buffer));
                row.push(
                    b.disk_rate
                        .map_or_else(|| "---".to_string(), |r| format!("{r}%")),
                );
            }
            row
        })
        .collect();
    Table::of_text(columns, rows)
}

/// The `swsrprecbuffstat` output for box `box_id`: `BoxID = ...`, then the table.
pub fn recbuffstat(box_id: &str, buffers: &[RecBufferInfo], long: bool) -> String {
    format!("BoxID = {box_id}\n{}", recbuff_table(buffers, long).text())
}

pub fn swsrprecbuffstat(argv: Argv) -> ExitCode {
    forward::run(&SWSRPRECBUFFSTAT, argv, |args| {
        let local = server(args)?;
        let operand = &args.operands[0];
        let _run = exclusion::enter("swsrprecbuffstat", Some(operand))?;
        let v = replication_volume(operand, &local)?;
        let buffers = driver_at(&v)
            .rec_buffers()
            .map_err(|e| buffer_refused(&v, &e))?;
        if args.has(report::JSON) {
            // The box's ID in every row (the line above the table).
            let mut rows = recbuff_table(&buffers, args.has("-L")).json();
            for r in &mut rows {
                r["box_id"] = v.box_info.box_id.clone().into();
            }
            report::print_rows(rows);
        } else {
            print!(
                "{}",
                recbuffstat(&v.box_info.box_id, &buffers, args.has("-L"))
            );
        }
        Ok(())
    })
}

/// The `-Xbuffid` and `-Xbuffuse` values (both mandatory).
fn buffer_options(args: &Args) -> Result<(u32, BufferUse), Failure> {
    let usage = SWSRPRECBUFFSET.usage;
    let (Some(id), Some(word)) = (args.value("-Xbuffid"), args.value("-Xbuffuse")) else {
        return Err(messages::usage(
            "-Xbuffid and -Xbuffuse are required",
            usage,
        ));
    };
    let id = if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        id.parse::<u32>().ok()
    } else {
        None
    }
    .ok_or_else(|| messages::usage(&format!("The buffer ID {id} is not valid"), usage))?;
    let u = match word {
        "SEND" => BufferUse::Send,
        "RECV" => BufferUse::Recv,
        other => {
            return Err(messages::usage(
                &format!("The value {other} of -Xbuffuse is not valid (SEND or RECV)"),
                usage,
            ))
        }
    };
    Ok((id, u))
}

pub fn swsrprecbuffset(argv: Argv) -> ExitCode {
    forward::run(&SWSRPRECBUFFSET, argv, |args| {
        let (id, usage) = buffer_options(args)?;
        let local = server(args)?;
        let operand = &args.operands[0];
        let target = volume::parse(operand, &local)?.qualified();
        let _run = exclusion::enter("swsrprecbuffset", Some(&target))?;
        let v = replication_volume(operand, &local)?;
        let mut driver = driver_at(&v);
        let buffers = driver.rec_buffers().map_err(|e| buffer_refused(&v, &e))?;
        if !buffers.iter().any(|b| b.id == id) {
            return Err(messages::no_rec_buffer(id, &v.box_info.box_id));
        }
        driver.set_rec_buffer(id, usage).map_err(|e| {
            if e.copy_error() == Some(&acm_scsi::model::CopyError::BufferInUse) {
                messages::rec_buffer_in_use(id, &v.box_info.box_id)
            } else {
                buffer_refused(&v, &e)
            }
        })?;
        println!("swsrprecbuffset completed");
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use acm_scsi::model::BoxId;

    #[test]
    fn table_columns() {
        let remote = BoxId::parse(&"B".repeat(40)).unwrap();
        let b = |id, usage, rate, disk, disk_rate| RecBufferInfo {
            id,
            usage,
            rate,
            remote_box: remote,
            disk_buffer: disk,
            disk_rate,
        };
        let bufs = [
            b(2, BufferUse::Recv, Some(0), DiskBufferState::None, None),
            b(
                1,
                BufferUse::Send,
                Some(25),
                DiskBufferState::Active,
                Some(50),
            ),
            b(
                3,
                BufferUse::Send,
                None,
                DiskBufferState::Warning(8),
                Some(0),
            ),
            b(4, BufferUse::Send, Some(0), DiskBufferState::Invalid, None),
        ];
        let out = recbuffstat("A", &bufs, true);
        let lines: Vec<Vec<&str>> = out
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(lines[0], ["BoxID", "=", "A"]);
        assert_eq!(
            lines[1],
            ["ID", "Use", "Rate", "RemoteBoxID", "DiskBuff", "DiskRate"]
        );
        let r = "B".repeat(40);
        assert_eq!(lines[2], ["1", "SEND", "25%", &r, "active", "50%"]);
        assert_eq!(lines[3], ["2", "RECV", "0%", &r, "---", "---"]);
        assert_eq!(
            lines[4],
            ["3", "SEND", "----", &r, "warning(code=08)", "0%"]
        );
        assert_eq!(lines[5], ["4", "SEND", "1%", &r, "invalid", "---"]);
        let short = recbuffstat("A", &bufs, false);
        assert_eq!(short.lines().nth(1).unwrap().split_whitespace().count(), 4);
    }
}
