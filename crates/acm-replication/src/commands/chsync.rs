//! `swsrpchsync`: changes the modes of inter-box synchronous replication (REC),
//! manual 8.3.2.5.
//!
//! `-F Sync|Async|Stack|Consist` (transfer; `Async` is Through), `-R
//! Auto|Manual` (recovery), `-S Auto|Manual` (split, with `-F Sync` or a session
//! already in Synchronous transfer); at least one is required. Only an REC
//! session in `sync` or `equivalent` in the direction given can be changed. With
//! `-Xgroup` every pair is checked before any is changed: one that cannot be
//! changed leaves the whole group as it was.

use super::Scope;
use crate::copy;
use crate::messages;
use crate::pair::Target;
use crate::session::{self, Observed, State};
use acm_core::cli::Argv;
use acm_core::cli::{Args, Spec};
use acm_core::msg::Failure;
use acm_manager::forward;
use acm_scsi::model::{self as m, CopyKind};
use std::process::ExitCode;

pub const SWSRPCHSYNC: Spec = Spec {
    name: "swsrpchsync",
    family: messages::F,
    flags: &["-Xreverse"],
    valued: &["-h", "-F", "-R", "-S", "-Xgroup"],
    exclusive: &[],
    operands: (0, 2),
    usage: "swsrpchsync [-h serverName] [-F {Sync|Async|Stack|Consist}] [-R {Auto|Manual}] \
            [-S {Auto|Manual}] fromVolumeName toVolumeName | \
            swsrpchsync [-h serverName] [-F {Sync|Async|Stack|Consist}] [-R {Auto|Manual}] \
            [-S {Auto|Manual}] [-Xreverse] -Xgroup groupName",
};

/// What `swsrpchsync` was asked to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChangeRequest {
    pub transfer: Option<m::Transfer>,
    pub recovery: Option<m::Recovery>,
    pub split: Option<m::Split>,
}

impl ChangeRequest {
    /// Parses `-F`, `-R`, `-S`; a usage error for a value the manual does not
    /// name, for no option at all, and for `-S` with `-F` other than `Sync`.
    pub fn of(args: &Args) -> Result<ChangeRequest, Failure> {
        let bad = |opt: &str, v: &str, allowed: &str| {
            messages::usage(
                &format!("The value {v} of {opt} is not valid ({allowed})"),
                SWSRPCHSYNC.usage,
            )
        };
        let transfer = args
            .value("-F")
            .map(|v| match v {
                "Sync" => Ok(m::Transfer::Sync),
                "Async" => Ok(m::Transfer::Through),
                "Stack" => Ok(m::Transfer::Stack),
                "Consist" => Ok(m::Transfer::Consistency),
                _ => Err(bad("-F", v, "Sync, Async, Stack or Consist")),
            })
            .transpose()?;
        let recovery = args
            .value("-R")
            .map(|v| match v {
                "Auto" => Ok(m::Recovery::Auto),
                "Manual" => Ok(m::Recovery::Manual),
                _ => Err(bad("-R", v, "Auto or Manual")),
            })
            .transpose()?;
        let split = args
            .value("-S")
            .map(|v| match v {
                "Auto" => Ok(m::Split::Auto),
                "Manual" => Ok(m::Split::Manual),
                _ => Err(bad("-S", v, "Auto or Manual")),
            })
            .transpose()?;
        if transfer.is_none() && recovery.is_none() && split.is_none() {
            return Err(messages::usage(
                "Specify at least one of -F, -R and -S",
                SWSRPCHSYNC.usage,
            ));
        }
        if split.is_some() && transfer.is_some_and(|t| t != m::Transfer::Sync) {
            return Err(messages::usage(
                "-S is valid only with -F Sync (or a session in Synchronous transfer mode)",
                SWSRPCHSYNC.usage,
            ));
        }
        Ok(ChangeRequest {
            transfer,
            recovery,
            split,
        })
    }

