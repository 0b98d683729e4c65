//! PDUs as bytes (RFC 7143 §11): the 48-byte basic header segment, the
//! additional header segments, the data segment padded to four bytes, and the
//! optional CRC32C digests after each.
//!
//! Reading is bounded: a data segment longer than the limit the connection
//! declared is refused before a byte of it is read, so a peer cannot make the
//! target allocate what it did not agree to.

use std::io::{self, Read, Write};

/// Length of the basic header segment.
pub const BHS: usize = 48;

/// Initiator opcodes.
pub mod op {
    pub const NOP_OUT: u8 = 0x00;
    pub const SCSI_COMMAND: u8 = 0x01;
    pub const TASK_MGMT: u8 = 0x02;
    pub const LOGIN: u8 = 0x03;
    pub const TEXT: u8 = 0x04;
    pub const DATA_OUT: u8 = 0x05;
    pub const LOGOUT: u8 = 0x06;
    pub const SNACK: u8 = 0x10;
    /// Target opcodes.
    pub const NOP_IN: u8 = 0x20;
    pub const SCSI_RESPONSE: u8 = 0x21;
    pub const TASK_MGMT_RESPONSE: u8 = 0x22;
    pub const LOGIN_RESPONSE: u8 = 0x23;
    pub const TEXT_RESPONSE: u8 = 0x24;
    pub const DATA_IN: u8 = 0x25;
    pub const LOGOUT_RESPONSE: u8 = 0x26;
    pub const R2T: u8 = 0x31;
    pub const REJECT: u8 = 0x3F;
}

/// Reject reasons (§11.17.1).
pub mod reject {
    pub const DATA_DIGEST: u8 = 0x02;
    pub const SNACK: u8 = 0x03;
    pub const PROTOCOL_ERROR: u8 = 0x04;
    pub const NOT_SUPPORTED: u8 = 0x05;
    pub const IMMEDIATE: u8 = 0x06;
    pub const INVALID_FIELD: u8 = 0x09;
    pub const OUT_OF_RESOURCES: u8 = 0x0A;
}

/// The "no tag" value of task and transfer tags.
pub const RESERVED_TAG: u32 = 0xFFFF_FFFF;

/// AHS type of an extended CDB (the bytes after the first 16).
const AHS_EXTENDED_CDB: u8 = 0x01;

/// One PDU: header, the extended CDB bytes if any, data segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdu {
    pub bhs: [u8; BHS],
    /// CDB bytes beyond 16 from an Extended CDB AHS.
    pub ext_cdb: Vec<u8>,
    pub data: Vec<u8>,
}

/// Why a PDU could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PduError {
    #[error("connection: {0}")]
    Io(#[from] io::Error),
    #[error("header digest mismatch")]
    HeaderDigest,
    /// The header is fine; the data is not (a Reject can name the PDU).
    #[error("data digest mismatch")]
    DataDigest([u8; BHS]),
    #[error("a data segment of {0} bytes is larger than agreed")]
    TooLong(usize),
    #[error("malformed additional header segment")]
    Ahs,
}

/// The digests in force on a connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Digests {
    pub header: bool,
    pub data: bool,
}

pub fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

pub fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

pub fn put32(b: &mut [u8], v: u32) {
    b[..4].copy_from_slice(&v.to_be_bytes());
}

fn pad(n: usize) -> usize {
    (4 - n % 4) % 4
}

/// CRC32C as iSCSI sends it: little-endian on the wire (RFC 7143 §13.1).
fn digest(bytes: &[u8]) -> [u8; 4] {
    crc32c::crc32c(bytes).to_le_bytes()
}

impl Pdu {
    /// A target PDU with `opcode` and nothing else set.
    pub fn new(opcode: u8) -> Pdu {
        let mut bhs = [0u8; BHS];
        bhs[0] = opcode;
        Pdu {
            bhs,
            ext_cdb: Vec::new(),
            data: Vec::new(),
        }
    }

    pub fn opcode(&self) -> u8 {
        self.bhs[0] & 0x3F
    }

