//! swsrpmake (manual 8.3.2.2): snapshots (OPC, QuickOPC Table 8.6, SnapOPC,
//! SnapOPC+), restore, EC/REC suspend, -j, -Xconcur, Concurrent OPC, scripts
//! (Table C.1) and refusals, through the binaries against the simulated array.

use crate::common;

use acm_scsi::model::{self as m, CopyKind, Phase, Status};
use acm_sim::state::Rate;
use acm_testkit::Scratch;
use common::*;

const MAKE: &str = "swsrpmake";

fn done(from: &str, to: &str) -> String {
    format!("FROM={from}@SV1,TO={to}@SV1 swsrpmake completed\n")
}

/// The sessions in which host disk `dev` takes part.
fn sessions(s: &Scratch, dev: &str) -> Vec<m::SessionInfo> {
    let (name, olu) = lun_of(s, dev);
    with_array(s, |a| {
        let bid = a.bid_by_name(&name).unwrap();
        a.session_infos(&bid, olu).unwrap()
    })
}

fn extent(s: &Scratch, dev: &str) -> m::Extent {
    let (name, olu) = lun_of(s, dev);
    let id = with_array(s, |a| {
        a.state(&a.bid_by_name(&name).unwrap())
            .unwrap()
            .box_id
            .clone()
    });
    m::Extent {
        box_id: m::BoxId::parse(&id).unwrap(),
        olu,
        start_lba: 0,
        blocks: LUN / 512,
    }
}

/// The session copying `from` → `to`, if any.
fn session(s: &Scratch, from: &str, to: &str) -> Option<m::SessionInfo> {
    let (src, dst) = (extent(s, from), extent(s, to));
    sessions(s, from).into_iter().find(|x| {
        x.src.olu == src.olu
            && x.src.box_id == src.box_id
            && x.dst.olu == dst.olu
            && x.dst.box_id == dst.box_id
    })
}

fn must(s: &Scratch, from: &str, to: &str) -> m::SessionInfo {
    session(s, from, to).unwrap_or_else(|| panic!("no session {from} -> {to}"))
}

/// Starts EC (same box) or REC (other box) `from` → `to` on the array directly.
fn start_sync(s: &Scratch, from: &str, to: &str, rec: Option<m::RecModes>) -> u32 {
    let (src, dst) = (extent(s, from), extent(s, to));
    let (name, _) = lun_of(s, from);
    with_array(s, |a| {
        let bid = a.bid_by_name(&name).unwrap();
        a.start(
            &bid,
            &m::StartRequest {
                kind: if src.box_id == dst.box_id {
                    CopyKind::Ec
                } else {
                    CopyKind::Rec
                },
                src,
                dst,
                rec,
                dest_access: m::DestAccess::ReadOnly,
                skip_initial_copy: false,
                define_only: false,
            },
        )
        .unwrap()
    })
}

