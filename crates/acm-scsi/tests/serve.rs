//! `serve` against malformed input: each case gets the documented sense, the
//! target is not called, and nothing panics.

mod common;

use acm_scsi::cdb::Command;
use acm_scsi::model::*;
use acm_scsi::sense::{self, Sense};
use acm_scsi::target::serve;
use acm_scsi::transport::{Completion, Data, CHECK_CONDITION, GOOD};
use acm_scsi::wire::{DecodeError, InAction, InReply, OutAction, OutRequest};
use common::*;

fn refused(c: &Completion) -> CopyError {
    assert_eq!(c.status, CHECK_CONDITION, "{c:?}");
    let s = Sense::parse(&c.sense).expect("sense");
    sense::error_for(&s).expect("known sense")
}

fn out_cdb(action: OutAction, len: u32) -> Vec<u8> {
    Command::CopyOut {
        action,
        param_len: len,
    }
    .encode()
}

fn in_cdb(action: InAction, alloc: u32) -> Vec<u8> {
    Command::CopyIn {
        action,
        object: 0,
        alloc,
    }
    .encode()
}

#[test]
fn opcode_and_length() {
    let mut m = Mock::default();
    assert_eq!(
        refused(&serve(&mut m, &[], Data::None)),
        CopyError::InvalidOpcode
    );
    assert_eq!(
        refused(&serve(&mut m, &[0x28; 10], Data::None)),
        CopyError::InvalidOpcode
    );
    let c = out_cdb(OutAction::Reverse, 4);
    assert_eq!(
        refused(&serve(&mut m, &c[..9], Data::Out(&[0; 4]))),
        CopyError::InvalidCdbField(9)
    );
    assert_eq!(
        refused(&serve(&mut m, &[0x12], Data::None)),
        CopyError::InvalidCdbField(1)
    );
    assert!(m.calls.is_empty());
}

#[test]
fn version_and_service_action() {
    let mut m = Mock::default();
    let mut c = out_cdb(OutAction::Reverse, 4);
    c[2] = 0x02;
    assert_eq!(
        refused(&serve(&mut m, &c, Data::Out(&[0; 4]))),
        CopyError::InvalidCdbField(2)
    );
    c = out_cdb(OutAction::Reverse, 4);
    c[1] = 0x0C;
    assert_eq!(
        refused(&serve(&mut m, &c, Data::Out(&[0; 4]))),
        CopyError::InvalidCdbField(1)
    );
    let mut q = in_cdb(InAction::PoolStat, 56);
    q[1] = 0;
    assert_eq!(
        refused(&serve(&mut m, &q, Data::In(&mut [0; 56]))),
        CopyError::InvalidCdbField(1)
    );
    assert!(m.calls.is_empty());
}

/// LUN SESSIONS carries its selection in CDB bytes 3-9; a bad one is refused
/// with the byte named, before the target is asked.
#[test]
fn lun_sessions_selection_is_checked() {
    let mut m = Mock::default();
    let range = Command::LunSessions {
        select: LunSelect::Range { first: 4, count: 2 },
        alloc: 8,
    }
    .encode();
    for (at, value, field) in [(3, 0x80, 3), (8, 0, 8), (9, 0, 8), (14, 1, 14)] {
        let mut c = range.clone();
        c[at] = value;
        if at == 8 {
            c[9] = 0;
        }
        assert_eq!(
            refused(&serve(&mut m, &c, Data::In(&mut [0; 8]))),
            CopyError::InvalidCdbField(field),
            "byte {at} = {value:#x}"
        );
    }
    let mut all = range.clone();
    all[3] = 0x01;
    assert_eq!(
        refused(&serve(&mut m, &all, Data::In(&mut [0; 8]))),
        CopyError::InvalidCdbField(7),
        "ALL with a FIRST OLU"
    );
    assert!(m.calls.is_empty());
    assert_eq!(
        serve(&mut m, &range, Data::In(&mut [0; 8])),
        Completion::good(0)
    );
    assert_eq!(
        m.calls,
        [Call::LunSessions(LunSelect::Range { first: 4, count: 2 })]
    );
}

