//! The target side: one CDB in, one [`Completion`] out.
//!
//! [`serve`] is what a device server does with a command: validate the CDB and
//! the data phase, call the [`CopyTarget`], encode the result. Every malformed
//! input becomes CHECK CONDITION with the sense of the matching [`CopyError`];
//! nothing here can panic, whatever the bytes (see the fuzz tests).

use crate::cdb::{Command, INQUIRY_LENGTH_FIELD, LENGTH_FIELD};
use crate::model::{CopyError, CopyTarget, BLOCK};
use crate::sense::{self, Sense};
use crate::standard;
use crate::transport::{Completion, Data, CHECK_CONDITION};
use crate::wire::{DecodeError, InAction, InReply, OutRequest};

/// Executes one command against `target`.
///
/// Data-phase rules (the CDB is the truth, the buffer must agree with it):
/// - Data-In commands need a `Data::In` buffer exactly as long as the
///   allocation / transfer length (zero length may also come as `Data::None`);
///   otherwise INVALID FIELD IN CDB pointing at the length field.
/// - Data-Out commands need `Data::Out` exactly as long as the parameter list /
///   transfer length; otherwise PARAMETER LIST LENGTH ERROR (WRITE: INVALID
///   FIELD IN CDB at the transfer length).
/// - Returned data longer than the allocation length is truncated without error
///   and `residual` counts the buffer bytes not filled, as SCSI does.
pub fn serve<T: CopyTarget + ?Sized>(target: &mut T, cdb: &[u8], data: Data<'_>) -> Completion {
    let buf_len = match &data {
        Data::None => 0,
        Data::Out(b) => b.len(),
        Data::In(b) => b.len(),
    };
    match execute(target, cdb, data) {
        Ok(c) => c,
        Err(e) => check_condition(sense::sense_for(&e), buf_len),
    }
}

fn check_condition(sense: Sense, residual: usize) -> Completion {
    Completion {
        status: CHECK_CONDITION,
        sense: sense.to_fixed().to_vec(),
        residual,
    }
}

/// The Data-In buffer, which must be exactly `len` bytes.
fn data_in(data: Data<'_>, len: u64, field: u16) -> Result<&mut [u8], CopyError> {
    match data {
        Data::In(b) if b.len() as u64 == len => Ok(b),
        Data::None if len == 0 => Ok(&mut []),
        Data::Out(b) if b.is_empty() && len == 0 => Ok(&mut []),
        _ => Err(CopyError::InvalidCdbField(field)),
    }
}

/// The Data-Out buffer, which must be exactly `len` bytes.
fn data_out(data: Data<'_>, len: u64, err: CopyError) -> Result<&[u8], CopyError> {
    match data {
        Data::Out(b) if b.len() as u64 == len => Ok(b),
        Data::None if len == 0 => Ok(&[]),
        Data::In(b) if b.is_empty() && len == 0 => Ok(&[]),
        _ => Err(err),
    }
}

/// Copies as much of `reply` as fits; the rest is truncated, not an error.
fn reply(buf: &mut [u8], reply: &[u8]) -> Completion {
    let n = buf.len().min(reply.len());
    buf[..n].copy_from_slice(&reply[..n]);
    Completion::good(buf.len() - n)
}

fn param_error(e: DecodeError) -> CopyError {
    match e {
        DecodeError::Length => CopyError::ParameterLength,
        DecodeError::Field(at) => {
            CopyError::InvalidParameter(u16::try_from(at).unwrap_or(u16::MAX))
        }
    }
}

/// Bytes moved by a READ/WRITE(16) of `blocks`, checking the LBA range against
/// `u64` overflow (the target checks it against its capacity).
fn transfer_bytes(lba: u64, blocks: u32) -> Result<u64, CopyError> {
    lba.checked_add(u64::from(blocks))
        .ok_or(CopyError::LbaOutOfRange)?;
    Ok(u64::from(blocks) * BLOCK)
}

