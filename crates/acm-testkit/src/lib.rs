//! Test support shared by every command's tests.
//!
//! [`Scratch`] gives each test its own state root (`ACM_ROOT`) and simulator home
//! (`ACMSIM_HOME`), so tests run in parallel and never touch `/etc` or `/var`.
//! The [`Program`] trait and the `test_*!` macros generate the tests every
//! command must pass (help, bad option, missing operand, no panic), in the manner
//! of thin-provisioning-tools.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub mod postgres;

/// A private state root and simulator home for one test.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch::new()
    }
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().expect("scratch directory"),
        }
    }

    /// The state root (`ACM_ROOT`).
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    /// The simulated boxes (`ACMSIM_HOME`).
    pub fn sim_home(&self) -> PathBuf {
        self.root().join("var/opt/acmsim")
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `program` with this scratch's environment and nothing inherited that matters.
    pub fn cmd(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env("ACM_ROOT", self.root())
            .env("ACMSIM_HOME", self.sim_home())
            .env_remove("SWSTGNODE")
            .env_remove("ACMSIM_CLOCK");
        c
    }
}

/// What the generated tests need to know about a command.
pub trait Program {
    /// The command's name.
    fn name() -> &'static str;
    /// The built binary.
    fn path() -> PathBuf;
    /// A word the help text must contain.
    fn help_mentions() -> &'static str;
    /// Arguments that are complete enough to get past argument parsing except for a
    /// missing operand; empty when the command takes no operand.
    fn missing_operand_args() -> Vec<&'static str>;
}

/// Asserts that no output of a run mentions a panic.
pub fn assert_no_panic(out: &std::process::Output) {
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(
            !text.contains("panicked at") && !text.contains("RUST_BACKTRACE"),
            "output shows a panic:\n{text}"
        );
    }
}

/// `--help` prints usage on stdout and exits 0.
#[macro_export]
macro_rules! test_accepts_help {
    ($p:ty) => {
        #[test]
        fn accepts_help() {
            use $crate::Program;
            let s = $crate::Scratch::new();
            let out = s.cmd(&<$p>::path()).arg("--help").output().unwrap();
            assert!(out.status.success());
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains(<$p>::help_mentions()), "{text}");
            $crate::assert_no_panic(&out);
        }
    };
}

/// An unknown option is a usage error: exit status 2 and a message on stderr.
#[macro_export]
macro_rules! test_rejects_bad_option {
    ($p:ty) => {
        #[test]
        fn rejects_bad_option() {
            use $crate::Program;
            let s = $crate::Scratch::new();
            let out = s
                .cmd(&<$p>::path())
                .arg("--no-such-option")
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2));
            assert!(!out.stderr.is_empty());
            $crate::assert_no_panic(&out);
        }
    };
}

/// A missing operand is a usage error: exit status 2 and a message on stderr.
/// Generated only for a command that takes an operand ([`common_tests!`]
/// leaves it out otherwise), so it fails if the arguments are empty.
#[macro_export]
macro_rules! test_missing_operand {
    ($p:ty) => {
        #[test]
        fn missing_operand() {
            use $crate::Program;
            let args = <$p>::missing_operand_args();
            assert!(!args.is_empty(), "{}: no arguments to test", <$p>::name());
            let s = $crate::Scratch::new();
            let out = s.cmd(&<$p>::path()).args(&args).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{out:?}");
            assert!(!out.stderr.is_empty());
            $crate::assert_no_panic(&out);
        }
    };
}

/// All the common tests that apply: help and a bad option for every command,
/// a missing operand for a command that takes one (`no_operand` leaves it out);
/// an internal helper (`internal`: run by the daemon with a request on its
/// standard input, no help for an operator) gets the bad-argument test only.
#[macro_export]
macro_rules! common_tests {
    ($p:ty, internal) => {
        $crate::test_rejects_bad_option!($p);
    };
    ($p:ty, no_operand) => {
        $crate::test_accepts_help!($p);
        $crate::test_rejects_bad_option!($p);
    };
    ($p:ty) => {
        $crate::common_tests!($p, no_operand);
        $crate::test_missing_operand!($p);
    };
}

