//! Nothing lost: `restore` rebuilds the inputs of `clean` byte for byte,
//! for text folders and JSONL (plain and compressed), with every kind of
//! removal, unreadable input skipped, and `--annotate` output.

use crate::helpers::*;
use proptest::prelude::*;
use serde_json::Value;
use std::fs;
use std::io::Write;
use std::path::Path;

/// A generated corpus with something for every rule: exact and near
/// duplicate documents, doubled bodies, near-repeated paragraphs, a corpus
/// template, bylines, dates, captions, credit and embed lines, trailing link
/// lists, menus around the body, a user rule's line, passages shared between
/// documents; in text with accents, emoji, CJK, CRLF line ends and a BOM.
fn documents(seed: u64, n: u64) -> Vec<String> {
    let mut rng = Rng(seed | 1);
    let mut docs: Vec<String> = Vec::new();
    let shared = article(seed ^ 0x5eed, 1);
    // A few made-up words of document `i`, for lines unique to it.
    let words = |i: u64, n: usize| -> Vec<String> {
        article(seed ^ i.wrapping_mul(31), 1)
            .split(' ')
            .take(n)
            .map(str::to_string)
            .collect()
    };
    for i in 0..n {
        let mut text = String::new();
        let pick = rng.below(12);
        if pick == 0 && !docs.is_empty() {
            // An exact copy, or a near one.
            let of = docs[rng.below(docs.len() as u64) as usize].clone();
            docs.push(if rng.below(2) == 0 {
                of
            } else {
                edit(&of, 3, i)
            });
            continue;
        }
        if rng.below(3) == 0 {
            text += &words(i, 6).join("\n");
            text += "\n\n";
        }
        text += &format!("Headline number {i} é😀\n\n");
        if rng.below(3) == 0 {
            text += "By Jane Doe and Kim Lee\n\nPublished 12 March 2024, 10:4{i}\n\n";
        }
        let body = article(seed.wrapping_add(i * 7919), 2 + rng.below(4) as usize);
        text += &body;
        if rng.below(4) == 0 {
            text += &body; // captured twice
        }
        if rng.below(4) == 0 {
            text += &edit(&body, 20, i); // nearly twice
        }
        if i == 1 || i == 2 {
            text += &shared;
        }
        if rng.below(3) == 0 {
            let w = words(i + n, 2);
            text += &format!("Photo: {} {}\n\nSource link\n\n", w[0], w[1]);
        }
        if rng.below(3) == 0 {
            text += "Follow us for the daily newsletter of site number one\n\n";
        }
        text += "中文的句子没有空格。\n\n";
        if rng.below(3) == 0 {
            text += "You may also like\n";
            for line in words(i + 2 * n, 12).chunks(3) {
                text += &line.join(" ");
                text += "\n";
            }
        }
        if rng.below(4) == 0 {
            text = text.replace('\n', "\r\n");
        }
        if i == 0 {
            text.insert(0, '\u{feff}');
        }
        docs.push(text);
    }
    // And the real articles of the bundled sample.
    let mut sample: Vec<_> = fs::read_dir(sample())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    sample.sort();
    docs.extend(sample.iter().map(|p| fs::read_to_string(p).unwrap()));
    docs
}

fn rules(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("rules.txt");
    fs::write(&path, "drop follow us for the daily newsletter\n").unwrap();
    path
}

/// Cleans `inputs` with `extra` flags into `dir/out`, restores into
/// `dir/back`, and returns the report.
fn round_trip(dir: &Path, inputs: &[&Path], extra: &[&str]) -> Value {
    let out = dir.join("out");
    let back = dir.join("back");
    let rules = rules(dir);
    let mut args = vec!["clean"];
    args.extend(inputs.iter().map(|p| s(p)));
    args.extend([
        "--out",
        s(&out),
        "--force",
        "--quiet",
        "--template-min-docs",
        "3",
        "--remove-shared",
        "--on-error",
        "skip",
        "--rules",
        s(&rules),
    ]);
    args.extend(extra);
    ok(&args);
    ok(&["restore", s(&out), "--out", s(&back), "--force"]);
    report(&out.join("report.json"))
}

