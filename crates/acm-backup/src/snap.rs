//! The SnapOPC/SnapOPC+ support commands (manual 8.5): `swstestupdate`, which
//! measures the update amount of a volume with a monitor session, and `swstsdv`,
//! which initialises and displays Snap Data Volumes and displays the Snap Data Pool.
//!
//! Neither touches the backup management list: every figure comes fresh from the
//! array through the SCSI driver. A volume operand is resolved through the host to
//! its LU (a volume group of one disk means that disk's whole LU); the `-G` forms
//! address the box through another volume of it (the access volume) and name the
//! Snap Data Volume by its LU number.

use crate::device::{self, Volume};
use crate::messages;
use acm_core::cli::Argv;
use acm_core::cli::{Args, Spec};
use acm_core::msg::{Failure, Family};
use acm_core::report::{self, col, Column, Kind, Table};
use acm_manager::forward;
use acm_scsi::driver::{Driver, DriverError};
use acm_scsi::model::{CopyError, MonitorStatus, PoolStat, SdvStat};
use acm_scsi::transport::Transport;
use std::process::ExitCode;

pub const SWSTESTUPDATE: Spec = Spec {
    name: "swstestupdate",
    family: Family::Backup,
    flags: &["-Xjson"],
    valued: &[],
    exclusive: &[],
    operands: (2, 2),
    usage: "/opt/FJSVswsts/bin/swstestupdate start|status|stop volumeName",
};

pub const SWSTSDV: Spec = Spec {
    name: "swstsdv",
    family: Family::Backup,
    flags: &["-Xjson"],
    valued: &["-G"],
    exclusive: &[],
    operands: (1, 2),
    usage: "/opt/FJSVswsts/bin/swstsdv init volumeName | init -G accessVolumeName luNumber | \
            stat volumeName | stat -G accessVolumeName luNumber | poolstat -G volumeName",
};

type Drv = Driver<Box<dyn Transport>>;

/// The driver addressing the LU of `vol`.
fn driver(vol: &Volume) -> Drv {
    acm_host::scsi::driver_to(&vol.box_id, vol.olu)
}

/// Resolves a volume operand through this server's host.
fn volume(name: &str) -> Result<Volume, Failure> {
    let host = device::load_host()?;
    device::resolve(&host, name)
}

/// A refusal of the array for the operation on `what`, with the refusals the
/// commands name mapped to their own messages.
fn refusal(what: &str, e: &DriverError) -> Failure {
    match e.copy_error() {
        Some(CopyError::MonitorExists) => messages::snap_monitor_exists(what),
        Some(CopyError::NoMonitor) => messages::snap_no_monitor(what),
        Some(CopyError::NotSupported) => messages::snap_not_sdv(what),
        Some(CopyError::WrongPhase) => messages::snap_sdv_in_use(what),
        Some(CopyError::NoSuchLun) => messages::snap_no_such_lun(what),
        Some(c) => messages::snap_array_refused(what, c),
        None => messages::array_error(e),
    }
}

/// `NN%`: `part` of `whole`, rounded down (0% of nothing).
fn rate(part: u64, whole: u64) -> String {
    let pct = (u128::from(part) * 100)
        .checked_div(u128::from(whole))
        .unwrap_or(0);
    format!("{pct}%")
}

