//! The host model's rules: every refusal, resolution and discovery.

use acm_host::{DeviceKind, Disk, Host, HostError};

fn disk(olu: u32, size: u64) -> Disk {
    Disk {
        box_name: "E4000".into(),
        box_id: format!("{:0>40}", "ABC"),
        olu,
        size,
        vxvm: false,
        node: None,
        block: None,
    }
}

/// hdisk1..hdisk4 (sizes 1..4 MiB), vg01 = hdisk2 + hdisk3 with lv01 (/mnt/a) and lv02.
fn host() -> Host {
    let mut h = Host::default();
    for n in 1..=4 {
        h.attach(&format!("/dev/hdisk{n}"), disk(n, u64::from(n) << 20))
            .unwrap();
    }
    assert_eq!(
        h.create_vg("vg01", &["/dev/hdisk3", "/dev/hdisk2"])
            .unwrap(),
        "/dev/vg01"
    );
    assert_eq!(
        h.add_lv("/dev/vg01", "lv01", Some("/mnt/a/")).unwrap(),
        "/dev/lv01"
    );
    h.add_lv("/dev/vg01", "/dev/lv02", None).unwrap();
    h
}

/// Runs a refused operation and checks that it changed nothing; returns the message.
fn refused(h: &mut Host, op: impl FnOnce(&mut Host) -> Result<(), HostError>) -> String {
    let before = h.clone();
    let err = op(h).expect_err("operation should be refused");
    assert_eq!(*h, before, "a refused operation changed the host: {err}");
    err.to_string()
}

fn unit<T>(r: Result<T, HostError>) -> Result<(), HostError> {
    r.map(|_| ())
}

#[test]
fn disk_names_must_be_dev_hdisk_digits() {
    let mut h = Host::default();
    for bad in [
        "/dev/hdisk",
        "/dev/hdiskx",
        "hdisk1",
        "/dev/hdisk1a",
        "/dev/vx/dmp/hdisk1",
        "/dev/Hdisk1",
    ] {
        let msg = refused(&mut h, |h| h.attach(bad, disk(1, 10)));
        assert!(msg.contains(bad), "{msg}");
    }
    h.attach("/dev/hdisk007", disk(1, 10)).unwrap();
}

#[test]
fn attach_refusals() {
    let mut h = host();
    let msg = refused(&mut h, |h| h.attach("/dev/hdisk1", disk(9, 10)));
    assert_eq!(msg, "/dev/hdisk1 is already attached");
    let msg = refused(&mut h, |h| h.attach("/dev/hdisk9", disk(2, 10)));
    assert!(
        msg.contains("OLU 2") && msg.contains("/dev/hdisk2"),
        "{msg}"
    );
    refused(&mut h, |h| h.attach("/dev/hdisk9", disk(9, 0)));
    // Same OLU on another box is a different LUN.
    let mut other = disk(2, 10);
    other.box_id = "1".repeat(40);
    h.attach("/dev/hdisk9", other).unwrap();
}

#[test]
fn detach_refusals() {
    let mut h = host();
    assert_eq!(
        refused(&mut h, |h| h.detach("/dev/hdisk9")),
        "/dev/hdisk9 is not attached"
    );
    assert_eq!(
        refused(&mut h, |h| h.detach("/dev/hdisk2")),
        "/dev/hdisk2 belongs to volume group /dev/vg01"
    );
    h.mount("/dev/hdisk1", Some("/mnt/raw")).unwrap();
    assert_eq!(
        refused(&mut h, |h| h.detach("/dev/hdisk1")),
        "/dev/hdisk1 is mounted on /mnt/raw"
    );
    h.umount("/mnt/raw").unwrap();
    h.detach("/dev/hdisk1").unwrap();
    assert!(h.resolve("/dev/hdisk1").is_err());
}

