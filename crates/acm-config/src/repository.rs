//! The Management Server's repository as the configuration commands use it:
//! only on the Management Server, changed under its lock, and always listing
//! the Management Server itself (it is registered by its installation, not
//! with `stgxfwcmaddsrv`).

use crate::messages;
use acm_core::msg::Failure;
use acm_core::store::StoreError;
use acm_manager::node;
use acm_manager::registry::{self, Backend, Contents, DeviceRecord, Repository, ServerRecord};
use std::sync::OnceLock;

/// A refusal inside [`update`]: a command's own, or the store's.
struct Refusal(Failure);

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        Refusal(messages::store(e))
    }
}

/// Refuses unless this server is the Management Server.
pub fn require_manager(command: &str) -> Result<(), Failure> {
    if node::is_manager() {
        Ok(())
    } else {
        Err(messages::not_manager(command))
    }
}

/// The repository of the backend this Management Server's configuration
/// chooses (`repository.ini`; the file backend by default).
///
/// Opened once per process, so the commands that read and then change keep
/// one database connection.
pub fn open() -> Result<&'static Backend, Failure> {
    static OPENED: OnceLock<Backend> = OnceLock::new();
    if let Some(b) = OPENED.get() {
        return Ok(b);
    }
    let b = registry::open().map_err(messages::store)?;
    Ok(OPENED.get_or_init(|| b))
}

/// The repository as last saved.
pub fn read() -> Result<Contents, Failure> {
    open()?.read().map_err(messages::store)
}

/// The registered servers only (not their devices).
pub fn registered() -> Result<Vec<ServerRecord>, Failure> {
    open()?.servers().map_err(messages::store)
}

/// Reads, changes and saves the repository under its lock; a refusal of
/// `change` saves nothing.
pub fn update(
    command: &str,
    change: impl FnOnce(&mut Contents) -> Result<(), Failure>,
) -> Result<Contents, Failure> {
    open()?
        .update(command, |c| change(c).map_err(Refusal))
        .map_err(|Refusal(f)| f)
}

/// Changes the devices of `server` only, under the repository lock; `change`
/// sees the registered servers.
pub fn update_devices(
    command: &str,
    server: &str,
    change: impl FnOnce(&[ServerRecord], &mut Vec<DeviceRecord>) -> Result<(), Failure>,
) -> Result<(), Failure> {
    open()?
        .update_devices(command, server, |s, d| change(s, d).map_err(Refusal))
        .map_err(|Refusal(f)| f)
}

/// Registers `record` last, under the repository lock, once `check` (which
/// sees the registered servers) accepts it; no device is read.
pub fn add_server(
    command: &str,
    record: ServerRecord,
    check: impl FnOnce(&[ServerRecord]) -> Result<(), Failure>,
) -> Result<(), Failure> {
    open()?
        .add_server(command, record, |s| check(s).map_err(Refusal))
        .map_err(|Refusal(f)| f)
}

/// Changes the registered servers in place, under the repository lock;
/// `change` returns its renames, `(old, new)`, whose devices follow.
pub fn update_servers(
    command: &str,
    change: impl FnOnce(&mut Vec<ServerRecord>) -> Result<Vec<(String, String)>, Failure>,
) -> Result<(), Failure> {
    open()?
        .update_servers(command, |s| change(s).map_err(Refusal))
        .map_err(|Refusal(f)| f)
}

/// Removes the server `name` and its devices, under the repository lock,
/// once `check` (the registered servers, the number of devices held for
/// `name`) accepts it.
pub fn remove_server(
    command: &str,
    name: &str,
    check: impl FnOnce(&[ServerRecord], usize) -> Result<(), Failure>,
) -> Result<(), Failure> {
    open()?
        .remove_server(command, name, |s, n| check(s, n).map_err(Refusal))
        .map_err(|Refusal(f)| f)
}

/// The Management Server's own record, from its node registry.
pub fn manager_record() -> ServerRecord {
    let me = node::checked();
    ServerRecord {
        name: me.name,
        ip: me.ip,
        port: me.port,
        manager: true,
    }
}

/// Every server: the Management Server first, then the registered ones in
/// registration order.
pub fn servers(registered: &[ServerRecord]) -> Vec<ServerRecord> {
    let manager = manager_record();
    let mut all: Vec<ServerRecord> = registered
        .iter()
        .filter(|s| s.name != manager.name)
        .cloned()
        .collect();
    all.insert(0, manager);
    all
}

/// The server named exactly `name`, or `swstf1002`.
pub fn server(registered: &[ServerRecord], name: &str) -> Result<ServerRecord, Failure> {
    servers(registered)
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| messages::unknown_server(name))
}
