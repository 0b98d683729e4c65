//! A small iSCSI initiator: one session, one connection, one command at a
//! time. It is an `acm_scsi::transport::Transport`, so the driver can reach a
//! LUN over iSCSI exactly as over `SG_IO`; the tests use it to move data and
//! to send what a well-behaved initiator never would ([`Initiator::raw`]).

use crate::login::chap_response;
use crate::pdu::{op, Digests, Pdu, PduError, RESERVED_TAG};
use crate::text;
use acm_scsi::transport::{Completion, Data, Transport, TransportError};
use std::io::{self, BufReader, BufWriter, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A LUN as libiscsi and its tools name it:
/// `iscsi://[USER%SECRET@]HOST[:PORT]/TARGET-IQN/LUN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `HOST:PORT` (3260 when the URL has no port).
    pub portal: String,
    pub target: String,
    pub lun: u32,
    pub chap: Option<(String, String)>,
}

impl Url {
    pub fn parse(s: &str) -> Result<Url, String> {
        let bad = |why: &str| format!("{s}: {why} (iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN)");
        let rest = s
            .strip_prefix("iscsi://")
            .ok_or_else(|| bad("not an iscsi:// URL"))?;
        let (auth, rest) = match rest.rsplit_once('@') {
            Some((a, r)) => (Some(a), r),
            None => (None, rest),
        };
        let chap = match auth {
            Some(a) => {
                let (u, p) = a.split_once('%').ok_or_else(|| bad("USER%SECRET"))?;
                Some((u.to_string(), p.to_string()))
            }
            None => None,
        };
        let mut parts = rest.splitn(3, '/');
        let host = parts
            .next()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("no host"))?;
        let target = parts
            .next()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| bad("no target"))?;
        let lun = parts
            .next()
            .and_then(|l| l.parse().ok())
            .ok_or_else(|| bad("no LUN number"))?;
        // An IPv6 address is bracketed; a port follows the last colon otherwise.
        let has_port = match host.rfind(']') {
            Some(b) => host[b..].contains(':'),
            None => host.contains(':'),
        };
        let portal = if has_port {
            host.to_string()
        } else {
            format!("{host}:3260")
        };
        Ok(Url {
            portal,
            target: target.to_string(),
            lun,
            chap,
        })
    }
}

/// How to log in.
#[derive(Debug, Clone)]
pub struct Options {
    pub initiator: String,
    pub isid: [u8; 6],
    /// `None`: a discovery session.
    pub target: Option<String>,
    pub chap: Option<(String, String)>,
    pub header_digest: bool,
    pub data_digest: bool,
    pub immediate_data: bool,
    pub initial_r2t: bool,
    pub max_recv: u32,
    pub max_burst: u32,
    pub first_burst: u32,
}

impl Options {
    pub fn new(target: Option<&str>) -> Options {
        Options {
            initiator: "iqn.2026-12.org.acm-rs:initiator".into(),
            isid: [0x80, 0x00, 0x00, 0x00, 0x00, 0x01],
            target: target.map(str::to_string),
            chap: None,
            header_digest: false,
            data_digest: false,
            immediate_data: true,
            initial_r2t: false,
            max_recv: 65536,
            max_burst: 262_144,
            first_burst: 65536,
        }
    }
}

