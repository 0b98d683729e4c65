//! The data path: every byte the host reads or writes, and every byte a copy
//! moves, passes here, so that sessions see every write.
//!
//! A LUN has a *view* (what the host reads) and *storage* (its file). They differ
//! only where the LUN is the destination of a session: an OPC grain not yet copied
//! reads through to the source; a snapshot grain not yet saved reads through to the
//! newer generations, then the source. Writing a view first lets every session that
//! depends on the old bytes act (copy-before-write, copy-on-write, change tracking,
//! mirroring), commits that metadata, and only then stores the new bytes: a crash
//! between the two leaves metadata that still describes the data (the dm-era rule).

use crate::array::{Array, Bid};
use crate::family::{self, ReadFrom};
use crate::session::Date;
use crate::state::*;
use acm_scsi::model::{CopyError, BLOCK};

/// A session's key: owner box and id.
pub type SKey = (Bid, u32);

/// Sessions by the LUN (box, OLU) their source or destination is on.
pub(crate) type LunIndex = std::collections::HashMap<(Bid, u32), Vec<SKey>>;

/// Why a view is being changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change<'a> {
    /// The host (or a mirror) writes these bytes now.
    Write(&'a [u8]),
    /// An OPC logical copy changes this many bytes of the view at once; the bytes
    /// arrive later.
    Logical(u64),
}

impl Change<'_> {
    fn len(&self) -> u64 {
        match self {
            Change::Write(d) => d.len() as u64,
            Change::Logical(n) => *n,
        }
    }
}

/// Grain range `[g0, g1)` of extent `e` that overlaps LUN bytes `[off, off+len)`.
pub(crate) fn grains_in(e: &Extent, grain: u64, off: u64, len: u64) -> Option<(u64, u64)> {
    let a = off.max(e.start());
    let b = (off + len).min(e.end());
    (a < b).then(|| ((a - e.start()) / grain, (b - e.start()).div_ceil(grain)))
}

/// Whether extent `e` lies on LUN `olu` of `bid` and overlaps its bytes `[off, off+len)`.
pub(crate) fn hits(e: &Extent, bid: &Bid, olu: u32, off: u64, len: u64) -> bool {
    e.box_id == *bid && e.olu == olu && e.start() < off + len.max(1) && off < e.end()
}

/// LUN byte range of grains `[g0, g1)` of extent `e`.
pub(crate) fn grain_span(e: &Extent, grain: u64, g0: u64, g1: u64) -> (u64, u64) {
    let a = g0 * grain;
    let b = (g1 * grain).min(e.bytes());
    (e.start() + a, b.saturating_sub(a))
}

impl Array {
    pub(crate) fn sess(&self, k: &SKey) -> Result<&Session, CopyError> {
        self.st(&k.0)?
            .sessions
            .get(&k.1)
            .ok_or(CopyError::NoSuchSession)
    }

    /// One session, marked for commit (its record, and the chunks of its
    /// grain sets that change).
    pub(crate) fn sess_mut(&mut self, k: &SKey) -> Result<&mut Session, CopyError> {
        let b = self.boxes.get_mut(&k.0).ok_or(CopyError::NoSuchBox)?;
        b.marks.sessions.insert(k.1);
        b.state
            .sessions
            .get_mut(&k.1)
            .ok_or(CopyError::NoSuchSession)
    }

    pub(crate) fn all_sessions(&self) -> Vec<SKey> {
        self.boxes
            .iter()
            .flat_map(|(b, l)| l.state.sessions.keys().map(move |id| (*b, *id)))
            .collect()
    }

