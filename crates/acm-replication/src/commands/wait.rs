//! swsrpwait: waits until a pair, or every pair of a group, reaches a status,
//! so a script need not poll `swsrpstat` in a loop (the suite's addition, in
//! the manner of Hitachi CCI's `pairevtwait`).
//!
//! ```text
//! swsrpwait [-h serverName] [-t seconds] [-s status] fromVolumeName toVolumeName
//! swsrpwait [-h serverName] [-t seconds] [-s status] -Xgroup groupName
//! ```
//!
//! The status is the word `swsrpstat` prints in its Status column. Without
//! `-s` the command waits for the end of the copy under way: `sync` to
//! `equivalent`, a `snap` physical copy to its end, `readying` to a start; a
//! pair whose copy is not under way has reached it already. Exit status: 0
//! reached; 1 when a copy failed, halted, cannot be seen, or its session
//! vanished (a message ID each); 3 when `-t` seconds passed first; 2 usage.
//! It takes no command lock, so it never holds up the commands it waits for.

use super::{server, valid_group_name};
use crate::list::{ListStore, Pair};
use crate::messages;
use crate::session::{self, Wording, NONE};
use crate::volume;
use acm_core::cli::{Argv, Spec};
use acm_core::msg::{Failure, Family};
use acm_manager::forward;
use std::process::ExitCode;
use std::time::{Duration, Instant};

pub const SWSRPWAIT: Spec = Spec {
    name: "swsrpwait",
    family: Family::Replication,
    flags: &[],
    valued: &["-h", "-t", "-s", "-Xgroup"],
    exclusive: &[],
    operands: (0, 2),
    usage: "swsrpwait [-h serverName] [-t seconds] [-s status] \
            (fromVolumeName toVolumeName | -Xgroup groupName)",
};

/// The Status words a pair can be waited for (those of `swsrpstat` that are
/// not a failure).
pub const WAITABLE: &[&str] = &[
    NONE,
    "readying",
    "sync",
    "equivalent",
    "replicated",
    "snap",
    "copy-on-write",
    "copy-on-write(active)",
    "copy-on-write(inactive)",
];

/// How often the array is asked.
const POLL: Duration = Duration::from_millis(200);

/// Where one pair stands against the target.
enum Step {
    Reached,
    Waiting,
    Failed(Failure),
}

/// Whether `status` (of a pair `started` in that status) has reached `want`,
/// or the end of the copy under way when `want` is `None`.
fn step(names: &str, status: &str, want: Option<&str>, first: &str) -> Step {
    if status.starts_with("failed") {
        return Step::Failed(messages::wait_failed(names, status));
    }
    if status.starts_with("halt") {
        return Step::Failed(messages::wait_halted(names, status));
    }
    if status == "?????" {
        return Step::Failed(messages::wait_unobtainable(names));
    }
    match want {
        Some(w) if status == w => Step::Reached,
        // A session that was there and is gone will never reach the status.
        Some(_) if status == NONE && first != NONE => Step::Failed(messages::wait_vanished(names)),
        Some(_) if status == NONE => Step::Failed(messages::wait_no_session(names)),
        Some(_) => Step::Waiting,
        None if matches!(status, "sync" | "snap" | "readying") => Step::Waiting,
        None => Step::Reached,
    }
}

/// `swsrpwait`.
pub fn swsrpwait(argv: Argv) -> ExitCode {
    forward::run(&SWSRPWAIT, argv, |args| {
        let group = args.value("-Xgroup");
        match (group, args.operands.len()) {
            (Some(_), 0) | (None, 2) => {}
            _ => {
                return Err(messages::usage(
                    "Give fromVolumeName toVolumeName or -Xgroup groupName",
                    SWSRPWAIT.usage,
                ))
            }
        }
        if let Some(g) = group {
            if !valid_group_name(g) {
                return Err(messages::bad_group_name(g));
            }
        }
        let want = args.value("-s");
        if let Some(w) = want {
            if !WAITABLE.contains(&w) {
                return Err(SWSRPWAIT.not_a_status(w, WAITABLE));
            }
        }
        let limit = SWSRPWAIT.time_limit(args)?;
        let local = server(args)?;
        let list = ListStore::open().load()?;
        let pairs: Vec<Pair> = match group {
            Some(g) => {
                let p: Vec<Pair> = list.group(g).into_iter().cloned().collect();
                if p.is_empty() {
                    return Err(messages::no_group(g));
                }
                p
            }
            None => {
                let from = volume::parse(&args.operands[0], &local)?;
                let to = volume::parse(&args.operands[1], &local)?;
                let found = list.pairs.iter().find(|p| {
                    (p.original.is(&from.device, &from.server)
                        && p.replica.is(&to.device, &to.server))
                        || (p.original.is(&to.device, &to.server)
                            && p.replica.is(&from.device, &from.server))
                });
                match found {
                    Some(p) => vec![p.clone()],
                    None => return Err(messages::not_set(&from.qualified(), &to.qualified())),
                }
            }
        };
        let started = Instant::now();
        let status_of = |p: &Pair| -> Result<String, Failure> {
            let seen = session::observe(p)?;
            Ok(session::row(&local, p, &seen, false, Wording::default())
                .status
                .into_owned())
        };
        let mut first = Vec::with_capacity(pairs.len());
        for p in &pairs {
            first.push(status_of(p)?);
        }
        loop {
            let mut waiting = None;
            for (p, first) in pairs.iter().zip(&first) {
                let names = format!("{} and {}", p.original.qualified(), p.replica.qualified());
                match step(&names, &status_of(p)?, want, first) {
                    Step::Failed(f) => return Err(f),
                    Step::Waiting => {
                        waiting.get_or_insert(names);
                    }
                    Step::Reached => {}
                }
            }
            let Some(names) = waiting else {
                return Ok(());
            };
            if let Some(limit) = limit {
                if started.elapsed() >= limit {
                    return Err(messages::wait_timeout(
                        &names,
                        want.unwrap_or("the end of the copy"),
                        limit.as_secs(),
                    ));
                }
            }
            std::thread::sleep(POLL);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: Step) -> String {
        match s {
            Step::Reached => "reached".into(),
            Step::Waiting => "waiting".into(),
            Step::Failed(f) => f.message.id,
        }
    }

    #[test]
    fn steps_toward_a_status() {
        assert_eq!(id(step("p", "sync", None, "sync")), "waiting");
        assert_eq!(id(step("p", "equivalent", None, "sync")), "reached");
        assert_eq!(id(step("p", "snap", None, "snap")), "waiting");
        assert_eq!(id(step("p", "----", None, "snap")), "reached");
        assert_eq!(
            id(step("p", "replicated", Some("replicated"), "sync")),
            "reached"
        );
        assert_eq!(id(step("p", "sync", Some("equivalent"), "sync")), "waiting");
        assert_eq!(
            id(step("p", "----", Some("equivalent"), "sync")),
            "swsrp3004"
        );
        assert_eq!(
            id(step("p", "----", Some("equivalent"), "----")),
            "swsrp3005"
        );
        assert_eq!(id(step("p", "failed", None, "sync")), "swsrp3001");
        assert_eq!(
            id(step("p", "halt(sync)", Some("equivalent"), "sync")),
            "swsrp3002"
        );
        assert_eq!(id(step("p", "?????", None, "sync")), "swsrp3003");
    }
}
