//! The common command tests for swstbackup, swstbackstat, swsthistdisp, swsthistdel.

acm_testkit::program_tests!(
    backup,
    "swstbackup",
    acm_testkit::bin("swstbackup"),
    vec!["-T"]
);
acm_testkit::program_tests!(
    backstat,
    "swstbackstat",
    acm_testkit::bin("swstbackstat"),
    vec![]
);
acm_testkit::program_tests!(
    histdisp,
    "swsthistdisp",
    acm_testkit::bin("swsthistdisp"),
    vec![]
);
acm_testkit::program_tests!(
    histdel,
    "swsthistdel",
    acm_testkit::bin("swsthistdel"),
    vec!["-g", "1"]
);
