fn main() -> std::process::ExitCode {
    acm_backup::commands::swstbkpolset(std::env::args().skip(1).collect())
}
