fn main() -> std::process::ExitCode {
    acm_backup::snap::swstestupdate(std::env::args_os().skip(1).collect())
}
