//! stgmgrinfoset, stgmgrinfobkup, stgmgrinfodisp: MGR is the execution server and
//! backs up itself and SV1; the documented restore brings SV1's lists back.

use crate::common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const CLOCK: &str = "1088766000"; // 2004/07/02 11:00:00 UTC

fn store(s: &acm_testkit::Scratch) -> PathBuf {
    let d = s.path().join("stgbkupdata");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn at_clock(s: &acm_testkit::Scratch, program: &str, args: &[&str]) -> std::process::Output {
    let out = s
        .cmd(&bin(program))
        .env("ACMSIM_CLOCK", CLOCK)
        .args(args)
        .output()
        .unwrap();
    acm_testkit::assert_no_panic(&out);
    out
}

fn set_up() -> (acm_testkit::Scratch, PathBuf) {
    let s = registered(4);
    let dir = store(&s);
    ok(
        &s,
        "stgmgrinfoset",
        &["-d", dir.to_str().unwrap(), "-c", "ASCII"],
    );
    (s, dir)
}

#[test]
fn mgrinfoset_registers_shows_and_deletes() {
    let s = two(1);
    let dir = store(&s);
    let d = dir.to_str().unwrap();
    refused(&s, "stgmgrinfoset", &[], "swstf3002", 1);
    refused(&s, "stgmgrinfoset", &["-d", d, "-c", "EUC"], "swstf3005", 1);
    refused(
        &s,
        "stgmgrinfoset",
        &["-d", "relative", "-c", "ASCII"],
        "swstf3004",
        1,
    );
    let missing = s.path().join("missing");
    refused(
        &s,
        "stgmgrinfoset",
        &["-d", missing.to_str().unwrap(), "-c", "ASCII"],
        "swstf3004",
        1,
    );
    let dotted = s.path().join("a.b");
    std::fs::create_dir_all(&dotted).unwrap();
    refused(
        &s,
        "stgmgrinfoset",
        &["-d", dotted.to_str().unwrap(), "-c", "ASCII"],
        "swstf3004",
        1,
    );
    assert_eq!(
        ok(&s, "stgmgrinfoset", &["-d", d, "-c", "ASCII"]),
        "swstf3000 The server which performs package backup of the management information on AdvancedCopy Manager was registered.\n"
    );
    assert_eq!(
        ok(&s, "stgmgrinfoset", &[]),
        format!("Directory      : {d}\nManager code   : ASCII\n")
    );
    refused(
        &s,
        "stgmgrinfoset",
        &["-d", d, "-c", "ASCII"],
        "swstf3003",
        1,
    );
    assert_eq!(
        ok(&s, "stgmgrinfoset", &["-del"]),
        format!("swstf3001 The server which performs package backup of the management information on AdvancedCopy Manager was deleted. Delete a directory. Directory={d}\n")
    );
    refused(&s, "stgmgrinfoset", &["-del"], "swstf3002", 1);
    refused(&s, "stgmgrinfobkup", &["-t", "RegiData"], "swstf3002", 1);
    refused(&s, "stgmgrinfodisp", &[], "swstf3002", 1);
}

#[test]
fn mgrinfobkup_of_the_registries_of_both_servers() {
    let (s, dir) = set_up();
    let out = at_clock(&s, "stgmgrinfobkup", &["-t", "RegiData"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "swstf3014 Backup of management information is started. Start time=04/07/02 11:00:00, Server name=MGR\n\
         swstf3020 Backup of management information was ended normally. End time=04/07/02 11:00:00, Server name=MGR\n\
         swstf3014 Backup of management information is started. Start time=04/07/02 11:00:00, Server name=SV1\n\
         swstf3020 Backup of management information was ended normally. End time=04/07/02 11:00:00, Server name=SV1\n\
         swstf3021 The normal end of the backup of management information was carried out by all servers.\n"
    );
    for (server, root) in [("MGR", s.root()), ("SV1", sv1(&s))] {
        assert_eq!(
            std::fs::read(dir.join(server).join("RegiData/swnode.ini")).unwrap(),
            std::fs::read(root.join("etc/opt/swstorage/swnode.ini")).unwrap(),
            "{server}"
        );
    }
    assert_eq!(
        ok(&s, "stgmgrinfodisp", &["-n", "SV1"]),
        "Server:      SV1\n  RegiData:  04/07/02 11:00:00\n"
    );
    assert_eq!(
        ok(&s, "stgmgrinfodisp", &[]),
        "Server:      MGR\n  RegiData:  04/07/02 11:00:00\nServer:      SV1\n  RegiData:  04/07/02 11:00:00\n"
    );
    assert_eq!(ok(&s, "stgmgrinfodisp", &["-n", "SV9"]), "");
}

#[test]
fn mgrinfobkup_follows_the_policy_file() {
    let (s, dir) = set_up();
    refused(&s, "stgmgrinfobkup", &[], "swstf3010", 1);
    refused(&s, "stgmgrinfobkup", &["-t", "Bkupdata"], "swstf3006", 1);
    refused(
        &s,
        "stgmgrinfobkup",
        &["-n", "SV9", "-t", "RegiData"],
        "swstf1002",
        1,
    );
    refused(
        &s,
        "stgmgrinfobkup",
        &["-n", "SV1", "-t", "MgrInfoData"],
        "swstf3011",
        1,
    );
    let policy = s.root().join("etc/opt/FJSVswstf/stgmgrinfo_policy.ini");
    // "yes" is not "Yes": nothing to do.
    write(&policy, "[ SV1 ]\nReplData=yes\n");
    refused(&s, "stgmgrinfobkup", &[], "swstf3023", 1);
    write(&policy, "[ SV1 ]\nReplData=Yes\n");
    std::fs::create_dir_all(sv1(&s).join("etc/opt/FJSVswsrp/data")).unwrap();
    write(
        &sv1(&s).join("etc/opt/FJSVswsrp/sh/RepSrc.pre"),
        "#!/bin/sh\nexit 0\n",
    );
    let out = ok(&s, "stgmgrinfobkup", &[]);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(
        out.contains("Server name=SV1") && !out.contains("Server name=MGR"),
        "{out}"
    );
    assert!(dir.join("SV1/ReplData/Scripts/RepSrc.pre").is_file());
    assert!(dir.join("SV1/ReplData/data").is_dir());
    assert!(!dir.join("MGR").exists());
    // The policy file itself, from the execution server.
    ok(&s, "stgmgrinfobkup", &["-n", "MGR", "-t", "MgrInfoData"]);
    assert_eq!(
        std::fs::read(dir.join("MGR/MgrInfoData/stgmgrinfo_policy.ini")).unwrap(),
        std::fs::read(&policy).unwrap()
    );
    let disp = ok(&s, "stgmgrinfodisp", &[]);
    assert!(disp.contains("Server:      MGR\n  MgrInfoData: "), "{disp}");
    // A server without backup management: an error for it, the others go on.
    let out = run(&s, "stgmgrinfobkup", &["-t", "BkupData"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("swstf3015") && err.contains("swstf3022"),
        "{err}"
    );
}

fn tar_x(archive: &Path, into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    let st = Command::new("tar")
        .arg("-xf")
        .arg(archive)
        .arg("-C")
        .arg(into)
        .status()
        .unwrap();
    assert!(st.success());
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// The documented restore (docs/configuration.md) after the lists are lost.
#[test]
fn backup_then_restore_brings_the_lists_back() {
    let (s, dir) = set_up();
    let sv1 = sv1(&s);
    let bkup_data = sv1.join("etc/opt/FJSVswsts/data");
    let repl_data = sv1.join("etc/opt/FJSVswsrp/data");
    let tools = [
        "swstsvrset",
        "swstdevinfoset",
        "swstdevdisp",
        "swstresrst",
        "swsrpsetvol",
        "swsrpvolinfo",
    ]
    .map(sibling);
    let real = tools.iter().all(Option::is_some);
    let tool = |i: usize| tools[i].clone().unwrap();
    let (mut devdisp, mut volinfo) = (String::new(), String::new());
    if real {
        ok_in(&s, &sv1, &tool(0), &[]);
        ok_in(&s, &sv1, &tool(1), &["-t", "/dev/hdisk2"]);
        ok_in(&s, &sv1, &tool(4), &["/dev/hdisk3", "/dev/hdisk4"]);
        devdisp = ok_in(&s, &sv1, &tool(2), &[]);
        volinfo = ok_in(&s, &sv1, &tool(5), &[]);
        assert!(devdisp.contains("/dev/hdisk2") && volinfo.contains("/dev/hdisk4"));
    } else {
        acm_testkit::missing_prerequisite("the swst/swsrp binaries are not built");
        write(&bkup_data.join("swstlist.redb"), "{\"backup\":1}");
        write(&repl_data.join("swsrplist.redb"), "{\"replication\":1}");
        write(
            &repl_data.join("repository/swsrplist.redb"),
            "{\"replication\":1}",
        );
    }
    let saved_bkup = std::fs::read(bkup_data.join("swstlist.redb")).unwrap();
    let saved_repl = std::fs::read(repl_data.join("swsrplist.redb")).unwrap();
    ok(&s, "stgmgrinfobkup", &["-n", "SV1", "-t", "BkupData"]);
    ok(&s, "stgmgrinfobkup", &["-n", "SV1", "-t", "ReplData"]);
    assert!(dir.join("SV1/BkupData/Scripts").is_dir());
    assert!(dir.join("SV1/BkupData/data").is_dir());
    let disp = ok(&s, "stgmgrinfodisp", &["-n", "SV1"]);
    assert_eq!(
        tokens(&disp)
            .iter()
            .map(|l| l[0].clone())
            .collect::<Vec<_>>(),
        ["Server:", "BkupData:", "ReplData:"]
    );

    // The lists are lost.
    std::fs::remove_dir_all(&bkup_data).unwrap();
    std::fs::remove_dir_all(&repl_data).unwrap();

    // Backup management: expand the archive, then swstresrst it (after swstsvrset).
    let work = s.path().join("restore");
    tar_x(&dir.join("SV1/BkupData/FJSVswsts/FJSVswsts.tar"), &work);
    // Replication management: copy the data directory back.
    copy_tree(&dir.join("SV1/ReplData/data"), &repl_data);
    if real {
        ok_in(&s, &sv1, &tool(0), &[]);
        ok_in(&s, &sv1, &tool(3), &[work.to_str().unwrap()]);
        assert_eq!(ok_in(&s, &sv1, &tool(2), &[]), devdisp);
        assert_eq!(ok_in(&s, &sv1, &tool(5), &[]), volinfo);
    } else {
        copy_tree(&work.join("FJSVswsts"), &bkup_data);
    }
    // swstresrst writes the saved records into a fresh list (the displays
    // above show it is the same list); the plain copy is the same bytes.
    if !real {
        assert_eq!(
            std::fs::read(bkup_data.join("swstlist.redb")).unwrap(),
            saved_bkup
        );
    }
    assert_eq!(
        std::fs::read(repl_data.join("swsrplist.redb")).unwrap(),
        saved_repl
    );
}

#[test]
fn a_managed_server_as_execution_server_asks_the_manager_for_the_servers() {
    let s = registered(1);
    let sv1 = sv1(&s);
    let dir = store(&s);
    ok_in(
        &s,
        &sv1,
        &bin("stgmgrinfoset"),
        &["-d", dir.to_str().unwrap(), "-c", "ASCII"],
    );
    let out = ok_in(&s, &sv1, &bin("stgmgrinfobkup"), &["-t", "RegiData"]);
    assert!(
        out.contains("Server name=MGR") && out.contains("Server name=SV1"),
        "{out}"
    );
    assert!(dir.join("MGR/RegiData/swnode.ini").is_file());
    assert!(dir.join("SV1/RegiData/swnode.ini").is_file());
}
