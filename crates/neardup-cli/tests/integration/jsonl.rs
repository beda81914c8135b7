//! JSONL in and out: kept records keep every other field byte for byte;
//! compressed inputs give compressed outputs.

use crate::helpers::*;
use serde_json::{json, Value};
use std::fs;
use std::io::{Read, Write};

fn records() -> Vec<String> {
    let a = article(1, 6);
    let doubled = format!("{a}{}", article(1, 6).split("\n\n").nth(2).unwrap());
    vec![
        json!({"id": "a", "text": a, "meta": {"url": "http://x/a", "n": [1, 2.5, null]}})
            .to_string(),
        // Same text in other whitespace and case: an exact duplicate.
        json!({"id": "b", "text": a.to_uppercase().replace("\n\n", "\n"), "lang": "xx"})
            .to_string(),
        // A few words changed: a near duplicate.
        format!(
            r#"{{"meta":   {{"k": "v"}}, "text": {}, "id": "c"}}"#,
            json!(edit(&a, 8, 9))
        ),
        json!({"id": "d", "text": article(2, 5), "extra": "ünïcødé \u{1F600}"}).to_string(),
        json!({"id": "e", "text": doubled}).to_string(),
    ]
}

#[test]
fn jsonl_round_trip_keeps_other_fields_and_drops_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("docs.jsonl");
    let lines = records();
    fs::write(&input, lines.join("\n") + "\n").unwrap();
    let text = |i: usize| {
        serde_json::from_str::<Value>(&lines[i]).unwrap()["text"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        jaccard5(&text(0), &text(2)) > 0.85,
        "fixture: c is a near copy of a"
    );
    assert!(
        jaccard5(&text(0), &text(4)) > 0.85,
        "fixture: e is a near copy of a"
    );
    let out = dir.path().join("out");
    ok(&["clean", s(&input), "--out", s(&out)]);

    let cleaned = fs::read_to_string(out.join("docs.jsonl")).unwrap();
    let kept: Vec<&str> = cleaned.lines().collect();
    assert_eq!(
        kept.len(),
        2,
        "a and d kept; b, c, e are copies of a:\n{cleaned}"
    );
    assert_eq!(kept[0], lines[0], "untouched record is byte-identical");
    assert_eq!(kept[1], lines[3]);

    let r = report(&out.join("report.json"));
    let docs = r["documents"].as_array().unwrap();
    let status: Vec<&str> = docs.iter().map(|d| d["status"].as_str().unwrap()).collect();
    assert_eq!(status, ["kept", "dropped", "dropped", "kept", "dropped"]);
    assert_eq!(docs[1]["rule"], "exact_document");
    assert_eq!(docs[1]["duplicate_of"]["id"], "a");
    assert_eq!(docs[2]["rule"], "near_duplicate_document");
    assert_eq!(docs[2]["duplicate_of"]["id"], "a");
    let sim = docs[2]["duplicate_of"]["similarity"].as_f64().unwrap();
    assert!((0.5..1.0).contains(&sim), "{sim}");
    assert_eq!(docs[0]["source"]["line"], 1);
    assert_eq!(docs[3]["source"]["line"], 4);
}

#[test]
fn changed_record_keeps_other_fields_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("one.jsonl");
    let body = article(5, 4);
    let para = body.split("\n\n").next().unwrap();
    let text = format!("{body}{para}\n");
    let line = format!(
        r#"{{"z": 1,  "text":{} , "id":"x", "a": {{"b": "c"}}}}"#,
        json!(text)
    );
    fs::write(&input, &line).unwrap(); // no final newline
    let out = dir.path().join("out");
    ok(&["clean", s(&input), "--out", s(&out)]);
    let cleaned = fs::read_to_string(out.join("one.jsonl")).unwrap();
    assert!(
        !cleaned.ends_with('\n'),
        "the missing final newline stays missing"
    );
    let v: Value = serde_json::from_str(&cleaned).unwrap();
    assert_eq!(
        v["text"].as_str().unwrap(),
        body.trim_end_matches('\n').to_string() + "\n"
    );
    let prefix = r#"{"z": 1,  "text":"#;
    assert!(
        cleaned.starts_with(prefix) && cleaned.ends_with(r#" , "id":"x", "a": {"b": "c"}}"#),
        "{cleaned}"
    );
}

#[test]
fn gzip_and_zstd_inputs_give_same_compression_out() {
    let dir = tempfile::tempdir().unwrap();
    let plain = records().join("\n") + "\n";
    let gz = dir.path().join("d.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(
        fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(plain.as_bytes()).unwrap();
    enc.finish().unwrap();
    let zst = dir.path().join("e.jsonl.zst");
    fs::write(&zst, zstd::encode_all(plain.as_bytes(), 3).unwrap()).unwrap();
    let txt = dir.path().join("plain.jsonl");
    fs::write(&txt, &plain).unwrap();

    let out = dir.path().join("out");
    ok(&["clean", s(&txt), s(&gz), s(&zst), "--out", s(&out)]);
    let mut from_gz = String::new();
    flate2::read::GzDecoder::new(fs::File::open(out.join("d.jsonl.gz")).unwrap())
        .read_to_string(&mut from_gz)
        .unwrap();
    let from_zst = String::from_utf8(
        zstd::decode_all(fs::File::open(out.join("e.jsonl.zst")).unwrap()).unwrap(),
    )
    .unwrap();
    let from_plain = fs::read_to_string(out.join("plain.jsonl")).unwrap();
    // Across files, the copies in the later files are duplicates of the first.
    assert_eq!(from_plain.lines().count(), 2);
    assert_eq!(from_gz, "");
    assert_eq!(from_zst, "");
    let r = report(&out.join("report.json"));
    assert_eq!(r["summary"]["documents"], 15);
    assert_eq!(r["summary"]["documents_kept"], 2);
}

#[test]
fn custom_text_and_id_fields() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("c.jsonl");
    let a = article(3, 3);
    let lines = [
        json!({"doc_id": 17, "body": a}).to_string(),
        json!({"doc_id": 18, "body": a}).to_string(),
    ];
    fs::write(&input, lines.join("\n")).unwrap();
    let err = fails(&["scan", s(&input)]);
    assert!(err.contains("c.jsonl:1: no field \"text\""), "{err}");
    let out = ok(&[
        "scan",
        s(&input),
        "--text-field",
        "body",
        "--id-field",
        "doc_id",
    ]);
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["documents"][1]["duplicate_of"]["id"], "17");
    assert_eq!(r["documents"][1]["id"], "18");
}
