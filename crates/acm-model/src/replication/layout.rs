//! The replication management list as records: the layout both domains read.
//!
//! Replication management writes the list ([`super::ListStore`]); backup
//! management reads it ([`all`], [`of_volume`]: the same [`Pair`] records) to
//! refuse a replication volume as a backup volume and to see which volumes a
//! running replication command holds:
//!
//! | kind | key | value |
//! |---|---|---|
//! | `pair` | [`pair_key`] (`orig@server rep@server`) | `{"seq": n, "pair": {...}}` |
//! | `meta` | `next_seq` | the next sequence number |
//! | `ix.vol` | `device@server` NUL pair key | empty |
//! | `ix.box` | [`box_key`] NUL pair key | empty |
//! | `ix.group` | group NUL pair key | empty |
//!
//! `seq` keeps the pairs in the order they were set; the index records let a
//! command find the pairs of a volume, an extent or a group without reading
//! the others.

use super::{Pair, ReplicationList};
use crate::extent::BoxInfo;
// Backup management reads the list through these; its refusals are backup
// management's.
use crate::messages::backup as messages;
use acm_core::msg::Failure;
use acm_core::records::{self, RecordFile, Records};
use std::path::Path;

/// Format name of the list's record file.
pub const FORMAT: &str = "acm-replication-list";
/// Layout version of the list's record file.
pub const VERSION: u32 = 2;
/// Name of the list's record file in the replication data directory.
pub const FILE: &str = "swsrplist.redb";
/// Name of the list's lock file in the replication data directory.
pub const LOCK: &str = "swsrplist.lock";
/// The earlier layout: one JSON document (version 1), imported on first use.
pub const EARLIER_FILE: &str = "swsrplist.json";

/// Record kinds.
pub const PAIR: &str = "pair";
pub const META: &str = "meta";
pub const NEXT_SEQ: &str = "next_seq";
pub const IX_VOLUME: &str = "ix.vol";
pub const IX_BOX: &str = "ix.box";
pub const IX_GROUP: &str = "ix.group";

/// The key of the pair from `original` to `replica` (each `device@server`).
pub fn pair_key(original: &str, replica: &str) -> String {
    format!("{original} {replica}")
}

/// The index key of an extent.
pub fn box_key(b: &BoxInfo) -> String {
    format!("{}/{}/{}/{}", b.box_id, b.olu, b.start_lba, b.blocks)
}

/// An index record's key: the indexed value, NUL, the pair key.
pub fn index_key(value: &str, pair: &str) -> String {
    format!("{value}\0{pair}")
}

/// The pair key an index record points at.
pub fn indexed_pair(index_key: &str) -> &str {
    index_key.split_once('\0').map_or("", |(_, p)| p)
}

/// Where the list's files are in the replication data directory.
pub static LAYOUT: records::Layout = records::Layout {
    file: FILE,
    lock: LOCK,
    format: FORMAT,
    version: VERSION,
    earlier_file: EARLIER_FILE,
};

/// The list's record file in the replication data directory `dir`.
pub fn file_in(dir: &Path) -> RecordFile {
    LAYOUT.file_at(dir.join(FILE), dir.join(LOCK))
}

/// Adds to `into` each pair (and its record) that an index record of `kind`
/// for `value` points at.
pub fn gather(
    r: &records::Reader<'_>,
    into: &mut Records,
    kind: &str,
    value: &str,
) -> Result<(), acm_core::store::StoreError> {
    for (key, _) in r.prefix(kind, &format!("{value}\0"))? {
        r.pick(into, PAIR, indexed_pair(&key))?;
    }
    Ok(())
}

#[derive(serde::Deserialize)]
struct Stored {
    pair: Pair,
}

fn views(records: &Records) -> Result<Vec<Pair>, String> {
    records::of_kind(records, PAIR)
        .map(|(k, v)| records::decode::<Stored>(PAIR, k, v).map(|s| s.pair))
        .collect()
}

/// This server's pairs (none when there is no list).
pub fn all() -> Result<Vec<Pair>, Failure> {
    let dir = acm_core::paths::data_dir(acm_core::program::Package::Replication);
    if let Some(earlier) = earlier(&dir)? {
        return Ok(earlier);
    }
    let file = file_in(&dir);
    let recs = file.read_all().map_err(messages::replication_list_error)?;
    views(&recs)
        .map_err(|e| messages::replication_list_error(format!("{}: {e}", file.path().display())))
}

/// The pairs `device` (of server `local`) or the extent `info` is in.
pub fn of_volume(device: &str, info: &BoxInfo, local: &str) -> Result<Vec<Pair>, Failure> {
    let dir = acm_core::paths::data_dir(acm_core::program::Package::Replication);
    if let Some(earlier) = earlier(&dir)? {
        return Ok(earlier);
    }
    let file = file_in(&dir);
    let recs = file
        .read(|r| {
            let mut part = Records::new();
            gather(r, &mut part, IX_VOLUME, &format!("{device}@{local}"))?;
            gather(r, &mut part, IX_BOX, &box_key(info))?;
            Ok(part)
        })
        .map_err(messages::replication_list_error)?;
    views(&recs)
        .map_err(|e| messages::replication_list_error(format!("{}: {e}", file.path().display())))
}

/// The list in the earlier layout, when only that one exists (it is imported
/// by the next replication command that changes the list).
fn earlier(dir: &Path) -> Result<Option<Vec<Pair>>, Failure> {
    if dir.join(FILE).exists() || !dir.join(EARLIER_FILE).exists() {
        return Ok(None);
    }
    acm_core::store::StateFile::new(dir.join(EARLIER_FILE), FORMAT, 1)
        .load::<ReplicationList>()
        .map(|l| Some(l.unwrap_or_default().pairs))
        .map_err(messages::replication_list_error)
}
