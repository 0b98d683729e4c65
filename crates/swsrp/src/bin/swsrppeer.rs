fn main() -> std::process::ExitCode {
    acm_replication::peer::main()
}
