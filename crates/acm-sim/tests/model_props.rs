//! Model-based property tests of the copy engine.
//!
//! Random interleavings of host writes (to sources and, where permitted, to
//! destinations), session starts, suspends, resumes, reversals, cancels,
//! differential restarts, background copy with small budgets and REC link
//! outages are run against the engine and against a reference model made of
//! plain byte images, one per LUN, updated by the rules of Advanced Copy:
//!
//! - OPC / QuickOPC / SnapOPC / SnapOPC+ start: the destination becomes the
//!   source as it is now (a differential QuickOPC restart likewise);
//! - EC / REC: the destination follows the source once equivalent; at a
//!   suspend it is the source at that moment; after a resync it is the source;
//! - a write changes one image (and, through an active synchronous mirror, its
//!   destination).
//!
//! Where the model cannot know the bytes (a cancelled copy whose physical copy
//! may be incomplete, a mirror destination while it is catching up) it marks
//! them unknown and checks nothing there. Every refusal the model predicts must
//! come with the predicted `CopyError` and leave everything unchanged.

use acm_scsi::model as m;
use acm_sim::state::{BufferUse, LunKind, Rate, RecBuffer, Sdv};
use acm_sim::{Array, Bid};
use m::{CopyError as E, CopyKind as K};
use proptest::prelude::*;
use proptest::test_runner::Config;
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

const BLK: u64 = m::BLOCK;

/// A temporary home, on tmpfs when there is one (the engine syncs a lot).
fn temp_home() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(d) = tempfile::Builder::new()
            .prefix("acmsim-prop")
            .tempdir_in(shm)
        {
            return d;
        }
    }
    tempfile::tempdir().unwrap()
}

/// Deterministic pseudo-random bytes for a write.
fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut x = (seed ^ 0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn bid_of(id: &str) -> Bid {
    m::BoxId::parse(id).unwrap().0
}

fn sdv_kind() -> LunKind {
    LunKind::Sdv(Sdv {
        physical_bytes: 1 << 30,
        allocated: Default::default(),
        copy_grains: 0,
        host_grains: 0,
    })
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2048,
        ..Config::default()
    }
}

fn is_mirror(k: K) -> bool {
    matches!(k, K::Ec | K::Rec)
}

fn is_snap(k: K) -> bool {
    matches!(k, K::SnapOpc | K::SnapOpcPlus)
}

// ---------------------------------------------------------------------------
// The reference model
// ---------------------------------------------------------------------------

/// LUN size: four 64 KiB grains.
const SIZE: u64 = 256 * 1024;
const SIZE_BLOCKS: u64 = SIZE / BLK;
/// L0..L3 standard and S0..S2 Snap Data Volumes on box 0; R0, R1 standard on box 1.
const NL: usize = 9;
const LUN_NAMES: [&str; NL] = ["L0", "L1", "L2", "L3", "S0", "S1", "S2", "R0", "R1"];

fn lun_box(l: usize) -> usize {
    usize::from(l >= 7)
}

fn lun_sdv(l: usize) -> bool {
    (4..7).contains(&l)
}

/// An extent in model terms: LUN index and byte range.
#[derive(Clone, Copy, PartialEq, Eq)]
struct MExt {
    lun: usize,
    start: u64,
    len: u64,
}

impl fmt::Debug for MExt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}+{}]",
            LUN_NAMES[self.lun],
            self.start / BLK,
            self.len / BLK
        )
    }
}

impl MExt {
    fn end(&self) -> u64 {
        self.start + self.len
    }
    fn overlaps(&self, o: &MExt) -> bool {
        self.lun == o.lun && self.start < o.end() && o.start < self.end()
    }
    /// The part of `r` inside `self`, as the same bytes of `to` (an extent of the same length).
    fn map(&self, r: &MExt, to: &MExt) -> Option<MExt> {
        if !self.overlaps(r) {
            return None;
        }
        let a = r.start.max(self.start);
        let b = r.end().min(self.end());
        Some(MExt {
            lun: to.lun,
            start: to.start + (a - self.start),
            len: b - a,
        })
    }
}

/// Three-valued knowledge: definitely not, maybe, definitely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tri {
    No,
    Maybe,
    Yes,
}

impl Tri {
    /// Something that sets this flag happened (`sure`) or may have happened.
    fn hit(&mut self, sure: bool) {
        *self = if sure {
            Tri::Yes
        } else if *self == Tri::No {
            Tri::Maybe
        } else {
            *self
        };
    }
    fn or(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::No, Tri::No) => Tri::No,
            _ => Tri::Maybe,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum St {
    Active,
    Suspended,
    Halt,
}

#[derive(Clone, Debug)]
struct MSess {
    uid: usize,
    kind: K,
    src: MExt,
    dst: MExt,
    /// Box that owns the session (the source's box at start).
    owner: usize,
    st: St,
    /// OPC: may have finished its physical copy and gone away.
    gone: bool,
    /// QuickOPC: physical copy known complete.
    copied: bool,
    /// SnapOPC+: creation order.
    seq: u64,
    rec: Option<m::RecModes>,
    /// EC/REC, active: not equivalent (pending grains, or phase not Equivalent).
    busy: Tri,
    /// EC/REC Consistency: the journal is known empty.
    jclean: bool,
    /// EC/REC suspended or halted: changes recorded since.
    dirty: Tri,
    /// REC initial copy skipped.
    skipped: bool,
}

impl MSess {
    fn transfer(&self) -> m::Transfer {
        self.rec.map(|r| r.transfer).unwrap_or(m::Transfer::Sync)
    }
    /// Active and known to hold exactly the source: the model copies the source over.
    fn synced(&self) -> bool {
        is_mirror(self.kind) && self.st == St::Active && self.busy == Tri::No && self.jclean
    }
    /// Copy-on-read sessions: the destination reads through to the source.
    fn lazy(&self) -> bool {
        match self.kind {
            K::Opc => true,
            K::QuickOpc => !self.copied,
            K::SnapOpc | K::SnapOpcPlus => true,
            _ => false,
        }
    }
    fn manual_sync(&self) -> bool {
        self.kind == K::Rec
            && self
                .rec
                .is_some_and(|r| r.transfer == m::Transfer::Sync && r.split == m::Split::Manual)
    }
}

/// A LUN image: bytes and which of them the model knows.
#[derive(Clone)]
struct Img {
    data: Vec<u8>,
    known: Vec<bool>,
}

impl fmt::Debug for Img {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unknown = self.known.iter().filter(|k| !**k).count();
        write!(f, "Img({} bytes, {} unknown)", self.data.len(), unknown)
    }
}

/// What the engine must answer to the last transition.
#[derive(Clone, Debug, PartialEq)]
enum Expect {
    Ok,
    /// A new session, known to the model under this uid.
    Started(usize),
    /// Refused, with one of these errors.
    Err(Vec<E>),
    /// Either done or refused with one of these (an OPC that may have finished).
    OkOr(Vec<E>),
}

#[derive(Clone, Debug)]
struct Model {
    grain: u64,
    /// Box i has a SEND buffer toward the other box.
    bufs: [bool; 2],
    path_up: bool,
    img: Vec<Img>,
    sess: Vec<MSess>,
    next_uid: usize,
    dead: Vec<usize>,
    expect: Expect,
}

/// Start parameters.
#[derive(Clone, Debug)]
struct StartT {
    kind: K,
    src: MExt,
    dst: MExt,
    rec: m::RecModes,
    skip: bool,
}

#[derive(Clone, Debug)]
enum T {
    Write {
        lun: usize,
        off: u64,
        len: u64,
        seed: u64,
    },
    Start(StartT),
    Restart {
        uid: usize,
    },
    Suspend {
        uid: usize,
        forced: bool,
    },
    Reverse {
        uid: usize,
    },
    Cancel {
        uid: usize,
        with_older: bool,
        tracking_only: bool,
        only_if_halted: bool,
    },
    Advance {
        bx: usize,
        budget: u64,
    },
    Drain,
    Path {
        up: bool,
    },
    Reopen,
}

