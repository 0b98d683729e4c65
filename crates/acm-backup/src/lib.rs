//! Backup management (`swst*`) of the AdvancedCopy Manager agent for AIX.
//!
//! - [`list`]: the backup management list of this managed server, one durable
//!   state file changed under a lock;
//! - [`exclusion`]: which backup commands may run at the same time (manual 8.1
//!   NOTES), enforced with a shared/exclusive file lock across processes;
//! - [`device`]: operands resolved through the simulated host to box information,
//!   and the registration rules (same box information, overlap, mounts, VGs);
//! - [`devmap`]: device map files (`-Xdevmap`);
//! - [`server`]: the managed server's name and the `-h serverName` option;
//! - [`messages`]: every message this crate prints, in one place
//!   (`docs/messages.md` lists them);
//! - [`copy`]: the copy sessions behind the list, reached through the SCSI driver;
//! - [`scripts`]: the pre- and post-processing scripts under `/etc/opt/FJSVswsts/sh`;
//! - the commands, one function each, called by the one-line binaries, by
//!   domain: [`commands`] (environment definition: server, devices,
//!   policies), [`backup`] (backup, status, history), [`restore`], [`sync`]
//!   (synchronous processing and tracking), [`maintenance`] (resource match,
//!   resource backup and restore), [`snap`] (SnapOPC support), [`wait`]
//!   (`swstwait`, the suite's addition for scripts).

pub mod backup;
pub mod commands;
pub mod copy;
pub mod device;
pub mod devmap;
pub mod exclusion;
pub mod list;
pub mod maintenance;
pub mod messages;
pub mod pairs;
pub mod restore;
pub mod scripts;
pub mod server;
pub mod snap;
pub mod sync;
pub mod wait;
