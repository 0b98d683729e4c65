//! The driver and the simulated array meet only through CDB bytes: every command
//! of the vendor set goes through `SimTransport` here and must come back as the
//! engine meant it.

use acm_scsi::driver::Driver;
use acm_scsi::model::{self as m, CopyError};
use acm_sim::state::{BufferUse, LunKind, Rate, RecBuffer, Sdv};
use acm_sim::{Array, SimTransport};
use std::path::Path;

const MB: u64 = 1 << 20;

struct Rig {
    _dir: tempfile::TempDir,
    home: std::path::PathBuf,
    b1: String,
    b2: String,
}

fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().to_path_buf();
    let mut a = Array::open(&home).unwrap();
    let b1 = a.create_box("B1").unwrap();
    let b2 = a.create_box("B2").unwrap();
    let (i1, i2) = (
        m::BoxId::parse(&b1).unwrap().0,
        m::BoxId::parse(&b2).unwrap().0,
    );
    a.create_luns(&i1, 2 * MB, 3, LunKind::Standard).unwrap(); // 0,1,2
    let sdv = LunKind::Sdv(Sdv {
        physical_bytes: MB,
        allocated: Default::default(),
        copy_grains: 0,
        host_grains: 0,
    });
    a.create_luns(&i1, 2 * MB, 2, sdv).unwrap(); // 3,4
    a.create_luns(&i1, MB, 1, LunKind::Access).unwrap(); // 5
    a.create_luns(&i2, 2 * MB, 1, LunKind::Standard).unwrap();
    a.set_path(&i1, &i2, true).unwrap();
    for bid in [i1, i2] {
        a.admin(&bid, |s| {
            s.rate = Rate::Paused;
            Ok(())
        })
        .unwrap();
    }
    a.admin(&i1, |s| {
        s.pool.capacity_bytes = 4 * MB;
        s.rec_buffers.insert(
            1,
            RecBuffer {
                usage: BufferUse::Send,
                size_bytes: MB,
                remote_box: b2.clone(),
            },
        );
        Ok(())
    })
    .unwrap();
    a.commit().unwrap();
    Rig {
        _dir: dir,
        home,
        b1,
        b2,
    }
}

fn drv(home: &Path, b: &str, olu: u32) -> Driver<SimTransport> {
    Driver::new(SimTransport::new(home, b, olu))
}

fn ext(b: &str, olu: u32, blocks: u64) -> m::Extent {
    m::Extent {
        box_id: m::BoxId::parse(b).unwrap(),
        olu,
        start_lba: 0,
        blocks,
    }
}

fn start(kind: m::CopyKind, s: m::Extent, d: m::Extent) -> m::StartRequest {
    m::StartRequest {
        kind,
        src: s,
        dst: d,
        rec: None,
        dest_access: m::DestAccess::ReadOnly,
        skip_initial_copy: false,
        define_only: false,
    }
}

#[test]
fn identification_capacity_and_data() {
    let r = rig();
    let mut d = drv(&r.home, "B1", 1);
    let id = d.identity().unwrap();
    assert_eq!(
        (id.box_id.as_str(), id.olu, id.vendor.as_str()),
        (r.b1.as_str(), 1, "FUJITSU")
    );
    assert_eq!(d.capacity().unwrap(), 2 * MB / 512);
    let data: Vec<u8> = (0..MB).map(|i| (i % 251) as u8).collect();
    d.write(100, &data).unwrap();
    let mut back = vec![0u8; MB as usize];
    d.read(100, &mut back).unwrap();
    assert_eq!(back, data);
    let e = d.read(4096, &mut [0u8; 512]).unwrap_err();
    assert_eq!(e.copy_error(), Some(&CopyError::LbaOutOfRange));
    let info = drv(&r.home, "B1", 5).box_info().unwrap();
    assert!(info.access_volume && !info.sdv && info.grain_bytes == 65536);
    let e = drv(&r.home, "B1", 42).capacity().unwrap_err();
    assert_eq!(e.copy_error(), Some(&CopyError::NoSuchLun));
}