impl Model {
    fn new(grain: u64, bufs: [bool; 2]) -> Model {
        Model {
            grain,
            bufs,
            path_up: true,
            img: (0..NL)
                .map(|_| Img {
                    data: vec![0; SIZE as usize],
                    known: vec![true; SIZE as usize],
                })
                .collect(),
            sess: Vec::new(),
            next_uid: 1,
            dead: Vec::new(),
            expect: Expect::Ok,
        }
    }

    fn find(&self, uid: usize) -> Option<usize> {
        self.sess.iter().position(|s| s.uid == uid)
    }

    /// SnapOPC+ generations of a source extent, oldest first (indices).
    fn gens(&self, src: &MExt) -> Vec<usize> {
        let mut g: Vec<usize> = (0..self.sess.len())
            .filter(|i| self.sess[*i].kind == K::SnapOpcPlus && self.sess[*i].src == *src)
            .collect();
        g.sort_by_key(|i| self.sess[*i].seq);
        g
    }

    fn copy_region(&mut self, from: MExt, to: MExt) {
        let (a, b) = (from.start as usize, from.end() as usize);
        let data = self.img[from.lun].data[a..b].to_vec();
        let known = self.img[from.lun].known[a..b].to_vec();
        let (c, d) = (to.start as usize, to.end() as usize);
        self.img[to.lun].data[c..d].copy_from_slice(&data);
        self.img[to.lun].known[c..d].copy_from_slice(&known);
    }

    fn forget(&mut self, e: MExt) {
        self.img[e.lun].known[e.start as usize..e.end() as usize].fill(false);
    }

    /// `e` lost its meaning without the sessions reading it being told (a copy was
    /// cancelled): whatever reads through it is unknown too.
    fn taint(&mut self, e: MExt) {
        let mut work = vec![e];
        let mut steps = 0;
        while let Some(r) = work.pop() {
            steps += 1;
            if steps > 64 {
                break;
            }
            self.forget(r);
            for s in &self.sess {
                if s.lazy() && s.src.overlaps(&r) {
                    work.push(s.dst);
                }
            }
        }
    }

    /// The view of `region` changed: by a write (host, mirror or copy) or by a
    /// logical copy. `sure`: it certainly did. Sessions that track changes react.
    fn change(&mut self, region: MExt, logical: bool, sure: bool) {
        let mut work = vec![region];
        let mut steps = 0;
        while let Some(r) = work.pop() {
            steps += 1;
            assert!(
                steps < 256,
                "mirror writes do not terminate (a cycle of mirrors?)"
            );
            let bufs = self.bufs;
            for s in self.sess.iter_mut() {
                if !is_mirror(s.kind) {
                    continue;
                }
                let journal = s.transfer() == m::Transfer::Consistency && bufs[lun_box(s.src.lun)];
                if s.src.overlaps(&r) {
                    match s.st {
                        St::Active => {
                            if !logical && s.transfer() == m::Transfer::Sync {
                                // Mirrored at once: the destination changes too.
                                work.extend(s.src.map(&r, &s.dst));
                            } else if !logical && journal {
                                s.jclean = false;
                            } else {
                                s.busy.hit(sure);
                            }
                        }
                        St::Halt => {
                            s.dirty.hit(sure);
                            if !logical && journal {
                                s.jclean = false;
                            }
                        }
                        St::Suspended => s.dirty.hit(sure),
                    }
                }
                if s.dst.overlaps(&r) && s.st == St::Suspended {
                    s.dirty.hit(sure);
                }
            }
        }
    }

    /// Mirrors: a synced destination is its source; one catching up is unknown.
    fn settle(&mut self) {
        for _ in 0..=self.sess.len() {
            for i in 0..self.sess.len() {
                let s = &self.sess[i];
                if !is_mirror(s.kind) || s.st != St::Active {
                    continue;
                }
                let (src, dst) = (s.src, s.dst);
                if s.synced() {
                    self.copy_region(src, dst);
                } else {
                    self.forget(dst);
                }
            }
        }
    }

    fn kill(&mut self, i: usize) -> MSess {
        let s = self.sess.remove(i);
        self.dead.push(s.uid);
        s
    }

    fn lookup(&self, uid: usize) -> Result<usize, Expect> {
        self.find(uid)
            .ok_or_else(|| Expect::Err(vec![E::NoSuchSession]))
    }

    // ----- transitions -----

    fn write(&mut self, lun: usize, off: u64, len: u64, seed: u64) -> Expect {
        let w = MExt {
            lun,
            start: off,
            len,
        };
        let mut errs = Vec::new();
        for s in &self.sess {
            if s.dst.overlaps(&w) && is_mirror(s.kind) && matches!(s.st, St::Active | St::Halt) {
                errs.push(E::WriteProtected);
            }
            if s.src.overlaps(&w) && s.st == St::Halt && s.manual_sync() {
                errs.push(E::PathFailure);
            }
        }
        if !errs.is_empty() {
            return Expect::Err(errs);
        }
        let data = pattern(seed, len as usize);
        let img = &mut self.img[lun];
        img.data[off as usize..(off + len) as usize].copy_from_slice(&data);
        img.known[off as usize..(off + len) as usize].fill(true);
        self.change(w, false, true);
        Expect::Ok
    }

    fn start_errors(&self, t: &StartT) -> Result<Vec<usize>, Expect> {
        let err = |e| Err(Expect::Err(vec![e]));
        for e in [&t.src, &t.dst] {
            if e.len == 0 || e.end() > SIZE {
                return err(E::ExtentSize);
            }
        }
        if t.src.len != t.dst.len {
            return err(E::ExtentSize);
        }
        if t.src.overlaps(&t.dst) {
            return err(E::ExtentConflict);
        }
        let inter_box = lun_box(t.src.lun) != lun_box(t.dst.lun);
        if inter_box != (t.kind == K::Rec) {
            return err(E::NotSupported);
        }
        if is_snap(t.kind) != lun_sdv(t.dst.lun) || (is_mirror(t.kind) && lun_sdv(t.src.lun)) {
            return err(E::NotSupported);
        }
        if t.kind == K::Rec && !self.path_up {
            return err(E::PathFailure);
        }
        let mut replace = Vec::new();
        let mut errs = Vec::new();
        for (i, s) in self.sess.iter().enumerate() {
            let conflict = s.dst.overlaps(&t.dst)
                || (s.src.overlaps(&t.dst) && s.dst.overlaps(&t.src) && is_mirror(s.kind));
            if !conflict {
                continue;
            }
            let same_pair = s.src == t.src && s.dst == t.dst;
            match (s.kind, t.kind) {
                (K::Opc | K::QuickOpc, K::Opc) if same_pair => replace.push(i),
                (K::SnapOpc, K::SnapOpc) if same_pair => replace.push(i),
                (K::SnapOpcPlus, K::SnapOpcPlus) if same_pair => {
                    if self.gens(&s.src).first() != Some(&i) {
                        errs.push(E::NotOldestGeneration);
                    } else {
                        replace.push(i);
                    }
                }
                _ if s.dst.overlaps(&t.dst) => errs.push(E::ExtentConflict),
                _ => errs.push(E::WrongPhase),
            }
        }
        if !errs.is_empty() {
            return Err(Expect::Err(errs));
        }
        if is_mirror(t.kind) && self.mirrors_reach(t.dst, t.src) {
            return err(E::ExtentConflict);
        }
        if t.kind == K::SnapOpcPlus
            && self
                .sess
                .iter()
                .any(|s| s.kind == K::SnapOpcPlus && s.src == t.dst)
        {
            return err(E::ExtentConflict);
        }
        Ok(replace)
    }

