//! Which replication management commands may run at the same time (manual 8.3
//! NOTES).
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
use acm_core::exclusion::{self as core, Refusal};
use acm_core::msg::{Failure, Family};
use acm_core::program::{self, Class};
use std::path::Path;

pub use acm_core::exclusion::{Guard, Mode, Running};

/// The command that excludes everything, displays included.
pub const RECOVER: &str = "swsrprecoverres";

/// The configuration/operation lock file.
pub const EXEC_LOCK: &str = "swsrpexec.lock";
/// The lock that only `swsrprecoverres` takes exclusively.
pub const RECOVER_LOCK: &str = "swsrprecover.lock";

/// The locks a command takes, in order.
pub fn locks_of(command: &str) -> Vec<(&'static str, Mode)> {
    let recover = if command == RECOVER {
        Mode::Exclusive
    } else {
        Mode::Shared
    };
    let mut v = vec![(RECOVER_LOCK, recover)];
    // The classes of [`program::ALL`]: configuration commands exclude every
    // other configuration and operation command; operations run together.
    if program::is(command, Family::Replication, Class::Configuration) {
        v.push((EXEC_LOCK, Mode::Exclusive));
    } else if program::is(command, Family::Replication, Class::Operation) {
        v.push((EXEC_LOCK, Mode::Shared));
    }
    v
}

/// Enters `command` in this server's data directory.
pub fn enter(command: &str, target: Option<&str>) -> Result<Guard, Failure> {
    enter_at(&list::data_dir(), command, target)
}

/// Enters `command` with data directory `dir`; refused with `swsrp1003` when a
/// conflicting command runs.
pub fn enter_at(dir: &Path, command: &str, target: Option<&str>) -> Result<Guard, Failure> {
    core::enter(dir, &locks_of(command), command, target).map_err(|r| match r {
        Refusal::Busy(h) if h.is_empty() => {
            messages::busy("another replication management command")
        }
        Refusal::Busy(h) => messages::busy(&h),
        Refusal::Io(e) => messages::list_error(e),
    })
}

/// The replication commands running now, per their holder records in `dir`.
pub fn running_at(dir: &Path) -> Vec<Running> {
    core::running(dir)
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
