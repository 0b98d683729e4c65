//! The backup management commands, one function each, called by the one-line
//! binaries of the `swst` package with the arguments after the program name.
//!
//! Each is a [`Spec`] with the manual's synopsis and a body run by
//! [`forward::run`]: `-h otherServer` runs the command on that server; otherwise
//! [`acm_core::command::run`] (root check `swst0601`, parsing `swst0002`, reporting).
//! A command that changes the list enters the command exclusion first and prints
//! its completion line only after the list is saved.

use crate::device::{self, Volume};
use crate::exclusion;
use crate::list::{BackupList, Device, Hold, ListStore, Policy, Role};
use crate::messages;
use crate::server;
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::msg::{Failure, Family};
use acm_core::report::{self, col, Cell, Column, Kind, Table};
use acm_manager::forward;
use std::process::ExitCode;

/// `Mount-Point (Method)` on AIX: never shown.
const NO_MOUNT: &str = "---- (----)";
/// The `Backup-Engine` column.
const ENGINE: &str = "AdvancedCopy";
/// Policy defaults at first registration (manual 8.1.1.5).
pub const DEFAULT_INTERVAL_DAYS: u32 = 30;
pub const DEFAULT_SAVE_NUMBER: u32 = 2;

pub const SWSTSVRSET: Spec = Spec {
    name: "swstsvrset",
    family: Family::Backup,
    flags: &[],
    valued: &["-h"],
    exclusive: &[],
    operands: (0, 0),
    usage: "/opt/FJSVswsts/bin/swstsvrset [-h serverName]",
};

pub const SWSTSVRDISP: Spec = Spec {
    name: "swstsvrdisp",
    family: Family::Backup,
    flags: &["-Xjson"],
    valued: &["-h"],
    exclusive: &[],
    operands: (0, 0),
    usage: "/opt/FJSVswsts/bin/swstsvrdisp [-h serverName]",
};

pub const SWSTDEVINFOSET: Spec = Spec {
    name: "swstdevinfoset",
    family: Family::Backup,
    flags: &["-t", "-b", "-o"],
    valued: &["-h"],
    exclusive: &[&["-t", "-b", "-o"]],
    operands: (1, 1),
    usage: "/opt/FJSVswsts/bin/swstdevinfoset [-h serverName] -t | -b | -o deviceName",
};

pub const SWSTDEVDISP: Spec = Spec {
    name: "swstdevdisp",
    family: Family::Backup,
    flags: &["-t", "-b", "-u", "-o", "-Xjson"],
    valued: &["-h"],
    exclusive: &[],
    operands: (0, 1),
    usage: "/opt/FJSVswsts/bin/swstdevdisp [-h serverName] [-t] [-b [-u]] [-o] [deviceName]",
};

pub const SWSTBKPOLSET: Spec = Spec {
    name: "swstbkpolset",
    family: Family::Backup,
    flags: &[],
    valued: &["-h", "-i", "-s"],
    exclusive: &[],
    operands: (0, 1),
    usage: "/opt/FJSVswsts/bin/swstbkpolset [-h serverName] [-i intervalDays] [-s saveNumber] [deviceName]",
};

pub const SWSTBKPOLDISP: Spec = Spec {
    name: "swstbkpoldisp",
    family: Family::Backup,
    flags: &["-Xjson"],
    valued: &["-h"],
    exclusive: &[],
    operands: (0, 1),
    usage: "/opt/FJSVswsts/bin/swstbkpoldisp [-h serverName] [deviceName]",
};

pub const SWSTBKPOLDEL: Spec = Spec {
    name: "swstbkpoldel",
    family: Family::Backup,
    flags: &[],
    valued: &["-h"],
    exclusive: &[],
    operands: (1, 1),
    usage: "/opt/FJSVswsts/bin/swstbkpoldel [-h serverName] deviceName",
};

// ----- swstsvrset / swstsvrdisp -----

/// `swstsvrdisp`'s one line, as a record.
const SVRDISP: &[Column] = &[col("Storage-Server", "storage_server", Kind::Text)];

/// `swstsvrset [-h serverName]`: declares this server a backup management server.
pub fn swstsvrset(argv: Argv) -> ExitCode {
    forward::run(&SWSTSVRSET, argv, |args| {
        server::check(args)?;
        let _run = exclusion::enter("swstsvrset", None)?;
        ListStore::open().update("swstsvrset", |list| {
            list.configured = true;
            Ok(())
        })?;
        println!("swstsvrset completed");
        Ok(())
    })
}

/// `swstsvrdisp [-h serverName]`: `Storage-Server = NAME`.
pub fn swstsvrdisp(argv: Argv) -> ExitCode {
    forward::run(&SWSTSVRDISP, argv, |args| {
        let name = server::check(args)?;
        ListStore::open().load()?.check_configured()?;
        if args.has(report::JSON) {
            report::print_rows(vec![report::record(SVRDISP, &[name.into()])]);
        } else {
            println!("Storage-Server = {name}");
        }
        Ok(())
    })
}

// ----- swstdevinfoset / swstdevdisp -----

