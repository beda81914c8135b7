//! The report: what was removed, why, and which kept text it duplicates.
//!
//! `report.json` is one JSON object, written as a stream so that it never has
//! to be held in memory: format, version, parameters and inputs first, then
//! `documents`, one line per document in input order, then `skipped`,
//! `top_templates` and the `summary`, which are known only at the end. It
//! holds nothing that varies between runs (no times, no absolute paths that
//! were not given), so the same input and options give the same bytes.

use crate::corpus::{FileKind, InputKind};
use crate::pipeline::{Analysis, Skipped, Stage};
use crate::plan::{Cut, DocPlan};
use crate::removal::{Fate, Kind, Original, Removal, Rule, Twin};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

/// An input's path as the report gives it.
pub fn input_path(input: &crate::corpus::Input) -> String {
    input.path.to_string_lossy().into_owned()
}

/// Report format version; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 5;

/// Counts for the whole run.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    /// Documents read.
    pub documents: u64,
    /// Documents written (cleaned).
    pub documents_kept: u64,
    /// Documents dropped as duplicates.
    pub documents_dropped: u64,
    /// Documents without a single word (empty, or only punctuation and symbols).
    pub documents_without_words: u64,
    /// Documents that could not be read, skipped with `--on-error skip`.
    pub documents_skipped: u64,
    /// Documents holding bytes that are not valid UTF-8, analysed through
    /// a lossy view ([`crate::corpus::lossy`]) and written back as they were.
    pub documents_not_utf8: u64,
    /// Files in the input folders that neardup does not read, by kind
    /// ([`crate::corpus::PassedOver`]).
    pub files_passed_over: crate::corpus::PassedOver,
    /// Segments (paragraphs, or lines) of every document read.
    pub segments: u64,
    /// Segments cut from kept documents.
    pub segments_removed: u64,
    /// Removals by kind: documents dropped and segments cut, each one.
    pub removed_by_kind: BTreeMap<Kind, u64>,
    /// Removals by rule.
    pub removed_by_rule: BTreeMap<Rule, u64>,
    /// Passages of kept documents that copy one of another kept document,
    /// reported but not cut (without `--remove-shared`).
    pub shared_passages_found: u64,
    /// Boilerplate segments found but written through (`--keep-boilerplate`).
    pub boilerplate_flagged: u64,
    /// Bytes read.
    pub bytes_in: u64,
    /// Bytes removed: dropped documents and cut segments.
    pub bytes_removed: u64,
    /// Bytes kept: `bytes_in - bytes_removed`.
    pub bytes_out: u64,
}

impl Summary {
    /// Counts one document of `bytes` bytes, `words` words and `segments`
    /// segments, decided as `plan`, cut as `cuts`.
    pub fn add(&mut self, plan: &DocPlan, cuts: &[Cut], bytes: u64, words: u64, segments: u64) {
        self.documents += 1;
        self.bytes_in += bytes;
        self.segments += segments;
        self.documents_without_words += u64::from(words == 0);
        match plan.fate {
            Fate::Kept => {
                self.documents_kept += 1;
                self.shared_passages_found += plan.shared.len() as u64;
                self.boilerplate_flagged += plan.flagged.len() as u64;
                for c in cuts {
                    self.segments_removed += 1;
                    self.bytes_removed += (c.end - c.start) as u64;
                    *self
                        .removed_by_kind
                        .entry(c.removal.rule.kind())
                        .or_default() += 1;
                    *self.removed_by_rule.entry(c.removal.rule).or_default() += 1;
                }
            }
            Fate::Dropped { rule, .. } => {
                self.documents_dropped += 1;
                self.bytes_removed += bytes;
                *self
                    .removed_by_kind
                    .entry(Kind::DuplicateDocument)
                    .or_default() += 1;
                *self.removed_by_rule.entry(rule).or_default() += 1;
            }
        }
        self.bytes_out = self.bytes_in - self.bytes_removed;
    }

