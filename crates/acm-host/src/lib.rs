//! The simulated host: what an AIX managed server sees.
//!
//! AdvancedCopy Manager on AIX operates on physical disks (`/dev/hdiskN`), VxVM
//! disks (`/dev/vx/dmp/hdiskN`) and LVM volume groups (`/dev/vgname`), and must
//! refuse to copy over mounted file systems. This crate keeps that picture in
//! one state file ([`HostStore`]) so several commands, run as separate
//! processes, see the same host. [`Host::resolve`] turns a device name into the
//! LUNs of simulated boxes behind it; [`HostDevice`] presents those LUNs as one
//! byte range, independent of how the array driver reaches them, and
//! [`pattern`] writes and checksums test data over it.

mod error;
mod io;
mod model;
pub mod pattern;
pub mod scsi;
mod store;

pub use error::HostError;
pub use io::{DiskIo, HostDevice, MemDisk};
pub use model::{
    DeviceKind, Disk, DiskRef, Host, LogicalVolume, Resolved, VolumeGroup, VXVM_DMP_PREFIX,
};
pub use store::{HostStore, HOST_FORMAT, HOST_VERSION};
