//! EXTENDED COPY (LID1) and RECEIVE COPY RESULTS (SPC-4 §6.4, §6.18): the
//! box as its own copy manager. A host names the box's LUNs by the
//! designators of their VPD page 83h (identification descriptor targets,
//! E4h) and asks for block-to-block segments (02h); the box copies them
//! through its data path, so copy sessions, tracking and faults see the
//! writes as they see a host's. The copy runs to its end before the command
//! completes; its result is held per I_T nexus and list identifier for
//! RECEIVE COPY RESULTS.

use super::*;

/// The most target descriptors one parameter list may hold.
pub const MAX_TARGETS: u16 = 4;
/// The most segment descriptors one parameter list may hold.
pub const MAX_SEGMENTS: u16 = 16;
/// The most bytes of target and segment descriptors together.
pub const MAX_DESCRIPTOR_LIST: u32 = 1024;
/// The most bytes one segment copies (its 16-bit block count).
pub const MAX_SEGMENT_BYTES: u32 = 65535 * BLOCK as u32;
/// How much is copied per read and write.
const CHUNK: u64 = 1 << 20;

/// Descriptor type codes.
const IDENTIFICATION_TARGET: u8 = 0xE4;
const BLOCK_TO_BLOCK: u8 = 0x02;
/// LIST ID USAGE 11b: the result is not held.
const NOT_HELD: u8 = 0x03;

const SA_OPERATING_PARAMETERS: u8 = SA_COPY_OPERATING_PARAMETERS;

/// The end of one EXTENDED COPY, as COPY STATUS reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Done {
    ok: bool,
    segments: u16,
    bytes: u64,
}

fn illegal(asc: u8, ascq: u8) -> Completion {
    check(Sense::new(sense::ILLEGAL_REQUEST, asc, ascq))
}

fn list_length_error() -> Completion {
    illegal(0x1A, 0x00)
}

/// COPY ABORTED: the segment (counted from 0) that could not be done.
fn aborted(asc: u8, ascq: u8, segment: usize) -> Completion {
    check(Sense {
        information: Some(segment as u64),
        ..Sense::new(sense::COPY_ABORTED, asc, ascq)
    })
}

/// Why a segment was not copied.
#[derive(Debug, Clone, Copy)]
enum Failed {
    /// Its source or destination index names no target of this box.
    Unreachable,
    /// Its blocks lie beyond a LUN's end.
    OutOfRange,
    /// A reservation of the source or destination refuses this nexus.
    Conflict,
    /// Reading or writing failed, with this sense.
    Io(u8, u8),
}

impl Failed {
    /// The command's completion when segment `i` failed so.
    fn completion(self, i: usize) -> Completion {
        match self {
            Failed::Unreachable => aborted(0x0D, 0x02, i),
            Failed::OutOfRange => aborted(0x00, 0x00, i),
            Failed::Conflict => conflict(),
            Failed::Io(asc, ascq) => aborted(asc, ascq, i),
        }
    }
}

/// A copy target: a LUN of this box.
#[derive(Debug, Clone, Copy)]
struct Target {
    olu: u32,
}

/// One block-to-block segment.
#[derive(Debug, Clone, Copy)]
struct Segment {
    src: usize,
    dst: usize,
    blocks: u64,
    src_lba: u64,
    dst_lba: u64,
}