/// The reply: a 240-byte descriptor per (LUN, session), the LUN header first,
/// and one without a session for a LUN that has none.
#[test]
fn lun_sessions_reply_layout() {
    let e = Extent {
        box_id: box_a(),
        olu: 4,
        start_lba: 0,
        blocks: 8,
    };
    let s = SessionInfo {
        id: 0x0A0B_0C0D,
        owner: box_a(),
        kind: CopyKind::Opc,
        src: e,
        dst: Extent { olu: 5, ..e },
        phase: Phase::Copying,
        status: Status::Active,
        total_grains: 1,
        pending_grains: 1,
        changed_grains: 0,
        tracking: false,
        generation: 0,
        active_generation: false,
        rec: None,
        dest_access: DestAccess::ReadOnly,
        transition_time: 0,
        copied_bytes: 0,
    };
    let luns = vec![
        LunSessions {
            olu: 4,
            sessions: vec![s.clone()],
        },
        LunSessions {
            olu: 5,
            sessions: vec![s.clone(), s],
        },
        LunSessions {
            olu: 6,
            sessions: Vec::new(),
        },
    ];
    let mut m = Mock {
        luns: luns.clone(),
        ..Mock::default()
    };
    let c = Command::LunSessions {
        select: LunSelect::All,
        alloc: 1000,
    }
    .encode();
    let mut buf = vec![0u8; 1000];
    assert_eq!(
        serve(&mut m, &c, Data::In(&mut buf)),
        Completion::good(1000 - 968)
    );
    assert_eq!(&buf[..8], &[0, 0, 0x03, 0xC4, 0x01, 0x07, 0x00, 0xF0]);
    assert_eq!(&buf[8..16], &[0, 0, 0, 4, 0x01, 0, 0, 0]);
    assert_eq!(&buf[16..20], &[0x0A, 0x0B, 0x0C, 0x0D]);
    assert_eq!(&buf[248..256], &[0, 0, 0, 5, 0x01, 0, 0, 0]);
    assert_eq!(&buf[488..496], &[0, 0, 0, 5, 0x01, 0, 0, 0]);
    assert_eq!(&buf[728..736], &[0, 0, 0, 6, 0, 0, 0, 0]);
    assert!(buf[736..968].iter().all(|b| *b == 0));
    assert_eq!(
        InReply::decode(InAction::LunSessions, &buf[..968]),
        Ok(InReply::LunSessions(luns))
    );
    // Out of order, a LUN both with and without sessions: refused at the byte.
    let mut bad = buf[..968].to_vec();
    bad[728..732].copy_from_slice(&[0, 0, 0, 3]);
    assert_eq!(
        InReply::decode(InAction::LunSessions, &bad),
        Err(DecodeError::Field(728))
    );
    bad[728..732].copy_from_slice(&[0, 0, 0, 5]);
    assert_eq!(
        InReply::decode(InAction::LunSessions, &bad),
        Err(DecodeError::Field(732))
    );
}

#[test]
fn parameter_list_must_match_its_length() {
    let mut m = Mock::default();
    let c = out_cdb(OutAction::Reverse, 4);
    assert_eq!(
        refused(&serve(&mut m, &c, Data::Out(&[0; 3]))),
        CopyError::ParameterLength
    );
    assert_eq!(
        refused(&serve(&mut m, &c, Data::None)),
        CopyError::ParameterLength
    );
    assert_eq!(
        refused(&serve(&mut m, &c, Data::In(&mut [0; 4]))),
        CopyError::ParameterLength
    );
    // CDB and buffer agree, but the list is not the layout's length.
    let c = out_cdb(OutAction::Reverse, 5);
    assert_eq!(
        refused(&serve(&mut m, &c, Data::Out(&[0; 5]))),
        CopyError::ParameterLength
    );
    // MONITOR START has no list; an empty one in either direction is fine.
    let c = out_cdb(OutAction::MonitorStart, 0);
    assert_eq!(serve(&mut m, &c, Data::None), Completion::good(0));
    assert_eq!(serve(&mut m, &c, Data::In(&mut [])), Completion::good(0));
    assert_eq!(
        refused(&serve(&mut m, &c, Data::Out(&[0]))),
        CopyError::ParameterLength
    );
    assert_eq!(m.calls, [Call::MonitorStart, Call::MonitorStart]);
}

