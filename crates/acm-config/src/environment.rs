//! `stgenvdisp` (manual 8.2.10): the environment settings as `Title : value`
//! lines, in the order of the manual's example, with its `-----` line between
//! this server's settings and the installation's. `???` stands for what
//! cannot be shown.

use crate::management_server::UNKNOWN;
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::msg::Family;
use acm_manager::forward;
use acm_manager::node;
use std::process::ExitCode;

const SPEC: Spec = Spec {
    name: "stgenvdisp",
    family: Family::Config,
    flags: &[],
    valued: &[],
    exclusive: &[],
    operands: (0, 0),
    usage: "/opt/FJSVswstf/bin/stgenvdisp",
};

/// The version and level the suite reproduces.
pub const VERSION: &str = "V16.4";

/// The lines `stgenvdisp` prints.
pub fn lines() -> Vec<String> {
    let me = node::checked();
    let server_type = if me.manager {
        "Management server"
    } else {
        "Server"
    };
    let manager_ip = me.management.ip.unwrap_or_else(|| UNKNOWN.to_string());
    let item = |title: &str, value: &str| format!("{title:<20} : {value}");
    vec![
        item("Server type", server_type),
        item("Manager IP address", &manager_ip),
        item("Communication", &me.port.to_string()),
        "-----".to_string(),
        item("Version", VERSION),
        item("Language", "ENGLISH"),
        item("Program install directory", "/opt"),
        item("Fixed configuration directory", "/etc/opt"),
        item("Modifying configuration directory", "/var/opt"),
    ]
}

/// `stgenvdisp`.
pub fn stgenvdisp(argv: Argv) -> ExitCode {
    forward::run_local(&SPEC, argv, |_| {
        for line in lines() {
            println!("{line}");
        }
        Ok(())
    })
}
