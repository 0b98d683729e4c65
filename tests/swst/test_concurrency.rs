//! Command exclusion across processes (manual 8.1 NOTES) and the list's integrity
//! under concurrent commands.

use crate::common;

use acm_backup::exclusion;
use acm_backup::list::Role;
use common::*;
use std::collections::BTreeMap;

#[test]
fn a_running_operation_command_excludes_configuration_commands() {
    let s = configured(3);
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk1"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk2"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk3"]);
    // This test process plays a running swstbackup.
    let held = acm_testkit::retry(|| {
        exclusion::enter_at(&data_dir(&s), "swstbackup", Some("/dev/hdisk1"))
    })
    .unwrap();
    let e = refused(&s, "swstdevinfoset", &["-o", "/dev/hdisk3"], "swst1003", 1);
    assert_eq!(
        e.trim_end(),
        "swst1003 The command cannot be executed because swstbackup (/dev/hdisk1) is running."
    );
    let e = refused(&s, "swstsvrset", &[], "swst1003", 1);
    assert!(e.contains("swstbackup"), "{e}");
    // Operation commands share; display commands are not restricted.
    ok(&s, "swstbkpolset", &["/dev/hdisk1"]);
    ok(&s, "swstbkpoldel", &["/dev/hdisk1"]);
    ok(&s, "swstdevdisp", &["-t", "-b"]);
    ok(&s, "swstsvrdisp", &[]);
    let running = exclusion::running_at(&data_dir(&s));
    assert_eq!(running.len(), 1, "{running:?}");
    assert_eq!(running[0].command, "swstbackup");
    drop(held);
    assert!(exclusion::running_at(&data_dir(&s)).is_empty());
    ok(&s, "swstdevinfoset", &["-o", "/dev/hdisk3"]);
}

#[test]
fn a_running_configuration_command_excludes_everything_restricted() {
    let s = configured(3);
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk1"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk2"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk3"]);
    let held = acm_testkit::retry(|| {
        exclusion::enter_at(&data_dir(&s), "swstdevinfoset", Some("/dev/hdisk9"))
    })
    .unwrap();
    for (cmd, args) in [
        ("swstbkpolset", vec!["/dev/hdisk1"]),
        ("swstbkpolset", vec![]),
        ("swstbkpoldel", vec!["/dev/hdisk1"]),
        ("swstdevinfoset", vec!["-o", "/dev/hdisk3"]),
        ("swstsvrset", vec![]),
    ] {
        let e = refused(&s, cmd, &args, "swst1003", 1);
        assert!(
            e.contains("because swstdevinfoset (/dev/hdisk9) is running"),
            "{e}"
        );
    }
    ok(&s, "swstbkpoldisp", &[]);
    drop(held);
    ok(&s, "swstbkpolset", &["/dev/hdisk1"]);
}

#[test]
fn concurrent_commands_never_corrupt_the_list() {
    // hdisk1-4 transaction volumes, hdisk5-8 backup volumes, hdisk9-12 toggled.
    let s = configured(12);
    for i in 1..=4 {
        ok(&s, "swstdevinfoset", &["-t", &format!("/dev/hdisk{i}")]);
        ok(
            &s,
            "swstdevinfoset",
            &["-b", &format!("/dev/hdisk{}", i + 4)],
        );
    }
    let mut toggled: BTreeMap<String, bool> = (9..=12)
        .map(|i| (format!("/dev/hdisk{i}"), false))
        .collect();
    let mut interval: BTreeMap<String, Option<u32>> =
        (1..=4).map(|i| (format!("/dev/hdisk{i}"), None)).collect();
    let (mut successes, mut busy) = (0, 0);
    for round in 1..=6u32 {
        let mut children = Vec::new();
        for i in 1..=4 {
            let td = format!("/dev/hdisk{i}");
            let args = vec![
                "-s".to_string(),
                "1".to_string(),
                "-i".to_string(),
                round.to_string(),
                td.clone(),
            ];
            let child = std_cmd(&s, "swstbkpolset");
            children.push(("swstbkpolset", td, args, child));
            let dev = format!("/dev/hdisk{}", i + 8);
            let opt = if toggled[&dev] { "-o" } else { "-b" };
            let child = std_cmd(&s, "swstdevinfoset");
            children.push((
                "swstdevinfoset",
                dev.clone(),
                vec![opt.to_string(), dev],
                child,
            ));
        }
        // Start all eight before waiting for any.
        let spawned: Vec<_> = children
            .into_iter()
            .map(|(cmd, dev, args, c)| {
                let mut c = c;
                let child = c
                    .args(&args)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap();
                (cmd, dev, child)
            })
            .collect();
        for (cmd, dev, child) in spawned {
            let out = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            match out.status.code() {
                Some(0) => {
                    successes += 1;
                    let expected = match cmd {
                        "swstbkpolset" => format!("{dev} swstbkpolset completed\n"),
                        _ => "swstdevinfoset completed\n".to_string(),
                    };
                    assert_eq!(stdout, expected);
                    assert!(stderr.is_empty(), "{stderr}");
                    match cmd {
                        "swstbkpolset" => *interval.get_mut(&dev).unwrap() = Some(round),
                        _ => *toggled.get_mut(&dev).unwrap() ^= true,
                    }
                }
                Some(1) => {
                    busy += 1;
                    assert!(
                        stderr.starts_with("swst1003 The command cannot be executed because "),
                        "{cmd} {dev}: {stderr}"
                    );
                    assert!(stdout.is_empty());
                }
                other => panic!("{cmd} {dev}: status {other:?}: {stderr}"),
            }
        }
        // After every round the list loads and matches what succeeded.
        let list = list_store(&s).load().unwrap();
        for (dev, registered) in &toggled {
            let role = list.role(dev);
            assert_eq!(
                role,
                registered.then_some(Role::Backup),
                "round {round} {dev}"
            );
        }
        for (td, days) in &interval {
            assert_eq!(
                list.policies.get(td).map(|p| p.interval_days),
                *days,
                "round {round} {td}"
            );
        }
        assert!(exclusion::running_at(&data_dir(&s)).is_empty());
    }
    println!("{successes} succeeded, {busy} refused as busy");
    assert!(successes > 0);
    // Nothing half-written is left behind.
    for entry in std::fs::read_dir(data_dir(&s)).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.contains(".tmp"), "left over: {name}");
    }
    ok(&s, "swstdevdisp", &["-t", "-b", "-o"]);
}

/// `cmd` as a std `Command` with the scratch environment, for spawning.
fn std_cmd(s: &acm_testkit::Scratch, cmd: &str) -> std::process::Command {
    let mut c = std::process::Command::new(bin(cmd));
    c.env("ACM_ROOT", s.root())
        .env("ACMSIM_HOME", s.sim_home())
        .env_remove("SWSTGNODE");
    c
}
