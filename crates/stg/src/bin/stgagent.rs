fn main() -> std::process::ExitCode {
    acm_config::stgagent(std::env::args().skip(1).collect())
}