    fn start(&mut self, t: &StartT) -> Expect {
        let replace = match self.start_errors(t) {
            Ok(r) => r,
            Err(e) => return e,
        };
        for i in replace.into_iter().rev() {
            self.kill(i);
        }
        let seq = if t.kind == K::SnapOpcPlus {
            self.gens(&t.src)
                .iter()
                .map(|i| self.sess[*i].seq)
                .max()
                .unwrap_or(0)
                + 1
        } else {
            0
        };
        let uid = self.next_uid;
        self.next_uid += 1;
        let mirror = is_mirror(t.kind);
        let skip = mirror && t.skip;
        self.sess.push(MSess {
            uid,
            kind: t.kind,
            src: t.src,
            dst: t.dst,
            owner: lun_box(t.src.lun),
            st: if skip { St::Suspended } else { St::Active },
            gone: false,
            copied: false,
            seq,
            rec: (t.kind == K::Rec).then_some(t.rec),
            busy: Tri::Yes,
            jclean: true,
            dirty: Tri::No,
            skipped: skip,
        });
        if !mirror {
            // The logical copy: the destination is the source as it is now.
            self.copy_region(t.src, t.dst);
            self.change(t.dst, true, false);
        }
        Expect::Started(uid)
    }

    fn restart(&mut self, uid: usize) -> Expect {
        let i = match self.lookup(uid) {
            Ok(i) => i,
            Err(e) => return e,
        };
        let s = self.sess[i].clone();
        if s.gone {
            return Expect::Err(vec![E::WrongPhase, E::NoSuchSession]);
        }
        match (s.kind, s.st) {
            (K::QuickOpc, St::Active) => {
                self.copy_region(s.src, s.dst);
                self.change(s.dst, true, false);
                self.sess[i].copied = false;
                Expect::Ok
            }
            (K::Ec | K::Rec, St::Suspended) => {
                if s.kind == K::Rec && !self.path_up {
                    return Expect::Err(vec![E::PathFailure]);
                }
                let t = &mut self.sess[i];
                t.busy = if t.skipped { Tri::Yes } else { t.dirty };
                t.st = St::Active;
                t.skipped = false;
                t.jclean = true;
                t.dirty = Tri::No;
                Expect::Ok
            }
            _ => Expect::Err(vec![E::WrongPhase]),
        }
    }

    fn suspend(&mut self, uid: usize, forced: bool) -> Expect {
        let i = match self.lookup(uid) {
            Ok(i) => i,
            Err(e) => return e,
        };
        let s = self.sess[i].clone();
        if s.gone {
            return Expect::Err(vec![E::WrongPhase, E::NoSuchSession]);
        }
        let ok = is_mirror(s.kind)
            && match s.st {
                St::Active if forced => true,
                St::Halt => forced,
                St::Active => {
                    assert!(s.busy != Tri::Maybe, "precondition");
                    s.busy == Tri::No
                }
                St::Suspended => false,
            };
        if !ok {
            return Expect::Err(vec![E::WrongPhase]);
        }
        // What the suspend leaves recorded as changed: the pending grains and the journal.
        let left = match (s.busy, s.jclean) {
            (Tri::No, true) => Tri::No,
            (Tri::Yes, _) => Tri::Yes,
            _ => Tri::Maybe,
        };
        let t = &mut self.sess[i];
        if !forced {
            // Equivalent: the journal drains first; the destination is the source now.
            t.dirty = Tri::No;
            t.st = St::Suspended;
            t.jclean = true;
            self.copy_region(s.src, s.dst);
        } else {
            t.dirty = if s.st == St::Halt {
                s.dirty.or(left)
            } else {
                left
            };
            t.st = St::Suspended;
            t.jclean = true;
        }
        Expect::Ok
    }

    fn reverse(&mut self, uid: usize) -> Expect {
        let i = match self.lookup(uid) {
            Ok(i) => i,
            Err(e) => return e,
        };
        let s = &mut self.sess[i];
        if s.gone {
            return Expect::Err(vec![E::WrongPhase, E::NoSuchSession]);
        }
        if !is_mirror(s.kind) || s.st != St::Suspended {
            return Expect::Err(vec![E::WrongPhase]);
        }
        // The source becomes a destination, which takes one session.
        let src = s.src;
        if self
            .sess
            .iter()
            .any(|o| o.uid != uid && o.dst.overlaps(&src))
        {
            return Expect::Err(vec![E::ExtentConflict]);
        }
        let s = &mut self.sess[i];
        std::mem::swap(&mut s.src, &mut s.dst);
        Expect::Ok
    }

    /// Whether writes to `from` reach `to` through mirrors (a ring, if `to` feeds `from`).
    fn mirrors_reach(&self, from: MExt, to: MExt) -> bool {
        let mut frontier = vec![from];
        let mut seen = Vec::new();
        while let Some(e) = frontier.pop() {
            if e.overlaps(&to) {
                return true;
            }
            for s in &self.sess {
                if is_mirror(s.kind) && s.src.overlaps(&e) && !seen.contains(&s.uid) {
                    seen.push(s.uid);
                    frontier.push(s.dst);
                }
            }
        }
        false
    }

    fn cancel(
        &mut self,
        uid: usize,
        with_older: bool,
        tracking_only: bool,
        only_if_halted: bool,
    ) -> Expect {
        let i = match self.lookup(uid) {
            Ok(i) => i,
            Err(e) => return e,
        };
        let s = self.sess[i].clone();
        if s.gone {
            if only_if_halted || tracking_only {
                return Expect::Err(vec![E::WrongPhase, E::NoSuchSession]);
            }
            self.kill(i);
            self.taint(s.dst);
            return Expect::OkOr(vec![E::NoSuchSession]);
        }
        if only_if_halted && s.st != St::Halt {
            return Expect::Err(vec![E::WrongPhase]);
        }
        if tracking_only {
            if s.kind != K::QuickOpc {
                return Expect::Err(vec![E::WrongPhase]);
            }
            if s.copied {
                self.kill(i);
            } else {
                // The physical copy goes on as an OPC, which may finish at any time.
                let t = &mut self.sess[i];
                t.kind = K::Opc;
                t.gone = true;
            }
            return Expect::Ok;
        }
        if s.kind == K::SnapOpcPlus {
            let gens = self.gens(&s.src);
            let me = gens.iter().position(|g| *g == i).unwrap();
            if me > 0 && !with_older {
                return Expect::Err(vec![E::NotOldestGeneration]);
            }
            let uids: Vec<usize> = gens[..=me].iter().map(|g| self.sess[*g].uid).collect();
            for u in uids {
                let j = self.find(u).unwrap();
                let g = self.kill(j);
                self.taint(g.dst);
            }
            return Expect::Ok;
        }
        self.kill(i);
        let complete = is_mirror(s.kind) || (s.kind == K::QuickOpc && s.copied);
        if !complete {
            self.taint(s.dst);
        }
        Expect::Ok
    }

    fn advance(&mut self, bx: usize) -> Expect {
        let mut dsts = Vec::new();
        for s in self.sess.iter_mut().filter(|s| s.owner == bx) {
            if s.kind == K::Opc {
                s.gone = true;
            }
            if is_mirror(s.kind) && s.st == St::Active && !s.synced() {
                dsts.push(s.dst);
                if s.busy == Tri::Yes {
                    s.busy = Tri::Maybe;
                }
            }
        }
        for d in dsts {
            self.change(d, false, false);
        }
        Expect::Ok
    }

    fn drain(&mut self) -> Expect {
        let mut gone = Vec::new();
        let mut dsts = Vec::new();
        for (i, s) in self.sess.iter_mut().enumerate() {
            match s.kind {
                K::Opc => gone.push(i),
                K::QuickOpc => s.copied = true,
                K::Ec | K::Rec if s.st == St::Active && !s.synced() => {
                    dsts.push((s.dst, s.busy == Tri::Yes))
                }
                _ => {}
            }
        }
        for i in gone.into_iter().rev() {
            self.kill(i);
        }
        for (d, sure) in dsts {
            self.change(d, false, sure);
        }
        for s in self.sess.iter_mut() {
            if is_mirror(s.kind) && s.st == St::Active {
                s.busy = Tri::No;
                s.jclean = true;
            }
        }
        Expect::Ok
    }

