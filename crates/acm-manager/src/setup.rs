//! `acmsetup`: what the product's installer does for a node, as a command.
//!
//! The manual's procedures start from an installed node: a server name, a
//! communication port in `/etc/services`, a Management Server, and (in this
//! suite) a TLS identity issued by the site's certificate authority. `acmsetup`
//! writes exactly those, so a scratch root can be made a working node:
//!
//! ```text
//! acmsetup node --name SV1 [--ip 127.0.0.1] [--port 1226]
//!               [--manager | --manager-ip IP --manager-port PORT --manager-name NAME]
//! acmsetup ca DIR                # create the site CA (keep DIR/ca.key safe)
//! acmsetup cert --ca DIR         # issue this node's certificate into its TLS directory
//! ```

use crate::node;
use acm_core::cli::Argv;
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(version = acm_core::VERSION)]
#[command(
    name = "acmsetup",
    about = "Set up an AdvancedCopy Manager node (installer's part)"
)]
struct Cli {
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    /// Name this node, its daemon's address and port, and its Management Server.
    Node {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = node::DEFAULT_IP)]
        ip: String,
        #[arg(long, default_value_t = node::DEFAULT_PORT)]
        port: u16,
        /// This node is the Management Server (it is registered in its own repository).
        #[arg(long, conflicts_with_all = ["manager_ip", "manager_port", "manager_name"])]
        manager: bool,
        #[arg(long, requires_all = ["manager_port", "manager_name"])]
        manager_ip: Option<String>,
        #[arg(long)]
        manager_port: Option<u16>,
        #[arg(long)]
        manager_name: Option<String>,
    },
    /// Create the site certificate authority in DIR.
    Ca {
        dir: PathBuf,
        #[arg(long, default_value = "AdvancedCopy Manager site CA")]
        name: String,
    },
    /// Issue this node's certificate (for its server name) with the CA in --ca.
    Cert {
        #[arg(long)]
        ca: PathBuf,
    },
}

/// Runs `acmsetup` with the arguments after the program name.
/// The ID of an `acmsetup` refusal (exit status 1).
pub const REFUSED: &str = "SETUP0001";
/// The ID of an `acmsetup` usage error (exit status 2).
pub const USAGE: &str = "SETUP0002";

pub fn main(argv: Argv) -> ExitCode {
    acm_core::paths::private_files();
    let cli = match Cli::try_parse_from(std::iter::once(OsString::from("acmsetup")).chain(argv)) {
        Ok(c) => c,
        Err(e) if e.use_stderr() => {
            let line = acm_core::cli::console_usage_line(&e.to_string());
            eprintln!("acmsetup: {USAGE} {line}");
            return ExitCode::from(2);
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    match run(cli.what) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("acmsetup: {REFUSED} {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(what: What) -> Result<(), String> {
    match what {
        What::Node {
            name,
            ip,
            port,
            manager,
            manager_ip,
            manager_port,
            manager_name,
        } => {
            // Keys are set in place, so a damaged registry would stay damaged.
            node::load().map_err(|e| e.to_string())?;
            if port < 1024 {
                return Err(format!("port {port}: give 1024 to 65535"));
            }
            ip.parse::<std::net::IpAddr>()
                .map_err(|_| format!("{ip} is not an IP address"))?;
            let mut keys: Vec<(&str, &str)> = vec![
                ("ServerName", &name),
                ("ServerType", if manager { "Management" } else { "Managed" }),
                ("IpAddress", &ip),
            ];
            let mport = manager_port.map(|p| p.to_string());
            if let (Some(i), Some(p), Some(n)) = (&manager_ip, &mport, &manager_name) {
                keys.extend([
                    ("ManagerIpAddress", i.as_str()),
                    ("ManagerPort", p.as_str()),
                    ("ManagerName", n.as_str()),
                ]);
            }
            node::set(&keys).map_err(|e| e.to_string())?;
            node::set_port(port).map_err(|e| e.to_string())?;
            if manager {
                crate::daemon::register_self()?;
            }
            println!(
                "node {name}: {ip}:{port}{}",
                if manager { ", Management Server" } else { "" }
            );
            Ok(())
        }
        What::Ca { dir, name } => {
            acm_comm::tls::create_ca(&dir, &name).map_err(|e| e.to_string())?;
            println!("CA created in {}", dir.display());
            Ok(())
        }
        What::Cert { ca } => {
            let name = node::local_name();
            let out = node::tls_dir();
            acm_comm::tls::issue(&ca, &name, &out).map_err(|e| e.to_string())?;
            println!("certificate for {name} in {}", out.display());
            Ok(())
        }
    }
}
