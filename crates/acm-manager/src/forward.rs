//! `-h serverName`: running a command on another Managed Server.
//!
//! Every backup and replication command that has the Management Server form
//! starts with [`run`]. When `-h` names another server, the command line
//! (without `-h NAME`) is run there through that server's daemon, and what it
//! printed there is printed here, with its exit status. When `-h` names this
//! server, or is absent, the command runs here.
//!
//! On the Management Server, a display command of Table 8.2
//! (`all_servers` in [`acm_core::program::ALL`]) run with neither `-h` nor a device shows every
//! server registered for backup management (`swstsvrset` run there), in
//! registration order, with one header line; the first server that fails
//! stops the display, with that server's message and status. The servers are
//! asked concurrently (at most `ACM_FANOUT` at once, see [`crate::fanout`]).

use crate::fanout;
use crate::node;
use crate::registry::Repository;
use crate::remote::{self, Output};
use acm_core::cli::{self, Args, Argv, Spec};
use acm_core::command;
use acm_core::msg::{self, Failure, Family, Message};
use std::io::Write;
use std::process::ExitCode;

/// This node's configuration as every command's entry reads it first:
/// `swnode.ini`, the `stgxfws` line of `/etc/services` and `peers.ini`. A
/// damaged file is refused with the family's `…0005` naming the file and
/// line; a missing one is "not configured" (the defaults), as before.
pub fn check_config(family: Family) -> Result<(), Failure> {
    node::load().map_err(|e| Failure::bad_config(family, &e))?;
    remote::peers().map_err(|e| Failure::bad_config(family, &e))?;
    Ok(())
}

/// Runs a command that has no Management Server form (the `stg*` commands,
/// the daemon's, the internal programs): [`command::run`], the body after
/// [`check_config`].
pub fn run_local(
    spec: &Spec,
    argv: Argv,
    body: impl FnOnce(&Args) -> Result<(), Failure>,
) -> ExitCode {
    command::run(spec, argv, |args| {
        check_config(spec.family)?;
        body(args)
    })
}

/// Runs a command that has the Management Server form `[-h serverName]`.
pub fn run(spec: &Spec, argv: Argv, body: impl FnOnce(&Args) -> Result<(), Failure>) -> ExitCode {
    acm_core::paths::private_files();
    let log = acm_core::log::Run::start(spec.family, spec.name, &argv);
    let code = run_logged(spec, argv, body);
    log.end();
    code
}

fn run_logged(
    spec: &Spec,
    argv: Argv,
    body: impl FnOnce(&Args) -> Result<(), Failure>,
) -> ExitCode {
    let argv = match cli::decode(spec.family, spec.usage, argv) {
        Ok(a) => a,
        Err(f) => return report(&f),
    };
    let checked = |args: &Args| {
        check_config(spec.family)?;
        body(args)
    };
    if !spec.valued.contains(&"-h") {
        return command::run_text(spec, argv, checked);
    }
    let parsed = if argv.len() == 1 && argv[0] == "--help" {
        None
    } else {
        spec.parse(argv.clone()).ok()
    };
    let Some(args) = parsed else {
        return command::run_text(spec, argv, checked);
    };
    if !command::is_root() {
        return report(&Failure::not_root(spec.family));
    }
    if let Err(e) = acm_core::paths::logical_node() {
        return report(&Failure::bad_node(spec.family, &e));
    }
    // Before anything reads the node: a damaged swnode.ini must not turn
    // this server into another one (the host name, no Management Server).
    if let Err(f) = check_config(spec.family) {
        return report(&f);
    }
    let local = node::local_name();
    let plan = match args.value("-h") {
        Some(h) if h != local => Plan::One(h.to_string()),
        None if args.operands.is_empty()
            && acm_core::program::find(spec.name).is_some_and(|p| p.all_servers)
            && node::is_manager() =>
        {
            Plan::All
        }
        _ => return command::run_text(spec, argv, checked),
    };
    let rest = without_h(&argv);
    match plan {
        Plan::One(server) => {
            if !node::is_manager() && remote::local_peer_root(&server).is_none() {
                return report(&not_manager(spec.family, &server));
            }
            match remote::exec(
                &server,
                spec.name,
                &naming(&server, &rest),
                &[],
                spec.family,
            ) {
                Ok(out) => relay(&out, false),
                Err(f) => report(&f),
            }
        }
        Plan::All => all_servers(spec, &rest),
    }
}

enum Plan {
    One(String),
    All,
}

/// `argv` without `-h NAME` (the parser has already checked it).
fn without_h(argv: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(argv.len());
    let mut it = argv.iter();
    while let Some(a) = it.next() {
        if a == "-h" {
            it.next();
        } else {
            out.push(a.clone());
        }
    }
    out
}

