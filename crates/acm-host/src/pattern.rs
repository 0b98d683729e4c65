//! Reproducible test data and checksums over devices.
//!
//! The byte at absolute offset `o` for seed `s` depends only on `(s, o)`, so any part of
//! a pattern can be regenerated or verified without the rest, and writing a range in
//! pieces gives the same bytes as writing it at once.

use crate::{DiskIo, HostError};
use sha2::{Digest, Sha256};

/// Size of the chunks written and read, bounding memory whatever the device size.
pub const CHUNK: usize = 4 << 20;

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The 8 pattern bytes of the aligned word holding offset `o`.
fn word(seed: u64, o: u64) -> [u8; 8] {
    splitmix64(splitmix64(seed) ^ (o / 8)).to_le_bytes()
}

/// Fills `buf` with the pattern of `seed` from absolute offset `offset`.
pub fn fill(seed: u64, offset: u64, buf: &mut [u8]) {
    let mut o = offset;
    let mut rest = buf;
    while !rest.is_empty() {
        let w = word(seed, o);
        let from = (o % 8) as usize;
        let n = (8 - from).min(rest.len());
        rest[..n].copy_from_slice(&w[from..from + n]);
        rest = &mut rest[n..];
        o = o.wrapping_add(n as u64);
    }
}

/// Writes the pattern of `seed` over `[offset, offset + length)` of `dev`. The range is
/// checked before anything is written.
pub fn write_pattern<D: DiskIo + ?Sized>(
    dev: &mut D,
    seed: u64,
    offset: u64,
    length: u64,
) -> Result<(), HostError> {
    if offset
        .checked_add(length)
        .is_none_or(|end| end > dev.size())
    {
        return Err(HostError::OutOfRange {
            device: dev.name().to_string(),
            offset,
            length,
            size: dev.size(),
        });
    }
    let mut buf = vec![0u8; length.min(CHUNK as u64) as usize];
    let mut done = 0u64;
    while done < length {
        let n = (length - done).min(CHUNK as u64) as usize;
        fill(seed, offset + done, &mut buf[..n]);
        dev.write_at(offset + done, &buf[..n])?;
        done += n as u64;
    }
    Ok(())
}

/// Lowercase hex SHA-256 of the whole device.
pub fn checksum<D: DiskIo + ?Sized>(dev: &mut D) -> Result<String, HostError> {
    let size = dev.size();
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; size.min(CHUNK as u64) as usize];
    let mut done = 0u64;
    while done < size {
        let n = (size - done).min(CHUNK as u64) as usize;
        dev.read_at(done, &mut buf[..n])?;
        hasher.update(&buf[..n]);
        done += n as u64;
    }
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{HostDevice, MemDisk};

    fn dev(sizes: &[usize]) -> HostDevice {
        let disks = sizes
            .iter()
            .map(|&s| Box::new(MemDisk::zeroed(s)) as Box<dyn DiskIo>)
            .collect();
        HostDevice::new("/dev/vg01", disks)
    }

    #[test]
    fn byte_depends_only_on_seed_and_offset() {
        let mut whole = [0u8; 100];
        fill(7, 1000, &mut whole);
        for (i, &b) in whole.iter().enumerate() {
            let mut one = [0u8; 1];
            fill(7, 1000 + i as u64, &mut one);
            assert_eq!(one[0], b);
        }
        let mut other = [0u8; 100];
        fill(8, 1000, &mut other);
        assert_ne!(whole, other);
        fill(7, u64::MAX - 3, &mut other[..4]);
    }

    #[test]
    fn writing_in_two_halves_equals_writing_once() {
        // Larger than a chunk and spread over uneven disks to exercise both splits.
        let sizes = [3 << 20, 5 << 20 | 3, 1 << 20];
        let len = (9 << 20) - 100;
        let mut once = dev(&sizes);
        write_pattern(&mut once, 42, 50, len).unwrap();
        let mut halves = dev(&sizes);
        write_pattern(&mut halves, 42, 50 + len / 2 + 1, len - len / 2 - 1).unwrap();
        write_pattern(&mut halves, 42, 50, len / 2 + 1).unwrap();
        assert_eq!(checksum(&mut once).unwrap(), checksum(&mut halves).unwrap());
        let mut head = [1u8; 50];
        once.read_at(0, &mut head).unwrap();
        assert_eq!(head, [0; 50]);
        let mut some = [0u8; 16];
        once.read_at(3 << 20, &mut some).unwrap();
        let mut expect = [0u8; 16];
        fill(42, 3 << 20, &mut expect);
        assert_eq!(some, expect);
    }

    #[test]
    fn refuses_a_pattern_beyond_the_device() {
        let mut d = dev(&[10]);
        let err = write_pattern(&mut d, 1, 5, 6).unwrap_err();
        assert!(err.to_string().contains("/dev/vg01"), "{err}");
        assert_eq!(
            checksum(&mut d).unwrap(),
            checksum(&mut dev(&[10])).unwrap()
        );
    }

    #[test]
    fn checksum_of_known_data() {
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(checksum(&mut MemDisk(b"abc".to_vec())).unwrap(), abc);
        let mut split = HostDevice::new(
            "/dev/vg01",
            vec![
                Box::new(MemDisk(b"a".to_vec())),
                Box::new(MemDisk(b"bc".to_vec())),
            ],
        );
        assert_eq!(checksum(&mut split).unwrap(), abc);
        assert_eq!(
            checksum(&mut MemDisk::default()).unwrap(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // Several chunks give the digest of the whole content.
        let data: Vec<u8> = (0..(9 << 20) + 7).map(|i| (i * 31 % 251) as u8).collect();
        let expect = hex::encode(Sha256::digest(&data));
        assert_eq!(checksum(&mut MemDisk(data)).unwrap(), expect);
    }
}
