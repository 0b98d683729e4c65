//! The packages: `scripts/package.sh` builds a Debian package and a tarball
//! of the product layout; the package installs into a scratch dpkg root, an
//! upgrade keeps a customised default script, and a purge removes the
//! commands and the state. `scripts/install.sh --uninstall` removes what it
//! installed and keeps what a site changed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn need(tools: &[&str]) -> bool {
    for t in tools {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {t}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            acm_testkit::missing_prerequisite(&format!("{t} is not installed"));
            return false;
        }
    }
    true
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A directory holding the built multicall binary, as `ACM_BIN_DIR` names one.
fn bins(dir: &Path) -> PathBuf {
    let b = dir.join("bin");
    std::fs::create_dir_all(&b).unwrap();
    std::os::unix::fs::symlink(acm_testkit::multicall(), b.join("acm")).unwrap();
    b
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_debian_package_installs_upgrades_keeping_conffiles_and_purges() {
    if !need(&["dpkg", "dpkg-deb", "tar"]) {
        return;
    }
    if !acm_testkit::need_root("dpkg --root") {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let made = run(Command::new(repo().join("scripts/package.sh"))
        .arg(&out)
        .env("ACM_BIN_DIR", bins(t.path()))
        .env("ACM_DEB_COMPRESS", "gzip"));
    let deb = PathBuf::from(made.lines().next().unwrap());
    let tarball = PathBuf::from(made.lines().nth(1).unwrap());
    assert!(deb.to_string_lossy().ends_with(".deb"), "{made}");

    let contents = run(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    for f in [
        "./opt/acmsim/bin/acmsim",
        "./opt/FJSVswsts/bin/swstbackup",
        "./etc/opt/FJSVswsts/sh/OpcBackup.pre",
        "./etc/opt/FJSVswsrp/sh/RepSrc.pre",
        "./etc/opt/FJSVswsts/samp/pg.conf",
        "./lib/systemd/system/acm-array.service",
        "./lib/systemd/system/acm-stgfwcom.service",
    ] {
        assert!(contents.contains(f), "{f} in the package: {contents}");
    }
    let conffiles = run(Command::new("dpkg-deb")
        .args(["--info"])
        .arg(&deb)
        .arg("conffiles"));
    assert!(conffiles.contains("/etc/opt/FJSVswsts/sh/OpcBackup.pre"));
    assert!(
        conffiles.lines().all(|l| l.starts_with("/etc/")),
        "only configuration is a conffile: {conffiles}"
    );
    let listed = run(Command::new("tar").arg("-tzf").arg(&tarball));
    assert!(listed.contains("./opt/acmsim/bin/acmsim"), "{listed}");

    // A scratch dpkg root; the maintainer scripts act inside it only.
    let root = t.path().join("root");
    for d in ["info", "updates", "triggers"] {
        std::fs::create_dir_all(root.join("var/lib/dpkg").join(d)).unwrap();
    }
    std::fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
    std::fs::write(root.join("var/lib/dpkg/available"), "").unwrap();
    let dpkg = |args: &[&str]| {
        run(Command::new("dpkg")
            .arg(format!("--root={}", root.display()))
            .args([
                "--force-script-chrootless",
                "--force-depends",
                "--log=/dev/null",
            ])
            .args(args)
            .env("ACMSIM_HOME", t.path().join("no-home")))
    };
    let debs = deb.to_string_lossy().into_owned();
    dpkg(&["-i", &debs]);
    let acmsim = root.join("opt/acmsim/bin/acmsim");
    let v = run(Command::new(&acmsim).arg("--version"));
    assert!(v.starts_with("acmsim acm-rs "), "{v}");
    let script = root.join("etc/opt/FJSVswsts/sh/OpcBackup.pre");
    let shipped = std::fs::read_to_string(&script).unwrap();
    assert!(
        shipped.contains("acmsim=${ACMSIM:-/opt/acmsim/bin/acmsim}"),
        "the scripts name the installed console"
    );

    // A site's change survives an upgrade (the same package again).
    std::fs::write(&script, format!("{shipped}\n# site change\n")).unwrap();
    dpkg(&["--force-confold", "-i", &debs]);
    assert!(std::fs::read_to_string(&script)
        .unwrap()
        .contains("# site change"));

    // Purge: the commands, the configuration and the state go.
    std::fs::create_dir_all(root.join("var/opt/acmsim/BOX1")).unwrap();
    dpkg(&["--purge", "acm-rs"]);
    assert!(!acmsim.exists());
    assert!(!script.exists());
    assert!(!root.join("var/opt/acmsim").exists());
    assert!(!root.join("opt/FJSVswsts/bin/swstbackup").exists());
}

#[test]
fn install_and_uninstall_keep_a_customised_script() {
    let t = tempfile::tempdir().unwrap();
    let prefix = t.path().join("p");
    let install = repo().join("scripts/install.sh");
    run(Command::new(&install)
        .arg(&prefix)
        .env("ACM_BIN_DIR", bins(t.path())));
    assert!(prefix.join("opt/acmsim/bin/acmsim").is_file());
    // Every program is a link to the one binary, relative to the prefix.
    let link = std::fs::read_link(prefix.join("opt/FJSVswsts/bin/swstbackup")).unwrap();
    assert_eq!(link, Path::new("../../../opt/swstorage/bin/acm"));
    let v = run(Command::new(prefix.join("opt/FJSVswsrp/bin/swsrpstat")).arg("--version"));
    assert!(v.contains("acm-rs "), "{v}");
    let custom = prefix.join("etc/opt/FJSVswsrp/sh/RepSrc.pre");
    let mut text = std::fs::read_to_string(&custom).unwrap();
    text.push_str("# site change\n");
    std::fs::write(&custom, &text).unwrap();
    let out = run(Command::new(&install).arg("--uninstall").arg(&prefix));
    assert!(
        out.contains(&format!("kept {} (customised)", custom.display())),
        "{out}"
    );
    let programs = acm_core::program::ALL.len();
    assert!(
        out.contains(&format!("removed {programs} commands")),
        "{out}"
    );
    assert!(!prefix.join("opt/swstorage/bin/acm").exists());
    assert!(!prefix.join("opt/acmsim/bin/acmsim").exists());
    assert!(!prefix.join("etc/opt/FJSVswsts/sh/OpcBackup.pre").exists());
    assert_eq!(std::fs::read_to_string(&custom).unwrap(), text);
}
