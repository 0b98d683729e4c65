//! `stgagent`, the internal program through which the configuration commands
//! ask another server (or this one) for what only it knows. It is not a
//! product command; the communication daemon runs it like any `stg*` program,
//! and on one machine it runs in a local peer's state root.
//!
//! | request | answer on standard output |
//! |---|---|
//! | `whoami` | this server's name |
//! | `server NAME` | (Management Server) the `ServerRecord` of NAME as JSON; exit 1 if not registered |
//! | `servers` | (Management Server) every `ServerRecord` as a JSON array |
//! | `devices` | this server's devices as a JSON array of `DeviceRecord` |
//! | `collect TYPE` | a tar archive of this server's management information of TYPE |

use crate::management_info::{self, DataType};
use crate::{devices, messages, repository};
use acm_core::cli::Argv;
use acm_core::cli::Spec;
use acm_core::msg::{Failure, Family};
use acm_manager::forward;
use acm_manager::node;
use acm_manager::registry::ServerRecord;
use acm_manager::remote::{self, Output};
use serde::de::DeserializeOwned;
use std::io::Write;
use std::process::ExitCode;

/// The program's name, as the daemon's allow-list knows it.
pub const PROGRAM: &str = "stgagent";

const SPEC: Spec = Spec {
    name: PROGRAM,
    family: Family::Config,
    flags: &[],
    valued: &[],
    exclusive: &[],
    operands: (1, 2),
    usage: "/opt/FJSVswstf/bin/stgagent whoami | server serverName | servers | devices | collect RegiData|MgrInfoData|BkupData|ReplData",
};

/// `stgagent request [argument]`.
pub fn stgagent(argv: Argv) -> ExitCode {
    forward::run_local(&SPEC, argv, |args| {
        let words: Vec<&str> = args.operands.iter().map(String::as_str).collect();
        let out = match words.as_slice() {
            ["whoami"] => format!("{}\n", node::local_name()).into_bytes(),
            ["server", name] => {
                repository::require_manager(PROGRAM)?;
                json(&repository::server(&repository::registered()?, name)?)?
            }
            ["servers"] => {
                repository::require_manager(PROGRAM)?;
                json(&repository::servers(&repository::registered()?))?
            }
            ["devices"] => json(&devices::inventory()?)?,
            ["collect", kind] => management_info::archive(DataType::parse(kind)?)?,
            _ => {
                return Err(Failure::usage(
                    Family::Config,
                    format!("The request is not valid. Usage: {}", SPEC.usage),
                ))
            }
        };
        std::io::stdout()
            .write_all(&out)
            .map_err(|e| messages::io(std::path::Path::new("stdout"), e))
    })
}

fn json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, Failure> {
    let mut v =
        serde_json::to_vec(value).map_err(|e| messages::io(std::path::Path::new("stdout"), e))?;
    v.push(b'\n');
    Ok(v)
}

fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// What the agent printed, or its message as a refusal naming the server.
fn answer(server: &str, out: Output) -> Result<Vec<u8>, Failure> {
    if out.status == 0 {
        Ok(out.stdout)
    } else {
        let why = String::from_utf8_lossy(&out.stderr);
        Err(messages::agent_failed(server, &why))
    }
}

/// Runs `stgagent args` on `server` (this one, a local peer, or through its daemon).
pub fn call(server: &str, args: &[&str]) -> Result<Vec<u8>, Failure> {
    let out = remote::exec(server, PROGRAM, &owned(args), &[], Family::Config)?;
    answer(server, out)
}

/// Runs `stgagent args` through the daemon at the address of `record`, which
/// need not be registered yet.
pub fn call_at(record: &ServerRecord, args: &[&str]) -> Result<Vec<u8>, Failure> {
    let out = remote::over_network(record, PROGRAM, &owned(args), &[], Family::Config)?;
    answer(&record.name, out)
}

/// [`call`], the answer read as JSON.
pub fn call_json<T: DeserializeOwned>(server: &str, args: &[&str]) -> Result<T, Failure> {
    let out = call(server, args)?;
    serde_json::from_slice(&out).map_err(|e| messages::bad_answer(server, e))
}
