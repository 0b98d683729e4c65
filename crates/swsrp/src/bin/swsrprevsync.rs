fn main() -> std::process::ExitCode {
    acm_replication::commands::swsrprevsync(std::env::args_os().skip(1).collect())
}
