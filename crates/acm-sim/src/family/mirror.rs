//! EC and REC: a destination kept equal to its source until it is split.
//!
//! The initial copy moves every grain in the background (or is skipped, and
//! the pair starts suspended); from then on a source write reaches the
//! destination: mirrored at once in synchronous modes, marked pending for the
//! background copy (Through, Stack), or journaled in order in the REC buffer,
//! then the disk buffer (Consistency). While active the destination is write
//! protected. Suspending splits the pair: both sides then track what changes,
//! and a resume copies only that. REC runs between two boxes over a path:
//! down, the session halts (and buffers or tracks); up, automatic recovery
//! resumes it; manual split in synchronous mode refuses source writes.

use super::{Family, ReadFrom};
use crate::array::{Array, Bid};
use crate::datapath::{grains_in, Change, SKey};
use crate::grains::GrainSet;
use crate::session::Date;
use crate::state::*;
use acm_scsi::model::{self as m, CopyError};

/// The ops table of EC (`remote: false`) and REC (`remote: true`).
pub(crate) struct Mirror {
    remote: bool,
}

pub(crate) static EC: Mirror = Mirror { remote: false };
pub(crate) static REC: Mirror = Mirror { remote: true };

impl Mirror {
    fn path_up(&self, a: &Array, s: &Session) -> bool {
        a.path_up(&s.src.box_id, &s.dst.box_id) == Some(true)
    }
}

impl Family for Mirror {
    /// EC stays in its box, REC crosses a path that is up; neither copies
    /// from or to an SDV.
    fn check_start(&self, a: &Array, src: &Extent, dst: &Extent) -> Result<(), CopyError> {
        if (src.box_id != dst.box_id) != self.remote
            || super::on_sdv(a, dst)
            || super::on_sdv(a, src)
        {
            return Err(CopyError::NotSupported);
        }
        if self.remote {
            match a.path_up(&src.box_id, &dst.box_id) {
                None => return Err(CopyError::NotSupported),
                Some(false) => return Err(CopyError::PathFailure),
                Some(true) => {}
            }
        }
        Ok(())
    }

    /// Everything is copied, unless the initial copy is skipped: then the
    /// pair starts split, dated now.
    fn on_start(
        &self,
        _a: &mut Array,
        s: &mut Session,
        skip_initial: bool,
        now: u64,
    ) -> Result<(), CopyError> {
        if skip_initial {
            s.enter(Phase::Equivalent, Status::Suspended, Date::Now(now));
            s.skipped_initial = true;
        } else {
            s.pending = GrainSet::full(s.pending.len());
        }
        Ok(())
    }

    /// No logical copy: the destination becomes the source's as it is copied.
    /// A mirror's date is its split, not its start.
    fn go_live(&self, a: &mut Array, k: &SKey, _now: u64) -> Result<(), CopyError> {
        let t = a.sess_mut(k)?;
        let phase = if t.skipped_initial {
            Phase::Equivalent
        } else {
            Phase::Copying
        };
        t.enter(phase, t.status, Date::Kept);
        Ok(())
    }

    /// Resumes a suspended pair: what changed on either side is copied again
    /// (everything, after a skipped initial copy, unless `remain`).
    fn restart(
        &self,
        a: &mut Array,
        k: &SKey,
        req: &m::RestartRequest,
        _now: u64,
    ) -> Result<(), CopyError> {
        let s = a.sess(k)?;
        if s.status != Status::Suspended {
            return Err(CopyError::WrongPhase);
        }
        if self.remote && !self.path_up(a, s) {
            return Err(CopyError::PathFailure);
        }
        let t = a.sess_mut(k)?;
        if t.skipped_initial && !req.remain {
            t.pending = GrainSet::full(t.pending.len());
        } else {
            let changed = t.changed.clone();
            t.pending.union_with(&changed);
        }
        t.changed.clear();
        t.skipped_initial = false;
        let phase = if t.pending.is_empty() {
            Phase::Equivalent
        } else {
            Phase::Copying
        };
        // The resumed pair keeps the date of its split.
        t.enter(phase, Status::Active, Date::Kept);
        t.copied_bytes = 0;
        if let Some(r) = req.rec {
            t.rec = Some(r.into());
        }
        Ok(())
    }