    /// The I (immediate delivery) bit of an initiator PDU.
    pub fn immediate(&self) -> bool {
        self.bhs[0] & 0x40 != 0
    }

    pub fn flags(&self) -> u8 {
        self.bhs[1]
    }

    /// The F (final) bit.
    pub fn final_bit(&self) -> bool {
        self.bhs[1] & 0x80 != 0
    }

    pub fn lun(&self) -> [u8; 8] {
        let mut l = [0u8; 8];
        l.copy_from_slice(&self.bhs[8..16]);
        l
    }

    pub fn itt(&self) -> u32 {
        be32(&self.bhs[16..20])
    }

    /// Bytes 20-23: TTT, EDTL, RTT or CID, by opcode.
    pub fn word20(&self) -> u32 {
        be32(&self.bhs[20..24])
    }

    pub fn cmd_sn(&self) -> u32 {
        be32(&self.bhs[24..28])
    }

    pub fn exp_stat_sn(&self) -> u32 {
        be32(&self.bhs[28..32])
    }

    pub fn word(&self, at: usize) -> u32 {
        be32(&self.bhs[at..at + 4])
    }

    pub fn set_word(&mut self, at: usize, v: u32) {
        put32(&mut self.bhs[at..at + 4], v);
    }

    pub fn set_itt(&mut self, itt: u32) {
        self.set_word(16, itt);
    }

    pub fn set_lun(&mut self, lun: [u8; 8]) {
        self.bhs[8..16].copy_from_slice(&lun);
    }

    /// The CDB: the 16 header bytes (cut to the length the operation code's
    /// group gives, since iSCSI pads every CDB to 16) and the extended part.
    pub fn cdb(&self) -> Vec<u8> {
        let mut c = self.bhs[32..48].to_vec();
        if self.ext_cdb.is_empty() {
            c.truncate(cdb_length(&c));
        } else {
            c.extend_from_slice(&self.ext_cdb);
        }
        c
    }

