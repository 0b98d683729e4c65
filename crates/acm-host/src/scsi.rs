//! Disks reached through the copy-session driver.
//!
//! A host disk is a LUN of a box; its bytes travel as READ(16)/WRITE(16) CDBs
//! through a transport, so the array's data path (tracking, copy-on-write,
//! mirroring) sees every host write. Today every box is simulated and the
//! transport is the in-process [`SimTransport`]; a disk on a real device node
//! would use the SG_IO transport behind the same driver.

use crate::{DiskIo, DiskRef, HostDevice, HostError, Resolved};
use acm_scsi::driver::Driver;
use acm_scsi::model::BLOCK;
use acm_scsi::transport::Transport;
use acm_sim::SimTransport;

/// The transport to LUN `olu` of the box identified by `box_id`.
pub fn transport_to(box_id: &str, olu: u32) -> Box<dyn Transport> {
    Box::new(SimTransport::from_env(box_id, olu))
}

/// The driver for LUN `olu` of the box identified by `box_id`.
pub fn driver_to(box_id: &str, olu: u32) -> Driver<Box<dyn Transport>> {
    Driver::new(transport_to(box_id, olu))
}

/// The driver for the LUN behind a host disk.
pub fn driver_for(disk: &DiskRef) -> Driver<Box<dyn Transport>> {
    driver_to(&disk.box_id, disk.olu)
}

/// One host disk as byte-addressed storage over the driver. Unaligned edges are
/// read, merged and written back whole blocks, as a block device layer would.
pub struct ScsiDisk {
    name: String,
    size: u64,
    driver: Driver<Box<dyn Transport>>,
}

impl ScsiDisk {
    pub fn open(disk: &DiskRef) -> ScsiDisk {
        ScsiDisk {
            name: disk.device.clone(),
            size: disk.size,
            driver: driver_for(disk),
        }
    }

    fn err(&self, e: impl std::fmt::Display) -> HostError {
        HostError::io(self.name.clone(), e.to_string())
    }

    /// Reads whole blocks covering `[offset, offset+len)`; returns them and the offset
    /// of the first requested byte within.
    fn read_blocks(&mut self, offset: u64, len: usize) -> Result<(Vec<u8>, usize), HostError> {
        let first = offset / BLOCK;
        let end = (offset + len as u64).div_ceil(BLOCK);
        let mut buf = vec![0u8; ((end - first) * BLOCK) as usize];
        self.driver.read(first, &mut buf).map_err(|e| self.err(e))?;
        Ok((buf, (offset - first * BLOCK) as usize))
    }
}

impl DiskIo for ScsiDisk {
    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), HostError> {
        if offset.is_multiple_of(BLOCK) && (buf.len() as u64).is_multiple_of(BLOCK) {
            return self
                .driver
                .read(offset / BLOCK, buf)
                .map_err(|e| self.err(e));
        }
        let (blocks, at) = self.read_blocks(offset, buf.len())?;
        buf.copy_from_slice(&blocks[at..at + buf.len()]);
        Ok(())
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), HostError> {
        if offset.is_multiple_of(BLOCK) && (data.len() as u64).is_multiple_of(BLOCK) {
            return self
                .driver
                .write(offset / BLOCK, data)
                .map_err(|e| self.err(e));
        }
        let (mut blocks, at) = self.read_blocks(offset, data.len())?;
        blocks[at..at + data.len()].copy_from_slice(data);
        self.driver
            .write(offset / BLOCK, &blocks)
            .map_err(|e| self.err(e))
    }
}

/// Opens a resolved host device (disk, VxVM disk or volume group) for I/O.
pub fn open_device(resolved: &Resolved) -> Result<HostDevice, HostError> {
    HostDevice::open(resolved, |d| {
        Ok(Box::new(ScsiDisk::open(d)) as Box<dyn DiskIo>)
    })
}
