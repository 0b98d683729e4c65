//! swsrprecoverres (manual 8.3.3.1) through the binary: the list check, `-r`
//! from the repository copy or from the array, due post-processing and `-p`.

use crate::common;

use acm_core::exclusion::Mode;
use acm_core::store::StateFile;
use acm_replication::list::{Direction, OpServer};
use acm_replication::scripts::{Due, Script};
use acm_scsi::model as m;
use common::*;
use std::os::unix::fs::PermissionsExt;

fn data(s: &acm_testkit::Scratch) -> std::path::PathBuf {
    s.root().join("etc/opt/FJSVswsrp/data")
}

fn damage(s: &acm_testkit::Scratch) {
    std::fs::create_dir_all(data(s)).unwrap();
    std::fs::write(list_path(s), b"{ not json").unwrap();
}

/// An EC session hdisk`a` -> hdisk`b` on B1, started through the array.
fn ec_session(s: &acm_testkit::Scratch, box_id: &str, a: &str, b: &str) {
    let ext = |dev: &str| m::Extent {
        box_id: m::BoxId::parse(box_id).unwrap(),
        olu: lun_of(s, dev).1,
        start_lba: 0,
        blocks: LUN / 512,
    };
    let req = m::StartRequest {
        kind: m::CopyKind::Ec,
        src: ext(a),
        dst: ext(b),
        rec: None,
        dest_access: m::DestAccess::ReadOnly,
        skip_initial_copy: false,
        define_only: false,
    };
    with_array(s, |arr| {
        let bid = arr.bid_by_name("B1").unwrap();
        arr.start(&bid, &req).unwrap();
    });
}

#[test]
fn checks_the_list_and_completes() {
    let (s, _) = world2(2, 0, 0);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    assert_eq!(
        ok(&s, "swsrprecoverres", &[]),
        "swsrprecoverres completed\n"
    );
    assert_eq!(
        ok(&s, "swsrprecoverres", &["-h", "SV1", "-p"]),
        "swsrprecoverres completed\n"
    );
    refused(&s, "swsrprecoverres", &["/dev/hdisk1"], "swsrp0002", 2);
    refused(&s, "swsrprecoverres", &["-h", "SV9"], "swsrp0906", 1);
    damage(&s);
    let e = refused(&s, "swsrprecoverres", &[], "swsrp1805", 1);
    assert!(e.contains("-r"), "{e}");
}

#[test]
fn r_rebuilds_from_the_repository_copy() {
    let (s, _) = world2(4, 0, 0);
    ok(&s, "swsrpsetvol", &["-u", "/dev/hdisk1", "/dev/hdisk2"]);
    ok(
        &s,
        "swsrpsetvol",
        &["-o", "REP", "-Xgroup", "G1", "/dev/hdisk3", "/dev/hdisk4"],
    );
    let before = list(&s);
    // The repository copy swsrpsetvol keeps.
    assert!(data(&s).join("repository/swsrplist.redb").is_file());
    damage(&s);
    assert_eq!(
        ok(&s, "swsrprecoverres", &["-r"]),
        "swsrprecoverres completed\n"
    );
    assert_eq!(list(&s), before);
    // Deleted by mistake: the same.
    std::fs::remove_file(list_path(&s)).unwrap();
    ok(&s, "swsrprecoverres", &["-r"]);
    assert_eq!(list(&s), before);
    ok(&s, "swsrpvolinfo", &[]);
}

#[test]
fn r_rebuilds_from_the_array_without_a_repository() {
    let (s, b) = world2(4, 0, 0);
    ec_session(&s, &b.b1, "/dev/hdisk1", "/dev/hdisk2");
    damage(&s);
    ok(&s, "swsrprecoverres", &["-r"]);
    let l = list(&s);
    assert_eq!(l.pairs.len(), 1, "{l:?}");
    let p = &l.pairs[0];
    assert_eq!(p.original.qualified(), "/dev/hdisk1@SV1");
    assert_eq!(p.replica.qualified(), "/dev/hdisk2@SV1");
    assert_eq!(p.direction, Direction::Bi);
    assert_eq!(p.op_server, OpServer::Both);
    assert_eq!(p.group, None);
    // The rebuilt list became the repository copy.
    assert!(data(&s).join("repository/swsrplist.redb").exists());
    let t = tokens(&ok(&s, "swsrpvolinfo", &[]));
    assert_eq!(t.len(), 2);
}

fn post_script(s: &acm_testkit::Scratch, exit: i32) -> std::path::PathBuf {
    let dir = s.root().join("etc/opt/FJSVswsrp/sh");
    std::fs::create_dir_all(&dir).unwrap();
    let marker = s.root().join("post-ran");
    let script = dir.join("RepSrc.post");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexit {exit}\n",
            marker.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    marker
}

