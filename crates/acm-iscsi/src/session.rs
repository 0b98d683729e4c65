//! One connection: its login, then the full-feature phase (RFC 7143 §4, §11).
//!
//! Commands run one at a time in the connection's thread, in the order they
//! become complete: a command without Data-Out runs on arrival, a write once
//! its immediate, unsolicited and solicited (R2T) data is in. StatSN counts
//! every PDU that carries a status; ExpCmdSN/MaxCmdSN grant a window of
//! [`CMD_WINDOW`] commands, and non-immediate commands outside it are
//! ignored, as §4.2.2.1 says. Error recovery level 0: a header digest
//! error, a data digest error or a data segment longer than agreed ends the
//! connection (after a Reject where the header can still be named).

use crate::login::{Established, Login, Step};
use crate::pdu::{op, reject, Digests, Pdu, PduError, BHS, RESERVED_TAG};
use crate::text;
use crate::{iqn, DataPhase, Inner, Nexus, SessionView, CMD_WINDOW, MAX_DATA_IN, MAX_TRANSFER};
use acm_scsi::sense::{self, Sense};
use std::collections::HashMap;
use std::io::{self, BufReader, BufWriter, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The most data one login PDU may carry.
const LOGIN_MAX_DATA: usize = 8192;

/// SCSI status CHECK CONDITION.
const CHECK_CONDITION: u8 = 0x02;

/// A write waiting for its data.
struct Pending {
    lun: [u8; 8],
    cdb: Vec<u8>,
    edtl: u32,
    buf: Vec<u8>,
    received: u32,
    /// Unsolicited Data-Out PDUs still to come.
    unsolicited: bool,
    /// The outstanding R2T: its transfer tag and the end of the range it asked.
    r2t: Option<(u32, u32)>,
    r2t_sn: u32,
    /// The DataSN the next Data-Out of the current sequence must carry.
    data_sn: u32,
}

struct Conn<'a> {
    inner: &'a Inner,
    w: BufWriter<TcpStream>,
    digests: Digests,
    est: Established,
    nexus: Nexus,
    /// The backend name of the target (None: discovery).
    target: Option<String>,
    stat_sn: u32,
    exp_cmd_sn: u32,
    pending: HashMap<u32, Pending>,
    /// Writes refused before their data came: their unsolicited Data-Out is dropped.
    draining: Vec<u32>,
    next_ttt: u32,
    /// A text response too long for one PDU: its transfer tag and the rest.
    text_rest: Option<(u32, Vec<u8>)>,
    commands: Arc<AtomicU64>,
}

/// Serves one TCP connection until it closes.
pub(crate) fn serve(inner: &Inner, stream: TcpStream, conn_id: u64) {
    let _ = stream.set_nodelay(true);
    // The whole login must fit in the timeout, not each read of it.
    let deadline = std::time::Instant::now() + inner.login_timeout;
    let _ = stream.set_read_timeout(Some(inner.login_timeout));
    let Ok(rs) = stream.try_clone() else { return };
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let mut r = BufReader::with_capacity(64 * 1024, rs);
    let mut w = BufWriter::with_capacity(64 * 1024, stream);
    let mut login = Login::new();
    let est = loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() || r.get_ref().set_read_timeout(Some(left)).is_err() {
            return;
        }
        let pdu = match Pdu::read(&mut r, Digests::default(), LOGIN_MAX_DATA) {
            Ok(Some(p)) => p,
            _ => return,
        };
        match login.step(&pdu, inner) {
            Step::Reply(p) => {
                if p.write(&mut w, Digests::default())
                    .and_then(|()| w.flush())
                    .is_err()
                {
                    return;
                }
            }
            Step::Done(p, est) => {
                if p.write(&mut w, Digests::default())
                    .and_then(|()| w.flush())
                    .is_err()
                {
                    return;
                }
                break *est;
            }
            Step::Fail(p) => {
                let _ = p.write(&mut w, Digests::default()).and_then(|()| w.flush());
                return;
            }
        }
    };
    let _ = r.get_ref().set_read_timeout(None);
    let digests = Digests {
        header: est.params.header_digest,
        data: est.params.data_digest,
    };
    let isid: String = est.isid.iter().map(|b| format!("{b:02x}")).collect();
    let nexus = Nexus {
        initiator: format!("{},i,0x{isid}", est.initiator),
        target_port: 1,
    };
    let target = est
        .target
        .as_deref()
        .and_then(|t| inner.target_of(t))
        .map(|t| t.name);
    let commands = inner.add_session(
        SessionView {
            tsih: est.tsih,
            initiator: est.initiator.clone(),
            isid,
            target: est.target.clone().unwrap_or_else(|| "discovery".into()),
            peer,
            commands: 0,
        },
        conn_id,
    );
    let tsih = est.tsih;
    let mut c = Conn {
        inner,
        w,
        digests,
        stat_sn: est.stat_sn,
        exp_cmd_sn: est.cmd_sn,
        est,
        nexus,
        target,
        pending: HashMap::new(),
        draining: Vec::new(),
        next_ttt: 1,
        text_rest: None,
        commands,
    };
    c.run(&mut r);
    inner.remove_session(tsih, conn_id);
    if c.target.is_some() {
        inner.backend.nexus_lost(&c.nexus);
    }
}

