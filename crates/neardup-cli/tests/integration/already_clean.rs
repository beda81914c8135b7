//! Already-clean text keeps its own lines: excerpts of BBC News and
//! Reuters-21578 (`tests/data/already-clean`) lose nothing but in-document
//! repeats and the newswire's sign-off, with every rule on.

use crate::helpers::{ok, report, s};
use serde_json::Value;
use std::path::Path;

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/already-clean")
        .join(name)
}

/// Cleans `input` with the defaults; returns the report's kept documents.
fn kept(input: &Path) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    ok(&["clean", s(input), "--out", s(&out), "-q"]);
    let r = report(&out.join("report.json"));
    r["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] == "kept")
        .cloned()
        .collect()
}

/// The spans removed from `doc` other than repeats inside it.
fn removed(doc: &Value) -> Vec<&Value> {
    doc["removed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] != "repeated_paragraph")
        .collect()
}

#[test]
fn bbc_articles_lose_nothing() {
    let docs = kept(&data("bbc"));
    assert_eq!(docs.len(), 7);
    for doc in &docs {
        assert_eq!(removed(doc), Vec::<&Value>::new(), "{}", doc["id"]);
        assert!(
            doc["flagged"].as_array().is_none_or(Vec::is_empty),
            "{}",
            doc["id"]
        );
    }
}

#[test]
fn reuters_stories_lose_only_their_sign_off() {
    let docs = kept(&data("reuters.jsonl"));
    assert_eq!(docs.len(), 18);
    let mut sign_offs = 0;
    for doc in &docs {
        for span in removed(doc) {
            // No title, no row of a table, no sentence: the sign-off only.
            assert_eq!(
                span["text"].as_str().unwrap().trim(),
                "Reuter",
                "{}",
                doc["id"]
            );
            assert_eq!(span["rule"], "corpus_template");
            assert_ne!(span["start"], 0);
            sign_offs += 1;
        }
    }
    assert_eq!(sign_offs, docs.len());
}
