fn main() -> std::process::ExitCode {
    acm_config::stgcmmodnode(std::env::args_os().skip(1).collect())
}
