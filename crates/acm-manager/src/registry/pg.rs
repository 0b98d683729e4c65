//! The repository in a PostgreSQL database.
//!
//! One row per server (`acm_servers`) and one per device (`acm_devices`, the
//! record as JSON beside its keys), so that a command reads and writes only
//! the rows of the server it names. Every change is one transaction that
//! first takes the single row of `acm_lock` with `SELECT ... FOR UPDATE`:
//! changes are serialised exactly as the file backend's lock file does, so
//! two commands at once never lose each other's work, and a change that
//! fails (a refusal, the server stopping) commits nothing.
//!
//! The schema is versioned: `acm_schema_version` lists the migrations
//! applied; a connection applies the missing ones in order, in one
//! transaction under an advisory lock (two first commands at once migrate
//! once), and refuses a database of a version newer than this program's.

use super::config::PgSettings;
use super::{Contents, DeviceRecord, Repository, ServerRecord};
use acm_core::store::StoreError;
use postgres::{Client, IsolationLevel, NoTls, Transaction};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The migrations, in order: `MIGRATIONS[i]` brings the schema to version i + 1.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE acm_lock (
        id integer PRIMARY KEY CHECK (id = 1),
        holder text NOT NULL
    );
    INSERT INTO acm_lock VALUES (1, '');
    CREATE TABLE acm_servers (
        name text PRIMARY KEY,
        position integer NOT NULL UNIQUE,
        ip text NOT NULL,
        port integer NOT NULL,
        manager boolean NOT NULL
    );
    CREATE TABLE acm_devices (
        server text NOT NULL,
        position integer NOT NULL,
        device text NOT NULL,
        record text NOT NULL,
        PRIMARY KEY (server, device),
        UNIQUE (server, position)
    );
"];

/// The schema version this program writes.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// The advisory lock key under which migrations run ("ACMR").
const MIGRATION_LOCK: i64 = 0x4143_4d52;

/// The repository kept in PostgreSQL; connects on first use and keeps the
/// connection for the command's life.
pub struct PgRepository {
    settings: PgSettings,
    client: Mutex<Option<Client>>,
}

impl std::fmt::Debug for PgRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgRepository({})", self.settings.target)
    }
}

impl PgRepository {
    pub fn new(settings: PgSettings) -> PgRepository {
        PgRepository {
            settings,
            client: Mutex::new(None),
        }
    }

    /// What messages name.
    pub fn target(&self) -> &str {
        &self.settings.target
    }

    fn error(&self, e: postgres::Error) -> StoreError {
        let detail = match e.as_db_error() {
            Some(db) => format!("{}: {}", db.severity(), db.message()),
            None => e.to_string(),
        };
        StoreError::Database {
            target: self.settings.target.clone(),
            detail,
        }
    }

    /// Runs `f` with the connection, connecting (and migrating) first if
    /// needed. A connection that failed is dropped, so a later call starts
    /// afresh.
    fn with<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, Fail<E>>,
    ) -> Result<T, E> {
        let mut guard = self.client.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            let mut client = self
                .settings
                .config
                .connect(NoTls)
                .map_err(|e| E::from(self.error(e)))?;
            self.migrate(&mut client).map_err(E::from)?;
            *guard = Some(client);
        }
        let client = guard.as_mut().expect("connected");
        let out = f(client);
        if client.is_closed() {
            *guard = None;
        }
        out.map_err(|fail| match fail {
            Fail::Db(e) => E::from(self.error(e)),
            Fail::Store(e) => E::from(e),
            Fail::Refused(e) => e,
        })
    }

    /// Brings the schema to [`SCHEMA_VERSION`], or refuses a newer one.
    fn migrate(&self, client: &mut Client) -> Result<(), StoreError> {
        // The common case, one query: the schema is current.
        if let Ok(row) = client.query_one("SELECT max(version) FROM acm_schema_version", &[]) {
            let v: Option<i32> = row.get(0);
            let v = v.unwrap_or(0);
            if v == SCHEMA_VERSION {
                return Ok(());
            }
            self.newer(v)?;
        }
        let mut tx = client.transaction().map_err(|e| self.error(e))?;
        tx.query_one("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(|e| self.error(e))?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS acm_schema_version (
                 version integer PRIMARY KEY,
                 applied timestamptz NOT NULL DEFAULT now()
             )",
        )
        .map_err(|e| self.error(e))?;
        let v: Option<i32> = tx
            .query_one("SELECT max(version) FROM acm_schema_version", &[])
            .map_err(|e| self.error(e))?
            .get(0);
        let v = v.unwrap_or(0);
        self.newer(v)?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(v as usize) {
            let version = i as i32 + 1;
            tx.batch_execute(sql).map_err(|e| self.error(e))?;
            tx.execute(
                "INSERT INTO acm_schema_version (version) VALUES ($1)",
                &[&version],
            )
            .map_err(|e| self.error(e))?;
        }
        tx.commit().map_err(|e| self.error(e))
    }

    fn newer(&self, v: i32) -> Result<(), StoreError> {
        if v > SCHEMA_VERSION {
            return Err(StoreError::Database {
                target: self.settings.target.clone(),
                detail: format!(
                    "the database's repository schema is version {v}, newer than version \
                     {SCHEMA_VERSION} this program knows; use the AdvancedCopy Manager that wrote it"
                ),
            });
        }
        Ok(())
    }

    /// A change: one transaction holding the repository lock.
    fn change<T, E: From<StoreError>>(
        &self,
        holder: &str,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<T, Fail<E>>,
    ) -> Result<T, E> {
        self.with(|client| {
            let mut tx = client.transaction()?;
            tx.query_one("SELECT holder FROM acm_lock WHERE id = 1 FOR UPDATE", &[])?;
            let who = format!("{holder} (pid {})", std::process::id());
            tx.execute("UPDATE acm_lock SET holder = $1 WHERE id = 1", &[&who])?;
            let out = f(&mut tx)?;
            tx.commit()?;
            Ok(out)
        })
    }
}

