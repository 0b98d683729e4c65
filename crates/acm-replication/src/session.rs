//! What the array says about a pair: its copy sessions, and the state the
//! manual's tables are written in.
//!
//! The list records pairs; the array holds what is happening. Every status is
//! asked of the array through the SCSI driver when a command needs it, never
//! cached: a session belongs to a pair when it copies between the pair's two
//! extents, in either direction. Both LUNs are asked, so an REC session is found
//! from either box. A display of many pairs asks each box once ([`survey`]) and
//! observes every pair in what the boxes said.

use crate::list::{Pair, Volume};
use crate::messages;
use crate::pair::Target;
use acm_core::msg::Failure;
use acm_model::survey::Survey;
use acm_model::BoxInfo;
use acm_scsi::model::{self as m, CopyError, CopyKind, Phase, Status};

/// A session between the two volumes of a pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// The session copies replica → original.
    pub reverse: bool,
    pub info: m::SessionInfo,
}

/// The sessions of a pair, as the array reports them now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Sessions(Vec<Observed>),
    /// The array cannot report the copy status (`?????`).
    Unobtainable,
}

impl Seen {
    /// The session copying in `reverse` (or regular) direction.
    pub fn direction(&self, reverse: bool) -> Option<&Observed> {
        match self {
            Seen::Sessions(v) => v.iter().find(|o| o.reverse == reverse),
            Seen::Unobtainable => None,
        }
    }

    /// The session copying the way `t` copies.
    pub fn toward(&self, t: &Target) -> Option<&Observed> {
        self.direction(t.reverse)
    }

    /// The session copying against the way `t` copies.
    pub fn against(&self, t: &Target) -> Option<&Observed> {
        self.direction(!t.reverse)
    }

    /// Whether any session exists between the pair's volumes.
    pub fn any(&self) -> bool {
        matches!(self, Seen::Sessions(v) if !v.is_empty())
    }
}

/// The wire extent of a volume, `blocks` long.
pub fn extent_of(info: &BoxInfo, blocks: u64) -> Result<m::Extent, Failure> {
    info.extent_of(blocks)
        .ok_or_else(|| messages::array_error(&info.box_id, "bad box identifier"))
}

/// The extent a copy of `pair` covers on volume `v`: the smaller of the two
/// sizes (`swsrpsetvol -n`), from the volume's first block.
pub fn copy_extent(pair: &Pair, v: &Volume) -> Result<m::Extent, Failure> {
    let blocks = pair
        .original
        .box_info
        .blocks
        .min(pair.replica.box_info.blocks);
    extent_of(&v.box_info, blocks)
}

/// Whether two extents lie on the same LUN and overlap.
pub fn overlaps(a: &m::Extent, b: &m::Extent) -> bool {
    a.box_id == b.box_id
        && a.olu == b.olu
        && a.start_lba < b.start_lba.saturating_add(b.blocks)
        && b.start_lba < a.start_lba.saturating_add(a.blocks)
}

/// Sessions touching the LUN of `v`; `None` when the array cannot report them.
pub fn sessions_on(v: &Volume) -> Result<Option<Vec<m::SessionInfo>>, Failure> {
    sessions_in(&Survey::default(), v)
}

/// [`sessions_on`], as the array reported them to `survey`.
pub fn sessions_in(survey: &Survey, v: &Volume) -> Result<Option<Vec<m::SessionInfo>>, Failure> {
    match survey.lun(&v.box_info.box_id, v.box_info.olu) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.refusal == Some(CopyError::Unobtainable) => Ok(None),
        Err(e) => Err(messages::array_error(&v.qualified(), e)),
    }
}

/// The sessions of the LUNs of `volumes`, each box asked once
/// ([`acm_model::survey::Survey::of`]).
pub fn survey<'a>(volumes: impl IntoIterator<Item = &'a Volume>) -> Survey {
    acm_model::survey::survey(volumes.into_iter().map(|v| &v.box_info))
}

/// A survey of both volumes of every pair of `pairs`.
pub fn survey_pairs(pairs: &[&Pair]) -> Survey {
    survey(pairs.iter().flat_map(|p| [&p.original, &p.replica]))
}

/// The sessions between the two volumes of `pair`.
pub fn observe(pair: &Pair) -> Result<Seen, Failure> {
    observe_in(&Survey::default(), pair)
}

