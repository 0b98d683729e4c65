//! In-process transport: the CDB goes straight to [`target::serve`].
//!
//! Tests and the simulator use it so that every command still crosses the same
//! byte encoding as on a real device; nothing takes a typed shortcut.

use std::time::Duration;

use crate::model::CopyTarget;
use crate::target;
use crate::transport::{Completion, Data, Transport, TransportError};

/// A LUN served by `T` in this process. Use `Loopback<&mut T>` to keep
/// ownership of the target.
#[derive(Debug, Default)]
pub struct Loopback<T: CopyTarget> {
    target: T,
}

impl<T: CopyTarget> Loopback<T> {
    pub fn new(target: T) -> Self {
        Loopback { target }
    }

    pub fn target(&self) -> &T {
        &self.target
    }

    pub fn target_mut(&mut self) -> &mut T {
        &mut self.target
    }

    pub fn into_inner(self) -> T {
        self.target
    }
}

impl<T: CopyTarget> Transport for Loopback<T> {
    /// Runs synchronously; the timeout cannot fire in-process and is ignored.
    fn execute(
        &mut self,
        cdb: &[u8],
        data: Data<'_>,
        _timeout: Duration,
    ) -> Result<Completion, TransportError> {
        Ok(target::serve(&mut self.target, cdb, data))
    }
}
