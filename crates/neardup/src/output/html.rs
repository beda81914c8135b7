//! `report.html` and its pages: a summary page of bounded size that opens
//! from disk with no server and no network, and a folder of compressed
//! pages beside it that the summary page loads when a view needs them.
//!
//! The summary page holds the run's totals, the charts, the top templates,
//! the largest clusters, the kept documents with the most text removed and
//! a few samples of each rule: its size does not grow with the corpus. The
//! folder (`report.pages/` beside `report.html`) holds five kinds of page,
//! each a script that hands its data, gzip-compressed and in base64, to
//! the summary page (a page opened from disk may load scripts beside it,
//! but not read files):
//!
//! - `index-NNNNN.js`: the document list's columns (id, file, status,
//!   counts, the rules that removed something), [`INDEX_PER_PAGE`]
//!   documents a page, loaded when the list is opened;
//! - `docs-NNNNN.js`: each document's report entry and, for the documents
//!   a reader looks into (changed, dropped, or the kept twin of a dropped
//!   one), its text, [`DOCS_PER_PAGE`] documents a page, loaded when one of
//!   them is shown; texts up to [`TEXT_BUDGET`] bytes in all, past which a
//!   document shows its removed spans only;
//! - `clusters-NNNNN.js`: every cluster of duplicates, largest first, with
//!   the first line of its kept document and the range of similarities of
//!   its dropped ones, [`CLUSTERS_PER_PAGE`] clusters a page;
//! - `search-NNNNN.js`: the word index of the text search
//!   ([`super::text_search`]), loaded by the pages of a query's words;
//! - `pairs-NNNNN.js`: the candidate pairs that matching compared, whose
//!   similarities fell in bin NNNNN of the similarity histogram (the first
//!   [`crate::matching::PAIRS_PER_BIN`] of each), loaded from a bar.
//!
//! `report.json` stays the full record.

use super::report::{Footer, Header, Summary, TemplateEntry};
use super::text_search::{IndexMeta, TextIndex};
use crate::error::{Error, Result};
use crate::matching::ComparedPair;
use crate::pipeline::Analysis;
use crate::plan::Cut;
use crate::removal::{Fate, Kind, Original, Rule};
use base64::Engine;
use flate2::write::GzEncoder;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

/// Bytes of document text written into the pages, at most: each byte is
/// compressed and indexed for search, which at 64 MiB made a scan of 100k
/// documents with --documents-only twice as slow.
pub const TEXT_BUDGET: usize = 16 << 20;
/// Documents a page of entries and texts holds.
pub const DOCS_PER_PAGE: usize = 1_000;
/// Documents a page of the document list holds.
pub const INDEX_PER_PAGE: usize = 20_000;
/// Clusters a page of the cluster list holds.
pub const CLUSTERS_PER_PAGE: usize = 10_000;
/// Rows of each list on the summary page.
const TOP: usize = 100;
/// Samples of each rule on the summary page.
const SAMPLES: usize = 5;
/// Characters of a sample or a first line shown.
const SNIPPET: usize = 160;
/// Dropped documents named in a cluster's row.
const MEMBERS: usize = 20;
/// Skipped inputs listed on the summary page (all are in `report.json`).
const SKIPPED: usize = 100;

const TEMPLATE: &str = include_str!("report.html");
const META_MARK: &str = "<!--META-->";

/// The folder of pages that goes with the report page `html`.
pub fn pages_folder(html: &Path) -> PathBuf {
    html.with_extension("pages")
}

/// One document as the report page needs it.
pub struct HtmlDocument<'a> {
    /// The document's id.
    pub id: &'a str,
    /// The file it was read from.
    pub file: &'a str,
    /// Its original text.
    pub text: &'a str,
    /// Kept or dropped.
    pub fate: Fate,
    /// Its report entry (one line of JSON).
    pub entry: &'a str,
    /// What was cut from it.
    pub cuts: &'a [Cut],
    /// Whether a rule flagged some of it without removing it.
    pub flagged: bool,
}