impl Lu<'_> {
    /// EXTENDED COPY (LID1).
    pub(super) fn extended_copy(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
    ) -> Result<Completion, CopyError> {
        let len = be(cdb, 10, 4);
        let list = out(&data, len)?;
        if list.is_empty() {
            return Ok(Completion::good(0));
        }
        if list.len() < 16 {
            return Ok(list_length_error());
        }
        let list_id = list[0];
        let usage = (list[1] >> 3) & 0x03;
        let tdl = be(list, 2, 2) as usize;
        let sdl = be(list, 8, 4) as usize;
        let inline = be(list, 12, 4) as usize;
        if 16 + tdl + sdl + inline > list.len() {
            return Ok(list_length_error());
        }
        if inline != 0 {
            return Err(invalid_param(12));
        }
        if tdl + sdl > MAX_DESCRIPTOR_LIST as usize {
            return Ok(list_length_error());
        }
        if !tdl.is_multiple_of(32) {
            return Err(invalid_param(2));
        }
        if tdl / 32 > usize::from(MAX_TARGETS) {
            return Ok(illegal(0x26, 0x06));
        }
        let mut targets = Vec::new();
        for (i, d) in list[16..16 + tdl].chunks(32).enumerate() {
            if d[0] != IDENTIFICATION_TARGET {
                return Ok(illegal(0x26, 0x07));
            }
            // Peripheral device type 0 (block), and our block length.
            if d[1] & 0x1F != 0 {
                return Err(invalid_param((16 + i * 32 + 1) as u16));
            }
            if be(d, 29, 3) != BLOCK {
                return Err(invalid_param((16 + i * 32 + 29) as u16));
            }
            targets.push(self.designated(&d[4..24]));
        }
        let mut segments = Vec::new();
        let mut at = 16 + tdl;
        let end = 16 + tdl + sdl;
        while at < end {
            if end - at < 4 {
                return Ok(list_length_error());
            }
            let d = &list[at..end];
            if d[0] != BLOCK_TO_BLOCK {
                return Ok(illegal(0x26, 0x09));
            }
            let dlen = 4 + be(d, 2, 2) as usize;
            if dlen != 28 {
                return Err(invalid_param((at + 2) as u16));
            }
            if dlen > d.len() {
                return Ok(list_length_error());
            }
            if segments.len() == usize::from(MAX_SEGMENTS) {
                return Ok(illegal(0x26, 0x08));
            }
            segments.push(Segment {
                src: be(d, 4, 2) as usize,
                dst: be(d, 6, 2) as usize,
                blocks: be(d, 10, 2),
                src_lba: be(d, 12, 8),
                dst_lba: be(d, 20, 8),
            });
            at += dlen;
        }
        let mut held = Done {
            ok: true,
            segments: 0,
            bytes: 0,
        };
        let mut result = Completion::good(0);
        for (i, s) in segments.iter().enumerate() {
            match self.copy_segment(&targets, s) {
                Ok(bytes) => {
                    held.segments += 1;
                    held.bytes += bytes;
                }
                Err(f) => {
                    held.ok = false;
                    result = f.completion(i);
                    break;
                }
            }
        }
        if usage != NOT_HELD {
            let me = self.nexus.clone();
            self.unit().copies.hold(&me, u32::from(list_id), held);
        }
        Ok(result)
    }

    /// The LUN of this box a target descriptor's designator names (code
    /// set, association and type, length, designator: as in VPD 83h).
    fn designated(&mut self, designator: &[u8]) -> Option<Target> {
        let n = usize::from(designator[3]);
        if n == 0 || 4 + n > designator.len() {
            return None;
        }
        let want = (
            designator[0] & 0x0F,
            designator[1] & 0x3F,
            &designator[4..4 + n],
        );
        let olus: Vec<u32> = self
            .array
            .state(&self.bid)
            .map(|st| st.luns.keys().copied().collect())
            .unwrap_or_default();
        for olu in olus {
            let mut t = crate::target::LunTarget {
                array: self.array,
                bid: self.bid,
                olu,
            };
            let Ok(id) = acm_scsi::model::CopyTarget::identity(&mut t) else {
                continue;
            };
            let page = device_id(&id);
            if designators(&page).any(|d| (d[0] & 0x0F, d[1] & 0x3F, &d[4..]) == want) {
                return Some(Target { olu });
            }
        }
        None
    }

    /// Copies one segment; the bytes copied.
    fn copy_segment(&mut self, targets: &[Option<Target>], s: &Segment) -> Result<u64, Failed> {
        let (Some(Some(src)), Some(Some(dst))) = (targets.get(s.src), targets.get(s.dst)) else {
            return Err(Failed::Unreachable);
        };
        let (src, dst) = (*src, *dst);
        let size = |olu| self.array.lun(&self.bid, olu).map(|l| l.size_bytes / BLOCK);
        let fits = |lba: u64, cap: Result<u64, CopyError>| {
            cap.is_ok_and(|c| lba.checked_add(s.blocks).is_some_and(|e| e <= c))
        };
        if !fits(s.src_lba, size(src.olu)) || !fits(s.dst_lba, size(dst.olu)) {
            return Err(Failed::OutOfRange);
        }
        // Reservations of the two LUNs, as a read and a write of this nexus.
        let me = self.nexus.clone();
        let read_ok = allowed(
            self.units.unit(&self.bid, src.olu),
            &me,
            READ_16,
            &[READ_16],
        );
        let write_ok = allowed(
            self.units.unit(&self.bid, dst.olu),
            &me,
            WRITE_16,
            &[WRITE_16],
        );
        if !read_ok || !write_ok {
            return Err(Failed::Conflict);
        }
        let total = s.blocks * BLOCK;
        let (from, to) = (s.src_lba * BLOCK, s.dst_lba * BLOCK);
        // Overlapping ranges of one LUN copy from the end, as memmove does.
        let backwards = src.olu == dst.olu && to > from && to < from + total;
        let mut buf = vec![0u8; CHUNK.min(total) as usize];
        let mut done = 0u64;
        while done < total {
            let n = CHUNK.min(total - done);
            let at = if backwards { total - done - n } else { done };
            let b = &mut buf[..n as usize];
            let io = self
                .array
                .read_view(&self.bid, src.olu, from + at, b)
                .and_then(|()| self.array.write_view(&self.bid, dst.olu, to + at, b, None));
            if let Err(e) = io {
                let s = sense::sense_for(&e);
                return Err(Failed::Io(s.asc, s.ascq));
            }
            done += n;
        }
        Ok(total)
    }

    /// RECEIVE COPY RESULTS: COPY STATUS and OPERATING PARAMETERS.
    pub(super) fn receive_copy_results(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
    ) -> Result<Completion, CopyError> {
        let d = match cdb[1] & 0x1F {
            SA_COPY_STATUS => {
                let me = self.nexus.clone();
                let Some(h) = self.unit().copies.get(&me, u32::from(cdb[2])).copied() else {
                    return Err(invalid_cdb(2));
                };
                let (units, count) = match u32::try_from(h.bytes) {
                    Ok(n) => (0x00, n),
                    // Kibibytes when bytes do not fit.
                    Err(_) => (0xF1, u32::try_from(h.bytes >> 10).unwrap_or(u32::MAX)),
                };
                let mut d = vec![0, 0, 0, 8, if h.ok { 0x01 } else { 0x02 }];
                d.extend_from_slice(&h.segments.to_be_bytes());
                d.push(units);
                d.extend_from_slice(&count.to_be_bytes());
                d
            }
            SA_OPERATING_PARAMETERS => operating_parameters(),
            _ => return Err(invalid_cdb(1)),
        };
        Ok(reply(data, &d))
    }
}

