//! Copy benchmarks of the simulated array, each against the physical limit measured in
//! the same run on the same filesystem. Prints one `name value` line per figure.
//!
//! Run through `scripts/bench-copy.sh` (which builds in release mode). The scratch
//! directory is `$ACMSIM_BENCH_DIR` or a temporary directory under `target/`.

mod common;
use acm_scsi::model as m;
use acm_sim::state::{LunKind, Rate, Sdv};
use acm_sim::{Array, Bid};
use common::scratch;
use std::fs::{File, OpenOptions};
use std::path::Path;
use std::time::Instant;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

fn new_box(home: &Path, rate: Rate) -> (Array, Bid) {
    let mut a = Array::open(home).unwrap();
    let id = a.create_box("BENCH").unwrap();
    let bid = m::BoxId::parse(&id).unwrap().0;
    a.admin(&bid, |s| {
        s.rate = rate;
        Ok(())
    })
    .unwrap();
    (a, bid)
}

fn ext(bid: &Bid, olu: u32, bytes: u64) -> m::Extent {
    m::Extent {
        box_id: m::BoxId(*bid),
        olu,
        start_lba: 0,
        blocks: bytes / 512,
    }
}

fn start(kind: m::CopyKind, bid: &Bid, s: u32, d: u32, bytes: u64) -> m::StartRequest {
    m::StartRequest {
        kind,
        src: ext(bid, s, bytes),
        dst: ext(bid, d, bytes),
        rec: None,
        dest_access: m::DestAccess::ReadOnly,
        skip_initial_copy: false,
        define_only: false,
    }
}

/// Fills a LUN through the data path with non-zero data.
fn fill(a: &mut Array, bid: &Bid, olu: u32, bytes: u64, seed: u8) {
    let chunk: Vec<u8> = (0..8 * MIB)
        .map(|i| (i as u8) ^ seed ^ ((i >> 12) as u8))
        .collect();
    let mut off = 0;
    while off < bytes {
        let n = chunk.len().min((bytes - off) as usize);
        a.write_view(bid, olu, off, &chunk[..n], None).unwrap();
        off += n as u64;
    }
    a.commit().unwrap();
}

/// copy_file_range of `bytes` from `src` into the preallocated file `dst_path`
/// (created on first use, then reused like a LUN), then fdatasync: seconds.
fn copy_file_range_secs(dst_path: &Path, src: &Path, bytes: u64) -> f64 {
    let dst = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(dst_path)
        .unwrap();
    if dst.metadata().unwrap().len() != bytes {
        nix::fcntl::posix_fallocate(&dst, 0, bytes as i64).unwrap();
        dst.sync_all().unwrap();
    }
    let src = File::open(src).unwrap();
    let t = Instant::now();
    let mut done = 0u64;
    while done < bytes {
        let mut oi = done as i64;
        let mut oo = done as i64;
        let n = nix::fcntl::copy_file_range(
            &src,
            Some(&mut oi),
            &dst,
            Some(&mut oo),
            (bytes - done) as usize,
        )
        .unwrap();
        assert!(n > 0);
        done += n as u64;
    }
    dst.sync_data().unwrap();
    t.elapsed().as_secs_f64()
}

fn opc_full_copy() {
    let dir = scratch();
    let (mut a, bid) = new_box(dir.path(), Rate::Paused);
    let luns = a.create_luns(&bid, GIB, 2, LunKind::Standard).unwrap();
    fill(&mut a, &bid, luns[0], GIB, 0x5a);
    let src_path = dir.path().join("BENCH/lun/0.img");
    let mut best_base = f64::MAX;
    let mut best_sim = f64::MAX;
    for _ in 0..3 {
        best_base = best_base.min(copy_file_range_secs(
            &dir.path().join("baseline.img"),
            &src_path,
            GIB,
        ));
        a.start(&bid, &start(m::CopyKind::Opc, &bid, luns[0], luns[1], GIB))
            .unwrap();
        a.commit().unwrap();
        let t = Instant::now();
        a.advance(&bid, u64::MAX).unwrap();
        a.commit().unwrap();
        best_sim = best_sim.min(t.elapsed().as_secs_f64());
        assert!(
            a.session_infos(&bid, luns[0]).unwrap().is_empty(),
            "OPC finished"
        );
    }
    // Check the copy is right (sampled).
    let mut x = vec![0u8; MIB as usize];
    let mut y = vec![0u8; MIB as usize];
    for off in [0, 300 * MIB, GIB - MIB] {
        a.read_view(&bid, luns[0], off, &mut x).unwrap();
        a.read_view(&bid, luns[1], off, &mut y).unwrap();
        assert_eq!(x, y, "OPC copy differs at {off}");
    }
    let mib = GIB as f64 / MIB as f64;
    println!("copy_file_range_1gib_mib_per_s {:.0}", mib / best_base);
    println!("opc_full_copy_1gib_mib_per_s {:.0}", mib / best_sim);
    println!("opc_full_copy_ratio {:.3}", best_base / best_sim);
}

