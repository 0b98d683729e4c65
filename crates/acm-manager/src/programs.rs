//! The programs a communication daemon runs for its clients, and where they are.
//!
//! Only the product's own commands and the suite's internal helper programs are
//! served; a daemon never runs a shell or a path a client sent. A program is
//! looked up beside the running executable (a build tree holds every program
//! in one directory) and then in its product directory under the same
//! installation prefix (`PREFIX/opt/FJSVswsts/bin/swstbackup`).

use std::path::{Path, PathBuf};

/// Internal programs the suite runs on another server.
pub const INTERNAL: &[&str] = &["swsrppeer", "stgagent"];

/// The product directory of `program`, if it is one the daemon serves.
pub fn product_dir(program: &str) -> Option<&'static str> {
    let ok_name = !program.is_empty()
        && program
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !ok_name {
        return None;
    }
    if program.starts_with("swsrp") {
        Some("/opt/FJSVswsrp/bin")
    } else if program.starts_with("swst") {
        Some("/opt/FJSVswsts/bin")
    } else if program.starts_with("stg") || program == "acmcapture" {
        Some("/opt/FJSVswstf/bin")
    } else {
        None
    }
}

/// Whether a daemon may run `program` for a client. The daemon commands
/// themselves are not served: a client cannot stop a daemon through it.
pub fn allowed(program: &str) -> bool {
    product_dir(program).is_some() && !matches!(program, "stgfwcom")
}

/// Where `program` is: beside the running executable, or in its product
/// directory under the installation prefix the running executable is in.
pub fn find(program: &str) -> Option<PathBuf> {
    let dir = product_dir(program)?;
    let exe = std::env::current_exe().ok()?;
    let here = exe.parent()?;
    let beside = here.join(program);
    if beside.is_file() {
        return Some(beside);
    }
    let prefix = install_prefix(here)?;
    let there = acm_core::paths::under(&prefix, dir).join(program);
    there.is_file().then_some(there)
}

/// `PREFIX` of a directory `PREFIX/opt/<package>/bin`.
fn install_prefix(bin_dir: &Path) -> Option<PathBuf> {
    let pkg = bin_dir.parent()?;
    let opt = pkg.parent()?;
    (bin_dir.file_name()? == "bin" && opt.file_name()? == "opt")
        .then(|| opt.parent().map(Path::to_path_buf))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list() {
        assert!(allowed("swstbackup"));
        assert!(allowed("swsrppeer"));
        assert!(allowed("stgagent"));
        assert!(allowed("acmcapture"));
        assert!(!allowed("stgfwcom"));
        assert!(!allowed("sh"));
        assert!(!allowed("../swstbackup"));
        assert!(!allowed("swst/../../bin/sh"));
        assert!(!allowed(""));
    }

    #[test]
    fn prefix_of_a_product_dir() {
        assert_eq!(
            install_prefix(Path::new("/tmp/r/opt/FJSVswsts/bin")),
            Some(PathBuf::from("/tmp/r"))
        );
        assert_eq!(install_prefix(Path::new("/tmp/target/debug")), None);
    }
}
