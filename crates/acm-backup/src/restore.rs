//! Restoration: `swstrestore`, `swstcancelrest`, `swstreststat` (manual 8.1.2.3-8.1.2.5).
