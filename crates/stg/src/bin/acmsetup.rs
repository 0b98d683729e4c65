fn main() -> std::process::ExitCode {
    acm_manager::daemon::acmsetup(std::env::args_os().skip(1).collect())
}
