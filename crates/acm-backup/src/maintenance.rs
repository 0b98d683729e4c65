//! The maintenance commands (manual 8.1.3): `swstsrsemtch` (resource match),
//! `swstresback` (resource backup) and `swstresrst` (resource restore).
//!
//! All three are configuration commands: they take the command exclusion
//! exclusively, so no other restricted backup command runs beside them.
//!
//! - `swstsrsemtch` makes the backup management list agree with the sessions the
//!   array holds now (see [`BackupList::reconcile`] for the exact rules) and
//!   removes temporary files left by an interrupted save of the list.
//! - `swstresback dir` copies the list (and any other state file at the top of the
//!   data directory; never locks, run records or script state) into
//!   `dir/FJSVswsts`, replacing an older backup there only once the new one is
//!   complete.
//! - `swstresrst dir` puts such a backup back; each file is replaced atomically.

use crate::copy::{self, Pair, Survey};
use crate::exclusion;
use crate::list::{self, BackupList, Hold, ListStore, Role, LIST_FILE};
use crate::messages;
use crate::prelude::*;
use crate::server;
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::input;
use acm_core::msg::{Failure, Family};
use acm_core::store::write_atomic;
use acm_manager::forward;
/// The copy kinds, re-exported for callers that reconcile by hand (and tests).
pub use acm_scsi::model::CopyKind;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub const SWSTSRSEMTCH: Spec = Spec {
    name: "swstsrsemtch",
    family: Family::Backup,
    flags: &["-x"],
    valued: &["-h"],
    exclusive: &[],
    operands: (0, 0),
    usage: "/opt/FJSVswsts/bin/swstsrsemtch [-x] [-h serverName]",
};

pub const SWSTRESBACK: Spec = Spec {
    name: "swstresback",
    family: Family::Backup,
    flags: &[],
    valued: &[],
    exclusive: &[],
    operands: (1, 1),
    usage: "/opt/FJSVswsts/bin/swstresback backupDirectory",
};

pub const SWSTRESRST: Spec = Spec {
    name: "swstresrst",
    family: Family::Backup,
    flags: &[],
    valued: &[],
    exclusive: &[],
    operands: (1, 1),
    usage: "/opt/FJSVswsts/bin/swstresrst backupDirectory",
};

/// Name of the subdirectory of a backup directory that holds the saved files.
pub const BACKUP_SUBDIR: &str = "FJSVswsts";

/// What the array says about one copy, reduced to what reconciliation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// A session of this kind copies the pair.
    Session(CopyKind),
    /// No session copies the pair.
    Gone,
    /// The array cannot say (`?????`): the list is left as it is.
    Unknown,
}

/// What [`BackupList::reconcile`] changed, for tests and diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Backup volumes whose hold was cleared.
    pub holds_cleared: Vec<String>,
    /// `(transaction, backup)` sync records dropped.
    pub syncs_dropped: Vec<(String, String)>,
    /// Restore destinations whose record was dropped.
    pub restores_dropped: Vec<String>,
}

/// Making the list agree with the array (`swstsrsemtch`).
pub trait ListMaintenance {
    /// Makes the list agree with the array. `seen(from, to)` reports the session
    /// copying registered volume `from` into `to` (`None` from the closure when
    /// either name is not registered is never asked: unregistered names are
    /// handled here).
    ///
    /// Rules (docs/messages.md, "swstsrsemtch"):
    /// - a backup volume's hold (suspended EC / tracking QuickOPC without history)
    ///   is cleared when its transaction volume is no longer registered, or the
    ///   array holds no session from it to the backup volume, or the session is of
    ///   another kind (EC for a suspend, QuickOPC for tracking);
    /// - a sync record (`swststartsync`) is dropped when either volume is no longer
    ///   registered or no EC session copies the pair;
    /// - a restore record is dropped only when its transaction volume is no longer
    ///   registered (no command can show or cancel it then); a restore whose
    ///   session ended is kept (it reads as `succeeded` until `swstcancelrest` or
    ///   the next `swstrestore`), and so is one whose generation was deleted
    ///   (`swstcancelrest -v` can still name it);
    /// - history is kept whatever the array says (a generation without a session
    ///   is a completed copy; a failed one stays for the operator to delete);
    ///   `next_version` is raised above the newest generation if it is not;
    /// - when the array cannot report (`?????`) nothing is changed for that pair.
    fn reconcile(
        &mut self,
        seen: impl FnMut(&str, &str) -> Result<Seen, Failure>,
    ) -> Result<Changes, Failure>;
}

