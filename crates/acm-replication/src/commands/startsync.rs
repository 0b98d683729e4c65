//! `swsrpstartsync`: starts or resumes synchronous replication (EC within a box,
//! REC between boxes), manual 8.3.2.1 and Table 8.5.
//!
//! Per state of the pair in the direction given:
//!
//! | state | processing |
//! |---|---|
//! | no session | total copy (EC or REC) |
//! | `sync`, `equivalent` | `swsrp2401` on standard output, normal end (the completion line follows) |
//! | `replicated` | incremental copy (resume) |
//! | `halt`, `failed` | refused (`swsrp1507`) |
//! | snapshot session, `readying` | refused (`swsrp1508`) |
//! | a session in the other direction | refused (`swsrp1506`) |
//!
//! The mode options `-y -a -v -k -i -g -Xskip` are valid only when a total copy
//! starts between boxes; on a resume the mode options given must describe the
//! session's modes exactly (or be omitted). `-Xda` only at a start, `-Xremain`
//! only at an inter-box resume. The destination pre-processing (`RepDst.pre`)
//! runs before a start or resume, unless `-t`, `-Xgroup`, or `-m` with the
//! destination on another server; if the copy then cannot be started, the
//! destination post-processing undoes it.

use super::Scope;
use crate::copy::{self, StartOptions};
use crate::messages;
use crate::pair::Target;
use crate::scripts::{self, Script};
use crate::session::{self, State};
use acm_core::cli::Argv;
use acm_core::cli::{Args, Spec};
use acm_core::msg::Failure;
use acm_manager::forward;
use acm_scsi::model::{self as m, CopyKind};
use std::process::ExitCode;

pub const SWSRPSTARTSYNC: Spec = Spec {
    name: "swsrpstartsync",
    family: messages::F,
    flags: &[
        "-y",
        "-a",
        "-v",
        "-k",
        "-i",
        "-g",
        "-m",
        "-Xskip",
        "-Xremain",
        "-t",
        "-Xda",
        "-Xreverse",
    ],
    valued: &["-h", "-Xgroup"],
    exclusive: &[&["-y", "-k", "-i"], &["-a", "-v"], &["-Xskip", "-Xremain"]],
    operands: (0, 2),
    usage: "swsrpstartsync [-h serverName] [-y [-a | -v] | -k | -i] [-g] [-m] \
            [-Xskip | -Xremain] [-t] [-Xda] fromVolumeName toVolumeName | \
            swsrpstartsync [-h serverName] [-y [-a | -v] | -k | -i] [-g] [-m] \
            [-Xskip | -Xremain] [-t] [-Xda] [-Xreverse] -Xgroup groupName",
};

/// The mode options of `swsrpstartsync`.
const MODE_OPTIONS: [&str; 6] = ["-y", "-a", "-v", "-k", "-i", "-g"];

/// What `swsrpstartsync` was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StartSyncRequest {
    /// The REC modes the mode options describe; `None` when none was given.
    pub modes: Option<m::RecModes>,
    pub skip: bool,
    pub remain: bool,
    pub no_dst_pre: bool,
    pub no_peer: bool,
    pub no_access: bool,
}

impl StartSyncRequest {
    pub fn of(args: &Args) -> StartSyncRequest {
        let given = MODE_OPTIONS.iter().any(|o| args.has(o));
        StartSyncRequest {
            modes: given.then(|| modes_of(args)),
            skip: args.has("-Xskip"),
            remain: args.has("-Xremain"),
            no_dst_pre: args.has("-t"),
            no_peer: args.has("-m"),
            no_access: args.has("-Xda"),
        }
    }
}

/// The REC modes the options describe: transfer `-y` Sync, `-k` Stack, `-i`
/// Consistency, none Through; split `-v` Manual, else Auto; recovery `-g`
/// Manual, else Auto.
pub fn modes_of(args: &Args) -> m::RecModes {
    let transfer = if args.has("-y") {
        m::Transfer::Sync
    } else if args.has("-k") {
        m::Transfer::Stack
    } else if args.has("-i") {
        m::Transfer::Consistency
    } else {
        m::Transfer::Through
    };
    m::RecModes {
        transfer,
        split: if args.has("-v") {
            m::Split::Manual
        } else {
            m::Split::Auto
        },
        recovery: if args.has("-g") {
            m::Recovery::Manual
        } else {
            m::Recovery::Auto
        },
    }
}

