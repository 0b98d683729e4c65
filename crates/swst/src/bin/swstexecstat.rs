fn main() -> std::process::ExitCode {
    acm_backup::sync::swstexecstat(std::env::args().skip(1).collect())
}
