//! `stgrepcnv` (manual 8.2.14): repository data migration.
//!
//! Reads repository data — this server's repository, or `repository.json` of
//! the directory given with `-d` (a copy taken from an older installation) —
//! in any layout the suite has written: the bare document of the first
//! releases or the versioned envelope of any version up to the current one.
//! Fields added since are filled with their defaults, the servers are checked
//! (unique names, valid ports), and the result replaces the repository of this
//! Management Server in the current format, atomically and under its lock.
//!
//! `-Xto postgresql` copies the file repository (or `-d`'s) into the
//! PostgreSQL database that `repository.ini` names; `-Xto file` copies that
//! database back into the file repository. Either is one transaction on the
//! database's side and one atomic replacement on the file's, so a failed copy
//! leaves the destination as it was.

use crate::{messages, repository, servers};
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::msg::{Failure, Family};
use acm_manager::forward;
use acm_manager::registry::pg::PgRepository;
use acm_manager::registry::{config, Backend, Contents, FileRepository, Repository};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const SPEC: Spec = Spec {
    name: "stgrepcnv",
    family: Family::Config,
    flags: &[],
    valued: &["-d", "-Xto"],
    exclusive: &[],
    operands: (0, 0),
    usage: "/opt/FJSVswstf/bin/stgrepcnv [-d directoryName] [-Xto postgresql|file]",
};

/// The envelope's format name and the newest version this program reads.
const FORMAT: &str = "acm-repository";
const CURRENT: u64 = 1;

/// Repository data of any known layout, as the current [`Contents`].
pub fn convert(path: &Path, bytes: &[u8]) -> Result<Contents, Failure> {
    let bad = |why: String| messages::migration_source(&path.display(), why);
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| bad(format!("not repository data ({e})")))?;
    let data = match (value.get("format"), value.get("version")) {
        (Some(format), Some(version)) => {
            if format.as_str() != Some(FORMAT) {
                return Err(bad(format!("it is a {format} file")));
            }
            match version.as_u64() {
                Some(v) if v <= CURRENT => {}
                _ => return Err(bad(format!("version {version} is newer than this program"))),
            }
            value.get("data").cloned().unwrap_or_default()
        }
        _ => value,
    };
    let contents: Contents =
        serde_json::from_value(data).map_err(|e| bad(format!("not repository data ({e})")))?;
    check(&path.display(), &contents)?;
    Ok(contents)
}

/// The servers of migrated data: valid names and ports, no name twice.
fn check(source: &dyn std::fmt::Display, contents: &Contents) -> Result<(), Failure> {
    let bad = |why: String| messages::migration_source(source, why);
    let mut names = BTreeSet::new();
    for s in &contents.servers {
        servers::check_name(&s.name).map_err(|f| bad(f.message.text))?;
        servers::check_port(&s.port.to_string()).map_err(|f| bad(f.message.text))?;
        if !names.insert(s.name.as_str()) {
            return Err(bad(format!("the server {} is registered twice", s.name)));
        }
    }
    Ok(())
}

/// Where `-Xto` sends the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum To {
    Postgres,
    File,
}

/// The file repository's data (this server's or `-d`'s), converted.
fn from_file(dir: Option<&str>) -> Result<Contents, Failure> {
    let source: PathBuf = match dir {
        Some(dir) => {
            acm_manager::client_dirs::check(dir, Family::Config)?;
            Path::new(dir).join("repository.json")
        }
        None => FileRepository::open().path().to_path_buf(),
    };
    let bytes = acm_core::input::read_bytes(&source, acm_core::input::MAX_STATE_BYTES)
        .map_err(|e| messages::migration_source(&source.display(), e))?;
    convert(&source, &bytes)
}

/// A database's data, checked like a file's.
fn from_database(repo: &impl Repository, target: &str) -> Result<Contents, Failure> {
    let contents = repo.read().map_err(messages::store)?;
    check(&target, &contents)?;
    Ok(contents)
}

