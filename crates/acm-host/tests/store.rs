//! The host state file: persistence, its format record, refused updates writing
//! nothing, the partial reads and the import of the earlier layout.

use acm_host::{Disk, HostError, HostStore, HOST_FORMAT};

fn disk(olu: u32) -> Disk {
    Disk {
        box_name: "E4000".into(),
        box_id: "9".repeat(40),
        olu,
        size: 1 << 20,
        vxvm: false,
        node: None,
        block: None,
    }
}

#[test]
fn state_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let store = HostStore::open_at(dir.path());
    assert_eq!(store.load().unwrap(), Default::default());
    let lv = store
        .update(|h| {
            h.attach("/dev/hdisk1", disk(1))?;
            h.attach("/dev/hdisk2", disk(2))?;
            h.create_vg("vg01", &["/dev/hdisk1"])?;
            h.add_lv("/dev/vg01", "lv01", Some("/mnt/a"))
        })
        .unwrap();
    store.update(|h| h.mount(&lv, None)).unwrap();

    let reopened = HostStore::open_at(dir.path());
    let host = reopened.load().unwrap();
    assert_eq!(host, store.load().unwrap());
    assert_eq!(host.mounts["/mnt/a"], "/dev/lv01");
    assert_eq!(host.resolve("/dev/vg01").unwrap().mount_points, ["/mnt/a"]);
    assert!(dir.path().join("lock").exists());
    assert!(reopened.path().ends_with("host.redb"));
}

#[test]
fn refused_update_leaves_the_host_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let store = HostStore::open_at(dir.path());
    // A refusal before anything was saved creates no state file.
    assert!(store.update(|h| h.detach("/dev/hdisk1")).is_err());
    assert!(!store.path().exists());

    store.attach("/dev/hdisk1", disk(1)).unwrap();
    let before = store.load().unwrap();
    // The closure changes the host, then fails: nothing of it may be saved.
    let err = store
        .update(|h| {
            h.attach("/dev/hdisk2", disk(2))?;
            h.attach("/dev/hdisk3", disk(1))
        })
        .unwrap_err();
    assert!(matches!(err, HostError::LunAttached { .. }), "{err}");
    assert_eq!(store.load().unwrap(), before);
    assert!(store.load().unwrap().resolve("/dev/hdisk2").is_err());
}

/// Attaching reads only the records it depends on, yet refuses exactly what
/// the whole host would: a name taken, a LUN taken.
#[test]
fn a_partial_attach_refuses_as_the_whole_host_does() {
    let dir = tempfile::tempdir().unwrap();
    let store = HostStore::open_at(dir.path());
    for i in 1..=50 {
        store.attach(&format!("/dev/hdisk{i}"), disk(i)).unwrap();
    }
    let e = store.attach("/dev/hdisk7", disk(99)).unwrap_err();
    assert!(matches!(e, HostError::AlreadyAttached(_)), "{e}");
    let e = store.attach("/dev/hdisk99", disk(7)).unwrap_err();
    match e {
        HostError::LunAttached { device, .. } => assert_eq!(device, "/dev/hdisk7"),
        other => panic!("{other}"),
    }
    let whole = store.load().unwrap();
    assert_eq!(whole.disks.len(), 50);
    // Resolving on the part gives what it gives on the whole host.
    store
        .update(|h| {
            h.create_vg("vg01", &["/dev/hdisk40", "/dev/hdisk41"])
                .map(drop)
        })
        .unwrap();
    let whole = store.load().unwrap();
    let part = store.load_for(&["/dev/hdisk3", "/dev/vg01"]).unwrap();
    assert!(part.disks.len() < whole.disks.len());
    for d in ["/dev/hdisk3", "/dev/vg01", "/dev/hdisk40"] {
        assert_eq!(
            part.resolve(d).map_err(|e| e.to_string()),
            whole.resolve(d).map_err(|e| e.to_string()),
            "{d}"
        );
    }
}

#[test]
fn device_nodes_are_found_by_lun() {
    let dir = tempfile::tempdir().unwrap();
    let store = HostStore::open_at(dir.path());
    store.attach("/dev/hdisk1", disk(1)).unwrap();
    let mut d = disk(2);
    d.node = Some("/dev/sg3".into());
    store.attach("/dev/hdisk2", d).unwrap();
    assert_eq!(
        store.nodes().unwrap(),
        vec![(("9".repeat(40), 2), "/dev/sg3".to_string())]
    );
    store.update(|h| h.detach("/dev/hdisk2")).unwrap();
    assert!(store.nodes().unwrap().is_empty());
}

#[test]
fn a_foreign_state_file_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let store = HostStore::open_at(dir.path());
    acm_core::records::RecordFile::new(store.path(), dir.path().join("lock"), "acmsim-box", 1)
        .replace(&Default::default())
        .unwrap();
    let msg = store.load().unwrap_err().to_string();
    assert!(
        msg.contains("host.redb") && msg.contains("acmsim-box") && msg.contains(HOST_FORMAT),
        "{msg}"
    );
    assert!(store.update(|_| Ok(())).is_err());
    std::fs::write(store.path(), b"{ not a database, not at all }").unwrap();
    let msg = store.load().unwrap_err().to_string();
    assert!(
        msg.contains("host.redb") && msg.contains("damaged"),
        "{msg}"
    );
}

/// A host of the earlier layout (one JSON document) is imported once, then
/// its file is gone; a damaged one is refused by name.
#[test]
fn the_earlier_layout_is_imported() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("host.json");
    let d = serde_json::to_string(&disk(4)).unwrap();
    std::fs::write(
        &json,
        format!(r#"{{"format":"acmsim-host","version":1,"data":{{"disks":{{"/dev/hdisk4":{d}}},"volume_groups":{{}},"mounts":{{}}}}}}"#),
    )
    .unwrap();
    let store = HostStore::open_at(dir.path());
    assert_eq!(store.load().unwrap().disks["/dev/hdisk4"], disk(4));
    assert!(!json.exists());
    assert!(store.path().exists());

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("host.json"), b"{half").unwrap();
    let msg = HostStore::open_at(dir.path())
        .load()
        .unwrap_err()
        .to_string();
    assert!(msg.contains("host.json"), "{msg}");
}

#[test]
fn default_store_lives_in_the_sim_host_dir() {
    let store = HostStore::open();
    assert_eq!(
        store.path(),
        acm_core::paths::sim_host_dir().join("host.redb")
    );
}
