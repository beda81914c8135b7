//! Hostile input: every case gets a clear message naming the file (and line
//! or byte offset), or, with `--on-error skip`, a skip recorded in the
//! report; never a panic, never a silent drop. Cleaned copies of skipped
//! input are rebuilt by `restore` from the side file like any other removal.

use crate::helpers::*;
use serde_json::Value;
use std::fs;
use std::io::Write;
use std::path::Path;

/// Cleans `input` with `--on-error skip` into `out`; checks that `restore`
/// rebuilds every file that could be read, byte for byte; returns the report.
fn clean_skipping(input: &Path, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "clean",
        s(input),
        "--out",
        s(out),
        "--on-error",
        "skip",
        "-q",
    ];
    args.extend_from_slice(extra);
    ok(&args);
    let back = out.with_extension("restored");
    ok(&["restore", s(out), "--out", s(&back)]);
    let original = if input.is_dir() {
        tree(input)
    } else {
        vec![(String::new(), fs::read(input).unwrap())]
    };
    let restored = if input.is_dir() {
        tree(&back)
    } else {
        let name = input.file_name().unwrap();
        vec![(String::new(), fs::read(back.join(name)).unwrap())]
    };
    if input.extension().is_some_and(|e| e == "gz" || e == "zst") {
        // Same content, compressed again.
        let plain = |b: &[u8]| {
            let mut v = Vec::new();
            let _ = std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(b), &mut v);
            v
        };
        if input.extension().is_some_and(|e| e == "gz") {
            assert_eq!(plain(&restored[0].1), plain(&original[0].1));
        }
    } else {
        assert_eq!(restored, original, "restore(clean(x)) == x");
    }
    report(&out.join("report.json"))
}

