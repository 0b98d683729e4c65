//! The simulated array as a SCSI target.
//!
//! [`SimTransport`] is the in-process transport: each command opens the array,
//! lets `acm_scsi::target::serve` decode the CDB into a call on [`LunTarget`]
//! (the addressed LUN of a box), and commits what the command changed. The driver
//! talks to it through the same bytes it would send over `SG_IO`.

use crate::array::{bid_of, Array, Bid, SimError};
use crate::state::*;
use acm_scsi::model::{self as m, CopyError, CopyTarget};
use acm_scsi::transport::{Completion, Data, Nexus, Transport, TransportError, GOOD};
use std::path::PathBuf;
use std::time::Duration;

/// One LUN of one box, as a target answers for it.
pub struct LunTarget<'a> {
    pub array: &'a mut Array,
    pub bid: Bid,
    pub olu: u32,
}

impl LunTarget<'_> {
    fn lun(&self) -> Result<&Lun, CopyError> {
        self.array.lun(&self.bid, self.olu)
    }

    fn sectors(&self, grains: u64) -> u64 {
        grains * self.array.grain(&self.bid) / m::BLOCK
    }

    fn check_range(&self, lba: u64, len: usize) -> Result<(), CopyError> {
        let size = self.lun()?.size_bytes;
        let off = lba.checked_mul(m::BLOCK).ok_or(CopyError::LbaOutOfRange)?;
        if off.checked_add(len as u64).is_none_or(|e| e > size) {
            return Err(CopyError::LbaOutOfRange);
        }
        Ok(())
    }

    fn sdv(&self, olu: u32) -> Result<&Sdv, CopyError> {
        match &self.array.lun(&self.bid, olu)?.kind {
            LunKind::Sdv(s) => Ok(s),
            _ => Err(CopyError::NotSupported),
        }
    }

    fn involves_this_box(&self, e: &m::Extent) -> bool {
        e.box_id.0 == self.bid
    }
}

impl CopyTarget for LunTarget<'_> {
    fn identity(&mut self) -> Result<m::Identity, CopyError> {
        self.lun()?;
        let id = m::BoxId(self.bid);
        Ok(m::Identity {
            vendor: "FUJITSU".into(),
            product: "ETERNUS_DXL".into(),
            revision: "1000".into(),
            serial: format!("{}{:04X}", &id.as_str()[28..34], self.olu),
            box_id: id,
            olu: self.olu,
        })
    }

    fn capacity(&mut self) -> Result<u64, CopyError> {
        Ok(self.lun()?.size_bytes / m::BLOCK)
    }

    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), CopyError> {
        self.check_range(lba, buf.len())?;
        self.array
            .read_view(&self.bid, self.olu, lba * m::BLOCK, buf)
    }

    fn write(&mut self, lba: u64, data: &[u8]) -> Result<(), CopyError> {
        self.check_range(lba, data.len())?;
        self.array
            .write_view(&self.bid, self.olu, lba * m::BLOCK, data, None)
    }

    fn synchronize(&mut self) -> Result<(), CopyError> {
        self.lun()?;
        self.array.synchronize(&self.bid, self.olu)
    }

    fn box_info(&mut self) -> Result<m::BoxIdentity, CopyError> {
        let kind = &self.lun()?.kind;
        Ok(m::BoxIdentity {
            box_id: m::BoxId(self.bid),
            grain_bytes: self.array.grain(&self.bid),
            olu: self.olu,
            sdv: matches!(kind, LunKind::Sdv(_)),
            access_volume: matches!(kind, LunKind::Access),
        })
    }

    fn start(&mut self, req: &m::StartRequest) -> Result<m::SessionId, CopyError> {
        self.lun()?;
        if !self.involves_this_box(&req.src) && !self.involves_this_box(&req.dst) {
            return Err(CopyError::InvalidParameter(0));
        }
        self.array.start(&self.bid, req)
    }

    fn restart(&mut self, req: &m::RestartRequest) -> Result<(), CopyError> {
        self.array.restart(&self.bid, req)
    }

    fn suspend(&mut self, ids: &[m::SessionId], forced: bool) -> Result<(), CopyError> {
        self.array.suspend(&self.bid, ids, forced)
    }

    fn cancel(&mut self, req: &m::CancelRequest) -> Result<(), CopyError> {
        self.array.cancel(&self.bid, req)
    }

    fn reverse(&mut self, id: m::SessionId) -> Result<(), CopyError> {
        self.array.reverse(&self.bid, id)
    }

    fn change_mode(&mut self, id: m::SessionId, change: &m::ModeChange) -> Result<(), CopyError> {
        self.array.change_mode(&self.bid, id, change)
    }

    fn start_concurrent(&mut self, ids: &[m::SessionId]) -> Result<(), CopyError> {
        self.array.start_concurrent(&self.bid, ids)
    }

    fn sessions(&mut self) -> Result<Vec<m::SessionInfo>, CopyError> {
        self.array.session_infos(&self.bid, self.olu)
    }

    /// The addressed LUN only names the box, as a path to any LUN of it would.
    fn lun_sessions(&mut self, select: m::LunSelect) -> Result<Vec<m::LunSessions>, CopyError> {
        self.array.lun_session_infos(&self.bid, select)
    }

    fn sdv_stat(&mut self, olu: u32) -> Result<m::SdvStat, CopyError> {
        let grain = self.array.grain(&self.bid);
        let size = self.array.lun(&self.bid, olu)?.size_bytes;
        let s = self.sdv(olu)?.clone();
        Ok(m::SdvStat {
            logical: size / m::BLOCK,
            physical: s.physical_bytes / m::BLOCK,
            used: self.sectors(s.allocated.count()),
            copy: self.sectors(s.copy_grains),
            host: self.sectors(s.host_grains),
            pool: self.sectors(s.pool_grains(grain)),
        })
    }

    fn sdv_init(&mut self, olu: u32) -> Result<(), CopyError> {
        self.sdv(olu)?;
        let size = self.array.lun(&self.bid, olu)?.size_bytes;
        if !self.array.touching(&self.bid, olu, 0, size).is_empty() {
            return Err(CopyError::WrongPhase);
        }
        self.array.sdv_reset(&self.bid, olu)
    }

    fn pool_stat(&mut self) -> Result<m::PoolStat, CopyError> {
        let grain = self.array.grain(&self.bid);
        let st = self.array.st(&self.bid)?;
        let (mut copy, mut host) = (0, 0);
        for l in st.luns.values() {
            if let LunKind::Sdv(s) = &l.kind {
                // Pool grains are those beyond the volume's own capacity; charge them
                // to copy first, as copies are what overflow volumes in practice.
                let p = s.pool_grains(grain);
                let c = p.min(s.copy_grains);
                copy += c;
                host += p - c;
            }
        }
        let total = st.pool.capacity_bytes / m::BLOCK;
        let used = self.sectors(copy + host);
        Ok(m::PoolStat {
            encrypted: st.pool.encrypted,
            total,
            used,
            copy: self.sectors(copy),
            host: self.sectors(host),
            free: total.saturating_sub(used),
        })
    }

    fn rec_buffers(&mut self) -> Result<Vec<m::RecBufferInfo>, CopyError> {
        self.array.rec_buffer_infos(&self.bid)
    }

    fn set_rec_buffer(&mut self, id: u32, usage: m::BufferUse) -> Result<(), CopyError> {
        self.array.set_rec_buffer(&self.bid, id, usage.into())
    }

    fn monitor_start(&mut self) -> Result<(), CopyError> {
        self.lun()?;
        let olu = self.olu;
        let hw = self.array.st(&self.bid)?.faults.hardware.contains(&olu);
        let st = self.array.state_mut(&self.bid)?;
        if st.monitors.contains_key(&olu) {
            return Err(CopyError::MonitorExists);
        }
        st.monitors.insert(olu, (!hw).then_some(0));
        Ok(())
    }

    fn monitor_status(&mut self) -> Result<m::MonitorStatus, CopyError> {
        self.lun()?;
        Ok(match self.array.st(&self.bid)?.monitors.get(&self.olu) {
            None => m::MonitorStatus::None,
            Some(Some(n)) => m::MonitorStatus::Counting(*n),
            Some(None) => m::MonitorStatus::Failed,
        })
    }

    fn monitor_stop(&mut self) -> Result<(), CopyError> {
        self.lun()?;
        let olu = self.olu;
        self.array
            .state_mut(&self.bid)?
            .monitors
            .remove(&olu)
            .map(|_| ())
            .ok_or(CopyError::NoMonitor)
    }
}

