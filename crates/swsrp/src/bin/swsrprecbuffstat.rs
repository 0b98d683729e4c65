fn main() -> std::process::ExitCode {
    acm_replication::commands::swsrprecbuffstat(std::env::args().skip(1).collect())
}
