//! `stgenvdisp` (manual 8.2.10): the environment settings as `Title : value`
//! lines, in the order of the manual's example, with its `-----` line between
//! this server's settings and the installation's. `???` stands for what
//! cannot be shown.

use crate::management_server::UNKNOWN;
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::msg::Family;
use acm_core::report;
use acm_manager::forward;
use acm_manager::node;
use std::process::ExitCode;

const SPEC: Spec = Spec {
    name: "stgenvdisp",
    family: Family::Config,
    flags: &["-Xjson"],
    valued: &[],
    exclusive: &[],
    operands: (0, 0),
    usage: "/opt/FJSVswstf/bin/stgenvdisp",
};

/// The version and level the suite reproduces.
pub const VERSION: &str = "V16.4";

/// What `stgenvdisp` shows: title, JSON key and value of each setting, this
/// server's first, then (after the `-----` line) the installation's.
pub fn settings() -> (Vec<[String; 3]>, Vec<[String; 3]>) {
    let me = node::checked();
    let server_type = if me.manager {
        "Management server"
    } else {
        "Server"
    };
    let manager_ip = me.management.ip.unwrap_or_else(|| UNKNOWN.to_string());
    let item = |title: &str, key: &str, value: &str| [title.into(), key.into(), value.into()];
    (
        vec![
            item("Server type", "server_type", server_type),
            item("Manager IP address", "manager_ip_address", &manager_ip),
            item("Communication", "communication", &me.port.to_string()),
        ],
        vec![
            item("Version", "version", VERSION),
            item("Language", "language", "ENGLISH"),
            item(
                "Program install directory",
                "program_install_directory",
                "/opt",
            ),
            item(
                "Fixed configuration directory",
                "fixed_configuration_directory",
                "/etc/opt",
            ),
            item(
                "Modifying configuration directory",
                "modifying_configuration_directory",
                "/var/opt",
            ),
        ],
    )
}

/// The lines `stgenvdisp` prints.
pub fn lines() -> Vec<String> {
    let (server, install) = settings();
    let line = |[title, _, value]: &[String; 3]| format!("{title:<20} : {value}");
    let mut out: Vec<String> = server.iter().map(line).collect();
    out.push("-----".to_string());
    out.extend(install.iter().map(line));
    out
}

/// `stgenvdisp [-Xjson]`: with `-Xjson`, one object of every setting (the
/// port as a number, `???` as null).
pub fn stgenvdisp(argv: Argv) -> ExitCode {
    forward::run_local(&SPEC, argv, |args| {
        if args.has(report::JSON) {
            let (server, install) = settings();
            let mut o = serde_json::Map::new();
            for [_, key, value] in server.iter().chain(&install) {
                let v = match value.parse::<u64>() {
                    Ok(n) if key == "communication" => n.into(),
                    _ if value == UNKNOWN => report::Value::Null,
                    _ => value.clone().into(),
                };
                o.insert(key.clone(), v);
            }
            report::print_rows(vec![report::Value::Object(o)]);
        } else {
            for line in lines() {
                println!("{line}");
            }
        }
        Ok(())
    })
}
