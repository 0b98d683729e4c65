//! Block disks: real ext4 file systems on simulated LUNs, backed up,
//! replicated and restored by the product's commands and default scripts, and
//! checked by e2fsck and by the files' own checksums; and a real PostgreSQL
//! cluster backed up online by the sample scripts under pgbench, destroyed,
//! restored, recovered and checked by pg_amcheck and pgbench's invariant.
//!
//! Needs root, `/dev/fuse`, loop devices and e2fsprogs/util-linux (and
//! PostgreSQL for its test); under
//! `CI=true` a missing one fails the test, elsewhere the test says why it
//! skipped. Each test has its own home and service; the scene's drop unmounts
//! what it mounted and stops the service, so no loop device is left behind.

use crate::net;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Says what is missing, if anything, for block disks on this machine.
fn prerequisites() -> Option<String> {
    if unsafe { libc::geteuid() } != 0 {
        return Some("block disks need root".into());
    }
    if !Path::new("/dev/fuse").exists() || !Path::new("/dev/loop-control").exists() {
        return Some("block disks need /dev/fuse and loop devices".into());
    }
    for tool in [
        "losetup",
        "mkfs.ext4",
        "e2fsck",
        "fsfreeze",
        "mount",
        "umount",
        "fsck",
    ] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            return Some(format!("block disks need {tool} (util-linux, e2fsprogs)"));
        }
    }
    None
}

macro_rules! need_block_disks {
    () => {
        if let Some(why) = prerequisites() {
            acm_testkit::missing_prerequisite(&why);
            return;
        }
    };
}

struct Scene {
    dir: tempfile::TempDir,
}

