//! stgxfwcmaddsrv, stgxfwcmmodsrv, stgxfwcmdelsrv, stgxfwcmdispsrv and stgagent's
//! server requests, with MGR and SV1 on one machine.

use crate::common;

use common::*;

#[test]
fn addsrv_records_a_server_that_answers_to_its_name() {
    let s = two(1);
    assert_eq!(
        ok(
            &s,
            "stgxfwcmaddsrv",
            &["-n", "SV1", "-i", "127.0.0.1", "-p", "1226"]
        ),
        "stgxfwcmaddsrv completed\n"
    );
    assert_eq!(
        tokens(&ok(&s, "stgxfwcmdispsrv", &[])),
        vec![
            vec!["Server", "Server-Type", "IP-Address", "Port"],
            vec!["MGR", "Management-Server", "127.0.0.1", "1226"],
            vec!["SV1", "Managed-Server", "127.0.0.1", "1226"],
        ]
    );
    let j: serde_json::Value =
        serde_json::from_str(&ok(&s, "stgxfwcmdispsrv", &["-Xjson"])).unwrap();
    assert_eq!(
        j[1],
        serde_json::json!({"server": "SV1", "server_type": "Managed-Server",
            "ip_address": "127.0.0.1", "port": 1226})
    );
    assert_eq!(
        tokens(&ok(&s, "stgxfwcmdispsrv", &["-n", "SV1"]))[1],
        vec!["SV1", "Managed-Server", "127.0.0.1", "1226"]
    );
    // stgagent server NAME: what remote::locate asks of the Management Server.
    let out = ok(&s, "stgagent", &["server", "SV1"]);
    let rec: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rec["name"], "SV1");
    assert_eq!(rec["port"], 1226);
    let out = run(&s, "stgagent", &["server", "SV9"]);
    assert_eq!(out.status.code(), Some(1));
    // SV1 knows its name.
    assert_eq!(ok_in(&s, &sv1(&s), &bin("stgagent"), &["whoami"]), "SV1\n");
}

#[test]
fn addsrv_refusals() {
    let s = registered(1);
    let add = |name: &str, ip: &str, port: &str| {
        vec![
            "-n".to_string(),
            name.to_string(),
            "-i".into(),
            ip.into(),
            "-p".into(),
            port.into(),
        ]
    };
    let refuse = |args: Vec<String>, id: &str| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&s, "stgxfwcmaddsrv", &a, id, 1);
    };
    refuse(add("SV1", "127.0.0.1", "1226"), "swstf1003");
    refuse(add("MGR", "127.0.0.1", "1226"), "swstf1003");
    refuse(add("SV2", "127.0.0.1", "1023"), "swstf1004");
    refuse(add("SV2", "127.0.0.1", "65536"), "swstf1004");
    refuse(add("SV2", "127.0.0.300", "1226"), "swstf1005");
    refuse(add("S/V2", "127.0.0.1", "1226"), "swstf1015");
    // SV2 is SV1's root under another name: the server answers "SV1".
    let peers = s.root().join("etc/opt/swstorage/peers.ini");
    write(&peers, &format!("SV1={0}\nSV2={0}\n", sv1(&s).display()));
    let err = refused(
        &s,
        "stgxfwcmaddsrv",
        &["-n", "SV2", "-i", "127.0.0.1", "-p", "1226"],
        "swstf1006",
        1,
    );
    assert!(err.contains("SV1"), "{err}");
    // On a Managed Server.
    refused_in(
        &s,
        &sv1(&s),
        "stgxfwcmaddsrv",
        &["-n", "SV3", "-i", "127.0.0.1", "-p", "1226"],
        "swstf1001",
    );
    refused_in(&s, &sv1(&s), "stgxfwcmdispsrv", &[], "swstf1001");
}

