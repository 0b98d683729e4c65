fn main() -> std::process::ExitCode {
    acm_manager::daemon::startacm(std::env::args_os().skip(1).collect())
}
