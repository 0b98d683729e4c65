//! swsrpstat: operation status display (manual 8.3.2.3).
