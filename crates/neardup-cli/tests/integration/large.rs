//! The largest hostile inputs: a 1 GB line, a 200 MB document, a folder of
//! a million tiny files. Too slow for every test run, so ignored; run them
//! with `cargo test --release --test integration -- --ignored large::`.
//! Each run is measured with GNU time, and peak memory is checked.

use crate::helpers::*;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;

/// Runs neardup under GNU time; returns (success, stderr, peak RSS in MB).
fn measured(args: &[&str]) -> (bool, String, u64) {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "peak-rss-kb=%M wall=%e"])
        .arg(env!("CARGO_BIN_EXE_neardup"))
        .args(args)
        .output()
        .expect("GNU time is installed");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let kb: u64 = stderr
        .rsplit("peak-rss-kb=")
        .next()
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("GNU time's report");
    eprintln!("neardup {args:?}: {}", stderr.lines().last().unwrap_or(""));
    (out.status.success(), stderr, kb / 1024)
}

fn same_file(a: &Path, b: &Path) -> bool {
    let hash = |p: &Path| {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        let mut f = fs::File::open(p).unwrap();
        let mut buf = vec![0; 1 << 20];
        loop {
            let n = std::io::Read::read(&mut f, &mut buf).unwrap();
            if n == 0 {
                return (h.digest(), fs::metadata(p).unwrap().len());
            }
            h.update(&buf[..n]);
        }
    };
    hash(a) == hash(b)
}

#[test]
#[ignore]
fn large_a_one_gigabyte_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.jsonl");
    let mut w = BufWriter::new(fs::File::create(&p).unwrap());
    writeln!(w, "{}", serde_json::json!({"id": 1, "text": article(1, 3)})).unwrap();
    write!(w, "{{\"id\": 2, \"text\": \"").unwrap();
    let block = article(2, 2000).replace('\n', "\\n");
    let mut written = 0;
    while written < 1 << 30 {
        w.write_all(block.as_bytes()).unwrap();
        written += block.len();
    }
    writeln!(w, "\"}}").unwrap();
    writeln!(w, "{}", serde_json::json!({"id": 3, "text": article(3, 3)})).unwrap();
    w.flush().unwrap();
    drop(w);

    let out = dir.path().join("out");
    let (ok_, err, mb) = measured(&["clean", s(&p), "--out", s(&out)]);
    assert!(
        !ok_ && err.contains("d.jsonl:2: a record of") && err.contains("256 MiB"),
        "{err}"
    );
    // A line is held up to the 256 MiB limit before it is known to be too
    // long; past it, only a window of the map is resident.
    assert!(mb < 450, "{mb} MB");
    let (ok_, err, mb) = measured(&["clean", s(&p), "--out", s(&out), "--on-error", "skip", "-q"]);
    assert!(ok_, "{err}");
    assert!(mb < 450, "peak {mb} MB for a 1 GB line");
    let r = report(&out.join("report.json"));
    assert_eq!(r["summary"]["documents"], 2);
    let back = dir.path().join("back");
    let (ok_, err, mb) = measured(&["restore", s(&out), "--out", s(&back)]);
    assert!(ok_, "{err}");
    assert!(mb < 450, "peak {mb} MB restoring a 1 GB line");
    assert!(same_file(&p, &back.join("d.jsonl")));
}

#[test]
#[ignore]
fn large_a_two_hundred_megabyte_document() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    // 100 MB of articles, captured twice.
    let mut body = String::new();
    let mut seed = 0;
    while body.len() < 100 << 20 {
        body += &article(seed, 40);
        seed += 1;
    }
    fs::write(input.join("big.txt"), format!("{body}{body}")).unwrap();
    fs::write(input.join("small.txt"), article(999_999, 3)).unwrap();
    let out = dir.path().join("out");
    let (ok_, err, mb) = measured(&["clean", s(&input), "--out", s(&out), "-q"]);
    assert!(ok_, "{err}");
    eprintln!("peak {mb} MB for a 200 MB document");
    assert!(mb < 2500, "peak {mb} MB");
    let cleaned = fs::read_to_string(out.join("big.txt")).unwrap();
    assert_eq!(cleaned, body, "the second copy goes, the first stays whole");
    let back = dir.path().join("back");
    let (ok_, err, _) = measured(&["restore", s(&out), "--out", s(&back)]);
    assert!(ok_, "{err}");
    assert!(same_file(&input.join("big.txt"), &back.join("big.txt")));
}

#[test]
#[ignore]
fn large_a_folder_of_a_million_tiny_files() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    for d in 0..1000 {
        let sub = input.join(format!("{d:03}"));
        fs::create_dir_all(&sub).unwrap();
        for f in 0..1000u64 {
            let n = d * 1000 + f;
            // Tiny, and one in ten a copy of another.
            let text = article(n % 900_000, 1);
            fs::write(sub.join(format!("{f:03}.txt")), text).unwrap();
        }
    }
    let out = dir.path().join("out");
    let (ok_, err, mb) = measured(&["clean", s(&input), "--out", s(&out), "-q"]);
    assert!(ok_, "{err}");
    eprintln!("peak {mb} MB for a million files");
    let r = report(&out.join("report.json"));
    assert_eq!(r["summary"]["documents"], 1_000_000);
    assert_eq!(r["summary"]["documents_dropped"], 100_000);
    let written: usize = fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            p.is_dir().then(|| fs::read_dir(p).unwrap().count())
        })
        .sum();
    assert_eq!(written, 900_000);
}
