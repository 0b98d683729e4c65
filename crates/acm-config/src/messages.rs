//! The configuration-management messages (`swstfNNNN`).
//!
//! The manual gives 2401, 2413, 3000, 3001, 3014, 3020 and 3021 with their
//! text; every other ID is the suite's choice, listed in `docs/configuration.md`.
//! Each refusal has one constructor here so that a text is written once.

use acm_core::msg::{Failure, Family, Message};
use acm_core::store::StoreError;

const F: Family = Family::Config;

fn refused(number: u16, text: impl Into<String>) -> Failure {
    Failure::refused(F, number, text)
}

/// An informational line of this family.
pub fn info(number: u16, text: impl Into<String>) -> Message {
    Message::new(F, number, text)
}

/// `swstf1001`: the command runs on the Management Server only.
pub fn not_manager(command: &str) -> Failure {
    refused(
        1001,
        format!("{command} can be run on the Management Server only."),
    )
}

/// `swstf1002`: no such server in the repository.
pub fn unknown_server(name: &str) -> Failure {
    refused(
        1002,
        format!("The server {name} is not registered in the repository."),
    )
}

/// `swstf1003`: a server of that name is registered already.
pub fn duplicate_server(name: &str) -> Failure {
    refused(
        1003,
        format!("The server {name} is already registered in the repository."),
    )
}

/// `swstf1004`: a port outside 1024-65535.
pub fn bad_port(text: &str) -> Failure {
    refused(
        1004,
        format!("The port number {text} is not valid. Specify 1024 to 65535."),
    )
}

/// `swstf1005`: not an IPv4 or IPv6 address.
pub fn bad_ip(text: &str) -> Failure {
    refused(1005, format!("The IP address {text} is not valid."))
}

/// `swstf1006`: the server contacted answered with another name.
pub fn name_mismatch(asked: &str, answered: &str) -> Failure {
    refused(
        1006,
        format!("The server at the given address is named {answered}, not {asked}."),
    )
}

/// `swstf1007`: the Management Server cannot be deleted.
pub fn is_management_server(name: &str) -> Failure {
    refused(
        1007,
        format!("The server {name} is the Management Server and cannot be deleted."),
    )
}

/// `swstf1008`: the server still has device information.
pub fn has_devices(name: &str, count: usize) -> Failure {
    refused(
        1008,
        format!(
            "The server {name} still has {count} device(s) in the repository. Delete them with stgxfwcmdeldev first."
        ),
    )
}

/// `swstf1009`: a line of a `stgxfwcmmodsrv -f` file is wrong.
pub fn bad_change_file(file: &str, line: usize, why: &str) -> Failure {
    refused(1009, format!("{file} line {line}: {why}"))
}

/// `swstf1010`: no such device.
pub fn unknown_device(server: &str, device: &str) -> Failure {
    refused(
        1010,
        format!("The device {device} does not exist on the server {server}."),
    )
}

/// `swstf1011`: a program run on another server failed.
pub fn agent_failed(server: &str, detail: &str) -> Failure {
    let detail = detail.trim();
    refused(
        1011,
        format!("The request to the server {server} failed: {detail}"),
    )
}

/// `swstf1012`: the repository or another state file cannot be used;
/// `swstf1020` when it is the repository's database (or its configuration).
pub fn store(e: StoreError) -> Failure {
    match e {
        StoreError::Database { target, detail } => refused(
            1020,
            format!("The repository database cannot be used: {target}: {detail}"),
        ),
        e => refused(1012, e.to_string()),
    }
}

/// `swstf1013`: a change needs the communication daemon stopped.
pub fn daemon_running(pid: i32) -> Failure {
    refused(
        1013,
        format!(
            "The communication daemon is running (pid {pid}). Stop the AdvancedCopy Manager daemons first."
        ),
    )
}

/// `swstf1014`: `stgcmmodnode -n` on the Management Server.
pub fn name_on_manager() -> Failure {
    refused(
        1014,
        "The -n option cannot be specified on the Management Server.",
    )
}

/// `swstf1015`: a server name with characters that cannot be used.
pub fn bad_server_name(name: &str) -> Failure {
    refused(
        1015,
        format!("The server name {name} is not valid. Use letters, digits, '-', '_' and '.'."),
    )
}

