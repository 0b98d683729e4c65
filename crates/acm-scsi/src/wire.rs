//! Byte layouts of the vendor command set: enum codes, parameter lists of
//! COPY SESSION OUT and the returned data of COPY SESSION IN.
//!
//! Both sides use the same functions, so the driver and the target cannot drift
//! apart; `docs/vendor-scsi.md` describes every byte. All multi-byte fields are
//! big-endian. Decoders are strict (exact lengths, reserved bytes zero, known
//! codes only) because a layout mismatch between versions must be refused, not
//! guessed at.

use crate::model::{
    BoxId, BoxIdentity, BufferUse, CancelRequest, CopyKind, DestAccess, DiskBufferState,
    ErrorReason, Extent, HaltDetail, LunSessions, ModeChange, MonitorStatus, Phase, PoolStat,
    RecBufferInfo, RecModes, Recovery, RestartRequest, SdvStat, SessionId, SessionInfo, Split,
    StartRequest, Status, Transfer,
};

/// Why a byte string does not decode. The offsets let the target answer with a
/// field pointer and the driver say which byte of a reply is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// The buffer is shorter or longer than the layout.
    Length,
    /// The byte at this offset holds a value the layout does not allow.
    Field(usize),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Length => f.write_str("length does not match the layout"),
            DecodeError::Field(at) => write!(f, "invalid value at byte {at}"),
        }
    }
}

// ---------------------------------------------------------------------------
// Enum codes
// ---------------------------------------------------------------------------

/// A model enum carried as one byte. Decoding is driven by [`WireCode::TABLE`];
/// encoding is an exhaustive `match` generated from the same list, so a new
/// variant fails to compile until it has a code.
pub trait WireCode: Sized + Copy + PartialEq + 'static {
    /// Every value with its code. Code 0 is never used, so a zeroed field is
    /// always detected as missing.
    const TABLE: &'static [(Self, u8)];
    fn code(self) -> u8;
    fn from_code(code: u8) -> Option<Self> {
        Self::TABLE
            .iter()
            .find(|(_, c)| *c == code)
            .map(|(v, _)| *v)
    }
}

macro_rules! wire_codes {
    ($ty:ty { $($variant:path = $code:literal),+ $(,)? }) => {
        impl WireCode for $ty {
            const TABLE: &'static [(Self, u8)] = &[$(($variant, $code)),+];
            fn code(self) -> u8 {
                match self {
                    $($variant => $code),+
                }
            }
        }
    };
}

wire_codes!(CopyKind {
    CopyKind::Opc = 0x01,
    CopyKind::QuickOpc = 0x02,
    CopyKind::SnapOpc = 0x03,
    CopyKind::SnapOpcPlus = 0x04,
    CopyKind::Ec = 0x05,
    CopyKind::Rec = 0x06,
});

wire_codes!(Transfer {
    Transfer::Sync = 0x01,
    Transfer::Through = 0x02,
    Transfer::Stack = 0x03,
    Transfer::Consistency = 0x04,
});

wire_codes!(Split {
    Split::Auto = 0x01,
    Split::Manual = 0x02,
});

wire_codes!(Recovery {
    Recovery::Auto = 0x01,
    Recovery::Manual = 0x02,
});

wire_codes!(DestAccess {
    DestAccess::ReadOnly = 0x01,
    DestAccess::NoAccess = 0x02,
});

wire_codes!(Phase {
    Phase::Readying = 0x01,
    Phase::Copying = 0x02,
    Phase::Equivalent = 0x03,
    Phase::Tracking = 0x04,
    Phase::TrackingCopying = 0x05,
    Phase::CopyOnWrite = 0x06,
});

wire_codes!(ErrorReason {
    ErrorReason::BadSector = 0x01,
    ErrorReason::Overflow = 0x02,
    ErrorReason::Other = 0x03,
});

wire_codes!(HaltDetail {
    HaltDetail::Sync = 0x01,
    HaltDetail::Equivalent = 0x02,
    HaltDetail::UseBuffer = 0x03,
    HaltDetail::UseDiskBuffer = 0x04,
});

wire_codes!(BufferUse {
    BufferUse::Send = 0x01,
    BufferUse::Recv = 0x02,
});

/// STATUS byte values; the DETAIL byte after it carries the reason or halt detail.
pub const STATUS_ACTIVE: u8 = 0x01;
pub const STATUS_SUSPENDED: u8 = 0x02;
pub const STATUS_ERROR_SUSPEND: u8 = 0x03;
pub const STATUS_HALT: u8 = 0x04;

/// `Status` as the (STATUS, DETAIL) byte pair.
pub fn status_bytes(s: Status) -> [u8; 2] {
    match s {
        Status::Active => [STATUS_ACTIVE, 0],
        Status::Suspended => [STATUS_SUSPENDED, 0],
        Status::ErrorSuspend(r) => [STATUS_ERROR_SUSPEND, r.code()],
        Status::Halt(h) => [STATUS_HALT, h.code()],
    }
}

/// Inverse of [`status_bytes`]; `Err(1)` means the DETAIL byte is wrong.
pub fn status_from(bytes: [u8; 2]) -> Result<Status, usize> {
    let [s, d] = bytes;
    match s {
        STATUS_ACTIVE if d == 0 => Ok(Status::Active),
        STATUS_SUSPENDED if d == 0 => Ok(Status::Suspended),
        STATUS_ERROR_SUSPEND => ErrorReason::from_code(d).map(Status::ErrorSuspend).ok_or(1),
        STATUS_HALT => HaltDetail::from_code(d).map(Status::Halt).ok_or(1),
        STATUS_ACTIVE | STATUS_SUSPENDED => Err(1),
        _ => Err(0),
    }
}

/// DISK BUFFER STATE byte values; the byte after carries the percentage of
/// `Warning` and `Inactive`.
pub const DISK_NONE: u8 = 0x01;
pub const DISK_ACTIVE: u8 = 0x02;
pub const DISK_INVALID: u8 = 0x03;
pub const DISK_WARNING: u8 = 0x04;
pub const DISK_INACTIVE: u8 = 0x05;
pub const DISK_NOT_SUPPORTED: u8 = 0x06;

