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

/// Makes every file this process creates readable by root only (0600 files,
/// 0700 directories): management lists, box state, LUN images, the
/// repository and the logs hold an estate's configuration and data. Every
/// entry point calls it first; scripts it runs inherit it.
pub fn private_files() {
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
}

/// Name of the variable that selects a logical node (cluster operation).
pub const SWSTGNODE: &str = "SWSTGNODE";
/// The longest logical node name accepted.
pub const MAX_NODE_NAME: usize = 64;

/// Why a logical node name cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadNodeName {
    /// The name, with anything unprintable escaped.
    pub shown: String,
    pub why: &'static str,
}

impl std::fmt::Display for BadNodeName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "The logical node name {SWSTGNODE}={} is not valid: {}",
            self.shown, self.why
        )
    }
}

/// Checks a logical node name. The name becomes a path component under
/// `/etc/opt/<package>/`, so it is 1 to [`MAX_NODE_NAME`] characters of
/// `A-Z a-z 0-9 _ . -`, not starting with `.` or `-` (no `/`, no `..`, no
/// hidden or option-like names).
pub fn check_node_name(name: &std::ffi::OsStr) -> Result<&str, BadNodeName> {
    let bad = |why| BadNodeName {
        shown: crate::cli::escaped(name),
        why,
    };
    let text = name.to_str().ok_or_else(|| bad("it is not valid text"))?;
    if text.is_empty() || text.len() > MAX_NODE_NAME {
        return Err(bad("give 1 to 64 characters"));
    }
    if !text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
    {
        return Err(bad("use only letters, digits, '_', '.' and '-'"));
    }
    if text.starts_with('.') || text.starts_with('-') {
        return Err(bad("it must not start with '.' or '-'"));
    }
    Ok(text)
}

/// The logical node `SWSTGNODE` selects: `None` when it is unset or empty,
/// the refusal when it is not a valid name. Every use of the variable goes
/// through here.
pub fn logical_node() -> Result<Option<String>, BadNodeName> {
    match std::env::var_os(SWSTGNODE) {
        Some(n) if !n.is_empty() => check_node_name(&n).map(|s| Some(s.to_string())),
        _ => Ok(None),
    }
}

/// The data directory of a product package (`FJSVswsts`, `FJSVswsrp`):
/// `/etc/opt/<package>/data`, or `/etc/opt/<package>/<SWSTGNODE>/data` for a
/// logical node, under the state root.
///
/// Commands refuse an invalid `SWSTGNODE` before they run
/// ([`crate::command::run`]); should one reach here all the same, it names a
/// directory that no valid node can have, still under the state root.
pub fn data_dir(package: crate::program::Package) -> PathBuf {
    let package = package.name();
    match logical_node() {
        Ok(Some(node)) => product(format!("/etc/opt/{package}/{node}/data")),
        Ok(None) => product(format!("/etc/opt/{package}/data")),
        Err(_) => product(format!("/etc/opt/{package}/.invalid-node/data")),
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
    fn node_names() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        for good in ["node1", "N_1.a-b", "x"] {
            assert_eq!(check_node_name(OsStr::new(good)), Ok(good));
        }
        let long = "a".repeat(MAX_NODE_NAME + 1);
        for bad in [
            "",
            "..",
            ".",
            "../../tmp/x",
            "a/b",
            ".hidden",
            "-x",
            "a b",
            "a\nb",
            long.as_str(),
        ] {
            assert!(check_node_name(OsStr::new(bad)).is_err(), "{bad:?}");
        }
        let e = check_node_name(OsStr::from_bytes(b"n\xff")).unwrap_err();
        assert_eq!(e.shown, "n\\xff");
    }

    #[test]
    fn under_strips_the_leading_slash() {
        assert_eq!(
            under(Path::new("/tmp/r"), "/etc/opt/FJSVswsts/data"),
            PathBuf::from("/tmp/r/etc/opt/FJSVswsts/data")
        );
        assert_eq!(under(Path::new("/"), "/etc/x"), PathBuf::from("/etc/x"));
    }
}