#[test]
fn vxvm_disks_resolve_only_when_flagged() {
    let mut h = host();
    let msg = h.resolve("/dev/vx/dmp/hdisk1").unwrap_err().to_string();
    assert_eq!(msg, "/dev/hdisk1 is not a VxVM disk");
    assert!(matches!(
        h.resolve("/dev/vx/dmp/hdisk9"),
        Err(HostError::NotAttached(_))
    ));
    assert!(matches!(
        h.resolve("/dev/vx/dmp/vg01"),
        Err(HostError::NoSuchDevice(_))
    ));
    h.set_vxvm("/dev/hdisk1", true).unwrap();
    let r = h.resolve("/dev/vx/dmp/hdisk1").unwrap();
    assert_eq!(
        (r.kind, r.size, r.disks[0].olu),
        (DeviceKind::VxvmDisk, 1 << 20, 1)
    );
    assert_eq!(r.disks[0].device, "/dev/hdisk1");
    assert_eq!(h.resolve("/dev/hdisk1").unwrap().kind, DeviceKind::Disk);

    refused(&mut h, |h| h.set_vxvm("/dev/hdisk2", true));
    refused(&mut h, |h| h.set_vxvm("/dev/hdisk9", true));
    let msg = refused(&mut h, |h| unit(h.create_vg("vg02", &["/dev/hdisk1"])));
    assert!(msg.contains("/dev/hdisk1") && msg.contains("VxVM"), "{msg}");

    // Mounting through the DMP name mounts the disk itself.
    h.mount("/dev/vx/dmp/hdisk1", Some("/mnt/vx")).unwrap();
    assert_eq!(h.mounts["/mnt/vx"], "/dev/hdisk1");
    assert_eq!(
        h.resolve("/dev/vx/dmp/hdisk1").unwrap().mount_points,
        ["/mnt/vx"]
    );
    h.umount("/dev/vx/dmp/hdisk1").unwrap();
    h.set_vxvm("/dev/hdisk1", false).unwrap();
    assert!(h.resolve("/dev/vx/dmp/hdisk1").is_err());
}

#[test]
fn volume_group_name_refusals() {
    let mut h = host();
    for bad in ["vg-1", "hdisk5", "/dev/hdisk5", "", "vx", "vg 1", "a/b"] {
        let msg = refused(&mut h, |h| unit(h.create_vg(bad, &["/dev/hdisk1"])));
        assert!(msg.contains(&format!("'{bad}'")), "{msg}");
    }
    let msg = refused(&mut h, |h| unit(h.create_vg("vg01", &["/dev/hdisk1"])));
    assert_eq!(
        msg,
        "/dev/vg01 is already in use as a volume group or logical volume name"
    );
    refused(&mut h, |h| unit(h.create_vg("/dev/lv01", &["/dev/hdisk1"])));
    refused(&mut h, |h| unit(h.add_lv("/dev/vg01", "vg01", None)));
    refused(&mut h, |h| unit(h.add_lv("/dev/vg01", "lv02", None)));
    refused(&mut h, |h| unit(h.add_lv("/dev/vg01", "hdisk7", None)));
    refused(&mut h, |h| unit(h.add_lv("/dev/vg09", "lv09", None)));
}

#[test]
fn volume_group_disk_refusals() {
    let mut h = host();
    refused(&mut h, |h| unit(h.create_vg("vg02", &[])));
    refused(&mut h, |h| unit(h.create_vg("vg02", &["/dev/hdisk9"])));
    refused(&mut h, |h| unit(h.create_vg("vg02", &["hdisk1"])));
    let msg = refused(&mut h, |h| {
        unit(h.create_vg("vg02", &["/dev/hdisk1", "/dev/hdisk2"]))
    });
    assert_eq!(msg, "/dev/hdisk2 belongs to volume group /dev/vg01");
    let msg = refused(&mut h, |h| {
        unit(h.create_vg("vg02", &["/dev/hdisk1", "/dev/hdisk1"]))
    });
    assert!(msg.contains("twice"), "{msg}");
    h.mount("/dev/hdisk1", Some("/mnt/raw")).unwrap();
    refused(&mut h, |h| unit(h.create_vg("vg02", &["/dev/hdisk1"])));
    h.umount("/dev/hdisk1").unwrap();
    h.create_vg("vg02", &["/dev/hdisk1", "/dev/hdisk4"])
        .unwrap();
}

