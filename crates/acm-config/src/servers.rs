//! The servers of the repository (manual 8.2.2-8.2.4, 8.2.7 and 7.5): adding
//! one after checking that the server at the given address answers to the
//! given name, changing its name, address or port (one server, or a file of
//! changes), deleting it, and displaying them.

use crate::{agent, completed, messages, repository, required};
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::msg::{Failure, Family};
use acm_core::report::{col, Column, Kind, Table};
use acm_manager::forward;
use acm_manager::node;
use acm_manager::registry::ServerRecord;
use acm_manager::remote;
use std::process::ExitCode;

const ADDSRV: Spec = Spec {
    name: "stgxfwcmaddsrv",
    family: Family::Config,
    flags: &[],
    valued: &["-n", "-i", "-p"],
    exclusive: &[],
    operands: (0, 0),
    usage: "/opt/FJSVswstf/bin/stgxfwcmaddsrv -n serverName -i ipAddress -p portNumber",
};

const MODSRV: Spec = Spec {
    name: "stgxfwcmmodsrv",
    family: Family::Config,
    flags: &[],
    valued: &["-n", "-s", "-i", "-p", "-f"],
    exclusive: &[&["-f", "-n"], &["-f", "-s"], &["-f", "-i"], &["-f", "-p"]],
    operands: (0, 0),
    usage: "/opt/FJSVswstf/bin/stgxfwcmmodsrv -n serverName [-s newServerName] [-i ipAddress] [-p portNumber] | -f fileName",
};

const DELSRV: Spec = Spec {
    name: "stgxfwcmdelsrv",
    family: Family::Config,
    flags: &[],
    valued: &["-n"],
    exclusive: &[],
    operands: (0, 0),
    usage: "/opt/FJSVswstf/bin/stgxfwcmdelsrv -n serverName",
};

const DISPSRV: Spec = Spec {
    name: "stgxfwcmdispsrv",
    family: Family::Config,
    flags: &["-Xjson"],
    valued: &["-n"],
    exclusive: &[],
    operands: (0, 0),
    usage: "/opt/FJSVswstf/bin/stgxfwcmdispsrv [-n serverName]",
};

/// A server name: letters, digits, `-`, `_` and `.`, at most 255 characters
/// (it also names a directory of the package backup).
pub fn check_name(name: &str) -> Result<(), Failure> {
    if node::is_server_name(name) {
        Ok(())
    } else {
        Err(messages::bad_server_name(name))
    }
}

/// A communication port: 1024 to 65535.
pub fn check_port(text: &str) -> Result<u16, Failure> {
    match text.parse::<u32>() {
        Ok(p) if (1024..=65535).contains(&p) => Ok(p as u16),
        _ => Err(messages::bad_port(text)),
    }
}

/// An IPv4 or IPv6 address.
pub fn check_ip(text: &str) -> Result<String, Failure> {
    text.parse::<std::net::IpAddr>()
        .map(|_| text.to_string())
        .map_err(|_| messages::bad_ip(text))
}

/// Checks that the server at `record`'s address answers to `record.name`: this
/// server and local peers are reached directly, any other through the daemon
/// at the record's address.
pub fn contact(record: &ServerRecord) -> Result<(), Failure> {
    let direct =
        record.name == node::local_name() || remote::local_peer_root(&record.name).is_some();
    let out = if direct {
        agent::call(&record.name, &["whoami"])?
    } else {
        agent::call_at(record, &["whoami"])?
    };
    let answered = String::from_utf8_lossy(&out).trim().to_string();
    if answered == record.name {
        Ok(())
    } else {
        Err(messages::name_mismatch(&record.name, &answered))
    }
}

/// `stgxfwcmaddsrv -n serverName -i ipAddress -p portNumber`.
pub fn stgxfwcmaddsrv(argv: Argv) -> ExitCode {
    forward::run_local(&ADDSRV, argv, |args| {
        let name = required(&ADDSRV, args, "-n")?;
        let ip = required(&ADDSRV, args, "-i")?;
        let port = required(&ADDSRV, args, "-p")?;
        repository::require_manager(ADDSRV.name)?;
        check_name(name)?;
        let record = ServerRecord {
            name: name.to_string(),
            ip: check_ip(ip)?,
            port: check_port(port)?,
            manager: false,
        };
        let refuse_duplicate = |registered: &[ServerRecord]| {
            if repository::servers(registered)
                .iter()
                .any(|s| s.name == name)
            {
                Err(messages::duplicate_server(name))
            } else {
                Ok(())
            }
        };
        refuse_duplicate(&repository::registered()?)?;
        contact(&record)?;
        repository::add_server(ADDSRV.name, record, refuse_duplicate)?;
        completed(&ADDSRV);
        Ok(())
    })
}

