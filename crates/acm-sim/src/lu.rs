//! The logical units of the simulated boxes as SPC-4/SBC-3 device servers.
//!
//! [`execute`] answers the standard command set of `acm_scsi::sbc` for one
//! LUN and hands every other CDB (the vendor copy-session commands) to the
//! vendor decoder, `acm_scsi::target::serve`. Reads and writes go through the
//! array's data path, so copy sessions, tracking and faults see them. What a
//! logical unit keeps per I_T nexus — unit attentions, RESERVE(6) and
//! persistent reservations, the caching mode page — is in [`Units`], owned
//! by the array service beside the array, in memory only (a restarted
//! service starts with none, as a power cycle does). `docs/scsi-commands.md`
//! lists the commands and their answers.

use crate::array::{Array, Bid};
use acm_scsi::model::{self as m, CopyError, BLOCK};
use acm_scsi::sbc::{self, *};
use acm_scsi::sense::{self, Sense};
use acm_scsi::standard;
use acm_scsi::transport::{Completion, Data, Nexus, CHECK_CONDITION};
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod rod;
mod xcopy;

/// Results of copy commands held per I_T nexus and list identifier, for
/// the commands that report them; beyond [`HELD_RESULTS`] the oldest goes.
#[derive(Debug, Clone)]
struct Held<T>(Vec<(Nexus, u32, T)>);

/// Results held per logical unit and kind.
const HELD_RESULTS: usize = 64;

impl<T> Default for Held<T> {
    fn default() -> Self {
        Held(Vec::new())
    }
}

impl<T> Held<T> {
    fn hold(&mut self, nexus: &Nexus, list_id: u32, t: T) {
        self.0.retain(|(n, id, _)| !(n == nexus && *id == list_id));
        if self.0.len() >= HELD_RESULTS {
            self.0.remove(0);
        }
        self.0.push((nexus.clone(), list_id, t));
    }

    fn get(&self, nexus: &Nexus, list_id: u32) -> Option<&T> {
        self.0
            .iter()
            .find(|(n, id, _)| n == nexus && *id == list_id)
            .map(|(_, _, t)| t)
    }

    fn forget(&mut self, nexus: &Nexus) {
        self.0.retain(|(n, _, _)| n != nexus);
    }
}

/// SCSI status RESERVATION CONFLICT.
pub const RESERVATION_CONFLICT: u8 = 0x18;
/// Sense key MISCOMPARE.
const MISCOMPARE: u8 = 0x0E;

/// The largest transfer one command may ask for, in blocks (Block Limits).
pub const MAX_TRANSFER_BLOCKS: u32 = 65536;
/// The most blocks a WRITE SAME writes.
pub const MAX_WRITE_SAME_BLOCKS: u64 = 1 << 22;
/// The most blocks a COMPARE AND WRITE compares and writes.
pub const MAX_COMPARE_AND_WRITE: u8 = 128;
/// The most blocks one UNMAP gives back, and its most block descriptors.
pub const MAX_UNMAP_BLOCKS: u32 = 1 << 20;
pub const MAX_UNMAP_DESCRIPTORS: u32 = 256;
/// The unmap granularity, in blocks (4 KiB: a file system block).
const UNMAP_GRANULARITY: u32 = 8;

/// Persistent reservation types (SPC-4 §6.16.2).
mod pr_type {
    pub const WRITE_EXCLUSIVE: u8 = 1;
    pub const EXCLUSIVE_ACCESS: u8 = 3;
    pub const WRITE_EXCLUSIVE_RO: u8 = 5;
    pub const EXCLUSIVE_ACCESS_RO: u8 = 6;
    pub const WRITE_EXCLUSIVE_AR: u8 = 7;
    pub const EXCLUSIVE_ACCESS_AR: u8 = 8;

    pub fn valid(t: u8) -> bool {
        matches!(
            t,
            WRITE_EXCLUSIVE
                | EXCLUSIVE_ACCESS
                | WRITE_EXCLUSIVE_RO
                | EXCLUSIVE_ACCESS_RO
                | WRITE_EXCLUSIVE_AR
                | EXCLUSIVE_ACCESS_AR
        )
    }

    /// Every registrant holds the reservation.
    pub fn all_registrants(t: u8) -> bool {
        matches!(t, WRITE_EXCLUSIVE_AR | EXCLUSIVE_ACCESS_AR)
    }

    /// Registrants may access as the holder does.
    pub fn registrants_only(t: u8) -> bool {
        matches!(t, WRITE_EXCLUSIVE_RO | EXCLUSIVE_ACCESS_RO)
    }

    pub fn exclusive_access(t: u8) -> bool {
        matches!(
            t,
            EXCLUSIVE_ACCESS | EXCLUSIVE_ACCESS_RO | EXCLUSIVE_ACCESS_AR
        )
    }
}

/// A persistent reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reservation {
    /// The holder (for the all-registrants types, whoever reserved).
    holder: Nexus,
    kind: u8,
}

/// What one logical unit keeps beside its data.
#[derive(Debug, Clone, Default)]
struct Unit {
    /// Nexuses that have sent a command (the ones a reset reaches).
    known: BTreeSet<Nexus>,
    /// Unit attentions waiting per nexus, oldest first.
    attentions: HashMap<Nexus, Vec<(u8, u8)>>,
    reserve6: Option<Nexus>,
    generation: u32,
    keys: BTreeMap<Nexus, u64>,
    reservation: Option<Reservation>,
    /// The caching page's WCE bit (write cache enabled).
    write_cache: Option<bool>,
    /// EXTENDED COPY results held for RECEIVE COPY RESULTS.
    copies: Held<xcopy::Done>,
    /// POPULATE TOKEN and WRITE USING TOKEN results, for RECEIVE ROD TOKEN
    /// INFORMATION.
    tokens: Held<rod::Done>,
}

impl Unit {
    fn attention_for_others(&mut self, from: &Nexus, asc: u8, ascq: u8) {
        let others: Vec<Nexus> = self.known.iter().filter(|n| *n != from).cloned().collect();
        for n in others {
            self.attentions.entry(n).or_default().push((asc, ascq));
        }
    }

    fn wce(&self) -> bool {
        self.write_cache.unwrap_or(true)
    }

    fn registered(&self, n: &Nexus) -> Option<u64> {
        self.keys.get(n).copied()
    }

    /// Whether `n` holds the persistent reservation.
    fn holds(&self, n: &Nexus) -> bool {
        match &self.reservation {
            Some(r) if pr_type::all_registrants(r.kind) => self.keys.contains_key(n),
            Some(r) => r.holder == *n,
            None => false,
        }
    }
}

/// The per-nexus state of every logical unit of the home.
#[derive(Debug, Default)]
pub struct Units {
    units: HashMap<(Bid, u32), Unit>,
}

impl Units {
    pub fn new() -> Units {
        Units::default()
    }

