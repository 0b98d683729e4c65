//! Copy families: what each kind of session does where the kinds differ.
//!
//! The commands (`session.rs`) and the data path (`datapath.rs`) are written
//! once, for every session. Wherever the six kinds behave differently (a host
//! write, a host read, a background copy step, and the life-cycle commands)
//! they ask the session's family through [`Family`], found with [`of`]. Each
//! family is one module with one static ops table, the way device-mapper has
//! one module and one ops table per target type:
//!
//! - [`opc`]: OPC and QuickOPC, a logical copy now and the physical copy behind it;
//! - [`snap`]: SnapOPC and SnapOPC+, copy-on-write into a Snap Data Volume;
//! - [`mirror`]: EC and REC, a destination kept equal to its source until split.
//!
//! So a rule of one kind lives in one file, and the generic code keeps no
//! per-kind `match` at those points (only small predicates that name a kind
//! remain there: which starts close a ring of mirrors, SnapOPC+ ordering,
//! REC's default modes). The methods take the array as well as the session: a step may
//! need other sessions (SnapOPC+ generations, the session a restore reverses)
//! and the array's storage. Checks that apply to every kind (a failed or
//! `Readying` session does not react, a command finds its session) stay with
//! the callers.

use crate::array::{Array, Bid};
use crate::datapath::{grain_span, Change, SKey};
use crate::grains::GrainSet;
use crate::state::*;
use acm_scsi::model::{self as m, CopyError};

pub(crate) mod mirror;
pub(crate) mod opc;
pub(crate) mod snap;

/// The ops table of a session's kind.
pub(crate) fn of(kind: Kind) -> &'static dyn Family {
    match kind {
        Kind::Opc => &opc::OPC,
        Kind::QuickOpc => &opc::QUICK_OPC,
        Kind::SnapOpc => &snap::SNAP_OPC,
        Kind::SnapOpcPlus => &snap::SNAP_OPC_PLUS,
        Kind::Ec => &mirror::EC,
        Kind::Rec => &mirror::REC,
    }
}

/// Where a grain of a destination's view reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadFrom {
    /// The destination's own storage.
    Own,
    /// The source's view (not copied, or not saved, yet).
    Source,
    /// The destination of the `n`th newer SnapOPC+ generation.
    Newer(usize),
}

/// What one copy family does at each point where the kinds differ. `k` is
/// the session's key; `s`, where given, a copy of the session taken before
/// the step (the step may change the stored one).
pub(crate) trait Family: Sync {
    // ----- start -----

    /// Refuses a start between extents this family cannot copy
    /// (`NotSupported`, or `PathFailure` for a REC path that is down).
    fn check_start(&self, a: &Array, src: &Extent, dst: &Extent) -> Result<(), CopyError>;

    /// Whether a start of kind `new` on the same pair replaces session `old`
    /// of this family (re-running a copy), or refuses the start.
    fn replaced_by(&self, _a: &Array, _old: &SKey, _new: Kind) -> Result<bool, CopyError> {
        Ok(false)
    }

    /// Prepares a new session `s` before it is stored (it is `Readying`):
    /// what it has to copy, or a start that skips the initial copy.
    fn on_start(
        &self,
        a: &mut Array,
        s: &mut Session,
        skip_initial: bool,
        now: u64,
    ) -> Result<(), CopyError>;

    /// Takes the logical copy of a defined session: its destination's view
    /// changes now, and it leaves `Readying`.
    fn go_live(&self, a: &mut Array, k: &SKey, now: u64) -> Result<(), CopyError>;

    /// What a restore from the destination of `k` onto its source (an OPC
    /// the other way) must copy, `grains` long; `None` when `k` does not know
    /// and everything is copied.
    fn restore_grains(
        &self,
        _a: &Array,
        _k: &SKey,
        _grains: u64,
    ) -> Result<Option<GrainSet>, CopyError> {
        Ok(None)
    }

    // ----- commands -----

    /// A restart: a differential copy, or a resume.
    fn restart(
        &self,
        _a: &mut Array,
        _k: &SKey,
        _req: &m::RestartRequest,
        _now: u64,
    ) -> Result<(), CopyError> {
        Err(CopyError::WrongPhase)
    }

    /// Whether `s` may be suspended now.
    fn suspendable(&self, _s: &Session, _forced: bool) -> bool {
        false
    }

    /// Suspends `k`, which [`Family::suspendable`] allowed.
    fn suspend(
        &self,
        _a: &mut Array,
        _k: &SKey,
        _forced: bool,
        _now: u64,
    ) -> Result<(), CopyError> {
        Err(CopyError::WrongPhase)
    }

    /// Cancels `k` (the `only_if_halted` check is done).
    fn cancel(&self, a: &mut Array, k: &SKey, req: &m::CancelRequest) -> Result<(), CopyError> {
        if req.tracking_only {
            return Err(CopyError::WrongPhase);
        }
        a.remove_session(k)
    }

    /// Frees what `s` holds besides its record, as it goes.
    fn on_remove(&self, _a: &mut Array, _s: &Session) -> Result<(), CopyError> {
        Ok(())
    }

    /// The REC path between the boxes of `k` went up or down.
    fn on_path(&self, _a: &mut Array, _k: &SKey, _up: bool, _now: u64) -> Result<(), CopyError> {
        Ok(())
    }

