//! Folders of shards, as pipelines keep them: JSON Lines files of every
//! spelling and compression, mixed with text files and files neardup does
//! not read, each mirrored under the output folder.

use crate::helpers::*;
use serde_json::{json, Value};
use std::fs;
use std::io::Write;
use std::path::Path;

fn lines(records: &[Value]) -> Vec<u8> {
    records
        .iter()
        .map(|r| format!("{r}\n"))
        .collect::<String>()
        .into_bytes()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn gunzip(path: &Path) -> String {
    String::from_utf8(gunzip_bytes(path)).unwrap()
}

#[test]
fn a_folder_of_shards_is_read_whole_and_mirrored() {
    let (dir, input) = input_dir();
    let record =
        |id: &str, seed: u64| json!({"id": id, "text": article(seed, 4), "meta": {"url": id}});
    fs::create_dir_all(input.join("a")).unwrap();
    fs::create_dir_all(input.join("b")).unwrap();
    fs::create_dir_all(input.join("c")).unwrap();
    // The same base name in two crawls; a copy of a/x in b, and of a/y in c.
    fs::write(
        input.join("a/part-0.jsonl.gz"),
        gzip(&lines(&[record("a-x", 1), record("a-y", 2)])),
    )
    .unwrap();
    fs::write(
        input.join("b/part-0.jsonl.gz"),
        gzip(&lines(&[record("b-z", 3), record("b-x", 1)])),
    )
    .unwrap();
    fs::write(input.join("c/train.json"), lines(&[record("c-y", 2)])).unwrap();
    fs::write(
        input.join("c/more.ndjson.zst"),
        zstd::encode_all(&lines(&[record("c-w", 4)])[..], 0).unwrap(),
    )
    .unwrap();
    fs::write(input.join("page.txt"), article(5, 4)).unwrap();
    fs::write(input.join("notes.md"), "# notes\n").unwrap();
    fs::write(input.join("data.csv"), b"a,b\n").unwrap();
    let out = dir.path().join("out");
    let run = ok(&["clean", s(&input), "--out", s(&out)]);
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(
        said.contains("passed over, not a kind neardup reads: 2 files (.csv 1, .md 1)"),
        "{said}"
    );
    let r = report(&out.join("report.json"));
    assert_eq!(r["summary"]["documents"], 7);
    assert_eq!(r["inputs"][0]["kind"], "folder");
    assert_eq!(r["inputs"][0]["passed_over"], json!({".csv": 1, ".md": 1}));
    let dropped: Vec<(&str, &str)> = r["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] == "dropped")
        .map(|d| {
            (
                d["id"].as_str().unwrap(),
                d["duplicate_of"]["id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(dropped, [("b-x", "a-x"), ("c-y", "a-y")]);
    // Each shard mirrored, in its format, with the kept records whole.
    let kept_ids = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(
        kept_ids(&gunzip(&out.join("a/part-0.jsonl.gz"))),
        ["a-x", "a-y"]
    );
    assert_eq!(kept_ids(&gunzip(&out.join("b/part-0.jsonl.gz"))), ["b-z"]);
    assert_eq!(fs::read_to_string(out.join("c/train.json")).unwrap(), "");
    let more = zstd::decode_all(&fs::read(out.join("c/more.ndjson.zst")).unwrap()[..]).unwrap();
    assert_eq!(more, lines(&[record("c-w", 4)]));
    assert_eq!(
        fs::read_to_string(out.join("page.txt")).unwrap(),
        article(5, 4)
    );
    assert!(!out.join("notes.md").exists());
    let back = dir.path().join("back");
    ok(&["restore", s(&out), "--out", s(&back)]);
    let plain = |tree: Vec<(String, Vec<u8>)>| -> Vec<(String, Vec<u8>)> {
        tree.into_iter()
            .filter(|(name, _)| name.ends_with(".txt") || name.ends_with(".json"))
            .collect()
    };
    assert_eq!(plain(tree(&back)), plain(tree(&input)));
    assert_eq!(
        gunzip(&back.join("b/part-0.jsonl.gz")),
        gunzip(&input.join("b/part-0.jsonl.gz"))
    );
}

#[test]
fn a_folder_with_nothing_to_read_says_what_it_holds() {
    let (dir, input) = input_dir();
    fs::write(input.join("train-00000-of-00002.arrow"), b"ARROW1").unwrap();
    fs::write(input.join("train-00001-of-00002.arrow"), b"ARROW1").unwrap();
    fs::write(input.join("README"), b"notes").unwrap();
    let err = fails(&["clean", s(&input), "--out", s(&dir.path().join("out"))]);
    assert!(err.contains("no file neardup reads"), "{err}");
    assert!(err.contains("found 3 files (.arrow 2, (none) 1)"), "{err}");
}

#[test]
fn json_lines_named_json_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("train.json");
    fs::write(
        &path,
        lines(&[
            json!({"text": article(1, 3)}),
            json!({"text": article(1, 3)}),
        ]),
    )
    .unwrap();
    let out = dir.path().join("out");
    ok(&["clean", s(&path), "--out", s(&out), "-q"]);
    let r = report(&out.join("report.json"));
    assert_eq!(r["documents"][1]["duplicate_of"]["id"], "train.json:1");
}

#[test]
fn inputs_that_share_a_name_keep_their_paths() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("crawlA"), dir.path().join("crawlB"));
    fs::create_dir_all(&a).unwrap();
    fs::create_dir_all(&b).unwrap();
    let (pa, pb) = (a.join("part-0000.jsonl"), b.join("part-0000.jsonl"));
    fs::write(&pa, lines(&[json!({"id": "a1", "text": article(1, 4)})])).unwrap();
    fs::write(
        &pb,
        lines(&[
            json!({"id": "b1", "text": article(1, 4)}),
            json!({"id": "b2", "text": article(2, 4)}),
        ]),
    )
    .unwrap();
    let out = dir.path().join("out");
    ok(&["clean", s(&pa), s(&pb), "--out", s(&out), "-q"]);
    let r = report(&out.join("report.json"));
    assert_eq!(r["documents"][1]["duplicate_of"]["id"], "a1");
    assert_eq!(
        fs::read(out.join("crawlA/part-0000.jsonl")).unwrap(),
        fs::read(&pa).unwrap()
    );
    let kept = fs::read_to_string(out.join("crawlB/part-0000.jsonl")).unwrap();
    assert_eq!(kept.lines().count(), 1);
    let back = dir.path().join("back");
    ok(&["restore", s(&out), "--out", s(&back)]);
    assert_eq!(
        fs::read(back.join("crawlB/part-0000.jsonl")).unwrap(),
        fs::read(&pb).unwrap()
    );
    // A file given twice, or inside a folder also given, is refused.
    let err = fails(&["clean", s(&pa), s(&pa), "--out", s(&dir.path().join("o2"))]);
    assert!(err.contains("is given twice"), "{err}");
    let err = fails(&["clean", s(&a), s(&pa), "--out", s(&dir.path().join("o3"))]);
    assert!(err.contains("is inside, or holds, the input"), "{err}");
}

#[test]
fn dropped_documents_and_the_summary_for_a_pipeline() {
    let (dir, input) = input_dir();
    fs::write(
        input.join("part-0.jsonl"),
        lines(&[
            json!({"id": "k", "text": article(1, 4), "url": "u1"}),
            json!({"id": "d", "text": article(1, 4), "url": "u2"}),
        ]),
    )
    .unwrap();
    fs::write(input.join("a.txt"), article(2, 4)).unwrap();
    fs::write(input.join("b.txt"), article(2, 4)).unwrap();
    let out = dir.path().join("out");
    let dropped = dir.path().join("dropped.jsonl.gz");
    ok(&[
        "clean",
        s(&input),
        "--out",
        s(&out),
        "--dropped",
        s(&dropped),
        "-q",
    ]);
    let text = gunzip(&dropped);
    let rows: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["id"], "b.txt");
    assert_eq!(rows[0]["duplicate_of"]["id"], "a.txt");
    assert_eq!(rows[0]["rule"], "exact_document");
    assert_eq!(rows[0]["text"], article(2, 4));
    assert_eq!(rows[1]["id"], "d");
    assert_eq!(rows[1]["duplicate_of"]["id"], "k");
    // The original record, every field kept.
    assert_eq!(
        rows[1]["record"],
        json!({"id": "d", "text": article(1, 4), "url": "u2"})
    );
    assert!(rows[1]["similarity"].as_f64().unwrap() >= 0.8);
    let summary: Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["format"], "neardup-summary");
    assert_eq!(summary["command"], "clean");
    assert_eq!(summary["summary"]["documents"], 4);
    assert_eq!(summary["summary"]["documents_dropped"], 2);
    // scan writes the same files where it is told.
    let (dropped2, summary2) = (dir.path().join("d2.jsonl"), dir.path().join("s2.json"));
    ok(&[
        "scan",
        s(&input),
        "--report",
        s(&dir.path().join("r.json")),
        "--dropped",
        s(&dropped2),
        "--summary",
        s(&summary2),
        "-q",
    ]);
    assert_eq!(fs::read_to_string(&dropped2).unwrap(), text);
    let scanned: Value = serde_json::from_str(&fs::read_to_string(&summary2).unwrap()).unwrap();
    assert_eq!(scanned["summary"], summary["summary"]);
    // Never inside the output, which is replaced whole, nor in an input.
    let err = fails(&[
        "clean",
        s(&input),
        "--out",
        s(&out),
        "--force",
        "--dropped",
        s(&out.join("d.jsonl")),
    ]);
    assert!(
        err.contains("must not be inside the output folder"),
        "{err}"
    );
    let err = fails(&["scan", s(&input), "--dropped", s(&input.join("d.jsonl"))]);
    assert!(
        err.contains("must not be an input or inside an input folder"),
        "{err}"
    );
}

#[test]
fn a_text_field_inside_an_object_is_cut_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.jsonl");
    let body = article(3, 4);
    let doubled = format!("{body}\n\n{body}");
    fs::write(
        &path,
        lines(&[
            json!({"doc": {"uid": "a", "content": {"text": doubled}}, "lang": "en"}),
            json!({"doc": {"uid": "b", "content": {"text": article(4, 4)}}, "lang": "en"}),
        ]),
    )
    .unwrap();
    let out = dir.path().join("out");
    ok(&[
        "clean",
        s(&path),
        "--out",
        s(&out),
        "--text-field",
        "doc.content.text",
        "--id-field",
        "doc.uid",
        "-q",
    ]);
    let r = report(&out.join("report.json"));
    assert_eq!(r["documents"][0]["id"], "a");
    assert_eq!(
        r["documents"][0]["removed"][0]["kind"],
        "repeated_paragraph"
    );
    let first: Value = serde_json::from_str(
        fs::read_to_string(out.join("d.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        first["doc"]["content"]["text"].as_str().unwrap().trim_end(),
        body.trim_end()
    );
    assert_eq!(first["lang"], "en");
    let back = dir.path().join("back");
    ok(&["restore", s(&out), "--out", s(&back)]);
    assert_eq!(
        fs::read(back.join("d.jsonl")).unwrap(),
        fs::read(&path).unwrap()
    );
}

#[test]
fn a_pattern_the_shell_left_alone_is_expanded() {
    let dir = tempfile::tempdir().unwrap();
    for (name, seed) in [("part-1.jsonl", 1), ("part-0.jsonl", 1), ("other.jsonl", 2)] {
        fs::write(
            dir.path().join(name),
            lines(&[json!({"id": name, "text": article(seed, 4)})]),
        )
        .unwrap();
    }
    let out = dir.path().join("out");
    let pattern = dir.path().join("part-*.jsonl");
    ok(&["clean", s(&pattern), "--out", s(&out), "-q"]);
    let r = report(&out.join("report.json"));
    // In sorted order, the other file left out.
    let ids: Vec<&str> = r["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["part-0.jsonl", "part-1.jsonl"]);
    assert_eq!(r["documents"][1]["duplicate_of"]["id"], "part-0.jsonl");
    assert!(out.join("part-0.jsonl").exists() && !out.join("other.jsonl").exists());
    let err = fails(&["scan", s(&dir.path().join("none-*.jsonl"))]);
    assert!(
        err.contains("no file or folder matches this pattern"),
        "{err}"
    );
}

#[test]
fn a_json_document_in_a_folder_is_passed_over_not_misread() {
    let (dir, input) = input_dir();
    fs::write(input.join("a.txt"), article(1, 3)).unwrap();
    fs::write(
        input.join("config.json"),
        "{\n  \"name\": \"crawl\",\n  \"pages\": 3\n}\n",
    )
    .unwrap();
    fs::write(input.join("list.json"), "[1, 2, 3]\n").unwrap();
    fs::write(
        input.join("train.json"),
        lines(&[json!({"text": article(2, 3)})]),
    )
    .unwrap();
    let out = dir.path().join("out");
    ok(&["clean", s(&input), "--out", s(&out), "-q"]);
    let r = report(&out.join("report.json"));
    assert_eq!(r["summary"]["documents"], 2);
    assert_eq!(
        r["inputs"][0]["passed_over"],
        json!({"(.json, not JSON Lines)": 2})
    );
}
