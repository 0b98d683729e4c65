//! The default pre- and post-processing scripts (`crates/acm-backup/sh`), run with
//! `sh` against a scratch root whose simulated host has a mounted volume group.
//!
//! They drive the host through the `acmsim` console, which is not built as a
//! dependency of this package: the tests that need it look for
//! `target/debug/acmsim` and are skipped (with a note) when it is not built.

use crate::common;

use acm_testkit::Scratch;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/acm-backup/sh")
        .join(name)
}

/// Runs default script `name` with the console `sim` as `$ACMSIM`.
fn run_script(s: &Scratch, sim: &Path, name: &str, args: &[&str], node: Option<&str>) -> Output {
    let mut c = s.cmd(Path::new("sh"));
    c.arg(script(name)).args(args).env("ACMSIM", sim);
    if let Some(n) = node {
        c.env("SWSTGNODE", n);
    }
    c.output().unwrap()
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

/// hdisk1 holds vg01 with lv01 (/mnt1) and lv02 (/mnt1/sub), both mounted;
/// hdisk2 is mounted whole on /data2; hdisk3 is unused.
fn host_world() -> Scratch {
    let s = world(3);
    host_update(&s, |h| {
        h.create_vg("vg01", &["/dev/hdisk1"])?;
        h.add_lv("/dev/vg01", "lv01", Some("/mnt1"))?;
        h.add_lv("/dev/vg01", "lv02", Some("/mnt1/sub"))?;
        h.mount("/dev/lv01", None)?;
        h.mount("/dev/lv02", None)?;
        h.mount("/dev/hdisk2", Some("/data2"))?;
        Ok(())
    });
    s
}

fn mounts(s: &Scratch) -> Vec<(String, String)> {
    let h = acm_host::HostStore::open_at(s.root().join("var/opt/acmsim-host"))
        .load()
        .unwrap();
    h.mounts.into_iter().collect()
}

fn all_mounted() -> Vec<(String, String)> {
    vec![
        ("/data2".into(), "/dev/hdisk2".into()),
        ("/mnt1".into(), "/dev/lv01".into()),
        ("/mnt1/sub".into(), "/dev/lv02".into()),
    ]
}

fn state_dir(s: &Scratch, node: Option<&str>) -> PathBuf {
    match node {
        Some(n) => s
            .root()
            .join("etc/opt/FJSVswsts")
            .join(n)
            .join("data/DEFAULT"),
        None => s.root().join("etc/opt/FJSVswsts/data/DEFAULT"),
    }
}

#[test]
fn backup_scripts_unmount_and_remount_a_volume_group() {
    let sim = acm_testkit::bin("acmsim");
    let s = host_world();
    assert_eq!(mounts(&s), all_mounted());
    let out = run_script(
        &s,
        &sim,
        "OpcBackup.pre",
        &["/dev/vg01", "", "/dev/vg02"],
        None,
    );
    assert_eq!(code(&out), Some(0), "{out:?}");
    assert_eq!(mounts(&s), vec![("/data2".into(), "/dev/hdisk2".into())]);
    let state = state_dir(&s, None).join("vg01.pre");
    let text = std::fs::read_to_string(&state).unwrap();
    assert_eq!(text, "/dev/lv02 /mnt1/sub\n/dev/lv01 /mnt1\n");
    let out = run_script(&s, &sim, "OpcBackup.post", &["/dev/vg01", ""], None);
    assert_eq!(code(&out), Some(0), "{out:?}");
    assert_eq!(mounts(&s), all_mounted());
    assert!(!state.exists());
    // Nothing recorded: the post script has nothing to do.
    let out = run_script(&s, &sim, "OpcBackup.post", &["/dev/vg01"], None);
    assert_eq!(code(&out), Some(0), "{out:?}");
}

#[test]
fn restore_scripts_handle_disks_and_the_logical_node() {
    let sim = acm_testkit::bin("acmsim");
    let s = host_world();
    // A disk of a volume group stands for the group's file systems.
    let out = run_script(
        &s,
        &sim,
        "OpcRestore.pre",
        &["/dev/hdisk1", ""],
        Some("nodeA"),
    );
    assert_eq!(code(&out), Some(0), "{out:?}");
    let state = state_dir(&s, Some("nodeA")).join("hdisk1.pre");
    assert!(state.is_file());
    assert_eq!(mounts(&s), vec![("/data2".into(), "/dev/hdisk2".into())]);
    // A whole disk mounted without a volume group.
    let out = run_script(&s, &sim, "OpcRestore.pre", &["/dev/hdisk2"], None);
    assert_eq!(code(&out), Some(0), "{out:?}");
    assert!(mounts(&s).is_empty());
    assert_eq!(
        std::fs::read_to_string(state_dir(&s, None).join("hdisk2.pre")).unwrap(),
        "/dev/hdisk2 /data2\n"
    );
    // An unmounted disk: nothing to do, nothing recorded.
    let out = run_script(&s, &sim, "OpcRestore.pre", &["/dev/hdisk3"], None);
    assert_eq!(code(&out), Some(0), "{out:?}");
    assert!(!state_dir(&s, None).join("hdisk3.pre").exists());

    // One file system remounted by hand already: skipped, not an error.
    host_update(&s, |h| h.mount("/dev/lv01", None).map(drop));
    let out = run_script(
        &s,
        &sim,
        "OpcRestore.post",
        &["/dev/hdisk1", ""],
        Some("nodeA"),
    );
    assert_eq!(code(&out), Some(0), "{out:?}");
    assert!(!state.exists());
    let out = run_script(&s, &sim, "OpcRestore.post", &["/dev/hdisk2"], None);
    assert_eq!(code(&out), Some(0), "{out:?}");
    assert_eq!(mounts(&s), all_mounted());
}

#[test]
fn restore_post_varies_a_volume_group_on() {
    let sim = acm_testkit::bin("acmsim");
    let s = host_world();
    let out = run_script(&s, &sim, "OpcRestore.pre", &["/dev/vg01"], None);
    assert_eq!(code(&out), Some(0), "{out:?}");
    host_update(&s, |h| h.varyoff("/dev/vg01"));
    let out = run_script(&s, &sim, "OpcRestore.post", &["/dev/vg01"], None);
    assert_eq!(code(&out), Some(0), "{out:?}");
    assert_eq!(mounts(&s), all_mounted());
}

#[test]
fn argument_errors_and_foreign_names() {
    // These never reach the host console.
    let s = world(1);
    let sim = Path::new("/nonexistent/acmsim");
    for (name, too_many) in [
        ("OpcBackup.pre", vec!["a", "b", "c", "d"]),
        ("OpcBackup.post", vec!["a", "b", "c"]),
        ("OpcRestore.pre", vec!["a", "b", "c"]),
        ("OpcRestore.post", vec!["a", "b", "c"]),
    ] {
        assert_eq!(
            code(&run_script(&s, sim, name, &[], None)),
            Some(2),
            "{name}"
        );
        assert_eq!(
            code(&run_script(&s, sim, name, &too_many, None)),
            Some(2),
            "{name}"
        );
        for foreign in ["hdisk1", "/tmp/x", "/dev/vx/rdmp/a/b", "/dev/a b"] {
            let out = run_script(&s, sim, name, &[foreign], None);
            assert_eq!(code(&out), Some(0), "{name} {foreign}: {out:?}");
        }
    }
}

/// A stand-in console whose `host list` shows one mount of /dev/hdisk1 and whose
/// mount and umount always fail.
fn failing_console(s: &Scratch) -> PathBuf {
    let p = s.path().join("fake-acmsim");
    std::fs::write(
        &p,
        "#!/bin/sh\ncase \"$1 $2\" in\n\"host list\") echo 'mount /fs1 /dev/hdisk1' ;;\n*) exit 1 ;;\nesac\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[test]
fn umount_and_mount_errors() {
    let s = world(1);
    let fake = failing_console(&s);
    let out = run_script(&s, &fake, "OpcBackup.pre", &["/dev/hdisk1"], None);
    assert_eq!(code(&out), Some(10), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("/fs1"));
    assert!(!state_dir(&s, None).join("hdisk1.pre").exists());
    // A recorded file system that cannot be mounted: 11, and the record is kept.
    std::fs::create_dir_all(state_dir(&s, None)).unwrap();
    let state = state_dir(&s, None).join("hdisk1.pre");
    std::fs::write(&state, "/dev/hdisk1 /fs2\n").unwrap();
    let out = run_script(&s, &fake, "OpcRestore.post", &["/dev/hdisk1"], None);
    assert_eq!(code(&out), Some(11), "{out:?}");
    assert!(state.exists());
}
