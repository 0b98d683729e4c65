//! swsrpstat end to end: every column and option set, every Status value made
//! from real array state (sessions started directly on the simulator).

use crate::common;

use acm_scsi::model::{self as m, CopyKind as K};
use acm_sim::state::Rate;
use acm_testkit::Scratch;
use common::*;

pub fn bid(s: &Scratch, name: &str) -> acm_sim::array::Bid {
    with_array(s, |a| a.bid_by_name(name).unwrap())
}

fn ext(s: &Scratch, dev: &str) -> (String, m::Extent) {
    let (name, olu) = lun_of(s, dev);
    let id = with_array(s, |a| {
        let b = a.bid_by_name(&name).unwrap();
        a.state(&b).unwrap().box_id.clone()
    });
    (
        name,
        m::Extent {
            box_id: m::BoxId::parse(&id).unwrap(),
            olu,
            start_lba: 0,
            blocks: LUN / 512,
        },
    )
}

/// Starts a `kind` session `from` → `to` on the source's box; returns its id.
fn start_with(
    s: &Scratch,
    from: &str,
    to: &str,
    kind: K,
    rec: Option<m::RecModes>,
    da: m::DestAccess,
    define_only: bool,
) -> u32 {
    let (name, src) = ext(s, from);
    let (_, dst) = ext(s, to);
    with_array(s, |a| {
        let b = a.bid_by_name(&name).unwrap();
        a.start(
            &b,
            &m::StartRequest {
                kind,
                src,
                dst,
                rec,
                dest_access: da,
                skip_initial_copy: false,
                define_only,
            },
        )
        .unwrap()
    })
}

fn start(s: &Scratch, from: &str, to: &str, kind: K) -> u32 {
    start_with(s, from, to, kind, None, m::DestAccess::ReadOnly, false)
}

fn rec(transfer: m::Transfer, split: m::Split, recovery: m::Recovery) -> Option<m::RecModes> {
    Some(m::RecModes {
        transfer,
        split,
        recovery,
    })
}

fn setvol(s: &Scratch, a: &str, b: &str) {
    ok(s, "swsrpsetvol", &[a, b]);
}

fn q(dev: &str) -> String {
    format!("{dev}@SV1")
}

const DATE_NONE: [&str; 2] = ["----/--", "--:--:--"];

fn is_date(d: &str, t: &str) -> bool {
    let d: Vec<&str> = d.split('/').collect();
    let t: Vec<&str> = t.split(':').collect();
    d.len() == 3
        && d[0].len() == 4
        && t.len() == 3
        && d.iter()
            .chain(&t)
            .all(|x| x.chars().all(|c| c.is_ascii_digit()))
}

#[test]
fn headers_and_rows_without_sessions() {
    let (s, _) = world2(4, 0, 0);
    setvol(&s, "/dev/hdisk1", "/dev/hdisk2");
    setvol(&s, "/dev/hdisk3", "/dev/hdisk4");
    let out = tokens(&ok(&s, "swsrpstat", &[]));
    assert_eq!(
        out[0],
        [
            "Server",
            "Original-Volume",
            "Replica-Volume",
            "Direction",
            "Status",
            "Execute"
        ]
    );
    assert_eq!(
        out[1],
        [
            "SV1",
            &q("/dev/hdisk1"),
            &q("/dev/hdisk2"),
            "----",
            "----",
            "----"
        ]
    );
    assert_eq!(out[2][1], q("/dev/hdisk3"));
    assert_eq!(out.len(), 3);

    let head = |args: &[&str]| tokens(&ok(&s, "swsrpstat", args))[0].join(" ");
    let base = "Server Original-Volume Replica-Volume Direction Status Execute";
    assert_eq!(
        head(&["-L"]),
        format!("{base} Trk Update Rcv Split Xfer Snap-Gen")
    );
    assert_eq!(head(&["-Xdate"]), format!("{base} Date"));
    assert_eq!(head(&["-Xda"]), format!("{base} Copy-DA"));
    let all = format!("{base} Trk Update Rcv Split Xfer Snap-Gen Copy-DA Date");
    assert_eq!(head(&["-Xall"]), all);
    assert_eq!(head(&["-Xdate", "-Xda", "-L"]), all);
    assert_eq!(head(&["-E", "-H", "-O"]), base);

    let row = tokens(&ok(&s, "swsrpstat", &["-Xall", "/dev/hdisk1"]));
    assert_eq!(row.len(), 2);
    let mut want: Vec<&str> = vec!["SV1", "", "", "----", "----", "----"];
    want.extend(["----"; 6]);
    want.extend(["off", DATE_NONE[0], DATE_NONE[1]]);
    want[1] = "/dev/hdisk1@SV1";
    want[2] = "/dev/hdisk2@SV1";
    assert_eq!(row[1], want);
    let row = tokens(&ok(&s, "swsrpstat", &["-Xdate", "/dev/hdisk3@SV1"]));
    assert_eq!(row[1][6..], DATE_NONE);
    assert_eq!(ok(&s, "swsrpstat", &["-h", "SV1"]).lines().count(), 3);
}

