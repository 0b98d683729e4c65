//! POPULATE TOKEN, WRITE USING TOKEN and RECEIVE ROD TOKEN INFORMATION
//! (SBC-3 §5.9, §5.47; SPC-4 §6.18.6): the token-based copy offload Windows
//! calls ODX. POPULATE TOKEN makes a point-in-time token of ranges of the LUN
//! ([`crate::token`] keeps their bytes as of then); WRITE USING TOKEN writes
//! the token's blocks to ranges of a LUN of the same box, through the data
//! path; RECEIVE ROD TOKEN INFORMATION reports either, and hands out the
//! token. Both copy commands run to their end before they complete.

use super::*;
use crate::token::{self, Unusable};

/// The most block device range descriptors of one command.
pub const MAX_RANGES: u16 = 64;

/// The end of one POPULATE TOKEN or WRITE USING TOKEN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Done {
    sa: u8,
    /// COPY OPERATION STATUS: 01h completed, 02h with errors, 03h completed
    /// with partial use of the ROD.
    status: u8,
    blocks: u64,
    /// The token a POPULATE TOKEN made.
    token: Option<Vec<u8>>,
}

impl Lu<'_> {
    fn hold_rod(&mut self, list_id: u32, d: Done) {
        let me = self.nexus.clone();
        self.unit().tokens.hold(&me, list_id, d);
    }
}

fn illegal(asc: u8, ascq: u8) -> Completion {
    check(Sense::new(sense::ILLEGAL_REQUEST, asc, ascq))
}

/// Block device range descriptors: (LBA, blocks) each, checked against the
/// LUN's capacity; the descriptors' length is at `len_at`. A refusal is the
/// command's completion.
fn ranges(list: &[u8], len_at: usize, cap: u64) -> Result<Vec<(u64, u64)>, Completion> {
    let n = be(list, len_at, 2) as usize;
    let start = len_at + 2;
    if n == 0 || !n.is_multiple_of(16) {
        return Err(error(&invalid_param(len_at as u16)));
    }
    if start + n > list.len() {
        return Err(error(&CopyError::ParameterLength));
    }
    if n / 16 > usize::from(MAX_RANGES) {
        // TOO MANY SEGMENT DESCRIPTORS, as SBC-3 says for range descriptors.
        return Err(illegal(0x26, 0x08));
    }
    let mut out = Vec::new();
    for d in list[start..start + n].chunks(16) {
        let (lba, blocks) = (be(d, 0, 8), be(d, 8, 4));
        if lba.checked_add(blocks).is_none_or(|e| e > cap) {
            return Err(error(&CopyError::LbaOutOfRange));
        }
        if blocks > 0 {
            out.push((lba, blocks));
        }
    }
    Ok(out)
}

