fn main() -> std::process::ExitCode {
    acm_config::stgagent(std::env::args_os().skip(1).collect())
}
