fn main() -> std::process::ExitCode {
    acm_replication::commands::swsrpwait(std::env::args_os().skip(1).collect())
}
