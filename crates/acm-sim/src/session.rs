//! Copy sessions: their life cycle (start, restart, suspend, cancel, reverse, mode
//! change, Concurrent OPC), REC links and buffers, and the background copy engine
//! that the array runs whenever it is opened.

use crate::array::{Array, Bid};
use crate::datapath::{grain_span, grains_in, hits, Change, SKey};
use crate::family;
use crate::grains::GrainSet;
use crate::state::*;
use acm_scsi::model::{self as m, CopyError};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;

/// The most bytes of a REC journal entry read at once.
const JOURNAL_PIECE: u64 = 8 << 20;

/// How a state change dates the session. `transition_time` is the date a
/// session reports (swsrpstat's Date): the point in time its destination
/// stands for, so a change that does not move that point keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Date {
    /// A new point in time: a logical copy, a split, a halt, a failure.
    Now(u64),
    /// The same point in time: copy progress, a resume, a buffer filling.
    Kept,
    /// No point in time: a halted REC that recovered by itself.
    Cleared,
}

impl Session {
    /// Every change of a session's phase or status passes here (construction
    /// aside), and says how it is dated: one place that sees, and checks, the
    /// life cycle. The checks are transitions the commands never make.
    pub(crate) fn enter(&mut self, phase: Phase, status: Status, date: Date) {
        debug_assert!(
            phase != Phase::Readying || self.phase == Phase::Readying,
            "no session goes back to Readying"
        );
        debug_assert!(
            !self.failed() || status == self.status,
            "an error-suspended session stays so until it is cancelled"
        );
        self.phase = phase;
        self.status = status;
        match date {
            Date::Now(t) => self.transition_time = t,
            Date::Kept => {}
            Date::Cleared => self.transition_time = 0,
        }
    }
}

impl Array {
    /// Finds session `id` among the sessions that involve box `bid` (owned by it, or
    /// with an extent on it).
    pub(crate) fn find(&self, bid: &Bid, id: u32) -> Result<SKey, CopyError> {
        self.all_sessions()
            .into_iter()
            .find(|k| {
                k.1 == id
                    && self
                        .sess(k)
                        .map(|s| k.0 == *bid || s.src.box_id == *bid || s.dst.box_id == *bid)
                        .unwrap_or(false)
            })
            .ok_or(CopyError::NoSuchSession)
    }

    fn check_obtainable(&self, bid: &Bid) -> Result<(), CopyError> {
        if self.st(bid)?.faults.unobtainable {
            return Err(CopyError::Unobtainable);
        }
        Ok(())
    }

    /// The REC path from box `a` to box `b`: `None` when there is none.
    pub(crate) fn path_up(&self, a: &Bid, b: &Bid) -> Option<bool> {
        let bs = std::str::from_utf8(b).ok()?;
        self.state(a)?.paths.get(bs).copied()
    }

    // ----- start -----

