//! Reading an input file with bounds: every file a command reads (device map
//! files, `-f` files, ini files, JSON state, a script's output) goes through
//! here, so no file can make a command read forever (`/dev/zero`), block
//! (a FIFO) or allocate without limit (a huge file, an endless line).
//!
//! A file is opened without blocking, must be a regular file, may hold at most
//! a limit of bytes chosen by its kind, and (for text) no line longer than
//! [`MAX_LINE_BYTES`]. Each refusal names the file.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The most bytes of a small configuration file a person writes: ini files,
/// device map files, `-f` files of the stg commands, `/etc/services`.
pub const MAX_CONFIG_BYTES: u64 = 4 << 20;
/// The most bytes of one state document the suite writes itself (management
/// lists, the repository, a box's state).
pub const MAX_STATE_BYTES: u64 = 256 << 20;
/// The longest line of a text file.
pub const MAX_LINE_BYTES: usize = 64 << 10;

/// Why an input file was not read.
#[derive(Debug)]
pub enum InputError {
    NotFound(PathBuf),
    NotRegular(PathBuf),
    TooLarge { path: PathBuf, limit: u64 },
    LineTooLong { path: PathBuf, line: usize },
    NotText { path: PathBuf, line: usize },
    Io { path: PathBuf, error: io::Error },
}

impl InputError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            InputError::NotFound(p) | InputError::NotRegular(p) => p,
            InputError::TooLarge { path, .. }
            | InputError::LineTooLong { path, .. }
            | InputError::NotText { path, .. }
            | InputError::Io { path, .. } => path,
        }
    }

    /// Whether the file does not exist (callers often treat that as empty).
    pub fn is_not_found(&self) -> bool {
        matches!(self, InputError::NotFound(_))
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::NotFound(p) => write!(f, "the file {} does not exist", p.display()),
            InputError::NotRegular(p) => write!(f, "{} is not a regular file", p.display()),
            InputError::TooLarge { path, limit } => write!(
                f,
                "the file {} is larger than {limit} bytes",
                path.display()
            ),
            InputError::LineTooLong { path, line } => write!(
                f,
                "line {line} of {} is longer than {MAX_LINE_BYTES} bytes",
                path.display()
            ),
            InputError::NotText { path, line } => {
                write!(f, "line {line} of {} is not valid text", path.display())
            }
            InputError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for InputError {}

/// Opens `path` for reading without blocking on a FIFO, and refuses anything
/// but a regular file (a device, a FIFO, a socket, a directory).
pub fn open_regular(path: &Path) -> Result<File, InputError> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|error| match error.kind() {
            io::ErrorKind::NotFound => InputError::NotFound(path.to_path_buf()),
            _ => InputError::Io {
                path: path.to_path_buf(),
                error,
            },
        })?;
    let meta = file.metadata().map_err(|error| InputError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    if !meta.file_type().is_file() {
        return Err(InputError::NotRegular(path.to_path_buf()));
    }
    Ok(file)
}

/// The bytes of `path`, at most `limit` of them.
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let file = open_regular(path)?;
    read_bounded(file, path, limit)
}

/// The bytes of an open reader, at most `limit` of them (`path` names it in
/// the refusal).
pub fn read_bounded(reader: impl Read, path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let mut out = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|error| InputError::Io {
            path: path.to_path_buf(),
            error,
        })?;
    if out.len() as u64 > limit {
        return Err(InputError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(out)
}

/// The text of `path`: at most `limit` bytes, UTF-8, no line longer than
/// [`MAX_LINE_BYTES`].
pub fn read_text(path: &Path, limit: u64) -> Result<String, InputError> {
    text(read_bytes(path, limit)?, path)
}

/// `bytes` as text under the same rules as [`read_text`].
pub fn text(bytes: Vec<u8>, path: &Path) -> Result<String, InputError> {
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.len() > MAX_LINE_BYTES {
            return Err(InputError::LineTooLong {
                path: path.to_path_buf(),
                line: i + 1,
            });
        }
    }
    String::from_utf8(bytes).map_err(|e| {
        let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        InputError::NotText {
            path: path.to_path_buf(),
            line: upto.iter().filter(|b| **b == b'\n').count() + 1,
        }
    })
}

/// A small configuration file's text, or `None` when it does not exist.
pub fn read_config(path: &Path) -> Result<Option<String>, InputError> {
    match read_text(path, MAX_CONFIG_BYTES) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_devices_fifos_and_directories() {
        assert!(matches!(
            read_text(Path::new("/dev/zero"), 10),
            Err(InputError::NotRegular(_))
        ));
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_text(dir.path(), 10),
            Err(InputError::NotRegular(_))
        ));
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        // Opening must not block although nobody writes to the FIFO.
        assert!(matches!(
            read_text(&fifo, 10),
            Err(InputError::NotRegular(_))
        ));
        assert!(read_text(&dir.path().join("none"), 10)
            .unwrap_err()
            .is_not_found());
        assert_eq!(read_config(&dir.path().join("none")).unwrap(), None);
    }

    #[test]
    fn bounds_size_lines_and_text() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, "abc\ndef\n").unwrap();
        assert_eq!(read_text(&f, 8).unwrap(), "abc\ndef\n");
        let e = read_text(&f, 7).unwrap_err();
        assert!(e.to_string().contains("larger than 7 bytes"), "{e}");
        assert!(e.to_string().contains(&f.display().to_string()));
        std::fs::write(&f, format!("ok\n{}\n", "x".repeat(MAX_LINE_BYTES + 1))).unwrap();
        assert!(matches!(
            read_text(&f, MAX_CONFIG_BYTES),
            Err(InputError::LineTooLong { line: 2, .. })
        ));
        std::fs::write(&f, b"a\nb\n\xff\n").unwrap();
        assert!(matches!(
            read_text(&f, 100),
            Err(InputError::NotText { line: 3, .. })
        ));
    }
}
