//! The SnapOPC support commands of manual 8.5 against the simulated array:
//! `swstestupdate` counts the 512-byte blocks the host really writes, and
//! `swstsdv stat`/`poolstat` show the capacity that copy-on-write (Copy) and
//! plain host writes (Host) take from a Snap Data Volume and its pool.
//!
//! Box B1: OLU 0 and 1 standard LUNs (`/dev/hdisk1`, `/dev/hdisk2`), OLU 2-9
//! small unattached fillers, OLU 10 a Snap Data Volume (`/dev/hdisk3`, logical =
//! the source's size, 16 grains physical), OLU 11 a second SDV attached nowhere
//! (reached only through the access volume), OLU 12 the access volume
//! (`/dev/hdisk4`). Data is written in this process through the host's data path;
//! the environment it needs is process-wide, so those writes are serialised.

use crate::common;

use acm_backup::copy;
use acm_backup::list::BoxInfo;
use acm_backup::sync::{CopyKind, Status};
use acm_host::{Disk, DiskIo, HostStore};
use acm_sim::state::{LunKind, Sdv};
use acm_testkit::Scratch;
use common::*;

const SRC: &str = "/dev/hdisk1";
const STD: &str = "/dev/hdisk2";
const SDV: &str = "/dev/hdisk3";
const ACCESS: &str = "/dev/hdisk4";
const SDV_OLU: u32 = 10;
const SDV2_OLU: u32 = 11;
const GRAIN: u64 = 64 * 1024;
/// Sectors per grain.
const GS: u64 = GRAIN / 512;
/// Physical capacity of each SDV: 16 grains.
const PHYSICAL: u64 = 16 * GRAIN;

struct World {
    s: Scratch,
    box_id: String,
}

/// The box described above, with a pool of `pool_grains` grains.
fn snap_world(pool_grains: u64) -> World {
    let s = Scratch::new();
    let mut a = acm_sim::Array::open(&s.sim_home()).unwrap();
    let box_id = a.create_box("B1").unwrap();
    let bid = a.bid_by_name("B1").unwrap();
    let sdv = || {
        LunKind::Sdv(Sdv {
            physical_bytes: PHYSICAL,
            allocated: Default::default(),
            copy_grains: 0,
            host_grains: 0,
        })
    };
    assert_eq!(
        a.create_luns(&bid, LUN, 2, LunKind::Standard).unwrap(),
        [0, 1]
    );
    a.create_luns(&bid, GRAIN, 8, LunKind::Standard).unwrap();
    assert_eq!(a.create_luns(&bid, LUN, 1, sdv()).unwrap(), [SDV_OLU]);
    assert_eq!(a.create_luns(&bid, LUN, 1, sdv()).unwrap(), [SDV2_OLU]);
    assert_eq!(
        a.create_luns(&bid, GRAIN, 1, LunKind::Access).unwrap(),
        [12]
    );
    a.admin(&bid, |st| {
        st.pool.capacity_bytes = pool_grains * GRAIN;
        Ok(())
    })
    .unwrap();
    a.commit().unwrap();
    drop(a);
    host_update(&s, |h| {
        for (dev, olu, size) in [
            (SRC, 0, LUN),
            (STD, 1, LUN),
            (SDV, SDV_OLU, LUN),
            (ACCESS, 12, GRAIN),
            // A disk whose LUN the box does not have.
            ("/dev/hdisk5", 99, LUN),
        ] {
            h.attach(
                dev,
                Disk {
                    box_name: "B1".into(),
                    box_id: box_id.clone(),
                    olu,
                    size,
                    vxvm: false,
                    node: None,
                    block: None,
                },
            )?;
        }
        Ok(())
    });
    World { s, box_id }
}

/// Writes `len` bytes at `offset` of `dev` through the host's data path.
fn write(s: &Scratch, dev: &str, offset: u64, len: u64) {
    let r = HostStore::open_at(s.root().join("var/opt/acmsim-host"))
        .load()
        .unwrap()
        .resolve(dev)
        .unwrap();
    with_env(s, || {
        let mut d = acm_host::scsi::open_device(&r).unwrap();
        d.write_at(offset, &vec![0xA5; len as usize]).unwrap();
    });
}

fn info(w: &World, olu: u32) -> BoxInfo {
    BoxInfo {
        box_id: w.box_id.clone(),
        olu,
        start_lba: 0,
        blocks: LUN / 512,
    }
}