/// [`observe`], in what the array reported to `survey`.
pub fn observe_in(survey: &Survey, pair: &Pair) -> Result<Seen, Failure> {
    let o = extent_of(&pair.original.box_info, pair.original.box_info.blocks)?;
    let r = extent_of(&pair.replica.box_info, pair.replica.box_info.blocks)?;
    let mut found: Vec<Observed> = Vec::new();
    for v in [&pair.original, &pair.replica] {
        let Some(list) = sessions_in(survey, v)? else {
            return Ok(Seen::Unobtainable);
        };
        for s in list {
            let regular = overlaps(&s.src, &o) && overlaps(&s.dst, &r);
            let reverse = overlaps(&s.src, &r) && overlaps(&s.dst, &o);
            if (regular || reverse)
                && !found
                    .iter()
                    .any(|f| f.info.id == s.id && f.info.owner == s.owner)
            {
                found.push(Observed { reverse, info: s });
            }
        }
    }
    Ok(Seen::Sessions(found))
}

/// The state of one session in the manual's vocabulary (the Status and Trk
/// columns of `swsrpstat -L`), which Tables 8.5-8.9 are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// `----`, Trk `----`: no session.
    NotStarted,
    /// `readying`: Concurrent OPC defined.
    Readying,
    /// `sync`: EC/REC total or incremental copy.
    Copying,
    /// `equivalent`.
    Equivalent,
    /// `replicated`: EC/REC suspended.
    Replicated,
    /// `snap`: OPC/QuickOPC physical copy; `tracking` for QuickOPC.
    Snap { tracking: bool },
    /// `----`, Trk `on`: QuickOPC copy done, tracking.
    Tracking,
    /// `copy-on-write`: SnapOPC.
    CopyOnWrite,
    /// `copy-on-write(active|inactive)`: SnapOPC+ generation.
    Generation { active: bool, number: u32 },
    /// `failed`.
    Failed(m::ErrorReason),
    /// `halt`.
    Halt(m::HaltDetail),
    /// `?????`.
    Unobtainable,
}

impl State {
    /// The state of a session.
    pub fn of(s: &m::SessionInfo) -> State {
        match s.status {
            Status::ErrorSuspend(r) => return State::Failed(r),
            Status::Halt(h) => return State::Halt(h),
            Status::Suspended => return State::Replicated,
            Status::Active => {}
        }
        match (s.kind, s.phase) {
            (_, Phase::Readying) => State::Readying,
            (CopyKind::SnapOpc, _) => State::CopyOnWrite,
            (CopyKind::SnapOpcPlus, _) => State::Generation {
                active: s.active_generation,
                number: s.generation,
            },
            (CopyKind::Ec | CopyKind::Rec, Phase::Equivalent) => State::Equivalent,
            (CopyKind::Ec | CopyKind::Rec, _) => State::Copying,
            (_, Phase::Tracking) => State::Tracking,
            (_, Phase::TrackingCopying) => State::Snap { tracking: true },
            (CopyKind::QuickOpc, _) => State::Snap {
                tracking: s.tracking,
            },
            _ => State::Snap { tracking: false },
        }
    }

    /// The state of `seen` in one direction (`NotStarted` without a session).
    pub fn in_direction(seen: &Seen, reverse: bool) -> State {
        match seen {
            Seen::Unobtainable => State::Unobtainable,
            s => s
                .direction(reverse)
                .map(|o| State::of(&o.info))
                .unwrap_or(State::NotStarted),
        }
    }

    /// Whether the state belongs to synchronous processing (EC/REC).
    pub fn is_sync(self) -> bool {
        matches!(
            self,
            State::Copying | State::Equivalent | State::Replicated | State::Halt(_)
        )
    }
}

/// How `swsrpstat` words the states.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wording {
    /// `-H`: the detail of a hard suspend.
    pub halt_detail: bool,
    /// `-O`: the reason of an error suspend.
    pub fail_detail: bool,
    /// This server is the REC source server (`halt(use-*buffer)` only there).
    pub rec_source: bool,
}

/// `----`: the manual's "nothing to show".
pub const NONE: &str = "----";
/// The date of a pair without a dated transition.
pub const NO_DATE: &str = "----/-- --:--:--";

