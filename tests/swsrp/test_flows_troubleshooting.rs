//! The troubleshooting procedures of manual 7.4.2 as whole scripted
//! procedures through the commands, against the simulated array:
//! a bad sector in the copy source (7.4.2.2), a copy destination out of physical
//! space (7.4.2.3) and an REC halt with Manual Recovery (7.4.2.4). Automatic
//! Recovery after a halt is covered end to end by
//! `test_swsrpstartsync::rec_through_a_link_outage`.

use crate::common;

use acm_replication::session::State;
use acm_scsi::model::{CopyError, CopyKind, ErrorReason, HaltDetail};
use acm_sim::state::Rate;
use acm_testkit::Scratch;
use common::*;

fn done(cmd: &str, from: &str, to: &str) -> String {
    format!("FROM={from}@SV1,TO={to}@SV1 {cmd} completed\n")
}

/// Status with `-O` (error details).
fn status_o(s: &Scratch, orig: &str) -> Vec<Vec<String>> {
    tokens(&ok(s, "swsrpstat", &["-O", orig]))
}

/// Status with `-H` (halt details).
fn status_h(s: &Scratch, orig: &str) -> String {
    tokens(&ok(s, "swsrpstat", &["-H", orig]))[1][4].clone()
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

// ----------------------------------------------------------------- 7.4.2.2

/// Table 7.7 case a: a bad sector appears in the source while QuickOPC tracks
/// (after the physical copy). The box error-suspends at once (0xBA). Recovery:
/// swsrpcancel → swsrpstat → restoration method 3 (swsrpmake from the copy
/// destination of the failed copy) → the copy is taken again.
#[test]
fn bad_sector_in_the_source_during_quickopc_tracking() {
    let (s, _) = world2(2, 0, 0);
    let (a, b) = ("/dev/hdisk1", "/dev/hdisk2");
    write(&s, a, 0, LUN as usize, 1);
    ok(&s, "swsrpsetvol", &[a, b]);
    assert_eq!(ok(&s, "swsrpmake", &["-T", a, b]), done("swsrpmake", a, b));
    let r = wait_status(&s, a, "----");
    assert_eq!(r[6], "on", "tracking: {r:?}");
    let good = read(&s, a);
    assert_eq!(read(&s, b), good);

    // The fault: block 300 of the source goes bad.
    bad_sector(&s, a, 300);
    let r = stat_row(&s, a);
    assert_eq!(r[4], "failed", "{r:?}");
    assert_eq!(status_o(&s, a)[1][4], "failed(badsector)");
    assert!(matches!(
        state(&s, a),
        State::Failed(ErrorReason::BadSector)
    ));
    // The host cannot read the area; the rest of the source is readable.
    let (_, olu) = lun_of(&s, a);
    let err = with_array(&s, |x| {
        let bid = x.bid_by_name("B1").unwrap();
        let mut buf = vec![0u8; 4096];
        x.read_view(&bid, olu, 299 * 512, &mut buf).unwrap_err()
    });
    assert_eq!(err, CopyError::BadSector(300));

    // 1. swsrpcancel the failed copy.
    assert_eq!(ok(&s, "swsrpcancel", &[a, b]), done("swsrpcancel", a, b));
    // 2. swsrpstat: no other error, nothing runs on the pair.
    let r = stat_row(&s, a);
    assert_eq!(r[4..7], ["----", "----", "----"], "{r:?}");
    assert!(sessions(&s, a).is_empty());
    // 3. Restoration method 3: restore from the copy destination (an OPC the
    //    other way), which writes over the bad sector.
    assert_eq!(ok(&s, "swsrpmake", &[b, a]), done("swsrpmake", b, a));
    wait_status(&s, a, "----");
    assert!(sessions(&s, a).is_empty(), "the restore OPC completed");
    assert_eq!(read(&s, a), good, "source restored from the replica");
    // The copy is taken again and the replica follows the source.
    write(&s, a, 0, 8192, 77);
    ok(&s, "swsrpmake", &["-T", a, b]);
    let r = wait_status(&s, a, "----");
    assert_eq!(r[6], "on");
    assert_eq!(read(&s, b), read(&s, a));
    assert_ne!(read(&s, b), good);
}

/// Table 7.7 case b: a bad sector in the source of a suspended EC (replication
/// established). swsrpstartsync is refused while failed; recovery: swsrpcancel
/// → swsrpstat → restoration method 2 (write the area again through the host
/// path, as dd would) → swsrpstartsync → swsrpmake → replica equals source.
#[test]
fn bad_sector_in_the_source_of_a_suspended_ec() {
    let (s, _) = world2(2, 0, 0);
    let (a, b) = ("/dev/hdisk1", "/dev/hdisk2");
    write(&s, a, 0, LUN as usize, 2);
    ok(&s, "swsrpsetvol", &[a, b]);
    ok(&s, "swsrpstartsync", &[a, b]);
    wait_status(&s, a, "equivalent");
    assert_eq!(ok(&s, "swsrpmake", &[a, b]), done("swsrpmake", a, b));
    assert_eq!(stat_row(&s, a)[4], "replicated");
    write(&s, a, 65536, 4096, 3);

    bad_sector(&s, a, 2048);
    assert_eq!(stat_row(&s, a)[4], "failed");
    assert_eq!(status_o(&s, a)[1][4], "failed(badsector)");
    // The resume that would copy the bad data is refused.
    let e = refused(&s, "swsrpstartsync", &[a, b], "swsrp1507", 1);
    assert!(e.contains("failed"), "{e}");
    assert!(try_read(&s, a).is_err());

    // 1-2. Cancel and check.
    assert_eq!(ok(&s, "swsrpcancel", &[a, b]), done("swsrpcancel", a, b));
    assert_eq!(stat_row(&s, a)[4], "----");
    assert!(sessions(&s, a).is_empty());
    // 3. Restoration method 2: the unused area is written again.
    write(&s, a, 2048 * 512, 64 << 10, 4);
    let repaired = try_read(&s, a).expect("the bad sector is overwritten");
    assert_eq!(
        repaired[2048 * 512..2048 * 512 + 4096],
        pattern(64 << 10, 4)[..4096]
    );
    // The synchronous processing runs again, from a total copy.
    assert_eq!(
        ok(&s, "swsrpstartsync", &[a, b]),
        done("swsrpstartsync", a, b)
    );
    let i = wait_state(&s, a, State::Equivalent);
    assert_eq!(i.copied_bytes, LUN, "a total copy");
    ok(&s, "swsrpmake", &[a, b]);
    assert_eq!(stat_row(&s, a)[4], "replicated");
    assert_eq!(read(&s, b), repaired);
    assert_eq!(read(&s, b), read(&s, a));
}

/// A bad sector met by the physical copy of an ordinary OPC: the copy
/// error-suspends (`failed(badsector)`). Recovery: swsrpcancel, write the area
/// again, swsrpmake again; the replica then equals the source.
#[test]
fn bad_sector_met_by_the_opc_physical_copy() {
    let (s, _) = world2(2, 0, 0);
    let (a, b) = ("/dev/hdisk1", "/dev/hdisk2");
    write(&s, a, 0, LUN as usize, 5);
    ok(&s, "swsrpsetvol", &[a, b]);
    set_rate(&s, "B1", Rate::Paused);
    ok(&s, "swsrpmake", &[a, b]);
    assert_eq!(stat_row(&s, a)[4], "snap");
    // The sector goes bad before the copy reaches it.
    let last = LUN / 512 - 1;
    bad_sector(&s, a, last);
    assert_eq!(stat_row(&s, a)[4], "snap", "the fault waits for the copy");
    set_rate(&s, "B1", Rate::Unlimited);
    wait_status(&s, a, "failed");
    assert_eq!(status_o(&s, a)[1][4], "failed(badsector)");
    let i = sessions(&s, a);
    assert_eq!((i.len(), i[0].kind), (1, CopyKind::Opc));

    ok(&s, "swsrpcancel", &[a, b]);
    assert_eq!(stat_row(&s, a)[4], "----");
    write(&s, a, last * 512, 512, 6);
    assert_eq!(ok(&s, "swsrpmake", &[a, b]), done("swsrpmake", a, b));
    wait_status(&s, a, "----");
    assert!(sessions(&s, a).is_empty(), "the OPC completed");
    assert_eq!(read(&s, b), read(&s, a));
    assert_eq!(read(&s, b)[(last * 512) as usize..], pattern(512, 6)[..]);
}

// ----------------------------------------------------------------- 7.4.2.3

/// SnapOPC: copy-on-write traffic beyond the Snap Data Volume and the Snap Data
/// Pool gives `failed(overflow)`; the SDV can be neither read nor written.
/// Recovery: swsrpcancel → swstsdv stat/init → expand the pool → swsrpmake -C
/// again; the new snapshot holds its point in time through the same traffic.
#[test]
fn snapopc_destination_out_of_space() {
    // hdisk2 is a Snap Data Volume of 1 MiB physical; the pool is emptied.
    let (s, _) = world2(1, 1, 0);
    let (a, sdv) = ("/dev/hdisk1", "/dev/hdisk2");
    set_pool(&s, "B1", 0);
    write(&s, a, 0, LUN as usize, 1);
    ok(&s, "swsrpsetvol", &[a, sdv]);
    assert_eq!(
        ok(&s, "swsrpmake", &["-C", a, sdv]),
        done("swsrpmake", a, sdv)
    );
    let image = read(&s, a);
    // Within the SDV's own room: still copy-on-write, the snapshot holds.
    write(&s, a, 0, 512 << 10, 2);
    assert_eq!(stat_row(&s, a)[4], "copy-on-write");
    assert_eq!(read(&s, sdv), image);
    // Beyond it: error suspend for lack of space (0x1E/0x2E/0xBB).
    write(&s, a, 0, LUN as usize, 3);
    assert_eq!(stat_row(&s, a)[4], "failed");
    assert_eq!(status_o(&s, a)[1][4], "failed(overflow)");
    assert_eq!(try_read(&s, sdv).unwrap_err(), CopyError::CapacityExhausted);
    // The SDV cannot be initialised while its session exists.
    assert!(swstsdv(&s, "init", sdv).is_err());

    // 1. swsrpcancel.
    assert_eq!(
        ok(&s, "swsrpcancel", &[a, sdv]),
        done("swsrpcancel", a, sdv)
    );
    assert_eq!(stat_row(&s, a)[4], "----");
    // 2. swstsdv stat, then init.
    let st = swstsdv(&s, "stat", sdv).unwrap();
    assert!(st.starts_with("BoxID = "), "{st}");
    assert_eq!(
        swstsdv(&s, "init", sdv).unwrap(),
        "swstsdv init completed\n"
    );
    assert!(read(&s, sdv).iter().all(|&x| x == 0), "initialised");
    // Cause a (under-estimate): the pool is expanded (an SDPV is created).
    set_pool(&s, "B1", 16 << 20);
    // The copy is taken again.
    assert_eq!(
        ok(&s, "swsrpmake", &["-C", a, sdv]),
        done("swsrpmake", a, sdv)
    );
    let image = read(&s, a);
    write(&s, a, 0, LUN as usize, 4);
    assert_eq!(stat_row(&s, a)[4], "copy-on-write");
    assert_eq!(status_o(&s, a)[1][4], "copy-on-write");
    assert_eq!(read(&s, sdv), image);
    assert_ne!(read(&s, a), image);
}

/// SnapOPC+: when the newest generation runs out of space it and every older
/// generation fail. Recovery: swsrpcancel -Xforce of the newest (stops it and
/// the older ones) → swstsdv init on each SDV → expand the pool → swsrpmake -P
/// again per generation; each generation holds its own point in time.
#[test]
fn snapopc_plus_destination_out_of_space() {
    // hdisk2, hdisk3 are Snap Data Volumes.
    let (s, _) = world2(1, 2, 0);
    let (a, g1, g2) = ("/dev/hdisk1", "/dev/hdisk2", "/dev/hdisk3");
    set_pool(&s, "B1", 0);
    write(&s, a, 0, LUN as usize, 1);
    ok(&s, "swsrpsetvol", &[a, g1]);
    ok(&s, "swsrpsetvol", &[a, g2]);
    ok(&s, "swsrpmake", &["-P", a, g1]);
    write(&s, a, 0, 256 << 10, 2);
    ok(&s, "swsrpmake", &["-P", a, g2]);
    let r = tokens(&ok(&s, "swsrpstat", &["-L", a]));
    assert_eq!(r[1][4], "copy-on-write(inactive)");
    assert_eq!(r[2][4], "copy-on-write(active)");
    write(&s, a, 0, LUN as usize, 3);
    let r = tokens(&ok(&s, "swsrpstat", &["-O", a]));
    assert_eq!(r.len(), 3, "{r:?}");
    assert_eq!(r[1][4], "failed(overflow)");
    assert_eq!(r[2][4], "failed(overflow)");
    assert!(try_read(&s, g1).is_err());
    assert!(try_read(&s, g2).is_err());

    // 1. Cancel: the newest with -Xforce stops the older generation too.
    assert_eq!(
        ok(&s, "swsrpcancel", &["-Xforce", a, g2]),
        done("swsrpcancel", a, g2)
    );
    assert!(sessions(&s, a).is_empty());
    // 2. Initialise both SDVs.
    for g in [g1, g2] {
        assert!(swstsdv(&s, "stat", g).is_ok());
        assert_eq!(swstsdv(&s, "init", g).unwrap(), "swstsdv init completed\n");
    }
    set_pool(&s, "B1", 16 << 20);
    // Redo the generations.
    let first = read(&s, a);
    ok(&s, "swsrpmake", &["-P", a, g1]);
    write(&s, a, 0, LUN as usize, 4);
    let second = read(&s, a);
    ok(&s, "swsrpmake", &["-P", a, g2]);
    write(&s, a, 0, LUN as usize, 5);
    let r = tokens(&ok(&s, "swsrpstat", &["-O", a]));
    assert_eq!(r[1][4], "copy-on-write(inactive)");
    assert_eq!(r[2][4], "copy-on-write(active)");
    assert_eq!(read(&s, g1), first);
    assert_eq!(read(&s, g2), second);
}

// ----------------------------------------------------------------- 7.4.2.4

/// halt(equivalent) with Manual Recovery, in volume units and in group units:
/// remove the cause (path up) → the REC stays halted → swsrpmake -j (forced
/// suspend) → swsrpstartsync -t → equivalent → swsrpmake; the replicas then
/// hold everything written during the halt.
#[test]
fn rec_halt_with_manual_recovery() {
    // hdisk1..3 on B1, hdisk4..6 on B2.
    let (s, _) = world2(3, 0, 3);
    let (a, ra) = ("/dev/hdisk1", "/dev/hdisk4");
    ok(&s, "swsrpsetvol", &[a, ra]);
    for (o, r) in [
        ("/dev/hdisk2", "/dev/hdisk5"),
        ("/dev/hdisk3", "/dev/hdisk6"),
    ] {
        ok(&s, "swsrpsetvol", &["-Xgroup", "G", o, r]);
    }
    for (n, d) in ["/dev/hdisk1", "/dev/hdisk2", "/dev/hdisk3"]
        .iter()
        .enumerate()
    {
        write(&s, d, 0, LUN as usize, n as u8 + 1);
    }
    ok(&s, "swsrpstartsync", &["-y", "-g", a, ra]);
    assert_eq!(
        ok(&s, "swsrpstartsync", &["-y", "-g", "-Xgroup", "G"]),
        "GROUP=G swsrpstartsync completed\n"
    );
    for d in ["/dev/hdisk1", "/dev/hdisk2", "/dev/hdisk3"] {
        wait_status(&s, d, "equivalent");
        assert_eq!(stat_col(&s, d, "Rcv"), "manual");
    }

    // All paths close.
    set_path(&s, false);
    for d in ["/dev/hdisk1", "/dev/hdisk2", "/dev/hdisk3"] {
        assert_eq!(stat_row(&s, d)[4], "halt");
        assert_eq!(status_h(&s, d), "halt(equivalent)");
    }
    // Automatic Split: the sources stay writable during the halt.
    for d in ["/dev/hdisk1", "/dev/hdisk2", "/dev/hdisk3"] {
        write(&s, d, 4096, 128 << 10, 9);
    }
    assert_ne!(read(&s, ra), read(&s, a));
    // 1. Remove the cause: Manual Recovery keeps the sessions halted.
    set_path(&s, true);
    assert!(matches!(state(&s, a), State::Halt(HaltDetail::Equivalent)));
    assert_eq!(stat_row(&s, "/dev/hdisk2")[4], "halt");
    let e = refused(&s, "swsrpstartsync", &["-t", a, ra], "swsrp1507", 1);
    assert!(e.contains("halt"), "{e}");
    refused(&s, "swsrpmake", &[a, ra], "swsrp1601", 1);
    // 2. Forced suspend.
    assert_eq!(
        ok(&s, "swsrpmake", &["-j", a, ra]),
        done("swsrpmake", a, ra)
    );
    assert_eq!(
        ok(&s, "swsrpmake", &["-j", "-Xgroup", "G"]),
        "GROUP=G swsrpmake completed\n"
    );
    for d in ["/dev/hdisk1", "/dev/hdisk2", "/dev/hdisk3"] {
        assert_eq!(stat_row(&s, d)[4], "replicated");
    }
    // 3. Resume with -t (mandatory after a forced suspend).
    assert_eq!(
        ok(&s, "swsrpstartsync", &["-t", a, ra]),
        done("swsrpstartsync", a, ra)
    );
    ok(&s, "swsrpstartsync", &["-t", "-Xgroup", "G"]);
    for d in ["/dev/hdisk1", "/dev/hdisk2", "/dev/hdisk3"] {
        let i = wait_state(&s, d, State::Equivalent);
        assert!(i.copied_bytes < LUN, "incremental: {}", i.copied_bytes);
        assert_eq!(stat_col(&s, d, "Rcv"), "manual", "modes kept");
    }
    // The replicas are made and hold what was written during the halt.
    ok(&s, "swsrpmake", &[a, ra]);
    ok(&s, "swsrpmake", &["-Xgroup", "G"]);
    for (o, r) in [
        (a, ra),
        ("/dev/hdisk2", "/dev/hdisk5"),
        ("/dev/hdisk3", "/dev/hdisk6"),
    ] {
        assert_eq!(stat_row(&s, o)[4], "replicated");
        let src = read(&s, o);
        assert_eq!(src[4096..4096 + 4096], pattern(128 << 10, 9)[..4096]);
        assert_eq!(read(&s, r), src, "{o} -> {r}");
    }
}