fn set_fault(s: &Scratch, olu: u32) {
    let mut a = acm_sim::Array::open(&s.sim_home()).unwrap();
    let bid = a.bid_by_name("B1").unwrap();
    a.set_hardware_fault(&bid, olu, true).unwrap();
    a.commit().unwrap();
}

/// The `swstsdv stat` output for `lun` with these figures (in sectors).
fn stat_text(w: &World, lun: &str, used: u64, copy: u64, host: u64, pool: u64) -> String {
    let physical = PHYSICAL / 512;
    let rows = vec![vec![
        format!("{}%", used * 100 / physical),
        (LUN / 512).to_string(),
        physical.to_string(),
        used.to_string(),
        copy.to_string(),
        host.to_string(),
        pool.to_string(),
    ]];
    format!(
        "BoxID = {}\nLUN = {lun}\n{}",
        w.box_id,
        acm_core::table::table(
            &[
                "Rate",
                "Logical(sector)",
                "Physical(sector)",
                "Used(sector)",
                "Copy(sector)",
                "Host(sector)",
                "Pool(sector)",
            ],
            &rows
        )
    )
}

/// The tokens of the `swstsdv poolstat` row.
fn pool_row(w: &World) -> Vec<String> {
    let out = ok(&w.s, "swstsdv", &["poolstat", "-G", ACCESS]);
    let t = tokens(&out);
    assert_eq!(t.len(), 3, "{out}");
    assert_eq!(t[0], ["BoxID", "=", w.box_id.as_str()]);
    assert_eq!(
        t[1],
        [
            "Pool-Type",
            "Rate",
            "Total(sector)",
            "Used(sector)",
            "Copy(sector)",
            "Host(sector)",
            "Free(sector)"
        ]
    );
    t[2].clone()
}

fn update(s: &Scratch, dev: &str) -> String {
    let out = ok(s, "swstestupdate", &["status", dev]);
    let t = tokens(&out);
    assert_eq!(t.len(), 2, "{out}");
    assert_eq!(t[0], ["Volume-Name", "Update"]);
    assert_eq!(t[1][0], dev);
    t[1][1].clone()
}

// ----- swstestupdate -----

#[test]
fn estupdate_counts_the_blocks_written() {
    let w = snap_world(0);
    let s = &w.s;
    assert_eq!(update(s, SRC), "----");
    refused(s, "swstestupdate", &["stop", SRC], "swst1902", 1);

    assert_eq!(
        ok(s, "swstestupdate", &["start", SRC]),
        "/dev/hdisk1 swstestupdate completed\n"
    );
    assert_eq!(
        ok(s, "swstestupdate", &["status", SRC]),
        "Volume-Name Update\n/dev/hdisk1 0\n"
    );
    refused(s, "swstestupdate", &["start", SRC], "swst1901", 1);

    // 8 + 1 + 384 blocks; rewriting the same blocks counts again.
    write(s, SRC, 0, 4096);
    write(s, SRC, 8192, 512);
    assert_eq!(update(s, SRC), "9");
    write(s, SRC, LUN / 2, 3 * GRAIN);
    write(s, SRC, 0, 4096);
    assert_eq!(update(s, SRC), (9 + 384 + 8).to_string());
    // Writes to another volume are not counted.
    write(s, STD, 0, GRAIN);
    assert_eq!(update(s, SRC), "401");
    assert_eq!(update(s, STD), "----");

    assert_eq!(
        ok(s, "swstestupdate", &["stop", SRC]),
        "/dev/hdisk1 swstestupdate completed\n"
    );
    assert_eq!(
        ok(s, "swstestupdate", &["status", SRC]),
        "Volume-Name Update\n/dev/hdisk1 ----\n"
    );
    refused(s, "swstestupdate", &["stop", SRC], "swst1902", 1);

    // A new measurement starts from zero.
    ok(s, "swstestupdate", &["start", SRC]);
    write(s, SRC, 0, 1024);
    assert_eq!(update(s, SRC), "2");
    ok(s, "swstestupdate", &["stop", SRC]);
}

