//! The Managed Server's name and the `-h serverName` option.
//!
//! The name is the `ServerName=` line of `/etc/opt/swstorage/swnode.ini` (under
//! `ACM_ROOT`) when there is one, else the machine's host name. `-h` is accepted
//! when it names this server exactly (case-sensitive, as the manual says);
//! execution on another Managed Server is not available yet and is refused.

use crate::messages;
use acm_core::cli::Args;
use acm_core::msg::Failure;
use acm_core::paths;
use std::path::Path;

/// Path of the node file holding `ServerName=`.
pub const SWNODE_INI: &str = "/etc/opt/swstorage/swnode.ini";

/// This Managed Server's name.
pub fn local_name() -> String {
    name_from_ini(&paths::product(SWNODE_INI)).unwrap_or_else(|| {
        nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "localhost".to_string())
    })
}

/// The `ServerName=` value of an ini file, if the file and a non-empty value exist.
pub fn name_from_ini(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|line| {
        let (key, value) = line.trim().split_once('=')?;
        let value = value.trim().trim_matches('"');
        (key.trim() == "ServerName" && !value.is_empty()).then(|| value.to_string())
    })
}

/// Checks `-h serverName` against this server; returns the server's name.
pub fn check(args: &Args) -> Result<String, Failure> {
    let local = local_name();
    match args.value("-h") {
        Some(given) if given != local => Err(messages::foreign_server(given, &local)),
        _ => Ok(local),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_server_name() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("swnode.ini");
        assert_eq!(name_from_ini(&p), None);
        std::fs::write(&p, "[node]\nNodeName=x\nServerName=job2\n").unwrap();
        assert_eq!(name_from_ini(&p).as_deref(), Some("job2"));
        std::fs::write(&p, "ServerName=\n").unwrap();
        assert_eq!(name_from_ini(&p), None);
    }
}
