//! Box information: what identifies the storage behind a volume, the same for
//! backup and replication management, and the extent the driver addresses.

use serde::{Deserialize, Serialize};

/// Disks of 2 Tbyte and over cannot be used, by backup or by replication
/// management: the product restricts its volumes to smaller disks.
pub const MAX_SIZE: u64 = 2 << 40;

/// Box information: what identifies the storage behind a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoxInfo {
    /// The box's 40-character identifier.
    pub box_id: String,
    /// The LUN's OLU number.
    pub olu: u32,
    /// First block of the extent on the LUN.
    pub start_lba: u64,
    /// Extent size in 512-byte blocks.
    pub blocks: u64,
}

impl BoxInfo {
    /// The driver's extent of this box information, `blocks` long from its
    /// first block; `None` when the box identifier is not one (a damaged list).
    pub fn extent_of(&self, blocks: u64) -> Option<acm_scsi::model::Extent> {
        Some(acm_scsi::model::Extent {
            box_id: acm_scsi::model::BoxId::parse(&self.box_id)?,
            olu: self.olu,
            start_lba: self.start_lba,
            blocks,
        })
    }

    /// The driver's extent of the whole of this box information.
    pub fn extent(&self) -> Option<acm_scsi::model::Extent> {
        self.extent_of(self.blocks)
    }

    /// Whether the two extents share at least one block of the same LUN.
    pub fn overlaps(&self, other: &BoxInfo) -> bool {
        self.box_id == other.box_id
            && self.olu == other.olu
            && self.start_lba < other.start_lba.saturating_add(other.blocks)
            && other.start_lba < self.start_lba.saturating_add(self.blocks)
    }
}