    fn unit(&mut self, bid: &Bid, olu: u32) -> &mut Unit {
        self.units.entry((*bid, olu)).or_default()
    }

    /// LOGICAL UNIT RESET (`Some`) or a target reset (`None`) from `from`:
    /// RESERVE(6) reservations end, and every other nexus the unit knows gets
    /// the reset's unit attention (SAM-5 §6.3.4: 29h/03h for a logical unit
    /// reset, 29h/02h for a target reset).
    pub fn reset(&mut self, bid: &Bid, olu: Option<u32>, from: &Nexus) {
        let ascq = if olu.is_some() { 0x03 } else { 0x02 };
        for ((b, o), u) in self.units.iter_mut() {
            if b == bid && olu.is_none_or(|x| x == *o) {
                u.reserve6 = None;
                u.attention_for_others(from, 0x29, ascq);
            }
        }
    }

    /// I_T nexus loss: a RESERVE(6) reservation of the nexus ends;
    /// registrations persist, as SPC-4 says.
    pub fn nexus_lost(&mut self, nexus: &Nexus) {
        for u in self.units.values_mut() {
            if u.reserve6.as_ref() == Some(nexus) {
                u.reserve6 = None;
            }
            u.known.remove(nexus);
            u.attentions.remove(nexus);
            u.copies.forget(nexus);
            u.tokens.forget(nexus);
        }
    }

    /// A LUN's capacity changed: every nexus gets 2Ah/09h.
    pub fn capacity_changed(&mut self, bid: &Bid, olu: u32) {
        let u = self.unit(bid, olu);
        let all: Vec<Nexus> = u.known.iter().cloned().collect();
        for n in all {
            u.attentions.entry(n).or_default().push((0x2A, 0x09));
        }
    }
}

fn check(s: Sense) -> Completion {
    Completion {
        status: CHECK_CONDITION,
        sense: s.to_fixed().to_vec(),
        residual: 0,
    }
}

fn error(e: &CopyError) -> Completion {
    check(sense::sense_for(e))
}

fn conflict() -> Completion {
    Completion {
        status: RESERVATION_CONFLICT,
        sense: Vec::new(),
        residual: 0,
    }
}

fn be(b: &[u8], at: usize, w: usize) -> u64 {
    b[at..at + w].iter().fold(0, |v, x| v << 8 | u64::from(*x))
}

fn invalid_cdb(byte: u16) -> CopyError {
    CopyError::InvalidCdbField(byte)
}

fn invalid_param(byte: u16) -> CopyError {
    CopyError::InvalidParameter(byte)
}

/// Copies what fits of `bytes` into the Data-In buffer.
fn reply(data: Data<'_>, bytes: &[u8]) -> Completion {
    match data {
        Data::In(buf) => {
            let n = buf.len().min(bytes.len());
            buf[..n].copy_from_slice(&bytes[..n]);
            Completion::good(buf.len() - n)
        }
        _ => Completion::good(0),
    }
}

/// The Data-Out bytes, which must be `len` long.
fn out<'a>(data: &'a Data<'_>, len: u64) -> Result<&'a [u8], CopyError> {
    match data {
        Data::Out(b) if b.len() as u64 == len => Ok(b),
        Data::None | Data::In(_) if len == 0 => Ok(&[]),
        _ => Err(CopyError::ParameterLength),
    }
}

/// Whether the command may run past a unit attention (SPC-4 §5.14): it
/// neither reports nor clears it.
fn passes_attention(op: u8) -> bool {
    matches!(op, INQUIRY | REPORT_LUNS | REQUEST_SENSE)
}

/// How a command meets reservations.
#[derive(PartialEq, Eq)]
enum Access {
    Always,
    Read,
    Write,
}

fn access(op: u8) -> Access {
    match op {
        READ_6 | READ_10 | READ_12 | READ_16 | VERIFY_10 | VERIFY_12 | VERIFY_16 | PREFETCH_10
        | PREFETCH_16 | READ_DEFECT_DATA_10 | READ_DEFECT_DATA_12 | SERVICE_ACTION_IN_16
        | MODE_SENSE_6 | MODE_SENSE_10 => Access::Read,
        WRITE_6 | WRITE_10 | WRITE_12 | WRITE_16 | WRITE_VERIFY_10 | WRITE_VERIFY_12
        | WRITE_VERIFY_16 | WRITE_SAME_10 | WRITE_SAME_16 | UNMAP | COMPARE_AND_WRITE
        | SYNCHRONIZE_CACHE_10 | SYNCHRONIZE_CACHE_16 | MODE_SELECT_6 | MODE_SELECT_10
        | START_STOP_UNIT | EXTENDED_COPY => Access::Write,
        _ => Access::Always,
    }
}

/// Whether a command needs the LUN's drives: the medium's commands, and the
/// readiness and capacity questions a stopped disk cannot answer (INQUIRY,
/// REPORT LUNS, sense, mode pages and reservations are the controller's).
fn needs_drives(op: u8) -> bool {
    match op {
        TEST_UNIT_READY | READ_CAPACITY_10 | SERVICE_ACTION_IN_16 => true,
        MODE_SENSE_6 | MODE_SENSE_10 | MODE_SELECT_6 | MODE_SELECT_10 | START_STOP_UNIT => false,
        _ => access(op) != Access::Always,
    }
}

/// Whether `nexus` may run a command of this access under the unit's
/// reservations (SPC-4 Table 45 in short).
fn allowed(u: &Unit, nexus: &Nexus, op: u8, cdb: &[u8]) -> bool {
    if let Some(h) = &u.reserve6 {
        if h != nexus
            && !matches!(
                op,
                INQUIRY | REPORT_LUNS | REQUEST_SENSE | RELEASE_6 | MAINTENANCE_IN
            )
        {
            // SPC-2 reservations: everything else conflicts, READ CAPACITY
            // and the persistent reservation commands included.
            return false;
        }
    }
    if op == RESERVE_6 && (u.reservation.is_some() || !u.keys.is_empty()) {
        return false;
    }
    let Some(r) = &u.reservation else {
        return true;
    };
    if u.holds(nexus) {
        return true;
    }
    let registered = u.keys.contains_key(nexus);
    if registered && (pr_type::registrants_only(r.kind) || pr_type::all_registrants(r.kind)) {
        return true;
    }
    // READ CAPACITY passes every reservation; GET LBA STATUS reads.
    let a = if op == SERVICE_ACTION_IN_16
        && cdb.get(1).map(|b| b & 0x1F) == Some(SA_READ_CAPACITY_16)
    {
        Access::Always
    } else {
        access(op)
    };
    match a {
        Access::Always => true,
        Access::Read => !pr_type::exclusive_access(r.kind),
        Access::Write => false,
    }
}

