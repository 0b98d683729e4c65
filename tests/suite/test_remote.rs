//! Remote execution: a Management Server and Managed Servers on one machine,
//! each with its own state root and its communication daemon on a loopback
//! port, talking HTTPS with mutual TLS.

use crate::net;

use net::{Net, Server};
use std::time::{Duration, Instant};

/// `n` LUNs of 4 MiB on box `name`, attached to `s`'s host as /dev/hdisk1...
fn disks(s: &Server, name: &str, n: u32) {
    s.ok("acmsim", &["box", "create", name]);
    s.ok(
        "acmsim",
        &[
            "lun",
            "create",
            name,
            "--size",
            "4M",
            "--count",
            &n.to_string(),
        ],
    );
    s.ok("acmsim", &["rate", name, "unlimited"]);
    for olu in 0..n {
        s.ok(
            "acmsim",
            &[
                "host",
                "attach",
                name,
                &olu.to_string(),
                &format!("/dev/hdisk{}", olu + 1),
            ],
        );
    }
}

fn checksum(s: &Server, dev: &str) -> String {
    let out = s.ok("acmsim", &["checksum", dev]);
    out.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// A Management Server MGR and a Managed Server SV1 registered with it, both
/// daemons running.
fn mgr_and_sv1(net: &Net) -> (Server, Server) {
    let m = net.server("MGR", None);
    let sv1 = net.server("SV1", Some(&m));
    net.start(&m);
    net.start(&sv1);
    let port = sv1.port.to_string();
    m.ok(
        "stgxfwcmaddsrv",
        &["-n", "SV1", "-i", "127.0.0.1", "-p", &port],
    );
    (m, sv1)
}

#[test]
fn the_daemon_starts_once_logs_stgxfws0060_and_stops_cleanly() {
    let net = Net::new();
    let m = net.server("MGR", None);
    let pid = m.path("/var/opt/FJSVswstf/stgxfws.pid");
    let log = m.path("/var/opt/FJSVswstf/log/stgxfws.log");
    assert_eq!(m.ok("stgfwcom", &["start"]), "");
    net.start(&m); // already running: an information line, a normal end
    assert!(pid.is_file());
    assert!(std::fs::read_to_string(&log)
        .unwrap()
        .contains("stgxfws0060"));
    let again = m.ok("stgfwcom", &["start"]);
    assert!(again.starts_with("swstf5103 "), "{again}");
    assert_eq!(m.ok("stopacm", &[]), "");
    assert!(!pid.exists());
    assert!(std::fs::read_to_string(&log)
        .unwrap()
        .contains("stgxfws0062"));
    assert!(m.ok("stgfwcom", &["stop"]).starts_with("swstf5105 "));
    assert_eq!(m.ok("startacm", &[]), "");
    assert!(pid.is_file());
    // The daemons refuse a logical node.
    let out = m.cmd("stopacm").env("SWSTGNODE", "node1").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("swstf5101 "));
    assert!(pid.is_file(), "SWSTGNODE must not stop the daemon");
    m.refused("stgfwcom", &["restart"], "swstf0002", 2);
}

#[test]
fn a_node_without_a_certificate_cannot_start_its_daemon() {
    let net = Net::new();
    let m = net.server("MGR", None);
    std::fs::remove_file(m.path("/etc/opt/FJSVswstf/tls/node.key")).unwrap();
    let e = m.refused("stgfwcom", &["start"], "swstf5102", 1);
    assert!(e.contains("node.key"), "{e}");
}

