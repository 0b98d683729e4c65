//! Returned data of the standard commands: INQUIRY (standard data and VPD pages
//! 00h, 80h, 83h) and READ CAPACITY(16).
//!
//! Encoders belong to the target, decoders to the driver; the decoders are
//! lenient where real devices differ (padding, extra designators) and strict only
//! about what this crate needs.

use crate::model::{BoxId, Identity, BLOCK};

/// Peripheral qualifier 000b, device type 00h (direct-access block device).
pub const PERIPHERAL: u8 = 0x00;
pub const VPD_SUPPORTED_PAGES: u8 = 0x00;
pub const VPD_UNIT_SERIAL: u8 = 0x80;
pub const VPD_DEVICE_ID: u8 = 0x83;

/// Length of the standard INQUIRY data the target returns.
pub const STANDARD_INQUIRY_LEN: usize = 36;
/// Longest serial number sent: keeps VPD 80h within a one-byte page length for
/// hosts that still read the SPC-3 layout.
pub const MAX_SERIAL: usize = 255;
pub const READ_CAPACITY_LEN: usize = 32;

/// Designation descriptor header bytes 0-1 of the box identifier: code set ASCII;
/// association "SCSI target device" (the box), designator type 0 (vendor specific).
const BOX_DESIGNATOR: [u8; 2] = [0x02, 0x20];
/// ...and of the OLU number: code set binary; association "logical unit", type 0.
const OLU_DESIGNATOR: [u8; 2] = [0x01, 0x00];

/// `s` as a space-padded ASCII field of `len` bytes; bytes that are not
/// printable ASCII become `?` and the rest is cut, so any `Identity` encodes.
fn ascii_field(s: &str, len: usize) -> Vec<u8> {
    let mut v: Vec<u8> = s
        .bytes()
        .map(|c| if (0x20..0x7F).contains(&c) { c } else { b'?' })
        .take(len)
        .collect();
    v.resize(len, b' ');
    v
}

/// An ASCII field without its padding (spaces or NULs, as devices use both).
fn ascii_text(b: &[u8]) -> String {
    let end = b
        .iter()
        .rposition(|c| *c != b' ' && *c != 0)
        .map_or(0, |i| i + 1);
    let start = b[..end].iter().position(|c| *c != b' ').unwrap_or(end);
    b[start..end]
        .iter()
        .map(|&c| {
            if (0x20..0x7F).contains(&c) {
                c as char
            } else {
                '?'
            }
        })
        .collect()
}

/// Standard INQUIRY data (SPC-4, 36 bytes).
pub fn standard_inquiry(id: &Identity) -> Vec<u8> {
    let mut v = vec![
        PERIPHERAL,
        0x00, // not removable
        0x06, // VERSION: SPC-4
        0x02, // RESPONSE DATA FORMAT 2
        (STANDARD_INQUIRY_LEN - 5) as u8,
        0x00,
        0x00,
        0x02, // CMDQUE
    ];
    v.extend(ascii_field(&id.vendor, 8));
    v.extend(ascii_field(&id.product, 16));
    v.extend(ascii_field(&id.revision, 4));
    v
}

/// Vendor, product and revision of standard INQUIRY data.
pub fn parse_standard_inquiry(d: &[u8]) -> Result<(String, String, String), String> {
    if d.len() < STANDARD_INQUIRY_LEN {
        return Err(format!(
            "standard INQUIRY data is {} bytes, need 36",
            d.len()
        ));
    }
    Ok((
        ascii_text(&d[8..16]),
        ascii_text(&d[16..32]),
        ascii_text(&d[32..36]),
    ))
}

fn vpd(page: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![PERIPHERAL, page];
    v.extend_from_slice(&u16::try_from(body.len()).unwrap_or(u16::MAX).to_be_bytes());
    v.extend_from_slice(body);
    v
}

pub fn vpd_supported_pages() -> Vec<u8> {
    vpd(
        VPD_SUPPORTED_PAGES,
        &[VPD_SUPPORTED_PAGES, VPD_UNIT_SERIAL, VPD_DEVICE_ID],
    )
}

pub fn vpd_serial(id: &Identity) -> Vec<u8> {
    let len = id.serial.len().min(MAX_SERIAL);
    vpd(VPD_UNIT_SERIAL, &ascii_field(&id.serial, len))
}

