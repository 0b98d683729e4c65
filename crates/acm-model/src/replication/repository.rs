//! The repository's copy of the replication management list.
//!
//! The product keeps the replication volume information twice: on the Managed
//! Server (the list, [`super`]) and in the Management Server's repository,
//! from which `swsrprecoverres -r` downloads it again when the Managed Server's
//! files are damaged or lost. The suite keeps that copy on the Managed Server
//! itself, beside the data, so that it is written in the same step as the
//! list and `-r` works whether or not the Management Server can be reached:
//! `/etc/opt/FJSVswsrp/data/repository/swsrplist.redb` (under `SWSTGNODE` the
//! node's data directory, relocated by `ACM_ROOT`), holding the list's records;
//! every change of the list applies the records it changed here too.
//!
//! The copy is the last resort, so damage must show before it is needed: each
//! record carries the SHA-256 of its value, every read checks it, and every
//! record written is read back. A copy that fails either is refused
//! (`swsrp1806`, naming the file), never restored from.

use super::{self as list, ReplicationList};
use crate::messages::replication as messages;
use acm_core::msg::Failure;
use acm_core::records::{Delta, Document, RecordFile, Records};
use acm_core::store::StoreError;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Directory of the repository copy, in the data directory.
pub const REPOSITORY_DIR: &str = "repository";
/// Format name of the repository copy.
pub const COPY_FORMAT: &str = "acm-replication-repository";
/// Layout version of the repository copy.
pub const COPY_VERSION: u32 = 2;
/// The copy's file in [`REPOSITORY_DIR`].
pub const COPY_FILE: &str = "swsrplist.redb";
/// The copy of the earlier layout, removed when the list is imported.
pub const EARLIER_COPY_FILE: &str = "swsrplist.json";

/// The repository copy of this Managed Server's list.
pub fn path() -> PathBuf {
    Copy::in_data_dir(&list::data_dir())
        .file
        .path()
        .to_path_buf()
}

/// The repository copy of the list kept in one data directory.
#[derive(Debug, Clone)]
pub struct Copy {
    file: RecordFile,
}

fn damaged(path: &Path, detail: impl Into<String>) -> Failure {
    messages::repository_error(StoreError::Damaged {
        path: path.to_path_buf(),
        detail: detail.into(),
    })
}

/// A record's value as the copy stores it: its SHA-256, then the value.
fn sealed(value: &[u8]) -> Vec<u8> {
    let mut out = Sha256::digest(value).to_vec();
    out.extend_from_slice(value);
    out
}

impl Copy {
    /// The copy beside the list of data directory `dir`.
    pub fn in_data_dir(dir: &Path) -> Copy {
        let repo = dir.join(REPOSITORY_DIR);
        Copy {
            file: RecordFile::new(
                repo.join(COPY_FILE),
                dir.join(list::LIST_LOCK),
                COPY_FORMAT,
                COPY_VERSION,
            ),
        }
    }

    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// Applies one change of the list, then reads back what it wrote: a copy
    /// that did not land whole is reported now, not when `-r` needs it.
    pub fn apply(&self, delta: &Delta) -> Result<(), Failure> {
        let sealed_delta = Delta {
            put: delta
                .put
                .iter()
                .map(|(k, v)| (k.clone(), sealed(v)))
                .collect(),
            removed: delta.removed.clone(),
        };
        self.file
            .apply(&sealed_delta)
            .map_err(messages::repository_error)?;
        let back = self
            .file
            .read(|r| {
                let mut got = Records::new();
                for (kind, key) in delta.put.keys() {
                    r.pick(&mut got, kind, key)?;
                }
                Ok(got)
            })
            .map_err(messages::repository_error)?;
        if back != sealed_delta.put {
            return Err(damaged(self.path(), "it does not read back as written"));
        }
        Ok(())
    }

    /// Replaces the copy with `list`.
    pub fn replace(&self, list: &ReplicationList) -> Result<(), Failure> {
        self.replace_at(list, 0)
    }

    /// Replaces the copy with `list` as it is at `revision` of the list.
    pub fn replace_at(&self, list: &ReplicationList, revision: u64) -> Result<(), Failure> {
        let mut records: Records = list
            .to_records(&Records::new())
            .into_iter()
            .map(|(k, v)| (k, sealed(&v)))
            .collect();
        if revision > 0 {
            records.insert(
                acm_core::records::revision_key(),
                sealed(&acm_core::records::encode(&revision)),
            );
        }
        self.file
            .replace(&records)
            .map_err(messages::repository_error)?;
        match self.load()? {
            Some(back) if back == *list => Ok(()),
            _ => Err(damaged(self.path(), "it does not read back as written")),
        }
    }

    /// The revision of the list the copy holds (0 when there is no copy).
    pub fn revision(&self) -> Result<u64, Failure> {
        let (kind, key) = acm_core::records::revision_key();
        let v = self
            .file
            .read(|r| r.get(&kind, &key))
            .map_err(messages::repository_error)?;
        Ok(v.filter(|v| v.len() > 32)
            .and_then(|v| serde_json::from_slice(&v[32..]).ok())
            .unwrap_or(0))
    }

    /// The copy, each record checked against its checksum; `None` when there is none.
    pub fn load(&self) -> Result<Option<ReplicationList>, Failure> {
        if !self.path().exists() {
            return Ok(None);
        }
        let sealed = self.file.read_all().map_err(messages::repository_error)?;
        let mut plain = Records::new();
        for ((kind, key), v) in sealed {
            if v.len() < 32 || Sha256::digest(&v[32..]).as_slice() != &v[..32] {
                return Err(damaged(
                    self.path(),
                    format!("the SHA-256 of record {kind} {key:?} does not match its contents"),
                ));
            }
            plain.insert((kind, key), v[32..].to_vec());
        }
        ReplicationList::from_records(&plain)
            .map(Some)
            .map_err(|e| damaged(self.path(), e))
    }
}

/// Replaces this Managed Server's repository copy with `list`.
pub fn save(list: &ReplicationList) -> Result<(), Failure> {
    Copy::in_data_dir(&list::data_dir()).replace(list)
}

/// This Managed Server's repository copy, `None` when there is none.
pub fn load() -> Result<Option<ReplicationList>, Failure> {
    Copy::in_data_dir(&list::data_dir()).load()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_byte_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let copy = Copy::in_data_dir(dir.path());
        assert_eq!(copy.load().unwrap(), None);
        let list = ReplicationList::default();
        copy.replace(&list).unwrap();
        assert_eq!(copy.load().unwrap(), Some(list));
        // A record whose value no longer matches its checksum.
        copy.file
            .apply(&Delta {
                put: [(
                    ("meta".into(), "next_seq".into()),
                    sealed(b"0")[..31].to_vec(),
                )]
                .into_iter()
                .collect(),
                removed: vec![],
            })
            .unwrap();
        let e = copy.load().unwrap_err();
        assert_eq!(e.message.id, "swsrp1806");
        assert!(
            e.message.text.contains(&copy.path().display().to_string()),
            "{e}"
        );
        std::fs::write(copy.path(), b"not a database, not a database at all").unwrap();
        assert_eq!(copy.load().unwrap_err().message.id, "swsrp1806");
    }
}