fn make_due(s: &acm_testkit::Scratch) {
    let v = list(s).pairs[0].original.clone();
    let due = Due {
        operation: "FROM=/dev/hdisk1@SV1,TO=/dev/hdisk2@SV1".into(),
        script: Script::SrcPost,
        volume: v,
    };
    StateFile::new(data(s).join("swsrppost.json"), "acm-replication-post", 1)
        .save(&serde_json::json!({ "due": [due] }))
        .unwrap();
}

fn due_count(s: &acm_testkit::Scratch) -> usize {
    let v: Option<serde_json::Value> =
        StateFile::new(data(s).join("swsrppost.json"), "acm-replication-post", 1)
            .load()
            .unwrap();
    v.map_or(0, |v| v["due"].as_array().unwrap().len())
}

#[test]
fn runs_due_post_processing_unless_p() {
    let (s, _) = world2(2, 0, 0);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    let marker = post_script(&s, 0);
    make_due(&s);
    ok(&s, "swsrprecoverres", &[]);
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "/dev/hdisk1\n");
    assert_eq!(due_count(&s), 0);
    // -p forgets without running.
    make_due(&s);
    ok(&s, "swsrprecoverres", &["-p"]);
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "/dev/hdisk1\n");
    assert_eq!(due_count(&s), 0);
    // A failing script stays due.
    post_script(&s, 3);
    make_due(&s);
    let e = refused(&s, "swsrprecoverres", &[], "swsrp2614", 1);
    assert!(e.contains("Error Code = 3"), "{e}");
    assert_eq!(due_count(&s), 1);
}

#[test]
fn excludes_every_replication_command() {
    let (s, _) = world2(2, 0, 0);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    let _g = acm_core::exclusion::enter(
        &data(&s),
        &[("swsrpexec.lock", Mode::Shared)],
        "swsrpmake",
        Some("/dev/hdisk1@SV1 /dev/hdisk2@SV1"),
    )
    .unwrap();
    refused(&s, "swsrprecoverres", &[], "swsrp1003", 1);
    drop(_g);
    let _r = acm_core::exclusion::enter(
        &data(&s),
        &[("swsrprecover.lock", Mode::Exclusive)],
        "swsrprecoverres",
        None,
    )
    .unwrap();
    refused(&s, "swsrprecbuffstat", &["/dev/hdisk1"], "swsrp1003", 1);
    refused(&s, "swsrpvolinfo", &[], "swsrp1003", 1);
}

/// Damages the simulated array's store: the array service is stopped (so
/// it holds no copy in memory) and the store file scribbled over.
fn damage_boxes(s: &acm_testkit::Scratch) {
    acm_sim::client::stop(&s.sim_home()).unwrap();
    let store = acm_sim::store::store_path(&s.sim_home());
    assert!(store.is_file(), "no store at {}", store.display());
    std::fs::write(&store, b"{\"format\": \"acmsim-box\", \"vers").unwrap();
}

#[test]
fn a_damaged_box_state_is_refused_not_completed() {
    let (s, _) = world2(2, 0, 0);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    damage_boxes(&s);
    for args in [&[][..], &["-r"][..], &["-p"][..]] {
        let e = refused(&s, "swsrprecoverres", args, "swsrp1007", 1);
        assert!(e.contains("array.redb"), "{args:?}: {e}");
    }
}

#[test]
fn a_damaged_repository_copy_is_reported_before_r_needs_it() {
    let (s, _) = world2(4, 0, 0);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    let before = list(&s);
    // Still a database, still records of pairs, but not what was written:
    // another pair (the same number of bytes, changed in place).
    let repo = data(&s).join("repository/swsrplist.redb");
    let bytes = std::fs::read(&repo).unwrap();
    let (from, to) = (b"/dev/hdisk2", b"/dev/hdisk3");
    let mut changed = bytes.clone();
    let mut hits = 0;
    for i in 0..changed.len().saturating_sub(from.len()) {
        if &changed[i..i + from.len()] == from {
            changed[i..i + from.len()].copy_from_slice(to);
            hits += 1;
        }
    }
    assert!(hits > 0, "the copy holds the pair's device names");
    std::fs::write(&repo, changed).unwrap();
    // The routine check reports it, naming the file.
    let e = refused(&s, "swsrprecoverres", &[], "swsrp1806", 1);
    assert!(e.contains(&repo.display().to_string()), "{e}");
    // And -r does not restore from it.
    damage(&s);
    let e = refused(&s, "swsrprecoverres", &["-r"], "swsrp1806", 1);
    assert!(e.contains(&repo.display().to_string()), "{e}");
    // A copy written again is whole: -r brings the list back.
    std::fs::remove_file(&repo).unwrap();
    std::fs::remove_file(list_path(&s)).unwrap();
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    damage(&s);
    ok(&s, "swsrprecoverres", &["-r"]);
    assert_eq!(list(&s), before);
}
