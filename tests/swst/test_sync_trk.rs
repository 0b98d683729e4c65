//! QuickOPC tracking (swstcanceltrk, swsttrkstat), swstexecstat, and the tests
//! every command must pass for the six synchronous-processing commands.

use crate::common;

use acm_backup::exclusion;
use acm_backup::list::{BackupKind, Generation, Hold};
use acm_sim::state::Rate;
use acm_sim::Array;
use acm_testkit::Scratch;
use common::*;
use std::time::{Duration, Instant};

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

fn write(s: &Scratch, olu: u32, off: u64, len: usize) {
    let mut a = Array::open(&s.sim_home()).unwrap();
    let bid = a.bid_by_name("B1").unwrap();
    a.write_view(&bid, olu, off, &vec![0x5a; len], None)
        .unwrap();
    a.commit().unwrap();
}

fn setup(luns: u32) -> Scratch {
    let s = configured(luns);
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk1"]);
    for i in 2..=luns {
        ok(&s, "swstdevinfoset", &["-b", &format!("/dev/hdisk{i}")]);
    }
    ok(&s, "swstbkpolset", &["-s", "1", "/dev/hdisk1"]);
    s
}

fn trk_row(s: &Scratch) -> Vec<String> {
    tokens(&sok(s, "swsttrkstat", &["/dev/hdisk1"]))[1].clone()
}

