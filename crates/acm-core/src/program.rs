//! Every program of the suite, by name: the one place that says which strings
//! name a command, which product package (and so which directory) it belongs
//! to, how it takes part in its family's exclusion, and whether the
//! Management Server form shows every server.
//!
//! The multicall binary dispatches on these names, the installer links them at
//! [`Package::bin_dir`], a communication daemon serves only these, the
//! exclusion rules read [`Class`], and the tests find a command through it. A
//! family crate holds the entry function of each of its programs; a test of
//! the multicall binary checks that the two agree.

use crate::msg::Family;

/// A product package: where its programs are installed and where its
/// management data lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Package {
    /// Backup management: `/opt/FJSVswsts`, `/etc/opt/FJSVswsts`.
    Backup,
    /// Replication management: `/opt/FJSVswsrp`, `/etc/opt/FJSVswsrp`.
    Replication,
    /// The agent framework (configuration commands, the daemon):
    /// `/opt/FJSVswstf`.
    Framework,
    /// The commands common to the product: `/opt/swstorage`.
    Common,
    /// The simulated array's console: `/opt/acmsim`.
    Simulator,
}

impl Package {
    /// The package directory's name (`FJSVswsts`).
    pub fn name(self) -> &'static str {
        match self {
            Package::Backup => "FJSVswsts",
            Package::Replication => "FJSVswsrp",
            Package::Framework => "FJSVswstf",
            Package::Common => "swstorage",
            Package::Simulator => "acmsim",
        }
    }

    /// Where its pre- and post-processing scripts are (`/etc/opt/FJSVswsts/sh`).
    pub fn scripts_dir(self) -> String {
        format!("/etc/opt/{}/sh", self.name())
    }

    /// Where its programs are installed (`/opt/FJSVswsts/bin`).
    pub fn bin_dir(self) -> &'static str {
        match self {
            Package::Backup => "/opt/FJSVswsts/bin",
            Package::Replication => "/opt/FJSVswsrp/bin",
            Package::Framework => "/opt/FJSVswstf/bin",
            Package::Common => "/opt/swstorage/bin",
            Package::Simulator => "/opt/acmsim/bin",
        }
    }
}

/// How a program takes part in its family's exclusion (manual 8.1 and 8.3,
/// the NOTES of each command).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Runs only when no configuration or operation command of its family
    /// runs (takes the family's lock exclusively).
    Configuration,
    /// Runs beside other operations, never beside a configuration command
    /// (takes the lock shared).
    Operation,
    /// Reads only; not restricted.
    Display,
    /// Any other command (environment, daemon, maintenance of its own kind).
    Other,
    /// A helper the suite runs on another server through its daemon; no
    /// operator runs it.
    Internal,
}

/// One program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Program {
    pub name: &'static str,
    pub package: Package,
    pub class: Class,
    /// A display of Table 8.2: on the Management Server, without `-h` and
    /// without a device, it shows every registered server.
    pub all_servers: bool,
}

impl Program {
    /// The message family of its refusals, if it is a product command.
    pub fn family(&self) -> Option<Family> {
        match self.package {
            Package::Backup => Some(Family::Backup),
            Package::Replication => Some(Family::Replication),
            Package::Framework | Package::Common => Some(Family::Config),
            Package::Simulator => None,
        }
    }

    /// Whether a communication daemon runs it for a client: every product
    /// command and internal helper except the daemon itself (a client cannot
    /// stop a daemon through it) and the simulator's console.
    pub fn served(&self) -> bool {
        !matches!(self.package, Package::Simulator | Package::Common) && self.name != "stgfwcom"
    }
}

const fn p(name: &'static str, package: Package, class: Class) -> Program {
    Program {
        name,
        package,
        class,
        all_servers: false,
    }
}

const fn all(name: &'static str) -> Program {
    Program {
        name,
        package: Package::Backup,
        class: Class::Display,
        all_servers: true,
    }
}

use Class::*;
use Package::*;

/// Every program, family by family.
pub const ALL: &[Program] = &[
    // Backup management (manual 8.1).
    p("swstsvrset", Backup, Configuration),
    p("swstsvrdisp", Backup, Display),
    p("swstdevinfoset", Backup, Configuration),
    all("swstdevdisp"),
    p("swstbkpolset", Backup, Operation),
    all("swstbkpoldisp"),
    p("swstbkpoldel", Backup, Operation),
    p("swstbackup", Backup, Operation),
    all("swstbackstat"),
    p("swstrestore", Backup, Operation),
    p("swstcancelrest", Backup, Operation),
    all("swstreststat"),
    all("swsthistdisp"),
    p("swsthistdel", Backup, Operation),
    p("swststartsync", Backup, Operation),
    p("swstcancelsync", Backup, Operation),
    all("swstsyncstat"),
    all("swstexecstat"),
    p("swstcanceltrk", Backup, Operation),
    all("swsttrkstat"),
    p("swstsrsemtch", Backup, Configuration),
    p("swstresback", Backup, Configuration),
    p("swstresrst", Backup, Configuration),
    p("swstestupdate", Backup, Other),
    p("swstsdv", Backup, Other),
    p("swstwait", Backup, Display),
    // Replication management (manual 8.3).
    p("swsrpsetvol", Replication, Configuration),
    p("swsrpvolinfo", Replication, Display),
    p("swsrpdelvol", Replication, Configuration),
    p("swsrprecbuffstat", Replication, Display),
    p("swsrprecbuffset", Replication, Configuration),
    p("swsrpstartsync", Replication, Operation),
    p("swsrpmake", Replication, Operation),
    p("swsrpstat", Replication, Display),
    p("swsrpcancel", Replication, Operation),
    p("swsrpchsync", Replication, Operation),
    p("swsrprevsync", Replication, Operation),
    p("swsrprecoverres", Replication, Configuration),
    p("swsrpwait", Replication, Display),
    p("swsrppeer", Replication, Internal),
    // Configuration management and the agent framework (manual 8.2, 8.4, 8.5).
    p("stgcmmodnode", Framework, Other),
    p("stgxfwcmaddsrv", Framework, Other),
    p("stgxfwcmmodsrv", Framework, Other),
    p("stgxfwcmdelsrv", Framework, Other),
    p("stgxfwcmsetdev", Framework, Other),
    p("stgxfwcmdeldev", Framework, Other),
    p("stgxfwcmdispsrv", Framework, Display),
    p("stgxfwcmdispdev", Framework, Display),
    p("stgxfwcmdisppat", Framework, Display),
    p("stgenvdisp", Framework, Display),
    p("stgmgrinfoset", Framework, Other),
    p("stgmgrinfobkup", Framework, Other),
    p("stgmgrinfodisp", Framework, Display),
    p("stgrepcnv", Framework, Other),
    p("acmcapture", Framework, Other),
    p("stgfwcom", Framework, Other),
    p("stgagent", Framework, Internal),
    p("startacm", Common, Other),
    p("stopacm", Common, Other),
    p("acmsetup", Common, Other),
    // The simulated array's console.
    p("acmsim", Simulator, Other),
];