    fn path(&mut self, up: bool) -> Expect {
        self.path_up = up;
        for s in self.sess.iter_mut().filter(|s| s.kind == K::Rec) {
            match (up, s.st) {
                (false, St::Active) => {
                    s.st = St::Halt;
                    s.dirty = Tri::No;
                }
                (true, St::Halt) if s.rec.unwrap().recovery == m::Recovery::Auto => {
                    s.busy = if s.dirty == Tri::Yes || s.busy == Tri::Yes {
                        Tri::Yes
                    } else if s.busy == Tri::No && s.jclean && s.dirty == Tri::No {
                        Tri::No
                    } else {
                        Tri::Maybe
                    };
                    s.st = St::Active;
                    s.dirty = Tri::No;
                }
                _ => {}
            }
        }
        Expect::Ok
    }

    /// A mirror writing into the source of a synchronous REC with manual split, which
    /// refuses writes while halted: the mirror would fail. Kept out of the runs.
    fn manual_sync_fed(sess: &[MSess]) -> bool {
        sess.iter().any(|a| {
            a.manual_sync()
                && sess
                    .iter()
                    .any(|b| b.uid != a.uid && is_mirror(b.kind) && b.dst.overlaps(&a.src))
        })
    }
}

// ---------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------

fn pair_strategy(kind: K) -> BoxedStrategy<(usize, usize)> {
    let any = (0..NL, 0..NL).boxed();
    let std0 = || prop::sample::select(vec![0usize, 1, 2, 3]);
    let pair = match kind {
        K::Opc | K::QuickOpc => prop_oneof![
            8 => (prop::sample::select(vec![0usize, 1, 2, 3, 4, 5, 6]), std0()),
            2 => prop::sample::select(vec![(7usize, 8usize), (8, 7)]),
        ]
        .boxed(),
        K::SnapOpc | K::SnapOpcPlus => (
            prop::sample::select(vec![0usize, 0, 0, 1, 2, 3, 4, 7]),
            prop::sample::select(vec![4usize, 5, 6]),
        )
            .boxed(),
        K::Ec => prop_oneof![
            8 => (std0(), std0()),
            2 => prop::sample::select(vec![(7usize, 8usize), (8, 7)]),
        ]
        .boxed(),
        K::Rec => prop_oneof![
            3 => (std0(), prop::sample::select(vec![7usize, 8])),
            1 => (prop::sample::select(vec![7usize, 8]), std0()),
        ]
        .boxed(),
    };
    prop_oneof![19 => pair, 1 => any].boxed()
}

/// (source start, destination start, blocks), in blocks.
fn shape_strategy() -> BoxedStrategy<(u64, u64, u64)> {
    let aligned = (1u64..=4).prop_flat_map(|g| {
        let blocks = g * 128;
        (0..=(4 - g), 0..=(4 - g), Just(blocks)).prop_map(|(a, b, n)| (a * 128, b * 128, n))
    });
    let partial =
        (1u64..=SIZE_BLOCKS).prop_flat_map(|n| (0..=SIZE_BLOCKS - n, 0..=SIZE_BLOCKS - n, Just(n)));
    let wild = (0u64..600, 0u64..600, 0u64..600);
    prop_oneof![
        12 => Just((0, 0, SIZE_BLOCKS)),
        3 => aligned,
        4 => partial,
        1 => wild,
    ]
    .boxed()
}

fn rec_strategy() -> BoxedStrategy<m::RecModes> {
    (
        prop::sample::select(vec![
            m::Transfer::Sync,
            m::Transfer::Through,
            m::Transfer::Stack,
            m::Transfer::Consistency,
        ]),
        prop_oneof![4 => Just(m::Split::Auto), 1 => Just(m::Split::Manual)],
        prop_oneof![3 => Just(m::Recovery::Auto), 1 => Just(m::Recovery::Manual)],
    )
        .prop_map(|(transfer, split, recovery)| m::RecModes {
            transfer,
            split,
            recovery,
        })
        .boxed()
}

fn start_strategy() -> BoxedStrategy<T> {
    prop_oneof![
        2 => Just(K::Opc),
        2 => Just(K::QuickOpc),
        1 => Just(K::SnapOpc),
        3 => Just(K::SnapOpcPlus),
        2 => Just(K::Ec),
        2 => Just(K::Rec),
    ]
    .prop_flat_map(|kind| {
        (
            Just(kind),
            pair_strategy(kind),
            shape_strategy(),
            rec_strategy(),
            prop::bool::weighted(0.1),
        )
    })
    .prop_map(|(kind, (s, d), (so, dof, n), rec, skip)| {
        let src = MExt {
            lun: s,
            start: so * BLK,
            len: n * BLK,
        };
        let dst = MExt {
            lun: d,
            start: dof * BLK,
            len: n * BLK,
        };
        T::Start(StartT {
            kind,
            src,
            dst,
            rec,
            skip,
        })
    })
    .boxed()
}

/// SnapOPC+ generations of L0 (rotation, NotOldestGeneration).
fn generation_strategy() -> BoxedStrategy<T> {
    (4usize..7)
        .prop_map(|d| {
            T::Start(StartT {
                kind: K::SnapOpcPlus,
                src: MExt {
                    lun: 0,
                    start: 0,
                    len: SIZE,
                },
                dst: MExt {
                    lun: d,
                    start: 0,
                    len: SIZE,
                },
                rec: m::RecModes {
                    transfer: m::Transfer::Sync,
                    split: m::Split::Auto,
                    recovery: m::Recovery::Auto,
                },
                skip: false,
            })
        })
        .boxed()
}

fn write_strategy() -> BoxedStrategy<T> {
    let bytes = (0..SIZE, 1u64..=80_000).prop_map(|(off, len)| (off, len.min(SIZE - off)));
    let blocks =
        (0..SIZE_BLOCKS, 1u64..=160).prop_map(|(b, n)| (b * BLK, (n * BLK).min(SIZE - b * BLK)));
    (0..NL, prop_oneof![bytes, blocks], any::<u64>())
        .prop_map(|(lun, (off, len), seed)| T::Write {
            lun,
            off,
            len,
            seed,
        })
        .boxed()
}

impl Model {
    /// Uids to aim a session command at: mostly live sessions (mirrors first when
    /// `mirrors`), sometimes a dead or unknown one.
    fn targets(&self, mirrors: bool) -> BoxedStrategy<usize> {
        let live: Vec<usize> = self.sess.iter().map(|s| s.uid).collect();
        let mir: Vec<usize> = self
            .sess
            .iter()
            .filter(|s| is_mirror(s.kind))
            .map(|s| s.uid)
            .collect();
        let mut dead = self.dead.clone();
        dead.push(100_000);
        let dead = prop::sample::select(dead);
        match (live.is_empty(), mirrors && !mir.is_empty()) {
            (true, _) => dead.boxed(),
            (false, true) => prop_oneof![
                6 => prop::sample::select(mir),
                3 => prop::sample::select(live),
                1 => dead,
            ]
            .boxed(),
            (false, false) => prop_oneof![9 => prop::sample::select(live), 1 => dead].boxed(),
        }
    }
}

struct Machine;

impl ReferenceStateMachine for Machine {
    type State = Model;
    type Transition = T;