    /// Starts (or defines, for Concurrent OPC) a copy session; the request arrives at `bid`.
    pub fn start(&mut self, bid: &Bid, req: &m::StartRequest) -> Result<u32, CopyError> {
        self.check_obtainable(bid)?;
        let kind: Kind = req.kind.into();
        let src: Extent = req.src.into();
        let dst: Extent = req.dst.into();
        for e in [&src, &dst] {
            let lun = self.lun(&e.box_id, e.olu)?;
            // Checked: the fields come from the initiator and may overflow 64 bits.
            let end = e
                .start_lba
                .checked_add(e.blocks)
                .and_then(|b| b.checked_mul(m::BLOCK));
            if e.blocks == 0 || end.is_none_or(|end| end > lun.size_bytes) {
                return Err(CopyError::ExtentSize);
            }
            if self.st(&e.box_id)?.faults.hardware.contains(&e.olu) {
                return Err(CopyError::HardwareError);
            }
            self.check_ready(&e.box_id, e.olu)?;
        }
        if src.blocks != dst.blocks {
            return Err(CopyError::ExtentSize);
        }
        if src.overlaps(&dst) {
            return Err(CopyError::ExtentConflict);
        }
        family::of(kind).check_start(self, &src, &dst)?;

        // A destination takes one session. Re-running OPC/SnapOPC on the same pair
        // replaces the old session; SnapOPC+ may reuse only its oldest generation.
        let conflicts: Vec<SKey> = self
            .on_lun(&dst.box_id, dst.olu)
            .into_iter()
            .filter(|k| {
                self.sess(k)
                    .map(|s| {
                        s.dst.overlaps(&dst)
                            || s.src.overlaps(&dst) && s.dst.overlaps(&src) && s.is_mirror()
                    })
                    .unwrap_or(false)
            })
            .collect();
        let mut replace = Vec::new();
        for k in conflicts {
            let s = self.sess(&k)?;
            let same_pair = s.src == src && s.dst == dst;
            if same_pair && family::of(s.kind).replaced_by(self, &k, kind)? {
                replace.push(k);
            } else if s.dst.overlaps(&dst) {
                return Err(CopyError::ExtentConflict);
            } else {
                return Err(CopyError::WrongPhase);
            }
        }
        // A mirror fed, through other mirrors, by its own destination would carry a
        // write round the ring for ever.
        if matches!(kind, Kind::Ec | Kind::Rec) && self.mirrors_reach(&dst, &src) {
            return Err(CopyError::ExtentConflict);
        }
        if kind == Kind::SnapOpcPlus
            && self.on_lun(&dst.box_id, dst.olu).iter().any(|k| {
                self.sess(k)
                    .map(|s| s.kind == Kind::SnapOpcPlus && s.src == dst)
                    .unwrap_or(false)
            })
        {
            return Err(CopyError::ExtentConflict);
        }

        // Limits, counted without the sessions being replaced.
        let owner = src.box_id;
        let live = |a: &Array, e: &Extent| {
            a.on_lun(&e.box_id, e.olu)
                .iter()
                .filter(|k| !replace.contains(k))
                .filter(|k| {
                    a.sess(k)
                        .map(|s| s.src.same_lun(e) || s.dst.same_lun(e))
                        .unwrap_or(false)
                })
                .count() as u32
        };
        let limits = self.st(&owner)?.limits.clone();
        if (self.session_count() - replace.len()) as u32 >= limits.box_sessions {
            return Err(CopyError::SessionLimit);
        }
        for e in [&src, &dst] {
            let n = live(self, e);
            if n >= self.st(&e.box_id)?.limits.lun_sessions {
                return Err(CopyError::LunSessionLimit);
            }
        }

        // The destination's view goes away with the sessions replaced: whatever reads
        // it (an OPC from it, a snapshot of it) keeps its point in time first.
        if !replace.is_empty() {
            for o in self.touching(&dst.box_id, dst.olu, dst.start(), dst.bytes()) {
                if !replace.contains(&o) {
                    self.react(
                        &o,
                        &dst.box_id,
                        dst.olu,
                        dst.start(),
                        Change::Logical(dst.bytes()),
                    )?;
                }
            }
        }
        for k in replace {
            self.remove_session(&k)?;
        }

        let grain = self.grain(&owner);
        let grains = src.bytes().div_ceil(grain);
        let now = self.now_secs();
        let seq = if kind == Kind::SnapOpcPlus {
            self.on_lun(&src.box_id, src.olu)
                .iter()
                .filter_map(|k| self.sess(k).ok())
                .filter(|s| s.kind == Kind::SnapOpcPlus && s.src == src)
                .map(|s| s.generation_seq)
                .max()
                .unwrap_or(0)
                + 1
        } else {
            0
        };
        let id = self.next_session_id();
        let mut s = Session {
            id,
            kind,
            src,
            dst,
            phase: Phase::Readying,
            status: Status::Active,
            pending: GrainSet::new(grains),
            changed: GrainSet::new(grains),
            generation_seq: seq,
            rec: (kind == Kind::Rec).then(|| {
                req.rec.map(RecModes::from).unwrap_or(RecModes {
                    transfer: Transfer::Through,
                    split: Split::Auto,
                    recovery: Recovery::Auto,
                })
            }),
            dest_access: req.dest_access.into(),
            transition_time: 0,
            copied_bytes: 0,
            skipped_initial: false,
            journal: Vec::new(),
        };
        family::of(kind).on_start(self, &mut s, req.skip_initial_copy, now)?;
        let key = (owner, id);
        self.boxes
            .get_mut(&owner)
            .ok_or(CopyError::NoSuchBox)?
            .state
            .sessions
            .insert(id, s);
        self.index_session(&key, true);
        self.sess_mut(&key)?;
        if !req.define_only {
            self.go_live(&key)?;
        }
        Ok(id)
    }

    fn next_session_id(&mut self) -> u32 {
        // Unique across the whole home, so an id names one session whichever box is asked.
        let id = self
            .boxes
            .values()
            .map(|b| b.state.next_session)
            .max()
            .unwrap_or(1)
            .max(1);
        for b in self.boxes.values_mut() {
            b.state.next_session = id + 1;
            b.marks.header = true;
        }
        id
    }

