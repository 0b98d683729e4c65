//! Across the suite: hardening, the message catalogue, an operator's batch script, block disks and PostgreSQL, the iSCSI face, Eco-mode drives, packages, several servers, the SCSI path, the simulator console and its service.
//!
//! One test binary for the family (as coreutils' `tests/by-util/`): each
//! module is one file of `tests/suite/`, and `net` is their shared set-up.

#[path = "suite/net/mod.rs"]
mod net;
#[path = "suite/scsi_path.rs"]
mod scsi_path;
#[path = "suite/test_acmsim.rs"]
mod test_acmsim;
#[path = "suite/test_block.rs"]
mod test_block;
#[path = "suite/test_catalogue.rs"]
mod test_catalogue;
#[path = "suite/test_eco.rs"]
mod test_eco;
#[path = "suite/test_hardening.rs"]
mod test_hardening;
#[path = "suite/test_iscsi.rs"]
mod test_iscsi;
#[path = "suite/test_operator.rs"]
mod test_operator;
#[path = "suite/test_package.rs"]
mod test_package;
#[path = "suite/test_remote.rs"]
mod test_remote;
#[path = "suite/test_service.rs"]
mod test_service;
