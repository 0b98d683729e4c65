fn main() -> std::process::ExitCode {
    acm_config::stgxfwcmmodsrv(std::env::args_os().skip(1).collect())
}
