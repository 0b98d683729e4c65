fn main() -> std::process::ExitCode {
    acm_config::stgmgrinfodisp(std::env::args().skip(1).collect())
}
