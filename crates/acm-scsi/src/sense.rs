//! Sense data: the fixed format the target sends, both formats the driver reads,
//! and the table between [`CopyError`] and sense key / ASC / ASCQ.
//!
//! The table is what lets a refusal cross SCSI intact: the target turns the
//! error into a triple, the driver turns the triple back into the same error.

use crate::model::{CopyError, SessionId};

pub const NO_SENSE: u8 = 0x00;
pub const RECOVERED_ERROR: u8 = 0x01;
pub const NOT_READY: u8 = 0x02;
pub const MEDIUM_ERROR: u8 = 0x03;
pub const HARDWARE_ERROR: u8 = 0x04;
pub const ILLEGAL_REQUEST: u8 = 0x05;
pub const UNIT_ATTENTION: u8 = 0x06;
pub const DATA_PROTECT: u8 = 0x07;
pub const COPY_ABORTED: u8 = 0x0A;
pub const ABORTED_COMMAND: u8 = 0x0B;

/// Length of the fixed-format sense data this crate sends.
pub const FIXED_LEN: usize = 18;

/// Vendor ASC of the START SESSION completion that carries the new session id.
pub const ASC_SESSION_STARTED: u8 = 0xA0;

/// Sense-key-specific field pointer (bytes 15-17 of fixed sense data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldPointer {
    /// C/D: the byte is in the CDB (`true`) or in the parameter list.
    pub in_cdb: bool,
    /// Bit within the byte, if the target names one (BPV).
    pub bit: Option<u8>,
    pub byte: u16,
}

/// The parts of sense data this crate uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sense {
    pub key: u8,
    pub asc: u8,
    pub ascq: u8,
    /// INFORMATION (an LBA or a session id), if valid.
    pub information: Option<u64>,
    pub field_pointer: Option<FieldPointer>,
}

impl Sense {
    pub fn new(key: u8, asc: u8, ascq: u8) -> Sense {
        Sense {
            key,
            asc,
            ascq,
            information: None,
            field_pointer: None,
        }
    }

    /// Fixed-format sense data (response code 70h, current error), 18 bytes.
    ///
    /// The 4-byte INFORMATION field holds bits 31-0 of the information and
    /// COMMAND-SPECIFIC INFORMATION bits 63-32, so a 64-bit LBA fits without
    /// descriptor format; VALID is set only when bits 63-32 are zero, which keeps
    /// a plain T10 reader from taking a truncated LBA for the whole one.
    pub fn to_fixed(&self) -> [u8; FIXED_LEN] {
        let mut b = [0u8; FIXED_LEN];
        b[0] = 0x70;
        b[2] = self.key & 0x0F;
        b[7] = (FIXED_LEN - 8) as u8;
        if let Some(info) = self.information {
            if info <= u64::from(u32::MAX) {
                b[0] |= 0x80;
            }
            b[3..7].copy_from_slice(&(info as u32).to_be_bytes());
            b[8..12].copy_from_slice(&((info >> 32) as u32).to_be_bytes());
        }
        b[12] = self.asc;
        b[13] = self.ascq;
        if let Some(fp) = self.field_pointer {
            b[15] = 0x80 | if fp.in_cdb { 0x40 } else { 0 };
            if let Some(bit) = fp.bit {
                b[15] |= 0x08 | (bit & 0x07);
            }
            b[16..18].copy_from_slice(&fp.byte.to_be_bytes());
        }
        b
    }

    /// Reads fixed (70h/71h) or descriptor (72h/73h) sense data; `None` if the
    /// bytes are not sense data at all. Real devices may send either format.
    pub fn parse(bytes: &[u8]) -> Option<Sense> {
        match bytes.first()? & 0x7F {
            0x70 | 0x71 => Some(Self::parse_fixed(bytes)),
            0x72 | 0x73 => Self::parse_descriptor(bytes),
            _ => None,
        }
        .filter(|_| bytes.len() >= 3)
    }

