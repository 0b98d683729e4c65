//! swsrpstat: operation status display (manual 8.3.2.3).
//!
//! One row per pair of the replication management list (or of the original
//! volume, or of the group), in list order, asked of the array now. The columns
//! are the default six, with `-L` the extended ones, with `-Xda` `Copy-DA`,
//! with `-Xdate` `Date`, with `-Xall` all 14, always in the order of the
//! manual's `-Xall` example. The command takes only the shared exclusion (it
//! runs beside every command but `swsrprecoverres`).

use super::{server, valid_group_name};
use crate::exclusion;
use crate::list::{ListStore, Pair, ReplicationList};
use crate::messages;
use crate::session::{self, Row, Wording};
use crate::volume::{self, Operand};
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::msg::{Failure, Family};
use acm_core::report::{col, Column, Kind, Table};
use acm_manager::forward;
use std::process::ExitCode;

pub const SWSRPSTAT: Spec = Spec {
    name: "swsrpstat",
    family: Family::Replication,
    flags: &["-L", "-Xdate", "-Xda", "-Xall", "-E", "-H", "-O", "-Xjson"],
    valued: &["-h", "-Xgroup"],
    exclusive: &[&["-Xall", "-L"], &["-Xall", "-Xdate"], &["-Xall", "-Xda"]],
    operands: (0, 1),
    usage: "swsrpstat [-h serverName] [[-L] [-Xdate] [-Xda] | [-Xall]] [-E] [-H] [-O] \
            [originalVolumeName | -Xgroup groupName]",
};

/// Which optional column sets `swsrpstat` shows.
/// Every column `swsrpstat` can show (`-Xall`), with its JSON key.
pub const STAT: &[Column] = &[
    col("Server", "server", Kind::Text),
    col("Original-Volume", "original_volume", Kind::Text),
    col("Replica-Volume", "replica_volume", Kind::Text),
    col("Direction", "direction", Kind::Text),
    col("Status", "status", Kind::Text),
    col("Execute", "execute", Kind::Percent),
    col("Trk", "trk", Kind::Text),
    col("Update", "update", Kind::Percent),
    col("Rcv", "rcv", Kind::Text),
    col("Split", "split", Kind::Text),
    col("Xfer", "xfer", Kind::Text),
    col("Snap-Gen", "snap_gen", Kind::Int),
    col("Copy-DA", "copy_da", Kind::Text),
    col("Date", "date", Kind::Date),
];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatColumns {
    /// `-L`: `Trk Update Rcv Split Xfer Snap-Gen`.
    pub long: bool,
    /// `-Xda`: `Copy-DA`.
    pub da: bool,
    /// `-Xdate`: `Date`.
    pub date: bool,
}

impl StatColumns {
    /// Every column (`-Xall`).
    pub const ALL: StatColumns = StatColumns {
        long: true,
        da: true,
        date: true,
    };

    /// The columns shown, as [`STAT`] names them.
    pub fn columns(self) -> Vec<Column> {
        self.header()
            .iter()
            .filter_map(|h| STAT.iter().find(|c| c.header == *h).copied())
            .collect()
    }

    /// The header line's titles.
    pub fn header(self) -> Vec<&'static str> {
        let mut h = vec![
            "Server",
            "Original-Volume",
            "Replica-Volume",
            "Direction",
            "Status",
            "Execute",
        ];
        if self.long {
            h.extend(["Trk", "Update", "Rcv", "Split", "Xfer", "Snap-Gen"]);
        }
        if self.da {
            h.push("Copy-DA");
        }
        if self.date {
            h.push("Date");
        }
        h
    }

    /// The cells of `r` for these columns.
    pub fn cells(self, r: Row) -> Vec<String> {
        let date = self.date.then(|| r.date());
        let mut v = vec![
            r.server,
            r.original,
            r.replica,
            r.direction.into_owned(),
            r.status.into_owned(),
            r.execute.into_owned(),
        ];
        if self.long {
            v.extend([r.trk, r.update, r.rcv, r.split, r.xfer, r.snap_gen].map(|t| t.into_owned()));
        }
        if self.da {
            v.push(r.copy_da.into_owned());
        }
        v.extend(date);
        v
    }
}

