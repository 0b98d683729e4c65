//! REC through a link outage in the asynchronous transfer modes the other
//! suites leave out end to end: Stack (`swsrpstartsync -k`) and Through (no
//! `-y`/`-k`/`-i`; Xfer `async`). Synchronous is covered by
//! `test_swsrpstartsync::rec_through_a_link_outage`, Consistency by
//! `test_swsrpstat::rec_buffers_in_halt` and `test_swsrpchsync`.
//!
//! Each flow: start, write, paths down (halt), write during the halt, paths up,
//! recover, make the replica the way the manual's Figure 6.31 does (Stack →
//! Through at 100%, then swsrpmake once equivalent), verify the bytes.

use crate::common;

use acm_replication::session::State;
use acm_sim::state::Rate;
use acm_testkit::Scratch;
use common::*;

fn done(cmd: &str, from: &str, to: &str) -> String {
    format!("FROM={from}@SV1,TO={to}@SV1 {cmd} completed\n")
}

fn modes(s: &Scratch, orig: &str) -> [String; 3] {
    ["Xfer", "Split", "Rcv"].map(|c| stat_col(s, orig, c))
}

fn status_h(s: &Scratch, orig: &str) -> String {
    tokens(&ok(s, "swsrpstat", &["-H", orig]))[1][4].clone()
}

#[test]
fn stack_mode_through_a_link_outage() {
    let (s, _) = world2(1, 0, 1);
    let (a, r) = ("/dev/hdisk1", "/dev/hdisk2");
    write(&s, a, 0, LUN as usize, 1);
    ok(&s, "swsrpsetvol", &[a, r]);
    assert_eq!(
        ok(&s, "swsrpstartsync", &["-k", a, r]),
        done("swsrpstartsync", a, r)
    );
    wait_status(&s, a, "equivalent");
    assert_eq!(modes(&s, a), ["stack", "----", "auto"]);
    assert_eq!(read(&s, r), read(&s, a));

    // Stack mode only records the updated positions: with the transfer engine
    // held, the update waits and the pair is back in sync.
    set_rate(&s, "B1", Rate::Paused);
    write(&s, a, 0, 64 << 10, 2);
    assert_eq!(stat_row(&s, a)[4], "sync");
    assert_ne!(read(&s, r), read(&s, a));

    // All paths close with data not yet transferred.
    set_path(&s, false);
    assert!(matches!(state(&s, a), State::Halt(_)));
    assert_eq!(stat_row(&s, a)[4], "halt");
    assert_eq!(status_h(&s, a), "halt(sync)");
    // Asynchronous modes keep the source writable during the halt.
    write(&s, a, 1 << 20, 128 << 10, 3);
    // Nothing can be made or changed while halted.
    refused(&s, "swsrpmake", &[a, r], "swsrp1601", 1);
    let e = refused(&s, "swsrpchsync", &["-F", "Async", a, r], "swsrp1507", 1);
    assert!(e.contains("halt"), "{e}");

    // Paths back: Automatic Recovery resumes the copy by itself.
    set_path(&s, true);
    set_rate(&s, "B1", Rate::Unlimited);
    wait_status(&s, a, "equivalent");
    assert_eq!(stat_col(&s, a, "Execute"), "100%");
    assert_eq!(modes(&s, a), ["stack", "----", "auto"]);
    // Figure 6.31: at 100% switch Stack -> Through, wait for equivalent, make.
    ok(&s, "swsrpchsync", &["-F", "Async", a, r]);
    assert_eq!(modes(&s, a), ["async", "----", "auto"]);
    wait_status(&s, a, "equivalent");
    assert_eq!(ok(&s, "swsrpmake", &[a, r]), done("swsrpmake", a, r));
    assert_eq!(stat_row(&s, a)[4], "replicated");
    let replica = read(&s, a);
    assert_eq!(read(&s, r), replica);
    // Writes after the make stay on the original.
    write(&s, a, 0, 4096, 4);
    assert_eq!(read(&s, r), replica);
    // Resume (modes omitted), then back to Stack for normal operation.
    ok(&s, "swsrpstartsync", &[a, r]);
    let i = wait_state(&s, a, State::Equivalent);
    assert!(i.copied_bytes < LUN, "incremental: {}", i.copied_bytes);
    ok(&s, "swsrpchsync", &["-F", "Stack", a, r]);
    assert_eq!(modes(&s, a), ["stack", "----", "auto"]);
    assert_eq!(read(&s, r), read(&s, a));
}

#[test]
fn through_mode_through_a_link_outage() {
    // hdisk1, hdisk2 on B1; hdisk3, hdisk4 on B2.
    let (s, _) = world2(2, 0, 2);
    let pairs = [
        ("/dev/hdisk1", "/dev/hdisk3"),
        ("/dev/hdisk2", "/dev/hdisk4"),
    ];
    for (n, (o, r)) in pairs.iter().enumerate() {
        write(&s, o, 0, LUN as usize, n as u8 + 1);
        ok(&s, "swsrpsetvol", &[o, r]);
    }
    // hdisk1: Automatic Recovery; hdisk2: Manual Recovery (-g).
    ok(&s, "swsrpstartsync", &[pairs[0].0, pairs[0].1]);
    ok(&s, "swsrpstartsync", &["-g", pairs[1].0, pairs[1].1]);
    for (o, r) in pairs {
        wait_status(&s, o, "equivalent");
        assert_eq!(read(&s, r), read(&s, o));
    }
    assert_eq!(modes(&s, pairs[0].0), ["async", "----", "auto"]);
    assert_eq!(modes(&s, pairs[1].0), ["async", "----", "manual"]);

    set_rate(&s, "B1", Rate::Paused);
    for (o, _) in pairs {
        write(&s, o, 0, 32 << 10, 7);
        assert_eq!(stat_row(&s, o)[4], "sync");
    }
    set_path(&s, false);
    for (o, _) in pairs {
        assert_eq!(stat_row(&s, o)[4], "halt");
        assert_eq!(status_h(&s, o), "halt(sync)");
        write(&s, o, 2 << 20, 64 << 10, 8);
    }
    set_path(&s, true);
    set_rate(&s, "B1", Rate::Unlimited);
    // Automatic Recovery: back to equivalent with every write transferred.
    let (a, ra) = pairs[0];
    wait_status(&s, a, "equivalent");
    assert_eq!(read(&s, ra), read(&s, a));
    assert_eq!(ok(&s, "swsrpmake", &[a, ra]), done("swsrpmake", a, ra));
    assert_eq!(read(&s, ra), read(&s, a));
    // Manual Recovery: still halted; forced suspend, then resume with -t.
    let (b, rb) = pairs[1];
    assert!(matches!(state(&s, b), State::Halt(_)));
    assert_eq!(stat_row(&s, b)[4], "halt");
    refused(&s, "swsrpstartsync", &[b, rb], "swsrp1507", 1);
    ok(&s, "swsrpmake", &["-j", b, rb]);
    assert_eq!(stat_row(&s, b)[4], "replicated");
    assert_eq!(
        ok(&s, "swsrpstartsync", &["-t", b, rb]),
        done("swsrpstartsync", b, rb)
    );
    wait_status(&s, b, "equivalent");
    assert_eq!(modes(&s, b), ["async", "----", "manual"]);
    ok(&s, "swsrpmake", &[b, rb]);
    assert_eq!(stat_row(&s, b)[4], "replicated");
    let src = read(&s, b);
    assert_eq!(read(&s, rb), src);
    assert_ne!(read(&s, rb), read(&s, a), "each pair its own data");
}
