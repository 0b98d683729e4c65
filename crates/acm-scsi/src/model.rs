//! Typed requests and replies of the vendor copy-session command set.
//!
//! These types are the contract between the driver (which encodes them) and any
//! target (which decodes them and implements [`CopyTarget`]). Their byte layouts
//! live in the wire modules and in `docs/vendor-scsi.md`.

use std::fmt;

/// Logical block size of every LUN, in bytes.
pub const BLOCK: u64 = 512;

/// The 40-character box identifier of an ETERNUS storage system.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BoxId(pub [u8; 40]);

impl BoxId {
    /// Accepts exactly 40 printable ASCII characters.
    pub fn parse(text: &str) -> Option<BoxId> {
        let b = text.as_bytes();
        if b.len() != 40 || !b.iter().all(|c| c.is_ascii_graphic()) {
            return None;
        }
        let mut id = [0u8; 40];
        id.copy_from_slice(b);
        Some(BoxId(id))
    }

    pub fn as_str(&self) -> &str {
        // Constructed only from printable ASCII.
        std::str::from_utf8(&self.0).unwrap_or("????????????????????????????????????????")
    }
}

impl fmt::Display for BoxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for BoxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BoxId({})", self.as_str())
    }
}

/// A range of blocks of one LUN of one box: the "box information" of the manual
/// (box identifier, OLU number, extent start, extent size).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Extent {
    pub box_id: BoxId,
    pub olu: u32,
    pub start_lba: u64,
    pub blocks: u64,
}

impl Extent {
    pub fn bytes(&self) -> u64 {
        self.blocks * BLOCK
    }
}

/// Identifier of a copy session, unique within the box that owns it.
pub type SessionId = u32;

/// The copy functions of the array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CopyKind {
    Opc,
    QuickOpc,
    SnapOpc,
    SnapOpcPlus,
    Ec,
    Rec,
}

/// REC transfer mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transfer {
    Sync,
    /// Asynchronous Through mode (`swsrpstat` Xfer `async`).
    Through,
    Stack,
    Consistency,
}

/// REC split mode (Synchronous transfer only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    Auto,
    Manual,
}

/// REC recovery mode after a path fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recovery {
    Auto,
    Manual,
}

/// REC modes of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecModes {
    pub transfer: Transfer,
    pub split: Split,
    pub recovery: Recovery,
}

/// What the host may do with a copy destination while an EC/REC session is active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DestAccess {
    /// Writes refused (the default for EC/REC).
    ReadOnly,
    /// Reads and writes refused (`-Xda`).
    NoAccess,
}

/// Start of a copy session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRequest {
    pub kind: CopyKind,
    pub src: Extent,
    pub dst: Extent,
    /// REC only; `None` for every other kind.
    pub rec: Option<RecModes>,
    pub dest_access: DestAccess,
    /// REC initial copy skip: set the session up suspended with nothing copied.
    pub skip_initial_copy: bool,
    /// Concurrent OPC: define the session in the `Readying` phase; it starts with
    /// [`CopyTarget::start_concurrent`].
    pub define_only: bool,
}

/// Restart of an existing session: differential QuickOPC, or resume of a suspended EC/REC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestartRequest {
    pub id: SessionId,
    /// REC: copy only what changed on the source since an initial-copy skip (`-Xremain`).
    pub remain: bool,
    /// New REC modes; `None` keeps the session's.
    pub rec: Option<RecModes>,
}

/// How a session is stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CancelRequest {
    pub id: SessionId,
    /// SnapOPC+: stop this generation and every older one.
    pub with_older_generations: bool,
    /// QuickOPC: stop only tracking, let a running physical copy finish.
    pub tracking_only: bool,
    /// Only if the session is halted (REC `-b`).
    pub only_if_halted: bool,
}

/// Change of REC modes of a running session (`swsrpchsync`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ModeChange {
    pub transfer: Option<Transfer>,
    pub split: Option<Split>,
    pub recovery: Option<Recovery>,
}

/// Phase of a session (the array's vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Concurrent OPC defined, not started.
    Readying,
    /// Physical copy in progress (OPC, QuickOPC first or differential copy, EC/REC not yet equivalent).
    Copying,
    /// EC/REC mirror established.
    Equivalent,
    /// QuickOPC: physical copy done, tracking changes.
    Tracking,
    /// QuickOPC: physical copy in progress and tracking changes.
    TrackingCopying,
    /// SnapOPC / SnapOPC+: copy-on-write in progress.
    CopyOnWrite,
}

