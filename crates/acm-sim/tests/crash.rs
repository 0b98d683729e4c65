//! Crash tests: a worker process (this test binary, re-executed) runs operations on
//! an array in a loop — host writes to sources with live QuickOPC, SnapOPC+, EC and
//! OPC sessions, session starts, restarts, suspends and cancels, copy progress —
//! each one opening the array (which takes the lock), acting and committing. The
//! parent kills it with SIGKILL at random moments, reopens the array and checks
//! what must hold whatever the moment was: the state file opens, the sessions'
//! bookkeeping is whole, and the data keeps its points in time.
//!
//! Every block the worker writes is self-describing (version, block number, tag and
//! a filler derived from them), so a check can tell which write a block came from
//! and that no block is torn, and can compare points in time block by block.

use acm_core::store::StoreError;
use acm_scsi::model as m;
use acm_sim::state::{Kind, LunKind, Phase, Rate, Sdv, Status};
use acm_sim::{Array, Bid, SimError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const WORKER_HOME: &str = "ACMSIM_CRASH_WORKER_HOME";
const WORKER_SEED: &str = "ACMSIM_CRASH_WORKER_SEED";
const WORKER_MODE: &str = "ACMSIM_CRASH_WORKER_MODE";
const SIZE: u64 = 256 * 1024;
const BLOCKS: u64 = SIZE / m::BLOCK;
const TAG_SRC: u64 = 0x5352_4300;
const TAG_DST: u64 = 0x4453_5400;

// LUN roles (OLUs in creation order).
const L0: u32 = 0; // source: SnapOPC+ G1 over A on S0, OPC over A to L3, QuickOPC to L1, EC to L2
const L1: u32 = 1; // QuickOPC destination (the worker also writes it)
const L2: u32 = 2; // EC destination
const L3: u32 = 3; // OPC destination over content A, never touched again
const L4: u32 = 4; // second source: rotating SnapOPC+ generations on S3..S5, OPC re-runs to L5
const L5: u32 = 5;
const S0: u32 = 6; // S0..S5 are OLUs 6..11

fn temp_home() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(d) = tempfile::Builder::new()
            .prefix("acmsim-crash")
            .tempdir_in(shm)
        {
            return d;
        }
    }
    tempfile::tempdir().unwrap()
}

/// A small deterministic generator (the tests must not depend on a crate for it).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn filler(version: u64, block: u64, tag: u64) -> Rng {
    Rng((version.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ block ^ (tag << 20)) | 1)
}

/// `count` self-describing blocks starting at LUN block `first`.
fn blocks(version: u64, first: u64, count: u64, tag: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity((count * m::BLOCK) as usize);
    for b in first..first + count {
        out.extend_from_slice(&version.to_le_bytes());
        out.extend_from_slice(&b.to_le_bytes());
        out.extend_from_slice(&tag.to_le_bytes());
        let mut r = filler(version, b, tag);
        while out.len() % m::BLOCK as usize != 0 {
            out.extend_from_slice(&r.next().to_le_bytes());
        }
    }
    out
}

/// What a block holds: never written (zeros), or (version, tag) of the write it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Block {
    Zero,
    Written { version: u64, tag: u64 },
}

/// Decodes every block of a LUN image at its LUN block numbers; panics on a torn or
/// foreign block.
fn decode(img: &[u8], what: &str) -> Vec<Block> {
    img.chunks(m::BLOCK as usize)
        .enumerate()
        .map(|(i, b)| {
            if b.iter().all(|x| *x == 0) {
                return Block::Zero;
            }
            let word = |n: usize| u64::from_le_bytes(b[n * 8..n * 8 + 8].try_into().unwrap());
            let (version, block, tag) = (word(0), word(1), word(2));
            let expect = blocks(version, block, 1, tag);
            assert!(
                block == i as u64 && (tag == TAG_SRC || tag == TAG_DST) && b == &expect[..],
                "{what}: block {i} is torn or misplaced (header says block {block}, version {version}, tag {tag:x})"
            );
            Block::Written { version, tag }
        })
        .collect()
}

