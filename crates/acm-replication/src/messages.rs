//! The message catalogue of replication management: every refusal this crate
//! issues, with its ID. `docs/replication-messages.md` lists the same IDs; keep
//! them in step.
//!
//! The manual gives IDs with text only for a few messages (`swsrp0601`,
//! `swsrp2613`, ...); none for the refusals of `swsrpsetvol`, `swsrpvolinfo` and
//! `swsrpdelvol`, so the suite uses `swsrp1xxx` for them (numbers the manual
//! does not use).

use acm_core::msg::{Failure, Family};
use std::fmt::Display;

pub const F: Family = Family::Replication;

fn refused(number: u16, text: impl Into<String>) -> Failure {
    Failure::refused(F, number, text)
}

// ----- server, state, exclusion (10xx) -----

/// `-h` names another server.
pub const FOREIGN_SERVER: u16 = 1001;
/// Another command holds the exclusion lock.
pub const BUSY: u16 = 1003;
/// The replication management list cannot be read or written.
pub const LIST_ERROR: u16 = 1004;
/// The simulated host's state cannot be read.
pub const HOST_ERROR: u16 = 1005;
/// The backup management list cannot be read.
pub const BACKUP_LIST_ERROR: u16 = 1006;
/// The array cannot be asked about copy sessions.
pub const ARRAY_ERROR: u16 = 1007;

// ----- volumes (11xx) -----

/// The device does not exist or is not attached.
pub const NO_DEVICE: u16 = 1101;
/// A volume group of more than one physical disk.
pub const MULTI_DISK_VG: u16 = 1102;
/// A varied-off volume group.
pub const INACTIVE_VG: u16 = 1103;
/// A volume of another server: server-to-server replication is not available yet.
pub const REMOTE_VOLUME: u16 = 1104;
/// Both volumes are on other servers.
pub const NO_LOCAL_VOLUME: u16 = 1105;
/// A volume name that is empty or malformed (`name@`).
pub const BAD_VOLUME_NAME: u16 = 1106;

// ----- swsrpsetvol (12xx) -----

/// The pair is already set.
pub const ALREADY_SET: u16 = 1201;
/// The pair is already set in reversed roles.
pub const REVERSED_SET: u16 = 1202;
/// Sizes differ and `-n` was not given.
pub const SIZE_MISMATCH: u16 = 1203;
/// A pair with the same box information is already set.
pub const SAME_BOX_INFO: u16 = 1204;
/// The replica is a backup volume of backup management.
pub const REPLICA_IS_BACKUP: u16 = 1205;
/// The original is a backup volume of backup management and the copy is bi-directional.
pub const ORIGINAL_IS_BACKUP: u16 = 1206;
/// A volume group paired with something other than a volume group.
pub const VG_PAIR: u16 = 1207;
/// Original and replica are the same volume (or the same storage).
pub const SAME_VOLUME: u16 = 1208;
/// The group name breaks the naming rules.
pub const BAD_GROUP_NAME: u16 = 1209;
/// The group configuration conditions are not met.
pub const GROUP_CONDITIONS: u16 = 1210;
/// Disks of 2 TB and over cannot be used.
pub const TOO_LARGE: u16 = 1211;

// ----- swsrpvolinfo / swsrpdelvol (13xx) -----

/// The volume is not set as a replication source volume.
pub const NOT_ORIGINAL: u16 = 1301;
/// The pair is not set.
pub const NOT_SET: u16 = 1302;
/// A copy session exists between the pair.
pub const COPY_IN_PROGRESS: u16 = 1303;
/// The group does not exist.
pub const NO_GROUP: u16 = 1304;
/// The array cannot report the sessions, so the deletion cannot be checked.
pub const UNCONFIRMED: u16 = 1305;

pub fn foreign_server(given: &str, local: &str) -> Failure {
    refused(
        FOREIGN_SERVER,
        format!(
            "-h {given}: the server {given} is not this Managed Server ({local}); \
             execution on another Managed Server is not supported."
        ),
    )
}

pub fn busy(running: &str) -> Failure {
    refused(
        BUSY,
        format!("The command cannot be executed because {running} is running."),
    )
}

pub fn list_error(detail: impl Display) -> Failure {
    refused(
        LIST_ERROR,
        format!("The replication management list cannot be accessed: {detail}"),
    )
}

pub fn host_error(detail: impl Display) -> Failure {
    refused(
        HOST_ERROR,
        format!("The device information of the Managed Server cannot be read: {detail}"),
    )
}

