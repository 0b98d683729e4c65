fn main() -> std::process::ExitCode {
    acm_manager::daemon::stgfwcom(std::env::args_os().skip(1).collect())
}
