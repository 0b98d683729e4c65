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
use acm_core::exclusion::{self as core, Refusal};
use acm_core::msg::Failure;
use std::path::Path;

pub use acm_core::exclusion::{Guard, Mode, Running, RUN_DIR};

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

/// Enters `command` (one of [`CONFIGURATION`] or [`OPERATION`]) in this server's
/// data directory.
pub fn enter(command: &str, device: Option<&str>) -> Result<Guard, Failure> {
    enter_at(&list::data_dir(), command, device)
}

/// Enters `command` with its data directory `dir`; refused with `swst1003` when a
/// conflicting command runs.
pub fn enter_at(dir: &Path, command: &str, device: Option<&str>) -> Result<Guard, Failure> {
    let mode = mode_of(command).unwrap_or(Mode::Shared);
    core::enter(dir, &[(EXEC_LOCK, mode)], command, device).map_err(|r| match r {
        Refusal::Busy(h) if h.is_empty() => messages::busy("another backup management command"),
        Refusal::Busy(h) => messages::busy(&h),
        Refusal::Io(e) => messages::list_error(e),
    })
}

/// The restricted commands running now, from this server's data directory.
pub fn running() -> Vec<Running> {
    running_at(&list::data_dir())
}

/// The restricted commands running now, per their holder records in `dir`.
pub fn running_at(dir: &Path) -> Vec<Running> {
    core::running(dir)
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
}