    fn init_state() -> BoxedStrategy<Model> {
        (
            prop_oneof![3 => Just(64 * 1024u64), 1 => Just(16 * 1024u64)],
            any::<[bool; 2]>(),
        )
            .prop_map(|(grain, bufs)| Model::new(grain, bufs))
            .boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<T> {
        let uids = |f: &dyn Fn(&MSess) -> bool| -> Vec<usize> {
            state.sess.iter().filter(|s| f(s)).map(|s| s.uid).collect()
        };
        let suspendable = uids(&|s| is_mirror(s.kind) && s.st == St::Active && s.busy == Tri::No);
        let running = uids(&|s| is_mirror(s.kind) && matches!(s.st, St::Active | St::Halt));
        let suspended = uids(&|s| is_mirror(s.kind) && s.st == St::Suspended);
        let quick = uids(&|s| s.kind == K::QuickOpc);
        let mut v: Vec<(u32, BoxedStrategy<T>)> = vec![
            (30, write_strategy()),
            (20, start_strategy()),
            (6, generation_strategy()),
            (
                3,
                state
                    .targets(false)
                    .prop_map(|uid| T::Restart { uid })
                    .boxed(),
            ),
            (
                3,
                (state.targets(true), prop::bool::weighted(0.25))
                    .prop_map(|(uid, forced)| T::Suspend { uid, forced })
                    .boxed(),
            ),
            (
                2,
                state
                    .targets(true)
                    .prop_map(|uid| T::Reverse { uid })
                    .boxed(),
            ),
            (
                8,
                (
                    state.targets(false),
                    any::<bool>(),
                    prop::bool::weighted(0.15),
                    prop::bool::weighted(0.1),
                )
                    .prop_map(
                        |(uid, with_older, tracking_only, only_if_halted)| T::Cancel {
                            uid,
                            with_older,
                            tracking_only,
                            only_if_halted,
                        },
                    )
                    .boxed(),
            ),
            (
                10,
                (0usize..2, prop_oneof![1u64..70_000, 70_000u64..300_000])
                    .prop_map(|(bx, budget)| T::Advance { bx, budget })
                    .boxed(),
            ),
            (6, Just(T::Drain).boxed()),
            (4, any::<bool>().prop_map(|up| T::Path { up }).boxed()),
            (2, Just(T::Reopen).boxed()),
        ];
        let pick = |u: Vec<usize>| prop::sample::select(u);
        if !suspendable.is_empty() {
            v.push((
                8,
                pick(suspendable)
                    .prop_map(|uid| T::Suspend { uid, forced: false })
                    .boxed(),
            ));
        }
        if !running.is_empty() {
            v.push((
                2,
                pick(running)
                    .prop_map(|uid| T::Suspend { uid, forced: true })
                    .boxed(),
            ));
        }
        if !suspended.is_empty() {
            v.push((
                5,
                pick(suspended.clone())
                    .prop_map(|uid| T::Reverse { uid })
                    .boxed(),
            ));
            v.push((
                6,
                pick(suspended).prop_map(|uid| T::Restart { uid }).boxed(),
            ));
        }
        if !quick.is_empty() {
            v.push((4, pick(quick).prop_map(|uid| T::Restart { uid }).boxed()));
        }
        proptest::strategy::Union::new_weighted(v).boxed()
    }

    fn preconditions(state: &Model, t: &T) -> bool {
        match t {
            T::Start(st) => {
                // A start whose outcome would depend on whether an OPC has finished.
                let uncertain = state.sess.iter().any(|s| {
                    s.gone
                        && s.dst.overlaps(&st.dst)
                        && !(st.kind == K::Opc && s.src == st.src && s.dst == st.dst)
                });
                let mut sess = state.sess.clone();
                sess.push(MSess {
                    uid: usize::MAX,
                    kind: st.kind,
                    src: st.src,
                    dst: st.dst,
                    owner: 0,
                    st: St::Active,
                    gone: false,
                    copied: false,
                    seq: 0,
                    rec: (st.kind == K::Rec).then_some(st.rec),
                    busy: Tri::Yes,
                    jclean: true,
                    dirty: Tri::No,
                    skipped: false,
                });
                !uncertain && !Model::manual_sync_fed(&sess)
            }
            T::Suspend { uid, forced: false } => state
                .find(*uid)
                .map(|i| {
                    let s = &state.sess[i];
                    !(is_mirror(s.kind) && s.st == St::Active && s.busy == Tri::Maybe)
                })
                .unwrap_or(true),
            T::Reverse { uid } => {
                let mut sess = state.sess.clone();
                if let Some(i) = state.find(*uid) {
                    // Refused or not depending on whether an OPC has finished.
                    let src = sess[i].src;
                    if sess.iter().any(|o| o.gone && o.dst.overlaps(&src)) {
                        return false;
                    }
                    let s = &mut sess[i];
                    std::mem::swap(&mut s.src, &mut s.dst);
                }
                !Model::manual_sync_fed(&sess)
            }
            _ => true,
        }
    }

    fn apply(mut state: Model, t: &T) -> Model {
        state.expect = match t {
            T::Write {
                lun,
                off,
                len,
                seed,
            } => state.write(*lun, *off, *len, *seed),
            T::Start(st) => state.start(st),
            T::Restart { uid } => state.restart(*uid),
            T::Suspend { uid, forced } => state.suspend(*uid, *forced),
            T::Reverse { uid } => state.reverse(*uid),
            T::Cancel {
                uid,
                with_older,
                tracking_only,
                only_if_halted,
            } => state.cancel(*uid, *with_older, *tracking_only, *only_if_halted),
            T::Advance { bx, .. } => state.advance(*bx),
            T::Drain => state.drain(),
            T::Path { up } => state.path(*up),
            T::Reopen => Expect::Ok,
        };
        state.settle();
        state
    }
}

// ---------------------------------------------------------------------------
// The system under test
// ---------------------------------------------------------------------------

struct Sut {
    _dir: tempfile::TempDir,
    home: PathBuf,
    a: Option<Array>,
    bids: [Bid; 2],
    olus: Vec<u32>,
    /// Engine id and owner box of each model session.
    ids: HashMap<usize, (u32, usize)>,
}

impl Sut {
    fn a(&mut self) -> &mut Array {
        self.a.as_mut().unwrap()
    }

    fn ext(&self, e: &MExt) -> m::Extent {
        m::Extent {
            box_id: m::BoxId(self.bids[lun_box(e.lun)]),
            olu: self.olus[e.lun],
            start_lba: e.start / BLK,
            blocks: e.len / BLK,
        }
    }

    /// Engine id and addressed box of a model session (an unknown id for a dead one).
    fn target(&self, uid: usize) -> (u32, Bid) {
        let (id, bx) = self.ids.get(&uid).copied().unwrap_or((999_999, 0));
        (id, self.bids[bx])
    }

    fn drain(&mut self) {
        let bids = self.bids;
        for round in 0.. {
            assert!(round < 64, "background copy does not finish");
            let mut used = 0;
            for b in &bids {
                used += self.a().advance(b, u64::MAX).unwrap();
            }
            if used == 0 {
                break;
            }
        }
    }

    /// Every session of the array, by owner and id.
    fn infos(&mut self) -> Vec<m::SessionInfo> {
        let mut out: Vec<m::SessionInfo> = Vec::new();
        for l in 0..NL {
            let bid = self.bids[lun_box(l)];
            let olu = self.olus[l];
            for i in self.a().session_infos(&bid, olu).unwrap() {
                if !out.iter().any(|o| o.id == i.id && o.owner == i.owner) {
                    out.push(i);
                }
            }
        }
        out
    }
}

fn verdict(
    what: &T,
    exp: &Expect,
    got: Result<Option<u32>, E>,
    ids: &mut HashMap<usize, (u32, usize)>,
) {
    match (exp, got) {
        (Expect::Ok, Ok(_)) => {}
        (Expect::Started(uid), Ok(Some(id))) => {
            let T::Start(st) = what else { unreachable!() };
            ids.insert(*uid, (id, lun_box(st.src.lun)));
        }
        (Expect::Err(set), Err(e)) if set.contains(&e) => {}
        (Expect::OkOr(_), Ok(_)) => {}
        (Expect::OkOr(set), Err(e)) if set.contains(&e) => {}
        (exp, got) => panic!("{what:?}: the model expects {exp:?}, the engine answered {got:?}"),
    }
}

impl StateMachineTest for Machine {
    type SystemUnderTest = Sut;
    type Reference = Machine;

