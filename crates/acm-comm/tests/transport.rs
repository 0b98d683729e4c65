//! The transport end to end, in-process on 127.0.0.1: a CA, a daemon "SV1",
//! a client "MGR", and the ways a request can fail.

use acm_comm::client::{exec, ping, Timeouts};
use acm_comm::daemon::{Daemon, Handler, Running};
use acm_comm::tls::{create_ca, issue, Identity};
use acm_comm::wire::{ExecRequest, ExecResponse};
use acm_comm::CommError;
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// Echoes: stdout = args joined by spaces, then stdin; stderr = the client's
/// name; status = the first arg parsed as a number. Program "sleep" sleeps
/// for the first arg in milliseconds; program "deny" refuses.
#[derive(Default)]
struct Echo {
    calls: AtomicUsize,
    clients: Mutex<Vec<String>>,
}

impl Handler for Echo {
    fn exec(&self, client: &str, req: ExecRequest) -> Result<ExecResponse, String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut clients) = self.clients.lock() {
            clients.push(client.to_owned());
        }
        let first = req.args.first().cloned().unwrap_or_default();
        match req.program.as_str() {
            "deny" => return Err(format!("program {first} is not allowed")),
            "sleep" => std::thread::sleep(Duration::from_millis(first.parse().unwrap_or(0))),
            _ => {}
        }
        let mut stdout = req.args.join(" ").into_bytes();
        stdout.extend_from_slice(&req.stdin);
        Ok(ExecResponse {
            status: first.parse().unwrap_or(0),
            stdout,
            stderr: client.as_bytes().to_vec(),
        })
    }
}

struct Site {
    _dir: TempDir,
    sv1: Identity,
    mgr: Identity,
}

fn site() -> Site {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = dir.path().join("ca");
    create_ca(&ca, "Test site CA").expect("create_ca");
    issue(&ca, "SV1", &dir.path().join("sv1")).expect("issue SV1");
    issue(&ca, "MGR", &dir.path().join("mgr")).expect("issue MGR");
    Site {
        sv1: Identity::load(&dir.path().join("sv1")).expect("load SV1"),
        mgr: Identity::load(&dir.path().join("mgr")).expect("load MGR"),
        _dir: dir,
    }
}

fn start(id: &Identity, handler: Arc<Echo>) -> (String, Running) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let daemon = Daemon::new(listener, id.clone(), handler).expect("daemon");
    let addr = daemon.local_addr().to_string();
    (addr, daemon.spawn())
}

fn request(program: &str, args: &[&str], stdin: &[u8]) -> ExecRequest {
    ExecRequest {
        program: program.into(),
        args: args.iter().map(|s| s.to_string()).collect(),
        stdin: stdin.to_vec(),
        env: vec![("SWSTGNODE".into(), "n1".into())],
    }
}

fn quick() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(5),
        request: Duration::from_secs(20),
    }
}

#[test]
fn round_trip_carries_bytes_status_and_client_name() {
    let site = site();
    let handler = Arc::new(Echo::default());
    let (addr, daemon) = start(&site.sv1, handler.clone());
    let stdin = [0u8, 1, 0xff, 0x80, b'\n', 0];
    let resp = exec(
        &addr,
        "SV1",
        &site.mgr,
        &request("echo", &["3", "x y"], &stdin),
        &quick(),
    )
    .expect("exec");
    assert_eq!(resp.status, 3);
    let mut want = b"3 x y".to_vec();
    want.extend_from_slice(&stdin);
    assert_eq!(resp.stdout, want);
    assert_eq!(resp.stderr, b"MGR");
    assert_eq!(
        *handler.clients.lock().expect("lock"),
        vec!["MGR".to_string()]
    );

    // A second request on a fresh connection works as well.
    let resp = exec(
        &addr,
        "SV1",
        &site.mgr,
        &request("echo", &["-7"], b""),
        &quick(),
    )
    .expect("second exec");
    assert_eq!(resp.status, -7);

    assert_eq!(
        ping(&addr, "SV1", &site.mgr, &quick()).expect("ping"),
        "SV1"
    );
    assert_eq!(handler.calls.load(Ordering::SeqCst), 2);
    daemon.stop();
}

