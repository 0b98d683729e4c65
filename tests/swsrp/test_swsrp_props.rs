//! Property: random sequences of replication commands against the simulated
//! array never leave the management list and the array's sessions disagreeing.
//!
//! A reference model says, for each pair, what the array should hold after each
//! command (copies run at an unlimited rate, so they are complete when the
//! command returns): nothing, an equivalent EC, a replicated (suspended) EC, or a
//! finished QuickOPC that is tracking. Every command's success or refusal must
//! match the model, `swsrpstat -L` must show the model's Status and Trk, the
//! operation commands must never touch the list, and `swsrprecoverres -r` must
//! bring the list back after it is deleted or damaged at any point.

use crate::common;

use acm_replication::list::ReplicationList;
use acm_testkit::Scratch;
use common::*;
use proptest::prelude::*;

const PAIRS: [(&str, &str); 2] = [
    ("/dev/hdisk1", "/dev/hdisk2"),
    ("/dev/hdisk3", "/dev/hdisk4"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum M {
    None,
    Equivalent,
    Replicated,
    Tracking,
}

#[derive(Debug, Clone, Copy)]
enum Op {
    StartSync(usize),
    Make(usize),
    MakeQuick(usize),
    Cancel(usize),
    CancelTracking(usize),
    GroupStartSync,
    GroupCancel,
    /// Delete (false) or scribble over (true) the list, then `swsrprecoverres -r`.
    Damage(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..2usize).prop_map(Op::StartSync),
        (0..2usize).prop_map(Op::Make),
        (0..2usize).prop_map(Op::MakeQuick),
        (0..2usize).prop_map(Op::Cancel),
        (0..2usize).prop_map(Op::CancelTracking),
        Just(Op::GroupStartSync),
        Just(Op::GroupCancel),
        any::<bool>().prop_map(Op::Damage),
    ]
}

/// The model's answer to a command on one pair: the new state, or `None` for a refusal.
fn step(m: M, op: Op) -> Option<M> {
    use M::*;
    match (op, m) {
        (Op::StartSync(_) | Op::GroupStartSync, None | Equivalent | Replicated) => Some(Equivalent),
        (Op::StartSync(_) | Op::GroupStartSync, Tracking) => Option::None,
        (Op::Make(_), Equivalent) => Some(Replicated),
        // An ordinary OPC (after stopping tracking) finishes at once and ends.
        (Op::Make(_), None | Tracking) => Some(None),
        (Op::Make(_), Replicated) => Option::None,
        (Op::MakeQuick(_), None | Tracking) => Some(Tracking),
        (Op::MakeQuick(_), Equivalent | Replicated) => Option::None,
        (Op::Cancel(_) | Op::GroupCancel, None) => Option::None,
        (Op::Cancel(_) | Op::GroupCancel, _) => Some(None),
        (Op::CancelTracking(_), Tracking) => Some(None),
        (Op::CancelTracking(_), _) => Option::None,
        (Op::Damage(_), m) => Some(m),
    }
}

fn status_of(m: M) -> (&'static str, &'static str) {
    match m {
        M::None => ("----", "----"),
        M::Equivalent => ("equivalent", "----"),
        M::Replicated => ("replicated", "----"),
        M::Tracking => ("----", "on"),
    }
}

fn setup() -> Scratch {
    let (s, _) = world2(4, 0, 0);
    for (o, r) in PAIRS {
        ok(&s, "swsrpsetvol", &["-Xgroup", "G", o, r]);
    }
    s
}

fn pair_args(i: usize) -> [&'static str; 2] {
    [PAIRS[i].0, PAIRS[i].1]
}

/// Runs `cmd args`; returns whether it succeeded (never a usage error or a crash).
fn attempt(s: &Scratch, cmd: &str, args: &[&str]) -> bool {
    let out = run(s, cmd, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{cmd} {args:?}: {err}");
    match out.status.code() {
        Some(0) => true,
        Some(1) => {
            assert!(err.starts_with("swsrp"), "{cmd} {args:?}: {err}");
            false
        }
        other => panic!("{cmd} {args:?}: exit {other:?}: {err}"),
    }
}

fn check(s: &Scratch, model: &[M; 2], list_before: &ReplicationList) {
    assert_eq!(
        &list(s),
        list_before,
        "operation commands never change the list"
    );
    let out = ok(s, "swsrpstat", &["-L"]);
    let rows = tokens(&out);
    assert_eq!(rows.len(), 3, "{out}");
    for (i, m) in model.iter().enumerate() {
        let (status, trk) = status_of(*m);
        assert_eq!(
            (rows[i + 1][4].as_str(), rows[i + 1][6].as_str()),
            (status, trk),
            "pair {i} model {m:?}: {out}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, max_shrink_iters: 40, ..ProptestConfig::default() })]

    #[test]
    fn commands_list_and_array_agree(ops in prop::collection::vec(op(), 1..14)) {
        let s = setup();
        let list_before = list(&s);
        let mut list_now = list_before.clone();
        let mut model = [M::None; 2];
        for op in ops {
            match op {
                Op::StartSync(i) | Op::Make(i) | Op::MakeQuick(i) | Op::Cancel(i) | Op::CancelTracking(i) => {
                    let (cmd, extra): (&str, &[&str]) = match op {
                        Op::StartSync(_) => ("swsrpstartsync", &[]),
                        Op::Make(_) => ("swsrpmake", &[]),
                        Op::MakeQuick(_) => ("swsrpmake", &["-T"]),
                        Op::Cancel(_) => ("swsrpcancel", &[]),
                        _ => ("swsrpcancel", &["-T"]),
                    };
                    let mut args: Vec<&str> = extra.to_vec();
                    args.extend(pair_args(i));
                    let expected = step(model[i], op);
                    let done = attempt(&s, cmd, &args);
                    prop_assert_eq!(done, expected.is_some(), "{} {:?} from {:?}", cmd, args, model[i]);
                    if let Some(m) = expected {
                        model[i] = m;
                    }
                }
                Op::GroupStartSync | Op::GroupCancel => {
                    let cmd = if matches!(op, Op::GroupStartSync) { "swsrpstartsync" } else { "swsrpcancel" };
                    let done = attempt(&s, cmd, &["-Xgroup", "G"]);
                    // In order, stopping at the first refusal; a group cancel skips
                    // pairs without a session and needs at least one.
                    let mut next = model;
                    let mut all = true;
                    if matches!(op, Op::GroupCancel) && model.iter().all(|m| *m == M::None) {
                        all = false;
                    } else {
                        for m in next.iter_mut() {
                            if matches!(op, Op::GroupCancel) && *m == M::None {
                                continue;
                            }
                            match step(*m, op) {
                                Some(n) => *m = n,
                                None => { all = false; break; }
                            }
                        }
                        model = next;
                    }
                    prop_assert_eq!(done, all, "{} -Xgroup G", cmd);
                }
                Op::Damage(scribble) => {
                    if scribble {
                        std::fs::write(list_path(&s), b"{ not a list").unwrap();
                    } else {
                        std::fs::remove_file(list_path(&s)).unwrap();
                    }
                    ok(&s, "swsrprecoverres", &["-r"]);
                    let restored = acm_replication::list::ListStore::open_at(list_path(&s).parent().unwrap()).load().unwrap();
                    prop_assert_eq!(&restored, &list_before);
                    // From here on the list is the restored one.
                    list_now = restored;
                }
            }
            check(&s, &model, &list_now);
        }
    }
}
