//! Fixed cases for engine bugs that the model-based, fuzz and crash tests found
//! (those pick new random cases on every run; these pin the ones that failed).

use acm_scsi::model as m;
use acm_sim::state::{BufferUse, LunKind, Rate, RecBuffer, Sdv};
use acm_sim::{Array, Bid};
use m::{CopyError as E, CopyKind as K};

const SIZE: u64 = 256 * 1024;

struct W {
    _dir: tempfile::TempDir,
    a: Array,
    b: Bid,
    l: Vec<u32>,
    s: Vec<u32>,
}

fn world() -> W {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Array::open(dir.path()).unwrap();
    let id = a.create_box("R").unwrap();
    let b = m::BoxId::parse(&id).unwrap().0;
    a.admin(&b, |s| {
        s.rate = Rate::Paused;
        Ok(())
    })
    .unwrap();
    let l = a.create_luns(&b, SIZE, 4, LunKind::Standard).unwrap();
    let sdv = LunKind::Sdv(Sdv {
        physical_bytes: SIZE,
        allocated: Default::default(),
        copy_grains: 0,
        host_grains: 0,
    });
    let s = a.create_luns(&b, SIZE, 2, sdv).unwrap();
    W {
        _dir: dir,
        a,
        b,
        l,
        s,
    }
}

fn ext(b: &Bid, olu: u32) -> m::Extent {
    m::Extent {
        box_id: m::BoxId(*b),
        olu,
        start_lba: 0,
        blocks: SIZE / m::BLOCK,
    }
}

fn req(kind: K, b: &Bid, s: u32, d: u32) -> m::StartRequest {
    m::StartRequest {
        kind,
        src: ext(b, s),
        dst: ext(b, d),
        rec: None,
        dest_access: m::DestAccess::ReadOnly,
        skip_initial_copy: false,
        define_only: false,
    }
}

fn fill(w: &mut W, olu: u32, byte: u8) {
    let b = w.b;
    w.a.write_view(&b, olu, 0, &vec![byte; SIZE as usize], None)
        .unwrap();
}

fn read(w: &mut W, olu: u32) -> Vec<u8> {
    let mut buf = vec![0; SIZE as usize];
    let b = w.b;
    w.a.read_view(&b, olu, 0, &mut buf).unwrap();
    buf
}

