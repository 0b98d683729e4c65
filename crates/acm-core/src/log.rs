//! The command log of each family: one line when a command starts (its
//! arguments) and one when it ends (exit status, the message ID it printed,
//! how long it took), plus the requests it sent to other servers, so an
//! operator can see afterwards what ran.
//!
//! | family | file |
//! |---|---|
//! | backup (`swst*`) | `/var/opt/FJSVswsts[/<SWSTGNODE>]/log/swstcmd.log` |
//! | replication (`swsrp*`) | `/var/opt/FJSVswsrp[/<SWSTGNODE>]/log/swsrpcmd.log` |
//! | configuration (`stg*`) | `/var/opt/FJSVswstf[/<SWSTGNODE>]/log/swstfcmd.log` |
//!
//! The level is `ACM_LOG_LEVEL` (`off`, `info`, `debug`), else the `Level=`
//! line of `/etc/opt/swstorage/log.ini`, else `info`; `debug` adds each
//! request sent to another server. A log that reaches `MaxBytes=` of the same
//! file (default 1 MiB) is renamed `.1` (the older `.1` to `.2`, `.2` to `.3`,
//! the oldest dropped) before the next line. Writing the log never fails a
//! command: a log that cannot be written is skipped. A pre/post-processing
//! script's output goes to a file of its own per run ([`script_output`]).

use crate::cli::escaped;
use crate::ini::{Ini, FLAT};
use crate::msg::{Failure, Family};
use crate::paths;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

/// The variable that sets the level.
pub const LEVEL_VAR: &str = "ACM_LOG_LEVEL";
/// The configuration file of the level and the rotation size.
pub const CONFIG_FILE: &str = "/etc/opt/swstorage/log.ini";
/// Rotation size when the configuration gives none.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 20;
/// Rotated generations kept.
pub const KEEP: u32 = 3;

/// How much is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Off,
    Info,
    Debug,
}

fn settings() -> (Level, u64) {
    let ini = Ini::load(&paths::product(CONFIG_FILE), FLAT).ok().flatten();
    let from_file = |key: &str| {
        ini.as_ref()
            .and_then(|i| i.value("", key))
            .map(str::to_string)
    };
    let level = std::env::var(LEVEL_VAR)
        .ok()
        .or_else(|| from_file("Level"))
        .map(|l| match l.to_ascii_lowercase().as_str() {
            "off" => Level::Off,
            "debug" => Level::Debug,
            _ => Level::Info,
        })
        .unwrap_or(Level::Info);
    let max = from_file("MaxBytes")
        .and_then(|m| m.parse().ok())
        .filter(|m| *m >= 4096)
        .unwrap_or(DEFAULT_MAX_BYTES);
    (level, max)
}

/// The log file of `family`.
pub fn path(family: Family) -> PathBuf {
    use crate::program::Package;
    let (package, file) = match family {
        Family::Backup => (Package::Backup, "swstcmd.log"),
        Family::Replication => (Package::Replication, "swsrpcmd.log"),
        Family::Config => (Package::Framework, "swstfcmd.log"),
    };
    let package = package.name();
    let dir = match paths::logical_node() {
        Ok(Some(n)) => format!("/var/opt/{package}/{n}/log"),
        _ => format!("/var/opt/{package}/log"),
    };
    paths::product(dir).join(file)
}

/// The message ID and exit status of the failure the running command reported.
static ENDED: Mutex<Option<(String, u8)>> = Mutex::new(None);

/// Records the failure a command reports (called by [`crate::command::report`]).
pub fn note_failure(f: &Failure) {
    *ENDED.lock().unwrap_or_else(|p| p.into_inner()) = Some((f.message.id.clone(), f.status));
}

/// Records an exit status that came from elsewhere (another server's).
pub fn note_status(status: u8) {
    *ENDED.lock().unwrap_or_else(|p| p.into_inner()) = Some((String::new(), status));
}

/// One command's run, logged when it starts and when it ends.
pub struct Run {
    family: Family,
    name: &'static str,
    started: Instant,
    level: Level,
    max: u64,
}

