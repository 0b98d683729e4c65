fn main() -> std::process::ExitCode {
    acm_backup::backup::swsthistdisp(std::env::args_os().skip(1).collect())
}
