//! The Managed Server's name and the `-h serverName` option.
//!
//! The name is the node's (`acm_manager::node`): the `ServerName=` line of
//! `/etc/opt/swstorage/swnode.ini` under `ACM_ROOT`, else the host name. A
//! command line whose `-h` names another server never reaches a command's body:
//! `acm_manager::forward::run` runs it on that server. [`check`] is what is
//! left: `-h` naming this server (case-sensitive, as the manual says).

use crate::messages;
use acm_core::cli::Args;
use acm_core::msg::Failure;

pub use acm_manager::node::{local_name, SWNODE_INI};

/// Checks `-h serverName` against this server; returns the server's name.
pub fn check(args: &Args) -> Result<String, Failure> {
    let local = local_name();
    match args.value("-h") {
        Some(given) if given != local => Err(messages::foreign_server(given, &local)),
        _ => Ok(local),
    }
}
