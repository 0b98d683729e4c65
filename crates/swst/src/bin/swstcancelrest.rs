fn main() -> std::process::ExitCode {
    acm_backup::restore::swstcancelrest(std::env::args().skip(1).collect())
}
