//! A simulated LUN as an SPC-4/SBC-3 device server, nexus by nexus:
//! reservations between two initiators, unit attentions after a reset,
//! COMPARE AND WRITE and VERIFY miscompares, thin LUNs' UNMAP and GET LBA
//! STATUS, EXTENDED COPY between the box's LUNs and its held results,
//! point-in-time ROD tokens (POPULATE TOKEN, WRITE USING TOKEN), a LUN the
//! box lacks, and arbitrary CDBs that never panic.

use acm_scsi::model::BoxId;
use acm_scsi::sbc::{self, offload};
use acm_scsi::sense::Sense;
use acm_scsi::transport::{Completion, Data, Nexus, CHECK_CONDITION, GOOD};
use acm_sim::lu::{self, Units, RESERVATION_CONFLICT};
use acm_sim::state::LunKind;
use acm_sim::{Array, Bid};
use proptest::prelude::*;

const SIZE: u64 = 4 << 20;

struct World {
    _dir: tempfile::TempDir,
    a: Array,
    bid: Bid,
    units: Units,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Array::open(dir.path()).unwrap();
    let id = a.create_box("LU").unwrap();
    let bid = BoxId::parse(&id).unwrap().0;
    a.create_luns(&bid, SIZE, 1, LunKind::Standard).unwrap();
    a.create_luns_provisioned(&bid, SIZE, 1, LunKind::Standard, true)
        .unwrap();
    World {
        _dir: dir,
        a,
        bid,
        units: Units::new(),
    }
}

fn nexus(name: &str) -> Nexus {
    Nexus {
        initiator: format!("iqn.test:{name},i,0x000000000001"),
        target_port: 1,
    }
}

impl World {
    fn run(&mut self, n: &Nexus, olu: u32, cdb: &[u8], data: Data<'_>) -> Completion {
        lu::execute(&mut self.a, &mut self.units, n, &self.bid, olu, cdb, data)
    }

    fn none(&mut self, n: &Nexus, olu: u32, cdb: &[u8]) -> Completion {
        self.run(n, olu, cdb, Data::None)
    }

    fn write(&mut self, n: &Nexus, olu: u32, lba: u64, data: &[u8]) -> Completion {
        let mut c = [0u8; 16];
        c[0] = sbc::WRITE_16;
        c[2..10].copy_from_slice(&lba.to_be_bytes());
        c[10..14].copy_from_slice(&((data.len() / 512) as u32).to_be_bytes());
        self.run(n, olu, &c, Data::Out(data))
    }

    fn read(&mut self, n: &Nexus, olu: u32, lba: u64, blocks: u32) -> (Completion, Vec<u8>) {
        let mut buf = vec![0u8; blocks as usize * 512];
        let c = sbc::read16(lba, blocks);
        let r = self.run(n, olu, &c, Data::In(&mut buf));
        (r, buf)
    }
}

fn sense(c: &Completion) -> (u8, u8, u8) {
    assert_eq!(c.status, CHECK_CONDITION, "{c:?}");
    let s = Sense::parse(&c.sense).unwrap();
    (s.key, s.asc, s.ascq)
}

fn pr_out(sa: u8, kind: u8, key: u64, sa_key: u64) -> ([u8; 10], Vec<u8>) {
    let mut c = [0u8; 10];
    c[0] = sbc::PERSISTENT_RESERVE_OUT;
    c[1] = sa;
    c[2] = kind;
    c[8] = 24;
    let mut p = vec![0u8; 24];
    p[..8].copy_from_slice(&key.to_be_bytes());
    p[8..16].copy_from_slice(&sa_key.to_be_bytes());
    (c, p)
}

