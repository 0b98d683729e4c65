fn main() -> std::process::ExitCode {
    acm_backup::maintenance::swstresback(std::env::args().skip(1).collect())
}
