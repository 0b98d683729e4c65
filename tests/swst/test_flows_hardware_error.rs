//! Manual 7.3 end to end: troubleshooting a hardware error during backup, with
//! the faults injected into the simulated array (a bad sector, a LUN hardware
//! error, status that cannot be obtained) and the documented recovery procedures
//! run command by command:
//! - 7.3.1 symptoms: `failed` in swstbackstat / swsthistdisp / swsttrkstat /
//!   swstsyncstat, `snapshot(failed)` in swstexecstat, `?????` when the box cannot
//!   report;
//! - 7.3.2.1 / 7.3.2.3: a bad sector in the transaction volume (during an OPC's
//!   physical copy, while a QuickOPC tracks, while an EC is suspended): cancel,
//!   check, overwrite the area (dd of the area, or swstrestore), back up again;
//! - 7.3.2.2: a hardware error on the backup volume: cancel, swstsrsemtch, check,
//!   swstdevinfoset -o the volume, register a new one, back up again.

use crate::common;

use acm_backup::copy::Pair;
use acm_host::pattern::checksum;
use acm_host::DiskIo;
use acm_sim::state::{ErrorReason, Rate, Status};
use acm_testkit::Scratch;
use common::*;
use std::time::{Duration, Instant};

const TD: &str = "/dev/hdisk1";
const B2: &str = "/dev/hdisk2";
const B3: &str = "/dev/hdisk3";
const NEW: &str = "/dev/hdisk4";
const GRAIN: u64 = 64 * 1024;
/// A block in grain 10 of the transaction volume (OLU 0).
const BAD_LBA: u64 = 10 * GRAIN / 512 + 5;

// ----- the simulated array -----

fn sum(s: &Scratch, dev: &str) -> String {
    checksum(&mut device(s, dev)).unwrap()
}

/// Whether the host can read the whole device.
fn readable(s: &Scratch, dev: &str) -> bool {
    let mut d = device(s, dev);
    let mut buf = vec![0u8; d.size() as usize];
    d.read_at(0, &mut buf).is_ok()
}

fn admin(s: &Scratch, f: impl FnOnce(&mut acm_sim::Array, &acm_sim::Bid)) {
    let mut a = acm_sim::Array::open(&s.sim_home()).unwrap();
    let bid = a.bid_by_name("B1").unwrap();
    f(&mut a, &bid);
    a.commit().unwrap();
}

fn set_rate(s: &Scratch, rate: Rate) {
    admin(s, |a, bid| {
        a.admin(bid, |st| {
            st.rate = rate;
            Ok(())
        })
        .unwrap()
    });
}

fn bad_sector(s: &Scratch, olu: u32, lba: u64) {
    admin(s, |a, bid| a.add_bad_sector(bid, olu, lba).unwrap());
}

fn hardware_fault(s: &Scratch, olu: u32, on: bool) {
    admin(s, |a, bid| a.set_hardware_fault(bid, olu, on).unwrap());
}

fn unobtainable(s: &Scratch, on: bool) {
    admin(s, |a, bid| {
        a.admin(bid, |st| {
            st.faults.unobtainable = on;
            Ok(())
        })
        .unwrap()
    });
}

/// Statuses of every session of box B1.
fn statuses(s: &Scratch) -> Vec<Status> {
    let a = acm_sim::Array::open(&s.sim_home()).unwrap();
    let bid = a.bid_by_name("B1").unwrap();
    a.state(&bid)
        .unwrap()
        .sessions
        .values()
        .map(|x| x.status)
        .collect()
}

fn pair(s: &Scratch, from: &str, to: &str) -> Pair {
    let l = list_store(s).load().unwrap();
    let (f, t) = (
        l.devices[from].box_info.clone(),
        l.devices[to].box_info.clone(),
    );
    with_env(s, || acm_backup::copy::pair(&f, &t).unwrap())
}

// ----- output shapes -----

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn row1(s: &Scratch, cmd: &str) -> Vec<String> {
    let out = ok(s, cmd, &[TD]);
    let t = tokens(&out);
    assert_eq!(t.len(), 2, "{cmd}: {out}");
    t[1].clone()
}

fn backstat(s: &Scratch) -> Vec<String> {
    row1(s, "swstbackstat")
}

/// `(version, backup disk, status, execute)` of each `swsthistdisp TD` row.
fn histdisp(s: &Scratch) -> Vec<(String, String, String, String)> {
    let out = ok(s, "swsthistdisp", &[TD]);
    tokens(&out)
        .iter()
        .skip(2)
        .map(|r| {
            assert_eq!(r.len(), 7, "{out}");
            (r[1].clone(), r[4].clone(), r[5].clone(), r[6].clone())
        })
        .collect()
}