/// `swstdevinfoset [-h serverName] -t | -b | -o deviceName`.
pub fn swstdevinfoset(argv: Argv) -> ExitCode {
    forward::run(&SWSTDEVINFOSET, argv, |args| {
        let role = if args.has("-t") {
            Some(Role::Transaction)
        } else if args.has("-b") {
            Some(Role::Backup)
        } else if args.has("-o") {
            None
        } else {
            return Err(messages::usage(
                "One of the options -t, -b and -o must be given",
                SWSTDEVINFOSET.usage,
            ));
        };
        let device = args.operand().unwrap_or_default();
        server::check(args)?;
        let _run = exclusion::enter("swstdevinfoset", Some(device))?;
        let store = ListStore::open();
        // Refused before anything is resolved, as the command always was.
        store.load_devices(&[], &[])?.check_configured()?;
        // The volume is resolved next: its extent picks the part of the list
        // the registration depends on (the devices on the same LUN).
        let vol: Option<Volume> = match role {
            Some(_) => Some(device::resolve(&device::load_host_for(&[device])?, device)?),
            None => None,
        };
        let extent = vol.as_ref().map(Volume::box_info);
        store.update_device("swstdevinfoset", device, extent.as_ref(), |list| {
            list.check_configured()?;
            match (role, &vol) {
                (Some(role), Some(vol)) => {
                    if role == Role::Backup {
                        let info = vol.box_info();
                        let local = crate::server::local_name();
                        let pairs = crate::pairs::of_volume(device, &info, &local)?;
                        exclusion::check_not_replication_volume(&pairs, device, &info, &local)?;
                    }
                    device::register(list, vol, role)
                }
                _ => device::deregister(list, device),
            }
        })?;
        println!("swstdevinfoset completed");
        Ok(())
    })
}

/// The Device-Mode of a registered volume.
fn device_mode(list: &BackupList, name: &str, dev: &Device, detail: bool) -> &'static str {
    match dev.role {
        Role::Transaction => "Transaction",
        Role::Backup => {
            let has_history = list
                .history
                .values()
                .flatten()
                .any(|g| g.backup_volume == name);
            // The target of synchronous processing (copying or equivalent) is in
            // use too: cancelling it "sets the backup volume to the unused state"
            // (manual 4.5.4), and no other transaction volume may take it.
            let syncing = list.syncs.values().flatten().any(|b| b == name);
            match (&dev.hold, has_history || syncing) {
                (_, true) => "Backup (used)",
                (Some(Hold::Suspend { .. }), false) if detail => "Backup (used-S)",
                (Some(Hold::Tracking { .. }), false) if detail => "Backup (used-T)",
                (Some(_), false) => "Backup (used)",
                (None, false) => "Backup (free)",
            }
        }
    }
}

/// The columns of `swstdevdisp` (manual 8.1.1.4).
const DEVDISP: &[Column] = &[
    col("Server", "server", Kind::Text),
    col("Device", "device", Kind::Text),
    col("Size", "size", Kind::Bytes),
    col("Device-Mode", "device_mode", Kind::Text),
    col("Mount-Point (Method)", "mount_point", Kind::Text),
    col("Backup-Engine", "backup_engine", Kind::Text),
];

/// `swstdevdisp [-h serverName] [-t] [-b [-u]] [-o] [deviceName]`.
pub fn swstdevdisp(argv: Argv) -> ExitCode {
    forward::run(&SWSTDEVDISP, argv, |args| {
        if args.has("-u") && !args.has("-b") {
            return Err(messages::usage(
                "The option -u can be given only with -b",
                SWSTDEVDISP.usage,
            ));
        }
        let server = server::check(args)?;
        let list = ListStore::open().load()?;
        list.check_configured()?;
        let any = args.has("-t") || args.has("-b") || args.has("-o");
        let (want_t, want_b, want_o) = (
            args.has("-t") || (!any && args.operand().is_none()),
            args.has("-b"),
            args.has("-o"),
        );
        let detail = args.has("-u");
        let row = |device: &str, size: u64, mode: &str| {
            vec![
                Cell::from(&server),
                device.into(),
                Cell::bytes(size),
                mode.into(),
                NO_MOUNT.into(),
                ENGINE.into(),
            ]
        };
        let mut rows = Table::new(DEVDISP);
        match args.operand() {
            Some(name) => match list.devices.get(name) {
                Some(dev) => {
                    let selected = !any
                        || (dev.role == Role::Transaction && want_t)
                        || (dev.role == Role::Backup && want_b);
                    if selected {
                        rows.push(row(name, dev.size, device_mode(&list, name, dev, detail)));
                    }
                }
                None => {
                    let host = device::load_host()?;
                    let r = host
                        .resolve(name)
                        .map_err(|e| messages::no_device(name, e))?;
                    if !any || want_o {
                        rows.push(row(name, r.size, "Other"));
                    }
                }
            },
            None => {
                for (role, wanted) in [(Role::Transaction, want_t), (Role::Backup, want_b)] {
                    if !wanted {
                        continue;
                    }
                    for name in list.names(role) {
                        let dev = &list.devices[&name];
                        rows.push(row(&name, dev.size, device_mode(&list, &name, dev, detail)));
                    }
                }
                if want_o {
                    let host = device::load_host()?;
                    for r in host.discoverable() {
                        if !list.devices.contains_key(&r.device) {
                            rows.push(row(&r.device, r.size, "Other"));
                        }
                    }
                }
            }
        }
        rows.print(args);
        Ok(())
    })
}

