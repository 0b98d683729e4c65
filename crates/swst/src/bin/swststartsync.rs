fn main() -> std::process::ExitCode {
    acm_backup::sync::swststartsync(std::env::args().skip(1).collect())
}
