//! swsrpchsync: REC mode change (manual 8.3.2.5).
