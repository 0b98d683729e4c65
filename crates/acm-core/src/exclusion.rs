//! Which commands may run at the same time, enforced across processes.
//!
//! A family of commands (backup, replication) declares for each command the lock
//! files it takes and how (exclusive or shared); [`enter`] takes them without
//! waiting, so a command that conflicts with a running one is refused at once.
//! Each holder also writes a record `run/<pid>-<n>.json` (command and target),
//! removed when its [`Guard`] drops: [`running`] reads them, ignoring dead
//! processes, to name the holders in a refusal and to show what runs (`EXEC`).

use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Directory of the holder records, inside the family's data directory.
pub const RUN_DIR: &str = "run";

/// How a command holds a lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Exclusive,
    Shared,
}

/// A running command, as recorded in its holder file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Running {
    pub pid: u32,
    pub command: String,
    /// What it works on (a device, a volume pair, a group); `None` for everything.
    pub target: Option<String>,
}

impl Running {
    /// `cmd (target)` or `cmd`, as refusals name a holder.
    pub fn describe(&self) -> String {
        match &self.target {
            Some(t) => format!("{} ({t})", self.command),
            None => self.command.clone(),
        }
    }
}

/// Why a command could not enter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A conflicting command runs; the text names the holders (or is empty when no
    /// holder record could be read in time).
    Busy(String),
    /// A lock or record file could not be used.
    Io(String),
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

impl Guard {
    /// Updates the target recorded for this command (e.g. once a command that
    /// works on several volumes knows which one it is at).
    pub fn set_target(&self, command: &str, target: Option<&str>) {
        let _ = write_record(&self.record, command, target);
    }
}

/// Takes `locks` (file names in `dir`, in order) for `command` on `target`.
pub fn enter(
    dir: &Path,
    locks: &[(&str, Mode)],
    command: &str,
    target: Option<&str>,
) -> Result<Guard, Refusal> {
    let io = |p: &Path, e: std::io::Error| Refusal::Io(format!("{}: {e}", p.display()));
    let run = dir.join(RUN_DIR);
    fs::create_dir_all(&run).map_err(|e| io(&run, e))?;
    // A conflicting command is refused, not waited for; but a lock seen busy for a
    // few milliseconds may be a transient holder (a process between fork and exec
    // that briefly shares a released lock's file description), so look again for
    // a short grace period before refusing.
    let grace = Instant::now() + Duration::from_millis(250);
    let files = loop {
        match try_locks(dir, locks)? {
            Some(files) => break files,
            None if Instant::now() < grace => std::thread::sleep(Duration::from_millis(10)),
            None => return Err(Refusal::Busy(describe_holders(dir))),
        }
    };
    // One record per guard (a process may hold more than one, e.g. in tests).
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    let record = run.join(format!("{}-{seq}.json", std::process::id()));
    write_record(&record, command, target).map_err(|e| io(&record, e))?;
    Ok(Guard {
        record,
        _files: files,
    })
}

/// Takes every lock, or none: `None` when one is busy.
fn try_locks(dir: &Path, locks: &[(&str, Mode)]) -> Result<Option<Vec<File>>, Refusal> {
    let io = |p: &Path, e: std::io::Error| Refusal::Io(format!("{}: {e}", p.display()));
    let mut files = Vec::new();
    for (name, mode) in locks {
        let path = dir.join(name);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        let locked = match mode {
            Mode::Exclusive => file.try_lock(),
            Mode::Shared => file.try_lock_shared(),
        };
        match locked {
            Ok(()) => files.push(file),
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(io(&path, e)),
        }
    }
    Ok(Some(files))
}

fn write_record(path: &Path, command: &str, target: Option<&str>) -> std::io::Result<()> {
    let r = Running {
        pid: std::process::id(),
        command: command.to_string(),
        target: target.map(str::to_string),
    };
    let bytes = serde_json::to_vec(&r).map_err(std::io::Error::other)?;
    // Written whole to a temporary name and renamed: a reader never sees half a record.
    // A failed write (a full disk) removes its temporary file: nothing is left behind.
    let tmp = path.with_extension("tmp");
    let written = fs::write(&tmp, bytes).and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// The commands running now per their holder records in `dir`; records of
/// processes that no longer exist are ignored (and removed).
pub fn running(dir: &Path) -> Vec<Running> {
    let Ok(entries) = fs::read_dir(dir.join(RUN_DIR)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => {}
            Some("tmp") => {
                // Left by a process killed between write and rename.
                let pid = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .and_then(|s| s.split('-').next())
                    .and_then(|p| p.parse::<u32>().ok());
                if pid.is_some_and(|p| !alive(p)) {
                    let _ = fs::remove_file(&path);
                }
                continue;
            }
            _ => continue,
        }
        // A record is a few dozen bytes; anything larger is not one of ours.
        let Ok(bytes) = crate::input::read_bytes(&path, 64 << 10) else {
            continue;
        };
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

/// Names the holders for a refusal. A holder writes its record just after taking
/// its locks, so wait briefly for one to appear; empty if none did.
fn describe_holders(dir: &Path) -> String {
    let deadline = Instant::now() + Duration::from_millis(300);
    loop {
        let mut names: Vec<String> = Vec::new();
        for r in running(dir) {
            let name = r.describe();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        if !names.is_empty() || Instant::now() >= deadline {
            return names.join(", ");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: &[(&str, Mode)] = &[("a.lock", Mode::Exclusive)];
    const S: &[(&str, Mode)] = &[("a.lock", Mode::Shared)];

    #[test]
    fn exclusive_excludes_shared_share() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let a = enter(d, S, "op1", Some("/dev/vg01")).unwrap();
        let b = enter(d, S, "op2", None).unwrap();
        drop(b);
        // Same process, separate open file descriptions: flock conflicts as across processes.
        assert_eq!(
            enter(d, X, "cfg", None).unwrap_err(),
            Refusal::Busy("op1 (/dev/vg01)".into())
        );
        assert_eq!(running(d).len(), 1);
        drop(a);
        assert!(running(d).is_empty());
        let c = enter(d, X, "cfg", None).unwrap();
        assert_eq!(
            enter(d, S, "op1", None).unwrap_err(),
            Refusal::Busy("cfg".into())
        );
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
            r#"{"pid":999999999,"command":"x","target":null}"#,
        )
        .unwrap();
        assert!(running(dir.path()).is_empty());
        assert!(!run.join("999999999.json").exists());
    }
}
