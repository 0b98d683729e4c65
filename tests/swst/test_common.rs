//! The tests every command must pass (help, bad option, missing operand), and the
//! root-only rule.

use crate::common;

acm_testkit::programs! {
    svrset "swstsvrset" [],
    svrdisp "swstsvrdisp" [],
    devinfoset "swstdevinfoset" ["-t"],
    devdisp "swstdevdisp" [],
    bkpolset "swstbkpolset" [],
    bkpoldisp "swstbkpoldisp" [],
    bkpoldel "swstbkpoldel" ["-h", "job2"],
    backup "swstbackup" ["-T"],
    backstat "swstbackstat" [],
    restore "swstrestore" ["-g", "1"],
    cancelrest "swstcancelrest" ["-emergency"],
    reststat "swstreststat" [],
    histdisp "swsthistdisp" [],
    histdel "swsthistdel" ["-g", "1"],
    startsync "swststartsync" ["-Xdevmap", "/tmp/map"],
    cancelsync "swstcancelsync" ["-all"],
    syncstat "swstsyncstat" [],
    execstat "swstexecstat" [],
    canceltrk "swstcanceltrk" ["-bd", "/dev/hdisk2"],
    trkstat "swsttrkstat" [],
    srsemtch "swstsrsemtch" [],
    resback "swstresback" [],
    resrst "swstresrst" [],
    estupdate "swstestupdate" ["status"],
    sdv "swstsdv" ["stat", "-G", "/dev/hdisk4"],
    wait "swstwait" ["-t", "1"],
}

#[test]
fn every_backup_program_has_the_common_tests() {
    acm_testkit::assert_covers(COVERED, &[acm_core::program::Package::Backup]);
}

/// Every backup management command (manual 8.1, and swstwait): all are root-only.
fn all() -> Vec<&'static str> {
    acm_core::program::of(acm_core::msg::Family::Backup)
        .map(|p| p.name)
        .collect()
}

#[test]
fn non_root_callers_are_refused_with_swst0601() {
    use std::os::unix::process::CommandExt;
    if !acm_testkit::need_root("the swst0601 test (it switches users)") {
        return;
    }
    let s = common::configured(2);
    let before = std::fs::read(common::list_path(&s)).unwrap();
    for cmd in all() {
        let mut c = std::process::Command::new(common::bin(cmd));
        c.env("ACM_ROOT", s.root())
            .env("ACMSIM_HOME", s.sim_home())
            .args(["-t", "/dev/hdisk1"])
            .env_remove(acm_core::command::TEST_AS_ROOT)
            .uid(65534)
            .gid(65534);
        let out = c.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{cmd}: {err}");
        assert_eq!(
            err.trim_end(),
            "swst0601 This Command cannot be run. This is because the user is not a root user.",
            "{cmd}"
        );
        assert!(out.stdout.is_empty());
    }
    assert_eq!(std::fs::read(common::list_path(&s)).unwrap(), before);
}