    /// The sessions with their source or destination on LUN `olu` of `bid`,
    /// in [`Array::all_sessions`] order.
    pub(crate) fn on_lun(&self, bid: &Bid, olu: u32) -> Vec<SKey> {
        let mut cache = self.lun_index.borrow_mut();
        let index = cache.get_or_insert_with(|| {
            let mut index = LunIndex::default();
            for (b, l) in &self.boxes {
                for (id, s) in &l.state.sessions {
                    for e in [&s.src, &s.dst] {
                        let v = index.entry((e.box_id, e.olu)).or_default();
                        if v.last() != Some(&(*b, *id)) {
                            v.push((*b, *id));
                        }
                    }
                }
            }
            index
        });
        index.get(&(*bid, olu)).cloned().unwrap_or_default()
    }

    /// Keeps the index of [`Array::on_lun`] up to date when session `k` came
    /// (`added`) or is about to go: its entries under its two LUNs, in key order.
    pub(crate) fn index_session(&mut self, k: &SKey, added: bool) {
        let Ok(s) = self.sess(k) else { return };
        let luns = [(s.src.box_id, s.src.olu), (s.dst.box_id, s.dst.olu)];
        let Some(index) = self.lun_index.get_mut().as_mut() else {
            return;
        };
        for lun in luns {
            let v = index.entry(lun).or_default();
            match (v.binary_search(k), added) {
                (Err(at), true) => v.insert(at, *k),
                (Ok(at), false) => {
                    v.remove(at);
                }
                _ => {}
            }
        }
    }

    /// How many sessions the array holds.
    pub(crate) fn session_count(&self) -> usize {
        self.boxes.values().map(|l| l.state.sessions.len()).sum()
    }

    /// Sessions whose source or destination extent overlaps LUN bytes `[off, off+len)`.
    pub(crate) fn touching(&self, bid: &Bid, olu: u32, off: u64, len: u64) -> Vec<SKey> {
        self.on_lun(bid, olu)
            .into_iter()
            .filter(|k| {
                self.sess(k)
                    .map(|s| hits(&s.src, bid, olu, off, len) || hits(&s.dst, bid, olu, off, len))
                    .unwrap_or(false)
            })
            .collect()
    }

    /// Other generations of the SnapOPC+ source of `k`, oldest first, with `k` itself.
    pub(crate) fn generations(&self, k: &SKey) -> Vec<SKey> {
        let Ok(s) = self.sess(k) else { return vec![] };
        let src = s.src;
        let mut gens: Vec<(u64, SKey)> = self
            .on_lun(&src.box_id, src.olu)
            .into_iter()
            .filter_map(|o| {
                let t = self.sess(&o).ok()?;
                (t.kind == Kind::SnapOpcPlus && t.src == src && t.phase != Phase::Readying)
                    .then_some((t.generation_seq, o))
            })
            .collect();
        gens.sort();
        gens.into_iter().map(|(_, k)| k).collect()
    }

    // ----- reading -----

    /// Reads what the host sees of LUN bytes `[off, off+buf.len())`.
    pub fn read_view(
        &mut self,
        bid: &Bid,
        olu: u32,
        off: u64,
        buf: &mut [u8],
    ) -> Result<(), CopyError> {
        self.check_range(bid, olu, off, buf.len() as u64)?;
        // Access permission guards the host's reads of a mirror destination itself,
        // not the copies that read through it.
        let len = buf.len() as u64;
        for k in self.touching(bid, olu, off, len) {
            let s = self.sess(&k)?;
            let on_dst = s.dst.box_id == *bid
                && s.dst.olu == olu
                && grains_in(&s.dst, 1, off, len).is_some();
            if on_dst {
                family::of(s.kind).check_read(s)?;
            }
        }
        self.read_view_in(bid, olu, off, buf, &mut Vec::new())
    }

    /// Reads a view for a copy (no access permission applies).
    pub(crate) fn read_data(
        &mut self,
        bid: &Bid,
        olu: u32,
        off: u64,
        buf: &mut [u8],
    ) -> Result<(), CopyError> {
        self.check_range(bid, olu, off, buf.len() as u64)?;
        self.read_view_in(bid, olu, off, buf, &mut Vec::new())
    }