#[test]
fn mounted_logical_volumes_block_remove_and_varyoff() {
    let mut h = host();
    assert_eq!(h.mount("/mnt/a", None).unwrap(), "/mnt/a");
    let msg = refused(&mut h, |h| h.remove_vg("/dev/vg01"));
    assert_eq!(msg, "/dev/vg01 has mounted logical volumes (/mnt/a)");
    let msg = refused(&mut h, |h| h.varyoff("/dev/vg01"));
    assert_eq!(msg, "/dev/vg01 has mounted logical volumes (/mnt/a)");
    let msg = refused(&mut h, |h| h.remove_lv("/dev/lv01"));
    assert_eq!(msg, "/dev/lv01 is mounted on /mnt/a");
    refused(&mut h, |h| h.remove_vg("/dev/vg09"));
    refused(&mut h, |h| h.varyon("/dev/vg09"));
    refused(&mut h, |h| h.remove_lv("/dev/lv09"));

    h.umount("/dev/lv01").unwrap();
    h.varyoff("/dev/vg01").unwrap();
    h.varyoff("/dev/vg01").unwrap();
    let msg = refused(&mut h, |h| unit(h.mount("/dev/lv01", None)));
    assert_eq!(msg, "/dev/vg01 is not varied on");
    h.varyon("/dev/vg01").unwrap();
    h.remove_lv("/dev/lv02").unwrap();
    h.remove_vg("/dev/vg01").unwrap();
    // Its disks are free again.
    h.create_vg("vg01", &["/dev/hdisk2"]).unwrap();
}

#[test]
fn mount_refusals() {
    let mut h = host();
    let msg = refused(&mut h, |h| unit(h.mount("/dev/hdisk2", Some("/mnt/x"))));
    assert_eq!(msg, "/dev/hdisk2 belongs to volume group /dev/vg01");
    refused(&mut h, |h| unit(h.mount("/dev/vg01", Some("/mnt/x"))));
    refused(&mut h, |h| unit(h.mount("/dev/hdisk9", Some("/mnt/x"))));
    refused(&mut h, |h| unit(h.mount("/dev/lv09", Some("/mnt/x"))));
    refused(&mut h, |h| {
        unit(h.mount("/dev/vx/dmp/hdisk1", Some("/mnt/x")))
    });
    for bad in ["mnt/x", "/", "/dev/foo", "/mnt/../x"] {
        refused(&mut h, |h| unit(h.mount("/dev/hdisk1", Some(bad))));
    }
    let msg = refused(&mut h, |h| unit(h.mount("/dev/lv02", None)));
    assert_eq!(msg, "/dev/lv02 has no configured mount point");
    refused(&mut h, |h| unit(h.mount("/dev/hdisk1", None)));
    refused(&mut h, |h| unit(h.mount("/mnt/nothing", None)));

    h.mount("/dev/lv01", None).unwrap();
    let msg = refused(&mut h, |h| unit(h.mount("/mnt/a", None)));
    assert_eq!(msg, "/dev/lv01 is mounted on /mnt/a");
    let msg = refused(&mut h, |h| unit(h.mount("/dev/lv01", Some("/mnt/b"))));
    assert_eq!(msg, "/dev/lv01 is mounted on /mnt/a");
    let msg = refused(&mut h, |h| unit(h.mount("/dev/lv02", Some("/mnt/a"))));
    assert_eq!(msg, "/mnt/a is already in use by /dev/lv01");
    let msg = refused(&mut h, |h| unit(h.mount("/dev/hdisk1", Some("//mnt//a/"))));
    assert_eq!(msg, "/mnt/a is already in use by /dev/lv01");

    let msg = refused(&mut h, |h| {
        unit(h.add_lv("/dev/vg01", "lv03", Some("/mnt/a")))
    });
    assert_eq!(msg, "/mnt/a is already in use by /dev/lv01");
    refused(&mut h, |h| {
        unit(h.add_lv("/dev/vg01", "lv03", Some("relative")))
    });
}

