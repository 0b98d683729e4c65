fn main() -> std::process::ExitCode {
    acm_config::stgxfwcmdispdev(std::env::args_os().skip(1).collect())
}
