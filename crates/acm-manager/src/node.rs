//! This node: its server name and type, its communication port, and what it
//! knows of the Management Server.
//!
//! The product keeps these in the "registry" `/etc/opt/swstorage/swnode.ini`
//! (one `Key=Value` per line; `[section]` lines and `#` comments are
//! decoration). The keys the suite reads and writes:
//!
//! | key | meaning | default |
//! |---|---|---|
//! | `ServerName` | this Managed Server's name (`-h`, the `Server` columns) | the host name |
//! | `ServerType` | `Management` on the Management Server, else `Managed` | `Managed` |
//! | `IpAddress` | the address this server's daemon listens on | `127.0.0.1` |
//! | `ManagerIpAddress`, `ManagerPort`, `ManagerName` | the Management Server, as `stgcmmodnode` shows and changes them | on the Management Server, itself |
//!
//! The communication port is the `stgxfws` line of `/etc/services` under the
//! state root, 1226 when there is none, as the manual configures it.
//!
//! [`load`] reads both strictly: a missing file is "not configured" (the
//! defaults), a damaged one ([`acm_core::ini`]; a name that is not a server
//! name, an address or port that does not parse, an unknown `ServerType`) is
//! an error naming the file and line, which every command's entry refuses
//! (`crate::forward::check_config`). The plain accessors ([`local_name`],
//! [`is_manager`], [`port`]) serve the many callers after that check.

use acm_core::ini::{ConfigError, Ini, FLAT};
use acm_core::input;
use acm_core::paths;
use acm_core::store::{write_atomic, StoreError};
use std::path::{Path, PathBuf};

/// Path of the node registry.
pub const SWNODE_INI: &str = "/etc/opt/swstorage/swnode.ini";
/// Path of the services file naming the communication port.
pub const SERVICES: &str = "/etc/services";
/// Service name of the communication daemon's port.
pub const SERVICE_NAME: &str = "stgxfws";
/// The manual's default communication port.
pub const DEFAULT_PORT: u16 = 1226;
/// Address a daemon listens on when `IpAddress` is not set.
pub const DEFAULT_IP: &str = "127.0.0.1";

/// What [`load`] reads from the node registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// This server's name.
    pub name: String,
    /// Whether this server is the Management Server.
    pub manager: bool,
    /// The address this server's daemon listens on.
    pub ip: String,
    /// This server's communication port.
    pub port: u16,
    /// The Management Server as this node knows it.
    pub management: Manager,
}

/// The Management Server's address and name, as `stgcmmodnode` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manager {
    pub ip: Option<String>,
    pub port: Option<u16>,
    pub name: Option<String>,
}

/// Path of the node registry under the state root.
pub fn ini_path() -> PathBuf {
    paths::product(SWNODE_INI)
}

/// Directory holding this node's TLS identity (`ca.pem`, `node.pem`, `node.key`).
pub fn tls_dir() -> PathBuf {
    paths::product("/etc/opt/FJSVswstf/tls")
}

/// Whether `name` can be a server's name: 1 to 255 of `A-Z a-z 0-9 - _ .`,
/// not `.` or `..` (it names directories and certificates).
pub fn is_server_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn host_name() -> String {
    nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "localhost".to_string())
}

/// The node, for callers past the entry's check (`crate::forward::check_config`),
/// which has refused a damaged file: [`load`], or the defaults should a file
/// be damaged since.
pub fn checked() -> Node {
    load().unwrap_or_else(|_| {
        node_of(
            host_name(),
            false,
            DEFAULT_IP.to_string(),
            DEFAULT_PORT,
            None,
        )
    })
}

/// This Managed Server's name: `ServerName`, else the host name.
pub fn local_name() -> String {
    checked().name
}

/// Whether this server is the Management Server.
pub fn is_manager() -> bool {
    checked().manager
}

/// This server's communication port: the `stgxfws` entry of the services file.
pub fn port() -> u16 {
    checked().port
}

