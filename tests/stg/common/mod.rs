//! Shared set-up for the configuration command tests: a Management Server
//! `MGR` (the scratch root) and a Managed Server `SV1` (a second state root on
//! the same machine, named in the manager's `peers.ini`), sharing one
//! simulated box whose LUNs are attached to SV1's host.
#![allow(dead_code)]

use acm_host::{Disk, HostStore};
use acm_sim::state::LunKind;
use acm_testkit::Scratch;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Size of every test LUN.
pub const LUN: u64 = 4 << 20;

/// Program `name` of the suite (a link to the build's multicall binary).
pub fn bin(name: &str) -> PathBuf {
    acm_testkit::bin(name)
}

/// A program of another crate of the workspace built into the same directory
/// (`swstsvrset`, `swsrpvolinfo`), if it has been built.
pub fn sibling(name: &str) -> Option<PathBuf> {
    let p = bin("stgagent").parent()?.join(name);
    p.is_file().then_some(p)
}

pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The managed server's state root.
pub fn sv1(s: &Scratch) -> PathBuf {
    s.path().join("sv1")
}

/// MGR and SV1; SV1's host has `/dev/hdisk1`..`/dev/hdisk{luns}` on box B1,
/// with volume group `/dev/vg01` on hdisk1 and `/dev/lv01` mounted at `/mnt/vg01`.
pub fn two(luns: u32) -> Scratch {
    let s = Scratch::new();
    write(
        &s.root().join("etc/opt/swstorage/swnode.ini"),
        "ServerName=MGR\nServerType=Management\nIpAddress=127.0.0.1\n",
    );
    write(
        &sv1(&s).join("etc/opt/swstorage/swnode.ini"),
        "ServerName=SV1\nManagerIpAddress=127.0.0.1\nManagerPort=1226\nManagerName=MGR\n",
    );
    write(
        &s.root().join("etc/opt/swstorage/peers.ini"),
        &format!("SV1={}\n", sv1(&s).display()),
    );
    write(
        &sv1(&s).join("etc/opt/swstorage/peers.ini"),
        &format!("MGR={}\n", s.root().display()),
    );
    let mut array = acm_sim::Array::open(&s.sim_home()).unwrap();
    let box_id = array.create_box("B1").unwrap();
    let bid = array.bid_by_name("B1").unwrap();
    array
        .create_luns(&bid, LUN, luns, LunKind::Standard)
        .unwrap();
    array.commit().unwrap();
    drop(array);
    HostStore::open_at(sv1(&s).join("var/opt/acmsim-host"))
        .update(|h| {
            for olu in 0..luns {
                h.attach(
                    &format!("/dev/hdisk{}", olu + 1),
                    Disk {
                        box_name: "B1".into(),
                        box_id: box_id.clone(),
                        olu,
                        size: LUN,
                        vxvm: false,
                        node: None,
                        block: None,
                    },
                )?;
            }
            h.create_vg("vg01", &["/dev/hdisk1"])?;
            h.add_lv("vg01", "lv01", Some("/mnt/vg01"))?;
            h.mount("/dev/lv01", None)?;
            Ok(())
        })
        .unwrap();
    s
}

/// `program` run on MGR (the scratch root).
pub fn run(s: &Scratch, program: &str, args: &[&str]) -> Output {
    acm_testkit::run(s, &bin(program), args)
}

/// `program` run on the server whose state root is `root`.
pub fn run_in(s: &Scratch, root: &Path, program: &Path, args: &[&str]) -> Output {
    let out = s
        .cmd(program)
        .env("ACM_ROOT", root)
        .args(args)
        .output()
        .unwrap();
    acm_testkit::assert_no_panic(&out);
    out
}

/// Runs on MGR and expects success with nothing on stderr; returns stdout.
pub fn ok(s: &Scratch, program: &str, args: &[&str]) -> String {
    acm_testkit::ok(s, &bin(program), args)
}

/// Runs on the server of `root` and expects success; returns stdout.
pub fn ok_in(s: &Scratch, root: &Path, program: &Path, args: &[&str]) -> String {
    let out = run_in(s, root, program, args);
    assert!(
        out.status.success(),
        "{} {args:?}: {}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The repository file of MGR.
pub fn repository(s: &Scratch) -> PathBuf {
    s.root()
        .join("etc/opt/FJSVswstf/repository/repository.json")
}

/// Runs on MGR and expects refusal `id` with exit status `code`, the repository unchanged.
pub fn refused(s: &Scratch, program: &str, args: &[&str], id: &str, code: i32) -> String {
    acm_testkit::refused(s, &bin(program), args, id, code, &repository(s))
}

/// Runs on the server of `root` and expects refusal `id` (status 1).
pub fn refused_in(s: &Scratch, root: &Path, program: &str, args: &[&str], id: &str) -> String {
    let out = run_in(s, root, &bin(program), args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{program} {args:?}: {err}");
    assert!(err.starts_with(&format!("{id} ")), "expected {id}: {err}");
    err
}

/// MGR with SV1 registered.
pub fn registered(luns: u32) -> Scratch {
    let s = two(luns);
    ok(
        &s,
        "stgxfwcmaddsrv",
        &["-n", "SV1", "-i", "127.0.0.1", "-p", "1226"],
    );
    s
}

pub fn tokens(text: &str) -> Vec<Vec<String>> {
    acm_testkit::tokens(text)
}
