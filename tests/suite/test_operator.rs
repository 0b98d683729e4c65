//! What an operator's batch script does with the suite: starts a backup,
//! waits for it with `swstwait` instead of polling, reads the displays'
//! `-Xjson` documents with `jq`, and finds the run in the command log. The
//! script is a real shell script run by bash, as cron would run it.

use acm_testkit::Scratch;
use serde_json::Value;
use std::process::Command;

/// Box B1 with four 8 MiB LUNs on hdisk1..4; hdisk1 a transaction volume
/// backed up to hdisk2, and hdisk3 → hdisk4 a replication pair.
fn scene(s: &Scratch) {
    let ini = s.root().join("etc/opt/swstorage/swnode.ini");
    std::fs::create_dir_all(ini.parent().unwrap()).unwrap();
    std::fs::write(&ini, "ServerName=job2\n").unwrap();
    let sim = |args: &[&str]| acm_testkit::ok(s, &acm_testkit::bin("acmsim"), args);
    sim(&["box", "create", "B1"]);
    sim(&["lun", "create", "B1", "--size", "8M", "--count", "4"]);
    for i in 0..4 {
        sim(&[
            "host",
            "attach",
            "B1",
            &i.to_string(),
            &format!("/dev/hdisk{}", i + 1),
        ]);
    }
    let sw = |cmd: &str, args: &[&str]| acm_testkit::ok(s, &acm_testkit::bin(cmd), args);
    sw("swstsvrset", &[]);
    sw("swstdevinfoset", &["-t", "/dev/hdisk1"]);
    sw("swstdevinfoset", &["-b", "/dev/hdisk2"]);
    sw("swstbkpolset", &["-s", "1", "/dev/hdisk1"]);
    sw("swsrpsetvol", &["/dev/hdisk3", "/dev/hdisk4"]);
}

fn jq_present() -> bool {
    Command::new("jq").arg("--version").output().is_ok()
}

/// The script a site would put in cron: exit codes it tests, JSON it reads.
const NIGHTLY: &str = r#"set -euo pipefail
swst=$BIN
# Start the backup and wait for its copy: no polling loop.
$swst/swstbackup /dev/hdisk1 > /dev/null
$swst/swstwait -t 60 /dev/hdisk1
status=$($swst/swstbackstat -Xjson /dev/hdisk1 | jq -r '.[0].status')
[ "$status" = succeeded ] || { echo "backup status $status"; exit 10; }
# A size in bytes, a generation as a number, a date date(1) reads.
size=$($swst/swstdevdisp -Xjson /dev/hdisk1 | jq '.[0].size')
[ "$size" -eq 8388608 ] || { echo "size $size"; exit 11; }
gen=$($swst/swsthistdisp -Xjson /dev/hdisk1 | jq '.[0].history[0].generation')
[ "$gen" -eq 1 ] || { echo "generation $gen"; exit 12; }
when=$($swst/swsthistdisp -Xjson /dev/hdisk1 | jq -r '.[0].history[0].backup_date')
date -d "$when" +%s > /dev/null || exit 13
# Replication: start, wait for equivalency, read the percentage as a number.
$swst/swsrpstartsync /dev/hdisk3 /dev/hdisk4 > /dev/null
$swst/swsrpwait -t 60 -s equivalent /dev/hdisk3 /dev/hdisk4
pct=$($swst/swsrpstat -Xjson /dev/hdisk3 | jq '.[0].execute')
[ "$pct" -eq 100 ] || { echo "execute $pct"; exit 14; }
# A paused copy: the wait gives up with 3, and the script can tell.
$ACMSIM rate B1 paused > /dev/null
$swst/swsrpcancel /dev/hdisk3 /dev/hdisk4 > /dev/null
$swst/swstbackup /dev/hdisk1 > /dev/null
set +e
$swst/swstwait -t 1 /dev/hdisk1 2> wait.err
rc=$?
set -e
[ "$rc" -eq 3 ] || { echo "wait rc $rc"; exit 15; }
echo nightly done
"#;

#[test]
fn a_cron_script_waits_and_reads_json_with_jq_without_polling() {
    if !jq_present() {
        return acm_testkit::missing_prerequisite("jq (Debian's jq) is not installed");
    }
    let s = Scratch::new();
    scene(&s);
    let bin = acm_testkit::bin_dir();
    let out = s
        .cmd(std::path::Path::new("bash"))
        .arg("-c")
        .arg(NIGHTLY)
        .current_dir(s.path())
        .env("BIN", &bin)
        .env("ACMSIM", bin.join("acmsim"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the script failed ({:?}): {}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "nightly done\n");
    // The timed-out wait said why, with its message ID.
    let err = std::fs::read_to_string(s.path().join("wait.err")).unwrap();
    assert!(err.starts_with("swst"), "{err}");
    // The command log has the run: its start with its arguments and its end.
    let log = std::fs::read_to_string(s.root().join("var/opt/FJSVswsts/log/swstcmd.log")).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains("swstbackup") && l.contains("/dev/hdisk1")),
        "{log}"
    );
    assert!(log.lines().any(|l| l.contains("swstwait")), "{log}");
}