    fn init_test(state: &Model) -> Sut {
        let dir = temp_home();
        let home = dir.path().to_path_buf();
        let mut a = Array::open(&home).unwrap();
        let ids = [a.create_box("B0").unwrap(), a.create_box("B1").unwrap()];
        let bids = [bid_of(&ids[0]), bid_of(&ids[1])];
        for (i, b) in bids.iter().enumerate() {
            let grain = state.grain;
            let buf = state.bufs[i];
            let remote = ids[1 - i].clone();
            a.admin(b, |s| {
                s.rate = Rate::Paused;
                s.grain_bytes = grain;
                if buf {
                    s.rec_buffers.insert(
                        0,
                        RecBuffer {
                            usage: BufferUse::Send,
                            size_bytes: 64 << 20,
                            remote_box: remote,
                        },
                    );
                }
                Ok(())
            })
            .unwrap();
        }
        let mut olus = a.create_luns(&bids[0], SIZE, 4, LunKind::Standard).unwrap();
        olus.extend(a.create_luns(&bids[0], SIZE, 3, sdv_kind()).unwrap());
        olus.extend(a.create_luns(&bids[1], SIZE, 2, LunKind::Standard).unwrap());
        a.set_path(&bids[0], &bids[1], true).unwrap();
        a.commit().unwrap();
        Sut {
            _dir: dir,
            home,
            a: Some(a),
            bids,
            olus,
            ids: HashMap::new(),
        }
    }

