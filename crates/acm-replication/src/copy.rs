//! Copy-session actions on pairs, through the SCSI driver.
//!
//! Each function sends one vendor command to the box that owns (or will own)
//! the session, addressed through the LUN of the pair's volume on that box, and
//! turns a refusal of the array into the manual's message for the copy
//! function: `swsrp0634` (OPC, QuickOPC), `swsrp0719` (EC, REC), `swsrp0740`
//! (SnapOPC, SnapOPC+), e.g. `swsrp0719 EC cannot be run. Error=17(not support.)`.

use crate::list::{Pair, Volume};
use crate::messages;
use crate::pair::Target;
use crate::session::{copy_extent, Observed};
use acm_core::msg::Failure;
use acm_scsi::driver::{Driver, DriverError};
use acm_scsi::model::{self as m, CopyKind};
use acm_scsi::transport::Transport;

/// The driver for the LUN of `v`.
pub fn driver_at(v: &Volume) -> Driver<Box<dyn Transport>> {
    acm_host::scsi::driver_to(&v.box_info.box_id, v.box_info.olu)
}

/// Maps a refusal of the array to the message of copy function `kind`; a
/// failure to reach the array at all names the volume `at` it was sent through.
pub fn refused(kind: CopyKind, at: &Volume, e: &DriverError) -> Failure {
    match e.copy_error() {
        Some(c) => messages::copy_refused(kind, c),
        None => messages::array_error(&at.qualified(), e),
    }
}

/// The volume of `pair` on the box that owns session `s` (the LUN a command for
/// the session is sent to).
pub fn owner_volume<'a>(pair: &'a Pair, s: &m::SessionInfo) -> &'a Volume {
    if pair.replica.box_info.box_id == s.owner.as_str()
        && pair.original.box_info.box_id != s.owner.as_str()
    {
        &pair.replica
    } else if pair.original.box_info.box_id == s.owner.as_str() {
        &pair.original
    } else {
        &pair.replica
    }
}

/// EC within a box, REC between two.
pub fn sync_kind(t: &Target) -> CopyKind {
    if t.from().box_info.box_id == t.to().box_info.box_id {
        CopyKind::Ec
    } else {
        CopyKind::Rec
    }
}

/// Whether the target copies between two boxes.
pub fn inter_box(t: &Target) -> bool {
    sync_kind(t) == CopyKind::Rec
}

/// What a new session is asked for beyond its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartOptions {
    pub rec: Option<m::RecModes>,
    pub dest_access: m::DestAccess,
    pub skip_initial_copy: bool,
    pub define_only: bool,
}

impl Default for StartOptions {
    fn default() -> Self {
        StartOptions {
            rec: None,
            dest_access: m::DestAccess::ReadOnly,
            skip_initial_copy: false,
            define_only: false,
        }
    }
}

/// Starts a `kind` session copying the way `t` copies; sent to the source's box.
pub fn start(t: &Target, kind: CopyKind, opts: StartOptions) -> Result<m::SessionId, Failure> {
    let req = m::StartRequest {
        kind,
        src: copy_extent(&t.pair, t.from())?,
        dst: copy_extent(&t.pair, t.to())?,
        rec: opts.rec,
        dest_access: opts.dest_access,
        skip_initial_copy: opts.skip_initial_copy,
        define_only: opts.define_only,
    };
    match driver_at(t.from()).start(&req) {
        // An array without the vendor commands: OPC by ROD token, when it
        // offers them (the copy is whole when this returns).
        Err(e)
            if kind == CopyKind::Opc
                && e.copy_error() == Some(&m::CopyError::InvalidOpcode)
                && !opts.define_only =>
        {
            let (from, to) = (t.from().box_info.clone(), t.to().box_info.clone());
            match acm_model::offload::copy_offloaded(&from, &to) {
                Ok(Some(how)) => {
                    if how == acm_model::offload::How::ExtendedCopy {
                        eprintln!("{}", messages::copied_by_extended_copy());
                    }
                    Ok(0)
                }
                Ok(None) => Err(refused(kind, t.from(), &e)),
                Err(e) => Err(refused(kind, t.from(), &e)),
            }
        }
        r => r.map_err(|e| refused(kind, t.from(), &e)),
    }
}

