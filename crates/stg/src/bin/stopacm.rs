fn main() -> std::process::ExitCode {
    acm_manager::daemon::stopacm(std::env::args().skip(1).collect())
}
