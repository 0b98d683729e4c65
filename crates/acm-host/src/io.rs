//! Byte-level access to host devices, independent of how the disks are reached.
//!
//! The array driver supplies one [`DiskIo`] per LUN; [`HostDevice`] joins them the way
//! the host sees the device (a volume group is its disks concatenated in order), so
//! copies, patterns and checksums work the same whatever sits underneath.

use crate::{HostError, Resolved};

/// One disk's bytes.
pub trait DiskIo {
    /// What error messages call the disk; implementations that know a device name say it.
    fn name(&self) -> &str {
        "disk"
    }
    /// Size in bytes; constant for the life of the object.
    fn size(&self) -> u64;
    /// Fills `buf` from `offset`; the whole range must lie within [`DiskIo::size`].
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), HostError>;
    /// Writes `data` at `offset`; the whole range must lie within [`DiskIo::size`].
    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), HostError>;
}

/// `[offset, offset + len)` lies within `size`, or the refusal naming `device`.
fn check_range(device: &str, offset: u64, len: usize, size: u64) -> Result<(), HostError> {
    let length = len as u64;
    match offset.checked_add(length) {
        Some(end) if end <= size => Ok(()),
        _ => Err(HostError::OutOfRange {
            device: device.to_string(),
            offset,
            length,
            size,
        }),
    }
}

/// A disk held in memory, for tests and demonstrations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemDisk(pub Vec<u8>);

impl MemDisk {
    /// A zero-filled disk of `size` bytes.
    pub fn zeroed(size: usize) -> MemDisk {
        MemDisk(vec![0; size])
    }

    fn range(&self, offset: u64, len: usize) -> Result<std::ops::Range<usize>, HostError> {
        check_range(self.name(), offset, len, self.size())?;
        // In range of a Vec, so the offset fits in usize.
        let start = offset as usize;
        Ok(start..start + len)
    }
}

impl DiskIo for MemDisk {
    fn size(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), HostError> {
        let r = self.range(offset, buf.len())?;
        buf.copy_from_slice(&self.0[r]);
        Ok(())
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), HostError> {
        let r = self.range(offset, data.len())?;
        self.0[r].copy_from_slice(data);
        Ok(())
    }
}

/// A host device as one byte range over its disks, concatenated in order.
pub struct HostDevice {
    name: String,
    disks: Vec<Box<dyn DiskIo>>,
    size: u64,
}

impl std::fmt::Debug for HostDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostDevice")
            .field("name", &self.name)
            .field("disks", &self.disks.len())
            .field("size", &self.size)
            .finish()
    }
}

impl HostDevice {
    /// `name` is used in error messages; `disks` are in device order.
    pub fn new(name: impl Into<String>, disks: Vec<Box<dyn DiskIo>>) -> HostDevice {
        let size = disks.iter().fold(0u64, |s, d| s.saturating_add(d.size()));
        HostDevice {
            name: name.into(),
            disks,
            size,
        }
    }

    /// Opens each disk of a resolved device with `open` (the array driver's job).
    pub fn open(
        resolved: &Resolved,
        open: impl FnMut(&crate::DiskRef) -> Result<Box<dyn DiskIo>, HostError>,
    ) -> Result<HostDevice, HostError> {
        let disks = resolved.disks.iter().map(open).collect::<Result<_, _>>()?;
        Ok(HostDevice::new(resolved.device.clone(), disks))
    }

    /// Calls `op(disk, offset within disk, start..end within the request)` for each piece
    /// of `[offset, offset + len)`, after checking the whole range first so that an
    /// out-of-range request touches nothing.
    fn split(
        &mut self,
        offset: u64,
        len: usize,
        mut op: impl FnMut(&mut dyn DiskIo, u64, std::ops::Range<usize>) -> Result<(), HostError>,
    ) -> Result<(), HostError> {
        check_range(&self.name, offset, len, self.size)?;
        let (mut pos, mut done, mut start) = (offset, 0usize, 0u64);
        for disk in &mut self.disks {
            let end = start.saturating_add(disk.size());
            if done < len && pos < end {
                let n = ((end - pos).min((len - done) as u64)) as usize;
                op(disk.as_mut(), pos - start, done..done + n)?;
                pos += n as u64;
                done += n;
            }
            start = end;
        }
        Ok(())
    }
}

impl DiskIo for HostDevice {
    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), HostError> {
        self.split(offset, buf.len(), |d, at, r| d.read_at(at, &mut buf[r]))
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), HostError> {
        self.split(offset, data.len(), |d, at, r| d.write_at(at, &data[r]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vg(parts: &[&[u8]]) -> HostDevice {
        let disks = parts
            .iter()
            .map(|p| Box::new(MemDisk(p.to_vec())) as Box<dyn DiskIo>)
            .collect();
        HostDevice::new("/dev/vg01", disks)
    }

    #[test]
    fn concatenates_disks_in_order() {
        let mut dev = vg(&[b"abc", b"", b"de", b"fghi"]);
        assert_eq!(dev.size(), 9);
        let mut all = [0u8; 9];
        dev.read_at(0, &mut all).unwrap();
        assert_eq!(&all, b"abcdefghi");
        // A read spanning all three boundaries.
        let mut mid = [0u8; 5];
        dev.read_at(2, &mut mid).unwrap();
        assert_eq!(&mid, b"cdefg");
        dev.read_at(8, &mut mid[..1]).unwrap();
        assert_eq!(mid[0], b'i');
    }

    #[test]
    fn writes_split_across_boundaries() {
        let mut dev = vg(&[&[0; 3], &[0; 2], &[0; 4]]);
        dev.write_at(2, b"XYZW").unwrap();
        let mut all = [0u8; 9];
        dev.read_at(0, &mut all).unwrap();
        assert_eq!(&all, b"\0\0XYZW\0\0\0");
        dev.write_at(9, b"").unwrap();
    }

    #[test]
    fn refuses_out_of_range_without_touching_anything() {
        let mut dev = vg(&[&[0; 3], &[0; 2]]);
        let err = dev.write_at(3, b"abc").unwrap_err();
        assert!(matches!(
            err,
            HostError::OutOfRange {
                offset: 3,
                length: 3,
                size: 5,
                ..
            }
        ));
        assert!(err.to_string().contains("/dev/vg01"), "{err}");
        let mut all = [1u8; 5];
        dev.read_at(0, &mut all).unwrap();
        assert_eq!(all, [0; 5]);
        assert!(dev.read_at(u64::MAX, &mut [0u8; 2]).is_err());
        assert!(dev.read_at(6, &mut []).is_err());
        assert!(MemDisk::zeroed(4).read_at(2, &mut [0u8; 3]).is_err());
    }

    #[test]
    fn opens_a_resolved_device_disk_by_disk() {
        let mut host = crate::Host::default();
        for (n, size) in [(1, 3u64), (2, 5)] {
            let disk = crate::Disk {
                box_name: "box".into(),
                box_id: "0".repeat(40),
                olu: n,
                size,
                vxvm: false,
                node: None,
                block: None,
            };
            host.attach(&format!("/dev/hdisk{n}"), disk).unwrap();
        }
        host.create_vg("vg01", &["/dev/hdisk2", "/dev/hdisk1"])
            .unwrap();
        let r = host.resolve("/dev/vg01").unwrap();
        let dev = HostDevice::open(&r, |d| Ok(Box::new(MemDisk::zeroed(d.size as usize)))).unwrap();
        assert_eq!((dev.name(), dev.size()), ("/dev/vg01", 8));
    }
}