#[test]
fn backup_commands_run_on_the_managed_server_named_by_h() {
    let net = Net::new();
    let (m, sv1) = mgr_and_sv1(&net);
    disks(&sv1, "B1", 3);
    assert_eq!(m.ok("swstsvrset", &["-h", "SV1"]), "swstsvrset completed\n");
    m.ok("swstdevinfoset", &["-h", "SV1", "-t", "/dev/hdisk1"]);
    m.ok("swstdevinfoset", &["-h", "SV1", "-b", "/dev/hdisk2"]);
    m.ok("swstbkpolset", &["-h", "SV1", "-s", "1", "/dev/hdisk1"]);
    sv1.ok("acmsim", &["write", "/dev/hdisk1", "--seed", "5"]);
    assert_eq!(
        m.ok("swstbackup", &["-h", "SV1", "/dev/hdisk1"]),
        "/dev/hdisk1 swstbackup completed\n"
    );
    // What -h prints is what the command prints on SV1.
    assert_eq!(
        m.ok("swsthistdisp", &["-h", "SV1"]),
        sv1.ok("swsthistdisp", &[])
    );
    assert_eq!(checksum(&sv1, "/dev/hdisk1"), checksum(&sv1, "/dev/hdisk2"));
    // A refusal on SV1 comes back with SV1's message and status.
    let direct = sv1.run("swstbackup", &["/dev/hdisk3"]);
    let remote = m.run("swstbackup", &["-h", "SV1", "/dev/hdisk3"]);
    assert_eq!(remote.status.code(), direct.status.code());
    assert_eq!(remote.stderr, direct.stderr);
    assert!(!remote.status.success());
    // -h naming the Management Server itself runs there.
    assert_eq!(m.ok("swstsvrset", &["-h", "MGR"]), "swstsvrset completed\n");
}

#[test]
fn display_commands_on_the_management_server_show_every_server() {
    let net = Net::new();
    let (m, sv1) = mgr_and_sv1(&net);
    disks(&sv1, "B1", 2);
    disks(&m, "B0", 2);
    for s in [&m, &sv1] {
        s.ok("swstsvrset", &[]);
        s.ok("swstdevinfoset", &["-t", "/dev/hdisk1"]);
    }
    // Table 8.2: no -h and no device: every registered server, one header.
    let all = m.ok("swstdevdisp", &[]);
    let lines: Vec<&str> = all.lines().collect();
    assert_eq!(lines.len(), 3, "{all}");
    assert!(lines[0].starts_with("Server"), "{all}");
    assert!(
        lines[1].starts_with("MGR ") && lines[2].starts_with("SV1 "),
        "{all}"
    );
    // The same rows in JSON: one array over every server.
    let json: serde_json::Value = serde_json::from_str(&m.ok("swstdevdisp", &["-Xjson"])).unwrap();
    let servers: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["server"].as_str().unwrap())
        .collect();
    assert_eq!(servers, ["MGR", "SV1"], "{json}");
    assert!(json[1]["size"].is_u64(), "{json}");
    // With -h: that server only; with a device and no -h: here only.
    assert_eq!(
        m.ok("swstdevdisp", &["-h", "SV1"]),
        sv1.ok("swstdevdisp", &[])
    );
    let here = m.ok("swstdevdisp", &["/dev/hdisk1"]);
    assert!(
        here.lines().skip(1).all(|l| l.starts_with("MGR ")),
        "{here}"
    );
    // A server without backup management is left out.
    let sv2 = net.server("SV2", Some(&m));
    net.start(&sv2);
    let port = sv2.port.to_string();
    m.ok(
        "stgxfwcmaddsrv",
        &["-n", "SV2", "-i", "127.0.0.1", "-p", &port],
    );
    assert_eq!(m.ok("swstdevdisp", &[]), all);
    // The first server that fails stops the display, with its message.
    sv1.ok("stgfwcom", &["stop"]);
    let out = m.run("swstdevdisp", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("swst0902 "));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("MGR ") && !shown.contains("SV1 "), "{shown}");
}

