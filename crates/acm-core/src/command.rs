//! Running a product command: the root check, parsing, and reporting.
//!
//! Every command's `main` is one line calling [`run`] with its [`Spec`] and its
//! body; normal output goes to standard output, a failure is one message line on
//! standard error, and the exit status is the suite's rule for every command
//! (0 success, 1 refused or failed, 2 usage).

use crate::cli::{self, Args, Argv, Spec};
use crate::msg::Failure;
use std::process::ExitCode;

/// Whether the effective user is root: every product command is root-only.
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root() || test_as_root()
}

/// The name of the test-only switch: in a debug build (what `cargo test`
/// runs), `ACM_TEST_AS_ROOT=1` lets a developer who is not root run the suite,
/// the commands acting as if root ran them. A release build has no such
/// switch: [`is_root`] there is the effective user ID alone.
pub const TEST_AS_ROOT: &str = "ACM_TEST_AS_ROOT";

#[cfg(debug_assertions)]
fn test_as_root() -> bool {
    std::env::var_os(TEST_AS_ROOT).is_some_and(|v| v == "1")
}

#[cfg(not(debug_assertions))]
fn test_as_root() -> bool {
    false
}

/// Runs a command: `--help` alone prints the synopsis and the program's
/// page ([`crate::manual`]); otherwise the root check,
/// then parse, then `body`.
pub fn run(spec: &Spec, argv: Argv, body: impl FnOnce(&Args) -> Result<(), Failure>) -> ExitCode {
    crate::paths::private_files();
    let log = crate::log::Run::start(spec.family, spec.name, &argv);
    let code = match cli::decode(spec.family, spec.usage, argv) {
        Ok(argv) => run_text(spec, argv, body),
        Err(f) => report(&f),
    };
    log.end();
    code
}

/// Makes a closed standard output (`swsrpstat | head -1`) end the command
/// quietly with status 141, as a C program killed by SIGPIPE ends, instead of
/// the panic `println!` raises on EPIPE. SIGPIPE itself stays ignored, so a
/// command whose array service goes away mid-request still reports why.
pub fn quiet_on_closed_stdout() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(install_quiet_hook);
}

fn install_quiet_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info.payload_as_str().unwrap_or("");
        if text.starts_with("failed printing to stdout") && text.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

/// Prints `f` on standard error and returns its exit status (and notes both
/// for the command log).
pub fn report(f: &Failure) -> ExitCode {
    eprintln!("{f}");
    crate::log::note_failure(f);
    ExitCode::from(f.status)
}

/// [`run`] for a command line already decoded as text.
pub fn run_text(
    spec: &Spec,
    argv: Vec<String>,
    body: impl FnOnce(&Args) -> Result<(), Failure>,
) -> ExitCode {
    quiet_on_closed_stdout();
    if argv.len() == 1 && argv[0] == "--help" {
        print!("{}", crate::manpage::help(spec.name, spec.usage));
        return ExitCode::SUCCESS;
    }
    if argv.len() == 1 && argv[0] == "--version" {
        println!("{} {}", spec.name, crate::VERSION);
        return ExitCode::SUCCESS;
    }
    let result = (|| {
        if !is_root() {
            return Err(Failure::not_root(spec.family));
        }
        crate::paths::logical_node().map_err(|e| Failure::bad_node(spec.family, &e))?;
        let args = spec.parse(argv)?;
        body(&args)
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => report(&f),
    }
}
