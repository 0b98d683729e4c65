fn main() -> std::process::ExitCode {
    acm_config::stgenvdisp(std::env::args_os().skip(1).collect())
}