    /// Takes the logical copy of a defined session: its destination's view changes now.
    fn go_live(&mut self, k: &SKey) -> Result<(), CopyError> {
        let kind = self.sess(k)?.kind;
        let now = self.now_secs();
        family::of(kind).go_live(self, k, now)
    }

    /// Lets every other session that reads the destination of `k` react to its view
    /// changing over `grains` (e.g. a snapshot of the destination saves the old bytes).
    pub(crate) fn logical_copy(&mut self, k: &SKey, grains: &GrainSet) -> Result<(), CopyError> {
        let dst = self.sess(k)?.dst;
        let grain = self.grain(&k.0);
        for (g0, g1) in grains.runs() {
            let (off, len) = grain_span(&dst, grain, g0, g1);
            for o in self.touching(&dst.box_id, dst.olu, off, len) {
                if o == *k {
                    continue;
                }
                self.react(&o, &dst.box_id, dst.olu, off, Change::Logical(len))?;
            }
        }
        Ok(())
    }

    // ----- restart -----

    /// Differential QuickOPC restart, or resume of a suspended EC/REC session.
    pub fn restart(&mut self, bid: &Bid, req: &m::RestartRequest) -> Result<(), CopyError> {
        self.check_obtainable(bid)?;
        let k = self.find(bid, req.id)?;
        let s = self.sess(&k)?;
        let kind = s.kind;
        // A resume or restart copies: both volumes' drives must run.
        self.check_session_ready(s)?;
        let now = self.now_secs();
        family::of(kind).restart(self, &k, req, now)
    }

    // ----- suspend -----

    /// Suspends EC/REC sessions together (Concurrent Suspend when several).
    pub fn suspend(&mut self, bid: &Bid, ids: &[u32], forced: bool) -> Result<(), CopyError> {
        self.check_obtainable(bid)?;
        if ids.is_empty() {
            return Err(CopyError::InvalidParameter(0));
        }
        let keys = ids
            .iter()
            .map(|id| self.find(bid, *id))
            .collect::<Result<Vec<_>, _>>()?;
        // Check every session before touching any: all suspend, or none.
        for k in &keys {
            let s = self.sess(k)?;
            if !family::of(s.kind).suspendable(s, forced) {
                return Err(CopyError::WrongPhase);
            }
            if !forced
                && !s.journal.is_empty()
                && self.path_up(&s.src.box_id, &s.dst.box_id) != Some(true)
            {
                return Err(CopyError::Timeout);
            }
        }
        let now = self.now_secs();
        for k in &keys {
            let kind = self.sess(k)?.kind;
            family::of(kind).suspend(self, k, forced, now)?;
        }
        Ok(())
    }

    // ----- cancel -----

    pub fn cancel(&mut self, bid: &Bid, req: &m::CancelRequest) -> Result<(), CopyError> {
        self.check_obtainable(bid)?;
        let k = self.find(bid, req.id)?;
        let s = self.sess(&k)?.clone();
        if req.only_if_halted && !matches!(s.status, Status::Halt(_)) {
            return Err(CopyError::WrongPhase);
        }
        family::of(s.kind).cancel(self, &k, req)
    }

    pub(crate) fn remove_session(&mut self, k: &SKey) -> Result<(), CopyError> {
        let s = self.sess(k)?.clone();
        family::of(s.kind).on_remove(self, &s)?;
        self.journal_truncate(k)?;
        // Marked, then gone: the commit deletes its record and grain sets.
        self.sess_mut(k)?;
        self.index_session(k, false);
        if let Some(b) = self.boxes.get_mut(&k.0) {
            b.state.sessions.remove(&k.1);
        }
        Ok(())
    }

    /// Frees the snapshot capacity held by an SDV extent.
    pub(crate) fn sdv_release(&mut self, e: &Extent) -> Result<(), CopyError> {
        let grain = self.grain(&e.box_id);
        if let Ok(Lun {
            kind: LunKind::Sdv(sdv),
            ..
        }) = self.lun_mut(&e.box_id, e.olu)
        {
            let mut freed = 0;
            for g in e.start() / grain..e.end().div_ceil(grain) {
                freed += sdv.allocated.remove(g) as u64;
            }
            let from_copy = freed.min(sdv.copy_grains);
            sdv.copy_grains -= from_copy;
            sdv.host_grains = sdv.host_grains.saturating_sub(freed - from_copy);
        }
        Ok(())
    }