#[test]
fn estupdate_shows_failed_after_a_hardware_error() {
    let w = snap_world(0);
    ok(&w.s, "swstestupdate", &["start", STD]);
    set_fault(&w.s, 1);
    assert_eq!(update(&w.s, STD), "failed");
    // The failed session is still a session: start refuses, stop removes it.
    refused(&w.s, "swstestupdate", &["start", STD], "swst1901", 1);
    ok(&w.s, "swstestupdate", &["stop", STD]);
    assert_eq!(update(&w.s, STD), "----");
}

#[test]
fn estupdate_refusals() {
    let w = snap_world(0);
    let s = &w.s;
    for sub in ["start", "status", "stop"] {
        refused(s, "swstestupdate", &[sub, "/dev/hdisk99"], "swst1101", 1);
        refused(s, "swstestupdate", &[sub, "/dev/vg99"], "swst1101", 1);
        // Attached, but the box has no such LUN.
        refused(s, "swstestupdate", &[sub, "/dev/hdisk5"], "swst1905", 1);
    }
    refused(s, "swstestupdate", &["begin", SRC], "swst0002", 2);
    refused(s, "swstestupdate", &[SRC, "start"], "swst0002", 2);
    refused(s, "swstestupdate", &["start"], "swst0002", 2);
    refused(s, "swstestupdate", &["start", SRC, STD], "swst0002", 2);
    refused(
        s,
        "swstestupdate",
        &["-G", ACCESS, "start", SRC],
        "swst0002",
        2,
    );
    // Nothing was started by any of them.
    assert_eq!(update(s, SRC), "----");
}

// ----- swstsdv stat / init -----

#[test]
fn sdv_stat_shows_host_usage_and_init_frees_it() {
    let w = snap_world(16);
    let s = &w.s;
    let fresh = stat_text(&w, "10 (0xA)", 0, 0, 0, 0);
    assert_eq!(ok(s, "swstsdv", &["stat", SDV]), fresh);
    assert_eq!(ok(s, "swstsdv", &["stat", "-G", ACCESS, "10"]), fresh);
    assert!(fresh.contains("\n0%   8192            2048  "), "{fresh}");

    // Host writes without a session: 1 grain at 0, 2 grains at 1 MiB; rewriting
    // an allocated grain takes nothing more.
    write(s, SDV, 0, 512);
    write(s, SDV, 1 << 20, 2 * GRAIN);
    write(s, SDV, 4096, 4096);
    let used = 3 * GS;
    let after = stat_text(&w, "10 (0xA)", used, 0, used, 0);
    assert_eq!(ok(s, "swstsdv", &["stat", SDV]), after);
    assert_eq!(ok(s, "swstsdv", &["stat", "-G", ACCESS, "10"]), after);
    assert!(after.contains("\n18%  "), "{after}");
    // The other SDV is untouched; it is reached through the access volume only.
    assert_eq!(
        ok(s, "swstsdv", &["stat", "-G", ACCESS, "11"]),
        stat_text(&w, "11 (0xB)", 0, 0, 0, 0)
    );
    // Nothing came from the pool.
    assert_eq!(
        pool_row(&w),
        ["Normal", "0%", "2048", "0", "0", "0", "2048"]
    );

    assert_eq!(ok(s, "swstsdv", &["init", SDV]), "swstsdv init completed\n");
    assert_eq!(ok(s, "swstsdv", &["stat", SDV]), fresh);

    write(s, SDV, 0, GRAIN);
    assert_eq!(
        ok(s, "swstsdv", &["stat", SDV]),
        stat_text(&w, "10 (0xA)", GS, 0, GS, 0)
    );
    assert_eq!(
        ok(s, "swstsdv", &["init", "-G", ACCESS, "10"]),
        "swstsdv init completed\n"
    );
    assert_eq!(ok(s, "swstsdv", &["stat", "-G", ACCESS, "10"]), fresh);
}

