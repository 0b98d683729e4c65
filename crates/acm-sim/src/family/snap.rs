//! SnapOPC and SnapOPC+: copy-on-write into a Snap Data Volume.
//!
//! Nothing is copied in the background. The destination (an SDV) reads
//! through to the source until a grain is saved: just before the source's
//! grain changes, its old bytes are written to the destination, taking SDV
//! capacity and then pool capacity; when both are gone the snapshot fails
//! (`ErrorSuspend(Overflow)`). SnapOPC+ keeps generations of one source,
//! ordered by start: only the newest saves on a source write, and an older
//! one reads what it has not saved through the newer ones, so a write to a
//! generation's destination first saves what the next older one reads
//! through it, and a failure takes every older generation with it.

use super::{Family, ReadFrom};
use crate::array::Array;
use crate::datapath::{grain_span, Change, SKey};
use crate::grains::GrainSet;
use crate::session::Date;
use crate::state::*;
use acm_scsi::model::{self as m, CopyError};

/// The ops table of SnapOPC (`plus: false`) and SnapOPC+ (`plus: true`).
pub(crate) struct Snap {
    plus: bool,
}

pub(crate) static SNAP_OPC: Snap = Snap { plus: false };
pub(crate) static SNAP_OPC_PLUS: Snap = Snap { plus: true };

impl Snap {
    fn kind(&self) -> Kind {
        if self.plus {
            Kind::SnapOpcPlus
        } else {
            Kind::SnapOpc
        }
    }

    /// `k`'s position among its generations, and the generations (oldest
    /// first); `None` for a session that is not one yet (defined, not
    /// started: it reads through nothing and nothing reads through it).
    fn position(a: &Array, k: &SKey) -> Option<(usize, Vec<SKey>)> {
        let gens = a.generations(k);
        let me = gens.iter().position(|g| g == k)?;
        Some((me, gens))
    }
}

impl Family for Snap {
    fn check_start(&self, a: &Array, src: &Extent, dst: &Extent) -> Result<(), CopyError> {
        if src.box_id != dst.box_id || !super::on_sdv(a, dst) {
            return Err(CopyError::NotSupported);
        }
        Ok(())
    }

    /// A snapshot re-run on its pair replaces it; SnapOPC+ reuses only its
    /// oldest generation.
    fn replaced_by(&self, a: &Array, old: &SKey, new: Kind) -> Result<bool, CopyError> {
        if new != self.kind() {
            return Ok(false);
        }
        if self.plus && a.generations(old).first() != Some(old) {
            return Err(CopyError::NotOldestGeneration);
        }
        Ok(true)
    }

    /// The SDV starts empty.
    fn on_start(
        &self,
        a: &mut Array,
        s: &mut Session,
        _skip_initial: bool,
        _now: u64,
    ) -> Result<(), CopyError> {
        a.sdv_release(&s.dst)
    }

    /// The destination takes the source's view in every grain.
    fn go_live(&self, a: &mut Array, k: &SKey, now: u64) -> Result<(), CopyError> {
        let grains = a.sess(k)?.pending.len();
        a.logical_copy(k, &GrainSet::full(grains))?;
        let t = a.sess_mut(k)?;
        t.enter(Phase::CopyOnWrite, t.status, Date::Now(now));
        Ok(())
    }

    /// What a snapshot saved is what differs; a SnapOPC+ generation's view
    /// differs also where newer generations saved.
    fn restore_grains(
        &self,
        a: &Array,
        k: &SKey,
        grains: u64,
    ) -> Result<Option<GrainSet>, CopyError> {
        if !self.plus {
            return Ok(Some(a.sess(k)?.changed.clone()));
        }
        let Some((me, gens)) = Self::position(a, k) else {
            return Ok(Some(a.sess(k)?.changed.clone()));
        };
        let mut set = GrainSet::new(grains);
        for g in &gens[me..] {
            set.union_with(&a.sess(g)?.changed);
        }
        Ok(Some(set))
    }

    /// A SnapOPC+ generation goes only with the older ones that read through it.
    fn cancel(&self, a: &mut Array, k: &SKey, req: &m::CancelRequest) -> Result<(), CopyError> {
        if req.tracking_only {
            return Err(CopyError::WrongPhase);
        }
        if !self.plus {
            return a.remove_session(k);
        }
        let Some((me, gens)) = Self::position(a, k) else {
            return a.remove_session(k);
        };
        if me > 0 && !req.with_older_generations {
            return Err(CopyError::NotOldestGeneration);
        }
        for g in &gens[..=me] {
            a.remove_session(g)?;
        }
        Ok(())
    }

    /// The SDV's capacity goes with the snapshot.
    fn on_remove(&self, a: &mut Array, s: &Session) -> Result<(), CopyError> {
        a.sdv_release(&s.dst)
    }

