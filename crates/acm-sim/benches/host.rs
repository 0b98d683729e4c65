//! Host write benchmarks through the array service: what a host sees when it
//! writes to a LUN that is the source of a copy session, against the same
//! writes with no session, and against `pwrite` of the same bytes into a
//! plain file (the physical limit), all measured in the same run. Every write
//! is one WRITE(16) CDB over the service's socket, answered after the
//! service has written the data and committed the bookkeeping it changed.
//!
//! Prints one `name value` line per figure:
//!
//!   host_write_64k_none_us                64 KiB writes at spread offsets, no session (µs each)
//!   host_write_64k_snapopcplus_us         the same with a SnapOPC+ session (copy-on-write)
//!   host_write_64k_snapopcplus_vs_none    none / snapopcplus time (target >= 0.8)
//!   host_write_1gib_pwrite_mib_per_s      pwrite of 1 GiB in 64 KiB writes into a file
//!   host_write_1gib_none_mib_per_s        1 GiB in 64 KiB WRITE(16)s, no session
//!   host_write_1gib_none_vs_pwrite        none / pwrite throughput
//!   host_write_1gib_pwrite_twice_vs_once  pwrite of 1 GiB into two files (a write to each
//!                                         in turn: what a copy-on-write or a mirror writes
//!                                         at the least) / into one: the physical bound of
//!                                         the ratios below on this machine
//!   host_write_1gib_KIND_vs_none          with a KIND session (opc, quickopc, snapopc,
//!                                         snapopcplus, ec) / none throughput (target >= 0.8)
//!
//! OPC is measured with the box rate paused, so each first write of a grain
//! saves the old data (copy before write) and no background copy competes;
//! QuickOPC after its copy completed (tracking only); EC in its equivalent
//! state (every write mirrored). Scratch files go to `$ACMSIM_BENCH_DIR`
//! (default `target/bench-scratch`; needs ~2.5 GiB). Arguments select figures
//! by name.

mod common;
use acm_scsi::driver::Driver;
use acm_scsi::model as m;
use acm_sim::client::SocketTransport;
use acm_sim::service::{self, Options};
use acm_sim::state::{LunKind, Rate, Sdv};
use acm_sim::{Array, Bid};
use common::scratch;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::{Duration, Instant};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
const WRITE: usize = 64 * 1024;

