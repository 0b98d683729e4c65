//! `stgcmmodnode` (manual 8.2.1, 7.5.1/7.5.3/7.5.4): the Management Server as
//! this node knows it, shown or changed in the node registry (`swnode.ini`).
//!
//! On a Managed Server the change is of `ManagerIpAddress`, `ManagerPort` and
//! `ManagerName`. On the Management Server its own address and port are the
//! Management Server's, so `-i` changes `IpAddress` and `-p` the `stgxfws`
//! port of `/etc/services`; `-n` is refused there (the manual). Nothing
//! changes while the communication daemon runs: it has read the old values.

use crate::{messages, servers};
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::msg::{Failure, Family};
use acm_manager::forward;
use acm_manager::node;
use std::process::ExitCode;

const SPEC: Spec = Spec {
    name: "stgcmmodnode",
    family: Family::Config,
    flags: &[],
    valued: &["-i", "-p", "-n"],
    exclusive: &[],
    operands: (0, 0),
    usage: "/opt/FJSVswstf/bin/stgcmmodnode [-i ipAddress] [-p portNumber] [-n serverName]",
};

/// Shown for a value this node does not know.
pub const UNKNOWN: &str = "???";

/// `stgcmmodnode [-i ipAddress] [-p portNumber] [-n serverName]`.
pub fn stgcmmodnode(argv: Argv) -> ExitCode {
    forward::run_local(&SPEC, argv, |args| {
        let (ip, port, name) = (args.value("-i"), args.value("-p"), args.value("-n"));
        let me = node::checked();
        if ip.is_none() && port.is_none() && name.is_none() {
            let m = me.management;
            let id = "swstf2413";
            println!("{id} IP Address = {}", m.ip.as_deref().unwrap_or(UNKNOWN));
            let port = m.port.map_or(UNKNOWN.to_string(), |p| p.to_string());
            println!("{id} PORT Number = {port}");
            println!(
                "{id} Storage Management Server's Name = {}",
                m.name.as_deref().unwrap_or(UNKNOWN)
            );
            return Ok(());
        }
        let ip = ip.map(servers::check_ip).transpose()?;
        let port = port.map(servers::check_port).transpose()?;
        if let Some(n) = name {
            if me.manager {
                return Err(messages::name_on_manager());
            }
            servers::check_name(n)?;
        }
        if let Some(pid) = acm_manager::daemon::running() {
            return Err(messages::daemon_running(pid));
        }
        change(me.manager, ip.as_deref(), port, name)?;
        println!(
            "{}",
            messages::info(2401, "Storage Management Server registry updated.")
        );
        Ok(())
    })
}

fn change(
    manager: bool,
    ip: Option<&str>,
    port: Option<u16>,
    name: Option<&str>,
) -> Result<(), Failure> {
    let port_text = port.map(|p| p.to_string());
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    if manager {
        if let Some(ip) = ip {
            pairs.push(("IpAddress", ip));
        }
        if let Some(p) = port {
            node::set_port(p).map_err(messages::store)?;
        }
    } else {
        if let Some(ip) = ip {
            pairs.push(("ManagerIpAddress", ip));
        }
        if let Some(p) = &port_text {
            pairs.push(("ManagerPort", p));
        }
        if let Some(n) = name {
            pairs.push(("ManagerName", n));
        }
    }
    if pairs.is_empty() {
        return Ok(());
    }
    node::set(&pairs).map_err(messages::store)
}