impl Scene {
    fn new() -> Scene {
        let s = Scene {
            dir: tempfile::tempdir().unwrap(),
        };
        let root = s.root();
        std::fs::create_dir_all(root.join("etc/opt/swstorage")).unwrap();
        std::fs::write(
            root.join("etc/opt/swstorage/swnode.ini"),
            "ServerName=SV1\n",
        )
        .unwrap();
        // The default scripts, reaching the host through this build's console.
        for (family, krate) in [
            ("FJSVswsts", "acm-backup"),
            ("FJSVswsrp", "acm-replication"),
        ] {
            let dest = root.join("etc/opt").join(family).join("sh");
            std::fs::create_dir_all(&dest).unwrap();
            let src = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("crates")
                .join(krate)
                .join("sh");
            for e in std::fs::read_dir(src).unwrap() {
                let p = e.unwrap().path();
                let to = dest.join(p.file_name().unwrap());
                std::fs::copy(&p, &to).unwrap();
            }
        }
        s
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn home(&self) -> PathBuf {
        self.root().join("var/opt/acmsim")
    }

    fn mnt(&self, name: &str) -> PathBuf {
        self.dir.path().join("mnt").join(name)
    }

    fn cmd(&self, program: &str) -> Command {
        self.cmd_at(&net::bin(program))
    }

    fn cmd_at(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env("ACM_ROOT", self.root())
            .env("ACMSIM_HOME", self.home())
            .env("ACMSIM", net::bin("acmsim"))
            .env_remove("SWSTGNODE")
            .env_remove("ACMSIM_CLOCK")
            .stdin(Stdio::null());
        c
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        self.cmd(program).args(args).output().unwrap()
    }

    fn ok(&self, program: &str, args: &[&str]) -> String {
        let out = self.run(program, args);
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn acmsim(&self, args: &[&str]) -> String {
        self.ok("acmsim", args)
    }

    /// The Linux block device of a block disk, as `acmsim host blockdev` says.
    fn blockdev(&self, device: &str) -> String {
        let out = self.acmsim(&["host", "blockdev", device]);
        out.split_whitespace().next().unwrap().to_string()
    }

    fn script_setting(&self, family: &str, text: &str) {
        let p = self
            .root()
            .join("etc/opt")
            .join(family)
            .join("sh/script.ini");
        std::fs::write(p, text).unwrap();
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        // Unmount whatever is mounted under the scene, then stop the service
        // (which detaches the loop devices and unmounts the block face).
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let base = self.dir.path().to_string_lossy().into_owned();
        let mut points: Vec<&str> = mounts
            .lines()
            .filter_map(|l| l.split(' ').nth(4))
            .filter(|mp| mp.starts_with(&base) && !mp.ends_with("/block"))
            .collect();
        points.sort();
        for mp in points.iter().rev() {
            let _ = Command::new("fsfreeze").args(["--unfreeze", mp]).output();
            let done = Command::new("umount").arg(mp).output();
            if !done.is_ok_and(|o| o.status.success()) {
                // A test that failed mid-way may leave a writer inside.
                let _ = Command::new("umount").args(["-l", mp]).output();
            }
        }
        let _ = self.run("acmsim", &["stop"]);
        let face = self.home().join("block");
        for l in acm_block_loops(&face) {
            let _ = Command::new("losetup").args(["-d", &l]).output();
        }
        let _ = Command::new("umount")
            .args(["-l", &face.to_string_lossy()])
            .output();
    }
}

fn acm_block_loops(face: &Path) -> Vec<String> {
    let out = Command::new("losetup").arg("-a").output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(&*face.to_string_lossy()))
        .filter_map(|l| l.split(':').next().map(str::to_string))
        .collect()
}

fn sh(cmd: &str) -> Output {
    Command::new("sh").args(["-c", cmd]).output().unwrap()
}

fn sh_ok(cmd: &str) -> String {
    let out = sh(cmd);
    assert!(
        out.status.success(),
        "{cmd}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A deterministic file body for file `i`.
fn body(i: u32, len: usize) -> Vec<u8> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ u64::from(i);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Writes `n` files of 256 KiB with fsync; returns name → contents.
fn populate(dir: &Path, n: u32, salt: u32) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    for i in 0..n {
        let name = format!("data/f{i:03}");
        let b = body(i * 1000 + salt, 256 << 10);
        let mut f = std::fs::File::create(dir.join(&name)).unwrap();
        f.write_all(&b).unwrap();
        f.sync_all().unwrap();
        files.insert(name, b);
    }
    files
}

fn assert_files(dir: &Path, files: &BTreeMap<String, Vec<u8>>) {
    for (name, b) in files {
        let got = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(got == *b, "{name} differs on {}", dir.display());
    }
}

/// Appends a known stream to `live` until stopped; the file is always a
/// prefix of `body(7, ..)` repeated.
fn writer(dir: PathBuf, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let chunk = body(7, 64 << 10);
        let mut f = std::fs::File::create(dir.join("live")).unwrap();
        let mut n = 0u64;
        while !stop.load(Ordering::SeqCst) && n < 400 {
            f.write_all(&chunk).unwrap();
            if n.is_multiple_of(4) {
                f.sync_data().unwrap();
            }
            n += 1;
        }
        f.sync_all().unwrap();
        n
    })
}

fn assert_live_prefix(dir: &Path) {
    let chunk = body(7, 64 << 10);
    let live = std::fs::read(dir.join("live")).unwrap();
    for (i, c) in live.chunks(chunk.len()).enumerate() {
        assert_eq!(c, &chunk[..c.len()], "live chunk {i} on {}", dir.display());
    }
}