/// The document list's columns for one page of documents.
#[derive(Default, Serialize)]
struct IndexPage {
    id: Vec<String>,
    /// Distinct source files of the page, and each document's position in it.
    file: Vec<String>,
    source: Vec<u32>,
    /// `k` kept, `d` dropped, one character per document.
    status: String,
    removed: Vec<u32>,
    /// Bytes cut from a kept document; all of a dropped one.
    bytes_removed: Vec<u64>,
    bytes: Vec<u64>,
    /// The document each one duplicates, or -1.
    duplicate_of: Vec<i64>,
    /// A dropped document's similarity to the one it duplicates.
    similarity: Vec<Option<f32>>,
    /// The rules that removed something from it: bit `r.code()` for rule `r`.
    rules: Vec<u32>,
}

/// A cluster of duplicates: a kept document and the ones dropped as its copies.
#[derive(Default, Serialize)]
struct Cluster {
    kept: u32,
    id: String,
    first_line: String,
    /// Documents in the cluster, the kept one included.
    size: u32,
    similarity_min: f32,
    similarity_max: f32,
    /// The first [`MEMBERS`] dropped documents, in input order.
    members: Vec<(u32, String)>,
}

/// A kept document with text removed.
#[derive(Serialize)]
struct Changed {
    index: u32,
    id: String,
    first_line: String,
    removed: u32,
    bytes_removed: u64,
    bytes: u64,
}

/// What one rule removed from one document.
#[derive(Serialize)]
struct Sample {
    index: u32,
    id: String,
    text: String,
}

/// Where the pages are and how they are cut.
#[derive(Serialize)]
struct PagesMeta {
    folder: String,
    documents: usize,
    docs_per_page: usize,
    index_per_page: usize,
    clusters: usize,
    clusters_per_page: usize,
    /// Pairs listed on the page of each bin of the similarity histogram.
    pairs: Vec<usize>,
}

/// A compared pair on a page of pairs.
#[derive(Serialize)]
struct PairRow<'a> {
    doc: u32,
    id: &'a str,
    /// The document it was compared with: its number in the run, or none
    /// for an indexed one.
    with: Option<u32>,
    with_id: std::borrow::Cow<'a, str>,
    similarity: f32,
    /// What became of `doc`: "copy" (dropped as a copy of `with`), "copy
    /// of another" (dropped as a copy of another document) or "kept".
    outcome: &'static str,
}

#[derive(Serialize)]
struct Meta<'a> {
    #[serde(flatten)]
    header: Header<'a>,
    top_templates: &'a [TemplateEntry],
    similarity_histogram: super::report::Histogram<'a>,
    summary: &'a Summary,
    skipped: &'a [crate::pipeline::Skipped],
    skipped_total: usize,
    rule_kinds: BTreeMap<Rule, Kind>,
    /// Rule names by bit of [`IndexPage::rules`].
    rule_bits: &'static [Rule],
    pages: PagesMeta,
    /// Clusters by size (documents in each, the kept one included).
    cluster_sizes: BTreeMap<u32, u32>,
    largest_clusters: &'a [Cluster],
    most_removed: &'a [Changed],
    samples: &'a BTreeMap<Rule, Vec<Sample>>,
    search: IndexMeta,
}

/// Writes `report.html` and its pages: [`HtmlWriter::begin`], one
/// [`HtmlWriter::document`] per document in order, [`HtmlWriter::finish`].
pub struct HtmlWriter<'a, W: Write> {
    out: W,
    analysis: &'a Analysis,
    pages: PathBuf,
    /// The folder's name beside the page, once in place.
    pages_name: String,
    pager: Pager,
    has_duplicates: Vec<bool>,
    budget: usize,
    documents: usize,
    index: IndexPage,
    /// The open page of entries and texts: a JSON array, unclosed.
    docs: Vec<u8>,
    clusters: FxHashMap<u32, Cluster>,
    most_removed: Vec<Changed>,
    /// Bytes removed by the last of [`TOP`] rows once the list was cut to
    /// them: a document must remove more to enter.
    most_removed_floor: u64,
    samples: BTreeMap<Rule, Vec<Sample>>,
    search: TextIndex,
}

