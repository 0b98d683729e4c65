//! The repository contract: one suite, two backends. Every test of
//! [`contract!`] runs once with the embedded file repository and once with
//! the repository in a real PostgreSQL server the test starts itself
//! (`acm_testkit::postgres`): the same commands, outputs, refusals and
//! message IDs. The PostgreSQL-only tests below them are about what only a
//! database can do: stop in the middle of a command, refuse a password file,
//! be of a newer schema, and be copied to and from the file repository.

use crate::common::*;
use acm_testkit::postgres::Server;
use acm_testkit::Scratch;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    File,
    Postgres,
}

/// MGR and SV1 (as `common::two`), the repository in `backend`, SV1 registered.
struct Site {
    s: Scratch,
    /// Kept running for the test's life.
    pg: Option<Server>,
}

impl std::ops::Deref for Site {
    type Target = Scratch;
    fn deref(&self) -> &Scratch {
        &self.s
    }
}

fn repository_dir(s: &Scratch) -> PathBuf {
    s.root().join("etc/opt/FJSVswstf/repository")
}

/// Writes MGR's `repository.ini` naming database `db` of `pg`, with the
/// password in a file only root may read.
fn configure(s: &Scratch, pg: &Server, db: &str, backend: &str) {
    use std::os::unix::fs::PermissionsExt;
    let dir = repository_dir(s);
    let pw = dir.join("pgpass");
    write(&pw, &format!("{}\n", pg.password()));
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
    write(
        &dir.join("repository.ini"),
        &format!(
            "# the repository backend\nBackend={backend}\nConnection={}\nPasswordFile={}\n",
            pg.connection(db),
            pw.display()
        ),
    );
}

/// A site, or `None` when PostgreSQL is wanted and missing (the test then
/// says so, or fails under CI).
fn site(backend: Backend, luns: u32) -> Option<Site> {
    let s = two(luns);
    let pg = match backend {
        Backend::File => None,
        Backend::Postgres => {
            let pg = Server::start()?;
            pg.create_database("acm");
            configure(&s, &pg, "acm", "postgresql");
            Some(pg)
        }
    };
    ok(
        &s,
        "stgxfwcmaddsrv",
        &["-n", "SV1", "-i", "127.0.0.1", "-p", "1226"],
    );
    Some(Site { s, pg })
}

/// What the repository shows: every server, and the devices of each.
fn shown(s: &Scratch) -> String {
    let servers = ok(s, "stgxfwcmdispsrv", &[]);
    let mut all = servers.clone();
    for row in tokens(&servers).iter().skip(1) {
        all.push_str(&ok(s, "stgxfwcmdispdev", &["-n", &row[0]]));
    }
    all
}

