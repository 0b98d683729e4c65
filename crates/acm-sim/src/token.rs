//! Point-in-time ROD tokens (SBC-3 POPULATE TOKEN / WRITE USING TOKEN): a
//! token stands for some blocks of a LUN as they were when it was made, as
//! an OPC session's source does. Until the token ends, every change to those
//! blocks first keeps their old bytes aside (copy on write, into a sparse
//! file per token under `$ACMSIM_HOME/tokens/`, one bit per block in
//! memory), so a WRITE USING TOKEN reads the point in time whatever the host
//! wrote since.
//!
//! Tokens live in the array service's memory: a restarted service knows
//! none (a WRITE USING TOKEN then gets TOKEN UNKNOWN), and removes the files
//! a killed one left.

use crate::array::{Array, Bid};
use acm_scsi::model::{CopyError, BLOCK};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The ROD token's length field (the bytes after the first 8).
pub const TOKEN_LENGTH: u16 = 0x01F8;
/// ROD type "point in time copy, default".
pub const ROD_POINT_IN_TIME: u32 = 0x0080_0000;
/// ROD type "block device zero": the ROD of zeros, a token nobody makes.
pub const ROD_ZERO: u32 = 0xFFFF_0001;
/// The most live tokens of one home.
pub const MAX_TOKENS: usize = 64;
/// The most blocks a token represents.
pub const MAX_TOKEN_BLOCKS: u64 = 1 << 31;
/// Inactivity timeouts (seconds): the default, and the longest a host may ask.
pub const DEFAULT_TIMEOUT: u32 = 60;
pub const MAX_TIMEOUT: u32 = 3600;
/// Ended tokens remembered, to tell expired and deleted from unknown.
const REMEMBERED: usize = 256;

/// Why a token cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    Unknown,
    Expired,
    Deleted,
}

/// One live token.
#[derive(Debug)]
pub struct Token {
    pub id: u64,
    /// The 512 bytes the host holds.
    pub bytes: Vec<u8>,
    pub bid: Bid,
    pub olu: u32,
    /// The ranges it stands for, in order: (LBA, blocks).
    pub ranges: Vec<(u64, u64)>,
    pub blocks: u64,
    timeout: Duration,
    last_used: Instant,
    /// One bit per ROD block: its point-in-time bytes are in `file`.
    kept: Vec<u64>,
    file: File,
    path: PathBuf,
}

impl Token {
    fn is_kept(&self, r: u64) -> bool {
        self.kept[(r / 64) as usize] & (1 << (r % 64)) != 0
    }

    fn keep(&mut self, r: u64) {
        self.kept[(r / 64) as usize] |= 1 << (r % 64);
    }

    /// The ROD block that source block `lba` is, if the token covers it.
    fn rod_block(&self, lba: u64) -> Option<u64> {
        let mut base = 0;
        for (start, n) in &self.ranges {
            if lba >= *start && lba < start + n {
                return Some(base + lba - start);
            }
            base += n;
        }
        None
    }

    /// The source block of ROD block `r`, and how many blocks from there
    /// stay in its range.
    fn source_block(&self, r: u64) -> Option<(u64, u64)> {
        let mut base = 0;
        for (start, n) in &self.ranges {
            if r < base + n {
                return Some((start + r - base, base + n - r));
            }
            base += n;
        }
        None
    }

    fn expired(&self, now: Instant) -> bool {
        now.duration_since(self.last_used) > self.timeout
    }
}

/// Every token of the home, and the ones that ended lately.
#[derive(Debug, Default)]
pub struct Tokens {
    live: Vec<Token>,
    ended: Vec<(Vec<u8>, Unusable)>,
    next: u64,
}

/// Where the tokens' kept blocks are.
pub fn dir(home: &Path) -> PathBuf {
    home.join("tokens")
}

impl Tokens {
    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// Whether no more tokens may be made now.
    pub fn full(&mut self) -> bool {
        self.expire();
        self.live.len() >= MAX_TOKENS
    }

    pub fn live(&self) -> impl Iterator<Item = &Token> {
        self.live.iter()
    }

    fn end(&mut self, i: usize, why: Unusable) {
        let t = self.live.remove(i);
        let _ = std::fs::remove_file(&t.path);
        if self.ended.len() >= REMEMBERED {
            self.ended.remove(0);
        }
        self.ended.push((t.bytes, why));
    }

    /// Ends the tokens whose inactivity timeout passed.
    pub fn expire(&mut self) {
        let now = Instant::now();
        while let Some(i) = self.live.iter().position(|t| t.expired(now)) {
            self.end(i, Unusable::Expired);
        }
    }

    /// The live token whose bytes the host sent, refreshed as used.
    pub fn find(&mut self, bytes: &[u8]) -> Result<&mut Token, Unusable> {
        self.expire();
        match self.live.iter().position(|t| t.bytes == bytes) {
            Some(i) => {
                let t = &mut self.live[i];
                t.last_used = Instant::now();
                Ok(t)
            }
            None => Err(self
                .ended
                .iter()
                .rev()
                .find(|(e, _)| e == bytes)
                .map_or(Unusable::Unknown, |(_, why)| *why)),
        }
    }

    /// Deletes a token (WRITE USING TOKEN with DEL_TKN).
    pub fn delete(&mut self, bytes: &[u8]) {
        if let Some(i) = self.live.iter().position(|t| t.bytes == bytes) {
            self.end(i, Unusable::Deleted);
        }
    }
}