#[test]
fn refusals() {
    let (s, _) = world2(4, 0, 0);
    setvol(&s, "/dev/hdisk1", "/dev/hdisk2");
    ok(
        &s,
        "swsrpsetvol",
        &["-Xgroup", "G1", "/dev/hdisk3", "/dev/hdisk4"],
    );
    // The replica is not a replication source volume.
    refused(&s, "swsrpstat", &["/dev/hdisk2"], "swsrp1301", 1);
    refused(&s, "swsrpstat", &["-Xgroup", "G2"], "swsrp1304", 1);
    refused(&s, "swsrpstat", &["-Xgroup", "-bad"], "swsrp1209", 1);
    refused(&s, "swsrpstat", &["-h", "OTHER"], "swsrp0906", 1);
    for bad in [
        &["-Xall", "-L"][..],
        &["-Xall", "-Xdate"],
        &["-Xall", "-Xda"],
        &["-Xgroup", "G1", "/dev/hdisk1"],
        &["/dev/hdisk1", "/dev/hdisk3"],
        &["-Z"],
    ] {
        refused(&s, "swsrpstat", bad, "swsrp0002", 2);
    }
    let g = tokens(&ok(&s, "swsrpstat", &["-Xgroup", "G1"]));
    assert_eq!(g.len(), 2);
    assert_eq!(g[1][1], q("/dev/hdisk3"));
}

/// EC: sync with progress, equivalent, replicated with Date; Copy-DA; readying.
#[test]
fn ec_states_and_progress() {
    let (s, _) = world2(6, 0, 0);
    for (a, b) in [(1, 2), (3, 4), (5, 6)] {
        setvol(&s, &format!("/dev/hdisk{a}"), &format!("/dev/hdisk{b}"));
    }
    set_rate(&s, "B1", Rate::Paused);
    let id = start_with(
        &s,
        "/dev/hdisk1",
        "/dev/hdisk2",
        K::Ec,
        None,
        m::DestAccess::NoAccess,
        false,
    );
    let r = stat_row(&s, "/dev/hdisk1");
    assert_eq!(
        r[3..],
        ["regular", "sync", "0%", "----", "----", "----", "----", "----", "----"]
    );
    // Copy half of it.
    let b1 = bid(&s, "B1");
    with_array(&s, |a| a.advance(&b1, LUN / 2).unwrap());
    let r = stat_row(&s, "/dev/hdisk1");
    assert_eq!(r[4], "sync");
    assert_eq!(r[5], "50%");
    let r = tokens(&ok(&s, "swsrpstat", &["-Xall", "/dev/hdisk1"]));
    assert_eq!(r[1][12], "on", "Copy-DA: {r:?}");
    assert_eq!(r[1][13..], DATE_NONE, "no transition at a start");
    let r = tokens(&ok(&s, "swsrpstat", &["-Xda", "/dev/hdisk1"]));
    assert_eq!(r[1][6], "on");

    set_rate(&s, "B1", Rate::Unlimited);
    let r = wait_status(&s, "/dev/hdisk1", "equivalent");
    assert_eq!(r[5], "100%");
    with_array(&s, |a| a.suspend(&b1, &[id], false).unwrap());
    let r = stat_row(&s, "/dev/hdisk1");
    assert_eq!(r[3..6], ["regular", "replicated", "----"]);
    let r = tokens(&ok(&s, "swsrpstat", &["-Xdate", "/dev/hdisk1"]));
    assert!(is_date(&r[1][6], &r[1][7]), "{r:?}");

    // Concurrent OPC defined: readying.
    start_with(
        &s,
        "/dev/hdisk3",
        "/dev/hdisk4",
        K::Opc,
        None,
        m::DestAccess::ReadOnly,
        true,
    );
    let r = stat_row(&s, "/dev/hdisk3");
    assert_eq!(r[3..7], ["regular", "readying", "----", "off"]);
    // Default rows follow list order.
    let all = tokens(&ok(&s, "swsrpstat", &[]));
    assert_eq!(
        all.iter()
            .skip(1)
            .map(|r| r[4].as_str())
            .collect::<Vec<_>>(),
        ["replicated", "readying", "----"]
    );
}

