//! Chapter 5 of the manual end to end: differential snapshot high-speed backup
//! with the QuickOPC function (5.5), command by command, with the outputs checked
//! in the shape of the manual's examples and the data through the simulated array:
//! the first `swstbackup -T` copies everything and leaves tracking, the next ones
//! copy only the grains changed since (counted on the array), a restore copies
//! back only the changes, and a differential backup equals a full one byte for
//! byte.
//!
//! The transaction volume is `/dev/hdisk1`, its backup volumes `/dev/hdisk2` and
//! `/dev/hdisk3`, save number 1 (the manual's Figure 5.4); `/dev/hdisk4` is an
//! unregistered device for restoring to another volume (Figure 5.8).

use crate::common;

use acm_backup::copy::Pair;
use acm_backup::list::Hold;
use acm_host::pattern::checksum;
use acm_host::{DiskIo, HostStore};
use acm_sim::state::Rate;
use acm_testkit::Scratch;
use common::*;

const TD: &str = "/dev/hdisk1";
const B2: &str = "/dev/hdisk2";
const B3: &str = "/dev/hdisk3";
const OTHER: &str = "/dev/hdisk4";
const KIB: u64 = 1024;
const GRAIN: u64 = 64 * KIB;
const GRAINS: u64 = LUN / GRAIN;

// ----- data through the simulated array (the environment is process-wide) -----

fn sum(s: &Scratch, dev: &str) -> String {
    checksum(&mut device(s, dev)).unwrap()
}

/// Every byte of a device as the host reads it.
fn bytes(s: &Scratch, dev: &str) -> Vec<u8> {
    let mut d = device(s, dev);
    let mut buf = vec![0u8; d.size() as usize];
    d.read_at(0, &mut buf).unwrap();
    buf
}

fn set_rate(s: &Scratch, rate: Rate) {
    let mut a = acm_sim::Array::open(&s.sim_home()).unwrap();
    let bid = a.bid_by_name("B1").unwrap();
    a.admin(&bid, |st| {
        st.rate = rate;
        Ok(())
    })
    .unwrap();
    a.commit().unwrap();
}

/// Lets the (paused) box copy `bytes` more.
fn advance(s: &Scratch, bytes: u64) {
    let mut a = acm_sim::Array::open(&s.sim_home()).unwrap();
    let bid = a.bid_by_name("B1").unwrap();
    a.advance(&bid, bytes).unwrap();
    a.commit().unwrap();
}

fn box_info(s: &Scratch, dev: &str) -> acm_backup::list::BoxInfo {
    let r = HostStore::open_at(s.root().join("var/opt/acmsim-host"))
        .load()
        .unwrap()
        .resolve(dev)
        .unwrap();
    acm_backup::list::BoxInfo {
        box_id: r.disks[0].box_id.clone(),
        olu: r.disks[0].olu,
        start_lba: 0,
        blocks: r.size / 512,
    }
}

/// The session copying `from` into `to`, as backup management sees it.
fn pair(s: &Scratch, from: &str, to: &str) -> Pair {
    let (f, t) = (box_info(s, from), box_info(s, to));
    with_env(s, || acm_backup::copy::pair(&f, &t).unwrap())
}

fn session(s: &Scratch, from: &str, to: &str) -> acm_backup::sync::SessionInfo {
    match pair(s, from, to) {
        Pair::Session(x) => *x,
        other => panic!("no session {from} -> {to}: {other:?}"),
    }
}

// ----- output shapes -----

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

const TRK_HEADER: [&str; 6] = [
    "Server",
    "Transaction-Disk",
    "Backup-Disk",
    "Status",
    "Execute",
    "Update",
];

/// The one row of `swsttrkstat TD` (header and alignment checked).
fn trkstat(s: &Scratch) -> Vec<String> {
    let out = ok(s, "swsttrkstat", &[TD]);
    let t = tokens(&out);
    assert_eq!(t[0], strs(&TRK_HEADER), "{out}");
    assert_eq!(t.len(), 2, "{out}");
    assert_aligned(&out, &TRK_HEADER);
    t[1].clone()
}

