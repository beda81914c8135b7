//! `report.html` in a real browser: headless Chromium opens the report of
//! the bundled sample (and of a corpus with a duplicate), runs its script,
//! and the rendered page is checked: the counts, the doubled body of `004`
//! struck through as repeated paragraphs, the side-by-side view of a dropped
//! duplicate, and no script error.
//!
//! Chromium comes from Debian's `chromium` package; `.ci/run` installs it
//! and sets NEARDUP_REQUIRE_BROWSER=1, so that in CI a missing browser fails
//! the test instead of skipping it. `cargo test -- --ignored screenshot`
//! writes screenshots of the sample's report into target/.

use crate::helpers::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("NEARDUP_CHROMIUM").map(PathBuf::from),
        Some(PathBuf::from("/usr/bin/chromium")),
        Some(PathBuf::from("/usr/bin/chromium-browser")),
    ];
    let found = candidates.into_iter().flatten().find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("NEARDUP_REQUIRE_BROWSER").is_none(),
            "NEARDUP_REQUIRE_BROWSER is set but no chromium was found"
        );
        eprintln!("browser tests skipped: no chromium (apt-get install chromium)");
    }
    found
}

/// Runs headless Chromium on `page#hash`; `extra` adds flags. Returns
/// (stdout, stderr).
fn run_chromium(browser: &Path, page: &Path, hash: &str, extra: &[String]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    // The path as an address: %, spaces and # escaped.
    let path = page
        .display()
        .to_string()
        .replace('%', "%25")
        .replace(' ', "%20")
        .replace('#', "%23");
    let url = format!("file://{path}#{hash}");
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            &format!("--user-data-dir={}", profile.path().display()),
        ])
        .args(extra)
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The page's DOM after its script ran, checked for script errors.
fn dom(browser: &Path, page: &Path, hash: &str) -> String {
    let (dom, stderr) = run_chromium(browser, page, hash, &["--dump-dom".into()]);
    assert!(
        dom.contains("data-ready=\"1\""),
        "the script did not finish: {stderr}"
    );
    assert!(dom.contains("data-errors=\"0\""), "script errors: {stderr}");
    for line in stderr.lines() {
        assert!(
            !(line.contains("CONSOLE") && (line.contains("Uncaught") || line.contains("Error"))),
            "console error: {line}"
        );
    }
    dom
}

/// The text of the element marked `data-testid="id"` (a leaf).
fn testid<'a>(dom: &'a str, id: &str) -> &'a str {
    let at = dom
        .find(&format!("data-testid=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}"));
    let rest = &dom[at..];
    let start = rest.find('>').unwrap() + 1;
    &rest[start..start + rest[start..].find('<').unwrap()]
}

/// The DOM from the element marked `data-testid="id"` on (the summary
/// page's other views stay in the DOM, hidden).
fn section<'a>(dom: &'a str, id: &str) -> &'a str {
    let at = dom
        .find(&format!("data-testid=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}"));
    &dom[at..]
}

/// Unescapes the few entities Chromium writes in text.
fn text(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// `input` cleaned into `dir/out`, which it gives.
fn cleaned(dir: &Path, input: &Path) -> PathBuf {
    let out = dir.join("out");
    ok(&["clean", s(input), "--out", s(&out), "-q"]);
    out
}

#[test]
fn report_of_the_sample_renders_in_a_browser() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = cleaned(dir.path(), &sample());
    let report = report(&out.join("report.json"));
    let page = out.join("report.html");
    let summary = &report["summary"];

    let overview = dom(&browser, &page, "");
    assert_eq!(testid(&overview, "documents"), "5");
    assert_eq!(
        testid(&overview, "segments-removed"),
        summary["segments_removed"].to_string()
    );
    assert_eq!(testid(&overview, "documents-dropped"), "0");
    assert!(overview.contains("data-testid=\"threshold\""));

    // The doubled body of 004: every repeated paragraph struck through.
    let index = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .position(|d| d["id"] == "004_92d7cee229c4202d.txt")
        .unwrap();
    let doc = dom(&browser, &page, &format!("doc={index}"));
    let doc = section(&doc, "document");
    let removed = report["documents"][index]["removed"].as_array().unwrap();
    let repeats: Vec<&str> = removed
        .iter()
        .filter(|s| s["kind"] == "repeated_paragraph")
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert!(repeats.len() >= 10);
    let struck: Vec<String> = doc
        .split("<del class=\"span kind-repeated_paragraph\"")
        .skip(1)
        .map(|part| {
            let start = part.find('>').unwrap() + 1;
            text(&part[start..start + part[start..].find("</del>").unwrap()])
        })
        .collect();
    assert_eq!(struck.len(), repeats.len());
    for (shown, span) in struck.iter().zip(&repeats) {
        assert_eq!(shown, span);
    }
    assert_eq!(
        doc.matches("<del class=\"span kind-").count(),
        removed.len()
    );
}

