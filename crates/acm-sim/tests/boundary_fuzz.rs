//! Robustness at the engine boundary: whatever a (possibly hostile or broken)
//! initiator sends — unknown boxes and OLUs, extents past the end or overflowing
//! 64 bits, zero blocks, mismatched sizes, the wrong kind of volume for the copy
//! type, REC without a path, session ids that do not exist — the engine answers
//! with a `CopyError` and never panics, and it stays usable afterwards.

use acm_scsi::model as m;
use acm_sim::state::{LunKind, Rate, Sdv};
use acm_sim::{Array, Bid};
use m::{CopyError as E, CopyKind as K};
use proptest::prelude::*;
use proptest::test_runner::Config;
use std::path::Path;

const SIZE: u64 = 256 * 1024;

fn temp_home() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(d) = tempfile::Builder::new()
            .prefix("acmsim-fuzz")
            .tempdir_in(shm)
        {
            return d;
        }
    }
    tempfile::tempdir().unwrap()
}

/// Box 0: standard L0, L1 and Snap Data Volume S0; box 1: standard R0. A path
/// between them only when `path` says so (`Some(false)`: defined but down).
struct World {
    _dir: tempfile::TempDir,
    a: Array,
    b: [Bid; 2],
    /// (box index, olu, size, is SDV)
    luns: Vec<(usize, u32, u64, bool)>,
}

fn world(path: Option<bool>) -> World {
    let dir = temp_home();
    let mut a = Array::open(dir.path()).unwrap();
    let b0 = a.create_box("F0").unwrap();
    let b1 = a.create_box("F1").unwrap();
    let b = [
        m::BoxId::parse(&b0).unwrap().0,
        m::BoxId::parse(&b1).unwrap().0,
    ];
    for bx in &b {
        a.admin(bx, |s| {
            s.rate = Rate::Paused;
            Ok(())
        })
        .unwrap();
    }
    let l = a.create_luns(&b[0], SIZE, 2, LunKind::Standard).unwrap();
    let sdv = LunKind::Sdv(Sdv {
        physical_bytes: SIZE,
        allocated: Default::default(),
        copy_grains: 0,
        host_grains: 0,
    });
    let s = a.create_luns(&b[0], SIZE, 1, sdv).unwrap();
    let r = a
        .create_luns(&b[1], 128 * 1024, 1, LunKind::Standard)
        .unwrap();
    if let Some(up) = path {
        a.set_path(&b[0], &b[1], up).unwrap();
    }
    a.commit().unwrap();
    World {
        _dir: dir,
        a,
        b,
        luns: vec![
            (0, l[0], SIZE, false),
            (0, l[1], SIZE, false),
            (0, s[0], SIZE, true),
            (1, r[0], 128 * 1024, false),
        ],
    }
}

/// A box id: one of the two boxes, a well-formed unknown one, or 40 arbitrary bytes.
#[derive(Clone, Debug)]
enum BoxPick {
    Known(usize),
    /// The box of LUN i.
    OfLun(usize),
    Unknown,
    Garbage([u8; 40]),
}

#[derive(Clone, Debug)]
enum OluPick {
    Lun(usize),
    Raw(u32),
}

#[derive(Clone, Debug)]
struct ExtPick {
    bx: BoxPick,
    olu: OluPick,
    start_lba: u64,
    blocks: u64,
}

fn box_pick() -> impl Strategy<Value = BoxPick> {
    prop_oneof![
        18 => (0usize..2).prop_map(BoxPick::Known),
        1 => Just(BoxPick::Unknown),
        1 => prop::array::uniform32(any::<u8>()).prop_map(|a| {
            let mut g = [b'x'; 40];
            g[..32].copy_from_slice(&a);
            BoxPick::Garbage(g)
        }),
    ]
}

fn u64_pick(typical: u64) -> impl Strategy<Value = u64> {
    prop_oneof![
        6 => 0..=typical / 2,
        3 => 0..=typical,
        2 => Just(typical),
        1 => Just(0u64),
        1 => Just(u64::MAX),
        1 => Just(u64::MAX / 512),
        1 => Just(u64::MAX / 512 + 1),
        1 => Just(1u64 << 55),
        1 => any::<u64>(),
    ]
}

