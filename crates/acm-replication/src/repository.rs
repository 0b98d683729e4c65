//! The repository's copy of the replication management list.
//!
//! The product keeps the replication volume information twice: on the Managed
//! Server (the list, [`crate::list`]) and in the Management Server's repository,
//! from which `swsrprecoverres -r` downloads it again when the Managed Server's
//! files are damaged or lost. The suite keeps that copy on the Managed Server
//! itself, beside the data, so that it is written in the same step as the
//! list and `-r` works whether or not the Management Server can be reached:
//! `/etc/opt/FJSVswsrp/data/repository/swsrplist.json` (under `SWSTGNODE` the
//! node's data directory, relocated by `ACM_ROOT`), in the list's own format,
//! written whole and atomically by [`save`] after every change of the list.

use crate::list::{self, ReplicationList, LIST_FILE, LIST_FORMAT, LIST_VERSION};
use crate::messages;
use acm_core::msg::Failure;
use acm_core::store::StateFile;
use std::path::PathBuf;

/// Directory of the repository copy, in the data directory.
pub const REPOSITORY_DIR: &str = "repository";

/// The repository copy of this Managed Server's list.
pub fn path() -> PathBuf {
    list::data_dir().join(REPOSITORY_DIR).join(LIST_FILE)
}

fn file() -> StateFile {
    StateFile::new(path(), LIST_FORMAT, LIST_VERSION)
}

/// Replaces the repository copy with `list` (atomically).
pub fn save(list: &ReplicationList) -> Result<(), Failure> {
    let p = path();
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).map_err(messages::repository_error)?;
    }
    file().save(list).map_err(messages::repository_error)
}

/// The repository copy, `None` when there is none.
pub fn load() -> Result<Option<ReplicationList>, Failure> {
    file().load().map_err(messages::repository_error)
}