#[test]
fn a_dropped_duplicate_is_shown_beside_its_kept_twin() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    let original = article(5, 6);
    fs::write(input.join("a.txt"), &original).unwrap();
    fs::write(input.join("b.txt"), edit(&original, 10, 2)).unwrap();
    let out = dir.path().join("out");
    ok(&["clean", s(&input), "--out", s(&out), "-q"]);
    let page = out.join("report.html");
    let overview = dom(&browser, &page, "");
    assert_eq!(testid(&overview, "documents-dropped"), "1");
    let doc = dom(&browser, &page, "doc=1");
    assert!(doc.contains("data-testid=\"diff-dropped\""));
    assert!(doc.contains("<ins class=\"d\">"), "the edits are marked");
    assert!(
        doc.contains("href=\"#doc=0\""),
        "a link to the kept document"
    );
}

#[test]
fn a_copy_of_an_indexed_document_names_it() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("first"), dir.path().join("second"));
    fs::create_dir(&first).unwrap();
    fs::create_dir(&second).unwrap();
    let original = article(7, 6);
    fs::write(first.join("a.txt"), &original).unwrap();
    fs::write(second.join("b.txt"), edit(&original, 10, 2)).unwrap();
    let index = dir.path().join("index");
    ok(&["index", "create", s(&first), s(&index), "-q"]);
    let out = dir.path().join("out");
    ok(&[
        "clean",
        s(&second),
        "--out",
        s(&out),
        "--index",
        s(&index),
        "-q",
    ]);
    let page = out.join("report.html");
    assert_eq!(testid(&dom(&browser, &page, ""), "documents-dropped"), "1");
    let doc = dom(&browser, &page, "doc=0");
    let named = text(testid(&doc, "indexed-original"));
    assert!(
        named.contains("a.txt") && named.contains("a document of the index"),
        "{named}"
    );
}

/// Writes screenshots of the sample's report into target/, to look at.
#[test]
#[ignore]
fn screenshot() {
    let browser = chromium().expect("chromium");
    let target = crate::helpers::repo_root().join("target");
    let out = target.join("report-sample");
    ok(&["clean", s(&sample()), "--out", s(&out), "-q", "--force"]);
    for (name, hash) in [
        ("report-overview.png", ""),
        ("report-document.png", "doc=4"),
        (
            "report-list.png",
            "documents?status=changed&sort=-bytes_removed",
        ),
        ("report-search.png", "search?q=Source+link"),
    ] {
        let png = target.join(name);
        run_chromium(
            &browser,
            &out.join("report.html"),
            hash,
            &[
                "--window-size=1400,1100".into(),
                format!("--screenshot={}", png.display()),
            ],
        );
        assert!(png.exists());
        eprintln!("wrote {}", png.display());
    }
}

/// Articles of the paged corpus before the copies at its end.
const PAGED: u64 = 100_000;

/// A corpus of 100,060 short articles as JSON Lines, so that the report
/// has six pages of its document list and 101 of entries: copies of
/// earlier articles at the end (documents 100,000 and 100,001 both of
/// document 3, the largest cluster), and every 1,000th article with its
/// paragraph doubled.
fn paged_corpus(dir: &Path) -> PathBuf {
    let mut jsonl = String::new();
    for i in 0..PAGED + 60 {
        let text = match i {
            PAGED => article(3, 2),
            _ if i == PAGED + 1 => edit(&article(3, 2), 5, i),
            _ if i > PAGED => edit(&article((i - PAGED - 2) * 7 + 10, 2), 5, i),
            _ if i % 1_000 == 500 => {
                let p = article(i, 1);
                format!("{p}\n\n{p}")
            }
            _ => article(i, 2),
        };
        jsonl.push_str(&serde_json::json!({ "id": format!("d{i}"), "text": text }).to_string());
        jsonl.push('\n');
    }
    let path = dir.join("corpus.jsonl");
    fs::write(&path, jsonl).unwrap();
    path
}

/// The text of line `i` of a JSONL corpus.
fn text_of(corpus: &Path, i: usize) -> String {
    let all = fs::read_to_string(corpus).unwrap();
    let v: serde_json::Value = serde_json::from_str(all.lines().nth(i).unwrap()).unwrap();
    v["text"].as_str().unwrap().to_string()
}