/// Writes the documents as a folder of text files (with a subfolder, an
/// empty file, a blank one, one with a byte that is not UTF-8, a binary
/// one and one that is not .txt) and as JSONL (plain, gzip, zstd; ids as numbers and strings, ASCII
/// escapes or raw UTF-8, blank and malformed lines, no final newline).
fn write_inputs(dir: &Path, docs: &[String], seed: u64) {
    let txt = dir.join("txt");
    fs::create_dir_all(txt.join("sub")).unwrap();
    for (i, d) in docs.iter().enumerate() {
        let sub = if i % 3 == 0 { "sub/" } else { "" };
        fs::write(txt.join(format!("{sub}{i:03}.txt")), d).unwrap();
    }
    fs::write(txt.join("empty.txt"), "").unwrap();
    fs::write(txt.join("blank.txt"), " \n\t\n").unwrap();
    fs::write(txt.join("latin1.txt"), b"caf\xe9 au lait\n").unwrap();
    // Not text: skipped, and rebuilt from the side file.
    fs::write(txt.join("image.txt"), [0u8, 0xff].repeat(64)).unwrap();
    fs::write(txt.join("notes.md"), "not read").unwrap();

    let mut lines: Vec<String> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            if (i as u64 + seed).is_multiple_of(2) {
                serde_json::json!({"id": i, "text": d, "src": "a/b"}).to_string()
            } else {
                // Python's default: every non-ASCII character escaped.
                let text: String = d
                    .encode_utf16()
                    .map(|u| match u {
                        0x20..=0x7e if u != 0x22 && u != 0x5c => char::from(u as u8).to_string(),
                        _ => format!("\\u{u:04x}"),
                    })
                    .collect();
                format!("{{\"text\": \"{text}\", \"id\": \"d{i}\", \"url\": \"http:\\/\\/x\"}}")
            }
        })
        .collect();
    lines.insert(2, String::new());
    lines.insert(4, "{\"text\": ".into());
    let jsonl = lines.join("\n");
    fs::write(dir.join("a.jsonl"), &jsonl).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(jsonl.as_bytes()).unwrap();
    gz.write_all(b"\n\xff\xfe not UTF-8\n").unwrap();
    fs::write(dir.join("b.jsonl.gz"), gz.finish().unwrap()).unwrap();
    fs::write(
        dir.join("c.jsonl.zst"),
        zstd::encode_all(format!("{jsonl}\n").as_bytes(), 1).unwrap(),
    )
    .unwrap();
}

fn decompressed(path: &Path) -> Vec<u8> {
    let bytes = fs::read(path).unwrap();
    match path.extension().and_then(|e| e.to_str()) {
        Some("gz") => {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)
                .unwrap();
            out
        }
        Some("zst") => zstd::decode_all(&bytes[..]).unwrap(),
        _ => bytes,
    }
}

/// Cleans and restores the text folder and the JSONL files, and checks that
/// everything read comes back. Returns the reports.
fn check_round_trips(seed: u64, docs: u64, extra: &[&str]) -> (Value, Value) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_inputs(d, &documents(seed, docs), seed);

    let txt = d.join("txt");
    let text_report = round_trip(d, &[&txt], extra);
    let read: Vec<_> = tree(&txt)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".txt"))
        .collect();
    assert_eq!(tree(&d.join("back")), read, "seed {seed}: text folder");

    let files = ["a.jsonl", "b.jsonl.gz", "c.jsonl.zst"].map(|f| d.join(f));
    let refs: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    let jsonl_report = round_trip(d, &refs, extra);
    for f in &files {
        let back = d.join("back").join(f.file_name().unwrap());
        assert_eq!(decompressed(&back), decompressed(f), "seed {seed}: {f:?}");
    }
    (text_report, jsonl_report)
}