    fn apply(mut sut: Sut, state: &Model, t: T) -> Sut {
        let got: Result<Option<u32>, E> = match &t {
            T::Write {
                lun,
                off,
                len,
                seed,
            } => {
                let (bid, olu) = (sut.bids[lun_box(*lun)], sut.olus[*lun]);
                let data = pattern(*seed, *len as usize);
                sut.a()
                    .write_view(&bid, olu, *off, &data, None)
                    .map(|_| None)
            }
            T::Start(st) => {
                let req = m::StartRequest {
                    kind: st.kind,
                    src: sut.ext(&st.src),
                    dst: sut.ext(&st.dst),
                    rec: (st.kind == K::Rec).then_some(st.rec),
                    dest_access: m::DestAccess::ReadOnly,
                    skip_initial_copy: st.skip,
                    define_only: false,
                };
                let bid = sut.bids[lun_box(st.src.lun)];
                sut.a().start(&bid, &req).map(Some)
            }
            T::Restart { uid } => {
                let (id, bid) = sut.target(*uid);
                let req = m::RestartRequest {
                    id,
                    remain: false,
                    rec: None,
                };
                sut.a().restart(&bid, &req).map(|_| None)
            }
            T::Suspend { uid, forced } => {
                let (id, bid) = sut.target(*uid);
                sut.a().suspend(&bid, &[id], *forced).map(|_| None)
            }
            T::Reverse { uid } => {
                let (id, bid) = sut.target(*uid);
                sut.a().reverse(&bid, id).map(|_| None)
            }
            T::Cancel {
                uid,
                with_older,
                tracking_only,
                only_if_halted,
            } => {
                let (id, bid) = sut.target(*uid);
                let req = m::CancelRequest {
                    id,
                    with_older_generations: *with_older,
                    tracking_only: *tracking_only,
                    only_if_halted: *only_if_halted,
                };
                sut.a().cancel(&bid, &req).map(|_| None)
            }
            T::Advance { bx, budget } => {
                let bid = sut.bids[*bx];
                sut.a().advance(&bid, *budget).map(|_| None)
            }
            T::Drain => {
                sut.drain();
                Ok(None)
            }
            T::Path { up } => {
                let b = sut.bids;
                sut.a().set_path(&b[0], &b[1], *up).map(|_| None)
            }
            T::Reopen => {
                sut.a().commit().unwrap();
                sut.a = None;
                sut.a = Some(Array::open(&sut.home).unwrap());
                Ok(None)
            }
        };
        verdict(&t, &state.expect, got, &mut sut.ids);
        sut.a().commit().unwrap();
        check_data(&mut sut, state);
        check_sessions(&mut sut, state);
        check_lun_sessions(&mut sut);
        sut
    }
}

fn check_data(sut: &mut Sut, state: &Model) {
    for (l, name) in LUN_NAMES.iter().enumerate() {
        let (bid, olu) = (sut.bids[lun_box(l)], sut.olus[l]);
        let mut buf = vec![0u8; SIZE as usize];
        sut.a()
            .read_view(&bid, olu, 0, &mut buf)
            .unwrap_or_else(|e| panic!("reading {name}: {e:?}"));
        let img = &state.img[l];
        if let Some(at) = (0..SIZE as usize).find(|i| img.known[*i] && img.data[*i] != buf[*i]) {
            let end = (at..SIZE as usize)
                .find(|i| !img.known[*i] || img.data[*i] == buf[*i])
                .unwrap_or(SIZE as usize);
            panic!(
                "{name} differs from the model at bytes {at}..{end} (grain {} of {} bytes); sessions: {:#?}",
                at as u64 / state.grain,
                state.grain,
                state.sess
            );
        }
    }
}

/// LUN SESSIONS lists every LUN's sessions exactly as LIST SESSIONS addressed
/// to it does (same sessions, same order), and a range only the LUNs in it.
fn check_lun_sessions(sut: &mut Sut) {
    for bid in sut.bids {
        let olus: Vec<u32> = sut.a().state(&bid).unwrap().luns.keys().copied().collect();
        let one_by_one: Vec<m::LunSessions> = olus
            .iter()
            .map(|&olu| m::LunSessions {
                olu,
                sessions: sut.a().session_infos(&bid, olu).unwrap(),
            })
            .collect();
        let all = sut.a().lun_session_infos(&bid, m::LunSelect::All).unwrap();
        assert_eq!(all, one_by_one, "LUN SESSIONS with ALL");
        if let Some(&second) = olus.get(1) {
            let select = m::LunSelect::Range {
                first: second,
                count: 1000,
            };
            let range = sut.a().lun_session_infos(&bid, select).unwrap();
            assert_eq!(range, one_by_one[1..], "LUN SESSIONS of {select:?}");
        }
    }
}

fn check_sessions(sut: &mut Sut, state: &Model) {
    let infos = sut.infos();
    let grain = state.grain;
    let mut seen = 0;
    for s in &state.sess {
        let Some((id, _)) = sut.ids.get(&s.uid).copied() else {
            panic!("no engine id for {s:?}");
        };
        let Some(i) = infos.iter().find(|i| i.id == id) else {
            assert!(
                s.gone,
                "session {s:?} (engine id {id}) is missing from the engine"
            );
            continue;
        };
        seen += 1;
        assert_eq!(i.kind, s.kind, "kind of {s:?}");
        assert_eq!(i.src, sut.ext(&s.src), "source of {s:?}");
        assert_eq!(i.dst, sut.ext(&s.dst), "destination of {s:?}");
        assert_eq!(i.total_grains, s.src.len.div_ceil(grain), "grains of {s:?}");
        assert!(
            i.pending_grains <= i.total_grains && i.changed_grains <= i.total_grains,
            "{i:?}"
        );
        let status_ok = match s.st {
            St::Active => i.status == m::Status::Active,
            St::Suspended => i.status == m::Status::Suspended,
            St::Halt => matches!(i.status, m::Status::Halt(_)),
        };
        assert!(status_ok, "status of {s:?}: engine says {i:?}");
        if is_mirror(s.kind) && s.st == St::Active && s.busy != Tri::Maybe {
            let equivalent = i.phase == m::Phase::Equivalent && i.pending_grains == 0;
            assert_eq!(
                equivalent,
                s.busy == Tri::No,
                "equivalence of {s:?}: engine says {i:?}"
            );
        }
        if s.kind == K::SnapOpcPlus {
            let gens = state.gens(&s.src);
            let pos = gens
                .iter()
                .position(|g| state.sess[*g].uid == s.uid)
                .unwrap();
            assert_eq!(i.generation as usize, pos + 1, "generation of {s:?}");
            assert_eq!(
                i.active_generation,
                pos + 1 == gens.len(),
                "active generation {s:?}"
            );
        }
    }
    assert!(infos.len() <= seen + state.sess.iter().filter(|s| s.gone).count());
    assert_eq!(
        infos.len(),
        seen,
        "the engine has sessions the model does not know: {infos:#?}"
    );
}

prop_state_machine! {
    #![proptest_config(config(128))]

    /// Every copy type at once, on two boxes: random interleavings against the byte model.
    #[test]
    fn engine_matches_the_byte_model(sequential 1..56 => Machine);
}

// ---------------------------------------------------------------------------
// REC through link outages, in every transfer mode
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum RecOp {
    Write { off: u64, len: u64, seed: u64 },
    WriteDst { off: u64, len: u64, seed: u64 },
    Advance(u64),
    Drain,
    Down,
    Up,
    Suspend,
    ForcedSuspend,
    Resume,
}

fn rec_op() -> impl Strategy<Value = RecOp> {
    let range = (0..SIZE, 1u64..=70_000).prop_map(|(off, len)| (off, len.min(SIZE - off)));
    prop_oneof![
        12 => (range.clone(), any::<u64>()).prop_map(|((off, len), seed)| RecOp::Write { off, len, seed }),
        2 => (range, any::<u64>()).prop_map(|((off, len), seed)| RecOp::WriteDst { off, len, seed }),
        6 => (1u64..200_000).prop_map(RecOp::Advance),
        2 => Just(RecOp::Drain),
        3 => Just(RecOp::Down),
        3 => Just(RecOp::Up),
        2 => Just(RecOp::Suspend),
        1 => Just(RecOp::ForcedSuspend),
        2 => Just(RecOp::Resume),
    ]
}

fn digest(b: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    b.hash(&mut h);
    h.finish()
}

struct Rec {
    _dir: tempfile::TempDir,
    a: Array,
    b: [Bid; 2],
    src: u32,
    dst: u32,
    id: u32,
}

impl Rec {
    fn read(&mut self, side: usize) -> Vec<u8> {
        let mut buf = vec![0u8; SIZE as usize];
        let (bid, olu) = if side == 0 {
            (self.b[0], self.src)
        } else {
            (self.b[1], self.dst)
        };
        self.a.read_view(&bid, olu, 0, &mut buf).unwrap();
        buf
    }
    fn info(&self) -> m::SessionInfo {
        let mut i = self.a.session_infos(&self.b[0], self.src).unwrap();
        assert_eq!(i.len(), 1, "{i:?}");
        i.pop().unwrap()
    }
    fn drain(&mut self) {
        while self.a.advance(&self.b[0], u64::MAX).unwrap() > 0 {}
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// A REC session, through random writes, copy progress, link outages, suspends,
    /// resumes and forced suspends: once the link is up and the copy has caught up
    /// the destination is the source; while equivalent it can be suspended and is
    /// then the source at that moment; in Consistency mode (with a REC buffer) the
    /// destination is at every moment an earlier state of the source, never older
    /// than the one it showed before.
    #[test]
    fn rec_resyncs_after_link_outages(
        transfer in prop::sample::select(vec![
            m::Transfer::Sync, m::Transfer::Through, m::Transfer::Stack, m::Transfer::Consistency,
        ]),
        split in prop::sample::select(vec![m::Split::Auto, m::Split::Manual]),
        recovery in prop::sample::select(vec![m::Recovery::Auto, m::Recovery::Manual]),
        buffer in any::<bool>(),
        grain in prop::sample::select(vec![16 * 1024u64, 64 * 1024]),
        ops in prop::collection::vec(rec_op(), 1..60),
    ) {
        let dir = temp_home();
        let mut a = Array::open(dir.path()).unwrap();
        let ids = [a.create_box("P").unwrap(), a.create_box("S").unwrap()];
        let b = [bid_of(&ids[0]), bid_of(&ids[1])];
        for (i, bx) in b.iter().enumerate() {
            let remote = ids[1 - i].clone();
            a.admin(bx, |s| {
                s.rate = Rate::Paused;
                s.grain_bytes = grain;
                if buffer && i == 0 {
                    s.rec_buffers.insert(1, RecBuffer { usage: BufferUse::Send, size_bytes: 64 << 20, remote_box: remote });
                }
                Ok(())
            }).unwrap();
        }
        let src = a.create_luns(&b[0], SIZE, 1, LunKind::Standard).unwrap()[0];
        let dst = a.create_luns(&b[1], SIZE, 1, LunKind::Standard).unwrap()[0];
        a.set_path(&b[0], &b[1], true).unwrap();
        a.write_view(&b[0], src, 0, &pattern(1, SIZE as usize), None).unwrap();
        let rec = m::RecModes { transfer, split, recovery };
        let ext = |bid: &Bid, olu| m::Extent { box_id: m::BoxId(*bid), olu, start_lba: 0, blocks: SIZE_BLOCKS };
        let id = a.start(&b[0], &m::StartRequest {
            kind: K::Rec,
            src: ext(&b[0], src),
            dst: ext(&b[1], dst),
            rec: Some(rec),
            dest_access: m::DestAccess::ReadOnly,
            skip_initial_copy: false,
            define_only: false,
        }).unwrap();
        let mut r = Rec { _dir: dir, a, b, src, dst, id };
        let mut image = pattern(1, SIZE as usize);
        let mut up = true;
        // Consistency ordering: digests of the source since the last point where the
        // destination was known equal, and the latest one the destination showed.
        let ordered = transfer == m::Transfer::Consistency && buffer;
        let mut history: Option<(Vec<u64>, usize)> = None;

        for op in &ops {
            let info = r.info();
            match op {
                RecOp::Write { off, len, seed } => {
                    let data = pattern(*seed, *len as usize);
                    let res = r.a.write_view(&r.b[0], r.src, *off, &data, None);
                    let halted = matches!(info.status, m::Status::Halt(_));
                    if halted && transfer == m::Transfer::Sync && split == m::Split::Manual {
                        prop_assert_eq!(res, Err(E::PathFailure));
                    } else {
                        prop_assert_eq!(res, Ok(()));
                        image[*off as usize..(*off + *len) as usize].copy_from_slice(&data);
                        if let Some((h, _)) = history.as_mut() {
                            h.push(digest(&image));
                        }
                    }
                }
                RecOp::WriteDst { off, len, seed } => {
                    let before = r.read(1);
                    let data = pattern(*seed, *len as usize);
                    let res = r.a.write_view(&r.b[1], r.dst, *off, &data, None);
                    if info.status == m::Status::Suspended {
                        prop_assert_eq!(res, Ok(()));
                    } else {
                        prop_assert_eq!(res, Err(E::WriteProtected));
                        prop_assert!(r.read(1) == before, "a refused write changed the destination");
                    }
                }
                RecOp::Advance(n) => {
                    r.a.advance(&r.b[0], *n).unwrap();
                }
                RecOp::Drain => r.drain(),
                RecOp::Down => {
                    r.a.set_path(&r.b[0], &r.b[1], false).unwrap();
                    up = false;
                    if info.status == m::Status::Active {
                        prop_assert!(matches!(r.info().status, m::Status::Halt(_)));
                    }
                    // Without a buffer the writes from now on are only a bitmap.
                    if !(ordered) {
                        history = None;
                    }
                }
                RecOp::Up => {
                    r.a.set_path(&r.b[0], &r.b[1], true).unwrap();
                    up = true;
                    if matches!(info.status, m::Status::Halt(_)) {
                        let now = r.info().status;
                        if recovery == m::Recovery::Auto {
                            prop_assert_eq!(now, m::Status::Active);
                        } else {
                            prop_assert!(matches!(now, m::Status::Halt(_)));
                        }
                    }
                }
                RecOp::Suspend => {
                    let equivalent = info.status == m::Status::Active
                        && info.phase == m::Phase::Equivalent
                        && info.pending_grains == 0;
                    let res = r.a.suspend(&r.b[0], &[r.id], false);
                    if equivalent {
                        prop_assert_eq!(res, Ok(()));
                        prop_assert!(r.read(1) == image, "suspended destination is not the source");
                        history = None;
                    } else {
                        prop_assert_eq!(res, Err(E::WrongPhase));
                    }
                }
                RecOp::ForcedSuspend => {
                    let res = r.a.suspend(&r.b[0], &[r.id], true);
                    if matches!(info.status, m::Status::Active | m::Status::Halt(_)) {
                        prop_assert_eq!(res, Ok(()));
                        history = None;
                    } else {
                        prop_assert_eq!(res, Err(E::WrongPhase));
                    }
                }
                RecOp::Resume => {
                    let res = r.a.restart(&r.b[0], &m::RestartRequest { id: r.id, remain: false, rec: None });
                    match (info.status, up) {
                        (m::Status::Suspended, true) => prop_assert_eq!(res, Ok(())),
                        (m::Status::Suspended, false) => prop_assert_eq!(res, Err(E::PathFailure)),
                        _ => prop_assert_eq!(res, Err(E::WrongPhase)),
                    }
                }
            }
            r.a.commit().unwrap();
            prop_assert!(r.read(0) == image, "the source lost a write");
            let info = r.info();
            // A caught-up, equivalent session holds the source.
            if info.status == m::Status::Active
                && info.phase == m::Phase::Equivalent
                && info.pending_grains == 0
                && (transfer != m::Transfer::Consistency || matches!(op, RecOp::Drain))
            {
                prop_assert!(r.read(1) == image, "equivalent destination is not the source after {:?}", op);
                if ordered && history.is_none() {
                    history = Some((vec![digest(&image)], 0));
                }
            }
            if let Some((h, last)) = history.as_mut() {
                let d = digest(&r.read(1));
                let at = h.iter().rposition(|x| *x == d);
                prop_assert!(at.is_some_and(|at| at >= *last),
                    "Consistency mode: the destination is not an earlier state of the source (after {:?})", op);
                *last = at.unwrap();
            }
        }

        // Recover and resynchronise: the destination becomes the source.
        r.a.set_path(&r.b[0], &r.b[1], true).unwrap();
        if matches!(r.info().status, m::Status::Halt(_)) {
            prop_assert_eq!(recovery, m::Recovery::Manual);
            r.a.suspend(&r.b[0], &[r.id], true).unwrap();
        }
        if r.info().status == m::Status::Suspended {
            r.a.restart(&r.b[0], &m::RestartRequest { id: r.id, remain: false, rec: None }).unwrap();
        }
        r.drain();
        let info = r.info();
        prop_assert_eq!(info.status, m::Status::Active);
        prop_assert_eq!(info.phase, m::Phase::Equivalent);
        prop_assert!(r.read(1) == image, "after the resync the destination is not the source");
        r.a.suspend(&r.b[0], &[r.id], false).unwrap();
        prop_assert!(r.read(1) == image);
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Consistency mode with a REC buffer keeps the writes in order: through copy
    /// progress of any size and link outages, the destination always shows the source
    /// as it was after some write, and never goes back to an older one; once caught
    /// up it is the source.
    #[test]
    fn rec_consistency_applies_writes_in_order(
        grain in prop::sample::select(vec![16 * 1024u64, 64 * 1024]),
        ops in prop::collection::vec(prop_oneof![
            10 => (0..SIZE, 1u64..=70_000, any::<u64>())
                .prop_map(|(off, len, seed)| RecOp::Write { off, len: len.min(SIZE - off), seed }),
            6 => (1u64..150_000).prop_map(RecOp::Advance),
            1 => Just(RecOp::Drain),
            2 => Just(RecOp::Down),
            2 => Just(RecOp::Up),
        ], 1..80),
    ) {
        let dir = temp_home();
        let mut a = Array::open(dir.path()).unwrap();
        let ids = [a.create_box("P").unwrap(), a.create_box("S").unwrap()];
        let b = [bid_of(&ids[0]), bid_of(&ids[1])];
        for bx in &b {
            a.admin(bx, |s| {
                s.rate = Rate::Paused;
                s.grain_bytes = grain;
                Ok(())
            }).unwrap();
        }
        let remote = ids[1].clone();
        a.admin(&b[0], |s| {
            s.rec_buffers.insert(1, RecBuffer { usage: BufferUse::Send, size_bytes: 64 << 20, remote_box: remote });
            Ok(())
        }).unwrap();
        let src = a.create_luns(&b[0], SIZE, 1, LunKind::Standard).unwrap()[0];
        let dst = a.create_luns(&b[1], SIZE, 1, LunKind::Standard).unwrap()[0];
        a.set_path(&b[0], &b[1], true).unwrap();
        let mut image = pattern(7, SIZE as usize);
        a.write_view(&b[0], src, 0, &image, None).unwrap();
        let ext = |bid: &Bid, olu| m::Extent { box_id: m::BoxId(*bid), olu, start_lba: 0, blocks: SIZE_BLOCKS };
        let id = a.start(&b[0], &m::StartRequest {
            kind: K::Rec,
            src: ext(&b[0], src),
            dst: ext(&b[1], dst),
            rec: Some(m::RecModes {
                transfer: m::Transfer::Consistency,
                split: m::Split::Auto,
                recovery: m::Recovery::Auto,
            }),
            dest_access: m::DestAccess::ReadOnly,
            skip_initial_copy: false,
            define_only: false,
        }).unwrap();
        let mut r = Rec { _dir: dir, a, b, src, dst, id };
        r.drain();
        prop_assert!(r.read(1) == image);
        let mut history = vec![digest(&image)];
        let mut last = 0;
        let mut journaled = 0;
        for op in &ops {
            match op {
                RecOp::Write { off, len, seed } => {
                    let data = pattern(*seed, *len as usize);
                    r.a.write_view(&r.b[0], r.src, *off, &data, None).unwrap();
                    image[*off as usize..(*off + *len) as usize].copy_from_slice(&data);
                    history.push(digest(&image));
                    journaled += 1;
                }
                RecOp::Advance(n) => {
                    r.a.advance(&r.b[0], *n).unwrap();
                }
                RecOp::Drain => r.drain(),
                RecOp::Down => r.a.set_path(&r.b[0], &r.b[1], false).unwrap(),
                RecOp::Up => r.a.set_path(&r.b[0], &r.b[1], true).unwrap(),
                _ => unreachable!(),
            }
            let d = digest(&r.read(1));
            let at = history.iter().rposition(|x| *x == d);
            prop_assert!(at.is_some_and(|at| at >= last),
                "the destination is not a later state of the source than before (after {:?}; journal {:?})",
                op, r.info());
            last = at.unwrap();
            prop_assert_ne!(r.info().status, m::Status::ErrorSuspend(m::ErrorReason::Other));
        }
        r.a.set_path(&r.b[0], &r.b[1], true).unwrap();
        r.drain();
        prop_assert!(r.read(1) == image, "caught up after {} writes, the destination is not the source", journaled);
        let info = r.info();
        prop_assert_eq!((info.status, info.phase), (m::Status::Active, m::Phase::Equivalent));
    }
}