impl Array {
    /// Makes a point-in-time token of `ranges` of LUN `olu`; its bytes.
    /// `creator` is the LUN's designator, which the token carries.
    pub(crate) fn populate_token(
        &mut self,
        bid: &Bid,
        olu: u32,
        ranges: Vec<(u64, u64)>,
        timeout_secs: u32,
        creator: &[u8],
    ) -> Result<Vec<u8>, CopyError> {
        self.tokens.expire();
        if self.tokens.live.len() >= MAX_TOKENS {
            return Err(CopyError::SessionLimit);
        }
        let blocks: u64 = ranges.iter().map(|(_, n)| n).sum();
        let dir = dir(self.home());
        std::fs::create_dir_all(&dir).map_err(|_| CopyError::HardwareError)?;
        self.tokens.next += 1;
        let id = self.tokens.next ^ (self.instance_id() << 40);
        let path = dir.join(format!("{id:016x}.cow"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|_| CopyError::HardwareError)?;
        let mut bytes = vec![0u8; 512];
        bytes[0..4].copy_from_slice(&ROD_POINT_IN_TIME.to_be_bytes());
        bytes[6..8].copy_from_slice(&TOKEN_LENGTH.to_be_bytes());
        bytes[8..16].copy_from_slice(&id.to_be_bytes());
        // The creating LUN's designator, then the bytes it represents.
        let n = creator.len().min(32);
        bytes[16..16 + n].copy_from_slice(&creator[..n]);
        bytes[48..64].copy_from_slice(&u128::from(blocks * BLOCK).to_be_bytes());
        // What makes a token unguessable: 64 random bytes.
        getrandom::fill(&mut bytes[128..192]).map_err(|_| CopyError::HardwareError)?;
        self.tokens.live.push(Token {
            id,
            bytes: bytes.clone(),
            bid: *bid,
            olu,
            ranges,
            blocks,
            timeout: Duration::from_secs(u64::from(timeout_secs)),
            last_used: Instant::now(),
            kept: vec![0; blocks.div_ceil(64) as usize],
            file,
            path,
        });
        Ok(bytes)
    }

    /// Keeps aside the point-in-time bytes of `[off, off+len)` of a LUN for
    /// every token that stands for them and has not kept them yet: called
    /// before anything changes LUN bytes.
    pub(crate) fn keep_for_tokens(
        &mut self,
        bid: &Bid,
        olu: u32,
        off: u64,
        len: u64,
    ) -> Result<(), CopyError> {
        if self.tokens.is_empty() || len == 0 {
            return Ok(());
        }
        let mut tokens = std::mem::take(&mut self.tokens);
        let r = self.keep_into(&mut tokens, bid, olu, off, len);
        self.tokens = tokens;
        r
    }

    fn keep_into(
        &mut self,
        tokens: &mut Tokens,
        bid: &Bid,
        olu: u32,
        off: u64,
        len: u64,
    ) -> Result<(), CopyError> {
        let (first, last) = (off / BLOCK, (off + len).div_ceil(BLOCK));
        for t in tokens
            .live
            .iter_mut()
            .filter(|t| t.bid == *bid && t.olu == olu)
        {
            // Runs of blocks not kept yet, consecutive in the LUN and the ROD.
            let mut lba = first;
            while lba < last {
                let Some(r) = t.rod_block(lba).filter(|r| !t.is_kept(*r)) else {
                    lba += 1;
                    continue;
                };
                let mut n = 1;
                while lba + n < last
                    && n < 2048
                    && t.rod_block(lba + n) == Some(r + n)
                    && !t.is_kept(r + n)
                {
                    n += 1;
                }
                let mut buf = vec![0u8; (n * BLOCK) as usize];
                self.raw_read(bid, olu, lba * BLOCK, &mut buf)?;
                t.file
                    .write_all_at(&buf, r * BLOCK)
                    .map_err(|_| CopyError::HardwareError)?;
                (r..r + n).for_each(|k| t.keep(k));
                lba += n;
            }
        }
        Ok(())
    }

    /// Reads ROD blocks `[r, r + buf/512)` of `token` as they were when it
    /// was made.
    pub(crate) fn read_token(
        &mut self,
        bytes: &[u8],
        r: u64,
        buf: &mut [u8],
    ) -> Result<(), CopyError> {
        let tokens = std::mem::take(&mut self.tokens);
        let res = (|| {
            let t = tokens
                .live
                .iter()
                .find(|t| t.bytes == bytes)
                .ok_or(CopyError::NoSuchSession)?;
            let n = buf.len() as u64 / BLOCK;
            let mut i = 0;
            while i < n {
                let here = &mut buf[(i * BLOCK) as usize..];
                if t.is_kept(r + i) {
                    t.file
                        .read_exact_at(&mut here[..BLOCK as usize], (r + i) * BLOCK)
                        .map_err(|_| CopyError::HardwareError)?;
                    i += 1;
                    continue;
                }
                // A run of blocks not kept: the LUN still has them.
                let (lba, left) = t.source_block(r + i).ok_or(CopyError::LbaOutOfRange)?;
                let mut run = 1;
                while run < left.min(n - i) && !t.is_kept(r + i + run) {
                    run += 1;
                }
                self.read_view(
                    &t.bid,
                    t.olu,
                    lba * BLOCK,
                    &mut here[..(run * BLOCK) as usize],
                )?;
                i += run;
            }
            Ok(())
        })();
        self.tokens = tokens;
        res
    }

    pub(crate) fn tokens_mut(&mut self) -> &mut Tokens {
        &mut self.tokens
    }

    /// The tokens, taken out of an array the service is about to drop (to
    /// put into the one it loads next).
    pub(crate) fn take_tokens(&mut self) -> Tokens {
        std::mem::take(&mut self.tokens)
    }

    pub(crate) fn put_tokens(&mut self, t: Tokens) {
        self.tokens = t;
    }
}
