//! This node: its server name and type, its communication port, and what it
//! knows of the Management Server.
//!
//! The product keeps these in the "registry" `/etc/opt/swstorage/swnode.ini`
//! (one `Key=Value` per line; `[section]` lines and `#` comments are ignored).
//! The keys the suite reads and writes:
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

use acm_core::paths;
use acm_core::store::{write_atomic, StoreError};
use std::path::PathBuf;

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

/// The value of `key` in the node registry, if set and non-empty.
pub fn get(key: &str) -> Option<String> {
    let text = std::fs::read_to_string(ini_path()).ok()?;
    value_in(&text, key)
}

fn value_in(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (k, v) = line.trim().split_once('=')?;
        let v = v.trim().trim_matches('"');
        (k.trim() == key && !v.is_empty()).then(|| v.to_string())
    })
}

/// This Managed Server's name: `ServerName`, else the host name.
pub fn local_name() -> String {
    get("ServerName").unwrap_or_else(|| {
        nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "localhost".to_string())
    })
}

/// Whether this server is the Management Server.
pub fn is_manager() -> bool {
    get("ServerType").is_some_and(|t| t.eq_ignore_ascii_case("Management"))
}

/// This server's communication port: the `stgxfws` entry of the services file.
pub fn port() -> u16 {
    std::fs::read_to_string(paths::product(SERVICES))
        .ok()
        .and_then(|t| port_in(&t))
        .unwrap_or(DEFAULT_PORT)
}

fn port_in(services: &str) -> Option<u16> {
    services.lines().find_map(|line| {
        let line = line.split('#').next()?;
        let mut words = line.split_whitespace();
        if words.next()? != SERVICE_NAME {
            return None;
        }
        let (port, proto) = words.next()?.split_once('/')?;
        (proto == "tcp").then(|| port.parse().ok()).flatten()
    })
}

/// Sets the `stgxfws` entry of the services file, keeping every other line.
pub fn set_port(port: u16) -> Result<(), StoreError> {
    let path = paths::product(SERVICES);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
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

/// Reads the whole node.
pub fn load() -> Node {
    let text = std::fs::read_to_string(ini_path()).unwrap_or_default();
    let name = local_name();
    let manager =
        value_in(&text, "ServerType").is_some_and(|t| t.eq_ignore_ascii_case("Management"));
    let ip = value_in(&text, "IpAddress").unwrap_or_else(|| DEFAULT_IP.to_string());
    let port = port();
    let management = if manager {
        Manager {
            ip: Some(ip.clone()),
            port: Some(port),
            name: Some(name.clone()),
        }
    } else {
        Manager {
            ip: value_in(&text, "ManagerIpAddress"),
            port: value_in(&text, "ManagerPort").and_then(|p| p.parse().ok()),
            name: value_in(&text, "ManagerName"),
        }
    };
    Node {
        name,
        manager,
        ip,
        port,
        management,
    }
}

/// Sets keys of the node registry (replacing their lines, appending new ones,
/// keeping every other line), atomically.
pub fn set(pairs: &[(&str, &str)]) -> Result<(), StoreError> {
    let path = ini_path();
    let old = std::fs::read_to_string(&path).unwrap_or_default();
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
    fn reads_values_and_ports() {
        let ini = "[node]\nNodeName=x\nServerName=job2\nServerType=Management\n";
        assert_eq!(value_in(ini, "ServerName").as_deref(), Some("job2"));
        assert_eq!(value_in("ServerName=\n", "ServerName"), None);
        assert_eq!(port_in("ssh 22/tcp\nstgxfws\t1300/tcp # acm\n"), Some(1300));
        assert_eq!(port_in("stgxfws 1300/udp\n"), None);
        assert_eq!(port_in(""), None);
    }
}