fn skipped(r: &Value) -> Vec<String> {
    r["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn lone_surrogate_and_missing_text_field_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.jsonl");
    let good = r#"{"id": 1, "text": "a perfectly ordinary record"}"#;
    fs::write(&p, format!("{good}\n{{\"text\": \"bad \\ud800 here\"}}\n")).unwrap();
    let err = fails(&["scan", s(&p)]);
    assert!(
        err.contains("d.jsonl:2: field \"text\" holds a lone surrogate escape"),
        "{err}"
    );
    fs::write(&p, format!("{good}\n{{\"id\": 2, \"body\": \"x\"}}\n")).unwrap();
    let err = fails(&["scan", s(&p)]);
    assert!(err.contains("d.jsonl:2: no field \"text\""), "{err}");

    // Skipped, each named with its line, and the rest cleaned.
    fs::write(
        &p,
        format!(
            "{good}\n{{\"text\": \"\\ud800\"}}\n{{\"id\": 3}}\n{{\"text\": null}}\n{{\"text\": \"trunc\n{good}\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let r = clean_skipping(&p, &out, &[]);
    let reasons = skipped(&r);
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    for (reason, line) in reasons.iter().zip(2..) {
        assert!(reason.contains(&format!("d.jsonl:{line}: ")), "{reason}");
    }
    assert_eq!(r["summary"]["documents"], 2);
}

/// Cuts a compressed stream short.
fn truncated(bytes: Vec<u8>) -> Vec<u8> {
    bytes[..bytes.len() * 2 / 3].to_vec()
}

#[test]
fn truncated_gzip_and_zstd_streams() {
    let dir = tempfile::tempdir().unwrap();
    let lines: String = (0..300u64)
        .map(|i| serde_json::json!({"id": i, "text": article(i, 3)}).to_string() + "\n")
        .collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(lines.as_bytes()).unwrap();
    for (name, bytes) in [
        ("d.jsonl.gz", truncated(gz.finish().unwrap())),
        (
            "d.jsonl.zst",
            truncated(zstd::encode_all(lines.as_bytes(), 3).unwrap()),
        ),
    ] {
        let p = dir.path().join(name);
        fs::write(&p, bytes).unwrap();
        let out = dir.path().join(format!("out-{name}"));
        let err = fails(&["clean", s(&p), "--out", s(&out)]);
        assert!(
            err.contains(name) && err.contains("compressed stream is broken"),
            "{err}"
        );
        assert!(!out.exists(), "nothing written");

        // Skipped: the records before the break are cleaned; the file is
        // named as not restorable.
        ok(&["clean", s(&p), "--out", s(&out), "--on-error", "skip", "-q"]);
        let r = report(&out.join("report.json"));
        let reasons = skipped(&r);
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        assert!(reasons[0].contains("compressed stream is broken"));
        let read = r["summary"]["documents"].as_u64().unwrap();
        assert!(read > 50 && read < 300, "{read}");
        let back = dir.path().join(format!("back-{name}"));
        let restored = ok(&["restore", s(&out), "--out", s(&back)]);
        let said = String::from_utf8_lossy(&restored.stderr);
        assert!(
            said.contains(&format!("{name} was unreadable when cleaned")),
            "{said}"
        );
    }
}

#[test]
fn empty_files_of_every_kind() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    fs::write(input.join("empty.txt"), "").unwrap();
    let out = dir.path().join("out");
    let r = clean_skipping(&input, &out, &[]);
    assert_eq!(r["summary"]["documents_kept"], 1);
    assert_eq!(fs::read(out.join("empty.txt")).unwrap(), b"");
    for name in ["e.jsonl", "e.jsonl.gz", "e.jsonl.zst"] {
        let p = dir.path().join(name);
        fs::write(&p, "").unwrap();
        let out = dir.path().join(format!("out-{name}"));
        // An empty file, even an empty compressed one, holds no records.
        ok(&["clean", s(&p), "--out", s(&out), "-q"]);
        let r = report(&out.join("report.json"));
        assert_eq!(r["summary"]["documents"], 0, "{name}");
        assert!(skipped(&r).is_empty(), "{name}");
    }
}

#[test]
fn binary_and_utf16_files_are_named_not_read_as_text() {
    let (dir, input) = input_dir();
    fs::write(input.join("a.txt"), article(1, 3)).unwrap();
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..2000u32).map(|i| (i * 7 % 251) as u8));
    fs::write(input.join("image.txt"), &png).unwrap();
    // "Hi" in UTF-16LE, with its byte order mark.
    fs::write(input.join("utf16.txt"), b"\xff\xfeH\0i\0").unwrap();
    let out = dir.path().join("out");
    let err = fails(&["clean", s(&input), "--out", s(&out)]);
    assert!(
        err.contains("image.txt: binary file: ") && err.contains("are NUL or not UTF-8"),
        "{err}"
    );
    assert!(!out.exists());
    let r = clean_skipping(&input, &out, &[]);
    let reasons = skipped(&r);
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[1].contains("utf16.txt: binary file") && reasons[1].contains("UTF-16"));
    assert_eq!(
        fs::read(out.join("a.txt")).unwrap(),
        article(1, 3).as_bytes()
    );
    assert!(!out.join("image.txt").exists());
}

#[test]
fn stray_bytes_that_are_not_utf8_and_nul_bytes_are_kept_as_they_were() {
    let (dir, input) = input_dir();
    // A Latin-1 letter and a NUL in the first copy of a body captured
    // twice: the second copy goes, the first is written back byte for byte.
    let body = article(21, 5);
    let mut stray = b"Headline with caf\xe9\n\n".to_vec();
    stray.extend_from_slice(body.replacen("a", "\0", 1).as_bytes());
    let first = stray.clone();
    stray.extend_from_slice(body.as_bytes());
    fs::write(input.join("latin1.txt"), &stray).unwrap();
    // Its exact copy goes as a duplicate; restore needs its bytes back.
    fs::write(input.join("twin.txt"), &stray).unwrap();
    let out = dir.path().join("out");
    // With defaults: no error, no skip.
    ok(&["clean", s(&input), "--out", s(&out), "-q"]);
    let r = clean_skipping(&input, &out.with_extension("skip"), &[]);
    assert!(skipped(&r).is_empty());
    assert_eq!(fs::read(out.join("latin1.txt")).unwrap(), first);
    assert!(!out.join("twin.txt").exists());
    let r = report(&out.join("report.json"));
    assert_eq!(r["summary"]["documents_not_utf8"], 2);
    let docs = r["documents"].as_array().unwrap();
    assert_eq!(docs[0]["invalid_bytes"], 1);
    assert_eq!(docs[1]["status"], "dropped");
    assert_eq!(docs[0]["removed"][0]["kind"], "repeated_paragraph");
    let back = dir.path().join("back");
    ok(&["restore", s(&out), "--out", s(&back)]);
    assert_eq!(tree(&back), tree(&input));
}

