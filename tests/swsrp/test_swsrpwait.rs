//! swsrpwait: the exit statuses a script relies on, each provoked on the
//! simulated array: 0 reached, 1 failed / halted / vanished with an ID,
//! 3 timed out, 2 usage.

use crate::common;

use acm_sim::state::Rate;
use common::*;

const WAIT: &str = "swsrpwait";

fn code(s: &acm_testkit::Scratch, args: &[&str]) -> (Option<i32>, String) {
    let out = run(s, WAIT, args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn waits_for_equivalency_and_times_out_on_a_paused_copy() {
    let (s, _) = world2(2, 0, 0);
    let (a, b) = ("/dev/hdisk1", "/dev/hdisk2");
    ok(&s, "swsrpsetvol", &[a, b]);
    set_rate(&s, "B1", Rate::Paused);
    ok(&s, "swsrpstartsync", &[a, b]);
    // Paused: the copy never ends, so -t gives up with exit status 3.
    let started = std::time::Instant::now();
    let (c, err) = code(&s, &["-t", "1", a, b]);
    assert_eq!(c, Some(3), "{err}");
    assert!(
        err.starts_with("swsrp3006 ") && err.contains("1 seconds"),
        "{err}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    // Running: the default target is the end of the copy, equivalent.
    set_rate(&s, "B1", Rate::Unlimited);
    assert_eq!(ok(&s, WAIT, &["-t", "30", a, b]), "");
    assert_eq!(stat_row(&s, a)[4], "equivalent");
    // Named status, either direction of the operands.
    assert_eq!(ok(&s, WAIT, &["-s", "equivalent", b, a]), "");
    let (c, err) = code(&s, &["-s", "replicated", "-t", "1", a, b]);
    assert_eq!(c, Some(3), "{err}");
    ok(&s, "swsrpmake", &[a, b]);
    assert_eq!(ok(&s, WAIT, &["-s", "replicated", a, b]), "");
    // The session gone: nothing to wait for.
    ok(&s, "swsrpcancel", &[a, b]);
    let (c, err) = code(&s, &["-s", "equivalent", a, b]);
    assert_eq!(c, Some(1), "{err}");
    assert!(err.starts_with("swsrp3005 "), "{err}");
    assert_eq!(ok(&s, WAIT, &[a, b]), "", "no copy under way: reached");
}

#[test]
fn a_failed_copy_ends_the_wait_with_exit_status_1() {
    let (s, _) = world2(2, 0, 0);
    let (a, b) = ("/dev/hdisk1", "/dev/hdisk2");
    ok(&s, "swsrpsetvol", &[a, b]);
    set_rate(&s, "B1", Rate::Paused);
    ok(&s, "swsrpmake", &[a, b]);
    bad_sector(&s, a, 300);
    set_rate(&s, "B1", Rate::Unlimited);
    let (c, err) = code(&s, &["-t", "30", a, b]);
    assert_eq!(c, Some(1), "{err}");
    assert!(
        err.starts_with("swsrp3001 ") && err.contains("failed"),
        "{err}"
    );
}

#[test]
fn a_group_waits_for_every_pair_and_usage_errors_are_2() {
    let (s, _) = world2(4, 0, 0);
    ok(
        &s,
        "swsrpsetvol",
        &["-Xgroup", "G", "/dev/hdisk1", "/dev/hdisk2"],
    );
    ok(
        &s,
        "swsrpsetvol",
        &["-Xgroup", "G", "/dev/hdisk3", "/dev/hdisk4"],
    );
    set_rate(&s, "B1", Rate::Paused);
    ok(&s, "swsrpstartsync", &["-Xgroup", "G"]);
    let (c, err) = code(&s, &["-t", "1", "-Xgroup", "G"]);
    assert_eq!(c, Some(3), "{err}");
    set_rate(&s, "B1", Rate::Unlimited);
    assert_eq!(ok(&s, WAIT, &["-Xgroup", "G"]), "");
    for bad in [
        vec!["/dev/hdisk1"],
        vec!["-Xgroup", "G", "/dev/hdisk1"],
        vec!["-s", "bogus", "/dev/hdisk1", "/dev/hdisk2"],
        vec!["-t", "soon", "/dev/hdisk1", "/dev/hdisk2"],
        vec!["-t", "99999999", "/dev/hdisk1", "/dev/hdisk2"],
    ] {
        let (c, err) = code(&s, &bad);
        assert_eq!(c, Some(2), "{bad:?}: {err}");
        assert!(err.starts_with("swsrp0002 "), "{bad:?}: {err}");
    }
    let (c, err) = code(&s, &["/dev/hdisk1", "/dev/hdisk3"]);
    assert_eq!(c, Some(1));
    assert!(err.starts_with("swsrp1302 "), "{err}");
    let (c, err) = code(&s, &["-Xgroup", "H"]);
    assert_eq!(c, Some(1));
    assert!(err.starts_with("swsrp1304 "), "{err}");
}

/// A REC that halts (its path down) ends the wait with swsrp3002; a session
/// cancelled while waited for is swsrp3004.
#[test]
fn a_halted_or_vanished_copy_ends_the_wait_with_exit_status_1() {
    let (s, _) = world2(1, 0, 1);
    let (a, r) = ("/dev/hdisk1", "/dev/hdisk2");
    ok(&s, "swsrpsetvol", &[a, r]);
    ok(&s, "swsrpstartsync", &[a, r]);
    assert_eq!(ok(&s, WAIT, &["-t", "30", a, r]), "");
    set_path(&s, false);
    let (c, err) = code(&s, &["-s", "replicated", "-t", "30", a, r]);
    assert_eq!(c, Some(1), "{err}");
    assert!(
        err.starts_with("swsrp3002 ") && err.contains("halt"),
        "{err}"
    );
    set_path(&s, true);
    assert_eq!(ok(&s, WAIT, &["-s", "equivalent", "-t", "30", a, r]), "");
    // Waiting for a status the pair is not in while the session is cancelled.
    let waiter = {
        let mut c = std::process::Command::new(bin(WAIT));
        c.args(["-s", "replicated", "-t", "30", a, r])
            .env("ACM_ROOT", s.root())
            .env("ACMSIM_HOME", s.sim_home())
            .env_remove("SWSTGNODE")
            .stderr(std::process::Stdio::piped());
        c.spawn().unwrap()
    };
    std::thread::sleep(std::time::Duration::from_millis(500));
    ok(&s, "swsrpcancel", &[a, r]);
    let out = waiter.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.starts_with("swsrp3004 "), "{err}");
}