#[test]
fn persistent_reservations_between_two_initiators() {
    let mut w = world();
    let (a, b) = (nexus("a"), nexus("b"));
    let block = vec![7u8; 512];
    for (n, key) in [(&a, 0xAAu64), (&b, 0xBB)] {
        let (c, p) = pr_out(0, 0, 0, key);
        assert_eq!(w.run(n, 0, &c, Data::Out(&p)).status, GOOD);
    }
    // A reserves Write Exclusive: B reads, B's write conflicts.
    let (c, p) = pr_out(1, 1, 0xAA, 0);
    assert_eq!(w.run(&a, 0, &c, Data::Out(&p)).status, GOOD);
    assert_eq!(w.read(&b, 0, 0, 1).0.status, GOOD);
    assert_eq!(w.write(&b, 0, 0, &block).status, RESERVATION_CONFLICT);
    assert_eq!(w.write(&a, 0, 0, &block).status, GOOD);
    // A wrong key conflicts; RESERVE(6) conflicts while PRs exist.
    let (c, p) = pr_out(1, 1, 0xBAD, 0);
    assert_eq!(w.run(&b, 0, &c, Data::Out(&p)).status, RESERVATION_CONFLICT);
    assert_eq!(
        w.none(&b, 0, &[sbc::RESERVE_6, 0, 0, 0, 0, 0]).status,
        RESERVATION_CONFLICT
    );
    // B preempts A: A's registration goes, A hears of it once.
    let (c, p) = pr_out(4, 3, 0xBB, 0xAA);
    assert_eq!(w.run(&b, 0, &c, Data::Out(&p)).status, GOOD);
    let tur = [0u8; 6];
    assert_eq!(sense(&w.none(&a, 0, &tur)), (0x06, 0x2A, 0x03));
    // Exclusive Access now, held by B: A may not even read.
    assert_eq!(w.read(&a, 0, 0, 1).0.status, RESERVATION_CONFLICT);
    // READ KEYS lists B's key alone.
    let mut keys = vec![0u8; 64];
    let c = [sbc::PERSISTENT_RESERVE_IN, 0, 0, 0, 0, 0, 0, 0, 64, 0];
    assert_eq!(w.run(&b, 0, &c, Data::In(&mut keys)).status, GOOD);
    assert_eq!(u32::from_be_bytes([keys[4], keys[5], keys[6], keys[7]]), 8);
    assert_eq!(&keys[8..16], &0xBBu64.to_be_bytes());
    // APTPL is refused: reservations are not kept across a restart.
    let (c, mut p) = pr_out(0, 0, 0xBB, 0xBC);
    p[20] = 0x01;
    assert_eq!(sense(&w.run(&b, 0, &c, Data::Out(&p))).1, 0x26);
}

#[test]
fn reserve6_holds_until_release_reset_or_nexus_loss() {
    let mut w = world();
    let (a, b) = (nexus("a"), nexus("b"));
    let reserve = [sbc::RESERVE_6, 0, 0, 0, 0, 0];
    assert_eq!(w.none(&a, 0, &reserve).status, GOOD);
    assert_eq!(w.none(&b, 0, &[0u8; 6]).status, RESERVATION_CONFLICT);
    let mut inq = vec![0u8; 36];
    let c = [sbc::INQUIRY, 0, 0, 0, 36, 0];
    assert_eq!(w.run(&b, 0, &c, Data::In(&mut inq)).status, GOOD);
    w.units.nexus_lost(&a);
    assert_eq!(w.none(&b, 0, &[0u8; 6]).status, GOOD);
}

#[test]
fn a_reset_is_a_unit_attention_once_for_every_other_nexus() {
    let mut w = world();
    let (a, b) = (nexus("a"), nexus("b"));
    let tur = [0u8; 6];
    assert_eq!(w.none(&a, 0, &tur).status, GOOD);
    assert_eq!(w.none(&b, 0, &tur).status, GOOD);
    let bid = w.bid;
    w.units.reset(&bid, Some(0), &a);
    assert_eq!(w.none(&a, 0, &tur).status, GOOD, "not the one that asked");
    // INQUIRY passes it by; REQUEST SENSE reports it and clears it.
    let mut inq = vec![0u8; 36];
    let c = [sbc::INQUIRY, 0, 0, 0, 36, 0];
    assert_eq!(w.run(&b, 0, &c, Data::In(&mut inq)).status, GOOD);
    let mut s = vec![0u8; 18];
    let rs = [sbc::REQUEST_SENSE, 0, 0, 0, 18, 0];
    assert_eq!(w.run(&b, 0, &rs, Data::In(&mut s)).status, GOOD);
    let got = Sense::parse(&s).unwrap();
    assert_eq!((got.key, got.asc, got.ascq), (0x06, 0x29, 0x03));
    assert_eq!(w.none(&b, 0, &tur).status, GOOD, "reported once");
    // A target reset reaches every LUN of the box.
    assert_eq!(w.none(&b, 1, &tur).status, GOOD);
    w.units.reset(&bid, None, &a);
    assert_eq!(sense(&w.none(&b, 1, &tur)), (0x06, 0x29, 0x02));
}

