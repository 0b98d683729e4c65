//! swsrpcancel end to end: every row of Tables 8.8 and 8.9, -Xforce, -b with
//! the path down, -c, scripts only from equivalent, the group rules and every
//! refusal (ID, exit status, list unchanged).

use crate::common;

use acm_scsi::model::{self as m, CopyKind as K};
use acm_sim::state::Rate;
use acm_testkit::Scratch;
use common::*;

fn bid(s: &Scratch, name: &str) -> acm_sim::Bid {
    with_array(s, |a| a.bid_by_name(name).unwrap())
}

fn ext(s: &Scratch, dev: &str) -> (String, m::Extent) {
    let (name, olu) = lun_of(s, dev);
    let id = with_array(s, |a| {
        let b = a.bid_by_name(&name).unwrap();
        a.state(&b).unwrap().box_id.clone()
    });
    (
        name,
        m::Extent {
            box_id: m::BoxId::parse(&id).unwrap(),
            olu,
            start_lba: 0,
            blocks: LUN / 512,
        },
    )
}

fn start_rec(s: &Scratch, from: &str, to: &str, kind: K, rec: Option<m::RecModes>) -> u32 {
    let (name, src) = ext(s, from);
    let (_, dst) = ext(s, to);
    with_array(s, |a| {
        let b = a.bid_by_name(&name).unwrap();
        a.start(
            &b,
            &m::StartRequest {
                kind,
                src,
                dst,
                rec,
                dest_access: m::DestAccess::ReadOnly,
                skip_initial_copy: false,
                define_only: false,
            },
        )
        .unwrap()
    })
}

fn start(s: &Scratch, from: &str, to: &str, kind: K) -> u32 {
    start_rec(s, from, to, kind, None)
}

fn d(n: u32) -> String {
    format!("/dev/hdisk{n}")
}

/// World with `n` pairs hdisk(2i-1) → hdisk(2i).
fn pairs(n: u32) -> Scratch {
    let (s, _) = world2(2 * n, 0, 0);
    for i in 1..=n {
        ok(&s, "swsrpsetvol", &[&d(2 * i - 1), &d(2 * i)]);
    }
    s
}

/// (Status, Trk) of the pair of original `orig`.
fn st(s: &Scratch, orig: &str) -> (String, String) {
    let r = stat_row(s, orig);
    (r[4].clone(), r[6].clone())
}

fn none(s: &Scratch, orig: &str) {
    assert_eq!(st(s, orig), ("----".into(), "----".into()));
}

fn completed(from: &str, to: &str) -> String {
    format!("FROM={from}@SV1,TO={to}@SV1 swsrpcancel completed\n")
}

fn cancel(s: &Scratch, args: &[&str]) -> String {
    ok(s, "swsrpcancel", args)
}