/// One change of `stgxfwcmmodsrv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub name: String,
    pub new_name: Option<String>,
    pub ip: Option<String>,
    pub port: Option<u16>,
}

/// Reads a change file: one server per line, `serverName ipAddress portNumber
/// [newServerName]`; blank lines and lines starting with `#` are ignored.
pub fn parse_changes(file: &str, text: &str) -> Result<Vec<Change>, Failure> {
    let mut changes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: &str| messages::bad_change_file(file, i + 1, why);
        let words: Vec<&str> = line.split_whitespace().collect();
        if !(3..=4).contains(&words.len()) {
            return Err(bad(
                "expected: serverName ipAddress portNumber [newServerName]",
            ));
        }
        // For a remote client the file's words are not quoted: it could name
        // a file it may not read.
        let remote = acm_manager::client_dirs::client().is_some();
        let quoted = |f: Failure, generic: &str| {
            if remote {
                bad(generic)
            } else {
                bad(&f.message.text)
            }
        };
        let ip = check_ip(words[1]).map_err(|f| quoted(f, "the IP address is not valid"))?;
        let port = check_port(words[2]).map_err(|f| quoted(f, "the port number is not valid"))?;
        changes.push(Change {
            name: words[0].to_string(),
            new_name: words.get(3).map(|s| s.to_string()),
            ip: Some(ip),
            port: Some(port),
        });
    }
    if changes.is_empty() {
        return Err(messages::bad_change_file(
            file,
            0,
            "the file names no server",
        ));
    }
    Ok(changes)
}

/// What [`apply`] did: the changed records, and the renames `(old, new)` in
/// the order made (the devices of a renamed server follow it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Applied {
    pub changed: Vec<ServerRecord>,
    pub renames: Vec<(String, String)>,
}

/// Applies `changes` to the registered servers in order. Refuses an unknown
/// server, the Management Server (its address and name are its node
/// registry's), and a new name that is taken. Works on the server records
/// alone, so that no device is read to change a server.
pub fn apply(servers: &mut [ServerRecord], changes: &[Change]) -> Result<Applied, Failure> {
    let manager = repository::manager_record();
    let mut applied = Applied::default();
    for ch in changes {
        if ch.name == manager.name {
            return Err(messages::manager_record(&ch.name));
        }
        let at = servers
            .iter()
            .position(|s| s.name == ch.name)
            .ok_or_else(|| messages::unknown_server(&ch.name))?;
        if let Some(new) = &ch.new_name {
            check_name(new)?;
            let taken =
                new != &ch.name && repository::servers(servers).iter().any(|s| &s.name == new);
            if taken {
                return Err(messages::duplicate_server(new));
            }
        }
        let s = &mut servers[at];
        if let Some(ip) = &ch.ip {
            s.ip = ip.clone();
        }
        if let Some(port) = ch.port {
            s.port = port;
        }
        if let Some(new) = &ch.new_name {
            s.name = new.clone();
            applied.renames.push((ch.name.clone(), new.clone()));
        }
        applied.changed.push(servers[at].clone());
    }
    Ok(applied)
}

