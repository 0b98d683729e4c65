//! The array's iSCSI face as initiators use it: discovery, login (digests,
//! CHAP), data that meets every other path, a backup taken while an iSCSI
//! writer runs, libiscsi's conformance suites, and the bad input a target on
//! a network must survive.

use acm_iscsi::initiator::{Initiator, Options};
use acm_iscsi::pdu::{op, Digests, Pdu};
use acm_scsi::transport::{Data, GOOD};
use acm_testkit::Scratch;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const MIB: usize = 1 << 20;

fn acmsim() -> PathBuf {
    acm_testkit::bin("acmsim")
}

fn run(s: &Scratch, args: &[&str]) -> std::process::Output {
    acm_testkit::run(s, &acmsim(), args)
}

fn ok(s: &Scratch, args: &[&str]) -> String {
    acm_testkit::ok(s, &acmsim(), args)
}

/// Box B1 with two 8 MiB LUNs on hdisk1 and hdisk2.
fn scene(s: &Scratch) {
    ok(s, &["box", "create", "B1"]);
    ok(s, &["lun", "create", "B1", "--size", "8M", "--count", "2"]);
    ok(s, &["host", "attach", "B1", "0", "/dev/hdisk1"]);
    ok(s, &["host", "attach", "B1", "1", "/dev/hdisk2"]);
}

const IQN: &str = "iqn.2026-12.org.acm-rs:b1";

/// Starts the portal on a free port of the loopback; its address.
fn start(s: &Scratch, extra: &[&str]) -> SocketAddr {
    let mut args = vec!["iscsi", "start", "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    assert_eq!(ok(s, &args), format!("{IQN} B1\n"));
    addr(s)
}

fn addr(s: &Scratch) -> SocketAddr {
    let status = ok(s, &["iscsi", "status"]);
    status
        .lines()
        .find_map(|l| l.strip_prefix("portal "))
        .unwrap_or_else(|| panic!("no portal line: {status}"))
        .parse()
        .unwrap()
}

fn session_opts() -> Options {
    let mut o = Options::new(Some(IQN));
    o.header_digest = true;
    o.data_digest = true;
    o.max_burst = 64 * 1024;
    o.first_burst = 16 * 1024;
    o.max_recv = 64 * 1024;
    o
}

fn rw16(op: u8, lba: u64, blocks: u32) -> [u8; 16] {
    let mut c = [0u8; 16];
    c[0] = op;
    c[2..10].copy_from_slice(&lba.to_be_bytes());
    c[10..14].copy_from_slice(&blocks.to_be_bytes());
    c
}

fn write(i: &mut Initiator, off: usize, data: &[u8]) {
    let c = i
        .command(
            &rw16(0x8A, (off / 512) as u64, (data.len() / 512) as u32),
            Data::Out(data),
        )
        .unwrap();
    assert_eq!(c.status, GOOD, "WRITE(16) at {off}: sense {:02x?}", c.sense);
}

fn read(i: &mut Initiator, off: usize, len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    let c = i
        .command(
            &rw16(0x88, (off / 512) as u64, (len / 512) as u32),
            Data::In(&mut buf),
        )
        .unwrap();
    assert_eq!(c.status, GOOD, "READ(16) at {off}: sense {:02x?}", c.sense);
    buf
}

fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    acm_host::pattern::fill(seed, 0, &mut v);
    v
}

