//! Command exclusion across processes (manual 8.3 NOTES) and the list's integrity under
//! concurrent invocations.

use crate::common;

use common::*;

#[test]
fn a_running_configuration_command_refuses_the_next_and_is_named() {
    let s = world(4);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    let dir = s.root().join("etc/opt/FJSVswsrp/data");
    let held = acm_testkit::retry(|| {
        acm_replication::exclusion::enter_at(&dir, "swsrpsetvol", Some("/dev/vg01 /dev/vg02"))
    })
    .unwrap();
    let e = refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk3", "/dev/hdisk4"],
        "swsrp1003",
        1,
    );
    assert!(
        e.contains("swsrpsetvol (/dev/vg01 /dev/vg02) is running"),
        "{e}"
    );
    refused(
        &s,
        "swsrpdelvol",
        &["/dev/hdisk1", "/dev/hdisk2"],
        "swsrp1003",
        1,
    );
    // A display runs beside it.
    assert_eq!(tokens(&ok(&s, "swsrpvolinfo", &[])).len(), 2);
    drop(held);
    // swsrprecoverres excludes the display too.
    let held =
        acm_testkit::retry(|| acm_replication::exclusion::enter_at(&dir, "swsrprecoverres", None))
            .unwrap();
    let e = refused(&s, "swsrpvolinfo", &[], "swsrp1003", 1);
    assert!(e.contains("swsrprecoverres"), "{e}");
    drop(held);
    ok(&s, "swsrpsetvol", &["/dev/hdisk3", "/dev/hdisk4"]);
}

#[test]
fn concurrent_invocations_never_corrupt_the_list() {
    let s = world(16);
    let outs: Vec<(usize, std::process::Output)> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let s = &s;
                sc.spawn(move || {
                    let a = format!("/dev/hdisk{}", 2 * i + 1);
                    let b = format!("/dev/hdisk{}", 2 * i + 2);
                    let cmd = if i % 3 == 2 {
                        "swsrpvolinfo"
                    } else {
                        "swsrpsetvol"
                    };
                    let args: Vec<&str> = if cmd == "swsrpvolinfo" {
                        vec![]
                    } else {
                        vec![&a, &b]
                    };
                    (i, run(s, cmd, &args))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut set = 0;
    for (i, out) in &outs {
        let err = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            if i % 3 != 2 {
                set += 1;
            }
        } else {
            assert!(err.starts_with("swsrp1003 "), "{i}: {err}");
            assert_eq!(out.status.code(), Some(1));
        }
    }
    let l = list(&s);
    assert_eq!(l.pairs.len(), set);
    // Whatever was refused can be set now, one after the other.
    for i in 0..8 {
        if i % 3 == 2 {
            continue;
        }
        let a = format!("/dev/hdisk{}", 2 * i + 1);
        let b = format!("/dev/hdisk{}", 2 * i + 2);
        let out = run(&s, "swsrpsetvol", &[&a, &b]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() || err.starts_with("swsrp1201 "),
            "{err}"
        );
    }
    assert_eq!(list(&s).pairs.len(), 6);
}

/// Kill -9 of `swsrpsetvol` and `swsrpdelvol` at any moment: the list and its
/// repository copy always read back whole, each pair there or not, never half;
/// a change whose completion was printed is there; and the next command works.
#[test]
fn kill_9_of_a_list_change_leaves_old_or_new() {
    let s = world(10);
    let data = s.root().join("etc/opt/FJSVswsrp/data");
    let store = acm_replication::list::ListStore::open_at(&data);
    let repository = acm_replication::repository::Copy::in_data_dir(&data);
    for round in 0..24u64 {
        let i = round % 4;
        let (a, b) = (
            format!("/dev/hdisk{}", 2 * i + 1),
            format!("/dev/hdisk{}", 2 * i + 2),
        );
        let was_set = store
            .load()
            .unwrap()
            .pairs
            .iter()
            .any(|p| p.original.device == a);
        let cmd = if was_set {
            "swsrpdelvol"
        } else {
            "swsrpsetvol"
        };
        let mut child = std::process::Command::new(bin(cmd))
            .env("ACM_ROOT", s.root())
            .env("ACMSIM_HOME", s.sim_home())
            .env_remove("SWSTGNODE")
            .env_remove("ACMSIM_CLOCK")
            .args([&a, &b])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // From at once to well after the change (a command takes a few ms).
        std::thread::sleep(std::time::Duration::from_micros(round * 700 % 9000));
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        let completed = String::from_utf8_lossy(&out.stdout).contains("completed");
        let list = store.load().unwrap();
        let now_set = list.pairs.iter().any(|p| p.original.device == a);
        if completed {
            assert_eq!(now_set, !was_set, "round {round}: {cmd} completed");
        }
        for p in &list.pairs {
            assert!(
                p.replica.device != p.original.device,
                "round {round}: {p:?}"
            );
        }
        // The copy is whole; a command killed after writing the list leaves
        // it behind until the next change brings it to the list.
        let copy = repository.load().unwrap().unwrap_or_default();
        if completed {
            assert_eq!(
                copy, list,
                "round {round}: the copy follows a completed change"
            );
        }
    }
    // Whatever was left, the commands carry on, and the copy is the list again.
    ok(&s, "swsrpvolinfo", &[]);
    ok(&s, "swsrpsetvol", &["/dev/hdisk9", "/dev/hdisk10"]);
    assert_eq!(repository.load().unwrap().unwrap(), store.load().unwrap());
}
