//! Which backend keeps the Management Server's repository:
//! `/etc/opt/FJSVswstf/repository/repository.ini`, beside the file repository.
//!
//! | key | meaning |
//! |---|---|
//! | `Backend` | `file` (the default, also when there is no file) or `postgresql` |
//! | `Connection` | libpq `key=value` words: `host=/run/postgresql port=5432 user=acm dbname=acm` |
//! | `PasswordFile` | a file whose first line is the password, owned by root and readable by it only |
//!
//! A password in `Connection` is refused: the file is readable by anyone
//! who may read the configuration, the password file by root only.

use acm_core::ini::{Ini, FLAT};
use acm_core::paths;
use acm_core::store::StoreError;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the choice is made.
pub const INI: &str = "/etc/opt/FJSVswstf/repository/repository.ini";
/// How long a connection attempt may take when `Connection` gives no
/// `connect_timeout`: a command never hangs on an unreachable server.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The backend chosen.
#[derive(Debug, Clone)]
pub enum Choice {
    File,
    Postgres(Box<PgSettings>),
}

/// How to reach the PostgreSQL repository.
#[derive(Clone)]
pub struct PgSettings {
    /// The parsed connection, with the password when a file gives one.
    pub config: postgres::Config,
    /// The connection words as configured (no secret): what messages name.
    pub target: String,
}

impl std::fmt::Debug for PgSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        write!(f, "PgSettings({})", self.target)
    }
}

/// Path of `repository.ini` under the state root.
pub fn path() -> PathBuf {
    paths::product(INI)
}

fn refuse(path: &Path, why: impl Into<String>) -> StoreError {
    StoreError::Database {
        target: path.display().to_string(),
        detail: why.into(),
    }
}

/// Reads this server's choice; a file that cannot be used is refused
/// (naming it and the line), never taken for the default.
pub fn load() -> Result<Choice, StoreError> {
    let path = path();
    let ini = Ini::load(&path, FLAT).map_err(|e| StoreError::Database {
        target: "the repository configuration".into(),
        detail: e.to_string(),
    })?;
    let Some(ini) = ini else {
        return Ok(Choice::File);
    };
    parse(&ini)
}

/// The choice of a parsed `repository.ini`.
pub fn parse(ini: &Ini) -> Result<Choice, StoreError> {
    let path = ini.path().to_path_buf();
    for e in &ini.entries {
        if !["Backend", "Connection", "PasswordFile"].contains(&e.key.as_str()) {
            return Err(refuse(
                &path,
                format!(
                    "line {}: unknown key {} (Backend, Connection, PasswordFile)",
                    e.line, e.key
                ),
            ));
        }
    }
    let backend = ini.get("", "Backend").filter(|e| !e.value.is_empty());
    match backend {
        None => return Ok(Choice::File),
        Some(e) if e.value.eq_ignore_ascii_case("file") => return Ok(Choice::File),
        Some(e) if e.value.eq_ignore_ascii_case("postgresql") => {}
        Some(e) => {
            return Err(refuse(
                &path,
                format!(
                    "line {}: Backend={} is neither file nor postgresql",
                    e.line, e.value
                ),
            ))
        }
    }
    settings(ini)?
        .map(|s| Choice::Postgres(Box::new(s)))
        .ok_or_else(|| refuse(&path, "Backend=postgresql needs Connection"))
}

/// The PostgreSQL database `repository.ini` names with `Connection`,
/// whichever backend it chooses: where `stgrepcnv -Xto` copies to or from.
pub fn postgres_settings() -> Result<PgSettings, StoreError> {
    let path = path();
    let none = || {
        refuse(
            &path,
            "no Connection of a PostgreSQL repository is configured",
        )
    };
    let ini = Ini::load(&path, FLAT)
        .map_err(|e| StoreError::Database {
            target: "the repository configuration".into(),
            detail: e.to_string(),
        })?
        .ok_or_else(none)?;
    parse(&ini)?;
    settings(&ini)?.ok_or_else(none)
}

/// `Connection` and `PasswordFile`, when a connection is given.
fn settings(ini: &Ini) -> Result<Option<PgSettings>, StoreError> {
    let path = ini.path().to_path_buf();
    let Some(conn) = ini.get("", "Connection").filter(|e| !e.value.is_empty()) else {
        return Ok(None);
    };
    let mut config: postgres::Config = conn
        .value
        .parse()
        .map_err(|e| refuse(&path, format!("line {}: Connection: {e}", conn.line)))?;
    if config.get_password().is_some() {
        return Err(refuse(
            &path,
            format!(
                "line {}: Connection must not hold the password; name a PasswordFile",
                conn.line
            ),
        ));
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if let Some(file) = ini.get("", "PasswordFile").filter(|e| !e.value.is_empty()) {
        let password = password(Path::new(&file.value))?;
        config.password(password);
    }
    Ok(Some(PgSettings {
        config,
        target: format!("the PostgreSQL repository ({})", conn.value),
    }))
}

/// The first line of a password file, which must be a regular file of this
/// user's (root's) that no one else may read or change.
pub fn password(file: &Path) -> Result<String, StoreError> {
    let meta = std::fs::metadata(file).map_err(|e| refuse(file, e.to_string()))?;
    if !meta.is_file() {
        return Err(refuse(file, "the password file is not a regular file"));
    }
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(refuse(
            file,
            format!(
                "the password file belongs to user {}, not to the user running the command ({me})",
                meta.uid()
            ),
        ));
    }
    if meta.mode() & 0o077 != 0 {
        return Err(refuse(
            file,
            format!(
                "the password file's mode is {:04o}: it must be readable by its owner only (chmod 600)",
                meta.mode() & 0o7777
            ),
        ));
    }
    let text =
        acm_core::input::read_text(file, 64 << 10).map_err(|e| refuse(file, e.to_string()))?;
    let line = text.lines().next().unwrap_or("").to_string();
    if line.is_empty() {
        return Err(refuse(file, "the password file is empty"));
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(text: &str) -> Result<Choice, StoreError> {
        parse(&Ini::parse(Path::new("repository.ini"), text, FLAT).unwrap())
    }

    #[test]
    fn choices_and_refusals() {
        assert!(matches!(choice("").unwrap(), Choice::File));
        assert!(matches!(choice("Backend=file\n").unwrap(), Choice::File));
        let Choice::Postgres(pg) =
            choice("Backend=postgresql\nConnection=host=/tmp port=5433 user=acm dbname=acm\n")
                .unwrap()
        else {
            panic!("postgresql")
        };
        assert_eq!(pg.config.get_dbname(), Some("acm"));
        assert_eq!(pg.config.get_connect_timeout(), Some(&CONNECT_TIMEOUT));
        for bad in [
            "Backend=mysql\n",
            "Backend=postgresql\n",
            "Backend=postgresql\nConnection=host=/tmp password=x\n",
            "Backend=postgresql\nConnection=nonsense\n",
            "Backend=file\nPasword=/x\n",
        ] {
            assert!(
                matches!(choice(bad), Err(StoreError::Database { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn password_files() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pw");
        std::fs::write(&f, "secret\nignored\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(password(&f).unwrap(), "secret");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
        let e = password(&f).unwrap_err().to_string();
        assert!(e.contains("0640"), "{e}");
        assert!(password(&dir.path().join("none")).is_err());
    }
}
