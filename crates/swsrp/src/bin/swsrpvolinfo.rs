fn main() -> std::process::ExitCode {
    acm_replication::commands::swsrpvolinfo(std::env::args().skip(1).collect())
}
