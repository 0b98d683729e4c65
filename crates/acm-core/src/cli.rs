//! The product's command line: `-x` options, some taking a value, accepted before
//! or after the operands (the manual's own examples put `-Xdevmap file` after the
//! device name), each at most once, and a fixed range of operands.
//!
//! Parsing never exits the process: it returns a [`Failure`] carrying the usage
//! message, so each command decides how to report it.

use crate::msg::{Failure, Family};
use std::collections::BTreeMap;
use std::ffi::OsString;

/// A command line as the process received it (without the program name).
///
/// Commands take their arguments as `OsString`s, because an argument need not
/// be text (`$'/dev/\xff'`); [`decode`] turns them into text or a usage refusal.
pub type Argv = Vec<OsString>;

/// The most bytes one argument may have: longer ones are refused before parsing,
/// so no option value can make a command build an unbounded path or message.
pub const MAX_ARG_BYTES: usize = 4096;

/// The arguments as text, or the family's usage refusal naming the first one
/// that is not UTF-8 (shown with its bytes escaped) or is too long.
pub fn decode(family: Family, usage: &str, argv: Argv) -> Result<Vec<String>, Failure> {
    argv.into_iter()
        .map(|a| {
            if a.len() > MAX_ARG_BYTES {
                return Err(Failure::usage(
                    family,
                    format!(
                        "An argument is longer than {MAX_ARG_BYTES} bytes ({} bytes). Usage: {usage}",
                        a.len()
                    ),
                ));
            }
            a.into_string().map_err(|bad| {
                Failure::usage(
                    family,
                    format!(
                        "The argument {} is not valid text (UTF-8). Usage: {usage}",
                        escaped(&bad)
                    ),
                )
            })
        })
        .collect()
}

/// The longest wait a `-t seconds` option accepts (a day).
pub const MAX_WAIT_SECONDS: u64 = 86_400;

impl Spec {
    /// The `-t seconds` limit of a wait command: `None` without the option,
    /// the family's usage refusal for anything but 0 to [`MAX_WAIT_SECONDS`].
    pub fn time_limit(&self, args: &Args) -> Result<Option<std::time::Duration>, Failure> {
        let Some(t) = args.value("-t") else {
            return Ok(None);
        };
        match t.parse::<u64>() {
            Ok(s) if s <= MAX_WAIT_SECONDS => Ok(Some(std::time::Duration::from_secs(s))),
            _ => {
                Err(self.usage_error(format!("-t {t}: give seconds from 0 to {MAX_WAIT_SECONDS}")))
            }
        }
    }

    /// The usage refusal of a `-s` status that is not one of `words`.
    pub fn not_a_status(&self, given: &str, words: &[&str]) -> Failure {
        self.usage_error(format!(
            "-s {given} is not a status to wait for ({})",
            words.join(", ")
        ))
    }
}

/// One message line for a console's usage error (`acmsim`, `acmsetup` parse
/// with clap): the first line of clap's rendering without its `error: `, and
/// the hint that `--help` explains, so a refusal stays one `ID text` line.
pub fn console_usage_line(rendered: &str) -> String {
    let mut lines = rendered.lines().skip_while(|l| l.trim().is_empty());
    let head = lines.next().unwrap_or("");
    let head = head.strip_prefix("error: ").unwrap_or(head).trim();
    // A line that ends in a colon introduces a list on the indented lines
    // below (the missing arguments): they belong to the message.
    let first = match head.strip_suffix(':') {
        Some(intro) => {
            let items: Vec<&str> = lines
                .take_while(|l| l.starts_with(' ') && !l.trim().is_empty())
                .map(str::trim)
                .collect();
            if items.is_empty() {
                head.to_string()
            } else {
                format!("{intro}: {}", items.join(", "))
            }
        }
        None => head.to_string(),
    };
    let first = first.as_str();
    // An argument echoed in the message is cut short: a line stays a line.
    let shown: String = first.chars().take(300).collect();
    let cut = if shown.len() < first.len() { "..." } else { "" };
    format!("{shown}{cut} (see --help)")
}

/// `arg` with every byte that is not printable ASCII written `\xNN`, so a
/// message line never carries raw control characters or invalid text.
pub fn escaped(arg: &std::ffi::OsStr) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for &b in arg.as_bytes() {
        if (0x20..0x7f).contains(&b) && b != b'\\' {
            out.push(b as char);
        } else {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// What a command accepts.
#[derive(Debug, Clone)]
pub struct Spec {
    pub name: &'static str,
    pub family: Family,
    /// Options without a value, e.g. `-suspend`, `-T`.
    pub flags: &'static [&'static str],
    /// Options with a value, e.g. `-h`, `-Xdevmap`, `-g`.
    pub valued: &'static [&'static str],
    /// Groups of options of which at most one may be given.
    pub exclusive: &'static [&'static [&'static str]],
    /// Least and most operands.
    pub operands: (usize, usize),
    /// The synopsis printed with a usage error.
    pub usage: &'static str,
}

/// A parsed command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Args {
    options: BTreeMap<&'static str, Option<String>>,
    pub operands: Vec<String>,
}