fn version_of(b: Block) -> Option<u64> {
    match b {
        Block::Zero => None,
        Block::Written { version, .. } => Some(version),
    }
}

fn sdv() -> LunKind {
    LunKind::Sdv(Sdv {
        physical_bytes: SIZE,
        allocated: Default::default(),
        copy_grains: 0,
        host_grains: 0,
    })
}

fn ext(bid: &Bid, olu: u32) -> m::Extent {
    m::Extent {
        box_id: m::BoxId(*bid),
        olu,
        start_lba: 0,
        blocks: BLOCKS,
    }
}

fn req(kind: m::CopyKind, bid: &Bid, s: u32, d: u32) -> m::StartRequest {
    m::StartRequest {
        kind,
        src: ext(bid, s),
        dst: ext(bid, d),
        rec: None,
        dest_access: m::DestAccess::ReadOnly,
        skip_initial_copy: false,
        define_only: false,
    }
}

fn read(a: &mut Array, bid: &Bid, olu: u32) -> Vec<u8> {
    let mut buf = vec![0u8; SIZE as usize];
    a.read_view(bid, olu, 0, &mut buf)
        .unwrap_or_else(|e| panic!("reading OLU {olu}: {e:?}"));
    buf
}

/// Content A: version 0 everywhere.
fn content_a() -> Vec<u8> {
    blocks(0, 0, BLOCKS, TAG_SRC)
}

/// The box: sources with content A, a SnapOPC+ generation and an OPC taken over A.
fn setup(home: &Path) -> Bid {
    let mut a = Array::open(home).unwrap();
    let id = a.create_box("C").unwrap();
    let bid = m::BoxId::parse(&id).unwrap().0;
    a.admin(&bid, |s| {
        // Slow enough that opening the array copies a grain or so now and then.
        s.rate = Rate::BytesPerSecond(32 << 20);
        Ok(())
    })
    .unwrap();
    assert_eq!(
        a.create_luns(&bid, SIZE, 6, LunKind::Standard).unwrap(),
        (0..6).collect::<Vec<_>>()
    );
    assert_eq!(
        a.create_luns(&bid, SIZE, 6, sdv()).unwrap(),
        (6..12).collect::<Vec<_>>()
    );
    a.write_view(&bid, L0, 0, &content_a(), None).unwrap();
    a.write_view(&bid, L4, 0, &content_a(), None).unwrap();
    a.start(&bid, &req(m::CopyKind::SnapOpcPlus, &bid, L0, S0))
        .unwrap();
    a.start(&bid, &req(m::CopyKind::Opc, &bid, L0, L3)).unwrap();
    a.commit().unwrap();
    bid
}

// ---------------------------------------------------------------------------
// The worker
// ---------------------------------------------------------------------------

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

fn sessions_of(a: &Array, bid: &Bid) -> Vec<(u32, Kind, u32, u32, Status, Phase, u64)> {
    a.state(bid)
        .unwrap()
        .sessions
        .values()
        .map(|s| {
            (
                s.id,
                s.kind,
                s.src.olu,
                s.dst.olu,
                s.status,
                s.phase,
                s.pending.count(),
            )
        })
        .collect()
}