fn checksum(s: &Scratch, dev: &str) -> String {
    ok(s, &["checksum", dev])
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// The PDU's bytes with both digests.
fn with_digests(pdu: &Pdu) -> Vec<u8> {
    let mut bytes = Vec::new();
    let both = Digests {
        header: true,
        data: true,
    };
    pdu.write(&mut bytes, both).unwrap();
    bytes
}

#[test]
fn discovery_login_and_data_meet_every_other_path() {
    let s = Scratch::new();
    scene(&s);
    let addr = start(&s, &[]);

    // Discovery names the box's target at this portal.
    let mut d = Initiator::login(addr, &Options::new(None)).unwrap();
    let targets = d.send_targets().unwrap();
    assert!(
        targets.contains(&("TargetName".into(), IQN.into())),
        "{targets:?}"
    );
    assert!(targets.contains(&("TargetAddress".into(), format!("{addr},1"))));
    d.logout().unwrap();

    // With both digests and bursts smaller than the writes: immediate data,
    // R2Ts and Data-In sequences of several PDUs.
    let mut i = Initiator::login(addr, &session_opts()).unwrap();
    let data = pattern(9, 8 * MIB);
    for off in (0..8 * MIB).step_by(MIB) {
        write(&mut i, off, &data[off..off + MIB]);
    }
    for off in (0..8 * MIB).step_by(2 * MIB) {
        assert!(
            read(&mut i, off, 2 * MIB) == data[off..off + 2 * MIB],
            "read back at {off}"
        );
    }
    // The host reads what iSCSI wrote: LUN 1 gets the same bytes the host's way.
    ok(&s, &["write", "/dev/hdisk2", "--seed", "9"]);
    assert_eq!(checksum(&s, "/dev/hdisk1"), checksum(&s, "/dev/hdisk2"));
    // And iSCSI reads what the host wrote.
    ok(
        &s,
        &[
            "write",
            "/dev/hdisk1",
            "--seed",
            "4",
            "--offset",
            "1048576",
            "--length",
            "65536",
        ],
    );
    assert!(
        read(&mut i, MIB, 65536) == pattern(4, MIB + 65536)[MIB..],
        "host write seen"
    );

    let status = ok(&s, &["iscsi", "status"]);
    assert!(
        status.contains(&format!("target {IQN} B1 luns 0,1")),
        "{status}"
    );
    assert!(
        status.contains("session ") && status.contains("iqn.2026-12.org.acm-rs:initiator"),
        "{status}"
    );
    i.logout().unwrap();

    // Without immediate data and with InitialR2T: every byte by R2T.
    let mut o = session_opts();
    o.immediate_data = false;
    o.initial_r2t = true;
    o.header_digest = false;
    o.data_digest = false;
    let mut i = Initiator::login(addr, &o).unwrap();
    let data = pattern(11, 300 * 1024);
    write(&mut i, 0, &data);
    assert!(read(&mut i, 0, data.len()) == data);
    i.logout().unwrap();

    assert!(ok(&s, &["iscsi", "stop"]).contains("stopped"));
    assert_eq!(run(&s, &["iscsi", "status"]).status.code(), Some(3));
    assert!(TcpStream::connect(addr).is_err(), "the portal is closed");
}

#[test]
fn chap_lets_in_the_right_secret_only_and_a_failed_login_gets_no_session() {
    let s = Scratch::new();
    scene(&s);
    let bad = run(
        &s,
        &[
            "iscsi",
            "start",
            "--listen",
            "127.0.0.1:0",
            "--chap",
            "u:short",
        ],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("SIM1001"));
    let addr = start(&s, &["--chap", "operator:s3cret-s3cret"]);
    let mut o = session_opts();
    assert!(Initiator::login(addr, &o).is_err(), "no CHAP, no login");
    o.chap = Some(("operator".into(), "wrong-wrong-wrong".into()));
    assert!(Initiator::login(addr, &o).is_err(), "a wrong secret");
    assert!(
        !ok(&s, &["iscsi", "status"]).contains("session "),
        "no session"
    );
    o.chap = Some(("operator".into(), "s3cret-s3cret".into()));
    let mut i = Initiator::login(addr, &o).unwrap();
    write(&mut i, 0, &pattern(1, 4096));
    let status = ok(&s, &["iscsi", "status"]);
    assert!(status.contains("chap operator"), "{status}");
    assert!(status.contains("session "), "{status}");
    i.logout().unwrap();
    // A second start is refused by name while one runs.
    let again = run(&s, &["iscsi", "start", "--listen", "127.0.0.1:0"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("SIM1010"));
}

/// Waits for the peer to close the connection (a read of 0 or an error).
fn closed(t: &mut TcpStream, within: Duration) -> bool {
    t.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 4096];
    let t0 = Instant::now();
    loop {
        match t.read(&mut buf) {
            Ok(0) | Err(_) if t0.elapsed() <= within + Duration::from_secs(1) => return true,
            Ok(_) => continue,
            _ => return false,
        }
    }
}

/// Logs a raw connection in (no digests) and returns it.
fn raw_session(addr: SocketAddr, digests: bool) -> Initiator {
    let mut o = Options::new(Some(IQN));
    o.header_digest = digests;
    o.data_digest = digests;
    Initiator::login(addr, &o).unwrap()
}

fn service_rss_kib(s: &Scratch) -> u64 {
    let pid = acm_sim::client::service_pid(&s.sim_home()).unwrap();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

#[test]
fn bad_input_gets_a_reject_or_a_closed_connection_and_the_service_lives_on() {
    let s = Scratch::new();
    scene(&s);
    ok(&s, &["stop"]);
    // A short login timeout, set where the service starts.
    let out = s
        .cmd(&acmsim())
        .args(["iscsi", "start", "--listen", "127.0.0.1:0"])
        .env("ACMSIM_ISCSI_LOGIN_TIMEOUT", "2")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let addr = addr(&s);

    // An unknown opcode: a Reject naming it, and the session goes on.
    let mut i = raw_session(addr, false);
    let mut p = Pdu::new(0x1C | 0x40);
    p.set_itt(77);
    i.raw(&p).unwrap();
    let r = i.read().unwrap().unwrap();
    assert_eq!(r.opcode(), op::REJECT);
    assert_eq!(r.data[0] & 0x3F, 0x1C, "the rejected header comes back");
    write(&mut i, 0, &pattern(2, 4096));

    // Data-Out for a task that does not exist: a Reject.
    let mut p = Pdu::new(op::DATA_OUT);
    p.set_itt(12345);
    p.bhs[1] = 0x80;
    p.data = vec![0; 512];
    i.raw(&p).unwrap();
    assert_eq!(i.read().unwrap().unwrap().opcode(), op::REJECT);

    // Immediate data longer than the expected transfer length: a Reject.
    let mut p = i.command_pdu(&rw16(0x8A, 0, 1), false, true, 512);
    p.data = vec![0; 1024];
    i.raw(&p).unwrap();
    assert_eq!(i.read().unwrap().unwrap().opcode(), op::REJECT);
    write(&mut i, 0, &pattern(3, 4096));

    // A data segment far larger than agreed: the connection is dropped unread.
    let mut bhs = [0u8; 48];
    bhs[0] = op::NOP_OUT | 0x40;
    bhs[5] = 0xFF;
    bhs[6] = 0xFF;
    i.raw_bytes(&bhs).unwrap();
    assert!(matches!(i.read(), Ok(None) | Err(_)), "dropped");

    // A header digest that does not match: dropped.
    let mut i = raw_session(addr, true);
    let mut nop = Pdu::new(op::NOP_OUT | 0x40);
    nop.set_itt(5);
    nop.set_word(20, 0xFFFF_FFFF);
    let mut bytes = with_digests(&nop);
    bytes[49] ^= 0xFF;
    i.raw_bytes(&bytes).unwrap();
    assert!(matches!(i.read(), Ok(None) | Err(_)), "dropped");

    // A data digest that does not match: a Reject, then the connection ends.
    let mut i = raw_session(addr, true);
    nop.data = b"ping".to_vec();
    let mut bytes = with_digests(&nop);
    let n = bytes.len();
    bytes[n - 1] ^= 0xFF;
    i.raw_bytes(&bytes).unwrap();
    assert_eq!(i.read().unwrap().unwrap().opcode(), op::REJECT);
    assert!(matches!(i.read(), Ok(None) | Err(_)), "dropped");

    // A header that announces a 16 MiB data segment, beyond the negotiated
    // limit: the connection ends, whatever follows is not read.
    let mut i = raw_session(addr, false);
    let mut nop = Pdu::new(op::NOP_OUT | 0x40);
    nop.set_itt(6);
    nop.set_word(20, 0xFFFF_FFFF);
    let mut bytes = Vec::new();
    nop.write(&mut bytes, Digests::default()).unwrap();
    bytes[5..8].copy_from_slice(&[0xFF, 0xFF, 0xFF]);
    bytes.extend_from_slice(&[0u8; 4096]);
    i.raw_bytes(&bytes).unwrap();
    while let Ok(Some(r)) = i.read() {
        assert_eq!(r.opcode(), op::REJECT, "nothing but a Reject");
    }

    // Garbage instead of a login, and a login that never completes.
    let mut t = TcpStream::connect(addr).unwrap();
    t.write_all(&[0xFF; 48]).unwrap();
    assert!(
        closed(&mut t, Duration::from_secs(5)),
        "garbage login dropped"
    );
    let mut t = TcpStream::connect(addr).unwrap();
    t.write_all(&[0x43, 0x81]).unwrap();
    assert!(
        closed(&mut t, Duration::from_secs(5)),
        "stalled login dropped"
    );

    // 200 idle connections, half of them logged in: the service still
    // serves, in bounded memory.
    let before = service_rss_kib(&s);
    let mut idle: Vec<TcpStream> = (0..100)
        .map(|_| TcpStream::connect(addr).unwrap())
        .collect();
    let sessions: Vec<Initiator> = (0..100)
        .map(|k| {
            let mut o = Options::new(Some(IQN));
            o.isid[4] = 1;
            o.isid[5] = k as u8;
            Initiator::login(addr, &o).unwrap()
        })
        .collect();
    let mut i = raw_session(addr, false);
    write(&mut i, 0, &pattern(5, 65536));
    assert!(read(&mut i, 0, 65536) == pattern(5, 65536));
    let grown = service_rss_kib(&s).saturating_sub(before);
    assert!(grown < 64 * 1024, "200 idle connections cost {grown} KiB");
    let status = ok(&s, &["iscsi", "status"]);
    assert!(status.matches("session ").count() >= 101, "{status}");
    drop(sessions);
    idle.clear();
    i.logout().unwrap();
    ok(&s, &["status"]);
}

/// The manual's backup, taken while an iSCSI initiator writes to the
/// transaction volume: the backup volume holds the volume as it was at one
/// instant, every write before it and none after.
#[test]
fn a_backup_started_while_an_iscsi_writer_runs_holds_the_point_in_time() {
    use std::sync::atomic::{AtomicBool, Ordering};
    const CHUNK: usize = 65536;
    const SLOTS: usize = 8 * MIB / CHUNK;
    let s = Scratch::new();
    let ini = s.root().join("etc/opt/swstorage/swnode.ini");
    std::fs::create_dir_all(ini.parent().unwrap()).unwrap();
    std::fs::write(&ini, "ServerName=job2\n").unwrap();
    scene(&s);
    let sw = |cmd: &str, args: &[&str]| acm_testkit::ok(&s, &acm_testkit::bin(cmd), args);
    sw("swstsvrset", &[]);
    sw("swstdevinfoset", &["-t", "/dev/hdisk1"]);
    sw("swstdevinfoset", &["-b", "/dev/hdisk2"]);
    sw("swstbkpolset", &["-s", "1", "/dev/hdisk1"]);
    ok(&s, &["rate", "B1", "paused"]);
    let addr = start(&s, &[]);
    let mut i = Initiator::login(addr, &session_opts()).unwrap();
    let before = pattern(21, 8 * MIB);
    for off in (0..8 * MIB).step_by(MIB) {
        write(&mut i, off, &before[off..off + MIB]);
    }
    // Write n goes to slot n mod SLOTS with its own pattern, in order.
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut n = 0usize;
            while !stop.load(Ordering::SeqCst) {
                write(&mut i, (n % SLOTS) * CHUNK, &pattern(100 + n as u64, CHUNK));
                n += 1;
            }
            (i, n)
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        sw("swstbackup", &["/dev/hdisk1"]),
        "/dev/hdisk1 swstbackup completed\n"
    );
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::SeqCst);
    let (i, written) = writer.join().unwrap();
    i.logout().unwrap();
    ok(&s, &["rate", "B1", "unlimited"]);
    ok(&s, &["advance", "B1", "--all"]);
    // The backup volume as an iSCSI initiator reads it.
    let mut o = session_opts();
    o.isid[5] = 2;
    let mut j = Initiator::login(addr, &o).unwrap();
    j.lun = 1;
    let backup = read(&mut j, 0, 8 * MIB);
    j.logout().unwrap();
    // Which write each slot of the backup holds (None: the data before).
    let held: Vec<Option<usize>> = (0..SLOTS)
        .map(|k| {
            let chunk = &backup[k * CHUNK..(k + 1) * CHUNK];
            if chunk == &before[k * CHUNK..(k + 1) * CHUNK] {
                return None;
            }
            let n = (k..written)
                .step_by(SLOTS)
                .find(|n| chunk == pattern(100 + *n as u64, CHUNK).as_slice());
            Some(n.unwrap_or_else(|| panic!("slot {k} holds no write of the {written}")))
        })
        .collect();
    let cut = held.iter().flatten().max().map_or(0, |n| n + 1);
    assert!(
        cut < written,
        "writes went on after the backup ({cut} of {written})"
    );
    for (k, h) in held.iter().enumerate() {
        let expect = (k..cut).step_by(SLOTS).next_back();
        assert_eq!(
            *h, expect,
            "slot {k}: the backup is the volume after write {cut}"
        );
    }
}

