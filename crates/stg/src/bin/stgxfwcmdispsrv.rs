fn main() -> std::process::ExitCode {
    acm_config::stgxfwcmdispsrv(std::env::args_os().skip(1).collect())
}
