//! Every input in `fuzz/seeds/<target>/` and `fuzz/regressions/<target>/`
//! (inputs that once made a fuzz target fail) replayed through the same
//! checks the fuzz targets run, on stable Rust, in every test run.

#[allow(dead_code)]
#[path = "../../../../fuzz/checks.rs"]
mod checks;

fn replay(target: &str, check: fn(&[u8])) {
    let root = crate::helpers::repo_root().join("fuzz");
    let mut inputs = 0;
    for folder in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(folder).join(target)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} fails {target}", path.display());
            inputs += 1;
        }
    }
    assert!(inputs > 0, "no inputs for {target}");
}

#[test]
fn jsonl_reader_inputs() {
    replay("jsonl_reader", checks::jsonl_reader);
}

#[test]
fn segment_normalize_inputs() {
    replay("segment_normalize", checks::segment_normalize);
}

#[test]
fn restore_reader_inputs() {
    replay("restore_reader", checks::restore_reader);
}