    /// Refuses host I/O outside the LUN before any offset arithmetic can overflow.
    /// The range lies in the LUN, and the LUN's drives run (a stopped
    /// Eco-mode group answers NOT READY to every reader and writer).
    fn check_range(&self, bid: &Bid, olu: u32, off: u64, len: u64) -> Result<(), CopyError> {
        let size = self.lun(bid, olu)?.size_bytes;
        if off.checked_add(len).is_none_or(|end| end > size) {
            return Err(CopyError::LbaOutOfRange);
        }
        self.check_ready(bid, olu)
    }

    fn read_view_in(
        &mut self,
        bid: &Bid,
        olu: u32,
        off: u64,
        buf: &mut [u8],
        visiting: &mut Vec<SKey>,
    ) -> Result<(), CopyError> {
        let len = buf.len() as u64;
        let mut dsts: Vec<(u64, SKey)> = self
            .touching(bid, olu, off, len)
            .into_iter()
            .filter_map(|k| {
                let s = self.sess(&k).ok()?;
                (s.dst.box_id == *bid
                    && s.dst.olu == olu
                    && grains_in(&s.dst, 1, off, len).is_some())
                .then_some((s.dst.start(), k))
            })
            .collect();
        dsts.sort();
        let mut pos = off;
        for (start, k) in dsts {
            if pos < start {
                let n = (start.min(off + len) - pos) as usize;
                let at = (pos - off) as usize;
                self.raw_read(bid, olu, pos, &mut buf[at..at + n])?;
                pos += n as u64;
            }
            let end = self.sess(&k)?.dst.end().min(off + len);
            if pos < end {
                let at = (pos - off) as usize;
                let n = (end - pos) as usize;
                self.read_dst(&k, pos, &mut buf[at..at + n], visiting)?;
                pos = end;
            }
        }
        if pos < off + len {
            let at = (pos - off) as usize;
            self.raw_read(bid, olu, pos, &mut buf[at..])?;
        }
        Ok(())
    }

    /// Reads bytes at LUN offset `off` that lie inside the destination of session `k`.
    fn read_dst(
        &mut self,
        k: &SKey,
        off: u64,
        buf: &mut [u8],
        visiting: &mut Vec<SKey>,
    ) -> Result<(), CopyError> {
        let s = self.sess(k)?.clone();
        let (bid, olu) = (s.dst.box_id, s.dst.olu);
        if visiting.contains(k) {
            return self.raw_read(&bid, olu, off, buf);
        }
        let fam = family::of(s.kind);
        let newer = fam.read_plan(self, k, &s)?;
        let grain = self.grain(&k.0);
        // Where grain g of this destination reads from.
        let route = |this: &Array, g: u64| -> ReadFrom {
            if s.phase == Phase::Readying {
                return ReadFrom::Own;
            }
            fam.read_from(this, &s, &newer, g)
        };
        let len = buf.len() as u64;
        let mut pos = off;
        while pos < off + len {
            let g = (pos - s.dst.start()) / grain;
            let from = route(self, g);
            // Extend the run while the route stays the same.
            let mut g_end = g + 1;
            while s.dst.start() + g_end * grain < off + len && route(self, g_end) == from {
                g_end += 1;
            }
            let run_end = (s.dst.start() + g_end * grain).min(off + len);
            let part = &mut buf[(pos - off) as usize..(run_end - off) as usize];
            let rel = pos - s.dst.start();
            match from {
                ReadFrom::Own => self.raw_read(&bid, olu, pos, part)?,
                ReadFrom::Source => {
                    visiting.push(*k);
                    let r = self.read_view_in(
                        &s.src.box_id,
                        s.src.olu,
                        s.src.start() + rel,
                        part,
                        visiting,
                    );
                    visiting.pop();
                    r?
                }
                ReadFrom::Newer(i) => {
                    let t = self.sess(&newer[i])?.dst;
                    self.raw_read(&t.box_id, t.olu, t.start() + rel, part)?
                }
            }
            pos = run_end;
        }
        Ok(())
    }

