fn main() -> std::process::ExitCode {
    acm_backup::sync::swsttrkstat(std::env::args().skip(1).collect())
}
