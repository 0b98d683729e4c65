//! swsrpcancel: replication cancellation (manual 8.3.2.4).
