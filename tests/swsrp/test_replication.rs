//! swsrpsetvol, swsrpvolinfo and swsrpdelvol (manual 8.3.1.1-8.3.1.3) against a
//! simulated host and box.

use crate::common;

use acm_backup::list::{BoxInfo, Device, ListStore as BackupStore, Role};
use acm_host::DeviceKind;
use common::*;

const HEADER: [&str; 7] = [
    "Server",
    "Original-Volume",
    "Size",
    "Replica-Volume",
    "Size",
    "Copy",
    "Op-Server",
];

fn row(line: &[String]) -> Vec<&str> {
    line.iter().map(String::as_str).collect()
}

#[test]
fn setvol_and_volinfo_as_in_the_manual() {
    let s = world(6);
    assert_eq!(
        ok(
            &s,
            "swsrpsetvol",
            &["-u", "-o", "ORG", "/dev/hdisk1", "/dev/hdisk2"]
        ),
        "swsrpsetvol completed\n"
    );
    // Qualified with this server's name, -h naming this server, options after operands.
    assert_eq!(
        ok(
            &s,
            "swsrpsetvol",
            &["/dev/hdisk3@SV1", "/dev/hdisk4", "-h", "SV1"]
        ),
        "swsrpsetvol completed\n"
    );
    ok(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk5", "/dev/hdisk6", "-o", "REP", "-Xgroup", "GRP1"],
    );
    let out = ok(&s, "swsrpvolinfo", &[]);
    let t = tokens(&out);
    // "Size" twice; sizes are two tokens ("4.0 Mbyte").
    assert_eq!(t[0], HEADER);
    assert_eq!(
        row(&t[1]),
        [
            "SV1",
            "/dev/hdisk1@SV1",
            "4.0",
            "Mbyte",
            "/dev/hdisk2@SV1",
            "4.0",
            "Mbyte",
            "uni-direction",
            "original"
        ]
    );
    assert_eq!(
        row(&t[2]),
        [
            "SV1",
            "/dev/hdisk3@SV1",
            "4.0",
            "Mbyte",
            "/dev/hdisk4@SV1",
            "4.0",
            "Mbyte",
            "bi-direction",
            "both"
        ]
    );
    assert_eq!(t[3][8], "replica");
    assert_eq!(t.len(), 4);
    // Columns are aligned: each header word starts where its cells start.
    let lines: Vec<&str> = out.lines().collect();
    let at = lines[0].find("Replica-Volume").unwrap();
    for l in &lines[1..] {
        assert_eq!(&l[at..at + 10], "/dev/hdisk", "{out}");
    }
    // -L adds Group last, ---- for a pair without a group.
    let t = tokens(&ok(&s, "swsrpvolinfo", &["-L"]));
    assert_eq!(t[0].last().unwrap(), "Group");
    assert_eq!(t[1].last().unwrap(), "----");
    assert_eq!(t[3].last().unwrap(), "GRP1");
    // One original volume; -L after the operand; -h.
    let t = tokens(&ok(&s, "swsrpvolinfo", &["/dev/hdisk3", "-L", "-h", "SV1"]));
    assert_eq!(t.len(), 2);
    assert_eq!(t[1][1], "/dev/hdisk3@SV1");
    assert_eq!(
        tokens(&ok(&s, "swsrpvolinfo", &["/dev/hdisk3@SV1"])).len(),
        2
    );
    refused(&s, "swsrpvolinfo", &["/dev/hdisk4"], "swsrp1301", 1);
    refused(&s, "swsrpvolinfo", &["-h", "SV2"], "swsrp0906", 1);
    refused(
        &s,
        "swsrpvolinfo",
        &["/dev/hdisk1", "/dev/hdisk2"],
        "swsrp0002",
        2,
    );
    // The list records what was set.
    let l = list(&s);
    assert_eq!(l.pairs.len(), 3);
    assert_eq!(l.pairs[2].group.as_deref(), Some("GRP1"));
    assert_eq!(l.pairs[0].original.box_info.blocks, LUN / 512);
}

