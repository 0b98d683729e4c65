//! Restore (manual 8.1.2.3-8.1.2.5): swstrestore, swstcancelrest, swstreststat
//! against the simulated array, with the data checked byte for byte.

use crate::common;

use acm_backup::list::{BackupList, BoxInfo, Role};
use acm_host::pattern::{checksum, write_pattern};
use acm_host::{Disk, DiskIo, HostStore};
use acm_sim::state::{LunKind, Rate};
use acm_testkit::Scratch;
use common::*;
use std::process::Output;

const TD: &str = "/dev/hdisk1";
const BD1: &str = "/dev/hdisk2";
const BD2: &str = "/dev/hdisk3";
const OTHER: &str = "/dev/hdisk4";
const SPARE: &str = "/dev/hdisk5";

fn rrun(s: &Scratch, cmd: &str, args: &[&str]) -> Output {
    common::run(s, cmd, args)
}

fn rok(s: &Scratch, cmd: &str, args: &[&str]) -> String {
    common::ok(s, cmd, args)
}

fn rno(s: &Scratch, cmd: &str, args: &[&str], id: &str, code: i32) -> String {
    common::refused(s, cmd, args, id, code)
}

// ----- in-process access to the simulated devices (env is process-wide) -----

fn host(s: &Scratch) -> acm_host::Host {
    HostStore::open_at(s.root().join("var/opt/acmsim-host"))
        .load()
        .unwrap()
}

/// Fills the whole device with the pattern of `seed`.
fn fill(s: &Scratch, dev: &str, seed: u64) {
    let r = host(s).resolve(dev).unwrap();
    with_env(s, || {
        let mut d = acm_host::scsi::open_device(&r).unwrap();
        let size = d.size();
        write_pattern(&mut d, seed, 0, size).unwrap();
    })
}

fn sum(s: &Scratch, dev: &str) -> String {
    let r = host(s).resolve(dev).unwrap();
    with_env(s, || {
        let mut d = acm_host::scsi::open_device(&r).unwrap();
        checksum(&mut d).unwrap()
    })
}

fn set_rate(s: &Scratch, rate: Rate) {
    let mut a = acm_sim::Array::open(&s.sim_home()).unwrap();
    let bid = a.bid_by_name("B1").unwrap();
    a.admin(&bid, |st| {
        st.rate = rate;
        Ok(())
    })
    .unwrap();
    a.commit().unwrap();
}

fn list(s: &Scratch) -> BackupList {
    list_store(s).load().unwrap()
}

fn box_of(s: &Scratch, dev: &str) -> BoxInfo {
    let l = list(s);
    match l.devices.get(dev) {
        Some(d) => d.box_info.clone(),
        None => {
            let r = host(s).resolve(dev).unwrap();
            BoxInfo {
                box_id: r.disks[0].box_id.clone(),
                olu: r.disks[0].olu,
                start_lba: 0,
                blocks: r.size / 512,
            }
        }
    }
}

/// Whether the array holds a session copying `from` into `to`.
fn has_session(s: &Scratch, from: &str, to: &str) -> bool {
    let (a, b) = (box_of(s, from), box_of(s, to));
    with_env(s, || {
        matches!(
            acm_backup::copy::pair(&a, &b).unwrap(),
            acm_backup::copy::Pair::Session(_)
        )
    })
}

/// A configured server with TD hdisk1, BDs hdisk2 and hdisk3, policy -s 2, the
/// others unregistered; copies run at once.
fn setup() -> Scratch {
    let s = configured(5);
    ok(&s, "swstdevinfoset", &["-t", TD]);
    ok(&s, "swstdevinfoset", &["-b", BD1]);
    ok(&s, "swstdevinfoset", &["-b", BD2]);
    ok(&s, "swstbkpolset", &["-s", "2", TD]);
    set_rate(&s, Rate::Unlimited);
    s
}