impl ListMaintenance for BackupList {
    /// Makes the list agree with the array. `seen(from, to)` reports the session
    /// copying registered volume `from` into `to` (`None` from the closure when
    /// either name is not registered is never asked: unregistered names are
    /// handled here).
    ///
    /// Rules (docs/messages.md, "swstsrsemtch"):
    /// - a backup volume's hold (suspended EC / tracking QuickOPC without history)
    ///   is cleared when its transaction volume is no longer registered, or the
    ///   array holds no session from it to the backup volume, or the session is of
    ///   another kind (EC for a suspend, QuickOPC for tracking);
    /// - a sync record (`swststartsync`) is dropped when either volume is no longer
    ///   registered or no EC session copies the pair;
    /// - a restore record is dropped only when its transaction volume is no longer
    ///   registered (no command can show or cancel it then); a restore whose
    ///   session ended is kept (it reads as `succeeded` until `swstcancelrest` or
    ///   the next `swstrestore`), and so is one whose generation was deleted
    ///   (`swstcancelrest -v` can still name it);
    /// - history is kept whatever the array says (a generation without a session
    ///   is a completed copy; a failed one stays for the operator to delete);
    ///   `next_version` is raised above the newest generation if it is not;
    /// - when the array cannot report (`?????`) nothing is changed for that pair.
    fn reconcile(
        &mut self,
        mut seen: impl FnMut(&str, &str) -> Result<Seen, Failure>,
    ) -> Result<Changes, Failure> {
        let mut changes = Changes::default();
        let registered = |l: &BackupList, name: &str, role: Role| l.role(name) == Some(role);

        // Holds.
        let held: Vec<(String, Hold)> = self
            .devices
            .iter()
            .filter_map(|(n, d)| d.hold.clone().map(|h| (n.clone(), h)))
            .collect();
        for (bd, hold) in held {
            let (td, want) = match &hold {
                Hold::Suspend { transaction } => (transaction.as_str(), CopyKind::Ec),
                Hold::Tracking { transaction } => (transaction.as_str(), CopyKind::QuickOpc),
            };
            let clear = if !registered(self, td, Role::Transaction) {
                true
            } else {
                match seen(td, &bd)? {
                    Seen::Session(kind) => kind != want,
                    Seen::Gone => true,
                    Seen::Unknown => false,
                }
            };
            if clear {
                if let Some(d) = self.devices.get_mut(&bd) {
                    d.hold = None;
                }
                changes.holds_cleared.push(bd);
            }
        }

        // Syncs.
        let syncs: Vec<(String, Vec<String>)> = self
            .syncs
            .iter()
            .map(|(t, b)| (t.clone(), b.clone()))
            .collect();
        for (td, bds) in syncs {
            let mut keep = Vec::new();
            for bd in bds {
                let drop_it = if !registered(self, &td, Role::Transaction)
                    || !registered(self, &bd, Role::Backup)
                {
                    true
                } else {
                    match seen(&td, &bd)? {
                        Seen::Session(kind) => kind != CopyKind::Ec,
                        Seen::Gone => true,
                        Seen::Unknown => false,
                    }
                };
                if drop_it {
                    changes.syncs_dropped.push((td.clone(), bd));
                } else {
                    keep.push(bd);
                }
            }
            if keep.is_empty() {
                self.syncs.remove(&td);
            } else {
                self.syncs.insert(td, keep);
            }
        }

        // Restores.
        let stale: Vec<String> = self
            .restores
            .iter()
            .filter(|(_, r)| !registered(self, &r.transaction, Role::Transaction))
            .map(|(d, _)| d.clone())
            .collect();
        for dest in stale {
            self.restores.remove(&dest);
            changes.restores_dropped.push(dest);
        }

        // Version counters.
        for (td, gens) in &self.history {
            if let Some(newest) = gens.iter().map(|g| g.version).max() {
                let next = self.next_version.entry(td.clone()).or_insert(newest + 1);
                if *next <= newest {
                    *next = newest + 1;
                }
            }
        }
        Ok(changes)
    }
}

