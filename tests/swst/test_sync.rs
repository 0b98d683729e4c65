//! Backup synchronous processing (EC): swststartsync, swstcancelsync,
//! swstsyncstat, and swstexecstat's view of it.

use crate::common;

use acm_backup::list::Hold;
use acm_sim::state::Rate;
use acm_sim::Array;
use acm_testkit::Scratch;
use common::*;
use std::process::Output;
use std::time::{Duration, Instant};

fn srun(s: &Scratch, cmd: &str, args: &[&str]) -> Output {
    common::run(s, cmd, args)
}

fn sok(s: &Scratch, cmd: &str, args: &[&str]) -> String {
    common::ok(s, cmd, args)
}

fn srefused(s: &Scratch, cmd: &str, args: &[&str], id: &str, code: i32) -> String {
    common::refused(s, cmd, args, id, code)
}

fn set_rate(s: &Scratch, rate: Rate) {
    let mut a = Array::open(&s.sim_home()).unwrap();
    let bid = a.bid_by_name("B1").unwrap();
    a.admin(&bid, |st| {
        st.rate = rate;
        Ok(())
    })
    .unwrap();
    a.commit().unwrap();
}

/// Writes a pattern over `len` bytes at `off` of LUN `olu` through the data path.
fn write(s: &Scratch, olu: u32, off: u64, len: usize, seed: u8) {
    let mut a = Array::open(&s.sim_home()).unwrap();
    let bid = a.bid_by_name("B1").unwrap();
    let data: Vec<u8> = (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect();
    a.write_view(&bid, olu, off, &data, None).unwrap();
    a.commit().unwrap();
}

fn read(s: &Scratch, olu: u32) -> Vec<u8> {
    let mut a = Array::open(&s.sim_home()).unwrap();
    let bid = a.bid_by_name("B1").unwrap();
    let mut buf = vec![0u8; LUN as usize];
    a.read_view(&bid, olu, 0, &mut buf).unwrap();
    a.commit().unwrap();
    buf
}

/// Polls swstsyncstat until the row of `bd` has `status`.
fn wait_status(s: &Scratch, td: &str, bd: &str, status: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = sok(s, "swstsyncstat", &[td]);
        if tokens(&out)
            .iter()
            .any(|r| r.len() == 5 && r[2] == bd && r[3] == status)
        {
            return out;
        }
        assert!(Instant::now() < deadline, "never {status}: {out}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// hdisk1 transaction volume (policy -s 1), hdisk2.. backup volumes.
fn setup(luns: u32) -> Scratch {
    let s = configured(luns);
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk1"]);
    for i in 2..=luns {
        ok(&s, "swstdevinfoset", &["-b", &format!("/dev/hdisk{i}")]);
    }
    ok(&s, "swstbkpolset", &["-s", "1", "/dev/hdisk1"]);
    s
}

const SYNC_HEADER: [&str; 5] = [
    "Server",
    "Transaction-Disk",
    "Backup-Disk",
    "Status",
    "Execute",
];

#[test]
fn start_reaches_equivalent_and_mirrors_the_data() {
    let s = setup(3);
    write(&s, 0, 0, LUN as usize, 7);
    let out = sok(&s, "swststartsync", &["/dev/hdisk1"]);
    assert_eq!(out, "/dev/hdisk1 swststartsync completed.\n");
    let l = list_store(&s).load().unwrap();
    assert_eq!(l.syncs["/dev/hdisk1"], vec!["/dev/hdisk2".to_string()]);
    let stat = wait_status(&s, "/dev/hdisk1", "/dev/hdisk2", "equivalent");
    assert_eq!(
        tokens(&stat),
        vec![
            SYNC_HEADER.map(String::from).to_vec(),
            ["job2", "/dev/hdisk1", "/dev/hdisk2", "equivalent", "100%"]
                .map(String::from)
                .to_vec()
        ]
    );
    assert_aligned(&stat, &SYNC_HEADER);
    assert_eq!(read(&s, 1), read(&s, 0), "BD equals TD once equivalent");
    // Host writes are mirrored while equivalent.
    write(&s, 0, 4096, 8192, 99);
    assert_eq!(read(&s, 1), read(&s, 0));

    // Already running: the manual's information message, a normal end, no change.
    let before = std::fs::read(list_path(&s)).unwrap();
    let out = srun(&s, "swststartsync", &["/dev/hdisk1"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "swst0301 Backup synchronous processing is already in progress.\n"
    );
    assert!(out.stderr.is_empty());
    assert_eq!(std::fs::read(list_path(&s)).unwrap(), before);

    // swstexecstat shows the EC progress.
    let ex = sok(&s, "swstexecstat", &["/dev/hdisk1"]);
    let t = tokens(&ex);
    assert_eq!(t[1][0..2], ["job2", "/dev/hdisk1"]);
    assert_eq!(
        t[1][t[1].len() - 4..],
        ["IDLE", "----", "(----)", "sync(100%)"]
    );

    let out = sok(&s, "swstcancelsync", &["/dev/hdisk1"]);
    assert_eq!(out, "/dev/hdisk1 swstcancelsync completed.\n");
    let stat = sok(&s, "swstsyncstat", &[]);
    assert_eq!(
        tokens(&stat)[1],
        ["job2", "/dev/hdisk1", "----", "----", "----"]
    );
    assert!(list_store(&s).load().unwrap().syncs.is_empty());
    let ex = sok(&s, "swstexecstat", &[]);
    assert!(
        tokens(&ex)[1].ends_with(&["IDLE".into(), "----".into(), "(----)".into(), "----".into()]),
        "{ex}"
    );
}

#[test]
fn a_paused_copy_shows_executing_and_its_percentage() {
    let s = setup(2);
    set_rate(&s, Rate::Paused);
    sok(&s, "swststartsync", &["/dev/hdisk1"]);
    let stat = sok(&s, "swstsyncstat", &["/dev/hdisk1"]);
    assert_eq!(
        tokens(&stat)[1],
        ["job2", "/dev/hdisk1", "/dev/hdisk2", "executing", "0%"]
    );
    let ex = sok(&s, "swstexecstat", &[]);
    assert_eq!(tokens(&ex)[1].last().unwrap(), "sync(0%)");
    // Copying counts as running too.
    let out = srun(&s, "swststartsync", &["/dev/hdisk1"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("swst0301 "));
    // Cancelling during the copy.
    sok(&s, "swstcancelsync", &["-all", "/dev/hdisk1"]);
    assert_eq!(
        tokens(&sok(&s, "swstsyncstat", &["/dev/hdisk1"]))[1],
        ["job2", "/dev/hdisk1", "----", "----", "----"]
    );
}

#[test]
fn suspended_volumes_are_resumed_and_cancelled_per_the_manual_examples() {
    let s = setup(4);
    sok(&s, "swststartsync", &["/dev/hdisk1"]);
    wait_status(&s, "/dev/hdisk1", "/dev/hdisk2", "equivalent");
    // Backup with -suspend keeps the EC session suspended with history.
    sok(&s, "swstbackup", &["-suspend", "/dev/hdisk1"]);
    let l = list_store(&s).load().unwrap();
    assert!(!l.syncs.contains_key("/dev/hdisk1"));
    assert!(matches!(
        l.devices["/dev/hdisk2"].hold,
        Some(Hold::Suspend { .. })
    ));
    let stat = sok(&s, "swstsyncstat", &["/dev/hdisk1"]);
    assert_eq!(
        tokens(&stat)[1],
        ["job2", "/dev/hdisk1", "/dev/hdisk2", "suspend", "----"]
    );
    let ex = sok(&s, "swstexecstat", &["/dev/hdisk1"]);
    assert_eq!(
        tokens(&ex)[1].last().unwrap(),
        "----",
        "suspend shows no operation"
    );

    // A suspended volume with history is not resumed: a free one is taken.
    set_rate(&s, Rate::Paused);
    sok(&s, "swststartsync", &["/dev/hdisk1"]);
    let stat = sok(&s, "swstsyncstat", &["/dev/hdisk1"]);
    assert_eq!(
        tokens(&stat)[1..],
        [
            ["job2", "/dev/hdisk1", "/dev/hdisk2", "suspend", "----"]
                .map(String::from)
                .to_vec(),
            ["job2", "/dev/hdisk1", "/dev/hdisk3", "executing", "0%"]
                .map(String::from)
                .to_vec(),
        ]
    );
    // Default cancel: the running one only.
    srefused(
        &s,
        "swstcancelsync",
        &["/dev/hdisk1", "-bd", "/dev/hdisk4"],
        "swst1705",
        1,
    );
    sok(&s, "swstcancelsync", &["/dev/hdisk1"]);
    let stat = sok(&s, "swstsyncstat", &["/dev/hdisk1"]);
    assert_eq!(tokens(&stat).len(), 2);
    assert_eq!(tokens(&stat)[1][3], "suspend");
    srefused(&s, "swstcancelsync", &["/dev/hdisk1"], "swst1706", 1);

    // History deleted: the suspended volume is resumed (differential copy) first.
    set_rate(&s, Rate::Unlimited);
    sok(&s, "swsthistdel", &["-z", "/dev/hdisk1"]);
    let l = list_store(&s).load().unwrap();
    assert!(matches!(
        l.devices["/dev/hdisk2"].hold,
        Some(Hold::Suspend { .. })
    ));
    write(&s, 0, 0, 65536, 3);
    sok(&s, "swststartsync", &["/dev/hdisk1"]);
    let l = list_store(&s).load().unwrap();
    assert_eq!(l.syncs["/dev/hdisk1"], vec!["/dev/hdisk2".to_string()]);
    assert_eq!(l.devices["/dev/hdisk2"].hold, None);
    wait_status(&s, "/dev/hdisk1", "/dev/hdisk2", "equivalent");
    assert_eq!(read(&s, 1), read(&s, 0), "the differential copy caught up");

    // -bd on one of two, as the manual's example.
    sok(&s, "swstbackup", &["-suspend", "/dev/hdisk1"]);
    set_rate(&s, Rate::Paused);
    sok(&s, "swststartsync", &["/dev/hdisk1"]);
    let out = sok(&s, "swstcancelsync", &["/dev/hdisk1", "-bd", "/dev/hdisk3"]);
    assert_eq!(out, "/dev/hdisk1 swstcancelsync completed.\n");
    let stat = sok(&s, "swstsyncstat", &["/dev/hdisk1"]);
    assert_eq!(
        tokens(&stat)[1..],
        [["job2", "/dev/hdisk1", "/dev/hdisk2", "suspend", "----"]
            .map(String::from)
            .to_vec()]
    );
    // -all takes the suspended one too; its history stays.
    sok(&s, "swststartsync", &["/dev/hdisk1"]);
    sok(&s, "swstcancelsync", &["/dev/hdisk1", "-all"]);
    let stat = sok(&s, "swstsyncstat", &["/dev/hdisk1"]);
    assert_eq!(
        tokens(&stat)[1],
        ["job2", "/dev/hdisk1", "----", "----", "----"]
    );
    let l = list_store(&s).load().unwrap();
    assert_eq!(l.devices["/dev/hdisk2"].hold, None);
    assert_eq!(l.history_of("/dev/hdisk1").len(), 1);
}

#[test]
fn emergency_cancel_changes_only_the_list() {
    let s = setup(2);
    sok(&s, "swststartsync", &["/dev/hdisk1"]);
    let out = sok(&s, "swstcancelsync", &["-emergency", "/dev/hdisk1"]);
    assert_eq!(out, "/dev/hdisk1 swstcancelsync completed.\n");
    assert!(list_store(&s).load().unwrap().syncs.is_empty());
    // The session is still on the array: the next start collides with it.
    srefused(&s, "swststartsync", &["/dev/hdisk1"], "swst0719", 1);
}

#[test]
fn refusals() {
    let s = world(4);
    srefused(&s, "swststartsync", &["/dev/hdisk1"], "swst1002", 1);
    srefused(&s, "swstsyncstat", &[], "swst1002", 1);
    ok(&s, "swstsvrset", &[]);
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk1"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk2"]);
    srefused(&s, "swststartsync", &["/dev/hdisk2"], "swst1201", 1);
    srefused(&s, "swstsyncstat", &["/dev/hdisk9"], "swst1201", 1);
    srefused(&s, "swstexecstat", &["/dev/hdisk2"], "swst1201", 1);
    srefused(&s, "swststartsync", &["/dev/hdisk1"], "swst1206", 1);
    ok(&s, "swstbkpolset", &["-s", "1", "/dev/hdisk1"]);
    srefused(
        &s,
        "swststartsync",
        &["-h", "other", "/dev/hdisk1"],
        "swst0906",
        1,
    );
    srefused(
        &s,
        "swststartsync",
        &["/dev/hdisk1", "/dev/hdisk2"],
        "swst0002",
        2,
    );
    srefused(
        &s,
        "swstcancelsync",
        &["-all", "-bd", "/dev/hdisk2", "/dev/hdisk1"],
        "swst0002",
        2,
    );
    srefused(&s, "swstcancelsync", &["/dev/hdisk1"], "swst1706", 1);
    srefused(
        &s,
        "swstcancelsync",
        &["-all", "/dev/hdisk1"],
        "swst1706",
        1,
    );
    // A restore to the transaction volume runs (the array is still copying it).
    set_rate(&s, Rate::Unlimited);
    sok(&s, "swstbackup", &["/dev/hdisk1"]);
    set_rate(&s, Rate::Paused);
    sok(&s, "swstrestore", &["/dev/hdisk1"]);
    srefused(&s, "swststartsync", &["/dev/hdisk1"], "swst1702", 1);
    sok(&s, "swstcancelrest", &["/dev/hdisk1"]);
    sok(&s, "swsthistdel", &["-z", "/dev/hdisk1"]);
    set_rate(&s, Rate::Unlimited);
    // The backup volume is mounted.
    host_update(&s, |h| h.mount("/dev/hdisk2", Some("/mnt/bd")).map(|_| ()));
    srefused(&s, "swststartsync", &["/dev/hdisk1"], "swst1704", 1);
    host_update(&s, |h| h.umount("/dev/hdisk2"));
    // Device map: refusals name the file and the line.
    let map = s.path().join("devmap.txt");
    std::fs::write(&map, "# map\n/dev/hdisk1 /dev/hdisk3\n").unwrap();
    let m = map.to_str().unwrap();
    let e = srefused(
        &s,
        "swststartsync",
        &["/dev/hdisk1", "-Xdevmap", m],
        "swst1401",
        1,
    );
    assert!(
        e.contains(m) && e.contains("Line=2") && e.contains("/dev/hdisk3"),
        "{e}"
    );
    std::fs::write(&map, "/dev/hdisk1\n").unwrap();
    let e = srefused(
        &s,
        "swststartsync",
        &["/dev/hdisk1", "-Xdevmap", m],
        "swst1401",
        1,
    );
    assert!(e.contains("Line=1"), "{e}");
    srefused(
        &s,
        "swststartsync",
        &["/dev/hdisk1", "-Xdevmap", "/nonexistent/map"],
        "swst1401",
        1,
    );
    // The only backup volume is taken: none can be obtained for a second volume.
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk3"]);
    // (swstbkpolset would want a second backup volume; the policy is set directly.)
    edit_list(&s, |l| {
        l.policies.insert(
            "/dev/hdisk3".into(),
            acm_backup::list::Policy {
                interval_days: 30,
                save_number: 1,
            },
        );
    });
    std::fs::write(
        &map,
        "/dev/hdisk3 /dev/hdisk4\n/dev/hdisk1 /dev/hdisk2 # the one\n",
    )
    .unwrap();
    sok(&s, "swststartsync", &["-Xdevmap", m, "/dev/hdisk1"]);
    srefused(&s, "swststartsync", &["/dev/hdisk3"], "swst1703", 1);
    let e = srefused(
        &s,
        "swststartsync",
        &["/dev/hdisk3", "-Xdevmap", m],
        "swst1401",
        1,
    );
    assert!(
        e.contains("Line=1") && e.contains("not registered as a backup volume"),
        "{e}"
    );
    std::fs::write(&map, "/dev/hdisk3 /dev/hdisk2\n").unwrap();
    let e = srefused(
        &s,
        "swststartsync",
        &["/dev/hdisk3", "-Xdevmap", m],
        "swst1401",
        1,
    );
    assert!(e.contains("in use"), "{e}");
    // Box information changed: hdisk1 now names another LUN.
    host_update(&s, |h| {
        let d = h.resolve("/dev/hdisk4")?.disks[0].clone();
        h.detach("/dev/hdisk4")?;
        h.detach("/dev/hdisk1")?;
        h.attach(
            "/dev/hdisk1",
            acm_host::Disk {
                box_name: d.box_name,
                box_id: d.box_id,
                olu: d.olu,
                size: d.size,
                vxvm: false,
                node: None,
                block: None,
            },
        )
    });
    srefused(&s, "swstcancelsync", &["/dev/hdisk1"], "swst1701", 1);
}

#[test]
fn an_inactive_volume_group_is_refused() {
    let s = configured(2);
    host_update(&s, |h| {
        h.create_vg("/dev/vg01", &["/dev/hdisk1"]).map(|_| ())
    });
    ok(&s, "swstdevinfoset", &["-t", "/dev/vg01"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk2"]);
    ok(&s, "swstbkpolset", &["-s", "1", "/dev/vg01"]);
    host_update(&s, |h| h.varyoff("/dev/vg01"));
    srefused(&s, "swststartsync", &["/dev/vg01"], "swst1103", 1);
    host_update(&s, |h| h.varyon("/dev/vg01"));
    assert_eq!(
        sok(&s, "swststartsync", &["/dev/vg01"]),
        "/dev/vg01 swststartsync completed.\n"
    );
}
