//! Which backup management commands may run at the same time (manual 8.1, the
//! NOTES of each command; digest section 0.8).
//!
//! The five configuration commands (`swstsvrset`, `swstdevinfoset`,
//! `swstsrsemtch`, `swstresback`, `swstresrst`) run only when none of the fourteen
//! commands runs: they take the lock file `swstexec.lock` exclusively. The nine
//! operation commands take it shared, so they run together but never beside a
//! configuration command. A command that finds the lock busy is refused at once
//! (`swst1003`), naming the command that runs.
//!
//! Each holder records itself in `run/<pid>-<n>.json` (command and device), removed
//! when the [`Guard`] drops; [`running`] reads those files, ignoring those of dead
//! processes, and is what `swstexecstat` shows as `EXEC`.

use crate::list;
use crate::messages;
use acm_core::msg::Failure;
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The commands that run only when no command of either group runs.
pub const CONFIGURATION: [&str; 5] = [
    "swstsvrset",
    "swstdevinfoset",
    "swstsrsemtch",
    "swstresback",
    "swstresrst",
];

/// The commands that run together but not while a configuration command runs.
pub const OPERATION: [&str; 9] = [
    "swstbkpolset",
    "swstbkpoldel",
    "swstbackup",
    "swstrestore",
    "swstcancelrest",
    "swsthistdel",
    "swststartsync",
    "swstcancelsync",
    "swstcanceltrk",
];

/// Name of the exclusion lock file in the data directory.
pub const EXEC_LOCK: &str = "swstexec.lock";
/// Directory of the per-process holder records in the data directory.
pub const RUN_DIR: &str = "run";

/// How a command holds the exclusion lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Exclusive,
    Shared,
}

/// The mode of a command, or `None` for a command that is not restricted
/// (the display commands).
pub fn mode_of(command: &str) -> Option<Mode> {
    if CONFIGURATION.contains(&command) {
        Some(Mode::Exclusive)
    } else if OPERATION.contains(&command) {
        Some(Mode::Shared)
    } else {
        None
    }
}

/// A running restricted command, as recorded in its holder file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Running {
    pub pid: u32,
    pub command: String,
    /// The device it works on; `None` for all devices (or none).
    pub device: Option<String>,
}

/// Holds the exclusion lock and the holder record until dropped.
#[derive(Debug)]
pub struct Guard {
    record: PathBuf,
    // Dropped after `Drop::drop` removed the record: closing it releases the lock.
    _file: File,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.record);
    }
}

impl Guard {
    /// Updates the device recorded for this command (e.g. once a command that
    /// works on all transaction volumes knows which one it is at).
    pub fn set_device(&self, command: &str, device: Option<&str>) {
        let _ = write_record(&self.record, command, device);
    }
}

/// Enters `command` (one of [`CONFIGURATION`] or [`OPERATION`]) in this server's
/// data directory.
pub fn enter(command: &str, device: Option<&str>) -> Result<Guard, Failure> {
    enter_at(&list::data_dir(), command, device)
}

/// Enters `command` with its data directory `dir`; refused with `swst1003` when a
/// conflicting command runs.
pub fn enter_at(dir: &Path, command: &str, device: Option<&str>) -> Result<Guard, Failure> {
    let mode = mode_of(command).unwrap_or(Mode::Shared);
    let run = dir.join(RUN_DIR);
    fs::create_dir_all(&run)
        .map_err(|e| messages::list_error(format!("{}: {e}", run.display())))?;
    let path = dir.join(EXEC_LOCK);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| messages::list_error(format!("{}: {e}", path.display())))?;
    let locked = match mode {
        Mode::Exclusive => file.try_lock(),
        Mode::Shared => file.try_lock_shared(),
    };
    match locked {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Err(messages::busy(&describe_holders(dir))),
        Err(TryLockError::Error(e)) => {
            return Err(messages::list_error(format!("{}: {e}", path.display())))
        }
    }
    // One record per guard (a process may hold more than one, e.g. in tests).
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    let record = run.join(format!("{}-{seq}.json", std::process::id()));
    write_record(&record, command, device)
        .map_err(|e| messages::list_error(format!("{}: {e}", record.display())))?;
    Ok(Guard {
        record,
        _file: file,
    })
}

fn write_record(path: &Path, command: &str, device: Option<&str>) -> std::io::Result<()> {
    let r = Running {
        pid: std::process::id(),
        command: command.to_string(),
        device: device.map(str::to_string),
    };
    let bytes = serde_json::to_vec(&r).map_err(std::io::Error::other)?;
    // Written whole to a temporary name and renamed, so a reader never sees half a record.
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path)
}

/// The restricted commands running now, from this server's data directory.
pub fn running() -> Vec<Running> {
    running_at(&list::data_dir())
}

/// The restricted commands running now, per their holder records in `dir`;
/// records of processes that no longer exist are ignored (and removed).
pub fn running_at(dir: &Path) -> Vec<Running> {
    let Ok(entries) = fs::read_dir(dir.join(RUN_DIR)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let Ok(bytes) = fs::read(&path) else { continue };
        let Ok(r) = serde_json::from_slice::<Running>(&bytes) else {
            continue;
        };
        if alive(r.pid) {
            out.push(r);
        } else {
            let _ = fs::remove_file(&path);
        }
    }
    out.sort_by_key(|r| r.pid);
    out
}

/// Whether process `pid` exists (signal 0; EPERM means it exists).
fn alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) => true,
        Err(e) => e == nix::errno::Errno::EPERM,
    }
}

/// Names the commands holding the lock, for the busy refusal (a refused command
/// never wrote a record, so every record is a holder's). A holder writes its
/// record just after it takes the lock, so wait briefly for one to appear.
fn describe_holders(dir: &Path) -> String {
    let deadline = Instant::now() + Duration::from_millis(300);
    loop {
        let mut names: Vec<String> = Vec::new();
        for r in running_at(dir) {
            let name = match &r.device {
                Some(d) => format!("{} ({d})", r.command),
                None => r.command.clone(),
            };
            if !names.contains(&name) {
                names.push(name);
            }
        }
        if !names.is_empty() {
            return names.join(", ");
        }
        if Instant::now() >= deadline {
            return "another backup management command".to_string();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_excludes_everything_operations_share() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let a = enter_at(d, "swstbkpolset", Some("/dev/vg01")).unwrap();
        // Same process, separate open file descriptions: flock conflicts as across processes.
        let b = enter_at(d, "swstbkpoldel", None);
        assert!(b.is_ok());
        drop(b);
        let e = enter_at(d, "swstdevinfoset", None).unwrap_err();
        assert_eq!(e.message.id, "swst1003");
        assert!(e.message.text.contains("swstbkpolset (/dev/vg01)"), "{e}");
        assert_eq!(running_at(d).len(), 1);
        drop(a);
        assert!(running_at(d).is_empty());
        let c = enter_at(d, "swstsvrset", None).unwrap();
        let e = enter_at(d, "swstbackup", Some("/dev/vg01")).unwrap_err();
        assert!(e.message.text.contains("swstsvrset is running"), "{e}");
        drop(c);
    }

    #[test]
    fn dead_holders_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join(RUN_DIR);
        fs::create_dir_all(&run).unwrap();
        // A pid beyond pid_max never exists.
        fs::write(
            run.join("999999999.json"),
            r#"{"pid":999999999,"command":"swstbackup","device":null}"#,
        )
        .unwrap();
        assert!(running_at(dir.path()).is_empty());
        assert!(!run.join("999999999.json").exists());
    }
}
