//! `swsrprevsync`: reverses the direction of suspended synchronous replication,
//! manual 8.3.2.6.
//!
//! `fromVolumeName toVolumeName` name the pair in its current copy direction:
//! the EC/REC session copying from `fromVolumeName` must be `replicated`. After
//! the reversal it copies `toVolumeName` → `fromVolumeName`, still `replicated`,
//! and the completion line names the new direction (the manual's example:
//! `swsrprevsync /dev/vg03@TARG-SV /dev/vg03@SRC-SV` prints
//! `FROM=/dev/vg03@SRC-SV,TO=/dev/vg03@TARG-SV swsrprevsync completed`).
//! A one-way pair cannot be reversed. With `-Xgroup` every pair is checked
//! before any is reversed; a pair whose session already copies the other way
//! (`replicated`) is skipped.

use super::Scope;
use crate::copy;
use crate::list::Direction;
use crate::messages;
use crate::pair::Target;
use crate::session::{self, Observed, State};
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::msg::Failure;
use acm_manager::forward;
use std::process::ExitCode;

pub const SWSRPREVSYNC: Spec = Spec {
    name: "swsrprevsync",
    family: messages::F,
    flags: &["-Xreverse"],
    valued: &["-h", "-Xgroup"],
    exclusive: &[],
    operands: (0, 2),
    usage: "swsrprevsync [-h serverName] fromVolumeName toVolumeName | \
            swsrprevsync [-h serverName] [-Xreverse] -Xgroup groupName",
};

pub fn swsrprevsync(argv: Argv) -> ExitCode {
    forward::run(&SWSRPREVSYNC, argv, |args| {
        let scope = Scope::enter(args, &SWSRPREVSYNC)?;
        let mut plan: Vec<Option<Observed>> = Vec::with_capacity(scope.targets.len());
        for t in &scope.targets {
            plan.push(check_reverse(&scope, t)?);
        }
        for (t, o) in scope.targets.iter().zip(plan) {
            if let Some(o) = o {
                copy::reverse(&t.pair, &o)?;
            }
            if !scope.is_group() {
                println!("{} swsrprevsync completed", t.reversed().label());
            }
        }
        scope.group_completed("swsrprevsync");
        Ok(())
    })
}

/// Checks that `t` can be reversed; returns the session to reverse, or `None`
/// for a group member that already copies the other way.
pub fn check_reverse(scope: &Scope, t: &Target) -> Result<Option<Observed>, Failure> {
    scope.check_operation_server(t)?;
    if t.pair.direction == Direction::Uni {
        return Err(messages::one_way(&t.names()));
    }
    let seen = session::observe(&t.pair)?;
    let state = State::in_direction(&seen, t.reverse);
    match state {
        State::Replicated => return Ok(seen.toward(t).cloned()),
        State::Unobtainable => return Err(messages::status_unobtainable(&t.names())),
        State::NotStarted
            if scope.is_group() && State::in_direction(&seen, !t.reverse) == State::Replicated =>
        {
            return Ok(None)
        }
        _ => {}
    }
    let word = match (state, seen.against(t)) {
        (State::NotStarted, Some(o)) => format!(
            "{} in the other direction",
            session::status_word(State::of(&o.info), Default::default())
        ),
        _ => session::status_word(state, Default::default()),
    };
    Err(messages::not_established(&t.names(), &word))
}
