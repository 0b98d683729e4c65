fn main() -> std::process::ExitCode {
    acm_config::stgxfwcmdispsrv(std::env::args().skip(1).collect())
}