    fn parse_fixed(bytes: &[u8]) -> Sense {
        // Honour ADDITIONAL SENSE LENGTH: bytes beyond it are not sense data.
        let len = bytes
            .get(7)
            .map_or(bytes.len(), |&a| bytes.len().min(8 + a as usize));
        let b = |i: usize| if i < len { bytes[i] } else { 0 };
        let be32 = |i: usize| u32::from_be_bytes([b(i), b(i + 1), b(i + 2), b(i + 3)]);
        let valid = b(0) & 0x80 != 0;
        let low = u64::from(be32(3));
        let high = u64::from(be32(8));
        Sense {
            key: b(2) & 0x0F,
            asc: b(12),
            ascq: b(13),
            information: (valid || high != 0).then_some(high << 32 | low),
            field_pointer: field_pointer([b(15), b(16), b(17)]),
        }
    }

    fn parse_descriptor(bytes: &[u8]) -> Option<Sense> {
        let mut s = Sense::new(*bytes.get(1)? & 0x0F, *bytes.get(2)?, *bytes.get(3)?);
        let end = bytes.get(7).map_or(8, |&a| 8 + a as usize).min(bytes.len());
        let mut at = 8;
        while at + 2 <= end {
            let kind = bytes[at];
            let next = at + 2 + bytes[at + 1] as usize;
            let d = bytes.get(at..next.min(end))?;
            match kind {
                // Information descriptor: VALID bit, then an 8-byte INFORMATION.
                0x00 if d.len() >= 12 && d[2] & 0x80 != 0 => {
                    s.information = Some(u64::from_be_bytes(d[4..12].try_into().ok()?));
                }
                // Sense key specific descriptor.
                0x02 if d.len() >= 7 => s.field_pointer = field_pointer([d[4], d[5], d[6]]),
                _ => {}
            }
            at = next;
        }
        Some(s)
    }
}

fn field_pointer(sks: [u8; 3]) -> Option<FieldPointer> {
    (sks[0] & 0x80 != 0).then(|| FieldPointer {
        in_cdb: sks[0] & 0x40 != 0,
        bit: (sks[0] & 0x08 != 0).then_some(sks[0] & 0x07),
        byte: u16::from_be_bytes([sks[1], sks[2]]),
    })
}

/// (key, ASC, ASCQ) of every variant without a payload. Decoding searches this
/// table; the payload variants are handled around it.
const TABLE: &[(CopyError, u8, u8, u8)] = &[
    (CopyError::ParameterLength, ILLEGAL_REQUEST, 0x1A, 0x00),
    (CopyError::InvalidOpcode, ILLEGAL_REQUEST, 0x20, 0x00),
    (CopyError::AccessDenied, ILLEGAL_REQUEST, 0x20, 0x02),
    (CopyError::LbaOutOfRange, ILLEGAL_REQUEST, 0x21, 0x00),
    (CopyError::NoSuchLun, ILLEGAL_REQUEST, 0x25, 0x00),
    (CopyError::NoSuchBox, ILLEGAL_REQUEST, 0x80, 0x00),
    (CopyError::NoSuchSession, ILLEGAL_REQUEST, 0x81, 0x00),
    (CopyError::SessionLimit, ILLEGAL_REQUEST, 0x82, 0x00),
    (CopyError::LunSessionLimit, ILLEGAL_REQUEST, 0x82, 0x01),
    (CopyError::WrongPhase, ILLEGAL_REQUEST, 0x83, 0x00),
    (CopyError::ExtentConflict, ILLEGAL_REQUEST, 0x84, 0x00),
    (CopyError::ExtentSize, ILLEGAL_REQUEST, 0x84, 0x01),
    (CopyError::NotSupported, ILLEGAL_REQUEST, 0x85, 0x00),
    (CopyError::NotOldestGeneration, ILLEGAL_REQUEST, 0x86, 0x00),
    (CopyError::BufferInUse, ILLEGAL_REQUEST, 0x87, 0x00),
    (CopyError::MonitorExists, ILLEGAL_REQUEST, 0x88, 0x00),
    (CopyError::NoMonitor, ILLEGAL_REQUEST, 0x88, 0x01),
    (CopyError::HardwareError, HARDWARE_ERROR, 0x44, 0x00),
    (CopyError::WriteProtected, DATA_PROTECT, 0x27, 0x00),
    (CopyError::CapacityExhausted, DATA_PROTECT, 0x27, 0x07),
    (CopyError::PathFailure, COPY_ABORTED, 0x90, 0x00),
    (CopyError::Unobtainable, ABORTED_COMMAND, 0x91, 0x00),
    (CopyError::Timeout, ABORTED_COMMAND, 0x2E, 0x02),
    // LOGICAL UNIT NOT READY, MANUAL INTERVENTION REQUIRED: an operator
    // starts the drives (Eco-mode); IN PROCESS OF BECOMING READY meanwhile.
    (CopyError::DrivesStopped, NOT_READY, 0x04, 0x03),
    (CopyError::DrivesStarting, NOT_READY, 0x04, 0x01),
];