    // ----- reverse, mode change, Concurrent OPC -----

    pub fn reverse(&mut self, bid: &Bid, id: u32) -> Result<(), CopyError> {
        self.check_obtainable(bid)?;
        let k = self.find(bid, id)?;
        let s = self.sess(&k)?.clone();
        if !s.is_mirror() || s.status != Status::Suspended {
            return Err(CopyError::WrongPhase);
        }
        // The source becomes a destination, and a destination takes one session.
        let taken = self
            .on_lun(&s.src.box_id, s.src.olu)
            .into_iter()
            .any(|o| o != k && self.sess(&o).is_ok_and(|t| t.dst.overlaps(&s.src)));
        if taken {
            return Err(CopyError::ExtentConflict);
        }
        let s = self.sess_mut(&k)?;
        // The same two LUNs: the index stays right.
        std::mem::swap(&mut s.src, &mut s.dst);
        Ok(())
    }

    /// Whether writes to `from` reach `to` through EC/REC sessions.
    fn mirrors_reach(&self, from: &Extent, to: &Extent) -> bool {
        let mut frontier = vec![*from];
        let mut seen: Vec<SKey> = Vec::new();
        while let Some(e) = frontier.pop() {
            if e.overlaps(to) {
                return true;
            }
            for k in self.on_lun(&e.box_id, e.olu) {
                if let Ok(s) = self.sess(&k) {
                    if s.is_mirror() && s.src.overlaps(&e) && !seen.contains(&k) {
                        seen.push(k);
                        frontier.push(s.dst);
                    }
                }
            }
        }
        false
    }

    pub fn change_mode(&mut self, bid: &Bid, id: u32, c: &m::ModeChange) -> Result<(), CopyError> {
        self.check_obtainable(bid)?;
        let k = self.find(bid, id)?;
        let s = self.sess_mut(&k)?;
        let Some(rec) = s.rec.as_mut() else {
            return Err(CopyError::NotSupported);
        };
        if matches!(s.status, Status::ErrorSuspend(_) | Status::Halt(_)) {
            return Err(CopyError::WrongPhase);
        }
        if let Some(t) = c.transfer {
            rec.transfer = t.into();
        }
        if let Some(sp) = c.split {
            rec.split = sp.into();
        }
        if let Some(r) = c.recovery {
            rec.recovery = r.into();
        }
        if rec.transfer != Transfer::Sync {
            rec.split = Split::Auto;
        }
        Ok(())
    }

    pub fn start_concurrent(&mut self, bid: &Bid, ids: &[u32]) -> Result<(), CopyError> {
        self.check_obtainable(bid)?;
        let keys = ids
            .iter()
            .map(|id| self.find(bid, *id))
            .collect::<Result<Vec<_>, _>>()?;
        for k in &keys {
            self.check_session_ready(self.sess(k)?)?;
        }
        if keys.is_empty()
            || keys.iter().any(|k| {
                self.sess(k)
                    .map(|s| s.phase != Phase::Readying)
                    .unwrap_or(true)
            })
        {
            return Err(CopyError::WrongPhase);
        }
        for k in &keys {
            self.go_live(k)?;
        }
        Ok(())
    }

    // ----- queries -----

    /// Sessions in which (`bid`, `olu`) takes part, as the wire model describes them.
    pub fn session_infos(&self, bid: &Bid, olu: u32) -> Result<Vec<m::SessionInfo>, CopyError> {
        self.check_obtainable(bid)?;
        let size = self.lun(bid, olu)?.size_bytes;
        let mut out = Vec::new();
        for k in self.touching(bid, olu, 0, size) {
            out.push(self.info(&k)?);
        }
        Ok(out)
    }

