//! Pre- and post-processing scripts (`OpcBackup.pre/.post`, `OpcRestore.pre/.post`
//! under `/etc/opt/FJSVswsts/sh`, relocated by `ACM_ROOT`).
//!
//! A script is executed directly, never through a shell string built from device
//! names, with the manual's arguments and the caller's `SWSTGNODE`. Exit 0 lets the
//! operation go on; any other code stops it with the code in the message (0-99 are
//! reserved for AdvancedCopy Manager, 100-255 for customisations). A missing script
//! is skipped: the suite installs its own defaults with `scripts/install.sh`.

use crate::messages;
use acm_core::msg::Failure;
use std::path::PathBuf;
use std::process::Command;

/// Where the backup scripts live.
pub fn dir() -> PathBuf {
    acm_core::paths::product("/etc/opt/FJSVswsts/sh")
}

/// Runs script `name` (e.g. `OpcBackup.pre`) with `args`; `Ok` when it exits 0 or
/// does not exist.
pub fn run(name: &str, args: &[&str]) -> Result<(), Failure> {
    let path = dir().join(name);
    if !path.exists() {
        return Ok(());
    }
    let status = Command::new(&path)
        .args(args)
        .status()
        .map_err(|e| messages::script_not_run(name, e))?;
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => Err(messages::script_failed(name, code)),
        None => Err(messages::script_not_run(name, "killed by a signal")),
    }
}