#[test]
fn a_record_larger_than_the_limit_is_never_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    // A 3 MB line and a 3 MB text file, with a 1 MiB limit.
    let big = article(7, 20_000);
    assert!(big.len() > 3 << 20);
    let p = dir.path().join("d.jsonl");
    let small = |i: u64| serde_json::json!({"id": i, "text": article(i, 2)}).to_string();
    fs::write(
        &p,
        format!(
            "{}\n{}\n{}\n",
            small(1),
            serde_json::json!({"id": "big", "text": big}),
            small(2)
        ),
    )
    .unwrap();
    let err = fails(&["scan", s(&p), "--max-document", "1"]);
    assert!(
        err.contains("d.jsonl:2: a record of") && err.contains("more than the 1 MiB"),
        "{err}"
    );
    let out = dir.path().join("out");
    let r = clean_skipping(&p, &out, &["--max-document", "1"]);
    assert_eq!(skipped(&r).len(), 1);
    assert_eq!(r["summary"]["documents"], 2);
    assert_eq!(r["parameters"]["max_document_bytes"], 1 << 20);

    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    fs::write(input.join("big.txt"), &big).unwrap();
    fs::write(input.join("small.txt"), article(3, 2)).unwrap();
    // The default limit is a quarter of --memory.
    let err = fails(&["scan", s(&input), "--memory", "16"]);
    assert!(
        err.contains("big.txt:1: a record of") && err.contains("4 MiB"),
        "{err}"
    );
    let err = misused(&["scan", s(&input), "--memory", "8"]);
    assert!(err.contains("at least 16 MiB"), "{err}");
    let out = dir.path().join("out-dir");
    let r = clean_skipping(&input, &out, &["--max-document", "2"]);
    assert_eq!(skipped(&r).len(), 1);
}

/// A generator of text in scripts without spaces or with marks: `pool`
/// characters, `len` of them per sentence.
fn script_text(seed: u64, paragraphs: usize, pool: &[char], spaced: bool) -> String {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut text = String::new();
    for _ in 0..paragraphs {
        for _ in 0..3 {
            let n = 20 + rng.below(20);
            for k in 0..n {
                if spaced && k > 0 && rng.below(5) == 0 {
                    text.push(' ');
                }
                text.push(pool[rng.below(pool.len() as u64) as usize]);
            }
            text.push(if spaced { '.' } else { '。' });
        }
        text.push_str("\n\n");
    }
    text
}

/// Replaces one character in `every` with another from `pool`.
fn edit_chars(text: &str, every: usize, pool: &[char]) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if i % every == every / 2 && !c.is_whitespace() {
                pool[i % pool.len()]
            } else {
                c
            }
        })
        .collect()
}