pub fn disk_state_bytes(d: DiskBufferState) -> [u8; 2] {
    match d {
        DiskBufferState::None => [DISK_NONE, 0],
        DiskBufferState::Active => [DISK_ACTIVE, 0],
        DiskBufferState::Invalid => [DISK_INVALID, 0],
        DiskBufferState::Warning(p) => [DISK_WARNING, p],
        DiskBufferState::Inactive(p) => [DISK_INACTIVE, p],
        DiskBufferState::NotSupported => [DISK_NOT_SUPPORTED, 0],
    }
}

/// Inverse of [`disk_state_bytes`]; the error is the offset (0 or 1) of the bad byte.
pub fn disk_state_from(bytes: [u8; 2]) -> Result<DiskBufferState, usize> {
    let [s, p] = bytes;
    let plain = |v| if p == 0 { Ok(v) } else { Err(1) };
    match s {
        DISK_NONE => plain(DiskBufferState::None),
        DISK_ACTIVE => plain(DiskBufferState::Active),
        DISK_INVALID => plain(DiskBufferState::Invalid),
        DISK_WARNING => Ok(DiskBufferState::Warning(p)),
        DISK_INACTIVE => Ok(DiskBufferState::Inactive(p)),
        DISK_NOT_SUPPORTED => plain(DiskBufferState::NotSupported),
        _ => Err(0),
    }
}

/// MONITOR STATUS byte values; a count follows only for `Counting`.
pub const MONITOR_NONE: u8 = 0x01;
pub const MONITOR_COUNTING: u8 = 0x02;
pub const MONITOR_FAILED: u8 = 0x03;

pub fn monitor_parts(m: MonitorStatus) -> (u8, u64) {
    match m {
        MonitorStatus::None => (MONITOR_NONE, 0),
        MonitorStatus::Counting(n) => (MONITOR_COUNTING, n),
        MonitorStatus::Failed => (MONITOR_FAILED, 0),
    }
}

/// Inverse of [`monitor_parts`]; the error tells whether the code (0) or the
/// count (1) is wrong.
pub fn monitor_from(code: u8, count: u64) -> Result<MonitorStatus, usize> {
    match code {
        MONITOR_NONE if count == 0 => Ok(MonitorStatus::None),
        MONITOR_COUNTING => Ok(MonitorStatus::Counting(count)),
        MONITOR_FAILED if count == 0 => Ok(MonitorStatus::Failed),
        MONITOR_NONE | MONITOR_FAILED => Err(1),
        _ => Err(0),
    }
}

// ---------------------------------------------------------------------------
// Readers and writers
// ---------------------------------------------------------------------------

/// Bounds-checked big-endian reader that remembers offsets for error reports.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(DecodeError::Length)?;
        let s = self.buf.get(self.pos..end).ok_or(DecodeError::Length)?;
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }
    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    pub(crate) fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// Reserved bytes must be zero so that a later version can give them a meaning.
    pub(crate) fn reserved(&mut self, n: usize) -> Result<(), DecodeError> {
        let at = self.pos;
        let s = self.take(n)?;
        match s.iter().position(|b| *b != 0) {
            Some(i) => Err(DecodeError::Field(at + i)),
            None => Ok(()),
        }
    }

    /// A flags byte in which only the bits of `allowed` may be set.
    fn flags(&mut self, allowed: u8) -> Result<u8, DecodeError> {
        let at = self.pos;
        let b = self.u8()?;
        if b & !allowed != 0 {
            return Err(DecodeError::Field(at));
        }
        Ok(b)
    }

    fn code<T: WireCode>(&mut self) -> Result<T, DecodeError> {
        let at = self.pos;
        T::from_code(self.u8()?).ok_or(DecodeError::Field(at))
    }

    /// A code byte where 0 means "absent" (used by CHANGE MODE).
    fn opt_code<T: WireCode>(&mut self) -> Result<Option<T>, DecodeError> {
        let at = self.pos;
        match self.u8()? {
            0 => Ok(None),
            c => T::from_code(c).map(Some).ok_or(DecodeError::Field(at)),
        }
    }

    fn box_id(&mut self) -> Result<BoxId, DecodeError> {
        let at = self.pos;
        let s = self.take(40)?;
        if let Some(i) = s.iter().position(|c| !c.is_ascii_graphic()) {
            return Err(DecodeError::Field(at + i));
        }
        let mut id = [0u8; 40];
        id.copy_from_slice(s);
        Ok(BoxId(id))
    }

    fn extent(&mut self) -> Result<Extent, DecodeError> {
        let box_id = self.box_id()?;
        let olu = self.u32()?;
        self.reserved(4)?;
        let start_lba = self.u64()?;
        let blocks = self.u64()?;
        Ok(Extent {
            box_id,
            olu,
            start_lba,
            blocks,
        })
    }

    fn rec_modes(&mut self) -> Result<Option<RecModes>, DecodeError> {
        let valid = self.flags(REC_VALID)? & REC_VALID != 0;
        if !valid {
            self.reserved(3)?;
            return Ok(None);
        }
        Ok(Some(RecModes {
            transfer: self.code()?,
            split: self.code()?,
            recovery: self.code()?,
        }))
    }

    fn status(&mut self) -> Result<Status, DecodeError> {
        let at = self.pos;
        status_from(self.array()?).map_err(|i| DecodeError::Field(at + i))
    }

    fn disk_state(&mut self) -> Result<DiskBufferState, DecodeError> {
        let at = self.pos;
        disk_state_from(self.array()?).map_err(|i| DecodeError::Field(at + i))
    }

    /// The whole buffer must have been consumed.
    pub(crate) fn finish(&self) -> Result<(), DecodeError> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(DecodeError::Length)
        }
    }
}