/// Why a session went to error suspend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorReason {
    BadSector,
    /// Snap Data Volume / Pool exhausted.
    Overflow,
    Other,
}

/// What a halted REC session is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HaltDetail {
    /// Halted during the (initial or differential) copy.
    Sync,
    /// Halted while equivalent.
    Equivalent,
    /// Consistency mode: writes are being kept in the REC buffer.
    UseBuffer,
    /// Consistency mode: writes are being kept in the REC disk buffer.
    UseDiskBuffer,
}

/// Status of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Active,
    /// Suspended by a command (EC/REC replication established).
    Suspended,
    ErrorSuspend(ErrorReason),
    Halt(HaltDetail),
}

/// Which side of a session a queried LUN is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Source,
    Destination,
}

/// What a session-list query returns for each session that involves a LUN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: SessionId,
    /// The box that owns (and is addressed for) the session.
    pub owner: BoxId,
    pub kind: CopyKind,
    pub src: Extent,
    pub dst: Extent,
    pub phase: Phase,
    pub status: Status,
    /// Grains in the session's extent.
    pub total_grains: u64,
    /// Grains still to be copied physically.
    pub pending_grains: u64,
    /// Grains changed since the last logical copy (QuickOPC tracking, suspended EC/REC,
    /// SnapOPC copy-on-write saves).
    pub changed_grains: u64,
    /// QuickOPC: tracking is on.
    pub tracking: bool,
    /// SnapOPC+: 1 = oldest generation; 0 for other kinds.
    pub generation: u32,
    /// SnapOPC+: this is the newest generation (copy-on-write runs on it).
    pub active_generation: bool,
    pub rec: Option<RecModes>,
    pub dest_access: DestAccess,
    /// Seconds since the Unix epoch of the last state transition the manual dates
    /// (logical copy start, suspend, failure, halt); 0 for none.
    pub transition_time: u64,
    /// Bytes physically copied by this session since its last (re)start.
    pub copied_bytes: u64,
}

/// Which LUNs of the addressed box a LUN SESSIONS query covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LunSelect {
    /// Every LUN of the box.
    All,
    /// OLUs `first` to `first + count - 1`; `count` is at least 1 and the range
    /// ends at or before OLU `u32::MAX`. OLUs the box does not have are skipped.
    Range { first: u32, count: u16 },
}

impl LunSelect {
    /// Whether `olu` is one of the OLUs selected.
    pub fn contains(&self, olu: u32) -> bool {
        match *self {
            LunSelect::All => true,
            LunSelect::Range { first, count } => {
                olu >= first && u64::from(olu - first) < u64::from(count)
            }
        }
    }
}

/// The sessions of one LUN in a LUN SESSIONS reply: what LIST SESSIONS addressed
/// to that LUN returns, in the same order. A LUN without sessions is listed with
/// none, so a reply also says which selected LUNs exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LunSessions {
    pub olu: u32,
    pub sessions: Vec<SessionInfo>,
}

/// What the box says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxIdentity {
    pub box_id: BoxId,
    pub grain_bytes: u64,
    /// OLU number of the addressed LUN.
    pub olu: u32,
    /// The addressed LUN is a Snap Data Volume.
    pub sdv: bool,
    /// The addressed LUN is an access volume.
    pub access_volume: bool,
}

/// Capacity figures of a Snap Data Volume, in 512-byte sectors (`swstsdv stat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SdvStat {
    pub logical: u64,
    pub physical: u64,
    pub used: u64,
    pub copy: u64,
    pub host: u64,
    pub pool: u64,
}

/// Capacity figures of the Snap Data Pool, in sectors (`swstsdv poolstat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStat {
    pub encrypted: bool,
    pub total: u64,
    pub used: u64,
    pub copy: u64,
    pub host: u64,
    pub free: u64,
}

/// Use of a REC buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BufferUse {
    Send,
    Recv,
}

/// State of the REC disk buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiskBufferState {
    /// No disk buffer (or a RECV buffer): printed `---`.
    None,
    Active,
    Invalid,
    Warning(u8),
    Inactive(u8),
    NotSupported,
}

/// One REC buffer of the box (`swsrprecbuffstat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecBufferInfo {
    pub id: u32,
    pub usage: BufferUse,
    /// Percentage in use; `None` while the buffer is being reconfigured.
    pub rate: Option<u8>,
    pub remote_box: BoxId,
    pub disk_buffer: DiskBufferState,
    pub disk_rate: Option<u8>,
}

