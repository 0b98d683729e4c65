//! Command descriptor blocks: opcodes, and the one parser and one encoder of
//! every CDB the command set uses.
//!
//! The parser is the target's first line of defence: it checks length, reserved
//! bits, version and service action before anything reaches a [`CopyTarget`],
//! and says which byte is wrong (the field pointer of INVALID FIELD IN CDB).
//!
//! [`CopyTarget`]: crate::model::CopyTarget

use crate::model::{CopyError, LunSelect};
use crate::wire::{InAction, OutAction, WireCode};

pub const TEST_UNIT_READY: u8 = 0x00;
pub const INQUIRY: u8 = 0x12;
pub const READ_16: u8 = 0x88;
pub const WRITE_16: u8 = 0x8A;
/// SYNCHRONIZE CACHE (16) (SBC-3): the LUN's written data made durable.
pub const SYNCHRONIZE_CACHE_16: u8 = 0x91;
/// The IMMED bit of SYNCHRONIZE CACHE: accepted, and the command still
/// completes only once the data is durable (which SBC-3 allows).
const SYNC_IMMED: u8 = 0x02;
/// SERVICE ACTION IN(16); READ CAPACITY(16) is its service action 10h.
pub const SERVICE_ACTION_IN_16: u8 = 0x9E;
pub const SA_READ_CAPACITY_16: u8 = 0x10;
/// Vendor-specific: copy-session commands with a parameter list (Data-Out).
pub const COPY_SESSION_OUT: u8 = 0xC1;
/// Vendor-specific: copy-session queries with returned data (Data-In).
pub const COPY_SESSION_IN: u8 = 0xC2;
/// CDB byte 2 of both vendor commands. A target refuses versions it does not
/// speak, so a layout change can never be misread as the old one.
pub const COMMAND_SET_VERSION: u8 = 0x01;

/// Byte offset of the 4-byte PARAMETER LIST / ALLOCATION / TRANSFER LENGTH field of
/// every 16-byte CDB of the set; the field pointer for a data buffer that does not
/// match the CDB.
pub const LENGTH_FIELD: u16 = 10;
/// Byte offset of the ALLOCATION LENGTH field of INQUIRY.
pub const INQUIRY_LENGTH_FIELD: u16 = 3;

/// LUN SESSIONS byte 3: ALL (every LUN of the box; FIRST OLU and NUMBER OF OLUS zero).
const LUN_SESSIONS_ALL: u8 = 0x01;

/// READ(16) byte 1: DPO and FUA are accepted (and have no effect); every other
/// bit (RDPROTECT, RARC, obsolete) is refused.
const RW_ALLOWED_FLAGS: u8 = 0x18;

/// A parsed CDB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    TestUnitReady,
    Inquiry {
        evpd: bool,
        page: u8,
        alloc: u16,
    },
    ReadCapacity16 {
        alloc: u32,
    },
    Read16 {
        lba: u64,
        blocks: u32,
    },
    Write16 {
        lba: u64,
        blocks: u32,
    },
    /// The range is the initiator's; the whole LUN is made durable.
    SynchronizeCache16 {
        lba: u64,
        blocks: u32,
    },
    CopyOut {
        action: OutAction,
        param_len: u32,
    },
    /// `object` is the OLU for SDV STAT and zero otherwise. `action` is not
    /// LUN SESSIONS: its CDB carries more and parses as [`Command::LunSessions`].
    CopyIn {
        action: InAction,
        object: u32,
        alloc: u32,
    },
    /// COPY SESSION IN / LUN SESSIONS (SA 07h). The selection travels in the CDB
    /// (byte 3 ALL, bytes 4-7 FIRST OLU, bytes 8-9 NUMBER OF OLUS) because a
    /// Data-In command has no parameter list to carry it.
    LunSessions {
        select: LunSelect,
        alloc: u32,
    },
}

fn field(byte: usize) -> CopyError {
    CopyError::InvalidCdbField(u16::try_from(byte).unwrap_or(u16::MAX))
}

/// Bytes `range` must be zero.
fn zero(cdb: &[u8], range: std::ops::Range<usize>) -> Result<(), CopyError> {
    let start = range.start;
    match cdb[range].iter().position(|b| *b != 0) {
        Some(i) => Err(field(start + i)),
        None => Ok(()),
    }
}

fn be32(cdb: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([cdb[at], cdb[at + 1], cdb[at + 2], cdb[at + 3]])
}

fn be64(cdb: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&cdb[at..at + 8]);
    u64::from_be_bytes(b)
}