/// Whether two REC mode sets are the same (the split mode counts only in
/// Synchronous transfer).
pub fn same_modes(a: &m::RecModes, b: &m::RecModes) -> bool {
    a.transfer == b.transfer
        && a.recovery == b.recovery
        && (a.transfer != m::Transfer::Sync || a.split == b.split)
}

/// The words of a mode set, as `swsrpstat` prints them (`Xfer/Split/Rcv`).
pub fn mode_words(r: &m::RecModes) -> String {
    let xfer = match r.transfer {
        m::Transfer::Sync => "sync",
        m::Transfer::Through => "async",
        m::Transfer::Stack => "stack",
        m::Transfer::Consistency => "consist",
    };
    let split = match (r.transfer, r.split) {
        (m::Transfer::Sync, m::Split::Auto) => "auto",
        (m::Transfer::Sync, m::Split::Manual) => "manual",
        _ => "----",
    };
    let rcv = match r.recovery {
        m::Recovery::Auto => "auto",
        m::Recovery::Manual => "manual",
    };
    format!("Xfer={xfer} Split={split} Rcv={rcv}")
}

pub fn swsrpstartsync(argv: Argv) -> ExitCode {
    forward::run(&SWSRPSTARTSYNC, argv, |args| {
        if (args.has("-a") || args.has("-v")) && !args.has("-y") {
            return Err(messages::usage(
                "-a and -v are valid only with -y",
                SWSRPSTARTSYNC.usage,
            ));
        }
        let req = StartSyncRequest::of(args);
        let scope = Scope::enter(args, &SWSRPSTARTSYNC)?;
        scope.check_remote_volumes(args.has("-m"))?;
        scope.each("swsrpstartsync", |t| start_sync(&scope, t, &req))
    })
}

/// What Table 8.5 says to do with a pair.
enum Action {
    Start,
    Resume(Box<session::Observed>),
    Already(State),
}

