//! The report: what was removed, why, and which kept text it duplicates.
//!
//! `report.json` is one JSON object, written as a stream so that it never has
//! to be held in memory: parameters, summary, the most frequent templates, the
//! inputs, then one line per document. It holds nothing that varies between
//! runs (no times, no absolute paths that were not given), so the same input
//! and options give the same bytes.

use crate::corpus::InputKind;
use crate::pipeline::{Analysis, DocRecord};
use crate::plan::{cuts, Cut, Fate, Kind, Rule, Twin};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

/// Report format version; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;

/// Counts for the whole run.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    pub documents: u64,
    pub documents_kept: u64,
    pub documents_dropped: u64,
    pub documents_without_words: u64,
    pub documents_skipped: u64,
    pub segments: u64,
    pub segments_removed: u64,
    pub removed_by_kind: BTreeMap<Kind, u64>,
    pub removed_by_rule: BTreeMap<Rule, u64>,
    pub shared_passages_found: u64,
    pub bytes_in: u64,
    pub bytes_removed: u64,
    pub bytes_out: u64,
}

impl Summary {
    pub fn of(analysis: &Analysis) -> Summary {
        let mut s = Summary::default();
        for d in &analysis.docs {
            s.documents += 1;
            s.bytes_in += d.bytes as u64;
            s.segments += d.segments.len() as u64;
            if d.words == 0 {
                s.documents_without_words += 1;
            }
            match d.plan.fate {
                Fate::Kept => {
                    s.documents_kept += 1;
                    s.shared_passages_found += d.plan.shared.len() as u64;
                    for c in cuts(&d.segments, &d.plan.removals) {
                        s.segments_removed += 1;
                        s.bytes_removed += (c.end - c.start) as u64;
                        *s.removed_by_kind.entry(c.removal.rule.kind()).or_default() += 1;
                        *s.removed_by_rule.entry(c.removal.rule).or_default() += 1;
                    }
                }
                Fate::Dropped { rule, .. } => {
                    s.documents_dropped += 1;
                    s.bytes_removed += d.bytes as u64;
                    *s.removed_by_kind
                        .entry(Kind::DuplicateDocument)
                        .or_default() += 1;
                    *s.removed_by_rule.entry(rule).or_default() += 1;
                }
            }
        }
        s.documents_skipped = analysis.skipped.len() as u64;
        s.bytes_out = s.bytes_in - s.bytes_removed;
        s
    }

    /// A few lines for a person: counts, then the wall time of each stage
    /// with its throughput over the input bytes.
    pub fn human(&self, verb: &str, stages: &[(&str, std::time::Duration)]) -> String {
        let mut out = format!(
            "neardup {verb}: {} documents in, {} kept, {} dropped as duplicates\n",
            self.documents, self.documents_kept, self.documents_dropped
        );
        let segs_by_kind: Vec<String> = self
            .removed_by_kind
            .iter()
            .filter(|(k, _)| **k != Kind::DuplicateDocument)
            .map(|(k, n)| format!("{} {n}", name(k)))
            .collect();
        out += &format!(
            "  paragraphs removed: {}{}\n",
            self.segments_removed,
            if segs_by_kind.is_empty() {
                String::new()
            } else {
                format!(" ({})", segs_by_kind.join(", "))
            }
        );
        if !self.removed_by_rule.is_empty() {
            let rules: Vec<String> = self
                .removed_by_rule
                .iter()
                .map(|(r, n)| format!("{} {n}", name(r)))
                .collect();
            out += &format!("  by rule: {}\n", rules.join(", "));
        }
        if self.documents_skipped > 0 {
            out += &format!(
                "  skipped, unreadable: {} (listed in the report)\n",
                self.documents_skipped
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
        let total: f64 = stages.iter().map(|(_, d)| d.as_secs_f64()).sum();
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
        for (name, d) in stages {
            let s = d.as_secs_f64();
            out += &format!("    {name:<36} {s:>8.2} s {:>12}\n", rate(s));
        }
        out
    }
}

/// The snake_case name serde gives a unit variant.
fn name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[derive(Serialize)]
struct Header<'a> {
    format: &'static str,
    format_version: u32,
    neardup_version: &'static str,
    parameters: Parameters<'a>,
    summary: &'a Summary,
    top_templates: Vec<TemplateEntry<'a>>,
    inputs: Vec<InputEntry>,
    skipped: &'a [crate::pipeline::Skipped],
}

#[derive(Serialize)]
struct Parameters<'a> {
    threshold: f64,
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
    structural_rules: bool,
    remove_shared: bool,
    text_field: &'a str,
    id_field: &'a str,
    on_error: crate::config::OnError,
}

