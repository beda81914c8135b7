//! Same input and options: byte-identical outputs and report, whatever the
//! number of threads.

use crate::helpers::*;
use std::fs;
use std::path::Path;

/// Cleans `input` once per thread count, into folders under `dir`; returns
/// each output tree.
fn clean_with_threads(input: &Path, dir: &Path, threads: &[&str]) -> Vec<Vec<(String, Vec<u8>)>> {
    threads
        .iter()
        .map(|t| {
            let out = dir.join(format!("out{t}"));
            ok(&[
                "clean",
                s(input),
                "--out",
                s(&out),
                "--threads",
                t,
                "--quiet",
            ]);
            tree(&out)
        })
        .collect()
}

#[test]
fn outputs_do_not_depend_on_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(input.join("sub")).unwrap();
    for i in 0..300u64 {
        let base = article(i % 120, 5);
        let text = if i >= 120 { edit(&base, 2, i) } else { base };
        let sub = if i % 3 == 0 { "sub/" } else { "" };
        fs::write(
            input.join(format!("{sub}{i:04}.txt")),
            text + "Share this article\n",
        )
        .unwrap();
    }
    for e in fs::read_dir(sample()).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), input.join(e.file_name())).unwrap();
    }
    let results = clean_with_threads(&input, dir.path(), &["1", "2", "8"]);
    assert!(results[0].len() > 100);
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
}

#[test]
fn compressed_outputs_do_not_depend_on_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("d.jsonl.zst");
    let lines: Vec<String> = (0..400u64)
        .map(|i| serde_json::json!({"id": i, "text": article(i % 250, 4)}).to_string())
        .collect();
    std::fs::write(
        &input,
        zstd::encode_all(lines.join("\n").as_bytes(), 3).unwrap(),
    )
    .unwrap();
    let outputs = clean_with_threads(&input, dir.path(), &["1", "4"]);
    assert_eq!(outputs[0], outputs[1]);
}
