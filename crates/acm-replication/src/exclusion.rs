//! Which replication management commands may run at the same time (manual 8.3
//! NOTES; digest 0.6).
//!
//! Two lock files in the data directory carry the matrix:
//!
//! - `swsrpexec.lock`: the configuration commands (`swsrpsetvol`, `swsrpdelvol`,
//!   `swsrprecbuffset`, `swsrprecoverres`) take it exclusively; the operation
//!   commands (`swsrpstartsync`, `swsrpmake`, `swsrpcancel`, `swsrpchsync`,
//!   `swsrprevsync`) take it shared. So a configuration command excludes every
//!   other one and every operation; operations run together.
//! - `swsrprecover.lock`: `swsrprecoverres` takes it exclusively, every other
//!   replication command (display commands included) shared, so nothing runs
//!   beside a resource adjustment, while displays run beside everything else.
//!
//! A command that finds a lock busy is refused at once (`swsrp1003`), naming the
//! commands that hold it. Each holder records itself in `run/<pid>-<n>.json`,
//! removed when the [`Guard`] drops; records of dead processes are ignored.

use crate::list;
use crate::messages;
use acm_core::msg::Failure;
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Commands that exclude every other configuration and operation command.
pub const CONFIGURATION: [&str; 4] = [
    "swsrpsetvol",
    "swsrpdelvol",
    "swsrprecbuffset",
    "swsrprecoverres",
];

/// Commands that run together but not beside a configuration command.
pub const OPERATION: [&str; 5] = [
    "swsrpstartsync",
    "swsrpmake",
    "swsrpcancel",
    "swsrpchsync",
    "swsrprevsync",
];

/// The command that excludes everything, displays included.
pub const RECOVER: &str = "swsrprecoverres";

/// The configuration/operation lock file.
pub const EXEC_LOCK: &str = "swsrpexec.lock";
/// The lock that only `swsrprecoverres` takes exclusively.
pub const RECOVER_LOCK: &str = "swsrprecover.lock";
/// Directory of the holder records.
pub const RUN_DIR: &str = "run";

/// How a command holds a lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Exclusive,
    Shared,
}

/// The locks a command takes, in order.
pub fn locks_of(command: &str) -> Vec<(&'static str, Mode)> {
    let recover = if command == RECOVER {
        Mode::Exclusive
    } else {
        Mode::Shared
    };
    let mut v = vec![(RECOVER_LOCK, recover)];
    if CONFIGURATION.contains(&command) {
        v.push((EXEC_LOCK, Mode::Exclusive));
    } else if OPERATION.contains(&command) {
        v.push((EXEC_LOCK, Mode::Shared));
    }
    v
}

/// A running replication command, as recorded in its holder file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Running {
    pub pid: u32,
    pub command: String,
    /// What it works on (a volume or group), if anything in particular.
    pub target: Option<String>,
}

/// Holds the locks and the holder record until dropped.
#[derive(Debug)]
pub struct Guard {
    record: PathBuf,
    // Closed after `Drop::drop` removed the record: closing releases the locks.
    _files: Vec<File>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.record);
    }
}

/// Enters `command` in this server's data directory.
pub fn enter(command: &str, target: Option<&str>) -> Result<Guard, Failure> {
    enter_at(&list::data_dir(), command, target)
}

/// Enters `command` with data directory `dir`; refused with `swsrp1003` when a
/// conflicting command runs.
pub fn enter_at(dir: &Path, command: &str, target: Option<&str>) -> Result<Guard, Failure> {
    let run = dir.join(RUN_DIR);
    fs::create_dir_all(&run)
        .map_err(|e| messages::list_error(format!("{}: {e}", run.display())))?;
    let mut files = Vec::new();
    for (name, mode) in locks_of(command) {
        let path = dir.join(name);
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
            Ok(()) => files.push(file),
            Err(TryLockError::WouldBlock) => {
                drop(files);
                return Err(messages::busy(&describe_holders(dir)));
            }
            Err(TryLockError::Error(e)) => {
                return Err(messages::list_error(format!("{}: {e}", path.display())))
            }
        }
    }
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    let record = run.join(format!("{}-{seq}.json", std::process::id()));
    let r = Running {
        pid: std::process::id(),
        command: command.to_string(),
        target: target.map(str::to_string),
    };
    let write = || -> std::io::Result<()> {
        let tmp = record.with_extension("tmp");
        fs::write(&tmp, serde_json::to_vec(&r).map_err(std::io::Error::other)?)?;
        fs::rename(&tmp, &record)
    };
    write().map_err(|e| messages::list_error(format!("{}: {e}", record.display())))?;
    Ok(Guard {
        record,
        _files: files,
    })
}

/// The replication commands running now, per their holder records in `dir`.
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

fn alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) => true,
        Err(e) => e == nix::errno::Errno::EPERM,
    }
}

/// Names the running commands for the busy refusal; a holder writes its record
/// just after taking its locks, so wait briefly for one to appear.
fn describe_holders(dir: &Path) -> String {
    let deadline = Instant::now() + Duration::from_millis(300);
    loop {
        let mut names: Vec<String> = Vec::new();
        for r in running_at(dir) {
            let name = match &r.target {
                Some(t) => format!("{} ({t})", r.command),
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
            return "another replication management command".to_string();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_matrix() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let a = enter_at(d, "swsrpmake", Some("/dev/vg01")).unwrap();
        let b = enter_at(d, "swsrpstartsync", None).unwrap();
        let e = enter_at(d, "swsrpsetvol", None).unwrap_err();
        assert_eq!(e.message.id, "swsrp1003");
        assert!(e.message.text.contains("swsrpmake (/dev/vg01)"), "{e}");
        // Displays run beside operations and configuration commands.
        drop(enter_at(d, "swsrpvolinfo", None).unwrap());
        drop((a, b));
        let c = enter_at(d, "swsrpsetvol", None).unwrap();
        assert_eq!(
            enter_at(d, "swsrpdelvol", None).unwrap_err().message.id,
            "swsrp1003"
        );
        assert_eq!(
            enter_at(d, "swsrpmake", None).unwrap_err().message.id,
            "swsrp1003"
        );
        drop(enter_at(d, "swsrpvolinfo", None).unwrap());
        drop(c);
        let r = enter_at(d, RECOVER, None).unwrap();
        let e = enter_at(d, "swsrpvolinfo", None).unwrap_err();
        assert!(e.message.text.contains("swsrprecoverres is running"), "{e}");
        drop(r);
        assert!(running_at(d).is_empty());
    }
}