#[test]
fn volinfo_of_an_empty_list_prints_the_header() {
    let s = world(1);
    assert_eq!(
        tokens(&ok(&s, "swsrpvolinfo", &[])),
        vec![HEADER.map(String::from).to_vec()]
    );
    refused(&s, "swsrpvolinfo", &["/dev/hdisk1"], "swsrp1301", 1);
}

#[test]
fn setvol_refusals() {
    let (s, _) = world_with(8, 1); // hdisk9 is 8 MB
    host_update(&s, |h| {
        h.create_vg("vg07", &["/dev/hdisk7"])?;
        h.create_vg("vg08", &["/dev/hdisk8"])?;
        Ok(())
    });
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk1", "/dev/hdisk2"],
        "swsrp1201",
        1,
    );
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk1@SV1", "/dev/hdisk2@SV1"],
        "swsrp1201",
        1,
    );
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk2", "/dev/hdisk1"],
        "swsrp1202",
        1,
    );
    // Sizes differ: refused without -n, set with it (either way round).
    let e = refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk3", "/dev/hdisk9"],
        "swsrp1203",
        1,
    );
    assert!(e.contains("-n"), "{e}");
    ok(&s, "swsrpsetvol", &["/dev/hdisk3", "/dev/hdisk9", "-n"]);
    // VG pairs: VG <-> VG only, not the same VG; same box information as a pair.
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/vg07", "/dev/hdisk4"],
        "swsrp1207",
        1,
    );
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk4", "/dev/vg07"],
        "swsrp1207",
        1,
    );
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/vg07", "/dev/vg07"],
        "swsrp1208",
        1,
    );
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk4", "/dev/hdisk4"],
        "swsrp1208",
        1,
    );
    ok(&s, "swsrpsetvol", &["/dev/vg07", "/dev/vg08"]);
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk7", "/dev/hdisk8"],
        "swsrp1204",
        1,
    );
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk8", "/dev/hdisk7"],
        "swsrp1204",
        1,
    );
    // Devices.
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk99", "/dev/hdisk4"],
        "swsrp1101",
        1,
    );
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk4", "/dev/vg99"],
        "swsrp1101",
        1,
    );
    host_update(&s, |h| {
        h.create_vg("vg45", &["/dev/hdisk4", "/dev/hdisk5"])?;
        Ok(())
    });
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/vg45", "/dev/vg08"],
        "swsrp1102",
        1,
    );
    host_update(&s, |h| h.varyoff("vg08"));
    refused(
        &s,
        "swsrpdelvol",
        &["/dev/vg07", "/dev/vg08"],
        "swsrp1103",
        1,
    );
    host_update(&s, |h| {
        h.remove_vg("vg45")?;
        h.create_vg("vg06", &["/dev/hdisk6"])?;
        h.varyoff("vg06")
    });
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/vg06", "/dev/vg07"],
        "swsrp1103",
        1,
    );
    // Other servers: -o is required, and an unknown server is not registered.
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk4", "/dev/hdisk5@TARG-SV"],
        "swsrp0002",
        2,
    );
    let e = refused(
        &s,
        "swsrpsetvol",
        &["-o", "ORG", "/dev/hdisk4", "/dev/hdisk5@TARG-SV"],
        "swsrp0901",
        1,
    );
    assert!(e.contains("TARG-SV"), "{e}");
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk4@SRC-SV", "/dev/hdisk5", "-o", "REP"],
        "swsrp0901",
        1,
    );
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk4@A", "/dev/hdisk5@B"],
        "swsrp1105",
        1,
    );
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk4@", "/dev/hdisk5"],
        "swsrp1106",
        1,
    );
    refused(
        &s,
        "swsrpsetvol",
        &["-h", "SV2", "/dev/hdisk4", "/dev/hdisk5"],
        "swsrp0906",
        1,
    );
    // Usage.
    refused(
        &s,
        "swsrpsetvol",
        &["-o", "org", "/dev/hdisk4", "/dev/hdisk5"],
        "swsrp0002",
        2,
    );
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk4", "/dev/hdisk5", "-o"],
        "swsrp0002",
        2,
    );
    refused(
        &s,
        "swsrpsetvol",
        &["-u", "-u", "/dev/hdisk4", "/dev/hdisk5"],
        "swsrp0002",
        2,
    );
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk4", "/dev/hdisk5", "/dev/hdisk6"],
        "swsrp0002",
        2,
    );
    assert_eq!(list(&s).pairs.len(), 3);
}

