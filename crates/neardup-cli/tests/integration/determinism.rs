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

/// Writes the files of `files` into `dir` in the given order of indices.
fn write_in_order(dir: &Path, files: &[(String, String)], order: impl Iterator<Item = usize>) {
    for i in order {
        let (name, text) = &files[i];
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
}

/// The order in which a folder's files were made, and so the order in which
/// the file system lists them, does not matter: files are read in path
/// order. Checked with the file system's own listing order differing, and
/// with 1 and 8 threads.
#[test]
fn outputs_do_not_depend_on_the_order_files_are_listed() {
    let files: Vec<(String, String)> = (0..200u64)
        .map(|i| {
            let base = article(i % 150, 4);
            let text = if i >= 150 { edit(&base, 2, i) } else { base };
            let name = format!(
                "{}/{:03}.txt",
                ["a", "b/c", "d"][(i * 7 % 3) as usize],
                i * 37 % 200
            );
            (name, text + "Read more\n")
        })
        .collect();
    // tmpfs lists a folder's entries in the order they were made (ext4, in
    // the order of a hash of their names): there the two copies below are
    // listed in different orders.
    let root = tempfile::tempdir_in("/dev/shm").unwrap();
    let (one, two) = (root.path().join("one"), root.path().join("two"));
    write_in_order(&one.join("in"), &files, 0..files.len());
    // The same files, made in the reverse order.
    write_in_order(&two.join("in"), &files, (0..files.len()).rev());
    let listing = |dir: &Path| -> Vec<_> {
        fs::read_dir(dir.join("in/a"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect()
    };
    let (l1, mut l2) = (listing(&one), listing(&two));
    assert_ne!(
        l1, l2,
        "the file system lists the copies in different orders"
    );
    l2.reverse();
    assert_eq!(l1, l2);
    let mut outputs = Vec::new();
    for (parent, threads) in [(&one, "1"), (&two, "8"), (&one, "8")] {
        let out = format!("out{threads}");
        // Relative paths, so that the reports name the same input.
        let run = std::process::Command::new(env!("CARGO_BIN_EXE_neardup"))
            .current_dir(parent)
            .args([
                "clean",
                "in",
                "--out",
                &out,
                "--force",
                "--threads",
                threads,
                "-q",
            ])
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        outputs.push(tree(&parent.join(&out)));
    }
    assert!(outputs[0].iter().any(|(n, _)| n == "report.json"));
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
}
