//! The maintenance commands (manual 8.1.3): swstresback / swstresrst round trip
//! and refusals, swstsrsemtch on a list without sessions, and the common tests.

use crate::common;

use acm_backup::exclusion;
use acm_backup::list::Hold;
use acm_testkit::{assert_no_panic, Scratch};
use common::*;
use std::path::PathBuf;
use std::process::Output;

fn mbin(name: &str) -> PathBuf {
    common::bin(name)
}

fn mrun(s: &Scratch, cmd: &str, args: &[&str]) -> Output {
    let out = s.cmd(&mbin(cmd)).args(args).output().unwrap();
    assert_no_panic(&out);
    out
}

fn mok(s: &Scratch, cmd: &str, args: &[&str]) -> String {
    let out = mrun(s, cmd, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{cmd} {args:?}: {err}");
    assert!(err.is_empty(), "{cmd} {args:?}: stderr {err}");
    String::from_utf8(out.stdout).unwrap()
}

/// Expects refusal `id` with exit status `code`, nothing on stdout, the list untouched.
fn mrefused(s: &Scratch, cmd: &str, args: &[&str], id: &str, code: i32) -> String {
    let before = std::fs::read(list_path(s)).ok();
    let out = mrun(s, cmd, args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{cmd} {args:?}: {err}");
    assert!(
        err.starts_with(&format!("{id} ")),
        "{cmd} {args:?}: expected {id}, got {err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read(list_path(s)).ok(),
        before,
        "{cmd} changed the list"
    );
    err
}

/// A configured server with hdisk1 (transaction, policy), hdisk2-3 (backup).
fn populated() -> Scratch {
    let s = configured(3);
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk1"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk2"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk3"]);
    ok(&s, "swstbkpolset", &["-s", "2", "/dev/hdisk1"]);
    add_history(&s, "/dev/hdisk1", "/dev/hdisk2");
    s
}

#[test]
fn resback_then_resrst_brings_the_list_back() {
    let s = populated();
    let dir = s.path().join("bk");
    std::fs::create_dir(&dir).unwrap();
    let d = dir.to_str().unwrap();
    assert_eq!(mok(&s, "swstresback", &[d]), "swstresback completed\n");
    let saved = list_store(&s).load().unwrap();
    let copy = |dir: &std::path::Path| {
        acm_backup::list::ListStore::load_saved(&dir.join("FJSVswsts/swstlist.redb")).unwrap()
    };
    assert_eq!(copy(&dir), saved);
    // Locks and run records are not saved.
    let names: Vec<String> = std::fs::read_dir(dir.join("FJSVswsts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.ends_with(".lock") && n != "run"),
        "{names:?}"
    );

    // Change the list, then restore.
    ok(&s, "swstbkpolset", &["-s", "1", "/dev/hdisk1"]);
    ok(&s, "swstdevinfoset", &["-o", "/dev/hdisk3"]);
    assert_ne!(list_store(&s).load().unwrap(), saved);
    assert_eq!(mok(&s, "swstresrst", &[d]), "swstresrst completed\n");
    assert_eq!(list_store(&s).load().unwrap(), saved);
    assert!(ok(&s, "swstbkpoldisp", &["/dev/hdisk1"]).contains(" 2 "));

    // A second backup into the same directory replaces the first whole.
    ok(&s, "swstdevinfoset", &["-o", "/dev/hdisk3"]);
    mok(&s, "swstresback", &[d]);
    assert_eq!(copy(&dir), list_store(&s).load().unwrap());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "FJSVswsts")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn refusals() {
    let s = populated();
    let missing = s.path().join("nope");
    let m = missing.to_str().unwrap();
    let e = mrefused(&s, "swstresback", &[m], "swst1801", 1);
    assert!(e.contains(m), "{e}");
    mrefused(&s, "swstresrst", &[m], "swst1801", 1);
    // A plain file is not a directory.
    let file = s.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    mrefused(&s, "swstresback", &[file.to_str().unwrap()], "swst1801", 1);
    // An empty directory holds no backup.
    let empty = s.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let e = mrefused(&s, "swstresrst", &[empty.to_str().unwrap()], "swst1802", 1);
    assert!(e.contains("swstresback"), "{e}");
    // A damaged backup is refused without touching the list.
    std::fs::create_dir(empty.join("FJSVswsts")).unwrap();
    std::fs::write(empty.join("FJSVswsts/swstlist.redb"), b"{half").unwrap();
    mrefused(&s, "swstresrst", &[empty.to_str().unwrap()], "swst1804", 1);
    // Busy: a running operation command excludes all three.
    let held = acm_testkit::retry(|| {
        exclusion::enter_at(&data_dir(&s), "swstbackup", Some("/dev/hdisk1"))
    })
    .unwrap();
    let good = s.path().join("good");
    std::fs::create_dir(&good).unwrap();
    let g = good.to_str().unwrap();
    for (cmd, args) in [
        ("swstresback", vec![g]),
        ("swstresrst", vec![g]),
        ("swstsrsemtch", vec![]),
    ] {
        let e = mrefused(&s, cmd, &args, "swst1003", 1);
        assert!(e.contains("swstbackup (/dev/hdisk1)"), "{e}");
    }
    assert!(std::fs::read_dir(&good).unwrap().next().is_none());
    drop(held);
    // Usage: missing operand, options that do not exist.
    mrefused(&s, "swstresback", &[], "swst0002", 2);
    mrefused(&s, "swstresrst", &[], "swst0002", 2);
    mrefused(&s, "swstresback", &["-h", "job2", g], "swst0002", 2);
    mrefused(&s, "swstsrsemtch", &["/dev/hdisk1"], "swst0002", 2);
    mrefused(&s, "swstsrsemtch", &["-h", "other"], "swst0906", 1);
}

#[test]
fn resrst_needs_swstsvrset_first() {
    let s = populated();
    let dir = s.path().join("bk");
    std::fs::create_dir(&dir).unwrap();
    let d = dir.to_str().unwrap();
    mok(&s, "swstresback", &[d]);
    // A fresh server that never ran swstsvrset.
    let fresh = world(3);
    let e = mrefused(&fresh, "swstresrst", &[d], "swst1002", 1);
    assert!(e.contains("swstsvrset"), "{e}");
    mrefused(&fresh, "swstresback", &[d], "swst1002", 1);
    mrefused(&fresh, "swstsrsemtch", &[], "swst1002", 1);
    assert!(!list_path(&fresh).exists());
    ok(&fresh, "swstsvrset", &[]);
    mok(&fresh, "swstresrst", &[d]);
    assert_eq!(
        list_store(&fresh).load().unwrap(),
        list_store(&s).load().unwrap()
    );
}

#[test]
fn srsemtch_clears_holds_without_sessions_and_leftovers() {
    let s = populated();
    edit_list(&s, |l| {
        l.devices.get_mut("/dev/hdisk3").unwrap().hold = Some(Hold::Tracking {
            transaction: "/dev/hdisk1".into(),
        });
    });
    let used = ok(&s, "swstdevdisp", &["-b", "-u"]);
    assert!(used.contains("Backup (used-T)"), "{used}");
    edit_list(&s, |l| {
        l.syncs
            .insert("/dev/hdisk1".into(), vec!["/dev/hdisk3".into()]);
    });
    let tmp = data_dir(&s).join(".swstlist.redb.tmp.4242");
    std::fs::write(&tmp, b"{\"format\":").unwrap();
    assert_eq!(mok(&s, "swstsrsemtch", &[]), "swstsrsemtch completed\n");
    assert!(!tmp.exists());
    let l = list_store(&s).load().unwrap();
    assert!(l.devices["/dev/hdisk3"].hold.is_none());
    assert!(l.syncs.is_empty());
    assert_eq!(l.history["/dev/hdisk1"].len(), 1, "history stays");
    let shown = ok(&s, "swstdevdisp", &["-b", "-u"]);
    assert!(!shown.contains("used-T"), "{shown}");
    // -x does the same; -h with this server's name is accepted; nothing to change.
    let before = std::fs::read(list_path(&s)).unwrap();
    assert_eq!(
        mok(&s, "swstsrsemtch", &["-x", "-h", SERVER]),
        "swstsrsemtch completed\n"
    );
    assert_eq!(std::fs::read(list_path(&s)).unwrap(), before);
}

// swstsrsemtch takes no operand; swstresback and swstresrst take no option, so
// their missing operand is tested in `refusals`.

/// Damages the simulated array's store: the array service is stopped (so
/// it holds no copy in memory) and the store file scribbled over.
fn damage_boxes(s: &Scratch) {
    acm_sim::client::stop(&s.sim_home()).unwrap();
    let store = acm_sim::store::store_path(&s.sim_home());
    assert!(store.is_file(), "no store at {}", store.display());
    std::fs::write(&store, b"{\"format\": \"acmsim-box\", \"vers").unwrap();
}

#[test]
fn srsemtch_refuses_a_damaged_box_state_instead_of_completing() {
    // No hold, no sync: nothing to reconcile, but the array must still answer.
    let s = populated();
    damage_boxes(&s);
    let e = mrefused(&s, "swstsrsemtch", &[], "swst1006", 1);
    assert!(e.contains("array.redb"), "{e}");
}
