//! The login phase (RFC 7143 §6.3): security negotiation (None, or CHAP with
//! MD5 when the portal has a secret), operational negotiation, and the move
//! to the full-feature phase. One [`Login`] per connection; it answers each
//! complete login request and says when the session is established.

use crate::pdu::{be16, op, Pdu};
use crate::text::{self, Params};
use md5::{Digest, Md5};

/// Login stages (CSG/NSG).
const SECURITY: u8 = 0;
const OPERATIONAL: u8 = 1;
const FULL_FEATURE: u8 = 3;

/// Login status class and detail (§11.13.5).
pub mod status {
    pub const SUCCESS: u16 = 0x0000;
    pub const INITIATOR_ERROR: u16 = 0x0200;
    pub const AUTH_FAILURE: u16 = 0x0201;
    pub const NOT_FOUND: u16 = 0x0203;
    pub const TOO_MANY_CONNECTIONS: u16 = 0x0206;
    pub const MISSING_PARAMETER: u16 = 0x0207;
    pub const UNSUPPORTED_VERSION: u16 = 0x0205;
    pub const SESSION_DOES_NOT_EXIST: u16 = 0x020A;
    pub const INVALID_DURING_LOGIN: u16 = 0x020B;
}

/// The longest login text accepted (all PDUs of one request together).
pub const MAX_LOGIN_TEXT: usize = 64 * 1024;

/// One-way CHAP credentials the target checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chap {
    pub user: String,
    pub secret: String,
}

/// What a login may reach: the targets of the portal and its credentials.
pub trait Directory {
    /// Whether a target of that name exists.
    fn has_target(&self, name: &str) -> bool;
    fn chap(&self) -> Option<Chap>;
    /// Whether a session with this TSIH exists (a login adding a connection).
    fn session_exists(&self, tsih: u16) -> bool;
    /// A new session handle.
    fn new_tsih(&self) -> u16;
}

/// What a completed login established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Established {
    pub initiator: String,
    pub isid: [u8; 6],
    pub tsih: u16,
    /// `None` for a discovery session.
    pub target: Option<String>,
    pub params: Params,
    pub cmd_sn: u32,
    pub stat_sn: u32,
}

/// What the connection does after a login request.
pub enum Step {
    /// Send this and read the next request.
    Reply(Pdu),
    /// Send this; the session is in the full-feature phase.
    Done(Pdu, Box<Established>),
    /// Send this and close the connection (a failed login).
    Fail(Pdu),
}

#[derive(Default)]
enum Auth {
    #[default]
    Start,
    /// CHAP chosen, waiting for CHAP_A.
    ChapChosen,
    /// Challenge sent, waiting for CHAP_N/CHAP_R.
    Challenged {
        id: u8,
        challenge: Vec<u8>,
    },
    Done,
}

/// The state of one connection's login.
pub struct Login {
    first: bool,
    stage: u8,
    isid: [u8; 6],
    tsih: u16,
    initiator: Option<String>,
    target: Option<String>,
    discovery: bool,
    params: Params,
    auth: Auth,
    cmd_sn: u32,
    stat_sn: u32,
    /// Text of a request that spans PDUs (C bit).
    partial: Vec<u8>,
    /// Whether TargetPortalGroupTag has been declared.
    tpgt_sent: bool,
}

impl Default for Login {
    fn default() -> Login {
        Login::new()
    }
}

fn hex(b: &[u8]) -> String {
    let mut s = String::from("0x");
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let h = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    if h.len() % 2 != 0 || h.is_empty() {
        return None;
    }
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).ok())
        .collect()
}

/// The CHAP response to a challenge (RFC 1994: MD5 over id, secret, challenge).
pub fn chap_response(id: u8, secret: &[u8], challenge: &[u8]) -> [u8; 16] {
    let mut h = Md5::new();
    h.update([id]);
    h.update(secret);
    h.update(challenge);
    h.finalize().into()
}

impl Login {
    pub fn new() -> Login {
        Login {
            first: true,
            stage: SECURITY,
            isid: [0; 6],
            tsih: 0,
            initiator: None,
            target: None,
            discovery: false,
            params: Params::default(),
            auth: Auth::Start,
            cmd_sn: 0,
            stat_sn: 0,
            partial: Vec::new(),
            tpgt_sent: false,
        }
    }

