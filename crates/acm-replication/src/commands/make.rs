//! `swsrpmake`: creates a replica (manual 8.3.2.2).
//!
//! With synchronous processing (EC/REC) in this direction the pair must be
//! `equivalent` and is suspended (`replicated`); `-j` suspends an inter-box pair
//! by force from `sync` or `halt`; `-Xconcur` suspends with Concurrent Suspend
//! (one call per owner box for a group). Otherwise a snapshot is taken: OPC,
//! QuickOPC (`-T`, Table 8.6), SnapOPC (`-C`) or SnapOPC+ (`-P`), or with
//! `-Xconcur-opc` a Concurrent OPC over the whole group. Scripts follow Table
//! C.1; none run for `-j` or `-Xgroup`.

use super::Scope;
use crate::copy::{self, CancelOptions, StartOptions};
use crate::list::Volume;
use crate::messages;
use crate::pair::Target;
use crate::scripts::{self, Script};
use crate::session::{self, Observed, Seen, State};
use acm_core::cli::Argv;
use acm_core::cli::{Args, Spec};
use acm_core::ini::{ConfigError, Ini, Syntax};
use acm_core::msg::{Failure, Family};
use acm_manager::forward;
use acm_scsi::model::{self as m, CopyError, CopyKind};
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Duration;

pub const SWSRPMAKE: Spec = Spec {
    name: "swsrpmake",
    family: Family::Replication,
    flags: &[
        "-m",
        "-f",
        "-t",
        "-j",
        "-Xconcur",
        "-T",
        "-C",
        "-P",
        "-Xconcur-opc",
        "-Xreverse",
    ],
    valued: &["-h", "-Xgroup"],
    // One of the synchronized-only and snapshot-only options; -Xconcur-opc is
    // snapshot-only and combines with -T/-C/-P.
    exclusive: &[
        &["-j", "-Xconcur", "-T", "-C", "-P"],
        &["-j", "-Xconcur", "-Xconcur-opc"],
    ],
    operands: (0, 2),
    usage: "swsrpmake [-h serverName] [-m] [-f] [-t] ([-j | -Xconcur] | [-T | -C | -P]) \
            fromVolumeName toVolumeName | swsrpmake [-h serverName] [-m] [-f] [-t] \
            ([-j | -Xconcur] | [-T | -C | -P] [-Xconcur-opc]) [-Xreverse] -Xgroup groupName",
};

/// What `swsrpmake` was asked to do beyond the pair or group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MakeOptions {
    /// `-m`: no scripts for volumes of another server.
    pub no_remote: bool,
    /// `-f`: no source scripts.
    pub no_src: bool,
    /// `-t`: no destination scripts.
    pub no_dst: bool,
    /// `-j`: forced suspend (REC).
    pub forced: bool,
    /// `-Xconcur`: Concurrent Suspend.
    pub concur: bool,
    /// `-T`, `-C`, `-P`, or ordinary OPC.
    pub snap: CopyKind,
    /// `-T`, `-C` or `-P` was given.
    pub snap_given: bool,
    /// `-Xconcur-opc`.
    pub concur_opc: bool,
}

impl MakeOptions {
    pub fn of(args: &Args) -> MakeOptions {
        let snap = if args.has("-T") {
            CopyKind::QuickOpc
        } else if args.has("-C") {
            CopyKind::SnapOpc
        } else if args.has("-P") {
            CopyKind::SnapOpcPlus
        } else {
            CopyKind::Opc
        };
        MakeOptions {
            no_remote: args.has("-m"),
            no_src: args.has("-f"),
            no_dst: args.has("-t"),
            forced: args.has("-j"),
            concur: args.has("-Xconcur"),
            snap,
            snap_given: args.has("-T") || args.has("-C") || args.has("-P"),
            concur_opc: args.has("-Xconcur-opc"),
        }
    }
}

