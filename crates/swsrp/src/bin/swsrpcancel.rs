fn main() -> std::process::ExitCode {
    acm_replication::commands::swsrpcancel(std::env::args_os().skip(1).collect())
}
