fn main() -> std::process::ExitCode {
    acm_replication::commands::swsrpcancel(std::env::args().skip(1).collect())
}