/// A client certificate from another CA. The client trusts the site CA, so
/// the handshake gets as far as the daemon checking the client's certificate.
fn stranger(site_dir: &Path, other: &Path) -> Identity {
    create_ca(&other.join("ca"), "Another CA").expect("ca");
    issue(&other.join("ca"), "MGR", &other.join("mgr")).expect("issue");
    std::fs::copy(site_dir.join("sv1/ca.pem"), other.join("mgr/ca.pem")).expect("copy");
    Identity::load(&other.join("mgr")).expect("load")
}

#[test]
fn daemon_refuses_a_client_from_another_ca() {
    let site = site();
    let other = tempfile::tempdir().expect("tempdir");
    let stranger = stranger(site._dir.path(), other.path());
    let handler = Arc::new(Echo::default());
    let (addr, daemon) = start(&site.sv1, handler.clone());
    // Several times: the refusal reaches a TLS 1.3 client only after its
    // handshake, and must still be told apart from a broken connection.
    for _ in 0..5 {
        let err = exec(
            &addr,
            "SV1",
            &stranger,
            &request("echo", &["0"], b""),
            &quick(),
        )
        .expect_err("must be refused");
        assert!(
            matches!(err, CommError::Authentication { .. }),
            "got {err:?}"
        );
    }
    assert_eq!(handler.calls.load(Ordering::SeqCst), 0);
    daemon.stop();
}

#[test]
fn client_refuses_a_daemon_from_another_ca() {
    let site = site();
    let other = tempfile::tempdir().expect("tempdir");
    create_ca(&other.path().join("ca"), "Another CA").expect("ca");
    issue(&other.path().join("ca"), "MGR", &other.path().join("mgr")).expect("issue");
    let foreign = Identity::load(&other.path().join("mgr")).expect("load");
    let handler = Arc::new(Echo::default());
    let (addr, daemon) = start(&site.sv1, handler.clone());
    let err = exec(
        &addr,
        "SV1",
        &foreign,
        &request("echo", &["0"], b""),
        &quick(),
    )
    .expect_err("must be refused");
    assert!(
        matches!(err, CommError::Authentication { .. }),
        "got {err:?}"
    );
    assert_eq!(handler.calls.load(Ordering::SeqCst), 0);
    daemon.stop();
}

#[test]
fn wrong_server_name_is_refused() {
    let site = site();
    let handler = Arc::new(Echo::default());
    let (addr, daemon) = start(&site.sv1, handler.clone());
    let err = exec(
        &addr,
        "SV2",
        &site.mgr,
        &request("echo", &["0"], b""),
        &quick(),
    )
    .expect_err("SV1 is not SV2");
    assert!(
        matches!(err, CommError::Authentication { .. }),
        "got {err:?}"
    );
    assert_eq!(handler.calls.load(Ordering::SeqCst), 0);
    daemon.stop();
}

#[test]
fn underscore_names_verify() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = dir.path().join("ca");
    create_ca(&ca, "CA").expect("ca");
    issue(&ca, "srv_3", &dir.path().join("s")).expect("issue");
    issue(&ca, "job-2", &dir.path().join("c")).expect("issue");
    let server = Identity::load(&dir.path().join("s")).expect("load");
    let client = Identity::load(&dir.path().join("c")).expect("load");
    let (addr, daemon) = start(&server, Arc::new(Echo::default()));
    let resp = exec(
        &addr,
        "srv_3",
        &client,
        &request("echo", &["0"], b""),
        &quick(),
    )
    .expect("exec");
    assert_eq!(resp.stderr, b"job-2");
    daemon.stop();
}