/// What the array said to `survey` about the copy from registered volume `from`
/// to `to`.
fn seen_on_array(
    survey: &Survey,
    list: &BackupList,
    from: &str,
    to: &str,
) -> Result<Seen, Failure> {
    let (Some(f), Some(t)) = (list.devices.get(from), list.devices.get(to)) else {
        return Ok(Seen::Gone);
    };
    Ok(match survey.pair(&f.box_info, &t.box_info)? {
        Pair::None => Seen::Gone,
        Pair::Session(s) => Seen::Session(s.kind),
        Pair::Unobtainable => Seen::Unknown,
    })
}

/// Asks the array about one registered volume of each box the list uses,
/// whether or not anything there needs reconciling: a box whose state cannot
/// be read (damaged, unreachable) is reported (`swst1006`), never taken for
/// "nothing to match". A box that answers "status unobtainable" is fine here;
/// its pairs are left alone by [`BackupList::reconcile`].
fn ask_every_box(list: &BackupList) -> Result<(), Failure> {
    let mut asked = std::collections::BTreeSet::new();
    for d in list.devices.values() {
        if asked.insert(d.box_info.box_id.clone()) {
            copy::sessions(&d.box_info)?;
        }
    }
    Ok(())
}

/// Removes the temporary files an interrupted save of the list left behind in
/// `dir` (`.swstlist.redb.tmp.<pid>`). Called with the list's lock held, so no
/// save is in progress.
pub fn remove_leftovers(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let prefix = format!(".{LIST_FILE}.tmp.");
    let mut removed = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(removed),
        Err(e) => return Err(messages::list_error(format!("{}: {e}", dir.display()))),
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with(&prefix) {
            let p = entry.path();
            fs::remove_file(&p)
                .map_err(|e| messages::list_error(format!("{}: {e}", p.display())))?;
            removed.push(p);
        }
    }
    Ok(removed)
}

/// `swstsrsemtch [-x] [-h serverName]`.
///
/// Reconciles the list with the array; `-x` ("achieves consistency with a
/// repository") then has the Management Server fetch this server's device
/// information into its repository again ([`sync_repository`]).
pub fn swstsrsemtch(argv: Argv) -> ExitCode {
    forward::run(&SWSTSRSEMTCH, argv, |args| {
        let local = server::check(args)?;
        let _run = exclusion::enter("swstsrsemtch", None)?;
        let store = ListStore::open();
        let dir = list::data_dir();
        store.update("swstsrsemtch", |list| {
            if !list.configured {
                return Err(messages::not_configured());
            }
            remove_leftovers(&dir)?;
            ask_every_box(list)?;
            let snapshot = list.clone();
            // Reconciliation asks about the held volumes and the sync targets.
            let held = snapshot.devices.values().filter(|d| d.hold.is_some());
            let synced = snapshot.syncs.values().flatten();
            let survey = copy::survey(
                held.chain(synced.filter_map(|b| snapshot.devices.get(b)))
                    .map(|d| &d.box_info),
            );
            list.reconcile(|from, to| seen_on_array(&survey, &snapshot, from, to))?;
            Ok(())
        })?;
        if args.has("-x") {
            sync_repository(&local)?;
        }
        println!("swstsrsemtch completed");
        Ok(())
    })
}

/// `-x`: the Management Server takes this server's device information into
/// its repository again (`stgxfwcmsetdev -n THIS` run there, through its
/// daemon; here on the Management Server itself). A server that knows no
/// Management Server has no repository to be consistent with.
fn sync_repository(local: &str) -> Result<(), Failure> {
    let node = acm_manager::node::load().map_err(|e| Failure::bad_config(Family::Backup, &e))?;
    let Some(manager) = node.management.name else {
        return Ok(());
    };
    let args = ["-n".to_string(), local.to_string()];
    let out = acm_manager::remote::exec(
        &manager,
        "stgxfwcmsetdev",
        &args,
        &[],
        acm_core::msg::Family::Backup,
    )?;
    if out.status != 0 {
        let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
        return Err(messages::repository_sync_failed(&manager, &why));
    }
    Ok(())
}

