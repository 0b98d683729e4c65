fn main() -> std::process::ExitCode {
    acm_replication::commands::swsrpstat(std::env::args().skip(1).collect())
}
