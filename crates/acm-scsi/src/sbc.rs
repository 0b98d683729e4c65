//! The standard command set a simulated LUN answers (SPC-4, SBC-3), as one
//! table: each operation's CDB length, data direction, where its transfer
//! length lies and which CDB bits it accepts. The one table validates CDBs
//! (a bit outside the usage mask is INVALID FIELD IN CDB at its byte),
//! answers REPORT SUPPORTED OPERATION CODES, and tells a transport how many
//! bytes a CDB moves and which way. `docs/scsi-commands.md` lists the set.

use crate::model::{CopyError, BLOCK};

/// Which way a command's data moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    None,
    /// Device to initiator.
    In,
    /// Initiator to device.
    Out,
}

/// Where a CDB says how much data moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Xfer {
    None,
    /// Blocks, big-endian, at byte `.0`, `.1` bytes wide.
    Blocks(usize, usize),
    /// Bytes, big-endian, at byte `.0`, `.1` bytes wide.
    Bytes(usize, usize),
    /// READ(6)/WRITE(6): byte 4, where 0 means 256 blocks.
    Blocks6,
    /// VERIFY and WRITE AND VERIFY: blocks at (`.0`, `.1`) when BYTCHK asks
    /// for data (byte 1 bits 1-2), none otherwise.
    Bytchk(usize, usize),
    /// WRITE SAME: one block, none with NDOB.
    OneBlock,
    /// COMPARE AND WRITE: twice the blocks of byte 13.
    CompareAndWrite,
    /// A fixed number of bytes (READ CAPACITY(10): 8).
    Fixed(u64),
}

/// One operation of the set.
#[derive(Debug, Clone, Copy)]
pub struct Op {
    pub opcode: u8,
    /// Service action in byte 1 (bits 0-4), for the opcodes that have one.
    pub sa: Option<u8>,
    pub name: &'static str,
    pub dir: Dir,
    pub xfer: Xfer,
    /// CDB usage data (SPC-4 §6.35.3): byte 0 the opcode, then per byte the
    /// bits the device server looks at. Its length is the CDB's.
    pub usage: &'static [u8],
}

pub const TEST_UNIT_READY: u8 = 0x00;
pub const REQUEST_SENSE: u8 = 0x03;
pub const READ_6: u8 = 0x08;
pub const WRITE_6: u8 = 0x0A;
pub const INQUIRY: u8 = 0x12;
pub const MODE_SELECT_6: u8 = 0x15;
pub const RESERVE_6: u8 = 0x16;
pub const RELEASE_6: u8 = 0x17;
pub const MODE_SENSE_6: u8 = 0x1A;
pub const START_STOP_UNIT: u8 = 0x1B;
pub const PREVENT_ALLOW: u8 = 0x1E;
pub const READ_CAPACITY_10: u8 = 0x25;
pub const READ_10: u8 = 0x28;
pub const WRITE_10: u8 = 0x2A;
pub const WRITE_VERIFY_10: u8 = 0x2E;
pub const VERIFY_10: u8 = 0x2F;
pub const PREFETCH_10: u8 = 0x34;
pub const SYNCHRONIZE_CACHE_10: u8 = 0x35;
pub const READ_DEFECT_DATA_10: u8 = 0x37;
pub const WRITE_SAME_10: u8 = 0x41;
pub const UNMAP: u8 = 0x42;
pub const MODE_SELECT_10: u8 = 0x55;
pub const MODE_SENSE_10: u8 = 0x5A;
pub const PERSISTENT_RESERVE_IN: u8 = 0x5E;
pub const PERSISTENT_RESERVE_OUT: u8 = 0x5F;
pub const EXTENDED_COPY: u8 = 0x83;
pub const SA_EXTENDED_COPY_LID1: u8 = 0x00;
pub const RECEIVE_COPY_RESULTS: u8 = 0x84;
pub const SA_COPY_STATUS: u8 = 0x00;
pub const SA_COPY_OPERATING_PARAMETERS: u8 = 0x03;
pub const SA_POPULATE_TOKEN: u8 = 0x10;
pub const SA_WRITE_USING_TOKEN: u8 = 0x11;
pub const SA_RECEIVE_ROD_TOKEN_INFORMATION: u8 = 0x07;
pub const READ_16: u8 = 0x88;
pub const COMPARE_AND_WRITE: u8 = 0x89;
pub const WRITE_16: u8 = 0x8A;
pub const WRITE_VERIFY_16: u8 = 0x8E;
pub const VERIFY_16: u8 = 0x8F;
pub const PREFETCH_16: u8 = 0x90;
pub const SYNCHRONIZE_CACHE_16: u8 = 0x91;
pub const WRITE_SAME_16: u8 = 0x93;
pub const SERVICE_ACTION_IN_16: u8 = 0x9E;
pub const SA_READ_CAPACITY_16: u8 = 0x10;
pub const SA_GET_LBA_STATUS: u8 = 0x12;
pub const REPORT_LUNS: u8 = 0xA0;
pub const MAINTENANCE_IN: u8 = 0xA3;
pub const SA_REPORT_SUPPORTED_OPCODES: u8 = 0x0C;
pub const READ_12: u8 = 0xA8;
pub const WRITE_12: u8 = 0xAA;
pub const WRITE_VERIFY_12: u8 = 0xAE;
pub const VERIFY_12: u8 = 0xAF;
pub const READ_DEFECT_DATA_12: u8 = 0xB7;

