fn main() -> std::process::ExitCode {
    acm_backup::maintenance::swstresrst(std::env::args_os().skip(1).collect())
}
