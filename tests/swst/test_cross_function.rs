//! The cross-function rules with replication management, seen from the backup
//! commands: refused while a replication command works on the volume
//! (swst1007), and no backup volume that is a replication destination
//! (swst1112) or the source of a bi-directional pair (swst1113).

use crate::common;

use acm_core::exclusion::Mode;
use common::*;

fn swsrp_data(s: &acm_testkit::Scratch) -> std::path::PathBuf {
    s.root().join("etc/opt/FJSVswsrp/data")
}

/// TD hdisk1 with BD hdisk2, TD hdisk3 with BD hdisk4, a policy on both TDs.
fn setup() -> acm_testkit::Scratch {
    let s = configured(6);
    for (td, bd) in [
        ("/dev/hdisk1", "/dev/hdisk2"),
        ("/dev/hdisk3", "/dev/hdisk4"),
    ] {
        ok(&s, "swstdevinfoset", &["-t", td]);
        ok(&s, "swstdevinfoset", &["-b", bd]);
        ok(&s, "swstbkpolset", &["-s", "1", td]);
    }
    s
}

/// A running replication command, as its holder record shows it.
fn replicating(
    s: &acm_testkit::Scratch,
    command: &str,
    target: Option<&str>,
) -> acm_core::exclusion::Guard {
    acm_core::exclusion::enter(
        &swsrp_data(s),
        &[("swsrpexec.lock", Mode::Shared)],
        command,
        target,
    )
    .unwrap()
}

#[test]
fn backup_commands_refuse_a_volume_replication_works_on() {
    let s = setup();
    let g = replicating(&s, "swsrpmake", Some("/dev/hdisk1@job2 /dev/hdisk5@job2"));
    for (cmd, args) in [
        ("swstbackup", &["/dev/hdisk1"][..]),
        ("swststartsync", &["/dev/hdisk1"]),
        ("swstbkpolset", &["-i", "5", "/dev/hdisk1"]),
        ("swstbkpoldel", &["/dev/hdisk1"]),
        ("swstrestore", &["/dev/hdisk1"]),
        ("swstcancelsync", &["/dev/hdisk1"]),
    ] {
        let e = refused(&s, cmd, args, "swst1007", 1);
        assert!(e.contains("swsrpmake"), "{cmd}: {e}");
    }
    // Another volume is not concerned.
    ok(&s, "swstbackup", &["/dev/hdisk3"]);
    // Nor a volume of the same name on another server.
    drop(g);
    let g = replicating(
        &s,
        "swsrpstartsync",
        Some("/dev/hdisk1@OTHER /dev/hdisk6@job2"),
    );
    ok(&s, "swstbkpolset", &["-i", "5", "/dev/hdisk1"]);
    drop(g);
    // A display command of replication is no reason to refuse.
    let g = replicating(&s, "swsrpstat", Some("/dev/hdisk1@job2"));
    ok(&s, "swstbackup", &["/dev/hdisk1"]);
    drop(g);
    // Nothing runs: accepted.
    ok(&s, "swstbkpolset", &["-i", "6", "/dev/hdisk1"]);
}

#[test]
fn restore_destination_and_resource_adjustment() {
    let s = setup();
    ok(&s, "swstbackup", &["/dev/hdisk1"]);
    // The -r device of swstrestore is checked too.
    let g = replicating(&s, "swsrpsetvol", Some("/dev/hdisk6 /dev/hdisk5"));
    refused(
        &s,
        "swstrestore",
        &["-r", "/dev/hdisk6", "/dev/hdisk1"],
        "swst1007",
        1,
    );
    drop(g);
    // swsrprecoverres names no volume: it concerns every one.
    let g = replicating(&s, "swsrprecoverres", None);
    refused(&s, "swstbackup", &["/dev/hdisk3"], "swst1007", 1);
    drop(g);
}

/// Writes a replication management list with the pair `orig` -> `rep` on B1.
fn replication_list(s: &acm_testkit::Scratch, orig: u32, rep: u32, direction: &str) {
    let host = acm_host::HostStore::open_at(s.root().join("var/opt/acmsim-host"))
        .load()
        .unwrap();
    let box_id = host.disks["/dev/hdisk1"].box_id.clone();
    let vol = |n: u32| {
        format!(
            r#"{{"device":"/dev/hdisk{n}","server":"job2","kind":"Disk","box_info":{{"box_id":"{box_id}","olu":{olu},"start_lba":0,"blocks":{blocks}}},"size":{LUN}}}"#,
            olu = n - 1,
            blocks = LUN / 512
        )
    };
    let text = format!(
        r#"{{"format":"acm-replication-list","version":1,"data":{{"pairs":[{{"original":{},"replica":{},"direction":"{direction}","op_server":"Both","no_size_check":false,"group":null}}]}}}}"#,
        vol(orig),
        vol(rep)
    );
    std::fs::create_dir_all(swsrp_data(s)).unwrap();
    std::fs::write(swsrp_data(s).join("swsrplist.json"), text).unwrap();
}

#[test]
fn devinfoset_refuses_replication_volumes_as_backup_volumes() {
    let s = configured(6);
    replication_list(&s, 1, 2, "Bi");
    let e = refused(&s, "swstdevinfoset", &["-b", "/dev/hdisk2"], "swst1112", 1);
    assert!(e.contains("/dev/hdisk1@job2 /dev/hdisk2@job2"), "{e}");
    refused(&s, "swstdevinfoset", &["-b", "/dev/hdisk1"], "swst1113", 1);
    // As transaction volumes they are fine; other volumes too.
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk1"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk3"]);
    // A one-way source can be a backup volume.
    let s = configured(6);
    replication_list(&s, 1, 2, "Uni");
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk1"]);
    refused(&s, "swstdevinfoset", &["-b", "/dev/hdisk2"], "swst1112", 1);
    // An unreadable replication list is reported, not ignored.
    std::fs::write(swsrp_data(&s).join("swsrplist.json"), "garbage").unwrap();
    refused(&s, "swstdevinfoset", &["-b", "/dev/hdisk3"], "swst1008", 1);
}
