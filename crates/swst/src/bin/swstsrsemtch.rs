fn main() -> std::process::ExitCode {
    acm_backup::maintenance::swstsrsemtch(std::env::args().skip(1).collect())
}
