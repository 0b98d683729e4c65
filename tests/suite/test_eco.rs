//! The power-saving operation of the manual's Appendix D, rehearsed with the
//! product's commands on the simulated array: backup and replication
//! destinations on an Eco-mode RAID group whose drives are started before the
//! copy and stopped after it (`acmsim raidgroup spindle`, standing in for
//! Storage Cruiser's `storageadm spindle`).

use acm_testkit::{bin, ok as run_ok, refused as run_refused, run, tokens, Scratch};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const LUN: &str = "8M";

fn ok(s: &Scratch, program: &str, args: &[&str]) -> String {
    run_ok(s, &bin(program), args)
}

fn acmsim(s: &Scratch, args: &[&str]) -> String {
    ok(s, "acmsim", args)
}

/// Runs `acmsim args` and expects refusal `id` (exit status 1).
fn acmsim_refused(s: &Scratch, args: &[&str], id: &str) -> String {
    let out = run(s, &bin("acmsim"), args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "acmsim {args:?}: {err}");
    assert!(err.contains(id), "acmsim {args:?}: expected {id}: {err}");
    err
}

/// Box B1 with the LUNs `groups` names (one per entry: the RAID group it
/// lives on), attached as /dev/hdisk1, 2, ...; RAID group 1 is an Eco-mode
/// group that spins up in 1 s and stops after 1 s idle. Copies run at
/// 8 MiB/s, so a LUN's physical copy takes about a second.
fn scene(groups: &[u32]) -> Scratch {
    let s = Scratch::new();
    let ini = s.root().join("etc/opt/swstorage/swnode.ini");
    std::fs::create_dir_all(ini.parent().unwrap()).unwrap();
    std::fs::write(&ini, "ServerName=job2\n").unwrap();
    acmsim(&s, &["box", "create", "B1"]);
    acmsim(
        &s,
        &[
            "raidgroup",
            "create",
            "B1",
            "1",
            "--eco",
            "--spin-up",
            "1",
            "--idle-delay",
            "1",
        ],
    );
    for (i, g) in groups.iter().enumerate() {
        acmsim(
            &s,
            &[
                "lun",
                "create",
                "B1",
                "--size",
                LUN,
                "--raidgroup",
                &g.to_string(),
            ],
        );
        acmsim(
            &s,
            &[
                "host",
                "attach",
                "B1",
                &i.to_string(),
                &format!("/dev/hdisk{}", i + 1),
            ],
        );
    }
    acmsim(&s, &["rate", "B1", "8M"]);
    s
}

/// The drive state of RAID group `n` as `raidgroup list` shows it, and what
/// keeps it from stopping.
fn group(s: &Scratch, n: u32) -> (String, String) {
    let out = acmsim(s, &["raidgroup", "list", "B1"]);
    let t = tokens(&out);
    assert_eq!(
        t[0],
        ["RAID-Group", "Mode", "Drives", "LUNs", "Kept-By"],
        "{out}"
    );
    let row = t
        .iter()
        .find(|r| r[0] == n.to_string())
        .unwrap_or_else(|| panic!("no group {n}: {out}"));
    (row[2].clone(), row[4..].join(" "))
}

fn spindle(s: &Scratch, action: &str, extra: &[&str]) -> String {
    let mut args = vec!["raidgroup", "spindle", "B1", "1", action];
    args.extend(extra);
    acmsim(s, &args)
}

fn checksum(s: &Scratch, dev: &str) -> String {
    acmsim(s, &["checksum", dev])
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

fn list_file(s: &Scratch, family: &str) -> PathBuf {
    let dir = s.root().join(format!("etc/opt/{family}/data"));
    std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "redb" || x == "json"))
        .unwrap_or_else(|| panic!("no management list in {}", dir.display()))
}

