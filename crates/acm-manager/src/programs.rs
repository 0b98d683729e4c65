//! The programs a communication daemon runs for its clients, and how.
//!
//! Only the product's own commands and the suite's internal helper programs
//! ([`acm_core::program::ALL`]) are served; a daemon never runs a shell or a
//! path a client sent. Every program is the multicall binary started under the
//! program's name ([`acm_core::program::command`]), so nothing is looked up on
//! a path a client could influence.

use std::process::Command;

/// Whether a daemon may run `program` for a client. The daemon commands
/// themselves are not served: a client cannot stop a daemon through it.
pub fn allowed(program: &str) -> bool {
    acm_core::program::find(program).is_some_and(|p| p.served())
}

/// How to run `program` of this installation, if it is one of the suite's.
pub fn command(program: &str) -> Option<Command> {
    acm_core::program::command(program)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list() {
        assert!(allowed("swstbackup"));
        assert!(allowed("swsrppeer"));
        assert!(allowed("stgagent"));
        assert!(allowed("acmcapture"));
        assert!(!allowed("stgfwcom"));
        assert!(!allowed("startacm"));
        assert!(!allowed("acmsim"));
        assert!(!allowed("sh"));
        assert!(!allowed("../swstbackup"));
        assert!(!allowed("swst/../../bin/sh"));
        assert!(!allowed(""));
    }
}
