//! `acmcapture dirname` (manual 8.6.1): the agent's troubleshooting data in one
//! `acmcapture_HOST_YYYYMMDD_hhmmss.tar.Z` (Unix compress, [`crate::compress`]).
//!
//! The archive holds, under `acmcapture_HOST_YYYYMMDD_hhmmss/` and at their
//! product paths: every `/etc/opt/FJSV*` and `/var/opt/FJSV*` tree (logs,
//! configuration, management lists, scripts), `/etc/opt/swstorage`
//! (`swnode.ini`, `peers.ini`), `/etc/services`, the simulated host, and the
//! simulator's boxes under `acmsim/`. Private keys (`*.key`) are never
//! collected. A file over [`BIG`] (a LUN's data) is not copied; its size is
//! recorded in `skipped.txt`.

use crate::compress;
use crate::messages;
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::msg::{Failure, Family};
use acm_core::paths;
use acm_core::store::write_atomic;
use acm_core::time;
use acm_manager::forward;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const SPEC: Spec = Spec {
    name: "acmcapture",
    family: Family::Config,
    flags: &[],
    valued: &[],
    exclusive: &[],
    operands: (1, 1),
    usage: "/opt/FJSVswstf/bin/acmcapture dirname",
};

/// Files larger than this are listed, not copied.
pub const BIG: u64 = 4 << 20;

/// The host name as the file name carries it: `NOHOSTNAME` when it has
/// characters other than alphanumerics and `-`, at most 15 characters.
pub fn file_host(host: &str) -> String {
    if host.is_empty() || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        "NOHOSTNAME".to_string()
    } else {
        host.chars().take(15).collect()
    }
}

/// `acmcapture_HOST_YYYYMMDD_hhmmss`.
pub fn base_name(host: &str, secs: u64) -> String {
    let (y, mo, d, h, mi, s) = time::civil(secs);
    format!(
        "acmcapture_{}_{y:04}{mo:02}{d:02}_{h:02}{mi:02}{s:02}",
        file_host(host)
    )
}

struct Collector {
    tar: tar::Builder<Vec<u8>>,
    base: String,
    skipped: String,
}

impl Collector {
    fn add_tree(&mut self, from: &Path, to: &str) -> Result<(), Failure> {
        let Ok(meta) = std::fs::symlink_metadata(from) else {
            return Ok(());
        };
        let name = from
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if meta.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(from)
                .map_err(|e| messages::capture_failed(format!("{}: {e}", from.display())))?
                .flatten()
                .collect();
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                let child = format!("{to}/{}", e.file_name().to_string_lossy());
                self.add_tree(&e.path(), &child)?;
            }
        } else if meta.is_file() && !name.ends_with(".key") {
            if meta.len() > BIG {
                self.skipped
                    .push_str(&format!("{to} {} bytes\n", meta.len()));
            } else {
                self.tar
                    .append_path_with_name(from, format!("{}/{to}", self.base))
                    .map_err(|e| messages::capture_failed(format!("{}: {e}", from.display())))?;
            }
        }
        Ok(())
    }

    /// The product directories matching `/<parent>/FJSV*`.
    fn add_packages(&mut self, parent: &str) -> Result<(), Failure> {
        let dir = paths::product(parent);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(());
        };
        let mut names: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("FJSV"))
            .collect();
        names.sort();
        for n in names {
            self.add_tree(
                &dir.join(&n),
                &format!("{}/{n}", parent.trim_start_matches('/')),
            )?;
        }
        Ok(())
    }
}

/// Collects the troubleshooting data into `dir`; returns the archive's path.
pub fn capture(dir: &Path, host: &str, secs: u64) -> Result<PathBuf, Failure> {
    let base = base_name(host, secs);
    let mut c = Collector {
        tar: tar::Builder::new(Vec::new()),
        base: base.clone(),
        skipped: String::new(),
    };
    c.add_packages("/etc/opt")?;
    c.add_packages("/var/opt")?;
    c.add_tree(&paths::product("/etc/opt/swstorage"), "etc/opt/swstorage")?;
    c.add_tree(&paths::product("/etc/services"), "etc/services")?;
    c.add_tree(&paths::sim_host_dir(), "var/opt/acmsim-host")?;
    c.add_tree(&paths::sim_home(), "acmsim")?;
    let version = format!("{}\n", acm_core::VERSION);
    for (name, text) in [
        ("skipped.txt", c.skipped.as_str()),
        ("version.txt", &version),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(text.len() as u64);
        h.set_mtime(secs);
        c.tar
            .append_data(&mut h, format!("{base}/{name}"), text.as_bytes())
            .map_err(messages::capture_failed)?;
    }
    let tar = c.tar.into_inner().map_err(messages::capture_failed)?;
    let out = dir.join(format!("{base}.tar.Z"));
    write_atomic(&out, &compress::compress(&tar)).map_err(messages::capture_failed)?;
    Ok(out)
}

/// `acmcapture dirname`.
pub fn acmcapture(argv: Argv) -> ExitCode {
    forward::run_local(&SPEC, argv, |args| {
        let dir = args.operand().unwrap_or_default();
        acm_manager::client_dirs::check(dir, Family::Config)?;
        if !Path::new(dir).is_dir() {
            return Err(messages::no_capture_directory(dir));
        }
        println!("Executing.....");
        let _ = std::io::stdout().flush();
        let host = nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_default();
        let out = capture(Path::new(dir), &host, time::now_secs())?;
        println!("Completed.");
        println!("OUTPUT={}", out.display());
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(file_host("srv01"), "srv01");
        assert_eq!(file_host("srv.example.com"), "NOHOSTNAME");
        assert_eq!(file_host("a-very-long-host-name"), "a-very-long-hos");
        assert_eq!(file_host(""), "NOHOSTNAME");
        // 2009/03/23 09:46:14 UTC
        assert_eq!(
            base_name("srv01", 1_237_801_574),
            "acmcapture_srv01_20090323_094614"
        );
    }
}
