//! stgcmmodnode and stgenvdisp.

use crate::common;

use common::*;
use std::path::Path;

fn ini(root: &Path) -> std::path::PathBuf {
    root.join("etc/opt/swstorage/swnode.ini")
}

#[test]
fn cmmodnode_shows_and_changes_the_management_server() {
    let s = two(1);
    let sv1 = sv1(&s);
    let cmd = bin("stgcmmodnode");
    assert_eq!(
        ok_in(&s, &sv1, &cmd, &[]),
        "swstf2413 IP Address = 127.0.0.1\n\
         swstf2413 PORT Number = 1226\n\
         swstf2413 Storage Management Server's Name = MGR\n"
    );
    assert_eq!(
        ok_in(&s, &sv1, &cmd, &["-i", "192.0.2.11"]),
        "swstf2401 Storage Management Server registry updated.\n"
    );
    ok_in(&s, &sv1, &cmd, &["-p", "1300", "-n", "mgr2"]);
    assert_eq!(
        ok_in(&s, &sv1, &cmd, &[]),
        "swstf2413 IP Address = 192.0.2.11\n\
         swstf2413 PORT Number = 1300\n\
         swstf2413 Storage Management Server's Name = mgr2\n"
    );
    assert!(std::fs::read_to_string(ini(&sv1))
        .unwrap()
        .contains("ServerName=SV1"));
    // Refusals leave the registry alone.
    let before = std::fs::read(ini(&sv1)).unwrap();
    refused_in(&s, &sv1, "stgcmmodnode", &["-p", "1023"], "swstf1004");
    refused_in(&s, &sv1, "stgcmmodnode", &["-p", "65536"], "swstf1004");
    refused_in(&s, &sv1, "stgcmmodnode", &["-i", "192.0.2"], "swstf1005");
    // SV1's communication daemon runs (on a free loopback port).
    let ca = s.path().join("ca");
    ok_in(&s, &sv1, &bin("acmsetup"), &["ca", ca.to_str().unwrap()]);
    ok_in(
        &s,
        &sv1,
        &bin("acmsetup"),
        &["cert", "--ca", ca.to_str().unwrap()],
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    write(&sv1.join("etc/services"), &format!("stgxfws {port}/tcp\n"));
    ok_in(&s, &sv1, &bin("stgfwcom"), &["start"]);
    let refused = run_in(&s, &sv1, &bin("stgcmmodnode"), &["-i", "192.0.2.12"]);
    ok_in(&s, &sv1, &bin("stgfwcom"), &["stop"]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(err.starts_with("swstf1013 "), "{err}");
    assert_eq!(std::fs::read(ini(&sv1)).unwrap(), before);
    // A pid file of a process that is not the daemon (stale, or this test's
    // own pid reused) does not count.
    for pid in ["999999999".to_string(), std::process::id().to_string()] {
        write(
            &sv1.join("var/opt/FJSVswstf/stgxfws.pid"),
            &format!("{pid}\n"),
        );
        ok_in(&s, &sv1, &cmd, &["-i", "192.0.2.12"]);
    }
}

#[test]
fn cmmodnode_on_the_management_server() {
    let s = two(1);
    assert_eq!(
        ok(&s, "stgcmmodnode", &[]),
        "swstf2413 IP Address = 127.0.0.1\n\
         swstf2413 PORT Number = 1226\n\
         swstf2413 Storage Management Server's Name = MGR\n"
    );
    let err = refused_in(&s, &s.root(), "stgcmmodnode", &["-n", "other"], "swstf1014");
    assert!(err.contains("-n"), "{err}");
    ok(&s, "stgcmmodnode", &["-p", "1400"]);
    assert!(ok(&s, "stgcmmodnode", &[]).contains("PORT Number = 1400"));
    assert!(std::fs::read_to_string(s.root().join("etc/services"))
        .unwrap()
        .contains("stgxfws\t1400/tcp"));
}

#[test]
fn envdisp_prints_the_manuals_lines() {
    let s = two(1);
    let expected = |kind: &str, ip: &str| {
        format!(
            "Server type          : {kind}\n\
             Manager IP address   : {ip}\n\
             Communication        : 1226\n\
             -----\n\
             Version              : V16.4\n\
             Language             : ENGLISH\n\
             Program install directory : /opt\n\
             Fixed configuration directory : /etc/opt\n\
             Modifying configuration directory : /var/opt\n"
        )
    };
    assert_eq!(
        ok_in(&s, &sv1(&s), &bin("stgenvdisp"), &[]),
        expected("Server", "127.0.0.1")
    );
    assert_eq!(
        ok(&s, "stgenvdisp", &[]),
        expected("Management server", "127.0.0.1")
    );
    let j: serde_json::Value = serde_json::from_str(&ok(&s, "stgenvdisp", &["-Xjson"])).unwrap();
    assert_eq!(j[0]["server_type"], "Management server");
    assert_eq!(j[0]["communication"], 1226, "{j}");
    // A Managed Server that knows no Management Server.
    write(&ini(&sv1(&s)), "ServerName=SV1\n");
    assert!(ok_in(&s, &sv1(&s), &bin("stgenvdisp"), &[]).contains("Manager IP address   : ???\n"));
    let j = ok_in(&s, &sv1(&s), &bin("stgenvdisp"), &["-Xjson"]);
    assert!(j.contains("\"manager_ip_address\": null"), "{j}");
}

#[test]
fn a_damaged_node_registry_is_refused_not_read_as_a_managed_server() {
    let s = two(1);
    // MGR once lost its role silently: a Managed Server with the host's name.
    write(&ini(&s.root()), "ServerName=MGR\nServerType=Mangement\n");
    for (cmd, args) in [
        ("stgenvdisp", &[][..]),
        ("stgxfwcmdispsrv", &[][..]),
        ("stgcmmodnode", &["-p", "1400"][..]),
        ("stgfwcom", &["start"][..]),
        ("startacm", &[][..]),
    ] {
        let e = refused(&s, cmd, args, "swstf0005", 1);
        let at = format!("{} line 2: ", ini(&s.root()).display());
        assert!(e.contains(&at), "{cmd}: {e}");
    }
    // The file was left as it was; stopping needs no configuration.
    assert!(std::fs::read_to_string(ini(&s.root()))
        .unwrap()
        .contains("Mangement"));
    assert!(ok(&s, "stgfwcom", &["stop"]).starts_with("swstf5105 "));
    assert!(ok(&s, "stopacm", &[]).starts_with("swstf5105 "));
    // acmsetup does not patch a damaged registry either.
    let out = run(&s, "acmsetup", &["node", "--name", "MGR", "--manager"]);
    assert_eq!(out.status.code(), Some(1));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("swnode.ini line 2"), "{e}");
    // The port line and peers.ini: the same.
    write(&ini(&s.root()), "ServerName=MGR\nServerType=Management\n");
    write(&s.root().join("etc/services"), "stgxfws port/tcp\n");
    let e = refused(&s, "stgenvdisp", &[], "swstf0005", 1);
    assert!(e.contains("etc/services line 1: "), "{e}");
    write(&s.root().join("etc/services"), "stgxfws 1226/tcp\n");
    write(&s.root().join("etc/opt/swstorage/peers.ini"), "SV1 /x\n");
    let e = refused(&s, "stgxfwcmdispsrv", &[], "swstf0005", 1);
    assert!(e.contains("peers.ini line 1: "), "{e}");
}