/// Big-endian writer mirroring [`Reader`].
#[derive(Default)]
pub(crate) struct Writer(pub(crate) Vec<u8>);

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub(crate) fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn zeros(&mut self, n: usize) {
        self.0.resize(self.0.len() + n, 0);
    }
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
    fn extent(&mut self, e: &Extent) {
        self.bytes(&e.box_id.0);
        self.u32(e.olu);
        self.zeros(4);
        self.u64(e.start_lba);
        self.u64(e.blocks);
    }
    fn rec_modes(&mut self, r: Option<RecModes>) {
        match r {
            None => self.zeros(4),
            Some(m) => {
                self.u8(REC_VALID);
                self.u8(m.transfer.code());
                self.u8(m.split.code());
                self.u8(m.recovery.code());
            }
        }
    }
}

/// REC MODES descriptor, byte 0: the modes are present.
const REC_VALID: u8 = 0x01;

// ---------------------------------------------------------------------------
// Service actions
// ---------------------------------------------------------------------------

/// Service actions of COPY SESSION OUT (CDB byte 1, bits 4-0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutAction {
    Start,
    Restart,
    Suspend,
    Cancel,
    Reverse,
    ChangeMode,
    StartConcurrent,
    SetRecBuffer,
    SdvInit,
    MonitorStart,
    MonitorStop,
}

wire_codes!(OutAction {
    OutAction::Start = 0x01,
    OutAction::Restart = 0x02,
    OutAction::Suspend = 0x03,
    OutAction::Cancel = 0x04,
    OutAction::Reverse = 0x05,
    OutAction::ChangeMode = 0x06,
    OutAction::StartConcurrent = 0x07,
    OutAction::SetRecBuffer = 0x08,
    OutAction::SdvInit = 0x09,
    OutAction::MonitorStart = 0x0A,
    OutAction::MonitorStop = 0x0B,
});

/// Service actions of COPY SESSION IN (CDB byte 1, bits 4-0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InAction {
    Sessions,
    BoxIdentity,
    SdvStat,
    PoolStat,
    RecBuffers,
    MonitorStatus,
    /// The sessions of many LUNs of the box; its selection travels in the CDB
    /// (`cdb::Command::LunSessions`), since a Data-In command has no parameter list.
    LunSessions,
}

wire_codes!(InAction {
    InAction::Sessions = 0x01,
    InAction::BoxIdentity = 0x02,
    InAction::SdvStat = 0x03,
    InAction::PoolStat = 0x04,
    InAction::RecBuffers = 0x05,
    InAction::MonitorStatus = 0x06,
    InAction::LunSessions = 0x07,
});

// ---------------------------------------------------------------------------
// COPY SESSION OUT parameter lists
// ---------------------------------------------------------------------------

/// Lengths of the fixed parameter lists (lists of ids are `LIST_HEADER + 4 n`).
pub const START_LEN: usize = 144;
pub const RESTART_LEN: usize = 12;
pub const CANCEL_LEN: usize = 8;
pub const REVERSE_LEN: usize = 4;
pub const CHANGE_MODE_LEN: usize = 8;
pub const SET_REC_BUFFER_LEN: usize = 8;
pub const SDV_INIT_LEN: usize = 4;
pub const ID_LIST_HEADER: usize = 8;

const START_SKIP_INITIAL_COPY: u8 = 0x01;
const START_DEFINE_ONLY: u8 = 0x02;
const RESTART_REMAIN: u8 = 0x01;
const SUSPEND_FORCED: u8 = 0x01;
const CANCEL_WITH_OLDER: u8 = 0x01;
const CANCEL_TRACKING_ONLY: u8 = 0x02;
const CANCEL_ONLY_IF_HALTED: u8 = 0x04;

/// One COPY SESSION OUT command: its service action and its parameter list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutRequest {
    Start(StartRequest),
    Restart(RestartRequest),
    Suspend { ids: Vec<SessionId>, forced: bool },
    Cancel(CancelRequest),
    Reverse(SessionId),
    ChangeMode(SessionId, ModeChange),
    StartConcurrent(Vec<SessionId>),
    SetRecBuffer(u32, BufferUse),
    SdvInit(u32),
    MonitorStart,
    MonitorStop,
}

fn flag(set: bool, bit: u8) -> u8 {
    if set {
        bit
    } else {
        0
    }
}

impl OutRequest {
    pub fn action(&self) -> OutAction {
        match self {
            OutRequest::Start(_) => OutAction::Start,
            OutRequest::Restart(_) => OutAction::Restart,
            OutRequest::Suspend { .. } => OutAction::Suspend,
            OutRequest::Cancel(_) => OutAction::Cancel,
            OutRequest::Reverse(_) => OutAction::Reverse,
            OutRequest::ChangeMode(..) => OutAction::ChangeMode,
            OutRequest::StartConcurrent(_) => OutAction::StartConcurrent,
            OutRequest::SetRecBuffer(..) => OutAction::SetRecBuffer,
            OutRequest::SdvInit(_) => OutAction::SdvInit,
            OutRequest::MonitorStart => OutAction::MonitorStart,
            OutRequest::MonitorStop => OutAction::MonitorStop,
        }
    }

