//! The suite's `key=value` configuration files (`swnode.ini`, `peers.ini`,
//! `check.ini`) and what makes one malformed, in one place.
//!
//! A file is read with [`crate::input::read_config`] (bounded, a regular file,
//! text). Every line must then be blank, a comment (`#` or `;` first), a
//! `[section]` header, or `key=value` with a key of no white space; a key may
//! be given once per scope (its section, or the whole file for files whose
//! headers are decoration). Anything else is malformed, and so is a value its
//! reader cannot use ([`Ini::malformed`]): the refusal names the file and the
//! line, so damage is reported instead of read as "not set". A missing file is
//! `None`: not configured, the defaults.

use crate::input::{self, InputError};
use std::fmt;
use std::path::{Path, PathBuf};

/// Why a configuration file cannot be used.
#[derive(Debug)]
pub enum ConfigError {
    /// Not a regular file, too large, not text, unreadable.
    Unreadable(InputError),
    /// A line that breaks the syntax, a key given twice, a value that does not parse.
    Malformed {
        path: PathBuf,
        line: usize,
        why: String,
    },
}

impl ConfigError {
    /// A malformed line of `path` (for files with a syntax of their own, such
    /// as `/etc/services`).
    pub fn malformed(path: &Path, line: usize, why: impl Into<String>) -> ConfigError {
        ConfigError::Malformed {
            path: path.to_path_buf(),
            line,
            why: why.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Unreadable(e) => e.fmt(f),
            ConfigError::Malformed { path, line, why } => {
                write!(f, "{} line {line}: {why}", path.display())
            }
        }
    }
}

impl std::error::Error for ConfigError {}

impl From<InputError> for ConfigError {
    fn from(e: InputError) -> Self {
        ConfigError::Unreadable(e)
    }
}

/// How a file's keys are told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syntax {
    /// A key is unique within its `[section]`; otherwise within the file.
    pub sections: bool,
    /// Key and section names compare without regard to ASCII case.
    pub any_case: bool,
}

/// Headers are decoration, keys exact (`swnode.ini`, `peers.ini`).
pub const FLAT: Syntax = Syntax {
    sections: false,
    any_case: false,
};

/// One `key=value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The section it is in (empty before the first header).
    pub section: String,
    pub key: String,
    /// Trimmed, one pair of surrounding double quotes removed.
    pub value: String,
    /// 1-based.
    pub line: usize,
}

/// A parsed file.
#[derive(Debug, Clone)]
pub struct Ini {
    path: PathBuf,
    syntax: Syntax,
    pub entries: Vec<Entry>,
}

impl Ini {
    /// Reads and parses `path`; `None` when it does not exist.
    pub fn load(path: &Path, syntax: Syntax) -> Result<Option<Ini>, ConfigError> {
        match input::read_config(path)? {
            None => Ok(None),
            Some(text) => Ini::parse(path, &text, syntax).map(Some),
        }
    }

    /// Parses `text`, the content of `path`.
    pub fn parse(path: &Path, text: &str, syntax: Syntax) -> Result<Ini, ConfigError> {
        let mut ini = Ini {
            path: path.to_path_buf(),
            syntax,
            entries: Vec::new(),
        };
        let mut section = String::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let t = raw.trim();
            if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
                continue;
            }
            if let Some(rest) = t.strip_prefix('[') {
                let name = rest.strip_suffix(']').map(str::trim).unwrap_or("");
                if name.is_empty() || name.contains(['[', ']']) {
                    return Err(ConfigError::malformed(
                        path,
                        line,
                        format!("{t} is not a [section] header"),
                    ));
                }
                section = name.to_string();
                continue;
            }
            let Some((k, v)) = t.split_once('=') else {
                return Err(ConfigError::malformed(
                    path,
                    line,
                    format!("{t:?} is neither key=value, a [section] nor a comment"),
                ));
            };
            let key = k.trim();
            if key.is_empty() || key.contains(char::is_whitespace) || key.contains(['[', ']']) {
                return Err(ConfigError::malformed(
                    path,
                    line,
                    format!("{key:?} is not a key"),
                ));
            }
            if let Some(first) = ini.find(&section, key) {
                return Err(ConfigError::malformed(
                    path,
                    line,
                    format!("{key} is given twice (first on line {})", first.line),
                ));
            }
            let v = v.trim();
            let value = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            ini.entries.push(Entry {
                section: section.clone(),
                key: key.to_string(),
                value: value.to_string(),
                line,
            });
        }
        Ok(ini)
    }

    fn same(&self, a: &str, b: &str) -> bool {
        if self.syntax.any_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    }

    fn find(&self, section: &str, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| {
            (!self.syntax.sections || self.same(&e.section, section)) && self.same(&e.key, key)
        })
    }

    /// The entry of `key` (in `section` when sections count).
    pub fn get(&self, section: &str, key: &str) -> Option<&Entry> {
        self.find(section, key)
    }

    /// The value of `key`, `None` when absent or empty.
    pub fn value(&self, section: &str, key: &str) -> Option<&str> {
        self.get(section, key)
            .map(|e| e.value.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The refusal of `entry`'s value.
    pub fn malformed(&self, entry: &Entry, why: impl Into<String>) -> ConfigError {
        ConfigError::malformed(&self.path, entry.line, why)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, syntax: Syntax) -> Result<Ini, ConfigError> {
        Ini::parse(Path::new("/x.ini"), text, syntax)
    }

    #[test]
    fn lines_that_are_accepted() {
        let ini = parse(
            "# c\n; c\n\n[node]\n ServerName = \"SV1\" \nEmpty=\nA=b=c\r\n",
            FLAT,
        )
        .unwrap();
        assert_eq!(ini.value("", "ServerName"), Some("SV1"));
        assert_eq!(ini.value("", "Empty"), None);
        assert_eq!(ini.value("", "A"), Some("b=c"));
        assert_eq!(ini.get("", "A").unwrap().line, 7);
        assert_eq!(ini.value("", "servername"), None);
    }

    #[test]
    fn what_is_malformed() {
        for (text, line) in [
            ("A=1\nnonsense\n", 2),
            ("[node\nA=1\n", 1),
            ("[]\n", 1),
            ("=1\n", 1),
            ("a b=1\n", 1),
            ("A=1\n[s]\nA=2\n", 3),
        ] {
            match parse(text, FLAT) {
                Err(ConfigError::Malformed { line: l, .. }) => assert_eq!(l, line, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
        let e = parse("A=1\nA=2\n", FLAT).unwrap_err().to_string();
        assert_eq!(e, "/x.ini line 2: A is given twice (first on line 1)");
    }

    #[test]
    fn sections_and_case() {
        let s = Syntax {
            sections: true,
            any_case: true,
        };
        let ini = parse("[a]\nK=1\n[B]\nk=2\n", s).unwrap();
        assert_eq!(ini.value("A", "k"), Some("1"));
        assert_eq!(ini.value("b", "K"), Some("2"));
        assert!(parse("[a]\nK=1\nk=2\n", s).is_err());
        assert!(parse("[a]\nK=1\n[A]\nk=2\n", s).is_err());
    }

    #[test]
    fn missing_and_unreadable_files() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Ini::load(&dir.path().join("none"), FLAT).unwrap().is_none());
        let e = Ini::load(dir.path(), FLAT).unwrap_err();
        assert!(matches!(e, ConfigError::Unreadable(_)), "{e:?}");
    }
}