fn hist(v: &str, bd: &str, st: &str) -> (String, String, String, String) {
    (v.into(), bd.into(), st.into(), "----".into())
}

fn execute_of(s: &Scratch) -> String {
    row1(s, "swstexecstat").last().unwrap().clone()
}

fn srsemtch(s: &Scratch) {
    assert_eq!(ok(s, "swstsrsemtch", &[]), "swstsrsemtch completed\n");
}

fn backup(s: &Scratch, args: &[&str]) {
    assert_eq!(
        ok(s, "swstbackup", args),
        format!("{TD} swstbackup completed\n")
    );
}

/// Step 2 / 4 of the procedures: every display command shows no other error.
fn no_other_errors(s: &Scratch) {
    for cmd in [
        "swstbackstat",
        "swstsyncstat",
        "swstreststat",
        "swsttrkstat",
        "swsthistdisp",
        "swstexecstat",
    ] {
        let out = ok(s, cmd, &[]);
        assert!(
            !out.contains("failed") && !out.contains("?????") && !out.contains("halt"),
            "{cmd}: {out}"
        );
    }
}

fn prepared(save: &str) -> Scratch {
    let s = configured(5);
    ok(&s, "swstdevinfoset", &["-t", TD]);
    ok(&s, "swstdevinfoset", &["-b", B2]);
    ok(&s, "swstdevinfoset", &["-b", B3]);
    ok(&s, "swstbkpolset", &["-s", save, TD]);
    set_rate(&s, Rate::Paused);
    write(&s, TD, 1, 0, LUN);
    s
}

// ----- the flows -----

/// A bad sector in the transaction volume hit by an OPC's physical copy.
/// 7.3.2.1: swsthistdel the failed generation, check, repair (the area written,
/// as `dd` over an unused area would), back up again; later 7.3.2.3's method 3:
/// a restore overwrites a new bad sector.
#[test]
fn bad_sector_in_the_transaction_volume_during_a_snapshot_backup() {
    let s = prepared("2");
    backup(&s, &[TD]);
    assert_eq!(backstat(&s), strs(&["job2", TD, B2, "executing", "0%"]));
    bad_sector(&s, 0, BAD_LBA);
    // The box reaches the sector during the physical copy: error suspend.
    set_rate(&s, Rate::Unlimited);
    assert_eq!(statuses(&s), [Status::ErrorSuspend(ErrorReason::BadSector)]);
    // 7.3.1: the symptoms.
    assert_eq!(backstat(&s), strs(&["job2", TD, B2, "failed", "----"]));
    assert_eq!(histdisp(&s), [hist("1", B2, "failed")]);
    assert_eq!(execute_of(&s), "snapshot(failed)");
    // "The backup that was executed one generation earlier was unsuccessful".
    refused(&s, "swstbackup", &[TD], "swst1501", 1);
    // "The backup history information for which a copy failed cannot be used".
    refused(&s, "swstrestore", &[TD], "swst1605", 1);

    // 1. Cancel the processing in which the error occurred: swsthistdel.
    assert_eq!(
        ok(&s, "swsthistdel", &["-g", "1", TD]),
        format!("{TD} swsthistdel completed\n")
    );
    assert!(statuses(&s).is_empty(), "the failed OPC is cancelled");
    srsemtch(&s);
    // 2. Check that no other error occurred.
    no_other_errors(&s);
    assert_eq!(backstat(&s), strs(&["job2", TD, "----", "----", "----"]));
    assert!(histdisp(&s).is_empty());
    assert!(!readable(&s, TD), "the sector is still bad");
    // 3. Repair: write the area holding the bad sector.
    write(&s, TD, 2, BAD_LBA * 512 / GRAIN * GRAIN, GRAIN);
    assert!(readable(&s, TD));
    let good = sum(&s, TD);
    // Back up again: succeeded, the data is the transaction volume's.
    backup(&s, &[TD]);
    assert_eq!(execute_of(&s), "----");
    let bd = histdisp(&s)[0].1.clone();
    assert_eq!(histdisp(&s), [hist("2", &bd, "succeeded")]);
    assert_eq!(backstat(&s), strs(&["job2", TD, &bd, "succeeded", "----"]));
    assert_eq!(sum(&s, &bd), good);

    // And the restore of 7.3.2.1 step 4 brings back the backup's data.
    write(&s, TD, 3, 0, LUN);
    assert_eq!(
        ok(&s, "swstrestore", &[TD]),
        format!("{TD} swstrestore completed\n")
    );
    assert_eq!(sum(&s, TD), good);
    no_other_errors(&s);
    backup(&s, &[TD]);
    assert_eq!(histdisp(&s).len(), 2);
    no_other_errors(&s);
}

