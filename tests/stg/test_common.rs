//! The tests every command must pass (help, bad option, missing operand), and the
//! root-only rule.

use crate::common;

acm_testkit::programs! {
    cmmodnode "stgcmmodnode" [],
    envdisp "stgenvdisp" [],
    addsrv "stgxfwcmaddsrv" ["-n", "SV1", "-i", "127.0.0.1"],
    modsrv "stgxfwcmmodsrv" ["-n", "SV1"],
    delsrv "stgxfwcmdelsrv" [],
    dispsrv "stgxfwcmdispsrv" [],
    setdev "stgxfwcmsetdev" [],
    deldev "stgxfwcmdeldev" ["-n", "SV1"],
    dispdev "stgxfwcmdispdev" [],
    disppat "stgxfwcmdisppat" ["-n", "SV1"],
    repcnv "stgrepcnv" [],
    mgrinfoset "stgmgrinfoset" ["-d", "/x"],
    mgrinfobkup "stgmgrinfobkup" [],
    mgrinfodisp "stgmgrinfodisp" [],
    capture "acmcapture" [],
    agent "stgagent" [],
    fwcom "stgfwcom" [],
    startacm "startacm" [],
    stopacm "stopacm" [],
    setup "acmsetup" ["node"],
}

#[test]
fn every_configuration_program_has_the_common_tests() {
    use acm_core::program::Package;
    acm_testkit::assert_covers(COVERED, &[Package::Framework, Package::Common]);
}

/// Every program of this family but `acmsetup` (the suite's set-up tool, which
/// refuses nothing by user): all are root-only.
fn all() -> Vec<&'static str> {
    acm_core::program::of(acm_core::msg::Family::Config)
        .map(|p| p.name)
        .filter(|n| *n != "acmsetup")
        .collect()
}

#[test]
fn missing_required_options_are_usage_errors() {
    let s = common::two(1);
    for (cmd, args) in [
        ("stgxfwcmaddsrv", vec!["-n", "SV1", "-p", "1226"]),
        ("stgxfwcmmodsrv", vec!["-n", "SV1"]),
        ("stgxfwcmmodsrv", vec!["-f", "x", "-n", "SV1"]),
        ("stgxfwcmdelsrv", vec![]),
        ("stgxfwcmdeldev", vec!["-n", "SV1"]),
        ("stgxfwcmdispdev", vec![]),
        ("stgxfwcmdisppat", vec!["-n", "SV1"]),
        ("stgmgrinfoset", vec!["-c", "ASCII"]),
        ("stgmgrinfoset", vec!["-del", "-d", "/x"]),
        ("acmcapture", vec![]),
        ("stgagent", vec!["fly"]),
        ("stgfwcom", vec![]),
        ("stgfwcom", vec!["start", "now"]),
        ("startacm", vec!["now"]),
    ] {
        let err = common::refused(&s, cmd, &args, "swstf0002", 2);
        assert!(err.contains("Usage:"), "{cmd}: {err}");
    }
}

#[test]
fn non_root_callers_are_refused_with_swstf0601() {
    use std::os::unix::process::CommandExt;
    if !acm_testkit::need_root("the swstf0601 test (it switches users)") {
        return;
    }
    let s = common::registered(1);
    let before = std::fs::read(common::repository(&s)).unwrap();
    for cmd in all() {
        let mut c = std::process::Command::new(common::bin(cmd));
        c.env("ACM_ROOT", s.root())
            .env("ACMSIM_HOME", s.sim_home())
            .args(["-n", "SV1"])
            .env_remove(acm_core::command::TEST_AS_ROOT)
            .uid(65534)
            .gid(65534);
        let out = c.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{cmd}: {err}");
        assert_eq!(
            err.trim_end(),
            "swstf0601 This Command cannot be run. This is because the user is not a root user.",
            "{cmd}"
        );
        assert!(out.stdout.is_empty(), "{cmd}");
    }
    assert_eq!(std::fs::read(common::repository(&s)).unwrap(), before);
}
