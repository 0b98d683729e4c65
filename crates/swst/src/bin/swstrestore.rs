fn main() -> std::process::ExitCode {
    acm_backup::restore::swstrestore(std::env::args_os().skip(1).collect())
}
