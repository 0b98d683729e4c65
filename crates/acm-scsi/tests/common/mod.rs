//! Shared by the integration tests: a recording mock target and proptest
//! strategies for every model type.
#![allow(dead_code)]

use acm_scsi::model::*;
use proptest::collection::vec;
use proptest::prelude::*;

/// What the mock was asked, with the decoded arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    Identity,
    Capacity,
    Read { lba: u64, len: usize },
    Write { lba: u64, data: Vec<u8> },
    Synchronize,
    BoxIdentity,
    Start(StartRequest),
    Restart(RestartRequest),
    Suspend(Vec<SessionId>, bool),
    Cancel(CancelRequest),
    Reverse(SessionId),
    ChangeMode(SessionId, ModeChange),
    StartConcurrent(Vec<SessionId>),
    Sessions,
    LunSessions(LunSelect),
    SdvStat(u32),
    SdvInit(u32),
    PoolStat,
    RecBuffers,
    SetRecBuffer(u32, BufferUse),
    MonitorStart,
    MonitorStatus,
    MonitorStop,
}

/// Records every call and answers with its canned replies, or fails every call
/// with `fail`.
#[derive(Debug, Clone)]
pub struct Mock {
    pub calls: Vec<Call>,
    pub fail: Option<CopyError>,
    pub identity: Identity,
    pub capacity: u64,
    pub box_info: BoxIdentity,
    pub start_id: SessionId,
    pub sessions: Vec<SessionInfo>,
    pub luns: Vec<LunSessions>,
    pub sdv: SdvStat,
    pub pool: PoolStat,
    pub buffers: Vec<RecBufferInfo>,
    pub monitor: MonitorStatus,
}

pub fn box_a() -> BoxId {
    BoxId::parse("00ETERNUSDXLS3ET092DL####HK4601234567###").expect("40 chars")
}

impl Default for Mock {
    fn default() -> Self {
        Mock {
            calls: Vec::new(),
            fail: None,
            identity: Identity {
                vendor: "FUJITSU".into(),
                product: "ETERNUS_DXL".into(),
                revision: "V10L".into(),
                serial: "4601234567".into(),
                box_id: box_a(),
                olu: 7,
            },
            capacity: 1 << 20,
            box_info: BoxIdentity {
                box_id: box_a(),
                grain_bytes: 8192,
                olu: 7,
                sdv: false,
                access_volume: false,
            },
            start_id: 1,
            sessions: Vec::new(),
            luns: Vec::new(),
            sdv: SdvStat::default(),
            pool: PoolStat::default(),
            buffers: Vec::new(),
            monitor: MonitorStatus::None,
        }
    }
}

/// Content of block data the mock returns: depends on the LBA, so a read split
/// into several commands is checked for order and offset.
pub fn pattern(lba: u64, i: usize) -> u8 {
    (lba.wrapping_mul(31) as usize).wrapping_add(i) as u8
}

