//! The environment definition commands (manual 8.1.1) against a simulated host.

use crate::common;

use acm_backup::list::{Hold, Role};
use common::*;

const DEVDISP_HEADER: [&str; 6] = [
    "Server",
    "Device",
    "Size",
    "Device-Mode",
    "Mount-Point (Method)",
    "Backup-Engine",
];
const POLDISP_HEADER: [&str; 5] = [
    "Server",
    "Device",
    "Interval-Days",
    "Save-Number",
    "Mount-Point (Method)",
];

fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_string).collect()
}

/// vg01 on hdisk1 (for a transaction volume), vg02 on hdisk2; hdisk3.. free.
fn with_vgs(luns: u32) -> acm_testkit::Scratch {
    let s = configured(luns);
    host_update(&s, |h| {
        h.create_vg("vg01", &["/dev/hdisk1"])?;
        h.create_vg("vg02", &["/dev/hdisk2"])?;
        Ok(())
    });
    s
}

#[test]
fn swstsvrset_and_swstsvrdisp_as_in_the_manual() {
    let s = world(1);
    refused(&s, "swstsvrdisp", &[], "swst1002", 1);
    assert_eq!(ok(&s, "swstsvrset", &[]), "swstsvrset completed\n");
    assert_eq!(
        ok(&s, "swstsvrset", &["-h", "job2"]),
        "swstsvrset completed\n"
    );
    assert_eq!(ok(&s, "swstsvrdisp", &[]), "Storage-Server = job2\n");
    assert_eq!(
        ok(&s, "swstsvrdisp", &["-h", "job2"]),
        "Storage-Server = job2\n"
    );
    // The server name is case-sensitive; other servers are refused.
    let err = refused(&s, "swstsvrdisp", &["-h", "JOB2"], "swst0906", 1);
    assert!(err.contains("-h JOB2"), "{err}");
    refused(&s, "swstsvrset", &["-h", "job1"], "swst0906", 1);
    refused(&s, "swstsvrset", &["/dev/vg01"], "swst0002", 2);
    refused(&s, "swstsvrset", &["-h"], "swst0002", 2);
}

#[test]
fn server_name_defaults_to_the_host_name() {
    let s = world(1);
    std::fs::remove_file(s.root().join("etc/opt/swstorage/swnode.ini")).unwrap();
    ok(&s, "swstsvrset", &[]);
    let host = nix_hostname();
    assert_eq!(
        ok(&s, "swstsvrdisp", &[]),
        format!("Storage-Server = {host}\n")
    );
    assert_eq!(
        ok(&s, "swstsvrdisp", &["-h", &host]),
        format!("Storage-Server = {host}\n")
    );
}

fn nix_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn swstgnode_selects_the_logical_node_list() {
    let s = world(1);
    let out = s
        .cmd(&bin("swstsvrset"))
        .env("SWSTGNODE", "node1")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(s
        .root()
        .join("etc/opt/FJSVswsts/node1/data/swstlist.redb")
        .exists());
    assert!(!list_path(&s).exists());
    // The default node is still not set up.
    refused(&s, "swstsvrdisp", &[], "swst1002", 1);
}

#[test]
fn swstdevinfoset_registers_and_deregisters_as_in_the_manual() {
    let s = with_vgs(4);
    host_update(&s, |h| {
        h.create_vg("vg04", &["/dev/hdisk4"])?;
        Ok(())
    });
    assert_eq!(
        ok(&s, "swstdevinfoset", &["-t", "/dev/vg01"]),
        "swstdevinfoset completed\n"
    );
    assert_eq!(
        ok(&s, "swstdevinfoset", &["-b", "/dev/vg02"]),
        "swstdevinfoset completed\n"
    );
    // Options after the operand, and -h naming this server.
    ok(&s, "swstdevinfoset", &["/dev/vg04", "-b", "-h", "job2"]);
    assert_eq!(
        ok(&s, "swstdevinfoset", &["-o", "/dev/vg04"]),
        "swstdevinfoset completed\n"
    );
    // A raw disk and a VxVM disk.
    host_update(&s, |h| {
        h.remove_vg("vg04")?;
        h.set_vxvm("/dev/hdisk4", true)
    });
    ok(&s, "swstdevinfoset", &["-b", "/dev/vx/dmp/hdisk4"]);
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk3"]);
    let list = list_store(&s).load().unwrap();
    assert_eq!(list.role("/dev/vg01"), Some(Role::Transaction));
    assert_eq!(list.role("/dev/vg02"), Some(Role::Backup));
    assert_eq!(list.role("/dev/vg04"), None);
    assert_eq!(list.role("/dev/vx/dmp/hdisk4"), Some(Role::Backup));
    let d = &list.devices["/dev/vg01"];
    assert_eq!((d.box_info.olu, d.box_info.start_lba), (0, 0));
    assert_eq!(d.box_info.blocks, LUN / 512);
    assert_eq!(d.box_info.box_id.len(), 40);
    assert_eq!(d.size, LUN);
    // Role changes when nothing holds the volume.
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk3"]);
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk3"]);
}

