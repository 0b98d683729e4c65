//! swsrprevsync (manual 8.3.2.6) end to end through the binaries: EC within
//! box B1, REC from B1 to B2.

use crate::common;

use acm_replication::session::State;
use acm_scsi::model::CopyKind;
use acm_sim::state::Rate;
use acm_testkit::Scratch;
use common::*;

const CMD: &str = "swsrprevsync";

fn direction(s: &Scratch, orig: &str) -> String {
    stat_col(s, orig, "Direction")
}

#[test]
fn reverse_a_replicated_ec_and_restore_from_it() {
    let (s, _) = world2(2, 0, 0);
    write(&s, "/dev/hdisk1", 0, LUN as usize, 1);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    ok(&s, "swsrpstartsync", &["/dev/hdisk1", "/dev/hdisk2"]);
    suspend(&s, "/dev/hdisk1");
    // The replica is changed while replicated (e.g. site B ran on it).
    write(&s, "/dev/hdisk2", 0, 65536, 2);
    assert_eq!(
        ok(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"]),
        "FROM=/dev/hdisk2@SV1,TO=/dev/hdisk1@SV1 swsrprevsync completed\n"
    );
    assert_eq!(direction(&s, "/dev/hdisk1"), "reverse");
    assert_eq!(stat_col(&s, "/dev/hdisk1", "Status"), "replicated");
    // The manual's example: given in the current direction, the line names the new one.
    assert_eq!(
        ok(&s, CMD, &["/dev/hdisk2", "/dev/hdisk1"]),
        "FROM=/dev/hdisk1@SV1,TO=/dev/hdisk2@SV1 swsrprevsync completed\n"
    );
    assert_eq!(direction(&s, "/dev/hdisk1"), "regular");
    ok(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"]);
    // Resume in the reverse direction: the original receives the replica's data.
    ok(&s, "swsrpstartsync", &["/dev/hdisk2", "/dev/hdisk1"]);
    let i = wait_state(&s, "/dev/hdisk1", State::Equivalent);
    assert!(i.copied_bytes < LUN, "differential: {}", i.copied_bytes);
    assert_eq!(read(&s, "/dev/hdisk1"), read(&s, "/dev/hdisk2"));
    assert_eq!(direction(&s, "/dev/hdisk1"), "reverse");
}

#[test]
fn reverse_a_replicated_rec() {
    let (s, _) = world2(1, 0, 1);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    ok(&s, "swsrpstartsync", &["-k", "/dev/hdisk1", "/dev/hdisk2"]);
    suspend(&s, "/dev/hdisk1");
    ok(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"]);
    assert_eq!(direction(&s, "/dev/hdisk1"), "reverse");
    assert_eq!(sessions(&s, "/dev/hdisk1")[0].kind, CopyKind::Rec);
    ok(&s, "swsrpstartsync", &["/dev/hdisk2", "/dev/hdisk1"]);
    wait_state(&s, "/dev/hdisk1", State::Equivalent);
    assert_eq!(stat_col(&s, "/dev/hdisk1", "Status"), "equivalent");
}

#[test]
fn refusals() {
    let (s, _) = world2(4, 0, 0);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    ok(&s, "swsrpsetvol", &["-u", "/dev/hdisk3", "/dev/hdisk4"]);
    // Not started.
    let e = refused(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"], "swsrp1513", 1);
    assert!(e.contains("----"), "{e}");
    // Copying / equivalent.
    set_rate(&s, "B1", Rate::Paused);
    ok(&s, "swsrpstartsync", &["/dev/hdisk1", "/dev/hdisk2"]);
    let e = refused(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"], "swsrp1513", 1);
    assert!(e.contains("(sync)"), "{e}");
    set_rate(&s, "B1", Rate::Unlimited);
    wait_state(&s, "/dev/hdisk1", State::Equivalent);
    refused(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"], "swsrp1513", 1);
    // Replicated, but given in the other direction.
    suspend(&s, "/dev/hdisk1");
    let e = refused(&s, CMD, &["/dev/hdisk2", "/dev/hdisk1"], "swsrp1513", 1);
    assert!(e.contains("other direction"), "{e}");
    // A one-way pair, even replicated.
    ok(&s, "swsrpstartsync", &["/dev/hdisk3", "/dev/hdisk4"]);
    suspend(&s, "/dev/hdisk3");
    refused(&s, CMD, &["/dev/hdisk3", "/dev/hdisk4"], "swsrp1402", 1);
    assert_eq!(direction(&s, "/dev/hdisk3"), "regular");
    // Usage and list errors.
    for a in [
        &["/dev/hdisk1"][..],
        &[],
        &["-Xreverse", "/dev/hdisk1", "/dev/hdisk2"],
        &["-F", "Sync", "/dev/hdisk1", "/dev/hdisk2"],
    ] {
        refused(&s, CMD, a, "swsrp0002", 2);
    }
    refused(&s, CMD, &["/dev/hdisk1", "/dev/hdisk3"], "swsrp1302", 1);
    refused(&s, CMD, &["-Xgroup", "G"], "swsrp1304", 1);
}

#[test]
fn groups_skip_reversed_sessions_and_check_all_first() {
    let (s, _) = world2(6, 0, 0);
    for (o, r) in [
        ("/dev/hdisk1", "/dev/hdisk2"),
        ("/dev/hdisk3", "/dev/hdisk4"),
        ("/dev/hdisk5", "/dev/hdisk6"),
    ] {
        ok(&s, "swsrpsetvol", &["-Xgroup", "GRP1", o, r]);
    }
    assert_eq!(
        ok(&s, "swsrpstartsync", &["-Xgroup", "GRP1"]),
        "GROUP=GRP1 swsrpstartsync completed\n"
    );
    suspend(&s, "/dev/hdisk1");
    suspend(&s, "/dev/hdisk3");
    // The third pair is still equivalent: nothing is reversed.
    wait_state(&s, "/dev/hdisk5", State::Equivalent);
    refused(&s, CMD, &["-Xgroup", "GRP1"], "swsrp1513", 1);
    assert_eq!(direction(&s, "/dev/hdisk1"), "regular");
    suspend(&s, "/dev/hdisk5");
    // The first pair already reversed by hand is skipped.
    ok(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2"]);
    assert_eq!(
        ok(&s, CMD, &["-Xgroup", "GRP1"]),
        "GROUP=GRP1 swsrprevsync completed\n"
    );
    for d in ["/dev/hdisk1", "/dev/hdisk3", "/dev/hdisk5"] {
        assert_eq!(direction(&s, d), "reverse", "{d}");
    }
    // And back with -Xreverse.
    assert_eq!(
        ok(&s, CMD, &["-Xreverse", "-Xgroup", "GRP1"]),
        "GROUP=GRP1 swsrprevsync completed\n"
    );
    for d in ["/dev/hdisk1", "/dev/hdisk3", "/dev/hdisk5"] {
        assert_eq!(direction(&s, d), "regular", "{d}");
    }
    // Resume the group in the regular direction.
    ok(&s, "swsrpstartsync", &["-Xgroup", "GRP1"]);
    wait_state(&s, "/dev/hdisk5", State::Equivalent);
}
