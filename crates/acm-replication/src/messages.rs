//! The message catalogue of replication management: every refusal this crate
//! issues, with its ID. `docs/replication-messages.md` lists the same IDs; keep
//! them in step.
//!
//! The manual gives IDs with text only for a few messages (`swsrp0601`,
//! `swsrp2613`, ...); none for the refusals of `swsrpsetvol`, `swsrpvolinfo` and
//! `swsrpdelvol`, so the suite uses `swsrp1xxx` for them (numbers the manual
//! does not use).

use acm_core::msg::{common, Failure, Family};

pub use acm_model::messages::replication::*;
use std::fmt::Display;

pub const F: Family = Family::Replication;

fn refused(number: u16, text: impl Into<String>) -> Failure {
    Failure::refused(F, number, text)
}

// ----- server, state, exclusion (10xx) -----

/// `-h` names another server.
pub const FOREIGN_SERVER: u16 = common::FOREIGN_SERVER;
/// Another command holds the exclusion lock.
pub const BUSY: u16 = common::BUSY;
/// A pre/post-processing script could not be started.
pub const SCRIPT_NOT_RUN: u16 = 2615;
/// A pre/post-processing script ran past its time limit.
pub const SCRIPT_TIMED_OUT: u16 = 2616;
/// A wait cannot read the status (the common text).
pub const WAIT_UNOBTAINABLE: u16 = common::WAIT_UNOBTAINABLE;
/// A wait ran out of time (the common text).
pub const WAIT_TIMEOUT: u16 = common::WAIT_TIMEOUT;
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
/// A volume of another server where only this server's volumes are resolved.
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
/// The array cannot report the sessions, so the deletion cannot be checked.
pub const UNCONFIRMED: u16 = 1305;

pub fn foreign_server(given: &str, local: &str) -> Failure {
    common::foreign_server(F, given, local)
}

pub fn busy(running: &str) -> Failure {
    common::busy(F, running)
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
            "{volume}: the volume belongs to another Managed Server; it is resolved on that \
             server, not here."
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
    common::usage(F, why, synopsis)
}

// ----- the array (06xx/07xx, the manual's IDs) -----

/// The array refused a copy function: `swsrp0634` (OPC, QuickOPC), `swsrp0719`
/// (EC, REC), `swsrp0740` (SnapOPC, SnapOPC+), worded as the manual's
/// `swsrp0719 EC cannot be run. Error=17(not support.)`.
pub fn copy_refused(kind: acm_scsi::model::CopyKind, c: &acm_scsi::model::CopyError) -> Failure {
    use acm_scsi::model::CopyKind as K;
    let (code, text) = acm_model::survey::error_code(c);
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
/// A volume no longer matches what the list recorded for it.
pub const VOLUME_CHANGED: u16 = 1009;

pub fn volume_changed(volume: &str) -> Failure {
    refused(
        VOLUME_CHANGED,
        format!(
            "The device information of {volume} has changed since it was registered \
             (box, LUN or size); delete the pair with swsrpdelvol and set it again."
        ),
    )
}
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
    common::script_not_run(F, SCRIPT_NOT_RUN, script, why)
}

/// A script ran past the family's time limit and was killed.
pub fn script_timed_out(script: &str, secs: u64) -> Failure {
    common::script_timed_out(F, SCRIPT_TIMED_OUT, script, secs)
}

// ----- swsrpwait (30xx; exit 1, the timeout 3) -----

pub fn wait_failed(pair: &str, status: &str) -> Failure {
    refused(3001, format!("The copy of {pair} failed ({status})."))
}

pub fn wait_halted(pair: &str, status: &str) -> Failure {
    refused(3002, format!("The copy of {pair} halted ({status})."))
}

pub fn wait_unobtainable(what: &str) -> Failure {
    common::wait_unobtainable(F, what)
}

pub fn wait_vanished(pair: &str) -> Failure {
    refused(
        3004,
        format!("The copy session of {pair} ended before the status was reached."),
    )
}

pub fn wait_no_session(pair: &str) -> Failure {
    refused(
        3005,
        format!("No copy session exists between {pair}; there is nothing to wait for."),
    )
}