fn execute<T: CopyTarget + ?Sized>(
    target: &mut T,
    cdb: &[u8],
    data: Data<'_>,
) -> Result<Completion, CopyError> {
    match Command::parse(cdb)? {
        Command::TestUnitReady => {
            data_out(data, 0, CopyError::InvalidCdbField(0))?;
            // A LUN that cannot say its capacity is not ready for anything.
            target.capacity()?;
            Ok(Completion::good(0))
        }
        Command::Inquiry { evpd, page, alloc } => {
            let buf = data_in(data, u64::from(alloc), INQUIRY_LENGTH_FIELD)?;
            let bytes = match (evpd, page) {
                (false, _) => standard::standard_inquiry(&target.identity()?),
                (true, standard::VPD_SUPPORTED_PAGES) => standard::vpd_supported_pages(),
                (true, standard::VPD_UNIT_SERIAL) => standard::vpd_serial(&target.identity()?),
                (true, standard::VPD_DEVICE_ID) => standard::vpd_device_id(&target.identity()?),
                (true, _) => return Err(CopyError::InvalidCdbField(2)),
            };
            Ok(reply(buf, &bytes))
        }
        Command::ReadCapacity16 { alloc } => {
            let buf = data_in(data, u64::from(alloc), LENGTH_FIELD)?;
            Ok(reply(
                buf,
                &standard::read_capacity_data(target.capacity()?),
            ))
        }
        Command::Read16 { lba, blocks } => {
            let len = transfer_bytes(lba, blocks)?;
            let buf = data_in(data, len, LENGTH_FIELD)?;
            target.read(lba, buf)?;
            Ok(Completion::good(0))
        }
        Command::Write16 { lba, blocks } => {
            let len = transfer_bytes(lba, blocks)?;
            let buf = data_out(data, len, CopyError::InvalidCdbField(LENGTH_FIELD))?;
            target.write(lba, buf)?;
            Ok(Completion::good(0))
        }
        Command::SynchronizeCache16 { .. } => {
            data_out(data, 0, CopyError::InvalidCdbField(0))?;
            target.synchronize()?;
            Ok(Completion::good(0))
        }
        Command::CopyOut { action, param_len } => {
            let params = data_out(data, u64::from(param_len), CopyError::ParameterLength)?;
            match OutRequest::decode(action, params).map_err(param_error)? {
                OutRequest::Start(r) => {
                    let id = target.start(&r)?;
                    // Data-Out cannot return the id; the sense carries it (see
                    // `sense::session_started`).
                    return Ok(check_condition(sense::session_started(id), 0));
                }
                OutRequest::Restart(r) => target.restart(&r)?,
                OutRequest::Suspend { ids, forced } => target.suspend(&ids, forced)?,
                OutRequest::Cancel(r) => target.cancel(&r)?,
                OutRequest::Reverse(id) => target.reverse(id)?,
                OutRequest::ChangeMode(id, c) => target.change_mode(id, &c)?,
                OutRequest::StartConcurrent(ids) => target.start_concurrent(&ids)?,
                OutRequest::SetRecBuffer(id, usage) => target.set_rec_buffer(id, usage)?,
                OutRequest::SdvInit(olu) => target.sdv_init(olu)?,
                OutRequest::MonitorStart => target.monitor_start()?,
                OutRequest::MonitorStop => target.monitor_stop()?,
            }
            Ok(Completion::good(0))
        }
        Command::CopyIn {
            action,
            object,
            alloc,
        } => {
            let buf = data_in(data, u64::from(alloc), LENGTH_FIELD)?;
            let r = match action {
                InAction::Sessions => InReply::Sessions(target.sessions()?),
                InAction::BoxIdentity => InReply::BoxIdentity(target.box_info()?),
                InAction::SdvStat => InReply::SdvStat(target.sdv_stat(object)?),
                InAction::PoolStat => InReply::PoolStat(target.pool_stat()?),
                InAction::RecBuffers => InReply::RecBuffers(target.rec_buffers()?),
                InAction::MonitorStatus => InReply::Monitor(target.monitor_status()?),
                // `Command::parse` makes LUN SESSIONS a `Command::LunSessions`.
                InAction::LunSessions => return Err(CopyError::InvalidCdbField(1)),
            };
            Ok(reply(buf, &r.encode()))
        }
        Command::LunSessions { select, alloc } => {
            let buf = data_in(data, u64::from(alloc), LENGTH_FIELD)?;
            let r = InReply::LunSessions(target.lun_sessions(select)?);
            Ok(reply(buf, &r.encode()))
        }
    }
}