#[test]
fn compare_and_write_and_verify_miscompare_at_the_first_differing_byte() {
    let mut w = world();
    let n = nexus("a");
    assert_eq!(w.write(&n, 0, 10, &[1u8; 1024]).status, GOOD);
    let mut caw = [0u8; 16];
    caw[0] = sbc::COMPARE_AND_WRITE;
    caw[2..10].copy_from_slice(&10u64.to_be_bytes());
    caw[13] = 2;
    let mut data = vec![1u8; 1024];
    data.extend(vec![9u8; 1024]);
    data[700] = 5;
    let c = w.run(&n, 0, &caw, Data::Out(&data));
    let s = Sense::parse(&c.sense).unwrap();
    assert_eq!((s.key, s.asc, s.information), (0x0E, 0x1D, Some(700)));
    assert!(
        w.read(&n, 0, 10, 2).1.iter().all(|b| *b == 1),
        "nothing written"
    );
    data[700] = 1;
    assert_eq!(w.run(&n, 0, &caw, Data::Out(&data)).status, GOOD);
    assert!(w.read(&n, 0, 10, 2).1.iter().all(|b| *b == 9));
    // VERIFY(16) with BYTCHK=1.
    let mut v = [0u8; 16];
    v[0] = sbc::VERIFY_16;
    v[1] = 0x02;
    v[2..10].copy_from_slice(&10u64.to_be_bytes());
    v[13] = 1;
    let mut probe = vec![9u8; 512];
    assert_eq!(w.run(&n, 0, &v, Data::Out(&probe)).status, GOOD);
    probe[3] = 0;
    let s = Sense::parse(&w.run(&n, 0, &v, Data::Out(&probe)).sense).unwrap();
    assert_eq!((s.key, s.information), (0x0E, Some(3)));
}

#[test]
fn thin_luns_unmap_and_report_what_is_mapped() {
    let mut w = world();
    let n = nexus("a");
    let status = |w: &mut World, lba: u64| {
        let mut c = [0u8; 16];
        c[0] = sbc::SERVICE_ACTION_IN_16;
        c[1] = sbc::SA_GET_LBA_STATUS;
        c[2..10].copy_from_slice(&lba.to_be_bytes());
        c[13] = 24;
        let mut d = vec![0u8; 24];
        assert_eq!(w.run(&n, 1, &c, Data::In(&mut d)).status, GOOD);
        let at = u64::from_be_bytes(d[8..16].try_into().unwrap());
        let count = u32::from_be_bytes(d[16..20].try_into().unwrap());
        (at, count, d[20])
    };
    assert_eq!(status(&mut w, 0).2, 1, "a new thin LUN is unmapped");
    assert_eq!(w.write(&n, 1, 0, &[3u8; 65536]).status, GOOD);
    assert_eq!(status(&mut w, 0), (0, 128, 0), "written: mapped");
    let mut u = [0u8; 10];
    u[0] = sbc::UNMAP;
    u[8] = 24;
    let mut p = vec![0u8; 24];
    p[1] = 22;
    p[3] = 16;
    p[8..16].copy_from_slice(&8u64.to_be_bytes());
    p[16..20].copy_from_slice(&8u32.to_be_bytes());
    assert_eq!(w.run(&n, 1, &u, Data::Out(&p)).status, GOOD);
    assert_eq!(status(&mut w, 8), (8, 8, 1), "unmapped");
    let (_, data) = w.read(&n, 1, 8, 8);
    assert!(data.iter().all(|b| *b == 0), "reads zeros");
    assert_eq!(status(&mut w, 16).2, 0);
    // UNMAP on a fully provisioned LUN is not a command it has.
    assert_eq!(sense(&w.run(&n, 0, &u, Data::Out(&p))).1, 0x20);
}

