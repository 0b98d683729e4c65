//! The message catalogues and their documents agree: every message number a
//! family's `messages.rs` can produce is listed in that family's document, and
//! every ID a document lists is a number the code uses. A message added
//! without its line in the docs, or a documented one that no code prints any
//! more, fails here.

use std::collections::BTreeSet;
use std::path::Path;

struct Family {
    prefix: &'static str,
    krate: &'static str,
    /// The part of the catalogue the model crate prints (its lists' refusals).
    model: Option<&'static str>,
    doc: &'static str,
}

const FAMILIES: [Family; 3] = [
    Family {
        prefix: "swst",
        krate: "acm-backup",
        model: Some("crates/acm-model/src/messages/backup.rs"),
        doc: "docs/messages.md",
    },
    Family {
        prefix: "swsrp",
        krate: "acm-replication",
        model: Some("crates/acm-model/src/messages/replication.rs"),
        doc: "docs/replication-messages.md",
    },
    Family {
        prefix: "swstf",
        krate: "acm-config",
        model: None,
        doc: "docs/configuration.md",
    },
];

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

/// The `name: u16 = N` constants of a source text; with `common`, also
/// `name: u16 = common::OTHER`, resolved there.
fn u16_consts(
    src: &str,
    common: Option<&std::collections::BTreeMap<String, u32>>,
) -> std::collections::BTreeMap<String, u32> {
    let mut consts = std::collections::BTreeMap::new();
    for line in src.lines() {
        let l = line.trim();
        let Some(rest) = l
            .strip_prefix("pub const ")
            .or_else(|| l.strip_prefix("const "))
        else {
            continue;
        };
        let Some((name, value)) = rest.split_once(": u16 = ") else {
            continue;
        };
        let value = value.trim_end_matches(';');
        let n = value.parse::<u32>().ok().or_else(|| {
            let other = value.strip_prefix("common::")?;
            common?.get(other).copied()
        });
        if let Some(n) = n {
            consts.insert(name.to_string(), n);
        }
    }
    consts
}

/// `name: u16 = N` constants (or `= common::NAME`, a number of the refusals
/// both families share in `acm_core::msg::common`) and `refused(N` /
/// `refused(NAME` calls of a catalogue: the numbers it can produce.
fn catalogue_numbers(src: &str) -> BTreeSet<u32> {
    let common = u16_consts(&read("crates/acm-core/src/msg.rs"), None);
    let consts = u16_consts(src, Some(&common));
    let mut out: BTreeSet<u32> = consts.values().copied().collect();
    let mut rest = src;
    // `refused(N, ...)`, `refused(NAME, ...)` and `Failure::timed_out(F, N, ...)`.
    let next = |r: &str| {
        ["refused(", "timed_out(F,"]
            .iter()
            .filter_map(|pat| r.find(pat).map(|at| (at, pat.len())))
            .min()
    };
    while let Some((at, len)) = next(rest) {
        rest = &rest[at + len..];
        let arg: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if let Ok(n) = arg.parse::<u32>() {
            out.insert(n);
        } else if let Some(n) = consts.get(&arg) {
            out.insert(*n);
        }
    }
    out
}

/// The IDs of `prefix` a document names (`swst1302`, `swsrp0002`, ...).
fn documented(doc: &str, prefix: &str) -> BTreeSet<u32> {
    let mut out = BTreeSet::new();
    let bytes = doc.as_bytes();
    let mut i = 0;
    while let Some(at) = doc[i..].find(prefix) {
        let start = i + at;
        let before_ok = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
        let digits = &doc[start + prefix.len()..];
        let n: String = digits.chars().take_while(char::is_ascii_digit).collect();
        let after = digits[n.len()..].chars().next();
        if before_ok && n.len() == 4 && !after.is_some_and(|c| c.is_ascii_alphanumeric()) {
            out.insert(n.parse().unwrap());
        }
        i = start + prefix.len();
    }
    out
}

/// Every source file of `dirs`, concatenated.
fn sources(dirs: &[&str]) -> String {
    let mut all = String::new();
    let mut stack: Vec<std::path::PathBuf> = dirs
        .iter()
        .map(|d| Path::new(env!("CARGO_MANIFEST_DIR")).join(d))
        .collect();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                all.push_str(&std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    all
}

#[test]
fn every_catalogued_message_is_documented() {
    for f in FAMILIES {
        let mut code = catalogue_numbers(&read(&format!("crates/{}/src/messages.rs", f.krate)));
        if let Some(m) = f.model {
            code.extend(catalogue_numbers(&read(m)));
        }
        assert!(code.len() > 20, "{}: catalogue not found", f.krate);
        let docs = documented(&read(f.doc), f.prefix);
        let missing: Vec<String> = code
            .iter()
            .filter(|n| !docs.contains(n))
            .map(|n| format!("{}{n:04}", f.prefix))
            .collect();
        assert!(
            missing.is_empty(),
            "{} lists no line for {missing:?}",
            f.doc
        );
    }
}

#[test]
fn every_documented_id_is_one_the_code_uses() {
    // Numbers shared by every family (acm-core, acm-manager) and the ones a
    // command prints from its own module.
    let shared = sources(&["crates/acm-core/src", "crates/acm-manager/src"]);
    for f in FAMILIES {
        let mut own = sources(&[&format!("crates/{}/src", f.krate)]);
        if let Some(m) = f.model {
            own.push_str(&read(m));
        }
        let docs = documented(&read(f.doc), f.prefix);
        let unknown: Vec<String> = docs
            .iter()
            .filter(|n| {
                let padded = format!("{n:04}");
                let plain = n.to_string();
                let used = |src: &str| {
                    src.contains(&format!("{}{padded}", f.prefix))
                        || src.contains(&format!("= {plain};"))
                        || src.contains(&format!("({plain},"))
                        || src.contains(&format!("({plain}\n"))
                        || src.contains(&format!("    {plain},"))
                        || src.contains(&format!(", {plain},"))
                };
                !used(&own) && !used(&shared)
            })
            .map(|n| format!("{}{n:04}", f.prefix))
            .collect();
        assert!(
            unknown.is_empty(),
            "{} documents IDs no code uses: {unknown:?}",
            f.doc
        );
    }
}