#[test]
fn unspaced_scripts_right_to_left_marks_and_emoji() {
    let han: Vec<char> = (0x4E00..0x4E00 + 3000).filter_map(char::from_u32).collect();
    let kana: Vec<char> = (0x3041..0x3097)
        .chain(0x30A1..0x30FB)
        .filter_map(char::from_u32)
        .chain(han[..500].iter().copied())
        .collect();
    // Arabic letters, some with a combining vowel mark, and emoji.
    let mut arabic: Vec<char> = (0x0627..0x064B).filter_map(char::from_u32).collect();
    arabic.extend(['\u{064E}', '\u{0650}', '\u{0651}', '😀', '🇺']);
    let (dir, input) = input_dir();
    let mut expected_dropped = Vec::new();
    for (name, pool, spaced) in [
        ("zh", &han, false),
        ("ja", &kana, false),
        ("ar", &arabic, true),
    ] {
        let base = script_text(name.len() as u64 * 31 + 1, 8, pool, spaced);
        fs::write(input.join(format!("{name}-1.txt")), &base).unwrap();
        // One character in 200 changed: a near duplicate, found on
        // character shingles where there are no spaces.
        fs::write(
            input.join(format!("{name}-2.txt")),
            edit_chars(&base, 200, pool),
        )
        .unwrap();
        // Another text in the same script: not a duplicate.
        fs::write(
            input.join(format!("{name}-3.txt")),
            script_text(name.len() as u64 * 31 + 2, 8, pool, spaced),
        )
        .unwrap();
        expected_dropped.push(format!("{name}-2.txt"));
    }
    // The same text with its accents composed and decomposed, and emoji
    // sequences: one document after normalisation.
    let composed = format!("Café déjà vu, naïve coöperation 👩‍👩‍👧 {}", article(5, 4));
    let decomposed: String = composed
        .replace('é', "e\u{0301}")
        .replace('ï', "i\u{0308}")
        .replace('ö', "o\u{0308}");
    fs::write(input.join("nfc.txt"), &composed).unwrap();
    fs::write(input.join("nfd.txt"), &decomposed).unwrap();
    expected_dropped.push("nfd.txt".into());

    let out = dir.path().join("out");
    let r = clean_skipping(&input, &out, &[]);
    let mut dropped: Vec<String> = r["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] == "dropped")
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    dropped.sort();
    expected_dropped.sort();
    assert_eq!(dropped, expected_dropped);
    // Kept documents come out as their original minus the reported spans
    // (random characters are no language's prose, so the body rule may cut).
    for d in r["documents"].as_array().unwrap() {
        let id = d["id"].as_str().unwrap();
        if d["status"] == "kept" {
            let original = fs::read_to_string(input.join(id)).unwrap();
            let cleaned = fs::read_to_string(out.join(id)).unwrap();
            assert_cuts_explain_output(&original, &cleaned, d);
        }
    }
}

#[test]
fn windows_line_ends_and_a_byte_order_mark() {
    let (dir, input) = input_dir();
    let body = article(11, 5).replace('\n', "\r\n");
    // A body captured twice, with CRLF line ends and a BOM.
    let doubled = format!("\u{feff}Headline of the piece\r\n\r\n{body}{body}");
    fs::write(input.join("crlf.txt"), &doubled).unwrap();
    // The same article with LF ends and no BOM: an exact duplicate.
    fs::write(
        input.join("lf.txt"),
        format!("Headline of the piece\n\n{}", article(11, 5)),
    )
    .unwrap();
    let out = dir.path().join("out");
    let r = clean_skipping(&input, &out, &[]);
    let cleaned = fs::read_to_string(out.join("crlf.txt")).unwrap();
    assert_eq!(
        cleaned,
        format!("\u{feff}Headline of the piece\r\n\r\n{body}")
    );
    assert!(
        !cleaned.replace("\r\n", "").contains('\n'),
        "no bare LF left"
    );
    let lf = r["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "lf.txt")
        .unwrap();
    assert_eq!(lf["status"], "dropped");
    assert_eq!(lf["duplicate_of"]["id"], "crlf.txt");
}

#[test]
fn duplicate_ids_and_ids_that_look_like_paths() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.jsonl");
    let ids = ["../x", "/etc/passwd", "a/../../b", "same", "same", "..", ""];
    let lines: String = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            // Records 4 and 5 share an id and are exact duplicates.
            let text = article(if i == 4 { 3 } else { i as u64 }, 3);
            serde_json::json!({"id": id, "text": text}).to_string() + "\n"
        })
        .collect();
    fs::write(&p, &lines).unwrap();
    let box_dir = dir.path().join("box");
    fs::create_dir(&box_dir).unwrap();
    let out = box_dir.join("out");
    for extra in [&[][..], &["--annotate"][..]] {
        let r = clean_skipping(&p, &out, extra);
        let docs = r["documents"].as_array().unwrap();
        assert_eq!(docs.len(), ids.len());
        // Same ids stay apart: each has its own index and line.
        assert_eq!(docs[4]["id"], "same");
        assert_eq!(docs[4]["status"], "dropped");
        assert_eq!(docs[4]["duplicate_of"]["index"], 3);
        assert_eq!(docs[4]["source"]["line"], 5);
        // Ids are never file names: only the JSONL copy and neardup's own
        // files, and nothing beside the output folder.
        let mut names: Vec<String> = tree(&out).into_iter().map(|(n, _)| n).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "d.jsonl",
                "removed.jsonl.zst",
                "report.html",
                "report.json",
                "report.pages/clusters-00000.js",
                "report.pages/docs-00000.js",
                "report.pages/index-00000.js",
                "report.pages/search-00000.js",
                "summary.json"
            ]
        );
        let beside: Vec<_> = fs::read_dir(&box_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(beside.len(), 2, "{beside:?}"); // out and out.restored
        fs::remove_dir_all(&out).unwrap();
        fs::remove_dir_all(out.with_extension("restored")).unwrap();
    }
    assert!(!Path::new("/x").exists() && !dir.path().join("x").exists());
}

