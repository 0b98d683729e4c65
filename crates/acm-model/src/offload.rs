//! OPC on an array that answers only the standard command set: the same
//! point-in-time copy made with the T10 copy offload. The source's blocks
//! are frozen in a point-in-time ROD token (POPULATE TOKEN on the source
//! LUN) and written to the destination (WRITE USING TOKEN on its LUN): what
//! OPC's logical copy promises, the data as of the command. The copy is
//! whole when the command ends, so no session remains to report on.

use crate::extent::BoxInfo;
use acm_scsi::driver::DriverError;

/// The most blocks one range descriptor names (a token holds up to 64).
const RANGE_BLOCKS: u64 = 1 << 25;
/// The most range descriptors of one command.
const MAX_RANGES: usize = 64;

/// Copies `from` onto `to` by ROD token; `Ok(false)` when the source's
/// device offers no tokens (nothing was sent beyond INQUIRY).
pub fn copy_by_token(from: &BoxInfo, to: &BoxInfo) -> Result<bool, DriverError> {
    let mut src = acm_host::scsi::driver_to(&from.box_id, from.olu);
    if !src.offers_tokens()? {
        return Ok(false);
    }
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
    Ok(true)
}

/// A list identifier no other command of this host is likely to use now.
fn list_id() -> u32 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    (std::process::id() << 16) ^ t
}
