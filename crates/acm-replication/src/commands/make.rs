//! swsrpmake: replication creation (manual 8.3.2.2).