/// The copy manager's limits (SPC-4 §6.18.4).
fn operating_parameters() -> Vec<u8> {
    let implemented = [BLOCK_TO_BLOCK, IDENTIFICATION_TARGET];
    let mut d = vec![0u8; 44];
    d[4] = 0x01; // SNLID: list identifier usage 11b is supported
    d[8..10].copy_from_slice(&MAX_TARGETS.to_be_bytes());
    d[10..12].copy_from_slice(&MAX_SEGMENTS.to_be_bytes());
    d[12..16].copy_from_slice(&MAX_DESCRIPTOR_LIST.to_be_bytes());
    d[16..20].copy_from_slice(&MAX_SEGMENT_BYTES.to_be_bytes());
    // No inline data, no held data, no stream devices.
    d[34..36].copy_from_slice(&1u16.to_be_bytes()); // total concurrent copies
    d[36] = 1; // maximum concurrent copies
    d[37] = 9; // data segment granularity: 2^9 = one block
    d[43] = implemented.len() as u8;
    d.extend_from_slice(&implemented);
    let n = (d.len() - 4) as u32;
    d[0..4].copy_from_slice(&n.to_be_bytes());
    d
}

/// VPD page 8Fh, Third-party Copy: the Supported Commands descriptor
/// (EXTENDED COPY LID1 and RECEIVE COPY RESULTS' service actions; with
/// `tokens`, POPULATE TOKEN, WRITE USING TOKEN and RECEIVE ROD TOKEN
/// INFORMATION too) and, with `tokens`, the Block Device ROD Token Limits.
pub(super) fn third_party_copy_vpd(tokens: bool) -> Vec<u8> {
    let (xcopy, results): (&[u8], &[u8]) = if tokens {
        (
            &[
                SA_EXTENDED_COPY_LID1,
                SA_POPULATE_TOKEN,
                SA_WRITE_USING_TOKEN,
            ],
            &[
                SA_COPY_STATUS,
                SA_OPERATING_PARAMETERS,
                SA_RECEIVE_ROD_TOKEN_INFORMATION,
            ],
        )
    } else {
        (
            &[SA_EXTENDED_COPY_LID1],
            &[SA_COPY_STATUS, SA_OPERATING_PARAMETERS],
        )
    };
    let commands: &[(u8, &[u8])] = &[(EXTENDED_COPY, xcopy), (RECEIVE_COPY_RESULTS, results)];
    let mut list = Vec::new();
    for (op, sas) in commands {
        list.push(*op);
        list.push(sas.len() as u8);
        list.extend_from_slice(sas);
    }
    let mut desc = vec![0x00, 0x01, 0, 0, list.len() as u8];
    desc.extend(list);
    while !desc.len().is_multiple_of(4) {
        desc.push(0);
    }
    let n = (desc.len() - 4) as u16;
    desc[2..4].copy_from_slice(&n.to_be_bytes());
    if tokens {
        desc.extend(super::rod::limits_descriptor());
    }
    vpd(0x8F, &desc)
}
