fn main() -> std::process::ExitCode {
    acm_config::stgxfwcmaddsrv(std::env::args().skip(1).collect())
}