/// 7.3.2.3, restoration method 3: swstrestore overwrites the area holding the bad
/// sector, which repairs it (the OPC's physical copy writes over it).
#[test]
fn restore_overwrites_a_bad_sector() {
    let s = prepared("1");
    set_rate(&s, Rate::Unlimited);
    let good = sum(&s, TD);
    backup(&s, &[TD]);
    bad_sector(&s, 0, 3);
    assert!(!readable(&s, TD));
    ok(&s, "swstrestore", &[TD]);
    assert!(readable(&s, TD), "the restore overwrote the bad sector");
    assert_eq!(sum(&s, TD), good);
}

/// 7.3.2.2: a hardware error on the backup volume during the physical copy.
#[test]
fn hardware_error_on_the_backup_volume() {
    let s = prepared("2");
    let at_backup = sum(&s, TD);
    backup(&s, &[TD]);
    hardware_fault(&s, 1, true);
    assert_eq!(statuses(&s), [Status::ErrorSuspend(ErrorReason::Other)]);
    assert_eq!(backstat(&s), strs(&["job2", TD, B2, "failed", "----"]));
    assert_eq!(histdisp(&s), [hist("1", B2, "failed")]);
    assert_eq!(execute_of(&s), "snapshot(failed)");
    refused(&s, "swstbackup", &[TD], "swst1501", 1);

    // 1. Cancel: swsthistdel.
    ok(&s, "swsthistdel", &["-g", "1", TD]);
    assert!(statuses(&s).is_empty());
    // 2. swstsrsemtch. 3. Cancel again: nothing is left (no history, no session).
    srsemtch(&s);
    assert!(histdisp(&s).is_empty());
    refused(&s, "swsthistdel", &["-g", "1", TD], "swst1508", 1);
    // 4. Check.
    no_other_errors(&s);
    // 5. Delete the broken backup volume. 6. Register a new one.
    assert_eq!(
        ok(&s, "swstdevinfoset", &["-o", B2]),
        "swstdevinfoset completed\n"
    );
    ok(&s, "swstdevinfoset", &["-b", NEW]);
    let out = ok(&s, "swstdevdisp", &["-b"]);
    assert!(!out.contains(B2) && out.contains(NEW), "{out}");
    // 7. Re-execute: both backups succeed on the healthy volumes.
    set_rate(&s, Rate::Unlimited);
    backup(&s, &[TD]);
    write(&s, TD, 3, 0, GRAIN);
    let later = sum(&s, TD);
    backup(&s, &[TD]);
    let h = histdisp(&s);
    assert_eq!(h[0].2, "succeeded");
    assert_eq!(h[1].2, "succeeded");
    let mut used: Vec<&str> = h.iter().map(|r| r.1.as_str()).collect();
    used.sort();
    assert_eq!(used, [B3, NEW]);
    assert_eq!(sum(&s, &h[0].1), later);
    assert_eq!(sum(&s, &h[1].1), at_backup);
    no_other_errors(&s);
    hardware_fault(&s, 1, false);
}