fn ext_pick() -> impl Strategy<Value = ExtPick> {
    let coherent = (0usize..4, 0u64..256, 1u64..=256).prop_map(|(l, start_lba, blocks)| ExtPick {
        bx: BoxPick::OfLun(l),
        olu: OluPick::Lun(l),
        start_lba,
        blocks,
    });
    let wild = (
        box_pick(),
        prop_oneof![18 => (0usize..4).prop_map(OluPick::Lun), 1 => any::<u32>().prop_map(OluPick::Raw)],
        u64_pick(600),
        u64_pick(512),
    )
        .prop_map(|(bx, olu, start_lba, blocks)| ExtPick { bx, olu, start_lba, blocks });
    prop_oneof![2 => coherent, 1 => wild]
}

fn kind_pick() -> impl Strategy<Value = K> {
    prop::sample::select(vec![
        K::Opc,
        K::QuickOpc,
        K::SnapOpc,
        K::SnapOpcPlus,
        K::Ec,
        K::Rec,
    ])
}

fn rec_pick() -> impl Strategy<Value = Option<m::RecModes>> {
    prop::option::of(
        (
            prop::sample::select(vec![
                m::Transfer::Sync,
                m::Transfer::Through,
                m::Transfer::Stack,
                m::Transfer::Consistency,
            ]),
            prop::sample::select(vec![m::Split::Auto, m::Split::Manual]),
            prop::sample::select(vec![m::Recovery::Auto, m::Recovery::Manual]),
        )
            .prop_map(|(transfer, split, recovery)| m::RecModes {
                transfer,
                split,
                recovery,
            }),
    )
}

impl World {
    fn bid(&self, p: &BoxPick) -> Bid {
        match p {
            BoxPick::Known(i) => self.b[*i],
            BoxPick::OfLun(i) => self.b[self.luns[*i].0],
            BoxPick::Unknown => *b"00ETERNUSDXM##ET44S20A####HK999999######",
            BoxPick::Garbage(g) => *g,
        }
    }

    fn ext(&self, p: &ExtPick) -> m::Extent {
        let olu = match p.olu {
            OluPick::Lun(i) => self.luns[i].1,
            OluPick::Raw(o) => o,
        };
        m::Extent {
            box_id: m::BoxId(self.bid(&p.bx)),
            olu,
            start_lba: p.start_lba,
            blocks: p.blocks,
        }
    }

    /// The LUN an extent names, if it exists.
    fn lun(&self, e: &m::Extent) -> Option<(usize, u64, bool)> {
        let bx = self.b.iter().position(|b| *b == e.box_id.0)?;
        self.luns
            .iter()
            .find(|(b, o, _, _)| *b == bx && *o == e.olu)
            .map(|(b, _, size, sdv)| (*b, *size, *sdv))
    }

    /// Reads every LUN (no panic, no error) and checks the sessions' bookkeeping.
    fn sane(&mut self) {
        for (bx, olu, size, _) in self.luns.clone() {
            let bid = self.b[bx];
            let mut buf = vec![0u8; size as usize];
            let read = self.a.read_view(&bid, olu, 0, &mut buf);
            let infos = self.a.session_infos(&bid, olu).unwrap();
            if read == Err(E::AccessDenied) {
                // Only a mirror destination with access permission off refuses reads.
                assert!(
                    infos.iter().any(|i| matches!(i.kind, K::Ec | K::Rec)
                        && i.dst.box_id.0 == bid
                        && i.dst.olu == olu
                        && i.dest_access == m::DestAccess::NoAccess),
                    "{infos:?}"
                );
            } else {
                read.unwrap();
            }
            for i in infos {
                assert!(i.src.blocks > 0 && i.src.blocks == i.dst.blocks, "{i:?}");
                for e in [&i.src, &i.dst] {
                    let (_, lsize, _) =
                        self.lun(e).expect("a session on a LUN that does not exist");
                    assert!((e.start_lba + e.blocks) * m::BLOCK <= lsize, "{i:?}");
                }
                assert_eq!(i.total_grains, i.src.bytes().div_ceil(64 * 1024), "{i:?}");
                assert!(i.pending_grains <= i.total_grains && i.changed_grains <= i.total_grains);
            }
        }
    }
}

