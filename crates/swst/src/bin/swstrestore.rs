fn main() -> std::process::ExitCode {
    acm_backup::restore::swstrestore(std::env::args().skip(1).collect())
}