fn e2fsck_clean(dev: &str) {
    let out = Command::new("e2fsck").args(["-fn", dev]).output().unwrap();
    assert!(
        out.status.success(),
        "e2fsck -fn {dev}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One box with `luns` LUNs of 64 MiB, each attached as a block disk
/// /dev/hdisk1.. ; /dev/hdisk1 gets ext4, mounted at mnt/tv.
fn scene_with_fs(luns: u32) -> Scene {
    scene_with_fs_of(luns, "64M")
}

fn scene_with_fs_of(luns: u32, size: &str) -> Scene {
    let s = Scene::new();
    s.acmsim(&["box", "create", "BOX1"]);
    s.acmsim(&[
        "lun",
        "create",
        "BOX1",
        "--size",
        size,
        "--count",
        &luns.to_string(),
    ]);
    for i in 0..luns {
        let dev = format!("/dev/hdisk{}", i + 1);
        let out = s.acmsim(&["host", "attach", "BOX1", &i.to_string(), &dev, "--block"]);
        assert!(out.contains(" as /dev/loop"), "{out}");
    }
    let lo = s.blockdev("/dev/hdisk1");
    sh_ok(&format!("mkfs.ext4 -q -F {lo}"));
    let tv = s.mnt("tv");
    let out = s.acmsim(&["host", "mount", "/dev/hdisk1", &tv.to_string_lossy()]);
    assert!(out.contains("mounted"), "{out}");
    s
}

fn backup_setup(s: &Scene) {
    s.ok("swstsvrset", &[]);
    s.ok("swstdevinfoset", &["-t", "/dev/hdisk1"]);
    s.ok("swstdevinfoset", &["-b", "/dev/hdisk2"]);
    s.ok("swstbkpolset", &["-s", "1", "/dev/hdisk1"]);
}

/// Mounts a copy read-only elsewhere, checks it, unmounts it.
fn check_copy(s: &Scene, device: &str, files: &BTreeMap<String, Vec<u8>>) {
    let lo = s.blockdev(device);
    e2fsck_clean(&lo);
    let at = s.mnt(&device.replace('/', "_"));
    s.acmsim(&["host", "mount", device, &at.to_string_lossy(), "-o", "ro"]);
    let list = s.acmsim(&["host", "list"]);
    assert!(
        list.contains(&format!("mount {} {device}", at.display())),
        "the kernel's mount shows in host list: {list}"
    );
    assert_files(&at, files);
    assert_live_prefix(&at);
    s.acmsim(&["host", "umount", &at.to_string_lossy()]);
}

#[test]
fn ext4_opc_backup_under_a_writer_then_restore_with_the_default_scripts() {
    need_block_disks!();
    let s = scene_with_fs(2);
    let tv = s.mnt("tv");
    let files = populate(&tv, 16, 0);
    backup_setup(&s);
    // Keep the transaction volume mounted and frozen for the copy's start.
    s.script_setting("FJSVswsts", "TransactionVolume=freeze\nFreezeLimit=30\n");
    let stop = Arc::new(AtomicBool::new(false));
    let w = writer(tv.clone(), stop.clone());
    std::thread::sleep(Duration::from_millis(100));
    let out = s.ok("swstbackup", &["/dev/hdisk1"]);
    assert_eq!(out.trim(), "/dev/hdisk1 swstbackup completed");
    stop.store(true, Ordering::SeqCst);
    let chunks = w.join().unwrap();
    assert!(chunks > 0);
    check_copy(&s, "/dev/hdisk2", &files);

    // Damage the transaction volume, then restore it: OpcRestore.pre
    // unmounts it (for real), .post mounts it again.
    std::fs::remove_dir_all(tv.join("data")).unwrap();
    let changed = populate(&tv, 4, 99);
    assert_ne!(changed.get("data/f000"), files.get("data/f000"));
    let out = s.ok("swstrestore", &["/dev/hdisk1"]);
    assert_eq!(out.trim(), "/dev/hdisk1 swstrestore completed");
    let list = s.acmsim(&["host", "list"]);
    assert!(
        list.contains(&format!("mount {} /dev/hdisk1", tv.display())),
        "remounted by OpcRestore.post: {list}"
    );
    assert_files(&tv, &files);
    assert_live_prefix(&tv);

    // A copy left mounted on the backup volume: the next backup's
    // OpcBackup.pre unmounts it before the copy overwrites it (once the
    // restore's physical copy is done).
    s.acmsim(&["rate", "BOX1", "unlimited"]);
    let t0 = Instant::now();
    while s.ok("swstreststat", &["/dev/hdisk1"]).contains("executing") {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the restore never ended"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let bk = s.mnt("left");
    s.acmsim(&[
        "host",
        "mount",
        "/dev/hdisk2",
        &bk.to_string_lossy(),
        "-o",
        "ro",
    ]);
    s.ok("swstbackup", &["/dev/hdisk1"]);
    let list = s.acmsim(&["host", "list"]);
    assert!(
        !list.contains(&format!("mount {} /dev/hdisk2", bk.display())),
        "OpcBackup.pre unmounted the backup volume: {list}"
    );
    check_copy(&s, "/dev/hdisk2", &files);
}

#[test]
fn ext4_ec_backup_with_suspend() {
    need_block_disks!();
    let s = scene_with_fs(2);
    let tv = s.mnt("tv");
    let files = populate(&tv, 8, 3);
    backup_setup(&s);
    s.script_setting("FJSVswsts", "TransactionVolume=freeze\n");
    s.ok("swststartsync", &["/dev/hdisk1"]);
    let t0 = Instant::now();
    while !s
        .ok("swstsyncstat", &["/dev/hdisk1"])
        .contains("equivalent")
    {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "EC never equivalent"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let w = writer(tv.clone(), stop.clone());
    std::thread::sleep(Duration::from_millis(100));
    s.ok("swstbackup", &["-suspend", "/dev/hdisk1"]);
    stop.store(true, Ordering::SeqCst);
    w.join().unwrap();
    check_copy(&s, "/dev/hdisk2", &files);
}

#[test]
fn ext4_replica_on_another_box() {
    need_block_disks!();
    let s = scene_with_fs(1);
    s.acmsim(&["box", "create", "BOX2"]);
    s.acmsim(&["lun", "create", "BOX2", "--size", "64M"]);
    s.acmsim(&["path", "BOX1", "BOX2", "up"]);
    s.acmsim(&["host", "attach", "BOX2", "0", "/dev/hdisk9", "--block"]);
    let tv = s.mnt("tv");
    let files = populate(&tv, 8, 5);
    s.ok("swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk9"]);
    s.script_setting("FJSVswsrp", "SourceVolume=freeze\n");
    // Between boxes the copy is REC: synchronise, then swsrpmake suspends it.
    s.ok("swsrpstartsync", &["/dev/hdisk1", "/dev/hdisk9"]);
    // Synchronous transfer, so host writes under way keep it equivalent.
    s.ok("swsrpchsync", &["-F", "Sync", "/dev/hdisk1", "/dev/hdisk9"]);
    let t0 = Instant::now();
    while !s.ok("swsrpstat", &["/dev/hdisk1"]).contains("equivalent") {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "REC never equivalent"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let w = writer(tv.clone(), stop.clone());
    std::thread::sleep(Duration::from_millis(100));
    let out = s.ok("swsrpmake", &["/dev/hdisk1", "/dev/hdisk9"]);
    assert!(out.contains("swsrpmake completed"), "{out}");
    stop.store(true, Ordering::SeqCst);
    w.join().unwrap();
    check_copy(&s, "/dev/hdisk9", &files);
}

#[test]
fn mounted_block_disks_refuse_detach_and_stop_and_a_busy_mount_fails_the_script() {
    need_block_disks!();
    let s = scene_with_fs(2);
    let tv = s.mnt("tv");
    populate(&tv, 1, 0);
    let out = s.run("acmsim", &["host", "detach", "/dev/hdisk1"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("SIM1004") && err.contains("mounted on"),
        "{err}"
    );
    let out = s.run("acmsim", &["stop"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("SIM1009"), "{err}");
    assert!(err.contains("unmount them first"), "{err}");
    // Still serving: the file system works.
    populate(&tv, 1, 1);

    // A process inside the mount keeps it busy: OpcBackup.pre cannot
    // unmount it and the backup fails with the script's code 10.
    backup_setup(&s);
    let mut busy = Command::new("sleep")
        .arg("30")
        .current_dir(&tv)
        .spawn()
        .unwrap();
    let out = s.run("swstbackup", &["/dev/hdisk1"]);
    let _ = busy.kill();
    let _ = busy.wait();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a busy mount must fail the backup");
    assert!(err.contains("OpcBackup.pre") && err.contains("10"), "{err}");
    // The mount is still there: nothing was half-done.
    let list = s.acmsim(&["host", "list"]);
    assert!(
        list.contains(&format!("mount {} /dev/hdisk1", tv.display())),
        "{list}"
    );
}

#[test]
fn kill_9_of_the_service_then_recover_keeps_what_fsync_acknowledged() {
    need_block_disks!();
    let s = scene_with_fs(1);
    let tv = s.mnt("tv");
    let files = populate(&tv, 8, 11);
    let pid: i32 = std::fs::read_to_string(s.home().join("array.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    let t0 = Instant::now();
    while Path::new(&format!("/proc/{pid}")).exists() && t0.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    // The disk is stale: blockdev says so and points at the recovery.
    let out = s.run("acmsim", &["host", "blockdev", "/dev/hdisk1"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("SIM1004") && err.contains("acmsim host recover"),
        "{err}"
    );
    let out = s.acmsim(&["host", "recover"]);
    assert!(
        out.contains("/dev/hdisk1: attached again as /dev/loop"),
        "{out}"
    );
    assert!(out.contains("mounted /dev/loop"), "{out}");
    assert_files(&tv, &files);
    // And the recovered disk is a working one.
    let more = populate(&tv, 2, 12);
    assert_files(&tv, &more);
    // Nothing stale is left: a second recovery has nothing to do.
    assert!(s
        .acmsim(&["host", "recover"])
        .contains("no stale block disk"));
}

use acm_testkit::postgres::{tools as pg_tools, Cluster};

#[test]
fn postgresql_online_backup_under_pgbench_then_restore_and_recover() {
    need_block_disks!();
    let Some(bin) = pg_tools(&["pgbench", "pg_amcheck"]) else {
        acm_testkit::missing_prerequisite(
            "PostgreSQL (initdb, pg_ctl, psql, pgbench, pg_amcheck, a postgres user)",
        );
        return;
    };
    let s = scene_with_fs_of(2, "256M");
    let tv = s.mnt("tv");
    let (sock, archive) = (s.dir.path().join("sock"), s.dir.path().join("archive"));
    std::fs::create_dir_all(&sock).unwrap();
    std::fs::create_dir_all(&archive).unwrap();
    sh_ok(&format!(
        "chmod 755 {d} {d}/mnt && chown -R postgres {tv} {sock} {archive}",
        d = s.dir.path().display(),
        tv = tv.display(),
        sock = sock.display(),
        archive = archive.display()
    ));
    let data = tv.join("data");
    let pg = Cluster {
        bin: bin.clone(),
        data: data.clone(),
    };
    pg.pg_ok(
        "initdb",
        &["-D", &data.to_string_lossy(), "-A", "trust", "-N"],
    );
    let port = net::free_port().to_string();
    let mut conf = std::fs::OpenOptions::new()
        .append(true)
        .open(data.join("postgresql.conf"))
        .unwrap();
    writeln!(
        conf,
        "port = {port}\nlisten_addresses = ''\nunix_socket_directories = '{}'\n\
         archive_mode = on\narchive_command = 'cp %p {}/%f'\nfsync = on",
        sock.display(),
        archive.display()
    )
    .unwrap();
    drop(conf);
    let log = sock.join("pg.log").to_string_lossy().into_owned();
    pg.ctl(&["-l", &log, "-w", "start"]);
    let host = sock.to_string_lossy().into_owned();
    pg.pg_ok(
        "pgbench",
        &["-h", &host, "-p", &port, "-i", "-s", "4", "-q", "postgres"],
    );

    // The sample, installed and configured as a site would.
    let samp = s.root().join("etc/opt/FJSVswsts/samp");
    std::fs::create_dir_all(&samp).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/acm-backup/samp");
    for e in std::fs::read_dir(src).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, samp.join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        samp.join("pg.conf"),
        format!(
            "PGDATA={}\nMOUNT_POINT={}\nPGHOST={host}\nPGPORT={port}\nPGDATABASE=postgres\n\
             PGOSUSER=postgres\nPGUSER=postgres\nARCHIVE={}\nPGBIN={}\n",
            data.display(),
            tv.display(),
            archive.display(),
            bin.display()
        ),
    )
    .unwrap();
    let sample = |name: &str, args: &[&str]| {
        let out = s
            .cmd_at(&samp.join(name))
            .env("SWST_BIN", net::bin_dir())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let iv = sample("swst_pg_iv", &[]);
    assert!(
        iv.contains(&format!("data {} /dev/hdisk1", data.display())),
        "{iv}"
    );
    assert!(
        iv.contains("wal ") && iv.lines().all(|l| l.ends_with(" /dev/hdisk1")),
        "{iv}"
    );

    backup_setup(&s);
    s.script_setting("FJSVswsts", "TransactionVolume=freeze\nFreezeLimit=60\n");
    let mut bench = Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(bin.join("pgbench"))
        .args([
            "-h", &host, "-p", &port, "-c", "2", "-T", "8", "-n", "postgres",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let out = sample("swst_pg_bk", &["-a", "/dev/hdisk1"]);
    let line = out.trim();
    assert!(
        line.starts_with("swst_pg_bk completed. (/dev/hdisk1 -> /dev/hdisk2 at ")
            && line.ends_with(" )"),
        "{out}"
    );
    assert!(bench.wait().unwrap().success(), "pgbench failed");
    let psql = |sql: &str| {
        pg.pg_ok(
            "psql",
            &[
                "-X", "-At", "-h", &host, "-p", &port, "-d", "postgres", "-c", sql,
            ],
        )
        .trim()
        .to_string()
    };
    let before: i64 = psql("SELECT count(*) FROM pgbench_history")
        .parse()
        .unwrap();
    assert!(before > 0, "pgbench ran");
    psql("SELECT pg_switch_wal()");
    pg.ctl(&["-m", "fast", "-w", "stop"]);

    // The cluster destroyed: its volume overwritten.
    s.acmsim(&["host", "umount", &tv.to_string_lossy()]);
    let lo = s.blockdev("/dev/hdisk1");
    sh_ok(&format!(
        "dd if=/dev/urandom of={lo} bs=1M count=48 oflag=direct status=none"
    ));

    let out = sample("swst_pg_rs", &["/dev/hdisk1"]);
    assert_eq!(out.trim(), "swst_pg_rs completed.");
    assert!(data.join("backup_label").is_file());
    let log = sock.join("pg2.log").to_string_lossy().into_owned();
    pg.ctl(&["-l", &log, "-w", "-t", "120", "start"]);
    // The archive is replayed to its end; then the cluster is promoted.
    let t0 = Instant::now();
    while psql("SELECT pg_is_in_recovery()") != "f" {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "recovery never ended"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = pg.pg(
        "pg_amcheck",
        &[
            "-h",
            &host,
            "-p",
            &port,
            "-d",
            "postgres",
            "--install-missing",
            "--heapallindexed",
        ],
    );
    assert!(
        out.status.success(),
        "pg_amcheck: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        psql(
            "SELECT (SELECT sum(abalance) FROM pgbench_accounts) = \
             (SELECT sum(delta) FROM pgbench_history)"
        ),
        "t",
        "pgbench's invariant"
    );
    let after: i64 = psql("SELECT count(*) FROM pgbench_history")
        .parse()
        .unwrap();
    assert!(after > 0, "the recovered cluster holds pgbench's history");
    pg.ctl(&["-m", "fast", "-w", "stop"]);
}

/// Reads (or writes) one 4 KiB block of a block device with O_DIRECT, as a
/// file system's I/O reaches it; the error when it fails.
fn direct_io(lo: &str, block: u64, write: bool) -> Result<(), String> {
    let cmd = if write {
        format!("dd if=/dev/zero of={lo} bs=4096 seek={block} count=1 oflag=direct conv=notrunc status=none")
    } else {
        format!("dd if={lo} of=/dev/null bs=4096 skip={block} count=1 iflag=direct status=none")
    };
    let out = sh(&cmd);
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn faults_reach_the_block_device_and_a_stop_detaches_cleanly() {
    need_block_disks!();
    let s = Scene::new();
    s.acmsim(&["box", "create", "BOX1"]);
    s.acmsim(&["lun", "create", "BOX1", "--size", "16M"]);
    s.acmsim(&["host", "attach", "BOX1", "0", "/dev/hdisk1", "--block"]);
    let lo = s.blockdev("/dev/hdisk1");
    direct_io(&lo, 10, false).unwrap();
    // A bad sector at LBA 88 (inside 4 KiB block 11): reading it is EIO, the
    // blocks around it read; writing over it repairs it, as on the array.
    s.acmsim(&["fault", "badsector", "BOX1", "0", "88"]);
    let err = direct_io(&lo, 11, false).unwrap_err();
    assert!(err.contains("Input/output error"), "{err}");
    direct_io(&lo, 10, false).unwrap();
    direct_io(&lo, 12, false).unwrap();
    direct_io(&lo, 11, true).unwrap();
    direct_io(&lo, 11, false).unwrap();
    // A hardware error fails every I/O; cleared, the disk works again.
    s.acmsim(&["fault", "hwerror", "BOX1", "0"]);
    assert!(direct_io(&lo, 3, false).is_err());
    assert!(direct_io(&lo, 3, true).is_err());
    s.acmsim(&["fault", "hwerror", "BOX1", "0", "--clear"]);
    direct_io(&lo, 3, true).unwrap();

    // A tool writing the face's file directly, unaligned: read, modified and
    // written whole blocks through the array; the loop device sees it.
    let listed = s.acmsim(&["host", "blockdev", "/dev/hdisk1"]);
    let file = PathBuf::from(listed.split_whitespace().nth(1).unwrap());
    {
        use std::os::unix::fs::FileExt;
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&file)
            .unwrap();
        f.write_all_at(b"unaligned bytes", 1001).unwrap();
        let mut back = [0u8; 15];
        f.read_exact_at(&mut back, 1001).unwrap();
        assert_eq!(&back, b"unaligned bytes");
    }
    let sector = sh_ok(&format!(
        "dd if={lo} bs=512 skip=1 count=1 iflag=direct status=none | od -An -c | tr -d ' \n'"
    ));
    assert!(sector.contains("unalignedbytes"), "{sector}");

    // The service says what it serves.
    let status = s.acmsim(&["status"]);
    assert!(
        status.contains(&format!("block {} {lo}", s.home().join("block").display())),
        "{status}"
    );

    // Nothing mounted: the stop detaches the loop device and the face.
    let face = s.home().join("block");
    assert_eq!(acm_block_loops(&face).len(), 1);
    s.acmsim(&["stop"]);
    assert!(
        acm_block_loops(&face).is_empty(),
        "the stop detached the loop device"
    );
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(
        !mounts.contains(&*face.to_string_lossy()),
        "the face is unmounted"
    );
    // And the host says so: its disk is stale until attached again.
    let out = s.run("acmsim", &["host", "blockdev", "/dev/hdisk1"]);
    assert!(!out.status.success());
    let out = s.acmsim(&["host", "recover"]);
    assert!(out.contains("attached again as /dev/loop"), "{out}");
    direct_io(&s.blockdev("/dev/hdisk1"), 0, false).unwrap();
}