impl Mock {
    fn call(&mut self, c: Call) -> Result<(), CopyError> {
        self.calls.push(c);
        match &self.fail {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    fn in_range(&self, lba: u64, len: usize) -> Result<(), CopyError> {
        let end = lba
            .checked_add(len as u64 / BLOCK)
            .ok_or(CopyError::LbaOutOfRange)?;
        if end > self.capacity {
            return Err(CopyError::LbaOutOfRange);
        }
        Ok(())
    }
}

impl CopyTarget for Mock {
    fn identity(&mut self) -> Result<Identity, CopyError> {
        self.call(Call::Identity)?;
        Ok(self.identity.clone())
    }
    fn capacity(&mut self) -> Result<u64, CopyError> {
        self.call(Call::Capacity)?;
        Ok(self.capacity)
    }
    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), CopyError> {
        self.call(Call::Read {
            lba,
            len: buf.len(),
        })?;
        self.in_range(lba, buf.len())?;
        for (i, b) in buf.iter_mut().enumerate() {
            *b = pattern(lba + (i as u64 / BLOCK), i % BLOCK as usize);
        }
        Ok(())
    }
    fn write(&mut self, lba: u64, data: &[u8]) -> Result<(), CopyError> {
        self.call(Call::Write {
            lba,
            data: data.to_vec(),
        })?;
        self.in_range(lba, data.len())
    }
    fn synchronize(&mut self) -> Result<(), CopyError> {
        self.call(Call::Synchronize)
    }
    fn box_info(&mut self) -> Result<BoxIdentity, CopyError> {
        self.call(Call::BoxIdentity)?;
        Ok(self.box_info.clone())
    }
    fn start(&mut self, req: &StartRequest) -> Result<SessionId, CopyError> {
        self.call(Call::Start(req.clone()))?;
        Ok(self.start_id)
    }
    fn restart(&mut self, req: &RestartRequest) -> Result<(), CopyError> {
        self.call(Call::Restart(req.clone()))
    }
    fn suspend(&mut self, ids: &[SessionId], forced: bool) -> Result<(), CopyError> {
        self.call(Call::Suspend(ids.to_vec(), forced))
    }
    fn cancel(&mut self, req: &CancelRequest) -> Result<(), CopyError> {
        self.call(Call::Cancel(*req))
    }
    fn reverse(&mut self, id: SessionId) -> Result<(), CopyError> {
        self.call(Call::Reverse(id))
    }
    fn change_mode(&mut self, id: SessionId, change: &ModeChange) -> Result<(), CopyError> {
        self.call(Call::ChangeMode(id, *change))
    }
    fn start_concurrent(&mut self, ids: &[SessionId]) -> Result<(), CopyError> {
        self.call(Call::StartConcurrent(ids.to_vec()))
    }
    fn sessions(&mut self) -> Result<Vec<SessionInfo>, CopyError> {
        self.call(Call::Sessions)?;
        Ok(self.sessions.clone())
    }
    fn lun_sessions(&mut self, select: LunSelect) -> Result<Vec<LunSessions>, CopyError> {
        self.call(Call::LunSessions(select))?;
        Ok(self.luns.clone())
    }
    fn sdv_stat(&mut self, olu: u32) -> Result<SdvStat, CopyError> {
        self.call(Call::SdvStat(olu))?;
        Ok(self.sdv)
    }
    fn sdv_init(&mut self, olu: u32) -> Result<(), CopyError> {
        self.call(Call::SdvInit(olu))
    }
    fn pool_stat(&mut self) -> Result<PoolStat, CopyError> {
        self.call(Call::PoolStat)?;
        Ok(self.pool)
    }
    fn rec_buffers(&mut self) -> Result<Vec<RecBufferInfo>, CopyError> {
        self.call(Call::RecBuffers)?;
        Ok(self.buffers.clone())
    }
    fn set_rec_buffer(&mut self, id: u32, usage: BufferUse) -> Result<(), CopyError> {
        self.call(Call::SetRecBuffer(id, usage))
    }
    fn monitor_start(&mut self) -> Result<(), CopyError> {
        self.call(Call::MonitorStart)
    }
    fn monitor_status(&mut self) -> Result<MonitorStatus, CopyError> {
        self.call(Call::MonitorStatus)?;
        Ok(self.monitor)
    }
    fn monitor_stop(&mut self) -> Result<(), CopyError> {
        self.call(Call::MonitorStop)
    }
}

// ---- strategies ------------------------------------------------------------

pub fn box_id() -> impl Strategy<Value = BoxId> {
    "[!-~]{40}".prop_map(|s| BoxId::parse(&s).expect("40 printable characters"))
}

pub fn extent() -> impl Strategy<Value = Extent> {
    (box_id(), any::<u32>(), any::<u64>(), any::<u64>()).prop_map(
        |(box_id, olu, start_lba, blocks)| Extent {
            box_id,
            olu,
            start_lba,
            blocks,
        },
    )
}

pub fn copy_kind() -> impl Strategy<Value = CopyKind> {
    prop_oneof![
        Just(CopyKind::Opc),
        Just(CopyKind::QuickOpc),
        Just(CopyKind::SnapOpc),
        Just(CopyKind::SnapOpcPlus),
        Just(CopyKind::Ec),
        Just(CopyKind::Rec),
    ]
}

pub fn transfer() -> impl Strategy<Value = Transfer> {
    prop_oneof![
        Just(Transfer::Sync),
        Just(Transfer::Through),
        Just(Transfer::Stack),
        Just(Transfer::Consistency),
    ]
}

pub fn split() -> impl Strategy<Value = Split> {
    prop_oneof![Just(Split::Auto), Just(Split::Manual)]
}

pub fn recovery() -> impl Strategy<Value = Recovery> {
    prop_oneof![Just(Recovery::Auto), Just(Recovery::Manual)]
}

pub fn rec_modes() -> impl Strategy<Value = RecModes> {
    (transfer(), split(), recovery()).prop_map(|(transfer, split, recovery)| RecModes {
        transfer,
        split,
        recovery,
    })
}

pub fn dest_access() -> impl Strategy<Value = DestAccess> {
    prop_oneof![Just(DestAccess::ReadOnly), Just(DestAccess::NoAccess)]
}

pub fn phase() -> impl Strategy<Value = Phase> {
    prop_oneof![
        Just(Phase::Readying),
        Just(Phase::Copying),
        Just(Phase::Equivalent),
        Just(Phase::Tracking),
        Just(Phase::TrackingCopying),
        Just(Phase::CopyOnWrite),
    ]
}

pub fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Active),
        Just(Status::Suspended),
        Just(Status::ErrorSuspend(ErrorReason::BadSector)),
        Just(Status::ErrorSuspend(ErrorReason::Overflow)),
        Just(Status::ErrorSuspend(ErrorReason::Other)),
        Just(Status::Halt(HaltDetail::Sync)),
        Just(Status::Halt(HaltDetail::Equivalent)),
        Just(Status::Halt(HaltDetail::UseBuffer)),
        Just(Status::Halt(HaltDetail::UseDiskBuffer)),
    ]
}

