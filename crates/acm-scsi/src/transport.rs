//! How a CDB reaches a LUN.
//!
//! One call of [`Transport::execute`] is one SCSI command, exactly as one
//! `SG_IO` ioctl is: a CDB, at most one data buffer in one direction, and back a
//! SCSI status with sense data. The driver above never knows whether the LUN is a
//! device node or the in-process simulator.

use std::time::Duration;

/// SCSI status GOOD.
pub const GOOD: u8 = 0x00;
/// SCSI status CHECK CONDITION (sense data describes the error).
pub const CHECK_CONDITION: u8 = 0x02;

/// The data phase of one command.
#[derive(Debug)]
pub enum Data<'a> {
    None,
    /// Data sent to the device (parameter list, WRITE data).
    Out(&'a [u8]),
    /// Buffer for data returned by the device (READ data, query replies).
    In(&'a mut [u8]),
}

/// How a command ended at the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub status: u8,
    /// Fixed-format sense data when `status` is CHECK CONDITION.
    pub sense: Vec<u8>,
    /// Bytes of the data buffer not transferred.
    pub residual: usize,
}

impl Completion {
    pub fn good(residual: usize) -> Completion {
        Completion {
            status: GOOD,
            sense: Vec::new(),
            residual,
        }
    }
}

/// The command could not be delivered or its delivery failed (as opposed to the
/// target refusing it, which is a [`Completion`] with CHECK CONDITION).
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("cannot open {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("SG_IO on {path} failed: {source}")]
    Ioctl {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: host status 0x{host:02x}, driver status 0x{driver:02x}")]
    Delivery {
        path: String,
        host: u16,
        driver: u16,
    },
    #[error("command timed out after {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Target(String),
}

/// One I_T_L nexus: a path to one LUN.
pub trait Transport {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError>;
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        (**self).execute(cdb, data, timeout)
    }
}

/// The I_T nexus a command arrives on: which initiator port sent it through
/// which target port. Reservations and unit attentions are kept per nexus.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nexus {
    /// The initiator port's name: for iSCSI `iqn...,i,0x<ISID>` (RFC 7143
    /// §4.2.7.1), [`Nexus::LOCAL`] for the host's own paths (the array
    /// socket and the block face).
    pub initiator: String,
    /// The relative target port identifier the command came in on.
    pub target_port: u16,
}

impl Nexus {
    /// The initiator name of the host's own paths.
    pub const LOCAL: &'static str = "local";

    /// The host's own path: the array socket, the block face, the harness.
    pub fn local() -> Nexus {
        Nexus {
            initiator: Nexus::LOCAL.to_string(),
            target_port: 1,
        }
    }
}
