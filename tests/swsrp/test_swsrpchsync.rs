//! swsrpchsync (manual 8.3.2.5) end to end through the binaries: REC from box
//! B1 to box B2, EC within B1.

use crate::common;

use acm_replication::session::State;
use acm_sim::state::Rate;
use acm_testkit::Scratch;
use common::*;

const CMD: &str = "swsrpchsync";

fn modes(s: &Scratch, orig: &str) -> [String; 3] {
    ["Xfer", "Split", "Rcv"].map(|c| stat_col(s, orig, c))
}

#[test]
fn consistency_to_through_as_in_the_manual() {
    let (s, _) = world2(1, 0, 1);
    write(&s, "/dev/hdisk1", 0, LUN as usize, 4);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    set_rate(&s, "B1", Rate::Paused);
    ok(&s, "swsrpstartsync", &["-i", "/dev/hdisk1", "/dev/hdisk2"]);
    assert_eq!(stat_col(&s, "/dev/hdisk1", "Status"), "sync");
    assert_eq!(modes(&s, "/dev/hdisk1"), ["consist", "----", "auto"]);
    assert_eq!(
        ok(&s, CMD, &["-F", "Async", "/dev/hdisk1", "/dev/hdisk2"]),
        "FROM=/dev/hdisk1@SV1,TO=/dev/hdisk2@SV1 swsrpchsync completed\n"
    );
    assert_eq!(modes(&s, "/dev/hdisk1"), ["async", "----", "auto"]);
    set_rate(&s, "B1", Rate::Unlimited);
    wait_state(&s, "/dev/hdisk1", State::Equivalent);
    assert_eq!(stat_col(&s, "/dev/hdisk1", "Status"), "equivalent");
    assert_eq!(stat_col(&s, "/dev/hdisk1", "Execute"), "100%");
    assert_eq!(read(&s, "/dev/hdisk2"), read(&s, "/dev/hdisk1"));
}

#[test]
fn transfer_split_and_recovery_modes() {
    let (s, _) = world2(1, 0, 1);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    ok(&s, "swsrpstartsync", &["-k", "/dev/hdisk1", "/dev/hdisk2"]);
    wait_state(&s, "/dev/hdisk1", State::Equivalent);
    // -S needs Synchronous transfer.
    let e = refused(
        &s,
        CMD,
        &["-S", "Manual", "/dev/hdisk1", "/dev/hdisk2"],
        "swsrp1512",
        1,
    );
    assert!(e.contains("-S"), "{e}");
    // -F Sync from Stack: Automatic Split.
    ok(&s, CMD, &["-F", "Sync", "/dev/hdisk1", "/dev/hdisk2"]);
    assert_eq!(modes(&s, "/dev/hdisk1"), ["sync", "auto", "auto"]);
    ok(
        &s,
        CMD,
        &["-S", "Manual", "-R", "Manual", "/dev/hdisk1", "/dev/hdisk2"],
    );
    assert_eq!(modes(&s, "/dev/hdisk1"), ["sync", "manual", "manual"]);
    // -F Sync on a session already synchronous keeps its split mode.
    ok(&s, CMD, &["/dev/hdisk1", "/dev/hdisk2", "-F", "Sync"]);
    assert_eq!(modes(&s, "/dev/hdisk1"), ["sync", "manual", "manual"]);
    ok(
        &s,
        CMD,
        &["-F", "Sync", "-S", "Auto", "/dev/hdisk1", "/dev/hdisk2"],
    );
    assert_eq!(modes(&s, "/dev/hdisk1"), ["sync", "auto", "manual"]);
    ok(
        &s,
        CMD,
        &["-F", "Consist", "-R", "Auto", "/dev/hdisk1", "/dev/hdisk2"],
    );
    assert_eq!(modes(&s, "/dev/hdisk1"), ["consist", "----", "auto"]);
    ok(&s, CMD, &["-F", "Stack", "/dev/hdisk1", "/dev/hdisk2"]);
    assert_eq!(modes(&s, "/dev/hdisk1"), ["stack", "----", "auto"]);
    // Usage errors.
    for a in [
        &["/dev/hdisk1", "/dev/hdisk2"][..],
        &["-F", "Through", "/dev/hdisk1", "/dev/hdisk2"],
        &["-F", "sync", "/dev/hdisk1", "/dev/hdisk2"],
        &["-R", "Split", "/dev/hdisk1", "/dev/hdisk2"],
        &["-S", "Never", "/dev/hdisk1", "/dev/hdisk2"],
        &["-F", "Async", "-S", "Auto", "/dev/hdisk1", "/dev/hdisk2"],
        &["-F", "Async", "/dev/hdisk1"],
        &["-F", "Async", "-Xreverse", "/dev/hdisk1", "/dev/hdisk2"],
        &["-F"],
    ] {
        refused(&s, CMD, a, "swsrp0002", 2);
    }
    assert_eq!(modes(&s, "/dev/hdisk1"), ["stack", "----", "auto"]);
}