    /// The parameter list (empty for MONITOR START/STOP).
    pub fn params(&self) -> Vec<u8> {
        let mut w = Writer::default();
        match self {
            OutRequest::Start(r) => {
                w.u8(r.kind.code());
                w.u8(r.dest_access.code());
                w.u8(flag(r.skip_initial_copy, START_SKIP_INITIAL_COPY)
                    | flag(r.define_only, START_DEFINE_ONLY));
                w.zeros(1);
                w.rec_modes(r.rec);
                w.zeros(8);
                w.extent(&r.src);
                w.extent(&r.dst);
            }
            OutRequest::Restart(r) => {
                w.u32(r.id);
                w.u8(flag(r.remain, RESTART_REMAIN));
                w.zeros(3);
                w.rec_modes(r.rec);
            }
            OutRequest::Suspend { ids, forced } => {
                id_list(&mut w, ids, flag(*forced, SUSPEND_FORCED))
            }
            OutRequest::Cancel(c) => {
                w.u32(c.id);
                w.u8(flag(c.with_older_generations, CANCEL_WITH_OLDER)
                    | flag(c.tracking_only, CANCEL_TRACKING_ONLY)
                    | flag(c.only_if_halted, CANCEL_ONLY_IF_HALTED));
                w.zeros(3);
            }
            OutRequest::Reverse(id) => w.u32(*id),
            OutRequest::ChangeMode(id, c) => {
                w.u32(*id);
                w.u8(c.transfer.map_or(0, WireCode::code));
                w.u8(c.split.map_or(0, WireCode::code));
                w.u8(c.recovery.map_or(0, WireCode::code));
                w.zeros(1);
            }
            OutRequest::StartConcurrent(ids) => id_list(&mut w, ids, 0),
            OutRequest::SetRecBuffer(id, usage) => {
                w.u32(*id);
                w.u8(usage.code());
                w.zeros(3);
            }
            OutRequest::SdvInit(olu) => w.u32(*olu),
            OutRequest::MonitorStart | OutRequest::MonitorStop => {}
        }
        w.0
    }

    /// Decodes the parameter list of `action`; the list must have exactly the
    /// documented length.
    pub fn decode(action: OutAction, params: &[u8]) -> Result<OutRequest, DecodeError> {
        let mut r = Reader::new(params);
        let req = match action {
            OutAction::Start => {
                let kind = r.code()?;
                let dest_access = r.code()?;
                let f = r.flags(START_SKIP_INITIAL_COPY | START_DEFINE_ONLY)?;
                r.reserved(1)?;
                let rec = r.rec_modes()?;
                r.reserved(8)?;
                OutRequest::Start(StartRequest {
                    kind,
                    src: r.extent()?,
                    dst: r.extent()?,
                    rec,
                    dest_access,
                    skip_initial_copy: f & START_SKIP_INITIAL_COPY != 0,
                    define_only: f & START_DEFINE_ONLY != 0,
                })
            }
            OutAction::Restart => {
                let id = r.u32()?;
                let f = r.flags(RESTART_REMAIN)?;
                r.reserved(3)?;
                OutRequest::Restart(RestartRequest {
                    id,
                    remain: f & RESTART_REMAIN != 0,
                    rec: r.rec_modes()?,
                })
            }
            OutAction::Suspend => {
                let (f, ids) = read_id_list(&mut r, SUSPEND_FORCED)?;
                OutRequest::Suspend {
                    ids,
                    forced: f & SUSPEND_FORCED != 0,
                }
            }
            OutAction::Cancel => {
                let id = r.u32()?;
                let f =
                    r.flags(CANCEL_WITH_OLDER | CANCEL_TRACKING_ONLY | CANCEL_ONLY_IF_HALTED)?;
                r.reserved(3)?;
                OutRequest::Cancel(CancelRequest {
                    id,
                    with_older_generations: f & CANCEL_WITH_OLDER != 0,
                    tracking_only: f & CANCEL_TRACKING_ONLY != 0,
                    only_if_halted: f & CANCEL_ONLY_IF_HALTED != 0,
                })
            }
            OutAction::Reverse => OutRequest::Reverse(r.u32()?),
            OutAction::ChangeMode => {
                let id = r.u32()?;
                let change = ModeChange {
                    transfer: r.opt_code()?,
                    split: r.opt_code()?,
                    recovery: r.opt_code()?,
                };
                r.reserved(1)?;
                OutRequest::ChangeMode(id, change)
            }
            OutAction::StartConcurrent => OutRequest::StartConcurrent(read_id_list(&mut r, 0)?.1),
            OutAction::SetRecBuffer => {
                let id = r.u32()?;
                let usage = r.code()?;
                r.reserved(3)?;
                OutRequest::SetRecBuffer(id, usage)
            }
            OutAction::SdvInit => OutRequest::SdvInit(r.u32()?),
            OutAction::MonitorStart => OutRequest::MonitorStart,
            OutAction::MonitorStop => OutRequest::MonitorStop,
        };
        r.finish()?;
        Ok(req)
    }
}

fn id_list(w: &mut Writer, ids: &[SessionId], flags: u8) {
    w.u8(flags);
    w.zeros(3);
    w.u32(u32::try_from(ids.len()).unwrap_or(u32::MAX));
    for id in ids {
        w.u32(*id);
    }
}

fn read_id_list(r: &mut Reader<'_>, allowed: u8) -> Result<(u8, Vec<SessionId>), DecodeError> {
    let f = r.flags(allowed)?;
    r.reserved(3)?;
    let n = r.u32()? as usize;
    // The count must agree with the list length; checking first also keeps a
    // lying count from allocating.
    if r.buf.len().checked_sub(ID_LIST_HEADER) != n.checked_mul(4) {
        return Err(DecodeError::Length);
    }
    let ids = (0..n).map(|_| r.u32()).collect::<Result<Vec<_>, _>>()?;
    Ok((f, ids))
}

// ---------------------------------------------------------------------------
// COPY SESSION IN returned data
// ---------------------------------------------------------------------------

/// Version of the returned-data layouts (byte 4 of every reply header).
pub const REPLY_VERSION: u8 = 0x01;
/// Reply header length: ADDITIONAL LENGTH, VERSION, SERVICE ACTION, DESCRIPTOR LENGTH.
pub const REPLY_HEADER: usize = 8;

pub const SESSION_DESC_LEN: usize = 232;
pub const BOX_INFO_DESC_LEN: usize = 56;
pub const SDV_STAT_DESC_LEN: usize = 48;
pub const POOL_STAT_DESC_LEN: usize = 48;
pub const REC_BUFFER_DESC_LEN: usize = 56;
pub const MONITOR_DESC_LEN: usize = 16;
/// LUN SESSIONS: an 8-byte LUN header, then a session descriptor.
pub const LUN_SESSION_DESC_LEN: usize = 8 + SESSION_DESC_LEN;