/// One operation, as one command would run it: open, act, commit.
fn worker_step(home: &Path, rng: &mut Rng, version: &mut u64) {
    let mut a = Array::open(home).expect("the worker cannot open the array");
    let bid = a.box_ids()[0];
    let sess = sessions_of(&a, &bid);
    let find = |kind: Kind, src: u32, dst: u32| {
        sess.iter()
            .find(|s| s.1 == kind && s.2 == src && s.3 == dst)
            .copied()
    };
    *version = (*version + 1).max(now_ns());
    let v = *version;
    let write = |a: &mut Array, olu: u32, tag: u64, rng: &mut Rng| {
        let first = rng.below(BLOCKS);
        let count = 1 + rng.below((BLOCKS - first).min(300));
        let _ = a.write_view(
            &bid,
            olu,
            first * m::BLOCK,
            &blocks(v, first, count, tag),
            None,
        );
    };
    match rng.below(16) {
        0..=4 => write(&mut a, L0, TAG_SRC, rng),
        5 | 6 => write(&mut a, L4, TAG_SRC, rng),
        7 => write(&mut a, L1, TAG_DST, rng),
        8 => match find(Kind::QuickOpc, L0, L1) {
            Some(s) => a
                .restart(
                    &bid,
                    &m::RestartRequest {
                        id: s.0,
                        remain: false,
                        rec: None,
                    },
                )
                .unwrap(),
            None => {
                a.start(&bid, &req(m::CopyKind::QuickOpc, &bid, L0, L1))
                    .unwrap();
            }
        },
        9 => match find(Kind::Ec, L0, L2) {
            None => {
                a.start(&bid, &req(m::CopyKind::Ec, &bid, L0, L2)).unwrap();
            }
            Some((id, _, _, _, Status::Active, Phase::Equivalent, 0)) => {
                a.suspend(&bid, &[id], false).unwrap()
            }
            Some((id, _, _, _, Status::Suspended, _, _)) => a
                .restart(
                    &bid,
                    &m::RestartRequest {
                        id,
                        remain: false,
                        rec: None,
                    },
                )
                .unwrap(),
            Some(_) => {
                a.advance(&bid, 1 + rng.below(200_000)).unwrap();
            }
        },
        10 => {
            // Generations of L0 on S1 and S2, once each; G1 on S0 stays the oldest.
            for s in [S0 + 1, S0 + 2] {
                if find(Kind::SnapOpcPlus, L0, s).is_none() {
                    a.start(&bid, &req(m::CopyKind::SnapOpcPlus, &bid, L0, s))
                        .unwrap();
                    break;
                }
            }
        }
        11 | 12 => {
            // Rotating generations of L4 on S3..S5.
            let mut gens: Vec<_> = sess
                .iter()
                .filter(|s| s.1 == Kind::SnapOpcPlus && s.2 == L4)
                .collect();
            gens.sort_by_key(|s| a.state(&bid).unwrap().sessions[&s.0].generation_seq);
            let free = (S0 + 3..S0 + 6).find(|d| !gens.iter().any(|g| g.3 == *d));
            let target = free.unwrap_or_else(|| gens[0].3);
            if rng.below(5) == 0 && !gens.is_empty() {
                let c = m::CancelRequest {
                    id: gens[0].0,
                    ..Default::default()
                };
                a.cancel(&bid, &c).unwrap();
            } else {
                a.start(&bid, &req(m::CopyKind::SnapOpcPlus, &bid, L4, target))
                    .unwrap();
            }
        }
        13 => {
            a.start(&bid, &req(m::CopyKind::Opc, &bid, L4, L5)).unwrap();
        }
        _ => {
            a.advance(&bid, 1 + rng.below(300_000)).unwrap();
        }
    }
    a.commit().expect("the worker cannot commit");
}

/// Runs as the worker only when re-executed by a crash test; a no-op otherwise.
#[test]
fn crash_worker() {
    let Ok(home) = std::env::var(WORKER_HOME) else {
        return;
    };
    let seed: u64 = std::env::var(WORKER_SEED).unwrap().parse().unwrap();
    let home = PathBuf::from(home);
    let rec = std::env::var(WORKER_MODE).is_ok_and(|m| m == "rec");
    let mut rng = Rng(seed | 1);
    let mut version = 0;
    let progress = home.join("progress");
    // The parent kills the worker within a second; should it not (it died), stop anyway.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if rec {
            rec_step(&home, &mut rng, &mut version);
        } else {
            worker_step(&home, &mut rng, &mut version);
        }
        // Outside the array: counts finished operations, for the parent's sake.
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&progress)
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"."));
    }
}

// ---------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------

