//! Which backup management commands may run at the same time (manual 8.1, the
//! NOTES of each command).
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
use acm_core::msg::{Failure, Family};
use acm_core::program::{self, Class};
use acm_model::replication::Pair;
use acm_model::rules::{self, ReplicationUse};
use acm_model::BoxInfo;
use std::path::Path;

pub use acm_core::exclusion::{Guard, Mode, Running, RUN_DIR};

/// Whether `command` is a configuration command (runs only when no command
/// of either class runs) or an operation command (runs beside operations, not
/// beside a configuration command): the classes of [`program::ALL`].
pub fn is_operation(command: &str) -> bool {
    program::is(command, Family::Backup, Class::Operation)
}

/// Name of the exclusion lock file in the data directory.
pub const EXEC_LOCK: &str = "swstexec.lock";

/// The mode of a command, or `None` for a command that is not restricted
/// (the display commands).
pub fn mode_of(command: &str) -> Option<Mode> {
    match program::find(command)? {
        p if p.family() != Some(Family::Backup) => None,
        p if p.class == Class::Configuration => Some(Mode::Exclusive),
        p if p.class == Class::Operation => Some(Mode::Shared),
        _ => None,
    }
}

/// Enters `command` (a configuration or operation command) in this server's
/// data directory. An operation command on `device` is refused afterwards when
/// replication management works on it ([`check_replication_idle`]).
pub fn enter(command: &str, device: Option<&str>) -> Result<Guard, Failure> {
    let guard = enter_at(&list::data_dir(), command, device)?;
    if let (true, Some(d)) = (is_operation(command), device) {
        check_replication_idle(d)?;
    }
    Ok(guard)
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

// ----- the cross-function rules with replication management -----

/// Refuses (`swst1007`) when a replication management command is executing a
/// process for `device` of this server (manual: "The replication management
/// function is executing a process for the target volume"), per the holder
/// records in replication management's data directory.
pub fn check_replication_idle(device: &str) -> Result<(), Failure> {
    let local = crate::server::local_name();
    match rules::replication_holder(device, &local, || crate::pairs::all().unwrap_or_default()) {
        Some(r) => Err(messages::replication_busy(device, &r.describe())),
        None => Ok(()),
    }
}

/// Refuses to register `device` (box information `info`) of server `local` as a
/// backup volume when replication management uses it as a replication
/// destination (`swst1112`) or as the source of a bi-directional pair (`swst1113`).
pub fn check_not_replication_volume(
    pairs: &[Pair],
    device: &str,
    info: &BoxInfo,
    local: &str,
) -> Result<(), Failure> {
    match rules::replication_use(pairs, device, info, local) {
        Some((ReplicationUse::Replica, names)) => {
            Err(messages::replication_replica(device, &names))
        }
        Some((ReplicationUse::BidirectionalOriginal, names)) => {
            Err(messages::replication_bidirectional(device, &names))
        }
        None => Ok(()),
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
}
