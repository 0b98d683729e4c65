//! The copy-session driver.
//!
//! [`model`] holds the typed requests and replies of the project's vendor SCSI
//! command set (documented byte by byte in `docs/vendor-scsi.md`). The driver
//! encodes them as CDBs plus parameter data and sends each through a
//! [`transport::Transport`], one call per CDB exactly like one `SG_IO` ioctl;
//! a target (the simulated array) decodes the same bytes and answers through
//! the [`model::CopyTarget`] trait. Nothing else in the project speaks to an
//! array.
//!
//! - [`cdb`]: opcodes, CDB parsing and encoding;
//! - [`wire`]: enum codes, parameter lists and returned data of the vendor commands;
//! - [`standard`]: INQUIRY and READ CAPACITY(16) data;
//! - [`sense`]: sense data and the `CopyError` table;
//! - [`target`]: `serve`, the device-server side;
//! - [`driver`]: the typed initiator side;
//! - [`loopback`] and `sgio` (Linux): transports.

pub mod cdb;
pub mod driver;
pub mod loopback;
pub mod model;
pub mod sbc;
pub mod sense;
#[cfg(target_os = "linux")]
pub mod sgio;
pub mod standard;
pub mod target;
pub mod transport;
pub mod wire;
