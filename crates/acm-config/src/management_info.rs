//! The management information a server holds, by the four types of package
//! backup (manual 7.1.2, Table 7.5), and how a server hands one type over: a
//! tar archive whose members are laid out exactly as under
//! `<backup directory>/<server>/` on the execution server.
//!
//! | type | members | taken from (under the state root) |
//! |---|---|---|
//! | `RegiData` | `RegiData/swnode.ini` | `/etc/opt/swstorage/swnode.ini` |
//! | `BkupData` | `BkupData/FJSVswsts/FJSVswsts.tar`, `BkupData/Scripts/*`, `BkupData/data/` | the backup management list (what `swstresback` saves), `/etc/opt/FJSVswsts/sh` |
//! | `ReplData` | `ReplData/Scripts/*`, `ReplData/data/**` | `/etc/opt/FJSVswsrp/sh`, the replication data directory |
//! | `MgrInfoData` | `MgrInfoData/stgmgrinfo_policy.ini` | the policy file |
//!
//! `FJSVswsts.tar` holds `FJSVswsts/<files>`, the layout `swstresback DIR`
//! leaves in DIR, so a restore is `tar -xf` into a directory and `swstresrst`
//! of it, as the manual's restore procedure says.

use crate::messages;
use acm_core::msg::Failure;
use acm_core::paths;
use acm_core::program::Package;
use acm_manager::node;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A type of management information (`stgmgrinfobkup -t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DataType {
    RegiData,
    BkupData,
    ReplData,
    MgrInfoData,
}

impl DataType {
    /// Every type, in the order `stgmgrinfodisp` lists them.
    pub const ALL: [DataType; 4] = [
        DataType::RegiData,
        DataType::BkupData,
        DataType::ReplData,
        DataType::MgrInfoData,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DataType::RegiData => "RegiData",
            DataType::BkupData => "BkupData",
            DataType::ReplData => "ReplData",
            DataType::MgrInfoData => "MgrInfoData",
        }
    }

    /// The exact name (`-t` is case-sensitive, like the policy keys), or `swstf3006`.
    pub fn parse(text: &str) -> Result<DataType, Failure> {
        Self::ALL
            .into_iter()
            .find(|t| t.name() == text)
            .ok_or_else(|| messages::bad_backup_type(text))
    }
}

/// Path of the package backup policy file (per logical node under `SWSTGNODE`).
pub fn policy_path() -> PathBuf {
    match paths::logical_node() {
        Ok(Some(n)) => paths::product(format!(
            "/etc/opt/FJSVswstf/logical/{n}/stgmgrinfo_policy.ini"
        )),
        Ok(None) => paths::product("/etc/opt/FJSVswstf/stgmgrinfo_policy.ini"),
        // Refused before any command runs (acm_core::command::run).
        Err(_) => paths::product("/etc/opt/FJSVswstf/logical/.invalid-node/stgmgrinfo_policy.ini"),
    }
}

/// The policy file: per server, the types to back up when `-t` is not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    servers: BTreeMap<String, Vec<DataType>>,
}

impl Policy {
    /// Reads `[ NAME ]` sections with `BkupData=` and `ReplData=` keys. Only
    /// exactly `Yes` means yes (Table 7.4); other keys are ignored, because the
    /// policy cannot name the registry or the policy file.
    pub fn parse(text: &str) -> Policy {
        let mut servers: BTreeMap<String, Vec<DataType>> = BTreeMap::new();
        let mut section: Option<String> = None;
        for line in text.lines().map(str::trim) {
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let name = name.trim().to_string();
                servers.entry(name.clone()).or_default();
                section = Some(name);
                continue;
            }
            let (Some(server), Some((key, value))) = (&section, line.split_once('=')) else {
                continue;
            };
            let kind = match key.trim() {
                "BkupData" => DataType::BkupData,
                "ReplData" => DataType::ReplData,
                _ => continue,
            };
            let types = servers.entry(server.clone()).or_default();
            types.retain(|t| *t != kind);
            if value.trim() == "Yes" {
                types.push(kind);
                types.sort();
            }
        }
        Policy { servers }
    }

    /// The policy file, `None` when there is none.
    pub fn load() -> Result<Option<Policy>, Failure> {
        let path = policy_path();
        acm_core::input::read_config(&path)
            .map(|t| t.map(|text| Policy::parse(&text)))
            .map_err(|e| messages::input(&e))
    }

    /// The types to back up for `server` (none when it has no section).
    pub fn types(&self, server: &str) -> Vec<DataType> {
        self.servers.get(server).cloned().unwrap_or_default()
    }
}

/// Whether a state file belongs in a backup: not hidden, temporary or a lock.
fn is_saved(name: &str) -> bool {
    !name.starts_with('.') && !name.ends_with(".lock") && !name.ends_with(".tmp")
}

type Builder = tar::Builder<Vec<u8>>;

fn add_file(b: &mut Builder, from: &Path, to: &str) -> Result<(), Failure> {
    b.append_path_with_name(from, to)
        .map_err(|e| messages::io(from, e))
}

fn add_dir_entry(b: &mut Builder, to: &str) -> Result<(), Failure> {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Directory);
    h.set_mode(0o755);
    h.set_size(0);
    h.set_mtime(acm_core::time::now_secs());
    b.append_data(&mut h, format!("{to}/"), std::io::empty())
        .map_err(|e| messages::io(Path::new(to), e))
}

/// Adds the saved files of `from` as `to/...`; into subdirectories too when `deep`.
/// A missing `from` adds an empty directory.
fn add_tree(b: &mut Builder, from: &Path, to: &str, deep: bool) -> Result<(), Failure> {
    add_dir_entry(b, to)?;
    let entries = match std::fs::read_dir(from) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(messages::io(from, e)),
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if !is_saved(&name) {
            continue;
        }
        if kind.is_file() {
            add_file(b, &entry.path(), &format!("{to}/{name}"))?;
        } else if kind.is_dir() && deep {
            add_tree(b, &entry.path(), &format!("{to}/{name}"), true)?;
        }
    }
    Ok(())
}

fn finish(b: Builder) -> Result<Vec<u8>, Failure> {
    b.into_inner()
        .map_err(|e| messages::io(Path::new("tar"), e))
}

fn require_dir(dir: &Path) -> Result<(), Failure> {
    if dir.is_dir() {
        Ok(())
    } else {
        Err(messages::io(
            dir,
            "the function is not set up on this server (no data directory)",
        ))
    }
}

/// This server's management information of type `t`, as a tar archive.
pub fn archive(t: DataType) -> Result<Vec<u8>, Failure> {
    let mut b = tar::Builder::new(Vec::new());
    let top = t.name();
    add_dir_entry(&mut b, top)?;
    match t {
        DataType::RegiData => {
            add_file(&mut b, &node::ini_path(), &format!("{top}/swnode.ini"))?;
        }
        DataType::MgrInfoData => {
            let policy = policy_path();
            if !policy.is_file() {
                return Err(messages::no_policy(&policy));
            }
            add_file(&mut b, &policy, &format!("{top}/stgmgrinfo_policy.ini"))?;
        }
        DataType::BkupData => {
            let data = paths::data_dir(Package::Backup);
            require_dir(&data)?;
            let mut inner = tar::Builder::new(Vec::new());
            add_tree(&mut inner, &data, Package::Backup.name(), false)?;
            let inner = finish(inner)?;
            add_dir_entry(&mut b, &format!("{top}/{}", Package::Backup.name()))?;
            let mut h = tar::Header::new_gnu();
            h.set_mode(0o600);
            h.set_size(inner.len() as u64);
            h.set_mtime(acm_core::time::now_secs());
            b.append_data(
                &mut h,
                format!("{top}/{0}/{0}.tar", Package::Backup.name()),
                inner.as_slice(),
            )
            .map_err(|e| messages::io(&data, e))?;
            add_tree(
                &mut b,
                &paths::product(Package::Backup.scripts_dir()),
                &format!("{top}/Scripts"),
                false,
            )?;
            // The suite has no locking specification files; the directory is kept for the layout.
            add_dir_entry(&mut b, &format!("{top}/data"))?;
        }
        DataType::ReplData => {
            let data = paths::data_dir(Package::Replication);
            require_dir(&data)?;
            add_tree(
                &mut b,
                &paths::product(Package::Replication.scripts_dir()),
                &format!("{top}/Scripts"),
                false,
            )?;
            add_tree(&mut b, &data, &format!("{top}/data"), true)?;
        }
    }
    finish(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exactly_yes_is_yes() {
        let p = Policy::parse(
            "[ ACMMGR ]\nBkupData=Yes\n[ACMAGT1]\nBkupData=yes\nReplData = Yes \n[ ACMAGT2 ]\nReplData=YES\nBkupData=Yes\nBkupData=No\nRegiData=Yes\n",
        );
        assert_eq!(p.types("ACMMGR"), vec![DataType::BkupData]);
        assert_eq!(p.types("ACMAGT1"), vec![DataType::ReplData]);
        assert_eq!(p.types("ACMAGT2"), vec![]);
        assert_eq!(p.types("OTHER"), vec![]);
    }

    #[test]
    fn type_names_are_exact() {
        assert_eq!(DataType::parse("BkupData").unwrap(), DataType::BkupData);
        assert_eq!(
            DataType::parse("bkupdata").unwrap_err().message.id,
            "swstf3006"
        );
    }
}
