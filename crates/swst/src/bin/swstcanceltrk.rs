fn main() -> std::process::ExitCode {
    acm_backup::sync::swstcanceltrk(std::env::args().skip(1).collect())
}
