//! The backup management commands (swst*), by utility.
//!
//! One test binary for the family (as coreutils' `tests/by-util/`): each
//! module is one file of `tests/swst/`, and `common` is their shared set-up.

#[path = "swst/common/mod.rs"]
mod common;
#[path = "swst/test_backup.rs"]
mod test_backup;
#[path = "swst/test_common.rs"]
mod test_common;
#[path = "swst/test_concurrency.rs"]
mod test_concurrency;
#[path = "swst/test_cross_function.rs"]
mod test_cross_function;
#[path = "swst/test_environment.rs"]
mod test_environment;
#[path = "swst/test_flows_hardware_error.rs"]
mod test_flows_hardware_error;
#[path = "swst/test_flows_quickopc.rs"]
mod test_flows_quickopc;
#[path = "swst/test_flows_suspend_resume.rs"]
mod test_flows_suspend_resume;
#[path = "swst/test_maintenance.rs"]
mod test_maintenance;
#[path = "swst/test_maintenance_scripts.rs"]
mod test_maintenance_scripts;
#[path = "swst/test_maintenance_sessions.rs"]
mod test_maintenance_sessions;
#[path = "swst/test_restore.rs"]
mod test_restore;
#[path = "swst/test_snap.rs"]
mod test_snap;
#[path = "swst/test_survey.rs"]
mod test_survey;
#[path = "swst/test_sync.rs"]
mod test_sync;
#[path = "swst/test_sync_trk.rs"]
mod test_sync_trk;
