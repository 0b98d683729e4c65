//! The replication management commands, one function per binary, grouped by
//! what they do:
//!
//! - [`config`]: `swsrpsetvol`, `swsrpvolinfo`, `swsrpdelvol`;
//! - the operation commands, one file each: `swsrpstartsync`, `swsrpmake`,
//!   `swsrpstat`, `swsrpcancel`, `swsrpchsync`, `swsrprevsync`;
//! - `swsrprecbuffstat`, `swsrprecbuffset`, `swsrprecoverres`;
//! - [`wait`]: `swsrpwait`, the suite's addition for scripts.
//!
//! Each returns the process exit code via [`acm_manager::forward::run`] (`-h`
//! naming another server runs the command there) and [`acm_core::command::run`]: `--help`,
//! the root check (`swsrp0601`), parsing (options before or after operands,
//! usage errors `swsrp0002` with exit status 2), then the body. The operation
//! commands share [`Scope`]: the pair or group they work on, resolved under the
//! exclusion rules, with the cross-function rule against backup management.

pub mod cancel;
pub mod chsync;
pub mod config;
pub mod make;
pub mod recbuff;
pub mod recover;
pub mod revsync;
pub mod startsync;
pub mod stat;
pub mod wait;

pub use cancel::*;
pub use chsync::*;
pub use config::*;
pub use make::*;
pub use recbuff::*;
pub use recover::*;
pub use revsync::*;
pub use startsync::*;
pub use stat::*;
pub use wait::*;

use crate::exclusion::{self, Guard};
use crate::list::{ListStore, ReplicationList, Volume};
use crate::messages;
use crate::pair::{self, Target};
use crate::volume;
use acm_core::cli::{Args, Spec};
use acm_core::msg::Failure;

/// Checks `-h serverName` against this server; returns this server's name.
pub fn server(args: &Args) -> Result<String, Failure> {
    let local = acm_manager::node::local_name();
    match args.value("-h") {
        Some(given) if given != local => Err(messages::foreign_server(given, &local)),
        _ => Ok(local),
    }
}

/// Whether `name` follows the manual's group naming rule: 1 to 64 characters
/// of `[A-Za-z0-9-_#.]`, the first alphanumeric.
pub fn valid_group_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'#' | b'.'))
}

/// What an operation command works on: `fromVolumeName toVolumeName`, or
/// `-Xgroup groupName [-Xreverse]`, entered under the exclusion rules.
pub struct Scope {
    /// This Managed Server's name.
    pub local: String,
    /// The group of `-Xgroup`.
    pub group: Option<String>,
    /// The pairs, in the order they are processed.
    pub targets: Vec<Target>,
    /// The part of the list the targets come from (see [`ListStore::load_about`]).
    pub list: ReplicationList,
    guard: Guard,
}

impl Scope {
    /// Parses the operands of an operation command `spec`, enters it (refused
    /// while an excluding command runs), reads the list and resolves the pair or
    /// group. A pair named by operands must be in the list (`swsrp1302`), a
    /// group must have pairs (`swsrp1304`); either refused when backup
    /// management is working on one of its volumes (`swsrp1010`).
    pub fn enter(args: &Args, spec: &Spec) -> Result<Scope, Failure> {
        let group = args.value("-Xgroup").map(str::to_string);
        match (&group, args.operands.len()) {
            (Some(_), 0) | (None, 2) => {}
            (Some(_), _) => {
                return Err(messages::usage(
                    "-Xgroup replaces the volume operands",
                    spec.usage,
                ))
            }
            (None, _) => {
                return Err(messages::usage(
                    "Give fromVolumeName and toVolumeName, or -Xgroup",
                    spec.usage,
                ))
            }
        }
        if args.has("-Xreverse") && group.is_none() {
            return Err(messages::usage(
                "-Xreverse is valid only with -Xgroup",
                spec.usage,
            ));
        }
        if let Some(g) = &group {
            if !valid_group_name(g) {
                return Err(messages::bad_group_name(g));
            }
        }
        let local = server(args)?;
        let operands = if group.is_none() {
            Some((
                volume::parse(&args.operands[0], &local)?,
                volume::parse(&args.operands[1], &local)?,
            ))
        } else {
            None
        };
        let first = match &group {
            Some(g) => format!("GROUP={g}"),
            None => args.operands.join(" "),
        };
        let guard = exclusion::enter(spec.name, Some(&first))?;
        // Only the pairs of the named volumes or group.
        let list = match (&operands, &group) {
            (Some((from, to)), _) => {
                ListStore::open().load_about(&[from.qualified(), to.qualified()], None)?
            }
            (None, g) => ListStore::open().load_about(&[], g.as_deref())?,
        };
        let targets = match (&operands, &group) {
            (Some((from, to)), _) => vec![pair::of_operands(&list, from, to)?],
            (None, Some(g)) => pair::of_group(&list, g, args.has("-Xreverse"))?,
            (None, None) => unreachable!("checked above"),
        };
        let scope = Scope {
            local,
            group,
            targets,
            list,
            guard,
        };
        // Name every volume in the holder record: backup management checks it.
        scope
            .guard
            .set_target(spec.name, Some(&scope.volume_names().join(" ")));
        for t in &scope.targets {
            for v in [&t.pair.original, &t.pair.replica] {
                check_backup_idle(v, &scope.local)?;
            }
        }
        Ok(scope)
    }

