//! Disks reached through the copy-session driver.
//!
//! A host disk is a LUN of a box; its bytes travel as READ(16)/WRITE(16) CDBs
//! through a transport, so the array's data path (tracking, copy-on-write,
//! mirroring) sees every host write. The host's disk record chooses the
//! transport: a disk recorded with a device node ([`crate::Disk::node`]) is
//! reached with `SG_IO` on that node, or over iSCSI when the node is an
//! `iscsi://` URL; any other is a LUN of a simulated box, reached through the
//! simulator's transport.

use crate::{Disk, DiskIo, DiskRef, HostDevice, HostError, HostStore, Resolved};
use acm_scsi::driver::Driver;
use acm_scsi::model::BLOCK;
use acm_scsi::sgio::SgDevice;
use acm_scsi::transport::{Completion, Data, Transport, TransportError};
use acm_sim::SocketTransport;
use std::time::Duration;

/// The transport to a LUN: `SG_IO` on `node` when the disk has one (an
/// iSCSI session when it is an `iscsi://` URL), otherwise the simulated box
/// `box_id`.
pub fn transport_for(box_id: &str, olu: u32, node: Option<&str>) -> Box<dyn Transport> {
    match node.map(open_node) {
        Some(Ok(t)) => t,
        Some(Err(e)) => Box::new(Unavailable(e)),
        None => Box::new(SocketTransport::from_env(box_id, olu)),
    }
}

/// This host's iSCSI initiator name.
pub fn initiator_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let host: String = host
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!(
        "iqn.2026-12.org.acm-rs:host.{}",
        if host.is_empty() { "localhost" } else { &host }
    )
}

/// A transport over a device node: `SG_IO`, or iSCSI for an `iscsi://` URL
/// (one session per transport, logged in here).
fn open_node(node: &str) -> Result<Box<dyn Transport>, String> {
    if node.starts_with("iscsi://") {
        let url = acm_iscsi::initiator::Url::parse(node)?;
        let i = acm_iscsi::initiator::Initiator::connect(&url, &initiator_name())
            .map_err(|e| format!("{node}: {e}"))?;
        return Ok(Box::new(i));
    }
    SgDevice::open(node)
        .map(|d| Box::new(d) as Box<dyn Transport>)
        .map_err(|e| e.to_string())
}

/// The transport to LUN `olu` of the box identified by `box_id`, chosen by
/// this host's record of the disk on that LUN (a LUN no disk of this host is
/// attached to, e.g. the peer's of a server-to-server pair, is a simulated
/// box's).
pub fn transport_to(box_id: &str, olu: u32) -> Box<dyn Transport> {
    let node = recorded_node(box_id, olu);
    transport_for(box_id, olu, node.as_deref())
}

/// The device node this host records for LUN `olu` of `box_id`. The host's
/// device nodes are read once per version of its file (path, modification time and
/// length), since a command creates a driver per LUN it asks about.
fn recorded_node(box_id: &str, olu: u32) -> Option<String> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    type Nodes = HashMap<(String, u32), String>;
    type Version = (std::path::PathBuf, std::time::SystemTime, u64);
    static CACHE: Mutex<Option<(Version, Nodes)>> = Mutex::new(None);
    let store = HostStore::open();
    let meta = std::fs::metadata(store.path()).ok()?;
    let version = (
        store.path().to_path_buf(),
        meta.modified().ok()?,
        meta.len(),
    );
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if cache.as_ref().is_none_or(|(v, _)| *v != version) {
        let nodes = store
            .nodes()
            .map(|n| n.into_iter().collect())
            .unwrap_or_default();
        *cache = Some((version, nodes));
    }
    let (_, nodes) = cache.as_ref()?;
    nodes.get(&(box_id.to_string(), olu)).cloned()
}

/// A device node that could not be opened: every command fails with why.
struct Unavailable(String);

impl Transport for Unavailable {
    fn execute(
        &mut self,
        _cdb: &[u8],
        _data: Data<'_>,
        _timeout: Duration,
    ) -> Result<Completion, TransportError> {
        Err(TransportError::Ioctl {
            path: self.0.clone(),
            source: std::io::Error::other("the device node cannot be used"),
        })
    }
}

/// The disk record of the LUN behind device node `node`: its box identifier
/// and OLU from INQUIRY (VPD 83h), its size from READ CAPACITY(16), as an
/// operating system learns them; refused when the node is not a SCSI device
/// that answers.
pub fn probe_node(node: &str) -> Result<Disk, HostError> {
    let dev = open_node(node).map_err(|e| HostError::io(node, e))?;
    let mut d = Driver::new(dev);
    let id = d
        .identity()
        .map_err(|e| HostError::io(node, format!("not a SCSI device that answers INQUIRY: {e}")))?;
    let blocks = d
        .capacity()
        .map_err(|e| HostError::io(node, format!("READ CAPACITY failed: {e}")))?;
    Ok(Disk {
        box_name: id.product.trim().to_string(),
        box_id: id.box_id.as_str().to_string(),
        olu: id.olu,
        size: blocks * BLOCK,
        vxvm: false,
        node: Some(node.to_string()),
        block: None,
    })
}

/// The driver for LUN `olu` of the box identified by `box_id`.
pub fn driver_to(box_id: &str, olu: u32) -> Driver<Box<dyn Transport>> {
    Driver::new(transport_to(box_id, olu))
}

/// The driver for the LUN behind a host disk.
pub fn driver_for(disk: &DiskRef) -> Driver<Box<dyn Transport>> {
    Driver::new(transport_for(&disk.box_id, disk.olu, disk.node.as_deref()))
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
