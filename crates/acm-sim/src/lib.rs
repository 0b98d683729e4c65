//! The simulated ETERNUS array.
//!
//! Boxes live under `ACMSIM_HOME`: their state (LUNs, sessions, pool, paths,
//! buffers, faults, clock) in one transactional store, `array.redb`, and their
//! data in one directory each, `lun/<olu>.img` (preallocated). Copy sessions move real bytes between those files with
//! the semantics of OPC, QuickOPC, SnapOPC, SnapOPC+, EC and REC; host reads and
//! writes go through the same data path, so tracking, copy-on-write and mirroring
//! see every write. The array service ([`service`]) keeps the boxes in memory
//! and answers one CDB per call on `$ACMSIM_HOME/array.sock`; hosts reach it
//! through [`SocketTransport`]. [`SimTransport`] runs a CDB in process (the
//! harness that tests the target), and [`Array`] is opened directly by the
//! console's administration. `docs/simulator.md` explains the model.

pub mod array;
pub mod block;
pub mod client;
pub mod datapath;
pub(crate) mod family;
pub mod grains;
pub(crate) mod iscsi;
pub(crate) mod journal;
pub mod lu;
pub mod raidgroup;
pub mod service;
pub mod session;
pub mod state;
pub mod store;
pub mod target;
pub mod token;
pub mod wire;

pub use array::{Array, Bid, SimError};
pub use client::SocketTransport;
pub use target::{LunTarget, SimTransport};
