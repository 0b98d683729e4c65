fn main() -> std::process::ExitCode {
    acm_backup::backup::swsthistdel(std::env::args_os().skip(1).collect())
}