const fn op(opcode: u8, name: &'static str, dir: Dir, xfer: Xfer, usage: &'static [u8]) -> Op {
    Op {
        opcode,
        sa: None,
        name,
        dir,
        xfer,
        usage,
    }
}

const fn sa_op(
    opcode: u8,
    sa: u8,
    name: &'static str,
    dir: Dir,
    xfer: Xfer,
    usage: &'static [u8],
) -> Op {
    Op {
        opcode,
        sa: Some(sa),
        name,
        dir,
        xfer,
        usage,
    }
}

use Dir::{In, None as NoData, Out};

/// Every standard operation a LUN answers, one line each. The vendor
/// copy-session commands are described in `docs/vendor-scsi.md`.
#[rustfmt::skip]
pub const OPS: &[Op] = &[
    op(TEST_UNIT_READY, "TEST UNIT READY", NoData, Xfer::None, &[0x00, 0, 0, 0, 0, 0]),
    op(REQUEST_SENSE, "REQUEST SENSE", In, Xfer::Bytes(4, 1), &[0x03, 0x01, 0, 0, 0xFF, 0]),
    op(READ_6, "READ(6)", In, Xfer::Blocks6, &[0x08, 0x1F, 0xFF, 0xFF, 0xFF, 0]),
    op(WRITE_6, "WRITE(6)", Out, Xfer::Blocks6, &[0x0A, 0x1F, 0xFF, 0xFF, 0xFF, 0]),
    op(INQUIRY, "INQUIRY", In, Xfer::Bytes(3, 2), &[0x12, 0x01, 0xFF, 0xFF, 0xFF, 0]),
    op(MODE_SELECT_6, "MODE SELECT(6)", Out, Xfer::Bytes(4, 1), &[0x15, 0x11, 0, 0, 0xFF, 0]),
    op(RESERVE_6, "RESERVE(6)", NoData, Xfer::None, &[0x16, 0, 0, 0, 0, 0]),
    op(RELEASE_6, "RELEASE(6)", NoData, Xfer::None, &[0x17, 0, 0, 0, 0, 0]),
    op(MODE_SENSE_6, "MODE SENSE(6)", In, Xfer::Bytes(4, 1), &[0x1A, 0x08, 0xFF, 0xFF, 0xFF, 0]),
    op(START_STOP_UNIT, "START STOP UNIT", NoData, Xfer::None, &[0x1B, 0x01, 0, 0x0F, 0xF7, 0]),
    op(PREVENT_ALLOW, "PREVENT ALLOW MEDIUM REMOVAL", NoData, Xfer::None, &[0x1E, 0, 0, 0, 0x03, 0]),
    op(READ_CAPACITY_10, "READ CAPACITY(10)", In, Xfer::Fixed(8), &[0x25, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0x01, 0]),
    op(READ_10, "READ(10)", In, Xfer::Blocks(7, 2), &[0x28, 0x1E, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, 0]),
    op(WRITE_10, "WRITE(10)", Out, Xfer::Blocks(7, 2), &[0x2A, 0x1A, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, 0]),
    op(WRITE_VERIFY_10, "WRITE AND VERIFY(10)", Out, Xfer::Blocks(7, 2), &[0x2E, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, 0]),
    op(VERIFY_10, "VERIFY(10)", Out, Xfer::Bytchk(7, 2), &[0x2F, 0x16, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, 0]),
    op(PREFETCH_10, "PRE-FETCH(10)", NoData, Xfer::None, &[0x34, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, 0]),
    op(SYNCHRONIZE_CACHE_10, "SYNCHRONIZE CACHE(10)", NoData, Xfer::None, &[0x35, 0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, 0]),
    op(READ_DEFECT_DATA_10, "READ DEFECT DATA(10)", In, Xfer::Bytes(7, 2), &[0x37, 0, 0x1F, 0, 0, 0, 0, 0xFF, 0xFF, 0]),
    op(WRITE_SAME_10, "WRITE SAME(10)", Out, Xfer::OneBlock, &[0x41, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, 0]),
    op(UNMAP, "UNMAP", Out, Xfer::Bytes(7, 2), &[0x42, 0x01, 0, 0, 0, 0, 0x1F, 0xFF, 0xFF, 0]),
    op(MODE_SELECT_10, "MODE SELECT(10)", Out, Xfer::Bytes(7, 2), &[0x55, 0x11, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0]),
    op(MODE_SENSE_10, "MODE SENSE(10)", In, Xfer::Bytes(7, 2), &[0x5A, 0x18, 0xFF, 0xFF, 0, 0, 0, 0xFF, 0xFF, 0]),
    op(PERSISTENT_RESERVE_IN, "PERSISTENT RESERVE IN", In, Xfer::Bytes(7, 2), &[0x5E, 0x1F, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0]),
    op(PERSISTENT_RESERVE_OUT, "PERSISTENT RESERVE OUT", Out, Xfer::Bytes(5, 4), &[0x5F, 0x1F, 0xFF, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0]),
    sa_op(EXTENDED_COPY, SA_EXTENDED_COPY_LID1, "EXTENDED COPY(LID1)", Out, Xfer::Bytes(10, 4), &[0x83, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0]),
    sa_op(EXTENDED_COPY, SA_POPULATE_TOKEN, "POPULATE TOKEN", Out, Xfer::Bytes(10, 4), &[0x83, 0x10, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F, 0]),
    sa_op(EXTENDED_COPY, SA_WRITE_USING_TOKEN, "WRITE USING TOKEN", Out, Xfer::Bytes(10, 4), &[0x83, 0x11, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F, 0]),
    sa_op(RECEIVE_COPY_RESULTS, SA_RECEIVE_ROD_TOKEN_INFORMATION, "RECEIVE ROD TOKEN INFORMATION", In, Xfer::Bytes(10, 4), &[0x84, 0x07, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0]),
    sa_op(RECEIVE_COPY_RESULTS, SA_COPY_STATUS, "RECEIVE COPY RESULTS (COPY STATUS)", In, Xfer::Bytes(10, 4), &[0x84, 0x00, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0]),
    sa_op(RECEIVE_COPY_RESULTS, SA_COPY_OPERATING_PARAMETERS, "RECEIVE COPY RESULTS (OPERATING PARAMETERS)", In, Xfer::Bytes(10, 4), &[0x84, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0]),
    op(READ_16, "READ(16)", In, Xfer::Blocks(10, 4), &[0x88, 0x1E, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0]),
    op(COMPARE_AND_WRITE, "COMPARE AND WRITE", Out, Xfer::CompareAndWrite, &[0x89, 0x1A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0xFF, 0x1F, 0]),
    op(WRITE_16, "WRITE(16)", Out, Xfer::Blocks(10, 4), &[0x8A, 0x1A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0]),
    op(WRITE_VERIFY_16, "WRITE AND VERIFY(16)", Out, Xfer::Blocks(10, 4), &[0x8E, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0]),
    op(VERIFY_16, "VERIFY(16)", Out, Xfer::Bytchk(10, 4), &[0x8F, 0x16, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0]),
    op(PREFETCH_16, "PRE-FETCH(16)", NoData, Xfer::None, &[0x90, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0]),
    op(SYNCHRONIZE_CACHE_16, "SYNCHRONIZE CACHE(16)", NoData, Xfer::None, &[0x91, 0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0]),
    op(WRITE_SAME_16, "WRITE SAME(16)", Out, Xfer::OneBlock, &[0x93, 0x09, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0]),
    sa_op(SERVICE_ACTION_IN_16, SA_READ_CAPACITY_16, "READ CAPACITY(16)", In, Xfer::Bytes(10, 4), &[0x9E, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0]),
    sa_op(SERVICE_ACTION_IN_16, SA_GET_LBA_STATUS, "GET LBA STATUS", In, Xfer::Bytes(10, 4), &[0x9E, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0]),
    op(REPORT_LUNS, "REPORT LUNS", In, Xfer::Bytes(6, 4), &[0xA0, 0, 0xFF, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0]),
    sa_op(MAINTENANCE_IN, SA_REPORT_SUPPORTED_OPCODES, "REPORT SUPPORTED OPERATION CODES", In, Xfer::Bytes(6, 4), &[0xA3, 0x0C, 0x87, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0]),
    op(READ_12, "READ(12)", In, Xfer::Blocks(6, 4), &[0xA8, 0x1E, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0]),
    op(WRITE_12, "WRITE(12)", Out, Xfer::Blocks(6, 4), &[0xAA, 0x1A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0]),
    op(WRITE_VERIFY_12, "WRITE AND VERIFY(12)", Out, Xfer::Blocks(6, 4), &[0xAE, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0]),
    op(VERIFY_12, "VERIFY(12)", Out, Xfer::Bytchk(6, 4), &[0xAF, 0x16, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0]),
    op(READ_DEFECT_DATA_12, "READ DEFECT DATA(12)", In, Xfer::Bytes(6, 4), &[0xB7, 0x1F, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0]),
];

