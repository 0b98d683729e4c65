fn main() -> std::process::ExitCode {
    acm_config::stgenvdisp(std::env::args().skip(1).collect())
}