/// Why a login or command failed.
#[derive(Debug, thiserror::Error)]
pub enum InitiatorError {
    #[error("connection: {0}")]
    Io(#[from] io::Error),
    #[error("{0}")]
    Pdu(#[from] PduError),
    #[error("login refused: status {0:04x}")]
    Login(u16),
    #[error("protocol: {0}")]
    Protocol(String),
}

/// A logged-in session.
pub struct Initiator {
    r: BufReader<TcpStream>,
    w: BufWriter<TcpStream>,
    digests: Digests,
    itt: u32,
    cmd_sn: u32,
    exp_stat_sn: u32,
    /// What the target receives in one PDU, and the negotiated bursts.
    target_max_recv: u32,
    first_burst: u32,
    max_burst: u32,
    immediate_data: bool,
    initial_r2t: bool,
    max_recv: u32,
    pub lun: u32,
}

fn pairs(v: &[(&str, String)]) -> Vec<(String, String)> {
    v.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn yn(b: bool) -> String {
    if b { "Yes" } else { "No" }.to_string()
}

fn hex(b: &[u8]) -> String {
    let mut s = String::from("0x");
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    s
}

impl Initiator {
    /// Logs in to the LUN `url` names, as initiator `name`, with an ISID of
    /// this process's own (so that two processes' sessions never reinstate
    /// each other).
    pub fn connect(url: &Url, name: &str) -> Result<Initiator, InitiatorError> {
        use std::net::ToSocketAddrs;
        use std::sync::atomic::{AtomicU16, Ordering};
        static NEXT: AtomicU16 = AtomicU16::new(0);
        let addr = url
            .portal
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| InitiatorError::Protocol(format!("{}: no address", url.portal)))?;
        let mut o = Options::new(Some(&url.target));
        o.initiator = name.to_string();
        let pid = std::process::id().to_be_bytes();
        let n = NEXT.fetch_add(1, Ordering::SeqCst).to_be_bytes();
        // ISID type 10b: random (RFC 7143 §11.12.5).
        o.isid = [0x80, pid[1], pid[2], pid[3], n[0], n[1]];
        o.chap = url.chap.clone();
        let mut i = Initiator::login(addr, &o)?;
        i.lun = url.lun;
        Ok(i)
    }

    /// Connects to `addr` and logs in.
    pub fn login(addr: SocketAddr, o: &Options) -> Result<Initiator, InitiatorError> {
        let s = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut me = Initiator {
            r: BufReader::new(s.try_clone()?),
            w: BufWriter::new(s),
            digests: Digests::default(),
            itt: 1,
            cmd_sn: 1,
            exp_stat_sn: 0,
            target_max_recv: 8192,
            first_burst: 65536,
            max_burst: 262_144,
            immediate_data: true,
            initial_r2t: true,
            max_recv: o.max_recv,
            lun: 0,
        };
        let mut first = vec![
            ("InitiatorName", o.initiator.clone()),
            (
                "SessionType",
                if o.target.is_some() {
                    "Normal"
                } else {
                    "Discovery"
                }
                .to_string(),
            ),
        ];
        if let Some(t) = &o.target {
            first.push(("TargetName", t.clone()));
        }
        if let Some((user, secret)) = &o.chap {
            first.push(("AuthMethod", "CHAP,None".into()));
            me.login_pdu(o, 0, 0, false, &pairs(&first))?;
            let r = me.login_pdu(o, 0, 0, false, &pairs(&[("CHAP_A", "5".into())]))?;
            let get = |k: &str| {
                r.iter()
                    .find(|(a, _)| a == k)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| InitiatorError::Protocol(format!("no {k} in the challenge")))
            };
            let id: u8 = get("CHAP_I")?
                .parse()
                .map_err(|_| InitiatorError::Protocol("CHAP_I".into()))?;
            let c = get("CHAP_C")?;
            let c = (2..c.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&c[i..(i + 2).min(c.len())], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| InitiatorError::Protocol("CHAP_C".into()))?;
            let resp = hex(&chap_response(id, secret.as_bytes(), &c));
            me.login_pdu(
                o,
                0,
                1,
                true,
                &pairs(&[("CHAP_N", user.clone()), ("CHAP_R", resp)]),
            )?;
        } else {
            first.push(("AuthMethod", "None".into()));
            me.login_pdu(o, 0, 1, true, &pairs(&first))?;
        }
        let digest = |on: bool| if on { "CRC32C,None" } else { "None" }.to_string();
        let ops = pairs(&[
            ("HeaderDigest", digest(o.header_digest)),
            ("DataDigest", digest(o.data_digest)),
            ("MaxRecvDataSegmentLength", o.max_recv.to_string()),
            ("ImmediateData", yn(o.immediate_data)),
            ("InitialR2T", yn(o.initial_r2t)),
            ("MaxBurstLength", o.max_burst.to_string()),
            ("FirstBurstLength", o.first_burst.to_string()),
            ("ErrorRecoveryLevel", "0".into()),
        ]);
        let answers = me.login_pdu(o, 1, 3, true, &ops)?;
        for (k, v) in answers {
            match k.as_str() {
                "HeaderDigest" => me.digests.header = v == "CRC32C",
                "DataDigest" => me.digests.data = v == "CRC32C",
                "MaxRecvDataSegmentLength" => me.target_max_recv = v.parse().unwrap_or(8192),
                "ImmediateData" => me.immediate_data = v == "Yes",
                "InitialR2T" => me.initial_r2t = v == "Yes",
                "MaxBurstLength" => me.max_burst = v.parse().unwrap_or(262_144),
                "FirstBurstLength" => me.first_burst = v.parse().unwrap_or(65536),
                _ => {}
            }
        }
        me.r.get_ref().set_read_timeout(None)?;
        Ok(me)
    }

    fn login_pdu(
        &mut self,
        o: &Options,
        csg: u8,
        nsg: u8,
        transit: bool,
        keys: &[(String, String)],
    ) -> Result<Vec<(String, String)>, InitiatorError> {
        let mut p = Pdu::new(op::LOGIN | 0x40);
        p.bhs[1] = (csg << 2) | if transit { 0x80 | nsg } else { 0 };
        p.bhs[8..14].copy_from_slice(&o.isid);
        p.set_itt(self.itt);
        p.set_word(24, self.cmd_sn);
        p.set_word(28, self.exp_stat_sn);
        p.data = text::encode(keys);
        p.write(&mut self.w, Digests::default())?;
        self.w.flush()?;
        let r = Pdu::read(&mut self.r, Digests::default(), 65536)?
            .ok_or_else(|| InitiatorError::Protocol("closed during login".into()))?;
        let status = u16::from_be_bytes([r.bhs[36], r.bhs[37]]);
        if r.opcode() != op::LOGIN_RESPONSE || status != 0 {
            return Err(InitiatorError::Login(status));
        }
        self.exp_stat_sn = r.word(24).wrapping_add(1);
        Ok(text::parse(&r.data))
    }

    fn next_itt(&mut self) -> u32 {
        self.itt = self.itt.wrapping_add(1);
        if self.itt == RESERVED_TAG {
            self.itt = 1;
        }
        self.itt
    }

    /// Sends a PDU as it is (the tests' way to send what is wrong).
    pub fn raw(&mut self, p: &Pdu) -> io::Result<()> {
        p.write(&mut self.w, self.digests)?;
        self.w.flush()
    }

    /// Writes raw bytes on the connection.
    pub fn raw_bytes(&mut self, b: &[u8]) -> io::Result<()> {
        self.w.write_all(b)?;
        self.w.flush()
    }

    /// Reads the next PDU from the target.
    pub fn read(&mut self) -> Result<Option<Pdu>, PduError> {
        let p = Pdu::read(&mut self.r, self.digests, self.max_recv as usize)?;
        if let Some(p) = &p {
            if matches!(
                p.opcode(),
                op::SCSI_RESPONSE
                    | op::NOP_IN
                    | op::TEXT_RESPONSE
                    | op::TASK_MGMT_RESPONSE
                    | op::LOGOUT_RESPONSE
                    | op::REJECT
            ) || (p.opcode() == op::DATA_IN && p.flags() & 0x01 != 0)
            {
                self.exp_stat_sn = p.word(24).wrapping_add(1);
            }
        }
        Ok(p)
    }

    /// A SCSI command PDU header for `cdb` (not sent).
    pub fn command_pdu(&mut self, cdb: &[u8], read: bool, write: bool, edtl: u32) -> Pdu {
        let mut p = Pdu::new(op::SCSI_COMMAND);
        p.bhs[1] = 0x80 | if read { 0x40 } else { 0 } | if write { 0x20 } else { 0 } | 0x01;
        p.set_lun(acm_scsi::standard::encode_lun(self.lun));
        let itt = self.next_itt();
        p.set_itt(itt);
        p.set_word(20, edtl);
        p.set_word(24, self.cmd_sn);
        self.cmd_sn = self.cmd_sn.wrapping_add(1);
        p.set_word(28, self.exp_stat_sn);
        let n = cdb.len().min(16);
        p.bhs[32..32 + n].copy_from_slice(&cdb[..n]);
        p
    }

    /// Sends SendTargets=All and returns the pairs answered.
    pub fn send_targets(&mut self) -> Result<Vec<(String, String)>, InitiatorError> {
        let mut p = Pdu::new(op::TEXT | 0x40);
        p.bhs[1] = 0x80;
        let itt = self.next_itt();
        p.set_itt(itt);
        p.set_word(20, RESERVED_TAG);
        p.set_word(24, self.cmd_sn);
        p.set_word(28, self.exp_stat_sn);
        p.data = text::encode(&[("SendTargets".into(), "All".into())]);
        self.raw(&p)?;
        let mut all = Vec::new();
        loop {
            let r = self
                .read()?
                .ok_or_else(|| InitiatorError::Protocol("closed".into()))?;
            if r.opcode() != op::TEXT_RESPONSE {
                return Err(InitiatorError::Protocol(format!(
                    "opcode {:#x}",
                    r.opcode()
                )));
            }
            all.extend_from_slice(&r.data);
            if r.final_bit() {
                break;
            }
            let mut p = Pdu::new(op::TEXT | 0x40);
            p.bhs[1] = 0x80;
            p.set_itt(itt);
            p.set_word(20, r.word20());
            p.set_word(24, self.cmd_sn);
            self.raw(&p)?;
        }
        Ok(text::parse(&all))
    }

    /// Runs one command; the SCSI status, sense and Data-In.
    pub fn command(&mut self, cdb: &[u8], data: Data<'_>) -> Result<Completion, InitiatorError> {
        let (read, write, edtl) = match &data {
            Data::None => (false, false, 0),
            Data::Out(b) => (false, true, b.len()),
            Data::In(b) => (true, false, b.len()),
        };
        let edtl = u32::try_from(edtl).map_err(|_| InitiatorError::Protocol("too long".into()))?;
        let mut p = self.command_pdu(cdb, read, write, edtl);
        let itt = p.itt();
        let out: &[u8] = match &data {
            Data::Out(b) => b,
            _ => &[],
        };
        let mut sent = 0usize;
        if write {
            let imm = if self.immediate_data {
                out.len()
                    .min(self.first_burst as usize)
                    .min(self.target_max_recv as usize)
            } else {
                0
            };
            p.data = out[..imm].to_vec();
            sent = imm;
            let unsolicited = !self.initial_r2t && sent < out.len().min(self.first_burst as usize);
            if unsolicited {
                p.bhs[1] &= !0x80;
            }
            self.raw(&p)?;
            if unsolicited {
                let end = out.len().min(self.first_burst as usize);
                sent = self.data_out(itt, RESERVED_TAG, out, sent, end)?;
            }
        } else {
            self.raw(&p)?;
        }
        let mut buf = match data {
            Data::In(b) => Some(b),
            _ => None,
        };
        let mut filled = 0usize;
        loop {
            let r = self
                .read()?
                .ok_or_else(|| InitiatorError::Protocol("closed".into()))?;
            match r.opcode() {
                op::R2T => {
                    let off = r.word(40) as usize;
                    let len = r.word(44) as usize;
                    if off + len > out.len() {
                        return Err(InitiatorError::Protocol("R2T beyond the data".into()));
                    }
                    self.data_out(itt, r.word20(), out, off, off + len)?;
                }
                op::DATA_IN => {
                    let off = r.word(40) as usize;
                    if let Some(b) = buf.as_deref_mut() {
                        let end = off + r.data.len();
                        if end > b.len() {
                            return Err(InitiatorError::Protocol("Data-In beyond EDTL".into()));
                        }
                        b[off..end].copy_from_slice(&r.data);
                        filled = filled.max(end);
                    }
                    if r.flags() & 0x01 != 0 {
                        return Ok(Completion {
                            status: r.bhs[3],
                            sense: Vec::new(),
                            residual: edtl as usize - filled,
                        });
                    }
                }
                op::SCSI_RESPONSE => {
                    let sense = if r.data.len() >= 2 {
                        let n = u16::from_be_bytes([r.data[0], r.data[1]]) as usize;
                        r.data[2..(2 + n).min(r.data.len())].to_vec()
                    } else {
                        Vec::new()
                    };
                    if r.bhs[2] != 0 {
                        return Err(InitiatorError::Protocol(format!(
                            "response {:#x}",
                            r.bhs[2]
                        )));
                    }
                    let _ = sent;
                    // Bytes of the buffer the target did not fill or take.
                    let residual = if read {
                        edtl as usize - filled.min(edtl as usize)
                    } else if r.flags() & 0x02 != 0 {
                        r.word(44) as usize
                    } else {
                        0
                    };
                    return Ok(Completion {
                        status: r.bhs[3],
                        sense,
                        residual,
                    });
                }
                op::NOP_IN | op::REJECT => {
                    return Err(InitiatorError::Protocol(format!(
                        "unexpected opcode {:#x}",
                        r.opcode()
                    )))
                }
                o => return Err(InitiatorError::Protocol(format!("opcode {o:#x}"))),
            }
        }
    }

    /// Sends `out[from..to]` as Data-Out PDUs for transfer tag `ttt`.
    fn data_out(
        &mut self,
        itt: u32,
        ttt: u32,
        out: &[u8],
        from: usize,
        to: usize,
    ) -> io::Result<usize> {
        let chunk = self.target_max_recv as usize;
        let mut off = from;
        let mut sn = 0u32;
        while off < to {
            let end = (off + chunk).min(to);
            let mut d = Pdu::new(op::DATA_OUT);
            if end == to {
                d.bhs[1] = 0x80;
            }
            d.set_lun(acm_scsi::standard::encode_lun(self.lun));
            d.set_itt(itt);
            d.set_word(20, ttt);
            d.set_word(28, self.exp_stat_sn);
            d.set_word(36, sn);
            d.set_word(40, off as u32);
            d.data = out[off..end].to_vec();
            d.write(&mut self.w, self.digests)?;
            sn += 1;
            off = end;
        }
        self.w.flush()?;
        Ok(to)
    }

    /// Logs out (closing the session).
    pub fn logout(mut self) -> Result<(), InitiatorError> {
        let mut p = Pdu::new(op::LOGOUT | 0x40);
        p.bhs[1] = 0x80;
        let itt = self.next_itt();
        p.set_itt(itt);
        p.set_word(24, self.cmd_sn);
        p.set_word(28, self.exp_stat_sn);
        self.raw(&p)?;
        match self.read()? {
            Some(r) if r.opcode() == op::LOGOUT_RESPONSE && r.bhs[2] == 0 => Ok(()),
            _ => Err(InitiatorError::Protocol("logout".into())),
        }
    }
}

impl Transport for Initiator {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        let _ = self
            .r
            .get_ref()
            .set_read_timeout(Some(timeout.max(Duration::from_secs(1))));
        self.command(cdb, data).map_err(|e| match e {
            InitiatorError::Io(e) if e.kind() == io::ErrorKind::WouldBlock => {
                TransportError::Timeout(timeout)
            }
            e => TransportError::Target(e.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_as_libiscsi_writes_them() {
        let u = Url::parse("iscsi://127.0.0.1:3261/iqn.2026-12.org.acm-rs:b1/3").unwrap();
        assert_eq!(u.portal, "127.0.0.1:3261");
        assert_eq!(u.target, "iqn.2026-12.org.acm-rs:b1");
        assert_eq!(u.lun, 3);
        let u = Url::parse("iscsi://op%s3cret-s3cret@array/iqn.x:y/0").unwrap();
        assert_eq!(u.portal, "array:3260");
        assert_eq!(u.chap, Some(("op".into(), "s3cret-s3cret".into())));
        assert_eq!(
            Url::parse("iscsi://[::1]/iqn.x/0").unwrap().portal,
            "[::1]:3260"
        );
        for bad in [
            "/dev/sg3",
            "iscsi://h/iqn",
            "iscsi://h//0",
            "iscsi://u@h/t/0",
        ] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }
}