/// What must hold after a kill at any moment.
fn check(home: &Path, round: usize) {
    let mut a =
        Array::open(home).unwrap_or_else(|e| panic!("round {round}: the array does not open: {e}"));
    let bid = a.box_ids()[0];
    let st = a.state(&bid).unwrap().clone();
    let grain = st.grain_bytes;

    // Bookkeeping: bitmaps sized to their sessions, generations in order.
    let mut gens: BTreeMap<u32, Vec<(u64, u32)>> = BTreeMap::new();
    for s in st.sessions.values() {
        let grains = s.src.bytes().div_ceil(grain);
        assert_eq!(
            s.pending.len(),
            grains,
            "round {round}: pending bitmap of {s:?}"
        );
        assert_eq!(
            s.changed.len(),
            grains,
            "round {round}: changed bitmap of {s:?}"
        );
        assert!(st.luns.contains_key(&s.src.olu) && st.luns.contains_key(&s.dst.olu));
        if s.kind == Kind::SnapOpcPlus {
            assert!(
                matches!(st.luns[&s.dst.olu].kind, LunKind::Sdv(_)),
                "round {round}: {s:?}"
            );
            gens.entry(s.src.olu)
                .or_default()
                .push((s.generation_seq, s.dst.olu));
        }
        if s.kind == Kind::Opc {
            assert!(
                !s.pending.is_empty() || s.phase == Phase::Copying,
                "round {round}: {s:?}"
            );
        }
    }
    for (src, g) in gens.iter_mut() {
        g.sort();
        let seqs: Vec<u64> = g.iter().map(|x| x.0).collect();
        let mut dedup = seqs.clone();
        dedup.dedup();
        assert_eq!(
            seqs, dedup,
            "round {round}: generations of OLU {src} share a number"
        );
        let infos = a.session_infos(&bid, *src).unwrap();
        let mut numbers: Vec<(u32, bool)> = infos
            .iter()
            .filter(|i| i.kind == m::CopyKind::SnapOpcPlus && i.src.olu == *src)
            .map(|i| (i.generation, i.active_generation))
            .collect();
        numbers.sort();
        let want: Vec<(u32, bool)> = (1..=g.len() as u32)
            .map(|n| (n, n == g.len() as u32))
            .collect();
        assert_eq!(
            numbers, want,
            "round {round}: generation numbers of OLU {src}"
        );
    }
    // G1 over content A is always the oldest generation of L0.
    assert_eq!(
        gens[&L0][0].1, S0,
        "round {round}: the first generation of L0 moved"
    );

    // Data: every block readable and whole; points in time kept.
    let imgs: BTreeMap<u32, Vec<Block>> = st
        .luns
        .keys()
        .map(|olu| {
            (
                *olu,
                decode(
                    &read(&mut a, &bid, *olu),
                    &format!("round {round}: OLU {olu}"),
                ),
            )
        })
        .collect();
    let a_blocks = decode(&content_a(), "A");
    for olu in [L3, S0] {
        let bad = imgs[&olu].iter().zip(&a_blocks).position(|(x, y)| x != y);
        assert!(
            bad.is_none(),
            "round {round}: OLU {olu}, taken over content A, no longer reads A: block {bad:?} is {:?}",
            bad.map(|b| imgs[&olu][b])
        );
    }
    // Generations, oldest to newest, then the source: versions never go back.
    for (src, g) in &gens {
        let mut chain: Vec<u32> = g.iter().map(|x| x.1).collect();
        chain.push(*src);
        for w in chain.windows(2) {
            for (i, (older, newer)) in imgs[&w[0]].iter().zip(&imgs[&w[1]]).enumerate() {
                assert!(
                    version_of(*older) <= version_of(*newer),
                    "round {round}: block {i}: OLU {} ({older:?}) is newer than OLU {} ({newer:?})",
                    w[0],
                    w[1]
                );
            }
        }
    }
    // Copies of a source hold nothing newer than the source.
    for (dst, src) in [(L2, L0), (L5, L4)] {
        for (i, (d, s)) in imgs[&dst].iter().zip(&imgs[&src]).enumerate() {
            assert!(
                version_of(*d) <= version_of(*s),
                "round {round}: block {i} of OLU {dst} ({d:?}) is newer than its source {src} ({s:?})"
            );
        }
    }
    // An equivalent EC mirror holds its source.
    for s in st.sessions.values() {
        if s.kind == Kind::Ec
            && s.status == Status::Active
            && s.phase == Phase::Equivalent
            && s.pending.is_empty()
        {
            let bad = imgs[&L2].iter().zip(&imgs[&L0]).position(|(x, y)| x != y);
            assert!(
                bad.is_none(),
                "round {round}: EC says equivalent but L2 is not L0 from block {bad:?}: {:?} vs {:?}",
                bad.map(|b| imgs[&L2][b]),
                bad.map(|b| imgs[&L0][b])
            );
        }
    }
    a.commit().unwrap();
}

