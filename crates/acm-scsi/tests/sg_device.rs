//! Against a real device, only when `ACM_SG_DEVICE` names one (e.g. `/dev/sg0`):
//! INQUIRY and READ CAPACITY(16) through `SgDevice`. Any SCSI device will do, so
//! only standard commands are sent and nothing is written.
#![cfg(target_os = "linux")]

use std::time::Duration;

use acm_scsi::cdb::Command;
use acm_scsi::sgio::SgDevice;
use acm_scsi::standard;
use acm_scsi::transport::{Data, Transport, GOOD};

#[test]
fn inquiry_and_read_capacity() {
    let Some(path) = std::env::var_os("ACM_SG_DEVICE") else {
        println!("skipped: set ACM_SG_DEVICE=/dev/sgN to run against a real device");
        return;
    };
    let mut dev = SgDevice::open(&path).expect("open ACM_SG_DEVICE");
    let timeout = Duration::from_secs(20);

    let mut buf = [0u8; 96];
    let cdb = Command::Inquiry {
        evpd: false,
        page: 0,
        alloc: 96,
    }
    .encode();
    let c = dev
        .execute(&cdb, Data::In(&mut buf), timeout)
        .expect("INQUIRY delivered");
    assert_eq!(c.status, GOOD, "INQUIRY: {c:?}");
    let got = buf.len() - c.residual;
    let (vendor, product, revision) =
        standard::parse_standard_inquiry(&buf[..got]).expect("standard INQUIRY data");
    println!("{}: {vendor} {product} {revision}", dev.path());

    let mut buf = [0u8; 32];
    let cdb = Command::ReadCapacity16 { alloc: 32 }.encode();
    let c = dev
        .execute(&cdb, Data::In(&mut buf), timeout)
        .expect("READ CAPACITY(16) delivered");
    assert_eq!(c.status, GOOD, "READ CAPACITY(16): {c:?}");
    let (blocks, block_len) =
        standard::parse_read_capacity(&buf[..buf.len() - c.residual]).expect("capacity data");
    assert!(block_len > 0);
    println!("{}: {blocks} blocks of {block_len} bytes", dev.path());
}