/// CDB length implied by an opcode this set knows.
fn cdb_len(opcode: u8) -> Option<usize> {
    match opcode {
        TEST_UNIT_READY | INQUIRY => Some(6),
        READ_16 | WRITE_16 | SYNCHRONIZE_CACHE_16 | SERVICE_ACTION_IN_16 | COPY_SESSION_OUT
        | COPY_SESSION_IN => Some(16),
        _ => None,
    }
}

impl Command {
    /// Parses and validates a CDB. Errors are the sense the target must return.
    pub fn parse(cdb: &[u8]) -> Result<Command, CopyError> {
        let opcode = *cdb.first().ok_or(CopyError::InvalidOpcode)?;
        let len = cdb_len(opcode).ok_or(CopyError::InvalidOpcode)?;
        // A CDB of the wrong length cannot be read reliably; point at the first
        // byte where it disagrees with the opcode's length.
        if cdb.len() != len {
            return Err(field(cdb.len().min(len)));
        }
        if cdb[len - 1] != 0 {
            // CONTROL: NACA and the vendor bits are not supported.
            return Err(field(len - 1));
        }
        match opcode {
            TEST_UNIT_READY => {
                zero(cdb, 1..5)?;
                Ok(Command::TestUnitReady)
            }
            INQUIRY => {
                if cdb[1] & !0x01 != 0 {
                    return Err(field(1));
                }
                let evpd = cdb[1] & 0x01 != 0;
                if !evpd && cdb[2] != 0 {
                    return Err(field(2));
                }
                Ok(Command::Inquiry {
                    evpd,
                    page: cdb[2],
                    alloc: u16::from_be_bytes([cdb[3], cdb[4]]),
                })
            }
            SERVICE_ACTION_IN_16 => {
                if cdb[1] != SA_READ_CAPACITY_16 {
                    return Err(field(1));
                }
                zero(cdb, 2..10)?;
                zero(cdb, 14..15)?;
                Ok(Command::ReadCapacity16 {
                    alloc: be32(cdb, 10),
                })
            }
            READ_16 | WRITE_16 => {
                if cdb[1] & !RW_ALLOWED_FLAGS != 0 {
                    return Err(field(1));
                }
                zero(cdb, 14..15)?;
                let (lba, blocks) = (be64(cdb, 2), be32(cdb, 10));
                Ok(if opcode == READ_16 {
                    Command::Read16 { lba, blocks }
                } else {
                    Command::Write16 { lba, blocks }
                })
            }
            SYNCHRONIZE_CACHE_16 => {
                if cdb[1] & !SYNC_IMMED != 0 {
                    return Err(field(1));
                }
                zero(cdb, 14..15)?;
                Ok(Command::SynchronizeCache16 {
                    lba: be64(cdb, 2),
                    blocks: be32(cdb, 10),
                })
            }
            COPY_SESSION_OUT | COPY_SESSION_IN => {
                if cdb[2] != COMMAND_SET_VERSION {
                    return Err(field(2));
                }
                let sa = cdb[1];
                if opcode == COPY_SESSION_IN && sa == InAction::LunSessions.code() {
                    return parse_lun_sessions(cdb);
                }
                zero(cdb, 3..4)?;
                zero(cdb, 8..10)?;
                zero(cdb, 14..15)?;
                if opcode == COPY_SESSION_OUT {
                    zero(cdb, 4..8)?;
                    let action = OutAction::from_code(sa).ok_or(field(1))?;
                    Ok(Command::CopyOut {
                        action,
                        param_len: be32(cdb, 10),
                    })
                } else {
                    let action = InAction::from_code(sa).ok_or(field(1))?;
                    let object = be32(cdb, 4);
                    if action != InAction::SdvStat && object != 0 {
                        return Err(field(4));
                    }
                    Ok(Command::CopyIn {
                        action,
                        object,
                        alloc: be32(cdb, 10),
                    })
                }
            }
            _ => Err(CopyError::InvalidOpcode),
        }
    }