/// Expects refusal `id` (exit 1, one line, nothing on stdout) and the
/// repository as it was, whichever backend holds it.
fn refuse(s: &Scratch, program: &str, args: &[&str], id: &str) -> String {
    let before = shown(s);
    let out = run(s, program, args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{program} {args:?}: {err}");
    assert!(err.starts_with(&format!("{id} ")), "expected {id}: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(out.stdout.is_empty(), "{program}: {:?}", out.stdout);
    assert_eq!(
        shown(s),
        before,
        "{program} {args:?} changed the repository"
    );
    err
}

/// Each test of the list, generated once per backend.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod file {
            $( #[test] fn $name() { super::$name(super::Backend::File) } )*
        }
        mod postgresql {
            $( #[test] fn $name() { super::$name(super::Backend::Postgres) } )*
        }
    };
}

contract!(
    servers_are_added_changed_shown_and_deleted,
    devices_are_fetched_shown_and_deleted,
    repcnv_rewrites_the_repository_in_place,
    package_backup_reaches_the_repositorys_servers,
    semtch_x_brings_the_repository_into_line,
    setdev_of_20_servers_at_once_loses_nothing,
);

fn servers_are_added_changed_shown_and_deleted(b: Backend) {
    let Some(s) = site(b, 2) else { return };
    let t = tokens(&ok(&s, "stgxfwcmdispsrv", &[]));
    assert_eq!(t[1][..2], ["MGR", "Management-Server"]);
    assert_eq!(t[2], ["SV1", "Managed-Server", "127.0.0.1", "1226"]);
    refuse(
        &s,
        "stgxfwcmaddsrv",
        &["-n", "SV1", "-i", "127.0.0.1", "-p", "1226"],
        "swstf1003",
    );
    refuse(
        &s,
        "stgxfwcmaddsrv",
        &["-n", "SV2", "-i", "127.0.0.1", "-p", "80"],
        "swstf1004",
    );
    ok(
        &s,
        "stgxfwcmmodsrv",
        &["-n", "SV1", "-i", "192.0.2.11", "-p", "1300"],
    );
    assert_eq!(
        tokens(&ok(&s, "stgxfwcmdispsrv", &["-n", "SV1"]))[1],
        ["SV1", "Managed-Server", "192.0.2.11", "1300"]
    );
    refuse(
        &s,
        "stgxfwcmmodsrv",
        &["-n", "SV2", "-p", "1300"],
        "swstf1002",
    );
    refuse(
        &s,
        "stgxfwcmmodsrv",
        &["-n", "MGR", "-p", "1300"],
        "swstf1019",
    );
    refuse(
        &s,
        "stgxfwcmmodsrv",
        &["-n", "SV1", "-s", "MGR"],
        "swstf1003",
    );
    refuse(&s, "stgxfwcmdispsrv", &["-n", "SV2"], "swstf1002");
    refuse(&s, "stgxfwcmdelsrv", &["-n", "MGR"], "swstf1007");
    refuse(&s, "stgxfwcmdelsrv", &["-n", "SV2"], "swstf1002");
    // A rename moves the server's devices with it.
    ok(&s, "stgxfwcmsetdev", &["-n", "SV1"]);
    write(
        &sv1(&s).join("etc/opt/swstorage/swnode.ini"),
        "ServerName=SV9\nManagerIpAddress=127.0.0.1\nManagerPort=1226\nManagerName=MGR\n",
    );
    write(
        &s.root().join("etc/opt/swstorage/peers.ini"),
        &format!("SV9={}\n", sv1(&s).display()),
    );
    ok(&s, "stgxfwcmmodsrv", &["-n", "SV1", "-s", "SV9"]);
    assert_eq!(tokens(&ok(&s, "stgxfwcmdispdev", &["-n", "SV9"])).len(), 4);
    refuse(&s, "stgxfwcmdispdev", &["-n", "SV1"], "swstf1002");
    let err = refuse(&s, "stgxfwcmdelsrv", &["-n", "SV9"], "swstf1008");
    assert!(err.contains("3 device"), "{err}");
    for d in ["/dev/hdisk1", "/dev/hdisk2", "/dev/vg01"] {
        ok(&s, "stgxfwcmdeldev", &["-n", "SV9", "-d", d]);
    }
    ok(&s, "stgxfwcmdelsrv", &["-n", "SV9"]);
    assert_eq!(tokens(&ok(&s, "stgxfwcmdispsrv", &[])).len(), 2);
    // Registered again after a deletion: last, in registration order.
    let sv2 = peer(&s, "SV2");
    write(
        &s.root().join("etc/opt/swstorage/peers.ini"),
        &format!("SV9={}\nSV2={}\n", sv1(&s).display(), sv2.display()),
    );
    for name in ["SV2", "SV9"] {
        ok(
            &s,
            "stgxfwcmaddsrv",
            &["-n", name, "-i", "127.0.0.1", "-p", "1226"],
        );
    }
    let names = |s: &Scratch| -> Vec<String> {
        tokens(&ok(s, "stgxfwcmdispsrv", &[]))
            .iter()
            .skip(1)
            .map(|r| r[0].clone())
            .collect()
    };
    assert_eq!(names(&s), ["MGR", "SV2", "SV9"]);
    // A change file is all or nothing: a refusal on its last line keeps the
    // earlier lines from being saved.
    ok(&s, "stgxfwcmsetdev", &["-n", "SV9"]);
    let file = s.path().join("changes");
    write(
        &file,
        "SV9 127.0.0.1 1226\nSV2 192.0.2.2 1400\nSV1 127.0.0.1 1226\n",
    );
    let f = file.to_str().unwrap();
    refuse(&s, "stgxfwcmmodsrv", &["-f", f], "swstf1002");
    assert_eq!(names(&s), ["MGR", "SV2", "SV9"]);
    assert_eq!(tokens(&ok(&s, "stgxfwcmdispdev", &["-n", "SV9"])).len(), 4);
}

/// A Managed Server `name` that answers as itself: its own state root, with
/// MGR as its Management Server (a local peer once `peers.ini` names it).
fn peer(s: &Scratch, name: &str) -> PathBuf {
    let root = s.path().join(name);
    write(
        &root.join("etc/opt/swstorage/swnode.ini"),
        &format!(
            "ServerName={name}\nManagerIpAddress=127.0.0.1\nManagerPort=1226\nManagerName=MGR\n"
        ),
    );
    write(
        &root.join("etc/opt/swstorage/peers.ini"),
        &format!("MGR={}\n", s.root().display()),
    );
    root
}

fn devices_are_fetched_shown_and_deleted(b: Backend) {
    let Some(s) = site(b, 3) else { return };
    ok(&s, "stgxfwcmsetdev", &["-n", "SV1", "-d", "/dev/hdisk3"]);
    let t = tokens(&ok(&s, "stgxfwcmdispdev", &["-n", "SV1"]));
    assert_eq!(t.len(), 2);
    assert_eq!(t[1][0], "/dev/hdisk3");
    ok(&s, "stgxfwcmsetdev", &["-n", "SV1"]);
    let rows: Vec<String> = tokens(&ok(&s, "stgxfwcmdispdev", &["-n", "SV1"]))
        .iter()
        .skip(1)
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(
        rows,
        ["/dev/hdisk1", "/dev/hdisk2", "/dev/hdisk3", "/dev/vg01"]
    );
    let j: serde_json::Value =
        serde_json::from_str(&ok(&s, "stgxfwcmdispdev", &["-n", "SV1", "-Xjson"])).unwrap();
    assert_eq!(j[0]["vg"], "/dev/vg01");
    assert_eq!(
        tokens(&ok(
            &s,
            "stgxfwcmdisppat",
            &["-n", "SV1", "-d", "/dev/vg01"]
        ))[2],
        ["/dev/vg01", "/dev/lv01", "lv", "/mnt/vg01"]
    );
    ok(&s, "stgxfwcmdeldev", &["-n", "SV1", "-d", "/dev/hdisk3"]);
    assert_eq!(tokens(&ok(&s, "stgxfwcmdispdev", &["-n", "SV1"])).len(), 4);
    refuse(
        &s,
        "stgxfwcmdeldev",
        &["-n", "SV1", "-d", "/dev/hdisk3"],
        "swstf1010",
    );
    refuse(
        &s,
        "stgxfwcmdispdev",
        &["-n", "SV1", "-d", "/dev/hdisk3"],
        "swstf1010",
    );
    refuse(
        &s,
        "stgxfwcmdisppat",
        &["-n", "SV1", "-d", "/dev/hdisk9"],
        "swstf1010",
    );
    refuse(
        &s,
        "stgxfwcmsetdev",
        &["-n", "SV1", "-d", "/dev/hdisk9"],
        "swstf1010",
    );
    refuse(&s, "stgxfwcmsetdev", &["-n", "SV2"], "swstf1002");
    refuse(&s, "stgxfwcmdispdev", &["-n", "SV2"], "swstf1002");
    // The Management Server's own devices: none attached, an empty table.
    ok(&s, "stgxfwcmsetdev", &[]);
    assert_eq!(tokens(&ok(&s, "stgxfwcmdispdev", &["-n", "MGR"])).len(), 1);
    refused_in(&s, &sv1(&s), "stgxfwcmsetdev", &[], "swstf1001");
}

fn repcnv_rewrites_the_repository_in_place(b: Backend) {
    let Some(s) = site(b, 2) else { return };
    ok(&s, "stgxfwcmsetdev", &["-n", "SV1"]);
    let before = shown(&s);
    assert_eq!(
        ok(&s, "stgrepcnv", &[]),
        "swstf5000 Repository data migration completed. Servers=1, Devices=3\n"
    );
    assert_eq!(shown(&s), before);
    let out = run(&s, "stgrepcnv", &["-Xto", "mysql"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

fn package_backup_reaches_the_repositorys_servers(b: Backend) {
    let Some(s) = site(b, 1) else { return };
    let store = s.path().join("pkg_store");
    std::fs::create_dir_all(&store).unwrap();
    ok(
        &s,
        "stgmgrinfoset",
        &["-d", store.to_str().unwrap(), "-c", "ASCII"],
    );
    let out = ok(&s, "stgmgrinfobkup", &["-t", "RegiData"]);
    assert!(out.contains("Server name=SV1"), "{out}");
    assert!(out.contains("Server name=MGR"), "{out}");
    let saved = std::fs::read_to_string(store.join("SV1/RegiData/swnode.ini")).unwrap();
    assert!(saved.contains("ServerName=SV1"), "{saved}");
}

fn semtch_x_brings_the_repository_into_line(b: Backend) {
    let Some(s) = site(b, 2) else { return };
    assert_eq!(tokens(&ok(&s, "stgxfwcmdispdev", &["-n", "SV1"])).len(), 1);
    ok_in(&s, &sv1(&s), &bin("swstsvrset"), &[]);
    assert_eq!(
        ok_in(&s, &sv1(&s), &bin("swstsrsemtch"), &["-x"]),
        "swstsrsemtch completed\n"
    );
    assert_eq!(tokens(&ok(&s, "stgxfwcmdispdev", &["-n", "SV1"])).len(), 4);
}

/// 20 Managed Servers besides SV1, each with 1 to 3 disks, registered; then
/// one `stgxfwcmsetdev` per server, all started at once as separate
/// processes: every server's devices are there afterwards.
fn setdev_of_20_servers_at_once_loses_nothing(b: Backend) {
    let Some(s) = site(b, 3) else { return };
    let names: Vec<String> = (1..=20).map(|i| format!("SV{i:02}")).collect();
    let mut peers = format!("SV1={}\n", sv1(&s).display());
    for (i, name) in names.iter().enumerate() {
        let root = s.path().join(name);
        write(
            &root.join("etc/opt/swstorage/swnode.ini"),
            &format!(
                "ServerName={name}\nManagerIpAddress=127.0.0.1\nManagerPort=1226\nManagerName=MGR\n"
            ),
        );
        write(
            &root.join("etc/opt/swstorage/peers.ini"),
            &format!("MGR={}\n", s.root().display()),
        );
        let box_id = acm_host::HostStore::open_at(sv1(&s).join("var/opt/acmsim-host"))
            .load()
            .unwrap()
            .disks["/dev/hdisk1"]
            .box_id
            .clone();
        acm_host::HostStore::open_at(root.join("var/opt/acmsim-host"))
            .update(|h| {
                for olu in 0..(i as u32 % 3 + 1) {
                    h.attach(
                        &format!("/dev/hdisk{}", olu + 1),
                        acm_host::Disk {
                            box_name: "B1".into(),
                            box_id: box_id.clone(),
                            olu,
                            size: LUN,
                            vxvm: false,
                            node: None,
                            block: None,
                        },
                    )?;
                }
                Ok(())
            })
            .unwrap();
        peers.push_str(&format!("{name}={}\n", root.display()));
    }
    write(&s.root().join("etc/opt/swstorage/peers.ini"), &peers);
    for name in &names {
        ok(
            &s,
            "stgxfwcmaddsrv",
            &["-n", name, "-i", "127.0.0.1", "-p", "1226"],
        );
    }
    let children: Vec<_> = names
        .iter()
        .map(|name| {
            Command::new(bin("stgxfwcmsetdev"))
                .env("ACM_ROOT", s.root())
                .env("ACMSIM_HOME", s.sim_home())
                .env_remove("SWSTGNODE")
                .args(["-n", name])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (name, child) in names.iter().zip(children) {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for (i, name) in names.iter().enumerate() {
        let t = tokens(&ok(&s, "stgxfwcmdispdev", &["-n", name]));
        assert_eq!(t.len() - 1, i % 3 + 1, "{name}: {t:?}");
    }
    assert_eq!(tokens(&ok(&s, "stgxfwcmdispsrv", &[])).len(), 23);
}

// ----- PostgreSQL only -----

/// Waits until `sql` (a count) on `pg` is no longer 0.
fn until(pg: &Server, sql: &str) {
    let t0 = Instant::now();
    while pg.psql("acm", sql) == "0" {
        assert!(t0.elapsed() < Duration::from_secs(20), "never: {sql}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The server commands touch no device row: with every device record in
/// the database damaged (a whole-document change would decode them all and
/// fail), a server is still added, changed, renamed and deleted; the
/// devices of a renamed server follow it, still as they were.
#[test]
fn postgresql_server_commands_read_no_device() {
    let Some(s) = site(Backend::Postgres, 2) else {
        return;
    };
    let pg = s.pg.as_ref().unwrap();
    ok(&s, "stgxfwcmsetdev", &["-n", "SV1"]);
    pg.psql("acm", "UPDATE acm_devices SET record = 'damaged'");
    let out = run(&s, "stgxfwcmdispdev", &["-n", "SV1"]);
    assert_eq!(out.status.code(), Some(1), "the damage is visible");
    let sv2 = peer(&s, "SV2");
    write(
        &s.root().join("etc/opt/swstorage/peers.ini"),
        &format!("SV1={}\nSV2={}\n", sv1(&s).display(), sv2.display()),
    );
    ok(
        &s,
        "stgxfwcmaddsrv",
        &["-n", "SV2", "-i", "127.0.0.1", "-p", "1226"],
    );
    ok(&s, "stgxfwcmmodsrv", &["-n", "SV2", "-p", "1300"]);
    write(
        &sv2.join("etc/opt/swstorage/swnode.ini"),
        "ServerName=SV3\nManagerIpAddress=127.0.0.1\nManagerPort=1226\nManagerName=MGR\n",
    );
    write(
        &s.root().join("etc/opt/swstorage/peers.ini"),
        &format!("SV1={}\nSV3={}\n", sv1(&s).display(), sv2.display()),
    );
    ok(&s, "stgxfwcmmodsrv", &["-n", "SV2", "-s", "SV3"]);
    let t = tokens(&ok(&s, "stgxfwcmdispsrv", &[]));
    assert_eq!(t[3], ["SV3", "Managed-Server", "127.0.0.1", "1300"]);
    let err =
        String::from_utf8_lossy(&run(&s, "stgxfwcmdelsrv", &["-n", "SV1"]).stderr).into_owned();
    assert!(err.starts_with("swstf1008 "), "{err}");
    ok(&s, "stgxfwcmdelsrv", &["-n", "SV3"]);
    assert_eq!(tokens(&ok(&s, "stgxfwcmdispsrv", &[])).len(), 3);
    assert_eq!(
        pg.psql(
            "acm",
            "SELECT count(*) FROM acm_devices WHERE server = 'SV1' AND record = 'damaged'"
        ),
        "3"
    );
}

#[test]
fn postgresql_stopped_mid_command_then_restarted() {
    let Some(s) = site(Backend::Postgres, 3) else {
        return;
    };
    let pg = s.pg.as_ref().unwrap();
    ok(&s, "stgxfwcmsetdev", &["-n", "SV1", "-d", "/dev/hdisk1"]);
    let before = shown(&s);
    // Another session holds the repository lock; the fetch waits inside its
    // transaction, then the server stops under it.
    let mut holder = pg.spawn_psql(
        "acm",
        "BEGIN; SELECT 1 FROM acm_lock FOR UPDATE; SELECT pg_sleep(60); COMMIT;",
    );
    until(
        pg,
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'",
    );
    let fetch = Command::new(bin("stgxfwcmsetdev"))
        .env("ACM_ROOT", s.root())
        .env("ACMSIM_HOME", s.sim_home())
        .env_remove("SWSTGNODE")
        .args(["-n", "SV1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    until(
        pg,
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
    );
    pg.stop();
    let out = fetch.wait_with_output().unwrap();
    let _ = holder.wait();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.starts_with("swstf1020 "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // Stopped: every command says so with the same ID.
    let err = String::from_utf8_lossy(&run(&s, "stgxfwcmdispsrv", &[]).stderr).into_owned();
    assert!(err.starts_with("swstf1020 "), "{err}");
    // Restarted: nothing was half-written, and the next command works.
    pg.start_again();
    assert_eq!(shown(&s), before);
    ok(&s, "stgxfwcmsetdev", &["-n", "SV1"]);
    assert_eq!(tokens(&ok(&s, "stgxfwcmdispdev", &["-n", "SV1"])).len(), 5);
}

#[test]
fn postgresql_configuration_refusals() {
    use std::os::unix::fs::PermissionsExt;
    let Some(s) = site(Backend::Postgres, 1) else {
        return;
    };
    let pg = s.pg.as_ref().unwrap();
    // A password file others may read is refused, naming its mode.
    let pw = repository_dir(&s).join("pgpass");
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run(&s, "stgxfwcmdispsrv", &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("swstf1020 ") && err.contains("0644"),
        "{err}"
    );
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
    // A wrong password: the server's refusal, with the ID.
    write(&pw, "wrong\n");
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
    let err = refuse_unreadable(&s);
    assert!(err.contains("password"), "{err}");
    configure(&s, pg, "acm", "postgresql");
    // A database of a newer schema is refused, naming its version.
    pg.psql(
        "acm",
        "INSERT INTO acm_schema_version (version) VALUES (99)",
    );
    let err = refuse_unreadable(&s);
    assert!(err.contains("version 99"), "{err}");
    pg.psql("acm", "DELETE FROM acm_schema_version WHERE version = 99");
    // A typo in repository.ini is refused too, never taken for the file backend.
    write(
        &repository_dir(&s).join("repository.ini"),
        "Backend=postgres\n",
    );
    assert!(refuse_unreadable(&s).contains("line 1"));
    configure(&s, pg, "acm", "postgresql");
    assert_eq!(tokens(&ok(&s, "stgxfwcmdispsrv", &[])).len(), 3);
}

/// `stgxfwcmdispsrv` refused with `swstf1020`; the message.
fn refuse_unreadable(s: &Scratch) -> String {
    let out = run(s, "stgxfwcmdispsrv", &[]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.starts_with("swstf1020 "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

#[test]
fn repcnv_copies_the_file_repository_into_postgresql_and_back() {
    let Some(s) = site(Backend::File, 2) else {
        return;
    };
    let Some(pg) = Server::start() else { return };
    pg.create_database("acm");
    ok(&s, "stgxfwcmsetdev", &["-n", "SV1"]);
    let file_view = shown(&s);
    // The connection is configured while the file backend is still in use.
    configure(&s, &pg, "acm", "file");
    assert_eq!(
        ok(&s, "stgrepcnv", &["-Xto", "postgresql"]),
        "swstf5000 Repository data migration completed. Servers=1, Devices=3\n"
    );
    configure(&s, &pg, "acm", "postgresql");
    assert_eq!(shown(&s), file_view);
    assert_eq!(
        pg.psql(
            "acm",
            "SELECT count(*) FROM acm_devices WHERE server = 'SV1'"
        ),
        "3"
    );
    // A change in the database, then back to the file.
    ok(&s, "stgxfwcmdeldev", &["-n", "SV1", "-d", "/dev/hdisk2"]);
    let pg_view = shown(&s);
    let out = run(&s, "stgrepcnv", &["-Xto", "file", "-d", "/tmp"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(
        ok(&s, "stgrepcnv", &["-Xto", "file"]),
        "swstf5000 Repository data migration completed. Servers=1, Devices=2\n"
    );
    configure(&s, &pg, "acm", "file");
    assert_eq!(shown(&s), pg_view);
    assert!(repository(&s).is_file());
    // Without a Connection there is nothing to copy to.
    write(&repository_dir(&s).join("repository.ini"), "Backend=file\n");
    let out = run(&s, "stgrepcnv", &["-Xto", "postgresql"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.starts_with("swstf1020 "), "{err}");
}