pub fn swsrpmake(argv: Argv) -> ExitCode {
    forward::run(&SWSRPMAKE, argv, |args| {
        if args.has("-Xconcur-opc") && args.value("-Xgroup").is_none() {
            return Err(messages::usage(
                "-Xconcur-opc is valid only with -Xgroup",
                SWSRPMAKE.usage,
            ));
        }
        let opts = MakeOptions::of(args);
        let scope = Scope::enter(args, &SWSRPMAKE)?;
        scope.check_remote_volumes(args.has("-m"))?;
        make(&scope, opts)
    })
}

// ---------------------------------------------------------------- check.ini

/// `check.ini` of replication management: `[check]` settings of Concurrent
/// Suspend and Concurrent OPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckIni {
    /// `ConcurCheckTimeout`: seconds (1..=2147483647, default 60).
    pub concur_check_timeout: u64,
    /// `ConcurOPCCascade`: `No` disables update-order preservation.
    pub concur_opc_cascade: bool,
}

/// Default of `ConcurCheckTimeout`, also used for values out of range.
pub const DEFAULT_CONCUR_TIMEOUT: u64 = 60;

impl Default for CheckIni {
    fn default() -> Self {
        CheckIni {
            concur_check_timeout: DEFAULT_CONCUR_TIMEOUT,
            concur_opc_cascade: true,
        }
    }
}

impl CheckIni {
    /// Reads `<root>/etc/opt/FJSVswsrp/data/DEFAULT/check.ini`: the defaults
    /// when there is none; a damaged one is refused (`swsrp0005`).
    pub fn load() -> Result<CheckIni, Failure> {
        let path = acm_core::paths::data_dir(acm_core::program::Package::Replication)
            .join("DEFAULT/check.ini");
        let bad = |e: ConfigError| Failure::bad_config(messages::F, &e);
        match Ini::load(&path, CHECK_INI).map_err(bad)? {
            None => Ok(CheckIni::default()),
            Some(ini) => CheckIni::of(&ini).map_err(bad),
        }
    }

    /// The settings of a parsed `check.ini`: keys of the `[check]` section,
    /// names in any case. A `ConcurCheckTimeout` that is not a decimal
    /// number is malformed; a number out of range gives the default (the
    /// manual). `ConcurOPCCascade=No` disables, any other value enables.
    pub fn of(ini: &Ini) -> Result<CheckIni, ConfigError> {
        let mut out = CheckIni::default();
        if let Some(e) = ini.get("check", "ConcurCheckTimeout") {
            let digits = e.value.strip_prefix(['+', '-']).unwrap_or(&e.value);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ini.malformed(
                    e,
                    format!("ConcurCheckTimeout={} is not a number of seconds", e.value),
                ));
            }
            out.concur_check_timeout = match e.value.parse::<u64>() {
                Ok(v) if (1..=2_147_483_647).contains(&v) => v,
                _ => DEFAULT_CONCUR_TIMEOUT,
            };
        }
        if let Some(e) = ini.get("check", "ConcurOPCCascade") {
            out.concur_opc_cascade = !e.value.eq_ignore_ascii_case("No");
        }
        Ok(out)
    }
}

/// `check.ini` keys count per section, in any case.
const CHECK_INI: Syntax = Syntax {
    sections: true,
    any_case: true,
};

// ---------------------------------------------------------------- the command

/// A target with what the array says about it now.
struct Seen1<'a> {
    t: &'a Target,
    seen: Seen,
}

fn is_sync_kind(k: CopyKind) -> bool {
    matches!(k, CopyKind::Ec | CopyKind::Rec)
}

