//! Bad input gets a clear error naming the file (and line), exit code 1
//! (a bad option: 2),
//! never a panic, and nothing written.

use crate::helpers::*;
use std::fs;

#[test]
fn missing_path() {
    let err = fails(&["scan", "/no/such/corpus"]);
    assert!(
        err.contains("/no/such/corpus: no such file or directory"),
        "{err}"
    );
}

#[test]
fn unsupported_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.csv");
    fs::write(&p, "a,b").unwrap();
    let err = fails(&["scan", s(&p)]);
    assert!(
        err.contains("x.csv: not a folder, a .txt file, a JSON Lines file"),
        "{err}"
    );
}

#[test]
fn a_binary_text_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    fs::write(input.join("bad.txt"), b"\xfd\xfc\xfb\xfa".repeat(4)).unwrap();
    let out = dir.path().join("out");
    let err = fails(&["clean", s(&input), "--out", s(&out)]);
    assert!(
        err.contains("bad.txt: binary file: 16 of its first 16 bytes are NUL or not UTF-8"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn invalid_utf8_and_malformed_json_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.jsonl");
    fs::write(&p, b"{\"text\": \"ok\"}\n\n{\"text\": \"caf\xe9\"}\n").unwrap();
    let err = fails(&["scan", s(&p)]);
    assert!(err.contains("d.jsonl:3: invalid UTF-8"), "{err}");
    fs::write(&p, "{\"text\": \"ok\"}\n{\"text\": \"cut off\n").unwrap();
    let err = fails(&["scan", s(&p)]);
    assert!(err.contains("d.jsonl:2: not a JSON object"), "{err}");
    fs::write(&p, "{\"text\": \"ok\"}\n[1, 2]\n").unwrap();
    let err = fails(&["scan", s(&p)]);
    assert!(err.contains("d.jsonl:2: not a JSON object"), "{err}");
    fs::write(&p, "{\"text\": [\"a\"]}\n").unwrap();
    let err = fails(&["scan", s(&p)]);
    assert!(
        err.contains("d.jsonl:1: field \"text\" is not a string"),
        "{err}"
    );
}

#[test]
fn unreadable_file_is_named() {
    let (dir, input) = input_dir();
    fs::write(input.join("a.txt"), "text").unwrap();
    // A link to nothing cannot be read, whoever runs the test.
    std::os::unix::fs::symlink(dir.path().join("gone.txt"), input.join("b.txt")).unwrap();
    let err = fails(&["scan", s(&input)]);
    assert!(err.contains("b.txt"), "{err}");

    let locked = dir.path().join("locked.jsonl");
    fs::write(&locked, "{\"text\": \"x\"}\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&locked).is_err() {
        // Not running with privileges that ignore file modes.
        let err = fails(&["scan", s(&locked)]);
        assert!(err.contains("locked.jsonl: Permission denied"), "{err}");
    }
}

#[test]
fn bad_options_are_rejected() {
    let err = misused(&["scan", s(&sample()), "--threshold", "1.5"]);
    assert!(err.contains("threshold must be in (0, 1]"), "{err}");
    let err = misused(&["scan", s(&sample()), "--bands", "50", "--rows", "5"]);
    assert!(err.contains("bands x rows"), "{err}");
}

#[test]
fn empty_and_wordless_documents_pass_through() {
    let (dir, input) = input_dir();
    fs::write(input.join("empty.txt"), "").unwrap();
    fs::write(input.join("blank.txt"), " \n\n ").unwrap();
    fs::write(input.join("punct.txt"), "--- *** ---\n").unwrap();
    let out = dir.path().join("out");
    ok(&["clean", s(&input), "--out", s(&out)]);
    for name in ["empty.txt", "blank.txt", "punct.txt"] {
        assert_eq!(
            fs::read(out.join(name)).unwrap(),
            fs::read(input.join(name)).unwrap()
        );
    }
    let r = report(&out.join("report.json"));
    assert_eq!(
        r["summary"]["documents_kept"], 3,
        "wordless documents are never duplicates"
    );
    assert_eq!(r["summary"]["documents_without_words"], 3);
}

#[test]
fn wordless_documents_are_counted_in_every_profile() {
    let (dir, input) = input_dir();
    fs::write(input.join("empty.txt"), "").unwrap();
    fs::write(input.join("punct.txt"), "--- *** ---\n").unwrap();
    fs::write(input.join("words.txt"), "A short article with words.\n").unwrap();
    for profile in ["documents", "dedup", "full"] {
        let out = dir.path().join(profile);
        ok(&["clean", s(&input), "--out", s(&out), "--profile", profile]);
        let r = report(&out.join("report.json"));
        assert_eq!(r["summary"]["documents_without_words"], 2, "{profile}");
    }
}

#[test]
fn report_never_overwrites_an_input() {
    let (_dir, input) = input_dir();
    let doc = input.join("a.txt");
    fs::write(&doc, "Some text of an article.").unwrap();
    for target in [doc.clone(), input.join("report.json")] {
        let err = fails(&["scan", s(&input), "--report", s(&target)]);
        assert!(
            err.contains("must not be an input or inside an input folder"),
            "{err}"
        );
    }
    assert_eq!(
        fs::read_to_string(&doc).unwrap(),
        "Some text of an article."
    );
    assert!(!input.join("report.json").exists());
}

#[test]
fn an_output_that_cannot_be_written_is_named() {
    let (dir, input) = input_dir();
    fs::write(input.join("a.txt"), "Some text of an article.").unwrap();
    // A folder cannot be made under a file, even by root.
    let file = dir.path().join("plain-file");
    fs::write(&file, "x").unwrap();
    let out = file.join("out");
    let err = fails(&["clean", s(&input), "--out", s(&out)]);
    assert!(err.contains("plain-file"), "{err}");
    assert_eq!(fs::read(&file).unwrap(), b"x");
    let report = file.join("report.json");
    let err = fails(&["scan", s(&input), "--report", s(&report)]);
    assert!(err.contains("plain-file"), "{err}");
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "nothing written beside: {names:?}");
}

#[test]
fn a_missing_folder_above_an_output_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let nope = dir.path().join("nope");
    let out = dir.path().join("o");
    for (args, what) in [
        (vec!["clean", s(&sample()), "--out"], "x"),
        (vec!["scan", s(&sample()), "--report"], "r.json"),
        (vec!["scan", s(&sample()), "--summary"], "s.json"),
        (
            vec!["clean", s(&sample()), "--out", s(&out), "--dropped"],
            "d.jsonl",
        ),
    ] {
        let target = nope.join(what);
        let err = fails(&[&args[..], &[s(&target)]].concat());
        assert!(
            err.contains(&format!(
                "{}: cannot be written: the folder {} does not exist",
                target.display(),
                nope.display()
            )),
            "{err}"
        );
        assert!(!err.contains("os error"), "{err}");
    }
    let err = misused(&[
        "clean",
        s(&sample()),
        "--out",
        s(&dir.path().join("o")),
        "--temp-dir",
        s(&nope),
    ]);
    assert!(err.contains("no such folder"), "{err}");
    assert!(!nope.exists());
}
