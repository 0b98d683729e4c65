//! Device map files (`-Xdevmap`, manual 3.4.9.1): which backup volume a transaction
//! volume is copied to.
//!
//! One `transactionVolume backupVolume` pair per line, separated by spaces or tabs;
//! blank lines allowed; `#` starts a comment anywhere on a line; when a transaction
//! volume appears more than once only its first line counts; lines for other
//! transaction volumes are allowed. A line holding only `:` (the manual's "and so
//! on") is ignored. Every refusal names the file and the line.

use crate::messages;
use acm_core::input;
use acm_core::msg::Failure;

/// One pair of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line number.
    pub line: usize,
    pub transaction: String,
    pub backup: String,
}

/// A parsed device map file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevMap {
    pub path: String,
    pub entries: Vec<Entry>,
}

impl DevMap {
    /// Reads and parses the file at `path`.
    pub fn load(path: &str) -> Result<DevMap, Failure> {
        if !path.is_ascii() {
            return Err(messages::devmap_error(
                path,
                None,
                "the file name must not contain national characters",
            ));
        }
        let text = input::read_text(std::path::Path::new(path), input::MAX_CONFIG_BYTES)
            .map_err(|e| messages::devmap_error(path, None, &format!("cannot be read: {e}")))?;
        DevMap::parse(path, &text)
    }

    /// Parses `text`, naming `path` in refusals.
    pub fn parse(path: &str, text: &str) -> Result<DevMap, Failure> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("");
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                // The manual's listings end with a lone `:` meaning "and so on";
                // accept it so that the examples can be used as printed.
                [] | [":"] => {}
                [t, b] => {
                    for w in [t, b] {
                        if !w.starts_with("/dev/") {
                            // For a remote client the file's words are not
                            // quoted: it could name a file it may not read.
                            let why = match acm_manager::client_dirs::client() {
                                Some(_) => "a word is not a device name".to_string(),
                                None => format!("'{w}' is not a device name"),
                            };
                            return Err(messages::devmap_error(path, Some(i + 1), &why));
                        }
                    }
                    entries.push(Entry {
                        line: i + 1,
                        transaction: t.to_string(),
                        backup: b.to_string(),
                    });
                }
                _ => {
                    return Err(messages::devmap_error(
                        path,
                        Some(i + 1),
                        "a line must hold a transaction volume and a backup volume",
                    ))
                }
            }
        }
        Ok(DevMap {
            path: path.to_string(),
            entries,
        })
    }

    /// The first pair for `transaction`, if any.
    pub fn target(&self, transaction: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.transaction == transaction)
    }

    /// A refusal of the pair on `line`, naming the file and line.
    pub fn refuse(&self, line: usize, why: &str) -> Failure {
        messages::devmap_error(&self.path, Some(line), why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manuals_three_examples_parse_as_printed() {
        let vg = "# A comment line starts with \"#\".\n\
                  # Business volume name      Output destination backup volume name\n\
                  \n\
                  # Volume Group\n\
                  /dev/vg01      /dev/vg02 # A comment can be described here also.\n\
                  /dev/vg03      /dev/vg04\n\
                  :\n";
        let m = DevMap::parse("/acm/devmap.txt", vg).unwrap();
        assert_eq!(m.entries.len(), 2);
        assert_eq!(m.target("/dev/vg01").unwrap().backup, "/dev/vg02");
        assert_eq!(m.target("/dev/vg03").unwrap().line, 6);
        let disks = "# Transaction volume      Backup volume\n\
                     /dev/hdisk10              /dev/hdisk20\n\
                     /dev/hdisk11              /dev/hdisk21\n";
        let m = DevMap::parse("f", disks).unwrap();
        assert_eq!(m.target("/dev/hdisk11").unwrap().backup, "/dev/hdisk21");
        let vxvm = "# Transaction volume\tBackup volume\n\
                    /dev/vx/dmp/hdisk10\t/dev/vx/dmp/hdisk20\n\
                    /dev/vx/dmp/hdisk11\t/dev/vx/dmp/hdisk21\n";
        let m = DevMap::parse("f", vxvm).unwrap();
        assert_eq!(
            m.target("/dev/vx/dmp/hdisk10").unwrap().backup,
            "/dev/vx/dmp/hdisk20"
        );
    }

    #[test]
    fn the_first_occurrence_of_a_transaction_volume_counts() {
        let m = DevMap::parse(
            "f",
            "/dev/hdisk10 /dev/hdisk20\n/dev/hdisk10 /dev/hdisk30\n",
        )
        .unwrap();
        assert_eq!(m.target("/dev/hdisk10").unwrap().line, 1);
    }

    #[test]
    fn malformed_lines_name_the_file_and_line() {
        for bad in [
            "/dev/vg01\n",
            "/dev/vg01 /dev/vg02 /dev/vg03\n",
            "\nvg01 /dev/vg02\n",
        ] {
            let f = DevMap::parse("/acm/map", bad).unwrap_err();
            let text = f.to_string();
            assert!(
                text.contains("/acm/map") && text.contains("Line="),
                "{text}"
            );
            assert_eq!(f.status, 1);
        }
    }
}
