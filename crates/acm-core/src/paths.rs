//! Where state lives.
//!
//! The product keeps its state under `/etc/opt/...` and `/var/opt/...`. The
//! environment variable `ACM_ROOT` relocates every such path under a directory
//! so that tests, demos and several simulated managed servers never touch the
//! real `/etc`. Simulated boxes live under `ACMSIM_HOME`, which defaults to
//! `$ACM_ROOT/var/opt/acmsim`, so two managed servers with different roots can
//! still share one set of boxes.

use std::path::{Path, PathBuf};

/// Name of the variable that relocates every product path.
pub const ACM_ROOT: &str = "ACM_ROOT";
/// Name of the variable that places the simulated boxes.
pub const ACMSIM_HOME: &str = "ACMSIM_HOME";

/// The state root: `$ACM_ROOT`, or `/` when it is unset or empty.
pub fn root() -> PathBuf {
    match std::env::var_os(ACM_ROOT) {
        Some(r) if !r.is_empty() => PathBuf::from(r),
        _ => PathBuf::from("/"),
    }
}

/// A product path (absolute, e.g. `/etc/opt/FJSVswsts/data`) placed under the state root.
pub fn product(path: impl AsRef<Path>) -> PathBuf {
    under(&root(), path)
}

/// `path` (absolute or not) placed under `root`.
pub fn under(root: &Path, path: impl AsRef<Path>) -> PathBuf {
    let rel = path.as_ref().strip_prefix("/").unwrap_or(path.as_ref());
    root.join(rel)
}

/// The data directory of a product package (`FJSVswsts`, `FJSVswsrp`):
/// `/etc/opt/<package>/data`, or `/etc/opt/<package>/<SWSTGNODE>/data` for a
/// logical node, under the state root.
pub fn data_dir(package: &str) -> PathBuf {
    match std::env::var("SWSTGNODE") {
        Ok(node) if !node.is_empty() => product(format!("/etc/opt/{package}/{node}/data")),
        _ => product(format!("/etc/opt/{package}/data")),
    }
}

/// Directory holding the simulated boxes.
pub fn sim_home() -> PathBuf {
    match std::env::var_os(ACMSIM_HOME) {
        Some(h) if !h.is_empty() => PathBuf::from(h),
        _ => product("/var/opt/acmsim"),
    }
}

/// Directory holding this managed server's simulated host (disks, volume groups, mounts).
pub fn sim_host_dir() -> PathBuf {
    product("/var/opt/acmsim-host")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_strips_the_leading_slash() {
        assert_eq!(
            under(Path::new("/tmp/r"), "/etc/opt/FJSVswsts/data"),
            PathBuf::from("/tmp/r/etc/opt/FJSVswsts/data")
        );
        assert_eq!(under(Path::new("/"), "/etc/x"), PathBuf::from("/etc/x"));
    }
}
