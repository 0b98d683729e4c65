fn main() -> std::process::ExitCode {
    acm_replication::commands::swsrpdelvol(std::env::args().skip(1).collect())
}