impl World {
    /// The NAA designator of LUN `olu` (VPD 83h), as a target descriptor
    /// holds it.
    fn naa(&mut self, olu: u32) -> Vec<u8> {
        let mut page = vec![0u8; 255];
        let c = self.run(
            &nexus("probe"),
            olu,
            &[0x12, 0x01, 0x83, 0, 255, 0],
            Data::In(&mut page),
        );
        assert_eq!(c.status, GOOD);
        let mut d = &page[4..4 + u16::from_be_bytes([page[2], page[3]]) as usize];
        while d.len() >= 4 {
            let n = d[3] as usize;
            if d[1] & 0x0F == 3 {
                return d[..4 + n].to_vec();
            }
            d = &d[4 + n..];
        }
        panic!("no NAA designator");
    }

    fn xcopy(&mut self, n: &Nexus, list: &[u8]) -> Completion {
        let mut c = [0u8; 16];
        c[0] = sbc::EXTENDED_COPY;
        c[10..14].copy_from_slice(&(list.len() as u32).to_be_bytes());
        self.run(n, 0, &c, Data::Out(list))
    }

    fn copy_status(&mut self, n: &Nexus, list_id: u8) -> (Completion, Vec<u8>) {
        let mut c = [0u8; 16];
        c[0] = sbc::RECEIVE_COPY_RESULTS;
        c[2] = list_id;
        c[10..14].copy_from_slice(&64u32.to_be_bytes());
        let mut buf = vec![0u8; 64];
        let r = self.run(n, 0, &c, Data::In(&mut buf));
        (r, buf)
    }
}

/// An EXTENDED COPY parameter list: identification descriptors for
/// `targets` (designators), then one block-to-block segment per
/// `(src, dst, blocks, src_lba, dst_lba)`.
fn xcopy_list(list_id: u8, targets: &[Vec<u8>], segments: &[(u16, u16, u16, u64, u64)]) -> Vec<u8> {
    let mut t = Vec::new();
    for d in targets {
        let mut e = vec![0u8; 32];
        e[0] = 0xE4;
        e[4..4 + d.len()].copy_from_slice(d);
        e[29..32].copy_from_slice(&[0, 2, 0]); // 512-byte blocks
        t.extend(e);
    }
    let mut sg = Vec::new();
    for (src, dst, blocks, sl, dl) in segments {
        let mut e = vec![0u8; 28];
        e[0] = 0x02;
        e[2..4].copy_from_slice(&24u16.to_be_bytes());
        e[4..6].copy_from_slice(&src.to_be_bytes());
        e[6..8].copy_from_slice(&dst.to_be_bytes());
        e[10..12].copy_from_slice(&blocks.to_be_bytes());
        e[12..20].copy_from_slice(&sl.to_be_bytes());
        e[20..28].copy_from_slice(&dl.to_be_bytes());
        sg.extend(e);
    }
    let mut l = vec![0u8; 16];
    l[0] = list_id;
    l[2..4].copy_from_slice(&(t.len() as u16).to_be_bytes());
    l[8..12].copy_from_slice(&(sg.len() as u32).to_be_bytes());
    l.extend(t);
    l.extend(sg);
    l
}