/// After the last round: the copies resynchronise to exactly their sources, which
/// shows that no change was lost from the tracking bitmaps.
fn resync(home: &Path) {
    let mut a = Array::open(home).unwrap();
    let bid = a.box_ids()[0];
    let sess = sessions_of(&a, &bid);
    let l5 = read(&mut a, &bid, L5);
    for s in &sess {
        match (s.1, s.4) {
            (Kind::QuickOpc, _) => a
                .restart(
                    &bid,
                    &m::RestartRequest {
                        id: s.0,
                        remain: false,
                        rec: None,
                    },
                )
                .unwrap(),
            (Kind::Ec, Status::Suspended) => a
                .restart(
                    &bid,
                    &m::RestartRequest {
                        id: s.0,
                        remain: false,
                        rec: None,
                    },
                )
                .unwrap(),
            _ => {}
        }
    }
    while a.advance(&bid, u64::MAX).unwrap() > 0 {}
    let src = read(&mut a, &bid, L0);
    if sess.iter().any(|s| s.1 == Kind::QuickOpc) {
        assert!(
            read(&mut a, &bid, L1) == src,
            "QuickOPC: L1 is not L0 after a differential copy"
        );
    }
    if sess.iter().any(|s| s.1 == Kind::Ec) {
        assert!(
            read(&mut a, &bid, L2) == src,
            "EC: L2 is not L0 after the resync"
        );
    }
    assert!(
        a.session_infos(&bid, L5).unwrap().is_empty(),
        "the OPC to L5 did not finish"
    );
    assert!(
        read(&mut a, &bid, L5) == l5,
        "the OPC to L5 changed its point in time while copying"
    );
    a.commit().unwrap();
}

/// Runs the worker in `mode` and kills it `rounds` times, checking after each kill.
fn kill_rounds(home: &Path, mode: &str, rounds: usize, check: impl Fn(&Path, usize)) {
    let seed = now_ns();
    eprintln!("crash test ({mode}) seed {seed}");
    let mut rng = Rng(seed | 1);
    let exe = std::env::current_exe().unwrap();
    for round in 0..rounds {
        let mut child = Command::new(&exe)
            .args(["crash_worker", "--exact", "--nocapture", "--test-threads=1"])
            .env(WORKER_HOME, home)
            .env(WORKER_MODE, mode)
            .env(WORKER_SEED, (seed ^ round as u64).to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(5 + rng.below(60)));
        child.kill().unwrap();
        let out = child.wait_with_output().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            out.status.signal(),
            Some(9),
            "round {round}: the worker stopped by itself: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        check(home, round);
    }
    let done = std::fs::metadata(home.join("progress"))
        .map(|m| m.len())
        .unwrap_or(0);
    eprintln!("crash test ({mode}): {done} operations completed over {rounds} kills");
    assert!(
        done >= rounds as u64,
        "the worker hardly ran ({done} operations)"
    );
}

#[test]
fn kill_9_at_random_moments_leaves_a_consistent_array() {
    let dir = temp_home();
    let home = dir.path().join("home");
    setup(&home);
    kill_rounds(&home, "local", 24, check);
    resync(&home);
}

// ---------------------------------------------------------------------------
// REC in Consistency mode: the journal across kills
// ---------------------------------------------------------------------------