#[test]
fn unknown_stopped_and_unauthenticated_servers_are_refused_at_once() {
    let net = Net::new();
    let (m, sv1) = mgr_and_sv1(&net);
    m.refused("swstsvrdisp", &["-h", "NOPE"], "swst0901", 1);
    m.refused("swsrpstat", &["-h", "NOPE"], "swsrp0901", 1);
    // -h is the Management Server's form.
    sv1.refused("swstsvrdisp", &["-h", "MGR"], "swst0906", 1);
    // A client whose certificate the site CA did not issue.
    let other = Net::new();
    let evil = other.server("MGR", None);
    std::fs::copy(
        m.path("/etc/opt/FJSVswstf/repository/repository.json"),
        evil.path("/etc/opt/FJSVswstf/repository/repository.json"),
    )
    .unwrap();
    let e = evil.refused("swstsvrdisp", &["-h", "SV1"], "swst0903", 1);
    assert!(e.contains("SV1"), "{e}");
    // A client with no certificate at all does not even try.
    std::fs::remove_dir_all(evil.path("/etc/opt/FJSVswstf/tls")).unwrap();
    evil.refused("swstsvrdisp", &["-h", "SV1"], "swst0907", 1);
    // A stopped daemon: refused at once, not after a timeout.
    sv1.ok("stgfwcom", &["stop"]);
    let t = Instant::now();
    m.refused("swstsvrdisp", &["-h", "SV1"], "swst0902", 1);
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_daemon_killed_mid_operation_gives_an_error_not_a_hang() {
    let net = Net::new();
    let (m, sv1) = mgr_and_sv1(&net);
    disks(&sv1, "B1", 2);
    sv1.ok("swstsvrset", &[]);
    sv1.ok("swstdevinfoset", &["-t", "/dev/hdisk1"]);
    sv1.ok("swstdevinfoset", &["-b", "/dev/hdisk2"]);
    sv1.ok("swstbkpolset", &["-s", "1", "/dev/hdisk1"]);
    // A pre-processing script that takes its time.
    let sh = sv1.path("/etc/opt/FJSVswsts/sh");
    std::fs::create_dir_all(&sh).unwrap();
    let pre = sh.join("OpcBackup.pre");
    std::fs::write(&pre, "#!/bin/sh\nsleep 3\nexit 0\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pre, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A request that outlives the request timeout: swst0904, in about that time.
    let t = Instant::now();
    let out = m
        .cmd("swstbackup")
        .env("ACM_REQUEST_TIMEOUT", "1")
        .args(["-h", "SV1", "/dev/hdisk1"])
        .output()
        .unwrap();
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("swst0904 "), "{err}");
    // The backup itself goes on on SV1 and ends.
    let t = Instant::now();
    while !sv1.ok("swsthistdisp", &[]).contains("/dev/hdisk2")
        || sv1.ok("swstexecstat", &[]).contains(" EXEC ")
    {
        assert!(t.elapsed() < Duration::from_secs(15));
        std::thread::sleep(Duration::from_millis(200));
    }
    // A daemon that dies during a request: a broken connection, at once.
    let client = m
        .cmd("swstbackup")
        .args(["-h", "SV1", "/dev/hdisk1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    let pid: i32 = std::fs::read_to_string(sv1.path("/var/opt/FJSVswstf/stgxfws.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let t = Instant::now();
    // SAFETY: plain kill(2) of the daemon this test started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let out = client.wait_with_output().unwrap();
    assert!(t.elapsed() < Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("swst0905 "), "{err}");
}

/// Whether the kernel holds an established TCP connection to local `port`
/// (accepted or still in the listener's backlog).
fn connected_to(port: u16) -> bool {
    let want = format!(":{port:04X}");
    std::fs::read_to_string("/proc/net/tcp")
        .unwrap_or_default()
        .lines()
        .skip(1)
        .any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() > 3 && f[1].ends_with(&want) && f[3] == "01"
        })
}

fn daemon_pid(s: &Server) -> i32 {
    std::fs::read_to_string(s.path("/var/opt/FJSVswstf/stgxfws.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_daemon_killed_at_any_moment_of_a_request_is_0905_every_time() {
    let net = Net::new();
    let (m, sv1) = mgr_and_sv1(&net);
    disks(&sv1, "B1", 2);
    sv1.ok("swstsvrset", &[]);
    sv1.ok("swstdevinfoset", &["-t", "/dev/hdisk1"]);
    sv1.ok("swstdevinfoset", &["-b", "/dev/hdisk2"]);
    sv1.ok("swstbkpolset", &["-s", "1", "/dev/hdisk1"]);
    sv1.ok("swstbackup", &["/dev/hdisk1"]);
    // swstbackstat asks the array about the generation; holding the array
    // (the array service's lease) keeps every request waiting on SV1 until
    // the daemon is killed.
    let lock = acm_sim::Array::open(&net.sim_home()).unwrap();
    // Kills from the handshake (0 ms after the connection exists) to well
    // inside the request.
    let delays = [0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 100, 300];
    for (round, ms) in delays.into_iter().enumerate() {
        if round > 0 {
            sv1.ok("stgfwcom", &["start"]);
        }
        let pid = daemon_pid(&sv1);
        let client = m
            .cmd("swstbackstat")
            .args(["-h", "SV1"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let t = Instant::now();
        while !connected_to(sv1.port) {
            assert!(t.elapsed() < Duration::from_secs(10), "round {round}");
            std::thread::yield_now();
        }
        std::thread::sleep(Duration::from_millis(ms));
        // SAFETY: plain kill(2) of the daemon this test started.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        let out = client.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "round {round} ({ms} ms): {err}");
        assert!(
            err.starts_with("swst0905 "),
            "round {round} ({ms} ms): {err}"
        );
    }
    // The requests left waiting on SV1 go on and end.
    drop(lock);
}

/// Runs `program args` on `to` through its daemon as the client `from`
/// (with `from`'s certificate): what any holder of a site certificate can send.
fn exec_as(from: &Server, to: &Server, program: &str, args: &[&str]) -> (i32, String) {
    use acm_comm::client::{exec, Timeouts};
    use acm_comm::tls::Identity;
    use acm_comm::wire::ExecRequest;
    let id = Identity::load(&from.path("/etc/opt/FJSVswstf/tls")).unwrap();
    let req = ExecRequest {
        program: program.into(),
        args: args.iter().map(|a| a.to_string()).collect(),
        stdin: Vec::new(),
        // A client cannot unset the marker the daemon sets.
        env: vec![("ACM_REMOTE_CLIENT".into(), String::new())],
    };
    let addr = format!("127.0.0.1:{}", to.port);
    let resp = exec(&addr, &to.name, &id, &req, &Timeouts::default()).unwrap();
    (
        resp.status,
        String::from_utf8_lossy(&resp.stderr).into_owned(),
    )
}

#[test]
fn a_remote_client_names_only_directories_under_the_servers_roots() {
    let net = Net::new();
    let (m, sv1) = mgr_and_sv1(&net);
    disks(&sv1, "B1", 1);
    sv1.ok("swstsvrset", &[]);
    let outside = net.dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let out = outside.to_str().unwrap();
    let refused = |program: &str, args: &[&str], id: &str| {
        let (status, err) = exec_as(&m, &sv1, program, args);
        assert_eq!(status, 1, "{program} {args:?}: {err}");
        assert!(
            err.starts_with(&format!("{id} ")),
            "{program} {args:?}: {err}"
        );
        assert!(!id.ends_with("0909") || err.contains("client MGR"), "{err}");
    };
    // Outside every root: refused, nothing written.
    refused("acmcapture", &[out], "swstf0909");
    refused("swstresback", &[out], "swst0909");
    refused("swstresrst", &[out], "swst0909");
    refused("stgmgrinfoset", &["-d", out, "-c", "ASCII"], "swstf0909");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    // The default root, /var/opt/FJSVswstf/remote: allowed.
    let root = sv1.path("/var/opt/FJSVswstf/remote");
    std::fs::create_dir_all(root.join("cap")).unwrap();
    let cap = root.join("cap");
    let (status, err) = exec_as(&m, &sv1, "acmcapture", &[cap.to_str().unwrap()]);
    assert_eq!(status, 0, "{err}");
    assert_eq!(std::fs::read_dir(&cap).unwrap().count(), 1);
    let (status, err) = exec_as(&m, &sv1, "swstresback", &[root.to_str().unwrap()]);
    assert_eq!(status, 0, "{err}");
    assert!(root.join("FJSVswsts/swstlist.redb").is_file());
    // Out of a root by a link or by '..': outside.
    std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
    refused(
        "acmcapture",
        &[root.join("link").to_str().unwrap()],
        "swstf0909",
    );
    let up = format!("{}/cap/../../../../../outside", root.display());
    refused("acmcapture", &[&up], "swstf0909");
    refused("acmcapture", &["relative"], "swstf0909");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    // The server's own list of roots replaces the default.
    let roots = sv1.path("/etc/opt/swstorage/remote_dirs");
    std::fs::write(&roots, format!("# for MGR\n{out}\n")).unwrap();
    let (status, err) = exec_as(&m, &sv1, "acmcapture", &[out]);
    assert_eq!(status, 0, "{err}");
    refused("acmcapture", &[cap.to_str().unwrap()], "swstf0909");
    std::fs::write(&roots, "").unwrap();
    refused("acmcapture", &[out], "swstf0909");
    std::fs::write(&roots, "var/tmp\n").unwrap();
    refused("acmcapture", &[out], "swstf0005");
    // Run on the server itself, by its root, any directory is the operator's.
    std::fs::remove_file(&roots).unwrap();
    let local = net.dir.path().join("local");
    std::fs::create_dir_all(&local).unwrap();
    sv1.ok("acmcapture", &[local.to_str().unwrap()]);
    sv1.ok("swstresback", &[local.to_str().unwrap()]);
}

#[test]
fn server_to_server_replication_goes_through_the_daemons() {
    let net = Net::new();
    let (m, sv1) = mgr_and_sv1(&net);
    let sv2 = net.server("SV2", Some(&m));
    net.start(&sv2);
    let port = sv2.port.to_string();
    m.ok(
        "stgxfwcmaddsrv",
        &["-n", "SV2", "-i", "127.0.0.1", "-p", &port],
    );
    disks(&sv1, "B1", 1);
    disks(&sv2, "B2", 1);
    sv1.ok("acmsim", &["path", "B1", "B2", "up"]);
    // SV2's destination pre-processing leaves a mark.
    let sh = sv2.path("/etc/opt/FJSVswsrp/sh");
    std::fs::create_dir_all(&sh).unwrap();
    let mark = sv2.path("/tmp/repdst.pre.ran");
    for name in ["RepDst.pre", "RepDst.post", "RepSrc.pre", "RepSrc.post"] {
        let body = if name == "RepDst.pre" {
            format!(
                "#!/bin/sh\nmkdir -p {0}\necho \"$1\" > {1}\nexit 0\n",
                mark.parent().unwrap().display(),
                mark.display()
            )
        } else {
            "#!/bin/sh\nexit 0\n".to_string()
        };
        let p = sh.join(name);
        std::fs::write(&p, body).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        let p1 = sv1.path("/etc/opt/FJSVswsrp/sh").join(name);
        std::fs::create_dir_all(p1.parent().unwrap()).unwrap();
        std::fs::write(&p1, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&p1, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    assert!(!sv1.path("/etc/opt/swstorage/peers.ini").exists());
    sv1.ok(
        "swsrpsetvol",
        &["-o", "ORG", "/dev/hdisk1", "/dev/hdisk1@SV2"],
    );
    let info = sv2.ok("swsrpvolinfo", &[]);
    assert!(
        info.contains("/dev/hdisk1@SV1") && info.contains("/dev/hdisk1@SV2"),
        "{info}"
    );
    sv1.ok("acmsim", &["write", "/dev/hdisk1", "--seed", "11"]);
    m.ok(
        "swsrpstartsync",
        &["-h", "SV1", "-y", "/dev/hdisk1", "/dev/hdisk1@SV2"],
    );
    assert!(mark.is_file(), "RepDst.pre did not run on SV2");
    let t = Instant::now();
    loop {
        let stat = m.ok("swsrpstat", &["-h", "SV1", "/dev/hdisk1"]);
        if stat.contains("equivalent") {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(30), "{stat}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let made = m.ok(
        "swsrpmake",
        &["-h", "SV1", "/dev/hdisk1", "/dev/hdisk1@SV2"],
    );
    assert_eq!(
        made,
        "FROM=/dev/hdisk1@SV1,TO=/dev/hdisk1@SV2 swsrpmake completed\n"
    );
    assert_eq!(checksum(&sv1, "/dev/hdisk1"), checksum(&sv2, "/dev/hdisk1"));
    // The non-operation server's status check needs SV2: with its daemon
    // stopped, only -m gets through.
    sv2.ok("stgfwcom", &["stop"]);
    sv1.refused(
        "swsrpcancel",
        &["/dev/hdisk1", "/dev/hdisk1@SV2"],
        "swsrp0902",
        1,
    );
    sv1.ok("swsrpcancel", &["-m", "/dev/hdisk1", "/dev/hdisk1@SV2"]);
}

#[test]
fn devices_and_management_information_come_over_the_daemons() {
    let net = Net::new();
    let (m, sv1) = mgr_and_sv1(&net);
    disks(&sv1, "B1", 2);
    assert!(!m.path("/etc/opt/swstorage/peers.ini").exists());
    m.ok("stgxfwcmsetdev", &["-n", "SV1"]);
    let devs = m.ok("stgxfwcmdispdev", &["-n", "SV1"]);
    assert!(
        devs.contains("/dev/hdisk1") && devs.contains("/dev/hdisk2"),
        "{devs}"
    );
    let servers = m.ok("stgxfwcmdispsrv", &[]);
    assert!(
        servers.contains("MGR") && servers.contains("SV1"),
        "{servers}"
    );
    // Package backup of the registries of both servers, run on the Management Server.
    let store = net.dir.path().join("pkg_store");
    std::fs::create_dir_all(&store).unwrap();
    m.ok(
        "stgmgrinfoset",
        &["-d", store.to_str().unwrap(), "-c", "ASCII"],
    );
    let out = m.ok("stgmgrinfobkup", &["-t", "RegiData"]);
    assert!(out.contains("Server name=SV1"), "{out}");
    assert!(out.trim_end().ends_with(
        "swstf3021 The normal end of the backup of management information was carried out by all servers."
    ));
    let saved = std::fs::read_to_string(store.join("SV1/RegiData/swnode.ini")).unwrap();
    assert!(saved.contains("ServerName=SV1"), "{saved}");
    // swstsrsemtch -x on SV1 brings the repository into line with SV1's devices.
    sv1.ok("acmsim", &["lun", "create", "B1", "--size", "4M"]);
    sv1.ok("acmsim", &["host", "attach", "B1", "2", "/dev/hdisk3"]);
    assert!(!m
        .ok("stgxfwcmdispdev", &["-n", "SV1"])
        .contains("/dev/hdisk3"));
    sv1.ok("swstsvrset", &[]);
    assert_eq!(sv1.ok("swstsrsemtch", &["-x"]), "swstsrsemtch completed\n");
    assert!(m
        .ok("stgxfwcmdispdev", &["-n", "SV1"])
        .contains("/dev/hdisk3"));
    // A server the Management Server does not know: swst1805 with its reason.
    let sv9 = net.server("SV9", Some(&m));
    sv9.ok("swstsvrset", &[]);
    let e = sv9.refused("swstsrsemtch", &["-x"], "swst1805", 1);
    assert!(e.contains("SV9"), "{e}");
}

/// A loopback port that forwards every connection to `port` after `delay`: a
/// slow link to a server (the server itself is as fast as ever).
fn slow_link(port: u16, delay: Duration) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let at = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            std::thread::spawn(move || {
                std::thread::sleep(delay);
                let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
                    return;
                };
                let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let up = std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c2, &mut s2);
                    let _ = s2.shutdown(std::net::Shutdown::Write);
                });
                let (mut c, mut s) = (client, server);
                let _ = std::io::copy(&mut s, &mut c);
                let _ = c.shutdown(std::net::Shutdown::Write);
                let _ = up.join();
            });
        }
    });
    at
}

