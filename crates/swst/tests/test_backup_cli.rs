//! The common command tests for swstbackup, swstbackstat, swsthistdisp, swsthistdel.

acm_testkit::program_tests!(
    backup,
    "swstbackup",
    env!("CARGO_BIN_EXE_swstbackup"),
    vec!["-T"]
);
acm_testkit::program_tests!(
    backstat,
    "swstbackstat",
    env!("CARGO_BIN_EXE_swstbackstat"),
    vec![]
);
acm_testkit::program_tests!(
    histdisp,
    "swsthistdisp",
    env!("CARGO_BIN_EXE_swsthistdisp"),
    vec![]
);
acm_testkit::program_tests!(
    histdel,
    "swsthistdel",
    env!("CARGO_BIN_EXE_swsthistdel"),
    vec!["-g", "1"]
);