/// Runs one CDB on LUN `olu` of box `bid`.
pub fn execute(
    array: &mut Array,
    units: &mut Units,
    nexus: &Nexus,
    bid: &Bid,
    olu: u32,
    cdb: &[u8],
    data: Data<'_>,
) -> Completion {
    let Some(&opcode) = cdb.first() else {
        return error(&CopyError::InvalidOpcode);
    };
    let present = array.lun(bid, olu).is_ok();
    let op = sbc::find(cdb);
    if !present {
        return absent(array, bid, op.map(|o| o.opcode), cdb, data);
    }
    let Some(op) = op else {
        if sbc::has_service_actions(opcode) {
            return error(&invalid_cdb(1));
        }
        // The vendor copy-session commands, and the opcodes nobody answers;
        // a box of the standard profile answers no vendor command.
        if array.state(bid).is_some_and(|st| !st.profile.vendor()) {
            return error(&CopyError::InvalidOpcode);
        }
        let u = units.unit(bid, olu);
        u.known.insert(nexus.clone());
        if let Some(c) = take_attention(u, nexus) {
            return c;
        }
        return acm_scsi::target::serve(
            &mut crate::target::LunTarget {
                array,
                bid: *bid,
                olu,
            },
            cdb,
            data,
        );
    };
    if let Err(e) = op.check(cdb) {
        return error(&e);
    }
    // An array of the XCOPY profile knows the third-party copy opcodes but
    // not their ROD token service actions.
    if matches!(
        (op.opcode, op.sa),
        (
            EXTENDED_COPY,
            Some(SA_POPULATE_TOKEN | SA_WRITE_USING_TOKEN)
        ) | (RECEIVE_COPY_RESULTS, Some(SA_RECEIVE_ROD_TOKEN_INFORMATION))
    ) && array.state(bid).is_some_and(|st| !st.profile.tokens())
    {
        return error(&invalid_cdb(1));
    }
    let u = units.unit(bid, olu);
    u.known.insert(nexus.clone());
    if !passes_attention(opcode) {
        if let Some(c) = take_attention(u, nexus) {
            return c;
        }
    }
    if !allowed(u, nexus, opcode, cdb) {
        return conflict();
    }
    if needs_drives(opcode) {
        if let Err(e) = array.check_ready(bid, olu) {
            return error(&e);
        }
        array.note_access(bid, olu);
    }
    let mut lu = Lu {
        array,
        units,
        nexus,
        bid: *bid,
        olu,
    };
    match lu.run(op, cdb, data) {
        Ok(c) => c,
        Err(e) => error(&e),
    }
}

fn take_attention(u: &mut Unit, nexus: &Nexus) -> Option<Completion> {
    let q = u.attentions.get_mut(nexus)?;
    if q.is_empty() {
        return None;
    }
    let (asc, ascq) = q.remove(0);
    Some(check(Sense::new(sense::UNIT_ATTENTION, asc, ascq)))
}

/// A LUN the box does not have (SPC-4 §4.6.4): INQUIRY says so in its
/// peripheral qualifier, REPORT LUNS and REQUEST SENSE work, the rest is
/// LOGICAL UNIT NOT SUPPORTED.
fn absent(array: &Array, bid: &Bid, op: Option<u8>, cdb: &[u8], data: Data<'_>) -> Completion {
    let not_supported = Sense::new(sense::ILLEGAL_REQUEST, 0x25, 0x00);
    match op {
        Some(INQUIRY) if cdb.len() == 6 && cdb[1] & 0x01 == 0 => {
            let mut d = vec![0u8; 36];
            d[0] = 0x7F;
            d[2] = 0x06;
            d[3] = 0x12;
            d[4] = 31;
            reply(data, &d)
        }
        Some(REPORT_LUNS) if cdb.len() == 12 => reply(data, &report_luns(array, bid)),
        Some(REQUEST_SENSE) => reply(data, &not_supported.to_fixed()),
        _ => check(not_supported),
    }
}

fn report_luns(array: &Array, bid: &Bid) -> Vec<u8> {
    let luns: Vec<u32> = array
        .state(bid)
        .map(|s| s.luns.keys().copied().collect())
        .unwrap_or_default();
    let mut d = Vec::with_capacity(8 + 8 * luns.len());
    d.extend_from_slice(&((luns.len() * 8) as u32).to_be_bytes());
    d.extend_from_slice(&[0; 4]);
    for l in luns {
        d.extend_from_slice(&standard::encode_lun(l));
    }
    d
}

/// One command on one present LUN.
struct Lu<'a> {
    array: &'a mut Array,
    units: &'a mut Units,
    nexus: &'a Nexus,
    bid: Bid,
    olu: u32,
}

