fn main() -> std::process::ExitCode {
    acm_config::stgmgrinfobkup(std::env::args_os().skip(1).collect())
}
