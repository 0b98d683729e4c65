//! acmcapture: the .tar.Z archive, read back with gzip (which reads compress's format).

use crate::common;

use common::*;
use std::process::Command;

#[test]
fn capture_writes_a_compressed_tar_of_the_troubleshooting_data() {
    let s = registered(2);
    // A LUN bigger than the limit, and a private key: neither is copied.
    let big = s.sim_home().join("big.lun");
    std::fs::write(&big, vec![0u8; 5 << 20]).unwrap();
    write(&s.root().join("etc/opt/FJSVswstf/tls/node.key"), "secret");
    write(
        &s.root().join("var/opt/FJSVswstf/log/stgxfws.log"),
        "started\n",
    );
    let out_dir = s.path().join("capture");
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = s
        .cmd(&bin("acmcapture"))
        .env("ACMSIM_CLOCK", "1237801574")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[..2], ["Executing.....", "Completed."]);
    let path = lines[2].strip_prefix("OUTPUT=").unwrap();
    let name = std::path::Path::new(path)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with("acmcapture_") && name.ends_with("_20090323_094614.tar.Z"),
        "{name}"
    );
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(bytes[..2], [0x1f, 0x9d]);
    let listing = Command::new("sh")
        .arg("-c")
        .arg(format!("gzip -dc '{path}' | tar -tf -"))
        .output()
        .unwrap();
    assert!(
        listing.status.success(),
        "{}",
        String::from_utf8_lossy(&listing.stderr)
    );
    let listing = String::from_utf8(listing.stdout).unwrap();
    let base = name.trim_end_matches(".tar.Z");
    for member in [
        "etc/opt/swstorage/swnode.ini",
        "etc/opt/swstorage/peers.ini",
        "etc/opt/FJSVswstf/repository/repository.json",
        "var/opt/FJSVswstf/log/stgxfws.log",
        "skipped.txt",
        "version.txt",
    ] {
        assert!(
            listing.contains(&format!("{base}/{member}\n")),
            "{member}:\n{listing}"
        );
    }
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with(&format!("{base}/acmsim/"))),
        "{listing}"
    );
    assert!(!listing.contains("node.key"), "{listing}");
    assert!(!listing.contains("big.lun"), "{listing}");
    let skipped = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "gzip -dc '{path}' | tar -xOf - '{base}/skipped.txt'"
        ))
        .output()
        .unwrap();
    let skipped = String::from_utf8(skipped.stdout).unwrap();
    assert!(
        skipped.contains(&format!("acmsim/big.lun {} bytes", 5 << 20)),
        "{skipped}"
    );
    // The capture records the suite's version, as --version prints it.
    let version = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "gzip -dc '{path}' | tar -xOf - '{base}/version.txt'"
        ))
        .output()
        .unwrap();
    let version = String::from_utf8(version.stdout).unwrap();
    assert!(
        version.starts_with("acm-rs ") && version.contains("(commit "),
        "{version}"
    );
}

#[test]
fn capture_refuses_a_missing_directory() {
    let s = two(1);
    let err = refused(&s, "acmcapture", &["/no/such/dir"], "swstf4001", 1);
    assert!(err.contains("/no/such/dir"), "{err}");
}