impl Run {
    /// Logs the start of `name` with `args` (as given, unprintable bytes escaped).
    pub fn start(family: Family, name: &'static str, args: &[std::ffi::OsString]) -> Run {
        let (level, max) = settings();
        let run = Run {
            family,
            name,
            started: Instant::now(),
            level,
            max,
        };
        let shown: Vec<String> = args
            .iter()
            .map(|a| {
                let e = escaped(a);
                let cut: String = e.chars().take(256).collect();
                format!("\"{cut}\"")
            })
            .collect();
        run.line(Level::Info, &format!("start args=[{}]", shown.join(" ")));
        run
    }

    /// Logs the end: the status and message recorded by [`note_failure`] or
    /// [`note_status`], 0 otherwise.
    pub fn end(self) {
        let (id, status) = ENDED
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_default();
        let id = if id.is_empty() { "-".to_string() } else { id };
        let ms = self.started.elapsed().as_millis();
        self.line(
            Level::Info,
            &format!("end status={status} message={id} ms={ms}"),
        );
    }

    /// Logs a request to another server (at `debug`).
    pub fn request(family: Family, name: &str, text: &str) {
        let (level, max) = settings();
        if level >= Level::Debug {
            write_line(family, max, &format!("{name} request {text}"));
        }
    }

    fn line(&self, at: Level, text: &str) {
        if self.level >= at && at != Level::Off {
            write_line(self.family, self.max, &format!("{} {text}", self.name));
        }
    }
}

/// How many script output files a family keeps; older ones are removed.
pub const KEEP_SCRIPT_OUTPUTS: usize = 100;

/// A new file for the standard output and error of one run of `script`,
/// `<log dir>/scripts/<yyyymmdd-hhmmss>-<pid>-<script>.out`, so a script's
/// words never mix with the command's output that scripts parse. The oldest
/// files beyond [`KEEP_SCRIPT_OUTPUTS`] are removed. `None` when the log
/// directory cannot be written (the output is then discarded).
pub fn script_output(family: Family, script: &str) -> Option<std::fs::File> {
    let dir = path(family).parent()?.join("scripts");
    std::fs::create_dir_all(&dir).ok()?;
    let mut old: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "out"))
        .collect();
    if old.len() >= KEEP_SCRIPT_OUTPUTS {
        old.sort();
        for p in &old[..=old.len() - KEEP_SCRIPT_OUTPUTS] {
            let _ = std::fs::remove_file(p);
        }
    }
    let (y, mo, d, h, mi, s) = crate::time::civil(crate::time::now_secs());
    static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!(
        "{y:04}{mo:02}{d:02}-{h:02}{mi:02}{s:02}-{}-{n}-{script}.out",
        std::process::id()
    );
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(name))
        .ok()
}

fn write_line(family: Family, max: u64, text: &str) {
    let file = path(family);
    let Some(dir) = file.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    if std::fs::metadata(&file).is_ok_and(|m| m.len() >= max) {
        rotate(&file);
    }
    let stamp = crate::time::format_seconds(crate::time::now_secs());
    let line = format!("{stamp} pid={} {text}\n", std::process::id());
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
    {
        // One write per line: appends of whole lines do not interleave.
        let _ = f.write_all(line.as_bytes());
    }
}

fn rotate(file: &std::path::Path) {
    let gen = |n: u32| PathBuf::from(format!("{}.{n}", file.display()));
    for n in (1..KEEP).rev() {
        let _ = std::fs::rename(gen(n), gen(n + 1));
    }
    let _ = std::fs::rename(file, gen(1));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_keeps_three_generations() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("x.log");
        for i in 0..5 {
            std::fs::write(&f, format!("{i}")).unwrap();
            rotate(&f);
        }
        let read = |n: u32| std::fs::read_to_string(d.path().join(format!("x.log.{n}"))).unwrap();
        assert_eq!(
            (read(1), read(2), read(3)),
            ("4".into(), "3".into(), "2".into())
        );
        assert!(!d.path().join("x.log.4").exists());
    }
}