/// The documents a text search found, in order.
fn hits(dom: &str) -> Vec<usize> {
    dom.split("<tr data-hit=\"")
        .skip(1)
        .map(|r| r[..r.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// The `data-doc` numbers of the rows of the document list, in order.
fn rows(dom: &str) -> Vec<usize> {
    section(dom, "doc-count")
        .split("<tr data-doc=\"")
        .skip(1)
        .map(|r| r[..r.find('"').unwrap()].parse().unwrap())
        .collect()
}

#[test]
fn the_paged_report_lists_filters_sorts_and_shows_every_document() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let corpus = paged_corpus(dir.path());
    let out = cleaned(dir.path(), &corpus);
    let report = report(&out.join("report.json"));
    let docs = report["documents"].as_array().unwrap();
    let page = out.join("report.html");
    let pages = out.join("report.pages");
    assert!(pages.join("index-00005.js").is_file());
    assert!(pages.join("docs-00100.js").is_file());
    assert!(fs::metadata(&page).unwrap().len() < 200_000);

    // The largest cluster comes first on the summary page.
    let overview = dom(&browser, &page, "");
    let first = overview.find("data-cluster=\"").expect("a cluster row");
    assert!(overview[first..].starts_with("data-cluster=\"3\""));

    // Dropped documents, most similar first, over both index pages.
    let dropped: Vec<usize> = (0..docs.len())
        .filter(|&i| docs[i]["status"] == "dropped")
        .collect();
    assert!(dropped.len() >= 50, "{}", dropped.len());
    let list = dom(&browser, &page, "documents?status=dropped&sort=-similarity");
    assert_eq!(
        testid(&list, "doc-count"),
        format!("{} of 100,060", dropped.len())
    );
    let shown = rows(&list);
    assert_eq!(shown.len(), dropped.len().min(100));
    let similarity = |i: usize| docs[i]["duplicate_of"]["similarity"].as_f64().unwrap();
    assert!(shown
        .windows(2)
        .all(|w| similarity(w[0]) >= similarity(w[1])));
    assert!(shown.iter().all(|&i| i >= PAGED as usize));

    // The documents that a removed span with `field` equal to `value` was
    // cut from.
    let cut_by = |field: &str, value: &str| -> Vec<usize> {
        (0..docs.len())
            .filter(|&i| {
                docs[i]["removed"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s[field] == value)
            })
            .collect()
    };

    // By rule: the doubled paragraphs, over every page of the list.
    let repeats = cut_by("rule", "exact_repeat");
    assert_eq!(repeats.len(), 100);
    let list = dom(
        &browser,
        &page,
        "documents?rule=exact_repeat&sort=-bytes_removed",
    );
    let mut shown = rows(&list);
    shown.sort_unstable();
    assert_eq!(shown, repeats);

    // By kind: every document a rule of that kind cut something from.
    let repeated = cut_by("kind", "repeated_paragraph");
    let list = dom(&browser, &page, "documents?rule=kind:repeated_paragraph");
    assert_eq!(rows(&list), repeated);

    // A search by id finds the one document.
    let list = dom(&browser, &page, "documents?q=d100059");
    assert_eq!(rows(&list), vec![100_059]);

    // A document of the last page of texts, beside its kept twin of the first.
    let doc = dom(&browser, &page, "doc=100001");
    let doc = section(&doc, "document");
    assert!(doc.contains("data-testid=\"diff-dropped\""));
    assert!(
        doc.contains("href=\"#doc=3\""),
        "a link to the kept document"
    );

    // Text search: a phrase of a dropped copy finds it and the document it
    // copies; one of a doubled paragraph finds its document; words that
    // are in no text find nothing.
    let copy = text_of(&corpus, 100_001);
    let words: Vec<&str> = copy.split(' ').collect();
    let phrase = words[3..8].join(" ");
    let found = dom(
        &browser,
        &page,
        &format!("search?q={}", phrase.replace(' ', "+")),
    );
    assert!(
        found.contains("<div id=\"text-search\" class=\"\">"),
        "the view is shown"
    );
    let both = hits(&found);
    assert!(both.contains(&100_001) && both.contains(&3), "{both:?}");
    let doubled = text_of(&corpus, 91_500);
    let phrase: Vec<&str> = doubled.split(' ').skip(2).take(4).collect();
    let found = dom(&browser, &page, &format!("search?q={}", phrase.join("+")));
    assert!(hits(&found).contains(&91_500));
    let found = dom(&browser, &page, "search?q=zzzqqq+xxyyzz");
    assert!(hits(&found).is_empty());
    assert_eq!(testid(&found, "search-count").split(' ').next(), Some("0"));

    // Every cluster, largest first.
    let clusters = dom(&browser, &page, "clusters");
    let count = dropped
        .iter()
        .map(|&i| docs[i]["duplicate_of"]["index"].as_u64().unwrap())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    assert_eq!(
        testid(&clusters, "cluster-count"),
        format!("{count} clusters")
    );
}

#[test]
fn a_scan_report_finds_its_pages_under_their_final_name() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    // A name that must be escaped in an address, compressed JSON beside it.
    let report = dir.path().join("my report #1.json.zst");
    ok(&["scan", s(&sample()), "--report", s(&report), "-q"]);
    let page = dir.path().join("my report #1.html");
    assert!(dir.path().join("my report #1.pages").is_dir());
    let doc = dom(&browser, &page, "doc=4");
    let doc = section(&doc, "document");
    assert!(doc.contains("004_92d7cee229c4202d.txt"), "{doc}");
    let list = dom(&browser, &page, "documents");
    assert_eq!(testid(&list, "doc-count"), "5 of 5");
}

#[test]
fn a_report_without_its_pages_says_so() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = cleaned(dir.path(), &sample());
    let moved = dir.path().join("report.html");
    fs::copy(out.join("report.html"), &moved).unwrap();
    assert_eq!(testid(&dom(&browser, &moved, ""), "documents"), "5");
    let failed = dom(&browser, &moved, "doc=0");
    assert!(
        text(testid(&failed, "failure")).contains("report.pages must stay beside this page"),
        "{failed}"
    );
}

