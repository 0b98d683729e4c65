fn main() -> std::process::ExitCode {
    acm_config::stgxfwcmaddsrv(std::env::args_os().skip(1).collect())
}
