fn main() -> std::process::ExitCode {
    acm_replication::commands::swsrprecoverres(std::env::args_os().skip(1).collect())
}
