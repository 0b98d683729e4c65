//! The simulated ETERNUS array.
//!
//! Boxes live under `ACMSIM_HOME`, one directory each: `state.json` (LUNs,
//! sessions, pool, paths, buffers, faults, clock) and `lun/<olu>.img` (the LUN
//! data, preallocated). Copy sessions move real bytes between those files with
//! the semantics of OPC, QuickOPC, SnapOPC, SnapOPC+, EC and REC; host reads and
//! writes go through the same data path, so tracking, copy-on-write and mirroring
//! see every write. The CLI reaches the array only through [`SimTransport`], the
//! in-process SCSI transport; [`Array`] is also used directly by the admin tool.
//! `docs/simulator.md` explains the model.

pub mod array;
pub mod datapath;
pub mod grains;
pub mod session;
pub mod state;
pub mod target;

pub use array::{Array, Bid, SimError};
pub use target::{LunTarget, SimTransport};