    /// The sessions of every LUN of `bid` that `select` covers, by ascending OLU,
    /// each listed as [`Array::session_infos`] lists it (same sessions, same
    /// order), in one pass over the sessions instead of one per LUN.
    pub fn lun_session_infos(
        &self,
        bid: &Bid,
        select: m::LunSelect,
    ) -> Result<Vec<m::LunSessions>, CopyError> {
        self.check_obtainable(bid)?;
        let mut luns: BTreeMap<u32, (u64, Vec<m::SessionInfo>)> = self
            .st(bid)?
            .luns
            .iter()
            .filter(|(olu, _)| select.contains(**olu))
            .map(|(olu, l)| (*olu, (l.size_bytes, Vec::new())))
            .collect();
        // Only the sessions of those LUNs, in key order (as all_sessions gives them).
        let candidates: BTreeSet<SKey> =
            luns.keys().flat_map(|olu| self.on_lun(bid, *olu)).collect();
        for k in candidates {
            let s = self.sess(&k)?;
            let on = |e: &Extent| {
                luns.get(&e.olu)
                    .is_some_and(|(size, _)| hits(e, bid, e.olu, 0, *size))
                    .then_some(e.olu)
            };
            let (src, dst) = (on(&s.src), on(&s.dst));
            if src.is_none() && dst.is_none() {
                continue;
            }
            let info = self.info(&k)?;
            for olu in src.into_iter().chain(dst.filter(|d| Some(*d) != src)) {
                if let Some((_, v)) = luns.get_mut(&olu) {
                    v.push(info.clone());
                }
            }
        }
        Ok(luns
            .into_iter()
            .map(|(olu, (_, sessions))| m::LunSessions { olu, sessions })
            .collect())
    }

    pub(crate) fn info(&self, k: &SKey) -> Result<m::SessionInfo, CopyError> {
        let s = self.sess(k)?;
        let fam = family::of(s.kind);
        let (generation, active) = fam.generation(self, k);
        Ok(m::SessionInfo {
            id: s.id,
            owner: m::BoxId(k.0),
            kind: s.kind.into(),
            src: s.src.into(),
            dst: s.dst.into(),
            phase: s.phase.into(),
            status: s.status.into(),
            total_grains: s.grains(),
            pending_grains: s.pending.count(),
            changed_grains: s.changed.count(),
            tracking: fam.tracking(),
            generation,
            active_generation: active,
            rec: s.rec.map(Into::into),
            dest_access: s.dest_access.into(),
            transition_time: s.transition_time,
            copied_bytes: s.copied_bytes,
        })
    }

    // ----- REC links, buffers, journal -----

    /// Brings the REC path between two boxes up or down (creating it if needed).
    /// Down halts the REC sessions that use it; up resumes those with automatic recovery.
    pub fn set_path(&mut self, a: &Bid, b: &Bid, up: bool) -> Result<(), CopyError> {
        if a == b {
            return Err(CopyError::InvalidParameter(0));
        }
        for (x, y) in [(a, b), (b, a)] {
            let ys = String::from_utf8_lossy(y).into_owned();
            self.state_mut(x)?.paths.insert(ys, up);
        }
        let now = self.now_secs();
        for k in self.all_sessions() {
            let s = self.sess(&k)?;
            let between = (s.src.box_id == *a && s.dst.box_id == *b)
                || (s.src.box_id == *b && s.dst.box_id == *a);
            if between {
                family::of(s.kind).on_path(self, &k, up, now)?;
            }
        }
        Ok(())
    }

    /// The SEND buffer the owner of `s` has toward its destination box, if any.
    pub(crate) fn send_buffer(&self, s: &Session) -> Option<u64> {
        let remote = s.dst.box_str().to_string();
        self.state(&s.src.box_id)?
            .rec_buffers
            .values()
            .find(|b| b.usage == BufferUse::Send && b.remote_box == remote)
            .map(|b| b.size_bytes)
    }

    /// The box's REC buffers as `swsrprecbuffstat` reports them.
    pub fn rec_buffer_infos(&self, bid: &Bid) -> Result<Vec<m::RecBufferInfo>, CopyError> {
        let st = self.st(bid)?;
        let mut out = Vec::new();
        for (id, b) in &st.rec_buffers {
            let remote = crate::array::bid_of(&b.remote_box).map_err(|_| CopyError::NoSuchBox)?;
            let used = |on_disk: bool| -> u64 {
                self.all_sessions()
                    .iter()
                    .filter_map(|k| self.sess(k).ok())
                    .filter(|s| s.src.box_id == *bid && s.dst.box_id == remote)
                    .map(|s| s.journal_bytes(on_disk))
                    .sum()
            };
            let pct = |used: u64, size: u64| -> u8 {
                if size == 0 {
                    0
                } else {
                    (used.saturating_mul(100).div_ceil(size)).min(100) as u8
                }
            };
            let (rate, disk, disk_rate) = match b.usage {
                BufferUse::Recv => (Some(0), m::DiskBufferState::None, None),
                BufferUse::Send => match &st.disk_buffer {
                    None => (
                        Some(pct(used(false), b.size_bytes)),
                        m::DiskBufferState::None,
                        None,
                    ),
                    Some(d) => (
                        Some(pct(used(false), b.size_bytes)),
                        match d.fault {
                            None => m::DiskBufferState::Active,
                            Some(code) => m::DiskBufferState::Inactive(code),
                        },
                        d.fault.is_none().then(|| pct(used(true), d.size_bytes)),
                    ),
                },
            };
            out.push(m::RecBufferInfo {
                id: *id,
                usage: b.usage.into(),
                rate,
                remote_box: m::BoxId(remote),
                disk_buffer: disk,
                disk_rate,
            });
        }
        Ok(out)
    }

