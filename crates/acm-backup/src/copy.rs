//! The copy sessions behind the backup management list.
//!
//! The list records what backup management did (which transaction volume was
//! copied to which backup volume, which syncs and restores it started); the array
//! holds what is happening now. Every status comes fresh from the array through
//! the SCSI driver, never from a cache: a session is found by its pair of extents
//! on the destination LUN.
//!
//! A display of many volumes first takes a [`Survey`]: each box is asked once
//! (LUN SESSIONS) for the sessions of every LUN the display will look at, and
//! the display then reads them from it as it would have asked them one by one.

use crate::messages;
use acm_core::msg::Failure;
use acm_model::BoxInfo;
use acm_scsi::driver::{Driver, DriverError};
use acm_scsi::model::{self as m, CopyError};
use acm_scsi::transport::Transport;

/// The driver for the LUN holding `info`.
pub fn driver_for(info: &BoxInfo) -> Driver<Box<dyn Transport>> {
    acm_host::scsi::driver_to(&info.box_id, info.olu)
}

/// The wire extent of box information.
pub fn extent(info: &BoxInfo) -> Result<m::Extent, Failure> {
    info.extent()
        .ok_or_else(|| messages::copy_failed("OPC", &format!("bad box identifier {}", info.box_id)))
}

/// What the array says about the copy from one volume to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pair {
    /// No session between them.
    None,
    Session(Box<m::SessionInfo>),
    /// The array cannot report status (`?????`).
    Unobtainable,
}

/// Sessions in which the LUN holding `info` takes part; `Ok(None)` when the array
/// cannot report them.
pub fn sessions(info: &BoxInfo) -> Result<Option<Vec<m::SessionInfo>>, Failure> {
    Survey::default().sessions(info)
}

/// The session copying `from` into `to`, as the array reports it now.
pub fn pair(from: &BoxInfo, to: &BoxInfo) -> Result<Pair, Failure> {
    Survey::default().pair(from, to)
}

pub use acm_model::survey::{percent, survey, LunError, Survey, SURVEY_CHUNK};

/// What backup management reads from a [`Survey`]: a LUN's sessions and the
/// session of a pair of volumes, refused with backup management's messages.
pub trait SurveyExt {
    /// [`sessions`], read from the survey.
    fn sessions(&self, info: &BoxInfo) -> Result<Option<Vec<m::SessionInfo>>, Failure>;
    /// [`pair`], read from the survey.
    fn pair(&self, from: &BoxInfo, to: &BoxInfo) -> Result<Pair, Failure>;
}

impl SurveyExt for Survey {
    fn sessions(&self, info: &BoxInfo) -> Result<Option<Vec<m::SessionInfo>>, Failure> {
        match self.lun(&info.box_id, info.olu) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.refusal == Some(CopyError::Unobtainable) => Ok(None),
            Err(e) => Err(messages::array_error(&e)),
        }
    }

    fn pair(&self, from: &BoxInfo, to: &BoxInfo) -> Result<Pair, Failure> {
        let (src, dst) = (extent(from)?, extent(to)?);
        Ok(match self.sessions(to)? {
            None => Pair::Unobtainable,
            Some(v) => v
                .into_iter()
                .find(|s| s.src == src && s.dst == dst)
                .map(|s| Pair::Session(Box::new(s)))
                .unwrap_or(Pair::None),
        })
    }
}

/// Maps a refusal of the array to the manual's message for the copy function:
/// `swst0634` for OPC/QuickOPC, `swst0719` for EC, `swst0740` for the rest.
pub fn refused(kind: m::CopyKind, e: &DriverError) -> Failure {
    match e.copy_error() {
        Some(c) => messages::copy_refused(kind, c),
        None => messages::array_error(e),
    }
}

/// Starts a copy session from `from` to `to`.
pub fn start(kind: m::CopyKind, from: &BoxInfo, to: &BoxInfo) -> Result<m::SessionId, Failure> {
    let req = m::StartRequest {
        kind,
        src: extent(from)?,
        dst: extent(to)?,
        rec: None,
        dest_access: m::DestAccess::ReadOnly,
        skip_initial_copy: false,
        define_only: false,
    };
    match driver_for(from).start(&req) {
        // An array without the vendor commands: OPC by ROD token, or by
        // EXTENDED COPY, when it offers them (the copy is whole when this
        // returns, so the source is still quiesced by the pre-processing).
        Err(e) if kind == m::CopyKind::Opc && e.copy_error() == Some(&CopyError::InvalidOpcode) => {
            match acm_model::offload::copy_offloaded(from, to) {
                Ok(Some(how)) => {
                    if how == acm_model::offload::How::ExtendedCopy {
                        eprintln!("{}", messages::copied_by_extended_copy());
                    }
                    Ok(0)
                }
                Ok(None) => Err(refused(kind, &e)),
                Err(e) => Err(refused(kind, &e)),
            }
        }
        r => r.map_err(|e| refused(kind, &e)),
    }
}

/// Differential restart (QuickOPC) or resume (EC) of session `id` on `at`.
pub fn restart(kind: m::CopyKind, at: &BoxInfo, id: m::SessionId) -> Result<(), Failure> {
    driver_for(at)
        .restart(&m::RestartRequest {
            id,
            remain: false,
            rec: None,
        })
        .map_err(|e| refused(kind, &e))
}

/// Suspends EC session `id` on `at`.
pub fn suspend(at: &BoxInfo, id: m::SessionId) -> Result<(), Failure> {
    driver_for(at)
        .suspend(&[id], false)
        .map_err(|e| refused(m::CopyKind::Ec, &e))
}

/// Stops session `id` on `at` (`tracking_only`: a QuickOPC keeps copying, stops tracking).
pub fn cancel(
    kind: m::CopyKind,
    at: &BoxInfo,
    id: m::SessionId,
    tracking_only: bool,
) -> Result<(), Failure> {
    driver_for(at)
        .cancel(&m::CancelRequest {
            id,
            tracking_only,
            ..Default::default()
        })
        .map_err(|e| refused(kind, &e))
}