/// The `stgxfws` port of a services file's text (`None`: no tcp entry).
/// Only that service's lines are ours to judge: each must be
/// `stgxfws PORT/PROTOCOL [aliases] [# comment]` with a port of 1 to 65535,
/// and the tcp entry may be given once.
fn port_in(path: &Path, services: &str) -> Result<Option<u16>, ConfigError> {
    let mut found: Option<(u16, usize)> = None;
    for (i, line) in services.lines().enumerate() {
        let line_no = i + 1;
        let text = line.split('#').next().unwrap_or("");
        let mut words = text.split_whitespace();
        if words.next() != Some(SERVICE_NAME) {
            continue;
        }
        let bad = |why: String| ConfigError::malformed(path, line_no, why);
        let Some(spec) = words.next() else {
            return Err(bad(format!("{SERVICE_NAME} has no port/protocol")));
        };
        let Some((port, proto)) = spec.split_once('/') else {
            return Err(bad(format!("{spec} is not port/protocol")));
        };
        let port = port
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| bad(format!("the port {port} is not a number of 1 to 65535")))?;
        match proto {
            "tcp" => {
                if let Some((_, first)) = found {
                    return Err(bad(format!(
                        "{SERVICE_NAME} tcp is given twice (first on line {first})"
                    )));
                }
                found = Some((port, line_no));
            }
            "udp" => {}
            other => return Err(bad(format!("the protocol {other} is neither tcp nor udp"))),
        }
    }
    Ok(found.map(|(p, _)| p))
}

