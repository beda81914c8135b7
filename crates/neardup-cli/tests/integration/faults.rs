//! Faults: a run killed part way, a full disk, a memory limit. Outputs are
//! staged and swapped in whole, so the destination always holds the earlier
//! output or the new one, never part of one; inputs are never touched; a
//! later run removes what a killed run left, and says so.

use crate::helpers::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// A folder of `n` articles, a fifth of them near copies, all with a footer.
fn corpus(root: &Path, name: &str, n: u64, seed: u64) -> PathBuf {
    let dir = root.join(name);
    fs::create_dir_all(dir.join("sub")).unwrap();
    for i in 0..n {
        let base = article(seed * 10_000 + i % (n * 4 / 5), 4);
        let text = if i >= n * 4 / 5 {
            edit(&base, 3, i)
        } else {
            base
        };
        let sub = if i % 4 == 0 { "sub/" } else { "" };
        fs::write(
            dir.join(format!("{sub}{i:05}.txt")),
            text + "Share this article\n",
        )
        .unwrap();
    }
    dir
}

/// The entries of `dir`, sorted, but for `keep`.
fn others(dir: &Path, keep: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect();
    names.sort();
    names
}

fn write_tree(dir: &Path, files: &[(String, Vec<u8>)]) {
    for (name, bytes) in files {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
}

#[test]
fn killed_runs_leave_the_earlier_output_or_the_new_one() {
    let root = tempfile::tempdir().unwrap();
    let input = corpus(root.path(), "in", 1500, 1);
    let earlier_input = corpus(root.path(), "earlier", 100, 2);
    let before = tree(&input);

    let new_out = root.path().join("new");
    // The fastest of three runs, so that a first run slowed by a cold
    // cache or a busy machine does not put every kill point after the end.
    let duration = (0..3)
        .map(|_| {
            let started = Instant::now();
            ok(&["clean", s(&input), "--out", s(&new_out), "--force", "-q"]);
            started.elapsed()
        })
        .min()
        .unwrap();
    let new_tree = tree(&new_out);
    let earlier_out = root.path().join("earlier-out");
    ok(&["clean", s(&earlier_input), "--out", s(&earlier_out), "-q"]);
    let earlier_tree = tree(&earlier_out);

    let mut rng = Rng(0x5eed);
    let signals = [libc::SIGINT, libc::SIGTERM, libc::SIGKILL];
    let mut outcomes = Vec::new();
    // Nine trials, and more (up to 36) until some kill hit the run while it
    // was writing: on a busy machine a run can be slower than the one
    // timed, and every kill point of nine fall before it writes anything.
    let hit = |outcomes: &[(i32, &str, usize)]| {
        outcomes.iter().any(|o| o.1 == "earlier") && outcomes.iter().any(|o| o.2 > 0)
    };
    for trial in 0..36 {
        if trial >= 9 && hit(&outcomes) {
            break;
        }
        let signal = signals[trial % 3];
        let work = root.path().join(format!("trial{trial}"));
        let (out, temp) = (work.join("out"), work.join("tmp"));
        fs::create_dir_all(&temp).unwrap();
        write_tree(&out, &earlier_tree);
        let args = [
            "clean",
            s(&input),
            "--out",
            s(&out),
            "--force",
            "--temp-dir",
            s(&temp),
            "-q",
        ];
        let mut child = Command::new(env!("CARGO_BIN_EXE_neardup"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // At a random point of the run, or just after it.
        let at = duration.mul_f64(rng.below(1100) as f64 / 1000.0);
        std::thread::sleep(at);
        // SAFETY: a plain kill(2) of our own child.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        let status = child.wait().unwrap();
        let stderr = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
        assert!(!stderr.contains("panicked"), "{stderr}");

        let now = tree(&out);
        let whole = if now == earlier_tree {
            "earlier"
        } else if now == new_tree {
            "new"
        } else {
            panic!("trial {trial}: a partial output after signal {signal} at {at:?}");
        };
        let mut left = others(&work, &["out", "tmp"]);
        left.extend(others(&temp, &[]));
        if signal != libc::SIGKILL {
            // Stopped cleanly: exit 130, or 0 if it had finished.
            match status.code() {
                Some(130) => assert!(stderr.contains("interrupted"), "{stderr}"),
                Some(0) => assert_eq!(whole, "new"),
                other => panic!("trial {trial}: exit {other:?}: {stderr}"),
            }
            assert!(left.is_empty(), "trial {trial} left {left:?}");
        }
        outcomes.push((signal, whole, left.len()));

        // A second run finishes the job, removing what the first one left
        // and saying so.
        let again = neardup(&args[..args.len() - 1]);
        assert!(again.status.success());
        let said = String::from_utf8_lossy(&again.stderr);
        assert_eq!(
            said.contains("interrupted"),
            !left.is_empty(),
            "trial {trial}: left {left:?}, said {said}"
        );
        assert_eq!(tree(&out), new_tree);
        assert!(others(&work, &["out", "tmp"]).is_empty());
        assert!(others(&temp, &[]).is_empty());
    }
    assert_eq!(tree(&input), before, "inputs untouched");
    // The random points hit the run while it was writing, not only before
    // or after it: some trials end with the earlier output, some with the
    // new, and a killed one leaves something for the next run to remove.
    assert!(outcomes.iter().any(|o| o.1 == "earlier"), "{outcomes:?}");
    assert!(outcomes.iter().any(|o| o.2 > 0), "{outcomes:?}");
}

/// Runs `script` with `sh` in a mount namespace of its own, with small
/// tmpfs disks that fill up: 1 MiB at `$D`, 16 KiB at `$T`.
fn on_small_disks(script: &str, root: &Path) -> std::process::Output {
    let (d, t) = (root.join("disk"), root.join("small-disk"));
    fs::create_dir_all(&d).unwrap();
    fs::create_dir_all(&t).unwrap();
    let out = Command::new("unshare")
        .args(["--mount", "--map-root-user", "sh", "-c"])
        .arg(format!(
            "mount -t tmpfs -o size=1m neardup-test \"$D\" || exit 77\n\
             mount -t tmpfs -o size=16k neardup-test \"$T\" || exit 77\n{script}"
        ))
        .env("D", d)
        .env("T", t)
        .env("NEARDUP", env!("CARGO_BIN_EXE_neardup"))
        .output()
        .expect("unshare runs");
    assert_ne!(
        out.status.code(),
        Some(77),
        "cannot mount a tmpfs in a new namespace: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn a_full_disk_is_a_clear_error_and_the_earlier_output_stays() {
    let root = tempfile::tempdir().unwrap();
    let small = corpus(root.path(), "small", 20, 3);
    let big = corpus(root.path(), "big", 600, 4);
    let before = tree(&big);
    let seen = root.path().join("seen");
    fs::create_dir(&seen).unwrap();
    // An earlier output that fits, then a larger one that does not; then
    // temporary files that do not fit. What is on the small disks is
    // copied out before the namespace ends.
    let script = format!(
        r#"
        "$NEARDUP" clean {small} --out "$D/out" -q || exit 3
        cp -r "$D/out" {seen}/earlier
        "$NEARDUP" clean {big} --out "$D/out" --force -q 2> {seen}/out-error
        echo $? > {seen}/out-status
        ls -A "$D" > {seen}/out-listing
        cp -r "$D/out" {seen}/after
        "$NEARDUP" clean {big} --out {seen}/temp-out --temp-dir "$T" -q 2> {seen}/temp-error
        echo $? > {seen}/temp-status
        ls -A "$T" > {seen}/temp-listing
        "#,
        small = s(&small),
        big = s(&big),
        seen = s(&seen),
    );
    let out = on_small_disks(&script, root.path());
    assert!(
        out.status.success(),
        "{:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |name: &str| fs::read_to_string(seen.join(name)).unwrap();
    for (what, file) in [("out", "/out.neardup-tmp-"), ("temp", "/.neardup-work-")] {
        assert_eq!(read(&format!("{what}-status")).trim(), "1", "{what}");
        let error = read(&format!("{what}-error"));
        assert!(error.starts_with("neardup: "), "{what}: {error}");
        assert_eq!(
            error.matches("No space left on device").count(),
            1,
            "said once: {error}"
        );
        // The error names the file that could not be written.
        assert!(error.contains(file), "{what}: {error}");
        assert!(!error.contains("panicked"));
    }
    // Nothing but the earlier output on the disk, and it whole; nothing
    // left of the run whose temporary files did not fit.
    assert_eq!(read("out-listing").trim(), "out");
    assert_eq!(tree(&seen.join("after")), tree(&seen.join("earlier")));
    assert_eq!(read("temp-listing").trim(), "");
    assert_eq!(
        others(&seen, &[]),
        [
            "after",
            "earlier",
            "out-error",
            "out-listing",
            "out-status",
            "temp-error",
            "temp-listing",
            "temp-status"
        ]
    );
    assert_eq!(tree(&big), before, "inputs untouched");
}

#[test]
fn a_document_larger_than_the_memory_limit_is_streamed_not_held() {
    let root = tempfile::tempdir().unwrap();
    let input = root.path().join("in");
    fs::create_dir(&input).unwrap();
    // 48 MB in one document, under a 40 MB limit on the process's memory.
    let block = article(9, 5000);
    let mut big = String::with_capacity(48 << 20);
    while big.len() < 48 << 20 {
        big += &block;
    }
    fs::write(input.join("big.txt"), &big).unwrap();
    drop(big);
    fs::write(input.join("small.txt"), article(10, 3)).unwrap();
    let out = root.path().join("out");
    let clean = [
        "clean",
        s(&input),
        "--out",
        s(&out),
        "--force",
        "-q",
        "--memory",
        "16",
    ];
    let failed = with_memory_limit(&clean);
    let error = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "{error}");
    assert!(
        error.contains("big.txt:1: a record of") && error.contains("more than the 4 MiB"),
        "{error}"
    );
    let skipped = with_memory_limit(&[&clean[..], &["--on-error", "skip"]].concat());
    assert!(
        skipped.status.success(),
        "{}",
        String::from_utf8_lossy(&skipped.stderr)
    );
    let r = report(&out.join("report.json"));
    assert_eq!(r["skipped"].as_array().unwrap().len(), 1);
    assert_eq!(r["summary"]["documents_kept"], 1);
    // And restore brings it back, still within the limit.
    let back = root.path().join("back");
    let restored = with_memory_limit(&["restore", s(&out), "--out", s(&back)]);
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    assert_eq!(tree(&back), tree(&input));
}

/// Runs neardup with `args` under a 40 MiB limit on its data memory.
fn with_memory_limit(args: &[&str]) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg("ulimit -d 40960 && exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_neardup"))
        .args(args)
        .output()
        .unwrap()
}