impl Lu<'_> {
    fn blocks(&self) -> Result<u64, CopyError> {
        Ok(self.array.lun(&self.bid, self.olu)?.size_bytes / BLOCK)
    }

    fn thin(&self) -> bool {
        self.array.lun(&self.bid, self.olu).is_ok_and(|l| l.thin)
    }

    /// Gives blocks back (thin LUNs only).
    fn unmap(&mut self, lba: u64, blocks: u64) -> Result<(), CopyError> {
        self.range(lba, blocks)?;
        self.array
            .unmap(&self.bid, self.olu, lba * BLOCK, blocks * BLOCK)
    }

    fn unit(&mut self) -> &mut Unit {
        self.units.unit(&self.bid, self.olu)
    }

    fn range(&self, lba: u64, blocks: u64) -> Result<(), CopyError> {
        let cap = self.blocks()?;
        match lba.checked_add(blocks) {
            Some(end) if end <= cap && lba <= cap => Ok(()),
            _ => Err(CopyError::LbaOutOfRange),
        }
    }

    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), CopyError> {
        self.range(lba, buf.len() as u64 / BLOCK)?;
        if buf.is_empty() {
            return Ok(());
        }
        self.array.read_view(&self.bid, self.olu, lba * BLOCK, buf)
    }

    fn write(&mut self, lba: u64, bytes: &[u8]) -> Result<(), CopyError> {
        self.range(lba, bytes.len() as u64 / BLOCK)?;
        if bytes.is_empty() {
            return Ok(());
        }
        self.array
            .write_view(&self.bid, self.olu, lba * BLOCK, bytes, None)
    }

    fn identity(&mut self) -> Result<m::Identity, CopyError> {
        use acm_scsi::model::CopyTarget;
        crate::target::LunTarget {
            array: self.array,
            bid: self.bid,
            olu: self.olu,
        }
        .identity()
    }

    fn run(&mut self, op: &Op, cdb: &[u8], data: Data<'_>) -> Result<Completion, CopyError> {
        let n = cdb.len();
        // LBA and transfer length by CDB size (READ/WRITE/VERIFY families).
        let (lba, blocks) = match n {
            6 => (be(cdb, 1, 3) & 0x1F_FFFF, be(cdb, 4, 1)),
            10 => (be(cdb, 2, 4), be(cdb, 7, 2)),
            12 => (be(cdb, 2, 4), be(cdb, 6, 4)),
            _ => (be(cdb, 2, 8), be(cdb, 10, 4)),
        };
        let spdtl = op.transfer(cdb);
        match op.opcode {
            TEST_UNIT_READY => Ok(Completion::good(0)),
            REQUEST_SENSE => {
                if cdb[1] & 0x01 != 0 {
                    return Err(invalid_cdb(1));
                }
                let me = self.nexus.clone();
                let s = match take_attention(self.unit(), &me) {
                    Some(c) => c.sense,
                    None => Sense::new(sense::NO_SENSE, 0, 0).to_fixed().to_vec(),
                };
                Ok(reply(data, &s))
            }
            INQUIRY => self.inquiry(cdb, data),
            REPORT_LUNS => {
                if !matches!(cdb[2], 0x00..=0x02) {
                    return Err(invalid_cdb(2));
                }
                if be(cdb, 6, 4) < 16 {
                    return Err(invalid_cdb(6));
                }
                let d = if cdb[2] == 0x01 {
                    vec![0; 8]
                } else {
                    report_luns(self.array, &self.bid)
                };
                Ok(reply(data, &d))
            }
            READ_CAPACITY_10 => {
                if cdb[8] & 0x01 == 0 && be(cdb, 2, 4) != 0 {
                    return Err(invalid_cdb(2));
                }
                let last = self.blocks()?.saturating_sub(1).min(0xFFFF_FFFF) as u32;
                let mut d = last.to_be_bytes().to_vec();
                d.extend_from_slice(&(BLOCK as u32).to_be_bytes());
                Ok(reply(data, &d))
            }
            SERVICE_ACTION_IN_16 if cdb[1] & 0x1F == SA_READ_CAPACITY_16 => {
                if cdb[14] & 0x01 == 0 && be(cdb, 2, 8) != 0 {
                    return Err(invalid_cdb(2));
                }
                let mut d = standard::read_capacity_data(self.blocks()?);
                if self.thin() {
                    d[14] = 0x80 | 0x40; // LBPME, LBPRZ: unmapped blocks read zeros
                }
                Ok(reply(data, &d))
            }
            SERVICE_ACTION_IN_16 => {
                // GET LBA STATUS: the file's data and holes (a thick LUN is
                // mapped everywhere).
                let start = be(cdb, 2, 8);
                let alloc = be(cdb, 10, 4);
                let cap = self.blocks()?;
                if start >= cap {
                    return Err(CopyError::LbaOutOfRange);
                }
                let room = (alloc.saturating_sub(8) / 16).clamp(1, 64);
                let thin = self.thin();
                let mut descs = Vec::new();
                let mut at = start;
                while at < cap && (descs.len() as u64) < room {
                    let left = (cap - at).min(u64::from(u32::MAX));
                    let (mapped, bytes) = if thin {
                        self.array
                            .mapping(&self.bid, self.olu, at * BLOCK, left * BLOCK)?
                    } else {
                        (true, left * BLOCK)
                    };
                    let n = (bytes / BLOCK).max(1);
                    descs.push((at, n, u8::from(!mapped)));
                    at += n;
                }
                let mut d = ((descs.len() * 16 + 4) as u32).to_be_bytes().to_vec();
                d.extend_from_slice(&[0; 4]);
                for (lba, n, status) in descs {
                    d.extend_from_slice(&lba.to_be_bytes());
                    d.extend_from_slice(&(n as u32).to_be_bytes());
                    d.extend_from_slice(&[status, 0, 0, 0]);
                }
                Ok(reply(data, &d))
            }
            READ_6 | READ_10 | READ_12 | READ_16 => {
                let blocks = if n == 6 && blocks == 0 { 256 } else { blocks };
                if blocks > u64::from(MAX_TRANSFER_BLOCKS) {
                    return Err(invalid_cdb(if n == 6 { 4 } else { (n - 6) as u16 }));
                }
                self.range(lba, blocks)?;
                let buf = match data {
                    Data::In(buf) => buf,
                    _ if blocks == 0 => return Ok(Completion::good(0)),
                    _ => return Err(invalid_cdb((n - 6) as u16)),
                };
                if buf.len() as u64 != blocks * BLOCK {
                    return Err(invalid_cdb((n - 6) as u16));
                }
                self.read(lba, buf)?;
                Ok(Completion::good(0))
            }
            WRITE_6 | WRITE_10 | WRITE_12 | WRITE_16 | WRITE_VERIFY_10 | WRITE_VERIFY_12
            | WRITE_VERIFY_16 => {
                let blocks = if n == 6 && blocks == 0 { 256 } else { blocks };
                if blocks > u64::from(MAX_TRANSFER_BLOCKS) {
                    return Err(invalid_cdb((n - 6) as u16));
                }
                self.range(lba, blocks)?;
                let bytes = out(&data, blocks * BLOCK)?;
                self.write(lba, bytes)?;
                Ok(Completion::good(0))
            }
            VERIFY_10 | VERIFY_12 | VERIFY_16 => {
                let bytchk = (cdb[1] >> 1) & 3;
                if bytchk == 2 {
                    return Err(invalid_cdb(1));
                }
                self.range(lba, blocks)?;
                if bytchk == 0 || blocks == 0 {
                    // The medium check: every block must read.
                    let mut buf = vec![0u8; (blocks * BLOCK).min(1 << 20) as usize];
                    let mut at = lba;
                    while at < lba + blocks {
                        let k = ((lba + blocks - at) * BLOCK).min(buf.len() as u64) as usize;
                        self.read(at, &mut buf[..k])?;
                        at += k as u64 / BLOCK;
                    }
                    return Ok(Completion::good(0));
                }
                let given = out(&data, spdtl)?;
                let mut have = vec![0u8; (blocks * BLOCK) as usize];
                self.read(lba, &mut have)?;
                let differs = if bytchk == 3 {
                    have.chunks(BLOCK as usize).enumerate().find_map(|(i, b)| {
                        b.iter()
                            .zip(given)
                            .position(|(x, y)| x != y)
                            .map(|p| i * BLOCK as usize + p)
                    })
                } else {
                    have.iter().zip(given).position(|(x, y)| x != y)
                };
                match differs {
                    Some(at) => Ok(miscompare(at)),
                    None => Ok(Completion::good(0)),
                }
            }
            COMPARE_AND_WRITE => {
                let nb = u64::from(cdb[13]);
                if cdb[13] > MAX_COMPARE_AND_WRITE {
                    return Err(invalid_cdb(13));
                }
                self.range(lba, nb)?;
                let both = out(&data, spdtl)?;
                if nb == 0 {
                    return Ok(Completion::good(0));
                }
                let (verify, write) = both.split_at((nb * BLOCK) as usize);
                let mut have = vec![0u8; verify.len()];
                self.read(lba, &mut have)?;
                // The state lock makes compare and write one atomic step.
                if let Some(at) = have.iter().zip(verify).position(|(x, y)| x != y) {
                    return Ok(miscompare(at));
                }
                self.write(lba, write)?;
                Ok(Completion::good(0))
            }
            WRITE_SAME_10 | WRITE_SAME_16 => {
                let (lba, nb) = if n == 10 {
                    (be(cdb, 2, 4), be(cdb, 7, 2))
                } else {
                    (be(cdb, 2, 8), be(cdb, 10, 4))
                };
                let unmap = cdb[1] & 0x08 != 0;
                if unmap && !self.thin() {
                    // Only a thin LUN gives blocks back.
                    return Err(invalid_cdb(1));
                }
                if nb == 0 {
                    // WSNZ: a zero count is not "to the end of the LUN".
                    return Err(invalid_cdb(if n == 10 { 7 } else { 10 }));
                }
                if nb > MAX_WRITE_SAME_BLOCKS {
                    return Err(invalid_cdb(if n == 10 { 7 } else { 10 }));
                }
                self.range(lba, nb)?;
                let block = if n == 16 && cdb[1] & 0x01 != 0 {
                    vec![0u8; BLOCK as usize]
                } else {
                    out(&data, BLOCK)?.to_vec()
                };
                if unmap && block.iter().all(|b| *b == 0) {
                    // Zeros with UNMAP: the blocks are given back (LBPRZ).
                    self.unmap(lba, nb)?;
                    return Ok(Completion::good(0));
                }
                let per = (1u64 << 20) / BLOCK;
                let chunk: Vec<u8> = block.repeat(per.min(nb) as usize);
                let mut at = lba;
                while at < lba + nb {
                    let k = (lba + nb - at).min(per);
                    self.write(at, &chunk[..(k * BLOCK) as usize])?;
                    at += k;
                }
                Ok(Completion::good(0))
            }
            PREFETCH_10 | PREFETCH_16 => {
                self.range(lba, blocks)?;
                Ok(Completion::good(0))
            }
            SYNCHRONIZE_CACHE_10 | SYNCHRONIZE_CACHE_16 => {
                self.range(lba, blocks)?;
                self.array.synchronize(&self.bid, self.olu)?;
                Ok(Completion::good(0))
            }
            READ_DEFECT_DATA_10 | READ_DEFECT_DATA_12 => {
                let b = if n == 10 { cdb[2] } else { cdb[1] };
                let flags = b & 0x1F;
                let d = if n == 10 {
                    vec![0, flags, 0, 0]
                } else {
                    vec![0, flags, 0, 0, 0, 0, 0, 0]
                };
                Ok(reply(data, &d))
            }
            MODE_SENSE_6 | MODE_SENSE_10 => self.mode_sense(cdb, data),
            MODE_SELECT_6 | MODE_SELECT_10 => self.mode_select(cdb, data),
            START_STOP_UNIT | PREVENT_ALLOW => Ok(Completion::good(0)),
            RESERVE_6 => {
                let me = self.nexus.clone();
                let u = self.unit();
                match &u.reserve6 {
                    Some(h) if *h != me => Ok(conflict()),
                    _ => {
                        u.reserve6 = Some(me);
                        Ok(Completion::good(0))
                    }
                }
            }
            RELEASE_6 => {
                let me = self.nexus.clone();
                let u = self.unit();
                if u.reserve6.as_ref() == Some(&me) {
                    u.reserve6 = None;
                }
                Ok(Completion::good(0))
            }
            EXTENDED_COPY => match op.sa {
                Some(SA_POPULATE_TOKEN) => self.populate_token(cdb, data),
                Some(SA_WRITE_USING_TOKEN) => self.write_using_token(cdb, data),
                _ => self.extended_copy(cdb, data),
            },
            RECEIVE_COPY_RESULTS if op.sa == Some(SA_RECEIVE_ROD_TOKEN_INFORMATION) => {
                self.receive_rod_token_information(cdb, data)
            }
            RECEIVE_COPY_RESULTS => self.receive_copy_results(cdb, data),
            PERSISTENT_RESERVE_IN => self.pr_in(cdb, data),
            PERSISTENT_RESERVE_OUT => self.pr_out(cdb, data),
            MAINTENANCE_IN => report_opcodes(cdb, data),
            UNMAP if self.thin() => self.unmap_list(cdb, data),
            // A fully provisioned LUN has no UNMAP (Block Limits says 0).
            _ => Err(CopyError::InvalidOpcode),
        }
    }

    /// UNMAP's parameter list (SBC-3 §5.28): an 8-byte header, then
    /// 16-byte descriptors of LBA and count.
    fn unmap_list(&mut self, cdb: &[u8], data: Data<'_>) -> Result<Completion, CopyError> {
        let len = be(cdb, 7, 2);
        let p = out(&data, len)?;
        if p.is_empty() {
            return Ok(Completion::good(0));
        }
        if p.len() < 8 {
            return Err(CopyError::ParameterLength);
        }
        let bdl = be(p, 2, 2) as usize;
        if be(p, 0, 2) as usize + 2 > p.len() || bdl + 8 > p.len() || !bdl.is_multiple_of(16) {
            return Err(CopyError::ParameterLength);
        }
        let descs: Vec<(u64, u64)> = p[8..8 + bdl]
            .chunks(16)
            .map(|d| (be(d, 0, 8), be(d, 8, 4)))
            .collect();
        if descs.len() as u64 > u64::from(MAX_UNMAP_DESCRIPTORS) {
            return Err(invalid_param(2));
        }
        let cap = self.blocks()?;
        for (i, (lba, n)) in descs.iter().enumerate() {
            if *n > u64::from(MAX_UNMAP_BLOCKS) {
                return Err(invalid_param((8 + 16 * i + 8) as u16));
            }
            if lba.checked_add(*n).is_none_or(|e| e > cap) {
                return Err(CopyError::LbaOutOfRange);
            }
        }
        for (lba, n) in descs {
            self.unmap(lba, n)?;
        }
        Ok(Completion::good(0))
    }

    fn inquiry(&mut self, cdb: &[u8], data: Data<'_>) -> Result<Completion, CopyError> {
        let evpd = cdb[1] & 0x01 != 0;
        if !evpd {
            if cdb[2] != 0 {
                return Err(invalid_cdb(2));
            }
            return Ok(reply(data, &standard_inquiry(&self.identity()?)));
        }
        let id = self.identity()?;
        let thin = self.thin();
        let page = match cdb[2] {
            0x00 if thin => vpd(0x00, &[0x00, 0x80, 0x83, 0x86, 0x8F, 0xB0, 0xB1, 0xB2]),
            0x00 => vpd(0x00, &[0x00, 0x80, 0x83, 0x86, 0x8F, 0xB0, 0xB1]),
            0x80 => standard::vpd_serial(&id),
            0x83 => device_id(&id),
            0x8F => xcopy::third_party_copy_vpd(
                self.array
                    .state(&self.bid)
                    .is_none_or(|st| st.profile.tokens()),
            ),
            0x86 => {
                let mut b = vec![0u8; 60];
                b[1] = 0x01; // SIMPSUP: simple task attribute
                b[3] = 0x01; // LUICLR
                vpd(0x86, &b)
            }
            0xB0 => {
                let mut b = vec![0u8; 60];
                b[0] = 0x01; // WSNZ
                b[1] = MAX_COMPARE_AND_WRITE;
                b[2..4].copy_from_slice(&8u16.to_be_bytes());
                b[4..8].copy_from_slice(&MAX_TRANSFER_BLOCKS.to_be_bytes());
                b[8..12].copy_from_slice(&2048u32.to_be_bytes());
                b[12..16].copy_from_slice(&MAX_TRANSFER_BLOCKS.to_be_bytes());
                if thin {
                    b[16..20].copy_from_slice(&MAX_UNMAP_BLOCKS.to_be_bytes());
                    b[20..24].copy_from_slice(&MAX_UNMAP_DESCRIPTORS.to_be_bytes());
                    b[24..28].copy_from_slice(&UNMAP_GRANULARITY.to_be_bytes());
                    // UGAVALID, alignment 0.
                    b[28] = 0x80;
                }
                b[32..40].copy_from_slice(&MAX_WRITE_SAME_BLOCKS.to_be_bytes());
                vpd(0xB0, &b)
            }
            0xB2 if thin => {
                let mut b = vec![0u8; 4];
                // LBPU, LBPWS, LBPWS10, LBPRZ; provisioning type 2: thin.
                b[1] = 0x80 | 0x40 | 0x20 | 0x04;
                b[2] = 0x02;
                vpd(0xB2, &b)
            }
            0xB1 => {
                let mut b = vec![0u8; 60];
                b[1] = 0x01; // non-rotating medium
                vpd(0xB1, &b)
            }
            _ => return Err(invalid_cdb(2)),
        };
        Ok(reply(data, &page))
    }

    fn mode_sense(&mut self, cdb: &[u8], data: Data<'_>) -> Result<Completion, CopyError> {
        let six = cdb.len() == 6;
        let dbd = cdb[1] & 0x08 != 0;
        let llbaa = !six && cdb[1] & 0x10 != 0;
        let pc = cdb[2] >> 6;
        let page = cdb[2] & 0x3F;
        let subpage = cdb[3];
        if pc == 3 {
            return Ok(check(Sense::new(sense::ILLEGAL_REQUEST, 0x39, 0x00)));
        }
        if subpage != 0 && subpage != 0xFF {
            return Err(invalid_cdb(3));
        }
        let wce = self.unit().wce();
        let caching = |pc: u8| {
            let mut p = vec![0x08, 0x12];
            p.resize(20, 0);
            p[2] = match pc {
                1 => 0x04,
                2 => 0x04,
                _ if wce => 0x04,
                _ => 0,
            };
            p
        };
        let control = |pc: u8| {
            let mut p = vec![0x0A, 0x0A];
            p.resize(12, 0);
            if pc != 1 {
                p[3] = 0x10; // QUEUE ALGORITHM MODIFIER 1: unrestricted
                p[8..10].copy_from_slice(&0xFFFFu16.to_be_bytes()); // busy timeout: unlimited
            }
            p
        };
        let mut pages = Vec::new();
        match page {
            0x08 => pages.extend(caching(pc)),
            0x0A => pages.extend(control(pc)),
            0x3F => {
                pages.extend(caching(pc));
                pages.extend(control(pc));
            }
            _ => return Err(invalid_cdb(2)),
        }
        let blocks = self.blocks()?;
        let mut bd = Vec::new();
        if !dbd {
            if llbaa {
                bd.extend_from_slice(&blocks.to_be_bytes());
                bd.extend_from_slice(&[0; 4]);
                bd.extend_from_slice(&(BLOCK as u32).to_be_bytes());
            } else {
                let n = blocks.min(0xFFFF_FFFF) as u32;
                bd.extend_from_slice(&n.to_be_bytes());
                bd.extend_from_slice(&(BLOCK as u32).to_be_bytes());
                if six {
                    // Six-byte form: density 0, 24-bit count (all ones when larger).
                    let n6 = blocks.min(0xFF_FFFF) as u32;
                    bd[..4].copy_from_slice(&n6.to_be_bytes());
                }
            }
        }
        // Device-specific parameter: DPOFUA (DPO and FUA are accepted).
        let dsp = 0x10;
        let mut d = if six {
            vec![0, 0, dsp, bd.len() as u8]
        } else {
            let mut h = vec![0, 0, 0, dsp, if llbaa { 0x01 } else { 0 }, 0];
            h.extend_from_slice(&(bd.len() as u16).to_be_bytes());
            h
        };
        d.extend(bd);
        d.extend(pages);
        if six {
            d[0] = (d.len() - 1).min(255) as u8;
        } else {
            let l = (d.len() - 2) as u16;
            d[..2].copy_from_slice(&l.to_be_bytes());
        }
        Ok(reply(data, &d))
    }

    fn mode_select(&mut self, cdb: &[u8], data: Data<'_>) -> Result<Completion, CopyError> {
        let six = cdb.len() == 6;
        let len = if six { be(cdb, 4, 1) } else { be(cdb, 7, 2) };
        if cdb[1] & 0x01 != 0 {
            // SP: pages cannot be saved.
            return Err(invalid_cdb(1));
        }
        let p = out(&data, len)?;
        if p.is_empty() {
            return Ok(Completion::good(0));
        }
        let hdr = if six { 4 } else { 8 };
        if p.len() < hdr {
            return Err(CopyError::ParameterLength);
        }
        let bdl = if six {
            p[3] as usize
        } else {
            be(p, 6, 2) as usize
        };
        let mut at = hdr + bdl;
        if at > p.len() {
            return Err(CopyError::ParameterLength);
        }
        let mut wce = self.unit().wce();
        while at < p.len() {
            if at + 2 > p.len() {
                return Err(CopyError::ParameterLength);
            }
            let code = p[at] & 0x3F;
            let plen = p[at + 1] as usize;
            if at + 2 + plen > p.len() {
                return Err(CopyError::ParameterLength);
            }
            let body = &p[at + 2..at + 2 + plen];
            match (code, plen) {
                (0x08, 0x12) => {
                    // Only WCE may change.
                    if body[0] & !0x04 != 0 || body[1..].iter().any(|b| *b != 0) {
                        return Err(invalid_param((at + 2) as u16));
                    }
                    wce = body[0] & 0x04 != 0;
                }
                (0x0A, 0x0A) => {
                    let current = [0, 0x10, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0];
                    if let Some(i) = body.iter().zip(current).position(|(a, b)| *a != b) {
                        return Err(invalid_param((at + 2 + i) as u16));
                    }
                }
                _ => return Err(invalid_param(at as u16)),
            }
            at += 2 + plen;
        }
        self.unit().write_cache = Some(wce);
        Ok(Completion::good(0))
    }

    fn pr_in(&mut self, cdb: &[u8], data: Data<'_>) -> Result<Completion, CopyError> {
        let sa = cdb[1] & 0x1F;
        let u = self.unit().clone();
        let mut d = Vec::new();
        d.extend_from_slice(&u.generation.to_be_bytes());
        match sa {
            // READ KEYS
            0 => {
                let keys: Vec<u64> = u.keys.values().copied().collect();
                d.extend_from_slice(&((keys.len() * 8) as u32).to_be_bytes());
                for k in keys {
                    d.extend_from_slice(&k.to_be_bytes());
                }
            }
            // READ RESERVATION
            1 => match &u.reservation {
                Some(r) => {
                    d.extend_from_slice(&16u32.to_be_bytes());
                    let key = if pr_type::all_registrants(r.kind) {
                        0
                    } else {
                        u.keys.get(&r.holder).copied().unwrap_or(0)
                    };
                    d.extend_from_slice(&key.to_be_bytes());
                    d.extend_from_slice(&[0, 0, 0, 0, 0, r.kind, 0, 0]);
                }
                None => d.extend_from_slice(&0u32.to_be_bytes()),
            },
            // REPORT CAPABILITIES
            2 => {
                d = vec![0, 8, 0x10, 0x80 | 0x10, 0xEA, 0x01, 0, 0];
            }
            // READ FULL STATUS
            3 => {
                let mut body = Vec::new();
                for (n, key) in &u.keys {
                    let holder = u.holds(n);
                    let tid = transport_id(&n.initiator);
                    body.extend_from_slice(&key.to_be_bytes());
                    body.extend_from_slice(&[0; 4]);
                    body.push(u8::from(holder));
                    body.push(if holder {
                        u.reservation.as_ref().map_or(0, |r| r.kind)
                    } else {
                        0
                    });
                    body.extend_from_slice(&[0; 4]);
                    body.extend_from_slice(&n.target_port.to_be_bytes());
                    body.extend_from_slice(&(tid.len() as u32).to_be_bytes());
                    body.extend(tid);
                }
                d.extend_from_slice(&(body.len() as u32).to_be_bytes());
                d.extend(body);
            }
            _ => return Err(invalid_cdb(1)),
        }
        Ok(reply(data, &d))
    }

    fn pr_out(&mut self, cdb: &[u8], data: Data<'_>) -> Result<Completion, CopyError> {
        let sa = cdb[1] & 0x1F;
        let scope = cdb[2] >> 4;
        let kind = cdb[2] & 0x0F;
        let len = be(cdb, 5, 4);
        if len != 24 {
            return Err(CopyError::ParameterLength);
        }
        let p = out(&data, len)?;
        let key = be(p, 0, 8);
        let sa_key = be(p, 8, 8);
        let flags = p[20];
        if flags & 0x08 != 0 || flags & 0x04 != 0 {
            // SPEC_I_PT and ALL_TG_PT: one target port, no other initiators named.
            return Err(invalid_param(20));
        }
        if flags & 0x01 != 0 {
            // APTPL: reservations live in memory only.
            return Err(invalid_param(20));
        }
        let me = self.nexus.clone();
        let u = self.units.unit(&self.bid, self.olu);
        let mine = u.registered(&me);
        match sa {
            // REGISTER, REGISTER AND IGNORE EXISTING KEY
            0 | 6 => {
                if sa == 0 && mine.unwrap_or(0) != key {
                    return Ok(conflict());
                }
                if sa_key == 0 {
                    if mine.is_some() {
                        unregister(u, &me);
                        u.generation = u.generation.wrapping_add(1);
                    }
                } else {
                    u.keys.insert(me, sa_key);
                    u.generation = u.generation.wrapping_add(1);
                }
                Ok(Completion::good(0))
            }
            // RESERVE
            1 => {
                if mine != Some(key) {
                    return Ok(conflict());
                }
                if scope != 0 {
                    return Err(invalid_cdb(2));
                }
                if !pr_type::valid(kind) {
                    return Err(invalid_cdb(2));
                }
                match &u.reservation {
                    None => {
                        u.reservation = Some(Reservation { holder: me, kind });
                        Ok(Completion::good(0))
                    }
                    Some(r) if u.holds(&me) && r.kind == kind => Ok(Completion::good(0)),
                    Some(_) => Ok(conflict()),
                }
            }
            // RELEASE
            2 => {
                if mine != Some(key) {
                    return Ok(conflict());
                }
                let Some(r) = u.reservation.clone() else {
                    return Ok(Completion::good(0));
                };
                if !u.holds(&me) {
                    return Ok(Completion::good(0));
                }
                if r.kind != kind || scope != 0 {
                    return Ok(check(Sense::new(sense::ILLEGAL_REQUEST, 0x26, 0x04)));
                }
                u.reservation = None;
                if pr_type::registrants_only(r.kind) || pr_type::all_registrants(r.kind) {
                    let others: Vec<Nexus> = u.keys.keys().filter(|n| **n != me).cloned().collect();
                    for n in others {
                        u.attentions.entry(n).or_default().push((0x2A, 0x04));
                    }
                }
                Ok(Completion::good(0))
            }
            // CLEAR
            3 => {
                if mine != Some(key) {
                    return Ok(conflict());
                }
                let others: Vec<Nexus> = u.keys.keys().filter(|n| **n != me).cloned().collect();
                for n in others {
                    u.attentions.entry(n).or_default().push((0x2A, 0x03));
                }
                u.keys.clear();
                u.reservation = None;
                u.generation = u.generation.wrapping_add(1);
                Ok(Completion::good(0))
            }
            // PREEMPT, PREEMPT AND ABORT (no task is ever in progress to abort)
            4 | 5 => {
                if mine != Some(key) {
                    return Ok(conflict());
                }
                let holder_key = u.reservation.as_ref().and_then(|r| {
                    if pr_type::all_registrants(r.kind) {
                        None
                    } else {
                        u.keys.get(&r.holder).copied()
                    }
                });
                let all_reg = u
                    .reservation
                    .as_ref()
                    .is_some_and(|r| pr_type::all_registrants(r.kind));
                if sa_key == 0 && !all_reg {
                    return Err(invalid_param(8));
                }
                if u.reservation.is_some() && !pr_type::valid(kind) {
                    return Err(invalid_cdb(2));
                }
                let victims: Vec<Nexus> = u
                    .keys
                    .iter()
                    .filter(|(n, k)| {
                        (all_reg && sa_key == 0 && **n != me) || (**k == sa_key && sa_key != 0)
                    })
                    .map(|(n, _)| n.clone())
                    .filter(|n| *n != me || sa_key != key)
                    .collect();
                let takes = u.reservation.is_some() && (all_reg || holder_key == Some(sa_key));
                if victims.is_empty() && !takes {
                    return Ok(conflict());
                }
                for n in &victims {
                    u.keys.remove(n);
                    if u.reservation.as_ref().is_some_and(|r| r.holder == *n) && !takes {
                        u.reservation = None;
                    }
                    if *n != me {
                        u.attentions
                            .entry(n.clone())
                            .or_default()
                            .push((0x2A, 0x03));
                    }
                }
                if takes {
                    u.reservation = Some(Reservation { holder: me, kind });
                }
                u.generation = u.generation.wrapping_add(1);
                Ok(Completion::good(0))
            }
            _ => Err(invalid_cdb(1)),
        }
    }
}

