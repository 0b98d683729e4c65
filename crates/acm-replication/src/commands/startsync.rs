//! swsrpstartsync: synchronous processing start (manual 8.3.2.1).
