//! The message catalogue of backup management: every refusal this crate issues,
//! with its ID. `docs/messages.md` lists the same IDs and texts; keep them in step.
//!
//! The manual gives IDs with text only for a few messages (`swst0601`, `swst0301`,
//! `swst0303`, ...); the environment definition commands' refusals have none, so
//! the suite uses `swst1xxx` for them.

use acm_core::msg::{common, Failure, Family};

const F: Family = Family::Backup;

fn refused(number: u16, text: impl Into<String>) -> Failure {
    Failure::refused(F, number, text)
}

// ----- server, state, exclusion (10xx) -----

/// `-h` names another server.
pub const FOREIGN_SERVER: u16 = common::FOREIGN_SERVER;
/// Another command holds the exclusion lock.
pub const BUSY: u16 = common::BUSY;
/// A pre/post-processing script could not be started.
pub const SCRIPT_NOT_RUN: u16 = 1302;
/// A pre/post-processing script ran past its time limit.
pub const SCRIPT_TIMED_OUT: u16 = 1303;
/// A wait cannot read the status (the common text).
pub const WAIT_UNOBTAINABLE: u16 = common::WAIT_UNOBTAINABLE;
/// A wait ran out of time (the common text).
pub const WAIT_TIMEOUT: u16 = common::WAIT_TIMEOUT;
/// The simulated host's state cannot be read.
pub const HOST_ERROR: u16 = 1005;

pub fn foreign_server(given: &str, local: &str) -> Failure {
    common::foreign_server(F, given, local)
}

pub fn busy(running: &str) -> Failure {
    common::busy(F, running)
}

pub fn host_error(detail: impl std::fmt::Display) -> Failure {
    refused(
        HOST_ERROR,
        format!("The device information of this server cannot be read: {detail}"),
    )
}

// ----- devices (11xx) -----

pub const NO_DEVICE: u16 = 1101;
pub const MULTI_DISK_VG: u16 = 1102;
pub const INACTIVE_VG: u16 = 1103;
pub const SAME_BOX_INFO: u16 = 1104;
pub const OVERLAP: u16 = 1105;
pub const MOUNTED: u16 = 1106;
pub const BACKUP_IN_USE: u16 = 1107;
pub const HAS_POLICY: u16 = 1108;
pub const ALREADY_REGISTERED: u16 = 1110;
pub const TOO_LARGE: u16 = 1111;

pub fn no_device(device: &str, why: impl std::fmt::Display) -> Failure {
    refused(
        NO_DEVICE,
        format!("{device}: the device cannot be used ({why})."),
    )
}

pub fn multi_disk_vg(device: &str, disks: usize) -> Failure {
    refused(
        MULTI_DISK_VG,
        format!(
            "{device} is a volume group of {disks} physical disks; a volume group can be \
             registered only when it consists of one physical disk (register its disks instead)."
        ),
    )
}

pub fn inactive_vg(device: &str) -> Failure {
    refused(
        INACTIVE_VG,
        format!("{device} is an inactive volume group; activate it (varyonvg) first."),
    )
}

pub fn same_box_info(device: &str, other: &str, role: &str) -> Failure {
    refused(
        SAME_BOX_INFO,
        format!(
            "{device} has the same box information as {other}, which is already registered \
             as a {role} volume."
        ),
    )
}

pub fn overlap(device: &str, other: &str, role: &str) -> Failure {
    refused(
        OVERLAP,
        format!("{device} overlaps {other}, which is registered as a {role} volume."),
    )
}

pub fn mounted(device: &str, mount_points: &[String]) -> Failure {
    refused(
        MOUNTED,
        format!(
            "{device} is mounted ({}); unmount it before registering it as a backup volume.",
            mount_points.join(", ")
        ),
    )
}

pub fn backup_in_use(device: &str) -> Failure {
    refused(
        BACKUP_IN_USE,
        format!(
            "{device} is a backup volume in use by backup history or a backup session; \
             delete the history (swsthistdel) or cancel the session first."
        ),
    )
}

pub fn has_policy(device: &str) -> Failure {
    refused(
        HAS_POLICY,
        format!(
            "{device} is a transaction volume with a backup policy; delete the policy \
             (swstbkpoldel) first."
        ),
    )
}