/// The table entry of a CDB (matching the service action where the opcode
/// has them).
pub fn find(cdb: &[u8]) -> Option<&'static Op> {
    let opcode = *cdb.first()?;
    OPS.iter().find(|o| {
        o.opcode == opcode
            && o.sa
                .is_none_or(|sa| cdb.get(1).is_some_and(|b| b & 0x1F == sa))
    })
}

/// Whether the opcode has entries with service actions (so a CDB of it with
/// another service action is an invalid field, not an invalid opcode).
pub fn has_service_actions(opcode: u8) -> bool {
    OPS.iter().any(|o| o.opcode == opcode && o.sa.is_some())
}

fn be(cdb: &[u8], at: usize, width: usize) -> u64 {
    cdb[at..at + width]
        .iter()
        .fold(0u64, |v, b| v << 8 | u64::from(*b))
}

impl Op {
    /// Checks the CDB's length and every bit against the usage data.
    pub fn check(&self, cdb: &[u8]) -> Result<(), CopyError> {
        if cdb.len() != self.usage.len() {
            return Err(CopyError::InvalidCdbField(
                cdb.len().min(self.usage.len()) as u16
            ));
        }
        for (i, (b, m)) in cdb.iter().zip(self.usage).enumerate().skip(1) {
            let allowed = if i == 1 && self.sa.is_some() {
                m | 0x1F
            } else {
                *m
            };
            if b & !allowed != 0 {
                return Err(CopyError::InvalidCdbField(i as u16));
            }
        }
        Ok(())
    }