fn wait_tracking(s: &Scratch) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = trk_row(s);
        if r[3] == "tracking" {
            return r;
        }
        assert!(Instant::now() < deadline, "never tracking: {r:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

const TRK_HEADER: [&str; 6] = [
    "Server",
    "Transaction-Disk",
    "Backup-Disk",
    "Status",
    "Execute",
    "Update",
];

#[test]
fn tracking_status_and_cancel() {
    let s = setup(3);
    let out = sok(&s, "swsttrkstat", &[]);
    assert_eq!(
        tokens(&out),
        vec![
            TRK_HEADER.map(String::from).to_vec(),
            ["job2", "/dev/hdisk1", "----", "----", "----", "----"]
                .map(String::from)
                .to_vec()
        ]
    );
    set_rate(&s, Rate::Paused);
    sok(&s, "swstbackup", &["-T", "/dev/hdisk1"]);
    assert_eq!(
        trk_row(&s),
        [
            "job2",
            "/dev/hdisk1",
            "/dev/hdisk2",
            "executing",
            "0%",
            "----"
        ]
    );
    let ex = sok(&s, "swstexecstat", &["/dev/hdisk1"]);
    assert_eq!(tokens(&ex)[1].last().unwrap(), "snapshot(0%)");
    set_rate(&s, Rate::Unlimited);
    assert_eq!(
        wait_tracking(&s),
        [
            "job2",
            "/dev/hdisk1",
            "/dev/hdisk2",
            "tracking",
            "----",
            "0%"
        ]
    );
    // A quarter of the volume changes.
    write(&s, 0, 0, (LUN / 4) as usize);
    let out = sok(&s, "swsttrkstat", &["/dev/hdisk1"]);
    assert_eq!(
        tokens(&out)[1],
        [
            "job2",
            "/dev/hdisk1",
            "/dev/hdisk2",
            "tracking",
            "----",
            "25%"
        ]
    );
    assert_aligned(&out, &TRK_HEADER);

    // Refusals: -bd/-all required; -copy with history; nothing tracked there.
    srefused(&s, "swstcanceltrk", &["/dev/hdisk1"], "swst0002", 2);
    srefused(
        &s,
        "swstcanceltrk",
        &["-copy", "-emergency", "/dev/hdisk1", "-all"],
        "swst0002",
        2,
    );
    srefused(
        &s,
        "swstcanceltrk",
        &["/dev/hdisk1", "-bd", "/dev/hdisk2", "-all"],
        "swst0002",
        2,
    );
    let e = srefused(
        &s,
        "swstcanceltrk",
        &["-copy", "/dev/hdisk1", "-bd", "/dev/hdisk2"],
        "swst1708",
        1,
    );
    assert!(
        e.contains("/dev/hdisk2") && e.contains("swsthistdel"),
        "{e}"
    );
    srefused(
        &s,
        "swstcanceltrk",
        &["/dev/hdisk1", "-bd", "/dev/hdisk3"],
        "swst1707",
        1,
    );
    srefused(&s, "swstcanceltrk", &["/dev/hdisk2", "-all"], "swst1201", 1);

    let out = sok(&s, "swstcanceltrk", &["/dev/hdisk1", "-bd", "/dev/hdisk2"]);
    assert_eq!(out, "/dev/hdisk1 swstcanceltrk completed.\n");
    assert_eq!(
        trk_row(&s),
        ["job2", "/dev/hdisk1", "----", "----", "----", "----"]
    );
    let l = list_store(&s).load().unwrap();
    assert_eq!(l.devices["/dev/hdisk2"].hold, None);
    assert_eq!(l.history_of("/dev/hdisk1").len(), 1, "history stays");
    srefused(&s, "swstcanceltrk", &["/dev/hdisk1", "-all"], "swst1707", 1);
}

#[test]
fn copy_stops_the_physical_copy_after_the_history_is_gone() {
    let s = setup(2);
    set_rate(&s, Rate::Paused);
    sok(&s, "swstbackup", &["-T", "/dev/hdisk1"]);
    sok(&s, "swsthistdel", &["-z", "/dev/hdisk1"]);
    // The hold keeps the volume tracked.
    let l = list_store(&s).load().unwrap();
    assert!(matches!(
        l.devices["/dev/hdisk2"].hold,
        Some(Hold::Tracking { .. })
    ));
    assert_eq!(trk_row(&s)[3], "executing");
    let out = sok(&s, "swstcanceltrk", &["-copy", "/dev/hdisk1", "-all"]);
    assert_eq!(out, "/dev/hdisk1 swstcanceltrk completed.\n");
    assert_eq!(
        trk_row(&s),
        ["job2", "/dev/hdisk1", "----", "----", "----", "----"]
    );
    let ex = sok(&s, "swstexecstat", &["/dev/hdisk1"]);
    assert_eq!(tokens(&ex)[1].last().unwrap(), "----");
    // The volume is free again: a synchronous processing can take it.
    set_rate(&s, Rate::Unlimited);
    sok(&s, "swststartsync", &["/dev/hdisk1"]);
}

#[test]
fn emergency_leaves_the_session_and_clears_the_hold() {
    let s = setup(2);
    sok(&s, "swstbackup", &["-T", "/dev/hdisk1"]);
    wait_tracking(&s);
    sok(&s, "swsthistdel", &["-z", "/dev/hdisk1"]);
    sok(
        &s,
        "swstcanceltrk",
        &["-emergency", "/dev/hdisk1", "-bd", "/dev/hdisk2"],
    );
    let l = list_store(&s).load().unwrap();
    assert_eq!(l.devices["/dev/hdisk2"].hold, None);
    // The QuickOPC session is still on the array: an EC to the volume collides.
    srefused(&s, "swststartsync", &["/dev/hdisk1"], "swst0719", 1);
}

/// Runs `cmd` with the simulator's clock fixed at `secs`; expects success.
fn at_clock(s: &Scratch, secs: u64, cmd: &str, args: &[&str]) -> String {
    let out = s
        .cmd(&common::bin(cmd))
        .env("ACMSIM_CLOCK", secs.to_string())
        .args(args)
        .output()
        .unwrap();
    acm_testkit::assert_no_panic(&out);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// DELAY counts days on the clock the dates are written with: with
/// `ACMSIM_CLOCK` fixed in 2000, a backup dated 2000/11/12 with a 3-day interval
/// is OK until the end of 2000/11/15 (UTC) and 7 days late on 2000/11/22,
/// whatever the system clock says.
#[test]
fn execstat_delay_counts_on_the_simulator_clock() {
    let s = setup(2);
    set_rate(&s, Rate::Unlimited);
    ok(&s, "swstbkpolset", &["-i", "3", "/dev/hdisk1"]);
    const T: u64 = 974_066_400; // 2000/11/12 22:00 UTC
    const DAY: u64 = 86_400;
    at_clock(&s, T, "swstbackup", &["/dev/hdisk1"]);
    for (now, want) in [
        (T, "OK"),
        (T + 3 * DAY + 7_199, "OK"),
        (T + 3 * DAY + 7_200, "DELAY=1"),
        (T + 10 * DAY, "DELAY=7"),
    ] {
        let out = at_clock(&s, now, "swstexecstat", &["/dev/hdisk1"]);
        let row = &tokens(&out)[1];
        assert_eq!(row[2..5], ["2000/11/12", "22:00", want], "at {now}: {out}");
    }
}

#[test]
fn execstat_shows_running_commands_and_the_interval() {
    let s = setup(3);
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk3"]);
    // Backed up 10 days ago with a 3-day interval: DELAY=7.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let day = (secs / 86_400) as i64 - 10;
    let (y, m, d) = civil(day);
    let date = format!("{y:04}/{m:02}/{d:02} 12:00");
    ok(&s, "swstbkpolset", &["-i", "3", "/dev/hdisk1"]);
    edit_list(&s, |l| {
        l.history.insert(
            "/dev/hdisk1".into(),
            vec![Generation {
                version: 1,
                date: date.clone(),
                backup_volume: "/dev/hdisk2".into(),
                kind: BackupKind::Opc,
            }],
        );
    });
    let held = acm_testkit::retry(|| {
        exclusion::enter_at(&data_dir(&s), "swstrestore", Some("/dev/hdisk1"))
    })
    .unwrap();
    let out = sok(&s, "swstexecstat", &[]);
    let t = tokens(&out);
    assert_eq!(
        t[0],
        [
            "Server",
            "Device",
            "Last-Backup-Date",
            "Interval",
            "Status",
            "Mount-Point",
            "(Method)",
            "Execute"
        ]
    );
    let delay = t[1][4].clone();
    assert!(
        delay == "DELAY=7" || delay == "DELAY=6" || delay == "DELAY=8",
        "{out}"
    );
    assert_eq!(
        t[1][0..4],
        ["job2", "/dev/hdisk1", &date[..10], &date[11..]]
    );
    assert_eq!(t[1][5..], ["EXEC", "----", "(----)", "swstrestore"]);
    assert_eq!(
        t[2],
        [
            "job2",
            "/dev/hdisk3",
            "----",
            "OK",
            "IDLE",
            "----",
            "(----)",
            "----"
        ]
    );
    assert_aligned(
        &out,
        &[
            "Server",
            "Device",
            "Last-Backup-Date",
            "Interval",
            "Status",
            "Mount-Point (Method)",
            "Execute",
        ],
    );
    let out = sok(&s, "swstexecstat", &["-j", "/dev/hdisk1"]);
    let t = tokens(&out);
    assert_eq!(
        t[0],
        [
            "Server",
            "Device",
            "Execute-Date",
            "Status",
            "Mount-Point",
            "(Method)",
            "Execute"
        ]
    );
    assert_eq!(
        t[1],
        [
            "job2",
            "/dev/hdisk1",
            &date[..10],
            &date[11..],
            "EXEC",
            "----",
            "(----)",
            "swstrestore"
        ]
    );
    assert_eq!(t.len(), 2);
    drop(held);
    // A command for all volumes (no device) marks every one.
    let held =
        acm_testkit::retry(|| exclusion::enter_at(&data_dir(&s), "swstbkpolset", None)).unwrap();
    let t = tokens(&sok(&s, "swstexecstat", &[]));
    assert_eq!(t[2][4..], ["EXEC", "----", "(----)", "swstbkpolset"]);
    drop(held);
    let t = tokens(&sok(&s, "swstexecstat", &["/dev/hdisk1"]));
    assert_eq!(t[1][5..], ["IDLE", "----", "(----)", "----"]);
}

fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}