pub fn already_registered(device: &str, role: &str) -> Failure {
    refused(
        ALREADY_REGISTERED,
        format!("{device} is already registered as a {role} volume."),
    )
}

pub fn too_large(device: &str) -> Failure {
    refused(
        TOO_LARGE,
        format!("{device} is 2 Tbyte or larger; such disks cannot be used."),
    )
}

// ----- policies (12xx) -----

pub const BAD_INTERVAL: u16 = 1202;
pub const BAD_SAVE_NUMBER: u16 = 1203;
pub const TOO_FEW_BACKUP_VOLUMES: u16 = 1204;
pub const HISTORY_EXCEEDS: u16 = 1205;
pub const NO_POLICY: u16 = 1206;
pub const HAS_HISTORY: u16 = 1207;
pub const NO_TRANSACTION_VOLUMES: u16 = 1208;

pub fn bad_interval(value: &str) -> Failure {
    refused(
        BAD_INTERVAL,
        format!("-i {value}: the number of interval days must be a number from 1 to 366."),
    )
}

pub fn bad_save_number(value: &str) -> Failure {
    refused(
        BAD_SAVE_NUMBER,
        format!(
            "-s {value}: the number of preservation generations must be a number from 1 to 31."
        ),
    )
}

pub fn too_few_backup_volumes(device: &str, needed: u64, registered: usize) -> Failure {
    refused(
        TOO_FEW_BACKUP_VOLUMES,
        format!(
            "{device}: the backup policies need {needed} backup volumes, but {registered} \
             are registered."
        ),
    )
}

pub fn history_exceeds(device: &str, save: u32, history: usize) -> Failure {
    refused(
        HISTORY_EXCEEDS,
        format!(
            "{device}: the number of preservation generations ({save}) is less than the \
             number of backup history generations ({history}); delete history first."
        ),
    )
}

pub fn no_policy(device: &str) -> Failure {
    refused(NO_POLICY, format!("{device}: no backup policy is set."))
}

pub fn has_history(device: &str) -> Failure {
    refused(
        HAS_HISTORY,
        format!("{device} has backup history information; delete it (swsthistdel) first."),
    )
}

pub fn no_transaction_volumes() -> Failure {
    refused(
        NO_TRANSACTION_VOLUMES,
        "No transaction volume is registered.",
    )
}

/// A usage error (`swst0002`) for a combination `Spec` cannot express.
pub fn usage(why: &str, synopsis: &str) -> Failure {
    common::usage(F, why, synopsis)
}

// ----- the array (06xx/07xx, the manual's IDs) -----

pub use acm_model::messages::backup::*;
pub use acm_model::survey::error_code;

/// The array refused a copy function.
pub fn copy_refused(kind: acm_scsi::model::CopyKind, c: &acm_scsi::model::CopyError) -> Failure {
    use acm_scsi::model::CopyKind as K;
    let (code, text) = error_code(c);
    match kind {
        K::Opc | K::QuickOpc => refused(
            634,
            format!("OPC cannot be run. Error code={code} ({text})"),
        ),
        K::Ec | K::Rec => refused(719, format!("EC cannot be run. Error code={code} ({text})")),
        K::SnapOpc | K::SnapOpcPlus => refused(
            740,
            format!("SnapOPC cannot be run. Error code={code} ({text})"),
        ),
    }
}

/// A copy could not be set up for a reason outside the array.
pub fn copy_failed(function: &str, detail: &str) -> Failure {
    refused(740, format!("{function} cannot be run. {detail}"))
}

/// The array could not be reached or answered something unreadable.
pub fn array_error(e: &dyn std::fmt::Display) -> Failure {
    refused(
        1006,
        format!("The ETERNUS Disk storage system cannot be accessed: {e}"),
    )
}

// ----- pre- and post-processing scripts (13xx) -----

/// A pre- or post-processing script ended with a non-zero code.
pub fn script_failed(script: &str, code: i32) -> Failure {
    refused(
        1301,
        format!("An error occurred in the processing script {script}. Error Code = {code}"),
    )
}

/// A script could not be started.
pub fn script_not_run(script: &str, why: impl std::fmt::Display) -> Failure {
    common::script_not_run(F, SCRIPT_NOT_RUN, script, why)
}

