//! The Linux kernel's view of block devices: loop devices, and the mounts
//! made from them.
//!
//! A simulated LUN becomes a real block device as a loop device over the file
//! the array service serves for it. The kernel, not our records, says what is
//! attached and what is mounted: the loop devices' backing files are read from
//! `/sys/block/loopN/loop/backing_file`, the mounts from `/proc/self/mountinfo`
//! (matched by device number, so a mount made by any tool is seen). Attaching,
//! mounting and unmounting call util-linux's `losetup`, `mount` and `umount`,
//! so their refusals ("target is busy") reach the operator in their own words.

use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A loop device and the file behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loop {
    /// `/dev/loopN`.
    pub device: String,
    pub backing: PathBuf,
}

/// Runs a util-linux tool; its first line of complaint is the error.
fn tool(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).trim().to_string());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    Err(format!(
        "{program} {} failed ({}): {}",
        args.join(" "),
        out.status,
        line.trim()
    ))
}

/// Attaches a loop device to `file` with direct I/O (so every read and write
/// reaches the file's server, with no second page cache in between).
pub fn loop_attach(file: &Path) -> Result<String, String> {
    let f = file.to_string_lossy();
    let dev = tool("losetup", &["--direct-io=on", "--find", "--show", &f])?;
    if !dev.starts_with("/dev/loop") {
        return Err(format!("losetup attached {f} as {dev:?}"));
    }
    Ok(dev)
}

/// Detaches a loop device. The kernel refuses (EBUSY) or defers while the
/// device is open; callers check [`mounts_of`] first.
pub fn loop_detach(device: &str) -> Result<(), String> {
    tool("losetup", &["--detach", device]).map(|_| ())
}

/// Every bound loop device with its backing file, in device order.
pub fn loops() -> Vec<Loop> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/sys/block") else {
        return out;
    };
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with("loop") {
            continue;
        }
        let Ok(b) = std::fs::read_to_string(e.path().join("loop/backing_file")) else {
            continue;
        };
        // The kernel appends " (deleted)" when the file is gone.
        let b = b.trim_end_matches('\n');
        let b = b.strip_suffix(" (deleted)").unwrap_or(b);
        out.push(Loop {
            device: format!("/dev/{name}"),
            backing: PathBuf::from(b),
        });
    }
    out.sort_by_key(|l| {
        l.device
            .trim_start_matches("/dev/loop")
            .parse::<u32>()
            .unwrap_or(u32::MAX)
    });
    out
}

/// The loop device backed by `file`, if one is.
pub fn loop_of(file: &Path) -> Option<String> {
    loops()
        .into_iter()
        .find(|l| l.backing == file)
        .map(|l| l.device)
}

/// The device number of a block device node.
pub fn device_number(device: &str) -> Option<(u32, u32)> {
    let md = std::fs::metadata(device).ok()?;
    if !md.file_type().is_block_device() {
        return None;
    }
    let rdev = md.rdev();
    Some((libc::major(rdev), libc::minor(rdev)))
}

/// One line of `/proc/self/mountinfo`: the mounted device's number, the
/// mount point, and the mount's options (`rw`/`ro` among them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub number: (u32, u32),
    pub mount_point: PathBuf,
    pub options: String,
    pub fs_type: String,
}

/// Undoes mountinfo's octal escapes (`\040` is a space).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 4 <= b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
            out.push(v);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses mountinfo text; lines it cannot read are skipped.
pub fn parse_mountinfo(text: &str) -> Vec<Mount> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        // id parent maj:min root mount-point options [optional...] - type source super
        let Some(sep) = f.iter().position(|x| *x == "-") else {
            continue;
        };
        if f.len() < 6 || sep + 1 >= f.len() {
            continue;
        }
        let Some((ma, mi)) = f[2].split_once(':') else {
            continue;
        };
        let (Ok(ma), Ok(mi)) = (ma.parse(), mi.parse()) else {
            continue;
        };
        out.push(Mount {
            number: (ma, mi),
            mount_point: PathBuf::from(unescape(f[4])),
            options: f[5].to_string(),
            fs_type: f[sep + 1].to_string(),
        });
    }
    out
}

/// The kernel's mounts, as this process sees them.
pub fn mounts() -> Vec<Mount> {
    std::fs::read_to_string("/proc/self/mountinfo")
        .map(|t| parse_mountinfo(&t))
        .unwrap_or_default()
}

/// Where `device` is mounted (every mount point, in mount order).
pub fn mounts_of(device: &str) -> Vec<Mount> {
    let Some(n) = device_number(device) else {
        return Vec::new();
    };
    mounts().into_iter().filter(|m| m.number == n).collect()
}

/// Mounts `device` at `mount_point` (created when missing), with `options`
/// (`-o` list) when given.
pub fn mount(device: &str, mount_point: &Path, options: Option<&str>) -> Result<(), String> {
    std::fs::create_dir_all(mount_point)
        .map_err(|e| format!("cannot create {}: {e}", mount_point.display()))?;
    let mp = mount_point.to_string_lossy();
    match options {
        Some(o) => tool("mount", &["-o", o, device, &mp]),
        None => tool("mount", &[device, &mp]),
    }
    .map(|_| ())
}

/// Unmounts the file system at `mount_point`.
pub fn umount(mount_point: &Path) -> Result<(), String> {
    tool("umount", &[&mount_point.to_string_lossy()]).map(|_| ())
}

/// Detaches the mount at `mount_point` at once (MNT_DETACH): what still
/// uses it keeps it until done. For a mount whose device is gone, where a
/// plain unmount would try to write to it.
pub fn umount_lazy(mount_point: &Path) -> Result<(), String> {
    let c = std::ffi::CString::new(mount_point.as_os_str().as_encoded_bytes())
        .map_err(|_| "a mount point with a NUL byte".to_string())?;
    // SAFETY: a valid C string; MNT_DETACH only detaches the mount.
    if unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) } != 0 {
        return Err(format!(
            "cannot unmount {}: {}",
            mount_point.display(),
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

/// Whether `path` is a mount point of a FUSE file system (alive or not).
pub fn is_fuse_mount(path: &Path) -> bool {
    mounts()
        .iter()
        .any(|m| m.mount_point == path && m.fs_type.starts_with("fuse"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_lines_are_read_with_their_escapes() {
        let text =
            "36 35 98:0 / /mnt/a\\040b rw,noatime master:1 - ext4 /dev/loop3 rw,errors=continue\n\
                    garbage\n\
                    40 35 0:45 / /var/opt/acmsim/block rw,nosuid - fuse.acmsim acmsim rw\n";
        let m = parse_mountinfo(text);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].number, (98, 0));
        assert_eq!(m[0].mount_point, PathBuf::from("/mnt/a b"));
        assert_eq!(m[0].options, "rw,noatime");
        assert_eq!(m[0].fs_type, "ext4");
        assert_eq!(m[1].fs_type, "fuse.acmsim");
    }
}
