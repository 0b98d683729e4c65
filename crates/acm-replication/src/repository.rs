//! The repository's copy of the replication management list.
//!
//! The product keeps the replication volume information twice: on the Managed
//! Server (the list, [`crate::list`]) and in the Management Server's repository,
//! from which `swsrprecoverres -r` downloads it again when the Managed Server's
//! files are damaged or lost. The suite keeps that copy on the Managed Server
//! itself, beside the data, so that it is written in the same step as the
//! list and `-r` works whether or not the Management Server can be reached:
//! `/etc/opt/FJSVswsrp/data/repository/swsrplist.json` (under `SWSTGNODE` the
//! node's data directory, relocated by `ACM_ROOT`), written whole and
//! atomically by [`save`] after every change of the list.
//!
//! The copy is the last resort, so damage must show before it is needed: its
//! envelope carries the SHA-256 of its payload, every read checks it, and
//! every write is read back. A copy that fails either is refused
//! (`swsrp1806`, naming the file), never restored from.

use crate::list::{self, ReplicationList, LIST_FILE};
use crate::messages;
use acm_core::input::{self, InputError};
use acm_core::msg::Failure;
use acm_core::store::{write_atomic, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Directory of the repository copy, in the data directory.
pub const REPOSITORY_DIR: &str = "repository";
/// Format name of the repository copy's envelope.
pub const COPY_FORMAT: &str = "acm-replication-repository";
/// Layout version of the repository copy.
pub const COPY_VERSION: u32 = 1;

/// The repository copy of this Managed Server's list.
pub fn path() -> PathBuf {
    list::data_dir().join(REPOSITORY_DIR).join(LIST_FILE)
}

/// The copy on disk: the list as a JSON value and the SHA-256 (hex) of that
/// value's serialisation, which is canonical (object keys sorted), so the
/// reader recomputes it from what it parsed.
#[derive(Serialize, Deserialize)]
struct Envelope {
    format: String,
    version: u32,
    sha256: String,
    data: serde_json::Value,
}

fn digest(data: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(data.to_string().as_bytes()))
}

fn damaged(path: &Path, detail: impl Into<String>) -> Failure {
    messages::repository_error(StoreError::Damaged {
        path: path.to_path_buf(),
        detail: detail.into(),
    })
}

/// Replaces the repository copy with `list` (atomically).
pub fn save(list: &ReplicationList) -> Result<(), Failure> {
    save_at(&path(), list)
}

/// Replaces the copy at `path` with `list`, then reads it back: a copy that
/// did not land whole is reported now, not when `-r` needs it.
pub fn save_at(path: &Path, list: &ReplicationList) -> Result<(), Failure> {
    let data = serde_json::to_value(list).map_err(|e| damaged(path, e.to_string()))?;
    let envelope = Envelope {
        format: COPY_FORMAT.to_string(),
        version: COPY_VERSION,
        sha256: digest(&data),
        data,
    };
    let bytes = serde_json::to_vec(&envelope).map_err(|e| damaged(path, e.to_string()))?;
    write_atomic(path, &bytes).map_err(messages::repository_error)?;
    match load_at(path)? {
        Some(back) if back == *list => Ok(()),
        _ => Err(damaged(path, "it does not read back as written")),
    }
}

/// The repository copy, `None` when there is none.
pub fn load() -> Result<Option<ReplicationList>, Failure> {
    load_at(&path())
}

/// The copy at `path`, checked against its checksum; `None` when there is none.
pub fn load_at(path: &Path) -> Result<Option<ReplicationList>, Failure> {
    let bytes = match input::read_bytes(path, input::MAX_STATE_BYTES) {
        Ok(b) => b,
        Err(InputError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(messages::repository_error(e)),
    };
    let envelope: Envelope = serde_json::from_slice(&bytes)
        .map_err(|e| damaged(path, format!("not a repository copy: {e}")))?;
    if envelope.format != COPY_FORMAT || envelope.version != COPY_VERSION {
        return Err(messages::repository_error(StoreError::Incompatible {
            path: path.to_path_buf(),
            found_format: envelope.format,
            found_version: envelope.version,
            format: COPY_FORMAT.to_string(),
            version: COPY_VERSION,
        }));
    }
    if digest(&envelope.data) != envelope.sha256 {
        return Err(damaged(path, "its SHA-256 does not match its contents"));
    }
    serde_json::from_value(envelope.data)
        .map(Some)
        .map_err(|e| damaged(path, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_byte_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("repository/swsrplist.json");
        assert_eq!(load_at(&p).unwrap(), None);
        let list = ReplicationList::default();
        save_at(&p, &list).unwrap();
        assert_eq!(load_at(&p).unwrap(), Some(list));
        // Still valid JSON, still a list: only the checksum tells.
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, text.replace("\"pairs\":[]", "\"pairs\":[] ")).unwrap();
        assert!(load_at(&p).is_ok(), "white space is not content");
        std::fs::write(&p, text.replace("\"sha256\":\"", "\"sha256\":\"0")).unwrap();
        let e = load_at(&p).unwrap_err();
        assert_eq!(e.message.id, "swsrp1806");
        assert!(e.message.text.contains(&p.display().to_string()), "{e}");
        std::fs::write(&p, b"{ not json").unwrap();
        assert_eq!(load_at(&p).unwrap_err().message.id, "swsrp1806");
    }
}
