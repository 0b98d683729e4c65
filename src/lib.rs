//! The suite as a whole. This package holds no code of its own: its `tests/`
//! exercise the crates together (the driver against the simulated target through
//! real CDB bytes, and so on). The code lives in `crates/`; start with
//! `docs/architecture.md`.