/// Logging scripts: each appends `name args` to `log`.
fn scripts(s: &Scratch) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = s.root().join("etc/opt/FJSVswsrp/sh");
    std::fs::create_dir_all(&dir).unwrap();
    let log = s.root().join("scripts.log");
    for name in ["RepSrc.pre", "RepSrc.post", "RepDst.pre", "RepDst.post"] {
        let p = dir.join(name);
        std::fs::write(
            &p,
            format!("#!/bin/sh\necho \"{name} $*\" >> {}\n", log.display()),
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    log
}

fn log_of(log: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Table 8.8: every state of the pair without -T.
#[test]
fn table_8_8() {
    let s = pairs(7);
    // Not in operation: interrupted.
    refused(&s, "swsrpcancel", &[&d(1), &d(2)], "swsrp1703", 1);
    // Reverse copy: interrupted; cancelled in its own direction.
    set_rate(&s, "B1", Rate::Paused);
    start(&s, &d(2), &d(1), K::Opc);
    refused(&s, "swsrpcancel", &[&d(1), &d(2)], "swsrp1702", 1);
    assert_eq!(cancel(&s, &[&d(2), &d(1)]), completed(&d(2), &d(1)));
    none(&s, &d(1));
    // sync.
    start(&s, &d(3), &d(4), K::Ec);
    assert_eq!(st(&s, &d(3)).0, "sync");
    assert_eq!(cancel(&s, &[&d(3), &d(4)]), completed(&d(3), &d(4)));
    none(&s, &d(3));
    // snap with tracking: tracking ends too.
    start(&s, &d(5), &d(6), K::QuickOpc);
    assert_eq!(st(&s, &d(5)), ("snap".into(), "on".into()));
    cancel(&s, &[&d(5), &d(6)]);
    none(&s, &d(5));
    // snap without tracking (OPC).
    start(&s, &d(13), &d(14), K::Opc);
    cancel(&s, &[&d(13), &d(14)]);
    none(&s, &d(13));
    set_rate(&s, "B1", Rate::Unlimited);
    // equivalent and replicated.
    start(&s, &d(7), &d(8), K::Ec);
    wait_status(&s, &d(7), "equivalent");
    cancel(&s, &[&d(7), &d(8)]);
    none(&s, &d(7));
    let id = start(&s, &d(9), &d(10), K::Ec);
    wait_status(&s, &d(9), "equivalent");
    let b1 = bid(&s, "B1");
    with_array(&s, |a| a.suspend(&b1, &[id], false).unwrap());
    assert_eq!(st(&s, &d(9)).0, "replicated");
    cancel(&s, &[&d(9), &d(10)]);
    none(&s, &d(9));
    // ----/on: tracking ends.
    start(&s, &d(11), &d(12), K::QuickOpc);
    wait_status(&s, &d(11), "----");
    assert_eq!(st(&s, &d(11)).1, "on");
    cancel(&s, &[&d(11), &d(12)]);
    none(&s, &d(11));
    // Nothing left: every pair refuses again.
    refused(&s, "swsrpcancel", &[&d(11), &d(12)], "swsrp1703", 1);
}

/// Table 8.9: with -T only tracking ends.
#[test]
fn table_8_9() {
    let s = pairs(6);
    let b1 = bid(&s, "B1");
    refused(&s, "swsrpcancel", &["-T", &d(1), &d(2)], "swsrp1707", 1);
    set_rate(&s, "B1", Rate::Paused);
    start(&s, &d(1), &d(2), K::Ec); // sync
    start(&s, &d(3), &d(4), K::Opc); // snap/off
    start(&s, &d(5), &d(6), K::QuickOpc); // snap/on
    start(&s, &d(8), &d(7), K::Opc); // reverse
    refused(&s, "swsrpcancel", &["-T", &d(1), &d(2)], "swsrp1707", 1);
    refused(&s, "swsrpcancel", &["-T", &d(3), &d(4)], "swsrp1707", 1);
    refused(&s, "swsrpcancel", &["-T", &d(7), &d(8)], "swsrp1702", 1);
    // snap/on: tracking ends, the physical copy goes on.
    assert_eq!(cancel(&s, &["-T", &d(5), &d(6)]), completed(&d(5), &d(6)));
    assert_eq!(st(&s, &d(5)), ("snap".into(), "off".into()));
    set_rate(&s, "B1", Rate::Unlimited);
    wait_status(&s, &d(5), "----");
    none(&s, &d(5));
    // equivalent, replicated: interrupted.
    wait_status(&s, &d(1), "equivalent");
    refused(&s, "swsrpcancel", &["-T", &d(1), &d(2)], "swsrp1707", 1);
    let ec = with_array(&s, |a| {
        a.session_infos(&b1, lun_of(&s, &d(1)).1).unwrap()[0].id
    });
    with_array(&s, |a| a.suspend(&b1, &[ec], false).unwrap());
    assert_eq!(st(&s, &d(1)).0, "replicated");
    refused(&s, "swsrpcancel", &["-T", &d(1), &d(2)], "swsrp1707", 1);
    // ----/on: tracking (the session) ends.
    start(&s, &d(5), &d(6), K::QuickOpc);
    wait_status(&s, &d(5), "----");
    cancel(&s, &["-T", &d(5), &d(6)]);
    none(&s, &d(5));
}

/// SnapOPC and SnapOPC+: the oldest generation first, or -Xforce.
#[test]
fn snap_generations_and_xforce() {
    let (s, _) = world2(3, 3, 0);
    // hdisk4..6 are Snap Data Volumes.
    for (a, b) in [(1, 4), (1, 5), (1, 6), (2, 3)] {
        ok(&s, "swsrpsetvol", &[&d(a), &d(b)]);
    }
    start(&s, &d(1), &d(4), K::SnapOpcPlus);
    start(&s, &d(1), &d(5), K::SnapOpcPlus);
    start(&s, &d(1), &d(6), K::SnapOpcPlus);
    start(&s, &d(2), &d(3), K::Ec);
    refused(&s, "swsrpcancel", &[&d(1), &d(5)], "swsrp1704", 1);
    refused(
        &s,
        "swsrpcancel",
        &["-Xforce", &d(2), &d(3)],
        "swsrp1705",
        1,
    );
    // The oldest goes without -Xforce; the next is then the oldest.
    cancel(&s, &[&d(1), &d(4)]);
    let gens = tokens(&ok(&s, "swsrpstat", &["-L", &d(1)]));
    assert_eq!(gens[1][4], "----");
    assert_eq!(gens[2][11], "1");
    assert_eq!(gens[3][11], "2");
    // -Xforce stops the generation and every older one.
    assert_eq!(
        cancel(&s, &["-Xforce", &d(1), &d(6)]),
        completed(&d(1), &d(6))
    );
    let gens = tokens(&ok(&s, "swsrpstat", &[&d(1)]));
    assert!(gens[1..].iter().all(|r| r[4] == "----"), "{gens:?}");
    // -Xforce with a single generation.
    start(&s, &d(1), &d(4), K::SnapOpcPlus);
    cancel(&s, &["-Xforce", &d(1), &d(4)]);
}

/// -b stops only a halted REC session, and works on the path down; -c is
/// refused on the operation server; options that cannot go together.
#[test]
fn halted_sessions_and_options() {
    let (s, _) = world2(2, 0, 2);
    ok(&s, "swsrpsetvol", &[&d(1), &d(3)]);
    ok(&s, "swsrpsetvol", &[&d(2), &d(4)]);
    let modes = Some(m::RecModes {
        transfer: m::Transfer::Through,
        split: m::Split::Auto,
        recovery: m::Recovery::Manual,
    });
    start_rec(&s, &d(1), &d(3), K::Rec, modes);
    start_rec(&s, &d(2), &d(4), K::Rec, modes);
    wait_status(&s, &d(1), "equivalent");
    refused(&s, "swsrpcancel", &["-b", &d(1), &d(3)], "swsrp1706", 1);
    refused(&s, "swsrpcancel", &["-c", &d(1), &d(3)], "swsrp1701", 1);
    refused(
        &s,
        "swsrpcancel",
        &["-c", "-b", &d(1), &d(3)],
        "swsrp1701",
        1,
    );
    for bad in [
        &["-T", "-b", "/dev/hdisk1", "/dev/hdisk3"][..],
        &["-T", "-Xforce", "/dev/hdisk1", "/dev/hdisk3"],
        &["-Xforce", "-f", "/dev/hdisk1", "/dev/hdisk3"],
        &["-Xreverse", "/dev/hdisk1", "/dev/hdisk3"],
        &["/dev/hdisk1"],
        &["-Xgroup", "G", "/dev/hdisk1", "/dev/hdisk3"],
        &["-Z", "/dev/hdisk1", "/dev/hdisk3"],
    ] {
        refused(&s, "swsrpcancel", bad, "swsrp0002", 2);
    }
    refused(&s, "swsrpcancel", &[&d(1), &d(2)], "swsrp1302", 1);
    refused(
        &s,
        "swsrpcancel",
        &["-h", "SV9", &d(1), &d(3)],
        "swsrp0906",
        1,
    );
    refused(&s, "swsrpcancel", &["-Xgroup", "NONE"], "swsrp1304", 1);
    set_path(&s, false);
    assert_eq!(st(&s, &d(1)).0, "halt");
    assert_eq!(cancel(&s, &["-b", &d(1), &d(3)]), completed(&d(1), &d(3)));
    none(&s, &d(1));
    // Without -b a halted session is cancelled too.
    assert_eq!(st(&s, &d(2)).0, "halt");
    cancel(&s, &[&d(2), &d(4)]);
    none(&s, &d(2));
    // The status cannot be obtained.
    set_path(&s, true);
    start_rec(&s, &d(1), &d(3), K::Rec, modes);
    let b1 = bid(&s, "B1");
    with_array(&s, |a| {
        a.admin(&b1, |st| {
            st.faults.unobtainable = true;
            Ok(())
        })
        .unwrap()
    });
    refused(&s, "swsrpcancel", &[&d(1), &d(3)], "swsrp1708", 1);
}

/// Scripts run only when the session is equivalent; -f, -t, and a failing
/// pre-processing script.
#[test]
fn scripts_only_from_equivalent() {
    let s = pairs(2);
    let log = scripts(&s);
    set_rate(&s, "B1", Rate::Paused);
    start(&s, &d(1), &d(2), K::Ec);
    cancel(&s, &[&d(1), &d(2)]);
    assert!(log_of(&log).is_empty(), "no scripts from sync");
    set_rate(&s, "B1", Rate::Unlimited);
    let eq = |s: &Scratch| {
        start(s, &d(1), &d(2), K::Ec);
        wait_status(s, &d(1), "equivalent");
    };
    eq(&s);
    cancel(&s, &[&d(1), &d(2)]);
    assert_eq!(
        log_of(&log),
        [
            "RepSrc.pre /dev/hdisk1 reserve",
            "RepSrc.post /dev/hdisk1",
            "RepDst.post /dev/hdisk2"
        ]
    );
    std::fs::remove_file(&log).unwrap();
    eq(&s);
    cancel(&s, &["-f", &d(1), &d(2)]);
    assert_eq!(log_of(&log), ["RepDst.post /dev/hdisk2"]);
    std::fs::remove_file(&log).unwrap();
    eq(&s);
    cancel(&s, &["-t", &d(1), &d(2)]);
    assert_eq!(
        log_of(&log),
        ["RepSrc.pre /dev/hdisk1 reserve", "RepSrc.post /dev/hdisk1"]
    );
    std::fs::remove_file(&log).unwrap();
    // A failing pre-processing script stops the cancellation.
    eq(&s);
    std::fs::write(
        s.root().join("etc/opt/FJSVswsrp/sh/RepSrc.pre"),
        "#!/bin/sh\nexit 3\n",
    )
    .unwrap();
    refused(&s, "swsrpcancel", &[&d(1), &d(2)], "swsrp2613", 1);
    assert_eq!(st(&s, &d(1)).0, "equivalent");
    // Replicated: no scripts.
    std::fs::remove_file(s.root().join("etc/opt/FJSVswsrp/sh/RepSrc.pre")).unwrap();
    let _ = std::fs::remove_file(&log);
    let b1 = bid(&s, "B1");
    let id = with_array(&s, |a| {
        a.session_infos(&b1, lun_of(&s, &d(1)).1).unwrap()[0].id
    });
    with_array(&s, |a| a.suspend(&b1, &[id], false).unwrap());
    cancel(&s, &[&d(1), &d(2)]);
    assert!(log_of(&log).is_empty());
}

/// Group: refused without cancelling when nothing matches; pairs without a
/// session skipped; stops at the first error; -Xreverse; -b and -T in groups.
#[test]
fn groups() {
    let (s, _) = world2(8, 0, 0);
    for i in 1..=4u32 {
        ok(
            &s,
            "swsrpsetvol",
            &["-Xgroup", "G1", &d(2 * i - 1), &d(2 * i)],
        );
    }
    let log = scripts(&s);
    refused(&s, "swsrpcancel", &["-Xgroup", "G1"], "swsrp1703", 1);
    start(&s, &d(1), &d(2), K::Ec);
    start(&s, &d(5), &d(6), K::QuickOpc);
    wait_status(&s, &d(1), "equivalent");
    wait_status(&s, &d(5), "----");
    refused(&s, "swsrpcancel", &["-b", "-Xgroup", "G1"], "swsrp1706", 1);
    refused(
        &s,
        "swsrpcancel",
        &["-Xreverse", "-Xgroup", "G1"],
        "swsrp1703",
        1,
    );
    // -T stops only the tracking session.
    assert_eq!(
        cancel(&s, &["-T", "-Xgroup", "G1"]),
        "GROUP=G1 swsrpcancel completed\n"
    );
    none(&s, &d(5));
    assert_eq!(st(&s, &d(1)).0, "equivalent");
    refused(&s, "swsrpcancel", &["-T", "-Xgroup", "G1"], "swsrp1707", 1);
    refused(
        &s,
        "swsrpcancel",
        &["-Xforce", "-Xgroup", "G1"],
        "swsrp1705",
        1,
    );
    // A reverse copy on the third pair stops the group after the first.
    set_rate(&s, "B1", Rate::Paused);
    start(&s, &d(6), &d(5), K::Opc);
    refused(&s, "swsrpcancel", &["-Xgroup", "G1"], "swsrp1702", 1);
    none(&s, &d(1));
    assert!(log_of(&log).is_empty(), "no scripts in a group");
    // -Xreverse cancels it.
    assert_eq!(
        cancel(&s, &["-Xreverse", "-Xgroup", "G1"]),
        "GROUP=G1 swsrpcancel completed\n"
    );
    none(&s, &d(5));
    // Pairs without a session are skipped.
    set_rate(&s, "B1", Rate::Unlimited);
    start(&s, &d(7), &d(8), K::Ec);
    cancel(&s, &["-Xgroup", "G1"]);
    none(&s, &d(7));
}
