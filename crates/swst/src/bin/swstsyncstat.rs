fn main() -> std::process::ExitCode {
    acm_backup::sync::swstsyncstat(std::env::args().skip(1).collect())
}