/// A script ran past the family's time limit and was killed.
pub fn script_timed_out(script: &str, secs: u64) -> Failure {
    common::script_timed_out(F, SCRIPT_TIMED_OUT, script, secs)
}

// ----- swstwait (30xx; exit 1, the timeout 3) -----

pub fn wait_failed(what: &str, status: &str) -> Failure {
    refused(3001, format!("{what} ended with the status {status}."))
}

pub fn wait_unobtainable(what: &str) -> Failure {
    common::wait_unobtainable(F, what)
}

pub fn wait_vanished(what: &str) -> Failure {
    refused(
        3004,
        format!("The copy session of {what} no longer exists."),
    )
}

pub fn wait_nothing(device: &str, status: &str) -> Failure {
    refused(
        3005,
        format!("{device} has no processing that can reach the status {status}."),
    )
}

/// The wait ran out of time: exit status 3, so a script tells it from a failure.
pub fn wait_timeout(what: &str, want: &str, secs: u64) -> Failure {
    common::wait_timeout(F, what, want, secs)
}

// ----- device map files (14xx) -----

/// A device map file cannot be used; `line` names the offending line.
pub fn devmap_error(path: &str, line: Option<usize>, why: &str) -> Failure {
    match line {
        Some(n) => refused(
            1401,
            format!("The device map file is invalid. File={path}, Line={n}: {why}"),
        ),
        None => refused(
            1401,
            format!("The device map file is invalid. File={path}: {why}"),
        ),
    }
}

// ----- maintenance: swstsrsemtch, swstresback, swstresrst (18xx) -----

/// The backup directory operand does not name an existing directory.
pub const NO_BACKUP_DIRECTORY: u16 = 1801;
/// The backup directory holds no backup made by `swstresback`.
pub const NO_BACKUP_DATA: u16 = 1802;
/// Copying the backup management files to or from the directory failed.
pub const BACKUP_COPY_FAILED: u16 = 1803;
/// The saved backup management list cannot be read (damaged or of another version).
pub const BACKUP_UNREADABLE: u16 = 1804;
/// `swstsrsemtch -x`: the Management Server did not take the device information.
pub const REPOSITORY_SYNC: u16 = 1805;

pub fn repository_sync_failed(manager: &str, why: &str) -> Failure {
    refused(
        REPOSITORY_SYNC,
        format!(
            "The repository of the Management Server {manager} could not be brought into line \
             with this server: {why}"
        ),
    )
}

pub fn no_backup_directory(dir: &str) -> Failure {
    refused(
        NO_BACKUP_DIRECTORY,
        format!("The backup directory {dir} does not exist or is not a directory."),
    )
}

pub fn no_backup_data(dir: &str) -> Failure {
    refused(
        NO_BACKUP_DATA,
        format!("The directory {dir} holds no backup management files (made by swstresback)."),
    )
}

pub fn backup_copy_failed(detail: &str) -> Failure {
    refused(
        BACKUP_COPY_FAILED,
        format!("The backup management files cannot be copied: {detail}"),
    )
}

pub fn backup_unreadable(detail: &dyn std::fmt::Display) -> Failure {
    refused(
        BACKUP_UNREADABLE,
        format!("The saved backup management list cannot be used: {detail}"),
    )
}

// ----- backup execution and history (15xx): swstbackup, swstbackstat,
// swsthistdisp, swsthistdel -----

/// "The backup that was executed one generation earlier was unsuccessful".
pub fn bk_previous_failed(device: &str, backup: &str, version: u64) -> Failure {
    refused(
        1501,
        format!(
            "{device}: the backup executed one generation earlier (version {version} on \
             {backup}) was unsuccessful; delete that history (swsthistdel) first."
        ),
    )
}

/// A restore is running to the transaction volume.
pub fn bk_restore_running(device: &str) -> Failure {
    refused(
        1502,
        format!("{device}: a restoration to the transaction volume is in progress."),
    )
}

/// `swstbackup` while backup synchronous processing has not reached equivalency.
pub fn bk_not_equivalent(device: &str, backup: &str) -> Failure {
    refused(
        1503,
        format!(
            "{device}: the equivalency of the backup synchronous processing to {backup} \
             is not maintained; wait until swstsyncstat shows equivalent."
        ),
    )
}

