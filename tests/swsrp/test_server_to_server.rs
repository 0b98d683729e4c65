//! Server-to-server replication on one machine: two Managed Servers, SV1 and
//! SV2, with separate state roots sharing the simulated boxes, each naming the
//! other in `peers.ini`. SV1 sees box B1 (`/dev/hdisk1..`), SV2 sees box B2
//! (`/dev/hdisk10..`), and a REC path joins the boxes.

use crate::common;

use acm_testkit::Scratch;
use common::*;
use std::path::PathBuf;
use std::process::Output;

/// The second server's state root.
fn root2(s: &Scratch) -> PathBuf {
    s.path().join("root2")
}

/// Two servers: SV1 with two LUNs of B1, SV2 with two LUNs of B2.
fn two_servers() -> Scratch {
    let (s, _) = world2(2, 0, 2);
    let r2 = root2(&s);
    let ini = r2.join("etc/opt/swstorage/swnode.ini");
    std::fs::create_dir_all(ini.parent().unwrap()).unwrap();
    std::fs::write(&ini, "ServerName=SV2\n").unwrap();
    let peers = |root: &std::path::Path, name: &str, other: &std::path::Path| {
        std::fs::write(
            root.join("etc/opt/swstorage/peers.ini"),
            format!("# local peers\n{name}={}\n", other.display()),
        )
        .unwrap();
    };
    peers(&s.root(), "SV2", &r2);
    peers(&r2, "SV1", &s.root());
    // SV2's host sees the B2 LUNs that world2 attached to SV1 as hdisk3/4.
    let remote: Vec<_> = ["/dev/hdisk3", "/dev/hdisk4"]
        .iter()
        .map(|d| {
            let host = acm_host::HostStore::open_at(s.root().join("var/opt/acmsim-host"))
                .load()
                .unwrap();
            host.resolve(d).unwrap().disks[0].clone()
        })
        .collect();
    acm_host::HostStore::open_at(r2.join("var/opt/acmsim-host"))
        .update(|h| {
            for (i, d) in remote.iter().enumerate() {
                h.attach(
                    &format!("/dev/hdisk{}", 10 + i),
                    acm_host::Disk {
                        box_name: "B2".into(),
                        box_id: d.box_id.clone(),
                        olu: d.olu,
                        size: d.size,
                        vxvm: false,
                        node: None,
                        block: None,
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
    host_update(&s, |h| {
        h.detach("/dev/hdisk3")?;
        h.detach("/dev/hdisk4")
    });
    s
}

/// Runs a command on SV2.
fn run2(s: &Scratch, cmd: &str, args: &[&str]) -> Output {
    s.cmd(&bin(cmd))
        .env("ACM_ROOT", root2(s))
        .args(args)
        .output()
        .unwrap()
}

fn ok2(s: &Scratch, cmd: &str, args: &[&str]) -> String {
    let out = run2(s, cmd, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{cmd} {args:?} on SV2: {err}");
    String::from_utf8(out.stdout).unwrap()
}

fn list2(s: &Scratch) -> acm_replication::list::ReplicationList {
    acm_replication::list::ListStore::open_at(root2(s).join("etc/opt/FJSVswsrp/data"))
        .load()
        .unwrap()
}

#[test]
fn setvol_registers_the_pair_on_both_servers() {
    let s = two_servers();
    assert_eq!(
        ok(
            &s,
            "swsrpsetvol",
            &["-u", "-o", "ORG", "/dev/hdisk1", "/dev/hdisk10@SV2"]
        ),
        "swsrpsetvol completed\n"
    );
    let (l1, l2) = (list(&s), list2(&s));
    assert_eq!(l1.pairs.len(), 1);
    assert_eq!(l1.pairs, l2.pairs, "both servers hold the same pair");
    let p = &l1.pairs[0];
    assert_eq!(p.original.qualified(), "/dev/hdisk1@SV1");
    assert_eq!(p.replica.qualified(), "/dev/hdisk10@SV2");
    // The same pair seen from each server.
    for out in [ok(&s, "swsrpvolinfo", &[]), ok2(&s, "swsrpvolinfo", &[])] {
        let rows = tokens(&out);
        assert_eq!(
            &rows[1][1..],
            &[
                "/dev/hdisk1@SV1",
                "4.0",
                "Mbyte",
                "/dev/hdisk10@SV2",
                "4.0",
                "Mbyte",
                "uni-direction",
                "original"
            ]
        );
    }
    assert_eq!(tokens(&ok2(&s, "swsrpvolinfo", &[]))[1][0], "SV2");
    // Set from the other side: already set there.
    let out = run2(
        &s,
        "swsrpsetvol",
        &["-o", "ORG", "/dev/hdisk1@SV1", "/dev/hdisk10"],
    );
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("swsrp1201 "));
}

#[test]
fn setvol_from_the_replica_server() {
    let s = two_servers();
    assert_eq!(
        ok2(
            &s,
            "swsrpsetvol",
            &["-o", "REP", "/dev/hdisk2@SV1", "/dev/hdisk11"]
        ),
        "swsrpsetvol completed\n"
    );
    assert_eq!(list(&s).pairs, list2(&s).pairs);
    assert_eq!(
        list(&s).pairs[0].op_server,
        acm_replication::list::OpServer::Replica
    );
}

#[test]
fn a_refused_peer_leaves_both_lists_alone() {
    let s = two_servers();
    // No such device on SV2: SV2 refuses, SV1 writes nothing.
    let e = refused(
        &s,
        "swsrpsetvol",
        &["-o", "BOTH", "/dev/hdisk1", "/dev/hdisk99@SV2"],
        "swsrp1101",
        1,
    );
    assert!(e.contains("/dev/hdisk99"), "{e}");
    assert!(list2(&s).pairs.is_empty());
    // SV2 unknown: its root is gone from peers.ini, and no Management Server
    // knows it either.
    std::fs::write(s.root().join("etc/opt/swstorage/peers.ini"), "").unwrap();
    refused(
        &s,
        "swsrpsetvol",
        &["-o", "BOTH", "/dev/hdisk1", "/dev/hdisk10@SV2"],
        "swsrp0901",
        1,
    );
}

#[test]
fn delvol_needs_the_operation_server_unless_d() {
    let s = two_servers();
    ok(
        &s,
        "swsrpsetvol",
        &["-o", "ORG", "/dev/hdisk1", "/dev/hdisk10@SV2"],
    );
    // SV2 is not the operation server.
    let out = run2(&s, "swsrpdelvol", &["/dev/hdisk1@SV1", "/dev/hdisk10"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("swsrp1401 "));
    assert_eq!(list2(&s).pairs.len(), 1);
    // -d: SV2 releases its own information without asking SV1.
    assert_eq!(
        ok2(
            &s,
            "swsrpdelvol",
            &["-d", "/dev/hdisk1@SV1", "/dev/hdisk10"]
        ),
        "swsrpdelvol completed\n"
    );
    assert!(list2(&s).pairs.is_empty());
    assert_eq!(list(&s).pairs.len(), 1);
    // The operation server deletes on both (the peer has nothing left: fine).
    assert_eq!(
        ok(&s, "swsrpdelvol", &["/dev/hdisk1", "/dev/hdisk10@SV2"]),
        "swsrpdelvol completed\n"
    );
    assert!(list(&s).pairs.is_empty());
}

#[test]
fn delvol_deletes_on_both_servers_and_d_is_for_server_to_server_only() {
    let s = two_servers();
    ok(
        &s,
        "swsrpsetvol",
        &["-o", "BOTH", "/dev/hdisk1", "/dev/hdisk10@SV2"],
    );
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    refused(
        &s,
        "swsrpdelvol",
        &["-d", "/dev/hdisk1", "/dev/hdisk2"],
        "swsrp1901",
        1,
    );
    // BOTH: SV2 may delete, and SV1 forgets it too.
    ok2(&s, "swsrpdelvol", &["/dev/hdisk1@SV1", "/dev/hdisk10"]);
    assert!(list2(&s).pairs.is_empty());
    assert_eq!(list(&s).pairs.len(), 1);
    assert_eq!(list(&s).pairs[0].replica.device, "/dev/hdisk2");
}

/// Installs a script on a server root that logs "NAME ARGS" to `log` and exits 0.
fn logging_script(root: &std::path::Path, name: &str, log: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let dir = root.join("etc/opt/FJSVswsrp/sh");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(
        &p,
        format!(
            "#!/bin/sh\necho \"{name} $*\" >> {}\nexit 0\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn rec_between_servers_runs_the_remote_scripts_there() {
    let s = two_servers();
    let (log1, log2) = (s.path().join("sv1.log"), s.path().join("sv2.log"));
    for name in ["RepSrc.pre", "RepSrc.post", "RepDst.pre", "RepDst.post"] {
        logging_script(&s.root(), name, &log1);
        logging_script(&root2(&s), name, &log2);
    }
    ok(
        &s,
        "swsrpsetvol",
        &["-o", "ORG", "/dev/hdisk1", "/dev/hdisk10@SV2"],
    );
    write(&s, "/dev/hdisk1", 0, 1 << 20, 7);
    assert_eq!(
        ok(&s, "swsrpstartsync", &["/dev/hdisk1", "/dev/hdisk10@SV2"]),
        "FROM=/dev/hdisk1@SV1,TO=/dev/hdisk10@SV2 swsrpstartsync completed\n"
    );
    // The destination's pre-processing ran on SV2, nothing on SV1.
    assert_eq!(
        std::fs::read_to_string(&log2).unwrap(),
        "RepDst.pre /dev/hdisk10 reserve\n"
    );
    assert!(!log1.exists());
    // Both servers see the REC session.
    let row = stat_row(&s, "/dev/hdisk1");
    assert_eq!(&row[3..5], &["regular", "equivalent"]);
    let out2 = ok2(&s, "swsrpstat", &[]);
    assert_eq!(
        &tokens(&out2)[1][..5],
        &[
            "SV2",
            "/dev/hdisk1@SV1",
            "/dev/hdisk10@SV2",
            "regular",
            "equivalent"
        ]
    );
    // SV2 is not the operation server.
    let out = run2(&s, "swsrpmake", &["/dev/hdisk1@SV1", "/dev/hdisk10"]);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("swsrp1401 "));
    // swsrpmake: source scripts here, destination post there.
    assert_eq!(
        ok(&s, "swsrpmake", &["/dev/hdisk1", "/dev/hdisk10@SV2"]),
        "FROM=/dev/hdisk1@SV1,TO=/dev/hdisk10@SV2 swsrpmake completed\n"
    );
    assert_eq!(
        std::fs::read_to_string(&log1).unwrap(),
        "RepSrc.pre /dev/hdisk1 reserve\nRepSrc.post /dev/hdisk1\n"
    );
    assert!(std::fs::read_to_string(&log2)
        .unwrap()
        .ends_with("RepDst.post /dev/hdisk10\n"));
    assert_eq!(
        read(&s, "/dev/hdisk1")[..1 << 20],
        {
            let (name, olu) = ("B2", lun_of_root(&root2(&s), "/dev/hdisk10"));
            with_array(&s, |a| {
                let bid = a.bid_by_name(name).unwrap();
                let mut buf = vec![0u8; LUN as usize];
                a.read_view(&bid, olu, 0, &mut buf).unwrap();
                buf
            })[..1 << 20]
                .to_vec()
        }[..]
    );
    // -c: the operation server may not; the non-operation server may, with no scripts.
    refused(
        &s,
        "swsrpcancel",
        &["-c", "/dev/hdisk1", "/dev/hdisk10@SV2"],
        "swsrp1701",
        1,
    );
    let before2 = std::fs::read_to_string(&log2).unwrap();
    assert_eq!(
        ok2(
            &s,
            "swsrpcancel",
            &["-c", "/dev/hdisk1@SV1", "/dev/hdisk10"]
        ),
        "FROM=/dev/hdisk1@SV1,TO=/dev/hdisk10@SV2 swsrpcancel completed\n"
    );
    assert_eq!(std::fs::read_to_string(&log2).unwrap(), before2);
    assert_eq!(stat_row(&s, "/dev/hdisk1")[4], "----");
}

#[test]
fn m_skips_the_other_servers_scripts_and_b_releases_a_halted_rec() {
    let s = two_servers();
    let log2 = s.path().join("sv2.log");
    logging_script(&root2(&s), "RepDst.pre", &log2);
    ok(
        &s,
        "swsrpsetvol",
        &["-o", "ORG", "/dev/hdisk2", "/dev/hdisk11@SV2"],
    );
    ok(
        &s,
        "swsrpstartsync",
        &["-m", "/dev/hdisk2", "/dev/hdisk11@SV2"],
    );
    assert!(!log2.exists(), "-m: no communication with SV2");
    set_path(&s, false);
    assert_eq!(stat_row(&s, "/dev/hdisk2")[4], "halt");
    // -b from the non-operation server stops the copy in its own box.
    assert_eq!(
        ok2(
            &s,
            "swsrpcancel",
            &["-b", "/dev/hdisk2@SV1", "/dev/hdisk11"]
        ),
        "FROM=/dev/hdisk2@SV1,TO=/dev/hdisk11@SV2 swsrpcancel completed\n"
    );
}

/// The OLU behind `dev` on the host of state root `root`.
fn lun_of_root(root: &std::path::Path, dev: &str) -> u32 {
    let host = acm_host::HostStore::open_at(root.join("var/opt/acmsim-host"))
        .load()
        .unwrap();
    host.resolve(dev).unwrap().disks[0].olu
}

#[test]
fn the_other_servers_volume_check_refuses_a_changed_device_unless_m() {
    let s = two_servers();
    ok(
        &s,
        "swsrpsetvol",
        &["-o", "ORG", "/dev/hdisk1", "/dev/hdisk10@SV2"],
    );
    // SV2's /dev/hdisk10 now names the other LUN: its device information changed.
    let r2 = root2(&s);
    acm_host::HostStore::open_at(r2.join("var/opt/acmsim-host"))
        .update(|h| {
            let other = h.resolve("/dev/hdisk11")?.disks[0].clone();
            h.detach("/dev/hdisk11")?;
            h.detach("/dev/hdisk10")?;
            h.attach(
                "/dev/hdisk10",
                acm_host::Disk {
                    box_name: "B2".into(),
                    box_id: other.box_id.clone(),
                    olu: other.olu,
                    size: other.size,
                    vxvm: false,
                    node: None,
                    block: None,
                },
            )
        })
        .unwrap();
    let e = refused(
        &s,
        "swsrpstartsync",
        &["/dev/hdisk1", "/dev/hdisk10@SV2"],
        "swsrp1009",
        1,
    );
    assert!(e.contains("/dev/hdisk10@SV2"), "{e}");
    refused(
        &s,
        "swsrpmake",
        &["/dev/hdisk1", "/dev/hdisk10@SV2"],
        "swsrp1009",
        1,
    );
    assert!(sessions(&s, "/dev/hdisk1").is_empty());
    // -m makes no contact with SV2, so no check either.
    ok(
        &s,
        "swsrpstartsync",
        &["-m", "/dev/hdisk1", "/dev/hdisk10@SV2"],
    );
    assert_eq!(sessions(&s, "/dev/hdisk1").len(), 1);
}