#[test]
fn symbolic_link_loops_and_unreadable_entries() {
    let (dir, input) = input_dir();
    fs::create_dir(input.join("sub")).unwrap();
    fs::write(input.join("a.txt"), article(1, 3)).unwrap();
    fs::write(input.join("sub/b.txt"), article(2, 3)).unwrap();
    // A loop back to the top, and one to its own folder.
    std::os::unix::fs::symlink(&input, input.join("sub/up")).unwrap();
    std::os::unix::fs::symlink(".", input.join("sub/self")).unwrap();
    // A dangling link named .txt.
    std::os::unix::fs::symlink(dir.path().join("gone"), input.join("c.txt")).unwrap();
    let out = dir.path().join("out");
    let err = fails(&["clean", s(&input), "--out", s(&out)]);
    assert!(
        err.contains("c.txt") || err.contains("symbolic link loop"),
        "{err}"
    );
    assert!(!out.exists());
    let r = clean_skipping(&input, &out, &[]);
    let reasons = skipped(&r);
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("sub/up: symbolic link loop")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("sub/self: symbolic link loop")),
        "{reasons:?}"
    );
    assert_eq!(r["summary"]["documents_kept"], 2);
    assert_eq!(
        fs::read(out.join("sub/b.txt")).unwrap(),
        article(2, 3).as_bytes()
    );
}

/// A report path that is a folder, names one, links to one, or whose page
/// (`.html`) would replace one is refused before the run; nothing is
/// removed.
#[test]
fn a_report_never_replaces_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for folder in ["reports", "r.html"] {
        fs::create_dir(root.join(folder)).unwrap();
        fs::write(root.join(folder).join("keep"), "keep").unwrap();
    }
    std::os::unix::fs::symlink("reports", root.join("link")).unwrap();
    let before = tree(root);
    let sample = sample();
    for report in ["reports", "reports/", "link", "r.json", "new/"] {
        let path = format!("{}/{report}", s(root));
        let err = fails(&["scan", s(&sample), "--report", &path, "-q"]);
        assert!(err.contains("is a folder"), "{report}: {err}");
        assert_eq!(tree(root), before, "{report}");
    }
    // A file path is fine.
    let path = root.join("out.json");
    ok(&["scan", s(&sample), "--report", s(&path), "-q"]);
    assert!(root.join("out.html").is_file());
}