    /// The CDB bytes (6 or 16). A `CopyIn` of LUN SESSIONS encodes its `object`
    /// as FIRST OLU and no NUMBER OF OLUS, which a target refuses.
    pub fn encode(&self) -> Vec<u8> {
        match *self {
            Command::TestUnitReady => vec![TEST_UNIT_READY, 0, 0, 0, 0, 0],
            Command::Inquiry { evpd, page, alloc } => {
                let [hi, lo] = alloc.to_be_bytes();
                vec![INQUIRY, u8::from(evpd), page, hi, lo, 0]
            }
            Command::ReadCapacity16 { alloc } => {
                cdb16(SERVICE_ACTION_IN_16, SA_READ_CAPACITY_16, [0; 8], alloc)
            }
            Command::Read16 { lba, blocks } => cdb16(READ_16, 0, lba.to_be_bytes(), blocks),
            Command::Write16 { lba, blocks } => cdb16(WRITE_16, 0, lba.to_be_bytes(), blocks),
            Command::SynchronizeCache16 { lba, blocks } => {
                cdb16(SYNCHRONIZE_CACHE_16, 0, lba.to_be_bytes(), blocks)
            }
            Command::CopyOut { action, param_len } => cdb16(
                COPY_SESSION_OUT,
                action.code(),
                [COMMAND_SET_VERSION, 0, 0, 0, 0, 0, 0, 0],
                param_len,
            ),
            Command::CopyIn {
                action,
                object,
                alloc,
            } => {
                let [a, b, c, d] = object.to_be_bytes();
                cdb16(
                    COPY_SESSION_IN,
                    action.code(),
                    [COMMAND_SET_VERSION, 0, a, b, c, d, 0, 0],
                    alloc,
                )
            }
            Command::LunSessions { select, alloc } => {
                let (flags, first, count) = match select {
                    LunSelect::All => (LUN_SESSIONS_ALL, 0u32, 0u16),
                    LunSelect::Range { first, count } => (0, first, count),
                };
                let [a, b, c, d] = first.to_be_bytes();
                let [hi, lo] = count.to_be_bytes();
                cdb16(
                    COPY_SESSION_IN,
                    InAction::LunSessions.code(),
                    [COMMAND_SET_VERSION, flags, a, b, c, d, hi, lo],
                    alloc,
                )
            }
        }
    }
}

/// LUN SESSIONS after its version byte: reserved byte 14, the flags of byte 3,
/// then FIRST OLU and NUMBER OF OLUS, which must be zero with ALL and otherwise
/// name at least one OLU without running past OLU `u32::MAX`.
fn parse_lun_sessions(cdb: &[u8]) -> Result<Command, CopyError> {
    zero(cdb, 14..15)?;
    if cdb[3] & !LUN_SESSIONS_ALL != 0 {
        return Err(field(3));
    }
    let select = if cdb[3] & LUN_SESSIONS_ALL != 0 {
        zero(cdb, 4..10)?;
        LunSelect::All
    } else {
        let first = be32(cdb, 4);
        let count = u16::from_be_bytes([cdb[8], cdb[9]]);
        if count == 0 || u64::from(first) + u64::from(count) - 1 > u64::from(u32::MAX) {
            return Err(field(8));
        }
        LunSelect::Range { first, count }
    };
    Ok(Command::LunSessions {
        select,
        alloc: be32(cdb, 10),
    })
}