/// The body of `swsrpmake` once the scope is entered.
pub fn make(scope: &Scope, opts: MakeOptions) -> Result<(), Failure> {
    // Checks that refuse before anything is copied, for every target.
    let mut seen: Vec<Seen1> = Vec::new();
    for t in &scope.targets {
        scope.check_operation_server(t)?;
        t.check_direction()?;
        let s = session::observe(&t.pair)?;
        if s == Seen::Unobtainable {
            return Err(messages::make_unobtainable(&t.names()));
        }
        seen.push(Seen1 { t, seen: s });
    }
    if let Some(g) = &scope.group {
        let sync = seen.iter().any(|x| has_sync(&x.seen));
        let snap = seen.iter().any(|x| {
            x.seen
                .toward(x.t)
                .is_some_and(|o| !is_sync_kind(o.info.kind))
        });
        if sync && snap {
            return Err(messages::group_mixed(g));
        }
        if opts.concur_opc {
            return concurrent_opc(scope, g, &seen, opts);
        }
        if opts.concur {
            return concurrent_suspend(scope, &seen);
        }
    }
    let ini = if opts.concur {
        CheckIni::load()?
    } else {
        CheckIni::default()
    };
    let mut it = seen.iter();
    scope.each("swsrpmake", |t| {
        let x = it.next().expect("one observation per target");
        debug_assert_eq!(x.t, t);
        make_one(scope, t, &x.seen, opts, &ini)
    })
}

fn has_sync(seen: &Seen) -> bool {
    match seen {
        Seen::Sessions(v) => v.iter().any(|o| is_sync_kind(o.info.kind)),
        Seen::Unobtainable => false,
    }
}

fn state_word(s: State) -> String {
    session::status_word(s, session::Wording::default())
}

/// One pair, in the pair form or one by one in a group.
fn make_one(
    scope: &Scope,
    t: &Target,
    seen: &Seen,
    opts: MakeOptions,
    ini: &CheckIni,
) -> Result<(), Failure> {
    let toward = seen.toward(t);
    let against = seen.against(t);
    if let Some(o) = toward.filter(|o| is_sync_kind(o.info.kind)) {
        return make_sync(scope, t, o, opts, ini);
    }
    if opts.forced || opts.concur {
        let state = State::in_direction(seen, t.reverse);
        let option = if opts.forced { "-j" } else { "-Xconcur" };
        if opts.forced && !copy::inter_box(t) {
            return Err(messages::forced_intra_box(&t.names()));
        }
        return Err(messages::no_sync(&t.names(), option, &state_word(state)));
    }
    if let Some(o) = against.filter(|o| is_sync_kind(o.info.kind)) {
        let state = State::of(&o.info);
        return Err(messages::not_equivalent(
            &t.names(),
            &format!("reverse {}", state_word(state)),
        ));
    }
    make_snapshot(scope, t, toward, against, opts)
}

/// Whether the scripts of volume `v` run (`-m`).
fn scripts_for(scope: &Scope, v: &Volume, opts: MakeOptions) -> bool {
    scope.group.is_none() && (!opts.no_remote || v.server == scope.local)
}

/// The pre-processing due before the copy: (script, volume) in Table C.1 order.
fn pre_steps<'a>(
    scope: &Scope,
    t: &'a Target,
    opts: MakeOptions,
    with_dst: bool,
) -> Vec<(Script, &'a Volume)> {
    let mut steps = Vec::new();
    if !opts.no_src && scripts_for(scope, t.from(), opts) {
        steps.push((Script::SrcPre, t.from()));
    }
    if with_dst && !opts.no_dst && scripts_for(scope, t.to(), opts) {
        steps.push((Script::DstPre, t.to()));
    }
    steps
}

/// Runs post-processing in order (source first), forgetting each done; the
/// first failure is returned after all have been tried.
fn post(scope: &Scope, label: &str, steps: &[(Script, &Volume)]) -> Result<(), Failure> {
    let mut first = None;
    for (script, v) in steps {
        match scripts::run(*script, v, &scope.local) {
            Ok(()) => scripts::forget(label, *script, v)?,
            Err(f) => {
                first.get_or_insert(f);
            }
        }
    }
    first.map_or(Ok(()), Err)
}

// ----- synchronous processing: suspend -----

