fn main() -> std::process::ExitCode {
    acm_backup::backup::swstbackstat(std::env::args().skip(1).collect())
}