/// The sense data the target sends for `err`.
pub fn sense_for(err: &CopyError) -> Sense {
    match *err {
        CopyError::InvalidCdbField(byte) => Sense {
            field_pointer: Some(FieldPointer {
                in_cdb: true,
                bit: None,
                byte,
            }),
            ..Sense::new(ILLEGAL_REQUEST, 0x24, 0x00)
        },
        CopyError::InvalidParameter(byte) => Sense {
            field_pointer: Some(FieldPointer {
                in_cdb: false,
                bit: None,
                byte,
            }),
            ..Sense::new(ILLEGAL_REQUEST, 0x26, 0x00)
        },
        CopyError::BadSector(lba) => Sense {
            information: Some(lba),
            ..Sense::new(MEDIUM_ERROR, 0x11, 0x00)
        },
        _ => TABLE
            .iter()
            .find(|(e, ..)| e == err)
            .map(|&(_, k, asc, ascq)| Sense::new(k, asc, ascq))
            // Unreachable while TABLE is complete (tested per variant); a hardware
            // error is the honest answer if it ever is not.
            .unwrap_or(Sense::new(HARDWARE_ERROR, 0x44, 0x00)),
    }
}

/// The error `sense` stands for, if the table knows it. A triple that needs a
/// payload (field pointer, LBA) is only known when the payload is present.
pub fn error_for(sense: &Sense) -> Option<CopyError> {
    match (sense.key, sense.asc, sense.ascq) {
        (ILLEGAL_REQUEST, 0x24, 0x00) => match sense.field_pointer {
            Some(fp) if fp.in_cdb => Some(CopyError::InvalidCdbField(fp.byte)),
            _ => None,
        },
        (ILLEGAL_REQUEST, 0x26, 0x00) => match sense.field_pointer {
            Some(fp) if !fp.in_cdb => Some(CopyError::InvalidParameter(fp.byte)),
            _ => None,
        },
        (MEDIUM_ERROR, 0x11, 0x00) => sense.information.map(CopyError::BadSector),
        (k, asc, ascq) => TABLE
            .iter()
            .find(|&&(_, tk, ta, tq)| (tk, ta, tq) == (k, asc, ascq))
            .map(|(e, ..)| e.clone()),
    }
}

/// The successful completion of START SESSION: CHECK CONDITION with RECOVERED
/// ERROR and the new id in INFORMATION. A Data-Out command has no other way to
/// return a value, and RECOVERED ERROR is the sense key T10 uses for "completed,
/// here is something to report" (as ATA PASS-THROUGH does).
pub fn session_started(id: SessionId) -> Sense {
    Sense {
        information: Some(u64::from(id)),
        ..Sense::new(RECOVERED_ERROR, ASC_SESSION_STARTED, 0x00)
    }
}