fn make_sync(
    scope: &Scope,
    t: &Target,
    o: &Observed,
    opts: MakeOptions,
    ini: &CheckIni,
) -> Result<(), Failure> {
    let state = State::of(&o.info);
    if opts.snap_given {
        return Err(messages::sync_running(&t.names()));
    }
    let at = copy::owner_volume(&t.pair, &o.info);
    if opts.forced {
        if !copy::inter_box(t) {
            return Err(messages::forced_intra_box(&t.names()));
        }
        if !matches!(state, State::Copying | State::Equivalent | State::Halt(_)) {
            return Err(messages::no_sync(&t.names(), "-j", &state_word(state)));
        }
        // No scripts with -j.
        return copy::suspend(at, o.info.kind, &[o.info.id], true);
    }
    if state != State::Equivalent {
        return Err(messages::not_equivalent(&t.names(), &state_word(state)));
    }
    let label = t.label();
    let pre = pre_steps(scope, t, opts, false);
    let done = scripts::prepare(&label, &pre, &scope.local)?;
    let suspended = if opts.concur {
        concur_suspend_call(at, o.info.kind, &[o.info.id], ini)
    } else {
        copy::suspend(at, o.info.kind, &[o.info.id], false)
    };
    if let Err(f) = suspended {
        let _ = scripts::undo(&label, &done, &scope.local);
        return Err(f);
    }
    // Source post-processing undoes the source pre-processing; the destination
    // post-processing completes the pre-processing of swsrpstartsync.
    let mut posts: Vec<(Script, &Volume)> =
        done.iter().map(|(s, _)| (s.post(), t.from())).collect();
    if !opts.no_dst && scripts_for(scope, t.to(), opts) {
        posts.push((Script::DstPost, t.to()));
    }
    post(scope, &label, &posts)
}

/// One Concurrent Suspend call, its timeout mapped to `swsrp2709`.
fn concur_suspend_call(
    at: &Volume,
    kind: CopyKind,
    ids: &[m::SessionId],
    ini: &CheckIni,
) -> Result<(), Failure> {
    let mut d = copy::driver_at(at);
    let wait = Duration::from_secs(ini.concur_check_timeout);
    if wait > d.timeout() {
        d.set_timeout(wait);
    }
    d.suspend(ids, false).map_err(|e| match e.copy_error() {
        Some(CopyError::Timeout) => messages::concur_timeout(),
        _ => copy::refused(kind, at, &e),
    })
}

/// `-Xconcur -Xgroup`: every pair `equivalent`, then one suspend per owner box.
fn concurrent_suspend(scope: &Scope, seen: &[Seen1]) -> Result<(), Failure> {
    let ini = CheckIni::load()?;
    let mut boxes: BTreeMap<String, (&Volume, CopyKind, Vec<m::SessionId>)> = BTreeMap::new();
    for x in seen {
        let t = x.t;
        let Some(o) = x.seen.toward(t).filter(|o| is_sync_kind(o.info.kind)) else {
            let state = State::in_direction(&x.seen, t.reverse);
            return Err(messages::no_sync(
                &t.names(),
                "-Xconcur",
                &state_word(state),
            ));
        };
        let state = State::of(&o.info);
        if state != State::Equivalent {
            return Err(messages::not_equivalent(&t.names(), &state_word(state)));
        }
        let at = copy::owner_volume(&t.pair, &o.info);
        boxes
            .entry(o.info.owner.as_str().to_string())
            .or_insert_with(|| (at, o.info.kind, Vec::new()))
            .2
            .push(o.info.id);
    }
    for (at, kind, ids) in boxes.values() {
        concur_suspend_call(at, *kind, ids, &ini)?;
    }
    scope.group_completed("swsrpmake");
    Ok(())
}

// ----- snapshot processing -----

fn is_snap_kind(k: CopyKind) -> bool {
    matches!(k, CopyKind::SnapOpc | CopyKind::SnapOpcPlus)
}

/// Whether the destination of `t` is a Snap Data Volume (`None` when the array
/// does not say).
fn dst_is_sdv(t: &Target) -> Option<bool> {
    copy::driver_at(t.to()).box_info().ok().map(|b| b.sdv)
}