/// The files of the data directory a backup holds: regular files at its top
/// level, except hidden/temporary files and lock files.
fn saved_files(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let mut out = Vec::new();
    let entries =
        fs::read_dir(dir).map_err(|e| messages::list_error(format!("{}: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
        if is_file && !name.starts_with('.') && !name.ends_with(".lock") && !name.ends_with(".tmp")
        {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// Checks that the operand names an existing directory.
fn backup_dir(operand: &str) -> Result<PathBuf, Failure> {
    let p = PathBuf::from(operand);
    if p.is_dir() {
        Ok(p)
    } else {
        Err(messages::no_backup_directory(operand))
    }
}

/// Copies `files` into a fresh directory beside `target`, then swaps it in.
fn write_backup(target: &Path, files: &[PathBuf]) -> Result<(), Failure> {
    let parent = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let pid = std::process::id();
    let fresh = parent.join(format!(".{name}.new.{pid}"));
    let old = parent.join(format!(".{name}.old.{pid}"));
    let fail = |p: &Path, e: &dyn std::fmt::Display| {
        messages::backup_copy_failed(&format!("{}: {e}", p.display()))
    };
    let _ = fs::remove_dir_all(&fresh);
    let result = (|| {
        fs::create_dir_all(&fresh).map_err(|e| fail(&fresh, &e))?;
        for f in files {
            let bytes = input::read_bytes(f, input::MAX_STATE_BYTES).map_err(|e| fail(f, &e))?;
            let to = fresh.join(f.file_name().unwrap_or_default());
            write_atomic(&to, &bytes).map_err(|e| fail(&to, &e))?;
        }
        if target.exists() {
            fs::rename(target, &old).map_err(|e| fail(target, &e))?;
        }
        if let Err(e) = fs::rename(&fresh, target) {
            let _ = fs::rename(&old, target);
            return Err(fail(target, &e));
        }
        let _ = fs::remove_dir_all(&old);
        if let Ok(d) = fs::File::open(parent) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&fresh);
    }
    result
}

/// `swstresback backupDirectory`.
pub fn swstresback(argv: Argv) -> ExitCode {
    forward::run(&SWSTRESBACK, argv, |args| {
        let operand = args.operand().unwrap_or_default();
        acm_manager::client_dirs::check(operand, Family::Backup)?;
        let _run = exclusion::enter("swstresback", None)?;
        let store = ListStore::open();
        if !store.load()?.configured {
            return Err(messages::not_configured());
        }
        let dir = backup_dir(operand)?;
        let files = saved_files(&list::data_dir())?;
        write_backup(&dir.join(BACKUP_SUBDIR), &files)?;
        println!("swstresback completed");
        Ok(())
    })
}

/// `swstresrst backupDirectory`.
pub fn swstresrst(argv: Argv) -> ExitCode {
    forward::run(&SWSTRESRST, argv, |args| {
        let operand = args.operand().unwrap_or_default();
        acm_manager::client_dirs::check(operand, Family::Backup)?;
        let _run = exclusion::enter("swstresrst", None)?;
        let store = ListStore::open();
        if !store.load()?.configured {
            return Err(messages::not_configured());
        }
        let dir = backup_dir(operand)?;
        let saved = dir.join(BACKUP_SUBDIR);
        let saved_list = saved.join(LIST_FILE);
        if !saved_list.is_file() {
            return Err(messages::no_backup_data(operand));
        }
        let restored: BackupList =
            ListStore::load_saved(&saved_list).map_err(|e| messages::backup_unreadable(&e))?;
        // Read every file first, so a failing read changes nothing.
        let mut others = Vec::new();
        for f in saved_files(&saved)? {
            if f.file_name().is_some_and(|n| n == LIST_FILE) {
                continue;
            }
            let bytes = input::read_bytes(&f, input::MAX_STATE_BYTES)
                .map_err(|e| messages::backup_copy_failed(&e.to_string()))?;
            others.push((f, bytes));
        }
        let data = list::data_dir();
        for (f, bytes) in &others {
            let to = data.join(f.file_name().unwrap_or_default());
            write_atomic(&to, bytes).map_err(|e| messages::backup_copy_failed(&e.to_string()))?;
        }
        store.update("swstresrst", |list| {
            *list = restored;
            Ok(())
        })?;
        println!("swstresrst completed");
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::{BackupKind, BoxInfo, Device, Generation, Restore};
    use acm_host::DeviceKind;

    fn dev(role: Role, olu: u32, hold: Option<Hold>) -> Device {
        Device {
            role,
            kind: DeviceKind::Disk,
            box_info: BoxInfo {
                box_id: "B".into(),
                olu,
                start_lba: 0,
                blocks: 8,
            },
            size: 4096,
            hold,
        }
    }

    fn sample() -> BackupList {
        let mut l = BackupList {
            configured: true,
            ..Default::default()
        };
        l.devices
            .insert("/dev/hdisk1".into(), dev(Role::Transaction, 0, None));
        let t = || "/dev/hdisk1".to_string();
        l.devices.insert(
            "/dev/hdisk2".into(),
            dev(Role::Backup, 1, Some(Hold::Tracking { transaction: t() })),
        );
        l.devices.insert(
            "/dev/hdisk3".into(),
            dev(Role::Backup, 2, Some(Hold::Suspend { transaction: t() })),
        );
        l.devices
            .insert("/dev/hdisk4".into(), dev(Role::Backup, 3, None));
        l.syncs
            .insert(t(), vec!["/dev/hdisk3".into(), "/dev/hdisk4".into()]);
        l.history.insert(
            t(),
            vec![Generation {
                version: 5,
                date: "2024/01/01 00:00".into(),
                backup_volume: "/dev/hdisk4".into(),
                kind: BackupKind::Opc,
            }],
        );
        l.restores.insert(
            "/dev/hdisk1".into(),
            Restore {
                transaction: t(),
                version: 5,
                backup_volume: "/dev/hdisk4".into(),
            },
        );
        l.restores.insert(
            "/dev/hdisk9".into(),
            Restore {
                transaction: "/dev/hdisk8".into(),
                version: 3,
                backup_volume: "/dev/hdisk4".into(),
            },
        );
        l
    }

    #[test]
    fn reconcile_follows_the_array() {
        let mut l = sample();
        let ch = l
            .reconcile(|_, to| {
                Ok(match to {
                    "/dev/hdisk2" => Seen::Gone,
                    "/dev/hdisk3" => Seen::Session(CopyKind::Ec),
                    _ => Seen::Gone,
                })
            })
            .unwrap();
        assert_eq!(ch.holds_cleared, vec!["/dev/hdisk2".to_string()]);
        assert_eq!(
            ch.syncs_dropped,
            vec![("/dev/hdisk1".to_string(), "/dev/hdisk4".to_string())]
        );
        assert_eq!(ch.restores_dropped, vec!["/dev/hdisk9".to_string()]);
        assert!(l.devices["/dev/hdisk3"].hold.is_some());
        assert_eq!(l.syncs["/dev/hdisk1"], vec!["/dev/hdisk3".to_string()]);
        assert!(l.restores.contains_key("/dev/hdisk1"));
        assert_eq!(l.history["/dev/hdisk1"].len(), 1);
        assert_eq!(l.next_version["/dev/hdisk1"], 6);
        // A record whose generation was deleted stays (swstcancelrest -v names it).
        l.history.clear();
        let ch = l.reconcile(|_, _| Ok(Seen::Unknown)).unwrap();
        assert!(ch.restores_dropped.is_empty());
        assert!(l.restores.contains_key("/dev/hdisk1"));
    }

    #[test]
    fn unknown_status_changes_nothing_and_wrong_kind_clears() {
        let mut l = sample();
        l.restores.remove("/dev/hdisk9");
        l.next_version.insert("/dev/hdisk1".into(), 6);
        let before = l.clone();
        l.reconcile(|_, _| Ok(Seen::Unknown)).unwrap();
        assert_eq!(l, before);
        let ch = l
            .reconcile(|_, _| Ok(Seen::Session(CopyKind::Opc)))
            .unwrap();
        assert_eq!(ch.holds_cleared.len(), 2);
        assert!(l.syncs.is_empty());
    }

    #[test]
    fn leftovers_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".swstlist.redb.tmp.123"), b"{half").unwrap();
        fs::write(dir.path().join("swstlist.redb"), b"{}").unwrap();
        let removed = remove_leftovers(dir.path()).unwrap();
        assert_eq!(removed.len(), 1);
        assert!(dir.path().join("swstlist.redb").exists());
    }
}
