//! The array service as an operator and a crash see it: `acmsim serve`,
//! `stop`, `status`; one service per home; stale files from a killed
//! service; malformed frames; non-root peers; kill -9 while hosts write and
//! sessions change.

use acm_scsi::driver::Driver;
use acm_scsi::transport::Transport;
use acm_sim::{client, service, SocketTransport};
use acm_testkit::Scratch;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn acmsim() -> PathBuf {
    acm_testkit::bin("acmsim")
}

fn run(s: &Scratch, args: &[&str]) -> std::process::Output {
    acm_testkit::run(s, &acmsim(), args)
}

fn ok(s: &Scratch, args: &[&str]) -> String {
    acm_testkit::ok(s, &acmsim(), args)
}

/// Box B1 with two 4 MiB LUNs on hdisk1 and hdisk2.
fn scene(s: &Scratch) {
    ok(s, &["box", "create", "B1"]);
    ok(s, &["lun", "create", "B1", "--size", "4M", "--count", "2"]);
    ok(s, &["host", "attach", "B1", "0", "/dev/hdisk1"]);
    ok(s, &["host", "attach", "B1", "1", "/dev/hdisk2"]);
}

fn pid_of(home: &Path) -> i32 {
    client::service_pid(home).expect("a service runs") as i32
}

