fn main() -> std::process::ExitCode {
    acm_config::stgxfwcmsetdev(std::env::args_os().skip(1).collect())
}
