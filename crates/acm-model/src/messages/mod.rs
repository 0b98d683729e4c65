//! The messages the model prints, by family: each is part of that family's
//! catalogue, which re-exports it.

pub mod backup;
pub mod replication;
