//! Pre- and post-processing scripts (`OpcBackup.pre/.post`, `OpcRestore.pre/.post`
//! under `/etc/opt/FJSVswsts/sh`, relocated by `ACM_ROOT`).
//!
//! A script is executed directly, never through a shell string built from device
//! names, with the manual's arguments and the caller's `SWSTGNODE`. Exit 0 lets the
//! operation go on; any other code stops it with the code in the message (0-99 are
//! reserved for AdvancedCopy Manager, 100-255 for customisations). A missing script
//! is skipped: the suite installs its own defaults with `scripts/install.sh`.
//! A site may bound how long a script runs (`script.ini`, see
//! [`acm_core::script`]); one past its limit is killed and fails with swst1303.

use crate::messages;
use acm_core::msg::Failure;
use acm_core::script::{self, Ended};
use std::path::PathBuf;
use std::process::Command;

/// Where the backup scripts live.
pub fn dir() -> PathBuf {
    acm_core::paths::product(acm_core::program::Package::Backup.scripts_dir())
}

/// Runs script `name` (e.g. `OpcBackup.pre`) with `args`; `Ok` when it exits 0 or
/// does not exist.
pub fn run(name: &str, args: &[&str]) -> Result<(), Failure> {
    let path = dir().join(name);
    if !path.exists() {
        return Ok(());
    }
    let limit = script::time_limit(&dir())
        .map_err(|e| Failure::bad_config(acm_core::msg::Family::Backup, &e))?;
    let mut cmd = Command::new(&path);
    cmd.args(args);
    let family = acm_core::msg::Family::Backup;
    match script::run_logged(family, name, &mut cmd, limit)
        .map_err(|e| messages::script_not_run(name, e))?
    {
        Ended::Code(0) => Ok(()),
        Ended::Code(code) => Err(messages::script_failed(name, code)),
        Ended::Signal => Err(messages::script_not_run(name, "killed by a signal")),
        Ended::TimedOut(limit) => Err(messages::script_timed_out(name, limit.as_secs())),
    }
}
