//! What the command prints: the summary's words match its units (documents
//! and the rules that dropped them on one line, lines and paragraphs and
//! theirs on the next), `--json` prints summary.json on stdout, `-v` adds
//! the stage times, `-q` prints nothing.

use crate::helpers::*;
use std::fs;

const ARTICLE: &str = "The council voted on Tuesday to close the old bridge to traffic \
    for two years while engineers replace its deck and strengthen the piers.\n\n\
    Residents said the detour would add twenty minutes to the school run.\n";

/// A folder with an article, its exact copy, and an article with a
/// paragraph given twice.
fn corpus(dir: &std::path::Path) -> std::path::PathBuf {
    let input = dir.join("in");
    fs::create_dir(&input).unwrap();
    fs::write(input.join("a.txt"), ARTICLE).unwrap();
    fs::write(input.join("b.txt"), ARTICLE).unwrap();
    let twice = "The museum reopens on Saturday after a two-year renovation that \
        added a glass roof over the courtyard and a new wing for textiles.\n\n";
    fs::write(input.join("c.txt"), format!("{twice}{twice}")).unwrap();
    input
}

#[test]
fn the_summary_puts_document_rules_with_documents_and_line_rules_with_lines() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus(dir.path());
    let out = dir.path().join("out");
    let printed = ok(&["clean", s(&input), "--out", s(&out)]);
    let text = String::from_utf8(printed.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].ends_with("3 documents in, 2 kept, 1 dropped as duplicates (exact_document 1)"),
        "{text}"
    );
    assert!(
        lines[1].contains("lines and paragraphs cut from kept documents: 1 (repeated_paragraph 1)"),
        "{text}"
    );
    assert_eq!(lines[2].trim(), "by rule: exact_repeat 1", "{text}");
    assert!(!text.contains("read + sketch"), "{text}");

    let verbose = ok(&["clean", s(&input), "--out", s(&out), "--force", "-v"]);
    let verbose = String::from_utf8(verbose.stdout).unwrap();
    let stage = |name: &str| {
        verbose
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no {name} in {verbose}"))
            .to_string()
    };
    // Throughput over the input bytes only for the stages that read them.
    assert!(stage("read + sketch").ends_with("MB/s"), "{verbose}");
    assert!(stage("read again + write").ends_with("MB/s"), "{verbose}");
    assert!(stage("match documents").ends_with(" s"), "{verbose}");
}

#[test]
fn json_prints_what_summary_json_holds() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus(dir.path());
    let out = dir.path().join("out");
    let printed = ok(&["clean", s(&input), "--out", s(&out), "--json"]);
    let file = fs::read(out.join("summary.json")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&printed.stdout),
        String::from_utf8_lossy(&file)
    );
    let summary: serde_json::Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(summary["summary"]["documents_dropped"], 1);

    let report = dir.path().join("report.json");
    let printed = ok(&["scan", s(&input), "--report", s(&report), "--json"]);
    let summary: serde_json::Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(summary["command"], "scan");
    assert_eq!(summary["summary"]["segments_removed"], 1);
}

#[test]
fn scan_json_without_a_report_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus(dir.path());
    let out = neardup(&["scan", s(&input), "--json"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("give --report FILE"), "{err}");
}

#[test]
fn quiet_prints_nothing_and_does_not_go_with_verbose() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus(dir.path());
    let out = dir.path().join("out");
    let printed = ok(&["clean", s(&input), "--out", s(&out), "-q"]);
    assert!(printed.stdout.is_empty() && printed.stderr.is_empty());
    let both = neardup(&["clean", s(&input), "--out", s(&out), "--force", "-q", "-v"]);
    assert_eq!(both.status.code(), Some(2));
    let err = String::from_utf8_lossy(&both.stderr);
    assert!(err.contains("cannot be used with"), "{err}");
}
