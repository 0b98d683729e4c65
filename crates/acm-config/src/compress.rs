//! Unix `compress` (`.Z`): LZW in block mode with codes of 9 to 16 bits, as
//! `acmcapture` must write its `.tar.Z` archive and `uncompress`/`gzip -d` read it.
//!
//! The format has one quirk every reader emulates: `compress` wrote codes in
//! groups of eight, so whenever the code width changes (or the table is
//! cleared) the reader skips to the next multiple of `width` bytes counted from
//! where the previous width began. The encoder therefore tracks the reader's
//! table counter, which lags its own by one code, and pads exactly where the
//! reader will skip.

use std::collections::HashMap;

/// The magic bytes of a `.Z` file.
pub const MAGIC: [u8; 2] = [0x1f, 0x9d];
/// Widest code.
const MAX_BITS: u32 = 16;
/// Flag of the third header byte: the table is cleared with code 256.
const BLOCK_MODE: u8 = 0x80;
const CLEAR: u32 = 256;
const FIRST: u32 = 257;
const TABLE_END: u32 = 1 << MAX_BITS;

/// LSB-first code writer that knows where the current width's groups began.
struct Codes {
    out: Vec<u8>,
    acc: u64,
    pending: u32,
    /// Bits written since the start of the code stream.
    bits: u64,
    /// Where the groups of the current width begin.
    origin: u64,
    width: u32,
    /// The reader's next free table entry before it reads the next code.
    reader_free: u32,
    first: bool,
}

impl Codes {
    fn put(&mut self, value: u32, n: u32) {
        self.acc |= u64::from(value) << self.pending;
        self.pending += n;
        self.bits += u64::from(n);
        while self.pending >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.pending -= 8;
        }
    }

    /// Skips to the next group boundary of the current width, as the reader does.
    fn align(&mut self) {
        let group = u64::from(self.width) * 8;
        let used = self.bits - self.origin;
        let mut skip = (group - used % group) % group;
        while skip > 0 {
            let n = skip.min(32) as u32;
            self.put(0, n);
            skip -= u64::from(n);
        }
        self.origin = self.bits;
    }

    fn max_code(&self) -> u32 {
        if self.width == MAX_BITS {
            TABLE_END
        } else {
            (1 << self.width) - 1
        }
    }

    fn emit(&mut self, code: u32) {
        if self.reader_free > self.max_code() {
            self.align();
            self.width += 1;
        }
        self.put(code, self.width);
        if code == CLEAR {
            self.align();
            self.width = 9;
            // The reader stores a dummy entry at 256 after a clear.
            self.reader_free = FIRST - 1;
        } else if self.first {
            self.first = false;
        } else if self.reader_free < TABLE_END {
            self.reader_free += 1;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.pending > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// `data` compressed in the `.Z` format.
pub fn compress(data: &[u8]) -> Vec<u8> {
    let mut codes = Codes {
        out: vec![MAGIC[0], MAGIC[1], BLOCK_MODE | MAX_BITS as u8],
        acc: 0,
        pending: 0,
        bits: 0,
        origin: 0,
        width: 9,
        reader_free: FIRST,
        first: true,
    };
    let mut table: HashMap<u32, u32> = HashMap::new();
    let mut next = FIRST;
    let mut prefix: Option<u32> = None;
    for &byte in data {
        let Some(p) = prefix else {
            prefix = Some(u32::from(byte));
            continue;
        };
        let key = (p << 8) | u32::from(byte);
        if let Some(&code) = table.get(&key) {
            prefix = Some(code);
            continue;
        }
        codes.emit(p);
        if next < TABLE_END {
            table.insert(key, next);
            next += 1;
        } else {
            // The table is full: start afresh so the codes follow the data again.
            codes.emit(CLEAR);
            table.clear();
            next = FIRST;
        }
        prefix = Some(u32::from(byte));
    }
    if let Some(p) = prefix {
        codes.emit(p);
    }
    codes.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::process::{Command, Stdio};

    fn gunzip(z: &[u8]) -> Option<Vec<u8>> {
        let mut child = Command::new("gzip")
            .arg("-dc")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .ok()?;
        let mut input = child.stdin.take()?;
        let z = z.to_vec();
        let feeder = std::thread::spawn(move || input.write_all(&z));
        let out = child.wait_with_output().ok()?;
        let _ = feeder.join();
        assert!(out.status.success(), "gzip -dc refused the data");
        Some(out.stdout)
    }

    fn sample(len: usize, seed: u32) -> Vec<u8> {
        // Text-like runs mixed with noise, so every width and a table clear occur.
        let mut x = seed;
        (0..len)
            .map(|i| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                if (i / 4096) % 3 == 0 {
                    (x >> 16) as u8
                } else {
                    b"backup management list "[i % 23]
                }
            })
            .collect()
    }

    #[test]
    fn header_and_empty_input() {
        assert_eq!(compress(b""), vec![0x1f, 0x9d, 0x90]);
        assert_eq!(&compress(b"a")[..3], &[0x1f, 0x9d, 0x90]);
    }

    #[test]
    fn gzip_reads_what_we_write() {
        for (len, seed) in [(1, 1), (2, 2), (300, 3), (70_000, 4), (1_500_000, 5)] {
            let data = sample(len, seed);
            let z = compress(&data);
            let Some(back) = gunzip(&z) else {
                println!("note: gzip is not installed; skipped");
                return;
            };
            assert_eq!(back.len(), data.len(), "length {len}");
            assert!(back == data, "content differs for length {len}");
        }
        let repetitive = vec![7u8; 1 << 20];
        let z = compress(&repetitive);
        assert!(z.len() < 8 << 10, "{}", z.len());
        if let Some(back) = gunzip(&z) {
            assert!(back == repetitive);
        }
    }
}
