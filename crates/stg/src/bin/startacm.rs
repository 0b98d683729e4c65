fn main() -> std::process::ExitCode {
    acm_manager::daemon::startacm(std::env::args().skip(1).collect())
}
