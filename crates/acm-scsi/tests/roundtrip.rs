//! Every request the driver encodes reaches the target equal to the original,
//! and every reply or refusal of the target reaches the driver equal, through
//! the real byte encoding (`Loopback` runs `target::serve`).

mod common;

use acm_scsi::driver::{Driver, DriverError};
use acm_scsi::loopback::Loopback;
use acm_scsi::model::*;
use common::*;
use proptest::collection::vec;
use proptest::prelude::*;

fn driver(mock: Mock) -> Driver<Loopback<Mock>> {
    Driver::new(Loopback::new(mock))
}

fn calls(d: &Driver<Loopback<Mock>>) -> &[Call] {
    &d.transport().target().calls
}

proptest! {
    #[test]
    fn start_trip(req in start_request(), id in any::<u32>()) {
        let mut d = driver(Mock { start_id: id, ..Mock::default() });
        prop_assert_eq!(d.start(&req).ok(), Some(id));
        prop_assert_eq!(calls(&d), &[Call::Start(req)]);
    }

    #[test]
    fn restart_trip(req in restart_request()) {
        let mut d = driver(Mock::default());
        prop_assert!(d.restart(&req).is_ok());
        prop_assert_eq!(calls(&d), &[Call::Restart(req)]);
    }

    #[test]
    fn suspend_trip(ids in vec(any::<u32>(), 0..64), forced in any::<bool>()) {
        let mut d = driver(Mock::default());
        prop_assert!(d.suspend(&ids, forced).is_ok());
        prop_assert_eq!(calls(&d), &[Call::Suspend(ids, forced)]);
    }

    #[test]
    fn cancel_trip(req in cancel_request()) {
        let mut d = driver(Mock::default());
        prop_assert!(d.cancel(&req).is_ok());
        prop_assert_eq!(calls(&d), &[Call::Cancel(req)]);
    }

    #[test]
    fn reverse_trip(id in any::<u32>()) {
        let mut d = driver(Mock::default());
        prop_assert!(d.reverse(id).is_ok());
        prop_assert_eq!(calls(&d), &[Call::Reverse(id)]);
    }

    #[test]
    fn change_mode_trip(id in any::<u32>(), change in mode_change()) {
        let mut d = driver(Mock::default());
        prop_assert!(d.change_mode(id, &change).is_ok());
        prop_assert_eq!(calls(&d), &[Call::ChangeMode(id, change)]);
    }

    #[test]
    fn start_concurrent_trip(ids in vec(any::<u32>(), 0..64)) {
        let mut d = driver(Mock::default());
        prop_assert!(d.start_concurrent(&ids).is_ok());
        prop_assert_eq!(calls(&d), &[Call::StartConcurrent(ids)]);
    }

    #[test]
    fn set_rec_buffer_trip(id in any::<u32>(), usage in buffer_use()) {
        let mut d = driver(Mock::default());
        prop_assert!(d.set_rec_buffer(id, usage).is_ok());
        prop_assert_eq!(calls(&d), &[Call::SetRecBuffer(id, usage)]);
    }

    #[test]
    fn sdv_init_trip(olu in any::<u32>()) {
        let mut d = driver(Mock::default());
        prop_assert!(d.sdv_init(olu).is_ok());
        prop_assert_eq!(calls(&d), &[Call::SdvInit(olu)]);
    }

    #[test]
    fn sdv_stat_trip(olu in any::<u32>(), stat in sdv_stat()) {
        let mut d = driver(Mock { sdv: stat, ..Mock::default() });
        prop_assert_eq!(d.sdv_stat(olu).ok(), Some(stat));
        prop_assert_eq!(calls(&d), &[Call::SdvStat(olu)]);
    }

    #[test]
    fn pool_stat_trip(stat in pool_stat()) {
        let mut d = driver(Mock { pool: stat, ..Mock::default() });
        prop_assert_eq!(d.pool_stat().ok(), Some(stat));
    }

    #[test]
    fn box_info_trip(info in box_info()) {
        let mut d = driver(Mock { box_info: info.clone(), ..Mock::default() });
        prop_assert_eq!(d.box_info().ok(), Some(info));
        prop_assert_eq!(calls(&d), &[Call::BoxIdentity]);
    }

    /// Up to 40 sessions: beyond the driver's first allocation of 16, so the
    /// truncate-and-re-issue path runs too.
    #[test]
    fn sessions_trip(list in vec(session_info(), 0..40)) {
        let mut d = driver(Mock { sessions: list.clone(), ..Mock::default() });
        prop_assert_eq!(d.sessions().ok(), Some(list.clone()));
        let issued = if list.len() > 16 { 2 } else { 1 };
        prop_assert_eq!(calls(&d).len(), issued);
    }

    /// The sessions of many LUNs arrive grouped as the target listed them, in
    /// one command unless they outgrow the first allocation (a descriptor per
    /// selected OLU plus 16; 4096 with ALL), then in exactly one more.
    #[test]
    fn lun_sessions_trip(
        (select, luns) in lun_select().prop_flat_map(|s| (Just(s), lun_sessions(s, 12, 6)))
    ) {
        let mut d = driver(Mock { luns: luns.clone(), ..Mock::default() });
        prop_assert_eq!(d.lun_sessions(select).ok(), Some(luns.clone()));
        let descriptors: usize = luns.iter().map(|l| l.sessions.len().max(1)).sum();
        let first = match select {
            LunSelect::All => 4096,
            LunSelect::Range { count, .. } => usize::from(count) + 16,
        };
        let issued = if descriptors > first { 2 } else { 1 };
        let expected = vec![Call::LunSessions(select); issued];
        prop_assert_eq!(calls(&d), expected.as_slice());
    }

    #[test]
    fn rec_buffers_trip(list in vec(rec_buffer(), 0..40)) {
        let mut d = driver(Mock { buffers: list.clone(), ..Mock::default() });
        prop_assert_eq!(d.rec_buffers().ok(), Some(list));
    }

    #[test]
    fn monitor_status_trip(m in monitor_status()) {
        let mut d = driver(Mock { monitor: m, ..Mock::default() });
        prop_assert_eq!(d.monitor_status().ok(), Some(m));
        prop_assert_eq!(calls(&d), &[Call::MonitorStatus]);
    }

    #[test]
    fn identity_trip(id in identity()) {
        let mut d = driver(Mock { identity: id.clone(), ..Mock::default() });
        prop_assert_eq!(d.identity().ok(), Some(id));
    }

    #[test]
    fn capacity_trip(blocks in any::<u64>()) {
        let mut d = driver(Mock { capacity: blocks, ..Mock::default() });
        prop_assert_eq!(d.capacity().ok(), Some(blocks));
    }

    #[test]
    fn read_trip(lba in 0u64..1000, blocks in 0usize..40, max_blocks in 1usize..8) {
        let mut d = driver(Mock::default());
        d.set_max_transfer(max_blocks * 512);
        let mut buf = vec![0u8; blocks * 512];
        prop_assert!(d.read(lba, &mut buf).is_ok());
        for (i, b) in buf.iter().enumerate() {
            prop_assert_eq!(*b, pattern(lba + (i / 512) as u64, i % 512));
        }
        let expected = if blocks == 0 { 1 } else { blocks.div_ceil(max_blocks) };
        prop_assert_eq!(calls(&d).len(), expected);
    }

    #[test]
    fn write_trip(lba in 0u64..1000, data in (0usize..20).prop_flat_map(|n| vec(any::<u8>(), n * 512))) {
        let mut d = driver(Mock::default());
        d.set_max_transfer(2048);
        prop_assert!(d.write(lba, &data).is_ok());
        let mut joined = Vec::new();
        for (n, c) in calls(&d).iter().enumerate() {
            match c {
                Call::Write { lba: at, data } => {
                    prop_assert_eq!(*at, lba + 4 * n as u64);
                    joined.extend_from_slice(data);
                }
                other => prop_assert!(false, "unexpected call {:?}", other),
            }
        }
        prop_assert_eq!(joined, data);
    }

    /// Every refusal arrives as the same `CopyError`, whatever the command.
    #[test]
    fn refusals_trip(err in copy_error(), which in 0usize..9) {
        let mut d = driver(Mock { fail: Some(err.clone()), ..Mock::default() });
        let got = match which {
            0 => d.start(&Mock::default_start()).map(|_| ()),
            1 => d.sessions().map(|_| ()),
            2 => d.read(0, &mut [0u8; 512]),
            3 => d.write(0, &[0u8; 1024]),
            4 => d.identity().map(|_| ()),
            5 => d.capacity().map(|_| ()),
            6 => d.test_unit_ready(),
            7 => d.lun_sessions(LunSelect::All).map(|_| ()),
            _ => d.monitor_stop(),
        };
        let e = got.expect_err("the mock refuses everything");
        prop_assert_eq!(e.copy_error(), Some(&err));
    }
}