const SESSION_TRACKING: u8 = 0x01;
const SESSION_ACTIVE_GENERATION: u8 = 0x02;
const BOX_SDV: u8 = 0x01;
const BOX_ACCESS_VOLUME: u8 = 0x02;
const POOL_ENCRYPTED: u8 = 0x01;
const BUFFER_RATE_VALID: u8 = 0x01;
const BUFFER_DISK_RATE_VALID: u8 = 0x02;
/// LUN SESSIONS descriptor, byte 4: bytes 8-239 hold a session (else the LUN has none).
const LUN_SESSION_VALID: u8 = 0x01;

/// Descriptor length of the replies of `action`.
pub fn descriptor_len(action: InAction) -> usize {
    match action {
        InAction::Sessions => SESSION_DESC_LEN,
        InAction::BoxIdentity => BOX_INFO_DESC_LEN,
        InAction::SdvStat => SDV_STAT_DESC_LEN,
        InAction::PoolStat => POOL_STAT_DESC_LEN,
        InAction::RecBuffers => REC_BUFFER_DESC_LEN,
        InAction::MonitorStatus => MONITOR_DESC_LEN,
        InAction::LunSessions => LUN_SESSION_DESC_LEN,
    }
}

/// The returned data of one COPY SESSION IN command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InReply {
    Sessions(Vec<SessionInfo>),
    BoxIdentity(BoxIdentity),
    SdvStat(SdvStat),
    PoolStat(PoolStat),
    RecBuffers(Vec<RecBufferInfo>),
    Monitor(MonitorStatus),
    LunSessions(Vec<LunSessions>),
}

impl InReply {
    pub fn action(&self) -> InAction {
        match self {
            InReply::Sessions(_) => InAction::Sessions,
            InReply::BoxIdentity(_) => InAction::BoxIdentity,
            InReply::SdvStat(_) => InAction::SdvStat,
            InReply::PoolStat(_) => InAction::PoolStat,
            InReply::RecBuffers(_) => InAction::RecBuffers,
            InReply::Monitor(_) => InAction::MonitorStatus,
            InReply::LunSessions(_) => InAction::LunSessions,
        }
    }

    /// Header plus descriptors. The ADDITIONAL LENGTH saturates at `u32::MAX`;
    /// a reply that large (17 million sessions) cannot occur; the driver refuses
    /// any reply announced beyond 256 MiB long before that.
    pub fn encode(&self) -> Vec<u8> {
        let action = self.action();
        let mut w = Writer::default();
        w.zeros(4);
        w.u8(REPLY_VERSION);
        w.u8(action.code());
        w.u16(descriptor_len(action) as u16);
        match self {
            InReply::Sessions(list) => list.iter().for_each(|s| session_desc(&mut w, s)),
            InReply::BoxIdentity(b) => {
                w.bytes(&b.box_id.0);
                w.u32(b.olu);
                w.u8(flag(b.sdv, BOX_SDV) | flag(b.access_volume, BOX_ACCESS_VOLUME));
                w.zeros(3);
                w.u64(b.grain_bytes);
            }
            InReply::SdvStat(s) => {
                for v in [s.logical, s.physical, s.used, s.copy, s.host, s.pool] {
                    w.u64(v);
                }
            }
            InReply::PoolStat(p) => {
                w.u8(flag(p.encrypted, POOL_ENCRYPTED));
                w.zeros(7);
                for v in [p.total, p.used, p.copy, p.host, p.free] {
                    w.u64(v);
                }
            }
            InReply::RecBuffers(list) => list.iter().for_each(|b| buffer_desc(&mut w, b)),
            InReply::Monitor(m) => {
                let (code, count) = monitor_parts(*m);
                w.u8(code);
                w.zeros(7);
                w.u64(count);
            }
            InReply::LunSessions(luns) => {
                for l in luns {
                    if l.sessions.is_empty() {
                        w.u32(l.olu);
                        w.zeros(LUN_SESSION_DESC_LEN - 4);
                    }
                    for s in &l.sessions {
                        w.u32(l.olu);
                        w.u8(LUN_SESSION_VALID);
                        w.zeros(3);
                        session_desc(&mut w, s);
                    }
                }
            }
        }
        let additional = u32::try_from(w.0.len() - 4).unwrap_or(u32::MAX);
        w.0[..4].copy_from_slice(&additional.to_be_bytes());
        w.0
    }

    /// Decodes a complete reply of `action` (exactly [`reply_total`] bytes).
    pub fn decode(action: InAction, data: &[u8]) -> Result<InReply, DecodeError> {
        let mut r = Reader::new(data);
        let additional = r.u32()? as usize;
        if additional.checked_add(4) != Some(data.len()) {
            return Err(DecodeError::Length);
        }
        if r.u8()? != REPLY_VERSION {
            return Err(DecodeError::Field(4));
        }
        if r.u8()? != action.code() {
            return Err(DecodeError::Field(5));
        }
        let desc_len = descriptor_len(action);
        if r.u16()? as usize != desc_len {
            return Err(DecodeError::Field(6));
        }
        let body = data.len() - REPLY_HEADER;
        if !body.is_multiple_of(desc_len) {
            return Err(DecodeError::Length);
        }
        let count = body / desc_len;
        let single = |n| {
            if n == 1 {
                Ok(())
            } else {
                Err(DecodeError::Length)
            }
        };
        let reply = match action {
            InAction::Sessions => InReply::Sessions(
                (0..count)
                    .map(|_| read_session(&mut r))
                    .collect::<Result<_, _>>()?,
            ),
            InAction::BoxIdentity => {
                single(count)?;
                let box_id = r.box_id()?;
                let olu = r.u32()?;
                let f = r.flags(BOX_SDV | BOX_ACCESS_VOLUME)?;
                r.reserved(3)?;
                InReply::BoxIdentity(BoxIdentity {
                    box_id,
                    grain_bytes: r.u64()?,
                    olu,
                    sdv: f & BOX_SDV != 0,
                    access_volume: f & BOX_ACCESS_VOLUME != 0,
                })
            }
            InAction::SdvStat => {
                single(count)?;
                InReply::SdvStat(SdvStat {
                    logical: r.u64()?,
                    physical: r.u64()?,
                    used: r.u64()?,
                    copy: r.u64()?,
                    host: r.u64()?,
                    pool: r.u64()?,
                })
            }
            InAction::PoolStat => {
                single(count)?;
                let f = r.flags(POOL_ENCRYPTED)?;
                r.reserved(7)?;
                InReply::PoolStat(PoolStat {
                    encrypted: f & POOL_ENCRYPTED != 0,
                    total: r.u64()?,
                    used: r.u64()?,
                    copy: r.u64()?,
                    host: r.u64()?,
                    free: r.u64()?,
                })
            }
            InAction::RecBuffers => InReply::RecBuffers(
                (0..count)
                    .map(|_| read_buffer(&mut r))
                    .collect::<Result<_, _>>()?,
            ),
            InAction::MonitorStatus => {
                single(count)?;
                let at = r.pos();
                let code = r.u8()?;
                r.reserved(7)?;
                let count = r.u64()?;
                InReply::Monitor(
                    monitor_from(code, count)
                        .map_err(|i| DecodeError::Field(if i == 0 { at } else { at + 8 }))?,
                )
            }
            InAction::LunSessions => InReply::LunSessions(read_lun_sessions(&mut r, count)?),
        };
        r.finish()?;
        Ok(reply)
    }
}