#[test]
fn sdv_stat_shows_copy_usage_of_a_snapopc_session() {
    let w = snap_world(16);
    let s = &w.s;
    let (src, dst) = (info(&w, 0), info(&w, SDV_OLU));
    let id = with_env(s, || copy::start(CopyKind::SnapOpc, &src, &dst).unwrap());
    assert_eq!(
        ok(s, "swstsdv", &["stat", SDV]),
        stat_text(&w, "10 (0xA)", 0, 0, 0, 0)
    );

    // Copy-on-write: the first update of a source grain saves it to the SDV.
    write(s, SRC, 0, 512);
    write(s, SRC, 2 * GRAIN + 4096, GRAIN);
    write(s, SRC, 0, GRAIN);
    let grains = with_env(s, || copy::sessions(&dst).unwrap().unwrap())[0].changed_grains;
    assert_eq!(grains, 3);
    let expect = stat_text(&w, "10 (0xA)", grains * GS, grains * GS, 0, 0);
    assert_eq!(ok(s, "swstsdv", &["stat", SDV]), expect);
    assert_eq!(ok(s, "swstsdv", &["stat", "-G", ACCESS, "10"]), expect);

    // While the session uses the SDV it cannot be initialised, by either form.
    refused(s, "swstsdv", &["init", SDV], "swst1904", 1);
    refused(s, "swstsdv", &["init", "-G", ACCESS, "10"], "swst1904", 1);
    assert_eq!(ok(s, "swstsdv", &["stat", SDV]), expect);

    // Cancelling the session gives its capacity back; then init is allowed.
    with_env(s, || {
        copy::cancel(CopyKind::SnapOpc, &src, id, false).unwrap()
    });
    let fresh = stat_text(&w, "10 (0xA)", 0, 0, 0, 0);
    assert_eq!(ok(s, "swstsdv", &["stat", SDV]), fresh);
    assert_eq!(ok(s, "swstsdv", &["init", SDV]), "swstsdv init completed\n");
    assert_eq!(ok(s, "swstsdv", &["stat", SDV]), fresh);
}

// ----- swstsdv poolstat -----

#[test]
fn pool_exhaustion_shows_in_poolstat_before_the_session_fails() {
    // A pool of 4 grains behind SDVs of 16.
    let w = snap_world(4);
    let s = &w.s;
    assert_eq!(pool_row(&w), ["Normal", "0%", "512", "0", "0", "0", "512"]);
    let out = ok(s, "swstsdv", &["poolstat", "-G", ACCESS]);
    assert_aligned(&out[out.find('\n').unwrap() + 1..], &["Pool-Type", "Rate"]);
    // Any volume of the box will do for -G.
    assert_eq!(
        ok(s, "swstsdv", &["poolstat", "-G", SDV]),
        ok(s, "swstsdv", &["poolstat", "-G", SRC])
    );

    let (src, dst) = (info(&w, 0), info(&w, SDV_OLU));
    with_env(s, || copy::start(CopyKind::SnapOpc, &src, &dst).unwrap());
    let status = || with_env(s, || copy::sessions(&dst).unwrap().unwrap())[0].status;

    // The SDV's own 16 grains first: the pool is untouched.
    write(s, SRC, 0, 16 * GRAIN);
    assert_eq!(pool_row(&w), ["Normal", "0%", "512", "0", "0", "0", "512"]);
    assert_eq!(
        ok(s, "swstsdv", &["stat", SDV]),
        stat_text(&w, "10 (0xA)", 16 * GS, 16 * GS, 0, 0)
    );
    // Two more grains come from the pool.
    write(s, SRC, 16 * GRAIN, 2 * GRAIN);
    assert_eq!(
        pool_row(&w),
        ["Normal", "50%", "512", "256", "256", "0", "256"]
    );
    assert_eq!(
        ok(s, "swstsdv", &["stat", SDV]),
        stat_text(&w, "10 (0xA)", 18 * GS, 18 * GS, 0, 2 * GS)
    );
    // The pool is full and the session still runs.
    write(s, SRC, 18 * GRAIN, 2 * GRAIN);
    assert_eq!(
        pool_row(&w),
        ["Normal", "100%", "512", "512", "512", "0", "0"]
    );
    assert_eq!(status(), Status::Active);
    assert_eq!(
        ok(s, "swstsdv", &["stat", SDV]),
        stat_text(&w, "10 (0xA)", 20 * GS, 20 * GS, 0, 4 * GS)
    );
    // The next copy-on-write has nowhere to go: the session fails.
    write(s, SRC, 20 * GRAIN, GRAIN);
    assert!(
        matches!(status(), Status::ErrorSuspend(_)),
        "{:?}",
        status()
    );
    assert_eq!(
        pool_row(&w),
        ["Normal", "100%", "512", "512", "512", "0", "0"]
    );
}

