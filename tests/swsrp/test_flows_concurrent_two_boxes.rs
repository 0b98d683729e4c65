//! Concurrent OPC (`swsrpmake -Xconcur-opc -Xgroup`) and Concurrent Suspend
//! (`swsrpmake -Xconcur -Xgroup`) on groups whose pairs span two boxes.
//!
//! What the manual allows: the group conditions (6.4.7.1) say nothing about
//! boxes (same servers, Op-Server and copy direction; one group per pair; no
//! duplicates), so a group may hold EC pairs of two boxes and REC pairs between
//! them. Concurrent Suspend suspends EC/REC sessions together (6.5.2.3);
//! Concurrent OPC's pre-checks (8.3.2.2) refuse a group holding a synchronized
//! replication pair, and with -T a mix of tracking and non-tracking pairs. The
//! array defines and starts Concurrent OPC sessions per box (the box of each
//! source); this implementation suspends/starts once per owner box.

use crate::common;

use acm_replication::session::State;
use acm_scsi::model::CopyKind;
use acm_sim::state::Rate;
use common::*;

const G_DONE: &str = "GROUP=G swsrpmake completed\n";

/// Concurrent Suspend of a group with an EC pair on B1, an REC pair B1 -> B2 and
/// an EC pair on B2: allowed; every replica holds the data at the suspend.
#[test]
fn concurrent_suspend_of_ec_and_rec_pairs_on_two_boxes() {
    // hdisk1..3 on B1, hdisk4..6 on B2.
    let (s, _) = world2(3, 0, 3);
    let pairs = [
        ("/dev/hdisk1", "/dev/hdisk2"), // EC in B1
        ("/dev/hdisk3", "/dev/hdisk4"), // REC B1 -> B2
        ("/dev/hdisk5", "/dev/hdisk6"), // EC in B2
    ];
    for (n, (o, r)) in pairs.iter().enumerate() {
        write(&s, o, 0, LUN as usize, n as u8 + 1);
        ok(&s, "swsrpsetvol", &["-Xgroup", "G", o, r]);
    }
    assert_eq!(
        ok(&s, "swsrpstartsync", &["-Xgroup", "G"]),
        "GROUP=G swsrpstartsync completed\n"
    );
    let kinds: Vec<CopyKind> = pairs
        .iter()
        .map(|(o, _)| wait_state(&s, o, State::Equivalent).kind)
        .collect();
    assert_eq!(kinds, [CopyKind::Ec, CopyKind::Rec, CopyKind::Ec]);
    for (o, _) in pairs {
        write(&s, o, 8192, 16 << 10, 40);
    }

    // Refused first: one pair (the REC) is halted, not equivalent. Nothing is
    // suspended, on either box.
    set_path(&s, false);
    let e = refused(
        &s,
        "swsrpmake",
        &["-Xconcur", "-Xgroup", "G"],
        "swsrp1601",
        1,
    );
    assert!(e.contains("/dev/hdisk3@SV1"), "{e}");
    assert_eq!(state(&s, "/dev/hdisk1"), State::Equivalent);
    assert_eq!(state(&s, "/dev/hdisk5"), State::Equivalent);
    set_path(&s, true);
    wait_state(&s, "/dev/hdisk3", State::Equivalent);

    // Allowed: all equivalent.
    let images: Vec<Vec<u8>> = pairs.iter().map(|(o, _)| read(&s, o)).collect();
    assert_eq!(ok(&s, "swsrpmake", &["-Xconcur", "-Xgroup", "G"]), G_DONE);
    for (i, (o, r)) in pairs.iter().enumerate() {
        assert_eq!(stat_row(&s, o)[4], "replicated", "{o}");
        assert_eq!(read(&s, r), images[i], "{o} -> {r}");
    }
    // Suspended: later writes stay on the originals.
    for (o, _) in pairs {
        write(&s, o, 0, 4096, 99);
    }
    for (i, (_, r)) in pairs.iter().enumerate() {
        assert_eq!(read(&s, r), images[i]);
    }
    // A second Concurrent Suspend: not equivalent any more.
    refused(
        &s,
        "swsrpmake",
        &["-Xconcur", "-Xgroup", "G"],
        "swsrp1601",
        1,
    );
}