/// The transaction volume's box information differs from the registered one.
pub fn bk_box_info_changed(device: &str) -> Failure {
    refused(
        1504,
        format!(
            "{device}: the box information (box identifier, OLU number, EXTENT start \
             position, EXTENT size) has changed since the device was registered."
        ),
    )
}

/// No unused backup volume can be the copy destination.
pub fn bk_no_free_backup_volume(device: &str, size: u64) -> Failure {
    refused(
        1505,
        format!(
            "{device}: no unused backup volume of the same size ({size} bytes) in the \
             same box is available."
        ),
    )
}

/// `swstbackup -T` during backup synchronous processing.
pub fn bk_quickopc_during_sync(device: &str) -> Failure {
    refused(
        1506,
        format!("{device}: -T cannot be specified during backup synchronous processing."),
    )
}

/// The history concerned is being used by a restoration.
pub fn bk_history_in_restore(device: &str, version: u64, backup: &str) -> Failure {
    refused(
        1507,
        format!(
            "{device}: the backup history of version {version} ({backup}) is being used \
             by a restoration."
        ),
    )
}

/// `swsthistdel -g/-v` names no history.
pub fn bk_no_such_history(device: &str, what: &str) -> Failure {
    refused(
        1508,
        format!("{device}: the backup history {what} does not exist."),
    )
}

/// `swstbackup -suspend` without backup synchronous processing.
pub fn bk_suspend_without_sync(device: &str) -> Failure {
    refused(
        1509,
        format!(
            "{device}: -suspend needs backup synchronous processing in equivalency \
             (start it with swststartsync)."
        ),
    )
}

/// The copy status of a generation cannot be confirmed (swsthistdel without -emergency).
pub fn bk_status_unobtainable(device: &str, backup: &str) -> Failure {
    refused(
        1510,
        format!(
            "{device}: the copy status of {backup} cannot be obtained from the ETERNUS \
             Disk storage system; use -emergency to delete the history without \
             confirming the session."
        ),
    )
}

// ----- backup synchronous processing and tracking (0301, 17xx) -----

/// `swststartsync` on a volume whose synchronous processing copies or is
/// equivalent: the manual's information message (normal end).
pub fn sync_in_progress() -> acm_core::msg::Message {
    acm_core::msg::Message::new(
        F,
        301,
        "Backup synchronous processing is already in progress.",
    )
}

/// A registered device's box information differs from the host's now.
pub fn box_info_changed(device: &str) -> Failure {
    refused(
        1701,
        format!(
            "{device}: the box information has changed since the device was registered; \
             register the device again (swstdevinfoset)."
        ),
    )
}

/// The transaction volume is being restored.
pub fn sync_restore_running(device: &str) -> Failure {
    refused(
        1702,
        format!(
            "{device} is being restored; wait for the restoration to finish or cancel it \
             (swstcancelrest)."
        ),
    )
}

/// No backup volume can be obtained for synchronous processing.
pub fn no_backup_volume(device: &str) -> Failure {
    refused(
        1703,
        format!(
            "{device}: no backup volume can be obtained for backup synchronous processing \
             (an unused backup volume of the same size is needed)."
        ),
    )
}

/// The only backup volume that could be taken cannot be used now.
pub fn backup_unusable(device: &str, why: &str) -> Failure {
    refused(
        1704,
        format!("{device}: the backup volume cannot be used: {why}."),
    )
}

/// `swstcancelsync -bd` names a volume that is not a target of the processing.
pub fn not_sync_target(device: &str, backup: &str) -> Failure {
    refused(
        1705,
        format!(
            "{backup} is not a backup volume of the backup synchronous processing of {device}."
        ),
    )
}

/// `swstcancelsync` with no synchronous processing to cancel.
pub fn no_sync(device: &str) -> Failure {
    refused(
        1706,
        format!("{device}: backup synchronous processing is not being executed."),
    )
}

/// `swstcanceltrk` where no tracking is performed.
pub fn no_tracking(device: &str, backup: Option<&str>) -> Failure {
    refused(
        1707,
        match backup {
            Some(b) => format!("Tracking processing is not performed from {device} to {b}."),
            None => format!("Tracking processing is not performed for {device}."),
        },
    )
}

/// `swstcanceltrk -copy` on a backup volume holding history.
pub fn copy_with_history(device: &str, backup: &str) -> Failure {
    refused(
        1708,
        format!(
            "{backup} holds backup history of {device}; -copy cannot be specified \
             (delete the history with swsthistdel first)."
        ),
    )
}

