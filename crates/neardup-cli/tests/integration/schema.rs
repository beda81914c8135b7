//! `report.schema.json` describes the reports neardup writes: real reports
//! of several kinds of run validate against it, and it knows every rule.

use crate::helpers::*;
use serde_json::Value;
use std::fs;

fn validator() -> jsonschema::Validator {
    let path = crate::helpers::repo_root().join("report.schema.json");
    let schema: Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    jsonschema::draft202012::new(&schema).expect("a valid JSON Schema")
}

fn assert_valid(validator: &jsonschema::Validator, report: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

#[test]
fn real_reports_follow_the_schema() {
    let v = validator();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // The sample, cleaned with defaults and with --keep-boilerplate.
    let sample = sample();
    for (name, extra) in [("plain", None), ("flagged", Some("--keep-boilerplate"))] {
        let out = d.join(name);
        let mut args = vec!["clean", s(&sample), "--out", s(&out), "-q"];
        args.extend(extra);
        ok(&args);
        assert_valid(&v, &report(&out.join("report.json")), name);
    }

    // JSONL with duplicates, a skipped line, user rules, shared passages
    // removed, templates; written by `scan`.
    let body = article(1, 4);
    let mut lines: Vec<String> = (0..12u64)
        .map(|i| {
            let text = format!(
                "{}Subscribe to our newsletter today\n\nSponsored line {i}\n",
                if i % 4 == 0 {
                    body.clone()
                } else {
                    article(i + 10, 3) + &body[..200]
                }
            );
            serde_json::json!({"id": i, "text": text}).to_string()
        })
        .collect();
    lines.push("{broken".into());
    let input = d.join("x.jsonl");
    fs::write(&input, lines.join("\n")).unwrap();
    let rules = d.join("rules.txt");
    fs::write(&rules, "drop /^Sponsored line \\d+$/\nkeep subscribe\n").unwrap();
    let scan = d.join("scan.json");
    ok(&[
        "scan",
        s(&input),
        "--report",
        s(&scan),
        "--on-error",
        "skip",
        "--rules",
        s(&rules),
        "--remove-shared",
        "--template-min-docs",
        "3",
        "-q",
    ]);
    let r = report(&scan);
    assert!(r["summary"]["documents_dropped"].as_u64().unwrap() > 0);
    assert_eq!(r["skipped"].as_array().unwrap().len(), 1);
    assert_valid(&v, &r, "scan");
    assert!(
        d.join("scan.html").exists(),
        "scan writes the page beside the report"
    );

    // The sample again, against an index of itself: every document is a
    // copy of an indexed one.
    let index = d.join("index");
    ok(&["index", "create", s(&sample), s(&index), "-q"]);
    let again = d.join("again.json");
    let args = ["scan", s(&sample), "--report", s(&again), "-q"];
    ok(&[&args[..], &["--index", s(&index), "--read-only"]].concat());
    let indexed = report(&again);
    assert!(indexed["documents"][0]["duplicate_of"]["indexed"].is_object());
    assert_valid(&v, &indexed, "indexed");

    // A report that breaks the schema is caught.
    let mut broken = r.clone();
    broken["documents"][0]["removed"] = serde_json::json!([{"start": 0, "end": 1, "kind": "nonsense", "rule": "byline", "text": "x"}]);
    assert!(!v.is_valid(&broken));
    let mut broken = r;
    broken["summary"]
        .as_object_mut()
        .unwrap()
        .remove("bytes_in");
    assert!(!v.is_valid(&broken));
}

#[test]
fn the_schema_lists_every_rule() {
    let path = crate::helpers::repo_root().join("report.schema.json");
    let schema: Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    let listed: Vec<Value> = schema["$defs"]["rule"]["enum"].as_array().unwrap().clone();
    let rules: Vec<Value> = neardup::removal::Rule::ALL
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    assert_eq!(listed, rules);
}
