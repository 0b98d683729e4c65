//! Backup synchronous processing (EC) and QuickOPC tracking: `swststartsync`,
//! `swstcancelsync`, `swstsyncstat`, `swstcanceltrk`, `swsttrkstat`, and
//! `swstexecstat` (manual 8.1.2.8-8.1.2.13).
