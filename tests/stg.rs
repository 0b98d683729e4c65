//! The configuration management commands (stg*, acmcapture, the daemon commands, acmsetup), by utility.
//!
//! One test binary for the family (as coreutils' `tests/by-util/`): each
//! module is one file of `tests/stg/`, and `common` is their shared set-up.

#[path = "stg/common/mod.rs"]
mod common;
#[path = "stg/test_acmcapture.rs"]
mod test_acmcapture;
#[path = "stg/test_common.rs"]
mod test_common;
#[path = "stg/test_crash.rs"]
mod test_crash;
#[path = "stg/test_devices.rs"]
mod test_devices;
#[path = "stg/test_node.rs"]
mod test_node;
#[path = "stg/test_package_backup.rs"]
mod test_package_backup;
#[path = "stg/test_repository.rs"]
mod test_repository;
#[path = "stg/test_servers.rs"]
mod test_servers;
