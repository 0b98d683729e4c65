//! The backup management messages the model's lists print (part of the
//! family's catalogue, `docs/messages.md`; `acm_backup::messages` re-exports
//! them).

use acm_core::msg::{common, Failure, Family};

const F: Family = Family::Backup;

fn refused(number: u16, text: impl Into<String>) -> Failure {
    Failure::refused(F, number, text)
}

/// `swstsvrset` has not been run.
pub const NOT_CONFIGURED: u16 = common::NOT_SET_UP;

/// The backup management list cannot be read or written.
pub const LIST_ERROR: u16 = 1004;

pub const NOT_REGISTERED: u16 = 1109;

pub const NOT_TRANSACTION: u16 = 1201;

/// The replication management list cannot be read.
pub const REPLICATION_LIST_ERROR: u16 = 1008;

pub fn not_configured() -> Failure {
    refused(
        NOT_CONFIGURED,
        "The Managed Server is not set up for backup management. Run swstsvrset first.",
    )
}

pub fn not_transaction(device: &str) -> Failure {
    refused(
        NOT_TRANSACTION,
        format!("{device} is not registered as a transaction volume."),
    )
}

pub fn not_registered(device: &str) -> Failure {
    refused(
        NOT_REGISTERED,
        format!("{device} is not registered as a transaction or backup volume."),
    )
}

pub fn list_error(detail: impl std::fmt::Display) -> Failure {
    common::list_error(F, LIST_ERROR, "backup management list", detail)
}

pub fn replication_list_error(detail: impl std::fmt::Display) -> Failure {
    refused(
        REPLICATION_LIST_ERROR,
        format!("The replication management list cannot be read: {detail}"),
    )
}

/// An OPC made with EXTENDED COPY on an array without point-in-time copy:
/// the note the command prints (standard error) beside its completion.
pub fn copied_by_extended_copy() -> acm_core::msg::Message {
    acm_core::msg::Message::new(
        F,
        741,
        "The array offers no point-in-time copy: the copy was made with EXTENDED COPY while the source stayed quiesced, and was complete when the command ended.",
    )
}
