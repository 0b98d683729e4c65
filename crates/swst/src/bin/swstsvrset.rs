fn main() -> std::process::ExitCode {
    acm_backup::commands::swstsvrset(std::env::args().skip(1).collect())
}