    /// A few lines for a person: documents (with the rules that dropped
    /// them), the lines and paragraphs cut from the kept ones (with their
    /// rules), bytes, and the run's time; with `breakdown`, the time of each
    /// stage too (and the throughput of those that read the inputs).
    pub fn human(&self, verb: &str, stages: &[Stage], breakdown: bool) -> String {
        let rules = |document: bool| -> Vec<String> {
            self.removed_by_rule
                .iter()
                .filter(|(r, _)| (r.kind() == Kind::DuplicateDocument) == document)
                .map(|(r, n)| format!("{} {n}", r.name()))
                .collect()
        };
        let listed = |items: Vec<String>| {
            if items.is_empty() {
                String::new()
            } else {
                format!(" ({})", items.join(", "))
            }
        };
        let mut out = format!(
            "neardup {verb}: {} in, {} kept, {} dropped as duplicates{}\n",
            plural(self.documents, "document"),
            self.documents_kept,
            self.documents_dropped,
            listed(rules(true)),
        );
        let kinds: Vec<String> = self
            .removed_by_kind
            .iter()
            .filter(|(k, _)| **k != Kind::DuplicateDocument)
            .map(|(k, n)| format!("{} {n}", k.name()))
            .collect();
        out += &format!(
            "  lines and paragraphs cut from kept documents: {}{}\n",
            self.segments_removed,
            listed(kinds)
        );
        let segment_rules = rules(false);
        if !segment_rules.is_empty() {
            out += &format!("    by rule: {}\n", segment_rules.join(", "));
        }
        if self.documents_skipped > 0 {
            out += &format!(
                "  skipped, unreadable: {} (listed in the report)\n",
                self.documents_skipped
            );
        }
        if !self.files_passed_over.is_empty() {
            out += &format!(
                "  passed over, not a kind neardup reads: {} (listed under `inputs` in the report)\n",
                crate::corpus::describe_passed_over(&self.files_passed_over)
            );
        }
        if self.documents_not_utf8 > 0 {
            out += &format!(
                "  not valid UTF-8: {} (read through a lossy view, written back byte for byte; `invalid_bytes` in the report)\n",
                self.documents_not_utf8
            );
        }
        if self.boilerplate_flagged > 0 {
            out += &format!(
                "  boilerplate flagged and kept: {} lines and paragraphs (listed under `flagged`)\n",
                self.boilerplate_flagged
            );
        }
        if self.shared_passages_found > 0 {
            out += &format!(
                "  shared passages found: {} (kept; --remove-shared removes them)\n",
                self.shared_passages_found
            );
        }
        let pct = if self.bytes_in > 0 {
            100.0 * self.bytes_removed as f64 / self.bytes_in as f64
        } else {
            0.0
        };
        out += &format!(
            "  bytes: {} in, {} out, {} removed ({pct:.1}%)\n",
            self.bytes_in, self.bytes_out, self.bytes_removed
        );
        let total: f64 = stages.iter().map(|s| s.time.as_secs_f64()).sum();
        let rate = |s: f64| {
            if s > 0.0 {
                format!("{:.0} MB/s", self.bytes_in as f64 / s / 1e6)
            } else {
                "-".into()
            }
        };
        out += &format!(
            "  time: {total:.2} s ({}, {:.0} documents/s)\n",
            rate(total),
            if total > 0.0 {
                self.documents as f64 / total
            } else {
                0.0
            }
        );
        for stage in stages.iter().filter(|_| breakdown) {
            let s = stage.time.as_secs_f64();
            let r = if stage.reads_input {
                rate(s)
            } else {
                String::new()
            };
            let line = format!("    {:<36} {s:>8.2} s {r:>12}", stage.name);
            out += line.trim_end();
            out.push('\n');
        }
        out
    }
}

/// A corpus template as the report shows it: how many kept documents hold
/// it, and its first occurrence.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateEntry {
    /// Kept documents that hold it.
    pub documents: u32,
    /// The text of the first occurrence (at most 200 characters).
    pub text: String,
    /// Where it first occurs.
    pub first: TemplateAt,
}

