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

/// Program `name` of the suite (a link to the build's multicall binary).
pub fn bin(name: &str) -> PathBuf {
    acm_testkit::bin(name)
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
                    node: None,
                    block: None,
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
    s.root().join("etc/opt/FJSVswsrp/data/swsrplist.redb")
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

// ----- a richer world: two boxes, Snap Data Volumes, a REC path -----

/// Box identifiers of [`world2`].
pub struct Boxes {
    pub b1: String,
    pub b2: String,
}

/// A scratch root whose server is `SV1`, with box B1 holding `luns` standard
/// LUNs of [`LUN`] bytes (`/dev/hdisk1..`), then `sdvs` Snap Data Volumes of
/// [`LUN`] logical bytes (next hdisks, 1 MiB physical, pool of 16 MiB), and box
/// B2 holding `remote` standard LUNs (next hdisks), with a REC path B1-B2 up.
/// Copies run at an unlimited rate unless [`set_rate`] says otherwise.
pub fn world2(luns: u32, sdvs: u32, remote: u32) -> (Scratch, Boxes) {
    use acm_sim::state::{Rate, Sdv};
    let s = Scratch::new();
    let ini = s.root().join("etc/opt/swstorage/swnode.ini");
    std::fs::create_dir_all(ini.parent().unwrap()).unwrap();
    std::fs::write(&ini, format!("ServerName={SERVER}\n")).unwrap();
    let mut array = acm_sim::Array::open(&s.sim_home()).unwrap();
    let b1 = array.create_box("B1").unwrap();
    let b2 = array.create_box("B2").unwrap();
    let bid1 = array.bid_by_name("B1").unwrap();
    let bid2 = array.bid_by_name("B2").unwrap();
    let mut disks: Vec<(String, String, u32)> = Vec::new();
    if luns > 0 {
        for olu in array
            .create_luns(&bid1, LUN, luns, LunKind::Standard)
            .unwrap()
        {
            disks.push(("B1".into(), b1.clone(), olu));
        }
    }
    if sdvs > 0 {
        let grain = array.state(&bid1).unwrap().grain_bytes;
        let sdv = Sdv {
            physical_bytes: 1 << 20,
            allocated: acm_sim::grains::GrainSet::new(LUN.div_ceil(grain)),
            copy_grains: 0,
            host_grains: 0,
        };
        for olu in array
            .create_luns(&bid1, LUN, sdvs, LunKind::Sdv(sdv))
            .unwrap()
        {
            disks.push(("B1".into(), b1.clone(), olu));
        }
        array
            .admin(&bid1, |st| {
                st.pool.capacity_bytes = 16 << 20;
                Ok(())
            })
            .unwrap();
    }
    if remote > 0 {
        for olu in array
            .create_luns(&bid2, LUN, remote, LunKind::Standard)
            .unwrap()
        {
            disks.push(("B2".into(), b2.clone(), olu));
        }
    }
    for bid in [&bid1, &bid2] {
        array
            .admin(bid, |st| {
                st.rate = Rate::Unlimited;
                Ok(())
            })
            .unwrap();
    }
    array.set_path(&bid1, &bid2, true).unwrap();
    array.commit().unwrap();
    drop(array);
    host_update(&s, |h| {
        for (i, (name, id, olu)) in disks.iter().enumerate() {
            h.attach(
                &format!("/dev/hdisk{}", i + 1),
                Disk {
                    box_name: name.clone(),
                    box_id: id.clone(),
                    olu: *olu,
                    size: LUN,
                    vxvm: false,
                    node: None,
                    block: None,
                },
            )?;
        }
        Ok(())
    });
    (s, Boxes { b1, b2 })
}

/// Runs `f` on the simulated array of `s` and commits.
pub fn with_array<T>(s: &Scratch, f: impl FnOnce(&mut acm_sim::Array) -> T) -> T {
    let mut a = acm_sim::Array::open(&s.sim_home()).unwrap();
    let out = f(&mut a);
    a.commit().unwrap();
    out
}

/// Sets the copy rate of box `name` (`B1`, `B2`).
pub fn set_rate(s: &Scratch, name: &str, rate: acm_sim::state::Rate) {
    with_array(s, |a| {
        let bid = a.bid_by_name(name).unwrap();
        a.admin(&bid, |st| {
            st.rate = rate;
            Ok(())
        })
        .unwrap();
    })
}

/// Brings the REC path between B1 and B2 up or down.
pub fn set_path(s: &Scratch, up: bool) {
    with_array(s, |a| {
        let (b1, b2) = (a.bid_by_name("B1").unwrap(), a.bid_by_name("B2").unwrap());
        a.set_path(&b1, &b2, up).unwrap();
    })
}

/// The (box name, OLU) behind host disk `dev` (`/dev/hdiskN`).
pub fn lun_of(s: &Scratch, dev: &str) -> (String, u32) {
    let host = HostStore::open_at(s.root().join("var/opt/acmsim-host"))
        .load()
        .unwrap();
    let r = host.resolve(dev).unwrap();
    (r.disks[0].box_name.clone(), r.disks[0].olu)
}

/// Writes a pattern (`seed`) over `len` bytes at `off` of host disk `dev`
/// through the array's data path.
pub fn write(s: &Scratch, dev: &str, off: u64, len: usize, seed: u8) {
    let (name, olu) = lun_of(s, dev);
    let data: Vec<u8> = (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect();
    with_array(s, |a| {
        let bid = a.bid_by_name(&name).unwrap();
        a.write_view(&bid, olu, off, &data, None).unwrap();
    })
}

/// The whole content of host disk `dev` as the host reads it now; `Err` when
/// the array refuses the read (e.g. destination access off).
pub fn try_read(s: &Scratch, dev: &str) -> Result<Vec<u8>, acm_scsi::model::CopyError> {
    let (name, olu) = lun_of(s, dev);
    with_array(s, |a| {
        let bid = a.bid_by_name(&name).unwrap();
        let mut buf = vec![0u8; LUN as usize];
        a.read_view(&bid, olu, 0, &mut buf).map(|_| buf)
    })
}

/// The whole content of host disk `dev`.
pub fn read(s: &Scratch, dev: &str) -> Vec<u8> {
    try_read(s, dev).unwrap()
}

/// The `swsrpstat -L` row (tokens) of the pair whose original is `orig`
/// (`/dev/hdiskN`, unqualified), or panics.
pub fn stat_row(s: &Scratch, orig: &str) -> Vec<String> {
    let out = ok(s, "swsrpstat", &["-L", orig]);
    tokens(&out)
        .into_iter()
        .nth(1)
        .unwrap_or_else(|| panic!("no row for {orig}: {out}"))
}

/// Polls `swsrpstat -L ORIG` until the Status column (5th) is `status`.
pub fn wait_status(s: &Scratch, orig: &str, status: &str) -> Vec<String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let row = stat_row(s, orig);
        if row.get(4).map(String::as_str) == Some(status) {
            return row;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never {status}: {row:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

// ----- sessions as the array holds them -----

/// The sessions on the LUN of host disk `dev`.
pub fn sessions(s: &Scratch, dev: &str) -> Vec<acm_scsi::model::SessionInfo> {
    let (name, olu) = lun_of(s, dev);
    with_array(s, |a| {
        let bid = a.bid_by_name(&name).unwrap();
        a.session_infos(&bid, olu).unwrap()
    })
}

/// The state of the only session on `dev`, or `NotStarted`.
pub fn state(s: &Scratch, dev: &str) -> acm_replication::session::State {
    let v = sessions(s, dev);
    assert!(v.len() <= 1, "{v:?}");
    v.first()
        .map(acm_replication::session::State::of)
        .unwrap_or(acm_replication::session::State::NotStarted)
}

/// Waits until the session on `dev` is in state `want`.
pub fn wait_state(
    s: &Scratch,
    dev: &str,
    want: acm_replication::session::State,
) -> acm_scsi::model::SessionInfo {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let v = sessions(s, dev);
        if let Some(i) = v
            .iter()
            .find(|i| acm_replication::session::State::of(i) == want)
        {
            return i.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never {want:?}: {v:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Suspends the EC/REC session on `dev` through the array (what `swsrpmake`
/// does), after it became equivalent.
pub fn suspend(s: &Scratch, dev: &str) {
    let id = wait_state(s, dev, acm_replication::session::State::Equivalent).id;
    let done = with_array(s, |a| {
        ["B1", "B2"].iter().any(|n| {
            let bid = a.bid_by_name(n).unwrap();
            a.suspend(&bid, &[id], false).is_ok()
        })
    });
    assert!(done);
    assert_eq!(state(s, dev), acm_replication::session::State::Replicated);
}

/// The swsrpstat -L value of column `col` for the pair whose original is `orig`.
pub fn stat_col(s: &Scratch, orig: &str, col: &str) -> String {
    let out = ok(s, "swsrpstat", &["-L", "-Xda", orig]);
    let t = tokens(&out);
    let i = t[0].iter().position(|h| h == col).unwrap();
    t[1][i].clone()
}

// ----- fault injection and Snap Data Volume administration -----

/// Puts a bad sector at block `lba` of the LUN behind host disk `dev` (what
/// `acmsim fault badsector BOX OLU LBA` does).
pub fn bad_sector(s: &Scratch, dev: &str, lba: u64) {
    let (name, olu) = lun_of(s, dev);
    with_array(s, |a| {
        let bid = a.bid_by_name(&name).unwrap();
        a.add_bad_sector(&bid, olu, lba).unwrap();
    })
}

/// Sets the Snap Data Pool of box `name` to `bytes` (what `acmsim pool BOX
/// --size` does; growing it stands for creating Snap Data Pool Volumes).
pub fn set_pool(s: &Scratch, name: &str, bytes: u64) {
    with_array(s, |a| {
        let bid = a.bid_by_name(name).unwrap();
        a.admin(&bid, |st| {
            st.pool.capacity_bytes = bytes;
            Ok(())
        })
        .unwrap();
    })
}

/// `swstsdv SUB DEV`: its output, or its refusal as `Err`.
pub fn swstsdv(s: &Scratch, sub: &str, dev: &str) -> Result<String, String> {
    let out = acm_testkit::run(s, &bin("swstsdv"), &[sub, dev]);
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}
