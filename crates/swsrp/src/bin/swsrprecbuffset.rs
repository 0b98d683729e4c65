fn main() -> std::process::ExitCode {
    acm_replication::commands::swsrprecbuffset(std::env::args().skip(1).collect())
}