#[test]
fn swstdevinfoset_usage_errors() {
    let s = with_vgs(2);
    refused(&s, "swstdevinfoset", &["/dev/vg01"], "swst0002", 2);
    refused(
        &s,
        "swstdevinfoset",
        &["-t", "-b", "/dev/vg01"],
        "swst0002",
        2,
    );
    refused(
        &s,
        "swstdevinfoset",
        &["-t", "-o", "/dev/vg01"],
        "swst0002",
        2,
    );
    refused(
        &s,
        "swstdevinfoset",
        &["-t", "/dev/vg01", "/dev/vg02"],
        "swst0002",
        2,
    );
    refused(&s, "swstdevinfoset", &["-x", "/dev/vg01"], "swst0002", 2);
}

#[test]
fn swstdevinfoset_refusals() {
    let s = world(9);
    refused(&s, "swstdevinfoset", &["-t", "/dev/hdisk1"], "swst1002", 1);
    ok(&s, "swstsvrset", &[]);
    host_update(&s, |h| {
        h.create_vg("vg01", &["/dev/hdisk1"])?;
        h.create_vg("vg02", &["/dev/hdisk2"])?;
        h.create_vg("vg03", &["/dev/hdisk3"])?;
        h.varyoff("vg03")?;
        h.create_vg("vg09", &["/dev/hdisk8", "/dev/hdisk9"])?;
        h.add_lv("vg02", "lv02", Some("/mnt/lv02"))?;
        h.mount("/dev/lv02", None)?;
        h.mount("/dev/hdisk5", Some("/mnt/h5"))?;
        Ok(())
    });
    ok(&s, "swstdevinfoset", &["-t", "/dev/vg01"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk4"]);

    // Device not found, not attached, a logical volume, a foreign server.
    let e = refused(&s, "swstdevinfoset", &["-t", "/dev/vg77"], "swst1101", 1);
    assert!(e.contains("/dev/vg77"), "{e}");
    let e = refused(&s, "swstdevinfoset", &["-b", "/dev/hdisk42"], "swst1101", 1);
    assert!(e.contains("/dev/hdisk42"), "{e}");
    refused(&s, "swstdevinfoset", &["-b", "/dev/lv02"], "swst1101", 1);
    refused(
        &s,
        "swstdevinfoset",
        &["-b", "/dev/vx/dmp/hdisk6"],
        "swst1101",
        1,
    );
    refused(
        &s,
        "swstdevinfoset",
        &["-b", "/dev/hdisk6", "-h", "job9"],
        "swst0906",
        1,
    );
    // A volume group of two physical disks; an inactive volume group.
    let e = refused(&s, "swstdevinfoset", &["-t", "/dev/vg09"], "swst1102", 1);
    assert!(e.contains("/dev/vg09"), "{e}");
    let e = refused(&s, "swstdevinfoset", &["-b", "/dev/vg03"], "swst1103", 1);
    assert!(e.contains("/dev/vg03"), "{e}");
    // Same box information as a registered volume of the same role; overlap otherwise.
    let e = refused(&s, "swstdevinfoset", &["-t", "/dev/hdisk1"], "swst1104", 1);
    assert!(e.contains("/dev/hdisk1") && e.contains("/dev/vg01"), "{e}");
    host_update(&s, |h| h.set_vxvm("/dev/hdisk4", true));
    let e = refused(
        &s,
        "swstdevinfoset",
        &["-b", "/dev/vx/dmp/hdisk4"],
        "swst1104",
        1,
    );
    assert!(e.contains("/dev/hdisk4"), "{e}");
    let e = refused(&s, "swstdevinfoset", &["-b", "/dev/hdisk1"], "swst1105", 1);
    assert!(e.contains("/dev/vg01"), "{e}");
    refused(
        &s,
        "swstdevinfoset",
        &["-t", "/dev/vx/dmp/hdisk4"],
        "swst1105",
        1,
    );
    // A mounted disk cannot become a backup volume (but may be a transaction volume).
    let e = refused(&s, "swstdevinfoset", &["-b", "/dev/hdisk5"], "swst1106", 1);
    assert!(e.contains("/dev/hdisk5") && e.contains("/mnt/h5"), "{e}");
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk5"]);
    // Already registered in that role.
    refused(&s, "swstdevinfoset", &["-t", "/dev/vg01"], "swst1110", 1);
    refused(&s, "swstdevinfoset", &["-b", "/dev/hdisk4"], "swst1110", 1);
    // Deregistering what is not registered.
    refused(&s, "swstdevinfoset", &["-o", "/dev/hdisk6"], "swst1109", 1);
    // A transaction volume with a policy: no TD→BD, no deregistration.
    ok(&s, "swstbkpolset", &["-s", "1", "/dev/vg01"]);
    refused(&s, "swstdevinfoset", &["-b", "/dev/vg01"], "swst1108", 1);
    refused(&s, "swstdevinfoset", &["-o", "/dev/vg01"], "swst1108", 1);
    // A backup volume with history: no BD→TD, no deregistration.
    add_history(&s, "/dev/vg01", "/dev/hdisk4");
    refused(&s, "swstdevinfoset", &["-t", "/dev/hdisk4"], "swst1107", 1);
    refused(&s, "swstdevinfoset", &["-o", "/dev/hdisk4"], "swst1107", 1);
    // A backup volume held by a suspended session without history.
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk6"]);
    edit_list(&s, |l| {
        l.devices.get_mut("/dev/hdisk6").unwrap().hold = Some(Hold::Suspend {
            transaction: "/dev/vg01".into(),
        })
    });
    refused(&s, "swstdevinfoset", &["-o", "/dev/hdisk6"], "swst1107", 1);
}

#[test]
fn swstdevdisp_tables_as_in_the_manual() {
    let s = with_vgs(8);
    host_update(&s, |h| {
        for (vg, d) in [
            ("vg03", "/dev/hdisk3"),
            ("vg04", "/dev/hdisk4"),
            ("vg05", "/dev/hdisk5"),
        ] {
            h.create_vg(vg, &[d])?;
        }
        h.create_vg("vg00", &["/dev/hdisk6"])?;
        Ok(())
    });
    for (opt, dev) in [
        ("-t", "/dev/vg00"),
        ("-t", "/dev/vg01"),
        ("-b", "/dev/vg02"),
        ("-b", "/dev/vg03"),
        ("-b", "/dev/vg04"),
        ("-b", "/dev/vg05"),
    ] {
        ok(&s, "swstdevinfoset", &[opt, dev]);
    }
    ok(&s, "swstbkpolset", &["-s", "1", "/dev/vg01"]);
    add_history(&s, "/dev/vg01", "/dev/vg02");
    let size = "4.0 Mbyte";
    let row = |dev: &str, mode: &str| {
        words(&format!(
            "job2 {dev} {size} {mode} ---- (----) AdvancedCopy"
        ))
    };

    let out = ok(&s, "swstdevdisp", &["-t", "-b"]);
    assert_eq!(
        tokens(&out),
        vec![
            words("Server Device Size Device-Mode Mount-Point (Method) Backup-Engine"),
            row("/dev/vg00", "Transaction"),
            row("/dev/vg01", "Transaction"),
            row("/dev/vg02", "Backup (used)"),
            row("/dev/vg03", "Backup (free)"),
            row("/dev/vg04", "Backup (free)"),
            row("/dev/vg05", "Backup (free)"),
        ],
        "{out}"
    );
    assert_aligned(&out, &DEVDISP_HEADER);
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .starts_with("job2   /dev/vg00 4.0 Mbyte Transaction "),
        "{out}"
    );

    // No option and no device: the transaction volumes; options after the operand.
    let out = ok(&s, "swstdevdisp", &[]);
    assert_eq!(
        tokens(&out)[1..],
        [
            row("/dev/vg00", "Transaction"),
            row("/dev/vg01", "Transaction")
        ]
    );
    assert_eq!(ok(&s, "swstdevdisp", &["-t"]), out);
    assert_eq!(ok(&s, "swstdevdisp", &["-h", "job2"]), out);
    let out = ok(&s, "swstdevdisp", &["/dev/vg02"]);
    assert_eq!(tokens(&out)[1..], [row("/dev/vg02", "Backup (used)")]);
    let out = ok(&s, "swstdevdisp", &["/dev/vg03", "-b"]);
    assert_eq!(tokens(&out)[1..], [row("/dev/vg03", "Backup (free)")]);
    // A device not of the selected kinds: the header only.
    assert_eq!(
        ok(&s, "swstdevdisp", &["-t", "/dev/vg03"]).lines().count(),
        1
    );

    // -u tells held backup volumes without history apart.
    edit_list(&s, |l| {
        l.devices.get_mut("/dev/vg03").unwrap().hold = Some(Hold::Suspend {
            transaction: "/dev/vg01".into(),
        });
        l.devices.get_mut("/dev/vg04").unwrap().hold = Some(Hold::Tracking {
            transaction: "/dev/vg01".into(),
        });
    });
    let out = ok(&s, "swstdevdisp", &["-b"]);
    assert_eq!(
        tokens(&out)[1..],
        [
            row("/dev/vg02", "Backup (used)"),
            row("/dev/vg03", "Backup (used)"),
            row("/dev/vg04", "Backup (used)"),
            row("/dev/vg05", "Backup (free)"),
        ]
    );
    let out = ok(&s, "swstdevdisp", &["-b", "-u"]);
    assert_eq!(
        tokens(&out)[1..],
        [
            row("/dev/vg02", "Backup (used)"),
            row("/dev/vg03", "Backup (used-S)"),
            row("/dev/vg04", "Backup (used-T)"),
            row("/dev/vg05", "Backup (free)"),
        ]
    );
    assert_aligned(&out, &DEVDISP_HEADER);

    // -o: the discoverable devices not registered (disks of the VGs included).
    let out = ok(&s, "swstdevdisp", &["-o"]);
    let devices: Vec<String> = tokens(&out)[1..].iter().map(|r| r[1].clone()).collect();
    let expected: Vec<String> = (1..=8).map(|i| format!("/dev/hdisk{i}")).collect();
    assert_eq!(devices, expected, "{out}");
    assert_eq!(tokens(&out)[1], row("/dev/hdisk1", "Other"));
    let out = ok(&s, "swstdevdisp", &["/dev/hdisk7"]);
    assert_eq!(tokens(&out)[1..], [row("/dev/hdisk7", "Other")]);

    refused(&s, "swstdevdisp", &["-u"], "swst0002", 2);
    refused(
        &s,
        "swstdevdisp",
        &["-t", "/dev/vg01", "/dev/vg02"],
        "swst0002",
        2,
    );
    refused(&s, "swstdevdisp", &["/dev/vg99"], "swst1101", 1);
    refused(&s, "swstdevdisp", &["-h", "job3"], "swst0906", 1);
}

#[test]
fn swstdevdisp_needs_swstsvrset() {
    let s = world(1);
    refused(&s, "swstdevdisp", &[], "swst1002", 1);
}

#[test]
fn swstbkpolset_and_swstbkpoldisp_as_in_the_manual() {
    let s = with_vgs(6);
    ok(&s, "swstdevinfoset", &["-t", "/dev/vg01"]);
    for d in ["/dev/vg02", "/dev/hdisk3", "/dev/hdisk4"] {
        ok(&s, "swstdevinfoset", &["-b", d]);
    }
    assert_eq!(
        ok(&s, "swstbkpolset", &["-s", "3", "/dev/vg01"]),
        "/dev/vg01 swstbkpolset completed\n"
    );
    let out = ok(&s, "swstbkpoldisp", &["/dev/vg01"]);
    assert_eq!(
        tokens(&out),
        vec![
            words("Server Device Interval-Days Save-Number Mount-Point (Method)"),
            words("job2 /dev/vg01 30 3 ---- (----)"),
        ]
    );
    assert_aligned(&out, &POLDISP_HEADER);
    // On update an omitted value is kept; options after the operand.
    ok(&s, "swstbkpolset", &["/dev/vg01", "-i", "10"]);
    assert_eq!(
        tokens(&ok(&s, "swstbkpoldisp", &[]))[1],
        words("job2 /dev/vg01 10 3 ---- (----)")
    );
    ok(&s, "swstbkpolset", &["-s", "1", "-h", "job2", "/dev/vg01"]);
    assert_eq!(
        tokens(&ok(&s, "swstbkpoldisp", &["-h", "job2"]))[1],
        words("job2 /dev/vg01 10 1 ---- (----)")
    );
    // No device: every transaction volume, one completion line each; defaults for new ones.
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk5"]);
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk6"]);
    // hdisk5 and hdisk6 get the default 2 each: 1 + 2 + 2 > 3 backup volumes.
    let e = refused(&s, "swstbkpolset", &[], "swst1204", 1);
    assert!(
        e.contains("/dev/hdisk5") || e.contains("/dev/hdisk6"),
        "{e}"
    );
    assert_eq!(
        ok(&s, "swstbkpolset", &["-s", "1"]),
        "/dev/hdisk5 swstbkpolset completed\n\
         /dev/hdisk6 swstbkpolset completed\n\
         /dev/vg01 swstbkpolset completed\n"
    );
    let out = ok(&s, "swstbkpoldisp", &[]);
    assert_eq!(
        tokens(&out)[1..],
        [
            words("job2 /dev/hdisk5 30 1 ---- (----)"),
            words("job2 /dev/hdisk6 30 1 ---- (----)"),
            words("job2 /dev/vg01 10 1 ---- (----)"),
        ]
    );
    assert_aligned(&out, &POLDISP_HEADER);
    // A transaction volume without a policy is not listed.
    ok(&s, "swstbkpoldel", &["/dev/hdisk6"]);
    assert_eq!(ok(&s, "swstbkpoldisp", &[]).lines().count(), 3);
    refused(&s, "swstbkpoldisp", &["/dev/hdisk6"], "swst1206", 1);
    refused(&s, "swstbkpoldisp", &["/dev/vg02"], "swst1201", 1);
    refused(&s, "swstbkpoldisp", &["-h", "other"], "swst0906", 1);
    refused(
        &s,
        "swstbkpoldisp",
        &["/dev/vg01", "/dev/vg02"],
        "swst0002",
        2,
    );
}

#[test]
fn swstbkpolset_refusals() {
    let s = world(6);
    refused(&s, "swstbkpolset", &[], "swst1002", 1);
    ok(&s, "swstsvrset", &[]);
    refused(&s, "swstbkpolset", &[], "swst1208", 1);
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk1"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk2"]);
    // Default 2 generations need 2 backup volumes; one is registered.
    let e = refused(&s, "swstbkpolset", &["/dev/hdisk1"], "swst1204", 1);
    assert!(
        e.contains("/dev/hdisk1") && e.contains("need 2") && e.contains("1 are"),
        "{e}"
    );
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk3"]);
    ok(&s, "swstbkpolset", &["/dev/hdisk1"]);
    // Table 3.2: the generations of all policies count.
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk4"]);
    refused(
        &s,
        "swstbkpolset",
        &["-s", "1", "/dev/hdisk4"],
        "swst1204",
        1,
    );
    refused(
        &s,
        "swstbkpolset",
        &["-s", "3", "/dev/hdisk1"],
        "swst1204",
        1,
    );
    ok(&s, "swstbkpolset", &["-s", "1", "/dev/hdisk1"]);
    ok(&s, "swstbkpolset", &["-s", "1", "/dev/hdisk4"]);
    // Out of range or not a number.
    for v in ["0", "367", "x", "-1"] {
        let e = refused(&s, "swstbkpolset", &["-i", v, "/dev/hdisk1"], "swst1202", 1);
        assert!(e.contains(&format!("-i {v}")), "{e}");
    }
    ok(&s, "swstbkpolset", &["-i", "366", "/dev/hdisk1"]);
    ok(&s, "swstbkpolset", &["-i", "1", "/dev/hdisk1"]);
    for v in ["0", "32", "two"] {
        refused(&s, "swstbkpolset", &["-s", v, "/dev/hdisk1"], "swst1203", 1);
    }
    // Not a transaction volume.
    refused(&s, "swstbkpolset", &["/dev/hdisk2"], "swst1201", 1);
    refused(&s, "swstbkpolset", &["/dev/hdisk6"], "swst1201", 1);
    refused(
        &s,
        "swstbkpolset",
        &["/dev/hdisk1", "-h", "job1"],
        "swst0906",
        1,
    );
    refused(&s, "swstbkpolset", &["-s"], "swst0002", 2);
    // The generation count may not drop below the history count.
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk5"]);
    ok(&s, "swstbkpolset", &["-s", "2", "/dev/hdisk1"]);
    add_history(&s, "/dev/hdisk1", "/dev/hdisk2");
    add_history(&s, "/dev/hdisk1", "/dev/hdisk3");
    let e = refused(
        &s,
        "swstbkpolset",
        &["-s", "1", "/dev/hdisk1"],
        "swst1205",
        1,
    );
    assert!(e.contains("/dev/hdisk1"), "{e}");
    ok(&s, "swstbkpolset", &["-s", "2", "-i", "7", "/dev/hdisk1"]);
}

