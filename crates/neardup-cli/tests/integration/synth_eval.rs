//! The benchmark loop: generate a corpus with known duplicates, scan it,
//! score the report against the truth.

use crate::helpers::*;
use std::fs;

#[test]
fn generated_duplicates_are_found_with_high_accuracy() {
    let dir = tempfile::tempdir().unwrap();
    let (corpus, truth, report) = (
        dir.path().join("c.jsonl.zst"),
        dir.path().join("t.jsonl"),
        dir.path().join("r.json"),
    );
    // No source: sentences of the bundled sample.
    ok(&[
        "synth",
        "--docs",
        "1500",
        "--seed",
        "9",
        "--out",
        s(&corpus),
        "--truth",
        s(&truth),
    ]);
    assert_eq!(fs::read_to_string(&truth).unwrap().lines().count(), 1500);
    ok(&["scan", s(&corpus), "--report", s(&report), "--quiet"]);
    let out = ok(&["eval", "--truth", s(&truth), s(&report)]);
    let text = String::from_utf8(out.stdout).unwrap();
    let row = |name: &str| -> Vec<f64> {
        let line = text.lines().find(|l| l.starts_with(name)).expect(name);
        line[name.len()..]
            .split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect()
    };
    // documents, precision, recall, F1, ARI
    let floor = row("copies with Jaccard >= 0.85");
    assert!(
        floor[1] >= 0.95 && floor[2] >= 0.95 && floor[3] >= 0.95,
        "{text}"
    );
    let all = row("all documents");
    assert_eq!(all[0], 1500.0);
    assert!(all[1] >= 0.95, "precision over all documents: {text}");
    assert!(
        text.contains("documents dropped as a copy of another true cluster: 0"),
        "{text}"
    );
}

#[test]
fn synth_is_deterministic_and_rejects_bad_rates() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str| {
        let (c, t) = (
            dir.path().join(format!("{name}.jsonl")),
            dir.path().join(format!("{name}.t")),
        );
        ok(&[
            "synth",
            "--docs",
            "300",
            "--seed",
            "4",
            "--out",
            s(&c),
            "--truth",
            s(&t),
        ]);
        (fs::read(c).unwrap(), fs::read(t).unwrap())
    };
    assert_eq!(run("a"), run("b"));
    let err = fails(&["synth", "--dup-rate", "1.5", "--out", "x", "--truth", "y"]);
    assert!(err.contains("--dup-rate must be in [0, 1]"), "{err}");
}
