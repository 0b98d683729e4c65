fn main() -> std::process::ExitCode {
    acm_replication::commands::swsrpsetvol(std::env::args().skip(1).collect())
}