/// Sets the `stgxfws` entry of the services file, keeping every other line.
pub fn set_port(port: u16) -> Result<(), StoreError> {
    let path = paths::product(SERVICES);
    let old = old_text(&path)?;
    let mut out = String::new();
    let mut done = false;
    for line in old.lines() {
        let is_ours = line.split_whitespace().next() == Some(SERVICE_NAME);
        if is_ours {
            if !done {
                out.push_str(&format!("{SERVICE_NAME}\t{port}/tcp\n"));
                done = true;
            }
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !done {
        out.push_str(&format!("{SERVICE_NAME}\t{port}/tcp\n"));
    }
    write_atomic(&path, out.as_bytes())
}

/// Reads the whole node: the registry and the port, strictly (see the module).
pub fn load() -> Result<Node, ConfigError> {
    let ini = Ini::load(&ini_path(), FLAT)?;
    let services = paths::product(SERVICES);
    let port = match input::read_config(&services)? {
        Some(text) => port_in(&services, &text)?.unwrap_or(DEFAULT_PORT),
        None => DEFAULT_PORT,
    };
    let Some(ini) = ini else {
        return Ok(node_of(
            host_name(),
            false,
            DEFAULT_IP.to_string(),
            port,
            None,
        ));
    };
    let name_of = |key: &str| -> Result<Option<String>, ConfigError> {
        match ini.get("", key).filter(|e| !e.value.is_empty()) {
            Some(e) if !is_server_name(&e.value) => {
                Err(ini.malformed(e, format!("{key}={} is not a server name", e.value)))
            }
            e => Ok(e.map(|e| e.value.clone())),
        }
    };
    let ip_of = |key: &str| -> Result<Option<String>, ConfigError> {
        match ini.get("", key).filter(|e| !e.value.is_empty()) {
            Some(e) if e.value.parse::<std::net::IpAddr>().is_err() => {
                Err(ini.malformed(e, format!("{key}={} is not an IP address", e.value)))
            }
            e => Ok(e.map(|e| e.value.clone())),
        }
    };
    let name = name_of("ServerName")?.unwrap_or_else(host_name);
    let manager = match ini.get("", "ServerType").filter(|e| !e.value.is_empty()) {
        None => false,
        Some(e) if e.value.eq_ignore_ascii_case("Management") => true,
        Some(e) if e.value.eq_ignore_ascii_case("Managed") => false,
        Some(e) => {
            return Err(ini.malformed(
                e,
                format!("ServerType={} is neither Management nor Managed", e.value),
            ))
        }
    };
    let ip = ip_of("IpAddress")?.unwrap_or_else(|| DEFAULT_IP.to_string());
    let manager_port = match ini.get("", "ManagerPort").filter(|e| !e.value.is_empty()) {
        None => None,
        Some(e) => Some(
            e.value
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| {
                    ini.malformed(
                        e,
                        format!("ManagerPort={} is not a port number of 1 to 65535", e.value),
                    )
                })?,
        ),
    };
    let management = Manager {
        ip: ip_of("ManagerIpAddress")?,
        port: manager_port,
        name: name_of("ManagerName")?,
    };
    Ok(node_of(name, manager, ip, port, Some(management)))
}

fn node_of(name: String, manager: bool, ip: String, port: u16, m: Option<Manager>) -> Node {
    let management = if manager {
        Manager {
            ip: Some(ip.clone()),
            port: Some(port),
            name: Some(name.clone()),
        }
    } else {
        m.unwrap_or(Manager {
            ip: None,
            port: None,
            name: None,
        })
    };
    Node {
        name,
        manager,
        ip,
        port,
        management,
    }
}

/// The text of a file about to be rewritten in place, bounded like every
/// configuration read; empty when there is none.
fn old_text(path: &Path) -> Result<String, StoreError> {
    input::read_config(path)
        .map(Option::unwrap_or_default)
        .map_err(|e| StoreError::Damaged {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })
}

/// Sets keys of the node registry (replacing their lines, appending new ones,
/// keeping every other line), atomically.
pub fn set(pairs: &[(&str, &str)]) -> Result<(), StoreError> {
    let path = ini_path();
    let old = old_text(&path)?;
    let mut out = String::new();
    let mut written = vec![false; pairs.len()];
    for line in old.lines() {
        let key = line.trim().split_once('=').map(|(k, _)| k.trim());
        match pairs.iter().position(|(k, _)| Some(*k) == key) {
            Some(i) if !written[i] => {
                out.push_str(&format!("{}={}\n", pairs[i].0, pairs[i].1));
                written[i] = true;
            }
            Some(_) => {}
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    for (i, (k, v)) in pairs.iter().enumerate() {
        if !written[i] {
            out.push_str(&format!("{k}={v}\n"));
        }
    }
    write_atomic(&path, out.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_ports() {
        let p = Path::new("/etc/services");
        let port = |t: &str| port_in(p, t);
        assert_eq!(
            port("ssh 22/tcp\nstgxfws\t1300/tcp # acm\n").unwrap(),
            Some(1300)
        );
        assert_eq!(port("stgxfws 1300/udp\n").unwrap(), None);
        assert_eq!(
            port("stgxfws 1300/tcp\nstgxfws 1300/udp\n").unwrap(),
            Some(1300)
        );
        assert_eq!(port("").unwrap(), None);
        // Other services' lines are not ours to judge.
        assert_eq!(port("nonsense\nx y/z\n").unwrap(), None);
        for (bad, line) in [
            ("ssh 22/tcp\nstgxfws abc/tcp\n", 2),
            ("stgxfws 0/tcp\n", 1),
            ("stgxfws 70000/tcp\n", 1),
            ("stgxfws\n", 1),
            ("stgxfws 1226\n", 1),
            ("stgxfws 1226/sctp\n", 1),
            ("stgxfws 1226/tcp\nstgxfws 1227/tcp\n", 2),
        ] {
            match port(bad) {
                Err(ConfigError::Malformed { line: l, .. }) => assert_eq!(l, line, "{bad:?}"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn server_names() {
        for good in ["SV1", "job-2", "srv_3", "a.b"] {
            assert!(is_server_name(good), "{good}");
        }
        for bad in ["", ".", "..", "a b", "a/b", "ä"] {
            assert!(!is_server_name(bad), "{bad}");
        }
    }
}