    // ----- writing -----

    /// Writes what the host sees of LUN bytes at `off`, letting every session react.
    /// `exclude` is the session doing the write (a mirror or copy), which must not react
    /// to itself.
    pub fn write_view(
        &mut self,
        bid: &Bid,
        olu: u32,
        off: u64,
        data: &[u8],
        exclude: Option<SKey>,
    ) -> Result<(), CopyError> {
        let len = data.len() as u64;
        self.check_range(bid, olu, off, len)?;
        let keys: Vec<SKey> = self
            .touching(bid, olu, off, len)
            .into_iter()
            .filter(|k| Some(*k) != exclude)
            .collect();
        // Refusals first: nothing may change before we know the write is allowed.
        for k in &keys {
            let s = self.sess(k)?;
            let on_dst = s.dst.box_id == *bid
                && s.dst.olu == olu
                && grains_in(&s.dst, 1, off, len).is_some();
            let on_src = s.src.box_id == *bid
                && s.src.olu == olu
                && grains_in(&s.src, 1, off, len).is_some();
            // A defined (Readying) session has not taken its destination yet.
            family::of(s.kind).check_write(s, on_src, on_dst && s.phase != Phase::Readying)?;
        }
        let lun = self.lun(bid, olu)?;
        if off.checked_add(len).is_none_or(|e| e > lun.size_bytes) {
            return Err(CopyError::LbaOutOfRange);
        }
        if self.st(bid)?.faults.hardware.contains(&olu) {
            return Err(CopyError::HardwareError);
        }

        let mut meta = false;
        for k in &keys {
            meta |= self.react(k, bid, olu, off, Change::Write(data))?;
        }
        meta |= self.sdv_host_alloc(bid, olu, off, len, &keys)?;
        // A mirror's grains are in flight from here until the source (and, when
        // synchronous, the destination) has the bytes: pending until then, so that a
        // crash in between leaves them to the background copy from the source, not an
        // "equivalent" pair that differs (or a journal entry the source never got).
        let mut in_flight: Vec<(SKey, Vec<u64>, bool)> = Vec::new();
        for k in &keys {
            let s = self.sess(k)?;
            let Some(now) = family::of(s.kind).carries(s, bid, olu) else {
                continue;
            };
            let grain = self.grain(&k.0);
            let Some((g0, g1)) = grains_in(&s.src, grain, off, len) else {
                continue;
            };
            let fresh: Vec<u64> = (g0..g1).filter(|g| !s.pending.contains(*g)).collect();
            let t = self.sess_mut(k)?;
            fresh.iter().for_each(|g| {
                t.pending.insert(*g);
            });
            meta |= !fresh.is_empty();
            in_flight.push((*k, fresh, now));
        }
        if meta {
            self.commit().map_err(|_| CopyError::HardwareError)?;
        }
        self.raw_write(bid, olu, off, data)?;
        if matches!(self.st(bid)?.monitors.get(&olu), Some(Some(_))) {
            if let Some(Some(n)) = self.header_mut(bid)?.monitors.get_mut(&olu) {
                *n += len.div_ceil(BLOCK);
            }
        }
        // Synchronous mirrors carry the write to their destination now.
        for (k, fresh, now) in &in_flight {
            if !now {
                let t = self.sess_mut(k)?;
                fresh.iter().for_each(|g| {
                    t.pending.remove(*g);
                });
                continue;
            }
            let kind = self.sess(k)?.kind;
            family::of(kind).carry(self, k, fresh, off, data)?;
        }
        Ok(())
    }

