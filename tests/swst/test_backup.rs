//! swstbackup, swstbackstat, swsthistdisp and swsthistdel (manual 8.1.2.1, 8.1.2.2,
//! 8.1.2.6, 8.1.2.7) end to end: real data through the simulated array.

use crate::common;

use acm_backup::list::{BackupKind, Hold};
use acm_host::{pattern, DiskIo};
use acm_sim::state::{Kind, Rate};
use acm_testkit::{assert_no_panic, Scratch};
use common::*;
use std::path::PathBuf;
use std::process::Output;

fn exe(name: &str) -> PathBuf {
    common::bin(name)
}

fn go(s: &Scratch, cmd: &str, args: &[&str], clock: Option<u64>) -> Output {
    let mut c = s.cmd(&exe(cmd));
    if let Some(t) = clock {
        c.env("ACMSIM_CLOCK", t.to_string());
    }
    let out = c.args(args).output().unwrap();
    assert_no_panic(&out);
    out
}

/// Runs and expects success with nothing on stderr; returns stdout.
fn okk(s: &Scratch, cmd: &str, args: &[&str]) -> String {
    let out = go(s, cmd, args, None);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs and expects refusal `id` with exit status `code`, nothing on stdout and the
/// list unchanged; returns the message line.
fn refuse(s: &Scratch, cmd: &str, args: &[&str], id: &str, code: i32) -> String {
    let before = std::fs::read(list_path(s)).ok();
    let out = go(s, cmd, args, None);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{cmd} {args:?}: {err}");
    assert!(
        err.starts_with(&format!("{id} ")),
        "{cmd} {args:?}: want {id}, got {err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        out.stdout.is_empty(),
        "{cmd} {args:?}: stdout {:?}",
        out.stdout
    );
    assert_eq!(
        std::fs::read(list_path(s)).ok(),
        before,
        "{cmd} {args:?} changed the list"
    );
    err
}

// ----- data through the array -----

fn fill(s: &Scratch, name: &str, seed: u64) {
    let mut d = device(s, name);
    let size = d.size();
    pattern::write_pattern(&mut d, seed, 0, size).unwrap();
}

fn sum(s: &Scratch, name: &str) -> String {
    pattern::checksum(&mut device(s, name)).unwrap()
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

/// `(kind, dst olu, copied bytes)` of every session of box B1.
fn sessions(s: &Scratch) -> Vec<(Kind, u32, u64)> {
    let a = acm_sim::Array::open(&s.sim_home()).unwrap();
    let bid = a.bid_by_name("B1").unwrap();
    a.state(&bid)
        .unwrap()
        .sessions
        .values()
        .map(|x| (x.kind, x.dst.olu, x.copied_bytes))
        .collect()
}

// ----- set-up -----

/// vg01 (on hdisk1) as transaction volume with policy `-s save`; hdisk2..hdiskN
/// backup volumes; copies run at unlimited speed unless a test pauses them.
fn setup(luns: u32, save: u32) -> Scratch {
    let s = configured(luns);
    host_update(&s, |h| {
        h.create_vg("vg01", &["/dev/hdisk1"])?;
        Ok(())
    });
    ok(&s, "swstdevinfoset", &["-t", "/dev/vg01"]);
    for n in 2..=luns {
        ok(&s, "swstdevinfoset", &["-b", &format!("/dev/hdisk{n}")]);
    }
    ok(&s, "swstbkpolset", &["-s", &save.to_string(), "/dev/vg01"]);
    set_rate(&s, Rate::Unlimited);
    s
}

fn backup(s: &Scratch, args: &[&str]) {
    let out = okk(s, "swstbackup", args);
    let dev = args.iter().find(|a| a.starts_with("/dev/")).unwrap();
    assert_eq!(out, format!("{dev} swstbackup completed\n"));
}

/// `(generation, version, backup disk, status, execute)` rows of swsthistdisp
/// (the column header only comes with history).
fn hist(s: &Scratch, dev: &str) -> Vec<(String, String, String, String, String)> {
    let out = okk(s, "swsthistdisp", &[dev]);
    let t = tokens(&out);
    assert_eq!(
        t[0],
        [
            "Server=job2".to_string(),
            format!("Device={dev}"),
            "Mount-Point=----".into(),
            "(----)".into()
        ]
    );
    if t.len() == 1 {
        return Vec::new();
    }
    assert_eq!(
        t[1],
        [
            "Generation",
            "Version",
            "Backup-Date",
            "Backup-Disk",
            "Status",
            "Execute"
        ]
    );
    t[2..]
        .iter()
        .map(|r| {
            assert_eq!(r.len(), 7, "{out}");
            (
                r[0].clone(),
                r[1].clone(),
                r[4].clone(),
                r[5].clone(),
                r[6].clone(),
            )
        })
        .collect()
}

fn row(g: &str, v: &str, bd: &str, st: &str, ex: &str) -> (String, String, String, String, String) {
    (g.into(), v.into(), bd.into(), st.into(), ex.into())
}

// ----- tests -----

#[test]
fn snapshot_backup_keeps_the_data_of_the_backup_time() {
    let s = setup(3, 2);
    fill(&s, "/dev/vg01", 1);
    let at_backup = sum(&s, "/dev/vg01");
    set_rate(&s, Rate::Paused);
    // 2000/11/12 22:00 UTC, as in the manual's example.
    let out = go(&s, "swstbackup", &["/dev/vg01"], Some(974_066_400));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "/dev/vg01 swstbackup completed\n"
    );
    // The physical copy has not run: the status is executing, 0%.
    let stat = okk(&s, "swstbackstat", &[]);
    assert_eq!(
        tokens(&stat),
        [
            vec![
                "Server",
                "Transaction-Disk",
                "Backup-Disk",
                "Status",
                "Execute"
            ],
            vec!["job2", "/dev/vg01", "/dev/hdisk2", "executing", "0%"],
        ]
    );
    assert_aligned(
        &stat,
        &[
            "Server",
            "Transaction-Disk",
            "Backup-Disk",
            "Status",
            "Execute",
        ],
    );
    // The transaction volume changes; the backup still shows the backup time.
    fill(&s, "/dev/vg01", 2);
    assert_eq!(
        sum(&s, "/dev/hdisk2"),
        at_backup,
        "logical copy at backup time"
    );
    set_rate(&s, Rate::Unlimited);
    assert_eq!(sum(&s, "/dev/hdisk2"), at_backup);
    assert_ne!(sum(&s, "/dev/vg01"), at_backup);
    let stat = okk(&s, "swstbackstat", &["/dev/vg01"]);
    assert_eq!(
        tokens(&stat)[1],
        ["job2", "/dev/vg01", "/dev/hdisk2", "succeeded", "----"]
    );
    let h = okk(&s, "swsthistdisp", &[]);
    let lines: Vec<&str> = h.lines().collect();
    assert_eq!(
        lines[0],
        "Server=job2 Device=/dev/vg01 Mount-Point=---- (----)"
    );
    assert_eq!(
        tokens(lines[2]),
        [[
            "1",
            "1",
            "2000/11/12",
            "22:00",
            "/dev/hdisk2",
            "succeeded",
            "----"
        ]]
    );
    // -h naming this server is accepted by all four.
    okk(&s, "swstbackstat", &["-h", "job2"]);
    okk(&s, "swsthistdisp", &["-h", "job2", "/dev/vg01"]);
    refuse(&s, "swstbackstat", &["-h", "job1"], "swst0906", 1);
    refuse(
        &s,
        "swstbackup",
        &["-h", "job1", "/dev/vg01"],
        "swst0906",
        1,
    );
}

#[test]
fn no_history_shapes() {
    let s = setup(3, 2);
    let stat = okk(&s, "swstbackstat", &[]);
    assert_eq!(
        tokens(&stat)[1],
        ["job2", "/dev/vg01", "----", "----", "----"]
    );
    assert_eq!(
        okk(&s, "swsthistdisp", &["/dev/vg01"]),
        "Server=job2 Device=/dev/vg01 Mount-Point=---- (----)\n"
    );
    refuse(&s, "swstbackstat", &["/dev/hdisk2"], "swst1201", 1);
    refuse(&s, "swsthistdisp", &["/dev/hdisk2"], "swst1201", 1);
}

/// Manual 8.1.2.6: Generation, Version, Backup-Date, Backup-Disk, Status and
/// Execute are "not displayed if no backup history information exists": a
/// volume without history is its Server/Device line alone, in the
/// all-volumes form too, where the volumes with history keep their tables.
#[test]
fn histdisp_without_history_prints_the_volume_line_only() {
    let s = setup(4, 1);
    ok(&s, "swstdevinfoset", &["-o", "/dev/hdisk4"]);
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk4"]);
    let line = |dev: &str| format!("Server=job2 Device={dev} Mount-Point=---- (----)");
    assert_eq!(
        okk(&s, "swsthistdisp", &[]),
        format!("{}\n{}\n", line("/dev/hdisk4"), line("/dev/vg01"))
    );
    backup(&s, &["/dev/vg01"]);
    let out = okk(&s, "swsthistdisp", &[]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(lines[0], line("/dev/hdisk4"));
    assert_eq!(lines[1], line("/dev/vg01"));
    assert_eq!(
        tokens(lines[2])[0],
        [
            "Generation",
            "Version",
            "Backup-Date",
            "Backup-Disk",
            "Status",
            "Execute"
        ]
    );
    assert_eq!(tokens(lines[3])[0][..2], ["1", "1"]);
    assert_eq!(
        okk(&s, "swsthistdisp", &["/dev/hdisk4"]),
        format!("{}\n", line("/dev/hdisk4"))
    );
}

#[test]
fn generations_rotate_and_the_oldest_backup_volume_is_reused() {
    let s = setup(3, 2);
    let mut sums = Vec::new();
    for seed in 1..=3 {
        fill(&s, "/dev/vg01", seed);
        sums.push(sum(&s, "/dev/vg01"));
        backup(&s, &["/dev/vg01"]);
    }
    // Versions 1, 2, 3: the third backup released version 1 (hdisk2) and reused it.
    assert_eq!(
        hist(&s, "/dev/vg01"),
        [
            row("1", "3", "/dev/hdisk2", "succeeded", "----"),
            row("2", "2", "/dev/hdisk3", "succeeded", "----"),
        ]
    );
    assert_eq!(sum(&s, "/dev/hdisk2"), sums[2]);
    assert_eq!(sum(&s, "/dev/hdisk3"), sums[1]);
    // Delete by relative generation (2 = version 2), then by version.
    assert_eq!(
        okk(&s, "swsthistdel", &["-g", "2", "/dev/vg01"]),
        "/dev/vg01 swsthistdel completed\n"
    );
    assert_eq!(
        hist(&s, "/dev/vg01"),
        [row("1", "3", "/dev/hdisk2", "succeeded", "----")]
    );
    refuse(&s, "swsthistdel", &["-v", "2", "/dev/vg01"], "swst1508", 1);
    refuse(&s, "swsthistdel", &["-g", "2", "/dev/vg01"], "swst1508", 1);
    backup(&s, &["/dev/vg01"]);
    assert_eq!(
        hist(&s, "/dev/vg01")[0],
        row("1", "4", "/dev/hdisk3", "succeeded", "----")
    );
    okk(&s, "swsthistdel", &["-v", "3", "/dev/vg01"]);
    assert_eq!(
        hist(&s, "/dev/vg01"),
        [row("1", "4", "/dev/hdisk3", "succeeded", "----")]
    );
    okk(&s, "swsthistdel", &["-z", "/dev/vg01"]);
    assert!(hist(&s, "/dev/vg01").is_empty());
    // Versions never go back.
    backup(&s, &["/dev/vg01"]);
    assert_eq!(hist(&s, "/dev/vg01")[0].1, "5");
    let devdisp = ok(&s, "swstdevdisp", &["-b"]);
    assert!(
        devdisp.contains("Backup (free)") && devdisp.contains("Backup (used)"),
        "{devdisp}"
    );
}

#[test]
fn history_deletion_interrupts_an_unfinished_opc() {
    let s = setup(3, 2);
    fill(&s, "/dev/vg01", 4);
    set_rate(&s, Rate::Paused);
    backup(&s, &["/dev/vg01"]);
    assert_eq!(hist(&s, "/dev/vg01")[0].3, "executing");
    assert_eq!(sessions(&s).len(), 1);
    okk(&s, "swsthistdel", &["-g", "1", "/dev/vg01"]);
    assert!(
        sessions(&s).is_empty(),
        "the OPC of the deleted history is cancelled"
    );
    // With -emergency the session is neither confirmed nor cancelled.
    backup(&s, &["/dev/vg01"]);
    okk(&s, "swsthistdel", &["-g", "1", "-emergency", "/dev/vg01"]);
    assert_eq!(sessions(&s).len(), 1);
}

#[test]
fn quickopc_copies_only_the_differences() {
    let s = setup(3, 1);
    fill(&s, "/dev/vg01", 1);
    backup(&s, &["-T", "/dev/vg01"]);
    let full = sessions(&s);
    assert_eq!(full.len(), 1);
    assert_eq!(full[0].0, Kind::QuickOpc);
    assert_eq!(full[0].2, LUN, "the first -T copies everything");
    assert_eq!(sum(&s, "/dev/hdisk2"), sum(&s, "/dev/vg01"));
    // Change one 64 KiB grain, back up again: the tracking volume is reused.
    write(&s, "/dev/vg01", 9, 1 << 20, 64 << 10);
    let now = sum(&s, "/dev/vg01");
    backup(&s, &["/dev/vg01", "-T"]);
    let diff = sessions(&s);
    assert_eq!(diff.len(), 1, "{diff:?}");
    assert_eq!(diff[0].1, 1, "hdisk2 (OLU 1) again");
    assert!(
        diff[0].2 <= 64 << 10 && diff[0].2 > 0,
        "differential copy: {diff:?}"
    );
    assert_eq!(sum(&s, "/dev/hdisk2"), now);
    assert_eq!(
        hist(&s, "/dev/vg01"),
        [row("1", "2", "/dev/hdisk2", "succeeded", "----")]
    );
    // A full OPC of the same data is the same byte for byte.
    backup(&s, &["/dev/vg01"]);
    assert_eq!(
        hist(&s, "/dev/vg01"),
        [row("1", "3", "/dev/hdisk3", "succeeded", "----")]
    );
    assert_eq!(sum(&s, "/dev/hdisk3"), sum(&s, "/dev/hdisk2"));
    // The released QuickOPC generation keeps its tracking session and its volume.
    assert!(sessions(&s).iter().any(|x| x.0 == Kind::QuickOpc));
    let l = list_store(&s).load().unwrap();
    assert_eq!(
        l.devices["/dev/hdisk2"].hold,
        Some(Hold::Tracking {
            transaction: "/dev/vg01".into()
        })
    );
    let d = ok(&s, "swstdevdisp", &["-b", "-u", "/dev/hdisk2"]);
    assert!(d.contains("Backup (used-T)"), "{d}");
    // A device map may not name the tracking volume for a plain OPC.
    let map = s.path().join("map");
    std::fs::write(&map, "/dev/vg01 /dev/hdisk2\n").unwrap();
    let e = refuse(
        &s,
        "swstbackup",
        &["/dev/vg01", "-Xdevmap", map.to_str().unwrap()],
        "swst1401",
        1,
    );
    assert!(e.contains("Line=1") && e.contains("held"), "{e}");
    okk(&s, "swsthistdel", &["-z", "/dev/vg01"]);
    assert!(ok(&s, "swstdevdisp", &["-b", "-u", "/dev/hdisk3"]).contains("Backup (free)"));
    assert!(ok(&s, "swstdevdisp", &["-b", "-u", "/dev/hdisk2"]).contains("Backup (used-T)"));
    // The next -T reuses the tracking volume with a differential copy.
    backup(&s, &["-T", "/dev/vg01"]);
    assert_eq!(hist(&s, "/dev/vg01")[0].2, "/dev/hdisk2");
    assert_eq!(sessions(&s)[0].2, 0, "nothing changed since the last copy");
}

#[test]
fn device_map_files() {
    let s = setup(5, 2);
    host_update(&s, |h| {
        h.create_vg("vg05", &["/dev/hdisk5"])?;
        Ok(())
    });
    let map = s.path().join("devmap.txt");
    let write_map = |text: &str| std::fs::write(&map, text).unwrap();
    let m = map.to_str().unwrap();
    write_map("# Transaction volume      Backup volume\n\n/dev/vg01   /dev/hdisk3 # comment\n/dev/vg01 /dev/hdisk2\n");
    fill(&s, "/dev/vg01", 3);
    backup(&s, &["/dev/vg01", "-Xdevmap", m]);
    assert_eq!(hist(&s, "/dev/vg01")[0].2, "/dev/hdisk3");
    assert_eq!(sum(&s, "/dev/hdisk3"), sum(&s, "/dev/vg01"));
    let line_of = |err: &str, n: usize| {
        assert!(
            err.contains(&format!("File={m}, Line={n}")),
            "file and line {n}: {err}"
        );
    };
    // In use (holds version 1).
    let e = refuse(
        &s,
        "swstbackup",
        &["-Xdevmap", m, "/dev/vg01"],
        "swst1401",
        1,
    );
    line_of(&e, 3);
    // The transaction volume itself; unregistered; wrong size / another kind.
    for (bd, why) in [
        ("/dev/vg01", "being backed up"),
        ("/dev/hdisk9", "not registered"),
        ("/dev/vg05", "not registered"),
    ] {
        write_map(&format!("/dev/vg02 /dev/hdisk4\n/dev/vg01 {bd}\n"));
        let e = refuse(
            &s,
            "swstbackup",
            &["/dev/vg01", "-Xdevmap", m],
            "swst1401",
            1,
        );
        line_of(&e, 2);
        assert!(e.contains(why), "{e}");
    }
    // Syntax error and missing entry.
    write_map("/dev/vg01\n");
    line_of(
        &refuse(
            &s,
            "swstbackup",
            &["/dev/vg01", "-Xdevmap", m],
            "swst1401",
            1,
        ),
        1,
    );
    write_map("/dev/vg09 /dev/hdisk4\n");
    let e = refuse(
        &s,
        "swstbackup",
        &["/dev/vg01", "-Xdevmap", m],
        "swst1401",
        1,
    );
    assert!(e.contains(m) && e.contains("/dev/vg01"), "{e}");
    // A free volume of the map is used even with history full: the oldest is released.
    write_map("/dev/vg01 /dev/hdisk4\n");
    backup(&s, &["/dev/vg01", "-Xdevmap", m]);
    write_map("/dev/vg01 /dev/hdisk3\n");
    backup(&s, &["/dev/vg01", "-Xdevmap", m]);
    assert_eq!(
        hist(&s, "/dev/vg01"),
        [
            row("1", "3", "/dev/hdisk3", "succeeded", "----"),
            row("2", "2", "/dev/hdisk4", "succeeded", "----"),
        ]
    );
}

#[test]
fn refusals() {
    let s = setup(3, 1);
    // Not a transaction volume; no policy.
    refuse(&s, "swstbackup", &["/dev/hdisk2"], "swst1201", 1);
    ok(&s, "swstbkpoldel", &["/dev/vg01"]);
    refuse(&s, "swstbackup", &["/dev/vg01"], "swst1206", 1);
    ok(&s, "swstbkpolset", &["-s", "1", "/dev/vg01"]);
    // -suspend without synchronous processing.
    refuse(&s, "swstbackup", &["-suspend", "/dev/vg01"], "swst1509", 1);
    // Usage errors.
    refuse(
        &s,
        "swstbackup",
        &["-suspend", "-T", "/dev/vg01"],
        "swst0002",
        2,
    );
    refuse(&s, "swsthistdel", &["/dev/vg01"], "swst0002", 2);
    refuse(
        &s,
        "swsthistdel",
        &["-g", "1", "-z", "/dev/vg01"],
        "swst0002",
        2,
    );
    refuse(&s, "swsthistdel", &["-g", "x", "/dev/vg01"], "swst0002", 2);
    refuse(&s, "swsthistdel", &["-v", "0", "/dev/vg01"], "swst0002", 2);
    refuse(&s, "swsthistdel", &["-g", "1", "/dev/vg01"], "swst1508", 1);
    // A restore to the transaction volume is running (the array is still copying it).
    set_rate(&s, Rate::Unlimited);
    backup(&s, &["/dev/vg01"]);
    set_rate(&s, Rate::Paused);
    okk(&s, "swstrestore", &["/dev/vg01"]);
    refuse(&s, "swstbackup", &["/dev/vg01"], "swst1502", 1);
    okk(&s, "swstcancelrest", &["/dev/vg01"]);
    okk(&s, "swsthistdel", &["-z", "/dev/vg01"]);
    set_rate(&s, Rate::Unlimited);
    // No free backup volume: both are held by other sessions.
    edit_list(&s, |l| {
        for bd in ["/dev/hdisk2", "/dev/hdisk3"] {
            l.devices.get_mut(bd).unwrap().hold = Some(Hold::Suspend {
                transaction: "/dev/vgxx".into(),
            });
        }
    });
    refuse(&s, "swstbackup", &["/dev/vg01"], "swst1505", 1);
    edit_list(&s, |l| {
        for bd in ["/dev/hdisk2", "/dev/hdisk3"] {
            l.devices.get_mut(bd).unwrap().hold = None;
        }
    });
    // A restore from the generation that the backup would release (save number 1),
    // still being copied by the array.
    backup(&s, &["/dev/vg01"]);
    set_rate(&s, Rate::Paused);
    okk(&s, "swstrestore", &["-r", "/dev/hdisk3", "/dev/vg01"]);
    refuse(&s, "swstbackup", &["/dev/vg01"], "swst1507", 1);
    refuse(&s, "swsthistdel", &["-g", "1", "/dev/vg01"], "swst1507", 1);
    okk(&s, "swstcancelrest", &["-r", "/dev/hdisk3", "/dev/vg01"]);
    set_rate(&s, Rate::Unlimited);
    // The box information changed: vg01 now lives on another disk.
    edit_list(&s, |l| {
        l.devices.get_mut("/dev/vg01").unwrap().box_info.olu = 7;
    });
    refuse(&s, "swstbackup", &["/dev/vg01"], "swst1504", 1);
    edit_list(&s, |l| {
        l.devices.get_mut("/dev/vg01").unwrap().box_info.olu = 0;
    });
    // An inactive volume group.
    host_update(&s, |h| h.varyoff("vg01"));
    refuse(&s, "swstbackup", &["/dev/vg01"], "swst1103", 1);
    refuse(&s, "swsthistdel", &["-z", "/dev/vg01"], "swst1103", 1);
    host_update(&s, |h| h.varyon("vg01"));
    backup(&s, &["/dev/vg01"]);
}

#[test]
fn a_failed_previous_generation_blocks_the_next_backup() {
    let s = setup(3, 2);
    set_rate(&s, Rate::Paused);
    backup(&s, &["/dev/vg01"]);
    // A hardware error on the backup volume's LUN error-suspends its session.
    error_suspend_every_session(&s);
    assert_eq!(tokens(&okk(&s, "swstbackstat", &[]))[1][3], "failed");
    assert_eq!(hist(&s, "/dev/vg01")[0].3, "failed");
    refuse(&s, "swstbackup", &["/dev/vg01"], "swst1501", 1);
    okk(&s, "swsthistdel", &["-g", "1", "/dev/vg01"]);
    assert!(sessions(&s).is_empty());
    backup(&s, &["/dev/vg01"]);
}

#[test]
fn a_failing_pre_processing_script_stops_the_backup() {
    use std::os::unix::fs::PermissionsExt;
    let s = setup(3, 2);
    let dir = s.root().join("etc/opt/FJSVswsts/sh");
    std::fs::create_dir_all(&dir).unwrap();
    let log = s.path().join("args.log");
    let pre = dir.join("OpcBackup.pre");
    std::fs::write(&pre, "#!/bin/sh\nexit 3\n").unwrap();
    std::fs::set_permissions(&pre, std::fs::Permissions::from_mode(0o755)).unwrap();
    let e = refuse(&s, "swstbackup", &["/dev/vg01"], "swst1301", 1);
    assert!(
        e.contains("OpcBackup.pre") && e.contains("Error Code = 3"),
        "{e}"
    );
    assert!(sessions(&s).is_empty(), "no copy was started");
    assert!(hist(&s, "/dev/vg01").is_empty());
    // The scripts get the manual's arguments.
    for name in ["OpcBackup.pre", "OpcBackup.post"] {
        let p = dir.join(name);
        std::fs::write(
            &p,
            format!(
                "#!/bin/sh\necho {name} \"$#\" \"$1\" \"$2\" \"$3\" >> {}\n",
                log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    backup(&s, &["/dev/vg01"]);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "OpcBackup.pre 3 /dev/vg01  /dev/hdisk2\nOpcBackup.post 2 /dev/vg01  \n"
    );
}

#[test]
fn synchronous_backup_with_and_without_suspend() {
    let s = setup(4, 2);
    fill(&s, "/dev/vg01", 5);
    okk(&s, "swststartsync", &["/dev/vg01"]);
    // Let the EC reach equivalency, then back up: EC is ended.
    let before = list_store(&s).load().unwrap();
    let bd = before.syncs["/dev/vg01"][0].clone();
    refuse(&s, "swstbackup", &["-T", "/dev/vg01"], "swst1506", 1);
    let at = sum(&s, "/dev/vg01");
    backup(&s, &["/dev/vg01"]);
    let l = list_store(&s).load().unwrap();
    assert!(!l.syncs.contains_key("/dev/vg01"));
    assert_eq!(l.history["/dev/vg01"][0].kind, BackupKind::Ec);
    assert_eq!(l.history["/dev/vg01"][0].backup_volume, bd);
    assert!(sessions(&s).is_empty(), "EC cancelled");
    fill(&s, "/dev/vg01", 6);
    assert_eq!(sum(&s, &bd), at);
    // -suspend keeps the session suspended and holds the volume.
    okk(&s, "swststartsync", &["/dev/vg01"]);
    let bd2 = list_store(&s).load().unwrap().syncs["/dev/vg01"][0].clone();
    let at2 = sum(&s, "/dev/vg01");
    backup(&s, &["-suspend", "/dev/vg01"]);
    let l = list_store(&s).load().unwrap();
    assert_eq!(
        l.devices[&bd2].hold,
        Some(Hold::Suspend {
            transaction: "/dev/vg01".into()
        })
    );
    assert!(sessions(&s).iter().any(|x| x.0 == Kind::Ec));
    write(&s, "/dev/vg01", 7, 0, 4096);
    assert_eq!(sum(&s, &bd2), at2, "suspended: the backup does not change");
    // Deleting the suspended history keeps the session: (used-S).
    okk(&s, "swsthistdel", &["-v", "2", "/dev/vg01"]);
    assert!(sessions(&s).iter().any(|x| x.0 == Kind::Ec));
    assert!(ok(&s, "swstdevdisp", &["-b", "-u", &bd2]).contains("Backup (used-S)"));
}

#[test]
fn not_equivalent_is_refused() {
    let s = setup(4, 2);
    set_rate(&s, Rate::Paused);
    okk(&s, "swststartsync", &["/dev/vg01"]);
    refuse(&s, "swstbackup", &["/dev/vg01"], "swst1503", 1);
}

/// Writes the executable backup script `name` (`OpcBackup.pre`, ...) with
/// `body` under the scratch root's script directory; returns its path.
fn backup_script(s: &Scratch, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = s.root().join("etc/opt/FJSVswsts/sh");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// A site's time limit on the scripts (`script.ini`): a pre-processing script
/// that hangs is killed at the limit with what it started, the backup fails
/// with swst1303 naming it, nothing is copied, and no lock is left held.
#[test]
fn a_hung_pre_processing_script_is_killed_at_its_limit() {
    let s = setup(3, 2);
    let marker = s.path().join("still-running");
    let pre = backup_script(
        &s,
        "OpcBackup.pre",
        &format!(
            "#!/bin/sh\n(sleep 3; touch {}) &\nsleep 60\n",
            marker.display()
        ),
    );
    let dir = pre.parent().unwrap().to_path_buf();
    std::fs::write(dir.join("script.ini"), "TimeLimit=1\n").unwrap();
    let started = std::time::Instant::now();
    let e = refuse(&s, "swstbackup", &["/dev/vg01"], "swst1303", 1);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(
        e.contains("OpcBackup.pre") && e.contains("1 seconds"),
        "{e}"
    );
    assert!(sessions(&s).is_empty(), "no copy was started");
    assert!(hist(&s, "/dev/vg01").is_empty());
    std::thread::sleep(std::time::Duration::from_secs(4));
    assert!(!marker.exists(), "what the script started was killed too");
    // Nothing is held: the next backup runs at once.
    std::fs::write(&pre, "#!/bin/sh\nexit 0\n").unwrap();
    backup(&s, &["/dev/vg01"]);
    // A damaged limit is refused by name before anything runs.
    std::fs::write(dir.join("script.ini"), "TimeLimit=soon\n").unwrap();
    let e = refuse(&s, "swstbackup", &["/dev/vg01"], "swst0005", 1);
    assert!(e.contains("script.ini"), "{e}");
}

/// A command killed while its script runs leaves no lock behind: the locks
/// are the kernel's and the script does not inherit them.
#[test]
fn a_command_killed_during_its_script_leaves_no_lock() {
    let s = setup(3, 2);
    let started = s.path().join("started");
    let pre = backup_script(
        &s,
        "OpcBackup.pre",
        &format!("#!/bin/sh\ntouch {}\nsleep 30\n", started.display()),
    );
    let mut child = std::process::Command::new(exe("swstbackup"))
        .arg("/dev/vg01")
        .env("ACM_ROOT", s.root())
        .env("ACMSIM_HOME", s.sim_home())
        .env_remove("SWSTGNODE")
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !started.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the script never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The script still sleeps; the lock is free all the same.
    std::fs::write(&pre, "#!/bin/sh\nexit 0\n").unwrap();
    backup(&s, &["/dev/vg01"]);
}

/// What a hardware error on the backup volume's LUN does: every session of
/// box B1 error-suspends.
fn error_suspend_every_session(s: &Scratch) {
    let mut a = acm_sim::Array::open(&s.sim_home()).unwrap();
    let bid = a.bid_by_name("B1").unwrap();
    a.admin(&bid, |st| {
        for x in st.sessions.values_mut() {
            x.status = acm_sim::state::Status::ErrorSuspend(acm_sim::state::ErrorReason::Other);
        }
        Ok(())
    })
    .unwrap();
    a.commit().unwrap();
}

// ----- swstwait -----

fn wait_code(s: &Scratch, args: &[&str]) -> (Option<i32>, String) {
    let out = go(s, "swstwait", args, None);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// swstwait's exit statuses, each provoked: 3 on a paused copy, 0 once it
/// runs, 1 for processing the volume does not have and for a failed copy.
#[test]
fn swstwait_waits_for_the_backup_copy_and_says_how_it_ended() {
    let s = setup(3, 2);
    set_rate(&s, Rate::Paused);
    backup(&s, &["/dev/vg01"]);
    let started = std::time::Instant::now();
    let (c, err) = wait_code(&s, &["-t", "1", "/dev/vg01"]);
    assert_eq!(c, Some(3), "{err}");
    assert!(
        err.starts_with("swst3006 ") && err.contains("1 seconds"),
        "{err}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    set_rate(&s, Rate::Unlimited);
    assert_eq!(okk(&s, "swstwait", &["-t", "30", "/dev/vg01"]), "");
    assert_eq!(okk(&s, "swstwait", &["-s", "succeeded", "/dev/vg01"]), "");
    // No synchronous processing: nothing can become equivalent.
    let (c, err) = wait_code(&s, &["-s", "equivalent", "/dev/vg01"]);
    assert_eq!(c, Some(1), "{err}");
    assert!(err.starts_with("swst3005 "), "{err}");
    // A copy that error-suspends ends the wait with exit status 1.
    set_rate(&s, Rate::Paused);
    backup(&s, &["/dev/vg01"]);
    error_suspend_every_session(&s);
    let (c, err) = wait_code(&s, &["-t", "30", "/dev/vg01"]);
    assert_eq!(c, Some(1), "{err}");
    assert!(
        err.starts_with("swst3001 ") && err.contains("failed"),
        "{err}"
    );
    // Usage.
    for bad in [
        vec![],
        vec!["-s", "bogus", "/dev/vg01"],
        vec!["-t", "x", "/dev/vg01"],
    ] {
        let (c, err) = wait_code(&s, &bad);
        assert_eq!(c, Some(2), "{bad:?}: {err}");
        assert!(err.starts_with("swst0002 "), "{err}");
    }
}

#[test]
fn swstwait_waits_for_equivalency_of_synchronous_processing() {
    let s = setup(4, 2);
    set_rate(&s, Rate::Paused);
    okk(&s, "swststartsync", &["/dev/vg01"]);
    let (c, err) = wait_code(&s, &["-s", "equivalent", "-t", "1", "/dev/vg01"]);
    assert_eq!(c, Some(3), "{err}");
    set_rate(&s, Rate::Unlimited);
    assert_eq!(okk(&s, "swstwait", &["-s", "equivalent", "/dev/vg01"]), "");
    let syncstat = okk(&s, "swstsyncstat", &["/dev/vg01"]);
    assert!(syncstat.contains("equivalent"), "{syncstat}");
}

/// A script's words go to a per-run file in the family's log directory, never
/// into the command's output that scripts parse.
#[test]
fn script_output_goes_to_the_log_not_to_the_commands_output() {
    let s = setup(3, 2);
    backup_script(
        &s,
        "OpcBackup.pre",
        "#!/bin/sh\necho hello from pre\necho to stderr >&2\n",
    );
    let out = go(&s, "swstbackup", &["/dev/vg01"], None);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "/dev/vg01 swstbackup completed\n"
    );
    assert!(out.stderr.is_empty(), "{:?}", out.stderr);
    let logs = s.root().join("var/opt/FJSVswsts/log/scripts");
    let files: Vec<_> = std::fs::read_dir(&logs)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains("OpcBackup.pre"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(
        std::fs::read_to_string(&files[0]).unwrap(),
        "hello from pre\nto stderr\n"
    );
}
