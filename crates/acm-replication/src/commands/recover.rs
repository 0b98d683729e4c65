//! swsrprecoverres: resource adjustment (manual 8.3.3.1).
