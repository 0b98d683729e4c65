//! `stgrepcnv` (manual 8.2.14): repository data migration.
//!
//! Reads repository data — this server's repository, or `repository.json` of
//! the directory given with `-d` (a copy taken from an older installation) —
//! in any layout the suite has written: the bare document of the first
//! releases or the versioned envelope of any version up to the current one.
//! Fields added since are filled with their defaults, the servers are checked
//! (unique names, valid ports), and the result replaces the repository of this
//! Management Server in the current format, atomically and under its lock.

use crate::{messages, repository, servers};
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::msg::{Failure, Family};
use acm_manager::forward;
use acm_manager::registry::{Contents, FileRepository};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const SPEC: Spec = Spec {
    name: "stgrepcnv",
    family: Family::Config,
    flags: &[],
    valued: &["-d"],
    exclusive: &[],
    operands: (0, 0),
    usage: "/opt/FJSVswstf/bin/stgrepcnv [-d directoryName]",
};

/// The envelope's format name and the newest version this program reads.
const FORMAT: &str = "acm-repository";
const CURRENT: u64 = 1;

/// Repository data of any known layout, as the current [`Contents`].
pub fn convert(path: &Path, bytes: &[u8]) -> Result<Contents, Failure> {
    let bad = |why: String| messages::migration_source(path, why);
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
    let mut names = BTreeSet::new();
    for s in &contents.servers {
        servers::check_name(&s.name).map_err(|f| bad(f.message.text))?;
        servers::check_port(&s.port.to_string()).map_err(|f| bad(f.message.text))?;
        if !names.insert(s.name.as_str()) {
            return Err(bad(format!("the server {} is registered twice", s.name)));
        }
    }
    Ok(contents)
}

/// `stgrepcnv [-d directoryName]`.
pub fn stgrepcnv(argv: Argv) -> ExitCode {
    forward::run_local(&SPEC, argv, |args| {
        repository::require_manager(SPEC.name)?;
        let source: PathBuf = match args.value("-d") {
            Some(dir) => {
                acm_manager::client_dirs::check(dir, Family::Config)?;
                Path::new(dir).join("repository.json")
            }
            None => FileRepository::open().path().to_path_buf(),
        };
        let bytes = acm_core::input::read_bytes(&source, acm_core::input::MAX_STATE_BYTES)
            .map_err(|e| messages::migration_source(&source, e))?;
        let converted = convert(&source, &bytes)?;
        let (servers, devices) = (
            converted.servers.len(),
            converted.devices.values().map(Vec::len).sum::<usize>(),
        );
        repository::update(SPEC.name, |c| {
            *c = converted;
            Ok(())
        })?;
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