/// The `data-pair` keys ("doc-with") of the rows of the pairs view.
fn pair_rows(dom: &str) -> Vec<String> {
    section(dom, "pairs-note")
        .split("<tr data-pair=\"")
        .skip(1)
        .map(|r| r[..r.find('"').unwrap()].to_string())
        .collect()
}

#[test]
fn each_bar_of_the_similarity_histogram_lists_its_pairs() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    // Copies of one article with ever more words changed: near the
    // threshold some are dropped and some kept, and the pairs below it are
    // listed too.
    let base = article(11, 6);
    let mut jsonl = String::new();
    for i in 0..40u64 {
        let text = if i == 0 {
            base.clone()
        } else {
            edit(&base, 5 + i, i)
        };
        jsonl.push_str(&serde_json::json!({ "id": format!("e{i}"), "text": text }).to_string());
        jsonl.push('\n');
    }
    let corpus = dir.path().join("corpus.jsonl");
    fs::write(&corpus, jsonl).unwrap();
    let out = cleaned(dir.path(), &corpus);
    let report = report(&out.join("report.json"));
    let docs = report["documents"].as_array().unwrap();
    let counts: Vec<u64> = report["similarity_histogram"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    let bin_width = report["similarity_histogram"]["bin_width"]
        .as_f64()
        .unwrap();
    let threshold = report["parameters"]["threshold"].as_f64().unwrap();
    let page = out.join("report.html");

    let overview = dom(&browser, &page, "");
    let mut below = 0;
    for (k, &count) in counts.iter().enumerate().filter(|(_, &c)| c > 0) {
        assert!(
            overview.contains(&format!("href=\"#pairs={k}\"")),
            "bar {k}"
        );
        let view = dom(&browser, &page, &format!("pairs={k}"));
        let rows = pair_rows(&view);
        assert_eq!(rows.len() as u64, count, "bin {k}");
        for row in &rows {
            let (doc, with) = row.split_once('-').unwrap();
            let doc = &docs[doc.parse::<usize>().unwrap()];
            // A pair at or above the threshold whose document was dropped
            // as its copy says so; one below it never dropped a document.
            let copy = doc["duplicate_of"]["index"].as_u64().map(|i| i.to_string());
            if copy.as_deref() == Some(with) {
                assert!((k + 1) as f64 * bin_width > threshold, "bin {k}: {row}");
            }
        }
        if ((k + 1) as f64 * bin_width) <= threshold {
            below += rows.len();
            assert!(section(&view, "pairs-note").contains(">kept<"), "{view}");
        }
    }
    assert!(below > 0, "some pairs fall below the threshold: {counts:?}");
    assert!(docs.iter().any(|d| d["status"] == "dropped"));
}