/// The session id of a [`session_started`] sense.
pub fn started_session(sense: &Sense) -> Option<SessionId> {
    if (sense.key, sense.asc, sense.ascq) != (RECOVERED_ERROR, ASC_SESSION_STARTED, 0) {
        return None;
    }
    sense.information.and_then(|i| SessionId::try_from(i).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One round trip per variant, through the 18 bytes the target really sends.
    macro_rules! round_trip {
        ($($name:ident: $err:expr => ($k:expr, $asc:expr, $ascq:expr);)+) => {$(
            #[test]
            fn $name() {
                let err = $err;
                let s = sense_for(&err);
                assert_eq!((s.key, s.asc, s.ascq), ($k, $asc, $ascq));
                let bytes = s.to_fixed();
                assert_eq!(bytes[0] & 0x7F, 0x70);
                assert_eq!((bytes[2], bytes[12], bytes[13]), ($k, $asc, $ascq));
                let parsed = Sense::parse(&bytes).expect("parses");
                assert_eq!(error_for(&parsed), Some(err));
            }
        )+};
    }

    round_trip! {
        invalid_cdb_field: CopyError::InvalidCdbField(10) => (0x05, 0x24, 0x00);
        invalid_cdb_field_max: CopyError::InvalidCdbField(u16::MAX) => (0x05, 0x24, 0x00);
        invalid_parameter: CopyError::InvalidParameter(17) => (0x05, 0x26, 0x00);
        invalid_parameter_zero: CopyError::InvalidParameter(0) => (0x05, 0x26, 0x00);
        parameter_length: CopyError::ParameterLength => (0x05, 0x1A, 0x00);
        invalid_opcode: CopyError::InvalidOpcode => (0x05, 0x20, 0x00);
        lba_out_of_range: CopyError::LbaOutOfRange => (0x05, 0x21, 0x00);
        no_such_lun: CopyError::NoSuchLun => (0x05, 0x25, 0x00);
        no_such_box: CopyError::NoSuchBox => (0x05, 0x80, 0x00);
        no_such_session: CopyError::NoSuchSession => (0x05, 0x81, 0x00);
        session_limit: CopyError::SessionLimit => (0x05, 0x82, 0x00);
        lun_session_limit: CopyError::LunSessionLimit => (0x05, 0x82, 0x01);
        wrong_phase: CopyError::WrongPhase => (0x05, 0x83, 0x00);
        extent_conflict: CopyError::ExtentConflict => (0x05, 0x84, 0x00);
        extent_size: CopyError::ExtentSize => (0x05, 0x84, 0x01);
        not_supported: CopyError::NotSupported => (0x05, 0x85, 0x00);
        path_failure: CopyError::PathFailure => (0x0A, 0x90, 0x00);
        hardware_error: CopyError::HardwareError => (0x04, 0x44, 0x00);
        bad_sector_zero: CopyError::BadSector(0) => (0x03, 0x11, 0x00);
        bad_sector_32: CopyError::BadSector(0xFFFF_FFFF) => (0x03, 0x11, 0x00);
        bad_sector_64: CopyError::BadSector(0x1_0000_0000) => (0x03, 0x11, 0x00);
        bad_sector_max: CopyError::BadSector(u64::MAX) => (0x03, 0x11, 0x00);
        capacity_exhausted: CopyError::CapacityExhausted => (0x07, 0x27, 0x07);
        write_protected: CopyError::WriteProtected => (0x07, 0x27, 0x00);
        access_denied: CopyError::AccessDenied => (0x05, 0x20, 0x02);
        not_oldest_generation: CopyError::NotOldestGeneration => (0x05, 0x86, 0x00);
        unobtainable: CopyError::Unobtainable => (0x0B, 0x91, 0x00);
        buffer_in_use: CopyError::BufferInUse => (0x05, 0x87, 0x00);
        monitor_exists: CopyError::MonitorExists => (0x05, 0x88, 0x00);
        no_monitor: CopyError::NoMonitor => (0x05, 0x88, 0x01);
        drives_stopped: CopyError::DrivesStopped => (0x02, 0x04, 0x03);
        drives_starting: CopyError::DrivesStarting => (0x02, 0x04, 0x01);
        timeout: CopyError::Timeout => (0x0B, 0x2E, 0x02);
    }

    #[test]
    fn triples_are_unique() {
        for (i, a) in TABLE.iter().enumerate() {
            for b in &TABLE[i + 1..] {
                assert_ne!((a.1, a.2, a.3), (b.1, b.2, b.3), "{:?} and {:?}", a.0, b.0);
            }
        }
    }

    #[test]
    fn invalid_cdb_field_layout() {
        let b = sense_for(&CopyError::InvalidCdbField(0x0102)).to_fixed();
        assert_eq!(b[0], 0x70);
        assert_eq!(b[7], 10);
        assert_eq!(&b[15..18], &[0xC0, 0x01, 0x02]);
        let b = sense_for(&CopyError::InvalidParameter(5)).to_fixed();
        assert_eq!(&b[15..18], &[0x80, 0x00, 0x05]);
    }

    #[test]
    fn bad_sector_layout() {
        let b = sense_for(&CopyError::BadSector(0x1234)).to_fixed();
        assert_eq!(b[0], 0xF0);
        assert_eq!(&b[3..7], &[0, 0, 0x12, 0x34]);
        assert_eq!(&b[8..12], &[0, 0, 0, 0]);
        let b = sense_for(&CopyError::BadSector(0x0000_0005_0000_0006)).to_fixed();
        assert_eq!(b[0], 0x70);
        assert_eq!(&b[3..7], &[0, 0, 0, 6]);
        assert_eq!(&b[8..12], &[0, 0, 0, 5]);
    }

    #[test]
    fn payload_triples_without_payload_are_unknown() {
        assert_eq!(error_for(&Sense::new(ILLEGAL_REQUEST, 0x24, 0)), None);
        assert_eq!(error_for(&Sense::new(ILLEGAL_REQUEST, 0x26, 0)), None);
        assert_eq!(error_for(&Sense::new(MEDIUM_ERROR, 0x11, 0)), None);
        assert_eq!(error_for(&Sense::new(ILLEGAL_REQUEST, 0x24, 1)), None);
        assert_eq!(error_for(&Sense::new(UNIT_ATTENTION, 0x29, 0)), None);
    }

    #[test]
    fn session_started_round_trip() {
        for id in [0, 1, 0xDEAD_BEEF, u32::MAX] {
            let b = session_started(id).to_fixed();
            assert_eq!(b[0], 0xF0);
            assert_eq!((b[2], b[12], b[13]), (RECOVERED_ERROR, 0xA0, 0));
            let s = Sense::parse(&b).expect("parses");
            assert_eq!(started_session(&s), Some(id));
            assert_eq!(error_for(&s), None);
        }
    }

    #[test]
    fn descriptor_format() {
        let mut b = vec![0x72, 0x03, 0x11, 0x00, 0, 0, 0, 12 + 8];
        b.extend_from_slice(&[0x00, 0x0A, 0x80, 0x00]);
        b.extend_from_slice(&0x1_2345_6789u64.to_be_bytes());
        b.extend_from_slice(&[0x02, 0x06, 0, 0, 0xC0, 0x00, 0x04, 0]);
        let s = Sense::parse(&b).expect("parses");
        assert_eq!(error_for(&s), Some(CopyError::BadSector(0x1_2345_6789)));
        assert_eq!(s.field_pointer.map(|f| f.byte), Some(4));
    }

    #[test]
    fn junk_is_not_sense() {
        assert_eq!(Sense::parse(&[]), None);
        assert_eq!(Sense::parse(&[0x00, 0, 5]), None);
        assert_eq!(Sense::parse(&[0x70]), None);
        // A truncated fixed sense still yields its key.
        assert_eq!(Sense::parse(&[0x70, 0, 0x05]).map(|s| s.key), Some(5));
        // A descriptor whose length runs past the end does not panic.
        assert_eq!(
            Sense::parse(&[0x72, 5, 0x24, 0, 0, 0, 0, 250, 0x00, 0xFF, 1]).map(|s| s.key),
            Some(5)
        );
    }
}
