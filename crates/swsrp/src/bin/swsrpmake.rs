fn main() -> std::process::ExitCode {
    acm_replication::commands::swsrpmake(std::env::args().skip(1).collect())
}
