fn main() -> std::process::ExitCode {
    acm_replication::commands::swsrpchsync(std::env::args().skip(1).collect())
}