/// The wait ran out of time: exit status 3, so a script tells it from a failure.
pub fn wait_timeout(what: &str, want: &str, secs: u64) -> Failure {
    common::wait_timeout(F, what, want, secs)
}

// ----- server-to-server replication (19xx) -----

/// `swsrpdelvol -d` on a pair within one server.
pub const D_SINGLE_SERVER: u16 = 1901;

pub fn d_single_server(pair: &str) -> Failure {
    refused(
        D_SINGLE_SERVER,
        format!("{pair}: -d is valid only for server-to-server replication."),
    )
}

// ----- swsrpmake (16xx, 2709) -----

/// The synchronous processing is not in equivalency maintenance status.
pub const NOT_EQUIVALENT: u16 = 1601;
/// `-T`, `-C` or `-P` while synchronous processing (EC/REC) exists.
pub const SYNC_RUNNING: u16 = 1602;
/// `-j` for an intra-box (EC) pair.
pub const FORCED_INTRA_BOX: u16 = 1603;
/// SnapOPC+ onto an existing generation that is not the oldest.
pub const NOT_OLDEST_GENERATION: u16 = 1604;
/// OPC/QuickOPC onto a Snap Data Volume.
pub const SDV_DESTINATION: u16 = 1605;
/// A group mixing snapshot-type and synchronous-type statuses.
pub const GROUP_MIXED: u16 = 1606;
/// Concurrent OPC pre-check: a synchronized pair in the group.
pub const CONCUR_OPC_SYNC: u16 = 1607;
/// Concurrent OPC pre-check with `-T`: tracking and non-tracking pairs mixed.
pub const CONCUR_OPC_TRACKING_MIX: u16 = 1608;
/// The array cannot report the copy status of the pair.
pub const MAKE_UNOBTAINABLE: u16 = 1609;
/// SnapOPC/SnapOPC+ onto a volume that is not a Snap Data Volume.
pub const NOT_SDV: u16 = 1610;
/// `-j`/`-Xconcur` without synchronous processing, or from a state they cannot suspend.
pub const NO_SYNC: u16 = 1611;
/// A restore (reverse direction) with `-T`, `-C` or `-P`.
pub const RESTORE_KIND: u16 = 1612;
/// Concurrent Suspend timed out (manual text).
pub const CONCUR_TIMEOUT: u16 = 2709;

pub fn not_equivalent(pair: &str, state: &str) -> Failure {
    refused(
        NOT_EQUIVALENT,
        format!(
            "{pair}: the synchronous processing is not in equivalency maintenance status \
             (status {state})."
        ),
    )
}

pub fn sync_running(pair: &str) -> Failure {
    refused(
        SYNC_RUNNING,
        format!(
            "{pair}: synchronous processing (EC/REC) is being performed between the volumes; \
             -T, -C and -P cannot be used."
        ),
    )
}

pub fn forced_intra_box(pair: &str) -> Failure {
    refused(
        FORCED_INTRA_BOX,
        format!("{pair}: -j is valid only for inter-box replication (REC)."),
    )
}

pub fn not_oldest_generation(pair: &str, number: u32) -> Failure {
    refused(
        NOT_OLDEST_GENERATION,
        format!(
            "{pair}: the destination holds SnapOPC+ generation {number}, which is not the oldest; \
             only the oldest generation can be taken again."
        ),
    )
}

pub fn sdv_destination(pair: &str) -> Failure {
    refused(
        SDV_DESTINATION,
        format!(
            "{pair}: the destination is a Snap Data Volume; only SnapOPC (-C) or SnapOPC+ (-P) \
             can be executed."
        ),
    )
}

pub fn group_mixed(group: &str) -> Failure {
    refused(
        GROUP_MIXED,
        format!(
            "GROUP={group}: the group contains both snapshot-type and synchronous-type operation \
             statuses; no copy was created."
        ),
    )
}

pub fn concur_opc_sync(group: &str, pair: &str) -> Failure {
    refused(
        CONCUR_OPC_SYNC,
        format!(
            "GROUP={group}: Concurrent OPC pre-check failed: {pair} is a synchronized replication \
             pair; no copy was created."
        ),
    )
}

