fn main() -> std::process::ExitCode {
    acm_backup::maintenance::swstresback(std::env::args_os().skip(1).collect())
}