/// A session kind, or none.
#[derive(Clone, Copy)]
enum Scene {
    None,
    Kind(m::CopyKind, &'static str),
}

/// Builds a box with a source and (for a session) a destination of `size`
/// bytes, starts the session in process, then serves the home; returns the
/// source's OLU.
fn build(home: &Path, size: u64, scene: Scene) -> u32 {
    let mut a = Array::open(home).unwrap();
    let id = a.create_box("BENCH").unwrap();
    let bid: Bid = m::BoxId::parse(&id).unwrap().0;
    a.admin(&bid, |s| {
        s.rate = Rate::Paused;
        Ok(())
    })
    .unwrap();
    let src = a.create_luns(&bid, size, 1, LunKind::Standard).unwrap()[0];
    if let Scene::Kind(kind, _) = scene {
        let dst_kind = match kind {
            m::CopyKind::SnapOpc | m::CopyKind::SnapOpcPlus => LunKind::Sdv(Sdv {
                physical_bytes: size,
                allocated: Default::default(),
                copy_grains: 0,
                host_grains: 0,
            }),
            _ => LunKind::Standard,
        };
        let dst = a.create_luns(&bid, size, 1, dst_kind).unwrap()[0];
        let ext = |olu| m::Extent {
            box_id: m::BoxId(bid),
            olu,
            start_lba: 0,
            blocks: size / 512,
        };
        a.start(
            &bid,
            &m::StartRequest {
                kind,
                src: ext(src),
                dst: ext(dst),
                rec: None,
                dest_access: m::DestAccess::ReadOnly,
                skip_initial_copy: false,
                define_only: false,
            },
        )
        .unwrap();
        // QuickOPC tracks after its copy, EC mirrors once equivalent.
        if matches!(kind, m::CopyKind::QuickOpc | m::CopyKind::Ec) {
            a.admin(&bid, |s| {
                s.rate = Rate::Unlimited;
                Ok(())
            })
            .unwrap();
            a.advance(&bid, u64::MAX).unwrap();
        }
    }
    a.commit().unwrap();
    drop(a);
    let opts = Options {
        home: home.to_path_buf(),
        idle_exit: None,
    };
    std::thread::spawn(move || service::serve(opts, || {}).unwrap());
    acm_sim::client::wait_for(home, Duration::from_secs(30)).unwrap();
    src
}

/// Seconds to write `count` 64 KiB blocks at the offsets `at(i)` to the source.
fn timed_writes(home: &Path, size: u64, scene: Scene, count: u64, at: impl Fn(u64) -> u64) -> f64 {
    let src = build(home, size, scene);
    let mut d = Driver::new(SocketTransport::new(home, "BENCH", src));
    let buf = vec![0xa5u8; WRITE];
    let t = Instant::now();
    for i in 0..count {
        d.write(at(i) / 512, &buf).unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    acm_sim::client::stop(home).unwrap();
    secs
}

fn best(runs: usize, f: impl Fn() -> f64) -> f64 {
    (0..runs).map(|_| f()).fold(f64::MAX, f64::min)
}

fn spread_64k() {
    let size = 256 * MIB;
    let slots = size / WRITE as u64;
    let at = |i: u64| (i * 7919 % slots) * WRITE as u64;
    let run = |scene| best(3, || timed_writes(scratch().path(), size, scene, 1024, at));
    let none = run(Scene::None);
    let snap = run(Scene::Kind(m::CopyKind::SnapOpcPlus, "snapopcplus"));
    println!("host_write_64k_none_us {:.0}", none / 1024.0 * 1e6);
    println!("host_write_64k_snapopcplus_us {:.0}", snap / 1024.0 * 1e6);
    println!("host_write_64k_snapopcplus_vs_none {:.3}", none / snap);
}

/// Seconds to `pwrite` 1 GiB in 64 KiB writes into each of `files` plain
/// files, a write to each in turn (two: what a copy-on-write or a mirror
/// writes at the least).
fn pwrite_gib(files: usize) -> f64 {
    let dir = scratch();
    let fs: Vec<std::fs::File> = (0..files)
        .map(|n| {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .open(dir.path().join(format!("plain{n}.img")))
                .unwrap();
            f.set_len(GIB).unwrap();
            f
        })
        .collect();
    let buf = vec![0xa5u8; WRITE];
    let t = Instant::now();
    for i in 0..GIB / WRITE as u64 {
        for f in &fs {
            f.write_all_at(&buf, i * WRITE as u64).unwrap();
        }
    }
    t.elapsed().as_secs_f64()
}

fn sequential_gib(kinds: &[Scene]) {
    let count = GIB / WRITE as u64;
    let run = |scene| {
        best(2, || {
            timed_writes(scratch().path(), GIB, scene, count, |i| i * WRITE as u64)
        })
    };
    let plain = best(2, || pwrite_gib(1));
    let twice = best(2, || pwrite_gib(2));
    let none = run(Scene::None);
    let mib = GIB as f64 / MIB as f64;
    println!("host_write_1gib_pwrite_mib_per_s {:.0}", mib / plain);
    println!("host_write_1gib_none_mib_per_s {:.0}", mib / none);
    println!("host_write_1gib_none_vs_pwrite {:.3}", plain / none);
    println!("host_write_1gib_pwrite_twice_vs_once {:.3}", plain / twice);
    for scene in kinds {
        if let Scene::Kind(_, name) = scene {
            let t = run(*scene);
            println!("host_write_1gib_{name}_mib_per_s {:.0}", mib / t);
            println!("host_write_1gib_{name}_vs_none {:.3}", none / t);
        }
    }
}

fn main() {
    let want = common::wanted();
    if want("host_write_64k") {
        spread_64k();
    }
    let kinds: Vec<Scene> = [
        (m::CopyKind::Opc, "opc"),
        (m::CopyKind::QuickOpc, "quickopc"),
        (m::CopyKind::SnapOpc, "snapopc"),
        (m::CopyKind::SnapOpcPlus, "snapopcplus"),
        (m::CopyKind::Ec, "ec"),
    ]
    .into_iter()
    .filter(|(_, n)| want(&format!("host_write_1gib_{n}")))
    .map(|(k, n)| Scene::Kind(k, n))
    .collect();
    if !kinds.is_empty() || want("host_write_1gib_none") {
        sequential_gib(&kinds);
    }
}