    /// The generation `k` reports (1 = oldest; 0 when not a generation), and
    /// whether it is the active (newest) one.
    fn generation(&self, _a: &Array, _k: &SKey) -> (u32, bool) {
        (0, false)
    }

    /// Whether the session tracks changes for a differential restart.
    fn tracking(&self) -> bool {
        false
    }

    /// Whether a bad sector appearing on the source fails `s` at once,
    /// before a later copy could spread it.
    fn exposed_to_bad_source(&self, _s: &Session) -> bool {
        false
    }

    /// The sessions that fail with `k` (`k` among them).
    fn fails_with(&self, _a: &Array, k: &SKey) -> Vec<SKey> {
        vec![*k]
    }

    // ----- the host's reads and writes -----

    /// Refuses a host read of the destination of `s` (defined or live).
    fn check_read(&self, _s: &Session) -> Result<(), CopyError> {
        Ok(())
    }

    /// Prepares a read of the destination of `k`: refuses it, or names the
    /// newer generations it may read through.
    fn read_plan(&self, _a: &Array, _k: &SKey, _s: &Session) -> Result<Vec<SKey>, CopyError> {
        Ok(Vec::new())
    }

    /// Where grain `g` of the destination of live session `s` reads from.
    fn read_from(&self, a: &Array, s: &Session, newer: &[SKey], g: u64) -> ReadFrom;

    /// Refuses a host write that reaches the source (`on_src`) or the
    /// destination of live session `s` (`on_dst`), before anything changes.
    fn check_write(&self, _s: &Session, _on_src: bool, _on_dst: bool) -> Result<(), CopyError> {
        Ok(())
    }

    /// Reacts to grains `[g0, g1)` of the source changing (a write, or a
    /// logical copy onto it), before they do. Returns whether metadata changed.
    fn on_source_write(
        &self,
        a: &mut Array,
        k: &SKey,
        s: &Session,
        grains: (u64, u64),
        off: u64,
        change: Change,
    ) -> Result<bool, CopyError>;

    /// Reacts to grains `[g0, g1)` of the destination changing, before they
    /// do. Returns whether metadata changed.
    fn on_destination_write(
        &self,
        a: &mut Array,
        k: &SKey,
        s: &Session,
        grains: (u64, u64),
    ) -> Result<bool, CopyError>;

    /// Whether a write to (`bid`, `olu`) reaches the destination of `s` once
    /// the source has it: now (`Some(true)`), or later from a journal
    /// (`Some(false)`).
    fn carries(&self, _s: &Session, _bid: &Bid, _olu: u32) -> Option<bool> {
        None
    }

    /// Carries a write the source now holds (`data` at LUN offset `off`) to
    /// the destination of `k`, which [`Family::carries`] said it reaches now;
    /// `fresh` are the grains the write put in flight.
    fn carry(
        &self,
        _a: &mut Array,
        _k: &SKey,
        _fresh: &[u64],
        _off: u64,
        _data: &[u8],
    ) -> Result<(), CopyError> {
        Ok(())
    }

    // ----- the background copy -----

    /// Whether active, live session `s` has background copying to do, or a
    /// copy to settle.
    fn has_work(&self, s: &Session) -> bool;

    /// Whether `s` can copy now (a REC needs its path).
    fn can_copy(&self, _a: &Array, _s: &Session) -> bool {
        true
    }

    /// Copies grains `[g0, g1)` of `k` physically. By default the source's
    /// view is written to the destination's view, as a write of `k` itself,
    /// so that the sessions reading the destination react.
    fn copy_step(&self, a: &mut Array, k: &SKey, g0: u64, g1: u64) -> Result<(), CopyError> {
        let s = a.sess(k)?.clone();
        let grain = a.grain(&k.0);
        let (from, len) = grain_span(&s.src, grain, g0, g1);
        let (to, _) = grain_span(&s.dst, grain, g0, g1);
        let mut buf = vec![0u8; len as usize];
        a.read_data(&s.src.box_id, s.src.olu, from, &mut buf)?;
        a.write_view(&s.dst.box_id, s.dst.olu, to, &buf, Some(*k))?;
        let t = a.sess_mut(k)?;
        (g0..g1).for_each(|g| {
            t.pending.remove(g);
        });
        t.copied_bytes += len;
        Ok(())
    }

    /// Moves `k` on once its physical copy is done (nothing pending or
    /// journaled, and active).
    fn settle(&self, a: &mut Array, k: &SKey) -> Result<(), CopyError>;
}

/// Records grains `g0..g1` of session `k` as changed (tracking); whether
/// any was not recorded yet (then the session's bookkeeping changed).
pub(crate) fn track(a: &mut Array, k: &SKey, (g0, g1): (u64, u64)) -> Result<bool, CopyError> {
    let t = a.sess_mut(k)?;
    let mut fresh = false;
    (g0..g1).for_each(|g| fresh |= t.changed.insert(g));
    Ok(fresh)
}

/// Whether extent `e` lies on a Snap Data Volume.
pub(crate) fn on_sdv(a: &Array, e: &Extent) -> bool {
    a.lun(&e.box_id, e.olu)
        .is_ok_and(|l| matches!(l.kind, LunKind::Sdv(_)))
}
