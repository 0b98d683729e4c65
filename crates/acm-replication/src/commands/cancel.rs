//! swsrpcancel: replication cancellation (manual 8.3.2.4).
//!
//! Stops the copy session of a pair in the direction given (Tables 8.7-8.9):
//!
//! - without `-T`: an EC/REC session (`sync`, `equivalent`, `replicated`, and
//!   `halt`/`failed`), a snapshot (`snap`, tracking ended too), tracking
//!   (`----`/`on`), SnapOPC/SnapOPC+ (`copy-on-write*`; SnapOPC+ only the oldest
//!   generation unless `-Xforce`); a copy in the other direction or no session
//!   is refused;
//! - `-T`: only QuickOPC tracking (`snap`/`on`: tracking ends, the physical copy
//!   goes on; `----`/`on`: the session ends); every other state is refused;
//! - `-Xforce`: SnapOPC+ only, the generation and every older one;
//! - `-b`: only a halted session; within one server it is stopped in either box
//!   (success when one box accepts), between servers in the box of the local
//!   volume; allowed on a non-operation server;
//! - `-c`: only from a non-operation server, without scripts.
//!
//! Scripts (Table C.1) run only when the session is `equivalent`: `RepSrc.pre`
//! before, `RepSrc.post` and `RepDst.post` after; `-f` skips the source's,
//! `-t` the destination's post-processing, `-m` those of volumes on other
//! servers; `-c` and `-Xgroup` run none.
//!
//! With `-Xgroup`, nothing is cancelled when no pair of the group has a session
//! in the group's direction (with `-b`: none halted; `-T`: none tracking;
//! `-Xforce`: none SnapOPC+). Then pairs are processed in list order, stopping at
//! the first error; pairs without such a session are skipped, a pair whose only
//! session runs the other way is an error (unless `-b`, `-T` or `-Xforce`
//! select which sessions to stop, when it is skipped).

use super::Scope;
use crate::copy::{self, CancelOptions};
use crate::messages;
use crate::pair::{self, Target};
use crate::scripts::{self, Script};
use crate::session::{self, Observed, Seen, State};
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::msg::{Failure, Family};
use acm_manager::forward;
use acm_scsi::model::CopyKind;
use std::process::ExitCode;

pub const SWSRPCANCEL: Spec = Spec {
    name: "swsrpcancel",
    family: Family::Replication,
    flags: &["-c", "-f", "-t", "-m", "-b", "-T", "-Xforce", "-Xreverse"],
    valued: &["-h", "-Xgroup"],
    exclusive: &[
        &["-T", "-Xforce"],
        &["-T", "-f"],
        &["-T", "-t"],
        &["-T", "-m"],
        &["-T", "-b"],
        &["-Xforce", "-f"],
        &["-Xforce", "-t"],
        &["-Xforce", "-m"],
        &["-Xforce", "-b"],
    ],
    operands: (0, 2),
    usage: "swsrpcancel [-h serverName] [-c] {[[-f] [-t] [-m] [-b]] | [-T] | [-Xforce]} \
            fromVolumeName toVolumeName | \
            swsrpcancel [-h serverName] [-c] {[[-f] [-t] [-m] [-b]] | [-T] | [-Xforce]} \
            [-Xreverse] -Xgroup groupName",
};

/// The options of `swsrpcancel` that decide what is stopped and how.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CancelFlags {
    /// `-c`: from a non-operation server, no scripts.
    pub c: bool,
    /// `-f`: no source scripts.
    pub f: bool,
    /// `-t`: no destination post-processing.
    pub t: bool,
    /// `-m`: no scripts for volumes of other servers.
    pub m: bool,
    /// `-b`: only a halted session.
    pub halted: bool,
    /// `-T`: only tracking.
    pub tracking: bool,
    /// `-Xforce`: SnapOPC+ with older generations.
    pub force: bool,
}

impl CancelFlags {
    /// Whether an option selects which sessions a group stops.
    fn filters(self) -> bool {
        self.halted || self.tracking || self.force
    }
}

/// What to do with one pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelPlan {
    /// Nothing to stop (group form only).
    Skip,
    /// Stop session `session` with `opts`; `scripts` when it is `equivalent`.
    Cancel {
        session: Box<Observed>,
        opts: CancelOptions,
        scripts: bool,
    },
}

/// Decides what to do with target `t` whose sessions are `seen` (Tables
/// 8.7-8.9). In the group form a pair without a matching session is skipped.
pub fn cancel_plan(
    t: &Target,
    seen: &Seen,
    f: CancelFlags,
    group: bool,
) -> Result<CancelPlan, Failure> {
    let names = t.names();
    if *seen == Seen::Unobtainable {
        return Err(messages::cancel_unobtainable(&names));
    }
    let Some(o) = seen.toward(t) else {
        if group && (f.filters() || seen.against(t).is_none()) {
            return Ok(CancelPlan::Skip);
        }
        if seen.against(t).is_some() {
            return Err(messages::cancel_reverse_copy(&names));
        }
        return Err(if f.tracking {
            messages::cancel_no_tracking(&names)
        } else if f.halted {
            messages::cancel_not_halted(&names)
        } else {
            messages::cancel_no_copy(&names)
        });
    };
    let state = State::of(&o.info);
    let skip_or = |e: Failure| if group { Ok(CancelPlan::Skip) } else { Err(e) };
    let cancel = |opts: CancelOptions, scripts: bool| {
        Ok(CancelPlan::Cancel {
            session: Box::new(o.clone()),
            opts,
            scripts,
        })
    };
    if f.tracking {
        return match state {
            State::Snap { tracking: true } | State::Tracking => cancel(
                CancelOptions {
                    tracking_only: true,
                    ..Default::default()
                },
                false,
            ),
            _ => skip_or(messages::cancel_no_tracking(&names)),
        };
    }
    if f.force {
        if o.info.kind != CopyKind::SnapOpcPlus {
            return skip_or(messages::cancel_not_snapopc_plus(&names));
        }
        return cancel(
            CancelOptions {
                with_older_generations: true,
                ..Default::default()
            },
            false,
        );
    }
    if f.halted {
        if !matches!(state, State::Halt(_)) {
            return skip_or(messages::cancel_not_halted(&names));
        }
        return cancel(
            CancelOptions {
                only_if_halted: true,
                ..Default::default()
            },
            false,
        );
    }
    if let State::Generation { number, .. } = state {
        if number != 1 {
            return Err(messages::cancel_not_oldest(&names, number));
        }
    }
    cancel(
        CancelOptions::default(),
        state == State::Equivalent && !f.c && !group,
    )
}

