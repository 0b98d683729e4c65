//! OPC and QuickOPC: a logical copy now, the physical copy behind it.
//!
//! Going live makes the destination's view the source's at once: a grain not
//! yet copied (pending) reads through to the source. The background copy then
//! moves the pending grains, and a grain about to change on either side is
//! copied first (copy-before-write), so the point in time holds. OPC ends when
//! its copy does; QuickOPC stays, tracking the grains that change on either
//! side, so that a restart copies only those. A start onto the source of a
//! session whose destination it reads (a restore) copies only what that
//! session recorded.

use super::{Family, ReadFrom};
use crate::array::Array;
use crate::datapath::{grain_span, grains_in, Change, SKey};
use crate::grains::GrainSet;
use crate::session::Date;
use crate::state::*;
use acm_scsi::model::{self as m, CopyError};

/// The ops table of OPC (`quick: false`) and QuickOPC (`quick: true`).
pub(crate) struct Opc {
    quick: bool,
}

pub(crate) static OPC: Opc = Opc { quick: false };
pub(crate) static QUICK_OPC: Opc = Opc { quick: true };

impl Family for Opc {
    fn check_start(&self, a: &Array, src: &Extent, dst: &Extent) -> Result<(), CopyError> {
        if src.box_id != dst.box_id || super::on_sdv(a, dst) {
            return Err(CopyError::NotSupported);
        }
        Ok(())
    }

    /// An OPC on the pair of an OPC or QuickOPC replaces it.
    fn replaced_by(&self, _a: &Array, _old: &SKey, new: Kind) -> Result<bool, CopyError> {
        Ok(new == Kind::Opc)
    }

    fn on_start(
        &self,
        a: &mut Array,
        s: &mut Session,
        _skip_initial: bool,
        _now: u64,
    ) -> Result<(), CopyError> {
        s.pending = pending_for(a, &s.src, &s.dst, s.pending.len())?;
        Ok(())
    }

    fn go_live(&self, a: &mut Array, k: &SKey, now: u64) -> Result<(), CopyError> {
        let pending = a.sess(k)?.pending.clone();
        a.logical_copy(k, &pending)?;
        let t = a.sess_mut(k)?;
        let phase = match (self.quick, t.pending.is_empty()) {
            (false, _) => Phase::Copying,
            (true, true) => Phase::Tracking,
            (true, false) => Phase::TrackingCopying,
        };
        t.enter(phase, t.status, Date::Now(now));
        Ok(())
    }

    /// A tracking QuickOPC whose copy is done knows what differs.
    fn restore_grains(
        &self,
        a: &Array,
        k: &SKey,
        _grains: u64,
    ) -> Result<Option<GrainSet>, CopyError> {
        let s = a.sess(k)?;
        Ok((self.quick && s.pending.is_empty()).then(|| s.changed.clone()))
    }

    /// QuickOPC's differential restart: a new logical copy of what changed.
    fn restart(
        &self,
        a: &mut Array,
        k: &SKey,
        _req: &m::RestartRequest,
        now: u64,
    ) -> Result<(), CopyError> {
        let s = a.sess(k)?;
        if !self.quick
            || s.status != Status::Active
            || !matches!(s.phase, Phase::Tracking | Phase::TrackingCopying)
        {
            return Err(CopyError::WrongPhase);
        }
        let changed = s.changed.clone();
        a.logical_copy(k, &changed)?;
        let t = a.sess_mut(k)?;
        t.pending.union_with(&changed);
        t.changed.clear();
        let phase = if t.pending.is_empty() {
            Phase::Tracking
        } else {
            Phase::TrackingCopying
        };
        t.enter(phase, t.status, Date::Now(now));
        t.copied_bytes = 0;
        Ok(())
    }

    /// Cancelling only the tracking of a QuickOPC leaves an OPC finishing its copy.
    fn cancel(&self, a: &mut Array, k: &SKey, req: &m::CancelRequest) -> Result<(), CopyError> {
        if !req.tracking_only {
            return a.remove_session(k);
        }
        let s = a.sess(k)?;
        if !self.quick {
            return Err(CopyError::WrongPhase);
        }
        if s.pending.is_empty() || s.phase == Phase::Readying {
            return a.remove_session(k);
        }
        let t = a.sess_mut(k)?;
        t.kind = Kind::Opc;
        t.enter(Phase::Copying, t.status, Date::Kept);
        t.changed.clear();
        Ok(())
    }

    fn tracking(&self) -> bool {
        self.quick
    }