/// libiscsi's `iscsi-test-cu`, every test of its ALL family (the SCSI and
/// iSCSI suites) with destructive tests allowed: none may fail, and the
/// suites a block LUN with this command set must run are run, not skipped.
#[test]
fn libiscsi_conformance_suite_passes() {
    let tool = "iscsi-test-cu";
    if Command::new(tool).arg("--help").output().is_err() {
        acm_testkit::missing_prerequisite("iscsi-test-cu (Debian libiscsi-bin)");
        return;
    }
    let s = Scratch::new();
    ok(&s, &["box", "create", "B1"]);
    ok(&s, &["lun", "create", "B1", "--size", "64M", "--thin"]);
    let addr = start(&s, &[]);
    let url = format!("iscsi://{addr}/{IQN}/0");
    let out = Command::new(tool)
        .args(["-d", "-t", "ALL", &url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let summary: Vec<u64> = text
        .lines()
        .find(|l| l.trim_start().starts_with("tests "))
        .unwrap_or_else(|| panic!("no summary:\n{text}"))
        .split_whitespace()
        .skip(1)
        .filter_map(|w| w.parse().ok())
        .collect();
    let (ran, failed) = (summary[1], summary[3]);
    let failures: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("[FAILED]") || l.ends_with("FAILED"))
        .collect();
    assert_eq!(failed, 0, "{}", failures.join("\n"));
    assert!(ran >= 230, "{ran} tests ran");
    // Suites whose every test must run here (none skipped as "not
    // implemented" or for a feature the LUN says it lacks).
    let mut suite = "";
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("Suite: ") {
            suite = name.trim();
        }
        let must_run = [
            "CompareAndWrite",
            "ExtendedCopy",
            "Inquiry",
            "ModeSense6",
            "Read10",
            "Read16",
            "ReadCapacity16",
            "Verify16",
            "Write16",
            "WriteSame16",
            "WriteVerify16",
            "ProutReserve",
            "ReceiveCopyResults",
            "Reserve6",
            "ReportSupportedOpcodes",
            "iSCSIResiduals",
            "iSCSITMF",
        ];
        let skipped = line.contains("not implemented") || line.contains("fully provisioned");
        if must_run.contains(&suite) && skipped {
            panic!("{suite}: {line}");
        }
    }
}

