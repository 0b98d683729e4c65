//! Chapter 4 of the manual end to end: backup with the Suspend/Resume function and
//! several backup volumes per transaction volume (4.4-4.5), run command by command
//! as the manual describes it, with the outputs checked in the shape of the
//! manual's examples and the data checked through the simulated array.
//!
//! The manual's `/dev/vg01` is a single-disk volume group on `/dev/hdisk1`; its
//! backup volumes are `/dev/hdisk2`..`/dev/hdisk4` (save number 2, so 2 + 1 backup
//! volumes as 4.2's Point asks).

use crate::common;

use acm_backup::copy::Pair;
use acm_backup::list::Hold;
use acm_host::pattern::checksum;
use acm_sim::state::Rate;
use acm_testkit::Scratch;
use common::*;
use std::time::{Duration, Instant};

const TD: &str = "/dev/vg01";
const KIB: u64 = 1024;

// ----- data through the simulated array (the environment is process-wide) -----

fn sum(s: &Scratch, dev: &str) -> String {
    checksum(&mut device(s, dev)).unwrap()
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

/// Lets the (paused) box copy `bytes` more.
fn advance(s: &Scratch, bytes: u64) {
    let mut a = acm_sim::Array::open(&s.sim_home()).unwrap();
    let bid = a.bid_by_name("B1").unwrap();
    a.advance(&bid, bytes).unwrap();
    a.commit().unwrap();
}

/// The session copying `from` into `to`, as backup management sees it.
fn pair(s: &Scratch, from: &str, to: &str) -> Pair {
    let l = list_store(s).load().unwrap();
    let (f, t) = (
        l.devices[from].box_info.clone(),
        l.devices[to].box_info.clone(),
    );
    with_env(s, || acm_backup::copy::pair(&f, &t).unwrap())
}

fn copied_bytes(s: &Scratch, from: &str, to: &str) -> u64 {
    match pair(s, from, to) {
        Pair::Session(x) => x.copied_bytes,
        other => panic!("no session {from} -> {to}: {other:?}"),
    }
}

// ----- output shapes -----

const SYNC_HEADER: [&str; 5] = [
    "Server",
    "Transaction-Disk",
    "Backup-Disk",
    "Status",
    "Execute",
];

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// `swstsyncstat TD`: checks the header and alignment, returns the rows.
fn syncstat(s: &Scratch) -> Vec<Vec<String>> {
    let out = ok(s, "swstsyncstat", &[TD]);
    let t = tokens(&out);
    assert_eq!(t[0], strs(&SYNC_HEADER), "{out}");
    assert_aligned(&out, &SYNC_HEADER);
    t[1..].to_vec()
}

fn sync_row(bd: &str, status: &str, exec: &str) -> Vec<String> {
    strs(&["job2", TD, bd, status, exec])
}

/// Polls `swstsyncstat` until `bd` is `equivalent 100%` (swstsyncstat is the
/// manual's way to wait for the equivalency maintenance status).
fn wait_equivalent(s: &Scratch, bd: &str) -> Vec<Vec<String>> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let rows = syncstat(s);
        if rows.contains(&sync_row(bd, "equivalent", "100%")) {
            return rows;
        }
        assert!(Instant::now() < deadline, "{bd} never equivalent: {rows:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn is_date(d: &str, t: &str) -> bool {
    let dd: Vec<&str> = d.split('/').collect();
    let tt: Vec<&str> = t.split(':').collect();
    dd.len() == 3
        && [4, 2, 2] == [dd[0].len(), dd[1].len(), dd[2].len()]
        && tt.len() == 2
        && tt.iter().all(|x| x.len() == 2)
        && d.chars()
            .chain(t.chars())
            .all(|c| c.is_ascii_digit() || c == '/' || c == ':')
}

/// `swsthistdisp TD` as `(generation, version, backup disk, status, execute)` rows,
/// with the manual's block header and date shape checked.
fn histdisp(s: &Scratch) -> Vec<(u64, u64, String, String, String)> {
    let out = ok(s, "swsthistdisp", &[TD]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!("Server=job2 Device={TD} Mount-Point=---- (----)")
    );
    // Without history the block header stands alone.
    if lines.len() == 1 {
        return Vec::new();
    }
    let head = [
        "Generation",
        "Version",
        "Backup-Date",
        "Backup-Disk",
        "Status",
        "Execute",
    ];
    assert_eq!(tokens(lines[1])[0], strs(&head));
    if lines.len() > 2 {
        assert_aligned(&lines[1..].join("\n"), &head);
    }
    lines[2..]
        .iter()
        .map(|l| {
            let r: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(r.len(), 7, "{out}");
            assert!(is_date(r[2], r[3]), "date shape: {l}");
            (
                r[0].parse().unwrap(),
                r[1].parse().unwrap(),
                r[4].to_string(),
                r[5].to_string(),
                r[6].to_string(),
            )
        })
        .collect()
}

fn gen(g: u64, v: u64, bd: &str) -> (u64, u64, String, String, String) {
    (g, v, bd.into(), "succeeded".into(), "----".into())
}

/// Device-Mode of one backup volume from `swstdevdisp -b [-u] BD`.
fn mode(s: &Scratch, bd: &str, detail: bool) -> String {
    let mut args = vec!["-b"];
    if detail {
        args.push("-u");
    }
    args.push(bd);
    let out = ok(s, "swstdevdisp", &args);
    let line = out.lines().nth(1).unwrap_or_else(|| panic!("{out}"));
    let t: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(t[0..2], ["job2", bd], "{out}");
    assert_eq!(
        t[t.len() - 3..],
        ["----", "(----)", "AdvancedCopy"],
        "{out}"
    );
    // `Backup (free)`, `Backup (used)`, `Backup (used-S)`: the two words after the size.
    format!("{} {}", t[4], t[5])
}

fn execute_of(s: &Scratch) -> String {
    let out = ok(s, "swstexecstat", &[TD]);
    let t = tokens(&out);
    assert_eq!(t[1][0..2], ["job2", TD]);
    t[1].last().unwrap().clone()
}

fn backup_suspend(s: &Scratch) {
    assert_eq!(
        ok(s, "swstbackup", &["-suspend", TD]),
        format!("{TD} swstbackup completed\n")
    );
}

fn startsync(s: &Scratch) {
    assert_eq!(
        ok(s, "swststartsync", &[TD]),
        format!("{TD} swststartsync completed.\n")
    );
}

// ----- set-up (4.4) -----

fn prepared() -> Scratch {
    let s = configured(5);
    host_update(&s, |h| h.create_vg(TD, &["/dev/hdisk1"]).map(|_| ()));
    assert_eq!(ok(&s, "swstsvrdisp", &[]), "Storage-Server = job2\n");
    assert_eq!(
        ok(&s, "swstdevinfoset", &["-t", TD]),
        "swstdevinfoset completed\n"
    );
    for bd in ["/dev/hdisk2", "/dev/hdisk3", "/dev/hdisk4"] {
        ok(&s, "swstdevinfoset", &["-b", bd]);
    }
    assert_eq!(
        ok(&s, "swstbkpolset", &["-s", "2", TD]),
        format!("{TD} swstbkpolset completed\n")
    );
    assert_eq!(
        tokens(&ok(&s, "swstbkpoldisp", &[TD]))[1],
        strs(&["job2", TD, "30", "2", "----", "(----)"])
    );
    set_rate(&s, Rate::Unlimited);
    s
}

// ----- the flow -----

/// 4.5: start → equivalent → backup -suspend, over and over, with the generations
/// rotating; the suspended volumes without history are resumed with a differential
/// copy; history deletion keeps the sessions (used-S); cancel with -bd and -all;
/// restore after cancelling all synchronous processing (8.1.2.3's example).
#[test]
fn suspend_resume_with_several_backup_volumes() {
    let s = prepared();
    let (b2, b3, b4) = ("/dev/hdisk2", "/dev/hdisk3", "/dev/hdisk4");
    // Writes between the backups, grain aligned (64 KiB grains) and disjoint, so the
    // differential copies can be counted: A, B, C, D.
    let (a, b, c, d) = (
        (0, 256 * KIB),
        (1 << 20, 128 * KIB),
        (2 << 20, 64 * KIB),
        (3 << 20, 192 * KIB),
    );
    write(&s, TD, 1, 0, LUN);
    assert_eq!(
        tokens(&ok(&s, "swstsyncstat", &[]))[1],
        strs(&["job2", TD, "----", "----", "----"])
    );

    // 1) Synchronous processing started: no suspended volume, a full copy to hdisk2.
    startsync(&s);
    assert_eq!(
        wait_equivalent(&s, b2),
        [sync_row(b2, "equivalent", "100%")]
    );
    assert_eq!(copied_bytes(&s, TD, b2), LUN, "full copy");
    assert_eq!(
        mode(&s, b2, true),
        "Backup (used)",
        "synchronous processing uses it"
    );
    assert_eq!(execute_of(&s), "sync(100%)");
    assert_eq!(
        sum(&s, b2),
        sum(&s, TD),
        "equivalency: the BD mirrors the TD"
    );
    // 2) Backup with the suspend specification.
    let s1 = sum(&s, TD);
    backup_suspend(&s);
    assert_eq!(syncstat(&s), [sync_row(b2, "suspend", "----")]);
    assert_eq!(execute_of(&s), "----", "a suspended EC shows no operation");
    assert_eq!(histdisp(&s), [gen(1, 1, b2)]);
    assert_eq!(
        tokens(&ok(&s, "swstbackstat", &[TD]))[1],
        strs(&["job2", TD, b2, "succeeded", "----"])
    );
    assert_eq!(mode(&s, b2, false), "Backup (used)");

    // 3) Data updated; synchronous processing started again. The suspended hdisk2
    //    has history: it is not resumed, the free hdisk3 is taken (full copy). The
    //    manual's example (suspend ----, executing 75%), with the copy paused.
    write(&s, TD, 2, a.0, a.1);
    let s2 = sum(&s, TD);
    set_rate(&s, Rate::Paused);
    startsync(&s);
    advance(&s, LUN * 3 / 4);
    assert_eq!(
        syncstat(&s),
        [
            sync_row(b2, "suspend", "----"),
            sync_row(b3, "executing", "75%")
        ]
    );
    assert_eq!(execute_of(&s), "sync(75%)");
    // Not yet equivalent: the backup is refused.
    refused(&s, "swstbackup", &["-suspend", TD], "swst1503", 1);
    // Running: a second start is the manual's information message.
    let out = run(&s, "swststartsync", &[TD]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "swst0301 Backup synchronous processing is already in progress.\n"
    );
    // 8.1.2.9's example: cancel the copying one with -bd; the suspended one stays.
    assert_eq!(
        ok(&s, "swstcancelsync", &[TD, "-bd", b3]),
        format!("{TD} swstcancelsync completed.\n")
    );
    assert_eq!(syncstat(&s), [sync_row(b2, "suspend", "----")]);
    assert_eq!(mode(&s, b3, true), "Backup (free)");
    set_rate(&s, Rate::Unlimited);
    startsync(&s);
    wait_equivalent(&s, b3);
    assert_eq!(copied_bytes(&s, TD, b3), LUN, "a free volume: full copy");
    backup_suspend(&s);
    assert_eq!(
        syncstat(&s),
        [
            sync_row(b2, "suspend", "----"),
            sync_row(b3, "suspend", "----")
        ]
    );
    assert_eq!(histdisp(&s), [gen(1, 2, b3), gen(2, 1, b2)]);

    // 4) Again: both suspended volumes hold history, hdisk4 is the free one. The
    //    history is full (save number 2): the oldest is deleted *after* the backup,
    //    and its volume stays suspended without history (used-S).
    write(&s, TD, 3, b.0, b.1);
    let s3 = sum(&s, TD);
    startsync(&s);
    wait_equivalent(&s, b4);
    assert_eq!(copied_bytes(&s, TD, b4), LUN);
    backup_suspend(&s);
    assert_eq!(histdisp(&s), [gen(1, 3, b4), gen(2, 2, b3)]);
    assert_eq!(
        syncstat(&s),
        [
            sync_row(b2, "suspend", "----"),
            sync_row(b3, "suspend", "----"),
            sync_row(b4, "suspend", "----")
        ]
    );
    assert_eq!(mode(&s, b2, false), "Backup (used)");
    assert_eq!(mode(&s, b2, true), "Backup (used-S)");
    assert_eq!(mode(&s, b3, true), "Backup (used)");
    // Each backup volume holds the transaction volume of its backup time.
    assert_eq!(sum(&s, b2), s1);
    assert_eq!(sum(&s, b3), s2);
    assert_eq!(sum(&s, b4), s3);

    // 5) The suspended volume without history is selected first and resumed: only
    //    what changed since its suspension (A, B and now C) is copied.
    write(&s, TD, 4, c.0, c.1);
    let s4 = sum(&s, TD);
    set_rate(&s, Rate::Paused);
    startsync(&s);
    let rows = syncstat(&s);
    assert_eq!(rows[0][2..4], strs(&[b2, "executing"]), "{rows:?}");
    assert_eq!(
        rows[0][4],
        format!("{}%", (LUN - (a.1 + b.1 + c.1)) * 100 / LUN),
        "the resumed copy starts with only the differences pending"
    );
    assert_eq!(mode(&s, b2, true), "Backup (used)");
    set_rate(&s, Rate::Unlimited);
    wait_equivalent(&s, b2);
    assert_eq!(
        copied_bytes(&s, TD, b2),
        a.1 + b.1 + c.1,
        "differential copy"
    );
    assert_eq!(sum(&s, b2), s4);
    backup_suspend(&s);
    assert_eq!(histdisp(&s), [gen(1, 4, b2), gen(2, 3, b4)]);
    assert_eq!(mode(&s, b3, true), "Backup (used-S)");

    // 6) Once more: hdisk3 (suspended at backup 2) catches up B, C and D.
    write(&s, TD, 5, d.0, d.1);
    let s5 = sum(&s, TD);
    startsync(&s);
    wait_equivalent(&s, b3);
    assert_eq!(copied_bytes(&s, TD, b3), b.1 + c.1 + d.1);
    backup_suspend(&s);
    assert_eq!(histdisp(&s), [gen(1, 5, b3), gen(2, 4, b2)]);
    assert_eq!(mode(&s, b4, true), "Backup (used-S)");
    assert_eq!(sum(&s, b2), s4);
    assert_eq!(sum(&s, b3), s5);
    assert_eq!(sum(&s, b4), s3);
    // Suspended: later updates do not reach the backups.
    write(&s, TD, 6, 0, LUN);
    assert_eq!(sum(&s, b3), s5);

    // 7) History deletion (4.5.5): the EC session stays, the volume stays used.
    assert_eq!(
        ok(&s, "swsthistdel", &["-v", "4", TD]),
        format!("{TD} swsthistdel completed\n")
    );
    assert_eq!(histdisp(&s), [gen(1, 5, b3)]);
    assert_eq!(mode(&s, b2, false), "Backup (used)");
    assert_eq!(mode(&s, b2, true), "Backup (used-S)");
    assert!(matches!(pair(&s, TD, b2), Pair::Session(_)));
    let l = list_store(&s).load().unwrap();
    for bd in [b2, b3, b4] {
        assert_eq!(
            l.devices[bd].hold,
            Some(Hold::Suspend {
                transaction: TD.into()
            }),
            "{bd}"
        );
    }

    // 8) Restoring (4.5.6, 8.1.2.3's example): not while EC sessions exist.
    let e = refused(&s, "swstrestore", &[TD], "swst0639", 1);
    assert!(e.contains("swstcancelsync -all"), "{e}");
    assert_eq!(syncstat(&s).len(), 3);
    assert_eq!(
        ok(&s, "swstcancelsync", &["-all", TD]),
        format!("{TD} swstcancelsync completed.\n")
    );
    assert_eq!(syncstat(&s), [sync_row("----", "----", "----")]);
    assert_eq!(
        tokens(&ok(&s, "swstexecstat", &[TD]))[1].last().unwrap(),
        "----"
    );
    // Cancelled with history: the history stays and the volume stays used; without
    // history: the volume is free.
    assert_eq!(histdisp(&s), [gen(1, 5, b3)]);
    assert_eq!(mode(&s, b3, true), "Backup (used)");
    assert_eq!(mode(&s, b2, true), "Backup (free)");
    assert_eq!(mode(&s, b4, true), "Backup (free)");
    assert!(matches!(pair(&s, TD, b2), Pair::None));
    assert_eq!(
        ok(&s, "swstrestore", &[TD]),
        format!("{TD} swstrestore completed\n")
    );
    assert_eq!(sum(&s, TD), s5, "restored to the data of backup 5");
    assert_eq!(
        tokens(&ok(&s, "swstreststat", &[TD]))[1],
        strs(&["job2", TD, "1", "5", b3, "----", "succeeded", "----"])
    );

    // 9) A new cycle after the restore: full copy to a free volume.
    startsync(&s);
    let rows = wait_equivalent(&s, b2);
    assert_eq!(rows, [sync_row(b2, "equivalent", "100%")]);
    assert_eq!(copied_bytes(&s, TD, b2), LUN);
    assert_eq!(
        ok(&s, "swstcancelsync", &[TD]),
        format!("{TD} swstcancelsync completed.\n")
    );
    ok(&s, "swsthistdel", &["-z", TD]);
    assert!(histdisp(&s).is_empty());
    let all = ok(&s, "swstdevdisp", &["-b", "-u"]);
    assert_eq!(all.matches("Backup (free)").count(), 3, "{all}");
}

/// 4.5: a suspended volume whose history was deleted by the generation overflow,
/// and one suspended without history after swsthistdel, are both taken before any
/// free volume; with save number 1 and two backup volumes the pair alternates.
#[test]
fn one_generation_alternates_between_two_volumes() {
    let s = configured(3);
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk1"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk2"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk3"]);
    ok(&s, "swstbkpolset", &["-s", "1", "/dev/hdisk1"]);
    set_rate(&s, Rate::Unlimited);
    let td = "/dev/hdisk1";
    write(&s, td, 10, 0, LUN);
    let mut expect = Vec::new();
    for round in 0..5u64 {
        if round > 0 {
            write(&s, td, 10 + round, round * 512 * KIB, 64 * KIB);
        }
        ok(&s, "swststartsync", &[td]);
        let bd = list_store(&s).load().unwrap().syncs[td][0].clone();
        // Rounds alternate hdisk2, hdisk3, hdisk2, ...
        assert_eq!(bd, format!("/dev/hdisk{}", 2 + round % 2), "round {round}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ok(&s, "swstsyncstat", &[td]).contains("equivalent") {
            assert!(Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(20));
        }
        let copied = copied_bytes(&s, td, &bd);
        if round < 2 {
            assert_eq!(copied, LUN, "round {round}: first use, full copy");
        } else {
            // Changed since its suspension two rounds ago: the last two writes.
            assert_eq!(copied, 2 * 64 * KIB, "round {round}: differential");
        }
        expect.push((bd.clone(), sum(&s, td)));
        ok(&s, "swstbackup", &["-suspend", td]);
        let h = tokens(&ok(&s, "swsthistdisp", &[td]));
        assert_eq!(h.len(), 3, "one generation kept");
        assert_eq!(h[2][1], (round + 1).to_string());
        assert_eq!(h[2][4], bd);
    }
    // The newest two backups are on the two volumes.
    for (bd, want) in &expect[expect.len() - 2..] {
        assert_eq!(&sum(&s, bd), want, "{bd}");
    }
    ok(&s, "swstcancelsync", &[td, "-all"]);
    let out = ok(&s, "swstdevdisp", &["-b", "-u"]);
    assert!(
        out.contains("Backup (used)") && out.contains("Backup (free)"),
        "{out}"
    );
}