/// Removes a registration; a holder's reservation ends with it (for the
/// all-registrants types, with the last registration).
fn unregister(u: &mut Unit, n: &Nexus) {
    u.keys.remove(n);
    if let Some(r) = &u.reservation {
        let ends = if pr_type::all_registrants(r.kind) {
            u.keys.is_empty()
        } else {
            r.holder == *n
        };
        if ends {
            let kind = r.kind;
            u.reservation = None;
            if pr_type::registrants_only(kind) {
                let others: Vec<Nexus> = u.keys.keys().cloned().collect();
                for o in others {
                    u.attentions.entry(o).or_default().push((0x2A, 0x04));
                }
            }
        }
    }
}

/// An iSCSI TransportID (SPC-4 §7.6.4.6) of an initiator port name
/// `NAME,i,0xISID`: format 01b, protocol 5, NUL-padded to four bytes.
fn transport_id(name: &str) -> Vec<u8> {
    let mut n = name.as_bytes().to_vec();
    n.push(0);
    while !n.len().is_multiple_of(4) {
        n.push(0);
    }
    let mut t = vec![0x45, 0];
    t.extend_from_slice(&(n.len() as u16).to_be_bytes());
    t.extend(n);
    t
}

fn miscompare(at: usize) -> Completion {
    check(Sense {
        information: Some(at as u64),
        ..Sense::new(MISCOMPARE, 0x1D, 0x00)
    })
}

