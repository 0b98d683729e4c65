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

use crate::list::BoxInfo;
use crate::messages;
use acm_core::msg::Failure;
use acm_scsi::driver::{Driver, DriverError};
use acm_scsi::model::{self as m, CopyError};
use acm_scsi::transport::Transport;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

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

/// Most OLUs one LUN SESSIONS command covers: 4096 LUNs in up to 256 sessions
/// each (SnapOPC+ generations) still fit the driver's 256 MiB reply bound, and a
/// box of OLUs 0-65535 takes at most 16 commands.
pub const SURVEY_CHUNK: u32 = 4096;

/// Why the array did not list a LUN's sessions, kept as the driver said it (its
/// refusal, if it was one, and its text), so a message built from it reads as
/// it did when each LUN was asked on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LunError {
    pub refusal: Option<CopyError>,
    pub text: String,
}

impl From<&DriverError> for LunError {
    fn from(e: &DriverError) -> LunError {
        LunError {
            refusal: e.copy_error().cloned(),
            text: e.to_string(),
        }
    }
}

impl fmt::Display for LunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The sessions of many LUNs, by (box identifier, OLU), each box asked once:
/// what a status display reads instead of asking the array once per LUN. The
/// empty survey asks every LUN when it is looked at.
#[derive(Debug, Default)]
pub struct Survey {
    /// By box, then OLU: a lookup needs no key of its own.
    luns: HashMap<String, HashMap<u32, Result<Vec<m::SessionInfo>, LunError>>>,
}

/// The LIST SESSIONS answer of LUN `olu` of `box_id`, asked now.
fn asked_alone(box_id: &str, olu: u32) -> Result<Vec<m::SessionInfo>, LunError> {
    acm_host::scsi::driver_to(box_id, olu)
        .sessions()
        .map_err(|e| LunError::from(&e))
}

impl Survey {
    /// Asks each box for the sessions of the LUNs `luns` names (box identifier,
    /// OLU), one LUN SESSIONS per run of at most [`SURVEY_CHUNK`] OLUs. A LUN the
    /// reply does not list, and every LUN of a run whose command fails, is asked
    /// on its own (LIST SESSIONS), so its answer, error included, is the one a
    /// display got before it asked in bulk.
    pub fn of<'a>(luns: impl IntoIterator<Item = (&'a str, u32)>) -> Survey {
        let mut by_box: BTreeMap<&str, BTreeSet<u32>> = BTreeMap::new();
        for (box_id, olu) in luns {
            by_box.entry(box_id).or_default().insert(olu);
        }
        let mut survey = Survey::default();
        for (box_id, olus) in by_box {
            let mut olus = olus.into_iter().peekable();
            while let Some(first) = olus.next() {
                let mut run = vec![first];
                while let Some(olu) = olus.next_if(|o| o - first < SURVEY_CHUNK) {
                    run.push(olu);
                }
                let last = run[run.len() - 1];
                let select = m::LunSelect::Range {
                    first,
                    // last - first < SURVEY_CHUNK <= u16::MAX
                    count: (last - first + 1) as u16,
                };
                let mut listed: HashMap<u32, Vec<m::SessionInfo>> =
                    match acm_host::scsi::driver_to(box_id, first).lun_sessions(select) {
                        Ok(v) => v.into_iter().map(|l| (l.olu, l.sessions)).collect(),
                        Err(_) => HashMap::new(),
                    };
                for olu in run {
                    let answer = match listed.remove(&olu) {
                        Some(s) => Ok(s),
                        None => asked_alone(box_id, olu),
                    };
                    survey
                        .luns
                        .entry(box_id.to_string())
                        .or_default()
                        .insert(olu, answer);
                }
            }
        }
        survey
    }

    /// The sessions of LUN `olu` of `box_id`, as LIST SESSIONS addressed to it
    /// reports them: from the survey, or asked now if the survey does not hold it.
    pub fn lun(&self, box_id: &str, olu: u32) -> Result<Vec<m::SessionInfo>, LunError> {
        match self.luns.get(box_id).and_then(|l| l.get(&olu)) {
            Some(answer) => answer.clone(),
            None => asked_alone(box_id, olu),
        }
    }

    /// [`sessions`], read from the survey.
    pub fn sessions(&self, info: &BoxInfo) -> Result<Option<Vec<m::SessionInfo>>, Failure> {
        match self.lun(&info.box_id, info.olu) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.refusal == Some(CopyError::Unobtainable) => Ok(None),
            Err(e) => Err(messages::array_error(&e)),
        }
    }

    /// [`pair`], read from the survey.
    pub fn pair(&self, from: &BoxInfo, to: &BoxInfo) -> Result<Pair, Failure> {
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

/// A survey of the LUNs holding `infos` (see [`Survey::of`]).
pub fn survey<'a>(infos: impl IntoIterator<Item = &'a BoxInfo>) -> Survey {
    Survey::of(infos.into_iter().map(|i| (i.box_id.as_str(), i.olu)))
}

/// Physical copy progress of a session in percent (100 when nothing is pending).
pub fn percent(s: &m::SessionInfo) -> u64 {
    ((s.total_grains - s.pending_grains) * 100)
        .checked_div(s.total_grains)
        .unwrap_or(100)
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
    driver_for(from).start(&req).map_err(|e| refused(kind, &e))
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
