fn main() -> std::process::ExitCode {
    acm_config::stgxfwcmdispdev(std::env::args().skip(1).collect())
}