/// Bytes 0, 1, 2-9, 10-13 of a 16-byte CDB; 14 and 15 (CONTROL) are zero.
fn cdb16(opcode: u8, byte1: u8, mid: [u8; 8], length: u32) -> Vec<u8> {
    let mut c = Vec::with_capacity(16);
    c.push(opcode);
    c.push(byte1);
    c.extend_from_slice(&mid);
    c.extend_from_slice(&length.to_be_bytes());
    c.extend_from_slice(&[0, 0]);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Command> {
        let mut v = vec![
            Command::TestUnitReady,
            Command::Inquiry {
                evpd: false,
                page: 0,
                alloc: 96,
            },
            Command::Inquiry {
                evpd: true,
                page: 0x83,
                alloc: 0xFFFF,
            },
            Command::ReadCapacity16 { alloc: 32 },
            Command::Read16 {
                lba: u64::MAX,
                blocks: 7,
            },
            Command::Write16 {
                lba: 1,
                blocks: u32::MAX,
            },
            Command::SynchronizeCache16 { lba: 0, blocks: 0 },
        ];
        v.extend(
            OutAction::TABLE
                .iter()
                .map(|&(action, _)| Command::CopyOut {
                    action,
                    param_len: 12,
                }),
        );
        v.extend(
            InAction::TABLE
                .iter()
                .filter(|&&(action, _)| action != InAction::LunSessions)
                .map(|&(action, _)| Command::CopyIn {
                    action,
                    object: if action == InAction::SdvStat { 9 } else { 0 },
                    alloc: 4096,
                }),
        );
        v.extend(
            [
                LunSelect::All,
                LunSelect::Range { first: 0, count: 1 },
                LunSelect::Range {
                    first: 7,
                    count: u16::MAX,
                },
                LunSelect::Range {
                    first: u32::MAX,
                    count: 1,
                },
            ]
            .map(|select| Command::LunSessions { select, alloc: 240 }),
        );
        v
    }

    #[test]
    fn every_command_round_trips() {
        for c in all() {
            assert_eq!(Command::parse(&c.encode()), Ok(c));
        }
    }

    #[test]
    fn vendor_cdb_layout() {
        let c = Command::CopyIn {
            action: InAction::SdvStat,
            object: 0x0A0B0C0D,
            alloc: 0x100,
        }
        .encode();
        assert_eq!(
            c,
            [0xC2, 0x03, 0x01, 0, 0x0A, 0x0B, 0x0C, 0x0D, 0, 0, 0, 0, 0x01, 0x00, 0, 0]
        );
        let c = Command::CopyOut {
            action: OutAction::Suspend,
            param_len: 16,
        }
        .encode();
        assert_eq!(
            c,
            [0xC1, 0x03, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0]
        );
    }

    #[test]
    fn lun_sessions_layout() {
        let c = Command::LunSessions {
            select: LunSelect::Range {
                first: 0x0102_0304,
                count: 0x0506,
            },
            alloc: 0x100,
        }
        .encode();
        assert_eq!(
            c,
            [0xC2, 0x07, 0x01, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0x01, 0x00, 0, 0]
        );
        let all = Command::LunSessions {
            select: LunSelect::All,
            alloc: 8,
        }
        .encode();
        assert_eq!(
            all,
            [0xC2, 0x07, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0]
        );
        let mut bad = all.clone();
        bad[3] = 0x03;
        assert_eq!(Command::parse(&bad), Err(CopyError::InvalidCdbField(3)));
        for at in 4..10 {
            bad = all.clone();
            bad[at] = 1;
            assert_eq!(
                Command::parse(&bad),
                Err(CopyError::InvalidCdbField(at as u16))
            );
        }
        bad = all.clone();
        bad[14] = 1;
        assert_eq!(Command::parse(&bad), Err(CopyError::InvalidCdbField(14)));
        // No OLU, or OLUs past u32::MAX.
        bad = c.clone();
        bad[8..10].copy_from_slice(&[0, 0]);
        assert_eq!(Command::parse(&bad), Err(CopyError::InvalidCdbField(8)));
        bad[4..10].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0, 2]);
        assert_eq!(Command::parse(&bad), Err(CopyError::InvalidCdbField(8)));
        // A CopyIn of the action names no OLU: refused the same way.
        let plain = Command::CopyIn {
            action: InAction::LunSessions,
            object: 3,
            alloc: 240,
        }
        .encode();
        assert_eq!(Command::parse(&plain), Err(CopyError::InvalidCdbField(8)));
    }

    #[test]
    fn malformed_cdbs_point_at_the_byte() {
        let out = Command::CopyOut {
            action: OutAction::Cancel,
            param_len: 8,
        }
        .encode();
        assert_eq!(Command::parse(&[]), Err(CopyError::InvalidOpcode));
        assert_eq!(Command::parse(&[0xC3; 16]), Err(CopyError::InvalidOpcode));
        assert_eq!(
            Command::parse(&out[..15]),
            Err(CopyError::InvalidCdbField(15))
        );
        assert_eq!(
            Command::parse(&[out.as_slice(), &[0]].concat()),
            Err(CopyError::InvalidCdbField(16))
        );
        let mut bad = out.clone();
        bad[2] = 2;
        assert_eq!(Command::parse(&bad), Err(CopyError::InvalidCdbField(2)));
        bad = out.clone();
        bad[1] = 0x1F;
        assert_eq!(Command::parse(&bad), Err(CopyError::InvalidCdbField(1)));
        bad = out.clone();
        bad[6] = 1;
        assert_eq!(Command::parse(&bad), Err(CopyError::InvalidCdbField(6)));
        bad = out.clone();
        bad[15] = 4;
        assert_eq!(Command::parse(&bad), Err(CopyError::InvalidCdbField(15)));
        let inq = Command::CopyIn {
            action: InAction::BoxIdentity,
            object: 0,
            alloc: 64,
        }
        .encode();
        bad = inq.clone();
        bad[7] = 1;
        assert_eq!(Command::parse(&bad), Err(CopyError::InvalidCdbField(4)));
        assert_eq!(
            Command::parse(&[INQUIRY, 0, 0x80, 0, 255, 0]),
            Err(CopyError::InvalidCdbField(2))
        );
        assert_eq!(
            Command::parse(&[INQUIRY, 2, 0, 0, 255, 0]),
            Err(CopyError::InvalidCdbField(1))
        );
        let mut rc = Command::ReadCapacity16 { alloc: 32 }.encode();
        rc[1] = 0x12;
        assert_eq!(Command::parse(&rc), Err(CopyError::InvalidCdbField(1)));
        let mut rd = Command::Read16 { lba: 0, blocks: 1 }.encode();
        rd[1] = 0x18;
        assert!(Command::parse(&rd).is_ok());
        rd[1] = 0x20;
        assert_eq!(Command::parse(&rd), Err(CopyError::InvalidCdbField(1)));
    }
}