/// Total length of a reply as its header announces it (`None` if fewer than the
/// four ADDITIONAL LENGTH bytes arrived). The driver re-issues the command with
/// this allocation length when the first reply was truncated.
pub fn reply_total(data: &[u8]) -> Option<usize> {
    let b: [u8; 4] = data.get(..4)?.try_into().ok()?;
    (u32::from_be_bytes(b) as usize).checked_add(4)
}

fn session_desc(w: &mut Writer, s: &SessionInfo) {
    w.u32(s.id);
    w.u8(s.kind.code());
    w.u8(s.phase.code());
    w.bytes(&status_bytes(s.status));
    w.u8(flag(s.tracking, SESSION_TRACKING) | flag(s.active_generation, SESSION_ACTIVE_GENERATION));
    w.u8(s.dest_access.code());
    w.zeros(2);
    w.u32(s.generation);
    w.rec_modes(s.rec);
    w.zeros(4);
    w.u64(s.total_grains);
    w.u64(s.pending_grains);
    w.u64(s.changed_grains);
    w.u64(s.transition_time);
    w.u64(s.copied_bytes);
    w.bytes(&s.owner.0);
    w.extent(&s.src);
    w.extent(&s.dst);
}

fn read_session(r: &mut Reader<'_>) -> Result<SessionInfo, DecodeError> {
    let id = r.u32()?;
    let kind = r.code()?;
    let phase = r.code()?;
    let status = r.status()?;
    let f = r.flags(SESSION_TRACKING | SESSION_ACTIVE_GENERATION)?;
    let dest_access = r.code()?;
    r.reserved(2)?;
    let generation = r.u32()?;
    let rec = r.rec_modes()?;
    r.reserved(4)?;
    Ok(SessionInfo {
        id,
        kind,
        phase,
        status,
        tracking: f & SESSION_TRACKING != 0,
        active_generation: f & SESSION_ACTIVE_GENERATION != 0,
        dest_access,
        generation,
        rec,
        total_grains: r.u64()?,
        pending_grains: r.u64()?,
        changed_grains: r.u64()?,
        transition_time: r.u64()?,
        copied_bytes: r.u64()?,
        owner: r.box_id()?,
        src: r.extent()?,
        dst: r.extent()?,
    })
}

/// The descriptors of a LUN SESSIONS reply, grouped by LUN. OLUs ascend; a LUN
/// is either one descriptor without a session or one descriptor per session, so
/// every reply has exactly one encoding.
fn read_lun_sessions(r: &mut Reader<'_>, count: usize) -> Result<Vec<LunSessions>, DecodeError> {
    let mut out: Vec<LunSessions> = Vec::new();
    for _ in 0..count {
        let at = r.pos();
        let olu = r.u32()?;
        let valid = r.flags(LUN_SESSION_VALID)? & LUN_SESSION_VALID != 0;
        r.reserved(3)?;
        let session = if valid {
            Some(read_session(r)?)
        } else {
            r.reserved(SESSION_DESC_LEN)?;
            None
        };
        match (out.last_mut(), session) {
            (Some(last), _) if olu < last.olu => return Err(DecodeError::Field(at)),
            // Another session of the same LUN, after one of its sessions.
            (Some(last), Some(s)) if olu == last.olu && !last.sessions.is_empty() => {
                last.sessions.push(s)
            }
            (Some(last), _) if olu == last.olu => return Err(DecodeError::Field(at + 4)),
            (_, s) => out.push(LunSessions {
                olu,
                sessions: s.into_iter().collect(),
            }),
        }
    }
    Ok(out)
}

fn buffer_desc(w: &mut Writer, b: &RecBufferInfo) {
    w.u32(b.id);
    w.u8(b.usage.code());
    w.u8(flag(b.rate.is_some(), BUFFER_RATE_VALID)
        | flag(b.disk_rate.is_some(), BUFFER_DISK_RATE_VALID));
    w.u8(b.rate.unwrap_or(0));
    w.u8(b.disk_rate.unwrap_or(0));
    w.bytes(&disk_state_bytes(b.disk_buffer));
    w.zeros(6);
    w.bytes(&b.remote_box.0);
}

