fn main() -> std::process::ExitCode {
    acm_config::stgxfwcmdelsrv(std::env::args_os().skip(1).collect())
}