/// Result of an update-measurement (`swstestupdate`) session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonitorStatus {
    None,
    /// 512-byte blocks written since the measurement started.
    Counting(u64),
    Failed,
}

/// Standard identification of a LUN (INQUIRY and its VPD pages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub vendor: String,
    pub product: String,
    pub revision: String,
    /// Unit serial number (VPD 0x80).
    pub serial: String,
    pub box_id: BoxId,
    pub olu: u32,
}

/// Every way the array can refuse a request. Each maps to one sense key / ASC / ASCQ
/// triple (see `docs/vendor-scsi.md`), so the refusal survives the trip through SCSI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CopyError {
    #[error("invalid field in CDB at byte {0}")]
    InvalidCdbField(u16),
    #[error("invalid field in parameter list at byte {0}")]
    InvalidParameter(u16),
    #[error("parameter list length error")]
    ParameterLength,
    #[error("invalid command operation code")]
    InvalidOpcode,
    #[error("logical block address out of range")]
    LbaOutOfRange,
    #[error("logical unit not supported")]
    NoSuchLun,
    #[error("box not found")]
    NoSuchBox,
    #[error("copy session does not exist")]
    NoSuchSession,
    #[error("maximum number of copy sessions reached")]
    SessionLimit,
    #[error("maximum number of copy sessions per volume reached")]
    LunSessionLimit,
    #[error("phase of the copy session is not correct")]
    WrongPhase,
    #[error("copy extents overlap, or the destination is already a copy destination")]
    ExtentConflict,
    #[error("copy extents differ in size or lie outside their volumes")]
    ExtentSize,
    #[error("copy function not supported for these volumes")]
    NotSupported,
    #[error("REC path failure")]
    PathFailure,
    #[error("hardware error")]
    HardwareError,
    #[error("unrecovered read error (bad sector)")]
    BadSector(u64),
    #[error("snap data volume or pool capacity exhausted")]
    CapacityExhausted,
    #[error("write protected: the volume is the destination of an active copy")]
    WriteProtected,
    #[error("access denied: the volume is the destination of a copy with access permission off")]
    AccessDenied,
    #[error("not the oldest snap generation")]
    NotOldestGeneration,
    #[error("status of the copy session cannot be obtained")]
    Unobtainable,
    #[error("REC buffer is in use")]
    BufferInUse,
    #[error("a measurement session already exists")]
    MonitorExists,
    #[error("no measurement session exists")]
    NoMonitor,
    #[error("timed out")]
    Timeout,
    #[error("logical unit not ready: the drives of its RAID group are stopped")]
    DrivesStopped,
    #[error("logical unit not ready: the drives of its RAID group are starting")]
    DrivesStarting,
}

/// The target side of the command set: what a box does for each decoded command on
/// the addressed LUN. The simulated array implements this; the wire layer decodes CDBs
/// into these calls and encodes their results.
pub trait CopyTarget {
    // Data path and identification.
    fn identity(&mut self) -> Result<Identity, CopyError>;
    /// Capacity of the addressed LUN in blocks.
    fn capacity(&mut self) -> Result<u64, CopyError>;
    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), CopyError>;
    fn write(&mut self, lba: u64, data: &[u8]) -> Result<(), CopyError>;
    /// SYNCHRONIZE CACHE: what was written to the LUN is durable on return.
    fn synchronize(&mut self) -> Result<(), CopyError>;

    // Copy sessions.
    fn box_info(&mut self) -> Result<BoxIdentity, CopyError>;
    fn start(&mut self, req: &StartRequest) -> Result<SessionId, CopyError>;
    fn restart(&mut self, req: &RestartRequest) -> Result<(), CopyError>;
    /// Suspends the sessions together (one session = an ordinary suspend; several =
    /// Concurrent Suspend). `forced` suspends from copying or halt (`swsrpmake -j`).
    fn suspend(&mut self, ids: &[SessionId], forced: bool) -> Result<(), CopyError>;
    fn cancel(&mut self, req: &CancelRequest) -> Result<(), CopyError>;
    /// Swaps source and destination of a suspended EC/REC session.
    fn reverse(&mut self, id: SessionId) -> Result<(), CopyError>;
    fn change_mode(&mut self, id: SessionId, change: &ModeChange) -> Result<(), CopyError>;
    /// Starts every session defined with `define_only` at one point in time.
    fn start_concurrent(&mut self, ids: &[SessionId]) -> Result<(), CopyError>;
    /// Sessions in which the addressed LUN is source or destination.
    fn sessions(&mut self) -> Result<Vec<SessionInfo>, CopyError>;
    /// The sessions of every LUN of the addressed box that `select` covers, by
    /// ascending OLU, each as [`CopyTarget::sessions`] addressed to it would list
    /// them: a status display asks a box once instead of once per LUN.
    fn lun_sessions(&mut self, select: LunSelect) -> Result<Vec<LunSessions>, CopyError>;

    // Snap Data Volumes and Pool.
    fn sdv_stat(&mut self, olu: u32) -> Result<SdvStat, CopyError>;
    fn sdv_init(&mut self, olu: u32) -> Result<(), CopyError>;
    fn pool_stat(&mut self) -> Result<PoolStat, CopyError>;

    // REC buffers.
    fn rec_buffers(&mut self) -> Result<Vec<RecBufferInfo>, CopyError>;
    fn set_rec_buffer(&mut self, id: u32, usage: BufferUse) -> Result<(), CopyError>;

    // Update measurement on the addressed LUN (`swstestupdate`).
    fn monitor_start(&mut self) -> Result<(), CopyError>;
    fn monitor_status(&mut self) -> Result<MonitorStatus, CopyError>;
    fn monitor_stop(&mut self) -> Result<(), CopyError>;
}