/// The program named `name`.
pub fn find(name: &str) -> Option<&'static Program> {
    ALL.iter().find(|p| p.name == name)
}

/// The programs of `family` (the stg*, startacm and acmsetup commands are
/// configuration management's).
pub fn of(family: Family) -> impl Iterator<Item = &'static Program> {
    ALL.iter().filter(move |p| p.family() == Some(family))
}

/// The programs of `family` in `class`.
pub fn in_class(family: Family, class: Class) -> impl Iterator<Item = &'static Program> {
    of(family).filter(move |p| p.class == class)
}

/// Whether `name` is a program of `family` in `class`.
pub fn is(name: &str, family: Family, class: Class) -> bool {
    find(name).is_some_and(|p| p.family() == Some(family) && p.class == class)
}

/// A program's entry function: its arguments after its name, its exit status.
pub type Main = fn(crate::cli::Argv) -> std::process::ExitCode;

/// A family's table row: a program of [`ALL`] and the function that runs it.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub name: &'static str,
    pub main: Main,
}

/// The name of the multicall binary that holds every program.
pub const MULTICALL: &str = "acm";

/// Where the multicall binary is installed; every program's path at
/// [`Package::bin_dir`] is a link to it.
pub const MULTICALL_PATH: &str = "/opt/swstorage/bin/acm";

/// How to run program `name` of this installation: the running multicall
/// binary itself started as `name`; from a process that is not the multicall
/// binary (a test, a benchmark), the multicall binary of the build tree it was
/// built in, or the installed one.
pub fn command(name: &str) -> Option<std::process::Command> {
    use std::os::unix::process::CommandExt;
    find(name)?;
    let exe = std::env::current_exe().ok()?;
    let multicall = if exe.file_name().is_some_and(|n| n == MULTICALL) {
        exe
    } else {
        let dir = exe.parent()?;
        [
            dir.join(MULTICALL),
            dir.join("..").join(MULTICALL),
            std::path::PathBuf::from(MULTICALL_PATH),
        ]
        .into_iter()
        .find(|p| p.is_file())?
    };
    let mut c = std::process::Command::new(multicall);
    c.arg0(name);
    Some(c)
}

/// The program a process was started as: the file name of `argv0` (a link
/// at a product path to the multicall binary).
pub fn invoked_as(argv0: &std::ffi::OsStr) -> Option<&'static Program> {
    let name = std::path::Path::new(argv0).file_name()?.to_str()?;
    find(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_plain() {
        for (i, a) in ALL.iter().enumerate() {
            assert!(a.name.bytes().all(|b| b.is_ascii_lowercase()), "{}", a.name);
            assert!(ALL[i + 1..].iter().all(|b| b.name != a.name), "{}", a.name);
        }
    }

    #[test]
    fn prefixes_match_packages() {
        for p in ALL {
            let expected = if p.name.starts_with("swsrp") {
                Replication
            } else if p.name.starts_with("swst") {
                Backup
            } else if p.name.starts_with("stg") || p.name == "acmcapture" {
                Framework
            } else if p.name == "acmsim" {
                Simulator
            } else {
                Common
            };
            assert_eq!(p.package, expected, "{}", p.name);
        }
    }

    #[test]
    fn exclusion_classes_as_the_manual_lists_them() {
        assert_eq!(in_class(Family::Backup, Configuration).count(), 5);
        assert_eq!(in_class(Family::Backup, Operation).count(), 9);
        assert_eq!(in_class(Family::Replication, Configuration).count(), 4);
        assert_eq!(in_class(Family::Replication, Operation).count(), 5);
        assert_eq!(ALL.iter().filter(|p| p.all_servers).count(), 8);
    }

    #[test]
    fn the_daemon_serves_product_commands_only() {
        assert!(find("swstbackup").unwrap().served());
        assert!(find("swsrppeer").unwrap().served());
        assert!(find("stgagent").unwrap().served());
        assert!(!find("stgfwcom").unwrap().served());
        assert!(!find("acmsim").unwrap().served());
        assert!(find("sh").is_none());
        assert!(invoked_as("/opt/FJSVswsts/bin/swstbackup".as_ref()).is_some());
        assert!(invoked_as("/opt/acm/bin/acm".as_ref()).is_none());
    }
}