/// The Status column of a state.
pub fn status_word(state: State, w: Wording) -> String {
    use m::{ErrorReason as E, HaltDetail as H};
    match state {
        State::NotStarted | State::Tracking => NONE.into(),
        State::Readying => "readying".into(),
        State::Copying => "sync".into(),
        State::Equivalent => "equivalent".into(),
        State::Replicated => "replicated".into(),
        State::Snap { .. } => "snap".into(),
        State::CopyOnWrite => "copy-on-write".into(),
        State::Generation { active: true, .. } => "copy-on-write(active)".into(),
        State::Generation { active: false, .. } => "copy-on-write(inactive)".into(),
        State::Failed(_) if !w.fail_detail => "failed".into(),
        State::Failed(E::BadSector) => "failed(badsector)".into(),
        State::Failed(E::Overflow) => "failed(overflow)".into(),
        State::Failed(E::Other) => "failed(other)".into(),
        State::Halt(_) if !w.halt_detail => "halt".into(),
        State::Halt(H::Sync) => "halt(sync)".into(),
        State::Halt(H::Equivalent) => "halt(equivalent)".into(),
        State::Halt(H::UseBuffer) if w.rec_source => "halt(use-buffer)".into(),
        State::Halt(H::UseDiskBuffer) if w.rec_source => "halt(use-disk-buffer)".into(),
        State::Halt(_) => "halt".into(),
        State::Unobtainable => "?????".into(),
    }
}

/// Physical copy progress of a session in percent (100 when nothing is pending).
pub fn percent(s: &m::SessionInfo) -> u64 {
    acm_model::survey::percent(s)
}

/// Share of the extent changed since the last copy, in percent.
pub fn update_percent(s: &m::SessionInfo) -> u64 {
    (s.changed_grains * 100)
        .checked_div(s.total_grains)
        .unwrap_or(0)
}

/// One line of `swsrpstat -Xall`: every column the manual defines, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub server: String,
    pub original: String,
    pub replica: String,
    pub direction: Text,
    pub status: Text,
    pub execute: Text,
    pub trk: Text,
    pub update: Text,
    pub rcv: Text,
    pub split: Text,
    pub xfer: Text,
    pub snap_gen: Text,
    pub copy_da: Text,
    /// The session's last transition (seconds), 0 when there is none: the
    /// Date column, formatted only when shown ([`Row::date`]).
    pub transition_time: u64,
}

/// A cell: mostly one of a few fixed words, so borrowed (a display of
/// 10,000 pairs would otherwise allocate each word of each row).
pub type Text = std::borrow::Cow<'static, str>;

impl Row {
    /// The Date column.
    pub fn date(&self) -> String {
        if self.transition_time > 0 {
            acm_core::time::format_seconds(self.transition_time)
        } else {
            NO_DATE.into()
        }
    }
}

