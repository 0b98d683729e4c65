//! The tests every command must pass (help, bad option, missing operand), and the
//! root-only rule.

use crate::common;

macro_rules! program {
    ($module:ident, $name:literal, $($missing:tt)+) => {
        acm_testkit::program_tests!($module, $name, super::common::bin($name), $($missing)+);
    };
}

program!(svrset, "swstsvrset", vec![]);
program!(svrdisp, "swstsvrdisp", vec![]);
program!(devinfoset, "swstdevinfoset", vec!["-t"]);
program!(devdisp, "swstdevdisp", vec![]);
program!(bkpolset, "swstbkpolset", vec![]);
program!(bkpoldisp, "swstbkpoldisp", vec![]);
program!(bkpoldel, "swstbkpoldel", vec!["-h", "job2"]);
program!(wait, "swstwait", vec!["-t", "1"]);

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
