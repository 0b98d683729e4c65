//! `acmsim` as an operator and the other tests use it.

use acm_testkit::{assert_no_panic, common_tests, Program, Scratch};
use assert_cmd::Command;
use std::path::PathBuf;

struct Acmsim;

impl Program for Acmsim {
    fn name() -> &'static str {
        "acmsim"
    }
    fn path() -> PathBuf {
        acm_testkit::bin("acmsim")
    }
    fn help_mentions() -> &'static str {
        "simulated ETERNUS array"
    }
    fn missing_operand_args() -> Vec<&'static str> {
        vec!["box", "create"]
    }
}

common_tests!(Acmsim);

#[test]
fn the_simulator_console_is_the_only_program_of_its_package() {
    acm_testkit::assert_covers(&[Acmsim::name()], &[acm_core::program::Package::Simulator]);
}

fn sim(s: &Scratch) -> Command {
    s.cmd(&Acmsim::path())
}

fn ok(s: &Scratch, args: &[&str]) -> String {
    let out = sim(s).args(args).output().unwrap();
    assert_no_panic(&out);
    assert!(
        out.status.success(),
        "acmsim {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs and expects a refusal with message ID `id` and exit status `code`.
fn refused(s: &Scratch, args: &[&str], id: &str, code: i32) -> String {
    let out = sim(s).args(args).output().unwrap();
    assert_no_panic(&out);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "acmsim {args:?}: {err}");
    assert!(err.contains(id), "acmsim {args:?}: expected {id} in {err}");
    err
}

/// Box B1 with four 4 MiB LUNs attached as hdisk1-4, copies paused.
fn host(s: &Scratch) {
    ok(s, &["box", "create", "B1"]);
    ok(s, &["lun", "create", "B1", "--size", "4M", "--count", "4"]);
    for i in 0..4 {
        ok(
            s,
            &[
                "host",
                "attach",
                "B1",
                &i.to_string(),
                &format!("/dev/hdisk{}", i + 1),
            ],
        );
    }
    ok(s, &["rate", "B1", "paused"]);
}

fn checksum(s: &Scratch, dev: &str) -> String {
    ok(s, &["checksum", dev])
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn box_and_lun_creation_print_what_scripts_parse() {
    let s = Scratch::new();
    let id = ok(&s, &["box", "create", "B1"]);
    assert_eq!(id.trim().len(), 40, "{id}");
    let out = ok(&s, &["lun", "create", "B1", "--size", "1M", "--count", "3"]);
    let olus: Vec<&str> = out
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(olus, ["0", "1", "2"]);
    let out = ok(&s, &["lun", "create", "B1", "--size", "2M", "--sdv"]);
    assert!(out.starts_with("3 "), "{out}");
    assert!(ok(&s, &["box", "list"]).contains(id.trim()));
    assert!(ok(&s, &["lun", "list", "B1"]).contains("3 2097152 2.0Mbyte sdv"));
}

#[test]
fn refusals_have_ids_and_statuses() {
    let s = Scratch::new();
    refused(
        &s,
        &["lun", "create", "NOBOX", "--size", "1M"],
        "SIM1002",
        1,
    );
    ok(&s, &["box", "create", "B1"]);
    refused(&s, &["box", "create", "B1"], "SIM1003", 1);
    refused(&s, &["box", "create", "bad/name"], "SIM1001", 1);
    refused(&s, &["lun", "create", "B1", "--size", "1000"], "SIM1001", 1);
    refused(
        &s,
        &["lun", "create", "B1", "--size", "lots"],
        "not a size",
        2,
    );
    refused(&s, &["rate", "B1", "fast"], "SIM1001", 1);
    refused(&s, &["checksum", "/dev/hdisk9"], "SIM1004", 1);
    refused(
        &s,
        &["host", "attach", "B1", "7", "/dev/hdisk1"],
        "SIM1001",
        1,
    );
    ok(&s, &["lun", "create", "B1", "--size", "1M"]);
    refused(&s, &["host", "attach", "B1", "0", "/dev/sda"], "SIM1004", 1);
}

#[test]
fn write_and_checksum_are_deterministic_and_go_through_the_array() {
    let s = Scratch::new();
    host(&s);
    ok(&s, &["write", "/dev/hdisk1", "--seed", "5"]);
    ok(
        &s,
        &["write", "/dev/hdisk2", "--seed", "5", "--length", "1M"],
    );
    ok(
        &s,
        &["write", "/dev/hdisk2", "--seed", "5", "--offset", "1M"],
    );
    assert_eq!(checksum(&s, "/dev/hdisk1"), checksum(&s, "/dev/hdisk2"));
    // The checksum is the SHA-256 of the pattern, computed independently here.
    let mut data = vec![0u8; 4 << 20];
    acm_host::pattern::fill(5, 0, &mut data);
    let mut dev = acm_host::HostDevice::new("mem", vec![Box::new(acm_host::MemDisk(data))]);
    assert_eq!(
        checksum(&s, "/dev/hdisk1"),
        acm_host::pattern::checksum(&mut dev).unwrap()
    );
    // An unaligned write reaches exactly its bytes.
    ok(
        &s,
        &[
            "write",
            "/dev/hdisk2",
            "--seed",
            "9",
            "--offset",
            "1000",
            "--length",
            "3",
        ],
    );
    assert_ne!(checksum(&s, "/dev/hdisk1"), checksum(&s, "/dev/hdisk2"));
    ok(
        &s,
        &[
            "write",
            "/dev/hdisk2",
            "--seed",
            "5",
            "--offset",
            "1000",
            "--length",
            "3",
        ],
    );
    assert_eq!(checksum(&s, "/dev/hdisk1"), checksum(&s, "/dev/hdisk2"));
}

#[test]
fn volume_groups_and_mounts() {
    let s = Scratch::new();
    host(&s);
    ok(
        &s,
        &["host", "vg", "create", "vg01", "/dev/hdisk1", "/dev/hdisk2"],
    );
    ok(
        &s,
        &["host", "lv", "vg01", "lv01", "--mount-point", "/mnt/a"],
    );
    ok(&s, &["host", "mount", "lv01"]);
    refused(&s, &["host", "vg", "varyoff", "vg01"], "SIM1004", 1);
    refused(&s, &["host", "detach", "/dev/hdisk1"], "SIM1004", 1);
    let list = ok(&s, &["host", "list"]);
    assert!(
        list.contains("vg /dev/vg01 active /dev/hdisk1,/dev/hdisk2"),
        "{list}"
    );
    assert!(list.contains("mount /mnt/a /dev/lv01"), "{list}");
    // A two-disk volume group is 8 MiB, written across both disks.
    ok(&s, &["write", "/dev/vg01", "--seed", "3"]);
    ok(&s, &["host", "umount", "/mnt/a"]);
    ok(&s, &["host", "vg", "varyoff", "vg01"]);
}

#[test]
fn opc_through_the_console_with_paused_and_resumed_copy() {
    let s = Scratch::new();
    host(&s);
    ok(&s, &["write", "/dev/hdisk1", "--seed", "1"]);
    let before = checksum(&s, "/dev/hdisk1");
    let id = ok(&s, &["copy", "start", "opc", "/dev/hdisk1", "/dev/hdisk2"]);
    assert_eq!(id.trim(), "1");
    ok(
        &s,
        &["write", "/dev/hdisk1", "--seed", "2", "--length", "64K"],
    );
    let list = ok(&s, &["copy", "list", "/dev/hdisk2"]);
    assert!(
        list.contains("1 Opc B1:0 B1:1 Copying Active 1% 0 -"),
        "{list}"
    );
    assert_eq!(checksum(&s, "/dev/hdisk2"), before);
    assert_eq!(
        ok(&s, &["advance", "B1", "--bytes", "1M"]).trim(),
        "B1 1048576 bytes copied"
    );
    assert!(ok(&s, &["sessions", "B1"]).contains("26%"));
    ok(&s, &["advance", "B1", "--all"]);
    assert_eq!(
        ok(&s, &["copy", "list", "/dev/hdisk2"]).lines().count(),
        1,
        "OPC is over"
    );
    assert_eq!(checksum(&s, "/dev/hdisk2"), before);
}

#[test]
fn faults_show_in_sessions_and_refusals() {
    let s = Scratch::new();
    host(&s);
    ok(&s, &["write", "/dev/hdisk1", "--seed", "1"]);
    ok(&s, &["fault", "badsector", "B1", "0", "4000"]);
    refused(&s, &["checksum", "/dev/hdisk1"], "SIM1004", 1);
    ok(&s, &["copy", "start", "opc", "/dev/hdisk1", "/dev/hdisk2"]);
    ok(&s, &["advance", "B1", "--all"]);
    assert!(ok(&s, &["copy", "list", "/dev/hdisk1"]).contains("ErrorSuspend(BadSector)"));
    // Writing the sector repairs it.
    ok(
        &s,
        &[
            "write",
            "/dev/hdisk1",
            "--seed",
            "1",
            "--offset",
            "2048000",
            "--length",
            "512",
        ],
    );
    ok(&s, &["checksum", "/dev/hdisk1"]);

    ok(&s, &["copy", "start", "ec", "/dev/hdisk3", "/dev/hdisk4"]);
    refused(
        &s,
        &["write", "/dev/hdisk4", "--seed", "1"],
        "write protected",
        1,
    );
    ok(&s, &["fault", "hwerror", "B1", "3"]);
    assert!(ok(&s, &["sessions", "B1", "--olu", "2"]).contains("ErrorSuspend(Other)"));
    ok(&s, &["fault", "unobtainable", "B1", "on"]);
    refused(&s, &["copy", "list", "/dev/hdisk3"], "SIM1005", 1);
    ok(&s, &["fault", "unobtainable", "B1", "off"]);
}

#[test]
fn damaged_or_foreign_state_is_named_not_panicked() {
    let s = Scratch::new();
    ok(&s, &["box", "create", "B1"]);
    acm_sim::store::stamp_version(&s.sim_home(), 99).unwrap();
    let err = refused(&s, &["box", "list"], "SIM1006", 1);
    assert!(
        err.contains("array.redb") && err.contains("version 99"),
        "{err}"
    );
    let state = acm_sim::store::store_path(&s.sim_home());
    std::fs::write(&state, b"{trunc").unwrap();
    let err = refused(&s, &["box", "list"], "SIM1006", 1);
    assert!(err.contains("damaged"), "{err}");
}

#[test]
fn rec_between_two_boxes_survives_a_link_outage() {
    let s = Scratch::new();
    host(&s);
    ok(&s, &["box", "create", "B2"]);
    ok(&s, &["lun", "create", "B2", "--size", "4M"]);
    ok(&s, &["host", "attach", "B2", "0", "/dev/hdisk9"]);
    ok(&s, &["write", "/dev/hdisk1", "--seed", "4"]);
    refused(
        &s,
        &["copy", "start", "rec", "/dev/hdisk1", "/dev/hdisk9"],
        "SIM1005",
        1,
    );
    ok(&s, &["path", "B1", "B2", "up"]);
    ok(
        &s,
        &[
            "copy",
            "start",
            "rec",
            "/dev/hdisk1",
            "/dev/hdisk9",
            "--transfer",
            "sync",
        ],
    );
    ok(&s, &["advance", "B1", "--all"]);
    ok(&s, &["path", "B1", "B2", "down"]);
    assert!(ok(&s, &["copy", "list", "/dev/hdisk9"]).contains("Halt(Equivalent)"));
    ok(
        &s,
        &["write", "/dev/hdisk1", "--seed", "6", "--length", "100K"],
    );
    assert_ne!(checksum(&s, "/dev/hdisk1"), checksum(&s, "/dev/hdisk9"));
    ok(&s, &["path", "B1", "B2", "up"]);
    ok(&s, &["advance", "B1", "--all"]);
    assert_eq!(checksum(&s, "/dev/hdisk1"), checksum(&s, "/dev/hdisk9"));
}

/// A disk recorded with a device node is reached with SG_IO on that node,
/// never through the simulator: a node that is not a SCSI device is a clear
/// refusal naming it, both when attaching and when the disk is used.
#[test]
fn a_disk_on_a_device_node_goes_through_sg_io() {
    let s = Scratch::new();
    host(&s);
    let host = || {
        acm_host::HostStore::open_at(s.root().join("var/opt/acmsim-host"))
            .load()
            .unwrap()
    };
    let before = host();
    let e = refused(
        &s,
        &["host", "attach-node", "/dev/hdisk9", "/dev/null"],
        "SIM1004",
        1,
    );
    assert!(e.contains("/dev/null") && e.contains("SCSI"), "{e}");
    assert_eq!(host(), before, "nothing attached");
    // hdisk1 is LUN 0 of B1; record it as reached through a device node, the
    // way a disk of a real array is recorded, and the simulator is left aside.
    acm_host::HostStore::open_at(s.root().join("var/opt/acmsim-host"))
        .update(|h| {
            h.disks.get_mut("/dev/hdisk1").unwrap().node = Some("/dev/null".into());
            Ok(())
        })
        .unwrap();
    for args in [
        vec!["checksum", "/dev/hdisk1"],
        vec!["write", "/dev/hdisk1", "--seed", "1", "--length", "4096"],
    ] {
        let e = refused(&s, &args, "SIM1004", 1);
        assert!(e.contains("SG_IO on /dev/null"), "{args:?}: {e}");
    }
    // The other disks are still the simulated box's.
    ok(&s, &["checksum", "/dev/hdisk2"]);
}

/// Two boxes, four LUNs on the host, an OPC within a box and a REC between
/// the boxes, with copies paused so the percentages are fixed.
fn pictured_scene(s: &Scratch) {
    ok(s, &["box", "create", "BOX1"]);
    ok(s, &["box", "create", "BOX2"]);
    ok(
        s,
        &["lun", "create", "BOX1", "--size", "64M", "--count", "3"],
    );
    ok(s, &["lun", "create", "BOX2", "--size", "64M"]);
    ok(s, &["path", "BOX1", "BOX2", "up"]);
    ok(s, &["rate", "BOX1", "paused"]);
    for (box_name, olu, dev) in [
        ("BOX1", "0", "/dev/hdisk1"),
        ("BOX1", "1", "/dev/hdisk2"),
        ("BOX1", "2", "/dev/hdisk3"),
        ("BOX2", "0", "/dev/hdisk4"),
    ] {
        ok(s, &["host", "attach", box_name, olu, dev]);
    }
    ok(s, &["copy", "start", "opc", "/dev/hdisk1", "/dev/hdisk2"]);
    ok(s, &["copy", "start", "rec", "/dev/hdisk1", "/dev/hdisk4"]);
}

#[test]
fn show_prints_every_box_lun_disk_and_session() {
    let s = Scratch::new();
    pictured_scene(&s);
    let out = ok(&s, &["show"]);
    let t = acm_testkit::tokens(&out);
    assert_eq!(t[0], ["Box", "OLU", "Size", "Kind", "Host"]);
    assert_eq!(t[1], ["BOX1", "0", "64.0Mbyte", "standard", "/dev/hdisk1"]);
    assert_eq!(t[4], ["BOX2", "0", "64.0Mbyte", "standard", "/dev/hdisk4"]);
    let sessions = out.split("\n\n").nth(1).expect("a session table");
    let t = acm_testkit::tokens(sessions);
    assert_eq!(
        t[0],
        [
            "Session",
            "Type",
            "Source",
            "Destination",
            "State",
            "Copied"
        ]
    );
    assert_eq!(t[1], ["BOX1#1", "OPC", "BOX1:0", "BOX1:1", "copying", "0%"]);
    assert_eq!(t[2][1..4], ["REC", "BOX1:0", "BOX2:0"]);
    assert_eq!(t.len(), 3);
}

/// Renders an SVG file with headless Chromium; the PNG's bytes.
fn render(svg: &std::path::Path, dir: &std::path::Path, name: &str) -> Option<Vec<u8>> {
    let png = dir.join(format!("{name}.png"));
    let profile = dir.join(format!("{name}-profile"));
    let out = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1000,300",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", svg.display()))
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    std::fs::read(&png).ok()
}