/// OPC and QuickOPC: snap with Execute, Trk on/off, tracking with Update %, and
/// -E showing a reverse OPC beside a QuickOPC session.
#[test]
fn snapshots_tracking_and_reverse() {
    let (s, _) = world2(4, 0, 0);
    setvol(&s, "/dev/hdisk1", "/dev/hdisk2");
    setvol(&s, "/dev/hdisk3", "/dev/hdisk4");
    set_rate(&s, "B1", Rate::Paused);
    start(&s, "/dev/hdisk3", "/dev/hdisk4", K::Opc);
    start(&s, "/dev/hdisk1", "/dev/hdisk2", K::QuickOpc);
    let r = stat_row(&s, "/dev/hdisk3");
    assert_eq!(r[3..8], ["regular", "snap", "0%", "off", "----"]);
    let r = stat_row(&s, "/dev/hdisk1");
    assert_eq!(r[3..8], ["regular", "snap", "0%", "on", "----"]);
    set_rate(&s, "B1", Rate::Unlimited);
    let r = wait_status(&s, "/dev/hdisk1", "----");
    assert_eq!(r[3..8], ["regular", "----", "----", "on", "0%"]);
    write(&s, "/dev/hdisk1", 0, (LUN / 4) as usize, 7);
    let r = stat_row(&s, "/dev/hdisk1");
    assert_eq!(r[6..8], ["on", "25%"]);
    // A restore (OPC replica → original) beside the QuickOPC session.
    set_rate(&s, "B1", Rate::Paused);
    start(&s, "/dev/hdisk2", "/dev/hdisk1", K::Opc);
    let r = stat_row(&s, "/dev/hdisk1");
    assert_eq!(r[3..7], ["regular", "----", "----", "on"]);
    let e = tokens(&ok(&s, "swsrpstat", &["-E", "-L", "/dev/hdisk1"]));
    // Only what changed since the QuickOPC copy is restored: 3/4 is already equal.
    assert_eq!(e[1][3..7], ["reverse", "snap", "75%", "off"]);
    // -E on a pair without a reverse session shows nothing.
    let e = tokens(&ok(&s, "swsrpstat", &["-E", "/dev/hdisk3"]));
    assert_eq!(e[1][3..6], ["----", "----", "----"]);
}

/// SnapOPC and SnapOPC+ generations; failed(overflow) when the pool runs out.
#[test]
fn copy_on_write_and_generations() {
    let (s, _) = world2(2, 4, 0);
    // hdisk3..6 are Snap Data Volumes.
    setvol(&s, "/dev/hdisk2", "/dev/hdisk3");
    setvol(&s, "/dev/hdisk1", "/dev/hdisk4");
    setvol(&s, "/dev/hdisk1", "/dev/hdisk5");
    start(&s, "/dev/hdisk2", "/dev/hdisk3", K::SnapOpc);
    start(&s, "/dev/hdisk1", "/dev/hdisk4", K::SnapOpcPlus);
    write(&s, "/dev/hdisk1", 0, (LUN / 8) as usize, 1);
    start(&s, "/dev/hdisk1", "/dev/hdisk5", K::SnapOpcPlus);
    let all = tokens(&ok(&s, "swsrpstat", &["-L"]));
    assert_eq!(
        all[1][3..],
        [
            "regular",
            "copy-on-write",
            "----",
            "off",
            "0%",
            "----",
            "----",
            "----",
            "----"
        ]
    );
    assert_eq!(
        all[2][3..],
        [
            "regular",
            "copy-on-write(inactive)",
            "----",
            "off",
            "12%",
            "----",
            "----",
            "----",
            "1"
        ]
    );
    assert_eq!(
        all[3][3..],
        [
            "regular",
            "copy-on-write(active)",
            "----",
            "off",
            "0%",
            "----",
            "----",
            "----",
            "2"
        ]
    );
    let one = tokens(&ok(&s, "swsrpstat", &["/dev/hdisk1"]));
    assert_eq!(one.len(), 3, "both generations of the original");

    // The pool and the SDV's own room run out: failed, failed(overflow).
    let b1 = bid(&s, "B1");
    with_array(&s, |a| {
        a.admin(&b1, |st| {
            st.pool.capacity_bytes = 0;
            Ok(())
        })
        .unwrap()
    });
    write(&s, "/dev/hdisk2", 0, LUN as usize, 3);
    let r = stat_row(&s, "/dev/hdisk2");
    assert_eq!(r[4], "failed");
    assert_eq!(r[5], "----");
    let r = tokens(&ok(&s, "swsrpstat", &["-O", "/dev/hdisk2"]));
    assert_eq!(r[1][4], "failed(overflow)");
    let r = tokens(&ok(&s, "swsrpstat", &["-Xdate", "/dev/hdisk2"]));
    assert!(is_date(&r[1][6], &r[1][7]), "{r:?}");
}