fn quickopc_differential() {
    let dir = scratch();
    let size = 256 * MIB;
    let (mut a, bid) = new_box(dir.path(), Rate::Paused);
    let luns = a.create_luns(&bid, size, 2, LunKind::Standard).unwrap();
    fill(&mut a, &bid, luns[0], size, 1);
    let id = a
        .start(
            &bid,
            &start(m::CopyKind::QuickOpc, &bid, luns[0], luns[1], size),
        )
        .unwrap();
    a.advance(&bid, u64::MAX).unwrap();
    let grain = 64 * 1024;
    let grains = size / grain;
    let changed = grains / 100;
    // 1% of grains, spread evenly, each touched by a 4 KiB write.
    let step = grains / changed;
    for i in 0..changed {
        a.write_view(&bid, luns[0], i * step * grain + 512, &[0xee; 4096], None)
            .unwrap();
    }
    a.restart(
        &bid,
        &m::RestartRequest {
            id,
            remain: false,
            rec: None,
        },
    )
    .unwrap();
    a.advance(&bid, u64::MAX).unwrap();
    let info = a
        .session_infos(&bid, luns[0])
        .unwrap()
        .into_iter()
        .find(|i| i.id == id)
        .unwrap();
    println!("quickopc_1pct_changed_grains {changed}");
    println!("quickopc_1pct_bytes_copied {}", info.copied_bytes);
    println!(
        "quickopc_1pct_bytes_ratio {:.4}",
        info.copied_bytes as f64 / size as f64
    );
}

/// Seconds to write `total` bytes in 64 KiB writes at spread offsets to a source with
/// `gens` SnapOPC+ generations.
fn snap_write_secs(gens: u32) -> f64 {
    let dir = scratch();
    let size = 256 * MIB;
    let (mut a, bid) = new_box(dir.path(), Rate::Paused);
    let src = a.create_luns(&bid, size, 1, LunKind::Standard).unwrap()[0];
    let sdv = LunKind::Sdv(Sdv {
        physical_bytes: size,
        allocated: Default::default(),
        copy_grains: 0,
        host_grains: 0,
    });
    let dsts = a.create_luns(&bid, size, gens, sdv).unwrap();
    fill(&mut a, &bid, src, size, 3);
    for d in &dsts {
        a.start(&bid, &start(m::CopyKind::SnapOpcPlus, &bid, src, *d, size))
            .unwrap();
        // Each older generation saved some grains before the next began.
        for i in 0..64u64 {
            a.write_view(&bid, src, (i * 37 % 4096) * 65536, &[7u8; 4096], None)
                .unwrap();
        }
    }
    a.commit().unwrap();
    let buf = vec![0xabu8; 65536];
    let t = Instant::now();
    for i in 0..1024u64 {
        a.write_view(&bid, src, (i * 7919 % 4096) * 65536, &buf, None)
            .unwrap();
    }
    a.commit().unwrap();
    t.elapsed().as_secs_f64()
}

fn snapopcplus_overhead() {
    let one = (0..3).map(|_| snap_write_secs(1)).fold(f64::MAX, f64::min);
    let eight = (0..3).map(|_| snap_write_secs(8)).fold(f64::MAX, f64::min);
    println!("snapopcplus_write_1gen_s {one:.3}");
    println!("snapopcplus_write_8gen_s {eight:.3}");
    println!("snapopcplus_write_overhead_8gen_vs_1gen {:.3}", eight / one);
}

fn main() {
    let want = common::wanted();
    if want("opc_full_copy") {
        opc_full_copy();
    }
    if want("quickopc") {
        quickopc_differential();
    }
    if want("snapopcplus") {
        snapopcplus_overhead();
    }
}
