fn main() -> std::process::ExitCode {
    acm_backup::sync::swstcancelsync(std::env::args_os().skip(1).collect())
}
