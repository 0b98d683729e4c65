fn main() -> std::process::ExitCode {
    acm_config::stgmgrinfobkup(std::env::args().skip(1).collect())
}
