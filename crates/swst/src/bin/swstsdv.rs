fn main() -> std::process::ExitCode {
    acm_backup::snap::swstsdv(std::env::args_os().skip(1).collect())
}