    /// The bytes this CDB moves (SPDTL).
    pub fn transfer(&self, cdb: &[u8]) -> u64 {
        match self.xfer {
            Xfer::None => 0,
            Xfer::Blocks(at, w) => be(cdb, at, w) * BLOCK,
            Xfer::Bytes(at, w) => be(cdb, at, w),
            Xfer::Blocks6 => match cdb[4] {
                0 => 256 * BLOCK,
                n => u64::from(n) * BLOCK,
            },
            Xfer::Bytchk(at, w) => match (cdb[1] >> 1) & 3 {
                0 => 0,
                3 => BLOCK,
                _ => be(cdb, at, w) * BLOCK,
            },
            Xfer::OneBlock if cdb[1] & 0x01 != 0 => 0,
            Xfer::OneBlock => BLOCK,
            Xfer::CompareAndWrite => 2 * u64::from(cdb[13]) * BLOCK,
            Xfer::Fixed(n) => n,
        }
    }

    /// The direction of this CDB's data (none when it moves nothing).
    pub fn direction(&self, cdb: &[u8]) -> Dir {
        if self.transfer(cdb) == 0 {
            Dir::None
        } else {
            self.dir
        }
    }
}

/// The LBA and block count of a READ, WRITE, WRITE AND VERIFY or VERIFY
/// CDB (a zero count of READ(6)/WRITE(6) is 256 blocks).
pub fn lba_and_blocks(cdb: &[u8]) -> Option<(u64, u64)> {
    let op = find(cdb)?;
    if cdb.len() != op.usage.len() {
        return None;
    }
    match op.opcode {
        READ_6 | WRITE_6 => {
            let n = match cdb[4] {
                0 => 256,
                n => u64::from(n),
            };
            Some((be(cdb, 1, 3) & 0x1F_FFFF, n))
        }
        READ_10 | WRITE_10 | WRITE_VERIFY_10 | VERIFY_10 => Some((be(cdb, 2, 4), be(cdb, 7, 2))),
        READ_12 | WRITE_12 | WRITE_VERIFY_12 | VERIFY_12 => Some((be(cdb, 2, 4), be(cdb, 6, 4))),
        READ_16 | WRITE_16 | WRITE_VERIFY_16 | VERIFY_16 => Some((be(cdb, 2, 8), be(cdb, 10, 4))),
        _ => None,
    }
}