/// `swstestupdate start|status|stop volumeName`.
pub fn swstestupdate(argv: Argv) -> ExitCode {
    forward::run(&SWSTESTUPDATE, argv, |args| {
        let (sub, name) = (args.operands[0].as_str(), args.operands[1].as_str());
        if !matches!(sub, "start" | "status" | "stop") {
            return Err(messages::usage(
                &format!("The subcommand {sub} is not valid (start, status or stop)"),
                SWSTESTUPDATE.usage,
            ));
        }
        let vol = volume(name)?;
        let mut d = driver(&vol);
        match sub {
            "start" => {
                d.monitor_start().map_err(|e| refusal(name, &e))?;
                println!("{name} swstestupdate completed");
            }
            "stop" => {
                d.monitor_stop().map_err(|e| refusal(name, &e))?;
                println!("{name} swstestupdate completed");
            }
            _ => {
                let (update, monitor) = match d.monitor_status().map_err(|e| refusal(name, &e))? {
                    MonitorStatus::None => ("----".to_string(), "none"),
                    MonitorStatus::Counting(blocks) => (blocks.to_string(), "counting"),
                    MonitorStatus::Failed => ("failed".to_string(), "failed"),
                };
                let t = Table::of_text(ESTUPDATE, vec![vec![name.to_string(), update]]);
                if args.has(report::JSON) {
                    // "failed" is no block count: the monitor's state says it.
                    let mut row = t.json().remove(0);
                    row["monitor"] = monitor.into();
                    report::print_rows(vec![row]);
                } else {
                    print!("{}", t.text());
                }
            }
        }
        Ok(())
    })
}

/// The Snap Data Volume an `init`/`stat` command line names: the driver to reach
/// it, its LU number, its box identifier, and how messages call it.
struct Target {
    driver: Drv,
    olu: u32,
    box_id: String,
    what: String,
}

fn lu_number(word: &str) -> Result<u32, Failure> {
    if word.is_empty() || !word.bytes().all(|b| b.is_ascii_digit()) {
        return Err(messages::usage(
            &format!("The LU number {word} is not a decimal number"),
            SWSTSDV.usage,
        ));
    }
    word.parse().map_err(|_| {
        messages::usage(
            &format!("The LU number {word} is out of range"),
            SWSTSDV.usage,
        )
    })
}

fn target(args: &Args) -> Result<Target, Failure> {
    let operand = args.operands[1].as_str();
    match args.value("-G") {
        Some(access) => {
            let olu = lu_number(operand)?;
            let vol = volume(access)?;
            Ok(Target {
                driver: driver(&vol),
                olu,
                box_id: vol.box_id,
                what: format!("LU {olu} (0x{olu:X}) through {access}"),
            })
        }
        None => {
            let vol = volume(operand)?;
            Ok(Target {
                driver: driver(&vol),
                olu: vol.olu,
                box_id: vol.box_id,
                what: operand.to_string(),
            })
        }
    }
}

/// The columns of `swstestupdate status`.
const ESTUPDATE: &[Column] = &[
    col("Volume-Name", "volume_name", Kind::Text),
    col("Update", "update", Kind::Int),
];

/// The columns of `swstsdv stat`, and of `swstsdv poolstat`.
const SDV_STAT: &[Column] = &[
    col("Rate", "rate", Kind::Percent),
    col("Logical(sector)", "logical_sectors", Kind::Int),
    col("Physical(sector)", "physical_sectors", Kind::Int),
    col("Used(sector)", "used_sectors", Kind::Int),
    col("Copy(sector)", "copy_sectors", Kind::Int),
    col("Host(sector)", "host_sectors", Kind::Int),
    col("Pool(sector)", "pool_sectors", Kind::Int),
];
const POOL_STAT: &[Column] = &[
    col("Pool-Type", "pool_type", Kind::Text),
    col("Rate", "rate", Kind::Percent),
    col("Total(sector)", "total_sectors", Kind::Int),
    col("Used(sector)", "used_sectors", Kind::Int),
    col("Copy(sector)", "copy_sectors", Kind::Int),
    col("Host(sector)", "host_sectors", Kind::Int),
    col("Free(sector)", "free_sectors", Kind::Int),
];

fn sdv_table(s: &SdvStat) -> Table {
    Table::of_text(
        SDV_STAT,
        vec![vec![
            rate(s.used, s.physical),
            s.logical.to_string(),
            s.physical.to_string(),
            s.used.to_string(),
            s.copy.to_string(),
            s.host.to_string(),
            s.pool.to_string(),
        ]],
    )
}

