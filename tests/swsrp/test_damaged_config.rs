//! Damaged configuration files are refused (`swsrp0005`, naming the file and
//! line), never read as "not set": `swnode.ini`, the `stgxfws` line of
//! `/etc/services`, `peers.ini` and `check.ini`. A missing file is still the
//! defaults.

use crate::common;

use common::*;

const A: &str = "/dev/hdisk1";
const B: &str = "/dev/hdisk2";

/// SV1 with the pair hdisk1 -> hdisk2 in equivalency.
fn synced() -> acm_testkit::Scratch {
    let (s, _) = world2(2, 0, 0);
    ok(&s, "swsrpsetvol", &[A, B]);
    ok(&s, "swsrpstartsync", &[A, B]);
    s
}

fn write(s: &acm_testkit::Scratch, path: &str, text: &str) {
    let p = s.root().join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Expects `swsrp0005` naming `file` and `line`.
fn damaged(s: &acm_testkit::Scratch, cmd: &str, args: &[&str], file: &str, line: usize) {
    let e = refused(s, cmd, args, "swsrp0005", 1);
    let at = format!("{} line {line}: ", s.root().join(file).display());
    assert!(e.contains(&at), "{cmd}: expected {at}, got {e}");
}

const SWNODE: &str = "etc/opt/swstorage/swnode.ini";

#[test]
fn a_damaged_swnode_ini_is_refused_not_read_as_the_host_name() {
    let s = synced();
    // Once ignored: the server became the host and its volumes "not set".
    for (text, line) in [
        ("ServerName SV1\n", 1),
        ("ServerName=SV1\nServerType=Managment\n", 2),
        ("ServerName=SV1\n\nServerName=SV2\n", 3),
        ("ServerName=SV 1\n", 1),
        ("ServerName=SV1\nManagerPort=12x6\n", 2),
        ("ServerName=SV1\nIpAddress=127.0.0\n", 2),
        ("[node\nServerName=SV1\n", 1),
    ] {
        write(&s, SWNODE, text);
        damaged(&s, "swsrpmake", &[A, B], SWNODE, line);
        damaged(&s, "swsrpvolinfo", &[], SWNODE, line);
        // -h names this server or another: the node must be known first.
        damaged(&s, "swsrpstat", &["-h", "SV1"], SWNODE, line);
    }
    // Not text, not a file: refused too, naming it.
    std::fs::write(s.root().join(SWNODE), b"ServerName=SV1\n\xff\n").unwrap();
    let e = refused(&s, "swsrpvolinfo", &[], "swsrp0005", 1);
    assert!(e.contains("swnode.ini"), "{e}");
    // Help and usage still answer.
    ok(&s, "swsrpmake", &["--help"]);
    refused(&s, "swsrpmake", &["-Q"], "swsrp0002", 2);
    // Repaired: as before.
    write(
        &s,
        SWNODE,
        "# SV1\n[node]\nServerName=\"SV1\"\nServerType=Managed\n",
    );
    ok(&s, "swsrpmake", &[A, B]);
}

#[test]
fn a_missing_swnode_ini_is_still_not_configured() {
    let (s, _) = world2(2, 0, 0);
    std::fs::remove_file(s.root().join(SWNODE)).unwrap();
    // The host name is the server: a volume of SV1 is another server's.
    ok(&s, "swsrpvolinfo", &[]);
}

#[test]
fn a_damaged_stgxfws_line_is_refused() {
    let s = synced();
    for (text, line) in [
        ("ssh 22/tcp\nstgxfws abc/tcp\n", 2),
        ("stgxfws 1226/tcp\nstgxfws 1227/tcp # again\n", 2),
        ("stgxfws\n", 1),
    ] {
        write(&s, "etc/services", text);
        damaged(&s, "swsrpmake", &[A, B], "etc/services", line);
    }
    // Other services' lines are not ours to judge.
    write(
        &s,
        "etc/services",
        "odd line\nstgxfws 1226/tcp\nstgxfws 1226/udp\n",
    );
    ok(&s, "swsrpvolinfo", &[]);
}

#[test]
fn a_damaged_peers_ini_is_refused() {
    let s = synced();
    let peers = "etc/opt/swstorage/peers.ini";
    for (text, line) in [
        ("SV2\n", 1),
        ("SV2=relative/root\n", 1),
        ("SV2=/r2\nSV2=/r3\n", 2),
        ("S V2=/r2\n", 1),
    ] {
        write(&s, peers, text);
        damaged(&s, "swsrpvolinfo", &[], peers, line);
    }
    write(&s, peers, "# none\n");
    ok(&s, "swsrpvolinfo", &[]);
}

#[test]
fn a_damaged_check_ini_is_refused_where_it_is_read() {
    let s = synced();
    let ini = "etc/opt/FJSVswsrp/data/DEFAULT/check.ini";
    for (text, line) in [
        ("[check]\nConcurCheckTimeout=soon\n", 2),
        ("[check]\nConcurCheckTimeout=60\nconcurchecktimeout=70\n", 3),
        ("[check]\nConcurCheckTimeout\n", 2),
    ] {
        write(&s, ini, text);
        damaged(&s, "swsrpmake", &["-Xconcur", A, B], ini, line);
    }
    // Out of range is the manual's default, not damage.
    write(&s, ini, "[check]\nConcurCheckTimeout=0\n");
    ok(&s, "swsrpmake", &["-Xconcur", A, B]);
}
