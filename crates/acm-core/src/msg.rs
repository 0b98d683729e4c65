//! Messages: `<id> <text>` lines with the manual's IDs, and the exit status that
//! goes with them.
//!
//! The manual gives some IDs with their text (`swst0601`, `swst0301`, `swst0303`,
//! `swsrp2613`, ...); where it gives none, the suite chooses an ID of the same
//! family. Every ID is listed in `docs/messages.md`.

use std::fmt;

/// The message family of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `swst*` backup management.
    Backup,
    /// `swsrp*` replication management.
    Replication,
    /// `stg*` configuration management.
    Config,
}

impl Family {
    pub fn prefix(self) -> &'static str {
        match self {
            Family::Backup => "swst",
            Family::Replication => "swsrp",
            Family::Config => "swstf",
        }
    }
}

/// One message: an ID (`swst0601`) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    pub text: String,
}

impl Message {
    pub fn new(family: Family, number: u16, text: impl Into<String>) -> Message {
        Message {
            id: format!("{}{number:04}", family.prefix()),
            text: text.into(),
        }
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.id, self.text)
    }
}

/// A command's failure: the message for standard error and the exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub message: Message,
    /// 1 for a refused or failed operation, 2 for a usage error.
    pub status: u8,
}

impl Failure {
    /// A refused or failed operation (exit status 1).
    pub fn refused(family: Family, number: u16, text: impl Into<String>) -> Failure {
        Failure {
            message: Message::new(family, number, text),
            status: 1,
        }
    }

    /// A usage error (exit status 2), with the family's usage ID.
    pub fn usage(family: Family, text: impl Into<String>) -> Failure {
        Failure {
            message: Message::new(family, USAGE, text),
            status: 2,
        }
    }

    /// The manual's refusal for a caller who is not root.
    pub fn not_root(family: Family) -> Failure {
        Failure::refused(
            family,
            NOT_ROOT,
            "This Command cannot be run. This is because the user is not a root user.",
        )
    }
}

impl Failure {
    /// The refusal of an invalid `SWSTGNODE` (every family's `…0004`).
    pub fn bad_node(family: Family, e: &crate::paths::BadNodeName) -> Failure {
        Failure::refused(family, BAD_NODE, e.to_string())
    }
}

impl Failure {
    /// The refusal of a damaged configuration file (every family's `…0005`):
    /// the file and line, and why.
    pub fn bad_config(family: Family, e: &crate::ini::ConfigError) -> Failure {
        Failure::refused(
            family,
            BAD_CONFIG,
            format!("The configuration file cannot be used: {e}. Correct the file."),
        )
    }
}

impl Failure {
    /// A wait that ran out of time: exit status 3, so a script tells it from
    /// a failure (1) and a usage error (2).
    pub fn timed_out(family: Family, number: u16, text: impl Into<String>) -> Failure {
        Failure {
            message: Message::new(family, number, text),
            status: TIMED_OUT,
        }
    }
}

/// Exit status of a wait command that ran out of time.
pub const TIMED_OUT: u8 = 3;

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message.fmt(f)
    }
}

/// Number of the manual's "not a root user" message in every family (`swst0601`).
pub const NOT_ROOT: u16 = 601;
/// Number of the refusal of an invalid logical node name (`swst0004`).
pub const BAD_NODE: u16 = 4;
/// Number of the refusal of a damaged configuration file (`swst0005`).
pub const BAD_CONFIG: u16 = 5;
/// Number of the suite's usage-error message in every family (`swst0002`).
pub const USAGE: u16 = 2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_family() {
        assert_eq!(
            Failure::not_root(Family::Backup).to_string(),
            "swst0601 This Command cannot be run. This is because the user is not a root user."
        );
        assert_eq!(
            Failure::not_root(Family::Replication).message.id,
            "swsrp0601"
        );
        assert_eq!(Failure::usage(Family::Config, "x").message.id, "swstf0002");
    }
}

/// The refusals backup and replication management print in the same words:
/// written once here, each family passing its [`Family`] (the ID's prefix)
/// and, where the two number a message differently, its number.
pub mod common {
    use super::{Failure, Family};
    use std::fmt::Display;

    /// `…1001`: `-h` names another server where this one cannot forward.
    pub const FOREIGN_SERVER: u16 = 1001;
    /// `swst1002`: backup management is not set up on a server (`swstsvrset`
    /// never ran); Table 8.2's "all servers" display leaves such a server out.
    pub const NOT_SET_UP: u16 = 1002;
    /// `…1003`: a conflicting command of the family runs.
    pub const BUSY: u16 = 1003;
    /// `…3003`: a wait cannot read the status from the array.
    pub const WAIT_UNOBTAINABLE: u16 = 3003;
    /// `…3006`: a wait ran out of time (exit status 3).
    pub const WAIT_TIMEOUT: u16 = 3006;

    pub fn busy(f: Family, running: &str) -> Failure {
        Failure::refused(
            f,
            BUSY,
            format!("The command cannot be executed because {running} is running."),
        )
    }

    pub fn usage(f: Family, why: &str, synopsis: &str) -> Failure {
        Failure::usage(f, format!("{why}. Usage: {synopsis}"))
    }

    pub fn foreign_server(f: Family, given: &str, local: &str) -> Failure {
        Failure::refused(
            f,
            FOREIGN_SERVER,
            format!(
                "-h {given}: the server {given} is not this Managed Server ({local}); \
                 execution on another Managed Server is not supported."
            ),
        )
    }

    pub fn script_not_run(f: Family, number: u16, script: &str, why: impl Display) -> Failure {
        Failure::refused(
            f,
            number,
            format!("The processing script {script} cannot be executed: {why}"),
        )
    }

    pub fn script_timed_out(f: Family, number: u16, script: &str, secs: u64) -> Failure {
        Failure::refused(
            f,
            number,
            format!(
                "The processing script {script} did not end within {secs} seconds \
                 (TimeLimit of script.ini) and was stopped."
            ),
        )
    }

    /// `what` (a volume, a pair) did not reach `want` in time.
    pub fn wait_timeout(f: Family, what: &str, want: &str, secs: u64) -> Failure {
        Failure::timed_out(
            f,
            WAIT_TIMEOUT,
            format!("{what} did not reach {want} within {secs} seconds."),
        )
    }

    pub fn wait_unobtainable(f: Family, what: &str) -> Failure {
        Failure::refused(
            f,
            WAIT_UNOBTAINABLE,
            format!(
                "The status of {what} cannot be obtained from the ETERNUS Disk storage system."
            ),
        )
    }

    /// `list` ("backup management list") cannot be read or written.
    pub fn list_error(f: Family, number: u16, list: &str, detail: impl Display) -> Failure {
        Failure::refused(
            f,
            number,
            format!("The {list} cannot be accessed: {detail}"),
        )
    }
}
