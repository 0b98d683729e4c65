//! Random input on both sides: `serve` must answer any CDB and data buffer with a
//! well-formed completion, and the driver must survive any completion and data a
//! device might return. A panic in either fails the test.

mod common;

use std::time::Duration;

use acm_scsi::cdb::{
    Command, COPY_SESSION_IN, COPY_SESSION_OUT, INQUIRY, READ_16, SERVICE_ACTION_IN_16, WRITE_16,
};
use acm_scsi::driver::Driver;
use acm_scsi::sense::{self, Sense};
use acm_scsi::target::serve;
use acm_scsi::transport::{Completion, Data, Transport, TransportError, CHECK_CONDITION, GOOD};
use acm_scsi::wire::{InAction, InReply, OutRequest, WireCode};
use common::*;
use proptest::collection::vec;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Dir {
    None,
    Out(Vec<u8>),
    In(usize),
}

fn dir() -> impl Strategy<Value = Dir> {
    prop_oneof![
        Just(Dir::None),
        vec(any::<u8>(), 0..600).prop_map(Dir::Out),
        (0usize..600).prop_map(Dir::In),
    ]
}

/// A valid COPY SESSION OUT with a few bytes of its parameter list replaced and
/// sometimes its length changed, so the decoders see almost-right input.
fn mutated_out() -> impl Strategy<Value = (Vec<u8>, Dir)> {
    let req = prop_oneof![
        start_request().prop_map(OutRequest::Start),
        restart_request().prop_map(OutRequest::Restart),
        (vec(any::<u32>(), 0..8), any::<bool>())
            .prop_map(|(ids, forced)| OutRequest::Suspend { ids, forced }),
        cancel_request().prop_map(OutRequest::Cancel),
        any::<u32>().prop_map(OutRequest::Reverse),
        (any::<u32>(), mode_change()).prop_map(|(id, c)| OutRequest::ChangeMode(id, c)),
        vec(any::<u32>(), 0..8).prop_map(OutRequest::StartConcurrent),
        (any::<u32>(), buffer_use()).prop_map(|(id, u)| OutRequest::SetRecBuffer(id, u)),
        any::<u32>().prop_map(OutRequest::SdvInit),
        Just(OutRequest::MonitorStart),
        Just(OutRequest::MonitorStop),
    ];
    let edits = vec((any::<prop::sample::Index>(), any::<u8>()), 0..3);
    let resize = prop_oneof![4 => Just(0isize), 1 => -4isize..4];
    (req, edits, resize, any::<bool>()).prop_map(|(req, edits, resize, lie)| {
        let mut p = req.params();
        if !p.is_empty() {
            for (i, b) in edits {
                let at = i.index(p.len());
                p[at] = b;
            }
        }
        let len = (p.len() as isize + resize).max(0) as usize;
        p.resize(len, 0);
        let announced = if lie { len as u32 ^ 1 } else { len as u32 };
        let cdb = Command::CopyOut {
            action: req.action(),
            param_len: announced,
        }
        .encode();
        (cdb, Dir::Out(p))
    })
}