pub fn concur_opc_tracking_mix(group: &str) -> Failure {
    refused(
        CONCUR_OPC_TRACKING_MIX,
        format!(
            "GROUP={group}: Concurrent OPC pre-check failed: pairs in tracking state and pairs \
             without tracking are mixed; no copy was created."
        ),
    )
}

pub fn make_unobtainable(pair: &str) -> Failure {
    refused(
        MAKE_UNOBTAINABLE,
        format!("{pair}: the copy status cannot be obtained from the ETERNUS Disk storage system."),
    )
}

pub fn not_sdv(pair: &str) -> Failure {
    refused(
        NOT_SDV,
        format!(
            "{pair}: SnapOPC and SnapOPC+ need a Snap Data Volume destination in the same box."
        ),
    )
}

pub fn no_sync(pair: &str, option: &str, state: &str) -> Failure {
    refused(
        NO_SYNC,
        format!(
            "{pair}: {option} needs synchronous processing (EC/REC) that it can suspend \
             (status {state})."
        ),
    )
}

pub fn restore_kind(pair: &str) -> Failure {
    refused(
        RESTORE_KIND,
        format!(
            "{pair}: a restore from a snapshot destination uses ordinary OPC; -T, -C and -P \
             cannot be used."
        ),
    )
}

/// The manual's `swsrp2709`.
pub fn concur_timeout() -> Failure {
    refused(
        CONCUR_TIMEOUT,
        "Concurrent suspend failed. Session ID=[-], Reason=[timeout]",
    )
}

// ----- swsrpstartsync, swsrpchsync, swsrprevsync (15xx) -----

/// A mode option (`-y -a -v -k -i -g -Xskip`) where no inter-box total copy starts.
pub const MODE_OPTIONS_NOT_VALID: u16 = 1501;
/// `-Xremain` where no inter-box copy is resumed.
pub const REMAIN_NOT_VALID: u16 = 1502;
/// `-Xda` on a resume.
pub const DA_ON_RESTART: u16 = 1503;
/// Mode options that differ from the modes of the session being resumed.
pub const MODE_MISMATCH: u16 = 1504;
/// Either volume is a Snap Data Volume.
pub const SYNC_SDV: u16 = 1505;
/// A session copies the pair in the other direction.
pub const OTHER_DIRECTION: u16 = 1506;
/// The synchronous processing is error-suspended (`failed`) or hard-suspended (`halt`).
pub const SYNC_ERROR_STATE: u16 = 1507;
/// A snapshot (OPC, QuickOPC, SnapOPC, SnapOPC+) session exists between the pair.
pub const SNAPSHOT_SESSION: u16 = 1508;
/// The array cannot report the copy status of the pair.
pub const STATUS_UNOBTAINABLE: u16 = 1509;
/// `swsrpchsync` on an intra-box (EC) session.
pub const NOT_REC: u16 = 1510;
/// `swsrpchsync` where no synchronous processing is in progress.
pub const NOT_SYNCING: u16 = 1511;
/// `swsrpchsync -S` on a session not in Synchronous transfer mode, without `-F Sync`.
pub const SPLIT_NEEDS_SYNC: u16 = 1512;
/// `swsrprevsync` where the replication is not established in the direction given.
pub const NOT_ESTABLISHED: u16 = 1513;
/// Information: synchronous processing is already in progress (the manual's ID).
pub const ALREADY_SYNCING: u16 = 2401;

pub fn mode_options_not_valid(pair: &str) -> Failure {
    refused(
        MODE_OPTIONS_NOT_VALID,
        format!(
            "{pair}: -y, -a, -v, -k, -i, -g and -Xskip are valid only when a total copy is \
             started for inter-box replication."
        ),
    )
}

pub fn remain_not_valid(pair: &str) -> Failure {
    refused(
        REMAIN_NOT_VALID,
        format!("{pair}: -Xremain is valid only when inter-box replication is restarted."),
    )
}

pub fn da_on_restart(pair: &str) -> Failure {
    refused(
        DA_ON_RESTART,
        format!(
            "{pair}: -Xda is valid only when synchronous processing is started; to change the \
             destination access permission, stop it with swsrpcancel and start it again."
        ),
    )
}

