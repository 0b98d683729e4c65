fn main() -> std::process::ExitCode {
    acm_replication::commands::swsrprecoverres(std::env::args().skip(1).collect())
}