    /// `dev@srv` of every volume in scope.
    pub fn volume_names(&self) -> Vec<String> {
        self.targets
            .iter()
            .flat_map(|t| [t.pair.original.qualified(), t.pair.replica.qualified()])
            .collect()
    }

    /// Whether the command works on a group.
    pub fn is_group(&self) -> bool {
        self.group.is_some()
    }

    /// Runs `f` on each target in order, stopping at the first error (manual:
    /// "processing is terminated immediately if an error occurs"). In the pair
    /// form, prints `FROM=...,TO=... <command> completed` after success; the
    /// group form prints `GROUP=<name> <command> completed` once all succeeded.
    pub fn each(
        &self,
        command: &str,
        mut f: impl FnMut(&Target) -> Result<(), Failure>,
    ) -> Result<(), Failure> {
        for t in &self.targets {
            f(t)?;
            if self.group.is_none() {
                println!("{} {command} completed", t.label());
            }
        }
        self.group_completed(command);
        Ok(())
    }

    /// Prints the group completion line (nothing in the pair form).
    pub fn group_completed(&self, command: &str) {
        if let Some(g) = &self.group {
            println!("GROUP={g} {command} completed");
        }
    }

    /// The non-operation server's volume status check of a server-to-server
    /// operation: each volume of another server is checked there
    /// ([`crate::peer::Request::Check`]). `-m` skips it, with every other
    /// communication with that server.
    pub fn check_remote_volumes(&self, skip: bool) -> Result<(), Failure> {
        if skip {
            return Ok(());
        }
        // A pair this server may not operate is refused by the operation-server
        // check, without asking its peer anything.
        let operable = self
            .targets
            .iter()
            .filter(|t| pair::is_operation_server(&t.pair, &self.local));
        for t in operable {
            for v in [&t.pair.original, &t.pair.replica] {
                if v.server != self.local {
                    crate::peer::call(
                        &v.server,
                        &crate::peer::Request::Check { volume: v.clone() },
                    )?;
                }
            }
        }
        Ok(())
    }

    /// Refuses `t` when this server is not an operation server of it.
    pub fn check_operation_server(&self, t: &Target) -> Result<(), Failure> {
        pair::check_operation_server(t, &self.local)
    }
}

/// Refuses when a backup management command is working on volume `v` of this
/// server (the cross-function rule: "Backup management is executing a process
/// for the source or destination volume").
pub fn check_backup_idle(v: &Volume, local: &str) -> Result<(), Failure> {
    if v.server != local {
        return Ok(());
    }
    match acm_model::rules::backup_holder(&v.device) {
        Some(r) => Err(messages::backup_busy(&v.qualified(), &r.describe())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names() {
        assert!(valid_group_name("GRP1"));
        assert!(valid_group_name("a-b_c#d.e"));
        assert!(valid_group_name(&"a".repeat(64)));
        assert!(!valid_group_name(&"a".repeat(65)));
        assert!(!valid_group_name("-GRP"));
        assert!(!valid_group_name("GRP 1"));
        assert!(!valid_group_name(""));
        assert!(!valid_group_name("GRP/1"));
    }
}
