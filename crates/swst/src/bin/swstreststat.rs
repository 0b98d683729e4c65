fn main() -> std::process::ExitCode {
    acm_backup::restore::swstreststat(std::env::args().skip(1).collect())
}