fn rules_fired(report: &Value) -> Vec<String> {
    report["summary"]["removed_by_rule"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn restore_round_trips_every_kind_of_removal() {
    let (text, jsonl) = check_round_trips(7, 60, &[]);
    for report in [&text, &jsonl] {
        let fired = rules_fired(report);
        for rule in [
            "exact_document",
            "near_duplicate_document",
            "exact_repeat",
            "near_repeat",
            "corpus_template",
            "trailing_block",
            "byline",
            "timestamp",
            "credit_line",
            "outside_body",
            "user_rule",
            "shared_passage",
        ] {
            assert!(fired.contains(&rule.to_string()), "{rule} not in {fired:?}");
        }
        assert!(report["summary"]["documents_skipped"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn restore_round_trips_annotated_output() {
    let (_, jsonl) = check_round_trips(11, 30, &["--annotate"]);
    assert!(jsonl["summary"]["documents_dropped"].as_u64().unwrap() > 0);
}

/// The annotation of a JSONL record names the spans `clean` would cut, in
/// code points of the text.
#[test]
fn annotations_point_at_the_removed_text() {
    let dir = tempfile::tempdir().unwrap();
    let body = article(3, 3);
    let text = format!("Ünïcödé 😀 headline\n\n{body}{body}");
    let input = dir.path().join("a.jsonl");
    fs::write(
        &input,
        format!(
            "{}\n{}\n",
            serde_json::json!({"id": "x", "text": text}),
            serde_json::json!({"id": "y", "text": text})
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    ok(&["clean", s(&input), "--out", s(&out), "--annotate", "-q"]);
    let lines: Vec<Value> = fs::read_to_string(out.join("a.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["text"], text.as_str());
    let chars: Vec<char> = text.chars().collect();
    let spans = lines[0]["neardup"]["spans"].as_array().unwrap();
    assert!(!spans.is_empty());
    let removed: String = spans
        .iter()
        .map(|s| {
            let (a, b) = (
                s[0].as_u64().unwrap() as usize,
                s[1].as_u64().unwrap() as usize,
            );
            chars[a..b].iter().collect::<String>()
        })
        .collect();
    assert_eq!(removed.trim(), body.trim());
    assert_eq!(lines[1]["neardup"]["status"], "dropped");
    assert_eq!(lines[1]["neardup"]["duplicate_of"], "x");
}

#[test]
fn restore_refuses_a_changed_cleaned_copy() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    ok(&["clean", s(&sample()), "--out", s(&out), "-q"]);
    let victim = out.join("004_92d7cee229c4202d.txt");
    let mut text = fs::read_to_string(&victim).unwrap();
    text.push('!');
    fs::write(&victim, text).unwrap();
    let back = dir.path().join("back");
    let err = fails(&["restore", s(&out), "--out", s(&back)]);
    assert!(err.contains("004_92d7cee229c4202d.txt"), "{err}");
    assert!(err.contains("changed after cleaning"), "{err}");
    assert!(!back.exists(), "nothing is left half-written");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn restore_of_clean_is_the_identity(seed in 1u64..u64::MAX, docs in 5u64..40) {
        check_round_trips(seed, docs, &[]);
    }
}

#[test]
fn a_compressed_report_holds_the_same_record_and_restores() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (plain, packed, back) = (d.join("plain"), d.join("packed"), d.join("back"));
    ok(&["clean", s(&sample()), "--out", s(&plain), "-q"]);
    ok(&[
        "clean",
        s(&sample()),
        "--out",
        s(&packed),
        "-q",
        "--report-compress",
    ]);
    assert!(!packed.join("report.json").exists());
    let json = fs::read(plain.join("report.json")).unwrap();
    assert_eq!(decompressed(&packed.join("report.json.zst")), json);
    assert!(packed.join("report.html").is_file() && packed.join("report.pages").is_dir());
    // restore finds the compressed report in the folder by itself.
    ok(&["restore", s(&packed), "--out", s(&back)]);
    assert_eq!(tree(&back), tree(&sample()));

    // scan: by the name given.
    let r = d.join("r.json.zst");
    ok(&["scan", s(&sample()), "--report", s(&r), "-q"]);
    let (scanned, plain_scan) = (decompressed(&r), d.join("p.json"));
    ok(&["scan", s(&sample()), "--report", s(&plain_scan), "-q"]);
    assert_eq!(scanned, fs::read(&plain_scan).unwrap());
    assert!(d.join("r.html").is_file() && d.join("r.pages").is_dir());
    let refused = fails(&[
        "scan",
        s(&sample()),
        "--report",
        s(&d.join("r.json.gz")),
        "-q",
    ]);
    assert!(refused.contains("name it .zst"), "{refused}");
}
