fn main() -> std::process::ExitCode {
    acm_backup::restore::swstcancelrest(std::env::args_os().skip(1).collect())
}