fn wait_phase(s: &Scratch, from: &str, to: &str, phase: Phase) -> m::SessionInfo {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let x = must(s, from, to);
        if x.phase == phase {
            return x;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never {phase:?}: {x:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn setvol(s: &Scratch, args: &[&str]) {
    ok(s, "swsrpsetvol", args);
}

// ----------------------------------------------------------------- OPC

#[test]
fn opc_replica_is_the_source_at_the_point_in_time() {
    let (s, _) = world2(2, 0, 0);
    setvol(&s, &["/dev/hdisk1", "/dev/hdisk2"]);
    write(&s, "/dev/hdisk1", 0, LUN as usize, 1);
    set_rate(&s, "B1", Rate::Paused);
    let before = read(&s, "/dev/hdisk1");
    assert_eq!(
        ok(&s, MAKE, &["/dev/hdisk1", "/dev/hdisk2"]),
        done("/dev/hdisk1", "/dev/hdisk2")
    );
    let x = must(&s, "/dev/hdisk1", "/dev/hdisk2");
    assert_eq!((x.kind, x.phase), (CopyKind::Opc, Phase::Copying));
    // A write after the make does not show on the replica.
    write(&s, "/dev/hdisk1", 4096, 8192, 2);
    assert_eq!(read(&s, "/dev/hdisk2"), before);
    set_rate(&s, "B1", Rate::Unlimited);
    assert!(session(&s, "/dev/hdisk1", "/dev/hdisk2").is_none());
    assert_eq!(read(&s, "/dev/hdisk2"), before);
    // Re-run: a new point in time.
    let now = read(&s, "/dev/hdisk1");
    assert_ne!(now, before);
    set_rate(&s, "B1", Rate::Paused);
    ok(&s, MAKE, &["/dev/hdisk1", "/dev/hdisk2"]);
    let first = must(&s, "/dev/hdisk1", "/dev/hdisk2").id;
    // Re-run during the copy: stopped and restarted (a new session).
    write(&s, "/dev/hdisk1", 0, 512, 3);
    let third = read(&s, "/dev/hdisk1");
    ok(&s, MAKE, &["/dev/hdisk1", "/dev/hdisk2"]);
    assert_ne!(must(&s, "/dev/hdisk1", "/dev/hdisk2").id, first);
    assert_eq!(read(&s, "/dev/hdisk2"), third);
}

// ----------------------------------------------------------------- QuickOPC, Table 8.6

#[test]
fn quickopc_table_8_6() {
    let (s, _) = world2(2, 0, 0);
    setvol(&s, &["/dev/hdisk1", "/dev/hdisk2"]);
    write(&s, "/dev/hdisk1", 0, LUN as usize, 1);
    let (a, b) = ("/dev/hdisk1", "/dev/hdisk2");
    // ----/---- with -T: differential snapshot starts (full first copy).
    set_rate(&s, "B1", Rate::Paused);
    ok(&s, MAKE, &["-T", a, b]);
    let x = must(&s, a, b);
    assert_eq!(
        (x.kind, x.phase),
        (CopyKind::QuickOpc, Phase::TrackingCopying)
    );
    assert_eq!(x.pending_grains, x.total_grains);
    // snap/on with -T: differential restart (same session).
    let id = x.id;
    ok(&s, MAKE, &["-T", a, b]);
    assert_eq!(must(&s, a, b).id, id);
    set_rate(&s, "B1", Rate::Unlimited);
    let x = wait_phase(&s, a, b, Phase::Tracking);
    assert_eq!(x.id, id);
    assert_eq!(read(&s, b), read(&s, a));
    // ----/on with -T: only the differences are copied.
    write(&s, a, 0, 512, 9);
    set_rate(&s, "B1", Rate::Paused);
    let snap = read(&s, a);
    ok(&s, MAKE, &["-T", a, b]);
    let x = must(&s, a, b);
    assert_eq!(x.id, id);
    assert_eq!(x.phase, Phase::TrackingCopying);
    assert_eq!(x.pending_grains, 1, "{x:?}");
    assert_eq!(read(&s, b), snap);
    // snap/on without -T: copy stopped, ordinary OPC restarted.
    ok(&s, MAKE, &[a, b]);
    let x = must(&s, a, b);
    assert_eq!(x.kind, CopyKind::Opc);
    assert_ne!(x.id, id);
    // snap/off with -T: copy stopped, differential snapshot restarted (full).
    ok(&s, MAKE, &["-T", a, b]);
    let x = must(&s, a, b);
    assert_eq!(
        (x.kind, x.phase),
        (CopyKind::QuickOpc, Phase::TrackingCopying)
    );
    assert_eq!(x.pending_grains, x.total_grains);
    // ----/on without -T: tracking stopped, ordinary snapshot restarted.
    set_rate(&s, "B1", Rate::Unlimited);
    wait_phase(&s, a, b, Phase::Tracking);
    set_rate(&s, "B1", Rate::Paused);
    ok(&s, MAKE, &[a, b]);
    assert_eq!(must(&s, a, b).kind, CopyKind::Opc);
    // snap/off without -T: ordinary again.
    ok(&s, MAKE, &[a, b]);
    assert_eq!(must(&s, a, b).kind, CopyKind::Opc);
}

#[test]
fn restore_from_a_quickopc_replica_keeps_tracking() {
    let (s, _) = world2(2, 0, 0);
    let (a, b) = ("/dev/hdisk1", "/dev/hdisk2");
    setvol(&s, &[a, b]);
    write(&s, a, 0, LUN as usize, 1);
    ok(&s, MAKE, &["-T", a, b]);
    wait_phase(&s, a, b, Phase::Tracking);
    let good = read(&s, a);
    write(&s, a, 8192, 4096, 7);
    assert_ne!(read(&s, a), good);
    // Restore: replica → original, while the QuickOPC session stays.
    set_rate(&s, "B1", Rate::Paused);
    refused(&s, MAKE, &["-T", b, a], "swsrp1612", 1);
    assert_eq!(ok(&s, MAKE, &[b, a]), done(b, a));
    let r = must(&s, b, a);
    assert_eq!(r.kind, CopyKind::Opc);
    assert!(
        r.pending_grains < r.total_grains,
        "only the differences: {r:?}"
    );
    assert_eq!(must(&s, a, b).kind, CopyKind::QuickOpc);
    assert_eq!(read(&s, a), good);
    set_rate(&s, "B1", Rate::Unlimited);
    assert!(session(&s, b, a).is_none());
    assert_eq!(read(&s, a), good);
    assert_eq!(must(&s, a, b).kind, CopyKind::QuickOpc);
}

#[test]
fn one_way_pairs_refuse_the_restore() {
    let (s, _) = world2(2, 0, 0);
    setvol(&s, &["-u", "/dev/hdisk1", "/dev/hdisk2"]);
    refused(&s, MAKE, &["/dev/hdisk2", "/dev/hdisk1"], "swsrp1402", 1);
    assert!(sessions(&s, "/dev/hdisk1").is_empty());
}

// ----------------------------------------------------------------- SnapOPC / SnapOPC+

#[test]
fn snapopc_keeps_the_point_in_time_and_re_runs_replace() {
    let (s, _) = world2(2, 1, 0);
    let (a, b, sdv) = ("/dev/hdisk1", "/dev/hdisk2", "/dev/hdisk3");
    setvol(&s, &[a, sdv]);
    setvol(&s, &[a, b]);
    write(&s, a, 0, LUN as usize, 1);
    let before = read(&s, a);
    // OPC onto an SDV, SnapOPC onto a standard volume: refused.
    refused(&s, MAKE, &[a, sdv], "swsrp1605", 1);
    refused(&s, MAKE, &["-T", a, sdv], "swsrp1605", 1);
    refused(&s, MAKE, &["-C", a, b], "swsrp1610", 1);
    refused(&s, MAKE, &["-P", a, b], "swsrp1610", 1);
    assert!(session(&s, a, sdv).is_none() && session(&s, a, b).is_none());
    assert_eq!(ok(&s, MAKE, &["-C", a, sdv]), done(a, sdv));
    let x = must(&s, a, sdv);
    assert_eq!((x.kind, x.phase), (CopyKind::SnapOpc, Phase::CopyOnWrite));
    write(&s, a, 0, 4096, 5);
    assert_eq!(read(&s, sdv), before);
    let second = read(&s, a);
    ok(&s, MAKE, &["-C", a, sdv]);
    let y = must(&s, a, sdv);
    assert_ne!(y.id, x.id);
    assert_eq!(read(&s, sdv), second);
}

#[test]
fn concurrent_suspend_of_one_pair() {
    let (s, _) = world2(2, 0, 0);
    let (a, b) = ("/dev/hdisk1", "/dev/hdisk2");
    setvol(&s, &[a, b]);
    start_sync(&s, a, b, None);
    wait_phase(&s, a, b, Phase::Equivalent);
    let ini = s.root().join("etc/opt/FJSVswsrp/data/DEFAULT/check.ini");
    std::fs::create_dir_all(ini.parent().unwrap()).unwrap();
    // Out of range: the default is used.
    std::fs::write(&ini, "[check]\nConcurCheckTimeout=0\nConcurOPCCascade=No\n").unwrap();
    assert_eq!(ok(&s, MAKE, &["-Xconcur", a, b]), done(a, b));
    assert_eq!(must(&s, a, b).status, Status::Suspended);
}

#[test]
fn restore_from_a_snapopc_destination() {
    let (s, _) = world2(1, 1, 0);
    let (a, sdv) = ("/dev/hdisk1", "/dev/hdisk2");
    setvol(&s, &[a, sdv]);
    write(&s, a, 0, LUN as usize, 1);
    let good = read(&s, a);
    ok(&s, MAKE, &["-C", a, sdv]);
    write(&s, a, 0, 8192, 4);
    assert_eq!(ok(&s, MAKE, &[sdv, a]), done(sdv, a));
    assert_eq!(read(&s, a), good);
    assert_eq!(must(&s, a, sdv).kind, CopyKind::SnapOpc);
}

#[test]
fn snapopc_plus_generations_rotation_and_refusal() {
    let (s, _) = world2(1, 3, 0);
    let a = "/dev/hdisk1";
    let g = ["/dev/hdisk2", "/dev/hdisk3", "/dev/hdisk4"];
    for d in g {
        setvol(&s, &[a, d]);
    }
    let mut images = Vec::new();
    for (i, d) in g.iter().enumerate() {
        write(&s, a, 0, LUN as usize, i as u8 + 1);
        images.push(read(&s, a));
        assert_eq!(ok(&s, MAKE, &["-P", a, d]), done(a, d));
    }
    for (i, d) in g.iter().enumerate() {
        let x = must(&s, a, d);
        assert_eq!(x.kind, CopyKind::SnapOpcPlus);
        assert_eq!(x.generation, i as u32 + 1);
        assert_eq!(x.active_generation, i == 2);
        assert_eq!(read(&s, d), images[i], "generation {}", i + 1);
    }
    // A non-oldest generation: refused, nothing changes.
    let e = refused(&s, MAKE, &["-P", a, g[1]], "swsrp1604", 1);
    assert!(e.contains("generation 2"), "{e}");
    refused(&s, MAKE, &["-C", a, g[2]], "swsrp1604", 1);
    assert_eq!(must(&s, a, g[1]).generation, 2);
    // The oldest generation: it is taken again and becomes the newest.
    write(&s, a, 0, 4096, 9);
    let now = read(&s, a);
    ok(&s, MAKE, &["-P", a, g[0]]);
    assert_eq!(must(&s, a, g[1]).generation, 1);
    assert_eq!(must(&s, a, g[2]).generation, 2);
    let x = must(&s, a, g[0]);
    assert_eq!((x.generation, x.active_generation), (3, true));
    assert_eq!(read(&s, g[0]), now);
    assert_eq!(read(&s, g[1]), images[1]);
    assert_eq!(read(&s, g[2]), images[2]);
}

// ----------------------------------------------------------------- EC / REC

#[test]
fn ec_make_from_equivalent_and_refusals() {
    let (s, _) = world2(4, 0, 0);
    let (a, b) = ("/dev/hdisk1", "/dev/hdisk2");
    setvol(&s, &[a, b]);
    set_rate(&s, "B1", Rate::Paused);
    start_sync(&s, a, b, None);
    let e = refused(&s, MAKE, &[a, b], "swsrp1601", 1);
    assert!(e.contains("sync"), "{e}");
    refused(&s, MAKE, &["-T", a, b], "swsrp1602", 1);
    refused(&s, MAKE, &["-C", a, b], "swsrp1602", 1);
    refused(&s, MAKE, &["-j", a, b], "swsrp1603", 1);
    // Reverse direction against a running EC.
    refused(&s, MAKE, &[b, a], "swsrp1601", 1);
    set_rate(&s, "B1", Rate::Unlimited);
    wait_phase(&s, a, b, Phase::Equivalent);
    assert_eq!(ok(&s, MAKE, &[a, b]), done(a, b));
    let x = must(&s, a, b);
    assert_eq!((x.kind, x.status), (CopyKind::Ec, Status::Suspended));
    assert_eq!(read(&s, b), read(&s, a));
    // A write after the suspend stays on the original.
    let replica = read(&s, b);
    write(&s, a, 0, 4096, 6);
    assert_eq!(read(&s, b), replica);
    // Already replicated: not equivalent.
    let e = refused(&s, MAKE, &[a, b], "swsrp1601", 1);
    assert!(e.contains("replicated"), "{e}");
    // -j / -Xconcur without synchronous processing.
    setvol(&s, &["/dev/hdisk3", "/dev/hdisk4"]);
    refused(
        &s,
        MAKE,
        &["-Xconcur", "/dev/hdisk3", "/dev/hdisk4"],
        "swsrp1611",
        1,
    );
    refused(
        &s,
        MAKE,
        &["-j", "/dev/hdisk3", "/dev/hdisk4"],
        "swsrp1603",
        1,
    );
}

#[test]
fn forced_suspend_of_rec_from_sync_and_halt() {
    let (s, _) = world2(2, 0, 2);
    // hdisk3, hdisk4 are on B2.
    setvol(&s, &["/dev/hdisk1", "/dev/hdisk3"]);
    setvol(&s, &["/dev/hdisk2", "/dev/hdisk4"]);
    set_rate(&s, "B1", Rate::Paused);
    start_sync(&s, "/dev/hdisk1", "/dev/hdisk3", None);
    start_sync(&s, "/dev/hdisk2", "/dev/hdisk4", None);
    refused(&s, MAKE, &["/dev/hdisk1", "/dev/hdisk3"], "swsrp1601", 1);
    // From sync.
    assert_eq!(
        ok(&s, MAKE, &["-j", "/dev/hdisk1", "/dev/hdisk3"]),
        done("/dev/hdisk1", "/dev/hdisk3")
    );
    assert_eq!(
        must(&s, "/dev/hdisk1", "/dev/hdisk3").status,
        Status::Suspended
    );
    // From halt.
    set_path(&s, false);
    assert!(matches!(
        must(&s, "/dev/hdisk2", "/dev/hdisk4").status,
        Status::Halt(_)
    ));
    refused(&s, MAKE, &["/dev/hdisk2", "/dev/hdisk4"], "swsrp1601", 1);
    ok(&s, MAKE, &["-j", "/dev/hdisk2", "/dev/hdisk4"]);
    assert_eq!(
        must(&s, "/dev/hdisk2", "/dev/hdisk4").status,
        Status::Suspended
    );
    // Already replicated: -j refuses.
    refused(
        &s,
        MAKE,
        &["-j", "/dev/hdisk2", "/dev/hdisk4"],
        "swsrp1611",
        1,
    );
}

#[test]
fn concurrent_suspend_of_a_group() {
    let (s, _) = world2(4, 0, 0);
    setvol(&s, &["-Xgroup", "G", "/dev/hdisk1", "/dev/hdisk2"]);
    setvol(&s, &["-Xgroup", "G", "/dev/hdisk3", "/dev/hdisk4"]);
    start_sync(&s, "/dev/hdisk1", "/dev/hdisk2", None);
    set_rate(&s, "B1", Rate::Paused);
    start_sync(&s, "/dev/hdisk3", "/dev/hdisk4", None);
    // One pair not equivalent: nothing is suspended.
    refused(&s, MAKE, &["-Xconcur", "-Xgroup", "G"], "swsrp1601", 1);
    assert_eq!(
        must(&s, "/dev/hdisk1", "/dev/hdisk2").status,
        Status::Active
    );
    set_rate(&s, "B1", Rate::Unlimited);
    wait_phase(&s, "/dev/hdisk3", "/dev/hdisk4", Phase::Equivalent);
    assert_eq!(
        ok(&s, MAKE, &["-Xgroup", "G", "-Xconcur"]),
        "GROUP=G swsrpmake completed\n"
    );
    for (a, b) in [
        ("/dev/hdisk1", "/dev/hdisk2"),
        ("/dev/hdisk3", "/dev/hdisk4"),
    ] {
        assert_eq!(must(&s, a, b).status, Status::Suspended);
        assert_eq!(read(&s, a), read(&s, b));
    }
}

#[test]
fn concurrent_suspend_timeout_is_swsrp2709() {
    let (s, boxes) = world2(1, 0, 1);
    let (a, r) = ("/dev/hdisk1", "/dev/hdisk2");
    setvol(&s, &[a, r]);
    let b2 = boxes.b2.clone();
    with_array(&s, |x| {
        let bid = x.bid_by_name("B1").unwrap();
        x.admin(&bid, |st| {
            st.rec_buffers.insert(
                1,
                acm_sim::state::RecBuffer {
                    usage: acm_sim::state::BufferUse::Send,
                    size_bytes: 1 << 30,
                    remote_box: b2,
                },
            );
            Ok(())
        })
        .unwrap();
    });
    let ini = s.root().join("etc/opt/FJSVswsrp/data/DEFAULT/check.ini");
    std::fs::create_dir_all(ini.parent().unwrap()).unwrap();
    std::fs::write(&ini, "[check]\nConcurCheckTimeout=5\n").unwrap();
    start_sync(
        &s,
        a,
        r,
        Some(m::RecModes {
            transfer: m::Transfer::Consistency,
            split: m::Split::Auto,
            recovery: m::Recovery::Auto,
        }),
    );
    wait_phase(&s, a, r, Phase::Equivalent);
    // Writes wait in the Consistency buffer; the link stops delivering them
    // without the session halting: the suspend cannot complete.
    set_rate(&s, "B1", Rate::Paused);
    write(&s, a, 0, 4096, 3);
    with_array(&s, |x| {
        let bid = x.bid_by_name("B1").unwrap();
        let b2 = boxes.b2.clone();
        x.admin(&bid, |st| {
            st.paths.insert(b2, false);
            Ok(())
        })
        .unwrap();
    });
    let e = refused(&s, MAKE, &["-Xconcur", a, r], "swsrp2709", 1);
    assert!(
        e.contains("swsrp2709 Concurrent suspend failed. Session ID=[-], Reason=[timeout]"),
        "{e}"
    );
    assert_eq!(must(&s, a, r).status, Status::Active);
}

// ----------------------------------------------------------------- Concurrent OPC

#[test]
fn concurrent_opc_and_its_pre_checks() {
    let (s, _) = world2(6, 0, 0);
    setvol(&s, &["-Xgroup", "G", "/dev/hdisk1", "/dev/hdisk2"]);
    setvol(&s, &["-Xgroup", "G", "/dev/hdisk3", "/dev/hdisk4"]);
    write(&s, "/dev/hdisk1", 0, LUN as usize, 1);
    write(&s, "/dev/hdisk3", 0, LUN as usize, 2);
    refused(
        &s,
        MAKE,
        &["-Xconcur-opc", "/dev/hdisk1", "/dev/hdisk2"],
        "swsrp0002",
        2,
    );
    refused(
        &s,
        MAKE,
        &["-Xconcur-opc", "-Xconcur", "-Xgroup", "G"],
        "swsrp0002",
        2,
    );
    set_rate(&s, "B1", Rate::Paused);
    let (i1, i3) = (read(&s, "/dev/hdisk1"), read(&s, "/dev/hdisk3"));
    assert_eq!(
        ok(&s, MAKE, &["-Xgroup", "G", "-Xconcur-opc"]),
        "GROUP=G swsrpmake completed\n"
    );
    for (a, b) in [
        ("/dev/hdisk1", "/dev/hdisk2"),
        ("/dev/hdisk3", "/dev/hdisk4"),
    ] {
        let x = must(&s, a, b);
        assert_eq!((x.kind, x.phase), (CopyKind::Opc, Phase::Copying));
    }
    write(&s, "/dev/hdisk1", 0, 4096, 8);
    assert_eq!(read(&s, "/dev/hdisk2"), i1);
    assert_eq!(read(&s, "/dev/hdisk4"), i3);
    // Re-run with -T: copies stopped, QuickOPC defined and started together.
    ok(&s, MAKE, &["-T", "-Xconcur-opc", "-Xgroup", "G"]);
    set_rate(&s, "B1", Rate::Unlimited);
    wait_phase(&s, "/dev/hdisk1", "/dev/hdisk2", Phase::Tracking);
    wait_phase(&s, "/dev/hdisk3", "/dev/hdisk4", Phase::Tracking);
    // -T pre-check: tracking and non-tracking pairs mixed.
    setvol(&s, &["-Xgroup", "G", "/dev/hdisk5", "/dev/hdisk6"]);
    refused(
        &s,
        MAKE,
        &["-T", "-Xconcur-opc", "-Xgroup", "G"],
        "swsrp1608",
        1,
    );
    // Without -T the mix is fine.
    set_rate(&s, "B1", Rate::Paused);
    ok(&s, MAKE, &["-Xconcur-opc", "-Xgroup", "G"]);
    assert_eq!(must(&s, "/dev/hdisk5", "/dev/hdisk6").kind, CopyKind::Opc);
    assert_eq!(must(&s, "/dev/hdisk1", "/dev/hdisk2").kind, CopyKind::Opc);
}

/// Manual 8.3.2.2, Concurrent OPC with -T: a pair in "snap" (Trk off) has its
/// copy terminated and QuickOPC started anew; an OPC that finished in the
/// meantime leaves the pair in "Copy is not executed", which is simply
/// started. So whenever the group's OPCs finish while the command runs, every
/// round must end with the whole group restarted as QuickOPC, never with
/// `swsrp0634 ... the copy session does not exist` and the group left bare.
///
/// At `unlimited` the simulator finishes every copy in the command's first
/// array access, before any status is read; copies finish *between* two of its
/// accesses only when they move on meanwhile, as at a fast finite rate or on a
/// real box at full speed. Rounds alternate: `unlimited`, and the box paused
/// while another thread copies in small steps as the command runs (which hits
/// the window in a few rounds, whatever the machine's speed).
#[test]
fn concurrent_quickopc_over_opcs_finishing_meanwhile() {
    remake_while_opcs_finish(&["-T", "-Xgroup", "G", "-Xconcur-opc"], CopyKind::QuickOpc);
}

/// The same window for an ordinary `swsrpmake` of a group pair by pair: an
/// OPC re-run stops the observed copy first, and a copy that finished in
/// between is nothing to stop, never `swsrp0634`.
#[test]
fn opc_rerun_over_opcs_finishing_meanwhile() {
    remake_while_opcs_finish(&["-Xgroup", "G"], CopyKind::Opc);
}

/// Rounds of `swsrpmake -Xgroup G -Xconcur-opc` (OPC) then `swsrpmake again`
/// while the group's copies finish; each must end with every pair `kind`
/// and its replica equal to its original.
fn remake_while_opcs_finish(again: &[&str], kind: CopyKind) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};
    let (s, _) = world2(12, 0, 0);
    let pairs: Vec<(String, String)> = (0..6)
        .map(|i| {
            (
                format!("/dev/hdisk{}", 2 * i + 1),
                format!("/dev/hdisk{}", 2 * i + 2),
            )
        })
        .collect();
    for (i, (o, r)) in pairs.iter().enumerate() {
        setvol(&s, &["-Xgroup", "G", o, r]);
        write(&s, o, 0, LUN as usize, i as u8 + 1);
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    for round in 0..40u32 {
        if Instant::now() > deadline {
            break;
        }
        // 0: unlimited; 1..=3: steps of 256 KiB, 512 KiB, 1 MiB.
        let step = match round % 4 {
            0 => None,
            n => Some(128u64 << (10 + n)),
        };
        let rate = if step.is_some() {
            Rate::Paused
        } else {
            Rate::Unlimited
        };
        set_rate(&s, "B1", rate);
        ok(&s, MAKE, &["-Xgroup", "G", "-Xconcur-opc"]);
        let stop = AtomicBool::new(false);
        let out = std::thread::scope(|scope| {
            if let Some(step) = step {
                let (s, stop) = (&s, &stop);
                scope.spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        with_array(s, |a| {
                            let bid = a.bid_by_name("B1").unwrap();
                            a.advance(&bid, step).unwrap();
                        });
                        std::thread::sleep(Duration::from_millis(1));
                    }
                });
            }
            let out = run(&s, MAKE, again);
            stop.store(true, Ordering::Relaxed);
            out
        });
        assert!(
            out.status.success(),
            "round {round} ({rate:?}): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "GROUP=G swsrpmake completed\n"
        );
        set_rate(&s, "B1", Rate::Unlimited);
        for (o, r) in &pairs {
            // A finished OPC leaves no session; QuickOPC keeps tracking.
            match session(&s, o, r) {
                Some(x) => assert_eq!(x.kind, kind, "round {round}: {o}"),
                None => assert_eq!(kind, CopyKind::Opc, "round {round}: {o} has no session"),
            }
            assert_eq!(read(&s, r), read(&s, o), "round {round}: {r}");
        }
    }
}

