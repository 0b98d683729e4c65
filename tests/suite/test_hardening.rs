//! Hardening: no argument, environment variable or input file makes a command
//! panic, hang, grow without bound or write outside its state root, and every
//! refusal says which value or file was wrong.
//!
//! Every product program (from `acm_core::program::ALL`, so a new command is
//! covered without editing this file) runs against a scene with a configured
//! backup and replication list: a fixed corpus of bad arguments, then random
//! command lines. Each run ends within a time bound, exits non-zero with a
//! message ID on standard error, never panics, and leaves the state
//! byte-identical.

use crate::net;

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long one run may take before it counts as a hang.
const RUN_LIMIT: Duration = Duration::from_secs(20);

/// Every program the suite installs (links to the multicall binary).
fn binaries() -> Vec<String> {
    let names: Vec<String> = acm_core::program::ALL
        .iter()
        .map(|p| p.name.to_string())
        .collect();
    assert!(names.len() >= 59, "only {} programs", names.len());
    names
}

/// A scratch Managed Server SV1 with one box, three disks, a backup
/// management list (a transaction volume, a backup volume, a policy) and a
/// replication pair.
struct Scene {
    dir: tempfile::TempDir,
}

impl Scene {
    fn new() -> Scene {
        let s = Scene {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(s.root().join("etc/opt/swstorage")).unwrap();
        std::fs::create_dir_all(s.cwd()).unwrap();
        std::fs::write(
            s.root().join("etc/opt/swstorage/swnode.ini"),
            "ServerName=SV1\n",
        )
        .unwrap();
        s.ok("acmsim", &["box", "create", "BOX1"]);
        s.ok(
            "acmsim",
            &["lun", "create", "BOX1", "--size", "4M", "--count", "3"],
        );
        for olu in 0..3 {
            let dev = format!("/dev/hdisk{}", olu + 1);
            s.ok(
                "acmsim",
                &["host", "attach", "BOX1", &olu.to_string(), &dev],
            );
        }
        s.ok("swstsvrset", &[]);
        s.ok("swstdevinfoset", &["-t", "/dev/hdisk1"]);
        s.ok("swstdevinfoset", &["-b", "/dev/hdisk2"]);
        s.ok("swstbkpolset", &["-s", "1", "/dev/hdisk1"]);
        s.ok("swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk3"]);
        s
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    /// The working directory of every run: relative paths land here.
    fn cwd(&self) -> PathBuf {
        self.dir.path().join("cwd")
    }

    fn cmd(&self, program: &str) -> Command {
        let mut c = Command::new(net::bin(program));
        c.env("ACM_ROOT", self.root())
            .env("ACMSIM_HOME", self.root().join("var/opt/acmsim"))
            .env_remove("SWSTGNODE")
            .env_remove("ACMSIM_CLOCK")
            .env("ACM_CONNECT_TIMEOUT", "2")
            .env("ACM_REQUEST_TIMEOUT", "10")
            .current_dir(self.cwd())
            .stdin(Stdio::null());
        c
    }

    fn ok(&self, program: &str, args: &[&str]) -> String {
        let out = self.cmd(program).args(args).output().unwrap();
        assert!(out.status.success(), "{program} {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Every state file's bytes, by path (lock files, whose text only names
    /// their last holder, running-command records and logs left aside).
    fn state(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        for p in walk(&self.root()) {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            // Running-command records and the command logs change by design.
            let in_run = p
                .components()
                .any(|c| c.as_os_str() == "run" || c.as_os_str() == "log");
            if p.is_file() && !in_run && !(name == "lock" || name.ends_with(".lock")) {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
        out
    }
}

/// The paths whose bytes differ between two [`Scene::state`]s.
fn changed(before: &BTreeMap<PathBuf, Vec<u8>>, after: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<String> {
    let mut out: Vec<String> = after
        .iter()
        .filter(|(p, b)| before.get(*p) != Some(b))
        .map(|(p, _)| p.display().to_string())
        .collect();
    out.extend(
        before
            .keys()
            .filter(|p| !after.contains_key(*p))
            .map(|p| format!("{} (removed)", p.display())),
    );
    out
}

/// Runs `program args` with the time bound; `None` when it had to be killed.
/// Both pipes are drained while it runs, so a long message never blocks it.
fn run_bounded(scene: &Scene, program: &str, args: &[OsString]) -> Option<Output> {
    use std::io::Read;
    let mut child = scene
        .cmd(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(child.stdout.take().map(|o| Box::new(o) as _));
    let err = drain(child.stderr.take().map(|e| Box::new(e) as _));
    let started = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Some(Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    })
}

/// A command line for a failure report, long arguments cut short.
fn label(program: &str, args: &[OsString]) -> String {
    let shown: Vec<String> = args
        .iter()
        .map(|a| {
            let t = a.to_string_lossy();
            if t.len() > 40 {
                format!(
                    "{}...({} bytes)",
                    &t[..t.char_indices().nth(40).map_or(t.len(), |(i, _)| i)],
                    a.len()
                )
            } else {
                t.into_owned()
            }
        })
        .collect();
    format!("{program} {shown:?}")
}

/// Whether `text` carries a message ID: letters then four digits, e.g.
/// `swst0002`, `swsrp1302`, `swstf0002`, `SIM0002`, `SETUP0002`.
fn has_id(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        let digits = w.chars().rev().take_while(char::is_ascii_digit).count();
        digits == 4 && w.len() > 4 && w[..w.len() - 4].chars().all(|c| c.is_ascii_alphabetic())
    })
}

/// Checks one refused run; a description of what was wrong otherwise.
fn check_refused(program: &str, args: &[OsString], out: Option<Output>) -> Result<(), String> {
    let what = label(program, args);
    let Some(out) = out else {
        return Err(format!("{what}: did not end within {RUN_LIMIT:?}"));
    };
    let err = String::from_utf8_lossy(&out.stderr);
    let all = format!("{err}{}", String::from_utf8_lossy(&out.stdout));
    if all.contains("panicked") || out.status.code() == Some(101) {
        return Err(format!("{what}: panicked: {err}"));
    }
    match out.status.code() {
        Some(c) if c > 0 => {}
        other => return Err(format!("{what}: exit status {other:?}, expected a refusal")),
    }
    if !has_id(&err) {
        let cut: String = err.chars().take(300).collect();
        return Err(format!("{what}: no message ID in {cut:?}"));
    }
    Ok(())
}

fn os(s: &str) -> OsString {
    OsString::from(s)
}

/// The fixed corpus of bad command lines.
fn corpus() -> Vec<Vec<OsString>> {
    let long = "x".repeat(100_000);
    let mut c: Vec<Vec<OsString>> = vec![
        vec![OsString::from_vec(b"/dev/\xff".to_vec())],
        vec![os("/dev/hdisk1"), OsString::from_vec(b"\xc3\x28".to_vec())],
        vec![os("")],
        vec![os(&long)],
        vec![os("-h"), os(&long)],
        vec![os("; rm -rf / #")],
        vec![os("$(touch pwned)"), os("`touch pwned`")],
        vec![os("|"), os("&&"), os(">"), os("pwned")],
        vec![os("../../../../no-such-dir/..")],
        vec![os("/dev/../../etc/passwd")],
        vec![os("a\nb")],
        vec![os("/dev/hdisk1\n/dev/hdisk2")],
        vec![os("-g"), os("99999999999999999999"), os("/dev/hdisk1")],
        vec![os("-v"), os("-1"), os("/dev/hdisk1")],
        vec![os("-s"), os("4294967296"), os("/dev/hdisk1")],
        vec![os("--no-such-option")],
        vec![os("-Z")],
        vec![os("-h")],
    ];
    c.push(vec![os("%s%s%n%x")]);
    c
}

#[test]
fn every_binary_refuses_the_bad_argument_corpus_cleanly() {
    let scene = Scene::new();
    let before = scene.state();
    let mut failures = Vec::new();
    for program in binaries() {
        for args in corpus() {
            // The consoles follow the convention of their kind: -h is help.
            let console = program == "acmsim" || program == "acmsetup";
            if console && args[0] == "-h" {
                continue;
            }
            let out = run_bounded(&scene, &program, &args);
            if let Err(e) = check_refused(&program, &args, out) {
                failures.push(e);
            }
        }
    }
    assert!(
        !scene.cwd().join("pwned").exists(),
        "a shell ran an argument"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let changed = changed(&before, &scene.state());
    assert!(changed.is_empty(), "state changed: {changed:?}");
}

#[test]
fn a_non_utf8_argument_is_the_familys_usage_refusal() {
    let scene = Scene::new();
    let bad = vec![OsString::from_vec(b"/dev/\xff".to_vec())];
    for program in binaries() {
        let out = run_bounded(&scene, &program, &bad).expect("ends");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{program}: {err}");
        let id = if program == "acmsim" {
            "acmsim: SIM0002 "
        } else if program == "acmsetup" {
            "acmsetup: SETUP0002 "
        } else if program.starts_with("swsrp") {
            "swsrp0002 "
        } else if program.starts_with("swst") {
            "swst0002 "
        } else {
            "swstf0002 "
        };
        assert!(
            err.starts_with(id),
            "{program}: expected {id:?}, got {err:?}"
        );
        assert_eq!(err.lines().count(), 1, "{program}: one line: {err:?}");
    }
}

mod random_argv {
    use super::*;
    use proptest::prelude::*;

    /// Words a command line is made of: options of every family, devices,
    /// numbers at and beyond their bounds, and hostile strings. Words that
    /// start daemons (`start`) are left out.
    fn word() -> impl Strategy<Value = OsString> {
        let fixed = prop::sample::select(vec![
            "-h",
            "-g",
            "-v",
            "-t",
            "-b",
            "-o",
            "-u",
            "-s",
            "-i",
            "-p",
            "-n",
            "-f",
            "-d",
            "-r",
            "-a",
            "-c",
            "-m",
            "-y",
            "-k",
            "-E",
            "-H",
            "-L",
            "-O",
            "-T",
            "-X",
            "-Xdevmap",
            "-Xgroup",
            "-Xall",
            "-Xreverse",
            "-Xconcur",
            "-Xdate",
            "-suspend",
            "-bd",
            "-all",
            "-Xbuffid",
            "-Xbuffuse",
            "-Xforce",
            "/dev/hdisk1",
            "/dev/hdisk2",
            "/dev/hdisk3",
            "/dev/hdisk1@SV1",
            "SV1",
            "SV9",
            "BOX1",
            "0",
            "1",
            "-1",
            "65536",
            "99999999999999999999",
            "",
            "..",
            "../x",
            "a\nb",
            "/dev/zero",
            "init",
            "stat",
            "poolstat",
            "status",
            "node",
            "lun",
            "box",
            "copy",
        ])
        .prop_map(OsString::from);
        // Any bytes but NUL, which no argument can hold.
        let bytes = prop::collection::vec(1u8..=255, 0..40).prop_map(OsString::from_vec);
        prop_oneof![4 => fixed, 1 => bytes]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Random command lines: never a panic or a hang; a refusal carries a
        /// message ID; a usage refusal changes nothing.
        #[test]
        fn random_command_lines(program in prop::sample::select(binaries()),
                                args in prop::collection::vec(word(), 1..6)) {
            let scene = Scene::new();
            let before = scene.state();
            let out = run_bounded(&scene, &program, &args);
            let what = label(&program, &args);
            let out = out.ok_or_else(|| TestCaseError::fail(format!("{what}: hung")))?;
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            prop_assert!(out.status.code() != Some(101) && !err.contains("panicked"),
                "{}: panicked: {}", what, err);
            prop_assert!(out.status.code().is_some(), "{}: killed by a signal", what);
            if out.status.code() != Some(0) {
                prop_assert!(has_id(&err), "{}: no message ID in {:?}", what, err);
            }
            if out.status.code() == Some(2) {
                let changed = changed(&before, &scene.state());
                prop_assert!(changed.is_empty(), "{}: a usage refusal changed {:?}", what, changed);
            }
        }
    }
}

// ----- SWSTGNODE -----

/// A logical node name that climbs out of the state root.
const ESCAPE: &str = "../../../../escaped";

#[test]
fn an_invalid_logical_node_is_refused_before_anything_is_written() {
    let scene = Scene::new();
    let before = scene.state();
    for (program, args, id) in [
        ("swstsvrset", vec![], "swst0004 "),
        ("swstbkpolset", vec!["/dev/hdisk1"], "swst0004 "),
        (
            "swsrpsetvol",
            vec!["/dev/hdisk2", "/dev/hdisk3"],
            "swsrp0004 ",
        ),
        (
            "stgxfwcmaddsrv",
            vec!["-n", "X", "-i", "127.0.0.1", "-p", "1226"],
            "swstf0004 ",
        ),
        ("stgmgrinfoset", vec!["-b", "/tmp"], "swstf0004 "),
    ] {
        for node in [ESCAPE, "a/b", "..", ".x", &"n".repeat(65)] {
            let out = scene
                .cmd(program)
                .args(&args)
                .env("SWSTGNODE", node)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(1),
                "{program} SWSTGNODE={node}: {err}"
            );
            assert!(err.starts_with(id), "{program} SWSTGNODE={node}: {err}");
            assert!(err.contains("SWSTGNODE="), "{err}");
        }
        let out = scene
            .cmd(program)
            .args(&args)
            .env("SWSTGNODE", OsStr::from_bytes(b"n\xff"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{program}: {out:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("n\\xff"));
    }
    assert!(!scene.dir.path().join("escaped").exists());
    assert!(!scene.dir.path().parent().unwrap().join("escaped").exists());
    assert_eq!(changed(&before, &scene.state()), Vec::<String>::new());
    // A valid one still works as the manual says: its own data directory.
    let out = scene
        .cmd("swstsvrset")
        .env("SWSTGNODE", "node1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(scene
        .root()
        .join("etc/opt/FJSVswsts/node1/data/swstlist.redb")
        .is_file());
}

#[test]
fn the_daemon_refuses_a_requests_invalid_logical_node_and_takes_no_other_variable() {
    let net = net::Net::new();
    let m = net.server("MGR", None);
    let sv1 = net.server("SV1", Some(&m));
    net.start(&sv1);
    let id = acm_comm::tls::Identity::load(&m.path("/etc/opt/FJSVswstf/tls")).unwrap();
    let addr = format!("127.0.0.1:{}", sv1.port);
    let t = acm_comm::client::Timeouts {
        connect: Duration::from_secs(5),
        request: Duration::from_secs(30),
    };
    let exec = |env: Vec<(String, String)>| {
        let req = acm_comm::wire::ExecRequest {
            program: "swstsvrset".into(),
            args: vec![],
            stdin: vec![],
            env,
        };
        acm_comm::client::exec(&addr, "SV1", &id, &req, &t)
    };
    // Through the daemon, the escaping name is refused and nothing is written.
    let refused = exec(vec![("SWSTGNODE".into(), ESCAPE.into())]);
    let text = format!("{refused:?}");
    assert!(refused.is_err(), "{text}");
    assert!(text.contains("SWSTGNODE"), "{text}");
    assert!(!net.dir.path().join("escaped").exists());
    assert!(!net.dir.path().parent().unwrap().join("escaped").exists());
    // Variables beyond the allow-list do not reach the program: ACM_ROOT would
    // move it to another state root.
    let other = net.dir.path().join("other-root");
    let ok = exec(vec![("ACM_ROOT".into(), other.display().to_string())]).unwrap();
    assert_eq!(ok.status, 0, "{ok:?}");
    assert!(!other.exists());
    assert!(sv1.path("/etc/opt/FJSVswsts/data/swstlist.redb").is_file());
    // A valid logical node crosses over.
    let ok = exec(vec![("SWSTGNODE".into(), "node1".into())]).unwrap();
    assert_eq!(ok.status, 0, "{ok:?}");
    assert!(sv1
        .path("/etc/opt/FJSVswsts/node1/data/swstlist.redb")
        .is_file());
}

// ----- bounded reads -----

#[test]
fn device_map_and_f_files_that_are_not_regular_or_too_large_are_refused_by_name() {
    let scene = Scene::new();
    let big = scene.cwd().join("big.map");
    std::fs::write(&big, "/dev/hdisk1 /dev/hdisk2\n".repeat(400_000)).unwrap();
    let fifo = scene.cwd().join("fifo.map");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    let before = scene.state();
    for file in [Path::new("/dev/zero"), &big, &fifo, &scene.cwd()] {
        let f = file.to_str().unwrap();
        for (program, args, id) in [
            ("swstbackup", vec!["/dev/hdisk1", "-Xdevmap", f], "swst"),
            ("swststartsync", vec!["/dev/hdisk1", "-Xdevmap", f], "swst"),
            ("stgxfwcmmodsrv", vec!["-f", f], "swstf"),
        ] {
            let started = Instant::now();
            let out = run_bounded(
                &scene,
                program,
                &args.iter().map(|a| os(a)).collect::<Vec<_>>(),
            )
            .unwrap_or_else(|| panic!("{program} {f}: did not end"));
            assert!(started.elapsed() < Duration::from_secs(10), "{program} {f}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{program} {f}: {err}");
            assert!(err.starts_with(id) && has_id(&err), "{program} {f}: {err}");
            assert!(err.contains(f), "{program}: the refusal names {f}: {err}");
        }
    }
    assert_eq!(changed(&before, &scene.state()), Vec::<String>::new());
}

#[test]
fn a_box_state_out_of_bounds_is_refused_as_damaged() {
    let scene = Scene::new();
    let home = scene.root().join("var/opt/acmsim");
    use acm_sim::store::{edit_record, RecordOf};
    // A LUN of 2^60 bytes (its grain sets would need 2^44 grains), then a grain
    // of one byte: both beyond the bounds.
    edit_record(&home, "BOX1", RecordOf::Lun(0), |d| {
        d["value"]["size_bytes"] = serde_json::json!(1u64 << 60)
    })
    .unwrap();
    for (program, args) in [("acmsim", vec!["sessions", "BOX1"]), ("swsrpstat", vec![])] {
        let out = scene.cmd(program).args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{program}: {err}");
        assert!(has_id(&err), "{program}: {err}");
        assert!(
            err.contains("array.redb") && err.contains("damaged"),
            "{program}: {err}"
        );
    }
    edit_record(&home, "BOX1", RecordOf::Lun(0), |d| {
        d["value"]["size_bytes"] = serde_json::json!(4u64 << 20)
    })
    .unwrap();
    edit_record(&home, "BOX1", RecordOf::Box, |d| {
        d["grain_bytes"] = serde_json::json!(1)
    })
    .unwrap();
    let out = scene
        .cmd("acmsim")
        .args(["sessions", "BOX1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("grain size 1 out of bounds"), "{err}");
}

#[test]
fn a_grain_set_longer_than_the_bound_is_not_allocated() {
    // Twice the bound: a 64 MiB bitmap had it been allocated.
    let json = r#"{"len":536870912,"runs":[]}"#;
    let r: Result<acm_sim::grains::GrainSet, _> = serde_json::from_str(json);
    assert!(r.is_err());
}

// ----- disk full -----

/// A tiny tmpfs mounted for the test (root only), unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: PathBuf, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(&at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&at)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        ok.then_some(Tmpfs(at))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Moves the directory `dir` of `scene` onto a tmpfs of `size`, its contents
/// kept, and fills it to the last byte; `None` (after [`missing`]) when no
/// tmpfs can be mounted here.
fn full_tmpfs_under(scene: &Scene, dir: &Path, size: &str) -> Option<Tmpfs> {
    let saved = scene.dir.path().join("saved");
    let cp = |from: &Path, to: &Path| {
        let ok = Command::new("cp")
            .arg("-a")
            .arg(from)
            .arg(to)
            .status()
            .unwrap();
        assert!(ok.success());
    };
    cp(dir, &saved);
    std::fs::remove_dir_all(dir).unwrap();
    let Some(fs) = Tmpfs::mount(dir.to_path_buf(), size) else {
        missing("mounting a tmpfs");
        return None;
    };
    cp(&saved.join("."), dir);
    // Fill it: the write stops at the first byte that does not fit.
    let _ = std::fs::write(dir.join("filler"), vec![0u8; 64 << 20]);
    Some(fs)
}

/// The temporary files (`*.tmp*`) below `dir`.
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    walk(dir)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(".tmp"))
        })
        .collect()
}

/// Whether a prerequisite is missing: a failure under CI, a skip elsewhere.
fn missing(what: &str) -> bool {
    acm_testkit::missing_prerequisite(&format!("{what} is not available here"));
    true
}

#[test]
fn a_full_disk_leaves_no_temporary_file_and_names_the_volume() {
    let scene = Scene::new();
    // The management lists live on a small file system of their own.
    let etc = scene.root().join("etc/opt");
    let Some(_fs) = full_tmpfs_under(&scene, &etc, "256k") else {
        return;
    };
    let before = scene.state();
    for (program, args) in [
        ("swstdevinfoset", vec!["-b", "/dev/hdisk3"]),
        ("swsrpsetvol", vec!["/dev/hdisk2", "/dev/hdisk3"]),
        ("swstbkpolset", vec!["-s", "2", "/dev/hdisk1"]),
    ] {
        let out = scene.cmd(program).args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{program}: {err}");
        assert!(has_id(&err), "{program}: {err}");
        assert!(err.contains("No space left"), "{program}: {err}");
    }
    let tmp = temporaries(&etc);
    assert!(tmp.is_empty(), "temporary files left: {tmp:?}");
    assert_eq!(changed(&before, &scene.state()), Vec::<String>::new());
}

#[test]
fn an_array_that_cannot_save_its_state_is_reported_with_the_volume_name() {
    let scene = Scene::new();
    let sim = scene.root().join("var/opt/acmsim");
    let Some(_fs) = full_tmpfs_under(&scene, &sim, "13M") else {
        return;
    };
    let out = scene
        .cmd("swsrpstartsync")
        .args(["/dev/hdisk1", "/dev/hdisk3"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.starts_with("swsrp1007 "), "{err}");
    assert!(err.contains("/dev/hdisk1"), "the volume is named: {err}");
    let tmp = temporaries(&sim);
    assert!(tmp.is_empty(), "temporary files left: {tmp:?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out
}

// ----- permissions -----

#[test]
fn state_files_are_readable_by_root_only() {
    use std::os::unix::fs::PermissionsExt;
    let scene = Scene::new();
    // Commands run from a permissive shell still create private files.
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 000; {} /dev/hdisk1 && {} -s 1 /dev/hdisk1 && {} lun create BOX1 --size 1M",
            net::bin("swstbkpoldel").display(),
            net::bin("swstbkpolset").display(),
            net::bin("acmsim").display()
        ))
        .env("ACM_ROOT", scene.root())
        .env("ACMSIM_HOME", scene.root().join("var/opt/acmsim"))
        .env_remove("SWSTGNODE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    for p in walk(&scene.root()) {
        let rel = p
            .strip_prefix(scene.root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        let want = if p.is_dir() { 0o700 } else { 0o600 };
        // The node file is the test's own; everything the suite wrote is private.
        if rel.ends_with("swnode.ini")
            || rel == "etc"
            || rel == "etc/opt"
            || rel == "etc/opt/swstorage"
        {
            continue;
        }
        assert_eq!(mode & 0o077, 0, "{rel} is {mode:o}, want {want:o}");
    }
}

#[test]
fn a_file_a_remote_client_names_is_never_quoted_back() {
    let net = net::Net::new();
    let m = net.server("MGR", None);
    net.start(&m);
    let file = m.path("/tmp/changes");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "SV1 secret-word 1226\n").unwrap();
    let f = file.to_str().unwrap();
    // Locally the operator sees the word that is wrong.
    let local = m.refused("stgxfwcmmodsrv", &["-f", f], "swstf1009", 1);
    assert!(local.contains("secret-word"), "{local}");
    // Through the daemon the refusal names the file and line only.
    let id = acm_comm::tls::Identity::load(&m.path("/etc/opt/FJSVswstf/tls")).unwrap();
    let req = acm_comm::wire::ExecRequest {
        program: "stgxfwcmmodsrv".into(),
        args: vec!["-f".into(), f.into()],
        stdin: vec![],
        env: vec![],
    };
    let t = acm_comm::client::Timeouts {
        connect: Duration::from_secs(5),
        request: Duration::from_secs(30),
    };
    let addr = format!("127.0.0.1:{}", m.port);
    let resp = acm_comm::client::exec(&addr, "MGR", &id, &req, &t).unwrap();
    let err = String::from_utf8_lossy(&resp.stderr);
    assert_eq!(resp.status, 1, "{err}");
    assert!(err.starts_with("swstf1009 ") && err.contains(f), "{err}");
    assert!(
        !err.contains("secret-word"),
        "a remote client read a word: {err}"
    );
}

#[test]
fn no_environment_value_makes_a_command_panic_or_hang() {
    let scene = Scene::new();
    let not_a_dir = scene.cwd().join("file");
    std::fs::write(&not_a_dir, "x").unwrap();
    let huge = "18446744073709551615";
    let values: Vec<(&str, String)> = vec![
        ("ACMSIM_CLOCK", huge.into()),
        ("ACMSIM_CLOCK", "99999999999999999999".into()),
        ("ACMSIM_CLOCK", "-1".into()),
        ("ACMSIM_CLOCK", "abc".into()),
        ("ACM_REQUEST_TIMEOUT", huge.into()),
        ("ACM_CONNECT_TIMEOUT", huge.into()),
        ("ACM_REQUEST_TIMEOUT", "abc".into()),
        ("ACMSIM_HOME", not_a_dir.display().to_string()),
        ("ACM_ROOT", not_a_dir.display().to_string()),
    ];
    let commands: &[(&str, &[&str])] = &[
        ("acmsim", &["sessions", "BOX1"]),
        ("acmsim", &["checksum", "/dev/hdisk1"]),
        ("swsrpstat", &[]),
        ("swstbackstat", &[]),
        ("swsthistdisp", &[]),
        ("swstexecstat", &[]),
        ("swsrpstartsync", &["/dev/hdisk3", "/dev/hdisk1"]),
        ("swstbackup", &["-h", "SV9", "/dev/hdisk1"]),
        ("stgxfwcmdispsrv", &[]),
    ];
    let mut failures = Vec::new();
    for (var, value) in &values {
        for (program, args) in commands {
            let mut c = scene.cmd(program);
            c.args(*args).env(var, value);
            let started = Instant::now();
            let out = c.output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            if out.status.code() == Some(101) || err.contains("panicked") {
                failures.push(format!("{var}={value} {program}: panicked: {err}"));
            } else if out.status.code().is_none() {
                failures.push(format!("{var}={value} {program}: killed"));
            } else if !out.status.success() && !has_id(&err) {
                failures.push(format!("{var}={value} {program}: no ID: {err}"));
            }
            if started.elapsed() > RUN_LIMIT {
                failures.push(format!(
                    "{var}={value} {program}: took {:?}",
                    started.elapsed()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_binary_says_its_version() {
    let scene = Scene::new();
    let want = format!("acm-rs {} (commit ", env!("CARGO_PKG_VERSION"));
    for program in binaries() {
        if program == "swsrppeer" {
            continue; // internal: it takes no argument at all
        }
        let out = run_bounded(&scene, &program, &[os("--version")]).expect("ends");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{program}: {out:?}");
        assert!(
            text.starts_with(&format!("{program} {want}")),
            "{program}: {text:?}"
        );
    }
}

// ----- the command log -----

#[test]
fn every_command_leaves_a_start_and_an_end_line_in_its_familys_log() {
    let scene = Scene::new();
    let log = |family: &str, file: &str| {
        std::fs::read_to_string(scene.root().join(format!("var/opt/{family}/log/{file}")))
            .unwrap_or_default()
    };
    let _ = scene.cmd("swstbackup").arg("/dev/hdisk9").output().unwrap();
    let _ = scene.cmd("swsrpstat").output().unwrap();
    let _ = scene.cmd("stgxfwcmdispsrv").output().unwrap();
    let backup = log("FJSVswsts", "swstcmd.log");
    assert!(
        backup.contains("swstbackup start args=[\"/dev/hdisk9\"]"),
        "{backup}"
    );
    let end = backup
        .lines()
        .find(|l| l.contains("swstbackup end"))
        .unwrap_or_else(|| panic!("no end line: {backup}"));
    assert!(end.contains("status=1 message=swst"), "{end}");
    assert!(end.contains(" ms="), "{end}");
    let replication = log("FJSVswsrp", "swsrpcmd.log");
    assert!(
        replication.contains("swsrpstat end status=0 message=-"),
        "{replication}"
    );
    let config = log("FJSVswstf", "swstfcmd.log");
    assert!(config.contains("stgxfwcmdispsrv start"), "{config}");
    // Off: nothing more is written.
    let before = log("FJSVswsts", "swstcmd.log");
    let _ = scene
        .cmd("swstbackstat")
        .env("ACM_LOG_LEVEL", "off")
        .output()
        .unwrap();
    assert_eq!(log("FJSVswsts", "swstcmd.log"), before);
    // A log at its size is rotated before the next line.
    std::fs::write(
        scene.root().join("etc/opt/swstorage/log.ini"),
        "MaxBytes=4096\n",
    )
    .unwrap();
    for _ in 0..40 {
        let _ = scene.cmd("swstbackstat").output().unwrap();
    }
    let dir = scene.root().join("var/opt/FJSVswsts/log");
    assert!(dir.join("swstcmd.log.1").is_file());
    assert!(std::fs::metadata(dir.join("swstcmd.log")).unwrap().len() < 8192);
}

#[test]
fn acmsetup_refusals_and_usage_errors_carry_their_ids() {
    let scene = Scene::new();
    let out = scene
        .cmd("acmsetup")
        .args(["node", "--name", "SV1", "--port", "80"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("acmsetup: SETUP0001 ") && err.contains("80"),
        "{err}"
    );
    let out = scene.cmd("acmsetup").arg("bogus").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with("acmsetup: SETUP0002 "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let out = scene.cmd("acmsim").arg("bogus").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with("acmsim: SIM0002 "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// `swsrpvolinfo | head -0`: a command whose standard output is closed ends
/// quietly with 141 (what a shell reports for SIGPIPE), never with a panic.
#[test]
fn a_closed_standard_output_ends_a_command_quietly() {
    let scene = Scene::new();
    for (program, args) in [
        ("swsrpvolinfo", vec![]),
        ("swstdevdisp", vec![]),
        ("acmsim", vec!["box", "list"]),
    ] {
        let mut child = scene
            .cmd(program)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{program}: {err}");
        assert!(
            matches!(out.status.code(), Some(141) | Some(0)),
            "{program}: {:?} {err}",
            out.status
        );
    }
}

/// The multicall binary's own refusals: no program named (`ACM0001`) and an
/// unknown one (`ACM0002`) are usage errors; links it cannot make (`ACM0003`)
/// a failure.
#[test]
fn the_multicall_binary_refuses_with_its_ids() {
    let acm = acm_testkit::multicall();
    for (args, id, code) in [
        (vec![], "ACM0001", 2),
        (vec!["nosuchprogram"], "ACM0002", 2),
        (vec!["--link", "/proc/acm-no-such-dir"], "ACM0003", 1),
        (vec!["--man", "/proc/acm-no-such-dir"], "ACM0004", 1),
    ] {
        let out = Command::new(&acm).args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.starts_with(&format!("acm: {id} ")), "{args:?}: {err}");
        assert!(out.stdout.is_empty());
    }
    let out = Command::new(&acm)
        .args(["swstsvrdisp", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
}