impl Mock {
    fn default_start() -> StartRequest {
        let e = Extent {
            box_id: box_a(),
            olu: 1,
            start_lba: 0,
            blocks: 16,
        };
        StartRequest {
            kind: CopyKind::Opc,
            src: e,
            dst: Extent { olu: 2, ..e },
            rec: None,
            dest_access: DestAccess::ReadOnly,
            skip_initial_copy: false,
            define_only: false,
        }
    }
}

/// A reply may only list OLUs the command selected; anything else is not the
/// answer to this command.
#[test]
fn lun_sessions_outside_the_selection_are_malformed() {
    let mut d = driver(Mock {
        luns: vec![LunSessions {
            olu: 9,
            sessions: Vec::new(),
        }],
        ..Mock::default()
    });
    let e = d
        .lun_sessions(LunSelect::Range { first: 3, count: 6 })
        .expect_err("OLU 9 is not in 3..=8");
    assert!(matches!(e, DriverError::Malformed(_)), "{e:?}");
    assert!(d
        .lun_sessions(LunSelect::Range { first: 3, count: 7 })
        .is_ok());
    assert!(d.lun_sessions(LunSelect::All).is_ok());
}

#[test]
fn monitor_start_and_stop() {
    let mut d = driver(Mock::default());
    d.monitor_start().expect("start");
    d.monitor_stop().expect("stop");
    d.test_unit_ready().expect("ready");
    assert_eq!(
        calls(&d),
        &[Call::MonitorStart, Call::MonitorStop, Call::Capacity]
    );
}