#[test]
fn extended_copy_moves_blocks_between_the_boxs_luns_and_holds_its_result() {
    let mut w = world();
    let a = nexus("a");
    let pattern: Vec<u8> = (0..64 * 1024).map(|i| (i * 7 % 251) as u8).collect();
    assert_eq!(w.write(&a, 0, 100, &pattern).status, GOOD);
    let (d0, d1) = (w.naa(0), w.naa(1));
    // LUN 0 blocks 100.. to LUN 1 at 2000, and within LUN 0 to block 8.
    let list = xcopy_list(
        7,
        &[d0.clone(), d1.clone()],
        &[(0, 1, 128, 100, 2000), (0, 0, 128, 100, 8)],
    );
    let c = w.xcopy(&a, &list);
    assert_eq!(c.status, GOOD, "{c:?}");
    assert_eq!(w.read(&a, 1, 2000, 128).1, pattern);
    assert_eq!(w.read(&a, 0, 8, 128).1, pattern);
    // Its result, for this nexus only: completed, two segments, the bytes.
    let (c, st) = w.copy_status(&a, 7);
    assert_eq!(c.status, GOOD);
    assert_eq!(st[4], 0x01, "completed without errors");
    assert_eq!(u16::from_be_bytes([st[5], st[6]]), 2);
    assert_eq!(
        u32::from_be_bytes([st[8], st[9], st[10], st[11]]),
        2 * 65536
    );
    let (c, _) = w.copy_status(&nexus("b"), 7);
    assert_eq!(sense(&c), (0x05, 0x24, 0x00));
    // Overlapping ranges of one LUN copy as memmove does.
    let list = xcopy_list(8, std::slice::from_ref(&d0), &[(0, 0, 128, 8, 40)]);
    assert_eq!(w.xcopy(&a, &list).status, GOOD);
    assert_eq!(w.read(&a, 0, 40, 128).1, pattern);
    // Beyond the end, an index with no target, a designator of no LUN here:
    // COPY ABORTED, nothing written, the failure held.
    let blocks = SIZE / 512;
    let before = w.read(&a, 1, blocks - 64, 64).1;
    let list = xcopy_list(9, &[d0.clone(), d1.clone()], &[(0, 1, 128, 0, blocks - 64)]);
    assert_eq!(sense(&w.xcopy(&a, &list)).0, 0x0A);
    assert_eq!(w.read(&a, 1, blocks - 64, 64).1, before);
    assert_eq!(w.copy_status(&a, 9).1[4], 0x02, "completed with errors");
    let list = xcopy_list(10, std::slice::from_ref(&d0), &[(0, 3, 1, 0, 0)]);
    assert_eq!(sense(&w.xcopy(&a, &list)), (0x0A, 0x0D, 0x02));
    let mut stranger = d1.clone();
    stranger[10] ^= 0xFF;
    let list = xcopy_list(11, &[d0.clone(), stranger], &[(0, 1, 1, 0, 0)]);
    assert_eq!(sense(&w.xcopy(&a, &list)), (0x0A, 0x0D, 0x02));
    // Refused lists: truncated, too many targets, an unsupported target type.
    let list = xcopy_list(12, &[d0.clone(), d1.clone()], &[(0, 1, 1, 0, 0)]);
    assert_eq!(
        sense(&w.xcopy(&a, &list[..list.len() - 1])),
        (0x05, 0x1A, 0x00)
    );
    let five = vec![d0.clone(); 5];
    assert_eq!(
        sense(&w.xcopy(&a, &xcopy_list(13, &five, &[]))),
        (0x05, 0x26, 0x06)
    );
    let mut fc = xcopy_list(14, std::slice::from_ref(&d0), &[(0, 0, 1, 0, 0)]);
    fc[16] = 0xE0;
    assert_eq!(sense(&w.xcopy(&a, &fc)), (0x05, 0x26, 0x07));
    // An empty list does nothing and succeeds.
    assert_eq!(w.xcopy(&a, &[]).status, GOOD);
}

impl World {
    /// POPULATE TOKEN of `ranges` of `olu` (list id `id`, inactivity
    /// timeout `secs`), then RECEIVE ROD TOKEN INFORMATION: the token.
    fn populate(
        &mut self,
        n: &Nexus,
        olu: u32,
        id: u32,
        secs: u32,
        ranges: &[(u64, u32)],
    ) -> Result<[u8; 512], Completion> {
        let (c, p) = offload::populate_token(id, secs, ranges);
        let c = self.run(n, olu, &c, Data::Out(&p));
        if c.status != GOOD {
            return Err(c);
        }
        let (c, info) = self.rrti(n, olu, id);
        assert_eq!(c.status, GOOD);
        let info = offload::parse_rod_info(&info).unwrap();
        assert_eq!(
            (info.service_action, info.status),
            (0x10, 0x01),
            "PT completed"
        );
        Ok(info.token.expect("a token"))
    }

    fn write_using(
        &mut self,
        n: &Nexus,
        olu: u32,
        id: u32,
        token: &[u8; 512],
        del: bool,
        ranges: &[(u64, u32)],
    ) -> Completion {
        let (c, p) = offload::write_using_token(id, token, 0, del, ranges);
        self.run(n, olu, &c, Data::Out(&p))
    }