/// Where a corpus template first occurs.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateAt {
    /// The document's number, in input order from 0.
    pub index: u32,
    /// The document's id.
    pub id: String,
    /// The line's first byte in the document.
    pub start: u32,
    /// The byte after the line's last.
    pub end: u32,
}

#[derive(Serialize)]
pub(crate) struct Header<'a> {
    format: &'static str,
    format_version: u32,
    neardup_version: &'static str,
    parameters: Parameters<'a>,
    inputs: Vec<InputEntry<'a>>,
}

impl<'a> Header<'a> {
    pub fn new(analysis: &'a Analysis) -> Self {
        let c = &analysis.config;
        let lsh = c.doc_lsh();
        let seg_lsh = c.segment_lsh();
        Header {
            format: "neardup-report",
            format_version: FORMAT_VERSION,
            neardup_version: env!("CARGO_PKG_VERSION"),
            parameters: Parameters {
                threshold: c.threshold,
                containment: c.containment,
                permutations: c.doc_sketch.permutations,
                shingle_size: c.doc_sketch.shingle_size,
                seed: c.doc_sketch.seed,
                bands: lsh.bands,
                rows: lsh.rows,
                segment_threshold: c.segment_threshold,
                segment_permutations: c.segment_sketch.permutations,
                segment_shingle_size: c.segment_sketch.shingle_size,
                segment_bands: seg_lsh.bands,
                segment_rows: seg_lsh.rows,
                min_segment_words: c.min_segment_words,
                template_min_docs: c.template_min_docs,
                paragraphs: c.paragraphs,
                structural_rules: c.structural_rules,
                body: c.body,
                keep_boilerplate: c.keep_boilerplate,
                rules: c.rules.as_ref(),
                remove_shared: c.remove_shared,
                text_field: &c.text_field,
                id_field: &c.id_field,
                on_error: c.on_error,
                max_document_bytes: c.max_document_bytes(),
            },
            inputs: analysis
                .inputs
                .iter()
                .map(|i| InputEntry {
                    path: input_path(i),
                    kind: match i.kind {
                        InputKind::Folder { .. } => "folder",
                        InputKind::File(FileKind::Text) => "text_file",
                        InputKind::File(FileKind::Jsonl(_)) => "jsonl",
                        InputKind::File(FileKind::Parquet) => "parquet",
                    },
                    passed_over: match &i.kind {
                        InputKind::Folder { passed_over, .. } => Some(passed_over),
                        InputKind::File(_) => None,
                    },
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
pub(crate) struct Footer<'a> {
    pub skipped: &'a [Skipped],
    pub top_templates: &'a [TemplateEntry],
    pub similarity_histogram: Histogram<'a>,
    pub summary: &'a Summary,
}

/// Candidate document pairs by estimated similarity.
#[derive(Serialize)]
pub(crate) struct Histogram<'a> {
    pub bin_width: f64,
    pub counts: &'a [u64],
}

impl<'a> Footer<'a> {
    pub fn new(analysis: &'a Analysis, summary: &'a Summary, top: &'a [TemplateEntry]) -> Self {
        Footer {
            skipped: &analysis.skipped,
            top_templates: top,
            similarity_histogram: Histogram {
                bin_width: 1.0 / analysis.compared.counts.len().max(1) as f64,
                counts: &analysis.compared.counts,
            },
            summary,
        }
    }
}

#[derive(Serialize)]
struct Parameters<'a> {
    threshold: f64,
    containment: Option<f64>,
    permutations: usize,
    shingle_size: usize,
    seed: u64,
    bands: usize,
    rows: usize,
    segment_threshold: f64,
    segment_permutations: usize,
    segment_shingle_size: usize,
    segment_bands: usize,
    segment_rows: usize,
    min_segment_words: usize,
    template_min_docs: usize,
    paragraphs: bool,
    structural_rules: bool,
    body: bool,
    keep_boilerplate: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    rules: Option<&'a crate::boilerplate::rules::UserRules>,
    remove_shared: bool,
    text_field: &'a str,
    id_field: &'a str,
    on_error: crate::config::OnError,
    max_document_bytes: u64,
}

#[derive(Serialize)]
struct InputEntry<'a> {
    path: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    passed_over: Option<&'a crate::corpus::PassedOver>,
}

#[derive(Serialize)]
struct DocRef<'a> {
    /// The document's number in the run; none for an indexed document.
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<u32>,
    id: std::borrow::Cow<'a, str>,
    /// A document of the run's index: its number and source there.
    #[serde(skip_serializing_if = "Option::is_none")]
    indexed: Option<IndexedRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<u32>,
    similarity: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    containment: Option<f32>,
}