#[test]
fn only_rec_in_sync_or_equivalent() {
    let (s, _) = world2(3, 0, 1);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk4"]);
    ok(&s, "swsrpsetvol", &["/dev/hdisk2", "/dev/hdisk3"]);
    let args = ["-F", "Async", "/dev/hdisk1", "/dev/hdisk4"];
    // Not started.
    refused(&s, CMD, &args, "swsrp1511", 1);
    refused(
        &s,
        CMD,
        &["-R", "Manual", "/dev/hdisk9", "/dev/hdisk4"],
        "swsrp1302",
        1,
    );
    // EC.
    ok(&s, "swsrpstartsync", &["/dev/hdisk2", "/dev/hdisk3"]);
    let e = refused(
        &s,
        CMD,
        &["-F", "Sync", "/dev/hdisk2", "/dev/hdisk3"],
        "swsrp1510",
        1,
    );
    assert!(e.contains("EC"), "{e}");
    // The other direction of a running REC: not in progress that way.
    ok(&s, "swsrpstartsync", &["-y", "/dev/hdisk1", "/dev/hdisk4"]);
    refused(
        &s,
        CMD,
        &["-F", "Async", "/dev/hdisk4", "/dev/hdisk1"],
        "swsrp1511",
        1,
    );
    // Replicated.
    suspend(&s, "/dev/hdisk1");
    let e = refused(&s, CMD, &args, "swsrp1511", 1);
    assert!(e.contains("replicated"), "{e}");
    // Halt.
    ok(&s, "swsrpstartsync", &["/dev/hdisk1", "/dev/hdisk4"]);
    wait_state(&s, "/dev/hdisk1", State::Equivalent);
    set_path(&s, false);
    let e = refused(&s, CMD, &args, "swsrp1507", 1);
    assert!(e.contains("halt"), "{e}");
    set_path(&s, true);
    wait_state(&s, "/dev/hdisk1", State::Equivalent);
    ok(&s, CMD, &args);
    assert_eq!(modes(&s, "/dev/hdisk1"), ["async", "----", "auto"]);
}

#[test]
fn a_group_changes_all_or_nothing() {
    let (s, _) = world2(2, 0, 2);
    ok(
        &s,
        "swsrpsetvol",
        &["-Xgroup", "GRP1", "/dev/hdisk1", "/dev/hdisk3"],
    );
    ok(
        &s,
        "swsrpsetvol",
        &["-Xgroup", "GRP1", "/dev/hdisk2", "/dev/hdisk4"],
    );
    ok(&s, "swsrpstartsync", &["-i", "/dev/hdisk1", "/dev/hdisk3"]);
    wait_state(&s, "/dev/hdisk1", State::Equivalent);
    // The second pair is not started: nothing changes.
    refused(&s, CMD, &["-F", "Async", "-Xgroup", "GRP1"], "swsrp1511", 1);
    assert_eq!(modes(&s, "/dev/hdisk1"), ["consist", "----", "auto"]);
    ok(&s, "swsrpstartsync", &["-i", "/dev/hdisk2", "/dev/hdisk4"]);
    wait_state(&s, "/dev/hdisk2", State::Equivalent);
    assert_eq!(
        ok(&s, CMD, &["-F", "Async", "-Xgroup", "GRP1"]),
        "GROUP=GRP1 swsrpchsync completed\n"
    );
    assert_eq!(modes(&s, "/dev/hdisk1"), ["async", "----", "auto"]);
    assert_eq!(modes(&s, "/dev/hdisk2"), ["async", "----", "auto"]);
    // -Xreverse: no session copies the other way.
    refused(
        &s,
        CMD,
        &["-R", "Manual", "-Xreverse", "-Xgroup", "GRP1"],
        "swsrp1511",
        1,
    );
    refused(
        &s,
        CMD,
        &["-R", "Manual", "-Xgroup", "NOGRP"],
        "swsrp1304",
        1,
    );
}