/// Waits until the service `pid` has let go of `home`: its pid file's lock is
/// free once every thread of it is gone and its files are closed (the thread
/// group leader can be a zombie while other threads still hold the socket).
fn wait_gone(home: &Path, pid: i32) {
    let t0 = Instant::now();
    while client::service_pid(home) == Some(pid as u32) {
        assert!(t0.elapsed() < Duration::from_secs(10), "pid {pid} lives on");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn serve_status_and_stop_as_an_operator_runs_them() {
    let s = Scratch::new();
    scene(&s);
    // Attaching the disks asked the array through a service started on demand.
    assert!(client::service_pid(&s.root().join("var/opt/acmsim")).is_some());
    run(&s, &["stop"]);
    let out = run(&s, &["status"]);
    assert_eq!(out.status.code(), Some(3), "no service now");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("not running"));
    let started = ok(&s, &["serve"]);
    assert!(started.contains("serves"), "{started}");
    let home = s.sim_home();
    let sock = service::socket_path(&home);
    let mode = std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the socket is for its owner only");
    let pid = pid_of(&home);
    let status = ok(&s, &["status"]);
    assert!(status.starts_with("running\n"), "{status}");
    assert!(status.contains(&format!("pid {pid}")), "{status}");
    assert!(status.contains("boxes B1"), "{status}");
    // A second start finds it; a foreground one is refused by name.
    assert!(ok(&s, &["serve"]).contains("already serves"));
    let out = run(&s, &["serve", "--foreground"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("SIM1008") && err.contains(&format!("pid {pid}")),
        "{err}"
    );
    // Host I/O goes through it: the request count grows.
    ok(&s, &["write", "/dev/hdisk1", "--seed", "7"]);
    let after = ok(&s, &["status"]);
    let requests = |t: &str| -> u64 {
        t.lines()
            .find_map(|l| l.strip_prefix("requests "))
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(requests(&after) > requests(&status), "{after}");
    assert!(ok(&s, &["stop"]).contains("stopped"));
    wait_gone(&home, pid);
    assert!(!sock.exists(), "the socket is removed at a clean stop");
    assert!(ok(&s, &["stop"]).contains("not running"));
    // The data survived the stop, and a command starts the service again.
    let sum = ok(&s, &["checksum", "/dev/hdisk1"]);
    assert!(client::service_pid(&home).is_some(), "started on demand");
    ok(&s, &["stop"]);
    assert_eq!(ok(&s, &["checksum", "/dev/hdisk1"]), sum);
    ok(&s, &["stop"]);
}

#[test]
fn a_killed_service_leaves_files_that_the_next_one_recovers_from() {
    let s = Scratch::new();
    scene(&s);
    ok(&s, &["serve"]);
    let home = s.sim_home();
    let pid = pid_of(&home);
    unsafe { libc::kill(pid, libc::SIGKILL) };
    wait_gone(&home, pid);
    assert!(service::socket_path(&home).exists(), "a stale socket stays");
    assert!(service::pid_path(&home).exists(), "a stale pid file stays");
    assert_eq!(run(&s, &["status"]).status.code(), Some(3));
    ok(&s, &["write", "/dev/hdisk1", "--seed", "3"]);
    let again = pid_of(&home);
    assert_ne!(again, pid);
    ok(&s, &["stop"]);
}

#[test]
fn malformed_frames_get_an_error_and_the_service_lives_on() {
    let s = Scratch::new();
    scene(&s);
    ok(&s, &["serve"]);
    let home = s.sim_home();
    let frames: Vec<Vec<u8>> = vec![
        b"GARBAGE-GARBAGE-GARBAGE".to_vec(),
        // Right magic, a body length far past the bound.
        [b"ACMQ".as_slice(), &[1, 1, 0, 0], &u32::MAX.to_be_bytes()].concat(),
        // Right magic and version, an unknown request.
        [b"ACMQ".as_slice(), &[1, 77, 0, 0], &0u32.to_be_bytes()].concat(),
        // An EXECUTE whose fields run past its body.
        [
            b"ACMQ".as_slice(),
            &[1, 1, 0, 0],
            &3u32.to_be_bytes(),
            &[40, 1, 2],
        ]
        .concat(),
        // Another protocol version.
        [b"ACMQ".as_slice(), &[9, 1, 0, 0], &0u32.to_be_bytes()].concat(),
    ];
    for f in frames {
        let mut c = UnixStream::connect(service::socket_path(&home)).unwrap();
        c.write_all(&f).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut reply = Vec::new();
        let _ = c.read_to_end(&mut reply);
        assert!(reply.starts_with(b"ACMR"), "{f:?}: {reply:?}");
        assert_eq!(reply[5], 1, "an error reply to {f:?}");
    }
    // An EXECUTE for a box that does not exist is an error, not a crash.
    let mut d = Driver::new(SocketTransport::new(&home, "NOBOX", 0));
    assert!(d.capacity().is_err());
    // Still serving.
    ok(&s, &["checksum", "/dev/hdisk1"]);
    ok(&s, &["stop"]);
}

#[test]
fn a_non_root_peer_is_refused() {
    if !acm_testkit::need_root("the peer credentials test (it switches users)") {
        return;
    }
    let s = Scratch::new();
    scene(&s);
    ok(&s, &["serve"]);
    let home = s.sim_home();
    // Let "nobody" reach the socket, so the service's own check is what refuses.
    let mut p = home.clone();
    while p != s.path() {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p = p.parent().unwrap().to_path_buf();
    }
    std::fs::set_permissions(s.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let sock = service::socket_path(&home);
    std::fs::set_permissions(&sock, std::fs::Permissions::from_mode(0o666)).unwrap();
    use std::os::unix::process::CommandExt;
    let out = Command::new(acmsim())
        .arg("status")
        .env("ACMSIM_HOME", &home)
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("SIM1009") && err.contains("root only"),
        "{err}"
    );
    ok(&s, &["stop"]);
}

#[test]
fn two_homes_share_nothing_and_two_roots_share_one_home() {
    let a = Scratch::new();
    scene(&a);
    ok(&a, &["serve"]);
    let pid = pid_of(&a.sim_home());
    // Another ACM_ROOT on the same ACMSIM_HOME reaches the same service.
    let other_root = a.path().join("root2");
    let out = Command::new(acmsim())
        .args(["status"])
        .env("ACM_ROOT", &other_root)
        .env("ACMSIM_HOME", a.sim_home())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("pid {pid}")));
    let b = Scratch::new();
    scene(&b);
    ok(&b, &["serve"]);
    assert_ne!(pid_of(&b.sim_home()), pid);
    ok(&a, &["stop"]);
    ok(&b, &["stop"]);
}

/// 64 KiB of data that names its round and slot.
fn block_of(round: u32, slot: u64) -> Vec<u8> {
    let mut v = vec![0u8; 64 << 10];
    for (i, b) in v.iter_mut().enumerate() {
        *b = (round as usize * 31 + slot as usize * 7 + i / 512) as u8;
    }
    v
}

#[test]
fn kill_9_of_the_service_loses_no_acknowledged_change() {
    let s = Scratch::new();
    scene(&s);
    let home = s.sim_home();
    std::env::set_var("ACMSIM", acmsim());
    std::env::remove_var("ACMSIM_CLOCK");
    // Checkpoints every few writes: kills land in both halves of them too.
    std::env::set_var("ACMSIM_CHECKPOINT_MS", "5");
    let lun =
        |olu| Driver::new(Box::new(SocketTransport::new(&home, "B1", olu)) as Box<dyn Transport>);
    // What each 64 KiB slot of LUN 0 must hold: the last acknowledged write,
    // or (for the write in flight at the kill) that one or the one before.
    let slots = 16u64;
    let mut acked: Vec<Option<u32>> = vec![None; slots as usize];
    let mut session_acked: Option<bool> = Some(false);
    let mut session_id = String::new();
    let mut seed = 0x9e37_79b9_u64;
    let mut rnd = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for round in 0..30u32 {
        ok(&s, &["serve"]);
        let pid = pid_of(&home);
        let delay = Duration::from_millis(rnd(40));
        let killer = std::thread::spawn(move || {
            std::thread::sleep(delay);
            unsafe { libc::kill(pid, libc::SIGKILL) };
        });
        let mut d = lun(0);
        let mut in_flight = None;
        let mut session_in_flight = false;
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_millis(200) {
            if rnd(4) == 0 {
                // A session change: a QuickOPC from LUN 0 to LUN 1, or its cancel.
                let want = !session_acked.unwrap_or(false);
                session_in_flight = true;
                let args: Vec<&str> = if want {
                    vec!["copy", "start", "quickopc", "/dev/hdisk1", "/dev/hdisk2"]
                } else {
                    vec!["copy", "cancel", "/dev/hdisk1", &session_id]
                };
                let out = run(&s, &args);
                if !out.status.success() {
                    // The kill came first; what it did is unknown.
                    break;
                }
                if want {
                    session_id = String::from_utf8_lossy(&out.stdout).trim().to_string();
                }
                session_acked = Some(want);
                session_in_flight = false;
                continue;
            }
            let slot = rnd(slots);
            in_flight = Some(slot);
            if d.write(slot * 128, &block_of(round, slot)).is_err() {
                break;
            }
            acked[slot as usize] = Some(round);
            in_flight = None;
        }
        killer.join().unwrap();
        wait_gone(&home, pid);
        // Restarted on demand, every box opens and every acknowledged write reads back.
        let mut d = lun(0);
        for slot in 0..slots {
            let mut got = vec![0u8; 64 << 10];
            d.read(slot * 128, &mut got).unwrap();
            let want = match acked[slot as usize] {
                Some(r) => block_of(r, slot),
                None => vec![0u8; 64 << 10],
            };
            if in_flight == Some(slot) && got != want {
                // A write killed mid-way may be torn, as on a disk, but only
                // between blocks: each 512 bytes is the old or the new.
                let new = block_of(round, slot);
                for (i, b) in got.chunks(512).enumerate() {
                    let r = i * 512..(i + 1) * 512;
                    assert!(
                        b == &want[r.clone()] || b == &new[r],
                        "round {round} slot {slot}: block {i} is neither old nor new"
                    );
                }
                // Make the slot known again for the next rounds.
                d.write(slot * 128, &new).unwrap();
                acked[slot as usize] = Some(round);
            } else {
                assert_eq!(
                    got, want,
                    "round {round} slot {slot}: an acknowledged write is lost"
                );
            }
        }
        let sessions = d.sessions().unwrap();
        let present = !sessions.is_empty();
        match session_acked {
            Some(want) if !session_in_flight => {
                assert_eq!(
                    present, want,
                    "round {round}: an acknowledged session change is lost"
                )
            }
            _ => session_acked = Some(present),
        }
        if let Some(x) = sessions.first() {
            session_id = x.id.to_string();
        }
    }
    let _ = client::stop(&home);
}