/// Whether the CDB is a plain write of its blocks (WRITE, WRITE AND VERIFY).
pub fn is_write(cdb: &[u8]) -> bool {
    matches!(
        cdb.first(),
        Some(
            &(WRITE_6
                | WRITE_10
                | WRITE_12
                | WRITE_16
                | WRITE_VERIFY_10
                | WRITE_VERIFY_12
                | WRITE_VERIFY_16)
        )
    )
}

/// A READ(16) of the blocks `lba..lba+blocks`.
pub fn read16(lba: u64, blocks: u32) -> [u8; 16] {
    let mut c = [0u8; 16];
    c[0] = READ_16;
    c[2..10].copy_from_slice(&lba.to_be_bytes());
    c[10..14].copy_from_slice(&blocks.to_be_bytes());
    c
}

/// Token-based copy offload as an initiator sends it (SBC-3 §5.9, §5.47,
/// SPC-4 §6.18.6): each builder gives the CDB and its parameter list.
pub mod offload {
    use super::*;

    fn third_party(opcode: u8, sa: u8, list_id: u32, len: usize) -> [u8; 16] {
        let mut c = [0u8; 16];
        c[0] = opcode;
        c[1] = sa;
        c[6..10].copy_from_slice(&list_id.to_be_bytes());
        c[10..14].copy_from_slice(&(len as u32).to_be_bytes());
        c
    }

    /// Block device range descriptors: (LBA, blocks) each.
    fn ranges(out: &mut Vec<u8>, ranges: &[(u64, u32)]) {
        out.extend_from_slice(&((ranges.len() * 16) as u16).to_be_bytes());
        for (lba, blocks) in ranges {
            out.extend_from_slice(&lba.to_be_bytes());
            out.extend_from_slice(&blocks.to_be_bytes());
            out.extend_from_slice(&[0; 4]);
        }
    }