/// An OPC with nothing left to copy (a restore that finds no difference) ends at the
/// next copy instead of holding its destination in Copying for ever.
#[test]
fn opc_with_nothing_pending_ends() {
    let mut w = world();
    let (b, l, s) = (w.b, w.l.clone(), w.s.clone());
    w.a.start(&b, &req(K::SnapOpc, &b, l[0], s[0])).unwrap();
    w.a.start(&b, &req(K::Opc, &b, s[0], l[0])).unwrap();
    w.a.advance(&b, u64::MAX).unwrap();
    let left: Vec<_> =
        w.a.session_infos(&b, l[0])
            .unwrap()
            .into_iter()
            .filter(|i| i.kind == K::Opc)
            .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Starting a snapshot on an SDV that an OPC is copying from keeps the OPC's point
/// in time (the snapshot start changes the SDV's view; the OPC must copy first).
#[test]
fn snapshot_start_keeps_a_running_opc_from_the_sdv() {
    let mut w = world();
    let (b, l, s) = (w.b, w.l.clone(), w.s.clone());
    w.a.start(&b, &req(K::Opc, &b, s[0], l[1])).unwrap();
    fill(&mut w, l[0], 7);
    w.a.start(&b, &req(K::SnapOpc, &b, l[0], s[0])).unwrap();
    assert_eq!(
        read(&mut w, l[1]),
        vec![0; SIZE as usize],
        "the OPC destination took the new snapshot"
    );
    assert_eq!(read(&mut w, s[0]), vec![7; SIZE as usize]);
}

/// Re-running an OPC (which replaces the old session, grains still uncopied) keeps
/// the point in time of an OPC that is copying from its destination.
#[test]
fn opc_rerun_keeps_a_running_opc_from_its_destination() {
    let mut w = world();
    let (b, l) = (w.b, w.l.clone());
    fill(&mut w, l[0], 1);
    w.a.start(&b, &req(K::Opc, &b, l[0], l[1])).unwrap();
    w.a.start(&b, &req(K::Opc, &b, l[1], l[2])).unwrap();
    w.a.start(&b, &req(K::Opc, &b, l[0], l[1])).unwrap();
    assert_eq!(read(&mut w, l[2]), vec![1; SIZE as usize]);
    assert_eq!(read(&mut w, l[1]), vec![1; SIZE as usize]);
}

/// A ring of mirrors would carry each write round for ever (a stack overflow): the
/// start that closes it is refused.
#[test]
fn mirror_ring_is_refused() {
    let mut w = world();
    let (b, l) = (w.b, w.l.clone());
    w.a.start(&b, &req(K::Ec, &b, l[0], l[1])).unwrap();
    w.a.start(&b, &req(K::Ec, &b, l[1], l[2])).unwrap();
    assert_eq!(
        w.a.start(&b, &req(K::Ec, &b, l[2], l[0])),
        Err(E::ExtentConflict)
    );
    w.a.advance(&b, u64::MAX).unwrap();
    fill(&mut w, l[0], 3);
    assert_eq!(read(&mut w, l[2]), vec![3; SIZE as usize]);
}

/// Reversing a mirror whose source is another session's destination would give that
/// volume two sessions writing it.
#[test]
fn reverse_onto_a_taken_destination_is_refused() {
    let mut w = world();
    let (b, l) = (w.b, w.l.clone());
    let ab = w.a.start(&b, &req(K::Ec, &b, l[0], l[1])).unwrap();
    w.a.advance(&b, u64::MAX).unwrap();
    w.a.suspend(&b, &[ab], false).unwrap();
    w.a.start(&b, &req(K::Ec, &b, l[2], l[0])).unwrap();
    assert_eq!(w.a.reverse(&b, ab), Err(E::ExtentConflict));
}

/// Extents and host I/O whose arithmetic overflows 64 bits are refused, not a panic.
#[test]
fn overflowing_extents_and_offsets_are_refused() {
    let mut w = world();
    let (b, l) = (w.b, w.l.clone());
    let mut r = req(K::Opc, &b, l[0], l[1]);
    r.src.blocks = 1 << 55;
    assert_eq!(w.a.start(&b, &r), Err(E::ExtentSize));
    r.src.blocks = 1;
    r.src.start_lba = u64::MAX;
    assert_eq!(w.a.start(&b, &r), Err(E::ExtentSize));
    let mut buf = [0u8; 16];
    assert_eq!(
        w.a.read_view(&b, l[0], u64::MAX - 4, &mut buf),
        Err(E::LbaOutOfRange)
    );
    assert_eq!(
        w.a.write_view(&b, l[0], u64::MAX - 4, &buf, None),
        Err(E::LbaOutOfRange)
    );
    assert_eq!(
        w.a.read_view(&b, l[0], u64::MAX, &mut []),
        Err(E::LbaOutOfRange)
    );
}

/// Access permission off protects the mirror destination from the host, not the
/// copies that read through it: reading another volume, and the mirror's own copy,
/// work.
#[test]
fn no_access_destination_does_not_block_reads_through_it() {
    let mut w = world();
    let (b, l) = (w.b, w.l.clone());
    fill(&mut w, l[1], 5);
    w.a.start(&b, &req(K::Opc, &b, l[1], l[0])).unwrap();
    let mut ec = req(K::Ec, &b, l[0], l[1]);
    ec.dest_access = m::DestAccess::NoAccess;
    let id = w.a.start(&b, &ec).unwrap();
    assert_eq!(read(&mut w, l[0]), vec![5; SIZE as usize]);
    let mut buf = [0u8; 8];
    assert_eq!(w.a.read_view(&b, l[1], 0, &mut buf), Err(E::AccessDenied));
    w.a.advance(&b, u64::MAX).unwrap();
    let i =
        w.a.session_infos(&b, l[1])
            .unwrap()
            .into_iter()
            .find(|i| i.id == id)
            .unwrap();
    assert_eq!(
        (i.status, i.phase),
        (m::Status::Active, m::Phase::Equivalent)
    );
}

/// REC Consistency: buffered writes reach the destination before grains recorded in
/// the bitmap are copied, so an older journaled write never lands over a newer copy.
#[test]
fn consistency_journal_goes_before_the_bitmap() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Array::open(dir.path()).unwrap();
    let ids = [a.create_box("P").unwrap(), a.create_box("S").unwrap()];
    let b = [
        m::BoxId::parse(&ids[0]).unwrap().0,
        m::BoxId::parse(&ids[1]).unwrap().0,
    ];
    let remote = ids[1].clone();
    a.admin(&b[0], |s| {
        s.rate = Rate::Paused;
        s.rec_buffers.insert(
            1,
            RecBuffer {
                usage: BufferUse::Send,
                size_bytes: 1 << 30,
                remote_box: remote,
            },
        );
        Ok(())
    })
    .unwrap();
    a.admin(&b[1], |s| {
        s.rate = Rate::Paused;
        Ok(())
    })
    .unwrap();
    let src = a.create_luns(&b[0], SIZE, 1, LunKind::Standard).unwrap()[0];
    let dst = a.create_luns(&b[1], SIZE, 1, LunKind::Standard).unwrap()[0];
    a.set_path(&b[0], &b[1], true).unwrap();
    let modes = |transfer| m::RecModes {
        transfer,
        split: m::Split::Auto,
        recovery: m::Recovery::Auto,
    };
    let id = a
        .start(
            &b[0],
            &m::StartRequest {
                kind: K::Rec,
                src: ext(&b[0], src),
                dst: ext(&b[1], dst),
                rec: Some(modes(m::Transfer::Through)),
                dest_access: m::DestAccess::ReadOnly,
                skip_initial_copy: false,
                define_only: false,
            },
        )
        .unwrap();
    while a.advance(&b[0], u64::MAX).unwrap() > 0 {}
    // Grain 0 changes in Through mode (bitmap), then the session turns to Consistency
    // and journals a write to grain 1, an older one to grain 0, a newer one to grain 0.
    a.write_view(&b[0], src, 0, &[1; 100], None).unwrap();
    let change = m::ModeChange {
        transfer: Some(m::Transfer::Consistency),
        split: None,
        recovery: None,
    };
    a.change_mode(&b[0], id, &change).unwrap();
    a.write_view(&b[0], src, 64 * 1024, &[2; 20_000], None)
        .unwrap();
    a.write_view(&b[0], src, 0, &[3; 20_000], None).unwrap();
    a.write_view(&b[0], src, 0, &[4; 20_000], None).unwrap();
    let src_now = {
        let mut buf = vec![0; SIZE as usize];
        a.read_view(&b[0], src, 0, &mut buf).unwrap();
        buf
    };
    // Copy a little at a time; grain 0 of the destination never goes back from 4 to 3.
    let mut seen_new = false;
    let mut buf = vec![0; SIZE as usize];
    for _ in 0..16 {
        a.advance(&b[0], 30_000).unwrap();
        a.read_view(&b[1], dst, 0, &mut buf).unwrap();
        assert!(
            !(seen_new && buf[0] == 3),
            "an older journaled write landed over a newer copy"
        );
        seen_new |= buf[0] == 4;
    }
    assert!(buf == src_now);
}

/// A SnapOPC+ session defined but not started (`define_only`) is no
/// generation yet: a hardware fault on its source, and cancelling it, once
/// sliced an empty list of generations and panicked.
#[test]
fn a_defined_snapopcplus_survives_a_fault_and_a_cancel() {
    for fault_first in [true, false] {
        let mut w = world();
        let mut r = req(K::SnapOpcPlus, &w.b, w.l[0], w.s[0]);
        r.define_only = true;
        let id = w.a.start(&w.b, &r).unwrap();
        if fault_first {
            w.a.set_hardware_fault(&w.b, w.l[0], true).unwrap();
        }
        w.a.cancel(
            &w.b,
            &m::CancelRequest {
                id,
                with_older_generations: false,
                tracking_only: false,
                only_if_halted: false,
            },
        )
        .unwrap();
        assert!(w.a.session_infos(&w.b, w.l[0]).unwrap().is_empty());
    }
}
