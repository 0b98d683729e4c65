//! Volume operands: `volumeName[@serverName]`.
//!
//! A name without `@`, or with `@` naming this Managed Server, is resolved
//! through the simulated host to its box information; a volume of another
//! server is resolved by that server, through [`crate::peer`].

use crate::list::Volume;
use crate::messages;
use acm_core::msg::Failure;
use acm_host::{DeviceKind, Host, HostError, HostStore};
use acm_model::BoxInfo;

use acm_model::MAX_SIZE;
use acm_scsi::model::BLOCK;

/// An operand split into device and server (the local server when omitted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operand {
    pub device: String,
    pub server: String,
    /// Whether `server` is this Managed Server.
    pub local: bool,
}

impl Operand {
    /// `device@server`.
    pub fn qualified(&self) -> String {
        format!("{}@{}", self.device, self.server)
    }
}

/// Splits `text` at its last `@`; `local` is this server's name.
pub fn parse(text: &str, local: &str) -> Result<Operand, Failure> {
    let (device, server) = match text.rsplit_once('@') {
        Some((d, s)) => (d, s),
        None => (text, local),
    };
    if device.is_empty() || server.is_empty() {
        return Err(messages::bad_volume_name(text));
    }
    Ok(Operand {
        device: device.to_string(),
        server: server.to_string(),
        local: server == local,
    })
}

/// The host of this Managed Server.
pub fn load_host() -> Result<Host, Failure> {
    HostStore::open().load().map_err(messages::host_error)
}

/// The part of the host that resolving `devices` needs (see
/// [`HostStore::load_for`]): what a command that names its volumes reads.
pub fn load_host_for(devices: &[&str]) -> Result<Host, Failure> {
    HostStore::open()
        .load_for(devices)
        .map_err(messages::host_error)
}

/// Resolves an operand: a local one on `host`, another server's by that server.
pub fn resolve_any(host: &Host, op: &Operand) -> Result<Volume, Failure> {
    if op.local {
        return resolve(host, op);
    }
    match crate::peer::call(
        &op.server,
        &crate::peer::Request::Resolve {
            device: op.device.clone(),
        },
    )? {
        crate::peer::Response::Volume(v) => Ok(v),
        other => Err(messages::peer_unreachable(
            &op.server,
            format!("unexpected answer {other:?}"),
        )),
    }
}

/// Resolves a local operand on `host`: unknown or unattached devices are refused
/// (`swsrp1101`), a volume group of several disks (`swsrp1102`), an inactive one
/// (`swsrp1103`), a disk of 2 TB or more (`swsrp1211`).
pub fn resolve(host: &Host, op: &Operand) -> Result<Volume, Failure> {
    if !op.local {
        return Err(messages::remote_volume(&op.qualified()));
    }
    let name = op.device.as_str();
    let r = host.resolve(name).map_err(|e| match e {
        HostError::Store(s) => messages::host_error(s),
        other => messages::no_device(name, other),
    })?;
    if r.kind == DeviceKind::VolumeGroup && r.disks.len() != 1 {
        return Err(messages::multi_disk_vg(name, r.disks.len()));
    }
    if !r.active {
        return Err(messages::inactive_vg(name));
    }
    if r.size >= MAX_SIZE {
        return Err(messages::too_large(name));
    }
    let disk = &r.disks[0];
    Ok(Volume {
        device: op.device.clone(),
        server: op.server.clone(),
        kind: r.kind,
        box_info: BoxInfo {
            box_id: disk.box_id.clone(),
            olu: disk.olu,
            start_lba: 0,
            blocks: r.size / BLOCK,
        },
        size: r.size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operands() {
        let o = parse("/dev/vg01", "SV1").unwrap();
        assert_eq!(o.qualified(), "/dev/vg01@SV1");
        assert!(o.local);
        let o = parse("/dev/vg01@TARG-SV", "SV1").unwrap();
        assert!(!o.local);
        assert_eq!(o.server, "TARG-SV");
        assert!(parse("/dev/vg01@SV1", "SV1").unwrap().local);
        assert_eq!(
            parse("/dev/vg01@", "SV1").unwrap_err().message.id,
            "swsrp1106"
        );
        assert_eq!(parse("@SV1", "SV1").unwrap_err().message.id, "swsrp1106");
    }
}
