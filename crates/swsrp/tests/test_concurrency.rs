//! Command exclusion across processes (manual 8.3 NOTES) and the list's integrity under
//! concurrent invocations.

mod common;

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