/// Differential restart (QuickOPC) or resume (EC/REC) of session `o`.
pub fn restart(
    pair: &Pair,
    o: &Observed,
    remain: bool,
    rec: Option<m::RecModes>,
) -> Result<(), Failure> {
    let at = owner_volume(pair, &o.info);
    driver_at(at)
        .restart(&m::RestartRequest {
            id: o.info.id,
            remain,
            rec,
        })
        .map_err(|e| refused(o.info.kind, at, &e))
}

/// Suspends sessions together: one is an ordinary suspend, several a Concurrent
/// Suspend. All must be owned by the box of `at`.
pub fn suspend(
    at: &Volume,
    kind: CopyKind,
    ids: &[m::SessionId],
    forced: bool,
) -> Result<(), Failure> {
    driver_at(at)
        .suspend(ids, forced)
        .map_err(|e| refused(kind, at, &e))
}

/// How a session is stopped (see [`m::CancelRequest`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CancelOptions {
    pub with_older_generations: bool,
    pub tracking_only: bool,
    pub only_if_halted: bool,
}

fn send_cancel(at: &Volume, o: &Observed, opts: CancelOptions) -> Result<(), DriverError> {
    driver_at(at).cancel(&m::CancelRequest {
        id: o.info.id,
        with_older_generations: opts.with_older_generations,
        tracking_only: opts.tracking_only,
        only_if_halted: opts.only_if_halted,
    })
}

/// Stops session `o` of `pair`, addressed to `at` (the owner's volume, or with
/// `swsrpcancel -b` between two servers, the local one).
pub fn cancel_at(at: &Volume, o: &Observed, opts: CancelOptions) -> Result<(), Failure> {
    send_cancel(at, o, opts).map_err(|e| refused(o.info.kind, at, &e))
}

/// Stops session `o` of `pair` on its owner box.
pub fn cancel(pair: &Pair, o: &Observed, opts: CancelOptions) -> Result<(), Failure> {
    cancel_at(owner_volume(pair, &o.info), o, opts)
}

/// Stops session `o` of `pair` if the box still has it. An OPC ends by itself
/// when its physical copy is done, so one observed copying may be gone by the
/// time it is stopped: then there is nothing to stop, not an error.
pub fn cancel_if_present(pair: &Pair, o: &Observed, opts: CancelOptions) -> Result<(), Failure> {
    let at = owner_volume(pair, &o.info);
    match send_cancel(at, o, opts) {
        Err(e) if e.copy_error() == Some(&m::CopyError::NoSuchSession) => Ok(()),
        r => r.map_err(|e| refused(o.info.kind, at, &e)),
    }
}

/// Swaps source and destination of the suspended EC/REC session `o`.
pub fn reverse(pair: &Pair, o: &Observed) -> Result<(), Failure> {
    let at = owner_volume(pair, &o.info);
    driver_at(at)
        .reverse(o.info.id)
        .map_err(|e| refused(o.info.kind, at, &e))
}

/// Changes the REC modes of session `o`.
pub fn change_mode(pair: &Pair, o: &Observed, change: &m::ModeChange) -> Result<(), Failure> {
    let at = owner_volume(pair, &o.info);
    driver_at(at)
        .change_mode(o.info.id, change)
        .map_err(|e| refused(o.info.kind, at, &e))
}

/// Starts every session defined for Concurrent OPC at one point in time; all
/// must be owned by the box of `at`.
pub fn start_concurrent(at: &Volume, kind: CopyKind, ids: &[m::SessionId]) -> Result<(), Failure> {
    driver_at(at)
        .start_concurrent(ids)
        .map_err(|e| refused(kind, at, &e))
}
