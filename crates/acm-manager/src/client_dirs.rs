//! The directories a remote client may name.
//!
//! A few commands take a directory and write into it or read from it:
//! `acmcapture DIR`, `swstresback DIR`, `swstresrst DIR`, `stgmgrinfoset -d
//! DIR`, `stgrepcnv -d DIR`. Run by root on this server they take any
//! directory. Run by the communication daemon for a client (the daemon sets
//! [`CLIENT_VAR`] to the client's certificate name in the environment of the
//! program it runs, and a client cannot set it), the directory must be one of
//! the roots this server lists in [`ROOTS_FILE`], or under one: by default
//! (no file) [`DEFAULT_ROOT`] only. Anything else is refused (`…0909`), so a
//! holder of a site certificate cannot make a server write its state into,
//! or restore it from, a directory of the client's choosing.
//!
//! [`ROOTS_FILE`] lists one absolute directory per line (`#` comments, blank
//! lines); a relative path or one with `..` is malformed (`…0005`). An
//! empty file allows no directory. The check follows symbolic links as the
//! command will (a link under a root that leads out of it is outside), and a
//! directory that does not exist yet is judged by where it would be.

use acm_core::ini::ConfigError;
use acm_core::input;
use acm_core::msg::{Failure, Family};
use acm_core::paths;
use std::path::{Component, Path, PathBuf};

/// Set by the daemon, for the program it runs, to the client's name.
pub const CLIENT_VAR: &str = "ACM_REMOTE_CLIENT";
/// The roots under which a remote client may name directories.
pub const ROOTS_FILE: &str = "/etc/opt/swstorage/remote_dirs";
/// The one root when [`ROOTS_FILE`] does not exist (under the state root).
pub const DEFAULT_ROOT: &str = "/var/opt/FJSVswstf/remote";
/// Number of the refusal of a directory outside the roots (every family's `…0909`).
pub const OUTSIDE: u16 = 909;

/// The remote client this program runs for, if any.
pub fn client() -> Option<String> {
    std::env::var(CLIENT_VAR).ok().filter(|c| !c.is_empty())
}

/// The roots a remote client may name directories under.
pub fn roots() -> Result<Vec<PathBuf>, ConfigError> {
    let path = paths::product(ROOTS_FILE);
    let Some(text) = input::read_config(&path)? else {
        return Ok(vec![paths::product(DEFAULT_ROOT)]);
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let p = Path::new(t);
        if !p.is_absolute() || p.components().any(|c| c == Component::ParentDir) {
            return Err(ConfigError::malformed(
                &path,
                i + 1,
                format!("{t} is not an absolute directory without '..'"),
            ));
        }
        out.push(p.to_path_buf());
    }
    Ok(out)
}

/// `p` with symbolic links resolved as far as it exists, the rest appended
/// (`p` is absolute and has no `..`).
fn resolved(p: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut cur = p;
    loop {
        if let Ok(real) = std::fs::canonicalize(cur) {
            return rest.iter().rev().fold(real, |acc, c| acc.join(c));
        }
        match (cur.parent(), cur.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                cur = parent;
            }
            _ => return p.to_path_buf(),
        }
    }
}

/// Checks a directory named on the command line: anything when run here,
/// one under a root when run for a remote client.
pub fn check(dir: &str, family: Family) -> Result<(), Failure> {
    let Some(client) = client() else {
        return Ok(());
    };
    let roots = roots().map_err(|e| Failure::bad_config(family, &e))?;
    let p = Path::new(dir);
    let inside = p.is_absolute()
        && !p.components().any(|c| c == Component::ParentDir)
        && roots
            .iter()
            .any(|root| resolved(p).starts_with(resolved(root)));
    if inside {
        return Ok(());
    }
    let listed = if roots.is_empty() {
        "none".to_string()
    } else {
        roots
            .iter()
            .map(|r| r.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(Failure::refused(
        family,
        OUTSIDE,
        format!(
            "The directory {dir} cannot be used for the remote client {client}: it is not \
             under a directory this server lets remote clients name ({listed}; see {}).",
            paths::product(ROOTS_FILE).display()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_followed_and_missing_parts_appended() {
        let dir = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(dir.path()).unwrap();
        let root = base.join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("out")).unwrap();
        assert!(resolved(&root.join("sub/new/deeper")).starts_with(&root));
        assert!(!resolved(&root.join("out/x")).starts_with(&root));
        assert_eq!(resolved(&root.join("sub")), root.join("sub"));
    }
}