    fn rrti(&mut self, n: &Nexus, olu: u32, id: u32) -> (Completion, Vec<u8>) {
        let mut buf = vec![0u8; 1024];
        let r = self.run(
            n,
            olu,
            &offload::receive_rod_token_information(id, 1024),
            Data::In(&mut buf),
        );
        (r, buf)
    }
}

#[test]
fn a_rod_token_holds_its_point_in_time_whatever_is_written_after() {
    let mut w = world();
    let a = nexus("a");
    let before: Vec<u8> = (0..256 * 512).map(|i| (i % 253) as u8).collect();
    assert_eq!(w.write(&a, 0, 0, &before).status, GOOD);
    // A token of blocks 0..128 and 128..256 (two ranges).
    let token = w.populate(&a, 0, 1, 0, &[(0, 128), (128, 128)]).unwrap();
    // The source changes after the token: the token does not.
    let after = vec![0xEEu8; 64 * 512];
    assert_eq!(w.write(&a, 0, 32, &after).status, GOOD);
    assert_eq!(
        w.write_using(&a, 1, 2, &token, false, &[(1000, 256)])
            .status,
        GOOD
    );
    assert_eq!(w.read(&a, 1, 1000, 256).1, before, "the point in time");
    assert_eq!(
        w.read(&a, 0, 32, 64).1,
        after,
        "the source has its new bytes"
    );
    let (c, info) = w.rrti(&a, 1, 2);
    assert_eq!(c.status, GOOD);
    assert_eq!((info[4], info[5]), (0x11, 0x01));
    assert_eq!(u64::from_be_bytes(info[16..24].try_into().unwrap()), 256);
    // A write of the token onto its own source, later blocks first: still the
    // point in time.
    assert_eq!(
        w.write_using(&a, 0, 3, &token, false, &[(64, 192)]).status,
        GOOD
    );
    assert_eq!(w.read(&a, 0, 64, 192).1, before[..192 * 512]);
    // More destination than the ROD: what it holds, and partial use said.
    assert_eq!(
        w.write_using(&a, 1, 4, &token, false, &[(4000, 300)])
            .status,
        GOOD
    );
    assert_eq!(w.rrti(&a, 1, 4).1[5], 0x03);
    // DEL_TKN ends it: TOKEN DELETED. A token never made: TOKEN UNKNOWN.
    assert_eq!(
        w.write_using(&a, 1, 5, &token, true, &[(0, 1)]).status,
        GOOD
    );
    assert_eq!(
        sense(&w.write_using(&a, 1, 6, &token, false, &[(0, 1)])),
        (0x05, 0x23, 0x09)
    );
    let mut forged = token;
    forged[200] ^= 1;
    assert_eq!(
        sense(&w.write_using(&a, 1, 7, &forged, false, &[(0, 1)])),
        (0x05, 0x23, 0x04)
    );
    // The zero ROD token writes zeros.
    let mut zero = [0u8; 512];
    zero[0..4].copy_from_slice(&0xFFFF_0001u32.to_be_bytes());
    zero[6..8].copy_from_slice(&0x01F8u16.to_be_bytes());
    assert_eq!(
        w.write_using(&a, 1, 8, &zero, false, &[(1000, 8)]).status,
        GOOD
    );
    assert_eq!(w.read(&a, 1, 1000, 8).1, vec![0u8; 8 * 512]);
}

#[test]
fn a_rod_token_expires_after_its_inactivity_timeout_and_refusals_have_their_codes() {
    let mut w = world();
    let a = nexus("a");
    let token = w.populate(&a, 0, 1, 1, &[(0, 8)]).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(
        sense(&w.write_using(&a, 1, 2, &token, false, &[(0, 8)])),
        (0x05, 0x23, 0x07)
    );
    // Ranges beyond the LUN, no ranges, a timeout beyond the longest.
    let blocks = (SIZE / 512) as u32;
    assert_eq!(
        sense(
            &w.populate(&a, 0, 3, 0, &[(blocks as u64 - 4, 8)])
                .unwrap_err()
        ),
        (0x05, 0x21, 0x00)
    );
    assert_eq!(sense(&w.populate(&a, 0, 4, 0, &[]).unwrap_err()).1, 0x26);
    assert_eq!(
        sense(&w.populate(&a, 0, 5, 7200, &[(0, 8)]).unwrap_err()).1,
        0x26
    );
    // RECEIVE ROD TOKEN INFORMATION of a list nobody used, or another nexus's.
    assert_eq!(sense(&w.rrti(&a, 0, 99).0), (0x05, 0x24, 0x00));
    assert_eq!(sense(&w.rrti(&nexus("b"), 0, 1).0), (0x05, 0x24, 0x00));
}