/// The refusal that a request with an obviously broken field must get, checked in
/// the engine's order: the addressed box, each extent's box and LUN, its size, then
/// the pair.
fn obvious_refusal(w: &World, addressed: &Bid, req: &m::StartRequest) -> Option<E> {
    if !w.b.contains(addressed) {
        return Some(E::NoSuchBox);
    }
    for e in [&req.src, &req.dst] {
        if !w.b.contains(&e.box_id.0) {
            return Some(E::NoSuchBox);
        }
        let (_, size, _) = match w.lun(e) {
            Some(l) => l,
            None => return Some(E::NoSuchLun),
        };
        let end = e
            .start_lba
            .checked_add(e.blocks)
            .and_then(|b| b.checked_mul(m::BLOCK));
        if e.blocks == 0 || end.is_none_or(|end| end > size) {
            return Some(E::ExtentSize);
        }
    }
    if req.src.blocks != req.dst.blocks {
        return Some(E::ExtentSize);
    }
    let (sb, _, ssdv) = w.lun(&req.src)?;
    let (db, _, dsdv) = w.lun(&req.dst)?;
    let same_lun = sb == db && req.src.olu == req.dst.olu;
    if same_lun
        && req.src.start_lba < req.dst.start_lba + req.dst.blocks
        && req.dst.start_lba < req.src.start_lba + req.src.blocks
    {
        return Some(E::ExtentConflict);
    }
    if (sb != db) != (req.kind == K::Rec) {
        return Some(E::NotSupported);
    }
    let snap = matches!(req.kind, K::SnapOpc | K::SnapOpcPlus);
    if snap != dsdv || (matches!(req.kind, K::Ec | K::Rec) && ssdv) {
        return Some(E::NotSupported);
    }
    None
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Random, mostly invalid StartRequests: never a panic; the obvious refusals are
    /// the documented ones; what is accepted is a sane session on real LUNs, and the
    /// array keeps working (copy, read, cancel) afterwards.
    #[test]
    fn random_start_requests_are_refused_cleanly(
        path in prop::option::of(any::<bool>()),
        setup in prop::collection::vec((kind_pick(), 0usize..4, 0usize..4), 0..4),
        reqs in prop::collection::vec(
            (box_pick(), kind_pick(), ext_pick(), ext_pick(), prop::bool::weighted(0.7), rec_pick(), any::<[bool; 3]>()),
            1..8,
        ),
    ) {
        let mut w = world(path);
        // Some sessions already there, for conflicts (whatever the engine makes of them).
        for (kind, s, d) in setup {
            let (sb, so, ss, _) = w.luns[s];
            let (db, dol, ds, _) = w.luns[d];
            let n = ss.min(ds) / m::BLOCK;
            let req = m::StartRequest {
                kind,
                src: m::Extent { box_id: m::BoxId(w.b[sb]), olu: so, start_lba: 0, blocks: n },
                dst: m::Extent { box_id: m::BoxId(w.b[db]), olu: dol, start_lba: 0, blocks: n },
                rec: None,
                dest_access: m::DestAccess::ReadOnly,
                skip_initial_copy: false,
                define_only: false,
            };
            let _ = w.a.start(&w.b[sb], &req);
        }
        for (at, kind, src, mut dst, same_size, rec, [access, skip, define]) in reqs {
            if same_size {
                dst.blocks = src.blocks;
            }
            let addressed = w.bid(&at);
            let req = m::StartRequest {
                kind,
                src: w.ext(&src),
                dst: w.ext(&dst),
                rec,
                dest_access: if access { m::DestAccess::NoAccess } else { m::DestAccess::ReadOnly },
                skip_initial_copy: skip,
                define_only: define,
            };
            let got = w.a.start(&addressed, &req);
            if let Some(e) = obvious_refusal(&w, &addressed, &req) {
                prop_assert_eq!(got.clone(), Err(e), "{:?}", req);
            } else if kind == K::Rec && path != Some(true) {
                let want = if path.is_none() { E::NotSupported } else { E::PathFailure };
                prop_assert_eq!(got.clone(), Err(want), "REC {:?}", req);
            }
            if let Ok(id) = got {
                prop_assert!(w.a.session_infos(&w.b[0], w.luns[0].1).is_ok());
                if define {
                    let _ = w.a.start_concurrent(&addressed, &[id]);
                }
            }
            w.sane();
        }
        for bx in w.b {
            w.a.advance(&bx, u64::MAX).unwrap();
        }
        w.a.commit().unwrap();
        drop(w.a);
    }

    /// Session commands with ids that exist, that do not, and on boxes that do not:
    /// never a panic, always `Ok` or a `CopyError`.
    #[test]
    fn random_session_commands_never_panic(
        ops in prop::collection::vec((0u8..8, box_pick(), prop_oneof![0u32..6, any::<u32>()], any::<[bool; 4]>(), rec_pick()), 1..24),
    ) {
        let mut w = world(Some(true));
        let l = w.luns.clone();
        for (kind, s, d) in [(K::QuickOpc, 0, 1), (K::SnapOpcPlus, 0, 2), (K::Rec, 1, 3)] {
            let n = l[d].2 / m::BLOCK;
            let req = m::StartRequest {
                kind,
                src: m::Extent { box_id: m::BoxId(w.b[l[s].0]), olu: l[s].1, start_lba: 0, blocks: n },
                dst: m::Extent { box_id: m::BoxId(w.b[l[d].0]), olu: l[d].1, start_lba: 0, blocks: n },
                rec: None,
                dest_access: m::DestAccess::ReadOnly,
                skip_initial_copy: false,
                define_only: false,
            };
            w.a.start(&w.b[l[s].0], &req).unwrap();
        }
        for (op, bx, id, f, rec) in ops {
            let bid = w.bid(&bx);
            let r: Result<(), E> = match op {
                0 => w.a.restart(&bid, &m::RestartRequest { id, remain: f[0], rec }),
                1 => w.a.suspend(&bid, &[id, id.wrapping_add(u32::from(f[1]))][..1 + usize::from(f[2])], f[0]),
                2 => w.a.cancel(&bid, &m::CancelRequest {
                    id,
                    with_older_generations: f[0],
                    tracking_only: f[1],
                    only_if_halted: f[2],
                }),
                3 => w.a.reverse(&bid, id),
                4 => w.a.change_mode(&bid, id, &m::ModeChange {
                    transfer: rec.map(|r| r.transfer),
                    split: rec.map(|r| r.split),
                    recovery: rec.filter(|_| f[3]).map(|r| r.recovery),
                }),
                5 => w.a.start_concurrent(&bid, &[id]),
                6 => w.a.advance(&bid, u64::from(id)).map(|_| ()),
                _ => w.a.suspend(&bid, &[], f[0]),
            };
            if !w.b.contains(&bid) {
                prop_assert!(r.is_err(), "op {} on an unknown box succeeded", op);
            }
            if op == 7 {
                prop_assert!(r.is_err(), "suspend of no session succeeded");
            }
            w.sane();
        }
        w.a.commit().unwrap();
    }

    /// Host I/O anywhere, including offsets and lengths past the end of the LUN or
    /// past 2^64: `LbaOutOfRange` (or the box / LUN is unknown), never a panic; in
    /// range it works.
    #[test]
    fn host_io_out_of_range_is_refused(
        io in prop::collection::vec((any::<bool>(), box_pick(), prop_oneof![0usize..4, Just(9)], u64_pick(SIZE), 0usize..70_000), 1..16),
    ) {
        let mut w = world(Some(true));
        for (write, bx, l, off, len) in io {
            let bid = w.bid(&bx);
            let olu = w.luns.get(l).map(|x| x.1).unwrap_or(4242);
            let known = w.b.iter().position(|b| *b == bid).and_then(|b| {
                w.luns.iter().find(|x| x.0 == b && x.1 == olu).map(|x| x.2)
            });
            let r = if write {
                w.a.write_view(&bid, olu, off, &vec![0xA5; len], None)
            } else {
                let mut buf = vec![0; len];
                w.a.read_view(&bid, olu, off, &mut buf)
            };
            match known {
                None => prop_assert!(matches!(r, Err(E::NoSuchBox | E::NoSuchLun)), "{:?}", r),
                Some(size) => {
                    let fits = off.checked_add(len as u64).is_some_and(|e| e <= size);
                    if fits {
                        prop_assert_eq!(r, Ok(()));
                    } else {
                        prop_assert_eq!(r, Err(E::LbaOutOfRange));
                    }
                }
            }
        }
        w.sane();
    }
}
