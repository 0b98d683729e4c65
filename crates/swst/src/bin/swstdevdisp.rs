fn main() -> std::process::ExitCode {
    acm_backup::commands::swstdevdisp(std::env::args().skip(1).collect())
}