pub fn mode_mismatch(pair: &str, given: &str, current: &str) -> Failure {
    refused(
        MODE_MISMATCH,
        format!(
            "{pair}: the synchronization mode cannot be changed when resuming (given {given}, \
             current {current}); specify the current mode options or none."
        ),
    )
}

pub fn sync_sdv(pair: &str, volume: &str) -> Failure {
    refused(
        SYNC_SDV,
        format!(
            "{pair}: {volume} is a Snap Data Volume; synchronous replication cannot be \
             performed with a Snap Data Volume."
        ),
    )
}

pub fn other_direction(pair: &str, state: &str) -> Failure {
    refused(
        OTHER_DIRECTION,
        format!(
            "{pair}: a copy session in the other direction exists ({state}); stop it with \
             swsrpcancel, or reverse it with swsrprevsync."
        ),
    )
}

pub fn sync_error_state(pair: &str, state: &str) -> Failure {
    refused(
        SYNC_ERROR_STATE,
        format!(
            "{pair}: the synchronous processing is in the {state} state; remove the cause and \
             recover it (swsrpmake -j, then swsrpstartsync -t), or stop it with swsrpcancel."
        ),
    )
}

pub fn snapshot_session(pair: &str) -> Failure {
    refused(
        SNAPSHOT_SESSION,
        format!(
            "{pair}: a snapshot type replication (OPC, QuickOPC, SnapOPC or SnapOPC+) is in \
             progress between the volumes; stop it with swsrpcancel first."
        ),
    )
}

pub fn status_unobtainable(pair: &str) -> Failure {
    refused(
        STATUS_UNOBTAINABLE,
        format!("{pair}: the copy status cannot be obtained from the ETERNUS Disk storage system."),
    )
}

pub fn not_rec(pair: &str) -> Failure {
    refused(
        NOT_REC,
        format!(
            "{pair}: the synchronization is within one storage system (EC); only the modes of \
             inter-box synchronization (REC) can be changed."
        ),
    )
}

pub fn not_syncing(pair: &str, state: &str) -> Failure {
    refused(
        NOT_SYNCING,
        format!(
            "{pair}: synchronous processing from the source to the destination is not in \
             progress ({state})."
        ),
    )
}

pub fn split_needs_sync(pair: &str) -> Failure {
    refused(
        SPLIT_NEEDS_SYNC,
        format!("{pair}: -S is valid only with -F Sync or when the transfer mode is Synchronous."),
    )
}

pub fn not_established(pair: &str, state: &str) -> Failure {
    refused(
        NOT_ESTABLISHED,
        format!(
            "{pair}: replication has not been established in synchronization from the source \
             to the destination ({state})."
        ),
    )
}

/// `swsrp2401`, printed on standard output: the command ends normally.
pub fn already_syncing(pair: &str, state: &str) -> acm_core::msg::Message {
    acm_core::msg::Message::new(
        F,
        ALREADY_SYNCING,
        format!("{pair}: synchronous processing is already in progress ({state})."),
    )
}

// ----- swsrprecbuffstat, swsrprecbuffset, swsrprecoverres (18xx) -----

/// The volume is not a replication volume of this Managed Server.
pub const NOT_REPLICATION_VOLUME: u16 = 1801;
/// The box refused the REC buffer query or change.
pub const REC_BUFFER_REFUSED: u16 = 1802;
/// The box has no REC buffer with this ID.
pub const NO_REC_BUFFER: u16 = 1803;
/// A Consistency-mode REC session uses the buffer.
pub const REC_BUFFER_IN_USE: u16 = 1804;
/// The replication management list is damaged: only `swsrprecoverres -r` can help.
pub const LIST_DAMAGED: u16 = 1805;

pub fn not_replication_volume(volume: &str) -> Failure {
    refused(
        NOT_REPLICATION_VOLUME,
        format!(
            "{volume}: the volume is not registered as a replication volume of this Managed Server."
        ),
    )
}

pub fn rec_buffer_refused(box_id: &str, c: &acm_scsi::model::CopyError) -> Failure {
    let (code, text) = acm_model::survey::error_code(c);
    refused(
        REC_BUFFER_REFUSED,
        format!("The REC buffer of the box {box_id} cannot be accessed. Error={code}({text})"),
    )
}

