fn main() -> std::process::ExitCode {
    acm_replication::commands::swsrpdelvol(std::env::args_os().skip(1).collect())
}