pub fn vpd_device_id(id: &Identity) -> Vec<u8> {
    let mut body = Vec::with_capacity(52);
    body.extend_from_slice(&BOX_DESIGNATOR);
    body.extend_from_slice(&[0, 40]);
    body.extend_from_slice(&id.box_id.0);
    body.extend_from_slice(&OLU_DESIGNATOR);
    body.extend_from_slice(&[0, 4]);
    body.extend_from_slice(&id.olu.to_be_bytes());
    vpd(VPD_DEVICE_ID, &body)
}

/// Total length of a VPD page as its header announces it.
pub fn vpd_total(d: &[u8]) -> Option<usize> {
    let b = d.get(2..4)?;
    Some(4 + usize::from(u16::from_be_bytes([b[0], b[1]])))
}

/// The body of a complete VPD page after checking its header.
fn vpd_body(d: &[u8], page: u8) -> Result<&[u8], String> {
    let total = vpd_total(d).ok_or("VPD page shorter than its header")?;
    if d.get(1) != Some(&page) {
        return Err(format!(
            "asked for VPD page {page:02x}h, got {:02x?}",
            d.get(1)
        ));
    }
    d.get(4..total).ok_or_else(|| {
        format!(
            "VPD page {page:02x}h announces {total} bytes, got {}",
            d.len()
        )
    })
}

pub fn parse_vpd_serial(d: &[u8]) -> Result<String, String> {
    vpd_body(d, VPD_UNIT_SERIAL).map(ascii_text)
}

/// Box identifier and OLU number from VPD page 83h.
pub fn parse_vpd_device_id(d: &[u8]) -> Result<(BoxId, u32), String> {
    let mut body = vpd_body(d, VPD_DEVICE_ID)?;
    let (mut box_id, mut olu) = (None, None);
    while body.len() >= 4 {
        let len = usize::from(body[3]);
        let Some(designator) = body.get(4..4 + len) else {
            return Err("VPD page 83h designator runs past the page".into());
        };
        // Byte 1 without PIV and the protocol-related bits: association and type.
        match ([body[0] & 0x0F, body[1] & 0x3F], len) {
            (BOX_DESIGNATOR, 40) => {
                let text = std::str::from_utf8(designator).unwrap_or("");
                box_id = Some(
                    BoxId::parse(text).ok_or("box identifier is not 40 printable characters")?,
                );
            }
            (OLU_DESIGNATOR, 4) => {
                olu = Some(u32::from_be_bytes([
                    designator[0],
                    designator[1],
                    designator[2],
                    designator[3],
                ]));
            }
            _ => {}
        }
        body = &body[4 + len..];
    }
    match (box_id, olu) {
        (Some(b), Some(o)) => Ok((b, o)),
        _ => Err("VPD page 83h lacks the box identifier or OLU designator".into()),
    }
}

/// READ CAPACITY(16) data. The field is the last LBA; a LUN of zero blocks
/// wraps to all ones, which no real capacity can produce, so every `u64`
/// capacity survives the trip.
pub fn read_capacity_data(blocks: u64) -> [u8; READ_CAPACITY_LEN] {
    let mut d = [0u8; READ_CAPACITY_LEN];
    d[..8].copy_from_slice(&blocks.wrapping_sub(1).to_be_bytes());
    d[8..12].copy_from_slice(&(BLOCK as u32).to_be_bytes());
    d
}

/// Capacity in blocks and the block length from READ CAPACITY(16) data.
pub fn parse_read_capacity(d: &[u8]) -> Result<(u64, u32), String> {
    if d.len() < 12 {
        return Err(format!(
            "READ CAPACITY(16) data is {} bytes, need 12",
            d.len()
        ));
    }
    let mut last = [0u8; 8];
    last.copy_from_slice(&d[..8]);
    let block_len = u32::from_be_bytes([d[8], d[9], d[10], d[11]]);
    Ok((u64::from_be_bytes(last).wrapping_add(1), block_len))
}