/// Writes `seed` to the TD, backs it up; returns the TD's checksum at that time.
fn backup(s: &Scratch, seed: u64) -> String {
    fill(s, TD, seed);
    let c = sum(s, TD);
    assert_eq!(
        rok(s, "swstbackup", &[TD]),
        format!("{TD} swstbackup completed\n")
    );
    c
}

/// The backup volume of version `v` of the TD.
fn bd_of(s: &Scratch, v: u64) -> String {
    list(s)
        .history_of(TD)
        .iter()
        .find(|g| g.version == v)
        .unwrap()
        .backup_volume
        .clone()
}

fn reststat(s: &Scratch, args: &[&str]) -> Vec<Vec<String>> {
    let out = rok(s, "swstreststat", args);
    let t = tokens(&out);
    assert_eq!(
        t[0],
        [
            "Server",
            "Transaction-Disk",
            "Generation",
            "Version",
            "Backup-Disk",
            "Restore-Device",
            "Status",
            "Execute"
        ]
    );
    assert_aligned(
        &out,
        &["Server", "Transaction-Disk", "Generation", "Version"],
    );
    t[1..].to_vec()
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

// ----- swstrestore: data -----

#[test]
fn restores_the_data_of_the_chosen_generation() {
    let s = setup();
    let c1 = backup(&s, 1); // version 1
    let c2 = backup(&s, 2); // version 2
    fill(&s, TD, 3);
    let c3 = sum(&s, TD);
    assert!(c1 != c2 && c2 != c3);

    // Latest (generation 1 = version 2).
    assert_eq!(
        rok(&s, "swstrestore", &[TD]),
        format!("{TD} swstrestore completed\n")
    );
    assert_eq!(sum(&s, TD), c2);
    let l = list(&s);
    let r = &l.restores[TD];
    assert_eq!((r.transaction.as_str(), r.version), (TD, 2));
    assert_eq!(r.backup_volume, bd_of(&s, 2));

    // -g 2 = version 1, as in the manual's example.
    fill(&s, TD, 4);
    assert_eq!(
        rok(&s, "swstrestore", &["-g", "2", TD]),
        format!("{TD} swstrestore completed\n")
    );
    assert_eq!(sum(&s, TD), c1);
    assert_eq!(list(&s).restores[TD].version, 1);

    // -v 2, option after the operand.
    assert_eq!(
        rok(&s, "swstrestore", &[TD, "-v", "2"]),
        format!("{TD} swstrestore completed\n")
    );
    assert_eq!(sum(&s, TD), c2);

    // -r: another device of the same size; the TD is untouched.
    fill(&s, TD, 5);
    let c5 = sum(&s, TD);
    assert_eq!(
        rok(&s, "swstrestore", &["-g", "2", "-r", OTHER, TD]),
        format!("{TD} swstrestore completed\n")
    );
    assert_eq!(sum(&s, OTHER), c1);
    assert_eq!(sum(&s, TD), c5);
    assert_eq!(list(&s).restores[OTHER].version, 1);
    assert_eq!(list(&s).restores[OTHER].transaction, TD);
    // The backups themselves are intact.
    assert_eq!(sum(&s, &bd_of(&s, 1)), c1);
    assert_eq!(sum(&s, &bd_of(&s, 2)), c2);
    let _ = c3;
}

#[test]
fn the_restored_data_is_there_before_the_physical_copy() {
    let s = setup();
    let c1 = backup(&s, 11);
    fill(&s, TD, 12);
    set_rate(&s, Rate::Paused);
    rok(&s, "swstrestore", &[TD]);
    assert_eq!(sum(&s, TD), c1);
    assert_eq!(
        reststat(&s, &[]),
        [row(&[
            "job2",
            TD,
            "1",
            "1",
            &bd_of(&s, 1),
            "----",
            "executing",
            "0%"
        ])]
    );
    set_rate(&s, Rate::Unlimited);
    assert_eq!(
        reststat(&s, &[TD]),
        [row(&[
            "job2",
            TD,
            "1",
            "1",
            &bd_of(&s, 1),
            "----",
            "succeeded",
            "----"
        ])]
    );
    assert_eq!(sum(&s, TD), c1);
}

// ----- swstrestore: refusals -----

#[test]
fn refusals_of_swstrestore() {
    let s = setup();
    // No history yet.
    rno(&s, "swstrestore", &[TD], "swst1602", 1);
    backup(&s, 21);
    backup(&s, 22);
    rno(
        &s,
        "swstrestore",
        &["-g", "1", "-v", "1", TD],
        "swst0002",
        2,
    );
    rno(&s, "swstrestore", &["-g", "0", TD], "swst1601", 1);
    rno(&s, "swstrestore", &["-v", "x", TD], "swst1601", 1);
    rno(&s, "swstrestore", &["-g", "3", TD], "swst1603", 1);
    rno(&s, "swstrestore", &["-v", "9", TD], "swst1603", 1);
    rno(&s, "swstrestore", &[BD1], "swst1201", 1);
    rno(&s, "swstrestore", &[OTHER], "swst1201", 1);
    rno(&s, "swstrestore", &["-h", "job1", TD], "swst0906", 1);
    // -r: a transaction volume, a backup volume with history, another size, unknown.
    rno(&s, "swstrestore", &["-r", TD, TD], "swst1607", 1);
    rno(&s, "swstrestore", &["-r", BD1, TD], "swst1608", 1);
    rno(
        &s,
        "swstrestore",
        &["-r", "/dev/hdisk99", TD],
        "swst1101",
        1,
    );
    {
        let mut a = acm_sim::Array::open(&s.sim_home()).unwrap();
        let bid = a.bid_by_name("B1").unwrap();
        let olu = a.create_luns(&bid, LUN * 2, 1, LunKind::Standard).unwrap()[0];
        a.commit().unwrap();
        let box_id = list(&s).devices[TD].box_info.box_id.clone();
        host_update(&s, |h| {
            h.attach(
                "/dev/hdisk9",
                Disk {
                    box_name: "B1".into(),
                    box_id,
                    olu,
                    size: LUN * 2,
                    vxvm: false,
                    node: None,
                    block: None,
                },
            )
        });
    }
    let err = rno(&s, "swstrestore", &["-r", "/dev/hdisk9", TD], "swst1609", 1);
    assert!(err.contains("-r /dev/hdisk9"), "{err}");
    // EC synchronous processing of the TD.
    edit_list(&s, |l| {
        l.syncs.insert(TD.into(), vec![BD2.into()]);
    });
    let err = rno(&s, "swstrestore", &[TD], "swst0639", 1);
    assert!(err.contains("a copy is currently running"), "{err}");
    edit_list(&s, |l| {
        l.syncs.clear();
    });
    assert!(list(&s).restores.is_empty());
    // Nothing above started a copy.
    assert!(!has_session(&s, &bd_of(&s, 2), TD));
}

#[test]
fn refused_while_the_backup_copy_runs_and_while_a_restore_runs() {
    let s = setup();
    let c1 = backup(&s, 31);
    set_rate(&s, Rate::Paused);
    fill(&s, TD, 32);
    rok(&s, "swstbackup", &[TD]);
    let c2 = sum(&s, TD);
    // Version 2's OPC is still copying: a restore to another device is refused...
    let err = rno(&s, "swstrestore", &["-r", OTHER, TD], "swst1604", 1);
    assert!(err.contains("0%"), "{err}");
    // ...but onto the transaction volume itself the manual allows it (same pair),
    // and it brings back version 2's data.
    fill(&s, TD, 33);
    rok(&s, "swstrestore", &[TD]);
    assert_eq!(sum(&s, TD), c2);
    rok(&s, "swstcancelrest", &[TD]);
    rok(&s, "swstrestore", &["-v", "1", TD]);
    assert_eq!(sum(&s, TD), c1);
    // The restore to the TD is executing: a second one is refused, also from
    // another generation; one to another device is not.
    rno(&s, "swstrestore", &["-v", "1", TD], "swst1610", 1);
    rok(&s, "swstrestore", &["-v", "1", "-r", OTHER, TD]);
    assert_eq!(sum(&s, OTHER), c1);
    rno(
        &s,
        "swstrestore",
        &["-v", "1", "-r", OTHER, TD],
        "swst1610",
        1,
    );
    set_rate(&s, Rate::Unlimited);
    // Copies done: both may run again, latest included.
    rok(&s, "swstrestore", &[TD]);
    rok(&s, "swstrestore", &["-r", OTHER, TD]);
    assert_eq!(sum(&s, TD), sum(&s, OTHER));
}

#[test]
fn box_information_changes_and_inactive_volume_groups_are_refused() {
    let s = setup();
    backup(&s, 41);
    // hdisk1 now shows another LUN (the one hdisk5 showed).
    let info = list(&s).devices[TD].box_info.clone();
    host_update(&s, |h| {
        h.detach(TD)?;
        h.detach(SPARE)?;
        h.attach(
            TD,
            Disk {
                box_name: "B1".into(),
                box_id: info.box_id.clone(),
                olu: 4,
                size: LUN,
                vxvm: false,
                node: None,
                block: None,
            },
        )
    });
    rno(&s, "swstrestore", &[TD], "swst1606", 1);

    let s = configured(3);
    host_update(&s, |h| h.create_vg("vg01", &["/dev/hdisk1"]).map(|_| ()));
    ok(&s, "swstdevinfoset", &["-t", "/dev/vg01"]);
    ok(&s, "swstdevinfoset", &["-b", BD1]);
    add_history(&s, "/dev/vg01", BD1);
    host_update(&s, |h| h.varyoff("vg01"));
    rno(&s, "swstrestore", &["/dev/vg01"], "swst1103", 1);
    rno(&s, "swstcancelrest", &["/dev/vg01"], "swst1103", 1);
}

#[test]
fn not_configured_is_refused() {
    let s = world(2);
    rno(&s, "swstrestore", &[TD], "swst1002", 1);
    rno(&s, "swstcancelrest", &[TD], "swst1002", 1);
    rno(&s, "swstreststat", &[], "swst1002", 1);
}

// ----- scripts -----

fn script(s: &Scratch, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let dir = s.root().join("etc/opt/FJSVswsts/sh");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_failing_pre_script_stops_the_restore() {
    let s = setup();
    backup(&s, 51);
    fill(&s, TD, 52);
    let c = sum(&s, TD);
    let log = s.path().join("post.log");
    script(&s, "OpcRestore.pre", "exit 4");
    script(
        &s,
        "OpcRestore.post",
        &format!("echo \"post [$1] [$2] $#\" >> {}", log.display()),
    );
    let err = rno(&s, "swstrestore", &[TD], "swst1301", 1);
    assert!(
        err.contains("OpcRestore.pre") && err.contains("Error Code = 4"),
        "{err}"
    );
    assert_eq!(sum(&s, TD), c, "nothing restored");
    assert!(
        !log.exists(),
        "no post-processing after a failed pre-processing"
    );
    assert!(!has_session(&s, BD1, TD) && !has_session(&s, BD2, TD));
}

#[test]
fn scripts_run_around_a_restore_to_the_transaction_volume_only() {
    let s = setup();
    let c1 = backup(&s, 61);
    let log = s.path().join("scripts.log");
    for name in ["OpcRestore.pre", "OpcRestore.post"] {
        script(
            &s,
            name,
            &format!("echo \"{name} [$1] [$2] $#\" >> {}", log.display()),
        );
    }
    rok(&s, "swstrestore", &[TD]);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!("OpcRestore.pre [{TD}] [] 2\nOpcRestore.post [{TD}] [] 2\n")
    );
    std::fs::remove_file(&log).unwrap();
    rok(&s, "swstrestore", &["-r", OTHER, TD]);
    assert!(!log.exists(), "no scripts with -r");
    assert_eq!(sum(&s, OTHER), c1);
    // A failing post-processing is reported; the restore (already made) is recorded.
    script(&s, "OpcRestore.post", "exit 11");
    let out = rrun(&s, "swstrestore", &[TD]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("swst1301 ") && err.contains("Error Code = 11"),
        "{err}"
    );
    assert_eq!(sum(&s, TD), c1);
    assert_eq!(list(&s).restores[TD].version, 1);
}

// ----- swstcancelrest -----

#[test]
fn swstcancelrest_cancels_and_swst0303_is_a_normal_end() {
    let s = setup();
    backup(&s, 71);
    backup(&s, 72);
    // Nothing being restored: swst0303, exit 0.
    assert_eq!(
        rok(&s, "swstcancelrest", &[TD]),
        "swst0303 Restoration for specified restoration device is not performed\n"
    );
    set_rate(&s, Rate::Paused);
    rok(&s, "swstrestore", &[TD]);
    let bd = bd_of(&s, 2);
    assert!(has_session(&s, &bd, TD));
    // Another generation: not restored from there.
    let before = std::fs::read(list_path(&s)).unwrap();
    assert_eq!(
        rok(&s, "swstcancelrest", &["-g", "2", TD]),
        "swst0303 Restoration for specified restoration device is not performed\n"
    );
    assert_eq!(std::fs::read(list_path(&s)).unwrap(), before);
    rno(&s, "swstcancelrest", &["-g", "3", TD], "swst1603", 1);
    rno(
        &s,
        "swstcancelrest",
        &["-g", "1", "-v", "2", TD],
        "swst0002",
        2,
    );
    rno(&s, "swstcancelrest", &[BD1], "swst1201", 1);
    // The manual's example.
    assert_eq!(
        rok(&s, "swstcancelrest", &["-g", "1", TD]),
        format!("{TD} swstcancelrest completed.\n")
    );
    assert!(!has_session(&s, &bd, TD));
    assert!(list(&s).restores.is_empty());
    assert_eq!(
        reststat(&s, &[TD]),
        [row(&[
            "job2", TD, "----", "----", "----", "----", "----", "----"
        ])]
    );
    // -r, by version.
    rok(&s, "swstrestore", &["-v", "1", "-r", OTHER, TD]);
    assert_eq!(
        rok(&s, "swstcancelrest", &["-v", "1", "-r", OTHER, TD]),
        format!("{TD} swstcancelrest completed.\n")
    );
    assert!(!has_session(&s, &bd_of(&s, 1), OTHER));
    assert!(list(&s).restores.is_empty());
}

/// Manual 8.1.2.4: restoration cannot be cancelled when it "is not performed
/// on the device specified in the -r option" (swst1614, exit 1, nothing
/// changed), unlike a device restored from another history (swst0303, a normal
/// end).
#[test]
fn cancelrest_refuses_a_device_never_restored_there() {
    let s = setup();
    backup(&s, 73);
    backup(&s, 74);
    let e = rno(&s, "swstcancelrest", &["-r", OTHER, TD], "swst1614", 1);
    assert!(e.contains(OTHER) && e.contains(TD), "{e}");
    set_rate(&s, Rate::Paused);
    rok(&s, "swstrestore", &[TD]);
    rok(&s, "swstrestore", &["-v", "1", "-r", OTHER, TD]);
    for args in [
        &["-r", SPARE, TD][..],
        &["-g", "1", "-r", SPARE, TD],
        &["-emergency", "-r", SPARE, TD],
    ] {
        rno(&s, "swstcancelrest", args, "swst1614", 1);
    }
    assert!(has_session(&s, &bd_of(&s, 2), TD));
    assert!(has_session(&s, &bd_of(&s, 1), OTHER));
    assert_eq!(list(&s).restores.len(), 2);
    // Restored there, from another history: the normal end of swst0303.
    let before = std::fs::read(list_path(&s)).unwrap();
    assert_eq!(
        rok(&s, "swstcancelrest", &["-g", "1", "-r", OTHER, TD]),
        "swst0303 Restoration for specified restoration device is not performed\n"
    );
    assert_eq!(std::fs::read(list_path(&s)).unwrap(), before);
    assert_eq!(
        rok(&s, "swstcancelrest", &["-g", "2", "-r", OTHER, TD]),
        format!("{TD} swstcancelrest completed.\n")
    );
    assert!(!has_session(&s, &bd_of(&s, 1), OTHER));
    assert!(has_session(&s, &bd_of(&s, 2), TD));
}

#[test]
fn emergency_removes_the_record_only() {
    let s = setup();
    backup(&s, 81);
    set_rate(&s, Rate::Paused);
    rok(&s, "swstrestore", &[TD]);
    assert_eq!(
        rok(&s, "swstcancelrest", &["-emergency", TD]),
        format!("{TD} swstcancelrest completed.\n")
    );
    assert!(list(&s).restores.is_empty());
    assert!(
        has_session(&s, &bd_of(&s, 1), TD),
        "the session is left alone"
    );
    // A completed restore's record is removed without touching the array.
    set_rate(&s, Rate::Unlimited);
    rok(&s, "swstrestore", &[TD]);
    assert_eq!(
        rok(&s, "swstcancelrest", &[TD]),
        format!("{TD} swstcancelrest completed.\n")
    );
    assert!(list(&s).restores.is_empty());
}

// ----- swstreststat -----

#[test]
fn swstreststat_shows_each_transaction_volume() {
    let s = configured(6);
    for (opt, dev) in [("-t", TD), ("-t", "/dev/hdisk6"), ("-b", BD1), ("-b", BD2)] {
        ok(&s, "swstdevinfoset", &[opt, dev]);
    }
    ok(&s, "swstbkpolset", &["-s", "1", TD]);
    ok(&s, "swstbkpolset", &["-s", "1", "/dev/hdisk6"]);
    set_rate(&s, Rate::Unlimited);
    backup(&s, 91);
    let bd = bd_of(&s, 1);
    // Nothing restored: every column but Server and Transaction-Disk is ----.
    let none = |td: &str| row(&["job2", td, "----", "----", "----", "----", "----", "----"]);
    assert_eq!(reststat(&s, &[]), [none(TD), none("/dev/hdisk6")]);
    assert_eq!(
        reststat(&s, &["-h", "job2", "/dev/hdisk6"]),
        [none("/dev/hdisk6")]
    );
    rok(&s, "swstrestore", &[TD]);
    set_rate(&s, Rate::Paused);
    rok(&s, "swstrestore", &["-r", SPARE, TD]);
    assert_eq!(
        reststat(&s, &[]),
        [
            row(&["job2", TD, "1", "1", &bd, "----", "succeeded", "----"]),
            row(&["job2", TD, "1", "1", &bd, SPARE, "executing", "0%"]),
            none("/dev/hdisk6"),
        ]
    );
    // -g / -v select the history.
    assert_eq!(reststat(&s, &["-v", "1", TD]).len(), 2);
    assert_eq!(
        reststat(&s, &["-g", "2", TD]),
        [row(&[
            "job2", TD, "2", "----", "----", "----", "----", "----"
        ])]
    );
    rno(&s, "swstreststat", &["-g", "1", "-v", "1"], "swst0002", 2);
    rno(&s, "swstreststat", &[BD1], "swst1201", 1);
    rno(&s, "swstreststat", &["-h", "other"], "swst0906", 1);
    // The array cannot report: ?????.
    {
        let mut a = acm_sim::Array::open(&s.sim_home()).unwrap();
        let bid = a.bid_by_name("B1").unwrap();
        a.admin(&bid, |st| {
            st.faults.unobtainable = true;
            Ok(())
        })
        .unwrap();
        a.commit().unwrap();
    }
    let rows = reststat(&s, &[TD]);
    assert_eq!(rows[0][6], "?????");
    assert_eq!(rows[1][6], "?????");
    assert!(list(&s).role("/dev/hdisk6") == Some(Role::Transaction));
}

// ----- the tests every command passes -----
