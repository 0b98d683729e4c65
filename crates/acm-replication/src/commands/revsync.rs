//! swsrprevsync: synchronization reverse (manual 8.3.2.6).