/// A document of the run's index, as a dropped document's original.
#[derive(Serialize)]
struct IndexedRef {
    /// Its number in the index.
    document: u64,
    /// Where it was read when it was added.
    source: IndexedSource,
}

#[derive(Serialize)]
struct IndexedSource {
    file: String,
    line: u64,
}

/// What a document was compared on: its content, the words the in-document
/// rules keep minus the corpus's shared lines.
#[derive(Serialize)]
struct Compared {
    /// Words of the content.
    words: u32,
    /// Kept words set aside as shared lines (menus, sidebars, footers that
    /// recur across the corpus).
    shared_words: u32,
    /// Whether the content was long enough, and a large enough part of the
    /// document, to judge it a near copy (exact copies are judged always).
    judged: bool,
}

#[derive(Serialize)]
struct DocEntry<'a> {
    index: usize,
    id: &'a str,
    source: Source<'a>,
    status: &'static str,
    bytes: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    invalid_bytes: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<Rule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate_of: Option<DocRef<'a>>,
    compared: Compared,
    removed: Vec<SpanEntry<'a>>,
    shared: Vec<SharedEntry<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    flagged: Vec<SpanEntry<'a>>,
}

#[derive(Serialize)]
struct Source<'a> {
    file: &'a str,
    line: u64,
}

#[derive(Serialize)]
struct SpanEntry<'a> {
    start: usize,
    end: usize,
    kind: Kind,
    rule: Rule,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate_of: Option<DocRef<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    occurrences: Option<u32>,
    /// The body classifier's score of the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f32>,
    /// The user rule that fired: "file:line: drop PATTERN".
    #[serde(skip_serializing_if = "Option::is_none")]
    user_rule: Option<String>,
}

#[derive(Serialize)]
struct SharedEntry<'a> {
    start: u32,
    end: u32,
    shared_with: DocRef<'a>,
}

/// One document, as the second pass hands it to the report.
pub struct DocumentView<'a> {
    /// The document's number, in input order from 0.
    pub index: u32,
    /// Its id.
    pub id: &'a str,
    /// The file it was read from.
    pub file: &'a str,
    /// Its line (JSONL, text files: 1) or row (Parquet), from 1.
    pub line: u64,
    /// Its text as read.
    pub text: &'a str,
    /// Bytes of the source that are not valid UTF-8.
    pub invalid_bytes: usize,
    /// Its segments.
    pub segments: &'a [crate::text::Segment],
    /// What the plan decided for it.
    pub plan: &'a DocPlan,
    /// The spans cut, resolved against its segments.
    pub cuts: &'a [Cut],
    /// Words the in-document rules keep, and of those the content's.
    pub kept_words: u32,
    /// Of those, the content's words.
    pub content_words: u32,
}

