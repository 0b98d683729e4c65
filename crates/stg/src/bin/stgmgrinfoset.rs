fn main() -> std::process::ExitCode {
    acm_config::stgmgrinfoset(std::env::args().skip(1).collect())
}