/// Concurrent OPC of a group with one pair in B1 and one in B2: allowed; both
/// destinations hold the sources' data at the one point in time, with -T too.
#[test]
fn concurrent_opc_of_pairs_on_two_boxes() {
    // hdisk1, hdisk2 on B1; hdisk3, hdisk4 on B2.
    let (s, _) = world2(2, 0, 2);
    let pairs = [
        ("/dev/hdisk1", "/dev/hdisk2"),
        ("/dev/hdisk3", "/dev/hdisk4"),
    ];
    for (n, (o, r)) in pairs.iter().enumerate() {
        write(&s, o, 0, LUN as usize, n as u8 + 5);
        ok(&s, "swsrpsetvol", &["-Xgroup", "G", o, r]);
    }
    set_rate(&s, "B1", Rate::Paused);
    set_rate(&s, "B2", Rate::Paused);
    let images: Vec<Vec<u8>> = pairs.iter().map(|(o, _)| read(&s, o)).collect();
    assert_eq!(
        ok(&s, "swsrpmake", &["-Xconcur-opc", "-Xgroup", "G"]),
        G_DONE
    );
    for (o, _) in pairs {
        let v = sessions(&s, o);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].kind, CopyKind::Opc);
        assert_eq!(stat_row(&s, o)[4], "snap");
    }
    // The logical copies are taken: writes after it do not reach the replicas,
    // copied or not.
    for (o, _) in pairs {
        write(&s, o, 0, 64 << 10, 50);
    }
    for (i, (_, r)) in pairs.iter().enumerate() {
        assert_eq!(read(&s, r), images[i]);
    }
    set_rate(&s, "B1", Rate::Unlimited);
    set_rate(&s, "B2", Rate::Unlimited);
    for (i, (o, r)) in pairs.iter().enumerate() {
        wait_status(&s, o, "----");
        assert_eq!(read(&s, r), images[i]);
    }
    // QuickOPC with -T: total copy, then a differential one.
    assert_eq!(
        ok(&s, "swsrpmake", &["-T", "-Xconcur-opc", "-Xgroup", "G"]),
        G_DONE
    );
    for (o, r) in pairs {
        let row = wait_status(&s, o, "----");
        assert_eq!(row[6], "on", "{row:?}");
        assert_eq!(read(&s, r), read(&s, o));
        write(&s, o, 1 << 20, 8192, 60);
    }
    ok(&s, "swsrpmake", &["-T", "-Xconcur-opc", "-Xgroup", "G"]);
    for (o, r) in pairs {
        wait_status(&s, o, "----");
        assert_eq!(read(&s, r), read(&s, o));
    }
}

/// Concurrent OPC refuses (pre-check, nothing created) a group that also holds a
/// synchronized replication pair: an REC pair B1 -> B2, running or suspended.
#[test]
fn concurrent_opc_refuses_a_group_with_an_rec_pair() {
    // hdisk1..3 on B1; hdisk4 on B2.
    let (s, _) = world2(3, 0, 1);
    let (a, b) = ("/dev/hdisk1", "/dev/hdisk2");
    let (c, rc) = ("/dev/hdisk3", "/dev/hdisk4");
    ok(&s, "swsrpsetvol", &["-Xgroup", "G", a, b]);
    ok(&s, "swsrpsetvol", &["-Xgroup", "G", c, rc]);
    write(&s, a, 0, LUN as usize, 1);
    ok(&s, "swsrpstartsync", &[c, rc]);
    wait_state(&s, c, State::Equivalent);
    for opts in [
        &["-Xconcur-opc"][..],
        &["-T", "-Xconcur-opc"],
        &["-C", "-Xconcur-opc"],
    ] {
        let mut args = opts.to_vec();
        args.extend(["-Xgroup", "G"]);
        let e = refused(&s, "swsrpmake", &args, "swsrp1607", 1);
        assert!(e.contains("/dev/hdisk3@SV1"), "{e}");
        assert!(sessions(&s, a).is_empty(), "no copy created: {opts:?}");
        assert!(sessions(&s, b).is_empty());
    }
    // Suspended (replicated), it is still a synchronized pair.
    ok(&s, "swsrpmake", &[c, rc]);
    refused(
        &s,
        "swsrpmake",
        &["-Xconcur-opc", "-Xgroup", "G"],
        "swsrp1607",
        1,
    );
    assert!(sessions(&s, a).is_empty());
    assert_eq!(stat_row(&s, c)[4], "replicated");
    // Outside Concurrent OPC the intra-box pair is taken on its own.
    ok(&s, "swsrpmake", &[a, b]);
    wait_status(&s, a, "----");
    assert_eq!(read(&s, b), read(&s, a));
}

/// An inter-box pair whose REC has not started is a synchronized replication
/// pair too: OPC cannot copy between boxes. Concurrent OPC refuses it in the
/// pre-check, before any session is defined (no `readying` left behind), with
/// -Xreverse as well; Concurrent Suspend refuses it for want of a session.
#[test]
fn concurrent_opc_refuses_an_inter_box_pair_not_started() {
    let (s, _) = world2(3, 0, 1);
    let (a, b) = ("/dev/hdisk1", "/dev/hdisk2");
    let (c, rc) = ("/dev/hdisk3", "/dev/hdisk4");
    ok(&s, "swsrpsetvol", &["-Xgroup", "G", a, b]);
    ok(&s, "swsrpsetvol", &["-Xgroup", "G", c, rc]);
    for extra in [&[][..], &["-Xreverse"], &["-T"]] {
        let mut args = vec!["-Xconcur-opc", "-Xgroup", "G"];
        args.extend(extra);
        let e = refused(&s, "swsrpmake", &args, "swsrp1607", 1);
        assert!(e.contains("/dev/hdisk3@SV1"), "{e}");
        for d in [a, b, c, rc] {
            assert!(sessions(&s, d).is_empty(), "{d} after {args:?}");
        }
        assert_eq!(stat_row(&s, a)[4], "----");
    }
    let e = refused(
        &s,
        "swsrpmake",
        &["-Xconcur", "-Xgroup", "G"],
        "swsrp1611",
        1,
    );
    assert!(e.contains("/dev/hdisk1@SV1"), "{e}");
    assert!(sessions(&s, a).is_empty());
}
