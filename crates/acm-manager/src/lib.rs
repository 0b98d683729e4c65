//! The Management Server role, and reaching other servers.
//!
//! - [`node`]: this server's name, type, port and what it knows of the
//!   Management Server (`swnode.ini`, `/etc/services`);
//! - [`registry`]: the Management Server's repository of servers and devices;
//! - [`programs`]: the product programs a daemon may run, and where they are;
//! - [`remote`]: running a program on a named server, through its daemon;
//! - [`daemon`]: the communication daemon, `stgfwcom`, `startacm`, `stopacm`;
//! - [`setup`]: `acmsetup`, the installer's part of setting up a node;
//! - [`forward`]: `-h serverName` on every command, and Table 8.2's rules for
//!   the display commands on the Management Server.

pub mod daemon;
pub mod forward;
pub mod node;
pub mod programs;
pub mod registry;
pub mod remote;
pub mod setup;
