fn main() -> std::process::ExitCode {
    acm_backup::commands::swstdevinfoset(std::env::args().skip(1).collect())
}