impl Lu<'_> {
    /// The LUN's NAA designator, which its tokens carry as their creator.
    fn naa(&mut self) -> Result<Vec<u8>, CopyError> {
        let page = device_id(&self.identity()?);
        let naa = designators(&page).find(|d| d[1] & 0x0F == 3);
        Ok(naa.map(<[u8]>::to_vec).unwrap_or_default())
    }

    /// POPULATE TOKEN.
    pub(super) fn populate_token(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
    ) -> Result<Completion, CopyError> {
        let list_id = be(cdb, 6, 4) as u32;
        let list = out(&data, be(cdb, 10, 4))?;
        if list.len() < 16 {
            return Err(CopyError::ParameterLength);
        }
        if be(list, 0, 2) as usize + 2 > list.len() {
            return Err(CopyError::ParameterLength);
        }
        let rtv = list[2] & 0x02 != 0;
        let mut timeout = be(list, 4, 4) as u32;
        if timeout == 0 {
            timeout = token::DEFAULT_TIMEOUT;
        }
        if timeout > token::MAX_TIMEOUT {
            return Err(invalid_param(4));
        }
        if rtv && be(list, 8, 4) as u32 != token::ROD_POINT_IN_TIME {
            return Err(invalid_param(8));
        }
        let ranges = match ranges(list, 14, self.blocks()?) {
            Ok(r) => r,
            Err(c) => return Ok(c),
        };
        let blocks: u64 = ranges.iter().map(|(_, n)| n).sum();
        if blocks > token::MAX_TOKEN_BLOCKS {
            return Err(invalid_param(14));
        }
        if self.array.tokens_mut().full() {
            // INSUFFICIENT RESOURCES.
            return Ok(illegal(0x55, 0x03));
        }
        let creator = self.naa()?;
        let bytes = self
            .array
            .populate_token(&self.bid, self.olu, ranges, timeout, &creator)?;
        self.hold_rod(
            list_id,
            Done {
                sa: SA_POPULATE_TOKEN,
                status: 0x01,
                blocks,
                token: Some(bytes),
            },
        );
        Ok(Completion::good(0))
    }

    /// WRITE USING TOKEN.
    pub(super) fn write_using_token(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
    ) -> Result<Completion, CopyError> {
        let list_id = be(cdb, 6, 4) as u32;
        let list = out(&data, be(cdb, 10, 4))?;
        if list.len() < 552 {
            return Err(CopyError::ParameterLength);
        }
        let del_tkn = list[2] & 0x02 != 0;
        let offset = be(list, 8, 8);
        let tok = list[16..528].to_vec();
        let dest = match ranges(list, 534, self.blocks()?) {
            Ok(r) => r,
            Err(c) => return Ok(c),
        };
        let zero = be(&tok, 0, 4) as u32 == token::ROD_ZERO;
        if !zero && be(&tok, 0, 4) as u32 != token::ROD_POINT_IN_TIME {
            // UNSUPPORTED TOKEN TYPE.
            return Ok(illegal(0x23, 0x01));
        }
        if be(&tok, 6, 2) as u16 != token::TOKEN_LENGTH {
            // INVALID TOKEN LENGTH.
            return Ok(illegal(0x23, 0x0A));
        }
        let rod_blocks = if zero {
            u64::MAX
        } else {
            match self.array.tokens_mut().find(&tok) {
                Ok(t) if t.bid != self.bid => {
                    // REMOTE TOKEN USAGE NOT SUPPORTED: another box's token.
                    return Ok(illegal(0x23, 0x02));
                }
                Ok(t) => t.blocks,
                Err(Unusable::Unknown) => return Ok(illegal(0x23, 0x04)),
                Err(Unusable::Expired) => return Ok(illegal(0x23, 0x07)),
                Err(Unusable::Deleted) => return Ok(illegal(0x23, 0x09)),
            }
        };
        if offset >= rod_blocks {
            return Err(invalid_param(8));
        }
        let mut r = offset;
        let mut written = 0u64;
        let mut buf = vec![0u8; 1 << 20];
        'ranges: for (lba, n) in &dest {
            let mut done = 0;
            while done < *n {
                if r >= rod_blocks {
                    break 'ranges;
                }
                let k = (n - done).min(rod_blocks - r).min(buf.len() as u64 / BLOCK);
                let b = &mut buf[..(k * BLOCK) as usize];
                if zero {
                    b.fill(0);
                } else {
                    self.array.read_token(&tok, r, b)?;
                }
                self.write(lba + done, b)?;
                done += k;
                r += k;
                written += k;
            }
        }
        let requested: u64 = dest.iter().map(|(_, n)| n).sum();
        if del_tkn && !zero {
            self.array.tokens_mut().delete(&tok);
        }
        self.hold_rod(
            list_id,
            Done {
                sa: SA_WRITE_USING_TOKEN,
                status: if written < requested { 0x03 } else { 0x01 },
                blocks: written,
                token: None,
            },
        );
        Ok(Completion::good(0))
    }

    /// RECEIVE ROD TOKEN INFORMATION.
    pub(super) fn receive_rod_token_information(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
    ) -> Result<Completion, CopyError> {
        let list_id = be(cdb, 2, 4) as u32;
        let me = self.nexus.clone();
        let Some(done) = self.unit().tokens.get(&me, list_id).cloned() else {
            return Err(invalid_cdb(2));
        };
        let mut d = vec![0u8; 32];
        d[4] = done.sa;
        d[5] = done.status;
        d[12] = 0x00; // the copy's SCSI status: GOOD
        d[15] = 0xF0; // transfer count in logical blocks
        d[16..24].copy_from_slice(&done.blocks.to_be_bytes());
        // No sense data; then the ROD token descriptors.
        match &done.token {
            Some(t) => {
                d.extend_from_slice(&((t.len() + 2) as u32).to_be_bytes());
                d.extend_from_slice(&[0, 0]);
                d.extend_from_slice(t);
            }
            None => d.extend_from_slice(&0u32.to_be_bytes()),
        }
        let n = (d.len() - 4) as u32;
        d[0..4].copy_from_slice(&n.to_be_bytes());
        Ok(reply(data, &d))
    }
}

/// The Block Device ROD Token Limits descriptor of VPD 8Fh.
pub(super) fn limits_descriptor() -> Vec<u8> {
    let mut d = vec![0u8; 36];
    d[0..2].copy_from_slice(&0x0000u16.to_be_bytes());
    d[2..4].copy_from_slice(&32u16.to_be_bytes());
    d[10..12].copy_from_slice(&MAX_RANGES.to_be_bytes());
    d[12..16].copy_from_slice(&token::MAX_TIMEOUT.to_be_bytes());
    d[16..20].copy_from_slice(&token::DEFAULT_TIMEOUT.to_be_bytes());
    d[20..28].copy_from_slice(&token::MAX_TOKEN_BLOCKS.to_be_bytes());
    d[28..36].copy_from_slice(&2048u64.to_be_bytes());
    d
}