    /// Reads one PDU. `max_data` bounds the data segment (the connection's
    /// MaxRecvDataSegmentLength, or the login limit). `Ok(None)` is a clean
    /// close before the first header byte.
    pub fn read(
        r: &mut impl Read,
        digests: Digests,
        max_data: usize,
    ) -> Result<Option<Pdu>, PduError> {
        let mut bhs = [0u8; BHS];
        let mut got = 0;
        while got < BHS {
            match r.read(&mut bhs[got..]) {
                Ok(0) if got == 0 => return Ok(None),
                Ok(0) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into()),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        let ahs_len = bhs[4] as usize * 4;
        let data_len = (bhs[5] as usize) << 16 | (bhs[6] as usize) << 8 | bhs[7] as usize;
        if data_len > max_data {
            return Err(PduError::TooLong(data_len));
        }
        let mut ahs = vec![0u8; ahs_len];
        r.read_exact(&mut ahs)?;
        if digests.header {
            let mut d = [0u8; 4];
            r.read_exact(&mut d)?;
            let mut whole = bhs.to_vec();
            whole.extend_from_slice(&ahs);
            if digest(&whole) != d {
                return Err(PduError::HeaderDigest);
            }
        }
        let mut data = vec![0u8; data_len + pad(data_len)];
        r.read_exact(&mut data)?;
        let mut data_ok = true;
        if digests.data && data_len > 0 {
            let mut d = [0u8; 4];
            r.read_exact(&mut d)?;
            data_ok = digest(&data) == d;
        }
        data.truncate(data_len);
        if !data_ok {
            return Err(PduError::DataDigest(bhs));
        }
        Ok(Some(Pdu {
            bhs,
            ext_cdb: extended_cdb(&ahs)?,
            data,
        }))
    }

    /// Writes the PDU (no AHS: the target sends none).
    pub fn write(&self, w: &mut impl Write, digests: Digests) -> io::Result<()> {
        let mut bhs = self.bhs;
        let n = self.data.len();
        bhs[4] = 0;
        bhs[5] = (n >> 16) as u8;
        bhs[6] = (n >> 8) as u8;
        bhs[7] = n as u8;
        let mut out = Vec::with_capacity(BHS + 8 + n + 3);
        out.extend_from_slice(&bhs);
        if digests.header {
            out.extend_from_slice(&digest(&bhs));
        }
        if n > 0 {
            out.extend_from_slice(&self.data);
            out.resize(out.len() + pad(n), 0);
            if digests.data {
                let start = out.len() - n - pad(n);
                let d = digest(&out[start..]);
                out.extend_from_slice(&d);
            }
        }
        w.write_all(&out)
    }
}

/// The length of a CDB of at most 16 bytes from its operation code's group
/// (SAM-5 §5.2); the vendor groups 6 and 7 are 16 bytes, as this project's
/// vendor commands are.
fn cdb_length(cdb: &[u8]) -> usize {
    match cdb[0] >> 5 {
        0 => 6,
        1 | 2 => 10,
        5 => 12,
        3 if cdb[0] == 0x7F => (8 + usize::from(cdb[7])).min(16),
        _ => 16,
    }
}

/// The CDB bytes an Extended CDB AHS carries; other AHS types are skipped.
fn extended_cdb(mut ahs: &[u8]) -> Result<Vec<u8>, PduError> {
    let mut ext = Vec::new();
    while !ahs.is_empty() {
        if ahs.len() < 4 {
            return Err(PduError::Ahs);
        }
        let len = be16(ahs) as usize;
        let total = 3 + len + pad(3 + len);
        if total > ahs.len() || len == 0 {
            return Err(PduError::Ahs);
        }
        if ahs[2] == AHS_EXTENDED_CDB {
            // AHSLength counts the reserved byte before the CDB bytes.
            ext.extend_from_slice(&ahs[4..3 + len]);
        }
        ahs = &ahs[total..];
    }
    Ok(ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_is_the_rfc_one() {
        // RFC 3720 B.4: 32 bytes of zeros.
        assert_eq!(crc32c::crc32c(&[0u8; 32]), 0x8A91_36AA);
    }

    #[test]
    fn round_trip_with_digests_and_padding() {
        let mut p = Pdu::new(op::NOP_IN);
        p.set_itt(7);
        p.data = b"hello".to_vec();
        let d = Digests {
            header: true,
            data: true,
        };
        let mut buf = Vec::new();
        p.write(&mut buf, d).unwrap();
        assert_eq!(buf.len(), 48 + 4 + 8 + 4);
        let q = Pdu::read(&mut buf.as_slice(), d, 8192).unwrap().unwrap();
        assert_eq!(q.data, b"hello");
        assert_eq!(q.itt(), 7);
        // A flipped data byte is a data digest error that still names the header.
        buf[53] ^= 1;
        assert!(matches!(
            Pdu::read(&mut buf.as_slice(), d, 8192),
            Err(PduError::DataDigest(_))
        ));
        buf[53] ^= 1;
        buf[3] ^= 1;
        assert!(matches!(
            Pdu::read(&mut buf.as_slice(), d, 8192),
            Err(PduError::HeaderDigest)
        ));
    }

    #[test]
    fn a_data_segment_beyond_the_limit_is_refused_unread() {
        let mut bhs = [0u8; BHS];
        bhs[5] = 0xFF;
        let r = Pdu::read(&mut &bhs[..], Digests::default(), 8192);
        assert!(matches!(r, Err(PduError::TooLong(0xFF0000))));
    }

    #[test]
    fn extended_cdb_ahs() {
        // 32-byte CDB: 16 more bytes, AHSLength 17 (reserved byte + 16).
        let mut ahs = vec![0, 17, AHS_EXTENDED_CDB, 0];
        ahs.extend(1..=16u8);
        ahs.resize(20, 0);
        assert_eq!(extended_cdb(&ahs).unwrap(), (1..=16u8).collect::<Vec<_>>());
        assert!(extended_cdb(&[0, 40, 1, 0]).is_err());
    }
}