/// The default limit splits a 20 MiB write into 8 + 8 + 4 MiB commands.
#[test]
fn large_transfers_are_split_at_8_mib() {
    let mut d = driver(Mock {
        capacity: 1 << 30,
        ..Mock::default()
    });
    let data = vec![0xA5u8; 20 << 20];
    d.write(100, &data).expect("write");
    let lbas: Vec<(u64, usize)> = calls(&d)
        .iter()
        .map(|c| match c {
            Call::Write { lba, data } => (*lba, data.len()),
            _ => (0, 0),
        })
        .collect();
    assert_eq!(
        lbas,
        [
            (100, 8 << 20),
            (100 + 16384, 8 << 20),
            (100 + 32768, 4 << 20)
        ]
    );
    let mut buf = vec![0u8; 9 << 20];
    d.read(5, &mut buf).expect("read");
    assert_eq!(calls(&d).len(), 5);
    assert_eq!(buf[(8 << 20) + 3], pattern(5 + 16384, 3));
}

#[test]
fn partial_blocks_are_refused_before_sending() {
    let mut d = driver(Mock::default());
    assert!(matches!(
        d.read(0, &mut [0u8; 100]),
        Err(DriverError::Argument(_))
    ));
    assert!(matches!(
        d.write(0, &[0u8; 513]),
        Err(DriverError::Argument(_))
    ));
    assert!(calls(&d).is_empty());
}

#[test]
fn lba_beyond_capacity_is_refused_by_the_target() {
    let mut d = driver(Mock {
        capacity: 8,
        ..Mock::default()
    });
    let e = d.read(7, &mut [0u8; 1024]).expect_err("past the end");
    assert_eq!(e.copy_error(), Some(&CopyError::LbaOutOfRange));
    let e = d.read(u64::MAX, &mut [0u8; 1024]).expect_err("overflows");
    assert_eq!(e.copy_error(), Some(&CopyError::LbaOutOfRange));
}

/// The simulator may want to keep its array: `Loopback<&mut T>` works.
#[test]
fn loopback_over_a_borrowed_target() {
    let mut mock = Mock::default();
    {
        let mut d = Driver::new(Loopback::new(&mut mock));
        d.reverse(9).expect("reverse");
    }
    assert_eq!(mock.calls, [Call::Reverse(9)]);
}

/// SYNCHRONIZE CACHE(16) reaches the target once, and its refusal comes back.
#[test]
fn synchronize_cache_trip() {
    let mut d = driver(Mock::default());
    d.synchronize_cache().unwrap();
    assert!(matches!(calls(&d), [Call::Synchronize]));
    let mut d = driver(Mock {
        fail: Some(CopyError::HardwareError),
        ..Mock::default()
    });
    let e = d.synchronize_cache().unwrap_err();
    assert_eq!(e.copy_error(), Some(&CopyError::HardwareError));
    // Reserved bits of byte 1 other than IMMED are refused, IMMED is not.
    let mut cdb = acm_scsi::cdb::Command::SynchronizeCache16 { lba: 0, blocks: 0 }.encode();
    cdb[1] = 0x02;
    assert!(acm_scsi::cdb::Command::parse(&cdb).is_ok());
    cdb[1] = 0x04;
    assert!(acm_scsi::cdb::Command::parse(&cdb).is_err());
}