fn trk(bd: &str, status: &str, exec: &str, update: &str) -> Vec<String> {
    strs(&["job2", TD, bd, status, exec, update])
}

fn backstat(s: &Scratch) -> Vec<String> {
    tokens(&ok(s, "swstbackstat", &[TD]))[1].clone()
}

/// `(generation, version, backup disk, status, execute)` rows of `swsthistdisp TD`.
fn histdisp(s: &Scratch) -> Vec<(String, String, String, String, String)> {
    let out = ok(s, "swsthistdisp", &[TD]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!("Server=job2 Device={TD} Mount-Point=---- (----)")
    );
    lines
        .iter()
        .skip(2)
        .map(|l| {
            let r: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(r.len(), 7, "{out}");
            assert_eq!(r[2].len(), 10, "{l}");
            assert_eq!(r[3].len(), 5, "{l}");
            (
                r[0].into(),
                r[1].into(),
                r[4].into(),
                r[5].into(),
                r[6].into(),
            )
        })
        .collect()
}

fn h(g: &str, v: &str, bd: &str, st: &str, ex: &str) -> (String, String, String, String, String) {
    (g.into(), v.into(), bd.into(), st.into(), ex.into())
}

fn execute_of(s: &Scratch) -> String {
    tokens(&ok(s, "swstexecstat", &[TD]))[1]
        .last()
        .unwrap()
        .clone()
}

fn mode(s: &Scratch, bd: &str) -> String {
    let out = ok(s, "swstdevdisp", &["-b", "-u", bd]);
    let t = tokens(&out);
    format!("{} {}", t[1][4], t[1][5])
}

fn backup_t(s: &Scratch) {
    assert_eq!(
        ok(s, "swstbackup", &["-T", TD]),
        format!("{TD} swstbackup completed\n")
    );
}

fn pct(done: u64) -> String {
    format!("{}%", done * 100 / GRAINS)
}

fn prepared() -> Scratch {
    let s = configured(4);
    ok(&s, "swstdevinfoset", &["-t", TD]);
    ok(&s, "swstdevinfoset", &["-b", B2]);
    ok(&s, "swstdevinfoset", &["-b", B3]);
    ok(&s, "swstbkpolset", &["-s", "1", TD]);
    set_rate(&s, Rate::Paused);
    s
}

