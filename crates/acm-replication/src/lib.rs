//! Replication management (`swsrp*`) of the AdvancedCopy Manager agent for AIX.
//!
//! - [`list`]: the replication management list (volume pairs and groups), one
//!   durable state file changed under a lock;
//! - [`exclusion`]: which replication commands may run at the same time (manual
//!   8.3 NOTES), enforced with shared/exclusive file locks across processes;
//! - [`volume`]: `volumeName[@serverName]` operands resolved through the
//!   simulated host to box information;
//! - [`pair`]: the pair or group an operation works on, and its direction;
//! - [`session`]: what the array says about a pair (its sessions, the manual's
//!   states and the `swsrpstat` columns);
//! - [`copy`]: copy-session actions on pairs through the SCSI driver;
//! - [`scripts`]: the RepSrc/RepDst pre/post-processing scripts (Table C.1);
//! - [`peer`]: requests to the other server of a server-to-server pair;
//! - [`messages`]: every message this crate prints (`docs/replication-messages.md`);
//! - [`commands`]: one function per command, listed in [`ENTRIES`] (the
//!   multicall binary runs them).

pub mod commands;
pub mod copy;
pub mod exclusion;
pub mod messages;
pub mod pair;
pub mod peer;
pub mod scripts;
pub mod session;
pub mod volume;

/// The replication management list and its repository copy (in the model
/// both domains share).
pub use acm_model::replication as list;
pub use acm_model::replication::repository;

use acm_core::program::Entry;

/// This family's programs and their entry functions (the multicall binary
/// dispatches through it; their identities are in [`acm_core::program::ALL`]).
pub const ENTRIES: &[Entry] = &[
    Entry {
        name: "swsrpcancel",
        main: commands::swsrpcancel,
    },
    Entry {
        name: "swsrpchsync",
        main: commands::swsrpchsync,
    },
    Entry {
        name: "swsrpdelvol",
        main: commands::swsrpdelvol,
    },
    Entry {
        name: "swsrpmake",
        main: commands::swsrpmake,
    },
    Entry {
        name: "swsrppeer",
        main: peer::main,
    },
    Entry {
        name: "swsrprecbuffset",
        main: commands::swsrprecbuffset,
    },
    Entry {
        name: "swsrprecbuffstat",
        main: commands::swsrprecbuffstat,
    },
    Entry {
        name: "swsrprecoverres",
        main: commands::swsrprecoverres,
    },
    Entry {
        name: "swsrprevsync",
        main: commands::swsrprevsync,
    },
    Entry {
        name: "swsrpsetvol",
        main: commands::swsrpsetvol,
    },
    Entry {
        name: "swsrpstartsync",
        main: commands::swsrpstartsync,
    },
    Entry {
        name: "swsrpstat",
        main: commands::swsrpstat,
    },
    Entry {
        name: "swsrpvolinfo",
        main: commands::swsrpvolinfo,
    },
    Entry {
        name: "swsrpwait",
        main: commands::swsrpwait,
    },
];
