//! The tests every command must pass (help, bad option, missing operand), and the
//! root-only rule.

use crate::common;

acm_testkit::programs! {
    setvol "swsrpsetvol" ["-u", "/dev/hdisk1"],
    volinfo "swsrpvolinfo" [],
    delvol "swsrpdelvol" ["-e", "/dev/hdisk1"],
    recbuffstat "swsrprecbuffstat" ["-L"],
    recbuffset "swsrprecbuffset" ["-Xbuffid", "1", "-Xbuffuse", "SEND"],
    startsync "swsrpstartsync" ["-y", "/dev/hdisk1"],
    make "swsrpmake" ["-T", "/dev/hdisk1"],
    stat "swsrpstat" [],
    cancel "swsrpcancel" ["-T", "/dev/hdisk1"],
    chsync "swsrpchsync" ["-F", "Sync", "/dev/hdisk1"],
    revsync "swsrprevsync" ["/dev/hdisk1"],
    recoverres "swsrprecoverres" [],
    wait "swsrpwait" ["-t", "1"],
    peer "swsrppeer" internal,
}

#[test]
fn every_replication_program_has_the_common_tests() {
    acm_testkit::assert_covers(COVERED, &[acm_core::program::Package::Replication]);
}

#[test]
fn non_root_callers_are_refused() {
    use std::os::unix::process::CommandExt;
    if !acm_testkit::need_root("the swsrp0601 test (it switches users)") {
        return;
    }
    let s = common::world(2);
    for (cmd, args) in [
        ("swsrpsetvol", vec!["/dev/hdisk1", "/dev/hdisk2"]),
        ("swsrpvolinfo", vec![]),
        ("swsrpdelvol", vec!["/dev/hdisk1", "/dev/hdisk2"]),
        ("swsrprecbuffstat", vec!["/dev/hdisk1"]),
        (
            "swsrprecbuffset",
            vec!["-Xbuffid", "1", "-Xbuffuse", "SEND", "/dev/hdisk1"],
        ),
        ("swsrpstartsync", vec!["/dev/hdisk1", "/dev/hdisk2"]),
        ("swsrpmake", vec!["/dev/hdisk1", "/dev/hdisk2"]),
        ("swsrpstat", vec![]),
        ("swsrpcancel", vec!["/dev/hdisk1", "/dev/hdisk2"]),
        (
            "swsrpchsync",
            vec!["-F", "Sync", "/dev/hdisk1", "/dev/hdisk2"],
        ),
        ("swsrprevsync", vec!["/dev/hdisk1", "/dev/hdisk2"]),
        ("swsrprecoverres", vec![]),
        ("swsrpwait", vec!["/dev/hdisk1", "/dev/hdisk2"]),
    ] {
        let out = std::process::Command::new(common::bin(cmd))
            .args(&args)
            .env("ACM_ROOT", s.root())
            .env("ACMSIM_HOME", s.sim_home())
            .env_remove("SWSTGNODE")
            .env_remove(acm_core::command::TEST_AS_ROOT)
            .uid(65534)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "swsrp0601 This Command cannot be run. This is because the user is not a root user.\n"
        );
        assert!(out.stdout.is_empty());
    }
    assert!(!common::list_path(&s).exists());
}