#[test]
fn a_lun_the_box_lacks_answers_as_spc_says() {
    let mut w = world();
    let n = nexus("a");
    let mut inq = vec![0u8; 36];
    let c = [sbc::INQUIRY, 0, 0, 0, 36, 0];
    assert_eq!(w.run(&n, 9, &c, Data::In(&mut inq)).status, GOOD);
    assert_eq!(inq[0], 0x7F);
    assert_eq!(sense(&w.none(&n, 9, &[0u8; 6])), (0x05, 0x25, 0x00));
    let mut luns = vec![0u8; 64];
    let c = [sbc::REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0];
    assert_eq!(w.run(&n, 9, &c, Data::In(&mut luns)).status, GOOD);
    assert_eq!(u32::from_be_bytes([luns[0], luns[1], luns[2], luns[3]]), 16);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_cdbs_never_panic(
        cdb in proptest::collection::vec(any::<u8>(), 1..20),
        olu in 0u32..3,
        out in proptest::collection::vec(any::<u8>(), 0..600),
        len in 0usize..600,
        dir in 0u8..3,
    ) {
        let mut w = world();
        let n = nexus("fuzz");
        let mut buf = vec![0u8; len];
        let data = match dir {
            0 => Data::None,
            1 => Data::Out(&out),
            _ => Data::In(&mut buf),
        };
        let c = w.run(&n, olu, &cdb, data);
        prop_assert!(c.status == GOOD || c.status == CHECK_CONDITION || c.status == RESERVATION_CONFLICT);
    }
}

#[test]
fn a_lun_on_stopped_drives_is_not_ready_but_still_answers_inquiry() {
    let mut w = world();
    let i = nexus("eco");
    // LUN 0 on an Eco-mode group that stops at once and takes an hour to start.
    w.a.raidgroup_create(&w.bid, 1, true, 3600, 0).unwrap();
    w.a.set_lun_raidgroup(&w.bid, 0, 1).unwrap();
    let tur = [sbc::TEST_UNIT_READY, 0, 0, 0, 0, 0];
    assert_eq!(w.none(&i, 0, &tur).status, GOOD);
    assert_eq!(
        w.a.spindle(&w.bid, 1, false).unwrap(),
        acm_sim::state::Drives::Stopped
    );
    // MANUAL INTERVENTION REQUIRED: the medium's commands and the capacity.
    assert_eq!(sense(&w.none(&i, 0, &tur)), (0x02, 0x04, 0x03));
    assert_eq!(sense(&w.read(&i, 0, 0, 8).0), (0x02, 0x04, 0x03));
    assert_eq!(sense(&w.write(&i, 0, 0, &[7u8; 4096])), (0x02, 0x04, 0x03));
    let mut cap = [0u8; 8];
    let c = w.run(
        &i,
        0,
        &[sbc::READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        Data::In(&mut cap),
    );
    assert_eq!(sense(&c), (0x02, 0x04, 0x03));
    // The controller still answers for the unit, and the other LUN is ready.
    let mut inq = [0u8; 96];
    let c = w.run(&i, 0, &[sbc::INQUIRY, 0, 0, 0, 96, 0], Data::In(&mut inq));
    assert_eq!(c.status, GOOD);
    assert_eq!(w.none(&i, 1, &tur).status, GOOD);
    // Starting: IN PROCESS OF BECOMING READY until the spin-up is over.
    assert_eq!(
        w.a.spindle(&w.bid, 1, true).unwrap(),
        acm_sim::state::Drives::Starting
    );
    assert_eq!(sense(&w.none(&i, 0, &tur)), (0x02, 0x04, 0x01));
}
