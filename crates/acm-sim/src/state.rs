//! What a box persists: its LUNs, copy sessions, Snap Data Pool, REC paths and
//! buffers, faults and clock. [`crate::store`] keeps them as records of the
//! home's transactional store; see `docs/simulator.md` for the layout.
//!
//! These types mirror the wire model of `acm_scsi::model` on purpose rather than
//! reuse it: the store has its own version and must not change shape when the
//! command set does.

use crate::grains::GrainSet;
use acm_scsi::model as m;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Default grain: 64 KiB.
pub const DEFAULT_GRAIN: u64 = 64 * 1024;
/// The largest LUN a box makes (16 TiB).
pub const MAX_LUN_BYTES: u64 = 16 << 40;
/// The smallest grain a state file may give (the default is 64 KiB; tests use
/// smaller ones). A LUN must also fit in [`crate::grains::MAX_GRAINS`] grains.
pub const MIN_GRAIN: u64 = 4096;
/// The largest grain a state file may give.
pub const MAX_GRAIN: u64 = 1 << 30;
/// Default physical copy rate: 100 MiB/s.
pub const DEFAULT_RATE: u64 = 100 * 1024 * 1024;

/// How fast the box copies in the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rate {
    BytesPerSecond(u64),
    Unlimited,
    Paused,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BoxState {
    pub name: String,
    pub box_id: String,
    pub grain_bytes: u64,
    pub rate: Rate,
    /// Clock of the last copy catch-up, nanoseconds since the Unix epoch.
    pub last_tick_ns: u64,
    /// Copy budget left over from the last catch-up (less than one grain).
    pub carry_bytes: u64,
    pub next_olu: u32,
    pub luns: BTreeMap<u32, Lun>,
    pub next_session: u32,
    /// Sessions this box owns: every intra-box session, and REC sessions started here.
    pub sessions: BTreeMap<u32, Session>,
    pub pool: Pool,
    /// REC paths to other boxes, by remote box id: `true` when up.
    pub paths: BTreeMap<String, bool>,
    pub rec_buffers: BTreeMap<u32, RecBuffer>,
    pub disk_buffer: Option<DiskBuffer>,
    pub limits: Limits,
    pub faults: Faults,
    /// Update measurements (`swstestupdate`) by OLU: blocks written, or `None` once failed.
    pub monitors: BTreeMap<u32, Option<u64>>,
    /// The command sets its LUNs answer.
    #[serde(default)]
    pub profile: Profile,
    /// RAID groups beyond group 0 (which every box has, always spinning),
    /// by number (manual Appendix D).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub raid_groups: BTreeMap<u32, RaidGroup>,
    /// The RAID group the Snap Data Pool lives in.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pool_raidgroup: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A RAID group: the drives some LUNs live on. An Eco-mode group's drives
/// can be stopped and started (`storageadm spindle` on a real site).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaidGroup {
    /// Whether its drives may be stopped.
    pub eco: bool,
    pub drives: Drives,
    /// `Starting`: when the drives are up. `Stopping`: since when nothing
    /// has kept the group busy (the idle delay counts from there). Clock
    /// nanoseconds.
    pub since_ns: u64,
    /// How long the drives take to spin up.
    pub spin_up_secs: u64,
    /// How long a group with a stop scheduled must stay idle before its
    /// drives stop.
    pub idle_delay_secs: u64,
}

/// The drive state of a RAID group, as `acmsim raidgroup list` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Drives {
    Active,
    /// A stop is scheduled: the drives still spin until the group has been
    /// idle for its delay.
    Stopping,
    Stopped,
    /// Spinning up: not ready until the spin-up time has passed.
    Starting,
}

impl Drives {
    pub fn label(self) -> &'static str {
        match self {
            Drives::Active => "active",
            Drives::Stopping => "stopping",
            Drives::Stopped => "stopped",
            Drives::Starting => "starting",
        }
    }
}

/// Which command sets a box's LUNs answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// The standard set and the vendor copy-session commands (an ETERNUS
    /// as this suite drives it).
    #[default]
    Vendor,
    /// The standard set only, copy offload included: the vendor commands
    /// are invalid operation codes, as on another maker's array.
    Standard,
    /// The standard set with EXTENDED COPY but no ROD tokens (POPULATE
    /// TOKEN, WRITE USING TOKEN and RECEIVE ROD TOKEN INFORMATION are
    /// invalid): an array that offers only the copy VMware's XCOPY uses,
    /// and so no point-in-time copy.
    Xcopy,
}

impl Profile {
    /// Whether the vendor copy-session commands are answered.
    pub fn vendor(self) -> bool {
        self == Profile::Vendor
    }