/// The report entry of one document, as one line of JSON. A pure function
/// of the analysis and the document, so documents render in parallel.
pub fn render(analysis: &Analysis, d: &DocumentView) -> String {
    let doc_ref = |t: Twin| DocRef {
        index: Some(t.doc),
        id: analysis.id(t.doc).into(),
        indexed: None,
        start: Some(t.start),
        end: Some(t.end),
        similarity: t.similarity,
        containment: None,
    };
    let span = |start: usize, end: usize, removal: Removal| SpanEntry {
        start,
        end,
        kind: removal.rule.kind(),
        rule: removal.rule,
        text: &d.text[start..end],
        duplicate_of: removal.twin.map(doc_ref),
        occurrences: (removal.occurrences > 0).then_some(removal.occurrences),
        score: removal.score,
        user_rule: removal.user_rule.and_then(|u| {
            let rules = analysis.config.rules.as_ref()?;
            Some(rules.describe(u))
        }),
    };
    let (status, rule, duplicate_of) = match d.plan.fate {
        Fate::Kept => ("kept", None, None),
        Fate::Dropped {
            of,
            similarity,
            containment,
            rule,
        } => {
            let indexed = match of {
                Original::Run(_) => None,
                Original::Indexed(d) => {
                    let doc = analysis.indexed(d);
                    Some(IndexedRef {
                        document: doc.document,
                        source: IndexedSource {
                            file: doc.file,
                            line: doc.line,
                        },
                    })
                }
            };
            let twin = DocRef {
                index: of.numbers().0,
                id: analysis.original_id(of),
                indexed,
                start: None,
                end: None,
                similarity,
                containment,
            };
            ("dropped", Some(rule), Some(twin))
        }
    };
    let entry = DocEntry {
        index: d.index as usize,
        id: d.id,
        source: Source {
            file: d.file,
            line: d.line,
        },
        status,
        bytes: d.text.len(),
        invalid_bytes: (d.invalid_bytes > 0).then_some(d.invalid_bytes),
        rule,
        duplicate_of,
        compared: Compared {
            words: d.content_words,
            shared_words: d.kept_words - d.content_words,
            judged: crate::matching::judged(
                d.content_words,
                d.kept_words,
                analysis.config.doc_sketch.shingle_size,
            ),
        },
        removed: d
            .cuts
            .iter()
            .map(|c| span(c.start, c.end, c.removal))
            .collect(),
        shared: d
            .plan
            .shared
            .iter()
            .map(|&(seg, twin)| {
                let s = d.segments[seg as usize];
                SharedEntry {
                    start: s.start,
                    end: s.end,
                    shared_with: doc_ref(twin),
                }
            })
            .collect(),
        flagged: d
            .plan
            .flagged
            .iter()
            .map(|&(seg, removal)| {
                let s = d.segments[seg as usize];
                span(s.start as usize, s.end as usize, removal)
            })
            .collect(),
    };
    serde_json::to_string(&entry).expect("report entries serialise")
}

/// `1 document`, `2 documents`.
fn plural(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Writes `report.json` in order: [`ReportWriter::begin`], one
/// [`ReportWriter::line`] per document, [`ReportWriter::finish`].
pub struct ReportWriter<'a, W: Write> {
    out: W,
    analysis: &'a Analysis,
    first: bool,
}

type IoResult<T> = std::io::Result<T>;

impl<'a, W: Write> ReportWriter<'a, W> {
    /// Writes the report's header to `out`.
    pub fn begin(mut out: W, analysis: &'a Analysis) -> IoResult<Self> {
        let header = Header::new(analysis);
        let mut head = serde_json::to_string(&header).map_err(std::io::Error::other)?;
        head.pop(); // the closing brace: documents follow
        out.write_all(head.as_bytes())?;
        out.write_all(b",\"documents\":[")?;
        Ok(ReportWriter {
            out,
            analysis,
            first: true,
        })
    }

    /// Writes the entry of one document, rendered by [`render`].
    pub fn line(&mut self, entry: &str) -> IoResult<()> {
        self.out
            .write_all(if self.first { b"\n" } else { b",\n" })?;
        self.first = false;
        self.out.write_all(entry.as_bytes())
    }

    /// Closes the document list and writes what is known only at the end.
    pub fn finish(mut self, summary: &Summary, top_templates: &[TemplateEntry]) -> IoResult<W> {
        let footer = Footer::new(self.analysis, summary, top_templates);
        let tail = serde_json::to_string(&footer).map_err(std::io::Error::other)?;
        self.out.write_all(b"\n],")?;
        self.out.write_all(&tail.as_bytes()[1..])?; // without its opening brace
        self.out.write_all(b"\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}