impl<'a, W: Write> HtmlWriter<'a, W> {
    /// A writer of the page to `out` and of its pages into the folder
    /// `pages`, which exists and is empty, and which the page finds beside
    /// it under the name `name` once the run puts it in place.
    pub fn begin(out: W, (pages, name): (&Path, String), analysis: &'a Analysis) -> Self {
        HtmlWriter {
            out,
            analysis,
            pages: pages.to_path_buf(),
            pages_name: name,
            pager: Pager::start(pages.to_path_buf()),
            has_duplicates: analysis.has_duplicates(),
            budget: TEXT_BUDGET,
            documents: 0,
            index: IndexPage::default(),
            docs: Vec::new(),
            clusters: FxHashMap::default(),
            most_removed: Vec::new(),
            most_removed_floor: 0,
            samples: BTreeMap::new(),
            search: TextIndex::default(),
        }
    }

    /// Adds one document.
    pub fn document(&mut self, d: &HtmlDocument) -> Result<()> {
        let i = self.documents;
        self.documents += 1;
        let bytes_removed: usize = d.cuts.iter().map(|c| c.end - c.start).sum();
        let mut rules = 0u32;
        for c in d.cuts {
            rules |= 1 << c.removal.rule.code();
            self.sample(c.removal.rule, i, d.id, &d.text[c.start..c.end]);
        }
        if let Fate::Dropped { rule, .. } = d.fate {
            self.sample(rule, i, d.id, d.text);
        }
        let ix = &mut self.index;
        ix.id.push(d.id.to_string());
        if ix.file.last().map(String::as_str) != Some(d.file) {
            ix.file.push(d.file.to_string());
        }
        ix.source.push(ix.file.len() as u32 - 1);
        ix.removed.push(d.cuts.len() as u32);
        ix.bytes_removed.push(match d.fate {
            Fate::Kept => bytes_removed,
            Fate::Dropped { .. } => d.text.len(),
        } as u64);
        ix.bytes.push(d.text.len() as u64);
        match d.fate {
            Fate::Kept => {
                ix.status.push('k');
                ix.duplicate_of.push(-1);
                ix.similarity.push(None);
                ix.rules.push(rules);
                if self.has_duplicates.get(i).copied().unwrap_or(false) {
                    let c = self.clusters.entry(i as u32).or_default();
                    c.kept = i as u32;
                    c.id = d.id.to_string();
                    c.first_line = first_line(d.text);
                }
                // Past the floor only: a document that removed no more than
                // the last of the kept rows ranks after it (ties go to the
                // earlier), so its row is not built.
                if bytes_removed as u64 > self.most_removed_floor {
                    self.most_removed.push(Changed {
                        index: i as u32,
                        id: d.id.to_string(),
                        first_line: first_line(d.text),
                        removed: d.cuts.len() as u32,
                        bytes_removed: bytes_removed as u64,
                        bytes: d.text.len() as u64,
                    });
                    if self.most_removed.len() >= 2 * TOP {
                        keep_most_removed(&mut self.most_removed);
                        self.most_removed_floor = self.most_removed[TOP - 1].bytes_removed;
                    }
                }
            }
            Fate::Dropped {
                of,
                similarity,
                rule,
                ..
            } => {
                ix.status.push('d');
                ix.similarity.push(Some(similarity));
                ix.rules.push(rules | 1 << rule.code());
                match of {
                    Original::Run(of) => {
                        ix.duplicate_of.push(i64::from(of));
                        let c = self.clusters.entry(of).or_default();
                        c.kept = of;
                        if c.size == 0 {
                            (c.size, c.similarity_min, c.similarity_max) =
                                (1, similarity, similarity);
                        }
                        c.size += 1;
                        c.similarity_min = c.similarity_min.min(similarity);
                        c.similarity_max = c.similarity_max.max(similarity);
                        if c.members.len() < MEMBERS {
                            c.members.push((i as u32, d.id.to_string()));
                        }
                    }
                    // A document of an index has no page here.
                    Original::Indexed(_) => ix.duplicate_of.push(-1),
                }
            }
        }

        let wanted = !d.cuts.is_empty()
            || d.flagged
            || matches!(d.fate, Fate::Dropped { .. })
            || self.has_duplicates.get(i).copied().unwrap_or(false);
        let text = if wanted && d.text.len() <= self.budget {
            self.budget -= d.text.len();
            Some(d.text)
        } else {
            None
        };
        match text {
            Some(t) => self.search.add(i as u32, [t]),
            None => self
                .search
                .add(i as u32, d.cuts.iter().map(|c| &d.text[c.start..c.end])),
        }
        self.docs
            .extend_from_slice(if i.is_multiple_of(DOCS_PER_PAGE) {
                b"["
            } else {
                b","
            });
        self.docs.extend_from_slice(b"{\"r\":");
        self.docs.extend_from_slice(d.entry.as_bytes());
        self.docs.extend_from_slice(b",\"t\":");
        serde_json::to_writer(&mut self.docs, &text)
            .map_err(io::Error::other)
            .map_err(|e| Error::io(&self.pages, e))?;
        self.docs.push(b'}');
        if self.documents.is_multiple_of(DOCS_PER_PAGE) {
            self.flush_docs()?;
        }
        if self.documents.is_multiple_of(INDEX_PER_PAGE) {
            self.flush_index()?;
        }
        Ok(())
    }