#[test]
fn modsrv_changes_one_server_or_a_file_of_them() {
    let s = registered(1);
    assert_eq!(
        ok(
            &s,
            "stgxfwcmmodsrv",
            &["-n", "SV1", "-i", "192.0.2.11", "-p", "1300"]
        ),
        "stgxfwcmmodsrv completed\n"
    );
    assert_eq!(
        tokens(&ok(&s, "stgxfwcmdispsrv", &["-n", "SV1"]))[1],
        vec!["SV1", "Managed-Server", "192.0.2.11", "1300"]
    );
    // A rename (7.5.4): the server is renamed first, and answers to the new name.
    write(
        &sv1(&s).join("etc/opt/swstorage/swnode.ini"),
        "ServerName=SV9\nManagerIpAddress=127.0.0.1\nManagerPort=1226\nManagerName=MGR\n",
    );
    write(
        &s.root().join("etc/opt/swstorage/peers.ini"),
        &format!("SV9={}\n", sv1(&s).display()),
    );
    let file = s.path().join("changes.txt");
    write(
        &file,
        "# server ip port [new name]\nSV1 192.0.2.12 1226 SV9\n",
    );
    ok(&s, "stgxfwcmmodsrv", &["-f", file.to_str().unwrap()]);
    let table = tokens(&ok(&s, "stgxfwcmdispsrv", &[]));
    assert_eq!(table.len(), 3);
    assert_eq!(
        table[2],
        vec!["SV9", "Managed-Server", "192.0.2.12", "1226"]
    );
    // Refusals change nothing.
    refused(
        &s,
        "stgxfwcmmodsrv",
        &["-n", "SV1", "-p", "1300"],
        "swstf1002",
        1,
    );
    refused(
        &s,
        "stgxfwcmmodsrv",
        &["-n", "MGR", "-p", "1300"],
        "swstf1019",
        1,
    );
    refused(
        &s,
        "stgxfwcmmodsrv",
        &["-n", "SV9", "-p", "80"],
        "swstf1004",
        1,
    );
    refused(
        &s,
        "stgxfwcmmodsrv",
        &["-n", "SV9", "-s", "MGR"],
        "swstf1003",
        1,
    );
    write(&file, "SV9 192.0.2.12\n");
    refused(
        &s,
        "stgxfwcmmodsrv",
        &["-f", file.to_str().unwrap()],
        "swstf1009",
        1,
    );
    // A rename the server does not answer to.
    write(
        &s.root().join("etc/opt/swstorage/peers.ini"),
        &format!("SV9={0}\nSV8={0}\n", sv1(&s).display()),
    );
    refused(
        &s,
        "stgxfwcmmodsrv",
        &["-n", "SV9", "-s", "SV8"],
        "swstf1006",
        1,
    );
}

#[test]
fn delsrv_refuses_the_manager_unknown_servers_and_servers_with_devices() {
    let s = registered(2);
    refused(&s, "stgxfwcmdelsrv", &["-n", "MGR"], "swstf1007", 1);
    refused(&s, "stgxfwcmdelsrv", &["-n", "SV2"], "swstf1002", 1);
    ok(&s, "stgxfwcmsetdev", &["-n", "SV1"]);
    let err = refused(&s, "stgxfwcmdelsrv", &["-n", "SV1"], "swstf1008", 1);
    assert!(err.contains("3 device"), "{err}");
    for d in ["/dev/hdisk1", "/dev/hdisk2", "/dev/vg01"] {
        ok(&s, "stgxfwcmdeldev", &["-n", "SV1", "-d", d]);
    }
    assert_eq!(
        ok(&s, "stgxfwcmdelsrv", &["-n", "SV1"]),
        "stgxfwcmdelsrv completed\n"
    );
    assert_eq!(tokens(&ok(&s, "stgxfwcmdispsrv", &[])).len(), 2);
    refused(&s, "stgxfwcmdispsrv", &["-n", "SV1"], "swstf1002", 1);
}

#[test]
fn repcnv_migrates_an_older_repository() {
    let s = two(1);
    let old = s.path().join("oldrepo");
    write(
        &old.join("repository.json"),
        r#"{"servers":[{"name":"SV1","ip":"192.0.2.5","port":1226}],
            "devices":{"SV1":[{"device":"/dev/hdisk1","kind":"disk","box_id":"B","luns":[0],"size":4194304}]}}"#,
    );
    assert_eq!(
        ok(&s, "stgrepcnv", &["-d", old.to_str().unwrap()]),
        "swstf5000 Repository data migration completed. Servers=1, Devices=1\n"
    );
    let text = std::fs::read_to_string(repository(&s)).unwrap();
    assert!(
        text.contains(r#""format":"acm-repository","version":1"#),
        "{text}"
    );
    assert_eq!(
        tokens(&ok(&s, "stgxfwcmdispsrv", &["-n", "SV1"]))[1],
        vec!["SV1", "Managed-Server", "192.0.2.5", "1226"]
    );
    // In place: the current repository converts to itself.
    ok(&s, "stgrepcnv", &[]);
    assert_eq!(std::fs::read_to_string(repository(&s)).unwrap(), text);
    write(&old.join("repository.json"), "{broken");
    refused(
        &s,
        "stgrepcnv",
        &["-d", old.to_str().unwrap()],
        "swstf5001",
        1,
    );
    refused(&s, "stgrepcnv", &["-d", "/no/such/dir"], "swstf5001", 1);
    refused_in(&s, &sv1(&s), "stgrepcnv", &[], "swstf1001");
}
