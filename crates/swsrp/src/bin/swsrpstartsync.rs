fn main() -> std::process::ExitCode {
    acm_replication::commands::swsrpstartsync(std::env::args().skip(1).collect())
}
