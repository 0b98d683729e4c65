//! Maintenance of the backup management list: `swstsrsemtch`, `swstresback`,
//! `swstresrst` (manual 8.1.3).