    /// How session `k` reacts to a change of LUN bytes `[off, off+len)` of (`bid`, `olu`),
    /// before the change happens. Returns whether metadata changed.
    pub(crate) fn react(
        &mut self,
        k: &SKey,
        bid: &Bid,
        olu: u32,
        off: u64,
        change: Change,
    ) -> Result<bool, CopyError> {
        let len = change.len();
        let s = self.sess(k)?.clone();
        if s.failed() || s.phase == Phase::Readying {
            return Ok(false);
        }
        let grain = self.grain(&k.0);
        let on = |e: &Extent| {
            (e.box_id == *bid && e.olu == olu)
                .then(|| grains_in(e, grain, off, len))
                .flatten()
        };
        let fam = family::of(s.kind);
        let mut meta = false;
        if let Some(grains) = on(&s.src) {
            meta |= fam.on_source_write(self, k, &s, grains, off, change)?;
        }
        if let Some(grains) = on(&s.dst) {
            meta |= fam.on_destination_write(self, k, &s, grains)?;
        }
        Ok(meta)
    }

    /// Allocates the SDV grains covering `[off, off+len)`; false when capacity is gone.
    pub(crate) fn sdv_alloc(
        &mut self,
        bid: &Bid,
        olu: u32,
        off: u64,
        len: u64,
        by_copy: bool,
    ) -> Result<bool, CopyError> {
        let grain = self.grain(bid);
        let st = self.st(bid)?;
        let LunKind::Sdv(sdv) = &st.luns.get(&olu).ok_or(CopyError::NoSuchLun)?.kind else {
            return Ok(true);
        };
        let want: Vec<u64> = (off / grain..(off + len).div_ceil(grain))
            .filter(|g| !sdv.allocated.contains(*g))
            .collect();
        if want.is_empty() {
            return Ok(true);
        }
        let own_free = (sdv.physical_bytes / grain).saturating_sub(sdv.allocated.count());
        let from_pool = (want.len() as u64).saturating_sub(own_free);
        if from_pool > 0 {
            let pool_total = st.pool.capacity_bytes / grain;
            let pool_used: u64 = st
                .luns
                .values()
                .filter_map(|l| match &l.kind {
                    LunKind::Sdv(s) => Some(s.pool_grains(grain)),
                    _ => None,
                })
                .sum();
            if pool_used + from_pool > pool_total {
                return Ok(false);
            }
        }
        if let Ok(Lun {
            kind: LunKind::Sdv(sdv),
            ..
        }) = self.lun_mut(bid, olu)
        {
            for g in &want {
                sdv.allocated.insert(*g);
            }
            if by_copy {
                sdv.copy_grains += want.len() as u64;
            } else {
                sdv.host_grains += want.len() as u64;
            }
        }
        Ok(true)
    }

    /// Host writes to an SDV outside any session take capacity as "host" usage.
    fn sdv_host_alloc(
        &mut self,
        bid: &Bid,
        olu: u32,
        off: u64,
        len: u64,
        keys: &[SKey],
    ) -> Result<bool, CopyError> {
        if !matches!(self.lun(bid, olu)?.kind, LunKind::Sdv(_)) {
            return Ok(false);
        }
        let in_session = keys.iter().any(|k| {
            self.sess(k)
                .map(|s| s.dst.box_id == *bid && s.dst.olu == olu)
                .unwrap_or(false)
        });
        if in_session {
            return Ok(false);
        }
        if !self.sdv_alloc(bid, olu, off, len, false)? {
            return Err(CopyError::CapacityExhausted);
        }
        Ok(true)
    }

    /// Puts a session into error suspend; a failed SnapOPC+ generation takes every
    /// older one with it (they read through it).
    pub(crate) fn fail(&mut self, k: &SKey, reason: ErrorReason) -> Result<(), CopyError> {
        let now = self.now_secs();
        let victims = family::of(self.sess(k)?.kind).fails_with(self, k);
        for v in victims {
            let s = self.sess_mut(&v)?;
            if !s.failed() {
                s.enter(s.phase, Status::ErrorSuspend(reason), Date::Now(now));
            }
        }
        Ok(())
    }
}
