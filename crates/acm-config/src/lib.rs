//! Configuration management of the AdvancedCopy Manager agent (manual 8.2, 8.6.1):
//! the `stg*` commands and `acmcapture`, one public function per command, each
//! listed in [`ENTRIES`], which the multicall binary runs.
//!
//! - [`management_server`]: `stgcmmodnode`, the Management Server as this node knows it;
//! - [`environment`]: the environment display, `stgenvdisp`;
//! - [`servers`]: `stgxfwcmaddsrv`, `stgxfwcmmodsrv`, `stgxfwcmdelsrv`, `stgxfwcmdispsrv`;
//! - [`devices`]: `stgxfwcmsetdev`, `stgxfwcmdeldev`, `stgxfwcmdispdev`, `stgxfwcmdisppat`;
//! - [`migration`]: repository data migration, `stgrepcnv`;
//! - [`package_backup`]: `stgmgrinfoset`, `stgmgrinfobkup`, `stgmgrinfodisp`;
//! - [`capture`]: `acmcapture`, written with [`compress`];
//! - [`agent`]: the internal program `stgagent`, what these commands ask of another server;
//! - [`repository`], [`management_info`], [`messages`]: what the commands share.
//!
//! Every command, its options, outputs and message IDs are in `docs/configuration.md`.

pub mod agent;
pub mod capture;
pub mod compress;
pub mod devices;
pub mod environment;
pub mod management_info;
pub mod management_server;
pub mod messages;
pub mod migration;
pub mod package_backup;
pub mod repository;
pub mod servers;

pub use agent::stgagent;
pub use capture::acmcapture;
pub use devices::{stgxfwcmdeldev, stgxfwcmdispdev, stgxfwcmdisppat, stgxfwcmsetdev};
pub use environment::stgenvdisp;
pub use management_server::stgcmmodnode;
pub use migration::stgrepcnv;
pub use package_backup::{stgmgrinfobkup, stgmgrinfodisp, stgmgrinfoset};
pub use servers::{stgxfwcmaddsrv, stgxfwcmdelsrv, stgxfwcmdispsrv, stgxfwcmmodsrv};

use acm_core::cli::{Args, Spec};
use acm_core::program::Entry;
use acm_manager::daemon;

/// This family's programs and their entry functions (the multicall binary
/// dispatches through it; their identities are in [`acm_core::program::ALL`]).
pub const ENTRIES: &[Entry] = &[
    Entry {
        name: "acmcapture",
        main: acmcapture,
    },
    Entry {
        name: "acmsetup",
        main: daemon::acmsetup,
    },
    Entry {
        name: "startacm",
        main: daemon::startacm,
    },
    Entry {
        name: "stgagent",
        main: stgagent,
    },
    Entry {
        name: "stgcmmodnode",
        main: stgcmmodnode,
    },
    Entry {
        name: "stgenvdisp",
        main: stgenvdisp,
    },
    Entry {
        name: "stgfwcom",
        main: daemon::stgfwcom,
    },
    Entry {
        name: "stgmgrinfobkup",
        main: stgmgrinfobkup,
    },
    Entry {
        name: "stgmgrinfodisp",
        main: stgmgrinfodisp,
    },
    Entry {
        name: "stgmgrinfoset",
        main: stgmgrinfoset,
    },
    Entry {
        name: "stgrepcnv",
        main: stgrepcnv,
    },
    Entry {
        name: "stgxfwcmaddsrv",
        main: stgxfwcmaddsrv,
    },
    Entry {
        name: "stgxfwcmdeldev",
        main: stgxfwcmdeldev,
    },
    Entry {
        name: "stgxfwcmdelsrv",
        main: stgxfwcmdelsrv,
    },
    Entry {
        name: "stgxfwcmdispdev",
        main: stgxfwcmdispdev,
    },
    Entry {
        name: "stgxfwcmdisppat",
        main: stgxfwcmdisppat,
    },
    Entry {
        name: "stgxfwcmdispsrv",
        main: stgxfwcmdispsrv,
    },
    Entry {
        name: "stgxfwcmmodsrv",
        main: stgxfwcmmodsrv,
    },
    Entry {
        name: "stgxfwcmsetdev",
        main: stgxfwcmsetdev,
    },
    Entry {
        name: "stopacm",
        main: daemon::stopacm,
    },
];
use acm_core::msg::Failure;

/// The value of an option the command cannot do without; a usage error otherwise.
pub(crate) fn required<'a>(spec: &Spec, args: &'a Args, option: &str) -> Result<&'a str, Failure> {
    args.value(option).ok_or_else(|| {
        Failure::usage(
            spec.family,
            format!("The option {option} is required. Usage: {}", spec.usage),
        )
    })
}

/// Prints the completion line of a configuration command.
pub(crate) fn completed(spec: &Spec) {
    println!("{} completed", spec.name);
}