#[test]
fn a_display_over_ten_servers_costs_the_slowest_and_stops_at_the_first_failure() {
    let net = Net::new();
    let m = net.server("MGR", None);
    net.start(&m);
    let backup_managed = |s: &Server, i: usize| {
        disks(s, &format!("B{i}"), 1);
        s.ok("swstsvrset", &[]);
        s.ok("swstdevinfoset", &["-t", "/dev/hdisk1"]);
    };
    backup_managed(&m, 0);
    // Ten Managed Servers, each 600 ms away: asked one after the other the
    // display would take six seconds.
    let delay = Duration::from_millis(600);
    let servers: Vec<Server> = (1..=10)
        .map(|i| {
            let s = net.server(&format!("SV{i}"), Some(&m));
            net.start(&s);
            backup_managed(&s, i);
            let port = slow_link(s.port, delay).to_string();
            m.ok(
                "stgxfwcmaddsrv",
                &["-n", &s.name, "-i", "127.0.0.1", "-p", &port],
            );
            s
        })
        .collect();
    let t = Instant::now();
    let all = m.ok("swstdevdisp", &[]);
    let took = t.elapsed();
    let names: Vec<&str> = all
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let mut want = vec!["MGR".to_string()];
    want.extend((1..=10).map(|i| format!("SV{i}")));
    assert_eq!(names, want, "registered order: {all}");
    assert_eq!(all.lines().filter(|l| l.starts_with("Server")).count(), 1);
    assert!(took >= delay, "{took:?}");
    assert!(took < delay * 5, "ten servers cost {took:?}, not about one");
    // Two of them stopped: the display ends at the first, in registered order,
    // with its message and status (SV8's failure is never shown).
    servers[3].ok("stgfwcom", &["stop"]);
    servers[7].ok("stgfwcom", &["stop"]);
    let out = m.run("swstdevdisp", &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("swst090"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let shown: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert_eq!(shown, ["MGR", "SV1", "SV2", "SV3"], "{err}");
}

#[test]
fn package_backup_asks_its_servers_at_once_and_reports_in_their_order() {
    let net = Net::new();
    let m = net.server("MGR", None);
    net.start(&m);
    // Three Managed Servers, each 800 ms away: one after the other the
    // backup would take 2.4 s (plus the work).
    let delay = Duration::from_millis(800);
    let names = ["SV1", "SV2", "SV3"];
    let _servers: Vec<Server> = names
        .iter()
        .map(|name| {
            let s = net.server(name, Some(&m));
            net.start(&s);
            let port = slow_link(s.port, delay).to_string();
            m.ok(
                "stgxfwcmaddsrv",
                &["-n", name, "-i", "127.0.0.1", "-p", &port],
            );
            s
        })
        .collect();
    let store = net.dir.path().join("pkg_store");
    std::fs::create_dir_all(&store).unwrap();
    m.ok(
        "stgmgrinfoset",
        &["-d", store.to_str().unwrap(), "-c", "ASCII"],
    );
    let t = Instant::now();
    let out = m.ok("stgmgrinfobkup", &["-t", "RegiData"]);
    let took = t.elapsed();
    assert!(took >= delay, "{took:?}");
    assert!(
        took < delay * 2,
        "three servers cost {took:?}, not about one"
    );
    // Each server's start line, then its end line, in the servers' order.
    let lines: Vec<(String, String)> = out
        .lines()
        .filter_map(|l| {
            let id = l.split_whitespace().next()?.to_string();
            let server = l.rsplit("Server name=").next()?.to_string();
            l.contains("Server name=").then_some((id, server))
        })
        .collect();
    let mut want = Vec::new();
    for server in ["MGR", "SV1", "SV2", "SV3"] {
        want.push(("swstf3014".to_string(), server.to_string()));
        want.push(("swstf3020".to_string(), server.to_string()));
    }
    assert_eq!(lines, want, "{out}");
    assert!(out.trim_end().ends_with(
        "swstf3021 The normal end of the backup of management information was carried out by all servers."
    ));
    // The status file kept every server's record, though they ended together.
    let shown = m.ok("stgmgrinfodisp", &[]);
    for server in ["MGR", "SV1", "SV2", "SV3"] {
        assert!(
            shown.contains(&format!("Server:      {server}\n")),
            "{shown}"
        );
        let saved =
            std::fs::read_to_string(store.join(server).join("RegiData/swnode.ini")).unwrap();
        assert!(saved.contains(&format!("ServerName={server}")), "{saved}");
    }
}
