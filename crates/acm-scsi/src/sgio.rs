//! Linux `SG_IO` transport: one [`Transport::execute`] is one `SG_IO` ioctl on a
//! device node (`/dev/sgN` or a block device such as `/dev/sdX`).

use std::ffi::{c_int, c_uchar, c_uint, c_ushort, c_void};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use crate::transport::{Completion, Data, Transport, TransportError};

/// `SG_IO` ioctl request number (`<scsi/sg.h>`).
pub const SG_IO: u32 = 0x2285;
pub const SG_INTERFACE_ID: c_int = b'S' as c_int;
pub const SG_DXFER_NONE: c_int = -1;
pub const SG_DXFER_TO_DEV: c_int = -2;
pub const SG_DXFER_FROM_DEV: c_int = -3;

/// Host byte: no error.
pub const DID_OK: u16 = 0x00;
/// Host byte: the command timed out in the mid layer.
pub const DID_TIME_OUT: u16 = 0x03;
/// Driver byte (low nibble of `driver_status`): sense data is valid.
pub const DRIVER_SENSE: u16 = 0x08;
/// Driver byte: the command timed out.
pub const DRIVER_TIMEOUT: u16 = 0x06;
const DRIVER_MASK: u16 = 0x0F;

/// Room for the largest sense data SPC allows (252 bytes).
const SENSE_LEN: usize = 252;

/// The kernel's `struct sg_io_hdr` (`<scsi/sg.h>`), field for field.
#[repr(C)]
#[derive(Debug)]
pub struct SgIoHdr {
    pub interface_id: c_int,
    pub dxfer_direction: c_int,
    pub cmd_len: c_uchar,
    pub mx_sb_len: c_uchar,
    pub iovec_count: c_ushort,
    pub dxfer_len: c_uint,
    pub dxferp: *mut c_void,
    pub cmdp: *mut c_uchar,
    pub sbp: *mut c_uchar,
    /// Milliseconds.
    pub timeout: c_uint,
    pub flags: c_uint,
    pub pack_id: c_int,
    pub usr_ptr: *mut c_void,
    pub status: c_uchar,
    pub masked_status: c_uchar,
    pub msg_status: c_uchar,
    pub sb_len_wr: c_uchar,
    pub host_status: c_ushort,
    pub driver_status: c_ushort,
    pub resid: c_int,
    pub duration: c_uint,
    pub info: c_uint,
}

impl Default for SgIoHdr {
    fn default() -> Self {
        SgIoHdr {
            interface_id: SG_INTERFACE_ID,
            dxfer_direction: SG_DXFER_NONE,
            cmd_len: 0,
            mx_sb_len: 0,
            iovec_count: 0,
            dxfer_len: 0,
            dxferp: std::ptr::null_mut(),
            cmdp: std::ptr::null_mut(),
            sbp: std::ptr::null_mut(),
            timeout: 0,
            flags: 0,
            pack_id: 0,
            usr_ptr: std::ptr::null_mut(),
            status: 0,
            masked_status: 0,
            msg_status: 0,
            sb_len_wr: 0,
            host_status: 0,
            driver_status: 0,
            resid: 0,
            duration: 0,
            info: 0,
        }
    }
}

mod ioctl {
    nix::ioctl_readwrite_bad!(sg_io, super::SG_IO, super::SgIoHdr);
}

/// How an `SG_IO` that returned 0 ended: a [`Completion`] if the command reached
/// the target and came back, else the delivery failure. Pure, so the mapping is
/// tested without a device.
pub fn completion_from(
    path: &str,
    hdr: &SgIoHdr,
    sense: &[u8],
    timeout: Duration,
) -> Result<Completion, TransportError> {
    let driver = hdr.driver_status & DRIVER_MASK;
    if hdr.host_status == DID_TIME_OUT || driver == DRIVER_TIMEOUT {
        return Err(TransportError::Timeout(timeout));
    }
    if hdr.host_status != DID_OK || (driver != 0 && driver != DRIVER_SENSE) {
        return Err(TransportError::Delivery {
            path: path.to_string(),
            host: hdr.host_status,
            driver: hdr.driver_status,
        });
    }
    let sb = usize::from(hdr.sb_len_wr).min(sense.len());
    let residual = usize::try_from(hdr.resid.max(0)).unwrap_or(0);
    Ok(Completion {
        status: hdr.status,
        sense: sense[..sb].to_vec(),
        residual: residual.min(hdr.dxfer_len as usize),
    })
}

/// A LUN reached through its device node.
#[derive(Debug)]
pub struct SgDevice {
    file: File,
    path: String,
}