fn register_backup(s: &acm_testkit::Scratch, device: &str) {
    let host = acm_host::HostStore::open_at(s.root().join("var/opt/acmsim-host"))
        .load()
        .unwrap();
    let r = host.resolve(device).unwrap();
    BackupStore::open_at(s.root().join("etc/opt/FJSVswsts/data"))
        .update("test", |l| {
            l.configured = true;
            l.devices.insert(
                device.to_string(),
                Device {
                    role: Role::Backup,
                    kind: DeviceKind::Disk,
                    box_info: BoxInfo {
                        box_id: r.disks[0].box_id.clone(),
                        olu: r.disks[0].olu,
                        start_lba: 0,
                        blocks: r.size / 512,
                    },
                    size: r.size,
                    hold: None,
                },
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn backup_volumes_of_backup_management() {
    let s = world(4);
    register_backup(&s, "/dev/hdisk2");
    register_backup(&s, "/dev/hdisk3");
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk1", "/dev/hdisk2"],
        "swsrp1205",
        1,
    );
    refused(
        &s,
        "swsrpsetvol",
        &["-u", "/dev/hdisk1", "/dev/hdisk2"],
        "swsrp1205",
        1,
    );
    // A backup volume as original: only uni-direction.
    refused(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk3", "/dev/hdisk4"],
        "swsrp1206",
        1,
    );
    ok(&s, "swsrpsetvol", &["/dev/hdisk3", "/dev/hdisk4", "-u"]);
}

#[test]
fn groups() {
    let s = world(10);
    let long = "G".repeat(65);
    for bad in ["-G", "G 1", "G/1", long.as_str(), ""] {
        refused(
            &s,
            "swsrpsetvol",
            &["-Xgroup", bad, "/dev/hdisk1", "/dev/hdisk2"],
            "swsrp1209",
            1,
        );
    }
    let ok64 = format!("a{}", "-_#.".repeat(15) + "abc");
    assert_eq!(ok64.len(), 64);
    ok(
        &s,
        "swsrpsetvol",
        &["-Xgroup", &ok64, "/dev/hdisk9", "/dev/hdisk10"],
    );
    ok(
        &s,
        "swsrpsetvol",
        &["-Xgroup", "GRP1", "/dev/hdisk1", "/dev/hdisk2"],
    );
    ok(
        &s,
        "swsrpsetvol",
        &["/dev/hdisk3", "/dev/hdisk4", "-Xgroup", "GRP1"],
    );
    // Same direction and operation server as the group.
    refused(
        &s,
        "swsrpsetvol",
        &["-u", "-Xgroup", "GRP1", "/dev/hdisk5", "/dev/hdisk6"],
        "swsrp1210",
        1,
    );
    refused(
        &s,
        "swsrpsetvol",
        &["-o", "ORG", "-Xgroup", "GRP1", "/dev/hdisk5", "/dev/hdisk6"],
        "swsrp1210",
        1,
    );
    // No volume twice in a group.
    refused(
        &s,
        "swsrpsetvol",
        &["-Xgroup", "GRP1", "/dev/hdisk1", "/dev/hdisk5"],
        "swsrp1210",
        1,
    );
    refused(
        &s,
        "swsrpsetvol",
        &["-Xgroup", "GRP1", "/dev/hdisk5", "/dev/hdisk4"],
        "swsrp1210",
        1,
    );
    // Another group with other conditions is fine.
    ok(
        &s,
        "swsrpsetvol",
        &["-u", "-Xgroup", "GRP2", "/dev/hdisk5", "/dev/hdisk6"],
    );
    let t = tokens(&ok(&s, "swsrpvolinfo", &["-L"]));
    let groups: Vec<&str> = t[1..].iter().map(|r| r.last().unwrap().as_str()).collect();
    assert_eq!(groups, [ok64.as_str(), "GRP1", "GRP1", "GRP2"]);
    // Group deletion.
    refused(&s, "swsrpdelvol", &["-Xgroup", "GRP9"], "swsrp1304", 1);
    refused(
        &s,
        "swsrpdelvol",
        &["-Xgroup", "GRP1", "/dev/hdisk1", "/dev/hdisk2"],
        "swsrp0002",
        2,
    );
    assert_eq!(
        ok(&s, "swsrpdelvol", &["-Xgroup", "GRP1"]),
        "swsrpdelvol completed\n"
    );
    let l = list(&s);
    assert_eq!(l.pairs.len(), 2);
    assert!(l.pairs.iter().all(|p| p.group.as_deref() != Some("GRP1")));
}

fn start_ec(s: &acm_testkit::Scratch, from: usize, to: usize) {
    use acm_scsi::model as m;
    let l = list(s);
    let ext = |b: &BoxInfo| m::Extent {
        box_id: m::BoxId::parse(&b.box_id).unwrap(),
        olu: b.olu,
        start_lba: b.start_lba,
        blocks: b.blocks,
    };
    let (src, dst) = (
        &l.pairs[from].original.box_info,
        &l.pairs[to].replica.box_info,
    );
    let mut d = acm_scsi::driver::Driver::new(acm_sim::SimTransport::new(
        s.sim_home(),
        &src.box_id,
        dst.olu,
    ));
    d.start(&m::StartRequest {
        kind: m::CopyKind::Ec,
        src: ext(src),
        dst: ext(dst),
        rec: None,
        dest_access: m::DestAccess::ReadOnly,
        skip_initial_copy: false,
        define_only: false,
    })
    .unwrap();
}

#[test]
fn delvol() {
    let s = world(6);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    ok(&s, "swsrpsetvol", &["/dev/hdisk3", "/dev/hdisk4"]);
    ok(&s, "swsrpsetvol", &["/dev/hdisk5", "/dev/hdisk6"]);
    refused(
        &s,
        "swsrpdelvol",
        &["/dev/hdisk2", "/dev/hdisk1"],
        "swsrp1302",
        1,
    );
    refused(
        &s,
        "swsrpdelvol",
        &["/dev/hdisk1", "/dev/hdisk4"],
        "swsrp1302",
        1,
    );
    refused(&s, "swsrpdelvol", &["/dev/hdisk1"], "swsrp0002", 2);
    refused(&s, "swsrpdelvol", &[], "swsrp0002", 2);
    refused(
        &s,
        "swsrpdelvol",
        &["/dev/hdisk1@X", "/dev/hdisk2@Y"],
        "swsrp1105",
        1,
    );
    refused(
        &s,
        "swsrpdelvol",
        &["-h", "SV2", "/dev/hdisk1", "/dev/hdisk2"],
        "swsrp0906",
        1,
    );
    // A copy session between the pair (either way) blocks deletion, unless -e.
    start_ec(&s, 0, 0);
    let e = refused(
        &s,
        "swsrpdelvol",
        &["/dev/hdisk1", "/dev/hdisk2"],
        "swsrp1303",
        1,
    );
    assert!(e.contains("/dev/hdisk1@SV1"), "{e}");
    assert_eq!(
        ok(&s, "swsrpdelvol", &["/dev/hdisk1", "/dev/hdisk2@SV1", "-e"]),
        "swsrpdelvol completed\n"
    );
    // A session between volumes of different pairs does not block.
    start_ec(&s, 0, 1); // hdisk3 -> hdisk6
                        // -d is for server-to-server pairs only.
    refused(
        &s,
        "swsrpdelvol",
        &["/dev/hdisk3", "/dev/hdisk4", "-d"],
        "swsrp1901",
        1,
    );
    assert_eq!(
        ok(&s, "swsrpdelvol", &["/dev/hdisk3", "/dev/hdisk4"]),
        "swsrpdelvol completed\n"
    );
    refused(
        &s,
        "swsrpdelvol",
        &["/dev/hdisk3", "/dev/hdisk4"],
        "swsrp1302",
        1,
    );
    let l = list(&s);
    assert_eq!(l.pairs.len(), 1);
    assert_eq!(l.pairs[0].original.device, "/dev/hdisk5");
}