#[test]
fn nothing_listening_is_a_connect_error() {
    let site = site();
    // Bind then drop, so the port is very likely closed.
    let addr = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .to_string();
    let t = Timeouts {
        connect: Duration::from_secs(2),
        request: Duration::from_secs(2),
    };
    let started = Instant::now();
    let err =
        exec(&addr, "SV1", &site.mgr, &request("echo", &[], b""), &t).expect_err("nobody listens");
    assert!(matches!(err, CommError::Connect { .. }), "got {err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn slow_handler_hits_the_request_timeout() {
    let site = site();
    let (addr, daemon) = start(&site.sv1, Arc::new(Echo::default()));
    let t = Timeouts {
        connect: Duration::from_secs(5),
        request: Duration::from_secs(1),
    };
    let started = Instant::now();
    let err = exec(
        &addr,
        "SV1",
        &site.mgr,
        &request("sleep", &["3000"], b""),
        &t,
    )
    .expect_err("too slow");
    let took = started.elapsed();
    assert!(
        matches!(
            err,
            CommError::Timeout {
                what: "request",
                seconds: 1,
                ..
            }
        ),
        "got {err:?}"
    );
    assert!(took >= Duration::from_millis(900), "took {took:?}");
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    daemon.stop();
}

#[test]
fn stopping_the_daemon_fails_a_request_in_flight() {
    let site = site();
    let (addr, daemon) = start(&site.sv1, Arc::new(Echo::default()));
    let mgr = site.mgr.clone();
    let started = Instant::now();
    let client = std::thread::spawn(move || {
        exec(
            &addr,
            "SV1",
            &mgr,
            &request("sleep", &["4000"], b""),
            &quick(),
        )
    });
    std::thread::sleep(Duration::from_millis(500));
    daemon.stop();
    let result = client.join().expect("client thread");
    assert!(
        matches!(
            result,
            Err(CommError::Protocol { .. } | CommError::Timeout { .. })
        ),
        "got {result:?}"
    );
    // Stopped well before the handler (4 s) or the timeout (20 s) would end it.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn handler_refusal_is_rejected_with_its_text() {
    let site = site();
    let (addr, daemon) = start(&site.sv1, Arc::new(Echo::default()));
    let err = exec(
        &addr,
        "SV1",
        &site.mgr,
        &request("deny", &["rm"], b""),
        &quick(),
    )
    .expect_err("denied");
    match err {
        CommError::Rejected { detail, .. } => assert_eq!(detail, "program rm is not allowed"),
        other => panic!("got {other:?}"),
    }
    daemon.stop();
}

#[test]
fn empty_identity_dir_names_ca_pem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = Identity::load(dir.path()).expect_err("empty");
    match err {
        CommError::Identity { path, .. } => {
            assert!(Path::new(&path).ends_with("ca.pem"), "{path}")
        }
        other => panic!("got {other:?}"),
    }
}

/// A "daemon" that accepts connections and then vanishes in one of the ways
/// a killed process does: `read_first` reads the client's hello before going
/// (the client then sees the end of the stream), else the hello is left
/// unread (closing then resets the connection).
fn vanishing_peer(read_first: bool) -> (String, std::thread::JoinHandle<()>) {
    use std::io::Read;
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let thread = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().expect("accept");
        if read_first {
            let mut buf = [0u8; 4096];
            let _ = tcp.read(&mut buf);
            let _ = tcp.shutdown(std::net::Shutdown::Both);
        } else {
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    (addr, thread)
}

#[test]
fn a_peer_that_vanishes_during_the_handshake_is_a_broken_connection() {
    let site = site();
    for read_first in [true, false] {
        let (addr, peer) = vanishing_peer(read_first);
        let err = exec(
            &addr,
            "SV1",
            &site.mgr,
            &request("echo", &["0"], b""),
            &quick(),
        )
        .expect_err("nobody answers");
        peer.join().expect("peer");
        // No certificate was refused: not an authentication failure.
        assert!(
            matches!(err, CommError::Protocol { .. }),
            "read_first={read_first}: got {err:?}"
        );
    }
}