/// Starts or resumes synchronous processing of `t` (Table 8.5).
pub fn start_sync(scope: &Scope, t: &Target, req: &StartSyncRequest) -> Result<(), Failure> {
    scope.check_operation_server(t)?;
    t.check_direction()?;
    let kind = copy::sync_kind(t);
    let inter_box = kind == CopyKind::Rec;
    let seen = session::observe(&t.pair)?;
    let state = State::in_direction(&seen, t.reverse);
    let action = match state {
        State::Unobtainable => return Err(messages::status_unobtainable(&t.names())),
        State::NotStarted => {
            if let Some(o) = seen.against(t) {
                let word = session::status_word(State::of(&o.info), Default::default());
                return Err(messages::other_direction(&t.names(), &word));
            }
            Action::Start
        }
        State::Copying | State::Equivalent => Action::Already(state),
        State::Replicated => Action::Resume(Box::new(seen.toward(t).cloned().expect("replicated"))),
        State::Halt(_) | State::Failed(_) => {
            return Err(messages::sync_error_state(
                &t.names(),
                &session::status_word(state, Default::default()),
            ))
        }
        State::Readying
        | State::Snap { .. }
        | State::Tracking
        | State::CopyOnWrite
        | State::Generation { .. } => return Err(messages::snapshot_session(&t.names())),
    };
    let opts = match &action {
        Action::Already(state) => {
            println!(
                "{}",
                messages::already_syncing(
                    &t.label(),
                    &session::status_word(*state, Default::default())
                )
            );
            return Ok(());
        }
        Action::Start => {
            if (req.modes.is_some() || req.skip) && !inter_box {
                return Err(messages::mode_options_not_valid(&t.names()));
            }
            if req.remain {
                return Err(messages::remain_not_valid(&t.names()));
            }
            check_not_sdv(t)?;
            Some(StartOptions {
                rec: inter_box.then(|| req.modes.unwrap_or_else(|| modes_of(&Args::default()))),
                dest_access: if req.no_access {
                    m::DestAccess::NoAccess
                } else {
                    m::DestAccess::ReadOnly
                },
                skip_initial_copy: req.skip,
                define_only: false,
            })
        }
        Action::Resume(o) => {
            if req.no_access {
                return Err(messages::da_on_restart(&t.names()));
            }
            if req.skip || (req.modes.is_some() && o.info.kind != CopyKind::Rec) {
                return Err(messages::mode_options_not_valid(&t.names()));
            }
            if req.remain && o.info.kind != CopyKind::Rec {
                return Err(messages::remain_not_valid(&t.names()));
            }
            if let (Some(want), Some(have)) = (req.modes, o.info.rec) {
                if !same_modes(&want, &have) {
                    return Err(messages::mode_mismatch(
                        &t.names(),
                        &mode_words(&want),
                        &mode_words(&have),
                    ));
                }
            }
            check_not_sdv(t)?;
            None
        }
    };
    // Destination pre-processing (Table C.1), undone if the copy cannot start.
    let skip_pre =
        req.no_dst_pre || scope.is_group() || (req.no_peer && t.to().server != scope.local);
    let run_pre = !skip_pre;
    if run_pre {
        scripts::run(Script::DstPre, t.to(), &scope.local)?;
    }
    let done = match (&action, opts) {
        (Action::Start, Some(opts)) => copy::start(t, kind, opts).map(|_| ()),
        (Action::Resume(o), _) => copy::restart(&t.pair, o, req.remain, None),
        _ => unreachable!("decided above"),
    };
    if let Err(f) = done {
        if run_pre {
            let _ = scripts::run(Script::DstPost, t.to(), &scope.local);
        }
        return Err(f);
    }
    Ok(())
}

/// Refuses when either volume is a Snap Data Volume (the array would refuse the
/// EC/REC with "not supported").
pub fn check_not_sdv(t: &Target) -> Result<(), Failure> {
    for v in [t.from(), t.to()] {
        if copy::driver_at(v).sdv_stat(v.box_info.olu).is_ok() {
            return Err(messages::sync_sdv(&t.names(), &v.qualified()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Args {
        let mut argv: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        argv.extend(["/dev/a".to_string(), "/dev/b".to_string()]);
        SWSRPSTARTSYNC.parse(argv).unwrap()
    }

    #[test]
    fn modes_follow_the_options() {
        let r = modes_of(&args(&[]));
        assert_eq!(r.transfer, m::Transfer::Through);
        assert_eq!(r.recovery, m::Recovery::Auto);
        let r = modes_of(&args(&["-y", "-v", "-g"]));
        assert_eq!(
            (r.transfer, r.split, r.recovery),
            (m::Transfer::Sync, m::Split::Manual, m::Recovery::Manual)
        );
        assert_eq!(modes_of(&args(&["-k"])).transfer, m::Transfer::Stack);
        assert_eq!(modes_of(&args(&["-i"])).transfer, m::Transfer::Consistency);
        assert!(StartSyncRequest::of(&args(&[])).modes.is_none());
        assert!(StartSyncRequest::of(&args(&["-g"])).modes.is_some());
        assert!(SWSRPSTARTSYNC
            .parse(["-y", "-k", "/dev/a", "/dev/b"].map(String::from))
            .is_err());
        assert!(SWSRPSTARTSYNC
            .parse(["-Xskip", "-Xremain", "/dev/a", "/dev/b"].map(String::from))
            .is_err());
    }

    #[test]
    fn split_counts_only_in_sync_transfer() {
        let a = modes_of(&args(&["-k"]));
        let mut b = a;
        b.split = m::Split::Manual;
        assert!(same_modes(&a, &b));
        let s = modes_of(&args(&["-y"]));
        let mut v = s;
        v.split = m::Split::Manual;
        assert!(!same_modes(&s, &v));
        assert_eq!(mode_words(&s), "Xfer=sync Split=auto Rcv=auto");
    }
}
