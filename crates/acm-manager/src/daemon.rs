//! The communication daemon and its commands: `stgfwcom start|stop`,
//! `startacm`, `stopacm`; and `acmsetup`, the installer's part of setting up a node.

use std::process::ExitCode;

pub fn stgfwcom(argv: Vec<String>) -> ExitCode {
    let _ = argv;
    ExitCode::FAILURE
}
pub fn startacm(argv: Vec<String>) -> ExitCode {
    let _ = argv;
    ExitCode::FAILURE
}
pub fn stopacm(argv: Vec<String>) -> ExitCode {
    let _ = argv;
    ExitCode::FAILURE
}
pub fn acmsetup(argv: Vec<String>) -> ExitCode {
    let _ = argv;
    ExitCode::FAILURE
}