/// Every display the JSON form covers prints one array; a row per text row,
/// and its text is the same with or without other displays' JSON around.
#[test]
fn every_display_prints_one_json_array_with_the_rows_of_its_table() {
    let s = Scratch::new();
    scene(&s);
    let sw = |cmd: &str, args: &[&str]| acm_testkit::ok(&s, &acm_testkit::bin(cmd), args);
    sw("swstbackup", &["/dev/hdisk1"]);
    sw("swsrpstartsync", &["/dev/hdisk3", "/dev/hdisk4"]);
    // A REC buffer, a Snap Data Volume and a pool, for their displays.
    let sim = |args: &[&str]| acm_testkit::ok(&s, &acm_testkit::bin("acmsim"), args);
    sim(&["box", "create", "B2"]);
    sim(&["path", "B1", "B2", "up"]);
    sim(&[
        "recbuf", "--id", "1", "--use", "SEND", "--size", "8M", "--remote", "B2", "B1",
    ]);
    sim(&[
        "lun",
        "create",
        "B1",
        "--size",
        "8M",
        "--sdv",
        "--physical",
        "4M",
    ]);
    sim(&["host", "attach", "B1", "4", "/dev/hdisk5"]);
    sim(&["pool", "B1", "--size", "16M"]);
    // (command, arguments, text lines above the rows)
    let displays: &[(&str, &[&str], usize)] = &[
        ("swstsvrdisp", &[], 0),
        ("swstdevdisp", &[], 1),
        ("swstdevdisp", &["-o"], 1),
        ("swstbkpoldisp", &[], 1),
        ("swstbackstat", &[], 1),
        ("swstreststat", &[], 1),
        ("swstsyncstat", &[], 1),
        ("swsttrkstat", &[], 1),
        ("swstexecstat", &[], 1),
        ("swstexecstat", &["-j"], 1),
        ("swsrpvolinfo", &[], 1),
        ("swsrpvolinfo", &["-L"], 1),
        ("swsrpstat", &[], 1),
        ("swsrpstat", &["-Xall"], 1),
        ("swstestupdate", &["status", "/dev/hdisk3"], 1),
        ("swstsdv", &["stat", "/dev/hdisk5"], 3),
        ("swstsdv", &["poolstat", "-G", "/dev/hdisk5"], 2),
        ("swsrprecbuffstat", &["/dev/hdisk3"], 2),
        ("swsrprecbuffstat", &["-L", "/dev/hdisk3"], 2),
        ("stgenvdisp", &[], 9),
    ];
    for (cmd, args, above) in displays {
        let text = sw(cmd, args);
        let mut with = args.to_vec();
        with.push("-Xjson");
        let json = sw(cmd, &with);
        let v: Value = serde_json::from_str(&json)
            .unwrap_or_else(|e| panic!("{cmd} {args:?} -Xjson: {e}: {json}"));
        let rows = v
            .as_array()
            .unwrap_or_else(|| panic!("{cmd}: not an array"));
        let text_rows = text.lines().count().saturating_sub(*above).max(1);
        assert_eq!(rows.len(), text_rows, "{cmd} {args:?}:\n{text}\n{json}");
        assert!(rows.iter().all(Value::is_object), "{cmd}: {json}");
        // The text form is the manual's, untouched by the option's presence.
        assert_eq!(sw(cmd, args), text, "{cmd} {args:?}");
    }
    // The Snap Data Volume and history displays, whose lines above the
    // table become fields.
    let hist: Value = serde_json::from_str(&sw("swsthistdisp", &["-Xjson"])).unwrap();
    assert_eq!(hist[0]["device"], "/dev/hdisk1");
    assert_eq!(hist[0]["history"][0]["version"], 1);
    let sdv: Value =
        serde_json::from_str(&sw("swstsdv", &["stat", "/dev/hdisk5", "-Xjson"])).unwrap();
    assert_eq!(sdv[0]["lun"], 4);
    assert!(
        sdv[0]["box_id"].is_string() && sdv[0]["rate"].is_number(),
        "{sdv}"
    );
    let buf: Value =
        serde_json::from_str(&sw("swsrprecbuffstat", &["/dev/hdisk3", "-Xjson"])).unwrap();
    assert_eq!(
        (buf[0]["id"].clone(), buf[0]["use"].clone()),
        (1.into(), "SEND".into()),
        "{buf}"
    );
    // A refusal is the same with -Xjson: its message, nothing on stdout.
    let out = acm_testkit::run(
        &s,
        &acm_testkit::bin("swsrpstat"),
        &["-Xjson", "/dev/hdisk9"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("swsrp"));
}

/// The option words of a usage line (`-h`, `-Xdevmap`, ...).
fn usage_options(usage: &str) -> Vec<String> {
    let mut words = Vec::new();
    for token in usage.split(|c: char| c.is_whitespace() || "[]|{}()".contains(c)) {
        let t = token.trim_matches(|c: char| c == ',' || c == '.');
        let mut chars = t.chars();
        if chars.next() == Some('-')
            && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && t[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !words.iter().any(|w| w == t)
        {
            words.push(t.to_string());
        }
    }
    words
}

/// Generated over the program table: every program's `--help` starts with
/// its usage line and describes every option that line names.
#[test]
fn every_programs_help_describes_every_option_of_its_usage() {
    let s = Scratch::new();
    for p in acm_core::program::ALL {
        if p.class == acm_core::program::Class::Internal {
            // Run by a daemon, never by an operator: a page, but no --help.
            assert!(acm_core::manual::page(p.name).is_some(), "{}", p.name);
            continue;
        }
        let out = acm_testkit::run(&s, &acm_testkit::bin(p.name), &["--help"]);
        assert!(out.status.success(), "{} --help: {out:?}", p.name);
        let text = String::from_utf8_lossy(&out.stdout);
        let page = acm_core::manual::page(p.name)
            .unwrap_or_else(|| panic!("{} has no page in acm_core::manual", p.name));
        if matches!(p.name, "acmsim" | "acmsetup") {
            // Their help is clap's, from their own definitions.
            assert!(text.contains(&format!("Usage: {}", p.name)), "{text}");
            continue;
        }
        let usage = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("Usage: "))
            .unwrap_or_else(|| panic!("{} --help: no usage line first: {text}", p.name));
        let described = acm_core::manpage::option_words(page);
        for o in usage_options(usage) {
            assert!(
                described.contains(&o.as_str()),
                "{}: {o} is in the usage line but not described",
                p.name
            );
        }
        for o in &described {
            assert!(
                text.contains(&format!("\n  {o}")),
                "{} --help does not show {o}",
                p.name
            );
        }
    }
}

/// man's output without its overstrike (`N\bN` for bold, `_\bx` for
/// underline) and with its hyphens as typed.
fn plain(bytes: &[u8]) -> String {
    let mut out: Vec<char> = Vec::new();
    for c in String::from_utf8_lossy(bytes).chars() {
        if c == '\u{8}' {
            out.pop();
        } else {
            out.push(if c == '\u{2010}' || c == '\u{2212}' {
                '-'
            } else {
                c
            });
        }
    }
    out.into_iter().collect()
}

/// The installer writes a section 8 page per program and `man -l` renders
/// each; the completions are bash that completes the options.
#[test]
fn man_pages_render_and_completions_complete() {
    if Command::new("man").arg("--version").output().is_err() {
        return acm_testkit::missing_prerequisite("man (Debian's man-db) is not installed");
    }
    let s = Scratch::new();
    let dir = s.path().join("man8");
    let out = Command::new(acm_testkit::multicall())
        .arg("--man")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    for p in acm_core::program::ALL {
        let page = dir.join(format!("{}.8", p.name));
        let out = Command::new("man")
            .arg("-l")
            .arg(&page)
            .env("MANWIDTH", "80")
            .env("MAN_KEEP_FORMATTING", "0")
            .env("PAGER", "cat")
            .output()
            .unwrap();
        let text = plain(&out.stdout);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "man -l {}: {err}", page.display());
        assert!(
            err.trim().is_empty(),
            "man -l {} warns: {err}",
            page.display()
        );
        assert!(text.contains("NAME") && text.contains("SYNOPSIS"), "{text}");
        assert!(text.contains(p.name), "{text}");
    }
    // The SYNOPSIS is the program's own usage line.
    let out = Command::new("man")
        .arg("-l")
        .arg(dir.join("swstbackup.8"))
        .env("MANWIDTH", "200")
        .env("PAGER", "cat")
        .output()
        .unwrap();
    let text = plain(&out.stdout);
    assert!(
        text.contains("/opt/FJSVswsts/bin/swstbackup [-h serverName]"),
        "{text}"
    );
    // Completions: sourced by bash, they offer swstbackup's options.
    let comp = s.path().join("acm-rs");
    let out = Command::new(acm_testkit::multicall())
        .args(["--completions", "bash"])
        .output()
        .unwrap();
    std::fs::write(&comp, &out.stdout).unwrap();
    let script = format!(
        "source {}; COMP_WORDS=(swstbackup -X); COMP_CWORD=1; _acm_rs; echo \"${{COMPREPLY[@]}}\"",
        comp.display()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "-Xdevmap");
}

/// docs/commands.md is what `acm --reference` prints: the reference cannot
/// drift from the programs' tables. (`acm --reference > docs/commands.md`
/// writes it again.)
#[test]
fn the_command_reference_in_docs_is_the_generated_one() {
    let out = Command::new(acm_testkit::multicall())
        .arg("--reference")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/commands.md");
    let written = std::fs::read_to_string(&docs).unwrap_or_default();
    assert!(
        written == String::from_utf8_lossy(&out.stdout),
        "docs/commands.md is stale: run `target/debug/acm --reference > docs/commands.md`"
    );
}
