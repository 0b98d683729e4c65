fn main() -> std::process::ExitCode {
    acm_config::stgxfwcmdisppat(std::env::args_os().skip(1).collect())
}