fn pool_table(p: &PoolStat) -> Table {
    Table::of_text(
        POOL_STAT,
        vec![vec![
            if p.encrypted { "Encrypted" } else { "Normal" }.to_string(),
            rate(p.used, p.total),
            p.total.to_string(),
            p.used.to_string(),
            p.copy.to_string(),
            p.host.to_string(),
            p.free.to_string(),
        ]],
    )
}

/// The JSON of a `stat`/`poolstat`: the lines above the table as fields
/// beside the row's.
fn print_json(fields: &[(&str, report::Value)], t: &Table) {
    let mut row = t.json().remove(0);
    for (k, v) in fields {
        row[*k] = v.clone();
    }
    report::print_rows(vec![row]);
}

/// `swstsdv init|stat volumeName`, `swstsdv init|stat -G accessVolumeName luNumber`,
/// `swstsdv poolstat -G volumeName`.
pub fn swstsdv(argv: Argv) -> ExitCode {
    forward::run(&SWSTSDV, argv, |args| {
        let sub = args.operands[0].as_str();
        let usage = |why: &str| Err(messages::usage(why, SWSTSDV.usage));
        match sub {
            "init" | "stat" if args.operands.len() < 2 => {
                return usage(if args.has("-G") {
                    "An operand is missing (luNumber)"
                } else {
                    "An operand is missing (volumeName)"
                })
            }
            "init" | "stat" => {}
            "poolstat" if !args.has("-G") => return usage("poolstat needs -G volumeName"),
            "poolstat" if args.operands.len() > 1 => {
                return usage(&format!("Too many operands ({})", args.operands[1]))
            }
            "poolstat" => {}
            other => {
                return usage(&format!(
                    "The subcommand {other} is not valid (init, stat or poolstat)"
                ))
            }
        }
        if sub == "poolstat" {
            let name = args.value("-G").unwrap_or_default();
            let vol = volume(name)?;
            let p = driver(&vol).pool_stat().map_err(|e| refusal(name, &e))?;
            if args.has(report::JSON) {
                print_json(&[("box_id", vol.box_id.into())], &pool_table(&p));
            } else {
                print!("BoxID = {}\n{}", vol.box_id, pool_table(&p).text());
            }
            return Ok(());
        }
        let mut t = target(args)?;
        if sub == "init" {
            t.driver.sdv_init(t.olu).map_err(|e| refusal(&t.what, &e))?;
            println!("swstsdv init completed");
        } else {
            let s = t.driver.sdv_stat(t.olu).map_err(|e| refusal(&t.what, &e))?;
            if args.has(report::JSON) {
                let fields = [("box_id", t.box_id.clone().into()), ("lun", t.olu.into())];
                print_json(&fields, &sdv_table(&s));
            } else {
                print!(
                    "BoxID = {}\nLUN = {} (0x{:X})\n{}",
                    t.box_id,
                    t.olu,
                    t.olu,
                    sdv_table(&s).text()
                );
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_down_and_survive_zero() {
        assert_eq!(rate(0, 1048576), "0%");
        assert_eq!(rate(2097152, 20971520), "10%");
        assert_eq!(rate(2, 3), "66%");
        assert_eq!(rate(5, 0), "0%");
        assert_eq!(rate(300, 100), "300%");
    }

    #[test]
    fn stat_table_is_the_manuals() {
        let s = SdvStat {
            logical: 8388608,
            physical: 1048576,
            ..Default::default()
        };
        assert_eq!(
            sdv_table(&s).text(),
            "Rate Logical(sector) Physical(sector) Used(sector) Copy(sector) Host(sector) Pool(sector)\n\
             0%   8388608         1048576          0            0            0            0\n"
        );
    }

    #[test]
    fn lu_numbers_are_decimal() {
        assert_eq!(lu_number("110").unwrap(), 110);
        for bad in ["", "0x6E", "-1", "1a", "99999999999"] {
            assert_eq!(lu_number(bad).unwrap_err().status, 2, "{bad}");
        }
    }
}