    /// Keeps the first [`SAMPLES`] removals of each rule.
    fn sample(&mut self, rule: Rule, index: usize, id: &str, text: &str) {
        let samples = self.samples.entry(rule).or_default();
        if samples.len() < SAMPLES {
            samples.push(Sample {
                index: index as u32,
                id: id.to_string(),
                text: snippet(text),
            });
        }
    }

    fn flush_docs(&mut self) -> Result<()> {
        if self.docs.is_empty() {
            return Ok(());
        }
        self.docs.push(b']');
        let k = (self.documents - 1) / DOCS_PER_PAGE;
        self.pager.write("docs", k, std::mem::take(&mut self.docs))
    }

    fn flush_index(&mut self) -> Result<()> {
        if self.index.id.is_empty() {
            return Ok(());
        }
        let k = (self.documents - 1) / INDEX_PER_PAGE;
        let json = serde_json::to_vec(&self.index).map_err(|e| Error::io(&self.pages, e.into()))?;
        self.index = IndexPage::default();
        self.pager.write("index", k, json)
    }

    /// Writes the last pages, the cluster list and the summary page; gives
    /// back `out`.
    pub fn finish(mut self, summary: &Summary, top: &[TemplateEntry], html: &Path) -> Result<W> {
        self.flush_docs()?;
        self.flush_index()?;
        let mut clusters: Vec<Cluster> =
            self.clusters.into_values().filter(|c| c.size > 0).collect();
        clusters.sort_unstable_by(|a, b| b.size.cmp(&a.size).then(a.kept.cmp(&b.kept)));
        for (k, page) in clusters.chunks(CLUSTERS_PER_PAGE).enumerate() {
            let json = serde_json::to_vec(page).map_err(|e| Error::io(&self.pages, e.into()))?;
            self.pager.write("clusters", k, json)?;
        }
        let compared = &self.analysis.compared;
        for (bin, pairs) in compared.pairs.iter().enumerate() {
            if pairs.is_empty() {
                continue;
            }
            let rows: Vec<PairRow> = pairs.iter().map(|p| pair_row(self.analysis, p)).collect();
            let json = serde_json::to_vec(&rows).map_err(|e| Error::io(&self.pages, e.into()))?;
            self.pager.write("pairs", bin, json)?;
        }
        let (search_pages, search) = std::mem::take(&mut self.search).finish();
        for (k, json) in search_pages.into_iter().enumerate() {
            self.pager.write("search", k, json)?;
        }
        self.pager.finish()?;
        keep_most_removed(&mut self.most_removed);
        let footer = Footer::new(self.analysis, summary, top);
        let skipped = &self.analysis.skipped;
        let meta = Meta {
            header: Header::new(self.analysis),
            top_templates: footer.top_templates,
            similarity_histogram: footer.similarity_histogram,
            summary,
            skipped: &skipped[..skipped.len().min(SKIPPED)],
            skipped_total: skipped.len(),
            rule_kinds: Rule::ALL.iter().map(|&r| (r, r.kind())).collect(),
            // In code order: the rule of bit b is the one of code b.
            rule_bits: &Rule::ALL,
            pages: PagesMeta {
                folder: self.pages_name.clone(),
                documents: self.documents,
                docs_per_page: DOCS_PER_PAGE,
                index_per_page: INDEX_PER_PAGE,
                clusters: clusters.len(),
                clusters_per_page: CLUSTERS_PER_PAGE,
                pairs: compared.pairs.iter().map(Vec::len).collect(),
            },
            cluster_sizes: clusters.iter().fold(BTreeMap::new(), |mut m, c| {
                *m.entry(c.size).or_default() += 1;
                m
            }),
            largest_clusters: &clusters[..clusters.len().min(TOP)],
            most_removed: &self.most_removed,
            samples: &self.samples,
            search,
        };
        let (head, tail) = TEMPLATE
            .split_once(META_MARK)
            .expect("the template has META");
        let json = serde_json::to_string(&meta).map_err(|e| Error::io(html, e.into()))?;
        (|| {
            self.out.write_all(head.as_bytes())?;
            write_script_safe(&mut self.out, &json)?;
            self.out.write_all(tail.as_bytes())?;
            self.out.flush()
        })()
        .map_err(|e| Error::io(html, e))?;
        Ok(self.out)
    }
}