    /// An equivalent pair splits at an agreed point; `forced` splits an
    /// active or halted one anyway.
    fn suspendable(&self, s: &Session, forced: bool) -> bool {
        match s.status {
            Status::Active if forced => true,
            Status::Halt(_) => forced,
            Status::Active => s.phase == Phase::Equivalent && s.pending.is_empty(),
            _ => false,
        }
    }

    /// What was still to be copied, or journaled, becomes "changed", for
    /// the resume to copy.
    fn suspend(&self, a: &mut Array, k: &SKey, forced: bool, now: u64) -> Result<(), CopyError> {
        if !forced {
            // Consistency mode: the buffered writes reach the destination first.
            a.drain_journal(k, u64::MAX)?;
        }
        let grain = a.grain(&k.0);
        let t = a.sess_mut(k)?;
        let grains = t.pending.len();
        let pending = std::mem::replace(&mut t.pending, GrainSet::new(grains));
        t.changed.union_with(&pending);
        for j in std::mem::take(&mut t.journal) {
            let (g0, g1) = (j.offset / grain, (j.offset + j.len).div_ceil(grain));
            t.changed.insert_range(g0, g1);
        }
        let was_halted = matches!(t.status, Status::Halt(_));
        // A forced suspend of an active pair splits it at no agreed point.
        let date = if !forced || was_halted {
            Date::Now(now)
        } else {
            Date::Kept
        };
        t.enter(Phase::Equivalent, Status::Suspended, date);
        a.journal_truncate(k)
    }

    /// Down halts an active REC (buffering in Consistency mode when it has a
    /// buffer); up resumes a halted one with automatic recovery.
    fn on_path(&self, a: &mut Array, k: &SKey, up: bool, now: u64) -> Result<(), CopyError> {
        if !self.remote {
            return Ok(());
        }
        let s = a.sess(k)?.clone();
        let consistency = s.rec.is_some_and(|r| r.transfer == Transfer::Consistency);
        let has_buffer = a.send_buffer(&s).is_some();
        let t = a.sess_mut(k)?;
        match (up, t.status) {
            (false, Status::Active) => {
                let halt = Status::Halt(if consistency && has_buffer {
                    HaltDetail::UseBuffer
                } else if t.phase == Phase::Equivalent {
                    HaltDetail::Equivalent
                } else {
                    HaltDetail::Sync
                });
                t.enter(t.phase, halt, Date::Now(now));
            }
            (true, Status::Halt(_)) if t.rec.is_some_and(|r| r.recovery == Recovery::Auto) => {
                let changed = std::mem::replace(&mut t.changed, GrainSet::new(t.pending.len()));
                t.pending.union_with(&changed);
                let phase = if t.pending.is_empty() && t.journal.is_empty() {
                    Phase::Equivalent
                } else {
                    Phase::Copying
                };
                t.enter(phase, Status::Active, Date::Cleared);
            }
            _ => {}
        }
        Ok(())
    }

    /// A split pair would resume by copying the damage.
    fn exposed_to_bad_source(&self, s: &Session) -> bool {
        s.status == Status::Suspended
    }

    /// Access permission (`-Xda`) guards the host's reads of the destination.
    fn check_read(&self, s: &Session) -> Result<(), CopyError> {
        if s.dest_access == DestAccess::NoAccess {
            return Err(CopyError::AccessDenied);
        }
        Ok(())
    }

    fn read_from(&self, _a: &Array, _s: &Session, _newer: &[SKey], _g: u64) -> ReadFrom {
        ReadFrom::Own
    }

    /// The destination is the array's while the pair is joined; a REC halted
    /// in synchronous mode with manual split refuses source writes.
    fn check_write(&self, s: &Session, on_src: bool, on_dst: bool) -> Result<(), CopyError> {
        if on_dst {
            if s.dest_access == DestAccess::NoAccess {
                return Err(CopyError::AccessDenied);
            }
            if matches!(s.status, Status::Active | Status::Halt(_)) {
                return Err(CopyError::WriteProtected);
            }
        }
        if on_src
            && self.remote
            && matches!(s.status, Status::Halt(_))
            && s.rec
                .is_some_and(|r| r.transfer == Transfer::Sync && r.split == Split::Manual)
        {
            return Err(CopyError::PathFailure);
        }
        Ok(())
    }

