fn main() -> std::process::ExitCode {
    acm_config::stgrepcnv(std::env::args().skip(1).collect())
}
