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
//! - the commands, one function each, listed in [`ENTRIES`] (the multicall
//!   binary runs them), by
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
pub mod maintenance;
pub mod messages;
pub mod restore;
pub mod scripts;
pub mod server;
pub mod snap;
pub mod sync;
pub mod wait;

/// The backup management list (in the model both domains share).
pub use acm_model::backup as list;
/// The replication management list as backup management reads it.
pub use acm_model::replication::layout as pairs;

/// The traits that give the list backup management's operations (the list
/// itself is the model's): `use crate::prelude::*` where they are called.
pub mod prelude {
    pub use crate::backup::ListBackup;
    pub use crate::copy::SurveyExt;
    pub use crate::maintenance::ListMaintenance;
    pub use crate::restore::ListRestore;
    pub use crate::sync::ListSync;
}

use acm_core::program::Entry;

/// This family's programs and their entry functions (the multicall binary
/// dispatches through it; their identities are in [`acm_core::program::ALL`]).
pub const ENTRIES: &[Entry] = &[
    Entry {
        name: "swstbackstat",
        main: backup::swstbackstat,
    },
    Entry {
        name: "swstbackup",
        main: backup::swstbackup,
    },
    Entry {
        name: "swstbkpoldel",
        main: commands::swstbkpoldel,
    },
    Entry {
        name: "swstbkpoldisp",
        main: commands::swstbkpoldisp,
    },
    Entry {
        name: "swstbkpolset",
        main: commands::swstbkpolset,
    },
    Entry {
        name: "swstcancelrest",
        main: restore::swstcancelrest,
    },
    Entry {
        name: "swstcancelsync",
        main: sync::swstcancelsync,
    },
    Entry {
        name: "swstcanceltrk",
        main: sync::swstcanceltrk,
    },
    Entry {
        name: "swstdevdisp",
        main: commands::swstdevdisp,
    },
    Entry {
        name: "swstdevinfoset",
        main: commands::swstdevinfoset,
    },
    Entry {
        name: "swstestupdate",
        main: snap::swstestupdate,
    },
    Entry {
        name: "swstexecstat",
        main: sync::swstexecstat,
    },
    Entry {
        name: "swsthistdel",
        main: backup::swsthistdel,
    },
    Entry {
        name: "swsthistdisp",
        main: backup::swsthistdisp,
    },
    Entry {
        name: "swstresback",
        main: maintenance::swstresback,
    },
    Entry {
        name: "swstresrst",
        main: maintenance::swstresrst,
    },
    Entry {
        name: "swstrestore",
        main: restore::swstrestore,
    },
    Entry {
        name: "swstreststat",
        main: restore::swstreststat,
    },
    Entry {
        name: "swstsdv",
        main: snap::swstsdv,
    },
    Entry {
        name: "swstsrsemtch",
        main: maintenance::swstsrsemtch,
    },
    Entry {
        name: "swststartsync",
        main: sync::swststartsync,
    },
    Entry {
        name: "swstsvrdisp",
        main: commands::swstsvrdisp,
    },
    Entry {
        name: "swstsvrset",
        main: commands::swstsvrset,
    },
    Entry {
        name: "swstsyncstat",
        main: sync::swstsyncstat,
    },
    Entry {
        name: "swsttrkstat",
        main: sync::swsttrkstat,
    },
    Entry {
        name: "swstwait",
        main: wait::swstwait,
    },
];