/// The 8-byte LUN field of LUN `n` (SAM-5 §4.7): peripheral device
/// addressing below 256, flat space addressing up to 16383; `None` beyond.
pub fn encode_lun(n: u32) -> [u8; 8] {
    let mut l = [0u8; 8];
    if n < 256 {
        l[1] = n as u8;
    } else {
        let n = n.min(0x3FFF);
        l[0] = 0x40 | (n >> 8) as u8;
        l[1] = n as u8;
    }
    l
}

/// The LUN an 8-byte LUN field addresses, in either of [`encode_lun`]'s
/// methods with a single level; `None` for any other form.
pub fn decode_lun(l: &[u8; 8]) -> Option<u32> {
    if l[2..].iter().any(|b| *b != 0) {
        return None;
    }
    match l[0] >> 6 {
        0 if l[0] == 0 => Some(u32::from(l[1])),
        1 => Some(u32::from(l[0] & 0x3F) << 8 | u32::from(l[1])),
        _ => None,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn lun_fields_round_trip() {
        for n in [0u32, 1, 255, 256, 4095, 16383] {
            assert_eq!(decode_lun(&encode_lun(n)), Some(n), "{n}");
        }
        assert_eq!(encode_lun(5), [0, 5, 0, 0, 0, 0, 0, 0]);
        assert_eq!(encode_lun(300), [0x41, 0x2C, 0, 0, 0, 0, 0, 0]);
        assert_eq!(decode_lun(&[0, 1, 0, 0, 0, 0, 0, 1]), None);
        assert_eq!(decode_lun(&[0x80, 1, 0, 0, 0, 0, 0, 0]), None);
    }
    use super::*;

    fn identity() -> Identity {
        Identity {
            vendor: "FUJITSU".into(),
            product: "ETERNUS_DXL".into(),
            revision: "V10L".into(),
            serial: "4601234567".into(),
            box_id: BoxId::parse("00ETERNUSDXLS3ET092DL####HK4601234567###").expect("40 chars"),
            olu: 0x1234,
        }
    }

    #[test]
    fn standard_inquiry_layout() {
        let d = standard_inquiry(&identity());
        assert_eq!(d.len(), 36);
        assert_eq!(d[4], 31);
        assert_eq!(&d[8..16], b"FUJITSU ");
        assert_eq!(&d[16..32], b"ETERNUS_DXL     ");
        assert_eq!(&d[32..36], b"V10L");
        let (v, p, r) = parse_standard_inquiry(&d).expect("parses");
        assert_eq!(
            (v.as_str(), p.as_str(), r.as_str()),
            ("FUJITSU", "ETERNUS_DXL", "V10L")
        );
    }

    #[test]
    fn vpd_pages() {
        let id = identity();
        assert_eq!(vpd_supported_pages(), [0, 0, 0, 3, 0x00, 0x80, 0x83]);
        let s = vpd_serial(&id);
        assert_eq!(&s[..4], &[0, 0x80, 0, 10]);
        assert_eq!(parse_vpd_serial(&s).as_deref(), Ok("4601234567"));
        let d = vpd_device_id(&id);
        assert_eq!(vpd_total(&d), Some(d.len()));
        assert_eq!(&d[4..8], &[0x02, 0x20, 0x00, 40]);
        assert_eq!(&d[48..56], &[0x01, 0x00, 0x00, 4, 0, 0, 0x12, 0x34]);
        assert_eq!(parse_vpd_device_id(&d), Ok((id.box_id, id.olu)));
        assert!(parse_vpd_device_id(&d[..50]).is_err());
        assert!(parse_vpd_serial(&d).is_err());
    }

    #[test]
    fn capacity_wraps_only_at_zero() {
        for blocks in [0, 1, 2048, u64::MAX] {
            let d = read_capacity_data(blocks);
            assert_eq!(parse_read_capacity(&d), Ok((blocks, 512)));
        }
        assert_eq!(
            &read_capacity_data(2048)[..12],
            &[0, 0, 0, 0, 0, 0, 0x07, 0xFF, 0, 0, 2, 0]
        );
    }

    #[test]
    fn fields_are_sanitised() {
        assert_eq!(ascii_field("é", 4), b"??  ");
        assert_eq!(ascii_field("TOO LONG", 3), b"TOO");
        assert_eq!(ascii_text(b"  AB C \0\0"), "AB C");
    }
}
