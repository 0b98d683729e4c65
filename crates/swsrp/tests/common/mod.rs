//! Shared set-up for the swsrp command tests: a scratch root whose server is
//! named `SV1`, a simulated box with LUNs attached to the simulated host, and
//! helpers that run a command and check its outcome.
#![allow(dead_code)]

use acm_host::{Disk, Host, HostError, HostStore};
use acm_sim::state::LunKind;
use acm_testkit::Scratch;
use std::path::PathBuf;
use std::process::Output;

/// Size of the standard test LUNs.
pub const LUN: u64 = 4 << 20;
/// Size of the larger LUNs (attached after the standard ones).
pub const BIG: u64 = 8 << 20;
/// The server name written to swnode.ini.
pub const SERVER: &str = "SV1";

pub fn bin(name: &str) -> PathBuf {
    PathBuf::from(match name {
        "swsrpsetvol" => env!("CARGO_BIN_EXE_swsrpsetvol"),
        "swsrpvolinfo" => env!("CARGO_BIN_EXE_swsrpvolinfo"),
        "swsrpdelvol" => env!("CARGO_BIN_EXE_swsrpdelvol"),
        other => panic!("no binary {other}"),
    })
}

/// A scratch root whose server is `SV1`, with box B1 holding `luns` LUNs of
/// [`LUN`] bytes attached as `/dev/hdisk1..`, then `big` LUNs of [`BIG`] bytes
/// attached as the next hdisks. Returns the scratch and the box identifier.
pub fn world_with(luns: u32, big: u32) -> (Scratch, String) {
    let s = Scratch::new();
    let ini = s.root().join("etc/opt/swstorage/swnode.ini");
    std::fs::create_dir_all(ini.parent().unwrap()).unwrap();
    std::fs::write(&ini, format!("ServerName={SERVER}\n")).unwrap();
    let mut array = acm_sim::Array::open(&s.sim_home()).unwrap();
    let box_id = array.create_box("B1").unwrap();
    let bid = array.bid_by_name("B1").unwrap();
    let mut disks = Vec::new();
    for (size, count) in [(LUN, luns), (BIG, big)] {
        if count > 0 {
            for olu in array
                .create_luns(&bid, size, count, LunKind::Standard)
                .unwrap()
            {
                disks.push((olu, size));
            }
        }
    }
    array.commit().unwrap();
    drop(array);
    host_update(&s, |h| {
        for (i, (olu, size)) in disks.iter().enumerate() {
            h.attach(
                &format!("/dev/hdisk{}", i + 1),
                Disk {
                    box_name: "B1".into(),
                    box_id: box_id.clone(),
                    olu: *olu,
                    size: *size,
                    vxvm: false,
                },
            )?;
        }
        Ok(())
    });
    (s, box_id)
}

pub fn world(luns: u32) -> Scratch {
    world_with(luns, 0).0
}

pub fn host_update(s: &Scratch, f: impl FnOnce(&mut Host) -> Result<(), HostError>) {
    HostStore::open_at(s.root().join("var/opt/acmsim-host"))
        .update(f)
        .unwrap();
}

pub fn list_path(s: &Scratch) -> PathBuf {
    s.root().join("etc/opt/FJSVswsrp/data/swsrplist.json")
}

pub fn list(s: &Scratch) -> acm_replication::list::ReplicationList {
    acm_replication::list::ListStore::open_at(s.root().join("etc/opt/FJSVswsrp/data"))
        .load()
        .unwrap()
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
