fn main() -> std::process::ExitCode {
    acm_config::stgmgrinfoset(std::env::args_os().skip(1).collect())
}