/// The `swsrpstat` row of `pair` seen from `server`. Without `reverse_only`, a
/// regular-direction session is shown in preference to a reverse one (a restore
/// beside a QuickOPC tracking session is seen with `-E`); with it, only the
/// reverse-direction session.
pub fn row(server: &str, pair: &Pair, seen: &Seen, reverse_only: bool, w: Wording) -> Row {
    let mut r = Row {
        server: server.to_string(),
        original: pair.original.qualified(),
        replica: pair.replica.qualified(),
        direction: NONE.into(),
        status: NONE.into(),
        execute: NONE.into(),
        trk: NONE.into(),
        update: NONE.into(),
        rcv: NONE.into(),
        split: NONE.into(),
        xfer: NONE.into(),
        snap_gen: NONE.into(),
        copy_da: "off".into(),
        transition_time: 0,
    };
    if *seen == Seen::Unobtainable {
        r.status = status_word(State::Unobtainable, w).into();
        return r;
    }
    let shown = if reverse_only {
        seen.direction(true)
    } else {
        seen.direction(false).or_else(|| seen.direction(true))
    };
    let Some(o) = shown else {
        return r;
    };
    let s = &o.info;
    let state = State::of(s);
    r.direction = if o.reverse { "reverse" } else { "regular" }.into();
    r.status = status_word(state, w).into();
    let active = s.status == Status::Active;
    r.execute = match state {
        State::Copying | State::Equivalent | State::Snap { .. } if active => {
            format!("{}%", percent(s)).into()
        }
        _ => NONE.into(),
    };
    r.trk = match s.kind {
        CopyKind::QuickOpc if s.tracking => "on".into(),
        CopyKind::Opc | CopyKind::QuickOpc | CopyKind::SnapOpc | CopyKind::SnapOpcPlus => {
            "off".into()
        }
        CopyKind::Ec | CopyKind::Rec => NONE.into(),
    };
    r.update = match state {
        State::Tracking | State::CopyOnWrite | State::Generation { .. } => {
            format!("{}%", update_percent(s)).into()
        }
        _ => NONE.into(),
    };
    if let (CopyKind::Rec, Some(modes)) = (s.kind, s.rec) {
        r.rcv = match modes.recovery {
            m::Recovery::Auto => "auto",
            m::Recovery::Manual => "manual",
        }
        .into();
        r.xfer = match modes.transfer {
            m::Transfer::Sync => "sync",
            m::Transfer::Through => "async",
            m::Transfer::Stack => "stack",
            m::Transfer::Consistency => "consist",
        }
        .into();
        if modes.transfer == m::Transfer::Sync {
            r.split = match modes.split {
                m::Split::Auto => "auto",
                m::Split::Manual => "manual",
            }
            .into();
        }
    }
    if s.kind == CopyKind::SnapOpcPlus && s.generation > 0 {
        r.snap_gen = s.generation.to_string().into();
    }
    if s.dest_access == m::DestAccess::NoAccess {
        r.copy_da = "on".into();
    }
    r.transition_time = s.transition_time;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(kind: CopyKind, phase: Phase, status: Status) -> m::SessionInfo {
        let e = m::Extent {
            box_id: m::BoxId([b'B'; 40]),
            olu: 0,
            start_lba: 0,
            blocks: 8,
        };
        m::SessionInfo {
            id: 1,
            owner: e.box_id,
            kind,
            src: e,
            dst: e,
            phase,
            status,
            total_grains: 10,
            pending_grains: 4,
            changed_grains: 1,
            tracking: kind == CopyKind::QuickOpc,
            generation: 0,
            active_generation: false,
            rec: None,
            dest_access: m::DestAccess::ReadOnly,
            transition_time: 0,
            copied_bytes: 0,
        }
    }

    #[test]
    fn states_of_sessions() {
        use CopyKind as K;
        let a = Status::Active;
        assert_eq!(
            State::of(&info(K::Opc, Phase::Copying, a)),
            State::Snap { tracking: false }
        );
        assert_eq!(
            State::of(&info(K::QuickOpc, Phase::TrackingCopying, a)),
            State::Snap { tracking: true }
        );
        assert_eq!(
            State::of(&info(K::QuickOpc, Phase::Tracking, a)),
            State::Tracking
        );
        assert_eq!(State::of(&info(K::Ec, Phase::Copying, a)), State::Copying);
        assert_eq!(
            State::of(&info(K::Rec, Phase::Equivalent, a)),
            State::Equivalent
        );
        assert_eq!(
            State::of(&info(K::Ec, Phase::Equivalent, Status::Suspended)),
            State::Replicated
        );
        assert_eq!(
            State::of(&info(K::Opc, Phase::Readying, a)),
            State::Readying
        );
        assert_eq!(
            State::of(&info(K::SnapOpc, Phase::CopyOnWrite, a)),
            State::CopyOnWrite
        );
    }

    #[test]
    fn status_words_follow_h_and_o() {
        let plain = Wording::default();
        let all = Wording {
            halt_detail: true,
            fail_detail: true,
            rec_source: true,
        };
        let f = State::Failed(m::ErrorReason::Overflow);
        assert_eq!(status_word(f, plain), "failed");
        assert_eq!(status_word(f, all), "failed(overflow)");
        let h = State::Halt(m::HaltDetail::UseBuffer);
        assert_eq!(status_word(h, plain), "halt");
        assert_eq!(status_word(h, all), "halt(use-buffer)");
        assert_eq!(
            status_word(
                h,
                Wording {
                    rec_source: false,
                    ..all
                }
            ),
            "halt"
        );
        assert_eq!(
            status_word(State::Halt(m::HaltDetail::Sync), all),
            "halt(sync)"
        );
        assert_eq!(status_word(State::Tracking, plain), "----");
    }
}