/// Error suspends: bad sector and hardware fault; `?????`.
#[test]
fn failures_and_unobtainable() {
    let (s, _) = world2(4, 0, 0);
    setvol(&s, "/dev/hdisk1", "/dev/hdisk2");
    setvol(&s, "/dev/hdisk3", "/dev/hdisk4");
    let ec = start(&s, "/dev/hdisk1", "/dev/hdisk2", K::Ec);
    start(&s, "/dev/hdisk3", "/dev/hdisk4", K::Ec);
    wait_status(&s, "/dev/hdisk1", "equivalent");
    wait_status(&s, "/dev/hdisk3", "equivalent");
    let b1 = bid(&s, "B1");
    let (_, olu1) = lun_of(&s, "/dev/hdisk1");
    let (_, olu3) = lun_of(&s, "/dev/hdisk3");
    with_array(&s, |a| {
        a.suspend(&b1, &[ec], false).unwrap();
        a.add_bad_sector(&b1, olu1, 5).unwrap();
        a.set_hardware_fault(&b1, olu3, true).unwrap();
    });
    let r = tokens(&ok(&s, "swsrpstat", &[]));
    assert_eq!(r[1][4], "failed");
    assert_eq!(r[2][4], "failed");
    let r = tokens(&ok(&s, "swsrpstat", &["-O"]));
    assert_eq!(r[1][4], "failed(badsector)");
    assert_eq!(r[2][4], "failed(other)");
    // -H does not change failed.
    let r = tokens(&ok(&s, "swsrpstat", &["-H"]));
    assert_eq!(r[1][4], "failed");

    with_array(&s, |a| {
        a.admin(&b1, |st| {
            st.faults.unobtainable = true;
            Ok(())
        })
        .unwrap()
    });
    let r = tokens(&ok(&s, "swsrpstat", &["-Xall"]));
    assert_eq!(r[1][3..6], ["----", "?????", "----"]);
    assert_eq!(r[1][13..], DATE_NONE);
}