/// The product's commands drive a box through its iSCSI face: disks
/// attached by `iscsi://` URL carry both the host's data and the vendor
/// copy-session commands over iSCSI, never through the array's socket.
#[test]
fn the_product_backs_up_disks_it_reaches_over_iscsi() {
    let s = Scratch::new();
    let ini = s.root().join("etc/opt/swstorage/swnode.ini");
    std::fs::create_dir_all(ini.parent().unwrap()).unwrap();
    std::fs::write(&ini, "ServerName=job2\n").unwrap();
    ok(&s, &["box", "create", "B1"]);
    ok(&s, &["lun", "create", "B1", "--size", "8M", "--count", "2"]);
    let addr = start(&s, &[]);
    for (dev, lun) in [("/dev/hdisk1", 0), ("/dev/hdisk2", 1)] {
        let url = format!("iscsi://{addr}/{IQN}/{lun}");
        let out = ok(&s, &["host", "attach-node", dev, &url]);
        assert!(out.contains(&format!("LUN {lun}")), "{out}");
    }
    let sw = |cmd: &str, args: &[&str]| acm_testkit::ok(&s, &acm_testkit::bin(cmd), args);
    sw("swstsvrset", &[]);
    sw("swstdevinfoset", &["-t", "/dev/hdisk1"]);
    sw("swstdevinfoset", &["-b", "/dev/hdisk2"]);
    sw("swstbkpolset", &["-s", "1", "/dev/hdisk1"]);
    ok(&s, &["write", "/dev/hdisk1", "--seed", "31"]);
    let source = checksum(&s, "/dev/hdisk1");
    ok(&s, &["rate", "B1", "paused"]);
    assert_eq!(
        sw("swstbackup", &["/dev/hdisk1"]),
        "/dev/hdisk1 swstbackup completed\n"
    );
    let stat = sw("swstbackstat", &["/dev/hdisk1"]);
    assert!(stat.contains("executing"), "{stat}");
    // Written after the logical copy: not in the backup.
    ok(
        &s,
        &[
            "write",
            "/dev/hdisk1",
            "--seed",
            "32",
            "--length",
            "1048576",
        ],
    );
    ok(&s, &["rate", "B1", "unlimited"]);
    ok(&s, &["advance", "B1", "--all"]);
    assert_eq!(checksum(&s, "/dev/hdisk2"), source, "the backup over iSCSI");
    let stat = sw("swstbackstat", &["/dev/hdisk1"]);
    assert!(stat.contains("succeeded"), "{stat}");
    // Not one request of a command came through the array's socket: only
    // the STATUS asking is counted between two asks.
    let requests = || -> u64 {
        let status = ok(&s, &["status"]);
        status
            .lines()
            .find_map(|l| l.strip_prefix("requests "))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{status}"))
    };
    let before = requests();
    sw("swstbackstat", &["/dev/hdisk1"]);
    sw("swsthistdisp", &["/dev/hdisk1"]);
    ok(&s, &["checksum", "/dev/hdisk2"]);
    assert_eq!(requests(), before + 1, "everything went over iSCSI");
}

