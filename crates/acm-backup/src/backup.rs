//! Backup execution and its history: `swstbackup`, `swstbackstat`, `swsthistdisp`,
//! `swsthistdel` (manual 8.1.2.1, 8.1.2.2, 8.1.2.6, 8.1.2.7).