#[test]
fn differential_snapshot_backup_restore_and_tracking_cancel() {
    let s = prepared();
    write(&s, TD, 1, 0, LUN);
    let s1 = sum(&s, TD);
    assert_eq!(trkstat(&s), trk("----", "----", "----", "----"));

    // 5.5.1: the first -T starts the physical copy and the tracking.
    backup_t(&s);
    assert_eq!(trkstat(&s), trk(B2, "executing", "0%", "----"));
    advance(&s, LUN * 3 / 4);
    assert_eq!(trkstat(&s), trk(B2, "executing", "75%", "----"));
    assert_eq!(backstat(&s), strs(&["job2", TD, B2, "executing", "75%"]));
    assert_eq!(histdisp(&s), [h("1", "1", B2, "executing", "75%")]);
    assert_eq!(execute_of(&s), "snapshot(75%)");
    assert_eq!(sum(&s, B2), s1, "the backup volume is usable at once");
    set_rate(&s, Rate::Unlimited);
    // Tracking only, once the copy is done (the manual's `tracking ---- 12%` form).
    assert_eq!(trkstat(&s), trk(B2, "tracking", "----", "0%"));
    let x = session(&s, TD, B2);
    assert_eq!(x.copied_bytes, LUN, "the first -T copies everything");
    assert_eq!(histdisp(&s), [h("1", "1", B2, "succeeded", "----")]);
    assert_eq!(execute_of(&s), "----");
    assert_eq!(sum(&s, B2), s1);

    // Eight grains change: 8/64 = the manual's 12%.
    write(&s, TD, 2, 1 << 20, 8 * GRAIN);
    assert_eq!(trkstat(&s), trk(B2, "tracking", "----", "12%"));
    let s2 = bytes(&s, TD);

    // The second -T: the tracking volume again, only the changed grains copied.
    set_rate(&s, Rate::Paused);
    backup_t(&s);
    assert_eq!(trkstat(&s), trk(B2, "executing", &pct(GRAINS - 8), "----"));
    assert_eq!(
        histdisp(&s),
        [h("1", "2", B2, "executing", &pct(GRAINS - 8))]
    );
    assert_eq!(bytes(&s, B2), s2, "logical copy");
    set_rate(&s, Rate::Unlimited);
    assert_eq!(trkstat(&s), trk(B2, "tracking", "----", "0%"));
    assert_eq!(
        session(&s, TD, B2).copied_bytes,
        8 * GRAIN,
        "differential copy"
    );
    assert_eq!(bytes(&s, B2), s2);
    assert_eq!(histdisp(&s), [h("1", "2", B2, "succeeded", "----")]);

    // A full (plain OPC) backup of the same data is the same byte for byte. The
    // rotation deletes the QuickOPC generation but keeps its tracking (used-T).
    ok(&s, "swstbackup", &[TD]);
    assert_eq!(histdisp(&s), [h("1", "3", B3, "succeeded", "----")]);
    assert_eq!(bytes(&s, B3), bytes(&s, B2));
    assert_eq!(mode(&s, B2), "Backup (used-T)");
    assert_eq!(trkstat(&s), trk(B2, "tracking", "----", "0%"));
    assert_eq!(
        ok(&s, "swsthistdel", &["-g", "1", TD]),
        format!("{TD} swsthistdel completed\n")
    );
    assert_eq!(mode(&s, B3), "Backup (free)");
    assert!(histdisp(&s).is_empty());

    // 5.5.1: the tracking volume without history is selected first; differential.
    write(&s, TD, 3, 2 << 20, GRAIN);
    let s3 = bytes(&s, TD);
    backup_t(&s);
    assert_eq!(histdisp(&s), [h("1", "4", B2, "succeeded", "----")]);
    assert_eq!(session(&s, TD, B2).copied_bytes, GRAIN);
    assert_eq!(bytes(&s, B2), s3);
    assert_eq!(mode(&s, B2), "Backup (used)");

    // 5.5.3: restore. Two grains of the TD are damaged; the restore OPC copies back
    // only the grains tracking recorded, and the tracking stays.
    write(&s, TD, 99, 0, 2 * GRAIN);
    assert_eq!(trkstat(&s), trk(B2, "tracking", "----", &pct(2)));
    set_rate(&s, Rate::Paused);
    assert_eq!(
        ok(&s, "swstrestore", &[TD]),
        format!("{TD} swstrestore completed\n")
    );
    let r = session(&s, B2, TD);
    assert_eq!(
        (r.total_grains, r.pending_grains),
        (GRAINS, 2),
        "only the changes are copied back"
    );
    assert_eq!(
        tokens(&ok(&s, "swstreststat", &[TD]))[1],
        strs(&[
            "job2",
            TD,
            "1",
            "4",
            B2,
            "----",
            "executing",
            &pct(GRAINS - 2)
        ])
    );
    assert_eq!(execute_of(&s), format!("restore({})", pct(GRAINS - 2)));
    assert_eq!(bytes(&s, TD), s3, "the logical copy restores at once");
    // 5.5.4: cancelling the restoration does not release the tracking.
    assert_eq!(
        ok(&s, "swstcancelrest", &[TD]),
        format!("{TD} swstcancelrest completed.\n")
    );
    assert!(matches!(pair(&s, B2, TD), Pair::None));
    assert_eq!(trkstat(&s)[2..4], strs(&[B2, "tracking"]));
    // Restore again, to the end.
    set_rate(&s, Rate::Unlimited);
    ok(&s, "swstrestore", &[TD]);
    assert_eq!(
        tokens(&ok(&s, "swstreststat", &[TD]))[1],
        strs(&["job2", TD, "1", "4", B2, "----", "succeeded", "----"])
    );
    assert_eq!(bytes(&s, TD), s3, "the data equals the backup");
    assert_eq!(bytes(&s, B2), s3);
    assert_eq!(trkstat(&s)[2..4], strs(&[B2, "tracking"]));

    // Figure 5.8: no restore to another volume while tracking; stop it first.
    let e = refused(&s, "swstrestore", &["-r", OTHER, TD], "swst1613", 1);
    assert!(e.contains("swstcanceltrk"), "{e}");
    // -copy is not allowed while the volume holds history.
    refused(
        &s,
        "swstcanceltrk",
        &["-copy", TD, "-bd", B2],
        "swst1708",
        1,
    );
    assert_eq!(
        ok(&s, "swstcanceltrk", &[TD, "-bd", B2]),
        format!("{TD} swstcanceltrk completed.\n")
    );
    assert_eq!(trkstat(&s), trk("----", "----", "----", "----"));
    assert!(matches!(pair(&s, TD, B2), Pair::None));
    assert_eq!(histdisp(&s), [h("1", "4", B2, "succeeded", "----")]);
    ok(&s, "swstrestore", &["-r", OTHER, TD]);
    assert_eq!(sum(&s, OTHER), sum(&s, B2));

    // Tracking terminated: the next -T copies all the data again.
    write(&s, TD, 4, 3 << 20, GRAIN);
    let s4 = sum(&s, TD);
    backup_t(&s);
    let hist = histdisp(&s);
    assert_eq!(hist.len(), 1);
    assert_eq!((hist[0].1.as_str(), hist[0].3.as_str()), ("5", "succeeded"));
    let bd = hist[0].2.clone();
    assert_eq!(session(&s, TD, &bd).copied_bytes, LUN, "full copy");
    assert_eq!(sum(&s, &bd), s4);

    // Done: history deleted (tracking stays, used-T), then the tracking stopped.
    ok(&s, "swsthistdel", &["-z", TD]);
    assert_eq!(mode(&s, &bd), "Backup (used-T)");
    assert_eq!(trkstat(&s)[2..4], strs(&[&bd, "tracking"]));
    assert_eq!(
        ok(&s, "swstcanceltrk", &["-copy", TD, "-all"]),
        format!("{TD} swstcanceltrk completed.\n")
    );
    assert_eq!(trkstat(&s), trk("----", "----", "----", "----"));
    let l = list_store(&s).load().unwrap();
    assert!(l.devices.values().all(|d| d.hold.is_none()));
    let all = ok(&s, "swstdevdisp", &["-b", "-u"]);
    assert_eq!(all.matches("Backup (free)").count(), 2, "{all}");
    assert_eq!(sum(&s, TD), s4);
}