#[test]
fn umount_by_mount_point_or_device() {
    let mut h = host();
    assert_eq!(
        refused(&mut h, |h| h.umount("/mnt/a")),
        "/mnt/a is not mounted"
    );
    assert_eq!(
        refused(&mut h, |h| h.umount("/dev/lv01")),
        "/dev/lv01 is not mounted"
    );
    refused(&mut h, |h| h.umount("relative"));
    h.mount("/dev/lv02", Some("/mnt/b")).unwrap();
    h.mount("/dev/hdisk1", Some("/mnt/raw")).unwrap();
    h.umount("/mnt/b/").unwrap();
    h.umount("/dev/hdisk1").unwrap();
    assert!(h.mounts.is_empty());
}

#[test]
fn resolution() {
    let mut h = host();
    h.mount("/mnt/a", None).unwrap();
    h.mount("/dev/lv02", Some("/mnt/b")).unwrap();
    h.mount("/dev/hdisk1", Some("/mnt/raw")).unwrap();

    let vg = h.resolve("/dev/vg01").unwrap();
    assert_eq!(vg.kind, DeviceKind::VolumeGroup);
    assert_eq!(vg.size, 5 << 20);
    assert!(vg.active);
    let order: Vec<_> = vg
        .disks
        .iter()
        .map(|d| (d.device.as_str(), d.olu))
        .collect();
    assert_eq!(order, [("/dev/hdisk3", 3), ("/dev/hdisk2", 2)]);
    assert_eq!(vg.mount_points, ["/mnt/a", "/mnt/b"]);

    let member = h.resolve("/dev/hdisk2").unwrap();
    assert_eq!(member.volume_group.as_deref(), Some("/dev/vg01"));
    assert_eq!(member.mount_points, ["/mnt/a", "/mnt/b"]);
    assert_eq!(h.resolve("/dev/hdisk1").unwrap().mount_points, ["/mnt/raw"]);
    assert!(h.resolve("/dev/hdisk4").unwrap().mount_points.is_empty());

    let msg = h.resolve("/dev/lv01").unwrap_err().to_string();
    assert!(msg.contains("logical volume of /dev/vg01"), "{msg}");
    assert_eq!(
        h.resolve("/dev/vg09").unwrap_err().to_string(),
        "/dev/vg09 does not exist"
    );
    assert_eq!(
        h.resolve("/dev/hdisk9").unwrap_err().to_string(),
        "/dev/hdisk9 is not attached"
    );
    assert!(h.resolve("vg01").is_err());
}

#[test]
fn discovery_skips_inactive_volume_groups() {
    let mut h = host();
    h.attach("/dev/hdisk10", disk(10, 1 << 20)).unwrap();
    h.set_vxvm("/dev/hdisk4", true).unwrap();
    h.create_vg("vg00", &["/dev/hdisk1"]).unwrap();
    h.varyoff("/dev/vg00").unwrap();
    let names = |v: Vec<acm_host::Resolved>| v.into_iter().map(|r| r.device).collect::<Vec<_>>();
    let all = names(h.devices());
    assert_eq!(
        all,
        [
            "/dev/hdisk1",
            "/dev/hdisk2",
            "/dev/hdisk3",
            "/dev/vx/dmp/hdisk4",
            "/dev/hdisk10",
            "/dev/vg00",
            "/dev/vg01"
        ]
    );
    let found = names(h.discoverable());
    assert!(!found.contains(&"/dev/vg00".to_string()) && found.contains(&"/dev/vg01".to_string()));
    assert_eq!(found.len(), all.len() - 1);
    assert!(!h.resolve("/dev/vg00").unwrap().active);
}