fn rec_setup(home: &Path) -> [Bid; 2] {
    let mut a = Array::open(home).unwrap();
    let ids = [a.create_box("P").unwrap(), a.create_box("S").unwrap()];
    let b = [
        m::BoxId::parse(&ids[0]).unwrap().0,
        m::BoxId::parse(&ids[1]).unwrap().0,
    ];
    let remote = ids[1].clone();
    a.admin(&b[0], |s| {
        s.rate = Rate::BytesPerSecond(32 << 20);
        s.rec_buffers.insert(
            1,
            acm_sim::state::RecBuffer {
                usage: acm_sim::state::BufferUse::Send,
                size_bytes: 1 << 30,
                remote_box: remote,
            },
        );
        Ok(())
    })
    .unwrap();
    let src = a.create_luns(&b[0], SIZE, 1, LunKind::Standard).unwrap()[0];
    let dst = a.create_luns(&b[1], SIZE, 1, LunKind::Standard).unwrap()[0];
    a.set_path(&b[0], &b[1], true).unwrap();
    a.write_view(&b[0], src, 0, &content_a(), None).unwrap();
    let e = |bx: &Bid, olu| m::Extent {
        box_id: m::BoxId(*bx),
        olu,
        start_lba: 0,
        blocks: BLOCKS,
    };
    a.start(
        &b[0],
        &m::StartRequest {
            kind: m::CopyKind::Rec,
            src: e(&b[0], src),
            dst: e(&b[1], dst),
            rec: Some(m::RecModes {
                transfer: m::Transfer::Consistency,
                split: m::Split::Auto,
                recovery: m::Recovery::Auto,
            }),
            dest_access: m::DestAccess::ReadOnly,
            skip_initial_copy: false,
            define_only: false,
        },
    )
    .unwrap();
    while a.advance(&b[0], u64::MAX).unwrap() > 0 {}
    a.commit().unwrap();
    b
}

fn rec_boxes(a: &Array) -> [Bid; 2] {
    let mut b = a.box_ids();
    b.sort_by_key(|x| a.state(x).unwrap().name.clone());
    [b[0], b[1]]
}

fn rec_step(home: &Path, rng: &mut Rng, version: &mut u64) {
    let mut a = Array::open(home).expect("the worker cannot open the array");
    let b = rec_boxes(&a);
    *version = (*version + 1).max(now_ns());
    match rng.below(10) {
        0..=5 => {
            let first = rng.below(BLOCKS);
            let count = 1 + rng.below((BLOCKS - first).min(200));
            a.write_view(
                &b[0],
                0,
                first * m::BLOCK,
                &blocks(*version, first, count, TAG_SRC),
                None,
            )
            .unwrap();
        }
        6..=8 => {
            a.advance(&b[0], 1 + rng.below(100_000)).unwrap();
        }
        _ => a.set_path(&b[0], &b[1], rng.below(3) != 0).unwrap(),
    }
    a.commit().expect("the worker cannot commit");
}

fn rec_check(home: &Path, round: usize) {
    let mut a =
        Array::open(home).unwrap_or_else(|e| panic!("round {round}: the array does not open: {e}"));
    let b = rec_boxes(&a);
    let s = a
        .state(&b[0])
        .unwrap()
        .sessions
        .values()
        .next()
        .unwrap()
        .clone();
    assert!(
        !s.failed(),
        "round {round}: the REC session failed: {:?}",
        s.status
    );
    let src = decode(&read(&mut a, &b[0], 0), &format!("round {round}: source"));
    let dst = decode(
        &read(&mut a, &b[1], 0),
        &format!("round {round}: destination"),
    );
    // A write cut short by the kill may have reached the journal and not the source;
    // its grains stay pending, to be copied again from the source.
    let grain = a.state(&b[0]).unwrap().grain_bytes;
    for (i, (d, x)) in dst.iter().zip(&src).enumerate() {
        let g = i as u64 * m::BLOCK / grain;
        assert!(
            version_of(*d) <= version_of(*x) || s.pending.contains(g),
            "round {round}: block {i}: destination {d:?} is newer than source {x:?}, grain {g} not pending"
        );
    }
    a.commit().unwrap();
}