// ----- swstbkpolset / swstbkpoldisp / swstbkpoldel -----

fn parse_range(
    value: Option<&str>,
    range: std::ops::RangeInclusive<u32>,
    refuse: fn(&str) -> Failure,
) -> Result<Option<u32>, Failure> {
    match value {
        None => Ok(None),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if range.contains(&n) => Ok(Some(n)),
            _ => Err(refuse(v)),
        },
    }
}

/// `swstbkpolset [-h serverName] [-i intervalDays] [-s saveNumber] [deviceName]`.
pub fn swstbkpolset(argv: Argv) -> ExitCode {
    forward::run(&SWSTBKPOLSET, argv, |args| {
        let interval = parse_range(args.value("-i"), 1..=366, messages::bad_interval)?;
        let save = parse_range(args.value("-s"), 1..=31, messages::bad_save_number)?;
        server::check(args)?;
        let _run = exclusion::enter("swstbkpolset", args.operand())?;
        let done = ListStore::open().update("swstbkpolset", |list| {
            list.check_configured()?;
            let targets = match args.operand() {
                Some(d) => {
                    list.check_transaction(d)?;
                    vec![d.to_string()]
                }
                None => list.names(Role::Transaction),
            };
            if targets.is_empty() {
                return Err(messages::no_transaction_volumes());
            }
            let backups = list.names(Role::Backup).len();
            for td in &targets {
                let old = list.policies.get(td).copied();
                let policy = Policy {
                    interval_days: interval
                        .or(old.map(|p| p.interval_days))
                        .unwrap_or(DEFAULT_INTERVAL_DAYS),
                    save_number: save
                        .or(old.map(|p| p.save_number))
                        .unwrap_or(DEFAULT_SAVE_NUMBER),
                };
                let history = list.history_of(td).len();
                if (policy.save_number as usize) < history {
                    return Err(messages::history_exceeds(td, policy.save_number, history));
                }
                list.policies.insert(td.clone(), policy);
                let needed = list.backup_volumes_needed();
                if needed > backups as u64 {
                    return Err(messages::too_few_backup_volumes(td, needed, backups));
                }
            }
            Ok(targets)
        })?;
        for td in done {
            println!("{td} swstbkpolset completed");
        }
        Ok(())
    })
}

/// The columns of `swstbkpoldisp`.
const BKPOLDISP: &[Column] = &[
    col("Server", "server", Kind::Text),
    col("Device", "device", Kind::Text),
    col("Interval-Days", "interval_days", Kind::Int),
    col("Save-Number", "save_number", Kind::Int),
    col("Mount-Point (Method)", "mount_point", Kind::Text),
];

/// `swstbkpoldisp [-h serverName] [deviceName]`.
pub fn swstbkpoldisp(argv: Argv) -> ExitCode {
    forward::run(&SWSTBKPOLDISP, argv, |args| {
        let server = server::check(args)?;
        let list = ListStore::open().load()?;
        list.check_configured()?;
        let names = match args.operand() {
            Some(d) => {
                list.check_transaction(d)?;
                if !list.policies.contains_key(d) {
                    return Err(messages::no_policy(d));
                }
                vec![d.to_string()]
            }
            None => list
                .names(Role::Transaction)
                .into_iter()
                .filter(|n| list.policies.contains_key(n))
                .collect(),
        };
        let mut rows = Table::new(BKPOLDISP);
        for n in &names {
            let p = list.policies[n];
            rows.push(vec![
                Cell::from(&server),
                n.into(),
                p.interval_days.to_string().into(),
                p.save_number.to_string().into(),
                NO_MOUNT.into(),
            ]);
        }
        rows.print(args);
        Ok(())
    })
}

/// `swstbkpoldel [-h serverName] deviceName`.
pub fn swstbkpoldel(argv: Argv) -> ExitCode {
    forward::run(&SWSTBKPOLDEL, argv, |args| {
        let device = args.operand().unwrap_or_default();
        server::check(args)?;
        let _run = exclusion::enter("swstbkpoldel", Some(device))?;
        ListStore::open().update("swstbkpoldel", |list| {
            list.check_configured()?;
            list.check_transaction(device)?;
            if !list.policies.contains_key(device) {
                return Err(messages::no_policy(device));
            }
            if !list.history_of(device).is_empty() {
                return Err(messages::has_history(device));
            }
            if list.syncs.get(device).is_some_and(|b| !b.is_empty()) {
                return Err(messages::sync_copy_running(device));
            }
            list.policies.remove(device);
            Ok(())
        })?;
        println!("{device} swstbkpoldel completed");
        Ok(())
    })
}