    fn with_length(mut p: Vec<u8>) -> Vec<u8> {
        let n = (p.len() - 2) as u16;
        p[0..2].copy_from_slice(&n.to_be_bytes());
        p
    }

    /// POPULATE TOKEN of `ranges`, with an inactivity timeout in seconds
    /// (0: the device's default).
    pub fn populate_token(
        list_id: u32,
        timeout_secs: u32,
        r: &[(u64, u32)],
    ) -> ([u8; 16], Vec<u8>) {
        let mut p = vec![0u8; 14];
        p[4..8].copy_from_slice(&timeout_secs.to_be_bytes());
        ranges(&mut p, r);
        let p = with_length(p);
        (
            third_party(EXTENDED_COPY, SA_POPULATE_TOKEN, list_id, p.len()),
            p,
        )
    }

    /// WRITE USING TOKEN: the token's blocks from `offset` onto `ranges`;
    /// `delete` asks the device to end the token afterwards.
    pub fn write_using_token(
        list_id: u32,
        token: &[u8; 512],
        offset: u64,
        delete: bool,
        r: &[(u64, u32)],
    ) -> ([u8; 16], Vec<u8>) {
        let mut p = vec![0u8; 534];
        if delete {
            p[2] = 0x02;
        }
        p[8..16].copy_from_slice(&offset.to_be_bytes());
        p[16..528].copy_from_slice(token);
        ranges(&mut p, r);
        let p = with_length(p);
        (
            third_party(EXTENDED_COPY, SA_WRITE_USING_TOKEN, list_id, p.len()),
            p,
        )
    }

