//! The array's iSCSI face: an `acm_iscsi::Portal` whose targets are the boxes
//! of the home and whose LUNs are their OLUs. Every command it receives runs
//! through the service's request path ([`service::run_cdb`]) with the
//! initiator's nexus, so sessions, tracking and faults see iSCSI I/O as they
//! see every other host's. Started and stopped by `acmsim iscsi`.

use crate::service::{self, Shared};
use crate::wire::Direction;
use acm_iscsi::{Backend, Chap, Config, DataPhase, Nexus, Portal, Response, Target};
use std::net::SocketAddr;
use std::sync::{Arc, Weak};

/// The portal's path into the service.
pub(crate) struct Face(pub(crate) Weak<Shared>);

impl Backend for Face {
    fn targets(&self) -> Vec<Target> {
        match self.0.upgrade() {
            Some(shared) => service::targets(&shared),
            None => Vec::new(),
        }
    }

    fn execute(
        &self,
        nexus: &Nexus,
        target: &str,
        lun: u32,
        cdb: &[u8],
        data: DataPhase<'_>,
    ) -> Result<Response, String> {
        let shared = self.0.upgrade().ok_or("the array service is stopping")?;
        shared.touch();
        let dir = match data {
            DataPhase::None => Direction::None,
            DataPhase::Out(d) => Direction::Out(d.to_vec()),
            DataPhase::In(n) => Direction::In(n),
        };
        let c = service::run_cdb(&shared, nexus, target, lun, cdb, dir, None)?;
        Ok(Response {
            status: c.status,
            sense: c.sense,
            data: c.data_in,
        })
    }

    fn reset(&self, nexus: &Nexus, target: &str, lun: Option<u32>) {
        if let Some(shared) = self.0.upgrade() {
            let _ = service::with_units(&shared, |array, units| {
                if let Ok(bid) = array.bid_by_name(target) {
                    units.reset(&bid, lun, nexus);
                }
            });
        }
    }

    fn nexus_lost(&self, nexus: &Nexus) {
        if let Some(shared) = self.0.upgrade() {
            let _ = service::with_units(&shared, |_, units| units.nexus_lost(nexus));
        }
    }
}

/// `acmsim iscsi start ADDR [USER SECRET]`, `stop` and `status` in the
/// service: answers the text the console prints.
pub(crate) fn request(shared: &Arc<Shared>, words: &[String]) -> Result<String, String> {
    let mut slot = shared.portal();
    match words.first().map(String::as_str) {
        Some("start") => {
            if let Some(p) = slot.as_ref() {
                return Err(format!("the iSCSI portal already listens on {}", p.addr()));
            }
            let addr: SocketAddr = words
                .get(1)
                .ok_or("start needs an address")?
                .parse()
                .map_err(|_| format!("{} is not an address:port", words[1]))?;
            let chap = match (words.get(2), words.get(3)) {
                (Some(user), Some(secret)) => Some(Chap {
                    user: user.clone(),
                    secret: secret.clone(),
                }),
                (None, None) => None,
                _ => return Err("CHAP needs a user and a secret".into()),
            };
            let face = Arc::new(Face(Arc::downgrade(shared)));
            let mut config = Config {
                chap,
                ..Config::default()
            };
            // Tests shorten it to see a stalled login dropped.
            if let Some(s) = std::env::var("ACMSIM_ISCSI_LOGIN_TIMEOUT")
                .ok()
                .and_then(|v| v.parse().ok())
            {
                config.login_timeout = std::time::Duration::from_secs(s);
            }
            let portal = Portal::start(addr, config, face)
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            let mut text = String::new();
            for (iqn, t) in portal.targets() {
                text.push_str(&format!("{iqn} {}\n", t.name));
            }
            *slot = Some(portal);
            Ok(text)
        }
        Some("stop") => match slot.take() {
            Some(p) => {
                let addr = p.addr();
                p.stop();
                Ok(format!("stopped the iSCSI portal on {addr}\n"))
            }
            None => Err("no iSCSI portal runs".into()),
        },
        Some("status") => match slot.as_ref() {
            Some(p) => Ok(status_text(p)),
            None => Err("no iSCSI portal runs".into()),
        },
        _ => Err(format!("unknown iSCSI request {:?}", words.join(" "))),
    }
}

fn status_text(p: &Portal) -> String {
    let mut s = format!(
        "portal {}\nchap {}\nconnections {}\n",
        p.addr(),
        p.chap_user().unwrap_or_else(|| "-".into()),
        p.connections()
    );
    for (iqn, t) in p.targets() {
        let luns: Vec<String> = t.luns.iter().map(u32::to_string).collect();
        s.push_str(&format!(
            "target {iqn} {} luns {}\n",
            t.name,
            if luns.is_empty() {
                "-".to_string()
            } else {
                luns.join(",")
            }
        ));
    }
    for v in p.sessions() {
        s.push_str(&format!(
            "session {} {} isid {} target {} peer {} commands {}\n",
            v.tsih, v.initiator, v.isid, v.target, v.peer, v.commands
        ));
    }
    s
}