/// A module `$module` holding the common tests of command `$name`, whose built
/// binary is `$path` (an expression evaluated inside the module, so
/// `super::common::bin("swstbackup")` and `env!("CARGO_BIN_EXE_swstbackup")`
/// both do), with `$missing` as [`Program::missing_operand_args`]; `vec![]`
/// for a command without an operand, which then gets no missing-operand test.
#[macro_export]
macro_rules! program_tests {
    ($module:ident, $name:literal, $path:expr, internal) => {
        $crate::program_tests!(@module $module, $name, $path, vec![], internal);
    };
    ($module:ident, $name:literal, $path:expr, vec![]) => {
        $crate::program_tests!(@module $module, $name, $path, vec![], no_operand);
    };
    ($module:ident, $name:literal, $path:expr, $missing:expr) => {
        $crate::program_tests!(@module $module, $name, $path, $missing,);
    };
    (@module $module:ident, $name:literal, $path:expr, $missing:expr, $($kind:tt)?) => {
        mod $module {
            pub struct P;

            impl $crate::Program for P {
                fn name() -> &'static str {
                    $name
                }
                fn path() -> std::path::PathBuf {
                    std::path::PathBuf::from($path)
                }
                fn help_mentions() -> &'static str {
                    $name
                }
                fn missing_operand_args() -> Vec<&'static str> {
                    $missing
                }
            }

            $crate::common_tests!(P $(, $kind)?);
        }
    };
}

/// The common tests of every program a test binary covers, from one table
/// of rows `module "name" [missing-operand args]` (`[]`: the program takes
/// no operand) or `module "name" internal`: a [`program_tests!`] module per
/// row, and `COVERED`, the names of the table, which [`assert_covers`]
/// compares with the program table so that a program without its common
/// tests fails the build's tests.
#[macro_export]
macro_rules! programs {
    ($( $module:ident $name:literal $args:tt ),+ $(,)?) => {
        $( $crate::programs!(@row $module $name $args); )+
        /// The programs this table gives common tests.
        pub const COVERED: &[&str] = &[$($name),+];
    };
    (@row $module:ident $name:literal internal) => {
        $crate::program_tests!($module, $name, $crate::bin($name), internal);
    };
    (@row $module:ident $name:literal [$($arg:literal),*]) => {
        $crate::program_tests!($module, $name, $crate::bin($name), vec![$($arg),*]);
    };
}

/// Fails unless `covered` names exactly the programs of `packages` in the
/// program table ([`acm_core::program::ALL`]), each once.
pub fn assert_covers(covered: &[&str], packages: &[acm_core::program::Package]) {
    let mut want: Vec<&str> = acm_core::program::ALL
        .iter()
        .filter(|p| packages.contains(&p.package))
        .map(|p| p.name)
        .collect();
    let mut have = covered.to_vec();
    want.sort_unstable();
    have.sort_unstable();
    assert_eq!(
        have, want,
        "the common tests' table and the program table disagree"
    );
}

/// A test's prerequisite is missing (root, a built binary, a tool): under
/// `CI=true` the test fails, since CI must run every test; elsewhere it says
/// why it is skipped. Returns so the caller can `return`.
pub fn missing_prerequisite(what: &str) {
    if std::env::var_os("CI").is_some_and(|v| v == "true") {
        panic!("{what}: required under CI=true");
    }
    println!("skipped: {what}");
}

/// Whether the tests run as root: the effective user ID, whatever the
/// test-only switch (`ACM_TEST_AS_ROOT`) tells the commands. A test that needs
/// root (to switch users, to use loop devices) and runs without it is a
/// [`missing_prerequisite`]: it fails under `CI=true`.
pub fn need_root(what: &str) -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    missing_prerequisite(&format!("{what} needs root"));
    false
}

