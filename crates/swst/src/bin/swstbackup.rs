fn main() -> std::process::ExitCode {
    acm_backup::backup::swstbackup(std::env::args_os().skip(1).collect())
}
