//! The replication management messages the model's lists print (part of the
//! family's catalogue, `docs/replication-messages.md`;
//! `acm_replication::messages` re-exports them).

use acm_core::msg::{common, Failure, Family};
use std::fmt::Display;

const F: Family = Family::Replication;

fn refused(number: u16, text: impl Into<String>) -> Failure {
    Failure::refused(F, number, text)
}

/// The replication management list cannot be read or written.
pub const LIST_ERROR: u16 = 1004;

/// The group does not exist.
pub const NO_GROUP: u16 = 1304;

/// The repository copy of the list cannot be read or written.
pub const REPOSITORY_ERROR: u16 = 1806;

pub fn list_error(detail: impl Display) -> Failure {
    common::list_error(F, LIST_ERROR, "replication management list", detail)
}

pub fn no_group(group: &str) -> Failure {
    refused(NO_GROUP, format!("The group {group} does not exist."))
}

pub fn repository_error(detail: impl Display) -> Failure {
    refused(
        REPOSITORY_ERROR,
        format!(
            "The replication management information of the repository cannot be accessed: \
             {detail}"
        ),
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