    fn response(&self, req: &Pdu, transit: bool, nsg: u8, pairs: &[(String, String)]) -> Pdu {
        let mut r = Pdu::new(op::LOGIN_RESPONSE);
        r.bhs[1] = (self.stage << 2) | if transit { 0x80 | nsg } else { 0 };
        r.bhs[8..14].copy_from_slice(&self.isid);
        r.bhs[14..16].copy_from_slice(&self.tsih.to_be_bytes());
        r.set_itt(req.itt());
        r.set_word(24, self.stat_sn);
        r.set_word(28, self.cmd_sn);
        r.set_word(32, self.cmd_sn.wrapping_add(crate::CMD_WINDOW - 1));
        r.data = text::encode(pairs);
        r
    }

    fn fail(&self, req: &Pdu, code: u16) -> Step {
        let mut r = self.response(req, false, 0, &[]);
        r.bhs[36..38].copy_from_slice(&code.to_be_bytes());
        Step::Fail(r)
    }

    /// Answers one login request PDU.
    pub fn step(&mut self, req: &Pdu, dir: &dyn Directory) -> Step {
        if req.opcode() != op::LOGIN {
            return self.fail(req, status::INVALID_DURING_LOGIN);
        }
        let flags = req.flags();
        let transit = flags & 0x80 != 0;
        let cont = flags & 0x40 != 0;
        let csg = (flags >> 2) & 3;
        let nsg = flags & 3;
        if self.first {
            self.first = false;
            if req.bhs[3] > 0 {
                // VersionMin above 0: this target speaks version 0 only.
                return self.fail(req, status::UNSUPPORTED_VERSION);
            }
            self.isid.copy_from_slice(&req.bhs[8..14]);
            self.tsih = be16(&req.bhs[14..16]);
            self.cmd_sn = req.cmd_sn();
            self.stat_sn = req.exp_stat_sn();
            self.stage = csg;
            if self.tsih != 0 {
                let code = if dir.session_exists(self.tsih) {
                    status::TOO_MANY_CONNECTIONS
                } else {
                    status::SESSION_DOES_NOT_EXIST
                };
                return self.fail(req, code);
            }
        }
        if csg != self.stage || csg == 2 || csg == FULL_FEATURE {
            return self.fail(req, status::INITIATOR_ERROR);
        }
        if transit && (nsg <= csg || nsg == 2) {
            return self.fail(req, status::INITIATOR_ERROR);
        }
        if cont && transit {
            return self.fail(req, status::INITIATOR_ERROR);
        }
        self.partial.extend_from_slice(&req.data);
        if self.partial.len() > MAX_LOGIN_TEXT {
            return self.fail(req, status::INITIATOR_ERROR);
        }
        if cont {
            // Acknowledge; the rest of the text follows.
            return Step::Reply(self.response(req, false, 0, &[]));
        }
        let pairs = text::parse(&std::mem::take(&mut self.partial));
        let mut out: Vec<(String, String)> = Vec::new();
        for (k, v) in &pairs {
            match k.as_str() {
                "InitiatorName" => self.initiator = Some(v.clone()),
                "TargetName" => self.target = Some(v.clone()),
                "SessionType" => match v.as_str() {
                    "Discovery" => self.discovery = true,
                    "Normal" => self.discovery = false,
                    _ => return self.fail(req, status::INITIATOR_ERROR),
                },
                "AuthMethod" | "CHAP_A" | "CHAP_N" | "CHAP_R" | "CHAP_I" | "CHAP_C" => {
                    if self.stage != SECURITY {
                        return self.fail(req, status::INITIATOR_ERROR);
                    }
                }
                _ => match text::negotiate(&mut self.params, k, v) {
                    Some(Ok(Some(answer))) => out.push((k.clone(), answer)),
                    Some(Ok(None)) => {}
                    Some(Err(_)) => return self.fail(req, status::INITIATOR_ERROR),
                    None => out.push((k.clone(), "NotUnderstood".into())),
                },
            }
        }
        let Some(initiator) = self.initiator.clone() else {
            return self.fail(req, status::MISSING_PARAMETER);
        };
        let _ = initiator;
        if !self.discovery {
            match &self.target {
                None => return self.fail(req, status::MISSING_PARAMETER),
                Some(t) if !dir.has_target(t) => return self.fail(req, status::NOT_FOUND),
                Some(_) => {}
            }
            if !self.tpgt_sent {
                self.tpgt_sent = true;
                out.push(("TargetPortalGroupTag".into(), "1".into()));
            }
        }
        // Security.
        let chap = dir.chap();
        if self.stage == SECURITY {
            let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
            match std::mem::take(&mut self.auth) {
                Auth::Start => {
                    let offered = get("AuthMethod").unwrap_or_default();
                    let methods: Vec<&str> = offered.split(',').collect();
                    match &chap {
                        Some(_) if methods.contains(&"CHAP") => {
                            out.push(("AuthMethod".into(), "CHAP".into()));
                            self.auth = Auth::ChapChosen;
                            return Step::Reply(self.response(req, false, 0, &out));
                        }
                        Some(_) => return self.fail(req, status::AUTH_FAILURE),
                        None if methods.contains(&"None") => {
                            out.push(("AuthMethod".into(), "None".into()));
                            self.auth = Auth::Done;
                        }
                        None if offered.is_empty() => self.auth = Auth::Done,
                        None => return self.fail(req, status::AUTH_FAILURE),
                    }
                }
                Auth::ChapChosen => {
                    let algs = get("CHAP_A").unwrap_or_default();
                    if !algs.split(',').any(|a| a == "5") {
                        return self.fail(req, status::AUTH_FAILURE);
                    }
                    let mut challenge = vec![0u8; 16];
                    let mut id = [0u8; 1];
                    if getrandom::fill(&mut challenge).is_err() || getrandom::fill(&mut id).is_err()
                    {
                        return self.fail(req, status::AUTH_FAILURE);
                    }
                    out.push(("CHAP_A".into(), "5".into()));
                    out.push(("CHAP_I".into(), id[0].to_string()));
                    out.push(("CHAP_C".into(), hex(&challenge)));
                    self.auth = Auth::Challenged {
                        id: id[0],
                        challenge,
                    };
                    return Step::Reply(self.response(req, false, 0, &out));
                }
                Auth::Challenged { id, challenge } => {
                    let Some(c) = &chap else {
                        return self.fail(req, status::AUTH_FAILURE);
                    };
                    // Mutual CHAP needs a target secret this portal does not have.
                    if get("CHAP_I").is_some() || get("CHAP_C").is_some() {
                        return self.fail(req, status::AUTH_FAILURE);
                    }
                    let name_ok = get("CHAP_N").as_deref() == Some(c.user.as_str());
                    let expect = chap_response(id, c.secret.as_bytes(), &challenge);
                    let resp_ok =
                        get("CHAP_R").and_then(|r| unhex(&r)).as_deref() == Some(&expect[..]);
                    if !(name_ok && resp_ok) {
                        return self.fail(req, status::AUTH_FAILURE);
                    }
                    self.auth = Auth::Done;
                }
                Auth::Done => {}
            }
            if transit && !matches!(self.auth, Auth::Done) {
                return self.fail(req, status::AUTH_FAILURE);
            }
        } else if chap.is_some() && !matches!(self.auth, Auth::Done) {
            // Straight to the operational stage past a portal that wants CHAP.
            return self.fail(req, status::AUTH_FAILURE);
        }
        if !transit {
            return Step::Reply(self.response(req, false, 0, &out));
        }
        if nsg == FULL_FEATURE {
            self.tsih = dir.new_tsih();
            let r = self.response(req, true, nsg, &out);
            let est = Established {
                initiator: self.initiator.clone().unwrap_or_default(),
                isid: self.isid,
                tsih: self.tsih,
                target: if self.discovery {
                    None
                } else {
                    self.target.clone()
                },
                params: self.params.clone(),
                cmd_sn: self.cmd_sn,
                stat_sn: self.stat_sn.wrapping_add(1),
            };
            return Step::Done(r, Box::new(est));
        }
        let r = self.response(req, true, nsg, &out);
        self.stage = OPERATIONAL;
        Step::Reply(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Dir(Option<Chap>);
    impl Directory for Dir {
        fn has_target(&self, name: &str) -> bool {
            name == "iqn.t:box"
        }
        fn chap(&self) -> Option<Chap> {
            self.0.clone()
        }
        fn session_exists(&self, _: u16) -> bool {
            false
        }
        fn new_tsih(&self) -> u16 {
            9
        }
    }

    fn req(flags: u8, keys: &[(&str, &str)]) -> Pdu {
        let mut p = Pdu::new(op::LOGIN | 0x40);
        p.bhs[1] = flags;
        p.bhs[8..14].copy_from_slice(&[0x80, 0, 0, 0, 0, 1]);
        p.set_word(24, 5);
        let pairs: Vec<(String, String)> = keys
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        p.data = text::encode(&pairs);
        p
    }

    fn keys(p: &Pdu) -> Vec<(String, String)> {
        text::parse(&p.data)
    }

    #[test]
    fn login_without_security_reaches_full_feature() {
        let dir = Dir(None);
        let mut l = Login::new();
        let Step::Reply(r) = l.step(
            &req(
                0x81,
                &[
                    ("InitiatorName", "iqn.i"),
                    ("TargetName", "iqn.t:box"),
                    ("AuthMethod", "None"),
                ],
            ),
            &dir,
        ) else {
            panic!("security stage")
        };
        assert_eq!(r.bhs[1], 0x81);
        assert!(keys(&r).contains(&("TargetPortalGroupTag".into(), "1".into())));
        let Step::Done(r, est) = l.step(&req(0x87, &[("MaxBurstLength", "65536")]), &dir) else {
            panic!("operational stage")
        };
        assert_eq!(be16(&r.bhs[14..16]), 9);
        assert_eq!(est.params.max_burst, 65536);
        assert_eq!(est.target.as_deref(), Some("iqn.t:box"));
    }

    #[test]
    fn chap_accepts_the_right_secret_only() {
        for (secret, ok) in [("s3cret", true), ("wrong", false)] {
            let dir = Dir(Some(Chap {
                user: "u".into(),
                secret: "s3cret".into(),
            }));
            let mut l = Login::new();
            let base = [
                ("InitiatorName", "iqn.i"),
                ("TargetName", "iqn.t:box"),
                ("AuthMethod", "CHAP,None"),
            ];
            let Step::Reply(r) = l.step(&req(0x00, &base), &dir) else {
                panic!()
            };
            assert!(keys(&r).contains(&("AuthMethod".into(), "CHAP".into())));
            let Step::Reply(r) = l.step(&req(0x00, &[("CHAP_A", "5")]), &dir) else {
                panic!()
            };
            let k = keys(&r);
            let get = |n: &str| k.iter().find(|(a, _)| a == n).unwrap().1.clone();
            let id: u8 = get("CHAP_I").parse().unwrap();
            let c = unhex(&get("CHAP_C")).unwrap();
            let resp = hex(&chap_response(id, secret.as_bytes(), &c));
            let step = l.step(&req(0x81, &[("CHAP_N", "u"), ("CHAP_R", &resp)]), &dir);
            match step {
                Step::Reply(r) if ok => assert_eq!(r.bhs[1] & 0x80, 0x80),
                Step::Fail(r) if !ok => assert_eq!(be16(&r.bhs[36..38]), status::AUTH_FAILURE),
                _ => panic!("secret {secret}"),
            }
        }
    }

    #[test]
    fn refusals() {
        let dir = Dir(Some(Chap {
            user: "u".into(),
            secret: "s".into(),
        }));
        // Skipping security past a portal that wants CHAP.
        let mut l = Login::new();
        let r = l.step(
            &req(0x87, &[("InitiatorName", "i"), ("TargetName", "iqn.t:box")]),
            &dir,
        );
        assert!(matches!(r, Step::Fail(p) if be16(&p.bhs[36..38]) == status::AUTH_FAILURE));
        let dir = Dir(None);
        let mut l = Login::new();
        let r = l.step(
            &req(
                0x87,
                &[("InitiatorName", "i"), ("TargetName", "iqn.t:nope")],
            ),
            &dir,
        );
        assert!(matches!(r, Step::Fail(p) if be16(&p.bhs[36..38]) == status::NOT_FOUND));
        let mut l = Login::new();
        let r = l.step(&req(0x87, &[("TargetName", "iqn.t:box")]), &dir);
        assert!(matches!(r, Step::Fail(p) if be16(&p.bhs[36..38]) == status::MISSING_PARAMETER));
        let mut l = Login::new();
        let r = l.step(
            &req(
                0x87,
                &[("InitiatorName", "i"), ("SessionType", "Discovery")],
            ),
            &dir,
        );
        assert!(matches!(r, Step::Done(_, e) if e.target.is_none()));
    }
}
