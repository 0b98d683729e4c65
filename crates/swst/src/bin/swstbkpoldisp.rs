fn main() -> std::process::ExitCode {
    acm_backup::commands::swstbkpoldisp(std::env::args().skip(1).collect())
}
