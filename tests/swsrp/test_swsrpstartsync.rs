//! swsrpstartsync (manual 8.3.2.1, Table 8.5) end to end through the binaries,
//! against a simulated host with two boxes (EC within B1, REC from B1 to B2).

use crate::common;

use acm_replication::session::State;
use acm_scsi::model::{self as m, CopyKind};
use acm_sim::state::Rate;
use acm_testkit::Scratch;
use common::*;

const CMD: &str = "swsrpstartsync";

fn modes(s: &Scratch, orig: &str) -> [String; 3] {
    ["Xfer", "Split", "Rcv"].map(|c| stat_col(s, orig, c))
}

fn completed(from: &str, to: &str) -> String {
    format!("FROM={from}@SV1,TO={to}@SV1 swsrpstartsync completed\n")
}

fn write_bytes(s: &Scratch, dev: &str, off: u64, data: &[u8]) {
    let (name, olu) = lun_of(s, dev);
    with_array(s, |a| {
        let bid = a.bid_by_name(&name).unwrap();
        a.write_view(&bid, olu, off, data, None).unwrap();
    })
}

fn install_dst_pre(s: &Scratch, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = s.root().join("etc/opt/FJSVswsrp/sh");
    std::fs::create_dir_all(&dir).unwrap();
    let log = s.root().join("dstpre.log");
    let script = dir.join("RepDst.pre");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$@\" >> {}\n{body}\n", log.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    log
}