    fn generation(&self, a: &Array, k: &SKey) -> (u32, bool) {
        if !self.plus {
            return (0, false);
        }
        let gens = a.generations(k);
        let pos = gens
            .iter()
            .position(|g| g == k)
            .map(|p| p as u32 + 1)
            .unwrap_or(0);
        (pos, gens.last() == Some(k))
    }

    fn fails_with(&self, a: &Array, k: &SKey) -> Vec<SKey> {
        if !self.plus {
            return vec![*k];
        }
        match Self::position(a, k) {
            Some((me, gens)) => gens[..=me].to_vec(),
            None => vec![*k],
        }
    }

    /// An overflowed snapshot has lost its point in time.
    fn read_plan(&self, a: &Array, k: &SKey, s: &Session) -> Result<Vec<SKey>, CopyError> {
        if s.status == Status::ErrorSuspend(ErrorReason::Overflow) {
            return Err(CopyError::CapacityExhausted);
        }
        if !self.plus {
            return Ok(Vec::new());
        }
        let gens = a.generations(k);
        let me = gens.iter().position(|g| g == k).unwrap_or(gens.len());
        Ok(gens.into_iter().skip(me + 1).collect())
    }

    fn read_from(&self, a: &Array, s: &Session, newer: &[SKey], g: u64) -> ReadFrom {
        if s.changed.contains(g) {
            return ReadFrom::Own;
        }
        newer
            .iter()
            .position(|n| a.sess(n).map(|t| t.changed.contains(g)).unwrap_or(false))
            .map(ReadFrom::Newer)
            .unwrap_or(ReadFrom::Source)
    }

    fn check_write(&self, s: &Session, _on_src: bool, on_dst: bool) -> Result<(), CopyError> {
        if on_dst && s.status == Status::ErrorSuspend(ErrorReason::Overflow) {
            return Err(CopyError::CapacityExhausted);
        }
        Ok(())
    }

    /// Copy-on-write, by the newest generation only.
    fn on_source_write(
        &self,
        a: &mut Array,
        k: &SKey,
        _s: &Session,
        (g0, g1): (u64, u64),
        _off: u64,
        _change: Change,
    ) -> Result<bool, CopyError> {
        let mut meta = false;
        let newest = !self.plus || a.generations(k).last() == Some(k);
        if newest {
            for g in g0..g1 {
                if !a.sess(k)?.changed.contains(g) && !a.sess(k)?.failed() {
                    save(a, k, k, g)?;
                    meta = true;
                }
            }
        }
        Ok(meta)
    }

    /// The destination's own old bytes are saved too, so the grain is no
    /// longer read through to the source.
    fn on_destination_write(
        &self,
        a: &mut Array,
        k: &SKey,
        _s: &Session,
        (g0, g1): (u64, u64),
    ) -> Result<bool, CopyError> {
        let mut meta = false;
        let older = if self.plus {
            let gens = a.generations(k);
            gens.iter()
                .position(|x| x == k)
                .and_then(|i| i.checked_sub(1))
                .map(|i| gens[i])
        } else {
            None
        };
        for g in g0..g1 {
            // The next older generation reads through this one: keep its view.
            if let Some(o) = older {
                let ot = a.sess(&o)?;
                if !ot.failed() && !ot.changed.contains(g) {
                    save(a, &o, k, g)?;
                    meta = true;
                }
            }
            if !a.sess(k)?.changed.contains(g) && !a.sess(k)?.failed() {
                save(a, k, k, g)?;
                meta = true;
            }
        }
        Ok(meta)
    }

    fn has_work(&self, _s: &Session) -> bool {
        false
    }

    fn settle(&self, _a: &mut Array, _k: &SKey) -> Result<(), CopyError> {
        Ok(())
    }
}

/// Saves grain `g` of snapshot `target` as the view of snapshot `view_of` shows it now,
/// taking capacity from the Snap Data Volume, then the pool. On exhaustion the
/// snapshot (and every older generation) fails instead.
fn save(a: &mut Array, target: &SKey, view_of: &SKey, g: u64) -> Result<(), CopyError> {
    let grain = a.grain(&target.0);
    let v = a.sess(view_of)?.dst;
    let t = a.sess(target)?.dst;
    let (voff, len) = grain_span(&v, grain, g, g + 1);
    let (toff, _) = grain_span(&t, grain, g, g + 1);
    let mut buf = vec![0u8; len as usize];
    a.read_data(&v.box_id, v.olu, voff, &mut buf)?;
    if !a.sdv_alloc(&t.box_id, t.olu, toff, len, true)? {
        return a.fail(target, ErrorReason::Overflow);
    }
    a.raw_write(&t.box_id, t.olu, toff, &buf)?;
    a.sess_mut(target)?.changed.insert(g);
    Ok(())
}
