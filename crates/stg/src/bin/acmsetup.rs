fn main() -> std::process::ExitCode {
    acm_manager::daemon::acmsetup(std::env::args().skip(1).collect())
}
