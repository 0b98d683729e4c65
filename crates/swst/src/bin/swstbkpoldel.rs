fn main() -> std::process::ExitCode {
    acm_backup::commands::swstbkpoldel(std::env::args().skip(1).collect())
}