impl SgDevice {
    /// Opens read-write, falling back to read-only: the kernel still lets a
    /// read-only opener send INQUIRY, READ CAPACITY and READ.
    pub fn open(path: impl AsRef<Path>) -> Result<SgDevice, TransportError> {
        let path = path.as_ref();
        let open = |write: bool| {
            OpenOptions::new()
                .read(true)
                .write(write)
                .custom_flags(libc::O_NONBLOCK)
                .open(path)
        };
        let file = match open(true) {
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => open(false),
            other => other,
        }
        .map_err(|source| TransportError::Open {
            path: path.display().to_string(),
            source,
        })?;
        Ok(SgDevice {
            file,
            path: path.display().to_string(),
        })
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    fn invalid(&self, what: String) -> TransportError {
        TransportError::Ioctl {
            path: self.path.clone(),
            source: io::Error::new(io::ErrorKind::InvalidInput, what),
        }
    }
}

impl Transport for SgDevice {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        let cmd_len = u8::try_from(cdb.len())
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| self.invalid(format!("CDB of {} bytes", cdb.len())))?;
        let (direction, ptr, len) = match data {
            Data::Out(b) if !b.is_empty() => (SG_DXFER_TO_DEV, b.as_ptr() as *mut c_void, b.len()),
            Data::In(b) if !b.is_empty() => (SG_DXFER_FROM_DEV, b.as_mut_ptr().cast(), b.len()),
            _ => (SG_DXFER_NONE, std::ptr::null_mut(), 0),
        };
        let dxfer_len = c_uint::try_from(len)
            .map_err(|_| self.invalid(format!("data buffer of {len} bytes")))?;
        let mut cdb_copy = cdb.to_vec();
        let mut sense = [0u8; SENSE_LEN];
        let mut hdr = SgIoHdr {
            dxfer_direction: direction,
            cmd_len,
            mx_sb_len: SENSE_LEN as c_uchar,
            dxfer_len,
            dxferp: ptr,
            cmdp: cdb_copy.as_mut_ptr(),
            sbp: sense.as_mut_ptr(),
            timeout: c_uint::try_from(timeout.as_millis()).unwrap_or(c_uint::MAX),
            ..SgIoHdr::default()
        };
        // SAFETY: `hdr` follows the kernel ABI (layout tested below); every pointer
        // in it refers to a live buffer of the stated length (the data buffer is
        // borrowed for this call, the CDB and sense buffers are locals), and the
        // kernel only writes through `dxferp` for FROM_DEV and through `sbp`.
        let r = unsafe { ioctl::sg_io(self.file.as_raw_fd(), &mut hdr) };
        r.map_err(|e| TransportError::Ioctl {
            path: self.path.clone(),
            source: io::Error::from(e),
        })?;
        completion_from(&self.path, &hdr, &sense, timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    #[cfg(target_pointer_width = "64")]
    #[test]
    fn layout_matches_the_kernel_abi() {
        assert_eq!(size_of::<SgIoHdr>(), 88);
        assert_eq!(offset_of!(SgIoHdr, interface_id), 0);
        assert_eq!(offset_of!(SgIoHdr, dxfer_direction), 4);
        assert_eq!(offset_of!(SgIoHdr, cmd_len), 8);
        assert_eq!(offset_of!(SgIoHdr, mx_sb_len), 9);
        assert_eq!(offset_of!(SgIoHdr, iovec_count), 10);
        assert_eq!(offset_of!(SgIoHdr, dxfer_len), 12);
        assert_eq!(offset_of!(SgIoHdr, dxferp), 16);
        assert_eq!(offset_of!(SgIoHdr, cmdp), 24);
        assert_eq!(offset_of!(SgIoHdr, sbp), 32);
        assert_eq!(offset_of!(SgIoHdr, timeout), 40);
        assert_eq!(offset_of!(SgIoHdr, flags), 44);
        assert_eq!(offset_of!(SgIoHdr, pack_id), 48);
        assert_eq!(offset_of!(SgIoHdr, usr_ptr), 56);
        assert_eq!(offset_of!(SgIoHdr, status), 64);
        assert_eq!(offset_of!(SgIoHdr, masked_status), 65);
        assert_eq!(offset_of!(SgIoHdr, msg_status), 66);
        assert_eq!(offset_of!(SgIoHdr, sb_len_wr), 67);
        assert_eq!(offset_of!(SgIoHdr, host_status), 68);
        assert_eq!(offset_of!(SgIoHdr, driver_status), 70);
        assert_eq!(offset_of!(SgIoHdr, resid), 72);
        assert_eq!(offset_of!(SgIoHdr, duration), 76);
        assert_eq!(offset_of!(SgIoHdr, info), 80);
    }

    #[cfg(target_pointer_width = "32")]
    #[test]
    fn layout_matches_the_kernel_abi() {
        assert_eq!(size_of::<SgIoHdr>(), 64);
        assert_eq!(offset_of!(SgIoHdr, usr_ptr), 40);
        assert_eq!(offset_of!(SgIoHdr, info), 60);
    }

    #[test]
    fn request_number() {
        assert_eq!(SG_IO, 0x2285);
        assert_eq!(SG_INTERFACE_ID, 0x53);
    }

    fn hdr(status: u8, host: u16, driver: u16, resid: i32, sb: u8) -> SgIoHdr {
        SgIoHdr {
            status,
            host_status: host,
            driver_status: driver,
            resid,
            sb_len_wr: sb,
            dxfer_len: 512,
            ..SgIoHdr::default()
        }
    }

    const T: Duration = Duration::from_secs(7);

    #[test]
    fn good_completion() {
        let c = completion_from("d", &hdr(0, 0, 0, 12, 0), &[0; 252], T).expect("completion");
        assert_eq!(c, Completion::good(12));
    }

    #[test]
    fn check_condition_carries_sense() {
        let mut sense = [0u8; 252];
        sense[..3].copy_from_slice(&[0x70, 0, 5]);
        let c = completion_from("d", &hdr(0x02, 0, DRIVER_SENSE, 0, 18), &sense, T)
            .expect("completion");
        assert_eq!(c.status, 0x02);
        assert_eq!(c.sense.len(), 18);
        assert_eq!(&c.sense[..3], &[0x70, 0, 5]);
    }

    #[test]
    fn residual_is_clamped() {
        let c = completion_from("d", &hdr(0, 0, 0, -4, 0), &[], T).expect("completion");
        assert_eq!(c.residual, 0);
        let c = completion_from("d", &hdr(0, 0, 0, 4096, 0), &[], T).expect("completion");
        assert_eq!(c.residual, 512);
        // sb_len_wr larger than the buffer cannot index past it.
        let c = completion_from("d", &hdr(2, 0, 0, 0, 200), &[0x70; 18], T).expect("completion");
        assert_eq!(c.sense.len(), 18);
    }

    #[test]
    fn timeouts() {
        assert!(matches!(
            completion_from("d", &hdr(0, DID_TIME_OUT, 0, 0, 0), &[], T),
            Err(TransportError::Timeout(t)) if t == T
        ));
        assert!(matches!(
            completion_from("d", &hdr(0, 0, DRIVER_TIMEOUT, 0, 0), &[], T),
            Err(TransportError::Timeout(_))
        ));
    }

    #[test]
    fn delivery_failures() {
        // DID_NO_CONNECT, DID_BAD_TARGET, DID_ERROR; driver byte DRIVER_ERROR.
        for (host, driver) in [(0x01, 0), (0x04, 0), (0x07, 0), (0, 0x04)] {
            match completion_from("/dev/sg9", &hdr(0, host, driver, 0, 0), &[], T) {
                Err(TransportError::Delivery {
                    path,
                    host: h,
                    driver: d,
                }) => {
                    assert_eq!((path.as_str(), h, d), ("/dev/sg9", host, driver));
                }
                other => panic!("{host:#x}/{driver:#x}: {other:?}"),
            }
        }
    }

    /// Runs the real ioctl on a node that is not SCSI: the kernel refuses it
    /// (ENOTTY) and that arrives as `Ioctl`, not as a completion.
    #[test]
    fn ioctl_on_a_non_scsi_node() {
        let Ok(mut dev) = SgDevice::open("/dev/null") else {
            println!("skipped: /dev/null cannot be opened");
            return;
        };
        let mut buf = [0u8; 36];
        let r = dev.execute(&[0x12, 0, 0, 0, 36, 0], Data::In(&mut buf), T);
        assert!(matches!(r, Err(TransportError::Ioctl { .. })), "{r:?}");
        let r = dev.execute(&[], Data::None, T);
        assert!(matches!(r, Err(TransportError::Ioctl { .. })), "{r:?}");
    }

    #[test]
    fn open_missing_path() {
        match SgDevice::open("/nonexistent/acm-scsi/sg0") {
            Err(TransportError::Open { path, source }) => {
                assert_eq!(path, "/nonexistent/acm-scsi/sg0");
                assert_eq!(source.kind(), io::ErrorKind::NotFound);
            }
            other => panic!("{other:?}"),
        }
    }
}