    /// Changes the use of a REC buffer; refused while a Consistency session through it
    /// is active or error-suspended.
    pub fn set_rec_buffer(
        &mut self,
        bid: &Bid,
        id: u32,
        usage: BufferUse,
    ) -> Result<(), CopyError> {
        let remote = self
            .st(bid)?
            .rec_buffers
            .get(&id)
            .ok_or(CopyError::InvalidParameter(0))?
            .remote_box
            .clone();
        let busy = self
            .all_sessions()
            .iter()
            .filter_map(|k| self.sess(k).ok())
            .any(|s| {
                s.rec.is_some_and(|r| r.transfer == Transfer::Consistency)
                    && matches!(s.status, Status::Active | Status::ErrorSuspend(_))
                    && ((s.src.box_id == *bid && s.dst.box_str() == remote)
                        || (s.dst.box_id == *bid && s.src.box_str() == remote))
            });
        if busy {
            return Err(CopyError::BufferInUse);
        }
        if let Some(b) = self.state_mut(bid)?.rec_buffers.get_mut(&id) {
            b.usage = usage;
        }
        Ok(())
    }

    fn journal_path(&self, k: &SKey) -> Option<std::path::PathBuf> {
        self.boxes
            .get(&k.0)
            .map(|b| b.dir.join(format!("journal-{}.bin", k.1)))
    }

    /// Buffered bytes of Consistency sessions from the owner of `s` to its destination box.
    fn buffered(&self, s: &Session, on_disk: bool) -> u64 {
        self.all_sessions()
            .iter()
            .filter_map(|k| self.sess(k).ok())
            .filter(|t| t.src.box_id == s.src.box_id && t.dst.box_id == s.dst.box_id)
            .map(|t| t.journal_bytes(on_disk))
            .sum()
    }

