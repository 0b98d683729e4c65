//! `acm`: every program of the suite in one binary, dispatching on the name it
//! was started as.
//!
//! An installation links each program's product path
//! (`/opt/FJSVswsts/bin/swstbackup`) to this binary, as coreutils' multicall
//! binary is linked; started under another name it takes the program from its
//! first argument (`acm swstbackup /dev/hdisk1`). `acm --list` prints each
//! program and its directory, which is what the installer links; `acm --link
//! DIR` links every program in one directory (a build tree's, for scripts).

use acm_core::program::{self, Entry};
use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

/// Every family's entry table.
const FAMILIES: &[&[Entry]] = &[
    acm_backup::ENTRIES,
    acm_replication::ENTRIES,
    acm_config::ENTRIES,
    acmsim::ENTRIES,
];

fn entry(name: &str) -> Option<&'static Entry> {
    FAMILIES
        .iter()
        .flat_map(|f| f.iter())
        .find(|e| e.name == name)
}

const USAGE: &str =
    "usage: acm PROGRAM [ARGUMENT...] | acm --list | acm --link DIR | acm --version";

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    let rest: Vec<OsString> = args.collect();
    if let Some(e) = program::invoked_as(&argv0).and_then(|p| entry(p.name)) {
        return (e.main)(rest);
    }
    let Some(first) = rest.first() else {
        eprintln!("acm: ACM0001 No program named. {USAGE}");
        return ExitCode::from(2);
    };
    match first.to_str() {
        Some("--list") => {
            let mut out = std::io::stdout().lock();
            for p in program::ALL {
                let _ = writeln!(out, "{} {}", p.name, p.package.bin_dir());
            }
            ExitCode::SUCCESS
        }
        Some("--link") if rest.len() == 2 => match link_all(std::path::Path::new(&rest[1])) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("acm: ACM0003 Cannot link the programs: {e}");
                ExitCode::from(1)
            }
        },
        Some("--version") => {
            println!("acm {}", acm_core::VERSION);
            ExitCode::SUCCESS
        }
        Some("--help") => {
            println!("{USAGE}");
            println!("programs:");
            for p in program::ALL {
                println!("  {}", p.name);
            }
            ExitCode::SUCCESS
        }
        Some(name) if entry(name).is_some() => (entry(name).unwrap().main)(rest[1..].to_vec()),
        _ => {
            eprintln!(
                "acm: ACM0002 No program {} in this suite. {USAGE}",
                acm_core::cli::escaped(first)
            );
            ExitCode::from(2)
        }
    }
}

/// Links every program in `dir` to this binary (replacing what is there).
fn link_all(dir: &std::path::Path) -> std::io::Result<()> {
    let exe = std::env::current_exe()?;
    std::fs::create_dir_all(dir)?;
    for p in program::ALL {
        let link = dir.join(p.name);
        let tmp = dir.join(format!(".{}.{}", p.name, std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(&exe, &tmp)?;
        std::fs::rename(&tmp, &link)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", link.display())))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The identities and the entry tables name the same programs, once each.
    #[test]
    fn every_program_has_one_entry() {
        for p in program::ALL {
            let n = FAMILIES
                .iter()
                .flat_map(|f| f.iter())
                .filter(|e| e.name == p.name)
                .count();
            assert_eq!(n, 1, "{}: {n} entries", p.name);
        }
        for e in FAMILIES.iter().flat_map(|f| f.iter()) {
            assert!(
                program::find(e.name).is_some(),
                "{} has no identity",
                e.name
            );
        }
    }
}
