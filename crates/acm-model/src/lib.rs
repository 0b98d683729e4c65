//! The model below backup and replication management.
//!
//! Both domains read what the other records: backup management refuses a
//! replication volume as a backup volume and a volume a replication command
//! works on; replication management refuses a backup volume as a replica and
//! a volume a backup command works on. So both lists, their layouts and the
//! rules that span them live here, once, and `acm-backup` and
//! `acm-replication` are siblings above this crate:
//!
//! - [`extent`]: box information ([`BoxInfo`]), the identity of the storage
//!   behind a volume, and the driver's extent of it;
//! - [`backup`]: the backup management list (devices, policies, history,
//!   generations, synchronous processing and restores);
//! - [`replication`]: the replication management list (pairs, groups,
//!   directions), its record layout and its repository copy;
//! - [`survey`]: the copy sessions of many LUNs, each box asked once;
//! - [`rules`]: what one domain refuses because of the other;
//! - [`messages`]: the refusals these print, part of each family's catalogue.

pub mod backup;
pub mod extent;
pub mod messages;
pub mod offload;
pub mod replication;
pub mod rules;
pub mod survey;

pub use extent::{BoxInfo, MAX_SIZE};