/// Polls `program args` until its output contains `word`.
fn until(s: &Scratch, program: &str, args: &[&str], word: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = ok(s, program, args);
        if out.contains(word) {
            return out;
        }
        assert!(Instant::now() < deadline, "{program} {args:?}: {out}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_backup_to_an_eco_mode_group_starts_copies_and_stops_its_drives() {
    // /dev/hdisk1 on group 0 (always spinning); its backup volume on group 1.
    let s = scene(&[0, 1]);
    acmsim(&s, &["write", "/dev/hdisk1", "--seed", "41"]);
    let source = checksum(&s, "/dev/hdisk1");
    ok(&s, "swstsvrset", &[]);
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk1"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk2"]);
    ok(&s, "swstbkpolset", &["-s", "1", "/dev/hdisk1"]);

    // Between backups the destination's drives are stopped.
    assert_eq!(spindle(&s, "stop", &["--sync"]), "B1 1 stopped\n");
    assert_eq!(group(&s, 1).0, "stopped");
    assert_eq!(group(&s, 0).0, "active");

    // D.2.1: start the drives and wait for them (about the spin-up time).
    let t = Instant::now();
    assert_eq!(spindle(&s, "start", &["--sync"]), "B1 1 active\n");
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );

    // D.2.2: back up; D.2.3: schedule the stop while the physical copy runs.
    assert_eq!(
        ok(&s, "swstbackup", &["/dev/hdisk1"]),
        "/dev/hdisk1 swstbackup completed\n"
    );
    assert_eq!(spindle(&s, "stop", &[]), "B1 1 stopping\n");
    let (drives, kept_by) = group(&s, 1);
    assert_eq!(drives, "stopping");
    assert!(kept_by.contains("physical copy"), "{kept_by}");
    assert!(ok(&s, "swstbackstat", &["/dev/hdisk1"]).contains("executing"));
    // The stop takes effect once the copy has ended and the group was idle.
    assert_eq!(spindle(&s, "stop", &["--sync"]), "B1 1 stopped\n");
    assert!(ok(&s, "swstbackstat", &["/dev/hdisk1"]).contains("succeeded"));

    // A stopped drive is not readable...
    let e = acmsim_refused(&s, &["checksum", "/dev/hdisk2"], "SIM1004");
    assert!(e.contains("not ready"), "{e}");
    // ...and a backup to it fails with an ID, changing neither history nor list.
    let history = ok(&s, "swsthistdisp", &["/dev/hdisk1"]);
    let list = list_file(&s, "FJSVswsts");
    let e = run_refused(
        &s,
        &bin("swstbackup"),
        &["/dev/hdisk1"],
        "swst0634",
        1,
        &list,
    );
    assert!(e.contains("RAID group"), "{e}");
    assert_eq!(ok(&s, "swsthistdisp", &["/dev/hdisk1"]), history);
    assert_eq!(group(&s, 1).0, "stopped");

    // Started again: the backup's bytes are the source's.
    spindle(&s, "start", &["--sync"]);
    assert_eq!(checksum(&s, "/dev/hdisk2"), source);
}

