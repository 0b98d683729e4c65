fn main() -> std::process::ExitCode {
    acm_manager::daemon::stgfwcom(std::env::args().skip(1).collect())
}
