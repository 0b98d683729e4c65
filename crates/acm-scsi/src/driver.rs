//! The typed driver: one method per [`CopyTarget`] method, each turned into
//! CDBs sent through a [`Transport`].
//!
//! The driver owns the SCSI mechanics the callers should not see: splitting
//! large transfers, re-issuing a query whose reply did not fit, retrying after a
//! UNIT ATTENTION, and turning sense data back into [`CopyError`].
//!
//! [`CopyTarget`]: crate::model::CopyTarget

use std::time::Duration;

use crate::cdb::Command;
use crate::model::{
    BoxIdentity, BufferUse, CancelRequest, CopyError, Identity, LunSelect, LunSessions, ModeChange,
    MonitorStatus, PoolStat, RecBufferInfo, RestartRequest, SdvStat, SessionId, SessionInfo,
    StartRequest, BLOCK,
};
use crate::sbc;
use crate::sense::{self, Sense};
use crate::standard;
use crate::transport::{Completion, Data, Transport, TransportError, CHECK_CONDITION, GOOD};
use crate::wire::{self, InAction, InReply, OutRequest};

/// Why a driver call failed.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The target refused the command with a sense the table knows.
    #[error("refused by the array: {0}")]
    Refused(CopyError),
    /// CHECK CONDITION with a sense this command set does not define.
    #[error("unknown sense: key {key:02x}h, ASC/ASCQ {asc:02x}h/{ascq:02x}h")]
    UnknownSense { key: u8, asc: u8, ascq: u8 },
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The target answered, but its data or sense does not decode.
    #[error("malformed reply: {0}")]
    Malformed(String),
    /// The request cannot be expressed as a command (a buffer that is not a whole
    /// number of blocks, an id list beyond 32-bit lengths); nothing was sent.
    #[error("cannot encode the request: {0}")]
    Argument(String),
}

impl DriverError {
    /// The array's refusal, if that is what this is.
    pub fn copy_error(&self) -> Option<&CopyError> {
        match self {
            DriverError::Refused(e) => Some(e),
            _ => None,
        }
    }
}

/// Borrowed data buffer that can be lent to the transport more than once (a
/// retried command must send the same buffer again).
enum Buf<'a> {
    None,
    Out(&'a [u8]),
    In(&'a mut [u8]),
}

impl Buf<'_> {
    fn len(&self) -> usize {
        match self {
            Buf::None => 0,
            Buf::Out(b) => b.len(),
            Buf::In(b) => b.len(),
        }
    }
}

/// Copy operations on a busy array can take long; 60 s is what sg3_utils-style
/// tools allow for slow commands.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Largest READ/WRITE(16) the driver sends; larger transfers are split so that
/// no single command exceeds what an HBA and the kernel accept (`max_sectors_kb`).
pub const MAX_TRANSFER: usize = 8 << 20;
/// A UNIT ATTENTION means the command was not executed (reset, LUN change), so
/// re-sending it is safe; more than a few in a row means something else is wrong.
const UNIT_ATTENTION_RETRIES: usize = 3;
/// Re-issues of a query whose reply keeps growing between attempts.
const QUERY_ATTEMPTS: usize = 4;
/// Refuse announced reply sizes beyond this (a broken header, not a reply).
const MAX_REPLY: usize = 256 << 20;
/// Initial allocation for list replies: room for this many descriptors.
const LIST_GUESS: usize = 16;
/// Initial allocation for LUN SESSIONS with ALL: room for this many descriptors
/// (a range gets one per OLU plus [`LIST_GUESS`]), so a box of a few thousand
/// sessions answers in one command instead of two.
const ALL_GUESS: usize = 4096;

/// The driver for one LUN.
pub struct Driver<T: Transport> {
    transport: T,
    timeout: Duration,
    max_transfer: usize,
}

impl<T: Transport> Driver<T> {
    pub fn new(transport: T) -> Self {
        Self::with_timeout(transport, DEFAULT_TIMEOUT)
    }

