fn main() -> std::process::ExitCode {
    acm_config::stgxfwcmmodsrv(std::env::args().skip(1).collect())
}