#[test]
fn swstbkpoldel_as_in_the_manual_and_its_refusals() {
    let s = with_vgs(3);
    refused(&s, "swstbkpoldel", &["/dev/vg01"], "swst1201", 1);
    ok(&s, "swstdevinfoset", &["-t", "/dev/vg01"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/vg02"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk3"]);
    refused(&s, "swstbkpoldel", &["/dev/vg01"], "swst1206", 1);
    refused(&s, "swstbkpoldel", &["/dev/vg02"], "swst1201", 1);
    ok(&s, "swstbkpolset", &["/dev/vg01"]);
    add_history(&s, "/dev/vg01", "/dev/vg02");
    let e = refused(&s, "swstbkpoldel", &["/dev/vg01"], "swst1207", 1);
    assert!(e.contains("/dev/vg01"), "{e}");
    edit_list(&s, |l| {
        l.history.clear();
    });
    refused(
        &s,
        "swstbkpoldel",
        &["-h", "elsewhere", "/dev/vg01"],
        "swst0906",
        1,
    );
    assert_eq!(
        ok(&s, "swstbkpoldel", &["/dev/vg01", "-h", "job2"]),
        "/dev/vg01 swstbkpoldel completed\n"
    );
    // Without a policy the transaction volume can be deregistered.
    ok(&s, "swstdevinfoset", &["-o", "/dev/vg01"]);
    refused(
        &s,
        "swstbkpoldel",
        &["/dev/vg01", "/dev/vg02"],
        "swst0002",
        2,
    );
}

#[test]
fn a_damaged_node_registry_is_refused_with_its_file_and_line() {
    let s = world(1);
    ok(&s, "swstsvrset", &[]);
    let ini = s.root().join("etc/opt/swstorage/swnode.ini");
    std::fs::write(&ini, "ServerName=SV1\nServerName=SV2\n").unwrap();
    for args in [&[][..], &["-h", "SV1"][..], &["-h", "SV2"][..]] {
        let e = refused(&s, "swstsvrdisp", args, "swst0005", 1);
        assert!(
            e.contains(&format!("{} line 2: ", ini.display())),
            "{args:?}: {e}"
        );
    }
    // Refused before the body, which would have named another server.
    refused(&s, "swstbackup", &["/dev/hdisk1"], "swst0005", 1);
}