fn log_lines(log: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn ec_total_copy_reaches_equivalent_and_mirrors() {
    let (s, _) = world2(2, 0, 0);
    write(&s, "/dev/hdisk1", 0, LUN as usize, 7);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    assert_eq!(
        ok(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"]),
        completed("/dev/hdisk1", "/dev/hdisk2")
    );
    let i = wait_state(&s, "/dev/hdisk1", State::Equivalent);
    assert_eq!(i.kind, CopyKind::Ec);
    assert_eq!(i.rec, None);
    assert_eq!(read(&s, "/dev/hdisk2"), read(&s, "/dev/hdisk1"));
    // Equivalency is maintained: a write to the source reaches the replica.
    write(&s, "/dev/hdisk1", 8192, 4096, 99);
    assert_eq!(read(&s, "/dev/hdisk2"), read(&s, "/dev/hdisk1"));
    let row = wait_status(&s, "/dev/hdisk1", "equivalent");
    assert_eq!(row[3], "regular");
    assert_eq!(stat_col(&s, "/dev/hdisk1", "Xfer"), "----");
    // The destination is readable but not writable by default (Copy-DA off).
    assert!(try_read(&s, "/dev/hdisk2").is_ok());
    assert_eq!(stat_col(&s, "/dev/hdisk1", "Copy-DA"), "off");
}

#[test]
fn table_8_5_row_by_row() {
    let (s, _) = world2(2, 0, 0);
    write(&s, "/dev/hdisk1", 0, LUN as usize, 1);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    // Not started -> total copy; paused, it stays copying.
    set_rate(&s, "B1", Rate::Paused);
    ok(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"]);
    assert_eq!(state(&s, "/dev/hdisk1"), State::Copying);
    // Copying -> swsrp2401 on stdout, normal end, completion line after it.
    let out = ok(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("swsrp2401 FROM=/dev/hdisk1@SV1,TO=/dev/hdisk2@SV1"));
    assert!(lines[0].contains("already in progress (sync)"), "{out}");
    assert_eq!(
        format!("{}\n", lines[1]),
        completed("/dev/hdisk1", "/dev/hdisk2")
    );
    assert_eq!(sessions(&s, "/dev/hdisk1").len(), 1);
    // Equivalent -> swsrp2401 too.
    set_rate(&s, "B1", Rate::Unlimited);
    wait_state(&s, "/dev/hdisk1", State::Equivalent);
    let out = ok(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"]);
    assert!(out.starts_with("swsrp2401 "), "{out}");
    assert!(out.contains("(equivalent)"), "{out}");
    // Replicated -> incremental copy of what changed.
    suspend(&s, "/dev/hdisk1");
    write(&s, "/dev/hdisk1", 0, 65536, 42);
    assert_ne!(read(&s, "/dev/hdisk2"), read(&s, "/dev/hdisk1"));
    assert_eq!(
        ok(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"]),
        completed("/dev/hdisk1", "/dev/hdisk2")
    );
    let i = wait_state(&s, "/dev/hdisk1", State::Equivalent);
    assert!(i.copied_bytes < LUN, "incremental: {}", i.copied_bytes);
    assert_eq!(read(&s, "/dev/hdisk2"), read(&s, "/dev/hdisk1"));
    // The other direction while a regular session is replicated -> refused.
    suspend(&s, "/dev/hdisk1");
    let e = refused(&s, CMD, &["/dev/hdisk2", "/dev/hdisk1"], "swsrp1506", 1);
    assert!(e.contains("replicated"), "{e}");
    // Failed (error suspend) -> refused.
    ok(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"]);
    wait_state(&s, "/dev/hdisk1", State::Equivalent);
    let (_, olu) = lun_of(&s, "/dev/hdisk1");
    with_array(&s, |a| {
        let bid = a.bid_by_name("B1").unwrap();
        a.set_hardware_fault(&bid, olu, true).unwrap();
    });
    // A write to the faulty source error-suspends the session.
    with_array(&s, |a| {
        let bid = a.bid_by_name("B1").unwrap();
        let _ = a.write_view(&bid, olu, 0, &[1u8; 512], None);
    });
    assert!(matches!(state(&s, "/dev/hdisk1"), State::Failed(_)));
    let e = refused(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"], "swsrp1507", 1);
    assert!(e.contains("failed"), "{e}");
}

#[test]
fn snapshot_sessions_and_halt_are_refused() {
    let (s, b) = world2(2, 0, 1);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    ok(&s, "swsrpsetvol", &["/dev/hdisk3", "/dev/hdisk1@SV1"]);
    // An OPC session between hdisk1 and hdisk2.
    let (_, o1) = lun_of(&s, "/dev/hdisk1");
    let (_, o2) = lun_of(&s, "/dev/hdisk2");
    let id1 = m::BoxId::parse(&b.b1).unwrap();
    let blocks = LUN / 512;
    let ext = |olu| m::Extent {
        box_id: id1,
        olu,
        start_lba: 0,
        blocks,
    };
    set_rate(&s, "B1", Rate::Paused);
    with_array(&s, |a| {
        let bid = a.bid_by_name("B1").unwrap();
        a.start(
            &bid,
            &m::StartRequest {
                kind: CopyKind::QuickOpc,
                src: ext(o1),
                dst: ext(o2),
                rec: None,
                dest_access: m::DestAccess::ReadOnly,
                skip_initial_copy: false,
                define_only: false,
            },
        )
        .unwrap();
    });
    let e = refused(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"], "swsrp1508", 1);
    assert!(e.contains("snapshot"), "{e}");
    // Halt: REC hdisk3 (B2) -> hdisk1 (B1) with the path down.
    set_rate(&s, "B1", Rate::Unlimited);
    ok(&s, CMD, &["/dev/hdisk3", "/dev/hdisk1"]);
    set_path(&s, false);
    wait_state(&s, "/dev/hdisk3", State::Halt(m::HaltDetail::Equivalent));
    let e = refused(&s, CMD, &["/dev/hdisk3", "/dev/hdisk1"], "swsrp1507", 1);
    assert!(e.contains("halt"), "{e}");
}

#[test]
fn mode_options_only_at_an_inter_box_total_copy() {
    let (s, _) = world2(2, 0, 0);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    for opts in [
        &["-y"][..],
        &["-y", "-v"],
        &["-y", "-a"],
        &["-k"],
        &["-i"],
        &["-g"],
        &["-Xskip"],
    ] {
        let mut a = opts.to_vec();
        a.extend(["/dev/hdisk1", "/dev/hdisk2"]);
        refused(&s, CMD, &a, "swsrp1501", 1);
    }
    refused(
        &s,
        CMD,
        &["-Xremain", "/dev/hdisk1", "/dev/hdisk2"],
        "swsrp1502",
        1,
    );
    assert!(sessions(&s, "/dev/hdisk1").is_empty());
    // Usage errors.
    for a in [
        &["-a", "/dev/hdisk1", "/dev/hdisk2"][..],
        &["-v", "/dev/hdisk1", "/dev/hdisk2"],
        &["-y", "-k", "/dev/hdisk1", "/dev/hdisk2"],
        &["-k", "-i", "/dev/hdisk1", "/dev/hdisk2"],
        &["-Xskip", "-Xremain", "/dev/hdisk1", "/dev/hdisk2"],
        &["/dev/hdisk1"],
        &[],
        &["-Xreverse", "/dev/hdisk1", "/dev/hdisk2"],
        &["-Xgroup", "G", "/dev/hdisk1", "/dev/hdisk2"],
        &["-Z", "/dev/hdisk1", "/dev/hdisk2"],
    ] {
        refused(&s, CMD, a, "swsrp0002", 2);
    }
    // Pair not set, foreign server, bad group.
    refused(&s, CMD, &["/dev/hdisk2", "/dev/hdisk3"], "swsrp1302", 1);
    refused(&s, CMD, &["-Xgroup", "NOGRP"], "swsrp1304", 1);
    refused(
        &s,
        CMD,
        &["-h", "OTHER", "/dev/hdisk1", "/dev/hdisk2"],
        "swsrp0906",
        1,
    );
    // -Xda is valid at the start, refused on a resume.
    ok(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2", "-Xda"]);
    suspend(&s, "/dev/hdisk1");
    refused(
        &s,
        CMD,
        &["-Xda", "/dev/hdisk1", "/dev/hdisk2"],
        "swsrp1503",
        1,
    );
    // Mode options and -Xremain on an intra-box resume.
    refused(
        &s,
        CMD,
        &["-y", "/dev/hdisk1", "/dev/hdisk2"],
        "swsrp1501",
        1,
    );
    refused(
        &s,
        CMD,
        &["-Xremain", "/dev/hdisk1", "/dev/hdisk2"],
        "swsrp1502",
        1,
    );
    assert_eq!(state(&s, "/dev/hdisk1"), State::Replicated);
}

#[test]
fn rec_modes_and_the_resume_rule() {
    let (s, _) = world2(5, 0, 5);
    let cases: [(&[&str], [&str; 3]); 5] = [
        (&["-y"], ["sync", "auto", "auto"]),
        (&["-y", "-v"], ["sync", "manual", "auto"]),
        (&["-k"], ["stack", "----", "auto"]),
        (&["-i", "-g"], ["consist", "----", "manual"]),
        (&[], ["async", "----", "auto"]),
    ];
    for (n, (opts, want)) in cases.iter().enumerate() {
        let (o, r) = (
            format!("/dev/hdisk{}", n + 1),
            format!("/dev/hdisk{}", n + 6),
        );
        write(&s, &o, 0, LUN as usize, n as u8);
        ok(&s, "swsrpsetvol", &[&o, &r]);
        let mut a = opts.to_vec();
        a.extend([o.as_str(), r.as_str()]);
        assert_eq!(ok(&s, CMD, &a), completed(&o, &r));
        let i = wait_state(&s, &o, State::Equivalent);
        assert_eq!(i.kind, CopyKind::Rec);
        assert_eq!(modes(&s, &o), want.map(String::from), "{opts:?}");
        assert_eq!(read(&s, &r), read(&s, &o));
    }
    // Resume of the -y pair: other modes refused, the same or none accepted.
    suspend(&s, "/dev/hdisk1");
    for bad in [&["-k"][..], &["-y", "-v"], &["-y", "-g"], &["-i"]] {
        let mut a = bad.to_vec();
        a.extend(["/dev/hdisk1", "/dev/hdisk6"]);
        let e = refused(&s, CMD, &a, "swsrp1504", 1);
        assert!(e.contains("current Xfer=sync Split=auto Rcv=auto"), "{e}");
    }
    refused(
        &s,
        CMD,
        &["-Xskip", "/dev/hdisk1", "/dev/hdisk6"],
        "swsrp1501",
        1,
    );
    ok(&s, CMD, &["-y", "-a", "/dev/hdisk1", "/dev/hdisk6"]);
    wait_state(&s, "/dev/hdisk1", State::Equivalent);
    suspend(&s, "/dev/hdisk1");
    ok(&s, CMD, &["/dev/hdisk1", "/dev/hdisk6"]);
    wait_state(&s, "/dev/hdisk1", State::Equivalent);
    // The -i -g pair: -i -g matches, -i alone (automatic recovery) does not.
    suspend(&s, "/dev/hdisk4");
    refused(
        &s,
        CMD,
        &["-i", "/dev/hdisk4", "/dev/hdisk9"],
        "swsrp1504",
        1,
    );
    ok(&s, CMD, &["-g", "-i", "/dev/hdisk4", "/dev/hdisk9"]);
    wait_state(&s, "/dev/hdisk4", State::Equivalent);
    assert_eq!(modes(&s, "/dev/hdisk4"), ["consist", "----", "manual"]);
}

#[test]
fn rec_through_a_link_outage() {
    let (s, _) = world2(2, 0, 2);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk3"]);
    ok(&s, "swsrpsetvol", &["/dev/hdisk2", "/dev/hdisk4"]);
    ok(&s, CMD, &["-y", "/dev/hdisk1", "/dev/hdisk3"]);
    ok(&s, CMD, &["-y", "-g", "/dev/hdisk2", "/dev/hdisk4"]);
    wait_state(&s, "/dev/hdisk1", State::Equivalent);
    wait_state(&s, "/dev/hdisk2", State::Equivalent);
    set_path(&s, false);
    assert!(matches!(state(&s, "/dev/hdisk1"), State::Halt(_)));
    assert!(matches!(state(&s, "/dev/hdisk2"), State::Halt(_)));
    wait_status(&s, "/dev/hdisk1", "halt");
    // Automatic split: source writes go on while halted.
    write(&s, "/dev/hdisk1", 0, 8192, 5);
    write(&s, "/dev/hdisk2", 0, 8192, 5);
    refused(&s, CMD, &["/dev/hdisk1", "/dev/hdisk3"], "swsrp1507", 1);
    set_path(&s, true);
    // Automatic recovery: back to equivalent with the writes copied.
    wait_state(&s, "/dev/hdisk1", State::Equivalent);
    assert_eq!(read(&s, "/dev/hdisk3"), read(&s, "/dev/hdisk1"));
    // Manual recovery: stays halted.
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(matches!(state(&s, "/dev/hdisk2"), State::Halt(_)));
    assert_eq!(stat_col(&s, "/dev/hdisk2", "Status"), "halt");
}

#[test]
fn initial_copy_skip_then_remain() {
    let (s, _) = world2(2, 0, 2);
    for (o, r) in [
        ("/dev/hdisk1", "/dev/hdisk3"),
        ("/dev/hdisk2", "/dev/hdisk4"),
    ] {
        write(&s, o, 0, LUN as usize, 3);
        ok(&s, "swsrpsetvol", &[o, r]);
        write_bytes(&s, r, 0, &[9u8; 4096]);
        ok(&s, CMD, &["-Xskip", o, r]);
        // Established at once, nothing copied.
        assert_eq!(state(&s, o), State::Replicated);
        assert_eq!(stat_col(&s, o, "Status"), "replicated");
        assert_eq!(read(&s, r)[..4096], [9u8; 4096]);
        assert!(read(&s, r)[4096..].iter().all(|&b| b == 0));
        // The "tape restore" brings the source's data to the destination. (The
        // simulator counts destination writes while established as changes to
        // copy again, so the restore is written without a session here.)
        let data = read(&s, o);
        with_array(&s, |a| {
            let (name, olu) = lun_of(&s, r);
            let bid = a.bid_by_name(&name).unwrap();
            let id = a.session_infos(&bid, olu).unwrap()[0].id;
            let owner = a.bid_by_name("B1").unwrap();
            a.cancel(
                &owner,
                &m::CancelRequest {
                    id,
                    ..Default::default()
                },
            )
            .unwrap();
        });
        write_bytes(&s, r, 0, &data);
        ok(&s, CMD, &["-Xskip", o, r]);
        // The source changes a little.
        write(&s, o, 4096, 4096, 77);
    }
    // With -Xremain only the source's updates are copied.
    ok(&s, CMD, &["-Xremain", "/dev/hdisk1", "/dev/hdisk3"]);
    let i = wait_state(&s, "/dev/hdisk1", State::Equivalent);
    assert!(i.copied_bytes < LUN / 2, "remain copied {}", i.copied_bytes);
    assert_eq!(read(&s, "/dev/hdisk3"), read(&s, "/dev/hdisk1"));
    // Without it everything is copied.
    ok(&s, CMD, &["/dev/hdisk2", "/dev/hdisk4"]);
    let i = wait_state(&s, "/dev/hdisk2", State::Equivalent);
    assert_eq!(i.copied_bytes, LUN);
    assert_eq!(read(&s, "/dev/hdisk4"), read(&s, "/dev/hdisk2"));
}

#[test]
fn remain_is_refused_at_a_start() {
    let (s, _) = world2(1, 0, 1);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    refused(
        &s,
        CMD,
        &["-Xremain", "/dev/hdisk1", "/dev/hdisk2"],
        "swsrp1502",
        1,
    );
    assert!(sessions(&s, "/dev/hdisk1").is_empty());
}

#[test]
fn destination_access_off_with_xda() {
    let (s, _) = world2(4, 0, 0);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    ok(&s, "swsrpsetvol", &["/dev/hdisk3", "/dev/hdisk4"]);
    set_rate(&s, "B1", Rate::Paused);
    ok(&s, CMD, &["-Xda", "/dev/hdisk1", "/dev/hdisk2"]);
    ok(&s, CMD, &["/dev/hdisk3", "/dev/hdisk4"]);
    assert_eq!(
        try_read(&s, "/dev/hdisk2").unwrap_err(),
        m::CopyError::AccessDenied
    );
    assert!(try_read(&s, "/dev/hdisk4").is_ok());
    set_rate(&s, "B1", Rate::Unlimited);
    wait_state(&s, "/dev/hdisk1", State::Equivalent);
    assert!(try_read(&s, "/dev/hdisk2").is_err());
    assert_eq!(stat_col(&s, "/dev/hdisk1", "Copy-DA"), "on");
    assert_eq!(stat_col(&s, "/dev/hdisk3", "Copy-DA"), "off");
}

#[test]
fn destination_pre_processing_and_its_skips() {
    let (s, _) = world2(6, 0, 0);
    let log = install_dst_pre(&s, "exit 0");
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    ok(&s, "swsrpsetvol", &["/dev/hdisk3", "/dev/hdisk4"]);
    ok(
        &s,
        "swsrpsetvol",
        &["-Xgroup", "G", "/dev/hdisk5", "/dev/hdisk6"],
    );
    ok(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"]);
    assert_eq!(log_lines(&log), ["/dev/hdisk2 reserve"]);
    // swsrp2401: nothing started, nothing run.
    ok(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"]);
    assert_eq!(log_lines(&log).len(), 1);
    // Resume runs it again.
    suspend(&s, "/dev/hdisk1");
    ok(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"]);
    assert_eq!(log_lines(&log).len(), 2);
    // -t and -Xgroup skip it (-m only skips it for a destination on another server).
    ok(&s, CMD, &["-t", "/dev/hdisk3", "/dev/hdisk4"]);
    ok(&s, CMD, &["-Xgroup", "G"]);
    assert_eq!(log_lines(&log).len(), 2);
}

#[test]
fn failing_pre_processing_stops_the_start() {
    let (s, _) = world2(2, 0, 0);
    let log = install_dst_pre(&s, "exit 3");
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    let e = refused(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"], "swsrp2613", 1);
    assert!(e.contains("Error Code = 3"), "{e}");
    assert_eq!(log_lines(&log), ["/dev/hdisk2 reserve"]);
    assert!(sessions(&s, "/dev/hdisk1").is_empty());
    ok(&s, CMD, &["-t", "/dev/hdisk1", "/dev/hdisk2"]);
    assert_eq!(log_lines(&log).len(), 1);
}

#[test]
fn groups_in_order_stopping_at_the_first_error() {
    let (s, _) = world2(6, 0, 0);
    for (o, r) in [
        ("/dev/hdisk1", "/dev/hdisk2"),
        ("/dev/hdisk3", "/dev/hdisk4"),
        ("/dev/hdisk5", "/dev/hdisk6"),
    ] {
        ok(&s, "swsrpsetvol", &["-Xgroup", "GRP1", o, r]);
    }
    assert_eq!(
        ok(&s, CMD, &["-Xgroup", "GRP1"]),
        "GROUP=GRP1 swsrpstartsync completed\n"
    );
    for d in ["/dev/hdisk1", "/dev/hdisk3", "/dev/hdisk5"] {
        wait_state(&s, d, State::Equivalent);
    }
    // Run again: swsrp2401 for each, then the group line.
    let out = ok(&s, CMD, &["-Xgroup", "GRP1"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[..3].iter().all(|l| l.starts_with("swsrp2401 ")));
    assert_eq!(lines[3], "GROUP=GRP1 swsrpstartsync completed");
    // Reverse direction: the first pair's session is regular -> refused at once.
    suspend(&s, "/dev/hdisk1");
    suspend(&s, "/dev/hdisk3");
    suspend(&s, "/dev/hdisk5");
    refused(&s, CMD, &["-Xreverse", "-Xgroup", "GRP1"], "swsrp1506", 1);
    // Stop at the first error: the second pair fails, the third is untouched.
    ok(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"]);
    wait_state(&s, "/dev/hdisk1", State::Equivalent);
    let sid = sessions(&s, "/dev/hdisk3")[0].id;
    with_array(&s, |a| {
        let bid = a.bid_by_name("B1").unwrap();
        a.cancel(
            &bid,
            &m::CancelRequest {
                id: sid,
                ..Default::default()
            },
        )
        .unwrap();
    });
    // The second pair now copies the other way.
    ok(&s, CMD, &["/dev/hdisk4", "/dev/hdisk3"]);
    wait_state(&s, "/dev/hdisk4", State::Equivalent);
    let out = run(&s, CMD, &["-Xgroup", "GRP1"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("swsrp1506 "), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("swsrp2401 "), "{stdout}");
    assert!(!stdout.contains("GROUP="), "{stdout}");
    assert_eq!(state(&s, "/dev/hdisk5"), State::Replicated);
}

#[test]
fn pair_rules_one_way_sdv_operation_server() {
    let (s, _) = world2(4, 1, 0);
    ok(&s, "swsrpsetvol", &["-u", "/dev/hdisk1", "/dev/hdisk2"]);
    let e = refused(&s, CMD, &["/dev/hdisk2", "/dev/hdisk1"], "swsrp1402", 1);
    assert!(e.contains("one-way"), "{e}");
    // hdisk5 is a Snap Data Volume.
    ok(&s, "swsrpsetvol", &["/dev/hdisk3", "/dev/hdisk5"]);
    let e = refused(&s, CMD, &["/dev/hdisk3", "/dev/hdisk5"], "swsrp1505", 1);
    assert!(e.contains("/dev/hdisk5@SV1 is a Snap Data Volume"), "{e}");
    assert!(sessions(&s, "/dev/hdisk3").is_empty());
    // A pair whose operation server is another server.
    ok(&s, "swsrpsetvol", &["/dev/hdisk4", "/dev/hdisk1"]);
    let store = acm_replication::list::ListStore::open_at(s.root().join("etc/opt/FJSVswsrp/data"));
    store
        .update("test", |l| {
            let p = l.pairs.last_mut().unwrap();
            p.replica.server = "SV2".into();
            p.op_server = acm_replication::list::OpServer::Replica;
            Ok(())
        })
        .unwrap();
    refused(&s, CMD, &["/dev/hdisk4", "/dev/hdisk1@SV2"], "swsrp1401", 1);
}