/// What `swsrpstat` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatSelection {
    All,
    Original(Operand),
    Group(String),
}

pub fn swsrpstat(argv: Argv) -> ExitCode {
    forward::run(&SWSRPSTAT, argv, |args| {
        let group = args.value("-Xgroup").map(str::to_string);
        if group.is_some() && args.operand().is_some() {
            return Err(messages::usage(
                "-Xgroup replaces originalVolumeName",
                SWSRPSTAT.usage,
            ));
        }
        if let Some(g) = &group {
            if !valid_group_name(g) {
                return Err(messages::bad_group_name(g));
            }
        }
        let local = server(args)?;
        let selection = match (&group, args.operand()) {
            (Some(g), _) => StatSelection::Group(g.clone()),
            (None, Some(o)) => StatSelection::Original(volume::parse(o, &local)?),
            (None, None) => StatSelection::All,
        };
        let columns = if args.has("-Xall") {
            StatColumns::ALL
        } else {
            StatColumns {
                long: args.has("-L"),
                da: args.has("-Xda"),
                date: args.has("-Xdate"),
            }
        };
        let target = match &selection {
            StatSelection::All => None,
            StatSelection::Original(o) => Some(o.qualified()),
            StatSelection::Group(g) => Some(format!("GROUP={g}")),
        };
        let _run = exclusion::enter("swsrpstat", target.as_deref())?;
        let list = ListStore::open().load()?;
        let pairs = stat_select(&list, &selection)?;
        let wording = Wording {
            halt_detail: args.has("-H"),
            fail_detail: args.has("-O"),
            rec_source: false,
        };
        status_table(&local, &pairs, columns, args.has("-E"), wording)?.print(args);
        Ok(())
    })
}

/// The pairs `selection` names, in list order: refused with `swsrp1301` when
/// an original volume has no pair, `swsrp1304` when a group has none.
pub fn stat_select<'a>(
    list: &'a ReplicationList,
    selection: &StatSelection,
) -> Result<Vec<&'a Pair>, Failure> {
    let pairs: Vec<&Pair> = match selection {
        StatSelection::All => list.pairs.iter().collect(),
        StatSelection::Original(o) => list
            .pairs
            .iter()
            .filter(|p| p.original.is(&o.device, &o.server))
            .collect(),
        StatSelection::Group(g) => list.group(g),
    };
    match selection {
        StatSelection::Original(o) if pairs.is_empty() => {
            Err(messages::not_original(&o.qualified()))
        }
        StatSelection::Group(g) if pairs.is_empty() => Err(messages::no_group(g)),
        _ => Ok(pairs),
    }
}

/// The `swsrpstat` table of `pairs` seen from `local`, asking the array now.
/// `halt(use-*buffer)` is worded only for pairs whose original is on `local`
/// (the REC source server; always, within one server).
pub fn status_table(
    local: &str,
    pairs: &[&Pair],
    columns: StatColumns,
    reverse_only: bool,
    wording: Wording,
) -> Result<Table, Failure> {
    let survey = session::survey_pairs(pairs);
    let mut rows = Vec::new();
    for p in pairs {
        let seen = session::observe_in(&survey, p)?;
        let w = Wording {
            rec_source: p.original.server == local,
            ..wording
        };
        rows.push(columns.cells(session::row(local, p, &seen, reverse_only, w)));
    }
    Ok(Table::of_text(&columns.columns(), rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_of_each_option_set() {
        assert_eq!(StatColumns::default().header().len(), 6);
        assert_eq!(
            StatColumns::ALL.header().join(" "),
            "Server Original-Volume Replica-Volume Direction Status Execute Trk Update Rcv \
             Split Xfer Snap-Gen Copy-DA Date"
        );
        let d = StatColumns {
            date: true,
            ..StatColumns::default()
        };
        assert_eq!(d.header().last(), Some(&"Date"));
    }
}
