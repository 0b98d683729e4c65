//! The host state file: persistence, its envelope, and refused updates writing nothing.

use acm_host::{Disk, HostError, HostStore, HOST_FORMAT, HOST_VERSION};

fn disk(olu: u32) -> Disk {
    Disk {
        box_name: "E4000".into(),
        box_id: "9".repeat(40),
        olu,
        size: 1 << 20,
        vxvm: false,
        node: None,
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

    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reopened.path()).unwrap()).unwrap();
    assert_eq!(doc["format"], HOST_FORMAT);
    assert_eq!(doc["version"], HOST_VERSION);
}

#[test]
fn refused_update_leaves_the_file_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let store = HostStore::open_at(dir.path());
    // A refusal before anything was saved creates no state file.
    assert!(store.update(|h| h.detach("/dev/hdisk1")).is_err());
    assert!(!store.path().exists());

    store.update(|h| h.attach("/dev/hdisk1", disk(1))).unwrap();
    let before = std::fs::read(store.path()).unwrap();
    // The closure changes the host, then fails: nothing of it may be saved.
    let err = store
        .update(|h| {
            h.attach("/dev/hdisk2", disk(2))?;
            h.attach("/dev/hdisk3", disk(1))
        })
        .unwrap_err();
    assert!(matches!(err, HostError::LunAttached { .. }), "{err}");
    assert_eq!(std::fs::read(store.path()).unwrap(), before);
    assert!(store.load().unwrap().resolve("/dev/hdisk2").is_err());
}

#[test]
fn a_foreign_state_file_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let store = HostStore::open_at(dir.path());
    std::fs::write(
        store.path(),
        br#"{"format":"acmsim-box","version":1,"data":{}}"#,
    )
    .unwrap();
    let msg = store.load().unwrap_err().to_string();
    assert!(
        msg.contains("host.json") && msg.contains("acmsim-box"),
        "{msg}"
    );
    assert!(store.update(|_| Ok(())).is_err());
}

#[test]
fn default_store_lives_in_the_sim_host_dir() {
    let store = HostStore::open();
    assert_eq!(
        store.path(),
        acm_core::paths::sim_host_dir().join("host.json")
    );
}