/// Why an operation failed: the database, a record that does not decode,
/// or the caller's own refusal.
enum Fail<E> {
    Db(postgres::Error),
    Store(StoreError),
    Refused(E),
}

impl<E> From<postgres::Error> for Fail<E> {
    fn from(e: postgres::Error) -> Self {
        Fail::Db(e)
    }
}

fn servers_in<E>(q: &mut impl postgres::GenericClient) -> Result<Vec<ServerRecord>, Fail<E>> {
    let rows = q.query(
        "SELECT name, ip, port, manager FROM acm_servers ORDER BY position",
        &[],
    )?;
    Ok(rows
        .iter()
        .map(|r| ServerRecord {
            name: r.get(0),
            ip: r.get(1),
            port: r.get::<_, i32>(2) as u16,
            manager: r.get(3),
        })
        .collect())
}

fn decode<E>(server: &str, text: &str) -> Result<DeviceRecord, Fail<E>> {
    serde_json::from_str(text).map_err(|e| {
        Fail::Store(StoreError::Damaged {
            path: format!("acm_devices (server {server})").into(),
            detail: e.to_string(),
        })
    })
}

fn devices_in<E>(
    q: &mut impl postgres::GenericClient,
    server: &str,
) -> Result<Vec<DeviceRecord>, Fail<E>> {
    q.query(
        "SELECT record FROM acm_devices WHERE server = $1 ORDER BY position",
        &[&server],
    )?
    .iter()
    .map(|r| decode(server, r.get(0)))
    .collect()
}

fn all_in<E>(q: &mut impl postgres::GenericClient) -> Result<Contents, Fail<E>> {
    let servers = servers_in(q)?;
    let mut devices: BTreeMap<String, Vec<DeviceRecord>> = BTreeMap::new();
    for r in q.query(
        "SELECT server, record FROM acm_devices ORDER BY server, position",
        &[],
    )? {
        let server: String = r.get(0);
        let d = decode(&server, r.get(1))?;
        devices.entry(server).or_default().push(d);
    }
    Ok(Contents { servers, devices })
}

fn write_servers<E>(tx: &mut Transaction<'_>, servers: &[ServerRecord]) -> Result<(), Fail<E>> {
    tx.execute("DELETE FROM acm_servers", &[])?;
    let names: Vec<&str> = servers.iter().map(|s| s.name.as_str()).collect();
    let ips: Vec<&str> = servers.iter().map(|s| s.ip.as_str()).collect();
    let ports: Vec<i32> = servers.iter().map(|s| i32::from(s.port)).collect();
    let managers: Vec<bool> = servers.iter().map(|s| s.manager).collect();
    tx.execute(
        "INSERT INTO acm_servers (position, name, ip, port, manager)
         SELECT t.o::integer, t.name, t.ip, t.port, t.manager
         FROM unnest($1::text[], $2::text[], $3::integer[], $4::boolean[])
              WITH ORDINALITY AS t(name, ip, port, manager, o)",
        &[&names, &ips, &ports, &managers],
    )?;
    Ok(())
}

fn write_devices<E>(
    tx: &mut Transaction<'_>,
    server: &str,
    devices: &[DeviceRecord],
) -> Result<(), Fail<E>> {
    tx.execute("DELETE FROM acm_devices WHERE server = $1", &[&server])?;
    if devices.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = devices.iter().map(|d| d.device.as_str()).collect();
    let records: Vec<String> = devices
        .iter()
        .map(|d| serde_json::to_string(d).expect("a device record serialises"))
        .collect();
    tx.execute(
        "INSERT INTO acm_devices (server, position, device, record)
         SELECT $1, t.o::integer, t.device, t.record
         FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(device, record, o)",
        &[&server, &names, &records],
    )?;
    Ok(())
}