#[test]
fn show_svg_draws_the_array_and_a_browser_renders_it() {
    let s = Scratch::new();
    pictured_scene(&s);
    let svg = s.path().join("array.svg");
    ok(&s, &["show", "--svg", &svg.to_string_lossy()]);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg "), "{}", &text[..80.min(text.len())]);
    assert!(text.contains(">BOX1</text>") && text.contains(">BOX2</text>"));
    assert_eq!(
        text.matches("marker-end=").count(),
        2,
        "one arrow per session"
    );
    assert!(text.contains("OPC copying, 0%") && text.contains("REC copying, 0%"));
    // The same size of picture with nothing in it, to compare with.
    let blank = s.path().join("blank.svg");
    std::fs::write(
        &blank,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="250"><rect width="100%" height="100%" fill="#ffffff"/></svg>"##,
    )
    .unwrap();
    let have = std::process::Command::new("sh")
        .args(["-c", "command -v chromium"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        acm_testkit::missing_prerequisite("chromium (Debian's package) to render the SVG");
        return;
    }
    let drawn = render(&svg, s.path(), "drawn").expect("chromium renders the picture");
    let empty = render(&blank, s.path(), "blank").expect("chromium renders a blank page");
    assert!(drawn.starts_with(b"\x89PNG"), "a PNG");
    // Boxes, LUNs, arrows and text compress far worse than a white page.
    assert!(
        drawn.len() > 3 * empty.len(),
        "the picture is not empty: {} bytes against {} for a blank one",
        drawn.len(),
        empty.len()
    );
}

#[test]
fn block_disk_commands_refuse_simulated_disks() {
    let s = Scratch::new();
    host(&s);
    let err = refused(&s, &["host", "blockdev", "/dev/hdisk1"], "SIM1004", 1);
    assert!(err.contains("/dev/hdisk1 is not a block disk"), "{err}");
    let mp = s.path().join("m").to_string_lossy().into_owned();
    let err = refused(
        &s,
        &["host", "mount", "/dev/hdisk1", &mp, "-o", "ro"],
        "SIM1001",
        1,
    );
    assert!(
        err.contains("mount options apply to block disks only"),
        "{err}"
    );
    // A simulated mount freezes and thaws as a no-op, and says so.
    ok(&s, &["host", "mount", "/dev/hdisk1", &mp]);
    let out = ok(&s, &["host", "freeze", &mp]);
    assert!(out.contains("a simulated mount"), "{out}");
    let out = ok(&s, &["host", "thaw", &mp]);
    assert!(out.contains("a simulated mount"), "{out}");
    refused(&s, &["host", "freeze", "/not/mounted"], "SIM1004", 1);
    let err = refused(&s, &["host", "freeze", &mp, "--limit", "0"], "SIM1001", 1);
    assert!(err.contains("--limit"), "{err}");
    // Nothing is stale where nothing is a block disk.
    assert!(ok(&s, &["host", "recover"]).contains("no stale block disk"));
    // A block disk cannot be asked of a LUN that is not there.
    let err = refused(
        &s,
        &["host", "attach", "B1", "9", "/dev/hdisk9", "--block"],
        "SIM1001",
        1,
    );
    assert!(err.contains("no LUN 9"), "{err}");
}
