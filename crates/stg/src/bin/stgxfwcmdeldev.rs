fn main() -> std::process::ExitCode {
    acm_config::stgxfwcmdeldev(std::env::args_os().skip(1).collect())
}
