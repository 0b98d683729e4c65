//! A program's [`Page`](crate::manual::Page) rendered three ways: the text
//! `--help` prints, a section 8 man page (roff), and bash completions. The
//! synopsis is always the program's own usage line, so the three agree with
//! what the program accepts.

use crate::manual::{self, Page};

/// The exit statuses every product command shares.
const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "The command completed."),
    (
        ">0",
        "The command was refused or failed: a message with its ID is on standard error \
         (2 for a usage error where the manual says so; the wait commands give 1 when the \
         copy failed, halted or vanished and 3 when the time limit passed).",
    ),
];

/// What `PROGRAM --help` prints: the usage line, then the program's page
/// when it has one.
pub fn help(name: &str, usage: &str) -> String {
    let mut out = format!("Usage: {usage}\n");
    let Some(p) = manual::page(name) else {
        return out;
    };
    out.push('\n');
    out.push_str(&wrap(&sentence(p.summary), 78, ""));
    for para in paragraphs(p.description) {
        out.push('\n');
        out.push_str(&wrap(&para, 78, ""));
    }
    for (title, items) in [("Options:", p.options), ("Operands:", p.operands)] {
        if items.is_empty() {
            continue;
        }
        out.push('\n');
        out.push_str(title);
        out.push('\n');
        for (term, text) in items {
            out.push_str(&format!("  {term}\n"));
            out.push_str(&wrap(&squash(text), 78, "      "));
        }
    }
    out
}

/// The summary as a sentence: capitalised, with a final period.
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
        None => String::new(),
    }
}

/// White space folded to single spaces (the pages' literals are continued
/// over several source lines).
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn paragraphs(s: &str) -> Vec<String> {
    s.split("\n\n")
        .map(squash)
        .filter(|p| !p.is_empty())
        .collect()
}

/// `text` wrapped at `width` columns, each line after `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    for word in text.split_whitespace() {
        if line.len() > indent.len() && line.len() + 1 + word.len() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if line.len() > indent.len() {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Text safe in roff: backslashes escaped, hyphens as `\-` (so options copy
/// and paste as ASCII), no line that starts like a request.
fn roff_text(s: &str) -> String {
    let t = s.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}")
    } else {
        t
    }
}

/// An option or operand term: its first word bold, the rest italic.
fn roff_term(term: &str) -> String {
    let mut words = term.split_whitespace();
    let first = words.next().unwrap_or_default();
    let rest: Vec<String> = words.map(|w| format!("\\fI{}\\fR", roff_text(w))).collect();
    let mut s = format!("\\fB{}\\fR", roff_text(first));
    if !rest.is_empty() {
        s.push(' ');
        s.push_str(&rest.join(" "));
    }
    s
}

/// The section 8 page of `p`, with `usage` as its synopsis.
pub fn roff(p: &Page, usage: &str) -> String {
    let mut out = format!(
        ".TH {} 8 \"\" \"acm-rs {}\" \"AdvancedCopy Manager\"\n.SH NAME\n{} \\- {}\n",
        p.name.to_uppercase(),
        env!("CARGO_PKG_VERSION"),
        p.name,
        roff_text(p.summary)
    );
    out.push_str(&format!(".SH SYNOPSIS\n.nf\n{}\n.fi\n", roff_text(usage)));
    out.push_str(".SH DESCRIPTION\n");
    for (i, para) in paragraphs(p.description).iter().enumerate() {
        if i > 0 {
            out.push_str(".PP\n");
        }
        out.push_str(&roff_text(para));
        out.push('\n');
    }
    for (title, items) in [("OPTIONS", p.options), ("OPERANDS", p.operands)] {
        if items.is_empty() {
            continue;
        }
        out.push_str(&format!(".SH {title}\n"));
        for (term, text) in items {
            out.push_str(&format!(
                ".TP\n{}\n{}\n",
                roff_term(term),
                roff_text(&squash(text))
            ));
        }
    }
    if crate::program::find(p.name).is_some_and(|q| q.family().is_some()) {
        out.push_str(".SH \"EXIT STATUS\"\n");
        for (code, text) in EXIT_STATUS {
            out.push_str(&format!(".TP\n{}\n{}\n", roff_text(code), roff_text(text)));
        }
    }
    out.push_str(".SH \"SEE ALSO\"\n");
    out.push_str(&roff_text(
        "The operator's guide and the command reference in the docs directory of acm-rs.",
    ));
    out.push('\n');
    out
}