#[derive(Serialize)]
struct TemplateEntry<'a> {
    documents: u32,
    example: DocRef<'a>,
}

#[derive(Serialize)]
struct InputEntry {
    path: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct DocRef<'a> {
    index: u32,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<u32>,
    similarity: f32,
}

#[derive(Serialize)]
struct DocEntry<'a> {
    index: usize,
    id: &'a str,
    source: Source,
    status: &'static str,
    bytes: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<Rule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate_of: Option<DocRef<'a>>,
    removed: Vec<SpanEntry<'a>>,
    shared: Vec<SharedEntry<'a>>,
}

#[derive(Serialize)]
struct Source {
    file: String,
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
}

#[derive(Serialize)]
struct SharedEntry<'a> {
    start: u32,
    end: u32,
    text: &'a str,
    shared_with: DocRef<'a>,
}

/// Writes `report.json` in order: [`ReportWriter::begin`], one
/// [`ReportWriter::document`] per document, [`ReportWriter::finish`].
pub struct ReportWriter<'a, W: Write> {
    out: W,
    analysis: &'a Analysis,
    first: bool,
}

type IoResult<T> = std::io::Result<T>;

impl<'a, W: Write> ReportWriter<'a, W> {
    pub fn begin(mut out: W, analysis: &'a Analysis, summary: &Summary) -> IoResult<Self> {
        let c = &analysis.config;
        let lsh = c.doc_lsh();
        let seg_lsh = c.segment_lsh();
        let header = Header {
            format: "neardup-report",
            format_version: FORMAT_VERSION,
            neardup_version: env!("CARGO_PKG_VERSION"),
            parameters: Parameters {
                threshold: c.threshold,
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
                structural_rules: c.structural_rules,
                remove_shared: c.remove_shared,
                text_field: &c.text_field,
                id_field: &c.id_field,
                on_error: c.on_error,
            },
            summary,
            top_templates: analysis
                .templates
                .iter()
                .take(50)
                .map(|&(t, n)| TemplateEntry {
                    documents: n,
                    example: doc_ref(analysis, t),
                })
                .collect(),
            inputs: analysis
                .inputs
                .iter()
                .map(|i| InputEntry {
                    path: i.path.to_string_lossy().into_owned(),
                    kind: match i.kind {
                        InputKind::TextDir { .. } => "text_folder",
                        InputKind::TextFile => "text_file",
                        InputKind::Jsonl(_) => "jsonl",
                    },
                })
                .collect(),
            skipped: &analysis.skipped,
        };
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

    /// Writes the entry of document `index`, whose original text is `text`.
    pub fn document(&mut self, index: usize, text: &str, doc_cuts: &[Cut]) -> IoResult<()> {
        let d: &DocRecord = &self.analysis.docs[index];
        let (status, rule, duplicate_of) = match d.plan.fate {
            Fate::Kept => ("kept", None, None),
            Fate::Dropped {
                of,
                similarity,
                rule,
            } => {
                let twin = DocRef {
                    index: of,
                    id: &self.analysis.docs[of as usize].id,
                    start: None,
                    end: None,
                    similarity,
                };
                ("dropped", Some(rule), Some(twin))
            }
        };
        let entry = DocEntry {
            index,
            id: &d.id,
            source: Source {
                file: d.file.to_string_lossy().into_owned(),
                line: d.line,
            },
            status,
            bytes: d.bytes,
            rule,
            duplicate_of,
            removed: doc_cuts
                .iter()
                .map(|c| SpanEntry {
                    start: c.start,
                    end: c.end,
                    kind: c.removal.rule.kind(),
                    rule: c.removal.rule,
                    text: &text[c.start..c.end],
                    duplicate_of: c.removal.twin.map(|t| doc_ref(self.analysis, t)),
                    occurrences: (c.removal.occurrences > 0).then_some(c.removal.occurrences),
                })
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
                        text: &text[s.range()],
                        shared_with: doc_ref(self.analysis, twin),
                    }
                })
                .collect(),
        };
        self.out
            .write_all(if self.first { b"\n" } else { b",\n" })?;
        self.first = false;
        serde_json::to_writer(&mut self.out, &entry).map_err(std::io::Error::other)
    }

    pub fn finish(mut self) -> IoResult<W> {
        self.out.write_all(b"\n]}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn doc_ref(analysis: &Analysis, t: Twin) -> DocRef<'_> {
    let d = &analysis.docs[t.doc as usize];
    let s = d.segments[t.segment as usize];
    DocRef {
        index: t.doc,
        id: &d.id,
        start: Some(s.start),
        end: Some(s.end),
        similarity: t.similarity,
    }
}