/// Replaces everything `repo` holds with `converted`, under its lock.
fn replace(repo: &impl Repository, converted: Contents) -> Result<(), Failure> {
    repo.update::<acm_core::store::StoreError>(SPEC.name, |c| {
        *c = converted;
        Ok(())
    })
    .map(|_| ())
    .map_err(messages::store)
}

/// `stgrepcnv [-d directoryName] [-Xto postgresql|file]`.
pub fn stgrepcnv(argv: Argv) -> ExitCode {
    forward::run_local(&SPEC, argv, |args| {
        let to = match args.value("-Xto") {
            None => None,
            Some(v) if v.eq_ignore_ascii_case("postgresql") => Some(To::Postgres),
            Some(v) if v.eq_ignore_ascii_case("file") => Some(To::File),
            Some(v) => {
                return Err(Failure::usage(
                    Family::Config,
                    format!(
                        "-Xto {v}: specify postgresql or file. Usage: {}",
                        SPEC.usage
                    ),
                ))
            }
        };
        if to == Some(To::File) && args.has("-d") {
            return Err(Failure::usage(
                Family::Config,
                format!(
                    "-d cannot be specified with -Xto file: the data comes from the database. Usage: {}",
                    SPEC.usage
                ),
            ));
        }
        repository::require_manager(SPEC.name)?;
        let dir = args.value("-d");
        let converted = match to {
            Some(To::Postgres) => {
                let converted = from_file(dir)?;
                let settings = config::postgres_settings().map_err(messages::store)?;
                replace(&PgRepository::new(settings), converted.clone())?;
                converted
            }
            Some(To::File) => {
                let settings = config::postgres_settings().map_err(messages::store)?;
                let target = settings.target.clone();
                let converted = from_database(&PgRepository::new(settings), &target)?;
                replace(&FileRepository::open(), converted.clone())?;
                converted
            }
            None => {
                let repo = repository::open()?;
                let converted = match (repo, dir) {
                    (Backend::Postgres(pg), None) => from_database(pg.as_ref(), pg.target())?,
                    _ => from_file(dir)?,
                };
                replace(repo, converted.clone())?;
                converted
            }
        };
        let (servers, devices) = (
            converted.servers.len(),
            converted.devices.values().map(Vec::len).sum::<usize>(),
        );
        println!(
            "{}",
            messages::info(
                5000,
                format!(
                    "Repository data migration completed. Servers={servers}, Devices={devices}"
                )
            )
        );
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        let p = Path::new("r.json");
        let bare = br#"{"servers":[{"name":"SV1","ip":"127.0.0.1","port":1226}],
            "devices":{"SV1":[{"device":"/dev/hdisk1","kind":"disk","box_id":"B","luns":[0],"size":1}]}}"#;
        let c = convert(p, bare).unwrap();
        assert!(!c.servers[0].manager);
        assert_eq!(c.devices["SV1"][0].volume_group, None);
        let env = br#"{"format":"acm-repository","version":1,"data":{"servers":[]}}"#;
        assert!(convert(p, env).unwrap().servers.is_empty());
        let id = |b: &[u8]| convert(p, b).unwrap_err().message.id;
        assert_eq!(
            id(br#"{"format":"acm-repository","version":9,"data":{}}"#),
            "swstf5001"
        );
        assert_eq!(id(br#"{"format":"x","version":1,"data":{}}"#), "swstf5001");
        assert_eq!(id(b"nonsense"), "swstf5001");
        let dup = br#"{"servers":[{"name":"A","ip":"1.2.3.4","port":1226},{"name":"A","ip":"1.2.3.5","port":1226}]}"#;
        assert_eq!(id(dup), "swstf5001");
        let port = br#"{"servers":[{"name":"A","ip":"1.2.3.4","port":80}]}"#;
        assert_eq!(id(port), "swstf5001");
    }
}
