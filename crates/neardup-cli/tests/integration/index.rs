//! The persistent index (`--index`, `neardup index`): a dump cleaned against
//! the index of earlier dumps loses exactly what one run over all of them
//! takes from it; a read-only run adds nothing; an index of other
//! parameters, a second writer and a killed update are refused or survived.

use crate::helpers::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// A generated corpus of `docs` documents with near copies throughout, as
/// JSONL, split at `at` lines into two dumps: (guard, first, second).
fn dumps(docs: usize, at: usize, seed: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all.jsonl");
    ok(&[
        "synth",
        "--docs",
        &docs.to_string(),
        "--seed",
        seed,
        "--dup-rate",
        "0.4",
        "--out",
        s(&all),
        "--truth",
        s(&dir.path().join("truth.jsonl")),
    ]);
    let text = fs::read_to_string(&all).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    fs::write(&a, lines[..at].join("\n") + "\n").unwrap();
    fs::write(&b, lines[at..].join("\n") + "\n").unwrap();
    (dir, a, b)
}

/// The ids of the documents of `file` that a report drops.
fn dropped(report: &Value, file: &Path) -> BTreeSet<String> {
    let name = file.to_string_lossy();
    report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] == "dropped" && d["source"]["file"] == *name)
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

fn stats(index: &Path) -> Value {
    let out = ok(&["index", "stats", s(index), "--json"]);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The same holds whenever the documents' contents are the same in both
/// runs: always with the documents profile; with the full one, when no
/// corpus-wide shared lines are set aside (they are counted over the
/// corpus, so a run over both dumps may find lines that each dump alone has
/// too few of).
#[test]
fn a_dump_against_the_index_loses_what_one_run_over_both_takes() {
    for options in [
        &["--profile", "documents"][..],
        &["--template-min-docs", "0"],
    ] {
        let profile = options.join(" ");
        let (dir, a, b) = dumps(3000, 1400, "5");
        let index = dir.path().join("index");
        let run = |args: &[&str]| ok(&[args, options, &["-q"]].concat());
        run(&["index", "create", s(&a), s(&index)]);
        let out_b = dir.path().join("b-out");
        run(&["clean", s(&b), "--out", s(&out_b), "--index", s(&index)]);
        let out_ab = dir.path().join("ab-out");
        run(&["clean", s(&a), s(&b), "--out", s(&out_ab)]);

        let one_run = report(&out_ab.join("report.json"));
        let against = report(&out_b.join("report.json"));
        let expected = dropped(&one_run, &b);
        assert!(
            expected.len() > 300,
            "{profile}: the corpus has copies across the dumps"
        );
        assert_eq!(dropped(&against, &b), expected, "{profile}");
        // Copies of the first dump's documents name them, in the index.
        let first: BTreeSet<String> = report(&out_ab.join("report.json"))["documents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["source"]["file"] == *a.to_string_lossy() && d["status"] == "kept")
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect();
        let indexed: Vec<&Value> = against["documents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["duplicate_of"]["indexed"].is_object())
            .collect();
        assert!(!indexed.is_empty(), "{profile}");
        for d in indexed {
            let of = &d["duplicate_of"];
            assert!(first.contains(of["id"].as_str().unwrap()), "{of}");
            assert_eq!(of["indexed"]["source"]["file"], *a.to_string_lossy());
            assert!(of.get("index").is_none(), "{of}");
        }
        // The second dump's kept documents were added.
        let kept_a = first.len() as u64;
        let kept_b = against["summary"]["documents_kept"].as_u64().unwrap();
        assert_eq!(stats(&index)["documents"], kept_a + kept_b, "{profile}");
        assert_eq!(stats(&index)["runs"], 2);
    }
}

#[test]
fn a_read_only_run_drops_copies_of_an_evaluation_set_and_adds_nothing() {
    let (dir, eval_set, train) = dumps(2000, 500, "11");
    let index = dir.path().join("eval-index");
    ok(&["index", "create", s(&eval_set), s(&index), "-q"]);
    let manifest = fs::read(index.join("MANIFEST.json")).unwrap();
    let before = stats(&index);
    let out = dir.path().join("train-out");
    ok(&[
        "clean",
        s(&train),
        "--out",
        s(&out),
        "--index",
        s(&index),
        "--read-only",
        "-q",
    ]);
    let r = report(&out.join("report.json"));
    let decontaminated = r["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["duplicate_of"]["indexed"].is_object())
        .count();
    assert!(decontaminated > 50, "{decontaminated}");
    assert_eq!(stats(&index), before);
    assert_eq!(fs::read(index.join("MANIFEST.json")).unwrap(), manifest);
    // Without an index there is nothing read-only could mean.
    misused(&[
        "clean",
        s(&train),
        "--out",
        s(&dir.path().join("x")),
        "--read-only",
    ]);
}

#[test]
fn an_index_of_other_parameters_is_refused_naming_both() {
    let (dir, a, b) = dumps(300, 150, "3");
    let index = dir.path().join("index");
    ok(&["index", "create", s(&a), s(&index), "-q"]);
    let out = dir.path().join("out");
    let err = misused(&[
        "clean",
        s(&b),
        "--out",
        s(&out),
        "--index",
        s(&index),
        "--shingle-size",
        "4",
    ]);
    assert!(
        err.contains("shingles of 5 words") && err.contains("shingles of 4 words"),
        "{err}"
    );
    assert!(!out.exists(), "nothing is written");
    let err = misused(&[
        "scan",
        s(&b),
        "--index",
        s(&index),
        "--profile",
        "documents",
    ]);
    assert!(
        err.contains("profile full") && err.contains("profile documents"),
        "{err}"
    );
}

#[test]
fn an_index_among_the_inputs_or_in_the_output_is_refused() {
    let (dir, a, _) = dumps(300, 150, "6");
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    fs::copy(&a, input.join("a.jsonl")).unwrap();
    let out = dir.path().join("out");
    let inside = input.join("index");
    let err = misused(&["clean", s(&input), "--out", s(&out), "--index", s(&inside)]);
    assert!(err.contains("inside the input"), "{err}");
    let err = misused(&[
        "clean",
        s(&input),
        "--out",
        s(&out),
        "--index",
        s(&out.join("ix")),
    ]);
    assert!(err.contains("inside the output folder"), "{err}");
    assert!(!inside.exists() && !out.exists());
}

#[test]
fn index_commands_say_what_is_missing_or_there_already() {
    let (dir, a, b) = dumps(200, 100, "2");
    let index = dir.path().join("index");
    let err = misused(&["index", "add", s(&b), s(&index)]);
    assert!(err.contains("no index there"), "{err}");
    ok(&["index", "create", s(&a), s(&index), "-q"]);
    let err = misused(&["index", "create", s(&b), s(&index)]);
    assert!(err.contains("already there"), "{err}");
    let err = misused(&["index", "add", s(&index)]);
    assert!(err.contains("give the sources"), "{err}");
    let err = misused(&["index", "stats", s(&dir.path().join("none"))]);
    assert!(err.contains("no index there"), "{err}");
}

#[test]
fn a_second_writer_is_refused() {
    let (dir, a, b) = dumps(300, 150, "4");
    let index = dir.path().join("index");
    ok(&["index", "create", s(&a), s(&index), "-q"]);
    let lock = fs::OpenOptions::new()
        .write(true)
        .open(index.join("LOCK"))
        .unwrap();
    lock.lock().unwrap();
    let out = dir.path().join("out");
    let err = fails(&["clean", s(&b), "--out", s(&out), "--index", s(&index)]);
    assert!(
        err.contains("another neardup run is using this index"),
        "{err}"
    );
    lock.unlock().unwrap();
    ok(&["clean", s(&b), "--out", s(&out), "--index", s(&index), "-q"]);
}

/// Copies the files of folder `from` into a new or emptied folder `to`.
fn copy_folder(from: &Path, to: &Path) {
    if to.exists() {
        fs::remove_dir_all(to).unwrap();
    }
    fs::create_dir(to).unwrap();
    for f in fs::read_dir(from).unwrap() {
        let f = f.unwrap();
        fs::copy(f.path(), to.join(f.file_name())).unwrap();
    }
}

/// Runs killed with SIGKILL at points spread over a run that adds to the
/// index (and just after it): after each, the index holds the documents it
/// held before or those after the whole run, never part of them; it answers
/// queries; and the next writer removes what the killed one left.
#[test]
fn a_killed_update_leaves_the_old_index_whole() {
    let (dir, a, b) = dumps(4000, 2000, "8");
    let pristine = dir.path().join("pristine");
    ok(&["index", "create", s(&a), s(&pristine), "-q"]);
    let before = stats(&pristine)["documents"].as_u64().unwrap();
    // The run whole: how long it takes (the fastest of two, so that a cold
    // cache does not put every kill point after the end), and what it leaves.
    let index = dir.path().join("index");
    let mut whole = std::time::Duration::MAX;
    for _ in 0..2 {
        copy_folder(&pristine, &index);
        let started = std::time::Instant::now();
        ok(&["index", "add", s(&b), s(&index), "-q"]);
        whole = whole.min(started.elapsed());
    }
    let after = stats(&index)["documents"].as_u64().unwrap();
    assert!(after > before);

    let query = fs::read_to_string(&b).unwrap();
    let first: Value = serde_json::from_str(query.lines().next().unwrap()).unwrap();
    let text = first["text"].as_str().unwrap();
    let mut outcomes = Vec::new();
    for k in 1..=6u32 {
        copy_folder(&pristine, &index);
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_neardup"))
            .args(["index", "add", s(&b), s(&index), "-q"])
            .spawn()
            .unwrap();
        std::thread::sleep(whole * k / 5);
        let _ = child.kill();
        child.wait().unwrap();
        let now = stats(&index)["documents"].as_u64().unwrap();
        assert!(now == before || now == after, "kill {k}: {now} documents");
        let hits = ok(&["index", "query", s(&index), text]);
        assert!(!hits.stdout.is_empty(), "kill {k}: the index answers");
        // The next writer sweeps what was left, and adds.
        let out = dir.path().join(format!("again-{k}"));
        ok(&["clean", s(&b), "--out", s(&out), "--index", s(&index), "-q"]);
        let files: Vec<String> = fs::read_dir(&index)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(files.iter().all(|f| !f.ends_with(".tmp")), "{files:?}");
        let runs = stats(&index)["runs"].as_u64().unwrap();
        assert_eq!(files.len() as u64, 2 + 2 * runs, "{files:?}");
        outcomes.push(now == before);
    }
    assert!(
        outcomes.contains(&true),
        "some kills came before the update"
    );
}