    /// The change to send for a session whose modes are `have`: `-F Sync`
    /// without `-S` from another transfer mode sets Automatic Split.
    pub fn change_for(&self, have: &m::RecModes) -> m::ModeChange {
        let split = match (self.split, self.transfer) {
            (Some(s), _) => Some(s),
            (None, Some(m::Transfer::Sync)) if have.transfer != m::Transfer::Sync => {
                Some(m::Split::Auto)
            }
            _ => None,
        };
        m::ModeChange {
            transfer: self.transfer,
            split,
            recovery: self.recovery,
        }
    }
}

pub fn swsrpchsync(argv: Argv) -> ExitCode {
    forward::run(&SWSRPCHSYNC, argv, |args| {
        let req = ChangeRequest::of(args)?;
        let scope = Scope::enter(args, &SWSRPCHSYNC)?;
        // Check every pair before changing any.
        let mut sessions = Vec::with_capacity(scope.targets.len());
        for t in &scope.targets {
            sessions.push(check_change(&scope, t, &req)?);
        }
        let mut next = sessions.into_iter();
        scope.each("swsrpchsync", |t| {
            let (o, change) = next.next().expect("one per target");
            copy::change_mode(&t.pair, &o, &change)
        })
    })
}

/// Checks that the modes of `t` can be changed as asked; returns its session
/// and the change to send.
pub fn check_change(
    scope: &Scope,
    t: &Target,
    req: &ChangeRequest,
) -> Result<(Observed, m::ModeChange), Failure> {
    scope.check_operation_server(t)?;
    t.check_direction()?;
    let seen = session::observe(&t.pair)?;
    let state = State::in_direction(&seen, t.reverse);
    match state {
        State::Unobtainable => return Err(messages::status_unobtainable(&t.names())),
        State::Halt(_) | State::Failed(_) => {
            return Err(messages::sync_error_state(
                &t.names(),
                &session::status_word(state, Default::default()),
            ))
        }
        State::Copying | State::Equivalent => {}
        _ => {
            return Err(messages::not_syncing(
                &t.names(),
                &session::status_word(state, Default::default()),
            ))
        }
    }
    let o = seen.toward(t).cloned().expect("a session in this state");
    let have = match (o.info.kind, o.info.rec) {
        (CopyKind::Rec, Some(r)) => r,
        _ => return Err(messages::not_rec(&t.names())),
    };
    if req.split.is_some() && req.transfer.is_none() && have.transfer != m::Transfer::Sync {
        return Err(messages::split_needs_sync(&t.names()));
    }
    Ok((o, req.change_for(&have)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(v: &[&str]) -> Result<ChangeRequest, Failure> {
        let mut argv: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        argv.extend(["/dev/a".to_string(), "/dev/b".to_string()]);
        ChangeRequest::of(&SWSRPCHSYNC.parse(argv).unwrap())
    }

    #[test]
    fn options() {
        assert_eq!(req(&[]).unwrap_err().status, 2);
        assert_eq!(req(&["-F", "Through"]).unwrap_err().status, 2);
        assert_eq!(req(&["-F", "Async", "-S", "Auto"]).unwrap_err().status, 2);
        assert_eq!(req(&["-R", "auto"]).unwrap_err().status, 2);
        let r = req(&["-F", "Async"]).unwrap();
        assert_eq!(r.transfer, Some(m::Transfer::Through));
        let through = m::RecModes {
            transfer: m::Transfer::Through,
            split: m::Split::Auto,
            recovery: m::Recovery::Auto,
        };
        let c = req(&["-F", "Sync"]).unwrap().change_for(&through);
        assert_eq!(c.split, Some(m::Split::Auto));
        let sync = m::RecModes {
            transfer: m::Transfer::Sync,
            split: m::Split::Manual,
            ..through
        };
        assert_eq!(req(&["-F", "Sync"]).unwrap().change_for(&sync).split, None);
        let c = req(&["-S", "Manual", "-R", "Manual"])
            .unwrap()
            .change_for(&sync);
        assert_eq!(
            (c.transfer, c.split, c.recovery),
            (None, Some(m::Split::Manual), Some(m::Recovery::Manual))
        );
    }
}