#[test]
fn bad_enum_byte_points_into_the_list() {
    let mut m = Mock::default();
    let good = OutRequest::SetRecBuffer(3, BufferUse::Recv).params();
    let c = out_cdb(OutAction::SetRecBuffer, 8);
    for bad in [0u8, 3, 0xFF] {
        let mut p = good.clone();
        p[4] = bad;
        assert_eq!(
            refused(&serve(&mut m, &c, Data::Out(&p))),
            CopyError::InvalidParameter(4)
        );
    }
    let mut p = good.clone();
    p[6] = 1;
    assert_eq!(
        refused(&serve(&mut m, &c, Data::Out(&p))),
        CopyError::InvalidParameter(6)
    );
    assert!(m.calls.is_empty());
    assert_eq!(serve(&mut m, &c, Data::Out(&good)), Completion::good(0));
    assert_eq!(m.calls, [Call::SetRecBuffer(3, BufferUse::Recv)]);
}

#[test]
fn data_in_buffer_must_match_allocation_length() {
    let mut m = Mock::default();
    let q = in_cdb(InAction::BoxIdentity, 64);
    for data in [
        Data::In(&mut [0; 63]),
        Data::In(&mut [0; 65]),
        Data::Out(&[0; 64]),
        Data::None,
    ] {
        assert_eq!(
            refused(&serve(&mut m, &q, data)),
            CopyError::InvalidCdbField(10)
        );
    }
    let inq = Command::Inquiry {
        evpd: false,
        page: 0,
        alloc: 36,
    }
    .encode();
    assert_eq!(
        refused(&serve(&mut m, &inq, Data::In(&mut [0; 35]))),
        CopyError::InvalidCdbField(3)
    );
    assert!(m.calls.is_empty());
}

#[test]
fn short_allocation_truncates_without_error() {
    let mut m = Mock::default();
    let full = InReply::BoxIdentity(m.box_info.clone()).encode();
    let mut buf = [0u8; 20];
    let c = serve(
        &mut m,
        &in_cdb(InAction::BoxIdentity, 20),
        Data::In(&mut buf),
    );
    assert_eq!(c, Completion::good(0));
    assert_eq!(&buf[..], &full[..20]);
    // Longer than the reply: the residual counts the bytes not filled.
    let mut buf = [0u8; 100];
    let c = serve(
        &mut m,
        &in_cdb(InAction::BoxIdentity, 100),
        Data::In(&mut buf),
    );
    assert_eq!(c, Completion::good(100 - full.len()));
    // Zero allocation length: nothing transferred, still GOOD.
    assert_eq!(
        serve(&mut m, &in_cdb(InAction::BoxIdentity, 0), Data::None),
        Completion::good(0)
    );
}

#[test]
fn read_write_transfer_length() {
    let mut m = Mock::default();
    let rd = Command::Read16 { lba: 0, blocks: 2 }.encode();
    assert_eq!(
        refused(&serve(&mut m, &rd, Data::In(&mut [0; 512]))),
        CopyError::InvalidCdbField(10)
    );
    assert_eq!(
        refused(&serve(&mut m, &rd, Data::Out(&[0; 1024]))),
        CopyError::InvalidCdbField(10)
    );
    let wr = Command::Write16 { lba: 0, blocks: 1 }.encode();
    assert_eq!(
        refused(&serve(&mut m, &wr, Data::Out(&[0; 1024]))),
        CopyError::InvalidCdbField(10)
    );
    assert_eq!(
        refused(&serve(&mut m, &wr, Data::In(&mut [0; 512]))),
        CopyError::InvalidCdbField(10)
    );
    let huge = Command::Read16 {
        lba: u64::MAX,
        blocks: 2,
    }
    .encode();
    assert_eq!(
        refused(&serve(&mut m, &huge, Data::In(&mut [0; 1024]))),
        CopyError::LbaOutOfRange
    );
    assert!(m.calls.is_empty());
    let mut buf = [0u8; 1024];
    assert_eq!(serve(&mut m, &rd, Data::In(&mut buf)), Completion::good(0));
    assert_eq!(buf[512], pattern(1, 0));
}

