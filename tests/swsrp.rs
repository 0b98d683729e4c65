//! The replication management commands (swsrp*), by utility.
//!
//! One test binary for the family (as coreutils' `tests/by-util/`): each
//! module is one file of `tests/swsrp/`, and `common` is their shared set-up.

#[path = "swsrp/common/mod.rs"]
mod common;
#[path = "swsrp/test_common.rs"]
mod test_common;
#[path = "swsrp/test_concurrency.rs"]
mod test_concurrency;
#[path = "swsrp/test_damaged_config.rs"]
mod test_damaged_config;
#[path = "swsrp/test_flows_concurrent_two_boxes.rs"]
mod test_flows_concurrent_two_boxes;
#[path = "swsrp/test_flows_rec_modes.rs"]
mod test_flows_rec_modes;
#[path = "swsrp/test_flows_troubleshooting.rs"]
mod test_flows_troubleshooting;
#[path = "swsrp/test_replication.rs"]
mod test_replication;
#[path = "swsrp/test_replication_scripts.rs"]
mod test_replication_scripts;
#[path = "swsrp/test_server_to_server.rs"]
mod test_server_to_server;
#[path = "swsrp/test_swsrp_props.rs"]
mod test_swsrp_props;
#[path = "swsrp/test_swsrpcancel.rs"]
mod test_swsrpcancel;
#[path = "swsrp/test_swsrpchsync.rs"]
mod test_swsrpchsync;
#[path = "swsrp/test_swsrpmake.rs"]
mod test_swsrpmake;
#[path = "swsrp/test_swsrprecbuff.rs"]
mod test_swsrprecbuff;
#[path = "swsrp/test_swsrprecoverres.rs"]
mod test_swsrprecoverres;
#[path = "swsrp/test_swsrprevsync.rs"]
mod test_swsrprevsync;
#[path = "swsrp/test_swsrpstartsync.rs"]
mod test_swsrpstartsync;
#[path = "swsrp/test_swsrpstat.rs"]
mod test_swsrpstat;
#[path = "swsrp/test_swsrpwait.rs"]
mod test_swsrpwait;
