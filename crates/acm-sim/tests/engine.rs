//! Direct tests of the array engine's copy semantics (no SCSI in between).

use acm_scsi::model as m;
use acm_sim::state::{LunKind, Rate, Sdv};
use acm_sim::{Array, Bid};
use std::path::Path;

const MB: u64 = 1 << 20;

fn setup(home: &Path, n: u32, size: u64) -> (Bid, Vec<u32>) {
    let mut a = Array::open(home).unwrap();
    let id = a.create_box("B1").unwrap();
    let bid = acm_scsi::model::BoxId::parse(&id).unwrap().0;
    let luns = a.create_luns(&bid, size, n, LunKind::Standard).unwrap();
    a.admin(&bid, |s| {
        s.rate = Rate::Paused;
        Ok(())
    })
    .unwrap();
    a.commit().unwrap();
    (bid, luns)
}

fn ext(bid: &Bid, olu: u32, size: u64) -> m::Extent {
    m::Extent {
        box_id: m::BoxId(*bid),
        olu,
        start_lba: 0,
        blocks: size / 512,
    }
}

fn fill(a: &mut Array, bid: &Bid, olu: u32, seed: u8, off: u64, len: u64) {
    let data: Vec<u8> = (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect();
    a.write_view(bid, olu, off, &data, None).unwrap();
}

fn read(a: &mut Array, bid: &Bid, olu: u32, size: u64) -> Vec<u8> {
    let mut buf = vec![0u8; size as usize];
    a.read_view(bid, olu, 0, &mut buf).unwrap();
    buf
}

fn req(kind: m::CopyKind, bid: &Bid, s: u32, d: u32, size: u64) -> m::StartRequest {
    m::StartRequest {
        kind,
        src: ext(bid, s, size),
        dst: ext(bid, d, size),
        rec: None,
        dest_access: m::DestAccess::ReadOnly,
        skip_initial_copy: false,
        define_only: false,
    }
}

#[test]
fn opc_destination_is_source_at_start_through_copy_before_write() {
    let dir = tempfile::tempdir().unwrap();
    let size = 2 * MB;
    let (bid, l) = setup(dir.path(), 2, size);
    let mut a = Array::open(dir.path()).unwrap();
    fill(&mut a, &bid, l[0], 1, 0, size);
    let before = read(&mut a, &bid, l[0], size);
    a.start(&bid, &req(m::CopyKind::Opc, &bid, l[0], l[1], size))
        .unwrap();
    fill(&mut a, &bid, l[0], 9, 100_000, 300_000);
    assert_eq!(read(&mut a, &bid, l[1], size), before);
    a.advance(&bid, 512 * 1024).unwrap();
    assert_eq!(read(&mut a, &bid, l[1], size), before);
    a.advance(&bid, u64::MAX).unwrap();
    assert!(
        a.session_infos(&bid, l[0]).unwrap().is_empty(),
        "OPC ends when copied"
    );
    assert_eq!(read(&mut a, &bid, l[1], size), before);
    a.commit().unwrap();
}

#[test]
fn quickopc_differential_equals_full_and_restore_copies_changes_only() {
    let dir = tempfile::tempdir().unwrap();
    let size = 4 * MB;
    let (bid, l) = setup(dir.path(), 2, size);
    let mut a = Array::open(dir.path()).unwrap();
    fill(&mut a, &bid, l[0], 1, 0, size);
    let id = a
        .start(&bid, &req(m::CopyKind::QuickOpc, &bid, l[0], l[1], size))
        .unwrap();
    a.advance(&bid, u64::MAX).unwrap();
    let info = &a.session_infos(&bid, l[0]).unwrap()[0];
    assert_eq!(info.phase, m::Phase::Tracking);
    fill(&mut a, &bid, l[0], 5, MB, 70_000);
    let at_second = read(&mut a, &bid, l[0], size);
    a.restart(
        &bid,
        &m::RestartRequest {
            id,
            remain: false,
            rec: None,
        },
    )
    .unwrap();
    let info = &a.session_infos(&bid, l[0]).unwrap()[0];
    assert_eq!(
        info.pending_grains, 2,
        "70000 bytes at 1 MiB touch two 64 KiB grains"
    );
    fill(&mut a, &bid, l[0], 7, 0, 200_000);
    a.advance(&bid, u64::MAX).unwrap();
    assert_eq!(read(&mut a, &bid, l[1], size), at_second);
    // Restore replica -> original: only the tracked grains differ.
    let r = a
        .start(&bid, &req(m::CopyKind::Opc, &bid, l[1], l[0], size))
        .unwrap();
    let infos = a.session_infos(&bid, l[0]).unwrap();
    let restore = infos.iter().find(|i| i.id == r).unwrap();
    assert_eq!(
        restore.pending_grains, 4,
        "only the grains written since the backup"
    );
    assert_eq!(read(&mut a, &bid, l[0], size), at_second);
    a.advance(&bid, u64::MAX).unwrap();
    assert_eq!(read(&mut a, &bid, l[0], size), at_second);
}

#[test]
fn snapopc_plus_generations_keep_their_points_in_time() {
    let dir = tempfile::tempdir().unwrap();
    let size = 2 * MB;
    let mut a = Array::open(dir.path()).unwrap();
    let id = a.create_box("B1").unwrap();
    let bid = m::BoxId::parse(&id).unwrap().0;
    let src = a.create_luns(&bid, size, 1, LunKind::Standard).unwrap()[0];
    let sdv = LunKind::Sdv(Sdv {
        physical_bytes: size,
        allocated: Default::default(),
        copy_grains: 0,
        host_grains: 0,
    });
    let gens = a.create_luns(&bid, size, 3, sdv).unwrap();
    fill(&mut a, &bid, src, 1, 0, size);
    let mut images = vec![];
    for (i, g) in gens.iter().enumerate() {
        images.push(read(&mut a, &bid, src, size));
        a.start(&bid, &req(m::CopyKind::SnapOpcPlus, &bid, src, *g, size))
            .unwrap();
        fill(
            &mut a,
            &bid,
            src,
            10 + i as u8,
            (i as u64) * 300_000,
            500_000,
        );
        // Write to a destination too: older generations must not see it.
        fill(&mut a, &bid, *g, 50, 0, 10);
        images[i][..10].copy_from_slice(&read(&mut a, &bid, *g, size)[..10]);
    }
    for (i, g) in gens.iter().enumerate() {
        assert_eq!(
            read(&mut a, &bid, *g, size),
            images[i],
            "generation {}",
            i + 1
        );
    }
    // Rotation: only the oldest may be reused.
    let err = a
        .start(
            &bid,
            &req(m::CopyKind::SnapOpcPlus, &bid, src, gens[1], size),
        )
        .unwrap_err();
    assert_eq!(err, m::CopyError::NotOldestGeneration);
    a.start(
        &bid,
        &req(m::CopyKind::SnapOpcPlus, &bid, src, gens[0], size),
    )
    .unwrap();
    let infos = a.session_infos(&bid, src).unwrap();
    let g1 = infos.iter().find(|i| i.dst.olu == gens[1]).unwrap();
    assert_eq!((g1.generation, g1.active_generation), (1, false));
    let newest = infos.iter().find(|i| i.dst.olu == gens[0]).unwrap();
    assert_eq!((newest.generation, newest.active_generation), (3, true));
    assert_eq!(read(&mut a, &bid, gens[1], size), images[1]);
}

#[test]
fn ec_suspend_resume_reverse() {
    let dir = tempfile::tempdir().unwrap();
    let size = 2 * MB;
    let (bid, l) = setup(dir.path(), 2, size);
    let mut a = Array::open(dir.path()).unwrap();
    fill(&mut a, &bid, l[0], 1, 0, size);
    let id = a
        .start(&bid, &req(m::CopyKind::Ec, &bid, l[0], l[1], size))
        .unwrap();
    assert_eq!(
        a.suspend(&bid, &[id], false).unwrap_err(),
        m::CopyError::WrongPhase
    );
    fill(&mut a, &bid, l[0], 2, 0, 1000);
    assert_eq!(
        a.write_view(&bid, l[1], 0, &[1, 2, 3], None).unwrap_err(),
        m::CopyError::WriteProtected
    );
    a.advance(&bid, u64::MAX).unwrap();
    fill(&mut a, &bid, l[0], 3, 5000, 1000);
    assert_eq!(
        read(&mut a, &bid, l[1], size),
        read(&mut a, &bid, l[0], size)
    );
    a.suspend(&bid, &[id], false).unwrap();
    let at_suspend = read(&mut a, &bid, l[0], size);
    fill(&mut a, &bid, l[0], 4, 0, 200_000);
    assert_eq!(read(&mut a, &bid, l[1], size), at_suspend);
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
    assert_eq!(
        read(&mut a, &bid, l[1], size),
        read(&mut a, &bid, l[0], size)
    );
    a.suspend(&bid, &[id], false).unwrap();
    fill(&mut a, &bid, l[1], 8, 0, 100);
    a.reverse(&bid, id).unwrap();
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
    assert_eq!(
        read(&mut a, &bid, l[0], size),
        read(&mut a, &bid, l[1], size)
    );
}