fn read_buffer(r: &mut Reader<'_>) -> Result<RecBufferInfo, DecodeError> {
    let id = r.u32()?;
    let usage = r.code()?;
    let f = r.flags(BUFFER_RATE_VALID | BUFFER_DISK_RATE_VALID)?;
    // A rate without its VALID bit must be zero, so each value has one encoding.
    let rate_at = r.pos();
    let rate = r.u8()?;
    let disk_rate = r.u8()?;
    let opt = |valid: bool, v: u8, at: usize| match (valid, v) {
        (true, v) => Ok(Some(v)),
        (false, 0) => Ok(None),
        (false, _) => Err(DecodeError::Field(at)),
    };
    let rate = opt(f & BUFFER_RATE_VALID != 0, rate, rate_at)?;
    let disk_rate = opt(f & BUFFER_DISK_RATE_VALID != 0, disk_rate, rate_at + 1)?;
    let disk_buffer = r.disk_state()?;
    r.reserved(6)?;
    Ok(RecBufferInfo {
        id,
        usage,
        rate,
        remote_box: r.box_id()?,
        disk_buffer,
        disk_rate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test per enum value: encode gives the documented byte and the byte
    /// decodes back to exactly that value (never to a neighbour, never to
    /// "always true").
    macro_rules! code_case {
        ($($name:ident: $value:expr => $code:literal;)+) => {$(
            #[test]
            fn $name() {
                assert_eq!($value.code(), $code);
                assert_eq!(WireCode::from_code($code), Some($value));
            }
        )+};
    }

    code_case! {
        kind_opc: CopyKind::Opc => 0x01;
        kind_quick_opc: CopyKind::QuickOpc => 0x02;
        kind_snap_opc: CopyKind::SnapOpc => 0x03;
        kind_snap_opc_plus: CopyKind::SnapOpcPlus => 0x04;
        kind_ec: CopyKind::Ec => 0x05;
        kind_rec: CopyKind::Rec => 0x06;
        transfer_sync: Transfer::Sync => 0x01;
        transfer_through: Transfer::Through => 0x02;
        transfer_stack: Transfer::Stack => 0x03;
        transfer_consistency: Transfer::Consistency => 0x04;
        split_auto: Split::Auto => 0x01;
        split_manual: Split::Manual => 0x02;
        recovery_auto: Recovery::Auto => 0x01;
        recovery_manual: Recovery::Manual => 0x02;
        dest_read_only: DestAccess::ReadOnly => 0x01;
        dest_no_access: DestAccess::NoAccess => 0x02;
        phase_readying: Phase::Readying => 0x01;
        phase_copying: Phase::Copying => 0x02;
        phase_equivalent: Phase::Equivalent => 0x03;
        phase_tracking: Phase::Tracking => 0x04;
        phase_tracking_copying: Phase::TrackingCopying => 0x05;
        phase_copy_on_write: Phase::CopyOnWrite => 0x06;
        reason_bad_sector: ErrorReason::BadSector => 0x01;
        reason_overflow: ErrorReason::Overflow => 0x02;
        reason_other: ErrorReason::Other => 0x03;
        halt_sync: HaltDetail::Sync => 0x01;
        halt_equivalent: HaltDetail::Equivalent => 0x02;
        halt_use_buffer: HaltDetail::UseBuffer => 0x03;
        halt_use_disk_buffer: HaltDetail::UseDiskBuffer => 0x04;
        buffer_send: BufferUse::Send => 0x01;
        buffer_recv: BufferUse::Recv => 0x02;
        out_start: OutAction::Start => 0x01;
        out_restart: OutAction::Restart => 0x02;
        out_suspend: OutAction::Suspend => 0x03;
        out_cancel: OutAction::Cancel => 0x04;
        out_reverse: OutAction::Reverse => 0x05;
        out_change_mode: OutAction::ChangeMode => 0x06;
        out_start_concurrent: OutAction::StartConcurrent => 0x07;
        out_set_rec_buffer: OutAction::SetRecBuffer => 0x08;
        out_sdv_init: OutAction::SdvInit => 0x09;
        out_monitor_start: OutAction::MonitorStart => 0x0A;
        out_monitor_stop: OutAction::MonitorStop => 0x0B;
        in_sessions: InAction::Sessions => 0x01;
        in_box_info: InAction::BoxIdentity => 0x02;
        in_sdv_stat: InAction::SdvStat => 0x03;
        in_pool_stat: InAction::PoolStat => 0x04;
        in_rec_buffers: InAction::RecBuffers => 0x05;
        in_monitor_status: InAction::MonitorStatus => 0x06;
        in_lun_sessions: InAction::LunSessions => 0x07;
    }

    /// Every byte that is not in a table decodes to nothing, for every table.
    #[test]
    fn unknown_codes_are_refused() {
        fn check<T: WireCode + std::fmt::Debug>() {
            for b in 0..=255u8 {
                match T::from_code(b) {
                    Some(v) => assert_eq!(v.code(), b),
                    None => assert!(T::TABLE.iter().all(|(_, c)| *c != b)),
                }
            }
            assert_eq!(T::from_code(0), None);
        }
        check::<CopyKind>();
        check::<Transfer>();
        check::<Split>();
        check::<Recovery>();
        check::<DestAccess>();
        check::<Phase>();
        check::<ErrorReason>();
        check::<HaltDetail>();
        check::<BufferUse>();
        check::<OutAction>();
        check::<InAction>();
    }

    macro_rules! pair_case {
        ($enc:ident, $dec:ident: $($name:ident: $value:expr => $bytes:expr;)+) => {$(
            #[test]
            fn $name() {
                assert_eq!($enc($value), $bytes);
                assert_eq!($dec($bytes), Ok($value));
            }
        )+};
    }

    pair_case! { status_bytes, status_from:
        status_active: Status::Active => [0x01, 0x00];
        status_suspended: Status::Suspended => [0x02, 0x00];
        status_error_bad_sector: Status::ErrorSuspend(ErrorReason::BadSector) => [0x03, 0x01];
        status_error_overflow: Status::ErrorSuspend(ErrorReason::Overflow) => [0x03, 0x02];
        status_error_other: Status::ErrorSuspend(ErrorReason::Other) => [0x03, 0x03];
        status_halt_sync: Status::Halt(HaltDetail::Sync) => [0x04, 0x01];
        status_halt_equivalent: Status::Halt(HaltDetail::Equivalent) => [0x04, 0x02];
        status_halt_use_buffer: Status::Halt(HaltDetail::UseBuffer) => [0x04, 0x03];
        status_halt_use_disk_buffer: Status::Halt(HaltDetail::UseDiskBuffer) => [0x04, 0x04];
    }

    pair_case! { disk_state_bytes, disk_state_from:
        disk_none: DiskBufferState::None => [0x01, 0];
        disk_active: DiskBufferState::Active => [0x02, 0];
        disk_invalid: DiskBufferState::Invalid => [0x03, 0];
        disk_warning_0: DiskBufferState::Warning(0) => [0x04, 0];
        disk_warning_80: DiskBufferState::Warning(80) => [0x04, 80];
        disk_warning_255: DiskBufferState::Warning(255) => [0x04, 255];
        disk_inactive_0: DiskBufferState::Inactive(0) => [0x05, 0];
        disk_inactive_50: DiskBufferState::Inactive(50) => [0x05, 50];
        disk_not_supported: DiskBufferState::NotSupported => [0x06, 0];
    }

    #[test]
    fn monitor_none() {
        assert_eq!(monitor_parts(MonitorStatus::None), (0x01, 0));
        assert_eq!(monitor_from(0x01, 0), Ok(MonitorStatus::None));
    }
    #[test]
    fn monitor_counting() {
        assert_eq!(monitor_parts(MonitorStatus::Counting(7)), (0x02, 7));
        assert_eq!(monitor_from(0x02, 7), Ok(MonitorStatus::Counting(7)));
        assert_eq!(monitor_from(0x02, 0), Ok(MonitorStatus::Counting(0)));
    }
    #[test]
    fn monitor_failed() {
        assert_eq!(monitor_parts(MonitorStatus::Failed), (0x03, 0));
        assert_eq!(monitor_from(0x03, 0), Ok(MonitorStatus::Failed));
    }

    #[test]
    fn pair_codes_refuse_stray_bytes() {
        assert_eq!(status_from([0x00, 0]), Err(0));
        assert_eq!(status_from([0x05, 0]), Err(0));
        assert_eq!(status_from([0x01, 1]), Err(1));
        assert_eq!(status_from([0x02, 1]), Err(1));
        assert_eq!(status_from([0x03, 0]), Err(1));
        assert_eq!(status_from([0x04, 5]), Err(1));
        assert_eq!(disk_state_from([0x00, 0]), Err(0));
        assert_eq!(disk_state_from([0x07, 0]), Err(0));
        assert_eq!(disk_state_from([0x02, 9]), Err(1));
        assert_eq!(monitor_from(0x00, 0), Err(0));
        assert_eq!(monitor_from(0x01, 3), Err(1));
        assert_eq!(monitor_from(0x03, 3), Err(1));
    }

    fn bid(c: u8) -> BoxId {
        BoxId([c; 40])
    }

    #[test]
    fn start_layout() {
        let req = StartRequest {
            kind: CopyKind::Rec,
            src: Extent {
                box_id: bid(b'A'),
                olu: 0x0102_0304,
                start_lba: 5,
                blocks: 6,
            },
            dst: Extent {
                box_id: bid(b'B'),
                olu: 7,
                start_lba: 8,
                blocks: 9,
            },
            rec: Some(RecModes {
                transfer: Transfer::Consistency,
                split: Split::Manual,
                recovery: Recovery::Auto,
            }),
            dest_access: DestAccess::NoAccess,
            skip_initial_copy: true,
            define_only: false,
        };
        let p = OutRequest::Start(req.clone()).params();
        assert_eq!(p.len(), START_LEN);
        assert_eq!(&p[..8], &[0x06, 0x02, 0x01, 0x00, 0x01, 0x04, 0x02, 0x01]);
        assert_eq!(&p[16..20], b"AAAA");
        assert_eq!(&p[56..60], &[1, 2, 3, 4]);
        assert_eq!(p[79], 6);
        assert_eq!(&p[80..84], b"BBBB");
        assert_eq!(
            OutRequest::decode(OutAction::Start, &p),
            Ok(OutRequest::Start(req))
        );
        let mut bad = p.clone();
        bad[3] = 1;
        assert_eq!(
            OutRequest::decode(OutAction::Start, &bad),
            Err(DecodeError::Field(3))
        );
        bad = p.clone();
        bad[20] = b' ';
        assert_eq!(
            OutRequest::decode(OutAction::Start, &bad),
            Err(DecodeError::Field(20))
        );
        assert_eq!(
            OutRequest::decode(OutAction::Start, &p[..143]),
            Err(DecodeError::Length)
        );
    }

    #[test]
    fn id_list_count_must_match_length() {
        let p = OutRequest::Suspend {
            ids: vec![1, 2],
            forced: true,
        }
        .params();
        assert_eq!(p, [1, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]);
        let mut lying = p.clone();
        lying[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(
            OutRequest::decode(OutAction::Suspend, &lying),
            Err(DecodeError::Length)
        );
        let mut concurrent = p.clone();
        concurrent[0] = 0;
        assert!(OutRequest::decode(OutAction::StartConcurrent, &concurrent).is_ok());
        assert_eq!(
            OutRequest::decode(OutAction::StartConcurrent, &p),
            Err(DecodeError::Field(0))
        );
    }

    #[test]
    fn reply_header_layout() {
        let bytes = InReply::Monitor(MonitorStatus::Counting(0x1234)).encode();
        assert_eq!(&bytes[..8], &[0, 0, 0, 20, 0x01, 0x06, 0, 16]);
        assert_eq!(reply_total(&bytes), Some(24));
        assert_eq!(
            &bytes[8..],
            &[2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34]
        );
        assert_eq!(
            InReply::decode(InAction::MonitorStatus, &bytes),
            Ok(InReply::Monitor(MonitorStatus::Counting(0x1234)))
        );
        assert_eq!(
            InReply::decode(InAction::BoxIdentity, &bytes),
            Err(DecodeError::Field(5))
        );
        let empty = InReply::Sessions(Vec::new()).encode();
        assert_eq!(empty, [0, 0, 0, 4, 1, 1, 0, 232]);
    }
}