#[test]
fn host_writes_to_an_sdv_draw_on_the_pool_as_host_usage() {
    let w = snap_world(8);
    let s = &w.s;
    write(s, SDV, 0, 19 * GRAIN);
    assert_eq!(
        pool_row(&w),
        ["Normal", "37%", "1024", "384", "0", "384", "640"]
    );
    assert_eq!(
        ok(s, "swstsdv", &["stat", SDV]),
        stat_text(&w, "10 (0xA)", 19 * GS, 0, 19 * GS, 3 * GS)
    );
    ok(s, "swstsdv", &["init", "-G", ACCESS, "10"]);
    assert_eq!(
        pool_row(&w),
        ["Normal", "0%", "1024", "0", "0", "0", "1024"]
    );
}

#[test]
fn poolstat_shows_an_encrypted_pool() {
    let w = snap_world(4);
    let mut a = acm_sim::Array::open(&w.s.sim_home()).unwrap();
    let bid = a.bid_by_name("B1").unwrap();
    a.admin(&bid, |st| {
        st.pool.encrypted = true;
        Ok(())
    })
    .unwrap();
    a.commit().unwrap();
    drop(a);
    assert_eq!(
        pool_row(&w),
        ["Encrypted", "0%", "512", "0", "0", "0", "512"]
    );
}

// ----- swstsdv refusals -----

#[test]
fn sdv_refusals() {
    let w = snap_world(4);
    let s = &w.s;
    // Not a Snap Data Volume.
    refused(s, "swstsdv", &["stat", STD], "swst1903", 1);
    refused(s, "swstsdv", &["init", STD], "swst1903", 1);
    refused(s, "swstsdv", &["stat", ACCESS], "swst1903", 1);
    refused(s, "swstsdv", &["stat", "-G", ACCESS, "0"], "swst1903", 1);
    refused(s, "swstsdv", &["init", "-G", ACCESS, "12"], "swst1903", 1);
    // No such LU in the box.
    let e = refused(s, "swstsdv", &["stat", "-G", ACCESS, "110"], "swst1905", 1);
    assert!(e.contains("LU 110 (0x6E) through /dev/hdisk4"), "{e}");
    refused(s, "swstsdv", &["init", "-G", ACCESS, "110"], "swst1905", 1);
    refused(s, "swstsdv", &["stat", "/dev/hdisk5"], "swst1905", 1);
    // A disk of a box the array no longer has: the array cannot be reached.
    let gone = w.box_id.replacen("HK", "HZ", 1);
    assert_ne!(gone, w.box_id);
    host_update(s, |h| {
        h.attach(
            "/dev/hdisk6",
            Disk {
                box_name: "B9".into(),
                box_id: gone,
                olu: SDV_OLU,
                size: LUN,
                vxvm: false,
                node: None,
                block: None,
            },
        )
    });
    refused(s, "swstsdv", &["stat", "/dev/hdisk6"], "swst1006", 1);
    refused(s, "swstestupdate", &["start", "/dev/hdisk6"], "swst1006", 1);
    // No such volume.
    refused(s, "swstsdv", &["stat", "/dev/hdisk99"], "swst1101", 1);
    refused(s, "swstsdv", &["init", "/dev/hdisk99"], "swst1101", 1);
    refused(
        s,
        "swstsdv",
        &["stat", "-G", "/dev/hdisk99", "10"],
        "swst1101",
        1,
    );
    refused(
        s,
        "swstsdv",
        &["poolstat", "-G", "/dev/hdisk99"],
        "swst1101",
        1,
    );
    // Usage.
    for bad in [
        &["stat"][..],
        &["init"],
        &["poolstat"],
        &["poolstat", SDV],
        &["poolstat", "-G", ACCESS, "10"],
        &["stat", "-G", ACCESS],
        &["init", "-G", ACCESS],
        &["stat", "-G", ACCESS, "0xA"],
        &["stat", "-G", ACCESS, "ten"],
        &["stat", "-G", ACCESS, "99999999999"],
        &["stat", SDV, STD],
        &["status", SDV],
        &[SDV, "stat"],
        &["stat", "-x", SDV],
        &["stat", "-G"],
    ] {
        refused(s, "swstsdv", bad, "swst0002", 2);
    }
    // None of them changed the SDV.
    assert_eq!(
        ok(s, "swstsdv", &["stat", SDV]),
        stat_text(&w, "10 (0xA)", 0, 0, 0, 0)
    );
}

// ----- help, bad option, missing operand -----