#[test]
fn inquiry_pages() {
    let mut m = Mock::default();
    let cdb = Command::Inquiry {
        evpd: true,
        page: 0xB0,
        alloc: 64,
    }
    .encode();
    assert_eq!(
        refused(&serve(&mut m, &cdb, Data::In(&mut [0; 64]))),
        CopyError::InvalidCdbField(2)
    );
    let cdb = Command::Inquiry {
        evpd: true,
        page: 0x00,
        alloc: 64,
    }
    .encode();
    let mut buf = [0u8; 64];
    assert_eq!(
        serve(&mut m, &cdb, Data::In(&mut buf)),
        Completion::good(57)
    );
    assert_eq!(&buf[..7], &[0, 0, 0, 3, 0, 0x80, 0x83]);
    let cdb = Command::Inquiry {
        evpd: false,
        page: 0,
        alloc: 96,
    }
    .encode();
    let mut buf = [0u8; 96];
    assert_eq!(
        serve(&mut m, &cdb, Data::In(&mut buf)),
        Completion::good(60)
    );
    assert_eq!(&buf[8..16], b"FUJITSU ");
}

#[test]
fn test_unit_ready() {
    let mut m = Mock::default();
    let tur = Command::TestUnitReady.encode();
    assert_eq!(serve(&mut m, &tur, Data::None), Completion::good(0));
    assert_eq!(
        refused(&serve(&mut m, &tur, Data::In(&mut [0; 8]))),
        CopyError::InvalidCdbField(0)
    );
    m.fail = Some(CopyError::NoSuchLun);
    let c = serve(&mut m, &tur, Data::None);
    assert_eq!(
        &c.sense[..],
        &sense::sense_for(&CopyError::NoSuchLun).to_fixed()[..]
    );
    assert_eq!((c.sense[2], c.sense[12], c.sense[13]), (0x05, 0x25, 0x00));
}

#[test]
fn start_returns_the_id_in_sense() {
    let mut m = Mock {
        start_id: 0x0102_0304,
        ..Mock::default()
    };
    let e = Extent {
        box_id: box_a(),
        olu: 1,
        start_lba: 0,
        blocks: 8,
    };
    let req = OutRequest::Start(StartRequest {
        kind: CopyKind::QuickOpc,
        src: e,
        dst: Extent { olu: 2, ..e },
        rec: None,
        dest_access: DestAccess::ReadOnly,
        skip_initial_copy: false,
        define_only: true,
    });
    let p = req.params();
    let c = serve(
        &mut m,
        &out_cdb(OutAction::Start, p.len() as u32),
        Data::Out(&p),
    );
    assert_eq!(c.status, CHECK_CONDITION);
    assert_eq!(c.residual, 0);
    assert_eq!(c.sense[0], 0xF0);
    assert_eq!(&c.sense[2..7], &[0x01, 0x01, 0x02, 0x03, 0x04]);
    assert_eq!((c.sense[12], c.sense[13]), (0xA0, 0x00));
}

#[test]
fn refusal_residual_is_the_whole_buffer() {
    let mut m = Mock {
        fail: Some(CopyError::BadSector(77)),
        ..Mock::default()
    };
    let rd = Command::Read16 { lba: 0, blocks: 1 }.encode();
    let c = serve(&mut m, &rd, Data::In(&mut [0; 512]));
    assert_eq!(c.residual, 512);
    assert_eq!(refused(&c), CopyError::BadSector(77));
    assert_ne!(c.status, GOOD);
}
