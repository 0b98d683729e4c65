fn main() -> std::process::ExitCode {
    acm_backup::sync::swstcancelsync(std::env::args().skip(1).collect())
}
