//! The cross-function rules: what one management domain refuses because of
//! the other (manual 8.1 and 8.3 NOTES). Each rule answers who or what is in
//! the way; the refusing family words the message.

use crate::extent::BoxInfo;
use crate::replication::{Direction, Pair, Volume};
use acm_core::exclusion::Running;
use acm_core::msg::Family;
use acm_core::paths;
use acm_core::program::{self, Class, Package};

/// Whether `command` of `family` is one of its configuration or operation
/// commands: a command that works on volumes, not a display.
pub fn works_on_volumes(command: &str, family: Family) -> bool {
    program::is(command, family, Class::Configuration)
        || program::is(command, family, Class::Operation)
}

/// Whether a replication holder record's target names `device` of server
/// `local`. The target is a whitespace-separated list of `dev[@server]` names
/// (a leading `GROUP=g` stands for the volumes of group `g` in `pairs`); no
/// target at all means every volume (e.g. `swsrprecoverres`).
pub fn replication_target_hits(
    target: Option<&str>,
    device: &str,
    local: &str,
    pairs: &[Pair],
) -> bool {
    let Some(t) = target else { return true };
    let names_device = |name: &str| match name.rsplit_once('@') {
        Some((d, s)) => d == device && s == local,
        None => name == device,
    };
    t.split_whitespace()
        .any(|word| match word.strip_prefix("GROUP=") {
            Some(g) => pairs.iter().any(|p| {
                p.group.as_deref() == Some(g)
                    && [&p.original, &p.replica]
                        .iter()
                        .any(|v| v.device == device && v.server == local)
            }),
            None => names_device(word),
        })
}

/// The replication command working on `device` of server `local` now, per
/// the holder records in replication management's data directory: backup
/// management refuses the volume while one runs. The pairs (for a group
/// target) are read only when some replication command runs.
pub fn replication_holder(
    device: &str,
    local: &str,
    pairs: impl FnOnce() -> Vec<Pair>,
) -> Option<Running> {
    let dir = paths::data_dir(Package::Replication);
    let running: Vec<Running> = acm_core::exclusion::running(&dir)
        .into_iter()
        .filter(|r| works_on_volumes(&r.command, Family::Replication))
        .collect();
    if running.is_empty() {
        return None;
    }
    let pairs = pairs();
    running
        .into_iter()
        .find(|r| replication_target_hits(r.target.as_deref(), device, local, &pairs))
}

/// The backup command working on `device` of this server now: replication
/// management refuses the volume while one runs.
pub fn backup_holder(device: &str) -> Option<Running> {
    let dir = paths::data_dir(Package::Backup);
    acm_core::exclusion::running(&dir)
        .into_iter()
        .filter(|r| works_on_volumes(&r.command, Family::Backup))
        .find(|r| match &r.target {
            None => true,
            Some(t) => t.split_whitespace().any(|d| d == device),
        })
}

/// How a replication pair uses a volume that is to become a backup volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplicationUse {
    /// It is the pair's replica (a copy destination).
    Replica,
    /// It is the original of a bi-directional pair (a copy destination when
    /// the pair is reversed).
    BidirectionalOriginal,
}

/// Whether `device` (box information `info`) of server `local` may not be a
/// backup volume because of a replication pair, and which pair
/// (`orig@server rep@server`).
pub fn replication_use(
    pairs: &[Pair],
    device: &str,
    info: &BoxInfo,
    local: &str,
) -> Option<(ReplicationUse, String)> {
    let is = |v: &Volume| v.server == local && (v.device == device || v.box_info == *info);
    pairs.iter().find_map(|p| {
        let names = format!("{} {}", p.original.qualified(), p.replica.qualified());
        if is(&p.replica) {
            Some((ReplicationUse::Replica, names))
        } else if is(&p.original) && p.direction == Direction::Bi {
            Some((ReplicationUse::BidirectionalOriginal, names))
        } else {
            None
        }
    })
}