    /// A driver whose every command uses `timeout`.
    pub fn with_timeout(transport: T, timeout: Duration) -> Self {
        Driver {
            transport,
            timeout,
            max_transfer: MAX_TRANSFER,
        }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Largest single READ/WRITE in bytes; rounded down to whole blocks, at least
    /// one block, at most what the 32-bit TRANSFER LENGTH can express.
    pub fn set_max_transfer(&mut self, bytes: usize) {
        let blocks = (bytes as u64 / BLOCK).clamp(1, u64::from(u32::MAX));
        self.max_transfer =
            usize::try_from(blocks * BLOCK).unwrap_or(usize::MAX & !(BLOCK as usize - 1));
    }

    pub fn max_transfer(&self) -> usize {
        self.max_transfer
    }

    pub fn transport(&self) -> &T {
        &self.transport
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_inner(self) -> T {
        self.transport
    }

    // ---- mechanics -------------------------------------------------------

    /// Sends one CDB, re-sending it after a UNIT ATTENTION.
    fn run(&mut self, cdb: &[u8], mut buf: Buf<'_>) -> Result<Completion, DriverError> {
        let mut retries = 0;
        loop {
            let data = match &mut buf {
                Buf::None => Data::None,
                Buf::Out(b) => Data::Out(b),
                Buf::In(b) => Data::In(b),
            };
            let c = self.transport.execute(cdb, data, self.timeout)?;
            let unit_attention = c.status == CHECK_CONDITION
                && Sense::parse(&c.sense).is_some_and(|s| s.key == sense::UNIT_ATTENTION);
            if unit_attention && retries < UNIT_ATTENTION_RETRIES {
                retries += 1;
                continue;
            }
            return Ok(c);
        }
    }

    /// Sends one CDB and returns the residual of a successful completion.
    fn exec(&mut self, cdb: &[u8], buf: Buf<'_>) -> Result<usize, DriverError> {
        let len = buf.len();
        let c = self.run(cdb, buf)?;
        outcome(&c, len)
    }

    /// Sends a COPY SESSION OUT and returns its raw completion.
    fn send(&mut self, req: &OutRequest) -> Result<(Completion, usize), DriverError> {
        let params = req.params();
        let param_len = u32::try_from(params.len()).map_err(|_| {
            DriverError::Argument(format!("parameter list of {} bytes", params.len()))
        })?;
        let cdb = Command::CopyOut {
            action: req.action(),
            param_len,
        }
        .encode();
        Ok((self.run(&cdb, Buf::Out(&params))?, params.len()))
    }

    fn out(&mut self, req: OutRequest) -> Result<(), DriverError> {
        let (c, len) = self.send(&req)?;
        outcome(&c, len).map(|_| ())
    }

    /// Issues a COPY SESSION IN, re-issuing it with the announced length when
    /// the reply was truncated.
    fn query(&mut self, action: InAction, object: u32) -> Result<InReply, DriverError> {
        let descriptors = match action {
            InAction::Sessions | InAction::RecBuffers => LIST_GUESS,
            _ => 1,
        };
        self.query_with(action, descriptors, |alloc| Command::CopyIn {
            action,
            object,
            alloc,
        })
    }

    /// [`Driver::query`] for any COPY SESSION IN CDB: `cdb` builds it for an
    /// allocation length; the first one has room for `descriptors`.
    fn query_with(
        &mut self,
        action: InAction,
        descriptors: usize,
        cdb: impl Fn(u32) -> Command,
    ) -> Result<InReply, DriverError> {
        let desc = wire::descriptor_len(action);
        let mut alloc = descriptors
            .checked_mul(desc)
            .and_then(|n| n.checked_add(wire::REPLY_HEADER))
            .map_or(MAX_REPLY, |n| n.min(MAX_REPLY));
        for _ in 0..QUERY_ATTEMPTS {
            let mut buf = vec![0u8; alloc];
            // alloc <= MAX_REPLY < u32::MAX
            let cdb = cdb(alloc as u32).encode();
            let got = alloc - self.exec(&cdb, Buf::In(&mut buf))?;
            buf.truncate(got);
            let total = wire::reply_total(&buf).ok_or_else(|| {
                malformed(format!("{action:?} reply of {got} bytes has no header"))
            })?;
            if total <= got {
                return InReply::decode(action, &buf)
                    .map_err(|e| malformed(format!("{action:?} reply: {e}")));
            }
            if got < alloc {
                return Err(malformed(format!(
                    "{action:?} reply announces {total} bytes, {got} arrived"
                )));
            }
            if total > MAX_REPLY {
                return Err(malformed(format!(
                    "{action:?} reply announces {total} bytes"
                )));
            }
            alloc = total;
        }
        Err(malformed(format!("{action:?} reply kept growing")))
    }

    /// INQUIRY data (standard or one VPD page), re-issued once if truncated.
    fn inquiry(&mut self, evpd: bool, page: u8) -> Result<Vec<u8>, DriverError> {
        let mut alloc: u16 = if evpd { 255 } else { 96 };
        loop {
            let mut buf = vec![0u8; usize::from(alloc)];
            let cdb = Command::Inquiry { evpd, page, alloc }.encode();
            let got = usize::from(alloc) - self.exec(&cdb, Buf::In(&mut buf))?;
            buf.truncate(got);
            let total = if evpd {
                standard::vpd_total(&buf)
            } else {
                buf.get(4).map(|n| 5 + usize::from(*n))
            };
            match total {
                Some(t) if t > got && got == usize::from(alloc) && alloc < u16::MAX => {
                    alloc = u16::try_from(t).unwrap_or(u16::MAX);
                }
                _ => return Ok(buf),
            }
        }
    }

    // ---- standard copy offload (SBC-3 ROD tokens) -------------------------

    /// Which copy offload the LUN offers, from the EXTENDED COPY service
    /// actions VPD page 8Fh lists (one read of the page): point-in-time
    /// tokens (POPULATE TOKEN and WRITE USING TOKEN) and EXTENDED COPY
    /// (LID1). A device without the page offers neither.
    pub fn offload_offers(&mut self) -> Result<OffloadOffers, DriverError> {
        let none = OffloadOffers::default();
        let pages = self.inquiry(true, 0x00)?;
        if !pages.get(4..).is_some_and(|p| p.contains(&0x8F)) {
            return Ok(none);
        }
        let d = self.inquiry(true, 0x8F)?;
        let mut at = 4;
        while at + 4 <= d.len() {
            let kind = u16::from_be_bytes([d[at], d[at + 1]]);
            let len = usize::from(u16::from_be_bytes([d[at + 2], d[at + 3]]));
            if kind == 0x0001 {
                // Supported Commands: opcode, count, service actions...
                let body = d.get(at + 4..(at + 4 + len).min(d.len())).unwrap_or(&[]);
                let list = body
                    .get(1..1 + usize::from(*body.first().unwrap_or(&0)))
                    .unwrap_or(&[]);
                let mut i = 0;
                while i + 1 < list.len() {
                    let n = usize::from(list[i + 1]);
                    let sas = list.get(i + 2..i + 2 + n).unwrap_or(&[]);
                    if list[i] == sbc::EXTENDED_COPY {
                        return Ok(OffloadOffers {
                            tokens: sas.contains(&sbc::SA_POPULATE_TOKEN)
                                && sas.contains(&sbc::SA_WRITE_USING_TOKEN),
                            extended_copy: sas.contains(&sbc::SA_EXTENDED_COPY_LID1),
                        });
                    }
                    i += 2 + n;
                }
            }
            at += 4 + len;
        }
        Ok(none)
    }

    /// POPULATE TOKEN of `ranges` (LBA, blocks) of this LUN, then RECEIVE
    /// ROD TOKEN INFORMATION: the point-in-time token.
    pub fn populate_token(
        &mut self,
        list_id: u32,
        ranges: &[(u64, u32)],
    ) -> Result<[u8; 512], DriverError> {
        let (cdb, p) = sbc::offload::populate_token(list_id, 0, ranges);
        self.exec(&cdb, Buf::Out(&p))?;
        let info = self.rod_info(list_id)?;
        info.token
            .ok_or_else(|| malformed("RECEIVE ROD TOKEN INFORMATION carries no token".into()))
    }

    /// WRITE USING TOKEN onto `ranges` of this LUN, from the token's first
    /// block; the blocks written.
    pub fn write_using_token(
        &mut self,
        list_id: u32,
        token: &[u8; 512],
        delete: bool,
        ranges: &[(u64, u32)],
    ) -> Result<u64, DriverError> {
        let (cdb, p) = sbc::offload::write_using_token(list_id, token, 0, delete, ranges);
        self.exec(&cdb, Buf::Out(&p))?;
        Ok(self.rod_info(list_id)?.transfer_count)
    }

    /// The LUN's own designator for EXTENDED COPY target descriptors: the
    /// first NAA designation descriptor of VPD page 83h associated with the
    /// logical unit (header and designator, as the page gives them).
    pub fn lu_designator(&mut self) -> Result<Vec<u8>, DriverError> {
        let page = self.inquiry(true, 0x83)?;
        let mut d = page.get(4..).unwrap_or(&[]);
        while d.len() >= 4 {
            let n = 4 + usize::from(d[3]);
            let Some(one) = d.get(..n) else { break };
            // Association 00b (the logical unit), designator type 3 (NAA).
            if (one[1] >> 4) & 0x03 == 0 && one[1] & 0x0F == 3 {
                return Ok(one.to_vec());
            }
            d = &d[n..];
        }
        Err(malformed(
            "VPD page 83h names no NAA designator of the logical unit".into(),
        ))
    }

    /// What this copy manager takes in one EXTENDED COPY.
    pub fn copy_limits(&mut self) -> Result<sbc::offload::CopyLimits, DriverError> {
        let mut buf = vec![0u8; 64];
        let cdb = sbc::offload::copy_operating_parameters(64);
        let got = 64 - self.exec(&cdb, Buf::In(&mut buf))?;
        buf.truncate(got);
        sbc::offload::parse_copy_limits(&buf).map_err(malformed)
    }

    /// EXTENDED COPY (LID1) of `segments` between the LUNs `designators`
    /// name, this LUN being the copy manager; done when it returns.
    pub fn extended_copy(
        &mut self,
        list_id: u8,
        designators: &[&[u8]],
        segments: &[sbc::offload::Segment],
    ) -> Result<(), DriverError> {
        let (cdb, p) = sbc::offload::extended_copy_lid1(list_id, designators, segments);
        self.exec(&cdb, Buf::Out(&p))?;
        Ok(())
    }

    fn rod_info(&mut self, list_id: u32) -> Result<sbc::offload::RodInfo, DriverError> {
        let mut buf = vec![0u8; 1024];
        let cdb = sbc::offload::receive_rod_token_information(list_id, 1024);
        let got = 1024 - self.exec(&cdb, Buf::In(&mut buf))?;
        buf.truncate(got);
        sbc::offload::parse_rod_info(&buf).map_err(malformed)
    }

    // ---- data path and identification -----------------------------------

    /// TEST UNIT READY: is the LUN there and usable?
    pub fn test_unit_ready(&mut self) -> Result<(), DriverError> {
        self.exec(&Command::TestUnitReady.encode(), Buf::None)
            .map(|_| ())
    }

    /// Standard INQUIRY plus VPD pages 80h and 83h.
    pub fn identity(&mut self) -> Result<Identity, DriverError> {
        let std_data = self.inquiry(false, 0)?;
        let (vendor, product, revision) =
            standard::parse_standard_inquiry(&std_data).map_err(DriverError::Malformed)?;
        let serial = standard::parse_vpd_serial(&self.inquiry(true, standard::VPD_UNIT_SERIAL)?)
            .map_err(DriverError::Malformed)?;
        let (box_id, olu) =
            standard::parse_vpd_device_id(&self.inquiry(true, standard::VPD_DEVICE_ID)?)
                .map_err(DriverError::Malformed)?;
        Ok(Identity {
            vendor,
            product,
            revision,
            serial,
            box_id,
            olu,
        })
    }

    /// READ CAPACITY(16): capacity in blocks.
    pub fn capacity(&mut self) -> Result<u64, DriverError> {
        let mut buf = [0u8; standard::READ_CAPACITY_LEN];
        let cdb = Command::ReadCapacity16 {
            alloc: standard::READ_CAPACITY_LEN as u32,
        }
        .encode();
        let got = buf.len() - self.exec(&cdb, Buf::In(&mut buf))?;
        let (blocks, block_len) =
            standard::parse_read_capacity(&buf[..got]).map_err(DriverError::Malformed)?;
        if u64::from(block_len) != BLOCK {
            return Err(malformed(format!(
                "logical block length {block_len}, expected {BLOCK}"
            )));
        }
        Ok(blocks)
    }

    /// Reads `buf.len()` bytes (whole blocks) from `lba`, in commands of at most
    /// [`Driver::max_transfer`] bytes.
    pub fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), DriverError> {
        let max = self.max_transfer;
        for (at, chunk) in chunks(lba, buf.len(), max)? {
            let (start, len) = chunk;
            let slice = &mut buf[start..start + len];
            let cdb = Command::Read16 {
                lba: at,
                blocks: (len as u64 / BLOCK) as u32,
            }
            .encode();
            if self.exec(&cdb, Buf::In(slice))? != 0 {
                return Err(malformed(format!(
                    "READ(16) at LBA {at} returned short data"
                )));
            }
        }
        Ok(())
    }

    /// Writes `data` (whole blocks) at `lba`, split like [`Driver::read`].
    pub fn write(&mut self, lba: u64, data: &[u8]) -> Result<(), DriverError> {
        let max = self.max_transfer;
        for (at, (start, len)) in chunks(lba, data.len(), max)? {
            let cdb = Command::Write16 {
                lba: at,
                blocks: (len as u64 / BLOCK) as u32,
            }
            .encode();
            if self.exec(&cdb, Buf::Out(&data[start..start + len]))? != 0 {
                return Err(malformed(format!("WRITE(16) at LBA {at} took short data")));
            }
        }
        Ok(())
    }

    /// SYNCHRONIZE CACHE(16) of the whole LUN: what was written is durable.
    pub fn synchronize_cache(&mut self) -> Result<(), DriverError> {
        let cdb = Command::SynchronizeCache16 { lba: 0, blocks: 0 }.encode();
        self.exec(&cdb, Buf::None).map(|_| ())
    }

    // ---- copy sessions ---------------------------------------------------

    pub fn box_info(&mut self) -> Result<BoxIdentity, DriverError> {
        match self.query(InAction::BoxIdentity, 0)? {
            InReply::BoxIdentity(b) => Ok(b),
            other => Err(unexpected(&other)),
        }
    }

    /// START SESSION; the id comes back in the sense INFORMATION field.
    pub fn start(&mut self, req: &StartRequest) -> Result<SessionId, DriverError> {
        let (c, len) = self.send(&OutRequest::Start(req.clone()))?;
        if c.status == CHECK_CONDITION {
            if let Some(id) = Sense::parse(&c.sense)
                .as_ref()
                .and_then(sense::started_session)
            {
                return Ok(id);
            }
        }
        outcome(&c, len)?;
        Err(malformed(
            "START SESSION completed without a session id".into(),
        ))
    }

    pub fn restart(&mut self, req: &RestartRequest) -> Result<(), DriverError> {
        self.out(OutRequest::Restart(req.clone()))
    }

    pub fn suspend(&mut self, ids: &[SessionId], forced: bool) -> Result<(), DriverError> {
        self.out(OutRequest::Suspend {
            ids: ids.to_vec(),
            forced,
        })
    }

    pub fn cancel(&mut self, req: &CancelRequest) -> Result<(), DriverError> {
        self.out(OutRequest::Cancel(*req))
    }

    pub fn reverse(&mut self, id: SessionId) -> Result<(), DriverError> {
        self.out(OutRequest::Reverse(id))
    }

    pub fn change_mode(&mut self, id: SessionId, change: &ModeChange) -> Result<(), DriverError> {
        self.out(OutRequest::ChangeMode(id, *change))
    }

    pub fn start_concurrent(&mut self, ids: &[SessionId]) -> Result<(), DriverError> {
        self.out(OutRequest::StartConcurrent(ids.to_vec()))
    }

    pub fn sessions(&mut self) -> Result<Vec<SessionInfo>, DriverError> {
        match self.query(InAction::Sessions, 0)? {
            InReply::Sessions(s) => Ok(s),
            other => Err(unexpected(&other)),
        }
    }

    /// LUN SESSIONS: the sessions of the LUNs `select` covers on this LUN's box,
    /// in one command (re-issued only if the reply outgrew the allocation). Each
    /// LUN's list is what [`Driver::sessions`] addressed to it returns; a
    /// selected OLU missing from the result is not a LUN of the box.
    pub fn lun_sessions(&mut self, select: LunSelect) -> Result<Vec<LunSessions>, DriverError> {
        let descriptors = match select {
            LunSelect::All => ALL_GUESS,
            LunSelect::Range { count, .. } => usize::from(count) + LIST_GUESS,
        };
        let reply = self.query_with(InAction::LunSessions, descriptors, |alloc| {
            Command::LunSessions { select, alloc }
        })?;
        let InReply::LunSessions(luns) = reply else {
            return Err(unexpected(&reply));
        };
        if let Some(l) = luns.iter().find(|l| !select.contains(l.olu)) {
            return Err(malformed(format!(
                "LUN SESSIONS reply lists OLU {}, outside {select:?}",
                l.olu
            )));
        }
        Ok(luns)
    }

    // ---- Snap Data Volumes and Pool -------------------------------------

    pub fn sdv_stat(&mut self, olu: u32) -> Result<SdvStat, DriverError> {
        match self.query(InAction::SdvStat, olu)? {
            InReply::SdvStat(s) => Ok(s),
            other => Err(unexpected(&other)),
        }
    }

    pub fn sdv_init(&mut self, olu: u32) -> Result<(), DriverError> {
        self.out(OutRequest::SdvInit(olu))
    }

    pub fn pool_stat(&mut self) -> Result<PoolStat, DriverError> {
        match self.query(InAction::PoolStat, 0)? {
            InReply::PoolStat(p) => Ok(p),
            other => Err(unexpected(&other)),
        }
    }

    // ---- REC buffers -----------------------------------------------------

    pub fn rec_buffers(&mut self) -> Result<Vec<RecBufferInfo>, DriverError> {
        match self.query(InAction::RecBuffers, 0)? {
            InReply::RecBuffers(b) => Ok(b),
            other => Err(unexpected(&other)),
        }
    }

    pub fn set_rec_buffer(&mut self, id: u32, usage: BufferUse) -> Result<(), DriverError> {
        self.out(OutRequest::SetRecBuffer(id, usage))
    }

    // ---- update measurement ---------------------------------------------

    pub fn monitor_start(&mut self) -> Result<(), DriverError> {
        self.out(OutRequest::MonitorStart)
    }

    pub fn monitor_status(&mut self) -> Result<MonitorStatus, DriverError> {
        match self.query(InAction::MonitorStatus, 0)? {
            InReply::Monitor(m) => Ok(m),
            other => Err(unexpected(&other)),
        }
    }

    pub fn monitor_stop(&mut self) -> Result<(), DriverError> {
        self.out(OutRequest::MonitorStop)
    }
}

fn malformed(msg: String) -> DriverError {
    DriverError::Malformed(msg)
}

/// `InReply::decode` returns the variant of the action asked for; this is the
/// honest answer should that ever not hold.
fn unexpected(r: &InReply) -> DriverError {
    malformed(format!("unexpected {:?} reply", r.action()))
}

/// One READ/WRITE(16) of a split transfer: (LBA, (offset, length)).
type Chunk = (u64, (usize, usize));

/// (LBA, (offset, length)) of each command of a transfer of `len` bytes. An
/// empty transfer is still one command: a zero TRANSFER LENGTH lets the target
/// check the LBA, as T10 intends.
fn chunks(lba: u64, len: usize, max: usize) -> Result<Vec<Chunk>, DriverError> {
    if !(len as u64).is_multiple_of(BLOCK) {
        return Err(DriverError::Argument(format!(
            "transfer of {len} bytes is not a whole number of {BLOCK}-byte blocks"
        )));
    }
    let max = max.max(BLOCK as usize);
    let mut v = vec![(lba, (0, len.min(max)))];
    let mut start = max;
    while start < len {
        let at = lba
            .checked_add((start as u64) / BLOCK)
            .ok_or_else(|| DriverError::Argument("transfer runs past the last LBA".into()))?;
        v.push((at, (start, (len - start).min(max))));
        start += max;
    }
    Ok(v)
}

/// Maps a completion to its residual or the error it reports.
fn outcome(c: &Completion, buf_len: usize) -> Result<usize, DriverError> {
    match c.status {
        GOOD => {}
        CHECK_CONDITION => {
            let s = Sense::parse(&c.sense).ok_or_else(|| {
                malformed(format!(
                    "CHECK CONDITION with unreadable sense {:02x?}",
                    c.sense
                ))
            })?;
            // RECOVERED ERROR: the command completed; the sense is only a report.
            if s.key != sense::RECOVERED_ERROR {
                return Err(match sense::error_for(&s) {
                    Some(e) => DriverError::Refused(e),
                    None => DriverError::UnknownSense {
                        key: s.key,
                        asc: s.asc,
                        ascq: s.ascq,
                    },
                });
            }
        }
        other => {
            return Err(DriverError::Transport(TransportError::Target(format!(
                "SCSI status {other:02x}h ({})",
                status_name(other)
            ))))
        }
    }
    if c.residual > buf_len {
        return Err(malformed(format!(
            "residual {} exceeds the {buf_len}-byte buffer",
            c.residual
        )));
    }
    Ok(c.residual)
}

fn status_name(status: u8) -> &'static str {
    match status {
        0x04 => "CONDITION MET",
        0x08 => "BUSY",
        0x18 => "RESERVATION CONFLICT",
        0x28 => "TASK SET FULL",
        0x30 => "ACA ACTIVE",
        0x40 => "TASK ABORTED",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunking() {
        assert_eq!(chunks(5, 0, 1024).ok(), Some(vec![(5, (0, 0))]));
        assert_eq!(
            chunks(5, 2560, 1024).ok(),
            Some(vec![(5, (0, 1024)), (7, (1024, 1024)), (9, (2048, 512))])
        );
        assert!(matches!(
            chunks(0, 100, 1024),
            Err(DriverError::Argument(_))
        ));
        assert!(matches!(
            chunks(u64::MAX, 2048, 1024),
            Err(DriverError::Argument(_))
        ));
        assert!(chunks(u64::MAX, 1024, 1024).is_ok());
    }

    #[test]
    fn outcome_mapping() {
        let good = Completion::good(3);
        assert_eq!(outcome(&good, 10).ok(), Some(3));
        assert!(matches!(outcome(&good, 2), Err(DriverError::Malformed(_))));
        let refused = Completion {
            status: CHECK_CONDITION,
            sense: sense::sense_for(&CopyError::WrongPhase).to_fixed().to_vec(),
            residual: 0,
        };
        assert_eq!(
            outcome(&refused, 0).unwrap_err().copy_error(),
            Some(&CopyError::WrongPhase)
        );
        let ua = Completion {
            status: CHECK_CONDITION,
            sense: Sense::new(sense::UNIT_ATTENTION, 0x29, 0)
                .to_fixed()
                .to_vec(),
            residual: 0,
        };
        assert!(matches!(
            outcome(&ua, 0),
            Err(DriverError::UnknownSense {
                key: 6,
                asc: 0x29,
                ascq: 0
            })
        ));
        let busy = Completion {
            status: 0x08,
            sense: vec![],
            residual: 0,
        };
        assert!(matches!(
            outcome(&busy, 0),
            Err(DriverError::Transport(TransportError::Target(_)))
        ));
        let junk = Completion {
            status: CHECK_CONDITION,
            sense: vec![1, 2],
            residual: 0,
        };
        assert!(matches!(outcome(&junk, 0), Err(DriverError::Malformed(_))));
    }

    #[test]
    fn max_transfer_is_clamped() {
        struct Never;
        impl Transport for Never {
            fn execute(
                &mut self,
                _: &[u8],
                _: Data<'_>,
                t: Duration,
            ) -> Result<Completion, TransportError> {
                Err(TransportError::Timeout(t))
            }
        }
        let mut d = Driver::new(Never);
        d.set_max_transfer(0);
        assert_eq!(d.max_transfer(), 512);
        d.set_max_transfer(1000);
        assert_eq!(d.max_transfer(), 512);
        d.set_max_transfer(MAX_TRANSFER);
        assert_eq!(d.max_transfer(), MAX_TRANSFER);
        assert!(matches!(
            d.test_unit_ready(),
            Err(DriverError::Transport(TransportError::Timeout(_)))
        ));
    }
}

/// The standard copy offload a LUN offers ([`Driver::offload_offers`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OffloadOffers {
    /// Point-in-time ROD tokens: POPULATE TOKEN and WRITE USING TOKEN.
    pub tokens: bool,
    /// EXTENDED COPY (LID1).
    pub extended_copy: bool,
}