/// kill -9 of the service while an iSCSI initiator writes: every write the
/// initiator saw acknowledged is on the LUN when the service comes back
/// (which comes back without a portal: one is started again).
#[test]
fn kill_9_of_the_service_under_an_iscsi_writer_loses_no_acknowledged_write() {
    const CHUNK: usize = 65536;
    const SLOTS: usize = 8 * MIB / CHUNK;
    let s = Scratch::new();
    scene(&s);
    let addr = start(&s, &[]);
    let pid = acm_sim::client::service_pid(&s.sim_home()).unwrap() as i32;
    let mut i = Initiator::login(addr, &session_opts()).unwrap();
    let zero = vec![0u8; CHUNK];
    let mut acked: Vec<Option<usize>> = vec![None; SLOTS];
    let mut in_flight: Option<(usize, usize)>;
    // The kill lands wherever the writer is.
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        unsafe { libc::kill(pid, libc::SIGKILL) };
    });
    let t0 = Instant::now();
    let mut n = 0usize;
    loop {
        let slot = n % SLOTS;
        in_flight = Some((slot, n));
        let c = i.command(
            &rw16(0x8A, (slot * CHUNK / 512) as u64, (CHUNK / 512) as u32),
            Data::Out(&pattern(500 + n as u64, CHUNK)),
        );
        match c {
            Ok(c) if c.status == GOOD => acked[slot] = Some(n),
            _ => break,
        }
        n += 1;
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the kill ended nothing"
        );
    }
    killer.join().unwrap();
    assert!(n > 10, "the writes went on until the kill ({n})");
    // The service starts again on demand; the portal with it.
    let addr = start(&s, &[]);
    let mut j = Initiator::login(addr, &session_opts()).unwrap();
    let lun = read(&mut j, 0, 8 * MIB);
    for (slot, a) in acked.iter().enumerate() {
        let got = &lun[slot * CHUNK..(slot + 1) * CHUNK];
        let want = a.map_or(zero.clone(), |n| pattern(500 + n as u64, CHUNK));
        let flight = in_flight
            .filter(|(s, _)| *s == slot)
            .map(|(_, n)| pattern(500 + n as u64, CHUNK));
        assert!(
            got == want.as_slice() || flight.as_deref() == Some(got),
            "slot {slot}: lost the acknowledged write {a:?}"
        );
    }
    j.logout().unwrap();
}