/// REC: modes in Rcv/Split/Xfer, halt and its -H details.
#[test]
fn rec_modes_and_halts() {
    let (s, _) = world2(4, 0, 4);
    // hdisk5..8 are on B2.
    for (a, b) in [(1, 5), (2, 6), (3, 7), (4, 8)] {
        setvol(&s, &format!("/dev/hdisk{a}"), &format!("/dev/hdisk{b}"));
    }
    use m::{Recovery as Rc, Split as Sp, Transfer as T};
    set_rate(&s, "B1", Rate::Paused);
    let go = |from: &str, to: &str, r| {
        start_with(&s, from, to, K::Rec, r, m::DestAccess::ReadOnly, false)
    };
    go(
        "/dev/hdisk1",
        "/dev/hdisk5",
        rec(T::Sync, Sp::Manual, Rc::Manual),
    );
    let r = stat_row(&s, "/dev/hdisk1");
    assert_eq!(
        r[3..],
        ["regular", "sync", "0%", "----", "----", "manual", "manual", "sync", "----"]
    );
    set_rate(&s, "B1", Rate::Unlimited);
    go(
        "/dev/hdisk2",
        "/dev/hdisk6",
        rec(T::Through, Sp::Auto, Rc::Auto),
    );
    go(
        "/dev/hdisk3",
        "/dev/hdisk7",
        rec(T::Stack, Sp::Auto, Rc::Auto),
    );
    let r = wait_status(&s, "/dev/hdisk2", "equivalent");
    assert_eq!(r[8..], ["auto", "----", "async", "----"]);
    let r = stat_row(&s, "/dev/hdisk3");
    assert_eq!(r[8..], ["auto", "----", "stack", "----"]);
    wait_status(&s, "/dev/hdisk1", "equivalent");

    // hdisk1: paused copy then path down → halt(sync); hdisk2: equivalent → halt(equivalent).
    set_rate(&s, "B1", Rate::Paused);
    write(&s, "/dev/hdisk1", 0, 4096, 9);
    let r = stat_row(&s, "/dev/hdisk1");
    assert_eq!(r[4], "equivalent", "sync mode mirrors the write");
    set_path(&s, false);
    let plain = tokens(&ok(&s, "swsrpstat", &[]));
    assert!(plain[1..4].iter().all(|r| r[4] == "halt"), "{plain:?}");
    let h = tokens(&ok(&s, "swsrpstat", &["-H", "-Xdate"]));
    assert_eq!(h[1][4], "halt(equivalent)");
    assert_eq!(h[2][4], "halt(equivalent)");
    assert!(is_date(&h[1][6], &h[1][7]), "{h:?}");
    assert_eq!(h[4][4], "----");
    set_path(&s, true);
    // Automatic recovery: back to equivalent, Date reset.
    let h = tokens(&ok(&s, "swsrpstat", &["-Xdate"]));
    assert_eq!(h[2][6..], DATE_NONE);
    assert_eq!(h[1][4], "halt", "manual recovery stays halted");
    // A halt during the copy.
    go(
        "/dev/hdisk4",
        "/dev/hdisk8",
        rec(T::Through, Sp::Auto, Rc::Manual),
    );
    set_path(&s, false);
    let h = tokens(&ok(&s, "swsrpstat", &["-H"]));
    assert_eq!(h[4][4], "halt(sync)");
}

/// Consistency mode with a REC buffer: halt(use-buffer), then with the buffer
/// full and a disk buffer, halt(use-disk-buffer).
#[test]
fn rec_buffers_in_halt() {
    use acm_sim::state::{BufferUse, DiskBuffer, RecBuffer};
    let (s, bx) = world2(2, 0, 2);
    setvol(&s, "/dev/hdisk1", "/dev/hdisk3");
    setvol(&s, "/dev/hdisk2", "/dev/hdisk4");
    let (b1, b2) = (bid(&s, "B1"), bid(&s, "B2"));
    with_array(&s, |a| {
        a.admin(&b1, |st| {
            st.rec_buffers.insert(
                1,
                RecBuffer {
                    usage: BufferUse::Send,
                    size_bytes: 64 << 10,
                    remote_box: bx.b2.clone(),
                },
            );
            st.disk_buffer = Some(DiskBuffer {
                size_bytes: 8 << 20,
                fault: None,
            });
            Ok(())
        })
        .unwrap();
        a.admin(&b2, |st| {
            st.rec_buffers.insert(
                1,
                RecBuffer {
                    usage: BufferUse::Recv,
                    size_bytes: 64 << 10,
                    remote_box: bx.b1.clone(),
                },
            );
            Ok(())
        })
        .unwrap();
    });
    let modes = Some(m::RecModes {
        transfer: m::Transfer::Consistency,
        split: m::Split::Auto,
        recovery: m::Recovery::Manual,
    });
    start_with(
        &s,
        "/dev/hdisk1",
        "/dev/hdisk3",
        K::Rec,
        modes,
        m::DestAccess::ReadOnly,
        false,
    );
    let r = wait_status(&s, "/dev/hdisk1", "equivalent");
    assert_eq!(r[8..], ["manual", "----", "consist", "----"]);
    set_path(&s, false);
    let h = tokens(&ok(&s, "swsrpstat", &["-H", "/dev/hdisk1"]));
    assert_eq!(h[1][4], "halt(use-buffer)");
    let h = tokens(&ok(&s, "swsrpstat", &["/dev/hdisk1"]));
    assert_eq!(h[1][4], "halt");
    // More than the REC buffer holds goes to the disk buffer.
    write(&s, "/dev/hdisk1", 0, 256 << 10, 4);
    let h = tokens(&ok(&s, "swsrpstat", &["-H", "/dev/hdisk1"]));
    assert_eq!(h[1][4], "halt(use-disk-buffer)");
}
