//! Shared helpers: temporary folders, running the binary, reading reports,
//! and a small deterministic text generator.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn neardup(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neardup"))
        .args(args)
        .output()
        .expect("the neardup binary runs")
}

/// Runs neardup and asserts success.
pub fn ok(args: &[&str]) -> Output {
    let out = neardup(args);
    assert!(
        out.status.success(),
        "neardup {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs neardup with `args`, which must fail on the data or the files
/// (exit code 1); returns its message.
pub fn fails(args: &[&str]) -> String {
    fails_with(args, 1)
}

/// Runs neardup with `args`, which must fail as a usage error (exit code 2).
pub fn misused(args: &[&str]) -> String {
    fails_with(args, 2)
}

fn fails_with(args: &[&str], code: i32) -> String {
    let out = neardup(args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "neardup {args:?} should fail with {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.starts_with("neardup: "), "message: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    err
}

/// A temporary folder with an empty `in/` folder inside: (guard, `in/`).
/// The guard removes both when dropped.
pub fn input_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let input = dir.path().join("in");
    std::fs::create_dir(&input).expect("input folder");
    (dir, input)
}

/// The repository's root: the corpora, the fuzz inputs and the report
/// schema live there, beside the crates.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn sample() -> PathBuf {
    repo_root().join("corpora/news-sample")
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

pub fn report(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("report exists")).expect("report is JSON")
}

/// A reproducible article of `paragraphs` paragraphs from a 5,000-word
/// vocabulary of made-up words, different for each `seed`. As in real
/// language, a few function words (the first 16 of the vocabulary) make up
/// about a third of the text.
pub fn article(seed: u64, paragraphs: usize) -> String {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut text = String::new();
    for _ in 0..paragraphs {
        let n = 25 + rng.below(30);
        let words: Vec<String> = (0..n)
            .map(|_| {
                if rng.below(3) == 0 {
                    word(rng.below(16))
                } else {
                    word(16 + rng.below(4984))
                }
            })
            .collect();
        text += &words.join(" ");
        text += ".\n\n";
    }
    text
}

/// Replaces `per_mille` words in a thousand of `text` (at least one), at
/// reproducible random places, with words from outside the article vocabulary.
pub fn edit(text: &str, per_mille: u64, seed: u64) -> String {
    let mut rng = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1);
    let mut words: Vec<String> = text.split(' ').map(str::to_string).collect();
    let n = ((words.len() as u64 * per_mille).div_ceil(1000)).max(1);
    for _ in 0..n {
        let at = rng.below(words.len() as u64) as usize;
        words[at] = word(5000 + rng.below(1000));
    }
    words.join(" ")
}

fn word(n: u64) -> String {
    const SYL: [&str; 16] = [
        "ka", "lo", "mi", "ten", "ru", "sa", "vo", "pel", "di", "an", "tor", "ue", "ni", "bra",
        "ho", "es",
    ];
    let mut w = String::new();
    let mut n = n + 16;
    while n > 0 {
        w += SYL[(n % 16) as usize];
        n /= 16;
    }
    w
}

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Checks the report against the files: every removed span's text is the
/// original's bytes at that range, and the cleaned copy is the original with
/// exactly those ranges cut.
pub fn assert_cuts_explain_output(original: &str, cleaned: &str, doc: &Value) {
    let mut rebuilt = String::new();
    let mut pos = 0;
    for span in doc["removed"].as_array().expect("removed spans") {
        let (start, end) = (
            span["start"].as_u64().unwrap() as usize,
            span["end"].as_u64().unwrap() as usize,
        );
        assert!(start >= pos && end >= start, "spans in order");
        assert_eq!(&original[start..end], span["text"].as_str().unwrap());
        rebuilt += &original[pos..start];
        pos = end;
    }
    rebuilt += &original[pos..];
    assert_eq!(
        rebuilt, cleaned,
        "cleaned copy = original minus reported spans"
    );
}

/// Exact Jaccard similarity of the word 5-gram sets of two texts (lower-cased,
/// split on anything that is not a letter or digit): the truth that MinHash
/// estimates.
pub fn jaccard5(a: &str, b: &str) -> f64 {
    use std::collections::HashSet;
    let grams = |t: &str| -> HashSet<Vec<String>> {
        let w: Vec<String> = t
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        w.windows(5).map(<[String]>::to_vec).collect()
    };
    let (x, y) = (grams(a), grams(b));
    x.intersection(&y).count() as f64 / x.union(&y).count() as f64
}

/// Every file under `dir`, as (relative path, bytes), sorted.
pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walk(dir)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).expect("under dir");
            (
                rel.to_string_lossy().into_owned(),
                std::fs::read(&p).expect("readable"),
            )
        })
        .collect();
    files.sort();
    files
}

/// Regular files under `dir`; symbolic links are not followed.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("a folder") {
        let e = e.expect("an entry");
        let kind = e.file_type().expect("a file type");
        if kind.is_dir() {
            out.extend(walk(&e.path()));
        } else if kind.is_file() {
            out.push(e.path());
        }
    }
    out
}

/// The decompressed bytes of a gzip file (all its members).
pub fn gunzip_bytes(path: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap()),
        &mut bytes,
    )
    .unwrap();
    bytes
}