/// The LUN a LUN field addresses (peripheral or flat addressing).
fn lun_number(l: &[u8; 8]) -> Option<u32> {
    acm_scsi::standard::decode_lun(l)
}

impl Conn<'_> {
    fn run(&mut self, r: &mut BufReader<TcpStream>) {
        let max = self.est.params.target_max_recv as usize;
        loop {
            if self.inner.stop.load(Ordering::SeqCst) {
                return;
            }
            let pdu = match Pdu::read(r, self.digests, max) {
                Ok(Some(p)) => p,
                Ok(None) => return,
                Err(PduError::DataDigest(bhs)) => {
                    let _ = self.reject(&bhs, reject::DATA_DIGEST);
                    let _ = self.w.flush();
                    return;
                }
                Err(PduError::TooLong(_)) | Err(PduError::Ahs) => {
                    return;
                }
                Err(_) => return,
            };
            let done = match self.dispatch(pdu) {
                Ok(go_on) => !go_on,
                Err(_) => true,
            };
            if self.w.flush().is_err() || done {
                return;
            }
        }
    }

    fn max_cmd_sn(&self) -> u32 {
        self.exp_cmd_sn.wrapping_add(CMD_WINDOW - 1)
    }

    /// Fills StatSN (advancing it when `status`), ExpCmdSN, MaxCmdSN.
    fn seal(&mut self, p: &mut Pdu, status: bool) {
        p.set_word(24, self.stat_sn);
        if status {
            self.stat_sn = self.stat_sn.wrapping_add(1);
        }
        p.set_word(28, self.exp_cmd_sn);
        p.set_word(32, self.max_cmd_sn());
    }

    fn send(&mut self, p: &Pdu) -> io::Result<()> {
        p.write(&mut self.w, self.digests)
    }

    fn reject(&mut self, bhs: &[u8; BHS], reason: u8) -> io::Result<()> {
        let mut p = Pdu::new(op::REJECT);
        p.bhs[1] = 0x80;
        p.bhs[2] = reason;
        p.set_itt(RESERVED_TAG);
        self.seal(&mut p, true);
        p.data = bhs.to_vec();
        self.send(&p)
    }

    /// Whether a non-immediate command's CmdSN is in the window; takes it.
    fn take_cmd_sn(&mut self, p: &Pdu) -> bool {
        if p.immediate() {
            return true;
        }
        let d = p.cmd_sn().wrapping_sub(self.exp_cmd_sn);
        if d >= CMD_WINDOW {
            return false;
        }
        self.exp_cmd_sn = p.cmd_sn().wrapping_add(1);
        true
    }

    /// Handles one PDU; `false` ends the connection.
    fn dispatch(&mut self, p: Pdu) -> io::Result<bool> {
        match p.opcode() {
            op::NOP_OUT => self.nop(p),
            op::SCSI_COMMAND if self.target.is_some() => self.command(p),
            op::DATA_OUT if self.target.is_some() => self.data_out(p),
            op::TASK_MGMT if self.target.is_some() => self.task_mgmt(p),
            op::TEXT => self.text(p),
            op::LOGOUT => self.logout(p),
            op::SNACK => self.reject(&p.bhs, reject::SNACK).map(|()| true),
            op::SCSI_COMMAND | op::DATA_OUT | op::TASK_MGMT => {
                // Not in a discovery session.
                self.reject(&p.bhs, reject::PROTOCOL_ERROR).map(|()| true)
            }
            op::LOGIN => self.reject(&p.bhs, reject::PROTOCOL_ERROR).map(|()| false),
            _ => self.reject(&p.bhs, reject::NOT_SUPPORTED).map(|()| true),
        }
    }

    fn nop(&mut self, p: Pdu) -> io::Result<bool> {
        if !self.take_cmd_sn(&p) {
            return Ok(true);
        }
        if p.itt() == RESERVED_TAG {
            // An answer to a NOP-In this target never sends, or a ping that wants none.
            return Ok(true);
        }
        let mut r = Pdu::new(op::NOP_IN);
        r.bhs[1] = 0x80;
        r.set_lun(p.lun());
        r.set_itt(p.itt());
        r.set_word(20, RESERVED_TAG);
        self.seal(&mut r, true);
        r.data = p.data;
        self.send(&r).map(|()| true)
    }

    fn command(&mut self, p: Pdu) -> io::Result<bool> {
        if !self.take_cmd_sn(&p) {
            return Ok(true);
        }
        self.commands.fetch_add(1, Ordering::Relaxed);
        let flags = p.flags();
        let (fin, read, write) = (flags & 0x80 != 0, flags & 0x40 != 0, flags & 0x20 != 0);
        let edtl = p.word20();
        let itt = p.itt();
        let cdb = p.cdb();
        if read && write {
            // Bidirectional commands: none of the logical units takes one.
            return self
                .check_condition(itt, p.lun(), invalid_iu(), 0, 0)
                .map(|()| true);
        }
        if !write {
            if !p.data.is_empty() {
                return self.reject(&p.bhs, reject::PROTOCOL_ERROR).map(|()| true);
            }
            let dir = if read { Dir::In } else { Dir::None };
            return self
                .execute(itt, p.lun(), &cdb, dir, edtl, Vec::new())
                .map(|()| true);
        }
        let immediate = p.data.len() as u32;
        if immediate > edtl
            || (immediate > 0 && !self.est.params.immediate_data)
            || immediate > self.est.params.first_burst
        {
            return self.reject(&p.bhs, reject::PROTOCOL_ERROR).map(|()| true);
        }
        if edtl > MAX_TRANSFER || self.pending.len() >= CMD_WINDOW as usize {
            if !fin {
                self.draining.push(itt);
            }
            let sense = Sense::new(sense::ILLEGAL_REQUEST, 0x24, 0x00);
            return self
                .check_condition(itt, p.lun(), sense, 0, 0)
                .map(|()| true);
        }
        let mut buf = vec![0u8; edtl as usize];
        buf[..p.data.len()].copy_from_slice(&p.data);
        let pend = Pending {
            lun: p.lun(),
            cdb,
            edtl,
            buf,
            received: immediate,
            unsolicited: !fin,
            r2t: None,
            r2t_sn: 0,
            data_sn: 0,
        };
        self.pending.insert(itt, pend);
        self.advance(itt).map(|()| true)
    }

    /// Runs a write whose data is all in, or asks for the next burst.
    fn advance(&mut self, itt: u32) -> io::Result<()> {
        let Some(pd) = self.pending.get(&itt) else {
            return Ok(());
        };
        if pd.received >= pd.edtl && !pd.unsolicited {
            let pd = self.pending.remove(&itt).expect("pending write");
            return self.execute(itt, pd.lun, &pd.cdb, Dir::Out, pd.edtl, pd.buf);
        }
        if pd.unsolicited || pd.r2t.is_some() {
            return Ok(());
        }
        let offset = pd.received;
        let len = (pd.edtl - offset).min(self.est.params.max_burst);
        let ttt = self.next_ttt;
        self.next_ttt = self.next_ttt.wrapping_add(1).max(1);
        if self.next_ttt == RESERVED_TAG {
            self.next_ttt = 1;
        }
        let (lun, sn) = {
            let pd = self.pending.get_mut(&itt).expect("pending write");
            pd.r2t = Some((ttt, offset + len));
            pd.data_sn = 0;
            let sn = pd.r2t_sn;
            pd.r2t_sn += 1;
            (pd.lun, sn)
        };
        let mut r = Pdu::new(op::R2T);
        r.bhs[1] = 0x80;
        r.set_lun(lun);
        r.set_itt(itt);
        r.set_word(20, ttt);
        self.seal(&mut r, false);
        r.set_word(36, sn);
        r.set_word(40, offset);
        r.set_word(44, len);
        self.send(&r)
    }

    fn data_out(&mut self, p: Pdu) -> io::Result<bool> {
        let itt = p.itt();
        let ttt = p.word20();
        let offset = p.word(40);
        if let Some(i) = self.draining.iter().position(|t| *t == itt) {
            if p.final_bit() {
                self.draining.remove(i);
            }
            return Ok(true);
        }
        let Some(pd) = self.pending.get_mut(&itt) else {
            return self.reject(&p.bhs, reject::INVALID_FIELD).map(|()| true);
        };
        let len = p.data.len() as u32;
        let end = offset.checked_add(len);
        let in_range = match (ttt, pd.r2t) {
            (RESERVED_TAG, _) => {
                pd.unsolicited && end.is_some_and(|e| e <= pd.edtl.min(self.est.params.first_burst))
            }
            (t, Some((want, upto))) if t == want => end.is_some_and(|e| e <= upto),
            _ => false,
        };
        if !in_range {
            return self.reject(&p.bhs, reject::PROTOCOL_ERROR).map(|()| true);
        }
        if p.word(36) != pd.data_sn {
            // A lost or reordered Data-Out: error recovery level 0 cannot ask
            // for it again. The task ends with DATA PHASE ERROR; the rest of
            // its data is dropped as it comes; the session goes on.
            let lun = pd.lun;
            self.pending.remove(&itt);
            if !p.final_bit() {
                self.draining.push(itt);
            }
            let sense = Sense::new(sense::ABORTED_COMMAND, 0x4B, 0x00);
            return self.check_condition(itt, lun, sense, 0, 0).map(|()| true);
        }
        pd.data_sn += 1;
        let (o, e) = (offset as usize, offset as usize + len as usize);
        pd.buf[o..e].copy_from_slice(&p.data);
        pd.received = pd.received.max(offset + len);
        if p.final_bit() {
            if ttt == RESERVED_TAG {
                pd.unsolicited = false;
            } else {
                pd.r2t = None;
            }
        }
        self.advance(itt).map(|()| true)
    }

    /// Runs one command on the backend and sends its data and status.
    fn execute(
        &mut self,
        itt: u32,
        lun: [u8; 8],
        cdb: &[u8],
        dir: Dir,
        edtl: u32,
        out: Vec<u8>,
    ) -> io::Result<()> {
        let Some(target) = self.target.clone() else {
            return Ok(());
        };
        let Some(lu) = lun_number(&lun) else {
            let sense = Sense::new(sense::ILLEGAL_REQUEST, 0x25, 0x00);
            return self.check_condition(itt, lun, sense, 0, 0);
        };
        let edtl_n = u64::from(edtl);
        let spdtl = acm_scsi::sbc::transfer_length(cdb).unwrap_or(edtl_n);
        // The CDB says which way its data goes; flags that disagree move
        // nothing the CDB does not (a READ flagged as a write reads, and
        // its data stays here).
        let flagged = dir;
        let dir = match acm_scsi::sbc::direction(cdb) {
            Some(acm_scsi::sbc::Dir::In) => Dir::In,
            Some(acm_scsi::sbc::Dir::Out) => Dir::Out,
            Some(acm_scsi::sbc::Dir::None) => Dir::None,
            None => dir,
        };
        if matches!((flagged, dir), (Dir::None | Dir::In, Dir::Out)) {
            // A write whose data the initiator never offered.
            return self.check_condition(itt, lun, invalid_iu(), OVERFLOW, spdtl);
        }
        let table_out = acm_scsi::sbc::find(cdb).is_some_and(|o| o.dir == acm_scsi::sbc::Dir::Out);
        if matches!((flagged, dir), (Dir::Out, Dir::None)) && table_out && edtl > 0 {
            // Data for a write CDB that asks for none (COMPARE AND WRITE of
            // zero blocks with data): the CDB and the transfer disagree.
            let sense = Sense::new(sense::ILLEGAL_REQUEST, 0x24, 0x00);
            return self.check_condition(itt, lun, sense, UNDERFLOW, edtl_n);
        }
        if matches!(dir, Dir::Out) && spdtl != edtl_n && !acm_scsi::sbc::is_write(cdb) {
            // Only a plain write takes what part of its data came: a
            // command whose data is one whole (a block to repeat, data to
            // compare, a parameter list) is refused when the sizes differ.
            let (flag, residual) = if spdtl > edtl_n {
                (OVERFLOW, spdtl - edtl_n)
            } else {
                (UNDERFLOW, edtl_n - spdtl)
            };
            return self.check_condition(itt, lun, invalid_iu(), flag, residual);
        }
        let mut out = out;
        if matches!(dir, Dir::Out) && spdtl > edtl_n && acm_scsi::sbc::is_write(cdb) {
            // A write that sends less than its CDB asks: the blocks beyond
            // what came keep what they hold (FCP-4's "only EDTL is
            // written"), read first and written back with the data.
            match self.merge_short_write(&target, lu, cdb, &out, spdtl) {
                Some(merged) => out = merged,
                None => {
                    return self.check_condition(itt, lun, invalid_iu(), OVERFLOW, spdtl - edtl_n)
                }
            }
        }
        let result = match dir {
            Dir::Out if spdtl > out.len() as u64 => {
                return self.check_condition(itt, lun, invalid_iu(), OVERFLOW, spdtl - edtl_n);
            }
            Dir::Out => self.inner.backend.execute(
                &self.nexus,
                &target,
                lu,
                cdb,
                DataPhase::Out(&out[..spdtl as usize]),
            ),
            Dir::In if spdtl > MAX_DATA_IN => {
                let sense = Sense::new(sense::ILLEGAL_REQUEST, 0x24, 0x00);
                return self.check_condition(itt, lun, sense, 0, 0);
            }
            Dir::In => self.inner.backend.execute(
                &self.nexus,
                &target,
                lu,
                cdb,
                DataPhase::In(spdtl as usize),
            ),
            Dir::None if spdtl > 0 => {
                return self.check_condition(itt, lun, invalid_iu(), OVERFLOW, spdtl);
            }
            Dir::None => self
                .inner
                .backend
                .execute(&self.nexus, &target, lu, cdb, DataPhase::None),
        };
        let resp = match result {
            Ok(r) => r,
            Err(_) => {
                // The logical unit could not be reached: a target failure.
                let mut r = Pdu::new(op::SCSI_RESPONSE);
                r.bhs[1] = 0x80;
                r.bhs[2] = 0x01;
                r.set_itt(itt);
                self.seal(&mut r, true);
                return self.send(&r);
            }
        };
        // Residuals against what the initiator expected.
        let produced = match dir {
            Dir::In => resp.data.len() as u64,
            Dir::Out => spdtl,
            Dir::None => 0,
        };
        let (flag, residual) = if produced > edtl_n {
            (OVERFLOW, produced - edtl_n)
        } else if produced < edtl_n {
            (UNDERFLOW, edtl_n - produced)
        } else {
            (0, 0)
        };
        let mut data = resp.data;
        if !matches!(flagged, Dir::In) {
            data.clear();
        }
        data.truncate(edtl as usize);
        let good = resp.status != CHECK_CONDITION && resp.sense.is_empty();
        let data_sn = if matches!(dir, Dir::In) && !data.is_empty() {
            self.data_in(
                itt,
                lun,
                &data,
                good.then_some((resp.status, flag, residual)),
            )?
        } else {
            0
        };
        if good && matches!(dir, Dir::In) && !data.is_empty() {
            return Ok(());
        }
        self.response(itt, resp.status, &resp.sense, flag, residual, data_sn)
    }

    /// The data of a short write, completed with what the blocks hold now;
    /// `None` when they cannot be read.
    fn merge_short_write(
        &self,
        target: &str,
        lu: u32,
        cdb: &[u8],
        given: &[u8],
        spdtl: u64,
    ) -> Option<Vec<u8>> {
        let (lba, blocks) = acm_scsi::sbc::lba_and_blocks(cdb)?;
        let read = acm_scsi::sbc::read16(lba, u32::try_from(blocks).ok()?);
        let r = self
            .inner
            .backend
            .execute(
                &self.nexus,
                target,
                lu,
                &read,
                DataPhase::In(spdtl as usize),
            )
            .ok()?;
        if r.status != 0 || r.data.len() as u64 != spdtl {
            return None;
        }
        let mut merged = r.data;
        merged[..given.len()].copy_from_slice(given);
        Some(merged)
    }

    /// Sends Data-In PDUs, the last carrying the status when `status` is
    /// given (phase collapse). Returns the DataSN after the last PDU.
    fn data_in(
        &mut self,
        itt: u32,
        lun: [u8; 8],
        data: &[u8],
        status: Option<(u8, u8, u64)>,
    ) -> io::Result<u32> {
        let chunk = self.est.params.initiator_max_recv.max(512) as usize;
        let burst = self.est.params.max_burst.max(512) as usize;
        let mut sn = 0u32;
        let mut off = 0usize;
        while off < data.len() {
            let end = (off + chunk).min(data.len());
            let last = end == data.len();
            // The F bit ends each burst (MaxBurstLength) and the whole transfer.
            let burst_end = last || (end / burst) != (off / burst) || end.is_multiple_of(burst);
            let mut p = Pdu::new(op::DATA_IN);
            p.set_lun(lun);
            p.set_itt(itt);
            p.set_word(20, RESERVED_TAG);
            let mut flags = if burst_end { 0x80 } else { 0 };
            let collapse = last && status.is_some();
            if let (true, Some((st, rflag, residual))) = (collapse, status) {
                flags |= 0x01 | rflag;
                p.bhs[3] = st;
                p.set_word(44, residual.min(u64::from(u32::MAX)) as u32);
            }
            p.bhs[1] = flags;
            self.seal(&mut p, collapse);
            p.set_word(36, sn);
            p.set_word(40, off as u32);
            p.data = data[off..end].to_vec();
            self.send(&p)?;
            sn += 1;
            off = end;
        }
        Ok(sn)
    }

    fn response(
        &mut self,
        itt: u32,
        status: u8,
        sense: &[u8],
        flag: u8,
        residual: u64,
        exp_data_sn: u32,
    ) -> io::Result<()> {
        let mut r = Pdu::new(op::SCSI_RESPONSE);
        r.bhs[1] = 0x80 | flag;
        r.bhs[3] = status;
        r.set_itt(itt);
        self.seal(&mut r, true);
        r.set_word(36, exp_data_sn);
        r.set_word(44, residual.min(u64::from(u32::MAX)) as u32);
        if !sense.is_empty() {
            let mut d = (sense.len() as u16).to_be_bytes().to_vec();
            d.extend_from_slice(sense);
            r.data = d;
        }
        self.send(&r)
    }

    fn check_condition(
        &mut self,
        itt: u32,
        _lun: [u8; 8],
        sense: Sense,
        flag: u8,
        residual: u64,
    ) -> io::Result<()> {
        self.response(itt, CHECK_CONDITION, &sense.to_fixed(), flag, residual, 0)
    }

    fn task_mgmt(&mut self, p: Pdu) -> io::Result<bool> {
        let func = p.flags() & 0x7F;
        if !self.take_cmd_sn(&p) {
            return Ok(true);
        }
        let lun = p.lun();
        let rtt = p.word20();
        let target = self.target.clone().unwrap_or_default();
        let mut cold = false;
        let response = match func {
            // ABORT TASK.
            // A task that already ended does not exist any more.
            1 => {
                if self.pending.remove(&rtt).is_some() {
                    0
                } else {
                    1
                }
            }
            // ABORT TASK SET, CLEAR TASK SET.
            2 | 4 => {
                self.pending.retain(|_, pd| pd.lun != lun);
                0
            }
            // CLEAR ACA: no ACA is ever established.
            3 => 0,
            // LOGICAL UNIT RESET.
            5 => match lun_number(&lun) {
                Some(n) => {
                    self.pending.retain(|_, pd| pd.lun != lun);
                    self.inner.backend.reset(&self.nexus, &target, Some(n));
                    0
                }
                None => 2,
            },
            // TARGET WARM RESET, TARGET COLD RESET.
            6 | 7 => {
                self.pending.clear();
                self.inner.backend.reset(&self.nexus, &target, None);
                cold = func == 7;
                0
            }
            // TASK REASSIGN needs error recovery level 2.
            8 => 4,
            _ => 5,
        };
        let mut r = Pdu::new(op::TASK_MGMT_RESPONSE);
        r.bhs[1] = 0x80;
        r.bhs[2] = response;
        r.set_itt(p.itt());
        self.seal(&mut r, true);
        self.send(&r)?;
        Ok(!cold)
    }

    fn text(&mut self, p: Pdu) -> io::Result<bool> {
        if !self.take_cmd_sn(&p) {
            return Ok(true);
        }
        let ttt = p.word20();
        let body = match (ttt, self.text_rest.take()) {
            (RESERVED_TAG, _) => {
                let mut out = Vec::new();
                for (k, v) in text::parse(&p.data) {
                    if k == "SendTargets" {
                        out.extend(self.send_targets(&v));
                    } else {
                        out.push((k, "NotUnderstood".into()));
                    }
                }
                text::encode(&out)
            }
            (t, Some((want, rest))) if t == want => rest,
            _ => return self.reject(&p.bhs, reject::PROTOCOL_ERROR).map(|()| true),
        };
        let chunk = self.est.params.initiator_max_recv as usize;
        let mut r = Pdu::new(op::TEXT_RESPONSE);
        r.set_lun(p.lun());
        r.set_itt(p.itt());
        if body.len() > chunk {
            let ttt = self.next_ttt;
            self.next_ttt = self.next_ttt.wrapping_add(1).max(1);
            r.bhs[1] = 0x40;
            r.set_word(20, ttt);
            r.data = body[..chunk].to_vec();
            self.text_rest = Some((ttt, body[chunk..].to_vec()));
        } else {
            r.bhs[1] = 0x80;
            r.set_word(20, RESERVED_TAG);
            r.data = body;
        }
        self.seal(&mut r, true);
        self.send(&r).map(|()| true)
    }

    /// SendTargets (RFC 7143 §12.3): every target in a discovery session,
    /// the session's own in a normal one.
    fn send_targets(&self, v: &str) -> Vec<(String, String)> {
        let addr = self.inner.address();
        let portal = format!("{addr},1");
        let mut out = Vec::new();
        for t in self.inner.backend.targets() {
            let name = iqn(&t.name);
            let wanted = match (&self.target, v) {
                (Some(mine), _) => *mine == t.name && (v == "All" || v == name || v.is_empty()),
                (None, "All") => true,
                (None, one) => one == name,
            };
            if wanted {
                out.push(("TargetName".into(), name));
                out.push(("TargetAddress".into(), portal.clone()));
            }
        }
        out
    }

    fn logout(&mut self, p: Pdu) -> io::Result<bool> {
        let _ = self.take_cmd_sn(&p);
        let reason = p.flags() & 0x7F;
        let mut r = Pdu::new(op::LOGOUT_RESPONSE);
        r.bhs[1] = 0x80;
        // Closing the session or this connection is the same here (one
        // connection per session); recovery needs error recovery level 2.
        r.bhs[2] = if reason == 2 { 2 } else { 0 };
        r.set_itt(p.itt());
        self.seal(&mut r, true);
        self.send(&r)?;
        Ok(reason == 2)
    }
}

#[derive(Debug, Clone, Copy)]
enum Dir {
    None,
    In,
    Out,
}

const OVERFLOW: u8 = 0x04;
const UNDERFLOW: u8 = 0x02;

/// ILLEGAL REQUEST, INVALID FIELD IN INFORMATION UNIT (0Eh/03h): the
/// transport's lengths do not agree with the CDB's.
fn invalid_iu() -> Sense {
    Sense::new(sense::ILLEGAL_REQUEST, 0x0E, 0x03)
}
