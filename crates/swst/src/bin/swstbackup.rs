fn main() -> std::process::ExitCode {
    acm_backup::backup::swstbackup(std::env::args().skip(1).collect())
}