// ----- restore: swstrestore, swstcancelrest, swstreststat (16xx, 0639, 0303) -----

/// `-g` / `-v` with a value that is not a number of 1 or more.
pub fn restore_bad_number(option: &str, value: &str) -> Failure {
    let what = if option == "-v" {
        "absolute generation (version) number"
    } else {
        "relative generation number"
    };
    refused(
        1601,
        format!("{option} {value}: the {what} must be a number of 1 or more."),
    )
}

/// The transaction volume has no backup history.
pub fn restore_no_history(device: &str) -> Failure {
    refused(
        1602,
        format!("{device}: no backup history information exists."),
    )
}

/// The generation given by `-g` / `-v` is not in the history.
pub fn restore_no_generation(device: &str, what: &str, number: u64) -> Failure {
    refused(
        1603,
        format!("{device}: the backup history of {what} {number} does not exist."),
    )
}

/// The OPC copy of the backup to restore from is still running.
pub fn restore_backup_copying(device: &str, backup: &str, version: u64, percent: u64) -> Failure {
    refused(
        1604,
        format!(
            "{device}: the OPC copy of the backup (version {version}) to {backup} is still in \
             progress ({percent}%); restore after it has completed."
        ),
    )
}

/// The backup to restore from did not succeed per the array.
pub fn restore_backup_unusable(device: &str, backup: &str, version: u64, status: &str) -> Failure {
    refused(
        1605,
        format!(
            "{device}: the backup (version {version}) on {backup} cannot be restored: its copy \
             status is {status}."
        ),
    )
}

/// The box information of the transaction volume differs from its registration.
pub fn restore_box_changed(device: &str) -> Failure {
    refused(
        1606,
        format!(
            "{device}: the box information of the transaction volume has changed since it was \
             registered."
        ),
    )
}

/// `-r` names a transaction volume.
pub fn restore_dest_transaction(device: &str) -> Failure {
    refused(
        1607,
        format!("-r {device}: a transaction volume cannot be a restore destination."),
    )
}

/// `-r` names a backup volume that holds history or a suspended/tracking session.
pub fn restore_dest_backup_in_use(device: &str) -> Failure {
    refused(
        1608,
        format!(
            "-r {device}: the backup volume holds backup history or a suspended or tracking \
             session; it cannot be a restore destination."
        ),
    )
}

/// `-r` names a device of another size than the transaction volume.
pub fn restore_dest_size(device: &str, size: u64, transaction: &str, td_size: u64) -> Failure {
    refused(
        1609,
        format!(
            "-r {device}: its size ({size} bytes) differs from the size of the transaction \
             volume {transaction} ({td_size} bytes)."
        ),
    )
}

/// A restore to the destination is recorded and its session is still on the array.
pub fn restore_running(dest: &str, backup: &str, status: &str) -> Failure {
    refused(
        1610,
        format!(
            "{dest}: a restore from {backup} to this device is already in progress (status \
             {status}); wait for it to complete or cancel it (swstcancelrest)."
        ),
    )
}

/// The list changed between the checks and the copy (another command ran).
pub fn restore_changed(device: &str) -> Failure {
    refused(
        1611,
        format!("{device}: the backup history changed while the restore was being prepared; run the command again."),
    )
}

/// The array cannot report the restore session's state.
pub fn restore_status_unobtainable(dest: &str) -> Failure {
    refused(
        1612,
        format!(
            "{dest}: the status of the restore copy cannot be obtained; the restore is not \
             cancelled (use -emergency to remove only its record)."
        ),
    )
}

/// `-r` while the backup volume of the generation is tracked from the transaction
/// volume (QuickOPC): manual 5.5.3 wants `swstcanceltrk` first.
pub fn restore_other_while_tracking(device: &str, backup: &str, version: u64) -> Failure {
    refused(
        1613,
        format!(
            "{device}: tracking processing from {device} to {backup} (version {version}) is in \
             progress; restoration to another device is not possible until it is stopped \
             (swstcanceltrk)."
        ),
    )
}

/// `swstcancelrest -r` names a device no restoration of the transaction volume
/// was made to.
pub fn restore_not_on_device(dest: &str, device: &str) -> Failure {
    refused(
        1614,
        format!("-r {dest}: restoration of {device} is not performed on this device."),
    )
}

