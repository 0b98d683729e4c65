//! What the array says about the volumes of the lists, asked in bulk: a
//! display of many volumes or pairs first takes a [`Survey`] (each box asked
//! once, LUN SESSIONS), then reads each LUN's sessions from it as it would
//! have asked them one by one. Backup and replication management both read
//! it, each refusing with its own messages.

use crate::extent::BoxInfo;
use acm_scsi::driver::DriverError;
use acm_scsi::model::{self as m, CopyError};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

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
    match acm_host::scsi::driver_to(box_id, olu).sessions() {
        // A device without the copy-session commands has no sessions: its
        // copies (by token) are whole when the command that made them ends.
        Err(e) if e.copy_error() == Some(&m::CopyError::InvalidOpcode) => Ok(Vec::new()),
        r => r.map_err(|e| LunError::from(&e)),
    }
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

/// Number and text of a refusal of the array, as the manual prints them
/// (`Error code=26 (SCSI command busy)`).
pub fn error_code(c: &acm_scsi::model::CopyError) -> (u16, &'static str) {
    use acm_scsi::model::CopyError as E;
    match c {
        E::SessionLimit | E::LunSessionLimit => {
            (20, "the maximum number of copy sessions is exceeded")
        }
        E::NoSuchSession => (21, "the copy session does not exist"),
        E::WrongPhase => (22, "the copy session is not in a state that allows this"),
        E::ExtentConflict => (23, "the volume is already in use by another copy session"),
        E::ExtentSize => (24, "the volume sizes do not match"),
        // A device that does not know the copy commands (another maker's
        // array, a box of the standard profile) does not support them.
        E::NotSupported | E::InvalidOpcode => (17, "not support."),
        E::PathFailure => (25, "REC path failure"),
        E::HardwareError => (27, "hardware error"),
        E::BadSector(_) => (28, "bad sector"),
        E::CapacityExhausted => (29, "the copy destination capacity is exhausted"),
        E::WriteProtected | E::AccessDenied => (30, "the volume is protected by a copy session"),
        E::NotOldestGeneration => (31, "not the oldest generation"),
        E::Unobtainable => (32, "the copy status cannot be obtained"),
        E::Timeout => (33, "timeout"),
        E::BufferInUse => (34, "the REC buffer is in use"),
        E::MonitorExists | E::NoMonitor => (35, "measurement session state"),
        E::DrivesStopped | E::DrivesStarting => (
            37,
            "the disk drives of the volume's RAID group are not running",
        ),
        E::NoSuchLun | E::NoSuchBox | E::LbaOutOfRange => {
            (36, "the volume does not exist in the box")
        }
        E::InvalidCdbField(_) | E::InvalidParameter(_) | E::ParameterLength => {
            (26, "SCSI command busy")
        }
    }
}
