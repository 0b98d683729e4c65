//! Running a pre- or post-processing script with the family's time limit.
//!
//! The manual's scripts run until they end; a script that hangs (an unmount
//! that waits forever) then hangs its command and holds its locks. A site may
//! set a limit per family in `script.ini` beside the scripts
//! (`/etc/opt/FJSVswsts/sh/script.ini`, `/etc/opt/FJSVswsrp/sh/script.ini`):
//!
//! ```text
//! TimeLimit=600     # seconds; 0 or no file: no limit, as in the product
//! ```
//!
//! With a limit, the script runs in a process group of its own, and when the
//! limit passes the whole group (the script and whatever it started) is killed
//! with SIGKILL; the command then fails with its family's message naming the
//! script. Locks are the kernel's and are opened close-on-exec, so a script
//! never holds one: a command killed while its script runs leaves none behind.

use crate::ini::{ConfigError, Ini, FLAT};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The file of the time limit, in the family's script directory.
pub const LIMIT_FILE: &str = "script.ini";

/// How a script ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this code.
    Code(i32),
    /// A signal (not ours) ended it.
    Signal,
    /// The limit passed and its process group was killed.
    TimedOut(Duration),
}

/// The limit of `script_dir/script.ini`: `None` when there is no file, no
/// `TimeLimit` or `TimeLimit=0`; a value that is not a number of seconds is
/// malformed.
pub fn time_limit(script_dir: &Path) -> Result<Option<Duration>, ConfigError> {
    let Some(ini) = Ini::load(&script_dir.join(LIMIT_FILE), FLAT)? else {
        return Ok(None);
    };
    let Some(entry) = ini.get("", "TimeLimit") else {
        return Ok(None);
    };
    match entry.value.parse::<u64>() {
        Ok(0) => Ok(None),
        // At most a day: a longer limit is no limit a site means.
        Ok(s) if s <= 86_400 => Ok(Some(Duration::from_secs(s))),
        _ => Err(ini.malformed(
            entry,
            format!("TimeLimit={}: give seconds from 0 to 86400", entry.value),
        )),
    }
}

/// Runs script `name` of `family` (`cmd`) with the family's limit, its
/// standard output and error going to a per-run file of the family's log
/// ([`crate::log::script_output`]), never to the command's own output.
pub fn run_logged(
    family: crate::msg::Family,
    name: &str,
    cmd: &mut Command,
    limit: Option<Duration>,
) -> std::io::Result<Ended> {
    use std::process::Stdio;
    match crate::log::script_output(family, name) {
        Some(out) => {
            let err = out.try_clone()?;
            cmd.stdout(Stdio::from(out)).stderr(Stdio::from(err));
        }
        None => {
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
        }
    }
    cmd.stdin(Stdio::null());
    run(cmd, limit)
}

/// Runs `cmd` to its end, or until `limit` passes.
pub fn run(cmd: &mut Command, limit: Option<Duration>) -> std::io::Result<Ended> {
    use std::os::unix::process::CommandExt;
    let Some(limit) = limit else {
        let st = cmd.status()?;
        return Ok(st.code().map_or(Ended::Signal, Ended::Code));
    };
    let mut child = cmd.process_group(0).spawn()?;
    let started = Instant::now();
    loop {
        if let Some(st) = child.try_wait()? {
            return Ok(st.code().map_or(Ended::Signal, Ended::Code));
        }
        if started.elapsed() >= limit {
            if let Ok(pid) = i32::try_from(child.id()) {
                let _ = nix::sys::signal::killpg(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
            let _ = child.wait();
            return Ok(Ended::TimedOut(limit));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_from_the_file() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(time_limit(d.path()).unwrap(), None);
        std::fs::write(d.path().join(LIMIT_FILE), "TimeLimit=3\n").unwrap();
        assert_eq!(time_limit(d.path()).unwrap(), Some(Duration::from_secs(3)));
        std::fs::write(d.path().join(LIMIT_FILE), "TimeLimit=0\n").unwrap();
        assert_eq!(time_limit(d.path()).unwrap(), None);
        for bad in [
            "TimeLimit=abc\n",
            "TimeLimit=-1\n",
            "TimeLimit=86401\n",
            "junk\n",
        ] {
            std::fs::write(d.path().join(LIMIT_FILE), bad).unwrap();
            let e = time_limit(d.path()).unwrap_err().to_string();
            assert!(e.contains("script.ini"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_script_past_its_limit_is_killed_with_what_it_started() {
        let d = tempfile::tempdir().unwrap();
        let marker = d.path().join("grandchild-ran");
        let script = format!("sleep 30 & sleep 30; touch {}", marker.display());
        let started = Instant::now();
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(&script);
        let end = run(&mut cmd, Some(Duration::from_millis(300))).unwrap();
        assert_eq!(end, Ended::TimedOut(Duration::from_millis(300)));
        assert!(started.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(100));
        assert!(!marker.exists());
        let mut ok = Command::new("sh");
        ok.arg("-c").arg("exit 7");
        assert_eq!(
            run(&mut ok, Some(Duration::from_secs(10))).unwrap(),
            Ended::Code(7)
        );
        assert_eq!(run(&mut ok, None).unwrap(), Ended::Code(7));
    }
}