    /// One block-to-block segment of EXTENDED COPY: `blocks` from `src_lba`
    /// of target `src` to `dst_lba` of target `dst` (indexes into the
    /// parameter list's target descriptors).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Segment {
        pub src: u16,
        pub dst: u16,
        pub blocks: u16,
        pub src_lba: u64,
        pub dst_lba: u64,
    }

    /// EXTENDED COPY (LID1): identification descriptor targets (E4h), one
    /// per designator (a VPD 83h designation descriptor, 512-byte blocks),
    /// and block-to-block segments (02h); the list's result is held under
    /// `list_id`.
    pub fn extended_copy_lid1(
        list_id: u8,
        designators: &[&[u8]],
        segments: &[Segment],
    ) -> ([u8; 16], Vec<u8>) {
        let mut targets = Vec::new();
        for d in designators {
            let mut e = [0u8; 32];
            e[0] = 0xE4;
            let n = d.len().min(24);
            e[4..4 + n].copy_from_slice(&d[..n]);
            // Block device parameters: 512-byte disk blocks.
            e[29..32].copy_from_slice(&[0, 2, 0]);
            targets.extend_from_slice(&e);
        }
        let mut segs = Vec::new();
        for s in segments {
            let mut e = [0u8; 28];
            e[0] = 0x02;
            e[2..4].copy_from_slice(&24u16.to_be_bytes());
            e[4..6].copy_from_slice(&s.src.to_be_bytes());
            e[6..8].copy_from_slice(&s.dst.to_be_bytes());
            e[10..12].copy_from_slice(&s.blocks.to_be_bytes());
            e[12..20].copy_from_slice(&s.src_lba.to_be_bytes());
            e[20..28].copy_from_slice(&s.dst_lba.to_be_bytes());
            segs.extend_from_slice(&e);
        }
        let mut p = vec![0u8; 16];
        p[0] = list_id;
        p[2..4].copy_from_slice(&(targets.len() as u16).to_be_bytes());
        p[8..12].copy_from_slice(&(segs.len() as u32).to_be_bytes());
        p.extend(targets);
        p.extend(segs);
        let mut c = [0u8; 16];
        c[0] = EXTENDED_COPY;
        c[1] = SA_EXTENDED_COPY_LID1;
        c[10..14].copy_from_slice(&(p.len() as u32).to_be_bytes());
        (c, p)
    }

    /// RECEIVE COPY RESULTS, OPERATING PARAMETERS.
    pub fn copy_operating_parameters(alloc: u32) -> [u8; 16] {
        let mut c = [0u8; 16];
        c[0] = RECEIVE_COPY_RESULTS;
        c[1] = SA_COPY_OPERATING_PARAMETERS;
        c[10..14].copy_from_slice(&alloc.to_be_bytes());
        c
    }

    /// What a copy manager takes in one EXTENDED COPY (LID1).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct CopyLimits {
        pub max_targets: u16,
        pub max_segments: u16,
        /// Bytes of target and segment descriptors together.
        pub max_descriptor_list: u32,
        /// Bytes one segment may copy (0: no limit).
        pub max_segment_bytes: u32,
    }

    /// Parses OPERATING PARAMETERS data (SPC-4 §6.18.4).
    pub fn parse_copy_limits(d: &[u8]) -> Result<CopyLimits, String> {
        if d.len() < 20 {
            return Err(format!(
                "operating parameters are {} bytes, need 20",
                d.len()
            ));
        }
        let u16_at = |i: usize| u16::from_be_bytes([d[i], d[i + 1]]);
        let u32_at = |i: usize| u32::from_be_bytes([d[i], d[i + 1], d[i + 2], d[i + 3]]);
        Ok(CopyLimits {
            max_targets: u16_at(8),
            max_segments: u16_at(10),
            max_descriptor_list: u32_at(12),
            max_segment_bytes: u32_at(16),
        })
    }

    /// RECEIVE ROD TOKEN INFORMATION for `list_id`.
    pub fn receive_rod_token_information(list_id: u32, alloc: u32) -> [u8; 16] {
        let mut c = [0u8; 16];
        c[0] = RECEIVE_COPY_RESULTS;
        c[1] = SA_RECEIVE_ROD_TOKEN_INFORMATION;
        c[2..6].copy_from_slice(&list_id.to_be_bytes());
        c[10..14].copy_from_slice(&alloc.to_be_bytes());
        c
    }

    /// What RECEIVE ROD TOKEN INFORMATION said.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RodInfo {
        /// The service action it reports on (10h POPULATE TOKEN, 11h WRITE
        /// USING TOKEN).
        pub service_action: u8,
        /// COPY OPERATION STATUS: 01h done, 02h failed, 03h done with part
        /// of the ROD, 10h/11h in progress.
        pub status: u8,
        /// Blocks transferred (when the units are blocks).
        pub transfer_count: u64,
        pub token: Option<[u8; 512]>,
    }

    /// Parses RECEIVE ROD TOKEN INFORMATION data.
    pub fn parse_rod_info(d: &[u8]) -> Result<RodInfo, String> {
        if d.len() < 32 {
            return Err(format!(
                "ROD token information is {} bytes, need 32",
                d.len()
            ));
        }
        let off = 32 + usize::from(d[13]);
        let token = match d.get(off..off + 4) {
            Some(l) if u32::from_be_bytes([l[0], l[1], l[2], l[3]]) >= 514 => {
                let t = d
                    .get(off + 6..off + 6 + 512)
                    .ok_or("ROD token information ends inside its token")?;
                let mut b = [0u8; 512];
                b.copy_from_slice(t);
                Some(b)
            }
            _ => None,
        };
        Ok(RodInfo {
            service_action: d[4] & 0x1F,
            status: d[5] & 0x7F,
            transfer_count: be(d, 16, 8),
            token,
        })
    }
}

/// The data a CDB moves, in bytes, when the CDB is of the standard set or
/// the vendor set; `None` when no command of either has that opcode.
pub fn transfer_length(cdb: &[u8]) -> Option<u64> {
    if let Some(op) = find(cdb) {
        if cdb.len() >= op.usage.len() {
            return Some(op.transfer(&cdb[..op.usage.len()]));
        }
        return None;
    }
    vendor(cdb).map(|(_, n)| n)
}

