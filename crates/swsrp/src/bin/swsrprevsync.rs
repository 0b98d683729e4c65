fn main() -> std::process::ExitCode {
    acm_replication::commands::swsrprevsync(std::env::args().skip(1).collect())
}