/// The in-process transport to one LUN of a simulated box.
#[derive(Debug, Clone)]
pub struct SimTransport {
    home: PathBuf,
    /// Box name or 40-character box identifier.
    target: String,
    olu: u32,
}

impl SimTransport {
    /// A path to LUN `olu` of the box named (or identified) `target` under `home`.
    pub fn new(home: impl Into<PathBuf>, target: &str, olu: u32) -> SimTransport {
        SimTransport {
            home: home.into(),
            target: target.to_string(),
            olu,
        }
    }

    /// The same, under the configured `ACMSIM_HOME`.
    pub fn from_env(target: &str, olu: u32) -> SimTransport {
        SimTransport::new(acm_core::paths::sim_home(), target, olu)
    }
}

/// Runs one CDB on LUN `olu` of the box named (or identified) `target`; says
/// whether the command completed (GOOD, or RECOVERED ERROR, which reports a
/// value such as a new session id), so the caller commits only then: a refused
/// command leaves no trace.
pub(crate) fn execute_on(
    array: &mut Array,
    units: &mut crate::lu::Units,
    nexus: &Nexus,
    target: &str,
    olu: u32,
    cdb: &[u8],
    data: Data<'_>,
) -> Result<(Completion, bool), SimError> {
    let bid = match bid_of(target) {
        Ok(b) if array.state(&b).is_some() => b,
        _ => array.bid_by_name(target)?,
    };
    let completion = crate::lu::execute(array, units, nexus, &bid, olu, cdb, data);
    let completed = completion.status == GOOD
        || acm_scsi::sense::Sense::parse(&completion.sense)
            .is_some_and(|s| s.key == acm_scsi::sense::RECOVERED_ERROR);
    Ok((completion, completed))
}

impl Transport for SimTransport {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        _timeout: Duration,
    ) -> Result<Completion, TransportError> {
        let target_err = |e: SimError| TransportError::Target(e.to_string());
        let mut array = Array::open(&self.home).map_err(target_err)?;
        // In process, every command is its own power cycle: no nexus state.
        let (completion, completed) = execute_on(
            &mut array,
            &mut crate::lu::Units::new(),
            &Nexus::local(),
            &self.target,
            self.olu,
            cdb,
            data,
        )
        .map_err(target_err)?;
        if completed {
            array.commit().map_err(target_err)?;
        }
        Ok(completion)
    }
}
