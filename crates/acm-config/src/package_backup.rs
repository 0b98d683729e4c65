//! Package backup of management information (manual 7.1.2, 8.2.11-8.2.13):
//! the execution server registered with `stgmgrinfoset`, `stgmgrinfobkup`
//! collecting each target server's information into
//! `<directory>/<server>/<type>/`, and `stgmgrinfodisp` showing when each was
//! last saved.
//!
//! The targets are the servers of the repository: read directly on the
//! Management Server, asked of it (`stgagent servers`) elsewhere. Each
//! server's information comes from `stgagent collect TYPE` run on it and
//! replaces the type's directory only once it is complete. The dates shown by
//! `stgmgrinfodisp` are kept in `<directory>/stgmgrinfo_status.json`.

use crate::management_info::{DataType, Policy};
use crate::{agent, messages, repository};
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::msg::{Failure, Family};
use acm_core::paths;
use acm_core::store::{Lock, StateFile, StoreError};
use acm_core::time;
use acm_manager::fanout;
use acm_manager::forward;
use acm_manager::node;
use acm_manager::registry::ServerRecord;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

const SET: Spec = Spec {
    name: "stgmgrinfoset",
    family: Family::Config,
    flags: &["-del"],
    valued: &["-d", "-c"],
    exclusive: &[&["-del", "-d"], &["-del", "-c"]],
    operands: (0, 0),
    usage: "/opt/FJSVswstf/bin/stgmgrinfoset [-del | -d directoryName -c managementServerEncoding]",
};

const BKUP: Spec = Spec {
    name: "stgmgrinfobkup",
    family: Family::Config,
    flags: &[],
    valued: &["-n", "-t"],
    exclusive: &[],
    operands: (0, 0),
    usage: "/opt/FJSVswstf/bin/stgmgrinfobkup [-n serverName] [-t backupType]",
};

const DISP: Spec = Spec {
    name: "stgmgrinfodisp",
    family: Family::Config,
    flags: &[],
    valued: &["-n"],
    exclusive: &[],
    operands: (0, 0),
    usage: "/opt/FJSVswstf/bin/stgmgrinfodisp [-n serverName]",
};

/// The only encoding the manual allows for `-c`.
pub const ENCODING: &str = "ASCII";
/// The file of `<directory>` recording the last backup of each server and type.
pub const STATUS_FILE: &str = "stgmgrinfo_status.json";

/// This server's registration as the execution server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub directory: String,
    pub code: String,
}

fn registration_file() -> StateFile {
    StateFile::new(
        paths::product("/etc/opt/FJSVswstf/stgmgrinfo.json"),
        "acm-stgmgrinfo",
        1,
    )
}

/// The registration, or `swstf3002` when this server is not the execution server.
pub fn registration() -> Result<Registration, Failure> {
    registration_file()
        .load()
        .map_err(messages::store)?
        .ok_or_else(messages::not_execution_server)
}

/// When each server's information of each type was last saved (seconds since the epoch).
type Status = BTreeMap<String, BTreeMap<DataType, u64>>;

fn status_file(dir: &Path) -> StateFile {
    StateFile::new(dir.join(STATUS_FILE), "acm-stgmgrinfo-status", 1)
}

/// `yy/mm/dd hh:mm:ss`, the manual's date of these commands.
pub fn stamp(secs: u64) -> String {
    let (y, mo, d, h, mi, s) = time::civil(secs);
    format!(
        "{:02}/{mo:02}/{d:02} {h:02}:{mi:02}:{s:02}",
        y.rem_euclid(100)
    )
}