pub fn swsrpcancel(argv: Argv) -> ExitCode {
    forward::run(&SWSRPCANCEL, argv, |args| {
        let f = CancelFlags {
            c: args.has("-c"),
            f: args.has("-f"),
            t: args.has("-t"),
            m: args.has("-m"),
            halted: args.has("-b"),
            tracking: args.has("-T"),
            force: args.has("-Xforce"),
        };
        let scope = Scope::enter(args, &SWSRPCANCEL)?;
        // -c and -b are the release functions for a server that is gone: they
        // do not ask it anything.
        scope.check_remote_volumes(args.has("-m") || f.c || f.halted)?;
        // Who may cancel: -c only off the operation server; -b anywhere; the
        // rest only on the operation server. Checked for every pair first.
        for t in &scope.targets {
            let op = pair::is_operation_server(&t.pair, &scope.local);
            if f.c && op {
                return Err(messages::cancel_c_on_operation_server(
                    &t.names(),
                    &scope.local,
                ));
            }
            if !f.c && !f.halted {
                scope.check_operation_server(t)?;
            }
        }
        if let Some(g) = &scope.group {
            check_group(&scope, g, f)?;
        }
        scope.each("swsrpcancel", |t| {
            let seen = session::observe(&t.pair)?;
            match cancel_plan(t, &seen, f, scope.is_group())? {
                CancelPlan::Skip => Ok(()),
                CancelPlan::Cancel {
                    session,
                    opts,
                    scripts,
                } => run(&scope.local, t, &session, opts, scripts, f),
            }
        })
    })
}

/// Refuses a group in which nothing would be stopped, before stopping anything.
fn check_group(scope: &Scope, group: &str, f: CancelFlags) -> Result<(), Failure> {
    let mut any = false;
    for t in &scope.targets {
        let seen = session::observe(&t.pair)?;
        if let Ok(CancelPlan::Cancel { .. }) = cancel_plan(t, &seen, f, true) {
            any = true;
        }
    }
    if any {
        return Ok(());
    }
    let subject = format!("GROUP={group}");
    Err(if f.tracking {
        messages::cancel_no_tracking(&subject)
    } else if f.halted {
        messages::cancel_not_halted(&subject)
    } else if f.force {
        messages::cancel_not_snapopc_plus(&subject)
    } else {
        messages::cancel_no_copy(&subject)
    })
}

/// Stops `o` of target `t`, with the scripts of an `equivalent` session.
fn run(
    local: &str,
    t: &Target,
    o: &Observed,
    opts: CancelOptions,
    with_scripts: bool,
    f: CancelFlags,
) -> Result<(), Failure> {
    if opts.only_if_halted {
        return cancel_halted(local, t, o, opts);
    }
    if !with_scripts {
        return copy::cancel(&t.pair, o, opts);
    }
    let label = t.label();
    let wanted = |v: &crate::list::Volume| !f.m || v.server == local;
    let mut steps = Vec::new();
    if !f.f && wanted(t.from()) {
        steps.push((Script::SrcPre, t.from()));
    }
    let done = scripts::prepare(&label, &steps, local)?;
    if let Err(e) = copy::cancel(&t.pair, o, opts) {
        let _ = scripts::undo(&label, &done, local);
        return Err(e);
    }
    scripts::undo(&label, &done, local)?;
    if !f.t && wanted(t.to()) {
        scripts::run(Script::DstPost, t.to(), local)?;
    }
    Ok(())
}

/// `-b`: within one server, stop the halted session in either box (success if
/// one accepts); between servers, only in the box of this server's volume.
fn cancel_halted(
    local: &str,
    t: &Target,
    o: &Observed,
    opts: CancelOptions,
) -> Result<(), Failure> {
    if pair::is_server_to_server(&t.pair) {
        let here = if t.pair.original.server == local {
            &t.pair.original
        } else {
            &t.pair.replica
        };
        return copy::cancel_at(here, o, opts);
    }
    let first = copy::owner_volume(&t.pair, &o.info);
    let other = if std::ptr::eq(first, &t.pair.original) {
        &t.pair.replica
    } else {
        &t.pair.original
    };
    match copy::cancel_at(first, o, opts) {
        Ok(()) => Ok(()),
        Err(e) => copy::cancel_at(other, o, opts).map_err(|_| e),
    }
}
