fn main() -> std::process::ExitCode {
    acm_backup::commands::swstbkpoldisp(std::env::args_os().skip(1).collect())
}
