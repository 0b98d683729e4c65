fn main() -> std::process::ExitCode {
    acmsim::main(std::env::args_os())
}
