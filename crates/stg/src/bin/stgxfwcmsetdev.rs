fn main() -> std::process::ExitCode {
    acm_config::stgxfwcmsetdev(std::env::args().skip(1).collect())
}