    /// A tracking QuickOPC would copy the damage at its next restart.
    fn exposed_to_bad_source(&self, s: &Session) -> bool {
        self.quick && s.phase == Phase::Tracking
    }

    fn read_from(&self, _a: &Array, s: &Session, _newer: &[SKey], g: u64) -> ReadFrom {
        if s.pending.contains(g) {
            ReadFrom::Source
        } else {
            ReadFrom::Own
        }
    }

    fn on_source_write(
        &self,
        a: &mut Array,
        k: &SKey,
        s: &Session,
        grains: (u64, u64),
        _off: u64,
        _change: Change,
    ) -> Result<bool, CopyError> {
        self.before_change(a, k, s, grains)
    }

    fn on_destination_write(
        &self,
        a: &mut Array,
        k: &SKey,
        s: &Session,
        grains: (u64, u64),
    ) -> Result<bool, CopyError> {
        self.before_change(a, k, s, grains)
    }

    /// OPC has to settle even with nothing pending (a restore that found no
    /// differences): it ends.
    fn has_work(&self, s: &Session) -> bool {
        let unsettled = !self.quick || s.phase == Phase::TrackingCopying;
        !s.pending.is_empty() || !s.journal.is_empty() || unsettled
    }

    fn copy_step(&self, a: &mut Array, k: &SKey, g0: u64, g1: u64) -> Result<(), CopyError> {
        materialize(a, k, g0, g1)
    }

    fn settle(&self, a: &mut Array, k: &SKey) -> Result<(), CopyError> {
        if !self.quick {
            return a.remove_session(k);
        }
        let t = a.sess_mut(k)?;
        t.enter(Phase::Tracking, t.status, Date::Kept);
        Ok(())
    }
}

impl Opc {
    /// A grain about to change on either side is copied first if still
    /// pending (copy-before-write); QuickOPC records the change for the next
    /// differential copy.
    fn before_change(
        &self,
        a: &mut Array,
        k: &SKey,
        s: &Session,
        (g0, g1): (u64, u64),
    ) -> Result<bool, CopyError> {
        let mut meta = false;
        for g in (g0..g1).filter(|g| s.pending.contains(*g)) {
            materialize(a, k, g, g + 1)?;
            meta = true;
        }
        if self.quick {
            meta |= super::track(a, k, (g0, g1))?;
        }
        Ok(meta)
    }
}

/// The grains an OPC from `src` to `dst` must copy. A restore onto the source of a
/// QuickOPC or snapshot session needs only the grains that differ: those that
/// session recorded.
fn pending_for(a: &Array, src: &Extent, dst: &Extent, grains: u64) -> Result<GrainSet, CopyError> {
    for k in a.on_lun(&dst.box_id, dst.olu) {
        let s = a.sess(&k)?;
        if s.src != *dst || s.dst != *src || s.failed() || s.phase == Phase::Readying {
            continue;
        }
        if let Some(set) = super::of(s.kind).restore_grains(a, &k, grains)? {
            return Ok(set);
        }
    }
    Ok(GrainSet::full(grains))
}

/// Physically copies OPC grains `[g0, g1)` of session `k` (from the source's view
/// into the destination's storage) and marks them copied.
fn materialize(a: &mut Array, k: &SKey, g0: u64, g1: u64) -> Result<(), CopyError> {
    let s = a.sess(k)?.clone();
    let grain = a.grain(&k.0);
    let (from, len) = grain_span(&s.src, grain, g0, g1);
    let (to, _) = grain_span(&s.dst, grain, g0, g1);
    // Where nothing redirects the source's view, its storage is its view: copy
    // storage to storage in the kernel.
    let redirected = a
        .touching(&s.src.box_id, s.src.olu, from, len)
        .into_iter()
        .any(|o| {
            a.sess(&o)
                .map(|t| t.dst.same_lun(&s.src) && grains_in(&t.dst, 1, from, len).is_some())
                .unwrap_or(false)
        });
    if redirected {
        let mut buf = vec![0u8; len as usize];
        a.read_data(&s.src.box_id, s.src.olu, from, &mut buf)?;
        a.raw_write(&s.dst.box_id, s.dst.olu, to, &buf)?;
    } else {
        a.raw_copy(
            (&s.src.box_id, s.src.olu, from),
            (&s.dst.box_id, s.dst.olu, to),
            len,
        )?;
    }
    let t = a.sess_mut(k)?;
    (g0..g1).for_each(|g| {
        t.pending.remove(g);
    });
    t.copied_bytes += len;
    Ok(())
}
