fn main() -> std::process::ExitCode {
    acm_backup::commands::swstsvrdisp(std::env::args().skip(1).collect())
}