pub fn backup_list_error(detail: impl Display) -> Failure {
    refused(
        BACKUP_LIST_ERROR,
        format!("The backup management list cannot be read: {detail}"),
    )
}

pub fn array_error(device: &str, detail: impl Display) -> Failure {
    refused(
        ARRAY_ERROR,
        format!("The copy sessions of {device} cannot be obtained from the ETERNUS Disk storage system: {detail}"),
    )
}

pub fn no_device(name: &str, detail: impl Display) -> Failure {
    refused(
        NO_DEVICE,
        format!("{name}: the device does not exist or is not attached to this Managed Server ({detail})."),
    )
}

pub fn multi_disk_vg(name: &str, disks: usize) -> Failure {
    refused(
        MULTI_DISK_VG,
        format!(
            "{name}: the volume group consists of {disks} physical disks; only a volume group \
             of one physical disk can be a replication volume. Register its physical disks instead."
        ),
    )
}

pub fn inactive_vg(name: &str) -> Failure {
    refused(
        INACTIVE_VG,
        format!("{name}: the volume group is inactive."),
    )
}

pub fn remote_volume(volume: &str) -> Failure {
    refused(
        REMOTE_VOLUME,
        format!(
            "{volume}: the volume belongs to another Managed Server; server-to-server replication \
             needs the communication daemon, not available yet."
        ),
    )
}

pub fn no_local_volume(original: &str, replica: &str) -> Failure {
    refused(
        NO_LOCAL_VOLUME,
        format!(
            "{original} and {replica} both belong to other Managed Servers; at least one volume \
             must be on this Managed Server."
        ),
    )
}

pub fn bad_volume_name(name: &str) -> Failure {
    refused(
        BAD_VOLUME_NAME,
        format!("{name:?} is not a valid volume name (volumeName[@serverName])."),
    )
}

pub fn already_set(original: &str, replica: &str) -> Failure {
    refused(
        ALREADY_SET,
        format!(
            "{original} and {replica}: the replication volume information has already been set."
        ),
    )
}

pub fn reversed_set(original: &str, replica: &str) -> Failure {
    refused(
        REVERSED_SET,
        format!(
            "{original} and {replica}: the volumes are already set as replication destination \
             and source respectively."
        ),
    )
}

pub fn size_mismatch(original: &str, osize: u64, replica: &str, rsize: u64) -> Failure {
    refused(
        SIZE_MISMATCH,
        format!(
            "The sizes of {original} ({osize} bytes) and {replica} ({rsize} bytes) differ; \
             specify -n to set them without the size check."
        ),
    )
}

pub fn same_box_info(original: &str, replica: &str, existing: &str) -> Failure {
    refused(
        SAME_BOX_INFO,
        format!(
            "{original} and {replica}: volumes with the same box information are already set \
             as replication volumes ({existing})."
        ),
    )
}

pub fn replica_is_backup(replica: &str, registered: &str) -> Failure {
    refused(
        REPLICA_IS_BACKUP,
        format!(
            "{replica}: the replication destination volume is registered as a backup volume \
             ({registered}) by backup management."
        ),
    )
}

pub fn original_is_backup(original: &str, registered: &str) -> Failure {
    refused(
        ORIGINAL_IS_BACKUP,
        format!(
            "{original}: the replication source volume is registered as a backup volume \
             ({registered}) by backup management; only uni-direction copy (-u) can be set."
        ),
    )
}

pub fn vg_pair(original: &str, replica: &str) -> Failure {
    refused(
        VG_PAIR,
        format!(
            "{original} and {replica}: a volume group can only be paired with another volume group."
        ),
    )
}

pub fn same_volume(original: &str, replica: &str) -> Failure {
    refused(
        SAME_VOLUME,
        format!(
            "{original} and {replica}: the replication source and destination are the same volume."
        ),
    )
}

pub fn bad_group_name(group: &str) -> Failure {
    refused(
        BAD_GROUP_NAME,
        format!(
            "{group:?}: a group name is 1 to 64 characters of A-Z a-z 0-9 - _ # . starting \
             with an alphanumeric character."
        ),
    )
}

pub fn group_conditions(group: &str, why: impl Display) -> Failure {
    refused(
        GROUP_CONDITIONS,
        format!("Group configurations cannot be made because the group configuration conditions are not met: group {group}: {why}."),
    )
}