/// What a snapshot make does with the session already in this direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Start a new session (after cancelling the old one, if any).
    Start { cancel: bool },
    /// QuickOPC differential restart.
    Restart,
}

/// Table 8.6 (and the SnapOPC/SnapOPC+ rules) for one pair.
fn snapshot_step(t: &Target, kind: CopyKind, o: Option<&Observed>) -> Result<Step, Failure> {
    let Some(o) = o else {
        return Ok(Step::Start { cancel: false });
    };
    Ok(match State::of(&o.info) {
        State::Snap { tracking: true } | State::Tracking if kind == CopyKind::QuickOpc => {
            Step::Restart
        }
        State::Generation { number, .. } if number > 1 => {
            return Err(messages::not_oldest_generation(&t.names(), number));
        }
        _ => Step::Start { cancel: true },
    })
}

fn make_snapshot(
    scope: &Scope,
    t: &Target,
    toward: Option<&Observed>,
    against: Option<&Observed>,
    opts: MakeOptions,
) -> Result<(), Failure> {
    let kind = opts.snap;
    // A restore from a snapshot destination is an ordinary OPC beside the session.
    if t.reverse && opts.snap_given && against.is_some() {
        return Err(messages::restore_kind(&t.names()));
    }
    match dst_is_sdv(t) {
        Some(true) if !is_snap_kind(kind) => return Err(messages::sdv_destination(&t.names())),
        Some(false) if is_snap_kind(kind) => return Err(messages::not_sdv(&t.names())),
        _ => {}
    }
    let step = snapshot_step(t, kind, toward)?;
    let label = t.label();
    let pre = pre_steps(scope, t, opts, true);
    let done = scripts::prepare(&label, &pre, &scope.local)?;
    let copied = (|| -> Result<(), Failure> {
        match step {
            Step::Restart => copy::restart(
                &t.pair,
                toward.expect("restart needs a session"),
                false,
                None,
            ),
            Step::Start { cancel } => {
                if cancel {
                    // An OPC seen copying may finish before it is stopped:
                    // then there is nothing to stop.
                    if let Some(o) = toward {
                        copy::cancel_if_present(&t.pair, o, CancelOptions::default())?;
                    }
                }
                copy::start(t, kind, StartOptions::default()).map(|_| ())
            }
        }
    })();
    if let Err(f) = copied {
        let _ = scripts::undo(&label, &done, &scope.local);
        return Err(f);
    }
    let posts: Vec<(Script, &Volume)> = done
        .iter()
        .map(|(s, _)| {
            (
                s.post(),
                if *s == Script::SrcPre {
                    t.from()
                } else {
                    t.to()
                },
            )
        })
        .collect();
    post(scope, &label, &posts)
}

// ----- Concurrent OPC -----

