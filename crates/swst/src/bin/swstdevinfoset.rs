fn main() -> std::process::ExitCode {
    acm_backup::commands::swstdevinfoset(std::env::args_os().skip(1).collect())
}
