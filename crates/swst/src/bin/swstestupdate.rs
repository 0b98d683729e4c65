fn main() -> std::process::ExitCode {
    acm_backup::snap::swstestupdate(std::env::args().skip(1).collect())
}