/// `swstf1016`: a local file cannot be read or written.
pub fn io(what: &std::path::Path, e: impl std::fmt::Display) -> Failure {
    refused(1016, format!("{}: {e}", what.display()))
}

/// `swstf1016` for an input file that was not read (it names the file).
pub fn input(e: &acm_core::input::InputError) -> Failure {
    refused(1016, format!("{e}"))
}

/// `swstf1017`: what a server answered cannot be understood.
pub fn bad_answer(server: &str, detail: impl std::fmt::Display) -> Failure {
    refused(
        1017,
        format!("The answer of the server {server} cannot be understood: {detail}"),
    )
}

/// `swstf3002`: no package backup execution server is registered here.
pub fn not_execution_server() -> Failure {
    refused(
        3002,
        "This server is not registered as the server which performs package backup of the management information.",
    )
}

/// `swstf3003`: `stgmgrinfoset -d` while registered.
pub fn already_execution_server(dir: &str) -> Failure {
    refused(
        3003,
        format!(
            "This server is already registered as the server which performs package backup of the management information. Directory={dir}"
        ),
    )
}

/// `swstf3004`: the backup data directory is not usable.
pub fn bad_directory(dir: &str, why: &str) -> Failure {
    refused(3004, format!("The directory {dir} cannot be used: {why}."))
}

/// `swstf3005`: `-c` other than `ASCII`.
pub fn bad_encoding(code: &str) -> Failure {
    refused(
        3005,
        format!("The Management Server encoding {code} is not valid. Specify ASCII."),
    )
}

/// `swstf3006`: `-t` other than the four types.
pub fn bad_backup_type(t: &str) -> Failure {
    refused(
        3006,
        format!("The backup type {t} is not valid. Specify RegiData, MgrInfoData, BkupData or ReplData."),
    )
}

/// `swstf3008`: another package backup is running.
pub fn backup_running(holder: &str) -> Failure {
    refused(
        3008,
        format!("The backup of management information is already running ({holder})."),
    )
}

/// `swstf3010`: no `-t` and no policy file.
pub fn no_policy(path: &std::path::Path) -> Failure {
    refused(
        3010,
        format!(
            "The policy file {} does not exist. Specify -t or create the policy file.",
            path.display()
        ),
    )
}

/// `swstf3011`: the policy file is saved only from the execution server.
pub fn mgrinfo_elsewhere(server: &str) -> Failure {
    refused(
        3011,
        format!("MgrInfoData can be backed up only for the execution server, not {server}."),
    )
}

/// `swstf3015`: one server's backup failed (reported on standard error, the
/// other servers continue).
pub fn server_backup_failed(time: &str, server: &str, why: &str) -> Message {
    info(
        3015,
        format!(
            "Backup of management information ended abnormally. End time={time}, Server name={server}, Reason={}",
            why.trim()
        ),
    )
}

/// `swstf3022`: the final line when some server failed.
pub fn some_backups_failed(count: usize) -> Failure {
    refused(
        3022,
        format!("The backup of management information ended abnormally on {count} server(s)."),
    )
}

/// `swstf3023`: nothing matched the request.
pub fn nothing_to_back_up() -> Failure {
    refused(
        3023,
        "There is no management information to back up under the policy file.",
    )
}

/// `swstf4001`: `acmcapture` into a directory that does not exist.
pub fn no_capture_directory(dir: &str) -> Failure {
    refused(4001, format!("The directory {dir} does not exist."))
}

/// `swstf4002`: collecting the troubleshooting data failed.
pub fn capture_failed(why: impl std::fmt::Display) -> Failure {
    refused(
        4002,
        format!("Collecting troubleshooting data failed: {why}"),
    )
}

/// `swstf5001`: the repository to migrate cannot be read.
pub fn migration_source(source: &dyn std::fmt::Display, why: impl std::fmt::Display) -> Failure {
    refused(
        5001,
        format!("The repository data {source} cannot be migrated: {why}"),
    )
}

/// `swstf1018`: this Managed Server does not know its Management Server.
pub fn no_management_server() -> Failure {
    refused(
        1018,
        "The Management Server is not set on this server. Set it with stgcmmodnode.",
    )
}

/// `swstf1019`: `stgxfwcmmodsrv` on the Management Server's own record.
pub fn manager_record(name: &str) -> Failure {
    refused(
        1019,
        format!(
            "The server {name} is the Management Server; change its information on the Management Server itself."
        ),
    )
}
