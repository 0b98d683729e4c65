fn main() -> std::process::ExitCode {
    acm_config::acmcapture(std::env::args_os().skip(1).collect())
}