    /// Keeps a Consistency-mode write in order in the REC buffer (then the disk
    /// buffer). When both are full the session falls back to a change bitmap.
    pub(crate) fn journal_append(
        &mut self,
        k: &SKey,
        s: &Session,
        off: u64,
        data: &[u8],
    ) -> Result<(), CopyError> {
        let grain = self.grain(&k.0);
        let Some((g0, _)) = grains_in(&s.src, 1, off, data.len() as u64) else {
            return Ok(());
        };
        let a = s.src.start() + g0;
        let b = (off + data.len() as u64).min(s.src.end());
        let part = &data[(a - off) as usize..(b - off) as usize];
        let rel = a - s.src.start();
        let len = part.len() as u64;
        let room = self.send_buffer(s).unwrap_or(0);
        let disk = self
            .state(&s.src.box_id)
            .and_then(|st| st.disk_buffer.as_ref())
            .filter(|d| d.fault.is_none())
            .map(|d| d.size_bytes)
            .unwrap_or(0);
        let on_disk = if self.buffered(s, false) + len <= room {
            Some(false)
        } else if self.buffered(s, true) + len <= disk {
            Some(true)
        } else {
            None
        };
        let Some(on_disk) = on_disk else {
            // Buffers full: remember positions only, as a bitmap.
            let t = self.sess_mut(k)?;
            for j in std::mem::take(&mut t.journal) {
                t.changed
                    .insert_range(j.offset / grain, (j.offset + j.len).div_ceil(grain));
            }
            t.changed
                .insert_range(rel / grain, (rel + len).div_ceil(grain));
            match t.status {
                Status::Halt(_) => {
                    let halt = Status::Halt(if t.phase == Phase::Equivalent {
                        HaltDetail::Equivalent
                    } else {
                        HaltDetail::Sync
                    });
                    t.enter(t.phase, halt, Date::Kept);
                }
                _ => {
                    let changed = std::mem::replace(&mut t.changed, GrainSet::new(t.pending.len()));
                    t.pending.union_with(&changed);
                    t.enter(Phase::Copying, t.status, Date::Kept);
                }
            }
            self.journal_truncate(k)?;
            return Ok(());
        };
        let path = self.journal_path(k).ok_or(CopyError::NoSuchBox)?;
        if let Some(b) = self.boxes.get_mut(&k.0) {
            b.unlink.retain(|p| *p != path);
        }
        let f = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&path)
            .map_err(|_| CopyError::HardwareError)?;
        let at = f.metadata().map_err(|_| CopyError::HardwareError)?.len();
        f.write_all_at(part, at)
            .map_err(|_| CopyError::HardwareError)?;
        let t = self.sess_mut(k)?;
        t.journal.push(JournalEntry {
            offset: rel,
            len,
            at,
            on_disk,
        });
        if on_disk {
            if let Status::Halt(_) = t.status {
                t.enter(t.phase, Status::Halt(HaltDetail::UseDiskBuffer), Date::Kept);
            }
        }
        Ok(())
    }

    /// Drops the journal file, once the state that no longer lists its entries is
    /// saved: a crash in between must not leave entries pointing into a missing file.
    pub(crate) fn journal_truncate(&mut self, k: &SKey) -> Result<(), CopyError> {
        if let (Some(p), Some(b)) = (self.journal_path(k), self.boxes.get_mut(&k.0)) {
            b.unlink.push(p);
        }
        Ok(())
    }

    /// Applies buffered writes to the destination in order; returns bytes moved.
    /// An entry that points past the end of a damaged journal file is a
    /// hardware error of the session, never a panic.
    pub(crate) fn drain_journal(&mut self, k: &SKey, budget: u64) -> Result<u64, CopyError> {
        let s = self.sess(k)?.clone();
        if s.journal.is_empty() {
            return Ok(0);
        }
        let path = self.journal_path(k).ok_or(CopyError::NoSuchBox)?;
        let f = std::fs::File::open(&path).map_err(|_| CopyError::HardwareError)?;
        let mut used = 0;
        let mut done = 0;
        for j in &s.journal {
            if used + j.len > budget && used > 0 {
                break;
            }
            // In pieces of at most 8 MiB: an entry's length comes from the
            // state file, so it never sizes one allocation.
            let mut moved = 0u64;
            while moved < j.len {
                let n = (j.len - moved).min(JOURNAL_PIECE);
                let mut buf = vec![0u8; n as usize];
                f.read_exact_at(&mut buf, j.at.saturating_add(moved))
                    .map_err(|_| CopyError::HardwareError)?;
                self.write_view(
                    &s.dst.box_id,
                    s.dst.olu,
                    s.dst.start().saturating_add(j.offset).saturating_add(moved),
                    &buf,
                    Some(*k),
                )?;
                moved += n;
            }
            used += j.len;
            done += 1;
        }
        let t = self.sess_mut(k)?;
        t.journal.drain(..done);
        t.copied_bytes += used;
        if t.journal.is_empty() {
            self.journal_truncate(k)?;
        }
        Ok(used)
    }

    // ----- the copy engine -----

    fn has_work(&self, k: &SKey) -> bool {
        let Ok(s) = self.sess(k) else { return false };
        s.status == Status::Active && s.phase != Phase::Readying && family::of(s.kind).has_work(s)
    }

    /// Whether any session of any box has background copying to do (at a rate
    /// that is not paused).
    pub(crate) fn copying(&self) -> bool {
        self.boxes.iter().any(|(bid, b)| {
            b.state.rate != Rate::Paused
                && b.state
                    .sessions
                    .keys()
                    .any(|id| self.has_work(&(*bid, *id)))
        })
    }

    /// Catches every box's background copy up to now at its rate.
    pub(crate) fn catch_up(&mut self) {
        let now = self.now_ns;
        for bid in self.box_ids() {
            let Some(st) = self.state(&bid) else { continue };
            let (rate, last, carry) = (st.rate, st.last_tick_ns, st.carry_bytes);
            // Whether any session has work: the first one that has stops the look.
            let busy = st.sessions.keys().any(|id| self.has_work(&(bid, *id)));
            // Nothing to copy, or a paused box (whose clock matters only from
            // a change of rate, which writes the box): move the clock without
            // writing the box.
            if !busy || rate == Rate::Paused {
                if let Some(b) = self.boxes.get_mut(&bid) {
                    b.state.last_tick_ns = now;
                    b.state.carry_bytes = 0;
                }
                continue;
            }
            let elapsed = now.saturating_sub(last);
            let budget = match rate {
                Rate::Unlimited => u64::MAX,
                Rate::Paused => 0,
                Rate::BytesPerSecond(r) => {
                    ((r as u128 * elapsed as u128) / 1_000_000_000).min(u64::MAX as u128 / 2) as u64
                        + carry
                }
            };
            let used = if budget == 0 {
                0
            } else {
                self.advance(&bid, budget).unwrap_or(budget)
            };
            if let Ok(st) = self.header_mut(&bid) {
                st.last_tick_ns = now;
                st.carry_bytes = if rate == Rate::Unlimited || rate == Rate::Paused {
                    0
                } else {
                    budget.saturating_sub(used).min(st.grain_bytes)
                };
            }
        }
        // Drives whose time has come start or stop, once the copies moved.
        self.power_tick();
    }

    /// Copies up to `budget` bytes for the sessions box `bid` owns, in session order.
    /// Returns the bytes copied.
    pub fn advance(&mut self, bid: &Bid, budget: u64) -> Result<u64, CopyError> {
        let mut used = 0u64;
        let grain = self.grain(bid);
        let ids: Vec<u32> = self.st(bid)?.sessions.keys().copied().collect();
        for id in ids {
            let k = (*bid, id);
            if used >= budget {
                break;
            }
            if !self.has_work(&k) {
                continue;
            }
            let s = self.sess(&k)?.clone();
            let fam = family::of(s.kind);
            if !fam.can_copy(self, &s) {
                continue;
            }
            let result = (|| -> Result<(), CopyError> {
                used += self.drain_journal(&k, budget - used)?;
                // The journal goes first, whole: an older journaled write applied over a
                // grain already copied from the source would take the destination back.
                if !self.sess(&k)?.journal.is_empty() {
                    return Ok(());
                }
                for (g0, g1) in self.sess(&k)?.pending.runs() {
                    if used >= budget {
                        break;
                    }
                    let room = ((budget - used) / grain).max(1);
                    // Copy in slices of at most 1024 grains, so a budget stops mid-run.
                    let mut g = g0;
                    while g < g1 && used < budget {
                        let end = g1.min(g + room.min(1024));
                        let (_, len) = grain_span(&s.src, grain, g, end);
                        fam.copy_step(self, &k, g, end)?;
                        used = used.saturating_add(len);
                        g = end;
                    }
                }
                Ok(())
            })();
            if let Err(e) = result {
                let reason = match e {
                    CopyError::BadSector(_) => ErrorReason::BadSector,
                    _ => ErrorReason::Other,
                };
                self.fail(&k, reason)?;
                continue;
            }
            self.settle(&k)?;
        }
        Ok(used)
    }

    /// Moves a session to its next phase once its physical copy is done.
    fn settle(&mut self, k: &SKey) -> Result<(), CopyError> {
        let s = self.sess(k)?;
        if !s.pending.is_empty() || !s.journal.is_empty() || s.status != Status::Active {
            return Ok(());
        }
        family::of(s.kind).settle(self, k)
    }

    // ----- faults -----

    /// A hardware error on a LUN: its I/O fails and its sessions error-suspend.
    pub fn set_hardware_fault(&mut self, bid: &Bid, olu: u32, on: bool) -> Result<(), CopyError> {
        self.lun(bid, olu)?;
        let st = self.state_mut(bid)?;
        if on {
            st.faults.hardware.insert(olu);
            if let Some(m) = st.monitors.get_mut(&olu) {
                *m = None;
            }
            let size = self.lun(bid, olu)?.size_bytes;
            for k in self.touching(bid, olu, 0, size) {
                self.fail(&k, ErrorReason::Other)?;
            }
        } else {
            st.faults.hardware.remove(&olu);
        }
        Ok(())
    }

    /// A bad sector: reads of it fail until it is written. A tracking QuickOPC or a
    /// suspended EC/REC whose source holds it error-suspends at once, so that a
    /// resume cannot spread the damage.
    pub fn add_bad_sector(&mut self, bid: &Bid, olu: u32, lba: u64) -> Result<(), CopyError> {
        let size = self.lun(bid, olu)?.size_bytes;
        if lba >= size / m::BLOCK {
            return Err(CopyError::LbaOutOfRange);
        }
        self.state_mut(bid)?
            .faults
            .bad_sectors
            .entry(olu)
            .or_default()
            .insert(lba);
        for k in self.touching(bid, olu, lba * m::BLOCK, m::BLOCK) {
            let s = self.sess(&k)?;
            let on_src = s.src.box_id == *bid && s.src.olu == olu;
            if on_src && family::of(s.kind).exposed_to_bad_source(s) {
                self.fail(&k, ErrorReason::BadSector)?;
            }
        }
        Ok(())
    }
}
