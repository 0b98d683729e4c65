fn main() -> std::process::ExitCode {
    acm_config::stgxfwcmdeldev(std::env::args().skip(1).collect())
}