/// Lets a borrowed target be served (e.g. `Loopback<&mut Sim>`), so a test or the
/// simulator can keep ownership of its array while a driver talks to it.
impl<T: CopyTarget + ?Sized> CopyTarget for &mut T {
    fn identity(&mut self) -> Result<Identity, CopyError> {
        (**self).identity()
    }
    fn capacity(&mut self) -> Result<u64, CopyError> {
        (**self).capacity()
    }
    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), CopyError> {
        (**self).read(lba, buf)
    }
    fn write(&mut self, lba: u64, data: &[u8]) -> Result<(), CopyError> {
        (**self).write(lba, data)
    }
    fn synchronize(&mut self) -> Result<(), CopyError> {
        (**self).synchronize()
    }
    fn box_info(&mut self) -> Result<BoxIdentity, CopyError> {
        (**self).box_info()
    }
    fn start(&mut self, req: &StartRequest) -> Result<SessionId, CopyError> {
        (**self).start(req)
    }
    fn restart(&mut self, req: &RestartRequest) -> Result<(), CopyError> {
        (**self).restart(req)
    }
    fn suspend(&mut self, ids: &[SessionId], forced: bool) -> Result<(), CopyError> {
        (**self).suspend(ids, forced)
    }
    fn cancel(&mut self, req: &CancelRequest) -> Result<(), CopyError> {
        (**self).cancel(req)
    }
    fn reverse(&mut self, id: SessionId) -> Result<(), CopyError> {
        (**self).reverse(id)
    }
    fn change_mode(&mut self, id: SessionId, change: &ModeChange) -> Result<(), CopyError> {
        (**self).change_mode(id, change)
    }
    fn start_concurrent(&mut self, ids: &[SessionId]) -> Result<(), CopyError> {
        (**self).start_concurrent(ids)
    }
    fn sessions(&mut self) -> Result<Vec<SessionInfo>, CopyError> {
        (**self).sessions()
    }
    fn lun_sessions(&mut self, select: LunSelect) -> Result<Vec<LunSessions>, CopyError> {
        (**self).lun_sessions(select)
    }
    fn sdv_stat(&mut self, olu: u32) -> Result<SdvStat, CopyError> {
        (**self).sdv_stat(olu)
    }
    fn sdv_init(&mut self, olu: u32) -> Result<(), CopyError> {
        (**self).sdv_init(olu)
    }
    fn pool_stat(&mut self) -> Result<PoolStat, CopyError> {
        (**self).pool_stat()
    }
    fn rec_buffers(&mut self) -> Result<Vec<RecBufferInfo>, CopyError> {
        (**self).rec_buffers()
    }
    fn set_rec_buffer(&mut self, id: u32, usage: BufferUse) -> Result<(), CopyError> {
        (**self).set_rec_buffer(id, usage)
    }
    fn monitor_start(&mut self) -> Result<(), CopyError> {
        (**self).monitor_start()
    }
    fn monitor_status(&mut self) -> Result<MonitorStatus, CopyError> {
        (**self).monitor_status()
    }
    fn monitor_stop(&mut self) -> Result<(), CopyError> {
        (**self).monitor_stop()
    }
}