/// Well-formed Data-In commands with any allocation length, and READ/WRITE with
/// buffers that match or miss their transfer length.
fn plausible_in() -> impl Strategy<Value = (Vec<u8>, Dir)> {
    let action = prop::sample::select(InAction::TABLE.iter().map(|(a, _)| *a).collect::<Vec<_>>());
    let copy_in = (action, 0u32..600, any::<bool>()).prop_map(|(action, alloc, off)| {
        let object = if action == InAction::SdvStat { 5 } else { 0 };
        let cdb = Command::CopyIn {
            action,
            object,
            alloc,
        }
        .encode();
        (cdb, Dir::In(alloc as usize + usize::from(off)))
    });
    let inquiry = (
        any::<bool>(),
        prop::sample::select(vec![0u8, 0x80, 0x83, 0xB0]),
        0u16..300,
    )
        .prop_map(|(evpd, page, alloc)| {
            (
                Command::Inquiry { evpd, page, alloc }.encode(),
                Dir::In(alloc as usize),
            )
        });
    let lun_sessions =
        (lun_select(), 0u32..2000, any::<bool>()).prop_map(|(select, alloc, off)| {
            (
                Command::LunSessions { select, alloc }.encode(),
                Dir::In(alloc as usize + usize::from(off)),
            )
        });
    let capacity = (0u32..64).prop_map(|alloc| {
        (
            Command::ReadCapacity16 { alloc }.encode(),
            Dir::In(alloc as usize),
        )
    });
    let rw = (
        any::<bool>(),
        prop_oneof![0u64..(1 << 20) + 4, any::<u64>()],
        0u32..4,
        -1isize..2,
    )
        .prop_map(|(read, lba, blocks, off)| {
            let len = (blocks as isize * 512 + off).max(0) as usize;
            if read {
                (Command::Read16 { lba, blocks }.encode(), Dir::In(len))
            } else {
                (
                    Command::Write16 { lba, blocks }.encode(),
                    Dir::Out(vec![7; len]),
                )
            }
        });
    prop_oneof![copy_in, lun_sessions, inquiry, capacity, rw]
}

/// CDBs from pure noise to almost valid: noise; a known opcode followed by
/// noise; mutated valid commands.
fn cdb_and_dir() -> impl Strategy<Value = (Vec<u8>, Dir)> {
    let noise = (vec(any::<u8>(), 0..40), dir());
    let opcode = prop::sample::select(vec![
        0x00,
        INQUIRY,
        READ_16,
        WRITE_16,
        SERVICE_ACTION_IN_16,
        COPY_SESSION_OUT,
        COPY_SESSION_IN,
    ]);
    let known = (opcode, vec(any::<u8>(), 0..20), dir()).prop_map(|(op, rest, d)| {
        let mut c = vec![op];
        c.extend(rest);
        (c, d)
    });
    prop_oneof![noise, known, mutated_out(), plausible_in()]
}

fn check(c: &Completion, buf_len: usize) -> Result<(), TestCaseError> {
    prop_assert!(
        c.residual <= buf_len,
        "residual {} > {}",
        c.residual,
        buf_len
    );
    match c.status {
        GOOD => prop_assert!(c.sense.is_empty()),
        CHECK_CONDITION => {
            prop_assert_eq!(c.sense.len(), 18);
            prop_assert_eq!(c.sense[0] & 0x7F, 0x70);
            let s = Sense::parse(&c.sense).expect("own sense parses");
            prop_assert!(
                sense::error_for(&s).is_some() || sense::started_session(&s).is_some(),
                "sense outside the table: {:?}",
                s
            );
        }
        other => prop_assert!(false, "status {:#x}", other),
    }
    Ok(())
}

