//! Running a product command: the root check, parsing, and reporting.
//!
//! Every command's `main` is one line calling [`run`] with its [`Spec`] and its
//! body; normal output goes to standard output, a failure is one message line on
//! standard error, and the exit status follows the design rulings (0 success,
//! 1 refused or failed, 2 usage).

use crate::cli::{Args, Spec};
use crate::msg::Failure;
use std::process::ExitCode;

/// Whether the effective user is root: every product command is root-only.
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Runs a command: `--help` alone prints the synopsis; otherwise the root check,
/// then parse, then `body`.
pub fn run(
    spec: &Spec,
    argv: impl IntoIterator<Item = String>,
    body: impl FnOnce(&Args) -> Result<(), Failure>,
) -> ExitCode {
    let argv: Vec<String> = argv.into_iter().collect();
    if argv.len() == 1 && argv[0] == "--help" {
        println!("Usage: {}", spec.usage);
        return ExitCode::SUCCESS;
    }
    let result = (|| {
        if !is_root() {
            return Err(Failure::not_root(spec.family));
        }
        let args = spec.parse(argv)?;
        body(&args)
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("{f}");
            ExitCode::from(f.status)
        }
    }
}
