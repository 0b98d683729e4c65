//! Replication management (`swsrp*`) of the AdvancedCopy Manager agent for AIX.
//!
//! - [`list`]: the replication management list (volume pairs and groups), one
//!   durable state file changed under a lock;
//! - [`exclusion`]: which replication commands may run at the same time (manual
//!   8.3, digest 0.6), enforced with shared/exclusive file locks across processes;
//! - [`volume`]: `volumeName[@serverName]` operands resolved through the
//!   simulated host to box information;
//! - [`messages`]: every message this crate prints (`docs/replication-messages.md`);
//! - [`commands`]: one function per command, called by the one-line binaries.

pub mod commands;
pub mod exclusion;
pub mod list;
pub mod messages;
pub mod volume;