#[test]
fn kill_9_during_rec_consistency_keeps_the_journal_whole() {
    let dir = temp_home();
    let home = dir.path().join("home");
    rec_setup(&home);
    kill_rounds(&home, "rec", 24, rec_check);
    // Link up, caught up: the destination is the source and the session is fine.
    let mut a = Array::open(&home).unwrap();
    let b = rec_boxes(&a);
    a.set_path(&b[0], &b[1], true).unwrap();
    while a.advance(&b[0], u64::MAX).unwrap() > 0 {}
    let s = a
        .state(&b[0])
        .unwrap()
        .sessions
        .values()
        .next()
        .unwrap()
        .clone();
    assert_eq!(
        (s.status, s.phase),
        (Status::Active, Phase::Equivalent),
        "{s:?}"
    );
    assert!(
        read(&mut a, &b[1], 0) == read(&mut a, &b[0], 0),
        "the caught-up destination is not the source"
    );
}

// ---------------------------------------------------------------------------
// Damaged and foreign stores
// ---------------------------------------------------------------------------

fn store_path(home: &Path) -> PathBuf {
    acm_sim::store::store_path(home)
}

fn open_err(home: &Path) -> SimError {
    match Array::open(home) {
        Ok(_) => panic!("a damaged array opened"),
        Err(e) => e,
    }
}

#[test]
fn truncated_or_garbage_store_is_reported_as_damaged() {
    let dir = temp_home();
    let home = dir.path().join("home");
    setup(&home);
    let path = store_path(&home);
    let good = std::fs::read(&path).unwrap();
    let garbage: Vec<u8> = (0..good.len() as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut scribbled = good.clone();
    scribbled[..4096].copy_from_slice(&garbage[..4096]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", good[..good.len() / 3].to_vec()),
        ("empty", Vec::new()),
        ("garbage", garbage),
        ("header overwritten", scribbled),
    ];
    for (what, bytes) in cases {
        std::fs::write(&path, &bytes).unwrap();
        match open_err(&home) {
            SimError::Store(StoreError::Damaged { path: p, detail }) => {
                assert_eq!(p, path, "{what}: the error names another file");
                let msg = SimError::Store(StoreError::Damaged { path: p, detail }).to_string();
                assert!(
                    msg.contains("array.redb") && msg.contains("damaged"),
                    "{what}: {msg}"
                );
            }
            e => panic!("{what}: expected Damaged, got {e:?}"),
        }
    }
    // Put back, it opens again and nothing was lost.
    std::fs::write(&path, &good).unwrap();
    let mut a = Array::open(&home).unwrap();
    let bid = a.box_ids()[0];
    assert_eq!(read(&mut a, &bid, S0), content_a());
}

#[test]
fn store_of_another_version_is_incompatible() {
    let dir = temp_home();
    let home = dir.path().join("home");
    setup(&home);
    let path = store_path(&home);
    for version in [1, 3, 99] {
        acm_sim::store::stamp_version(&home, version).unwrap();
        match open_err(&home) {
            e @ SimError::Store(StoreError::Incompatible { .. }) => {
                let msg = e.to_string();
                let SimError::Store(StoreError::Incompatible {
                    path: p,
                    found_version,
                    ..
                }) = e
                else {
                    unreachable!()
                };
                assert_eq!(p, path, "version {version}");
                assert_eq!(found_version, version);
                assert!(msg.contains(&path.display().to_string()), "{msg}");
            }
            e => panic!("version {version}: expected Incompatible, got {e:?}"),
        }
    }
    acm_sim::store::stamp_version(&home, acm_sim::store::STORE_VERSION).unwrap();
    Array::open(&home).unwrap();
}

#[test]
fn boxes_of_the_earlier_layout_are_named() {
    let dir = temp_home();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join("OLD")).unwrap();
    std::fs::write(home.join("OLD/state.json"), b"{}").unwrap();
    let msg = open_err(&home).to_string();
    assert!(
        msg.contains("OLD/state.json") && msg.contains("version 1"),
        "{msg}"
    );
}
