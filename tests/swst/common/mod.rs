//! Shared set-up for the swst command tests: a scratch root with a configured
//! server name, a simulated box with LUNs attached to the simulated host, and
//! helpers that run a command and check its outcome.
#![allow(dead_code)]

use acm_backup::list::{BackupKind, BackupList, Generation, ListStore};
use acm_host::{Disk, Host, HostError, HostStore};
use acm_sim::state::LunKind;
use acm_testkit::Scratch;
use std::path::PathBuf;
use std::process::Output;

/// Size of every test LUN.
pub const LUN: u64 = 4 << 20;
/// The server name written to swnode.ini.
pub const SERVER: &str = "job2";

/// Program `name` of the suite (a link to the build's multicall binary).
pub fn bin(name: &str) -> PathBuf {
    acm_testkit::bin(name)
}

/// A scratch root whose server is named `job2`, with box B1 holding `luns` LUNs of
/// [`LUN`] bytes attached as `/dev/hdisk1`, `/dev/hdisk2`, ...
pub fn world(luns: u32) -> Scratch {
    let s = Scratch::new();
    let ini = s.root().join("etc/opt/swstorage/swnode.ini");
    std::fs::create_dir_all(ini.parent().unwrap()).unwrap();
    std::fs::write(&ini, format!("ServerName={SERVER}\n")).unwrap();
    let mut array = acm_sim::Array::open(&s.sim_home()).unwrap();
    let box_id = array.create_box("B1").unwrap();
    let bid = array.bid_by_name("B1").unwrap();
    array
        .create_luns(&bid, LUN, luns, LunKind::Standard)
        .unwrap();
    array.commit().unwrap();
    drop(array);
    host_update(&s, |h| {
        for olu in 0..luns {
            h.attach(
                &format!("/dev/hdisk{}", olu + 1),
                Disk {
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
    });
    s
}

pub fn host_update(s: &Scratch, f: impl FnOnce(&mut Host) -> Result<(), HostError>) {
    HostStore::open_at(s.root().join("var/opt/acmsim-host"))
        .update(f)
        .unwrap();
}

/// `world(n)` after `swstsvrset`.
pub fn configured(luns: u32) -> Scratch {
    let s = world(luns);
    ok(&s, "swstsvrset", &[]);
    s
}

pub fn data_dir(s: &Scratch) -> PathBuf {
    s.root().join("etc/opt/FJSVswsts/data")
}

pub fn list_path(s: &Scratch) -> PathBuf {
    data_dir(s).join("swstlist.redb")
}

pub fn list_store(s: &Scratch) -> ListStore {
    ListStore::open_at(data_dir(s))
}

/// Changes the list directly, as the later operation commands will.
pub fn edit_list(s: &Scratch, f: impl FnOnce(&mut BackupList)) {
    list_store(s)
        .update("test", |l| {
            f(l);
            Ok(())
        })
        .unwrap();
}

/// Adds a history generation of `td` on `bd`.
pub fn add_history(s: &Scratch, td: &str, bd: &str) {
    edit_list(s, |l| {
        let v = l.next_version.entry(td.to_string()).or_insert(1);
        let version = *v;
        *v += 1;
        l.history
            .entry(td.to_string())
            .or_default()
            .push(Generation {
                version,
                date: "2000/11/12 22:00".into(),
                backup_volume: bd.into(),
                kind: BackupKind::Opc,
            });
    });
}

pub fn run(s: &Scratch, cmd: &str, args: &[&str]) -> Output {
    acm_testkit::run(s, &bin(cmd), args)
}

/// Runs and expects success with nothing on stderr; returns stdout.
pub fn ok(s: &Scratch, cmd: &str, args: &[&str]) -> String {
    acm_testkit::ok(s, &bin(cmd), args)
}

/// Runs and expects a refusal with message `id` and exit status `code`, one
/// message line, nothing on stdout, and the list file unchanged byte for byte.
pub fn refused(s: &Scratch, cmd: &str, args: &[&str], id: &str, code: i32) -> String {
    acm_testkit::refused(s, &bin(cmd), args, id, code, &list_path(s))
}

/// The whitespace-separated tokens of each line.
pub fn tokens(text: &str) -> Vec<Vec<String>> {
    acm_testkit::tokens(text)
}

/// Checks the table layout: every row's cells start where the header's do.
pub fn assert_aligned(text: &str, header: &[&str]) {
    let lines: Vec<&str> = text.lines().collect();
    let starts: Vec<usize> = {
        let mut pos = 0;
        header
            .iter()
            .map(|h| {
                let at = lines[0][pos..].find(h).unwrap() + pos;
                pos = at + h.len();
                at
            })
            .collect()
    };
    for line in &lines[1..] {
        for &at in &starts[1..] {
            assert_eq!(
                &line[at - 1..at],
                " ",
                "column boundary at {at} in {line:?}\n{text}"
            );
            assert_ne!(
                &line[at..at + 1],
                " ",
                "cell starts at {at} in {line:?}\n{text}"
            );
        }
    }
}

/// The product's library calls (the driver, the host's devices) read
/// `ACM_ROOT` and `ACMSIM_HOME` from the process environment, which every
/// test of this binary shares: one lock for all of them, so that no test's
/// call reaches another test's array.
static ENV: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` with the environment naming `s` (and no `SWSTGNODE`).
pub fn with_env<T>(s: &Scratch, f: impl FnOnce() -> T) -> T {
    let _g = ENV.lock().unwrap_or_else(|e| e.into_inner());
    std::env::set_var("ACM_ROOT", s.root());
    std::env::set_var("ACMSIM_HOME", s.sim_home());
    std::env::remove_var("SWSTGNODE");
    f()
}

/// The simulated host's device `dev` of `s`, opened on `s`'s array (the
/// device keeps the array it was opened on).
pub fn device(s: &Scratch, dev: &str) -> acm_host::HostDevice {
    let r = HostStore::open_at(s.root().join("var/opt/acmsim-host"))
        .load()
        .unwrap()
        .resolve(dev)
        .unwrap();
    with_env(s, || acm_host::scsi::open_device(&r).unwrap())
}

/// Writes the pattern of `seed` to `len` bytes of `dev` at `offset`.
pub fn write(s: &Scratch, dev: &str, seed: u64, offset: u64, len: u64) {
    let mut d = device(s, dev);
    acm_host::pattern::write_pattern(&mut d, seed, offset, len).unwrap();
}