pub fn buffer_use() -> impl Strategy<Value = BufferUse> {
    prop_oneof![Just(BufferUse::Send), Just(BufferUse::Recv)]
}

pub fn disk_state() -> impl Strategy<Value = DiskBufferState> {
    prop_oneof![
        Just(DiskBufferState::None),
        Just(DiskBufferState::Active),
        Just(DiskBufferState::Invalid),
        any::<u8>().prop_map(DiskBufferState::Warning),
        any::<u8>().prop_map(DiskBufferState::Inactive),
        Just(DiskBufferState::NotSupported),
    ]
}

pub fn monitor_status() -> impl Strategy<Value = MonitorStatus> {
    prop_oneof![
        Just(MonitorStatus::None),
        any::<u64>().prop_map(MonitorStatus::Counting),
        Just(MonitorStatus::Failed),
    ]
}

pub fn start_request() -> impl Strategy<Value = StartRequest> {
    (
        copy_kind(),
        extent(),
        extent(),
        proptest::option::of(rec_modes()),
        dest_access(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(kind, src, dst, rec, dest_access, skip_initial_copy, define_only)| StartRequest {
                kind,
                src,
                dst,
                rec,
                dest_access,
                skip_initial_copy,
                define_only,
            },
        )
}

pub fn restart_request() -> impl Strategy<Value = RestartRequest> {
    (
        any::<u32>(),
        any::<bool>(),
        proptest::option::of(rec_modes()),
    )
        .prop_map(|(id, remain, rec)| RestartRequest { id, remain, rec })
}

pub fn cancel_request() -> impl Strategy<Value = CancelRequest> {
    (any::<u32>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(id, a, b, c)| {
        CancelRequest {
            id,
            with_older_generations: a,
            tracking_only: b,
            only_if_halted: c,
        }
    })
}

pub fn mode_change() -> impl Strategy<Value = ModeChange> {
    (
        proptest::option::of(transfer()),
        proptest::option::of(split()),
        proptest::option::of(recovery()),
    )
        .prop_map(|(transfer, split, recovery)| ModeChange {
            transfer,
            split,
            recovery,
        })
}

pub fn session_info() -> impl Strategy<Value = SessionInfo> {
    (
        (
            any::<u32>(),
            box_id(),
            copy_kind(),
            extent(),
            extent(),
            phase(),
            status(),
        ),
        (
            any::<u64>(),
            any::<u64>(),
            any::<u64>(),
            any::<bool>(),
            any::<u32>(),
            any::<bool>(),
        ),
        (
            proptest::option::of(rec_modes()),
            dest_access(),
            any::<u64>(),
            any::<u64>(),
        ),
    )
        .prop_map(
            |(
                (id, owner, kind, src, dst, phase, status),
                (
                    total_grains,
                    pending_grains,
                    changed_grains,
                    tracking,
                    generation,
                    active_generation,
                ),
                (rec, dest_access, transition_time, copied_bytes),
            )| SessionInfo {
                id,
                owner,
                kind,
                src,
                dst,
                phase,
                status,
                total_grains,
                pending_grains,
                changed_grains,
                tracking,
                generation,
                active_generation,
                rec,
                dest_access,
                transition_time,
                copied_bytes,
            },
        )
}

/// A LUN selection: ALL, or a range that ends at or before OLU `u32::MAX`.
pub fn lun_select() -> impl Strategy<Value = LunSelect> {
    prop_oneof![
        1 => Just(LunSelect::All),
        4 => (1u16..=u16::MAX, any::<u32>()).prop_map(|(count, at)| LunSelect::Range {
            first: at.min(u32::MAX - (u32::from(count) - 1)),
            count,
        }),
        // Few OLUs: the LUN SESSIONS guess is small, so many sessions overflow it.
        2 => (1u16..4, any::<u32>()).prop_map(|(count, at)| LunSelect::Range {
            first: at.min(u32::MAX - 4),
            count,
        }),
    ]
}

/// A well-formed LUN SESSIONS reply for `select`: distinct OLUs inside it in
/// ascending order, each with up to `per_lun` sessions (none is a LUN without).
pub fn lun_sessions(
    select: LunSelect,
    luns: usize,
    per_lun: usize,
) -> impl Strategy<Value = Vec<LunSessions>> {
    let (first, span) = match select {
        LunSelect::All => (0u32, u64::from(u32::MAX) + 1),
        LunSelect::Range { first, count } => (first, u64::from(count)),
    };
    (
        proptest::collection::btree_set(0..span, 0..=luns.min(span as usize)),
        vec(vec(session_info(), 0..=per_lun), luns),
    )
        .prop_map(move |(offsets, mut lists)| {
            offsets
                .into_iter()
                .map(|o| LunSessions {
                    olu: first + o as u32,
                    sessions: lists.pop().unwrap_or_default(),
                })
                .collect()
        })
}

pub fn box_info() -> impl Strategy<Value = BoxIdentity> {
    (
        box_id(),
        any::<u64>(),
        any::<u32>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(box_id, grain_bytes, olu, sdv, access_volume)| BoxIdentity {
                box_id,
                grain_bytes,
                olu,
                sdv,
                access_volume,
            },
        )
}

pub fn sdv_stat() -> impl Strategy<Value = SdvStat> {
    any::<[u64; 6]>().prop_map(|[logical, physical, used, copy, host, pool]| SdvStat {
        logical,
        physical,
        used,
        copy,
        host,
        pool,
    })
}

pub fn pool_stat() -> impl Strategy<Value = PoolStat> {
    (any::<bool>(), any::<[u64; 5]>()).prop_map(|(encrypted, [total, used, copy, host, free])| {
        PoolStat {
            encrypted,
            total,
            used,
            copy,
            host,
            free,
        }
    })
}

pub fn rec_buffer() -> impl Strategy<Value = RecBufferInfo> {
    (
        any::<u32>(),
        buffer_use(),
        proptest::option::of(any::<u8>()),
        box_id(),
        disk_state(),
        proptest::option::of(any::<u8>()),
    )
        .prop_map(
            |(id, usage, rate, remote_box, disk_buffer, disk_rate)| RecBufferInfo {
                id,
                usage,
                rate,
                remote_box,
                disk_buffer,
                disk_rate,
            },
        )
}

/// Printable ASCII without leading/trailing blanks (fields are space padded).
fn text(max: usize) -> impl Strategy<Value = String> {
    vec(0x21u8..0x7F, 0..=max).prop_map(|b| b.into_iter().map(char::from).collect())
}

pub fn identity() -> impl Strategy<Value = Identity> {
    (
        text(8),
        text(16),
        text(4),
        text(255),
        box_id(),
        any::<u32>(),
    )
        .prop_map(
            |(vendor, product, revision, serial, box_id, olu)| Identity {
                vendor,
                product,
                revision,
                serial,
                box_id,
                olu,
            },
        )
}

pub fn copy_error() -> impl Strategy<Value = CopyError> {
    prop_oneof![
        any::<u16>().prop_map(CopyError::InvalidCdbField),
        any::<u16>().prop_map(CopyError::InvalidParameter),
        any::<u64>().prop_map(CopyError::BadSector),
        prop::sample::select(vec![
            CopyError::ParameterLength,
            CopyError::InvalidOpcode,
            CopyError::LbaOutOfRange,
            CopyError::NoSuchLun,
            CopyError::NoSuchBox,
            CopyError::NoSuchSession,
            CopyError::SessionLimit,
            CopyError::LunSessionLimit,
            CopyError::WrongPhase,
            CopyError::ExtentConflict,
            CopyError::ExtentSize,
            CopyError::NotSupported,
            CopyError::PathFailure,
            CopyError::HardwareError,
            CopyError::CapacityExhausted,
            CopyError::WriteProtected,
            CopyError::AccessDenied,
            CopyError::NotOldestGeneration,
            CopyError::Unobtainable,
            CopyError::BufferInUse,
            CopyError::MonitorExists,
            CopyError::NoMonitor,
            CopyError::Timeout,
        ]),
    ]
}
