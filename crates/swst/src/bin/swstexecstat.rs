fn main() -> std::process::ExitCode {
    acm_backup::sync::swstexecstat(std::env::args_os().skip(1).collect())
}