#[test]
fn concurrent_opc_refuses_a_group_with_a_synchronized_pair() {
    let (s, _) = world2(4, 0, 0);
    setvol(&s, &["-Xgroup", "H", "/dev/hdisk1", "/dev/hdisk2"]);
    setvol(&s, &["-Xgroup", "H", "/dev/hdisk3", "/dev/hdisk4"]);
    start_sync(&s, "/dev/hdisk3", "/dev/hdisk4", None);
    let e = refused(&s, MAKE, &["-Xconcur-opc", "-Xgroup", "H"], "swsrp1607", 1);
    assert!(e.contains("/dev/hdisk3@SV1"), "{e}");
    assert!(session(&s, "/dev/hdisk1", "/dev/hdisk2").is_none());
}

// ----------------------------------------------------------------- groups

#[test]
fn groups_refuse_a_mix_and_stop_at_the_first_error() {
    let (s, _) = world2(8, 1, 0);
    setvol(&s, &["-Xgroup", "G", "/dev/hdisk1", "/dev/hdisk2"]);
    setvol(&s, &["-Xgroup", "G", "/dev/hdisk3", "/dev/hdisk4"]);
    // Snapshot-type and synchronous-type statuses mixed: nothing is copied.
    start_sync(&s, "/dev/hdisk3", "/dev/hdisk4", None);
    set_rate(&s, "B1", Rate::Paused);
    ok(&s, MAKE, &["/dev/hdisk1", "/dev/hdisk2"]);
    let id = must(&s, "/dev/hdisk1", "/dev/hdisk2").id;
    refused(&s, MAKE, &["-Xgroup", "G"], "swsrp1606", 1);
    assert_eq!(must(&s, "/dev/hdisk1", "/dev/hdisk2").id, id);
    // Processed in order, stopping at the first error: the first pair is
    // copied, the SDV destination of the second refuses OPC.
    setvol(&s, &["-Xgroup", "K", "/dev/hdisk5", "/dev/hdisk6"]);
    setvol(&s, &["-Xgroup", "K", "/dev/hdisk3", "/dev/hdisk9"]);
    let out = run(&s, MAKE, &["-Xgroup", "K"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("swsrp1605 "), "{err}");
    assert!(session(&s, "/dev/hdisk5", "/dev/hdisk6").is_some());
    assert!(session(&s, "/dev/hdisk3", "/dev/hdisk9").is_none());
    // A group of plain pairs, reversed.
    setvol(&s, &["-Xgroup", "R", "/dev/hdisk7", "/dev/hdisk8"]);
    assert_eq!(
        ok(&s, MAKE, &["-Xgroup", "R", "-Xreverse"]),
        "GROUP=R swsrpmake completed\n"
    );
    assert!(session(&s, "/dev/hdisk8", "/dev/hdisk7").is_some());
}

// ----------------------------------------------------------------- scripts, Table C.1

fn install_scripts(s: &Scratch, codes: &[(&str, i32)]) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = s.root().join("etc/opt/FJSVswsrp/sh");
    std::fs::create_dir_all(&dir).unwrap();
    let log = s.root().join("scripts.log");
    for name in ["RepSrc.pre", "RepSrc.post", "RepDst.pre", "RepDst.post"] {
        let code = codes.iter().find(|c| c.0 == name).map_or(0, |c| c.1);
        let p = dir.join(name);
        std::fs::write(
            &p,
            format!(
                "#!/bin/sh\necho \"$(basename $0) $*\" >> {}\nexit {code}\n",
                log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    log
}

fn take_log(log: &std::path::Path) -> Vec<String> {
    let t = std::fs::read_to_string(log).unwrap_or_default();
    let _ = std::fs::remove_file(log);
    t.lines().map(str::to_string).collect()
}

#[test]
fn scripts_follow_table_c1() {
    let (s, _) = world2(6, 0, 0);
    let log = install_scripts(&s, &[]);
    let (a, b) = ("/dev/hdisk1", "/dev/hdisk2");
    setvol(&s, &[a, b]);
    ok(&s, MAKE, &[a, b]);
    assert_eq!(
        take_log(&log),
        [
            "RepSrc.pre /dev/hdisk1 reserve",
            "RepDst.pre /dev/hdisk2 reserve",
            "RepSrc.post /dev/hdisk1",
            "RepDst.post /dev/hdisk2"
        ]
    );
    ok(&s, MAKE, &["-f", a, b]);
    assert_eq!(
        take_log(&log),
        ["RepDst.pre /dev/hdisk2 reserve", "RepDst.post /dev/hdisk2"]
    );
    ok(&s, MAKE, &["-t", "-T", a, b]);
    assert_eq!(
        take_log(&log),
        ["RepSrc.pre /dev/hdisk1 reserve", "RepSrc.post /dev/hdisk1"]
    );
    ok(&s, MAKE, &["-f", "-t", a, b]);
    assert!(take_log(&log).is_empty());
    // EC from equivalency: source pre before, source and destination post after.
    setvol(&s, &["/dev/hdisk3", "/dev/hdisk4"]);
    start_sync(&s, "/dev/hdisk3", "/dev/hdisk4", None);
    wait_phase(&s, "/dev/hdisk3", "/dev/hdisk4", Phase::Equivalent);
    ok(&s, MAKE, &["/dev/hdisk3", "/dev/hdisk4"]);
    assert_eq!(
        take_log(&log),
        [
            "RepSrc.pre /dev/hdisk3 reserve",
            "RepSrc.post /dev/hdisk3",
            "RepDst.post /dev/hdisk4"
        ]
    );
    // Groups run none.
    setvol(&s, &["-Xgroup", "G", "/dev/hdisk5", "/dev/hdisk6"]);
    ok(&s, MAKE, &["-Xgroup", "G"]);
    assert!(take_log(&log).is_empty());
    // Nothing is left due for swsrprecoverres.
    assert!(no_post_due(&s));
}

/// Whether no post-processing is left due (`swsrppost.json`).
fn no_post_due(s: &Scratch) -> bool {
    let p = s.root().join("etc/opt/FJSVswsrp/data/swsrppost.json");
    let Ok(t) = std::fs::read_to_string(p) else {
        return true;
    };
    let v: serde_json::Value = serde_json::from_str(&t).unwrap();
    fn empty(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::Object(m) => match m.get("due") {
                Some(d) => d.as_array().is_some_and(|a| a.is_empty()),
                None => m.values().all(empty),
            },
            _ => true,
        }
    }
    empty(&v)
}

#[test]
fn failing_scripts() {
    let (s, _) = world2(2, 0, 0);
    let (a, b) = ("/dev/hdisk1", "/dev/hdisk2");
    setvol(&s, &[a, b]);
    // A failing pre-processing: swsrp2613 with its code, no copy, the source undone.
    let log = install_scripts(&s, &[("RepDst.pre", 3)]);
    let e = refused(&s, MAKE, &[a, b], "swsrp2613", 1);
    assert!(e.contains("Error Code = 3"), "{e}");
    assert!(session(&s, a, b).is_none());
    assert_eq!(
        take_log(&log),
        [
            "RepSrc.pre /dev/hdisk1 reserve",
            "RepDst.pre /dev/hdisk2 reserve",
            "RepSrc.post /dev/hdisk1"
        ]
    );
    assert!(no_post_due(&s));
    // A failing post-processing: the copy is made, swsrp2614, exit 1.
    let log = install_scripts(&s, &[("RepSrc.post", 4)]);
    set_rate(&s, "B1", Rate::Paused);
    let out = run(&s, MAKE, &[a, b]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("swsrp2614 ") && err.contains("Error Code = 4"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    assert!(session(&s, a, b).is_some());
    assert_eq!(
        take_log(&log),
        [
            "RepSrc.pre /dev/hdisk1 reserve",
            "RepDst.pre /dev/hdisk2 reserve",
            "RepSrc.post /dev/hdisk1",
            "RepDst.post /dev/hdisk2"
        ]
    );
}

// ----------------------------------------------------------------- refusals

#[test]
fn usage_errors_and_simple_refusals() {
    let (s, _) = world2(2, 0, 0);
    setvol(&s, &["/dev/hdisk1", "/dev/hdisk2"]);
    for args in [
        &["-j", "-T", "/dev/hdisk1", "/dev/hdisk2"][..],
        &["-Xconcur", "-P", "/dev/hdisk1", "/dev/hdisk2"],
        &["-j", "-Xconcur", "/dev/hdisk1", "/dev/hdisk2"],
        &["-T", "-C", "/dev/hdisk1", "/dev/hdisk2"],
        &["-C", "-P", "/dev/hdisk1", "/dev/hdisk2"],
        &["-Xconcur-opc", "/dev/hdisk1", "/dev/hdisk2"],
        &["-Xreverse", "/dev/hdisk1", "/dev/hdisk2"],
        &["/dev/hdisk1"],
        &["-Xgroup", "G", "/dev/hdisk1", "/dev/hdisk2"],
        &["-Z", "/dev/hdisk1", "/dev/hdisk2"],
    ] {
        refused(&s, MAKE, args, "swsrp0002", 2);
    }
    refused(&s, MAKE, &["/dev/hdisk2", "/dev/hdisk3"], "swsrp1302", 1);
    refused(&s, MAKE, &["-Xgroup", "NOPE"], "swsrp1304", 1);
    refused(
        &s,
        MAKE,
        &["-h", "SV9", "/dev/hdisk1", "/dev/hdisk2"],
        "swsrp0906",
        1,
    );
    assert!(sessions(&s, "/dev/hdisk1").is_empty());
    // -h naming this server, options after the operands.
    assert_eq!(
        ok(&s, MAKE, &["/dev/hdisk1", "/dev/hdisk2", "-h", "SV1"]),
        done("/dev/hdisk1", "/dev/hdisk2")
    );
}

/// A site's time limit on the scripts (`script.ini`): a pre-processing script
/// that hangs is killed at the limit, swsrpmake fails with swsrp2616 naming
/// it, no copy is made, the source's pre-processing is undone, and nothing is
/// left held.
#[test]
fn a_hung_pre_processing_script_is_killed_at_its_limit() {
    use std::os::unix::fs::PermissionsExt;
    let (s, _) = world2(2, 0, 0);
    let (a, b) = ("/dev/hdisk1", "/dev/hdisk2");
    setvol(&s, &[a, b]);
    let log = install_scripts(&s, &[]);
    let dir = s.root().join("etc/opt/FJSVswsrp/sh");
    std::fs::write(dir.join("script.ini"), "TimeLimit=1\n").unwrap();
    let hung = dir.join("RepDst.pre");
    std::fs::write(&hung, "#!/bin/sh\nsleep 60\n").unwrap();
    std::fs::set_permissions(&hung, std::fs::Permissions::from_mode(0o755)).unwrap();
    let started = std::time::Instant::now();
    let e = refused(&s, MAKE, &[a, b], "swsrp2616", 1);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(e.contains("RepDst.pre") && e.contains("1 seconds"), "{e}");
    assert!(session(&s, a, b).is_none());
    assert_eq!(
        take_log(&log),
        ["RepSrc.pre /dev/hdisk1 reserve", "RepSrc.post /dev/hdisk1"]
    );
    // Nothing is held: with the script fixed, the replica is made at once.
    install_scripts(&s, &[]);
    set_rate(&s, "B1", Rate::Paused);
    ok(&s, MAKE, &[a, b]);
    assert!(session(&s, a, b).is_some());
}