#[test]
fn sessions_through_the_wire() {
    let r = rig();
    let blocks = 2 * MB / 512;
    let mut src = drv(&r.home, "B1", 0);
    src.write(0, &vec![7u8; 2 * MB as usize]).unwrap();
    let id = src
        .start(&start(
            m::CopyKind::QuickOpc,
            ext(&r.b1, 0, blocks),
            ext(&r.b1, 1, blocks),
        ))
        .unwrap();
    let s = &src.sessions().unwrap()[0];
    assert_eq!(
        (s.id, s.kind, s.phase, s.tracking),
        (id, m::CopyKind::QuickOpc, m::Phase::TrackingCopying, true)
    );
    assert_eq!(s.pending_grains, 32);
    let e = src.suspend(&[id], false).unwrap_err();
    assert_eq!(e.copy_error(), Some(&CopyError::WrongPhase));
    src.cancel(&m::CancelRequest {
        id,
        tracking_only: true,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(src.sessions().unwrap()[0].kind, m::CopyKind::Opc);

    // SnapOPC+ generations, rotation refusal, forced stop of older generations.
    let g1 = src
        .start(&start(
            m::CopyKind::SnapOpcPlus,
            ext(&r.b1, 2, blocks),
            ext(&r.b1, 3, blocks),
        ))
        .unwrap();
    let g2 = src
        .start(&start(
            m::CopyKind::SnapOpcPlus,
            ext(&r.b1, 2, blocks),
            ext(&r.b1, 4, blocks),
        ))
        .unwrap();
    let mut snap = drv(&r.home, "B1", 2);
    let gens = snap.sessions().unwrap();
    let gen_of = |id| {
        gens.iter()
            .find(|i| i.id == id)
            .map(|i| (i.generation, i.active_generation))
            .unwrap()
    };
    assert_eq!((gen_of(g1), gen_of(g2)), ((1, false), (2, true)));
    let e = snap
        .start(&start(
            m::CopyKind::SnapOpcPlus,
            ext(&r.b1, 2, blocks),
            ext(&r.b1, 4, blocks),
        ))
        .unwrap_err();
    assert_eq!(e.copy_error(), Some(&CopyError::NotOldestGeneration));
    let e = snap
        .cancel(&m::CancelRequest {
            id: g2,
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(e.copy_error(), Some(&CopyError::NotOldestGeneration));
    snap.write(0, &vec![1u8; 3 * 65536]).unwrap();
    let stat = snap.sdv_stat(4).unwrap();
    assert_eq!(
        (stat.logical, stat.physical, stat.copy),
        (4096, 2048, 3 * 128)
    );
    snap.cancel(&m::CancelRequest {
        id: g2,
        with_older_generations: true,
        ..Default::default()
    })
    .unwrap();
    assert!(snap.sessions().unwrap().is_empty());
    assert_eq!(snap.sdv_stat(4).unwrap().used, 0);
    snap.sdv_init(3).unwrap();
    assert_eq!(
        drv(&r.home, "B1", 5).pool_stat().unwrap().total,
        4 * MB / 512
    );

    // An EC may not take a destination that is already a copy destination.
    let e = src
        .start(&start(
            m::CopyKind::Ec,
            ext(&r.b1, 2, blocks),
            ext(&r.b1, 1, blocks),
        ))
        .unwrap_err();
    assert_eq!(e.copy_error(), Some(&CopyError::ExtentConflict));
}

/// LUN SESSIONS lists, for each selected LUN of the box, what LIST SESSIONS
/// addressed to that LUN lists (an REC session from the destination box too),
/// skips OLUs the box lacks, and is refused while status cannot be obtained.
#[test]
fn lun_sessions_through_the_wire() {
    let r = rig();
    let blocks = 2 * MB / 512;
    let mut d = drv(&r.home, "B1", 0);
    d.start(&start(
        m::CopyKind::Opc,
        ext(&r.b1, 0, blocks),
        ext(&r.b1, 1, blocks),
    ))
    .unwrap();
    for sdv in [3, 4] {
        d.start(&start(
            m::CopyKind::SnapOpcPlus,
            ext(&r.b1, 2, blocks),
            ext(&r.b1, sdv, blocks),
        ))
        .unwrap();
    }
    let mut rec = start(
        m::CopyKind::Rec,
        ext(&r.b1, 0, blocks),
        ext(&r.b2, 0, blocks),
    );
    rec.rec = Some(m::RecModes {
        transfer: m::Transfer::Through,
        split: m::Split::Auto,
        recovery: m::Recovery::Auto,
    });
    d.start(&rec).unwrap();
    let one_by_one = |b: &str, olus: std::ops::Range<u32>| -> Vec<m::LunSessions> {
        olus.map(|olu| m::LunSessions {
            olu,
            sessions: drv(&r.home, b, olu).sessions().unwrap(),
        })
        .collect()
    };
    let all = d.lun_sessions(m::LunSelect::All).unwrap();
    assert_eq!(all, one_by_one("B1", 0..6));
    assert_eq!(all[0].sessions.len(), 2, "OPC and REC from LUN 0");
    assert_eq!(all[2].sessions.len(), 2, "two SnapOPC+ generations");
    assert!(
        all[5].sessions.is_empty(),
        "the access volume is listed without"
    );
    let some = drv(&r.home, "B1", 5)
        .lun_sessions(m::LunSelect::Range { first: 1, count: 3 })
        .unwrap();
    assert_eq!(some, one_by_one("B1", 1..4));
    let past = d
        .lun_sessions(m::LunSelect::Range {
            first: 4,
            count: 100,
        })
        .unwrap();
    assert_eq!(past, one_by_one("B1", 4..6), "OLUs 6.. are not LUNs of B1");
    let remote = drv(&r.home, "B2", 0)
        .lun_sessions(m::LunSelect::All)
        .unwrap();
    assert_eq!(remote, one_by_one("B2", 0..1));
    assert_eq!(remote[0].sessions[0].kind, m::CopyKind::Rec);

    let mut a = Array::open(&r.home).unwrap();
    let i1 = m::BoxId::parse(&r.b1).unwrap().0;
    a.admin(&i1, |s| {
        s.faults.unobtainable = true;
        Ok(())
    })
    .unwrap();
    a.commit().unwrap();
    drop(a);
    let e = d.lun_sessions(m::LunSelect::All).unwrap_err();
    assert_eq!(e.copy_error(), Some(&CopyError::Unobtainable));
}

#[test]
fn rec_modes_buffers_and_monitor() {
    let r = rig();
    let blocks = 2 * MB / 512;
    let mut src = drv(&r.home, "B1", 0);
    let mut rec = start(
        m::CopyKind::Rec,
        ext(&r.b1, 0, blocks),
        ext(&r.b2, 0, blocks),
    );
    rec.rec = Some(m::RecModes {
        transfer: m::Transfer::Consistency,
        split: m::Split::Auto,
        recovery: m::Recovery::Manual,
    });
    let id = src.start(&rec).unwrap();
    let bufs = src.rec_buffers().unwrap();
    assert_eq!(bufs.len(), 1);
    assert_eq!(
        (bufs[0].id, bufs[0].usage, bufs[0].remote_box.as_str()),
        (1, m::BufferUse::Send, r.b2.as_str())
    );
    let e = src.set_rec_buffer(1, m::BufferUse::Recv).unwrap_err();
    assert_eq!(e.copy_error(), Some(&CopyError::BufferInUse));
    src.change_mode(
        id,
        &m::ModeChange {
            transfer: Some(m::Transfer::Through),
            ..Default::default()
        },
    )
    .unwrap();
    let s = &src.sessions().unwrap()[0];
    assert_eq!(s.rec.unwrap().transfer, m::Transfer::Through);
    src.suspend(&[id], true).unwrap();
    let s = &drv(&r.home, "B2", 0).sessions().unwrap()[0];
    assert_eq!(
        s.status,
        m::Status::Suspended,
        "visible from the destination box too"
    );
    drv(&r.home, "B2", 0).reverse(id).unwrap();
    src.restart(&m::RestartRequest {
        id,
        remain: false,
        rec: None,
    })
    .unwrap();
    let s = &src.sessions().unwrap()[0];
    assert_eq!(
        (s.src.box_id.as_str(), s.status),
        (r.b2.as_str(), m::Status::Active)
    );

    let mut mon = drv(&r.home, "B1", 2);
    assert_eq!(mon.monitor_status().unwrap(), m::MonitorStatus::None);
    mon.monitor_start().unwrap();
    assert_eq!(
        mon.monitor_start().unwrap_err().copy_error(),
        Some(&CopyError::MonitorExists)
    );
    mon.write(8, &[0u8; 4096]).unwrap();
    assert_eq!(mon.monitor_status().unwrap(), m::MonitorStatus::Counting(8));
    mon.monitor_stop().unwrap();
    assert_eq!(
        mon.monitor_stop().unwrap_err().copy_error(),
        Some(&CopyError::NoMonitor)
    );
}

#[test]
fn concurrent_opc_and_concurrent_suspend() {
    let r = rig();
    let blocks = 2 * MB / 512;
    let mut d = drv(&r.home, "B1", 0);
    let mut def = start(
        m::CopyKind::Opc,
        ext(&r.b1, 0, blocks),
        ext(&r.b1, 1, blocks),
    );
    def.define_only = true;
    let id = d.start(&def).unwrap();
    assert_eq!(d.sessions().unwrap()[0].phase, m::Phase::Readying);
    d.start_concurrent(&[id]).unwrap();
    assert_eq!(d.sessions().unwrap()[0].phase, m::Phase::Copying);
    d.cancel(&m::CancelRequest {
        id,
        ..Default::default()
    })
    .unwrap();

    let a = d
        .start(&start(
            m::CopyKind::Ec,
            ext(&r.b1, 0, blocks),
            ext(&r.b1, 1, blocks),
        ))
        .unwrap();
    let mut rec = start(
        m::CopyKind::Rec,
        ext(&r.b1, 2, blocks),
        ext(&r.b2, 0, blocks),
    );
    rec.rec = Some(m::RecModes {
        transfer: m::Transfer::Sync,
        split: m::Split::Auto,
        recovery: m::Recovery::Auto,
    });
    let b = d.start(&rec).unwrap();
    let e = d.suspend(&[a, b], false).unwrap_err();
    assert_eq!(
        e.copy_error(),
        Some(&CopyError::WrongPhase),
        "not equivalent yet: neither suspends"
    );
    let mut a1 = Array::open(&r.home).unwrap();
    for bid in a1.box_ids() {
        a1.advance(&bid, u64::MAX).unwrap();
    }
    a1.commit().unwrap();
    drop(a1);
    d.suspend(&[a, b], false).unwrap();
    assert!(d
        .sessions()
        .unwrap()
        .iter()
        .all(|s| s.status == m::Status::Suspended));
    let all = drv(&r.home, "B1", 2).sessions().unwrap();
    assert_eq!(all[0].status, m::Status::Suspended);
}
