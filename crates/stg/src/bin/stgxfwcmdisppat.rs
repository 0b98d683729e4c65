fn main() -> std::process::ExitCode {
    acm_config::stgxfwcmdisppat(std::env::args().skip(1).collect())
}