/// Synchronous processing (EC) of the transaction volume is running or suspended.
pub fn sync_copy_running(device: &str) -> Failure {
    refused(
        639,
        format!(
            "This Command cannot be run. This is because a copy is currently running. \
             (Device={device}: backup synchronous processing; run swstcancelsync -all first)"
        ),
    )
}

/// `swstcancelrest` found no restore from the given history: a normal end.
pub fn restore_not_performed() -> acm_core::msg::Message {
    acm_core::msg::Message::new(
        F,
        303,
        "Restoration for specified restoration device is not performed",
    )
}

// ----- SnapOPC/SnapOPC+ support: swstestupdate, swstsdv (19xx) -----

/// `swstestupdate start` while a monitor session exists on the volume.
pub const SNAP_MONITOR_EXISTS: u16 = 1901;
/// `swstestupdate stop` with no monitor session on the volume.
pub const SNAP_NO_MONITOR: u16 = 1902;
/// `swstsdv init|stat` of a volume that is not a Snap Data Volume.
pub const SNAP_NOT_SDV: u16 = 1903;
/// `swstsdv init` while a SnapOPC/SnapOPC+ session uses the Snap Data Volume.
pub const SNAP_SDV_IN_USE: u16 = 1904;
/// `swstsdv init|stat -G` naming an LU number the box does not have.
pub const SNAP_NO_SUCH_LUN: u16 = 1905;
/// Any other refusal of the array for a SnapOPC support command.
pub const SNAP_ARRAY_REFUSED: u16 = 1906;

pub fn snap_monitor_exists(device: &str) -> Failure {
    refused(
        SNAP_MONITOR_EXISTS,
        format!(
            "{device}: the measurement cannot be started because a monitor session already \
             exists (stop it with swstestupdate stop first)."
        ),
    )
}

pub fn snap_no_monitor(device: &str) -> Failure {
    refused(
        SNAP_NO_MONITOR,
        format!("{device}: the measurement cannot be stopped because no monitor session exists."),
    )
}

pub fn snap_not_sdv(what: &str) -> Failure {
    refused(
        SNAP_NOT_SDV,
        format!("{what}: the volume is not a Snap Data Volume."),
    )
}

pub fn snap_sdv_in_use(what: &str) -> Failure {
    refused(
        SNAP_SDV_IN_USE,
        format!(
            "{what}: the Snap Data Volume cannot be initialized because a SnapOPC/SnapOPC+ \
             session uses it (cancel the session first)."
        ),
    )
}

pub fn snap_no_such_lun(what: &str) -> Failure {
    refused(
        SNAP_NO_SUCH_LUN,
        format!("{what}: the logical unit does not exist in the ETERNUS Disk storage system."),
    )
}

pub fn snap_array_refused(what: &str, c: &acm_scsi::model::CopyError) -> Failure {
    refused(
        SNAP_ARRAY_REFUSED,
        format!("{what}: the ETERNUS Disk storage system refused the operation ({c})."),
    )
}

// ----- the cross-function rules with replication management (1007, 1008, 1112, 1113) -----

/// A replication management command is working on the volume.
pub const REPLICATION_BUSY: u16 = 1007;
/// The volume is a replication destination volume.
pub const REPLICATION_REPLICA: u16 = 1112;
/// The volume is the source of a bi-directional replication pair.
pub const REPLICATION_BIDIRECTIONAL: u16 = 1113;

pub fn replication_busy(device: &str, running: &str) -> Failure {
    refused(
        REPLICATION_BUSY,
        format!(
            "{device}: the replication management function is executing a process for the \
             target volume ({running})."
        ),
    )
}

pub fn replication_replica(device: &str, pair: &str) -> Failure {
    refused(
        REPLICATION_REPLICA,
        format!(
            "{device} is registered as a replication destination volume by replication \
             management ({pair}); it cannot be a backup volume."
        ),
    )
}

pub fn replication_bidirectional(device: &str, pair: &str) -> Failure {
    refused(
        REPLICATION_BIDIRECTIONAL,
        format!(
            "{device} is registered as the replication source volume of a bi-directional pair \
             by replication management ({pair}); it cannot be a backup volume."
        ),
    )
}