/// 5.5.2 / 8.1.2.7: history deleted while the QuickOPC physical copy still runs:
/// the copy continues, the volume stays busy for the same transaction volume, and
/// the next -T on it completes the image with a differential copy.
#[test]
fn history_deleted_during_the_physical_copy() {
    let s = prepared();
    write(&s, TD, 7, 0, LUN);
    backup_t(&s);
    advance(&s, LUN / 4);
    ok(&s, "swsthistdel", &["-g", "1", TD]);
    assert_eq!(trkstat(&s), trk(B2, "executing", "25%", "----"));
    assert_eq!(mode(&s, B2), "Backup (used-T)");
    let l = list_store(&s).load().unwrap();
    assert_eq!(
        l.devices[B2].hold,
        Some(Hold::Tracking {
            transaction: TD.into()
        })
    );
    // A plain OPC does not take the tracking volume.
    ok(&s, "swstbackup", &[TD]);
    assert_eq!(histdisp(&s)[0].2, B3);
    ok(&s, "swsthistdel", &["-z", TD]);
    advance(&s, LUN);
    assert_eq!(trkstat(&s), trk(B2, "tracking", "----", "0%"));
    write(&s, TD, 8, 512 * KIB, 2 * GRAIN);
    let want = bytes(&s, TD);
    backup_t(&s);
    assert_eq!(histdisp(&s)[0].2, B2, "the tracking volume is reused");
    advance(&s, LUN);
    assert_eq!(session(&s, TD, B2).copied_bytes, 2 * GRAIN);
    assert_eq!(bytes(&s, B2), want);
}
