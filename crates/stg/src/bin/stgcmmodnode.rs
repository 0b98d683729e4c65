fn main() -> std::process::ExitCode {
    acm_config::stgcmmodnode(std::env::args().skip(1).collect())
}
