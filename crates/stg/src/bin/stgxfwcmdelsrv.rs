fn main() -> std::process::ExitCode {
    acm_config::stgxfwcmdelsrv(std::env::args().skip(1).collect())
}
