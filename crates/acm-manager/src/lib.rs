//! The Management Server role, and reaching other servers.
//!
//! - [`node`]: this server's name, type, port and what it knows of the
//!   Management Server (`swnode.ini`, `/etc/services`);
//! - [`registry`]: the Management Server's repository of servers and devices;
//! - [`programs`]: the product programs a daemon may run, and where they are;
//! - [`remote`]: running a program on a named server, through its daemon;
//! - [`fanout`]: asking many servers at once, answering in their order;
//! - [`daemon`]: the communication daemon, `stgfwcom`, `startacm`, `stopacm`;
//! - [`client_dirs`]: the directories a command run for a remote client may name;
//! - [`setup`]: `acmsetup`, the installer's part of setting up a node;
//! - [`forward`]: the entry of every command: the node's configuration
//!   checked, `-h serverName`, and Table 8.2's rules for the display commands
//!   on the Management Server.

pub mod client_dirs;
pub mod daemon;
pub mod fanout;
pub mod forward;
pub mod node;
pub mod programs;
pub mod registry;
pub mod remote;
pub mod setup;