    fn on_source_write(
        &self,
        a: &mut Array,
        k: &SKey,
        s: &Session,
        (g0, g1): (u64, u64),
        off: u64,
        change: Change,
    ) -> Result<bool, CopyError> {
        let mut meta = false;
        let transfer = s.rec.map(|r| r.transfer).unwrap_or(Transfer::Sync);
        match s.status {
            Status::Active => match (change, transfer) {
                // Carried to the destination once the source has it.
                (Change::Write(_), Transfer::Sync) => {}
                (Change::Write(d), Transfer::Consistency) => {
                    a.journal_append(k, s, off, d)?;
                    meta = true;
                }
                _ => {
                    let t = a.sess_mut(k)?;
                    (g0..g1).for_each(|g| meta |= t.pending.insert(g));
                    if !t.pending.is_empty() && t.phase == Phase::Equivalent {
                        t.enter(Phase::Copying, t.status, Date::Kept);
                    }
                }
            },
            Status::Halt(HaltDetail::UseBuffer | HaltDetail::UseDiskBuffer)
                if matches!(change, Change::Write(_)) =>
            {
                if let Change::Write(d) = change {
                    a.journal_append(k, s, off, d)?;
                }
                meta = true;
            }
            _ => meta |= super::track(a, k, (g0, g1))?,
        }
        Ok(meta)
    }

    /// Only a split pair's destination is written (by the host): tracked.
    fn on_destination_write(
        &self,
        a: &mut Array,
        k: &SKey,
        _s: &Session,
        grains: (u64, u64),
    ) -> Result<bool, CopyError> {
        super::track(a, k, grains)
    }

    fn carries(&self, s: &Session, bid: &Bid, olu: u32) -> Option<bool> {
        if !(s.phase != Phase::Readying && s.src.box_id == *bid && s.src.olu == olu) {
            return None;
        }
        let buffered = Status::Halt(HaltDetail::UseBuffer);
        let disk = Status::Halt(HaltDetail::UseDiskBuffer);
        match (
            s.status,
            s.rec.map(|r| r.transfer).unwrap_or(Transfer::Sync),
        ) {
            (Status::Active, Transfer::Sync) => Some(true),
            (st, Transfer::Consistency) if st == Status::Active || st == buffered || st == disk => {
                Some(false)
            }
            _ => None,
        }
    }

    /// A synchronous mirror writes the destination now; a failure there
    /// error-suspends the pair rather than the host's write.
    fn carry(
        &self,
        a: &mut Array,
        k: &SKey,
        fresh: &[u64],
        off: u64,
        data: &[u8],
    ) -> Result<(), CopyError> {
        let s = a.sess(k)?.clone();
        let len = data.len() as u64;
        let Some((g0, _)) = grains_in(&s.src, 1, off, len) else {
            return Ok(());
        };
        let from = s.src.start() + g0;
        let end = (off + len).min(s.src.end());
        let part = &data[(from - off) as usize..(end - off) as usize];
        let to = s.dst.start() + (from - s.src.start());
        match a.write_view(&s.dst.box_id, s.dst.olu, to, part, Some(*k)) {
            Ok(()) => {
                let t = a.sess_mut(k)?;
                fresh.iter().for_each(|g| {
                    t.pending.remove(*g);
                });
            }
            Err(e) => {
                let reason = match e {
                    CopyError::BadSector(_) => ErrorReason::BadSector,
                    _ => ErrorReason::Other,
                };
                a.fail(k, reason)?;
            }
        }
        Ok(())
    }

    fn has_work(&self, s: &Session) -> bool {
        !s.pending.is_empty() || !s.journal.is_empty()
    }

    fn can_copy(&self, a: &Array, s: &Session) -> bool {
        !self.remote || self.path_up(a, s)
    }

    fn settle(&self, a: &mut Array, k: &SKey) -> Result<(), CopyError> {
        let t = a.sess_mut(k)?;
        t.enter(Phase::Equivalent, t.status, Date::Kept);
        Ok(())
    }
}