/// The page of `p` as a section of the command reference (Markdown).
pub fn markdown(p: &Page, usage: &str) -> String {
    let mut out = format!("## `{}`: {}\n\n```\n{usage}\n```\n", p.name, p.summary);
    for para in paragraphs(p.description) {
        out.push('\n');
        out.push_str(&para);
        out.push('\n');
    }
    for (title, items) in [("Options", p.options), ("Operands", p.operands)] {
        if items.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{title}:\n\n"));
        for (term, text) in items {
            out.push_str(&format!("- `{term}`: {}\n", squash(text)));
        }
    }
    out
}

/// The options a page describes: the first word of each.
pub fn option_words(p: &Page) -> Vec<&'static str> {
    p.options
        .iter()
        .filter_map(|(term, _)| term.split_whitespace().next())
        .collect()
}

/// A bash completion script for every program with a page: its options,
/// then file names (devices and device map files are paths).
pub fn bash_completion() -> String {
    let mut out = String::from(
        "# bash completion for the acm-rs commands (generated by `acm --completions bash`)\n\
         _acm_rs() {\n    local cur=${COMP_WORDS[COMP_CWORD]} opts=\n    \
         case ${COMP_WORDS[0]##*/} in\n",
    );
    let mut names = Vec::new();
    for p in manual::PAGES {
        let words = option_words(p);
        names.push(p.name);
        if !words.is_empty() {
            out.push_str(&format!(
                "        {}) opts=\"{}\" ;;\n",
                p.name,
                words.join(" ")
            ));
        }
    }
    out.push_str(
        "    esac\n    if [[ $cur == -* ]]; then\n        \
         COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n    else\n        \
         COMPREPLY=($(compgen -f -- \"$cur\"))\n    fi\n}\n",
    );
    out.push_str(&format!("complete -F _acm_rs {}\n", names.join(" ")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Page = Page {
        name: "swstbackup",
        summary: "back up a volume",
        description: "Copies it.\n\n.Starts with a dot; has a \\ backslash.",
        options: &[("-h serverName", "Run it there.")],
        operands: &[("deviceName", "The volume.")],
    };

    #[test]
    fn help_has_the_usage_first_then_the_page() {
        let h = help("swstbackup", "swstbackup [-h serverName] deviceName");
        assert!(h.starts_with("Usage: swstbackup [-h serverName] deviceName\n\n"));
        assert!(h.contains("\nOptions:\n  -h serverName\n      "), "{h}");
        assert_eq!(help("nosuch", "nosuch"), "Usage: nosuch\n");
    }

    #[test]
    fn roff_escapes_what_roff_would_read_as_requests() {
        let r = roff(&P, "swstbackup [-h serverName] deviceName");
        assert!(r.starts_with(".TH SWSTBACKUP 8 "));
        assert!(r.contains("\nswstbackup \\- back up a volume\n"));
        assert!(
            r.contains("\n\\&.Starts with a dot; has a \\e backslash.\n"),
            "{r}"
        );
        assert!(
            r.contains("\n.TP\n\\fB\\-h\\fR \\fIserverName\\fR\nRun it there.\n"),
            "{r}"
        );
    }

    #[test]
    fn wrapping_keeps_words_whole() {
        let w = wrap(&"word ".repeat(40), 20, "  ");
        assert!(
            w.lines().all(|l| l.len() <= 20 && l.starts_with("  word")),
            "{w}"
        );
    }
}