#[test]
fn replication_opc_and_a_long_ec_suspend_with_the_destination_stopped() {
    // hdisk1 -> hdisk2 by OPC, hdisk3 -> hdisk4 by EC; the destinations on group 1.
    let s = scene(&[0, 1, 0, 1]);
    acmsim(&s, &["write", "/dev/hdisk1", "--seed", "7"]);
    acmsim(&s, &["write", "/dev/hdisk3", "--seed", "8"]);
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk2"]);
    ok(&s, "swsrpsetvol", &["/dev/hdisk3", "/dev/hdisk4"]);

    // OPC: the stop waits for its physical copy.
    ok(&s, "swsrpmake", &["/dev/hdisk1", "/dev/hdisk2"]);
    assert_eq!(spindle(&s, "stop", &[]), "B1 1 stopping\n");
    assert!(group(&s, 1).1.contains("physical copy"));
    assert_eq!(spindle(&s, "stop", &["--sync"]), "B1 1 stopped\n");
    let stat = ok(&s, "swsrpstat", &["/dev/hdisk1"]);
    assert!(!stat.contains("snap"), "the OPC is over: {stat}");

    // EC cannot start on stopped drives: the command's usual failure, with an ID.
    let list = list_file(&s, "FJSVswsrp");
    let e = run_refused(
        &s,
        &bin("swsrpstartsync"),
        &["/dev/hdisk3", "/dev/hdisk4"],
        "swsrp0719",
        1,
        &list,
    );
    assert!(e.contains("RAID group"), "{e}");

    // Started: the EC reaches equivalency; while it is active the drives run.
    spindle(&s, "start", &["--sync"]);
    ok(&s, "swsrpstartsync", &["/dev/hdisk3", "/dev/hdisk4"]);
    until(&s, "swsrpstat", &["/dev/hdisk3"], "equivalent");
    spindle(&s, "stop", &[]);
    std::thread::sleep(Duration::from_millis(1500));
    let (drives, kept_by) = group(&s, 1);
    assert_eq!(drives, "stopping", "an active EC keeps the drives running");
    assert!(kept_by.contains("Ec"), "{kept_by}");

    // Suspended, the pair no longer needs them: a long suspend with stopped drives.
    ok(&s, "swsrpmake", &["/dev/hdisk3", "/dev/hdisk4"]);
    assert_eq!(spindle(&s, "stop", &["--sync"]), "B1 1 stopped\n");
    let stat = ok(&s, "swsrpstat", &["/dev/hdisk3"]);
    // A suspended pair is "replicated" in swsrpstat's Status column.
    assert!(stat.contains("replicated"), "{stat}");
    // The source keeps working (its changes are tracked for the resume).
    acmsim(
        &s,
        &["write", "/dev/hdisk3", "--seed", "9", "--length", "1M"],
    );
    let source = checksum(&s, "/dev/hdisk3");
    // Resuming needs the destination's drives.
    let out = run(&s, &bin("swsrpstartsync"), &["/dev/hdisk3", "/dev/hdisk4"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("swsrp0719 "));
    assert!(ok(&s, "swsrpstat", &["/dev/hdisk3"]).contains("replicated"));

    // D.2: start, resume, suspend again; the destination holds the source.
    spindle(&s, "start", &["--sync"]);
    ok(&s, "swsrpstartsync", &["/dev/hdisk3", "/dev/hdisk4"]);
    until(&s, "swsrpstat", &["/dev/hdisk3"], "equivalent");
    ok(&s, "swsrpmake", &["/dev/hdisk3", "/dev/hdisk4"]);
    assert_eq!(checksum(&s, "/dev/hdisk4"), source);
    assert_eq!(spindle(&s, "stop", &["--sync"]), "B1 1 stopped\n");
}

#[test]
fn a_group_holding_a_snap_data_volume_or_the_pool_never_stops() {
    let s = scene(&[]);
    acmsim(
        &s,
        &[
            "lun",
            "create",
            "B1",
            "--size",
            LUN,
            "--sdv",
            "--raidgroup",
            "1",
        ],
    );
    assert_eq!(spindle(&s, "stop", &[]), "B1 1 stopping\n");
    let e = acmsim_refused(
        &s,
        &[
            "raidgroup",
            "spindle",
            "B1",
            "1",
            "stop",
            "--sync",
            "--timeout",
            "2",
        ],
        "SIM1011",
    );
    assert!(
        e.contains("still stopping") && e.contains("Snap Data Volume 0"),
        "{e}"
    );
    assert_eq!(group(&s, 1).0, "stopping");
    // A start cancels the scheduled stop.
    assert_eq!(spindle(&s, "start", &[]), "B1 1 active\n");

    // The pool in an Eco-mode group of its own keeps that group spinning too.
    acmsim(
        &s,
        &[
            "raidgroup",
            "create",
            "B1",
            "2",
            "--eco",
            "--idle-delay",
            "0",
        ],
    );
    acmsim(&s, &["pool", "B1", "--size", "64M", "--raidgroup", "2"]);
    let e = acmsim_refused(
        &s,
        &[
            "raidgroup",
            "spindle",
            "B1",
            "2",
            "stop",
            "--sync",
            "--timeout",
            "1",
        ],
        "SIM1011",
    );
    assert!(e.contains("Snap Data Pool"), "{e}");
}

#[test]
fn raidgroup_refusals() {
    let s = scene(&[0]);
    // Group 0 is every box's own and always spins; numbers are unique.
    acmsim_refused(&s, &["raidgroup", "create", "B1", "0"], "SIM1001");
    acmsim_refused(&s, &["raidgroup", "create", "B1", "1"], "SIM1001");
    acmsim_refused(&s, &["raidgroup", "create", "NOPE", "2"], "SIM1002");
    acmsim_refused(
        &s,
        &["raidgroup", "create", "B1", "2", "--spin-up", "99999"],
        "SIM1001",
    );
    // Only an Eco-mode group's drives stop.
    acmsim(&s, &["raidgroup", "create", "B1", "3"]);
    let e = acmsim_refused(&s, &["raidgroup", "spindle", "B1", "3", "stop"], "SIM1001");
    assert!(e.contains("not an Eco-mode group"), "{e}");
    acmsim_refused(&s, &["raidgroup", "spindle", "B1", "0", "stop"], "SIM1001");
    acmsim_refused(&s, &["raidgroup", "spindle", "B1", "9", "start"], "SIM1001");
    // A LUN on a group that does not exist is refused before it is made.
    let before = acmsim(&s, &["lun", "list", "B1"]);
    acmsim_refused(
        &s,
        &["lun", "create", "B1", "--size", LUN, "--raidgroup", "7"],
        "SIM1001",
    );
    assert_eq!(acmsim(&s, &["lun", "list", "B1"]), before);
    // Usage: --timeout only with --sync; the action is start or stop.
    let out = run(
        &s,
        &bin("acmsim"),
        &["raidgroup", "spindle", "B1", "1", "stop", "--timeout", "3"],
    );
    assert_eq!(out.status.code(), Some(2));
    let out = run(
        &s,
        &bin("acmsim"),
        &["raidgroup", "spindle", "B1", "1", "pause"],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn host_access_defers_a_scheduled_stop_until_the_group_is_idle() {
    let s = scene(&[1]);
    assert_eq!(spindle(&s, "stop", &[]), "B1 1 stopping\n");
    // Written to every 300 ms for 2.5 s: more than the 1 s idle delay in all,
    // never idle for that long, so the drives keep spinning.
    let t = Instant::now();
    while t.elapsed() < Duration::from_millis(2500) {
        acmsim(
            &s,
            &["write", "/dev/hdisk1", "--seed", "3", "--length", "64K"],
        );
        assert_eq!(group(&s, 1).0, "stopping");
        std::thread::sleep(Duration::from_millis(300));
    }
    // Left alone, they stop after the delay.
    let t = Instant::now();
    assert_eq!(spindle(&s, "stop", &["--sync"]), "B1 1 stopped\n");
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
}
