//! The bundled sample dump: what must go and what must stay, exactly.

use crate::helpers::*;
use std::fs;

fn lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

fn count(haystack: &[&str], line: &str) -> usize {
    haystack.iter().filter(|l| **l == line).count()
}

#[test]
fn sample_is_cleaned_as_expected() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cleaned");
    let stdout = ok(&["clean", s(&sample()), "--out", s(&out)]);
    let summary = String::from_utf8(stdout.stdout).unwrap();
    assert!(
        summary.contains("5 documents in, 5 kept, 0 dropped"),
        "{summary}"
    );

    let read = |dir: &std::path::Path, name: &str| fs::read_to_string(dir.join(name)).unwrap();
    let report = report(&out.join("report.json"));
    let docs = report["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 5);
    assert!(
        docs.iter().all(|d| d["status"] == "kept"),
        "no article is dropped"
    );

    for doc in docs {
        let name = doc["id"].as_str().unwrap();
        assert_cuts_explain_output(&read(&sample(), name), &read(&out, name), doc);
    }

    // 000 and 002 carry no waste: byte-identical.
    for name in ["000_c2cc60b2651c84c4.txt", "002_9d642e258972d604.txt"] {
        assert_eq!(read(&sample(), name), read(&out, name), "{name}");
    }

    // 001: the byline block goes; headline, standfirst and body stay once.
    let original = read(&sample(), "001_eab3c6313df7ae51.txt");
    let cleaned = read(&out, "001_eab3c6313df7ae51.txt");
    let (orig, clean) = (lines(&original), lines(&cleaned));
    let byline = ["By contributor AP Reporters", "Published", "Last updated"];
    for l in byline {
        assert_eq!(count(&clean, l), 0, "{l}");
    }
    let captions: Vec<&str> = orig
        .iter()
        .copied()
        .filter(|l| {
            l.ends_with("via AP)")
                || l.starts_with("Ukrainian servicemen fire")
                || l.starts_with("Cars burn")
        })
        .collect();
    assert_eq!(captions.len(), 4);
    for l in &orig {
        if !byline.contains(l) && !captions.contains(l) {
            assert_eq!(count(&clean, l), 1, "kept once: {l}");
        }
    }
    assert!(
        clean[0].starts_with("China rejects claim"),
        "headline first"
    );

    // 003: the "Source link" line goes, everything else stays.
    let original = read(&sample(), "003_cd478b5acfd1d8e8.txt");
    let cleaned = read(&out, "003_cd478b5acfd1d8e8.txt");
    assert_eq!(cleaned, original.strip_suffix("\nSource link").unwrap());

    // 004: the body was captured twice, then a list of unrelated headlines.
    let original = read(&sample(), "004_92d7cee229c4202d.txt");
    let cleaned = read(&out, "004_92d7cee229c4202d.txt");
    let (orig, clean) = (lines(&original), lines(&cleaned));
    let second_copy = orig
        .iter()
        .skip(1)
        .position(|l| *l == orig[1])
        .map(|p| p + 1)
        .expect("the body repeats");
    let list_start = orig.iter().position(|l| *l == "You may also like").unwrap();
    for l in &orig[..second_copy] {
        assert_eq!(count(&clean, l), 1, "first copy kept exactly once: {l}");
    }
    for l in &orig[list_start..] {
        assert_eq!(count(&clean, l), 0, "trailing list removed: {l}");
    }
    let doc4 = &docs[4];
    let repeats = doc4["removed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "repeated_paragraph")
        .count();
    assert_eq!(repeats, 13, "every repeated paragraph reported");
    let twin = doc4["removed"][0]["duplicate_of"].clone();
    assert_eq!(twin["id"], "004_92d7cee229c4202d.txt");
    assert_eq!(twin["similarity"], 1.0);
}

#[test]
fn cleaning_a_cleaned_output_removes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (once, twice) = (dir.path().join("once"), dir.path().join("twice"));
    ok(&["clean", s(&sample()), "--out", s(&once)]);
    ok(&["clean", s(&once), "--out", s(&twice)]);
    let r = report(&twice.join("report.json"));
    assert_eq!(r["summary"]["segments_removed"], 0, "{}", r["summary"]);
    assert_eq!(r["summary"]["documents_dropped"], 0);
    for entry in fs::read_dir(&once).unwrap() {
        let name = entry.unwrap().file_name();
        if name.to_string_lossy().ends_with(".txt") {
            assert_eq!(
                fs::read(once.join(&name)).unwrap(),
                fs::read(twice.join(&name)).unwrap()
            );
        }
    }
}

#[test]
fn inputs_are_never_modified_and_output_must_be_outside_them() {
    let (dir, input) = input_dir();
    for e in fs::read_dir(sample()).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), input.join(e.file_name())).unwrap();
    }
    let before: Vec<Vec<u8>> = sorted_files(&input)
        .iter()
        .map(|p| fs::read(p).unwrap())
        .collect();
    let err = fails(&["clean", s(&input), "--out", s(&input.join("out"))]);
    assert!(err.contains("must not be an input or inside one"), "{err}");
    let err = fails(&["clean", s(&input), "--out", s(&input), "--force"]);
    assert!(err.contains("must not be an input"), "{err}");
    let err = fails(&["clean", s(&input), "--out", s(dir.path()), "--force"]);
    assert!(err.contains("must not contain an input"), "{err}");

    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("keep.txt"), "x").unwrap();
    let err = fails(&["clean", s(&input), "--out", s(&out)]);
    assert!(err.contains("--force"), "{err}");
    ok(&["clean", s(&input), "--out", s(&out), "--force"]);
    assert!(
        !out.join("keep.txt").exists(),
        "--force replaces the folder"
    );
    let after: Vec<Vec<u8>> = sorted_files(&input)
        .iter()
        .map(|p| fs::read(p).unwrap())
        .collect();
    assert_eq!(before, after);
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("neardup-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no staging folders left: {leftovers:?}"
    );
}

fn sorted_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn scan_writes_the_same_report_as_clean() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    ok(&["clean", s(&sample()), "--out", s(&out), "--quiet"]);
    let scan = ok(&["scan", s(&sample())]);
    assert_eq!(scan.stdout, fs::read(out.join("report.json")).unwrap());
    assert!(String::from_utf8_lossy(&scan.stderr).contains("neardup scan: 5 documents in"));
    let file = dir.path().join("r.json");
    let quiet = ok(&["scan", s(&sample()), "--report", s(&file), "--quiet"]);
    assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty());
    assert_eq!(fs::read(&file).unwrap(), scan.stdout);
    let r = report(&file);
    assert_eq!(r["parameters"]["permutations"], 128);
    assert_eq!(r["parameters"]["shingle_size"], 5);
    assert_eq!(r["parameters"]["threshold"], 0.8);
    assert!(
        r["parameters"]["bands"].as_u64().unwrap() * r["parameters"]["rows"].as_u64().unwrap()
            <= 128
    );
    assert_eq!(r["neardup_version"], env!("CARGO_PKG_VERSION"));
}
