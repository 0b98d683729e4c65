//! The copy-session driver.
//!
//! [`model`] holds the typed requests and replies of the project's vendor SCSI
//! command set (documented byte by byte in `docs/vendor-scsi.md`). The driver
//! encodes them as CDBs plus parameter data and sends each through a
//! [`transport::Transport`], one call per CDB exactly like one `SG_IO` ioctl;
//! a target (the simulated array) decodes the same bytes and answers through
//! the [`model::CopyTarget`] trait. Nothing else in the project speaks to an
//! array.

pub mod model;
pub mod transport;
