fn main() -> std::process::ExitCode {
    acm_config::stgrepcnv(std::env::args_os().skip(1).collect())
}
