fn main() -> std::process::ExitCode {
    acm_config::acmcapture(std::env::args().skip(1).collect())
}
