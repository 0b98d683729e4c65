fn main() -> std::process::ExitCode {
    acm_backup::wait::swstwait(std::env::args_os().skip(1).collect())
}