/// Token copy offload through the iSCSI face and the array service: a
/// POPULATE TOKEN on LUN 0 holds its point in time across requests while the
/// host goes on writing, and WRITE USING TOKEN puts it on LUN 1; a
/// restarted service knows no token.
#[test]
fn copy_offload_over_iscsi_holds_the_point_in_time() {
    use acm_scsi::sbc::offload;
    let s = Scratch::new();
    scene(&s);
    let addr = start(&s, &[]);
    let mut i = Initiator::login(addr, &session_opts()).unwrap();
    let before = pattern(31, MIB);
    write(&mut i, 0, &before);
    let (c, p) = offload::populate_token(5, 0, &[(0, 2048)]);
    assert_eq!(i.command(&c, Data::Out(&p)).unwrap().status, GOOD);
    let mut info = vec![0u8; 1024];
    let c = offload::receive_rod_token_information(5, 1024);
    assert_eq!(i.command(&c, Data::In(&mut info)).unwrap().status, GOOD);
    let token = offload::parse_rod_info(&info).unwrap().token.unwrap();
    // The host writes over half the source after the token.
    write(&mut i, 0, &pattern(32, MIB / 2));
    i.lun = 1;
    let (c, p) = offload::write_using_token(6, &token, 0, false, &[(0, 2048)]);
    let done = i.command(&c, Data::Out(&p)).unwrap();
    assert_eq!(done.status, GOOD, "{:02x?}", done.sense);
    assert!(
        read(&mut i, 0, MIB) == before,
        "LUN 1 has the point in time"
    );
    // The service keeps the token across its other requests; a new service
    // does not.
    i.logout().unwrap();
    ok(&s, &["stop"]);
    let addr = start(&s, &[]);
    let mut j = Initiator::login(addr, &session_opts()).unwrap();
    j.lun = 1;
    let (c, p) = offload::write_using_token(7, &token, 0, false, &[(0, 8)]);
    let c = j.command(&c, Data::Out(&p)).unwrap();
    assert_eq!(c.status, acm_scsi::transport::CHECK_CONDITION);
    let sense = acm_scsi::sense::Sense::parse(&c.sense).unwrap();
    assert_eq!((sense.key, sense.asc, sense.ascq), (0x05, 0x23, 0x04));
    j.logout().unwrap();
}