pub fn no_rec_buffer(id: u32, box_id: &str) -> Failure {
    refused(
        NO_REC_BUFFER,
        format!("The REC buffer ID {id} does not exist in the box {box_id}."),
    )
}

pub fn rec_buffer_in_use(id: u32, box_id: &str) -> Failure {
    refused(
        REC_BUFFER_IN_USE,
        format!(
            "The settings of the REC buffer ID {id} of the box {box_id} cannot be changed: a REC \
             session in Consistency mode that uses it is active or error-suspended."
        ),
    )
}

pub fn list_damaged(detail: impl Display) -> Failure {
    refused(
        LIST_DAMAGED,
        format!(
            "The replication management list is in an incorrect state ({detail}); \
             execute swsrprecoverres with -r."
        ),
    )
}

// ----- swsrpstat, swsrpcancel (17xx) -----

/// `swsrpcancel -c` on an operation server of the pair.
pub const CANCEL_C_ON_OPERATION_SERVER: u16 = 1701;
/// The copy runs in the direction opposite to the one given.
pub const CANCEL_REVERSE_COPY: u16 = 1702;
/// No copy processing between the volumes (or in the group).
pub const CANCEL_NO_COPY: u16 = 1703;
/// A SnapOPC+ snap generation that is not the oldest, without `-Xforce`.
pub const CANCEL_NOT_OLDEST: u16 = 1704;
/// `-Xforce` for a session that is not SnapOPC+.
pub const CANCEL_NOT_SNAPOPC_PLUS: u16 = 1705;
/// `-b` for a session that is not in halt status (or a group without one).
pub const CANCEL_NOT_HALTED: u16 = 1706;
/// `-T` for a session that is not tracking (Table 8.9), or a group without one.
pub const CANCEL_NO_TRACKING: u16 = 1707;
/// The array cannot report the copy status (`?????`).
pub const CANCEL_UNOBTAINABLE: u16 = 1708;

pub fn cancel_c_on_operation_server(pair: &str, server: &str) -> Failure {
    refused(
        CANCEL_C_ON_OPERATION_SERVER,
        format!(
            "{pair}: -c cannot be specified on the operation server {server}; it is for a \
             non-operation server when the operation server cannot be used."
        ),
    )
}

pub fn cancel_reverse_copy(pair: &str) -> Failure {
    refused(
        CANCEL_REVERSE_COPY,
        format!("{pair}: the copy is being performed in the reverse direction; processing is interrupted."),
    )
}

/// `subject`: `from to`, or `GROUP=name`.
pub fn cancel_no_copy(subject: &str) -> Failure {
    refused(
        CANCEL_NO_COPY,
        format!("{subject}: no copy processing is being performed; processing is interrupted."),
    )
}

pub fn cancel_not_oldest(pair: &str, generation: u32) -> Failure {
    refused(
        CANCEL_NOT_OLDEST,
        format!(
            "{pair}: snap generation {generation} is not the oldest snap generation; stop the \
             oldest first, or use -Xforce to stop this and all earlier generations."
        ),
    )
}

pub fn cancel_not_snapopc_plus(pair: &str) -> Failure {
    refused(
        CANCEL_NOT_SNAPOPC_PLUS,
        format!("{pair}: -Xforce is valid only for a SnapOPC+ session."),
    )
}

/// `subject`: `from to`, or `GROUP=name`.
pub fn cancel_not_halted(subject: &str) -> Failure {
    refused(
        CANCEL_NOT_HALTED,
        format!("{subject}: no copy processing is in halt status; -b stops only halted copies."),
    )
}

/// `subject`: `from to`, or `GROUP=name`.
pub fn cancel_no_tracking(subject: &str) -> Failure {
    refused(
        CANCEL_NO_TRACKING,
        format!(
            "{subject}: no QuickOPC tracking processing is being performed; -T is valid only \
             while tracking."
        ),
    )
}

pub fn cancel_unobtainable(pair: &str) -> Failure {
    refused(
        CANCEL_UNOBTAINABLE,
        format!("{pair}: the copy status cannot be obtained from the ETERNUS Disk storage system."),
    )
}
