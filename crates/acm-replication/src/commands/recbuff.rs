//! swsrprecbuffstat and swsrprecbuffset: the REC buffer (manual 8.3.1.4, 8.3.1.5).
