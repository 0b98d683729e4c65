//! Backup management (`swst*`) of the AdvancedCopy Manager agent for AIX.
//!
//! - [`list`]: the backup management list of this managed server, one durable
//!   state file changed under a lock;
//! - [`exclusion`]: which backup commands may run at the same time (manual 8.1
//!   NOTES), enforced with a shared/exclusive file lock across processes;
//! - [`device`]: operands resolved through the simulated host to box information,
//!   and the registration rules (same box information, overlap, mounts, VGs);
//! - [`server`]: the managed server's name and the `-h serverName` option;
//! - [`messages`]: every message this crate prints, in one place
//!   (`docs/messages.md` lists them);
//! - [`commands`]: one function per command, called by the one-line binaries.

pub mod commands;
pub mod device;
pub mod exclusion;
pub mod list;
pub mod messages;
pub mod server;