/// The direction of a CDB's data, for the standard and the vendor set.
pub fn direction(cdb: &[u8]) -> Option<Dir> {
    if let Some(op) = find(cdb) {
        if cdb.len() >= op.usage.len() {
            return Some(op.direction(&cdb[..op.usage.len()]));
        }
        return None;
    }
    vendor(cdb).map(|(d, _)| d)
}

/// The vendor copy-session commands: 16 bytes, the length at bytes 10-13.
fn vendor(cdb: &[u8]) -> Option<(Dir, u64)> {
    if cdb.len() < 16 {
        return None;
    }
    let n = be(cdb, 10, 4);
    let dir = match cdb[0] {
        crate::cdb::COPY_SESSION_OUT => Dir::Out,
        crate::cdb::COPY_SESSION_IN => Dir::In,
        _ => return None,
    };
    Some((if n == 0 { Dir::None } else { dir }, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_consistent() {
        for (i, o) in OPS.iter().enumerate() {
            assert_eq!(o.usage[0], o.opcode, "{}", o.name);
            let len = match o.opcode >> 5 {
                0 => 6,
                1 | 2 => 10,
                4 => 16,
                5 => 12,
                _ => 0,
            };
            assert_eq!(o.usage.len(), len, "{}: CDB length of its group", o.name);
            assert_eq!(*o.usage.last().unwrap(), 0, "{}: CONTROL", o.name);
            if let Some(sa) = o.sa {
                assert_eq!(o.usage[1] & 0x1F, sa, "{}", o.name);
            }
            for p in &OPS[..i] {
                assert!(!(p.opcode == o.opcode && p.sa == o.sa), "{} twice", o.name);
            }
        }
    }

    #[test]
    fn lengths_and_directions() {
        let mut w10 = [0u8; 10];
        w10[0] = WRITE_10;
        w10[8] = 3;
        assert_eq!(transfer_length(&w10), Some(1536));
        assert_eq!(direction(&w10), Some(Dir::Out));
        let mut r6 = [READ_6, 0, 0, 0, 0, 0];
        assert_eq!(transfer_length(&r6), Some(256 * 512));
        r6[4] = 2;
        assert_eq!(transfer_length(&r6), Some(1024));
        let mut v16 = [0u8; 16];
        v16[0] = VERIFY_16;
        v16[13] = 4;
        assert_eq!(direction(&v16), Some(Dir::None), "BYTCHK 0 moves nothing");
        v16[1] = 0x02;
        assert_eq!(transfer_length(&v16), Some(2048));
        let mut caw = [0u8; 16];
        caw[0] = COMPARE_AND_WRITE;
        caw[13] = 1;
        assert_eq!(transfer_length(&caw), Some(1024));
        let mut ws = [0u8; 16];
        ws[0] = WRITE_SAME_16;
        assert_eq!(transfer_length(&ws), Some(512));
        ws[1] = 0x01;
        assert_eq!(transfer_length(&ws), Some(0), "NDOB");
        let mut rc = [0u8; 16];
        rc[0] = SERVICE_ACTION_IN_16;
        rc[1] = SA_READ_CAPACITY_16;
        rc[13] = 32;
        assert_eq!(transfer_length(&rc), Some(32));
        assert_eq!(transfer_length(&[0xFF; 16]), None);
    }

    #[test]
    fn reserved_bits_are_invalid_fields_at_their_byte() {
        let op = find(&[READ_10]).unwrap();
        let mut c = [0u8; 10];
        c[0] = READ_10;
        assert!(op.check(&c).is_ok());
        c[1] = 0x20; // RDPROTECT: no protection information
        assert_eq!(op.check(&c), Err(CopyError::InvalidCdbField(1)));
        c[1] = 0;
        c[9] = 0x04; // NACA
        assert_eq!(op.check(&c), Err(CopyError::InvalidCdbField(9)));
        assert_eq!(op.check(&c[..6]), Err(CopyError::InvalidCdbField(6)));
    }
}
