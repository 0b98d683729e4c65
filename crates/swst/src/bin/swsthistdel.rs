fn main() -> std::process::ExitCode {
    acm_backup::backup::swsthistdel(std::env::args().skip(1).collect())
}
