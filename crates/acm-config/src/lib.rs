//! Configuration management: the `stg*` commands and `acmcapture`.