    /// Whether point-in-time ROD tokens are offered.
    pub fn tokens(self) -> bool {
        self != Profile::Xcopy
    }
}

impl BoxState {
    /// The bounds a state file must keep, checked when it is read, so a
    /// damaged file is refused by name instead of asking for a huge allocation:
    /// a grain size that is a power of two in [`MIN_GRAIN`]..=[`MAX_GRAIN`],
    /// LUNs of at most [`MAX_LUN_BYTES`] and [`crate::grains::MAX_GRAINS`] grains.
    pub fn check_bounds(&self) -> Result<(), String> {
        if !self.grain_bytes.is_power_of_two()
            || !(MIN_GRAIN..=MAX_GRAIN).contains(&self.grain_bytes)
        {
            return Err(format!("grain size {} out of bounds", self.grain_bytes));
        }
        for (olu, lun) in &self.luns {
            if lun.size_bytes == 0
                || lun.size_bytes > MAX_LUN_BYTES
                || lun.size_bytes.div_ceil(self.grain_bytes) > crate::grains::MAX_GRAINS
            {
                return Err(format!("LUN {olu} size {} out of bounds", lun.size_bytes));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lun {
    pub size_bytes: u64,
    pub kind: LunKind,
    /// Thin provisioned: blocks take space when written and give it back
    /// when unmapped (UNMAP, WRITE SAME with UNMAP); absent in a home made
    /// before thin LUNs existed, which had none.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub thin: bool,
    /// The RAID group it lives on (0 when created without one).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub raidgroup: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LunKind {
    Standard,
    /// A small volume for addressing the box when an SDV cannot be reached.
    Access,
    Sdv(Sdv),
}

/// A Snap Data Volume: a thin volume of a logical size whose written grains take
/// physical capacity, then capacity from the pool.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sdv {
    pub physical_bytes: u64,
    /// Grains of this volume that hold data.
    pub allocated: GrainSet,
    /// Grains allocated by copy sessions (copy-on-write or destination updates).
    pub copy_grains: u64,
    /// Grains allocated by host writes with no session.
    pub host_grains: u64,
}

impl Sdv {
    /// Grains beyond the volume's physical capacity, drawn from the pool.
    pub fn pool_grains(&self, grain: u64) -> u64 {
        self.allocated
            .count()
            .saturating_sub(self.physical_bytes / grain)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Pool {
    pub capacity_bytes: u64,
    pub encrypted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extent {
    #[serde(with = "box_id_text")]
    pub box_id: [u8; 40],
    pub olu: u32,
    pub start_lba: u64,
    pub blocks: u64,
}

impl Extent {
    pub fn box_str(&self) -> &str {
        std::str::from_utf8(&self.box_id).unwrap_or("")
    }
    pub fn start(&self) -> u64 {
        self.start_lba * m::BLOCK
    }
    pub fn bytes(&self) -> u64 {
        self.blocks * m::BLOCK
    }
    pub fn end(&self) -> u64 {
        self.start() + self.bytes()
    }
    pub fn same_lun(&self, other: &Extent) -> bool {
        self.box_id == other.box_id && self.olu == other.olu
    }
    pub fn overlaps(&self, other: &Extent) -> bool {
        self.same_lun(other) && self.start() < other.end() && other.start() < self.end()
    }
}

impl From<m::Extent> for Extent {
    fn from(e: m::Extent) -> Self {
        Extent {
            box_id: e.box_id.0,
            olu: e.olu,
            start_lba: e.start_lba,
            blocks: e.blocks,
        }
    }
}

impl From<Extent> for m::Extent {
    fn from(e: Extent) -> Self {
        m::Extent {
            box_id: m::BoxId(e.box_id),
            olu: e.olu,
            start_lba: e.start_lba,
            blocks: e.blocks,
        }
    }
}

macro_rules! mirror_enum {
    ($local:ident, $remote:path, { $($v:ident),* $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $local { $($v),* }
        impl From<$remote> for $local {
            fn from(v: $remote) -> Self { match v { $(<$remote>::$v => $local::$v),* } }
        }
        impl From<$local> for $remote {
            fn from(v: $local) -> Self { match v { $($local::$v => <$remote>::$v),* } }
        }
    };
}

mirror_enum!(Kind, m::CopyKind, { Opc, QuickOpc, SnapOpc, SnapOpcPlus, Ec, Rec });
mirror_enum!(Phase, m::Phase, { Readying, Copying, Equivalent, Tracking, TrackingCopying, CopyOnWrite });
mirror_enum!(Transfer, m::Transfer, { Sync, Through, Stack, Consistency });
mirror_enum!(Split, m::Split, { Auto, Manual });
mirror_enum!(Recovery, m::Recovery, { Auto, Manual });
mirror_enum!(DestAccess, m::DestAccess, { ReadOnly, NoAccess });
mirror_enum!(ErrorReason, m::ErrorReason, { BadSector, Overflow, Other });
mirror_enum!(HaltDetail, m::HaltDetail, { Sync, Equivalent, UseBuffer, UseDiskBuffer });
mirror_enum!(BufferUse, m::BufferUse, { Send, Recv });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    Suspended,
    ErrorSuspend(ErrorReason),
    Halt(HaltDetail),
}

impl From<Status> for m::Status {
    fn from(s: Status) -> Self {
        match s {
            Status::Active => m::Status::Active,
            Status::Suspended => m::Status::Suspended,
            Status::ErrorSuspend(r) => m::Status::ErrorSuspend(r.into()),
            Status::Halt(h) => m::Status::Halt(h.into()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecModes {
    pub transfer: Transfer,
    pub split: Split,
    pub recovery: Recovery,
}

impl From<m::RecModes> for RecModes {
    fn from(r: m::RecModes) -> Self {
        RecModes {
            transfer: r.transfer.into(),
            split: r.split.into(),
            recovery: r.recovery.into(),
        }
    }
}

impl From<RecModes> for m::RecModes {
    fn from(r: RecModes) -> Self {
        m::RecModes {
            transfer: r.transfer.into(),
            split: r.split.into(),
            recovery: r.recovery.into(),
        }
    }
}

/// One write kept in order for a Consistency-mode REC session: `len` bytes at
/// extent-relative `offset`, stored at `at` in the session's journal file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub offset: u64,
    pub len: u64,
    pub at: u64,
    /// Kept in the disk buffer rather than the REC buffer.
    pub on_disk: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub id: u32,
    pub kind: Kind,
    pub src: Extent,
    pub dst: Extent,
    pub phase: Phase,
    pub status: Status,
    /// Grains still to be copied physically from source to destination.
    pub pending: GrainSet,
    /// Grains changed since the last logical copy (QuickOPC), since suspend (EC/REC),
    /// or saved to the destination (SnapOPC/SnapOPC+).
    pub changed: GrainSet,
    /// SnapOPC+ creation order among the generations of one source (higher = newer).
    pub generation_seq: u64,
    pub rec: Option<RecModes>,
    pub dest_access: DestAccess,
    pub transition_time: u64,
    pub copied_bytes: u64,
    /// REC initial copy skipped and not yet resumed.
    pub skipped_initial: bool,
    pub journal: Vec<JournalEntry>,
}

impl Session {
    /// Grains in the session's extent for a grain size.
    pub fn grains(&self) -> u64 {
        self.pending.len()
    }

    pub fn is_snap(&self) -> bool {
        matches!(self.kind, Kind::SnapOpc | Kind::SnapOpcPlus)
    }

    pub fn is_mirror(&self) -> bool {
        matches!(self.kind, Kind::Ec | Kind::Rec)
    }

    pub fn failed(&self) -> bool {
        matches!(self.status, Status::ErrorSuspend(_))
    }

    pub fn journal_bytes(&self, on_disk: bool) -> u64 {
        self.journal
            .iter()
            .filter(|j| j.on_disk == on_disk)
            .map(|j| j.len)
            .sum()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecBuffer {
    pub usage: BufferUse,
    pub size_bytes: u64,
    pub remote_box: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiskBuffer {
    pub size_bytes: u64,
    /// `None` = active; `Some(code)` = inactive with that code.
    pub fault: Option<u8>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Limits {
    /// Copy sessions the box can hold.
    pub box_sessions: u32,
    /// Copy sessions one LUN can take part in.
    pub lun_sessions: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            box_sessions: 1024,
            lun_sessions: 64,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Faults {
    /// Unreadable blocks by OLU (repaired by a write).
    pub bad_sectors: BTreeMap<u32, BTreeSet<u64>>,
    /// LUNs with a hardware error: every I/O fails, their sessions error-suspend.
    pub hardware: BTreeSet<u32>,
    /// Copy-session commands cannot obtain status.
    pub unobtainable: bool,
}

/// Box identifiers are stored as their 40 characters, readable in the state file.
mod box_id_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(id: &[u8; 40], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&String::from_utf8_lossy(id))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 40], D::Error> {
        let text = String::deserialize(d)?;
        acm_scsi::model::BoxId::parse(&text)
            .map(|b| b.0)
            .ok_or_else(|| serde::de::Error::custom(format!("'{text}' is not a box identifier")))
    }
}
