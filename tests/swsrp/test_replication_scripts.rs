//! The shipped replication scripts (`crates/acm-replication/sh`), run with `sh`
//! against a scratch root whose simulated host has mounted file systems.
//!
//! They drive the host through the `acmsim` console, not built as a dependency
//! of this package: the tests look for `target/<profile>/acmsim` and are skipped
//! (with a note) when it is not built.

use crate::common;

use acm_testkit::Scratch;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/acm-replication/sh")
        .join(name)
}

fn sh(s: &Scratch, sim: &Path, name: &str, args: &[&str], node: Option<&str>) -> Output {
    let mut c = s.cmd(Path::new("sh"));
    c.arg(script(name)).args(args).env("ACMSIM", sim);
    if let Some(n) = node {
        c.env("SWSTGNODE", n);
    }
    c.output().unwrap()
}

fn mounts(s: &Scratch) -> Vec<(String, String)> {
    acm_host::HostStore::open_at(s.root().join("var/opt/acmsim-host"))
        .load()
        .unwrap()
        .mounts
        .into_iter()
        .collect()
}

/// hdisk1 mounted on /src, vg02 (hdisk2) with lv02 on /dst, hdisk3 unused.
fn host() -> Scratch {
    let s = world(3);
    host_update(&s, |h| {
        h.mount("/dev/hdisk1", Some("/src"))?;
        h.create_vg("vg02", &["/dev/hdisk2"])?;
        h.add_lv("/dev/vg02", "lv02", Some("/dst"))?;
        h.mount("/dev/lv02", None)?;
        Ok(())
    });
    s
}

fn state(s: &Scratch, node: Option<&str>, file: &str) -> PathBuf {
    let base = s.root().join("etc/opt/FJSVswsrp");
    match node {
        Some(n) => base.join(n).join("data/DEFAULT").join(file),
        None => base.join("data/DEFAULT").join(file),
    }
}

#[test]
fn source_scripts_round_trip_a_physical_disk() {
    let sim = acm_testkit::bin("acmsim");
    let s = host();
    let all = mounts(&s);
    let out = sh(&s, &sim, "RepSrc.pre", &["/dev/hdisk1", "reserve"], None);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(mounts(&s), vec![("/dst".into(), "/dev/lv02".into())]);
    let f = state(&s, None, "hdisk1.spre");
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "/dev/hdisk1 /src\n");
    let out = sh(&s, &sim, "RepSrc.post", &["/dev/hdisk1"], None);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(mounts(&s), all);
    assert!(!f.exists());
    // No state file: nothing to do.
    let out = sh(&s, &sim, "RepSrc.post", &["/dev/hdisk1"], None);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // Nothing mounted: nothing recorded.
    let out = sh(&s, &sim, "RepSrc.pre", &["/dev/hdisk3", "reserve"], None);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(!state(&s, None, "hdisk3.spre").exists());
}

#[test]
fn destination_scripts_handle_a_volume_group_and_the_node() {
    let sim = acm_testkit::bin("acmsim");
    let s = host();
    let all = mounts(&s);
    let out = sh(&s, &sim, "RepDst.pre", &["/dev/hdisk2", ""], Some("node1"));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(mounts(&s), vec![("/src".into(), "/dev/hdisk1".into())]);
    let f = state(&s, Some("node1"), "hdisk2.dpre");
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "/dev/lv02 /dst\n");
    let out = sh(&s, &sim, "RepDst.post", &["/dev/hdisk2"], Some("node1"));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(mounts(&s), all);
    assert!(!f.exists());
    // By volume group name too.
    let out = sh(&s, &sim, "RepDst.pre", &["/dev/vg02", ""], None);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(state(&s, None, "vg02.dpre").exists());
    let out = sh(&s, &sim, "RepDst.post", &["/dev/vg02"], None);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(mounts(&s), all);
}

#[test]
fn argument_counts() {
    let sim = acm_testkit::bin("acmsim");
    let s = host();
    for (name, args) in [
        ("RepSrc.pre", &["/dev/hdisk1"][..]),
        ("RepDst.pre", &["/dev/hdisk1", "", "x"]),
        ("RepSrc.post", &[]),
        ("RepDst.post", &["/dev/hdisk1", ""]),
    ] {
        let out = sh(&s, &sim, name, args, None);
        assert_eq!(out.status.code(), Some(2), "{name} {args:?}: {out:?}");
    }
}