fn run(mock: &mut Mock, cdb: &[u8], d: Dir) -> Result<(), TestCaseError> {
    match d {
        Dir::None => check(&serve(mock, cdb, Data::None), 0),
        Dir::Out(b) => check(&serve(mock, cdb, Data::Out(&b)), b.len()),
        Dir::In(n) => {
            let mut b = vec![0u8; n];
            check(&serve(mock, cdb, Data::In(&mut b)), n)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn serve_answers_anything((cdb, d) in cdb_and_dir()) {
        run(&mut Mock::default(), &cdb, d)?;
    }

    #[test]
    fn serve_answers_anything_while_refusing((cdb, d) in cdb_and_dir(), err in copy_error()) {
        run(&mut Mock { fail: Some(err), ..Mock::default() }, &cdb, d)?;
    }

    /// A LUN SESSIONS reply with a few bytes replaced and sometimes its length
    /// changed: the decoder refuses it or accepts it, never panics, and what it
    /// accepts encodes back to the same bytes (a reply has one encoding, so
    /// nothing is silently reinterpreted).
    #[test]
    fn lun_sessions_replies_decode_strictly(
        luns in lun_select().prop_flat_map(|s| lun_sessions(s, 6, 3)),
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        resize in prop_oneof![4 => Just(0isize), 1 => -300isize..300],
    ) {
        let mut bytes = InReply::LunSessions(luns).encode();
        for (i, b) in edits {
            let at = i.index(bytes.len());
            bytes[at] = b;
        }
        let len = (bytes.len() as isize + resize).max(0) as usize;
        bytes.resize(len, 0);
        if let Ok(r) = InReply::decode(InAction::LunSessions, &bytes) {
            prop_assert_eq!(r.encode(), bytes);
        }
    }
}

/// A device that answers with noise: random status, sense, residual and data.
struct Noise {
    replies: Vec<(u8, Vec<u8>, usize, Vec<u8>)>,
}

impl Transport for Noise {
    fn execute(
        &mut self,
        _: &[u8],
        data: Data<'_>,
        _: Duration,
    ) -> Result<Completion, TransportError> {
        let Some((status, sense, residual, bytes)) = self.replies.pop() else {
            return Err(TransportError::Target("no more replies".into()));
        };
        if let Data::In(buf) = data {
            let n = buf.len().min(bytes.len());
            buf[..n].copy_from_slice(&bytes[..n]);
        }
        Ok(Completion {
            status,
            sense,
            residual,
        })
    }
}

fn noise_reply() -> impl Strategy<Value = (u8, Vec<u8>, usize, Vec<u8>)> {
    (
        prop::sample::select(vec![0x00, 0x02, 0x08, 0xFF]),
        prop_oneof![
            vec(any::<u8>(), 0..40),
            (any::<u8>(), any::<u8>(), any::<u8>())
                .prop_map(|(k, a, q)| { Sense::new(k, a, q).to_fixed().to_vec() })
        ],
        prop_oneof![Just(0usize), any::<usize>(), 0usize..4096],
        prop_oneof![
            vec(any::<u8>(), 0..600),
            (0u32..4096, any::<bool>()).prop_map(|(n, bulk)| {
                // A plausible LIST SESSIONS or LUN SESSIONS header announcing
                // `n` more bytes.
                let mut v = n.to_be_bytes().to_vec();
                v.extend(if bulk { [1, 7, 0, 240] } else { [1, 1, 0, 232] });
                v
            })
        ],
    )
}

proptest! {
    #[test]
    fn driver_survives_any_device(replies in vec(noise_reply(), 1..8), which in 0usize..14) {
        let mut d = Driver::new(Noise { replies });
        let _ = match which {
            0 => d.identity().map(|_| ()),
            1 => d.capacity().map(|_| ()),
            2 => d.read(0, &mut [0u8; 1024]),
            3 => d.write(0, &[0u8; 1024]),
            4 => d.sessions().map(|_| ()),
            5 => d.box_info().map(|_| ()),
            6 => d.sdv_stat(1).map(|_| ()),
            7 => d.pool_stat().map(|_| ()),
            8 => d.rec_buffers().map(|_| ()),
            9 => d.monitor_status().map(|_| ()),
            10 => d.start(&start_req()).map(|_| ()),
            11 => d.lun_sessions(acm_scsi::model::LunSelect::All).map(|_| ()),
            12 => d
                .lun_sessions(acm_scsi::model::LunSelect::Range { first: 0, count: 4 })
                .map(|_| ()),
            _ => d.suspend(&[1, 2, 3], true),
        };
    }
}

fn start_req() -> acm_scsi::model::StartRequest {
    use acm_scsi::model::*;
    let e = Extent {
        box_id: box_a(),
        olu: 1,
        start_lba: 0,
        blocks: 8,
    };
    StartRequest {
        kind: CopyKind::Ec,
        src: e,
        dst: e,
        rec: None,
        dest_access: DestAccess::ReadOnly,
        skip_initial_copy: false,
        define_only: false,
    }
}