/// Compared pair `p` as its page lists it.
fn pair_row<'a>(a: &'a Analysis, p: &ComparedPair) -> PairRow<'a> {
    PairRow {
        doc: p.doc,
        id: a.id(p.doc),
        with: p.with.numbers().0,
        with_id: a.original_id(p.with),
        similarity: p.similarity,
        outcome: match a.fate(p.doc) {
            Fate::Dropped { of, .. } if of == p.with => "copy",
            Fate::Dropped { .. } => "copy of another",
            Fate::Kept => "kept",
        },
    }
}

/// Keeps the [`TOP`] documents with the most bytes removed, most first
/// (ties in input order).
fn keep_most_removed(rows: &mut Vec<Changed>) {
    rows.sort_unstable_by(|a, b| {
        b.bytes_removed
            .cmp(&a.bytes_removed)
            .then(a.index.cmp(&b.index))
    });
    rows.truncate(TOP);
}

/// The first line of `text` that holds more than white space, cut to a
/// snippet.
fn first_line(text: &str) -> String {
    snippet(text.lines().find(|l| !l.trim().is_empty()).unwrap_or(""))
}

/// `text` with its white space runs made single spaces, cut to [`SNIPPET`]
/// characters (an ellipsis marks a cut).
fn snippet(text: &str) -> String {
    let mut out = String::new();
    for (n, word) in text.split_whitespace().enumerate() {
        if n > 0 {
            out.push(' ');
        }
        out.push_str(word);
        if out.chars().count() > SNIPPET {
            let end = out
                .char_indices()
                .nth(SNIPPET)
                .map_or(out.len(), |(i, _)| i);
            out.truncate(end);
            out.push('…');
            break;
        }
    }
    out
}

