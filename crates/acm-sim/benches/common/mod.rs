//! What the benchmarks share: their scratch directory and how they pick figures.

use std::path::Path;

/// A scratch directory under `$ACMSIM_BENCH_DIR` (default `target/bench-scratch`),
/// removed when dropped.
pub fn scratch() -> tempfile::TempDir {
    let base = std::env::var_os("ACMSIM_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-scratch")
        });
    std::fs::create_dir_all(&base).expect("scratch directory");
    tempfile::tempdir_in(base).expect("scratch directory")
}

/// Whether the figure `name` is wanted: every figure when no argument names
/// one (`cargo bench` passes `--bench`, which does not count), else those whose
/// name contains an argument.
pub fn wanted() -> impl Fn(&str) -> bool {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    move |n: &str| args.is_empty() || args.iter().any(|a| n.contains(a.as_str()))
}