/// FIFOs and devices given as inputs are refused at once (a FIFO would
/// block the second pass, `/dev/zero` would never end); inside a folder
/// they are passed over, never opened.
#[test]
fn fifos_and_devices_are_refused_not_read() {
    let (dir, input) = input_dir();
    let fifo = input.join("p.txt");
    let c = std::ffi::CString::new(s(&fifo)).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    std::os::unix::fs::symlink("/dev/zero", input.join("z.txt")).unwrap();
    fs::write(input.join("a.txt"), article(1, 3)).unwrap();
    let out = dir.path().join("out");
    for path in [fifo.clone(), input.join("z.txt")] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_neardup"))
            .args([
                "clean",
                s(&path),
                "--out",
                s(&out),
                "--max-document",
                "1",
                "-q",
            ])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                panic!("{path:?}: still running after a minute");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let err = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
        assert_eq!(status.code(), Some(1), "{err}");
        assert!(err.contains("not a regular file"), "{err}");
    }
    ok(&["clean", s(&input), "--out", s(&out), "-q"]);
    assert_eq!(report(&out.join("report.json"))["summary"]["documents"], 1);
}

/// Names that are not UTF-8 would meet in one output name (both become
/// `a\u{FFFD}.txt`): they are refused, or skipped and recorded.
#[test]
fn names_that_are_not_utf8_are_kept_as_bytes() {
    use std::os::unix::ffi::OsStrExt;
    let (dir, input) = input_dir();
    fs::write(input.join("ok.txt"), article(1, 3)).unwrap();
    // Two names that differ only in bytes that are not UTF-8, and a JSONL
    // file and a folder named so.
    let names: [&[u8]; 4] = [
        b"a\xff.txt",
        b"a\xfe.txt",
        b"100%\xff.jsonl",
        b"d\xfe/x.txt",
    ];
    for (k, name) in names.into_iter().enumerate() {
        let path = input.join(std::ffi::OsStr::from_bytes(name));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let text = article(10 + k as u64, 3);
        let body = if name.ends_with(b".jsonl") {
            format!("{}\n", serde_json::json!({ "text": text }))
        } else {
            format!("{text}{text}")
        };
        fs::write(path, body).unwrap();
    }
    let out = dir.path().join("out");
    // With defaults: read, cleaned, each under its own name, restored.
    let r = clean_skipping(&input, &out, &[]);
    assert!(skipped(&r).is_empty());
    assert_eq!(r["summary"]["documents"], 5);
    for name in names {
        let cleaned = fs::read(out.join(std::ffi::OsStr::from_bytes(name))).unwrap();
        let original = fs::read(input.join(std::ffi::OsStr::from_bytes(name))).unwrap();
        assert!(!cleaned.is_empty());
        if !name.ends_with(b".jsonl") {
            // The second copy of the body went.
            assert_eq!(cleaned.len() * 2, original.len());
        }
    }
}

/// A temporary folder among the inputs is refused: a killed run would leave
/// its work files there.
#[test]
fn a_temp_dir_inside_an_input_is_refused() {
    let (dir, input) = input_dir();
    fs::write(input.join("a.txt"), article(1, 3)).unwrap();
    let temp = input.join("tmp");
    fs::create_dir(&temp).unwrap();
    let before = tree(&input);
    let out = dir.path().join("out");
    let err = misused(&["clean", s(&input), "--out", s(&out), "--temp-dir", s(&temp)]);
    assert!(err.contains("inside the input folder"), "{err}");
    assert_eq!(tree(&input), before);
    assert!(!out.exists());
}