impl Args {
    /// Whether option `name` was given.
    pub fn has(&self, name: &str) -> bool {
        self.options.contains_key(name)
    }

    /// The value of a valued option.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.options.get(name).and_then(|v| v.as_deref())
    }

    /// The one operand, if any.
    pub fn operand(&self) -> Option<&str> {
        self.operands.first().map(String::as_str)
    }
}

impl Spec {
    fn usage_error(&self, why: String) -> Failure {
        Failure::usage(self.family, format!("{why}. Usage: {}", self.usage))
    }

    /// Parses `argv` (without the program name).
    pub fn parse<I, S>(&self, argv: I) -> Result<Args, Failure>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut args = Args::default();
        let mut it = argv.into_iter().map(Into::into);
        while let Some(word) = it.next() {
            if word.len() > 1 && word.starts_with('-') {
                let (known, takes_value) = if let Some(f) = self.flags.iter().find(|f| **f == word)
                {
                    (*f, false)
                } else if let Some(v) = self.valued.iter().find(|v| **v == word) {
                    (*v, true)
                } else {
                    return Err(self.usage_error(format!("The option {word} is not valid")));
                };
                if args.options.contains_key(known) {
                    return Err(self.usage_error(format!("The option {word} is given twice")));
                }
                let value = if takes_value {
                    match it.next() {
                        Some(v) => Some(v),
                        None => {
                            return Err(self.usage_error(format!("The option {word} needs a value")))
                        }
                    }
                } else {
                    None
                };
                args.options.insert(known, value);
            } else {
                args.operands.push(word);
            }
        }
        for group in self.exclusive {
            let given: Vec<&str> = group.iter().copied().filter(|o| args.has(o)).collect();
            if given.len() > 1 {
                return Err(self.usage_error(format!(
                    "The options {} cannot be given together",
                    given.join(" and ")
                )));
            }
        }
        let (min, max) = self.operands;
        if args.operands.len() < min {
            return Err(self.usage_error("An operand is missing".into()));
        }
        if args.operands.len() > max {
            return Err(self.usage_error(format!(
                "Too many operands ({})",
                args.operands[max..].join(" ")
            )));
        }
        Ok(args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_console_usage_line_names_the_missing_arguments() {
        let clap = "error: the following required arguments were not provided:\n  <NAME>\n  --size <SIZE>\n\nUsage: acmsim box create <NAME>\n";
        assert_eq!(
            console_usage_line(clap),
            "the following required arguments were not provided: <NAME>, --size <SIZE> (see --help)"
        );
        assert_eq!(
            console_usage_line("error: unexpected argument '--x' found\n\nUsage: acmsim\n"),
            "unexpected argument '--x' found (see --help)"
        );
    }

    const BACKUP: Spec = Spec {
        name: "swstbackup",
        family: Family::Backup,
        flags: &["-suspend", "-T"],
        valued: &["-h", "-Xdevmap"],
        exclusive: &[&["-suspend", "-T"]],
        operands: (1, 1),
        usage: "swstbackup [-h serverName] [-suspend|-T] deviceName [-Xdevmap deviceMapFile]",
    };

    #[test]
    fn options_after_operands() {
        let a = BACKUP
            .parse(["/dev/hdisk10", "-Xdevmap", "/acm/devmap.txt"])
            .unwrap();
        assert_eq!(a.operand(), Some("/dev/hdisk10"));
        assert_eq!(a.value("-Xdevmap"), Some("/acm/devmap.txt"));
        assert!(!a.has("-T"));
    }

    #[test]
    fn refusals_are_usage_errors() {
        for bad in [
            vec!["-x", "/dev/vg01"],
            vec!["-T", "-T", "/dev/vg01"],
            vec!["-T", "-suspend", "/dev/vg01"],
            vec![],
            vec!["/dev/vg01", "/dev/vg02"],
            vec!["/dev/vg01", "-Xdevmap"],
        ] {
            let f = BACKUP.parse(bad.clone()).unwrap_err();
            assert_eq!(f.status, 2, "{bad:?}");
            assert!(f.to_string().contains("Usage: swstbackup"), "{f}");
        }
    }
}