/// The build's multicall binary, `target/<profile>/acm` (a test binary runs
/// from `target/<profile>/deps`). A test that needs it fails, naming the build
/// to run, rather than passing without checking anything.
pub fn multicall() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let p = exe
        .parent()
        .and_then(Path::parent)
        .expect("target directory")
        .join(acm_core::program::MULTICALL);
    assert!(
        p.is_file(),
        "{} is not built: run `cargo build` (`cargo test --workspace` builds it)",
        p.display()
    );
    p
}

/// A directory holding every program of the suite as a link to the build's
/// multicall binary, named as installed (`target/<profile>/programs/swstbackup`):
/// what the tests run and what a default script's `SWST_BIN` names.
pub fn bin_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let acm = multicall();
        let dir = acm.with_file_name("programs");
        std::fs::create_dir_all(&dir).expect("programs directory");
        let made = acm_core::program::ALL
            .iter()
            .all(|p| std::fs::read_link(dir.join(p.name)).is_ok_and(|t| t == acm));
        if !made {
            // The binary's own `--link` (each link made aside and renamed into
            // place, so test binaries making them at once do not collide).
            let out = std::process::Command::new(&acm)
                .arg("--link")
                .arg(&dir)
                .output()
                .expect("acm --link");
            assert!(out.status.success(), "acm --link: {out:?}");
        }
        dir
    })
    .clone()
}

/// Program `name` of the suite, as a link to the build's multicall binary.
pub fn bin(name: &str) -> PathBuf {
    assert!(
        acm_core::program::find(name).is_some(),
        "{name} is not a program of the suite (acm_core::program::ALL)"
    );
    bin_dir().join(name)
}

/// Retries `f` for up to five seconds until it succeeds; the last error otherwise.
///
/// For tests that take a command lock in-process: a sibling test thread that is
/// spawning a child may, between `fork` and `exec`, briefly share the open file
/// description of a lock this thread just released, so the lock can linger for a
/// moment. Real commands run one per process and never meet this.
pub fn retry<T, E>(mut f: impl FnMut() -> Result<T, E>) -> Result<T, E> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match f() {
            Ok(v) => return Ok(v),
            Err(e) if std::time::Instant::now() >= deadline => return Err(e),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
}

/// Runs `program` with `args` in the scratch environment; asserts it did not panic.
pub fn run(s: &Scratch, program: &Path, args: &[&str]) -> std::process::Output {
    let out = s.cmd(program).args(args).output().unwrap();
    assert_no_panic(&out);
    out
}

fn label(program: &Path, args: &[&str]) -> String {
    let name = program.file_name().unwrap_or_default().to_string_lossy();
    format!("{name} {args:?}")
}

/// Runs and expects success with nothing on stderr; returns stdout.
pub fn ok(s: &Scratch, program: &Path, args: &[&str]) -> String {
    let out = run(s, program, args);
    let what = label(program, args);
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "{what}: stderr {:?}", out.stderr);
    String::from_utf8(out.stdout).unwrap()
}

/// Runs and expects a refusal: message `id` and exit status `code`, one message
/// line, nothing on stdout, and the file `watched` (a management list) unchanged
/// byte for byte. Returns the message.
pub fn refused(
    s: &Scratch,
    program: &Path,
    args: &[&str],
    id: &str,
    code: i32,
    watched: &Path,
) -> String {
    let before = std::fs::read(watched).ok();
    let out = run(s, program, args);
    let what = label(program, args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{what}: {err}");
    assert!(
        err.starts_with(&format!("{id} ")),
        "{what}: expected {id}, got {err}"
    );
    assert_eq!(err.lines().count(), 1, "one message line: {err}");
    assert!(out.stdout.is_empty(), "{what}: stdout {:?}", out.stdout);
    assert_eq!(
        std::fs::read(watched).ok(),
        before,
        "{what} changed {}",
        watched.display()
    );
    err
}

/// The whitespace-separated tokens of each line.
pub fn tokens(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}