/// `stgxfwcmmodsrv -n serverName [-s newServerName] [-i ipAddress] [-p portNumber]`
/// or `stgxfwcmmodsrv -f fileName`.
pub fn stgxfwcmmodsrv(argv: Argv) -> ExitCode {
    forward::run_local(&MODSRV, argv, |args| {
        let changes = if let Some(file) = args.value("-f") {
            let text = acm_core::input::read_text(
                std::path::Path::new(file),
                acm_core::input::MAX_CONFIG_BYTES,
            )
            .map_err(|e| messages::input(&e))?;
            parse_changes(file, &text)?
        } else {
            let name = required(&MODSRV, args, "-n")?;
            if !["-s", "-i", "-p"].iter().any(|o| args.has(o)) {
                return Err(Failure::usage(
                    Family::Config,
                    format!("Specify -s, -i or -p. Usage: {}", MODSRV.usage),
                ));
            }
            vec![Change {
                name: name.to_string(),
                new_name: args.value("-s").map(str::to_string),
                ip: args.value("-i").map(check_ip).transpose()?,
                port: args.value("-p").map(check_port).transpose()?,
            }]
        };
        repository::require_manager(MODSRV.name)?;
        // Check everything and reach every changed server before saving anything.
        let mut trial = repository::registered()?;
        for record in apply(&mut trial, &changes)?.changed {
            contact(&record)?;
        }
        repository::update_servers(MODSRV.name, |servers| {
            apply(servers, &changes).map(|a| a.renames)
        })?;
        completed(&MODSRV);
        Ok(())
    })
}

/// `stgxfwcmdelsrv -n serverName`.
pub fn stgxfwcmdelsrv(argv: Argv) -> ExitCode {
    forward::run_local(&DELSRV, argv, |args| {
        let name = required(&DELSRV, args, "-n")?;
        repository::require_manager(DELSRV.name)?;
        repository::remove_server(DELSRV.name, name, |servers, devices| {
            if repository::server(servers, name)?.manager {
                return Err(messages::is_management_server(name));
            }
            if devices > 0 {
                return Err(messages::has_devices(name, devices));
            }
            Ok(())
        })?;
        completed(&DELSRV);
        Ok(())
    })
}

/// The columns of `stgxfwcmdispsrv`.
const DISPSRV_COLUMNS: &[Column] = &[
    col("Server", "server", Kind::Text),
    col("Server-Type", "server_type", Kind::Text),
    col("IP-Address", "ip_address", Kind::Text),
    col("Port", "port", Kind::Int),
];

/// The `stgxfwcmdispsrv` table.
pub fn server_table(servers: &[ServerRecord]) -> Table {
    let rows: Vec<Vec<String>> = servers
        .iter()
        .map(|s| {
            let kind = if s.manager {
                "Management-Server"
            } else {
                "Managed-Server"
            };
            vec![
                s.name.clone(),
                kind.into(),
                s.ip.clone(),
                s.port.to_string(),
            ]
        })
        .collect();
    Table::of_text(DISPSRV_COLUMNS, rows)
}

/// `stgxfwcmdispsrv [-n serverName]`.
pub fn stgxfwcmdispsrv(argv: Argv) -> ExitCode {
    forward::run_local(&DISPSRV, argv, |args| {
        repository::require_manager(DISPSRV.name)?;
        let registered = repository::registered()?;
        let servers = match args.value("-n") {
            Some(name) => vec![repository::server(&registered, name)?],
            None => repository::servers(&registered),
        };
        server_table(&servers).print(args);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        assert_eq!(check_port("1024").unwrap(), 1024);
        assert_eq!(check_port("65535").unwrap(), 65535);
        for bad in ["1023", "65536", "x", "-1", ""] {
            assert_eq!(check_port(bad).unwrap_err().message.id, "swstf1004");
        }
        assert!(check_ip("192.0.2.10").is_ok() && check_ip("::1").is_ok());
        assert_eq!(check_ip("192.0.2.300").unwrap_err().message.id, "swstf1005");
        assert!(check_name("acm-01.x_y").is_ok());
        for bad in ["", "a/b", "..", "a b"] {
            assert_eq!(check_name(bad).unwrap_err().message.id, "swstf1015");
        }
    }

    #[test]
    fn change_files() {
        let c = parse_changes(
            "f",
            "# name ip port [new]\n\nSV1 192.0.2.1 1300\nSV2 192.0.2.2 1226 SV3\n",
        )
        .unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].new_name.as_deref(), Some("SV3"));
        assert_eq!(c[0].port, Some(1300));
        let e = parse_changes("f", "SV1 192.0.2.1\n").unwrap_err();
        assert_eq!(e.message.id, "swstf1009");
        assert!(e.message.text.contains("f line 1"), "{e}");
        assert_eq!(
            parse_changes("f", "SV1 1.2.3.4 80\n")
                .unwrap_err()
                .message
                .id,
            "swstf1009"
        );
        assert_eq!(
            parse_changes("f", "# nothing\n").unwrap_err().message.id,
            "swstf1009"
        );
    }
}
