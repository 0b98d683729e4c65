fn main() -> std::process::ExitCode {
    acm_backup::commands::swstbkpoldel(std::env::args_os().skip(1).collect())
}
