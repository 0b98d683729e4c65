//! Why a host operation was refused or failed.

use acm_core::store::StoreError;

/// Every refusal names the device, volume group or mount point concerned, because
/// the texts end up verbatim in command output.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("'{name}' is not a valid {what} ({rule})")]
    InvalidName {
        name: String,
        what: &'static str,
        rule: &'static str,
    },
    #[error("{0} does not exist")]
    NoSuchDevice(String),
    #[error("{0} is not attached")]
    NotAttached(String),
    #[error("{0} is already attached")]
    AlreadyAttached(String),
    #[error("OLU {olu} of box {box_name} ({box_id}) is already attached as {device}")]
    LunAttached {
        box_name: String,
        box_id: String,
        olu: u32,
        device: String,
    },
    #[error("{device}: {reason}")]
    Invalid { device: String, reason: String },
    #[error("{0} is not a VxVM disk")]
    NotVxvm(String),
    #[error("{disk} belongs to volume group {vg}")]
    InVolumeGroup { disk: String, vg: String },
    #[error("{0} is already in use as a volume group or logical volume name")]
    NameInUse(String),
    #[error("{0} is not varied on")]
    Inactive(String),
    #[error("{device} has mounted logical volumes ({mount_points})")]
    MountedLvs {
        device: String,
        mount_points: String,
    },
    #[error("{device} is mounted on {mount_point}")]
    Mounted { device: String, mount_point: String },
    #[error("{mount_point} is already in use by {device}")]
    MountPointInUse { mount_point: String, device: String },
    #[error("{0} is not mounted")]
    NotMounted(String),
    #[error("{0} has no configured mount point")]
    NoMountPoint(String),
    #[error(
        "{device}: access of {length} bytes at offset {offset} is beyond its size of {size} bytes"
    )]
    OutOfRange {
        device: String,
        offset: u64,
        length: u64,
        size: u64,
    },
    /// The kernel or one of its tools (losetup, mount, umount) refused.
    #[error("{0}")]
    System(String),
    #[error("{device}: I/O error: {source}")]
    Io {
        device: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl HostError {
    /// An I/O failure of `device`, for [`crate::DiskIo`] implementations.
    pub fn io(
        device: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        HostError::Io {
            device: device.into(),
            source: source.into(),
        }
    }

    pub(crate) fn invalid(device: &str, reason: impl Into<String>) -> Self {
        HostError::Invalid {
            device: device.to_string(),
            reason: reason.into(),
        }
    }
}
