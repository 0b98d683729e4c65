fn main() -> std::process::ExitCode {
    acm_backup::commands::swstsvrset(std::env::args_os().skip(1).collect())
}