/// `-Xconcur-opc`: pre-checks, then stop what runs, define every session and
/// start them together per owner box.
fn concurrent_opc(
    scope: &Scope,
    group: &str,
    seen: &[Seen1],
    opts: MakeOptions,
) -> Result<(), Failure> {
    let kind = opts.snap;
    // Pre-checks, before anything is copied. A pair between two boxes is a
    // synchronized (REC) pair even before its session starts: OPC cannot copy
    // it, and finding that out at the define step would leave the sessions
    // defined so far behind.
    for x in seen {
        if has_sync(&x.seen) || copy::inter_box(x.t) {
            return Err(messages::concur_opc_sync(group, &x.t.names()));
        }
    }
    if kind == CopyKind::QuickOpc {
        let tracking = |x: &Seen1| {
            x.seen
                .toward(x.t)
                .is_some_and(|o| o.info.kind == CopyKind::QuickOpc && o.info.tracking)
        };
        let n = seen.iter().filter(|x| tracking(x)).count();
        if n != 0 && n != seen.len() {
            return Err(messages::concur_opc_tracking_mix(group));
        }
    }
    // Recorded only: the simulated array keeps no cascade order to preserve.
    let _cascade = CheckIni::load()?.concur_opc_cascade;
    for x in seen {
        let t = x.t;
        if t.reverse && opts.snap_given && x.seen.against(t).is_some() {
            return Err(messages::restore_kind(&t.names()));
        }
        match dst_is_sdv(t) {
            Some(true) if !is_snap_kind(kind) => return Err(messages::sdv_destination(&t.names())),
            Some(false) if is_snap_kind(kind) => return Err(messages::not_sdv(&t.names())),
            _ => {}
        }
        if let Some(o) = x.seen.toward(t) {
            if let State::Generation { number, .. } = State::of(&o.info) {
                if number > 1 {
                    return Err(messages::not_oldest_generation(&t.names(), number));
                }
            }
        }
    }
    // 1. Stop the copies in progress (QuickOPC tracking pairs too: the array
    //    cannot define a differential restart, so they are defined anew). An
    //    OPC that finished since the pre-checks observed it is gone: the pair is
    //    then "Copy is not executed" in the manual's table, and is started.
    for x in seen {
        if let Some(o) = x.seen.toward(x.t) {
            copy::cancel_if_present(&x.t.pair, o, CancelOptions::default())?;
        }
    }
    // 2. Define every session; the source's box owns it.
    let mut boxes: BTreeMap<String, (&Volume, Vec<m::SessionId>)> = BTreeMap::new();
    for x in seen {
        let id = copy::start(
            x.t,
            kind,
            StartOptions {
                define_only: true,
                ..StartOptions::default()
            },
        )?;
        boxes
            .entry(x.t.from().box_info.box_id.clone())
            .or_insert_with(|| (x.t.from(), Vec::new()))
            .1
            .push(id);
    }
    // 3. Start them at one point in time, per owner box.
    for (at, ids) in boxes.values() {
        copy::start_concurrent(at, kind, ids)?;
    }
    scope.group_completed("swsrpmake");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ini_defaults_and_ranges() {
        let parse = |t: &str| {
            CheckIni::of(&Ini::parse(
                std::path::Path::new("/check.ini"),
                t,
                CHECK_INI,
            )?)
        };
        assert_eq!(parse("").unwrap(), CheckIni::default());
        let c = parse("[check]\nConcurCheckTimeout=120\nConcurOPCCascade=No\n").unwrap();
        assert_eq!(c.concur_check_timeout, 120);
        assert!(!c.concur_opc_cascade);
        // Out of range: the default, as the manual says.
        for far in ["0", "-1", "2147483648", "99999999999999999999999"] {
            let c = parse(&format!("[check]\nConcurCheckTimeout={far}\n")).unwrap();
            assert_eq!(c.concur_check_timeout, 60, "{far}");
        }
        // Not a number at all: damaged, with its line.
        for bad in ["abc", "", "12s", "+"] {
            let e = parse(&format!("[check]\n\nConcurCheckTimeout={bad}\n")).unwrap_err();
            assert!(
                e.to_string().starts_with("/check.ini line 3: "),
                "{bad}: {e}"
            );
        }
        // A key twice (in any case), a line that is no ini line.
        assert!(parse("[check]\nConcurCheckTimeout=1\nconcurchecktimeout=2\n").is_err());
        assert!(parse("[check]\nConcurCheckTimeout 120\n").is_err());
        let c = parse("[check]\nConcurCheckTimeout=2147483647\nConcurOPCCascade=Yes").unwrap();
        assert_eq!(c.concur_check_timeout, 2_147_483_647);
        assert!(c.concur_opc_cascade);
        // Only the [check] section counts.
        let c = parse("[other]\nConcurCheckTimeout=5\n[check]\n# c\nConcurOPCCascade=no").unwrap();
        assert_eq!(c.concur_check_timeout, 60);
        assert!(!c.concur_opc_cascade);
    }

    #[test]
    fn timeout_maps_to_2709() {
        let f = messages::concur_timeout();
        assert_eq!(
            f.to_string(),
            "swsrp2709 Concurrent suspend failed. Session ID=[-], Reason=[timeout]"
        );
        assert_eq!(f.status, 1);
    }
}
