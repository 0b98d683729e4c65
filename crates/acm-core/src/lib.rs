//! Domain core of the AdvancedCopy Manager suite.
//!
//! Everything more than one command needs lives here or in a crate below it:
//! where state lives ([`paths`]), how it is written so that a crash never leaves
//! it half-written ([`store`]), and how sizes are read and printed ([`size`]).

pub mod blockdev;
pub mod cli;
pub mod command;
pub mod exclusion;
pub mod ini;
pub mod input;
pub mod log;
pub mod manpage;
pub mod manual;
pub mod msg;
pub mod paths;
pub mod program;
pub mod records;
pub mod report;
pub mod script;
pub mod size;
pub mod store;
pub mod table;
pub mod time;

/// The suite's version and the commit it was built from, as `--version`
/// prints them: `acm-rs 0.1.0 (commit 0123456789ab)`.
pub const VERSION: &str = concat!(
    "acm-rs ",
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("ACM_BUILD_COMMIT"),
    ")"
);