impl Repository for PgRepository {
    fn read(&self) -> Result<Contents, StoreError> {
        self.with(|client| {
            // One snapshot for both tables.
            let mut tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let c = all_in(&mut tx)?;
            tx.commit()?;
            Ok(c)
        })
    }

    fn update<E: From<StoreError>>(
        &self,
        holder: &str,
        change: impl FnOnce(&mut Contents) -> Result<(), E>,
    ) -> Result<Contents, E> {
        self.change(holder, |tx| {
            let before = all_in(tx)?;
            let mut after = before.clone();
            change(&mut after).map_err(Fail::Refused)?;
            if after.servers != before.servers {
                write_servers(tx, &after.servers)?;
            }
            let empty = Vec::new();
            let names: std::collections::BTreeSet<&String> =
                before.devices.keys().chain(after.devices.keys()).collect();
            for name in names {
                let (old, new) = (
                    before.devices.get(name).unwrap_or(&empty),
                    after.devices.get(name).unwrap_or(&empty),
                );
                if old != new {
                    write_devices(tx, name, new)?;
                }
            }
            // A server whose list was emptied has no entry, as in the file.
            after.devices.retain(|_, v| !v.is_empty());
            Ok(after)
        })
    }

    fn servers(&self) -> Result<Vec<ServerRecord>, StoreError> {
        self.with(servers_in)
    }

    fn server(&self, name: &str) -> Result<Option<ServerRecord>, StoreError> {
        Ok(self.servers()?.into_iter().find(|s| s.name == name))
    }

    fn devices(&self, server: &str) -> Result<Vec<DeviceRecord>, StoreError> {
        self.with(|client| devices_in(client, server))
    }

    fn update_devices<E: From<StoreError>>(
        &self,
        holder: &str,
        server: &str,
        change: impl FnOnce(&[ServerRecord], &mut Vec<DeviceRecord>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.change(holder, |tx| {
            let servers = servers_in(tx)?;
            let before = devices_in(tx, server)?;
            let mut after = before.clone();
            change(&servers, &mut after).map_err(Fail::Refused)?;
            if after != before {
                write_devices(tx, server, &after)?;
            }
            Ok(())
        })
    }

    fn add_server<E: From<StoreError>>(
        &self,
        holder: &str,
        record: ServerRecord,
        check: impl FnOnce(&[ServerRecord]) -> Result<(), E>,
    ) -> Result<(), E> {
        self.change(holder, |tx| {
            check(&servers_in(tx)?).map_err(Fail::Refused)?;
            tx.execute(
                "INSERT INTO acm_servers (position, name, ip, port, manager)
                 SELECT coalesce(max(position), 0) + 1, $1, $2, $3, $4 FROM acm_servers",
                &[
                    &record.name,
                    &record.ip,
                    &i32::from(record.port),
                    &record.manager,
                ],
            )?;
            Ok(())
        })
    }

    fn update_servers<E: From<StoreError>>(
        &self,
        holder: &str,
        change: impl FnOnce(&mut Vec<ServerRecord>) -> Result<Vec<(String, String)>, E>,
    ) -> Result<(), E> {
        self.change(holder, |tx| {
            let before = servers_in(tx)?;
            let mut after = before.clone();
            let renames = change(&mut after).map_err(Fail::Refused)?;
            if after != before {
                write_servers(tx, &after)?;
            }
            // In the order made, as the whole-document form moves them; a
            // stale list under the new name is replaced, as there.
            for (old, new) in renames.iter().filter(|(o, n)| o != n) {
                tx.execute("DELETE FROM acm_devices WHERE server = $1", &[new])?;
                tx.execute(
                    "UPDATE acm_devices SET server = $2 WHERE server = $1",
                    &[old, new],
                )?;
            }
            Ok(())
        })
    }

    fn remove_server<E: From<StoreError>>(
        &self,
        holder: &str,
        name: &str,
        check: impl FnOnce(&[ServerRecord], usize) -> Result<(), E>,
    ) -> Result<(), E> {
        self.change(holder, |tx| {
            let servers = servers_in(tx)?;
            let held: i64 = tx
                .query_one(
                    "SELECT count(*) FROM acm_devices WHERE server = $1",
                    &[&name],
                )?
                .get(0);
            check(&servers, usize::try_from(held).unwrap_or(usize::MAX)).map_err(Fail::Refused)?;
            tx.execute("DELETE FROM acm_devices WHERE server = $1", &[&name])?;
            tx.execute("DELETE FROM acm_servers WHERE name = $1", &[&name])?;
            Ok(())
        })
    }
}