/// A box of the standard profile answers the standard set only, as another
/// maker's array does: on its disks (reached over iSCSI) the product's OPC
/// copies — swstbackup, swstrestore, swsrpmake — are made by point-in-time
/// ROD token and are whole when the command ends; the copy types the
/// standard set cannot make (QuickOPC, EC) refuse with their IDs and
/// "not support.", and change neither the data nor the management lists.
#[test]
fn a_standard_profile_box_copies_opc_by_token_and_refuses_the_rest() {
    let s = Scratch::new();
    let ini = s.root().join("etc/opt/swstorage/swnode.ini");
    std::fs::create_dir_all(ini.parent().unwrap()).unwrap();
    std::fs::write(&ini, "ServerName=job2\n").unwrap();
    ok(&s, &["box", "create", "B1", "--profile", "standard"]);
    assert!(ok(&s, &["box", "show", "B1"]).contains("Profile     : standard\n"));
    ok(&s, &["lun", "create", "B1", "--size", "8M", "--count", "5"]);
    let addr = start(&s, &[]);
    for lun in 0..5 {
        let dev = format!("/dev/hdisk{}", lun + 1);
        // attach-url is attach-node's other name.
        let verb = if lun == 0 {
            "attach-url"
        } else {
            "attach-node"
        };
        ok(
            &s,
            &["host", verb, &dev, &format!("iscsi://{addr}/{IQN}/{lun}")],
        );
    }
    let sw = |cmd: &str, args: &[&str]| acm_testkit::ok(&s, &acm_testkit::bin(cmd), args);
    sw("swstsvrset", &[]);
    sw("swstdevinfoset", &["-t", "/dev/hdisk1"]);
    sw("swstdevinfoset", &["-b", "/dev/hdisk2"]);
    sw("swstdevinfoset", &["-b", "/dev/hdisk5"]);
    sw("swstbkpolset", &["-s", "1", "/dev/hdisk1"]);
    ok(&s, &["write", "/dev/hdisk1", "--seed", "41"]);
    let source = checksum(&s, "/dev/hdisk1");
    // Backup: OPC by token, whole at once.
    assert_eq!(
        sw("swstbackup", &["/dev/hdisk1"]),
        "/dev/hdisk1 swstbackup completed\n"
    );
    assert_eq!(checksum(&s, "/dev/hdisk2"), source, "the backup");
    assert!(sw("swstbackstat", &["/dev/hdisk1"]).contains("succeeded"));
    // Restore: the transaction volume overwritten, then restored by token.
    ok(&s, &["write", "/dev/hdisk1", "--seed", "42"]);
    assert_eq!(
        sw("swstrestore", &["/dev/hdisk1"]),
        "/dev/hdisk1 swstrestore completed\n"
    );
    assert_eq!(checksum(&s, "/dev/hdisk1"), source, "the restore");
    assert!(sw("swstreststat", &["/dev/hdisk1"]).contains("succeeded"));
    // What the standard set cannot make: refused, nothing changed.
    let lists = || {
        [
            "swsthistdisp",
            "swstdevdisp",
            "swstbkpoldisp",
            "swstsyncstat",
            "swsttrkstat",
        ]
        .map(|c| sw(c, &[]))
        .join("")
    };
    let before = lists();
    let (src, dst) = (checksum(&s, "/dev/hdisk1"), checksum(&s, "/dev/hdisk2"));
    for (cmd, args, id) in [
        ("swstbackup", vec!["-T", "/dev/hdisk1"], "swst0634 "),
        ("swststartsync", vec!["/dev/hdisk1"], "swst0719 "),
    ] {
        let out = acm_testkit::run(&s, &acm_testkit::bin(cmd), &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{cmd}: {err}");
        assert!(
            err.starts_with(id) && err.contains("not support."),
            "{cmd}: {err}"
        );
        assert!(out.stdout.is_empty(), "{cmd}");
    }
    assert_eq!(lists(), before, "the management list is unchanged");
    assert_eq!(
        (checksum(&s, "/dev/hdisk1"), checksum(&s, "/dev/hdisk2")),
        (src, dst)
    );
    // Replication: an OPC snapshot by token; EC refused.
    sw("swsrpsetvol", &["/dev/hdisk3", "/dev/hdisk4"]);
    ok(&s, &["write", "/dev/hdisk3", "--seed", "43"]);
    let original = checksum(&s, "/dev/hdisk3");
    let made = sw("swsrpmake", &["/dev/hdisk3", "/dev/hdisk4"]);
    assert!(made.ends_with("swsrpmake completed\n"), "{made}");
    assert_eq!(checksum(&s, "/dev/hdisk4"), original, "the replica");
    let out = acm_testkit::run(
        &s,
        &acm_testkit::bin("swsrpstartsync"),
        &["/dev/hdisk3", "/dev/hdisk4"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("swsrp") && err.contains("not support."),
        "{err}"
    );
}

#[test]
fn an_xcopy_profile_box_copies_opc_by_extended_copy_and_says_so() {
    let s = Scratch::new();
    let ini = s.root().join("etc/opt/swstorage/swnode.ini");
    std::fs::create_dir_all(ini.parent().unwrap()).unwrap();
    std::fs::write(&ini, "ServerName=job2\n").unwrap();
    // An array with EXTENDED COPY and no ROD tokens; LUNs larger than one
    // command's segments (16 of 32 MiB), so the copy takes several.
    ok(&s, &["box", "create", "B1", "--profile", "xcopy"]);
    assert!(ok(&s, &["box", "show", "B1"]).contains("Profile     : xcopy\n"));
    ok(
        &s,
        &[
            "lun", "create", "B1", "--size", "600M", "--count", "2", "--thin",
        ],
    );
    ok(&s, &["lun", "create", "B1", "--size", "8M", "--count", "2"]);
    let addr = start(&s, &[]);
    for lun in 0..4 {
        let dev = format!("/dev/hdisk{}", lun + 1);
        ok(
            &s,
            &[
                "host",
                "attach-url",
                &dev,
                &format!("iscsi://{addr}/{IQN}/{lun}"),
            ],
        );
    }
    let run = |cmd: &str, args: &[&str]| acm_testkit::run(&s, &acm_testkit::bin(cmd), args);
    let note = |out: &std::process::Output, id: &str| {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        assert!(err.starts_with(&format!("{id} ")), "{err}");
        assert!(err.contains("EXTENDED COPY"), "{err}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let sw = |cmd: &str, args: &[&str]| acm_testkit::ok(&s, &acm_testkit::bin(cmd), args);
    sw("swstsvrset", &[]);
    sw("swstdevinfoset", &["-t", "/dev/hdisk1"]);
    sw("swstdevinfoset", &["-b", "/dev/hdisk2"]);
    sw("swstbkpolset", &["-s", "1", "/dev/hdisk1"]);
    ok(
        &s,
        &["write", "/dev/hdisk1", "--seed", "51", "--length", "64M"],
    );
    ok(
        &s,
        &[
            "write",
            "/dev/hdisk1",
            "--seed",
            "52",
            "--offset",
            "590M",
            "--length",
            "10M",
        ],
    );
    let source = checksum(&s, "/dev/hdisk1");
    let out = run("swstbackup", &["/dev/hdisk1"]);
    assert_eq!(note(&out, "swst0741"), "/dev/hdisk1 swstbackup completed\n");
    assert_eq!(checksum(&s, "/dev/hdisk2"), source, "the backup");
    assert!(sw("swstbackstat", &["/dev/hdisk1"]).contains("succeeded"));
    // Replication: an OPC snapshot the same way; QuickOPC refused.
    sw("swsrpsetvol", &["/dev/hdisk3", "/dev/hdisk4"]);
    ok(&s, &["write", "/dev/hdisk3", "--seed", "53"]);
    let original = checksum(&s, "/dev/hdisk3");
    let out = run("swsrpmake", &["/dev/hdisk3", "/dev/hdisk4"]);
    assert!(note(&out, "swsrp0741").contains("swsrpmake completed"));
    assert_eq!(checksum(&s, "/dev/hdisk4"), original, "the replica");
    let out = run("swsrpmake", &["-T", "/dev/hdisk3", "/dev/hdisk4"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("swsrp0634 "));
}