pub fn too_large(name: &str) -> Failure {
    refused(
        TOO_LARGE,
        format!("{name}: disks of 2 TB and over cannot be used."),
    )
}

pub fn not_original(volume: &str) -> Failure {
    refused(
        NOT_ORIGINAL,
        format!("{volume}: the volume is not set as a replication source volume."),
    )
}

pub fn not_set(original: &str, replica: &str) -> Failure {
    refused(
        NOT_SET,
        format!("{original} and {replica}: the volumes are not set as replication volumes."),
    )
}

pub fn copy_in_progress(original: &str, replica: &str) -> Failure {
    refused(
        COPY_IN_PROGRESS,
        format!(
            "{original} and {replica}: copy processing is being performed between the volumes; \
             stop it with swsrpcancel first."
        ),
    )
}

pub fn no_group(group: &str) -> Failure {
    refused(NO_GROUP, format!("The group {group} does not exist."))
}

pub fn unconfirmed(original: &str, replica: &str) -> Failure {
    refused(
        UNCONFIRMED,
        format!(
            "{original} and {replica}: the copy state cannot be confirmed with the ETERNUS Disk \
             storage system; if no Advanced Copy is running, delete with -e."
        ),
    )
}

/// A usage error (`swsrp0002`, exit status 2).
pub fn usage(why: &str, synopsis: &str) -> Failure {
    Failure::usage(F, format!("{why}. Usage: {synopsis}"))
}

// ----- the array (06xx/07xx, the manual's IDs) -----

/// The array refused a copy function: `swsrp0634` (OPC, QuickOPC), `swsrp0719`
/// (EC, REC), `swsrp0740` (SnapOPC, SnapOPC+), worded as the manual's
/// `swsrp0719 EC cannot be run. Error=17(not support.)`.
pub fn copy_refused(kind: acm_scsi::model::CopyKind, c: &acm_scsi::model::CopyError) -> Failure {
    use acm_scsi::model::CopyKind as K;
    let (code, text) = acm_backup::messages::error_code(c);
    let (number, function) = match kind {
        K::Opc | K::QuickOpc => (634, "OPC"),
        K::Ec | K::Rec => (719, "EC"),
        K::SnapOpc | K::SnapOpcPlus => (740, "SnapOPC"),
    };
    refused(
        number,
        format!("{function} cannot be run. Error={code}({text})"),
    )
}

// ----- peers and the other function (10xx) -----

/// A peer server cannot be reached or answered something unreadable.
pub const PEER_UNREACHABLE: u16 = 1008;
/// The backup management function is working on a volume of the pair.
pub const BACKUP_BUSY: u16 = 1010;

pub fn peer_unreachable(server: &str, why: impl Display) -> Failure {
    refused(
        PEER_UNREACHABLE,
        format!("Communication with the Managed Server {server} failed: {why}"),
    )
}

pub fn backup_busy(volume: &str, running: &str) -> Failure {
    refused(
        BACKUP_BUSY,
        format!(
            "{volume}: the backup management function is executing a process for the volume \
             ({running})."
        ),
    )
}

// ----- operations on pairs (14xx) -----

/// The executing server is not an operation server of the pair.
pub const NOT_OPERATION_SERVER: u16 = 1401;
/// The reverse direction of a one-way pair.
pub const ONE_WAY: u16 = 1402;

pub fn not_operation_server(pair: &str, server: &str) -> Failure {
    refused(
        NOT_OPERATION_SERVER,
        format!("{pair}: {server} is not the operation server of the replication volumes."),
    )
}

pub fn one_way(pair: &str) -> Failure {
    refused(
        ONE_WAY,
        format!(
            "{pair}: the copy direction is one-way (uni-direction); this direction is prohibited."
        ),
    )
}

// ----- pre- and post-processing scripts (26xx, the manual's 2613) -----

/// A pre-processing script ended with a non-zero code (manual text).
pub fn pre_script_failed(code: i32) -> Failure {
    refused(
        2613,
        format!("An error occurred in the pre-processing script for creating a replica. Error Code = {code}"),
    )
}

/// A post-processing script ended with a non-zero code.
pub fn post_script_failed(code: i32) -> Failure {
    refused(
        2614,
        format!("An error occurred in the post-processing script for creating a replica. Error Code = {code}"),
    )
}

/// A script could not be started.
pub fn script_not_run(script: &str, why: impl Display) -> Failure {
    refused(
        2615,
        format!("The processing script {script} cannot be executed: {why}"),
    )
}
