fn main() -> std::process::ExitCode {
    acm_backup::snap::swstsdv(std::env::args().skip(1).collect())
}