/// An input file that would land on a name neardup writes (a folder named
/// `report.json`) is an error naming that file, not a temporary path.
#[test]
fn an_input_on_a_reserved_name_is_named() {
    let (dir, input) = input_dir();
    fs::write(input.join("a.txt"), article(1, 3)).unwrap();
    fs::create_dir(input.join("report.json")).unwrap();
    fs::write(input.join("report.json/b.txt"), article(2, 3)).unwrap();
    let out = dir.path().join("out");
    let err = fails(&["clean", s(&input), "--out", s(&out), "-q"]);
    assert!(
        err.contains("report.json/b.txt: would be written where"),
        "{err}"
    );
    assert!(!err.contains("neardup-tmp"), "{err}");
}

/// `restore` reads bounded amounts whatever the output folder holds: a
/// cleaned copy replaced by a link to `/dev/zero` is refused, and a side
/// file whose one line decompresses to hundreds of megabytes is an error at
/// that line, never read whole.
#[test]
fn restore_is_bounded_on_tampered_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    ok(&["clean", s(&sample()), "--out", s(&out), "-q"]);
    let side = out.join("removed.jsonl.zst");
    let original = fs::read(&side).unwrap();

    let copy = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "txt"))
        .unwrap();
    fs::remove_file(&copy).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &copy).unwrap();
    let err = fails(&["restore", s(&out), "--out", s(&dir.path().join("r1"))]);
    assert!(err.contains("not a regular file"), "{err}");
    assert!(!dir.path().join("r1").exists());

    let header = zstd::decode_all(&original[..]).unwrap();
    let header = header.split(|&b| b == b'\n').next().unwrap().to_vec();
    let mut bomb = zstd::Encoder::new(Vec::new(), 19).unwrap();
    bomb.write_all(&header).unwrap();
    bomb.write_all(b"\n").unwrap();
    for _ in 0..256 {
        bomb.write_all(&[b'a'; 1 << 20]).unwrap();
    }
    fs::write(&side, bomb.finish().unwrap()).unwrap();
    let err = fails(&["restore", s(&out), "--out", s(&dir.path().join("r2"))]);
    assert!(
        err.contains("removed.jsonl.zst:2: a line longer than"),
        "{err}"
    );
    assert!(!dir.path().join("r2").exists());
}

/// An input folder with a link into the output folder is refused: each run
/// would read the last one's output again.
#[test]
fn a_link_from_an_input_into_the_output_is_refused() {
    let (dir, input) = input_dir();
    fs::write(input.join("a.txt"), article(1, 3)).unwrap();
    let out = dir.path().join("out");
    ok(&["clean", s(&input), "--out", s(&out), "-q"]);
    let before = tree(&out);
    std::os::unix::fs::symlink(&out, input.join("previous")).unwrap();
    let err = fails(&["clean", s(&input), "--out", s(&out), "--force", "-q"]);
    assert!(err.contains("leads into the output folder"), "{err}");
    assert_eq!(tree(&out), before);
}

/// A JSONL input cut short while a run reads it: an error naming it, or a
/// finished run if the cut came late; never a signal (a memory-mapped read
/// died of SIGBUS here), and nothing left beside the output.
#[test]
fn an_input_truncated_during_a_run_is_an_error_not_a_crash() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let line = |i: u64| format!("{}\n", serde_json::json!({"id": i, "text": article(i, 6)}));
    let body: String = (0..3000).map(line).collect();
    fs::write(&path, &body).unwrap();
    let out = dir.path().join("out");
    for delay_ms in [50, 200, 600] {
        fs::write(&path, &body).unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_neardup"))
            .args(["clean", s(&path), "--out", s(&out), "-q", "--force"])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(body.len() as u64 / 3)
            .unwrap();
        let done = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&done.stderr);
        assert_eq!(done.status.signal(), None, "killed by a signal: {err}");
        assert!(matches!(done.status.code(), Some(0 | 1)), "{err}");
        if done.status.code() == Some(1) {
            assert!(err.contains("t.jsonl"), "{err}");
        }
        assert!(!err.contains("panicked"), "{err}");
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".neardup-"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
