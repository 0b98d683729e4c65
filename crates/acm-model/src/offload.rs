//! OPC on an array that answers only the standard command set: the same
//! point-in-time copy made with the T10 copy offload. The source's blocks
//! are frozen in a point-in-time ROD token (POPULATE TOKEN on the source
//! LUN) and written to the destination (WRITE USING TOKEN on its LUN): what
//! OPC's logical copy promises, the data as of the command. The copy is
//! whole when the command ends, so no session remains to report on.
//!
//! An array that offers EXTENDED COPY but no tokens copies the blocks as
//! they are while the copy runs: a point-in-time copy only because the
//! source stays quiesced by the command's pre-processing until the copy has
//! ended (the command returns after it), which the command says.

use crate::extent::BoxInfo;
use acm_scsi::driver::{Driver, DriverError};
use acm_scsi::sbc::offload::Segment;

/// The driver of one LUN, as the host opens it.
type Lun = Driver<Box<dyn acm_scsi::transport::Transport>>;

/// How a standard-profile copy was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// By point-in-time ROD token.
    Token,
    /// By EXTENDED COPY, the source quiesced throughout.
    ExtendedCopy,
}

/// Copies `from` onto `to` with what the source's device offers: a ROD
/// token, else EXTENDED COPY; `Ok(None)` when it offers neither (nothing
/// was sent beyond INQUIRY).
pub fn copy_offloaded(from: &BoxInfo, to: &BoxInfo) -> Result<Option<How>, DriverError> {
    let mut src = acm_host::scsi::driver_to(&from.box_id, from.olu);
    let offers = src.offload_offers()?;
    if offers.tokens {
        copy_by_token(&mut src, from, to)?;
        Ok(Some(How::Token))
    } else if offers.extended_copy {
        extended_copy(&mut src, from, to)?;
        Ok(Some(How::ExtendedCopy))
    } else {
        Ok(None)
    }
}

/// The most blocks one segment copies (its count is 16 bits).
const SEGMENT_BLOCKS: u64 = u16::MAX as u64;

/// EXTENDED COPY of `from` onto `to`, the source's LUN as copy manager, in
/// as many commands as its operating parameters ask.
fn extended_copy(src: &mut Lun, from: &BoxInfo, to: &BoxInfo) -> Result<(), DriverError> {
    if from.blocks != to.blocks {
        return Err(DriverError::Argument(format!(
            "the volumes differ in size ({} and {} blocks)",
            from.blocks, to.blocks
        )));
    }
    let limits = src.copy_limits()?;
    let from_id = src.lu_designator()?;
    let to_id = acm_host::scsi::driver_to(&to.box_id, to.olu).lu_designator()?;
    let mut per_segment = SEGMENT_BLOCKS;
    if limits.max_segment_bytes > 0 {
        per_segment = per_segment.min(u64::from(limits.max_segment_bytes) / 512);
    }
    // Two target descriptors of 32 bytes, then 28 bytes a segment.
    let by_list = (u64::from(limits.max_descriptor_list).saturating_sub(64) / 28).max(1);
    let per_command = u64::from(limits.max_segments).clamp(1, by_list) as usize;
    if per_segment == 0 || limits.max_targets < 2 {
        return Err(DriverError::Malformed(format!(
            "the copy manager takes {} targets and {} bytes a segment",
            limits.max_targets, limits.max_segment_bytes
        )));
    }
    let mut segments = Vec::new();
    let mut at = 0;
    while at < from.blocks {
        let n = (from.blocks - at).min(per_segment);
        segments.push(Segment {
            src: 0,
            dst: 1,
            blocks: n as u16,
            src_lba: from.start_lba + at,
            dst_lba: to.start_lba + at,
        });
        at += n;
    }
    let list_id = list_id() as u8;
    for (i, chunk) in segments.chunks(per_command).enumerate() {
        src.extended_copy(list_id.wrapping_add(i as u8), &[&from_id, &to_id], chunk)?;
    }
    Ok(())
}

/// The most blocks one range descriptor names (a token holds up to 64).
const RANGE_BLOCKS: u64 = 1 << 25;
/// The most range descriptors of one command.
const MAX_RANGES: usize = 64;

/// Copies `from` onto `to` by ROD token, `src` being the source's LUN.
fn copy_by_token(src: &mut Lun, from: &BoxInfo, to: &BoxInfo) -> Result<(), DriverError> {
    if from.blocks != to.blocks {
        return Err(DriverError::Argument(format!(
            "the volumes differ in size ({} and {} blocks)",
            from.blocks, to.blocks
        )));
    }
    let ranges = |start: u64, blocks: u64| -> Vec<(u64, u32)> {
        let mut v = Vec::new();
        let mut at = 0;
        while at < blocks {
            let n = (blocks - at).min(RANGE_BLOCKS);
            v.push((start + at, n as u32));
            at += n;
        }
        v
    };
    let (sr, dr) = (
        ranges(from.start_lba, from.blocks),
        ranges(to.start_lba, to.blocks),
    );
    if sr.len() > MAX_RANGES {
        return Err(DriverError::Argument(format!(
            "a volume of {} blocks is more than one token holds",
            from.blocks
        )));
    }
    let list_id = list_id();
    let token = src.populate_token(list_id, &sr)?;
    let mut dst = acm_host::scsi::driver_to(&to.box_id, to.olu);
    let written = dst.write_using_token(list_id.wrapping_add(1), &token, true, &dr)?;
    if written != to.blocks {
        return Err(DriverError::Malformed(format!(
            "WRITE USING TOKEN wrote {written} of {} blocks",
            to.blocks
        )));
    }
    Ok(())
}

/// A list identifier no other command of this host is likely to use now.
fn list_id() -> u32 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    (std::process::id() << 16) ^ t
}
