fn main() -> std::process::ExitCode {
    acm_config::stgmgrinfodisp(std::env::args_os().skip(1).collect())
}