fn vpd(page: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![0x00, page];
    v.extend_from_slice(&(body.len() as u16).to_be_bytes());
    v.extend_from_slice(body);
    v
}

/// Standard INQUIRY data with version descriptors (SAM-5, SPC-4, SBC-3,
/// iSCSI).
fn standard_inquiry(id: &m::Identity) -> Vec<u8> {
    let mut d = standard::standard_inquiry(id);
    d[3] = 0x12; // HISUP, response data format 2
    d.resize(96, 0);
    d[4] = 91;
    for (i, v) in [0x00A0u16, 0x0460, 0x04C0, 0x0960].iter().enumerate() {
        d[58 + 2 * i..60 + 2 * i].copy_from_slice(&v.to_be_bytes());
    }
    d
}

/// VPD 83h: the driver's box and OLU designators, an NAA 6 name of the
/// logical unit (Fujitsu's OUI, the box id and OLU hashed in), and the
/// relative target port.
fn device_id(id: &m::Identity) -> Vec<u8> {
    let mut d = standard::vpd_device_id(id);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.box_id.0.iter() {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    let oui: u64 = 0x00_000E;
    let hi = (6u64 << 60) | (oui << 36) | (h & 0xF_FFFF_FFFF);
    let lo = (h >> 36) << 32 | u64::from(id.olu);
    let mut extra = vec![0x01, 0x03, 0x00, 16];
    extra.extend_from_slice(&hi.to_be_bytes());
    extra.extend_from_slice(&lo.to_be_bytes());
    // Relative target port 1: association target port, PIV, protocol iSCSI.
    extra.extend_from_slice(&[0x51, 0x94, 0x00, 4, 0, 0, 0, 1]);
    d.extend(extra);
    let body = (d.len() - 4) as u16;
    d[2..4].copy_from_slice(&body.to_be_bytes());
    d
}

/// The designation descriptors of a VPD 83h page, each whole (code set,
/// association and type, length, designator).
fn designators(page: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut d = page.get(4..).unwrap_or(&[]);
    std::iter::from_fn(move || {
        let n = 4 + usize::from(*d.get(3)?);
        let (one, rest) = (d.get(..n)?, d.get(n..)?);
        d = rest;
        Some(one)
    })
}

/// REPORT SUPPORTED OPERATION CODES (SPC-4 §6.35) from the table.
fn report_opcodes(cdb: &[u8], data: Data<'_>) -> Result<Completion, CopyError> {
    let rctd = cdb[2] & 0x80 != 0;
    let options = cdb[2] & 0x07;
    let want = cdb[3];
    let want_sa = be(cdb, 4, 2) as u8;
    let timeouts = |d: &mut Vec<u8>| {
        d.extend_from_slice(&[0, 0x0A, 0, 0]);
        d.extend_from_slice(&0u32.to_be_bytes());
        d.extend_from_slice(&30u32.to_be_bytes());
    };
    let d = match options {
        0 => {
            let mut body = Vec::new();
            for o in sbc::OPS {
                body.push(o.opcode);
                body.push(0);
                body.extend_from_slice(&u16::from(o.sa.unwrap_or(0)).to_be_bytes());
                body.push(0);
                body.push(u8::from(o.sa.is_some()) | if rctd { 0x02 } else { 0 });
                body.extend_from_slice(&(o.usage.len() as u16).to_be_bytes());
                if rctd {
                    timeouts(&mut body);
                }
            }
            let mut d = (body.len() as u32).to_be_bytes().to_vec();
            d.extend(body);
            d
        }
        1..=3 => {
            let found = sbc::OPS.iter().find(|o| {
                o.opcode == want
                    && match options {
                        1 => o.sa.is_none(),
                        2 => o.sa == Some(want_sa),
                        _ => o.sa.is_none_or(|s| s == want_sa),
                    }
            });
            if options == 1 && sbc::has_service_actions(want) {
                return Err(invalid_cdb(2));
            }
            if options == 2
                && !sbc::has_service_actions(want)
                && found.is_none()
                && sbc::OPS.iter().any(|o| o.opcode == want)
            {
                return Err(invalid_cdb(2));
            }
            let mut d = vec![0u8; 4];
            match found {
                Some(o) => {
                    d[1] = 0x03 | if rctd { 0x80 } else { 0 };
                    d[2..4].copy_from_slice(&(o.usage.len() as u16).to_be_bytes());
                    d.extend_from_slice(o.usage);
                    if rctd {
                        timeouts(&mut d);
                    }
                }
                None => d[1] = 0x01,
            }
            d
        }
        _ => return Err(invalid_cdb(2)),
    };
    Ok(reply(data, &d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_ids_are_padded() {
        let t = transport_id("iqn.x,i,0x1");
        assert_eq!(t[0], 0x45);
        assert_eq!(t.len() % 4, 0);
        assert_eq!(u16::from_be_bytes([t[2], t[3]]) as usize, t.len() - 4);
    }
}