/// Checks a `-d` directory: absolute, existing, and its name of letters,
/// digits and `_` only (the manual's rule, applied to the last component so
/// the directory may sit anywhere).
fn check_directory(dir: &str) -> Result<(), Failure> {
    let p = Path::new(dir);
    if !p.is_absolute() {
        return Err(messages::bad_directory(dir, "it is not an absolute path"));
    }
    let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
    let ok = name.is_some_and(|n| n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    if !ok {
        return Err(messages::bad_directory(
            dir,
            "only alphanumeric characters and underscores can be used in its name",
        ));
    }
    if !p.is_dir() {
        return Err(messages::bad_directory(
            dir,
            "it does not exist; create it first",
        ));
    }
    Ok(())
}

/// `stgmgrinfoset [-del | -d directoryName -c managementServerEncoding]`.
pub fn stgmgrinfoset(argv: Argv) -> ExitCode {
    forward::run_local(&SET, argv, |args| {
        let file = registration_file();
        match (args.has("-del"), args.value("-d"), args.value("-c")) {
            (true, _, _) => {
                let r = registration()?;
                std::fs::remove_file(file.path()).map_err(|e| messages::io(file.path(), e))?;
                println!(
                    "{}",
                    messages::info(
                        3001,
                        format!(
                            "The server which performs package backup of the management information on AdvancedCopy Manager was deleted. Delete a directory. Directory={}",
                            r.directory
                        )
                    )
                );
            }
            (false, Some(dir), Some(code)) => {
                if let Some(r) = file.load::<Registration>().map_err(messages::store)? {
                    return Err(messages::already_execution_server(&r.directory));
                }
                acm_manager::client_dirs::check(dir, Family::Config)?;
                check_directory(dir)?;
                if code != ENCODING {
                    return Err(messages::bad_encoding(code));
                }
                file.save(&Registration {
                    directory: dir.to_string(),
                    code: code.to_string(),
                })
                .map_err(messages::store)?;
                println!(
                    "{}",
                    messages::info(
                        3000,
                        "The server which performs package backup of the management information on AdvancedCopy Manager was registered."
                    )
                );
            }
            (false, None, None) => {
                let r = registration()?;
                println!("Directory      : {}", r.directory);
                println!("Manager code   : {}", r.code);
            }
            _ => {
                return Err(Failure::usage(
                    Family::Config,
                    format!("Specify -d and -c together. Usage: {}", SET.usage),
                ))
            }
        }
        Ok(())
    })
}

/// Every server the package backup can reach.
fn targets() -> Result<Vec<ServerRecord>, Failure> {
    if node::is_manager() {
        return Ok(repository::servers(&repository::registered()?));
    }
    let manager = node::load()
        .map_err(|e| Failure::bad_config(Family::Config, &e))?
        .management
        .name
        .ok_or_else(messages::no_management_server)?;
    agent::call_json(&manager, &["servers"])
}

/// What to back up of which server.
fn plan(args: &acm_core::cli::Args) -> Result<Vec<(String, Vec<DataType>)>, Failure> {
    let kind = args.value("-t").map(DataType::parse).transpose()?;
    let me = node::local_name();
    if kind == Some(DataType::MgrInfoData) {
        // The policy file is the execution server's own.
        return match args.value("-n") {
            Some(n) if n != me => Err(messages::mgrinfo_elsewhere(n)),
            _ => Ok(vec![(me, vec![DataType::MgrInfoData])]),
        };
    }
    let mut servers: Vec<String> = targets()?.into_iter().map(|s| s.name).collect();
    if let Some(n) = args.value("-n") {
        if !servers.iter().any(|s| s == n) {
            return Err(messages::unknown_server(n));
        }
        servers = vec![n.to_string()];
    }
    let plan: Vec<(String, Vec<DataType>)> = match kind {
        Some(t) => servers.into_iter().map(|s| (s, vec![t])).collect(),
        None => {
            let policy = Policy::load()?
                .ok_or_else(|| messages::no_policy(&crate::management_info::policy_path()))?;
            servers
                .into_iter()
                .map(|s| {
                    let types = policy.types(&s);
                    (s, types)
                })
                .filter(|(_, t)| !t.is_empty())
                .collect()
        }
    };
    if plan.is_empty() {
        return Err(messages::nothing_to_back_up());
    }
    Ok(plan)
}

/// `name` as one plain path component.
fn component(name: &str) -> Option<&str> {
    let mut c = Path::new(name).components();
    match (c.next(), c.next()) {
        (Some(Component::Normal(_)), None) => Some(name),
        _ => None,
    }
}

/// Unpacks `archive` (members under `<type>/`) as `server_dir/<type>`,
/// replacing the old one only once the new one is complete.
fn install(server_dir: &Path, kind: DataType, archive: &[u8]) -> Result<(), String> {
    std::fs::create_dir_all(server_dir).map_err(|e| e.to_string())?;
    let fresh = server_dir.join(format!(".{}.new.{}", kind.name(), std::process::id()));
    let _ = std::fs::remove_dir_all(&fresh);
    std::fs::create_dir_all(&fresh).map_err(|e| e.to_string())?;
    let result = (|| {
        let mut a = tar::Archive::new(archive);
        for entry in a.entries().map_err(|e| e.to_string())? {
            let mut entry = entry.map_err(|e| e.to_string())?;
            let path = entry.path().map_err(|e| e.to_string())?.into_owned();
            if path.components().next() != Some(Component::Normal(kind.name().as_ref())) {
                return Err(format!("unexpected member {}", path.display()));
            }
            if !entry.unpack_in(&fresh).map_err(|e| e.to_string())? {
                return Err(format!("unsafe member {}", path.display()));
            }
        }
        let target = server_dir.join(kind.name());
        let _ = std::fs::remove_dir_all(&target);
        std::fs::rename(fresh.join(kind.name()), &target).map_err(|e| e.to_string())
    })();
    let _ = std::fs::remove_dir_all(&fresh);
    result
}

/// Backs up `types` of `server` into `dir`, recording each in the status.
/// Servers are backed up concurrently, so the status file is read, changed
/// and saved under one lock of this process (one `stgmgrinfobkup` runs at a
/// time, under its lock file): no server's record overwrites another's.
fn back_up(dir: &Path, server: &str, types: &[DataType]) -> Result<(), String> {
    static STATUS: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let name = component(server).ok_or_else(|| format!("unusable server name {server}"))?;
    let server_dir = dir.join(name);
    for &t in types {
        let archive = agent::call(server, &["collect", t.name()]).map_err(|f| f.to_string())?;
        install(&server_dir, t, &archive)?;
        let _held = STATUS.lock().unwrap_or_else(|p| p.into_inner());
        let file = status_file(dir);
        let mut status: Status = file.load().map_err(|e| e.to_string())?.unwrap_or_default();
        status
            .entry(server.to_string())
            .or_default()
            .insert(t, time::now_secs());
        file.save(&status).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// One server's backup as the printing thread sees it: when it started,
/// how it ended, and when.
struct Outcome {
    started: u64,
    result: Result<(), String>,
    ended: u64,
}

/// `stgmgrinfobkup [-n serverName] [-t backupType]`.
///
/// The servers are backed up concurrently (at most `ACM_FANOUT` at once,
/// [`acm_manager::fanout`]); each server's start line and its end or
/// failure line are printed together, in the servers' order, with the times
/// its backup really started and ended.
pub fn stgmgrinfobkup(argv: Argv) -> ExitCode {
    forward::run_local(&BKUP, argv, |args| {
        let reg = registration()?;
        let dir = PathBuf::from(&reg.directory);
        let _lock = Lock::try_acquire(&dir.join(".stgmgrinfobkup.lock"), BKUP.name).map_err(
            |e| match e {
                StoreError::Busy { holder, .. } => messages::backup_running(&holder),
                other => messages::store(other),
            },
        )?;
        let mut failed = 0;
        let at = dir.clone();
        let ask = move |(server, types): &(String, Vec<DataType>)| {
            let started = time::now_secs();
            let result = back_up(&at, server, types);
            Outcome {
                started,
                result,
                ended: time::now_secs(),
            }
        };
        fanout::in_order(plan(args)?, fanout::limit(), ask, |(server, _), o| {
            println!(
                "{}",
                messages::info(
                    3014,
                    format!(
                        "Backup of management information is started. Start time={}, Server name={server}",
                        stamp(o.started)
                    )
                )
            );
            let at = stamp(o.ended);
            match o.result {
                Ok(()) => println!(
                    "{}",
                    messages::info(
                        3020,
                        format!(
                            "Backup of management information was ended normally. End time={at}, Server name={server}"
                        )
                    )
                ),
                Err(why) => {
                    failed += 1;
                    eprintln!("{}", messages::server_backup_failed(&at, server, &why));
                }
            }
            true
        });
        if failed > 0 {
            return Err(messages::some_backups_failed(failed));
        }
        println!(
            "{}",
            messages::info(
                3021,
                "The normal end of the backup of management information was carried out by all servers."
            )
        );
        Ok(())
    })
}

/// The `stgmgrinfodisp` lines of one server.
pub fn status_lines(server: &str, saved: &BTreeMap<DataType, u64>) -> String {
    let mut out = format!("Server:      {server}\n");
    for t in DataType::ALL {
        if let Some(secs) = saved.get(&t) {
            let label = format!("{}:", t.name());
            out.push_str(&format!("  {label:<10} {}\n", stamp(*secs)));
        }
    }
    out
}

/// `stgmgrinfodisp [-n serverName]`.
pub fn stgmgrinfodisp(argv: Argv) -> ExitCode {
    forward::run_local(&DISP, argv, |args| {
        let reg = registration()?;
        let status: Status = status_file(Path::new(&reg.directory))
            .load()
            .map_err(messages::store)?
            .unwrap_or_default();
        for (server, saved) in &status {
            if args.value("-n").is_none_or(|n| n == server) && !saved.is_empty() {
                print!("{}", status_lines(server, saved));
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_lines() {
        // 2004/07/02 11:00:00 UTC
        assert_eq!(stamp(1_088_766_000), "04/07/02 11:00:00");
        let mut saved = BTreeMap::new();
        saved.insert(DataType::ReplData, 1_088_766_000);
        saved.insert(DataType::RegiData, 1_088_766_000);
        saved.insert(DataType::MgrInfoData, 1_088_766_000);
        assert_eq!(
            status_lines("acm01", &saved),
            "Server:      acm01\n  RegiData:  04/07/02 11:00:00\n  ReplData:  04/07/02 11:00:00\n  MgrInfoData: 04/07/02 11:00:00\n"
        );
    }

    #[test]
    fn server_names_are_one_component() {
        assert_eq!(component("acm01"), Some("acm01"));
        assert_eq!(component("../x"), None);
        assert_eq!(component("a/b"), None);
        assert_eq!(component(".."), None);
    }
}