/// 7.3.2.3: a bad sector in the transaction volume while QuickOPC tracks: the box
/// error-suspends the session (so a differential copy cannot spread the damage);
/// swstcanceltrk, check, overwrite (restore from the backup volume of that copy,
/// which holds history), then swstbackup -T works again (a full copy).
#[test]
fn bad_sector_in_the_transaction_volume_while_tracking() {
    let s = prepared("1");
    set_rate(&s, Rate::Unlimited);
    let good = sum(&s, TD);
    backup(&s, &["-T", TD]);
    assert_eq!(row1(&s, "swsttrkstat")[3], "tracking");
    bad_sector(&s, 0, BAD_LBA);
    assert_eq!(statuses(&s), [Status::ErrorSuspend(ErrorReason::BadSector)]);
    assert_eq!(
        row1(&s, "swsttrkstat"),
        strs(&["job2", TD, B2, "failed", "----", "----"])
    );
    assert_eq!(backstat(&s), strs(&["job2", TD, B2, "failed", "----"]));
    assert_eq!(histdisp(&s), [hist("1", B2, "failed")]);
    assert_eq!(execute_of(&s), "snapshot(failed)");
    refused(&s, "swstbackup", &["-T", TD], "swst1501", 1);

    // 1. Cancel the copy processing: swstcanceltrk.
    assert_eq!(
        ok(&s, "swstcanceltrk", &[TD, "-bd", B2]),
        format!("{TD} swstcanceltrk completed.\n")
    );
    assert!(statuses(&s).is_empty());
    // 2. Check: the generation's copy was complete before the sector went bad.
    no_other_errors(&s);
    assert_eq!(
        row1(&s, "swsttrkstat"),
        strs(&["job2", TD, "----", "----", "----", "----"])
    );
    assert_eq!(histdisp(&s), [hist("1", B2, "succeeded")]);
    assert_eq!(sum(&s, B2), good);
    // 3. Overwrite the area (method 2, as `dd` would), then restore the data from
    //    the backup volume of that copy, which holds history (method 3; see
    //    `restore_overwrites_a_bad_sector` for the restore alone).
    assert!(!readable(&s, TD));
    write(&s, TD, 9, BAD_LBA * 512 / GRAIN * GRAIN, GRAIN);
    assert!(readable(&s, TD));
    assert_ne!(sum(&s, TD), good);
    ok(&s, "swstrestore", &[TD]);
    assert_eq!(sum(&s, TD), good);
    // swstbackup -T again: the tracking was stopped, so everything is copied.
    write(&s, TD, 5, 0, GRAIN);
    let now = sum(&s, TD);
    backup(&s, &["-T", TD]);
    // No tracking volume is left: a free one is taken (hdisk2 still held the
    // history being rotated out when the volume was chosen).
    assert_eq!(histdisp(&s), [hist("2", B3, "succeeded")]);
    match pair(&s, TD, B3) {
        Pair::Session(x) => assert_eq!(x.copied_bytes, LUN, "a full copy"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        row1(&s, "swsttrkstat"),
        strs(&["job2", TD, B3, "tracking", "----", "0%"])
    );
    assert_eq!(sum(&s, B3), now);
    no_other_errors(&s);
}

/// 7.3.2.3: a bad sector in the transaction volume while an EC is suspended: the
/// box error-suspends it (no resume over good data); swstcancelsync, check,
/// restore from that backup volume (it holds history), start again.
#[test]
fn bad_sector_in_the_transaction_volume_while_an_ec_is_suspended() {
    let s = prepared("1");
    set_rate(&s, Rate::Unlimited);
    let good = sum(&s, TD);
    ok(&s, "swststartsync", &[TD]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while row1(&s, "swstsyncstat")[3] != "equivalent" {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    }
    backup(&s, &["-suspend", TD]);
    assert_eq!(
        row1(&s, "swstsyncstat"),
        strs(&["job2", TD, B2, "suspend", "----"])
    );
    bad_sector(&s, 0, BAD_LBA);
    assert_eq!(
        row1(&s, "swstsyncstat"),
        strs(&["job2", TD, B2, "failed", "----"])
    );
    // 1. swstcancelsync (the suspended one: -bd).
    ok(&s, "swstcancelsync", &[TD, "-bd", B2]);
    assert!(statuses(&s).is_empty());
    // 2. Check.
    no_other_errors(&s);
    assert_eq!(
        row1(&s, "swstsyncstat"),
        strs(&["job2", TD, "----", "----", "----"])
    );
    assert_eq!(histdisp(&s), [hist("1", B2, "succeeded")]);
    // 3. Overwrite the area, and restore from the backup volume of that copy.
    assert!(!readable(&s, TD));
    write(&s, TD, 9, BAD_LBA * 512 / GRAIN * GRAIN, GRAIN);
    ok(&s, "swstrestore", &[TD]);
    assert_eq!(sum(&s, TD), good);
    // Synchronous processing works again.
    ok(&s, "swststartsync", &[TD]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = row1(&s, "swstsyncstat");
        if r[3] == "equivalent" {
            assert_eq!(r[2], B3, "hdisk2 holds the history");
            break;
        }
        assert!(Instant::now() < deadline, "{r:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(sum(&s, B3), good);
    ok(&s, "swstcancelsync", &["-all", TD]);
    no_other_errors(&s);
}

/// 7.3.1 / 7.3.2 Note: `?????` when the box cannot report the copy status, in
/// every display command; the commands that change copies stop with the copy
/// function's message (swst0634 for OPC, swst0719 for EC) and change nothing.
#[test]
fn status_that_cannot_be_obtained() {
    let s = prepared("2");
    set_rate(&s, Rate::Unlimited);
    backup(&s, &["-T", TD]);
    unobtainable(&s, true);
    assert_eq!(backstat(&s), strs(&["job2", TD, B2, "?????", "----"]));
    assert_eq!(histdisp(&s), [hist("1", B2, "?????")]);
    assert_eq!(
        row1(&s, "swsttrkstat"),
        strs(&["job2", TD, B2, "?????", "----", "----"])
    );
    assert_eq!(execute_of(&s), "?????");
    refused(&s, "swstbackup", &["-T", TD], "swst0634", 1);
    refused(&s, "swststartsync", &[TD], "swst0719", 1);
    // The box reports again: everything is back.
    unobtainable(&s, false);
    assert_eq!(backstat(&s), strs(&["job2", TD, B2, "succeeded", "----"]));
    assert_eq!(row1(&s, "swsttrkstat")[3], "tracking");
    no_other_errors(&s);
}