/// The command line for `server`: `-h server` first, so that the command runs
/// there as it is (never forwarded again, never widened to all servers).
fn naming(server: &str, rest: &[String]) -> Vec<String> {
    let mut v = vec!["-h".to_string(), server.to_string()];
    v.extend_from_slice(rest);
    v
}

fn not_manager(family: Family, server: &str) -> Failure {
    Failure::refused(
        family,
        remote::NOT_MANAGER,
        format!(
            "-h {server}: this server ({}) is not the Management Server; \
             run the command on {server}, or on the Management Server with -h.",
            node::local_name()
        ),
    )
}

fn report(f: &Failure) -> ExitCode {
    command::report(f)
}

/// Prints what a server printed; `skip_header` drops its first line of output.
fn relay(out: &Output, skip_header: bool) -> ExitCode {
    let stdout = if skip_header {
        match out.stdout.iter().position(|b| *b == b'\n') {
            Some(i) => &out.stdout[i + 1..],
            None => &[][..],
        }
    } else {
        &out.stdout[..]
    };
    let _ = std::io::stdout().write_all(stdout);
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().write_all(&out.stderr);
    let status = u8::try_from(out.status.clamp(0, 255)).unwrap_or(1);
    acm_core::log::note_status(status);
    ExitCode::from(status)
}

/// Table 8.2, first row: every registered server, in registration order.
/// The servers are asked concurrently ([`fanout`]); their answers are printed
/// in that order, and the first that fails ends the display.
fn all_servers(spec: &Spec, rest: &[String]) -> ExitCode {
    let servers = match crate::registry::open().and_then(|r| r.servers()) {
        Ok(servers) => servers,
        Err(e) => {
            return report(&Failure::refused(
                spec.family,
                remote::NOT_REGISTERED,
                e.to_string(),
            ))
        }
    };
    let json = rest.iter().any(|a| a == acm_core::report::JSON);
    let (program, family, rest) = (spec.name, spec.family, rest.to_vec());
    let ask = move |s: &crate::registry::ServerRecord| {
        remote::exec_at(s, program, &naming(&s.name, &rest), &[], family)
    };
    let mut rows: Vec<serde_json::Value> = Vec::new();
    let mut header: Option<Vec<u8>> = None;
    let mut end: Option<ExitCode> = None;
    fanout::in_order(servers, fanout::limit(), ask, |s, answer| {
        match shown(spec, s, answer, json, &mut rows, &mut header) {
            Ok(()) => true,
            Err(code) => {
                end = Some(code);
                false
            }
        }
    });
    if let Some(code) = end {
        return code;
    }
    if json {
        acm_core::report::print_rows(rows);
    }
    ExitCode::SUCCESS
}

/// Shows one server's answer of an all-servers display (its rows, under the
/// first header only; with `-Xjson`, collected into `rows`); `Err` with the
/// exit status when it ends the display.
fn shown(
    spec: &Spec,
    s: &crate::registry::ServerRecord,
    answer: Result<Output, Failure>,
    json: bool,
    rows: &mut Vec<serde_json::Value>,
    header: &mut Option<Vec<u8>>,
) -> Result<(), ExitCode> {
    let out = answer.map_err(|f| report(&f))?;
    if out.status != 0 {
        let not_set_up = Message::new(Family::Backup, msg::common::NOT_SET_UP, "").id;
        if out.stderr.starts_with(format!("{not_set_up} ").as_bytes()) {
            // Not a server "registered using the Backup management
            // functionality": not part of the display.
            return Ok(());
        }
        return Err(relay(&out, false));
    }
    if json {
        // Every server's rows in one array: the document a script reads.
        match serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout) {
            Ok(r) => rows.extend(r),
            Err(e) => {
                return Err(report(&Failure::refused(
                    spec.family,
                    remote::BROKEN,
                    format!("{}: {} printed no JSON rows: {e}", s.name, spec.name),
                )))
            }
        }
        let _ = std::io::stderr().write_all(&out.stderr);
        return Ok(());
    }
    let first = out
        .stdout
        .split(|b| *b == b'\n')
        .next()
        .unwrap_or(&[])
        .to_vec();
    let same_header = header.as_ref().is_some_and(|h| *h == first);
    if header.is_none() {
        *header = Some(first);
    }
    relay(&out, same_header);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_h_and_its_value_only() {
        let argv: Vec<String> = ["-h", "SV2", "/dev/vg01", "-Xdevmap", "/f"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(without_h(&argv), vec!["/dev/vg01", "-Xdevmap", "/f"]);
    }
}
