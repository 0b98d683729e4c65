fn main() -> std::process::ExitCode {
    acm_backup::maintenance::swstresrst(std::env::args().skip(1).collect())
}
