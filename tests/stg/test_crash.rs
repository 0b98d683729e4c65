//! kill -9 at any point: the Management Server's repository is replaced
//! atomically, so a device fetch or deletion killed at any moment leaves the
//! repository as it was before or as it is after, never damaged.

use crate::common;

use common::*;
use std::time::Duration;

/// The devices of SV1 in the repository, as `stgxfwcmdispdev` shows them.
fn shown(s: &acm_testkit::Scratch) -> Option<String> {
    let out = run(s, "stgxfwcmdispdev", &["-n", "SV1"]);
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn a_killed_fetch_or_deletion_leaves_the_old_or_the_new_repository() {
    let s = registered(4);
    ok(&s, "stgxfwcmsetdev", &["-n", "SV1"]);
    let full = shown(&s).expect("the fetched devices");
    ok(&s, "stgxfwcmdeldev", &["-n", "SV1", "-d", "/dev/hdisk4"]);
    let less = shown(&s).expect("the devices left");
    assert_ne!(full, less);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..24 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let args: &[&str] = if round % 2 == 0 {
            &["-n", "SV1"]
        } else {
            &["-n", "SV1", "-d", "/dev/hdisk4"]
        };
        let program = if round % 2 == 0 {
            "stgxfwcmsetdev"
        } else {
            "stgxfwcmdeldev"
        };
        let mut child = std::process::Command::new(bin(program))
            .env("ACM_ROOT", s.root())
            .env("ACMSIM_HOME", s.sim_home())
            .env_remove("SWSTGNODE")
            .args(args)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(seed % 40_000));
        let _ = child.kill();
        let _ = child.wait();
        let now = shown(&s);
        assert!(
            now.as_deref() == Some(full.as_str()) || now.as_deref() == Some(less.as_str()),
            "round {round}: the repository shows {now:?}"
        );
        // Bring it to a known state for the next round.
        if round % 2 == 0 {
            let _ = run(&s, "stgxfwcmsetdev", &["-n", "SV1"]);
        } else {
            let _ = run(&s, "stgxfwcmdeldev", &["-n", "SV1", "-d", "/dev/hdisk4"]);
        }
    }
}
