fn main() -> std::process::ExitCode {
    acm_backup::backup::swsthistdisp(std::env::args().skip(1).collect())
}