/// Writes the pages on a thread of its own, so that their compression
/// runs beside the pass that renders them.
struct Pager {
    folder: PathBuf,
    jobs: Option<mpsc::SyncSender<(&'static str, usize, Vec<u8>)>>,
    thread: Option<thread::JoinHandle<Result<()>>>,
}

impl Pager {
    fn start(folder: PathBuf) -> Self {
        // Two pages wait at most: memory stays at a few pages.
        let (jobs, rx) = mpsc::sync_channel::<(&'static str, usize, Vec<u8>)>(2);
        let to = folder.clone();
        let thread = thread::spawn(move || {
            for (kind, k, json) in rx {
                write_page(&to, kind, k, &json)?;
            }
            Ok(())
        });
        Pager {
            folder,
            jobs: Some(jobs),
            thread: Some(thread),
        }
    }

    /// Hands page `k` of `kind` to the thread; an error of an earlier page
    /// comes back here or from [`Pager::finish`].
    fn write(&mut self, kind: &'static str, k: usize, json: Vec<u8>) -> Result<()> {
        let sent = self.jobs.as_ref().map(|tx| tx.send((kind, k, json)));
        match sent {
            Some(Ok(())) => Ok(()),
            // The thread stopped at an error: it says which.
            _ => self.finish(),
        }
    }

    /// Waits for every page to be written.
    fn finish(&mut self) -> Result<()> {
        self.jobs = None;
        match self.thread.take() {
            Some(t) => t.join().unwrap_or_else(|_| {
                Err(Error::io(
                    &self.folder,
                    io::Error::other("the thread writing the report's pages panicked"),
                ))
            }),
            None => Ok(()),
        }
    }
}

/// A run that stops early (an error, an interruption) drops the writer
/// unfinished: the thread is waited for, so that no page is written into a
/// staging folder after its removal began.
impl Drop for Pager {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// Writes page `k` of `kind` into `folder`: a script that hands `json`,
/// gzip-compressed and in base64, to the report page.
fn write_page(folder: &Path, kind: &str, k: usize, json: &[u8]) -> Result<()> {
    let path = folder.join(format!("{kind}-{k:05}.js"));
    (|| {
        let mut gz = GzEncoder::new(
            Vec::with_capacity(json.len() / 4),
            // Level 1: report entries come out 3.0 times smaller than raw
            // (level 2: 3.8) at half again level 2's speed; a scan with
            // --documents-only of 100k documents took 8% longer at level 2.
            flate2::Compression::fast(),
        );
        gz.write_all(json)?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(gz.finish()?);
        let mut f = BufWriter::new(fs::File::create(&path)?);
        writeln!(f, "neardup.page(\"{kind}\",{k},\"{b64}\");")?;
        f.into_inner().map_err(|e| e.into_error())?.sync_all()
    })()
    .map_err(|e| Error::io(&path, e))
}

/// Writes JSON inside a `<script>` element: `<` only occurs inside JSON
/// strings, where `\u003c` means the same, so no `</script>` or `<!--` in
/// the data can end or change the element.
fn write_script_safe(out: &mut impl Write, json: &str) -> io::Result<()> {
    let mut parts = json.split('<');
    if let Some(first) = parts.next() {
        out.write_all(first.as_bytes())?;
    }
    for part in parts {
        out.write_all(b"\\u003c")?;
        out.write_all(part.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_data_cannot_close_its_element() {
        let json = serde_json::to_string("</script><!-- <b>").unwrap();
        let mut out = Vec::new();
        write_script_safe(&mut out, &json).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(!out.contains('<'), "{out}");
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, "</script><!-- <b>");
    }

    #[test]
    fn the_template_has_its_mark_once_and_loads_only_its_pages() {
        assert_eq!(TEMPLATE.matches(META_MARK).count(), 1);
        // Nothing fetched: no sources in the markup, no style sheets, urls,
        // fetches or requests; the one script source set is a page of the
        // report's own folder.
        for fetch in [
            " src=",
            "<link",
            "url(",
            "@import",
            "fetch(",
            "XMLHttpRequest",
            "https:",
        ] {
            assert!(!TEMPLATE.contains(fetch), "{fetch}");
        }
        // The one address is SVG's namespace, a name that is never fetched.
        assert_eq!(
            TEMPLATE.matches("http:").count(),
            TEMPLATE.matches("\"http://www.w3.org/2000/svg\"").count()
        );
        assert_eq!(TEMPLATE.matches(".src = ").count(), 1);
        assert!(TEMPLATE.contains(".src = encodeURIComponent(P.folder) + \"/\" + "));
    }

    #[test]
    fn snippets_are_one_line_and_bounded() {
        assert_eq!(snippet("  a\n\n b\tc "), "a b c");
        let long = "é".repeat(500);
        let s = snippet(&long);
        assert_eq!(s.chars().count(), SNIPPET + 1);
        assert!(s.ends_with('…'));
        assert_eq!(first_line("\n  \nTitle here\nbody"), "Title here");
    }

    #[test]
    fn the_most_removed_are_kept_most_first_ties_in_order() {
        let row = |index, bytes_removed| Changed {
            index,
            id: index.to_string(),
            first_line: String::new(),
            removed: 1,
            bytes_removed,
            bytes: 1000,
        };
        let mut rows: Vec<Changed> = (0..3 * TOP as u32)
            .map(|i| row(i, u64::from(i % 7)))
            .collect();
        keep_most_removed(&mut rows);
        assert_eq!(rows.len(), TOP);
        assert_eq!((rows[0].bytes_removed, rows[0].index), (6, 6));
        assert_eq!((rows[1].bytes_removed, rows[1].index), (6, 13));
        assert!(rows
            .windows(2)
            .all(|w| w[0].bytes_removed >= w[1].bytes_removed));
    }
}
