//! The common command tests for swstbackup, swstbackstat, swsthistdisp, swsthistdel.

macro_rules! program {
    ($module:ident, $name:literal, $path:expr, $missing:expr) => {
        mod $module {
            use acm_testkit::{common_tests, Program};
            use std::path::PathBuf;

            pub struct P;

            impl Program for P {
                fn name() -> &'static str {
                    $name
                }
                fn path() -> PathBuf {
                    PathBuf::from($path)
                }
                fn help_mentions() -> &'static str {
                    $name
                }
                fn missing_operand_args() -> Vec<&'static str> {
                    $missing
                }
            }

            common_tests!(P);
        }
    };
}

program!(
    backup,
    "swstbackup",
    env!("CARGO_BIN_EXE_swstbackup"),
    vec!["-T"]
);
program!(
    backstat,
    "swstbackstat",
    env!("CARGO_BIN_EXE_swstbackstat"),
    vec![]
);
program!(
    histdisp,
    "swsthistdisp",
    env!("CARGO_BIN_EXE_swsthistdisp"),
    vec![]
);
program!(
    histdel,
    "swsthistdel",
    env!("CARGO_BIN_EXE_swsthistdel"),
    vec!["-g", "1"]
);
