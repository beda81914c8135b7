//! Writing results: cleaned copies of the corpus and the report.
//!
//! Outputs are built in a staging folder beside the destination and renamed
//! into place only when complete, so an interrupted run never leaves a
//! half-written output that looks finished. Inputs are only ever read.
//!
//! A cleaned copy is its input with byte ranges cut out (a JSONL record's
//! text is cut inside its JSON string, so its escapes stay as they were), or
//! with `--annotate` its input with one field added. Every such difference
//! goes to `removed.jsonl.zst` ([`undo`]), from which [`crate::restore`]
//! rebuilds the inputs.

pub mod annotate;
pub mod html;
pub mod parquet;
pub mod pipeline_files;
pub mod report;
pub mod text_search;
pub mod undo;

use crate::boilerplate::template;
use crate::corpus::{self, Compression, Document, InputKind};
use crate::error::{Error, Result};
use crate::pipeline::{Analysis, Progress};
use crate::plan::{self, cuts, without};
use crate::plan::{Cut, DocPlan};
use crate::removal::Fate;
use crate::second_pass::{self, OwnedGap, Reread};
use crate::staging::{self, absolute, Staging};
use crate::text::Segment;
use html::{HtmlDocument, HtmlWriter};
use report::{DocumentView, ReportWriter, Summary, TemplateAt, TemplateEntry};
use std::fs;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use undo::UndoWriter;

/// What `clean` writes for each document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// The input with the removed spans cut and duplicate documents left out.
    #[default]
    Cut,
    /// The input unchanged, with the decisions attached ([`annotate`]).
    Annotate,
}

/// Options of [`write_clean`].
#[derive(Debug, Clone, Default)]
pub struct CleanOptions {
    /// Replace an existing, non-empty output folder.
    pub force: bool,
    /// What to write: the cleaned text, or the input annotated.
    pub mode: Mode,
    /// Where to write the dropped documents (`--dropped`).
    pub dropped: Option<PathBuf>,
    /// Write the JSON report compressed with zstd, as `report.json.zst`
    /// (`--report-compress`).
    pub report_compress: bool,
}

/// One document of the second pass, decided, rendered and cut.
struct Decided {
    index: u32,
    document: Document,
    segments: Vec<Segment>,
    templates: Vec<u64>,
    plan: DocPlan,
    cuts: Vec<Cut>,
    words: u64,
    /// xxh3 of its text, from the first pass (checked against the text).
    text_hash: u64,
    /// Its report entry.
    entry: String,
    /// Its copy, when `clean` writes one.
    copy: Option<Copy>,
}

/// A document's cleaned copy and how it differs from its source bytes: the
/// text file, or the JSONL line with its `\n`.
struct Copy {
    /// What the output gets.
    bytes: Bytes,
    /// Ranges of the source that `bytes` lacks, in order.
    removed: Vec<Range<usize>>,
    /// Bytes that `bytes` has and the source lacks: (source offset, length).
    added: Option<(usize, usize)>,
    /// A text file's line of `annotations.jsonl`.
    annotation: Option<String>,
}

/// What the output gets of a document.
enum Bytes {
    /// Nothing: a text file left out.
    Nothing,
    /// Its source bytes as they are, not copied: the text file, or the
    /// JSONL line with its `\n`.
    Source,
    /// Other bytes: the source with its cuts, or with its annotation.
    New(Vec<u8>),
}

impl Copy {
    /// The bytes of a copy that lacks some of its source.
    fn cut(&self) -> Option<&[u8]> {
        match &self.bytes {
            Bytes::New(bytes) if !self.removed.is_empty() => Some(bytes),
            _ => None,
        }
    }
}

type Step<'a> = second_pass::Step<'a, Decided>;

/// The [second pass](second_pass) with each document decided
/// ([`plan::decide`]), rendered and, in `mode`, cut or annotated; the gaps
/// between documents are handed on only with a `mode`. Returns the summary
/// and the most frequent templates.
fn decided_pass(
    analysis: &Analysis,
    mode: Option<Mode>,
    progress: &dyn Progress,
    mut f: impl FnMut(Step) -> Result<()>,
) -> Result<(Summary, Vec<TemplateEntry>)> {
    let mut summary = Summary {
        documents_skipped: analysis.skipped.len() as u64,
        files_passed_over: corpus::passed_over(&analysis.inputs),
        ..Summary::default()
    };
    let mut templates: Vec<TemplateEntry> = Vec::new();
    let mut seen = rustc_hash::FxHashSet::default();
    second_pass::run(
        analysis,
        mode.is_some(),
        progress,
        |r| decide(analysis, r, mode),
        |step| {
            if let second_pass::Step::Document(d) = step {
                summary.documents_not_utf8 += u64::from(d.document.original.is_some());
                summary.add(
                    &d.plan,
                    &d.cuts,
                    d.document.text.len() as u64,
                    d.words,
                    d.segments.len() as u64,
                );
                for &h in &d.plan.template_hits {
                    if seen.insert(d.templates[h]) {
                        let span = d.segments[h];
                        templates.push(TemplateEntry {
                            documents: template::lookup(&analysis.templates, d.templates[h])
                                .unwrap_or(0),
                            text: d.document.text[span.range()].chars().take(200).collect(),
                            first: TemplateAt {
                                index: d.index,
                                id: d.document.id.clone(),
                                start: span.start,
                                end: span.end,
                            },
                        });
                    }
                }
            }
            f(step)
        },
    )?;
    // Most frequent first; among equals, first seen first.
    templates.sort_by_key(|t| std::cmp::Reverse(t.documents));
    templates.truncate(50);
    Ok((summary, templates))
}

/// Decides, renders and cuts one document.
fn decide(analysis: &Analysis, reread: Reread, mode: Option<Mode>) -> Result<Decided> {
    let Reread {
        index,
        document,
        local,
    } = reread;
    let shared = &analysis.shared;
    let mine = &shared
        [shared.partition_point(|m| m.doc < index)..shared.partition_point(|m| m.doc <= index)];
    let plan = plan::decide(
        &local,
        analysis.fate(index),
        &analysis.templates,
        mine,
        &analysis.config,
    );
    let segments: Vec<Segment> = local.segments.iter().map(|s| s.span).collect();
    let doc_cuts = match plan.fate {
        Fate::Kept => cuts(&segments, &plan.removals),
        Fate::Dropped { .. } => Vec::new(),
    };
    let file = document.file.to_string_lossy();
    let entry = report::render(
        analysis,
        &DocumentView {
            index,
            id: &document.id,
            file: &file,
            line: document.line,
            text: &document.text,
            invalid_bytes: document.invalid_bytes(),
            segments: &segments,
            plan: &plan,
            cuts: &doc_cuts,
            kept_words: local.kept_words,
            content_words: local.content_words,
        },
    );
    let copy = match mode {
        None => None,
        Some(Mode::Cut) => Some(cut_copy(&document, &plan, &doc_cuts)),
        Some(Mode::Annotate) => Some(annotated_copy(analysis, &document, &plan, &doc_cuts)?),
    };
    Ok(Decided {
        index,
        segments,
        templates: local.segments.iter().map(|s| s.template).collect(),
        words: u64::from(local.words),
        text_hash: local.text_hash,
        plan,
        cuts: doc_cuts,
        entry,
        copy,
        document,
    })
}

/// A JSONL record's source bytes: its line and `\n`.
fn line_bytes(record: &corpus::JsonRecord) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(record.line.len() + 1);
    bytes.extend_from_slice(record.line.as_bytes());
    if record.newline {
        bytes.push(b'\n');
    }
    bytes
}

/// The copy of a document with its cuts applied, or none when dropped.
fn cut_copy(document: &Document, plan: &DocPlan, cuts: &[Cut]) -> Copy {
    let kept = plan.fate == Fate::Kept;
    let (bytes, removed) = match &document.record {
        Some(record) => {
            let removed = if kept {
                let ranges: Vec<Range<usize>> = cuts.iter().map(|c| c.start..c.end).collect();
                merge(record.raw_ranges(&ranges))
            } else {
                let len = record.line.len() + usize::from(record.newline);
                std::iter::once(0..len).collect()
            };
            let bytes = if removed.is_empty() {
                Bytes::Source
            } else {
                Bytes::New(without(&line_bytes(record), &removed))
            };
            (bytes, removed)
        }
        None if kept => {
            let removed = merge(cuts.iter().map(|c| c.start..c.end).collect());
            let bytes = if removed.is_empty() {
                Bytes::Source
            } else {
                Bytes::New(without(document.source(), &removed))
            };
            (bytes, removed)
        }
        None => (
            Bytes::Nothing,
            std::iter::once(0..document.text.len()).collect(),
        ),
    };
    Copy {
        bytes,
        removed,
        added: None,
        annotation: None,
    }
}

/// Touching ranges joined.
fn merge(ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if last.end == r.start => last.end = r.end,
            _ => out.push(r),
        }
    }
    out
}

/// The document written through with its decisions attached.
fn annotated_copy(
    analysis: &Analysis,
    document: &Document,
    plan: &DocPlan,
    cuts: &[Cut],
) -> Result<Copy> {
    let json = annotate::annotation(&document.text, plan, cuts, |d| analysis.original_id(d));
    Ok(match &document.record {
        Some(record) => {
            let (at, add) =
                annotate::insert(&record.line, &json).map_err(|message| Error::Json {
                    path: document.file.clone(),
                    line: document.line,
                    message,
                })?;
            let source = line_bytes(record);
            let mut bytes = Vec::with_capacity(source.len() + add.len());
            bytes.extend_from_slice(&source[..at]);
            bytes.extend_from_slice(add.as_bytes());
            bytes.extend_from_slice(&source[at..]);
            Copy {
                bytes: Bytes::New(bytes),
                removed: Vec::new(),
                added: Some((at, add.len())),
                annotation: None,
            }
        }
        None => Copy {
            bytes: Bytes::Source,
            removed: Vec::new(),
            added: None,
            annotation: Some(format!(
                "{{\"id\":{},\"{}\":{json}}}\n",
                serde_json::to_string(&document.id).expect("a string serialises"),
                annotate::FIELD
            )),
        },
    })
}

/// The files of a report written to `path`: `path` itself (JSON), the
/// page beside it (`.html`) and the folder of its pages (`.pages`). A
/// folder in place of either file, or a file in place of the folder, is
/// refused: call it before a run, so that nothing is analysed for an
/// output that cannot be written.
pub fn report_files(path: &Path) -> Result<[PathBuf; 3]> {
    staging::folder_exists(path)?;
    let uncompressed =
        match corpus::compression_of(path) {
            Compression::Gzip => return Err(Error::Output {
                path: path.to_path_buf(),
                message:
                    "a report is compressed with zstd: name it .zst (restore and eval read that)"
                        .into(),
            }),
            Compression::Zstd => path.with_extension(""),
            Compression::None => path.to_path_buf(),
        };
    let html = uncompressed.with_extension("html");
    let pages = html::pages_folder(&html);
    for f in [path, &html] {
        staging::refuse_folder(f)?;
    }
    if pages.exists() && !pages.is_dir() {
        return Err(Error::Output {
            path: pages,
            message: "is a file; the report's pages go in a folder of this name, which neardup writes in its place, never over a file".into(),
        });
    }
    Ok([path.to_path_buf(), html, pages])
}

/// The writer of `--dropped`, when asked for.
fn dropped_writer(
    analysis: &Analysis,
    dest: Option<&Path>,
    progress: &dyn Progress,
) -> Result<Option<pipeline_files::DroppedWriter>> {
    let Some(dest) = dest else {
        return Ok(None);
    };
    let w = pipeline_files::DroppedWriter::create(analysis, dest)?;
    for swept in w.swept() {
        progress.note(&interrupted_note(dest, swept));
    }
    Ok(Some(w))
}

/// Writes the report only (`scan`), to `dest` or to `out` when `dest` is
/// None, and the files of `extra`.
pub fn write_report(
    analysis: &Analysis,
    dest: Option<&Path>,
    out: impl Write,
    extra: &pipeline_files::PipelineFiles,
    progress: &dyn Progress,
) -> Result<Summary> {
    if let Some(path) = &extra.summary {
        pipeline_files::check_path(path)?;
        pipeline_files::refuse_inside_inputs(analysis, path)?;
    }
    let mut dropped = dropped_writer(analysis, extra.dropped.as_deref(), progress)?;
    let summary = report_only(analysis, dest, out, progress, &mut |d| match &mut dropped {
        Some(w) => w.document(analysis, d),
        None => Ok(()),
    })?;
    if let Some(w) = dropped {
        w.finish()?;
    }
    if let Some(path) = &extra.summary {
        pipeline_files::write_summary(analysis, path, "scan", &summary)?;
    }
    Ok(summary)
}

/// The second pass without copies: each document into `reports`, then to
/// `also`.
fn report_pass<W: Write, H: Write>(
    analysis: &Analysis,
    progress: &dyn Progress,
    reports: &mut Reports<'_, W, H>,
    also: &mut dyn FnMut(&Decided) -> Result<()>,
) -> Result<(Summary, Vec<TemplateEntry>)> {
    decided_pass(analysis, None, progress, |step| match step {
        Step::Document(d) => {
            reports.document(d)?;
            also(d)
        }
        _ => Ok(()),
    })
}

/// The report of [`write_report`], each document also handed to `also`.
fn report_only(
    analysis: &Analysis,
    dest: Option<&Path>,
    out: impl Write,
    progress: &dyn Progress,
    also: &mut dyn FnMut(&Decided) -> Result<()>,
) -> Result<Summary> {
    let Some(path) = dest else {
        let mut reports = Reports::new(
            analysis,
            out,
            Path::new("<stdout>"),
            None::<HtmlFiles<fs::File>>,
        )?;
        let (summary, top) = report_pass(analysis, progress, &mut reports, also)?;
        reports.finish(&summary, &top)?;
        return Ok(summary);
    };
    let [_, html_path, pages_path] = report_files(path)?;
    for p in [path, &html_path, &pages_path] {
        pipeline_files::refuse_inside_inputs(analysis, p)?;
    }
    let (tmp, tmp_html) = (Staging::file(path)?, Staging::file(&html_path)?);
    let tmp_pages = Staging::new(&pages_path)?;
    for swept in tmp
        .swept
        .iter()
        .chain(&tmp_html.swept)
        .chain(&tmp_pages.swept)
    {
        progress.note(&interrupted_note(path, swept));
    }
    let pages_name = pages_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut reports = Reports::create(
        analysis,
        (&tmp.path, corpus::compression_of(path)),
        &tmp_html.path,
        (&tmp_pages.path, &pages_name),
    )?;
    let (summary, top) = report_pass(analysis, progress, &mut reports, also)?;
    reports.finish_files(&summary, &top)?;
    tmp.commit(path)?;
    tmp_pages.commit(&pages_path)?;
    tmp_html.commit(&html_path)?;
    Ok(summary)
}

/// What became of one document, for a front end that holds the rows
/// itself ([`crate::table`]).
pub struct Outcome<'a> {
    /// The document's line (JSONL, text files: 1) or row (Parquet), from 1.
    pub line: u64,
    /// Kept, or dropped as a copy of which kept document.
    pub fate: Fate,
    /// The id of the kept document a dropped one is a copy of.
    pub duplicate_of: Option<std::borrow::Cow<'a, str>>,
    /// The kept text when something was cut from it.
    pub text: Option<&'a str>,
}

/// The second pass of `clean` without files: each document decided and cut
/// as [`write_clean`] would, handed to `f` in input order.
pub fn outcomes(
    analysis: &Analysis,
    progress: &dyn Progress,
    mut f: impl FnMut(Outcome) -> Result<()>,
) -> Result<Summary> {
    let (summary, _) = decided_pass(analysis, Some(Mode::Cut), progress, |step| {
        let Step::Document(d) = step else {
            return Ok(());
        };
        let text = d
            .copy
            .as_ref()
            .and_then(Copy::cut)
            .map(|b| std::str::from_utf8(b).expect("cut on character boundaries"));
        let duplicate_of = match d.plan.fate {
            Fate::Dropped { of, .. } => Some(analysis.original_id(of)),
            Fate::Kept => None,
        };
        f(Outcome {
            line: d.document.line,
            fate: d.plan.fate,
            duplicate_of,
            text,
        })
    })?;
    Ok(summary)
}

/// What a run says when it removes what an interrupted run left.
pub fn interrupted_note(dest: &Path, swept: &Path) -> String {
    format!(
        "an earlier run writing {} was interrupted; removed its unfinished {} and starting clean",
        dest.display(),
        swept.display()
    )
}

/// Flushes a buffered file to disk.
fn sync(w: BufWriter<fs::File>, path: &Path) -> Result<()> {
    w.into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?
        .sync_all()
        .map_err(|e| Error::io(path, e))
}

impl<'a> Reports<'a, Sink, BufWriter<fs::File>> {
    /// Both reports, into new files at `json` (compressed with
    /// `compression`) and `html` and the empty folder `pages`, which the
    /// page finds beside it under the name `pages_name`.
    fn create(
        analysis: &'a Analysis,
        (json, compression): (&Path, Compression),
        html: &Path,
        (pages, pages_name): (&Path, &str),
    ) -> Result<Self> {
        let create = |p: &Path| {
            fs::File::create(p)
                .map(BufWriter::new)
                .map_err(|e| Error::io(p, e))
        };
        Reports::new(
            analysis,
            Sink::open(json, compression)?,
            json,
            Some((
                create(html)?,
                html.to_path_buf(),
                pages.to_path_buf(),
                pages_name.to_string(),
            )),
        )
    }

    /// Finishes both files and flushes them to disk.
    fn finish_files(self, summary: &Summary, top: &[TemplateEntry]) -> Result<()> {
        let ((json, json_path), html) = self.finish(summary, top)?;
        json.finish().map_err(|e| Error::io(&json_path, e))?;
        match html {
            Some((html, path)) => sync(html, &path),
            None => Ok(()),
        }
    }
}

/// A finished writer and the path it wrote.
type Written<W> = (W, PathBuf);

/// The page's file, its path, the folder its pages are written into, and
/// the name under which the page finds that folder beside it (the folder
/// is written under a temporary name, then renamed).
type HtmlFiles<H> = (H, PathBuf, PathBuf, String);

/// `report.json` and, when asked for, `report.html` and its pages, written
/// together.
struct Reports<'a, W: Write, H: Write> {
    json: ReportWriter<'a, W>,
    json_path: PathBuf,
    html: Option<(HtmlWriter<'a, H>, PathBuf)>,
}

impl<'a, W: Write, H: Write> Reports<'a, W, H> {
    fn new(
        analysis: &'a Analysis,
        json: W,
        json_path: &Path,
        html: Option<HtmlFiles<H>>,
    ) -> Result<Self> {
        let json = ReportWriter::begin(json, analysis).map_err(|e| Error::io(json_path, e))?;
        let html = html
            .map(|(w, path, pages, name)| (HtmlWriter::begin(w, (&pages, name), analysis), path));
        Ok(Reports {
            json,
            json_path: json_path.to_path_buf(),
            html,
        })
    }

    fn document(&mut self, d: &Decided) -> Result<()> {
        self.json
            .line(&d.entry)
            .map_err(|e| Error::io(&self.json_path, e))?;
        let Some((html, _)) = self.html.as_mut() else {
            return Ok(());
        };
        html.document(&HtmlDocument {
            id: &d.document.id,
            file: &d.document.file.to_string_lossy(),
            text: &d.document.text,
            fate: d.plan.fate,
            entry: &d.entry,
            cuts: &d.cuts,
            flagged: !d.plan.flagged.is_empty(),
        })
    }

    /// Closes both reports; returns their writers with their paths.
    fn finish(
        self,
        summary: &Summary,
        top: &[TemplateEntry],
    ) -> Result<(Written<W>, Option<Written<H>>)> {
        let json = self
            .json
            .finish(summary, top)
            .map_err(|e| Error::io(&self.json_path, e))?;
        let html = match self.html {
            Some((html, path)) => {
                let w = html.finish(summary, top, &path)?;
                Some((w, path))
            }
            None => None,
        };
        Ok(((json, self.json_path), html))
    }
}

/// Where each input goes under the output folder: with one input, its
/// contents at the top; with several, each at its path relative to the
/// deepest folder that holds them all, so that inputs that share a name
/// (`crawlA/part-0.jsonl`, `crawlB/part-0.jsonl`) each keep their own.
fn layout(analysis: &Analysis) -> Result<Vec<PathBuf>> {
    if let [input] = &analysis.inputs[..] {
        if let InputKind::Folder { files, .. } = &input.kind {
            // Its files go at the top: none may take a name of ours.
            let clash = files.iter().find(|f| {
                let top = f.rel.components().next().map(|c| c.as_os_str());
                staging::RESERVED.iter().any(|r| top == Some(r.as_ref()))
            });
            if let Some(f) = clash {
                return Err(Error::Output {
                    path: input.path.join(&f.rel),
                    message: format!(
                        "would be written where neardup writes its {}; rename it, or give the folder with another input so that each goes under its own name",
                        f.rel.components().next().map_or("".into(), |c| c.as_os_str().to_string_lossy())
                    ),
                });
            }
            return Ok(vec![PathBuf::new()]);
        }
    }
    // Each input's place: its folder resolved, its own name as given.
    let places: Vec<PathBuf> = analysis
        .inputs
        .iter()
        .map(|input| {
            let resolved = match (input.path.parent(), input.path.file_name()) {
                (Some(parent), Some(name)) => {
                    let parent = if parent.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        parent
                    };
                    fs::canonicalize(parent).map(|p| p.join(name))
                }
                _ => fs::canonicalize(&input.path),
            };
            resolved.map_err(|e| Error::io(&input.path, e))
        })
        .collect::<Result<_>>()?;
    let mut common = places[0].parent().unwrap_or(Path::new("/")).to_path_buf();
    for place in &places[1..] {
        while !place.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    // Inputs given twice, or one inside another, are neighbours once sorted
    // by place (the paths under a place sort right after it): checked in
    // n log n, for the thousands of shards a pattern can give.
    let mut order: Vec<usize> = (0..places.len()).collect();
    order.sort_by(|&a, &b| places[a].cmp(&places[b]).then(a.cmp(&b)));
    for pair in order.windows(2) {
        let (outer, inner) = (pair[0], pair[1]);
        if places[inner].starts_with(&places[outer]) {
            let (first, later) = (outer.min(inner), outer.max(inner));
            return Err(Error::Output {
                path: analysis.inputs[later].path.clone(),
                message: if places[outer] == places[inner] {
                    "is given twice".into()
                } else {
                    format!(
                        "is inside, or holds, the input {}: give each file once",
                        analysis.inputs[first].path.display()
                    )
                },
            });
        }
    }
    let mut roots: Vec<PathBuf> = Vec::with_capacity(places.len());
    for (input, place) in analysis.inputs.iter().zip(&places) {
        let root = place
            .strip_prefix(&common)
            .expect("the common folder holds every input")
            .to_path_buf();
        let top = root.components().next().map(|c| c.as_os_str());
        if staging::RESERVED.iter().any(|r| top == Some(r.as_ref())) {
            return Err(Error::Output {
                path: input.path.clone(),
                message: format!(
                    "{} is a name neardup writes in the output folder; rename the input",
                    root.display()
                ),
            });
        }
        roots.push(root);
    }
    Ok(roots)
}

/// Refuses input folders whose files lead into an existing output folder
/// `out` through a link: each run would read the last one's output again.
fn refuse_links_into(analysis: &Analysis, out: &Path) -> Result<()> {
    let Ok(abs_out) = fs::canonicalize(out) else {
        // No output yet: nothing can lead into it.
        return Ok(());
    };
    for input in &analysis.inputs {
        let InputKind::Folder { files, .. } = &input.kind else {
            continue;
        };
        for f in files.iter().filter(|f| f.problem.is_none()) {
            let path = input.path.join(&f.rel);
            if fs::canonicalize(&path).is_ok_and(|p| p.starts_with(&abs_out)) {
                return Err(Error::Output {
                    path,
                    message: format!(
                        "leads into the output folder {} through a link; each run would read the last one's output",
                        out.display()
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Refuses an output folder that is one of the `inputs`, inside one, or
/// holds one, and a non-empty one unless `force`.
pub(crate) fn check_destination<'a>(
    inputs: impl IntoIterator<Item = &'a Path>,
    out: &Path,
    force: bool,
) -> Result<()> {
    let err = |message: &str| Error::Output {
        path: out.to_path_buf(),
        message: message.into(),
    };
    staging::folder_exists(out)?;
    let abs_out = absolute(out)?;
    for input in inputs {
        let abs_in = fs::canonicalize(input).map_err(|e| Error::io(input, e))?;
        if abs_out == abs_in || abs_out.starts_with(&abs_in) {
            return Err(err("the output folder must not be an input or inside one"));
        }
        if abs_in.starts_with(&abs_out) {
            return Err(err("the output folder must not contain an input"));
        }
    }
    match fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() && !force {
                return Err(err("exists and is not empty; pass --force to replace it"));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(out, e)),
    }
    Ok(())
}

pub(crate) enum Sink {
    None,
    Plain(BufWriter<fs::File>),
    Gzip(flate2::write::GzEncoder<BufWriter<fs::File>>),
    Zstd(zstd::Encoder<'static, BufWriter<fs::File>>),
}

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::None => Ok(bytes.len()),
            Sink::Plain(w) => w.write(bytes),
            Sink::Gzip(w) => w.write(bytes),
            Sink::Zstd(w) => w.write(bytes),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::None => Ok(()),
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
            Sink::Zstd(w) => w.flush(),
        }
    }
}

impl Sink {
    pub fn open(path: &Path, compression: Compression) -> Result<Sink> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let file = BufWriter::new(fs::File::create(path).map_err(|e| Error::io(path, e))?);
        Ok(match compression {
            Compression::None => Sink::Plain(file),
            Compression::Gzip => Sink::Gzip(flate2::write::GzEncoder::new(
                file,
                flate2::Compression::default(),
            )),
            Compression::Zstd => {
                // zstd's multithreaded mode writes the same bytes whatever the
                // number of workers, so outputs stay identical across --threads.
                let mut encoder = zstd::Encoder::new(file, 3).map_err(|e| Error::io(path, e))?;
                let workers = rayon::current_num_threads().max(1) as u32;
                encoder
                    .multithread(workers)
                    .map_err(|e| Error::io(path, e))?;
                Sink::Zstd(encoder)
            }
        })
    }

    pub fn finish(self) -> std::io::Result<()> {
        let file = match self {
            Sink::None => return Ok(()),
            Sink::Plain(w) => w,
            Sink::Gzip(w) => w.finish()?,
            Sink::Zstd(w) => w.finish()?,
        };
        file.into_inner().map_err(|e| e.into_error())?.sync_all()
    }
}

/// Writes the cleaned corpus, `report.json` and `removed.jsonl.zst` into `out`.
pub fn write_clean(
    analysis: &Analysis,
    out: &Path,
    options: &CleanOptions,
    progress: &dyn Progress,
) -> Result<Summary> {
    check_destination(
        analysis.inputs.iter().map(|i| i.path.as_path()),
        out,
        options.force,
    )?;
    refuse_links_into(analysis, out)?;
    if options.mode == Mode::Annotate {
        let parquet = analysis
            .inputs
            .iter()
            .flat_map(|i| i.parts())
            .find(|p| p.kind == corpus::FileKind::Parquet);
        if let Some(p) = parquet {
            return Err(Error::Output {
                path: p.path,
                message:
                    "--annotate writes JSON Lines and text copies; it does not annotate Parquet yet"
                        .into(),
            });
        }
    }
    let roots = layout(analysis)?;
    let staging = Staging::new(out)?;
    for swept in &staging.swept {
        progress.note(&interrupted_note(out, swept));
    }
    let staging_path = staging.path.clone();

    let pages = staging_path.join(staging::PAGES_FOLDER);
    fs::create_dir(&pages).map_err(|e| Error::io(&pages, e))?;
    let json = staging_path.join(if options.report_compress {
        staging::JSON_ZST_FILE
    } else {
        staging::JSON_FILE
    });
    let mut reports = Reports::create(
        analysis,
        (&json, corpus::compression_of(&json)),
        &staging_path.join(staging::HTML_FILE),
        (&pages, staging::PAGES_FOLDER),
    )?;
    let mut copies = Copies {
        analysis,
        staging: &staging_path,
        roots: &roots,
        undo: UndoWriter::create(
            &staging_path.join(staging::SIDE_FILE),
            analysis.inputs.iter().map(report::input_path).collect(),
        )?,
        sink: Sink::None,
        open: None,
        parquet: None,
        annotations: None,
    };
    if let Some(dest) = &options.dropped {
        if absolute(dest)?.starts_with(absolute(out)?) {
            return Err(Error::Output {
                path: dest.clone(),
                message:
                    "must not be inside the output folder, which is replaced whole; write it beside"
                        .into(),
            });
        }
    }
    let mut dropped = dropped_writer(analysis, options.dropped.as_deref(), progress)?;
    let (summary, top) = decided_pass(analysis, Some(options.mode), progress, |step| {
        if let Step::Document(d) = step {
            reports.document(d)?;
            if let Some(w) = &mut dropped {
                w.document(analysis, d)?;
            }
        }
        copies.step(step)
    })?;
    copies.finish()?;
    reports.finish_files(&summary, &top)?;
    let summary_path = staging_path.join(staging::SUMMARY_FILE);
    fs::write(
        &summary_path,
        pipeline_files::summary_json("clean", &summary),
    )
    .map_err(|e| Error::io(&summary_path, e))?;

    if let Some(w) = dropped {
        w.finish()?;
    }
    staging.commit(out)?;
    Ok(summary)
}

/// The input file being accounted for: a JSONL file being copied, or a text
/// file that is not a document (unreadable, binary, too large), whose bytes
/// may come in pieces. Its name under the output folder and what has been
/// read of it, for its `end` record.
struct OpenFile {
    name: String,
    /// The JSONL copy being written, or None for a text file.
    jsonl: Option<PathBuf>,
    hash: xxhash_rust::xxh3::Xxh3,
    bytes: u64,
    /// Part of it could not be read: it cannot be rebuilt.
    unreadable: bool,
}

impl OpenFile {
    fn new(name: String, jsonl: Option<PathBuf>) -> Self {
        OpenFile {
            name,
            jsonl,
            hash: xxhash_rust::xxh3::Xxh3::new(),
            bytes: 0,
            unreadable: false,
        }
    }

    fn read(&mut self, bytes: &[u8]) {
        self.hash.update(bytes);
        self.bytes += bytes.len() as u64;
    }

    /// Its `end` record, or `unreadable` when it could not be read whole.
    fn close(self, undo: &mut UndoWriter) -> Result<()> {
        if self.unreadable {
            undo.unreadable(&self.name)
        } else {
            undo.end(&self.name, self.bytes, self.hash.digest())
        }
    }
}

/// Writes the documents' copies into the staging folder, and their
/// differences from the inputs into the side file.
struct Copies<'a> {
    analysis: &'a Analysis,
    staging: &'a Path,
    roots: &'a [PathBuf],
    undo: UndoWriter,
    sink: Sink,
    open: Option<OpenFile>,
    /// The Parquet copy being written, its name in the side file, and
    /// whether its input broke off.
    parquet: Option<(parquet::ParquetCopy, String, bool)>,
    annotations: Option<(PathBuf, BufWriter<fs::File>)>,
}

impl Copies<'_> {
    /// Where `file` of input `input` (a file of an input folder, or the
    /// input itself) goes under the output folder, and its name in the side
    /// file ([`undo::encode_name`]).
    fn name(&self, input: usize, file: &Path) -> (PathBuf, String) {
        let root = &self.roots[input];
        let rel = match self.analysis.inputs[input].kind {
            InputKind::Folder { .. } => root.join(
                file.strip_prefix(&self.analysis.inputs[input].path)
                    .unwrap_or(file),
            ),
            // The input itself (joining "" would add a trailing slash).
            InputKind::File(_) => root.clone(),
        };
        let name = undo::encode_name(&rel);
        (rel, name)
    }

    fn step(&mut self, step: Step) -> Result<()> {
        match step {
            Step::File(i, part) => {
                if let (corpus::FileKind::Jsonl(compression), None) = (part.kind, part.problem) {
                    let (rel, name) = self.name(i, &part.path);
                    let path = self.staging.join(rel);
                    if let Some(parent) = path.parent() {
                        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                    }
                    self.sink = Sink::open(&path, compression)?;
                    self.open = Some(OpenFile::new(name, Some(path)));
                }
                if let (corpus::FileKind::Parquet, None) = (part.kind, part.problem) {
                    let (rel, name) = self.name(i, &part.path);
                    let copy = parquet::ParquetCopy::new(
                        part.path.clone(),
                        self.staging.join(&rel),
                        self.staging.join(staging::ROWS_FOLDER).join(&rel),
                        &self.analysis.config.text_field,
                    );
                    self.parquet = Some((copy, name, false));
                }
                Ok(())
            }
            Step::FileEnd => self.close(),
            Step::Gap(g) => self.gap(g),
            Step::Document(d) => self.document(d),
        }
    }

    /// Closes the open file: its copy and its end record.
    fn close(&mut self) -> Result<()> {
        if let Some((copy, name, broke_off)) = self.parquet.take() {
            let (rows, hash) = copy.finish(!broke_off)?;
            return match broke_off {
                true => self.undo.unreadable(&name),
                false => self
                    .undo
                    .rows(&name, rows, &self.analysis.config.text_field, hash),
            };
        }
        let Some(open) = self.open.take() else {
            return Ok(());
        };
        if let Some(path) = &open.jsonl {
            std::mem::replace(&mut self.sink, Sink::None)
                .finish()
                .map_err(|e| Error::io(path, e))?;
        }
        open.close(&mut self.undo)
    }

    fn gap(&mut self, g: &OwnedGap) -> Result<()> {
        if let Some((_, _, broke_off)) = &mut self.parquet {
            // A Parquet file has no bytes between rows: a gap is where it
            // could not be read on.
            *broke_off |= g.bytes.is_none();
            return Ok(());
        }
        let in_jsonl = self.open.as_ref().is_some_and(|o| o.jsonl.is_some());
        if !in_jsonl {
            // A text file that is not a document: each of its pieces in
            // turn, then its end when the next file starts.
            let (_, name) = self.name(g.input, &g.file);
            if self.open.as_ref().is_none_or(|o| o.name != name) {
                self.close()?;
                self.open = Some(OpenFile::new(name, None));
            }
        }
        let open = self.open.as_mut().expect("opened above or at the input");
        let Some(bytes) = &g.bytes else {
            open.unreadable = true;
            return Ok(());
        };
        open.read(bytes);
        match &open.jsonl {
            Some(path) if g.blank => self.sink.write_all(bytes).map_err(|e| Error::io(path, e)),
            _ => self.undo.removed(&open.name, g.offset, bytes),
        }
    }

    fn document(&mut self, d: &Decided) -> Result<()> {
        let Some(copy) = &d.copy else {
            return Ok(());
        };
        let doc = &d.document;
        if let Some((copy_, _, _)) = &mut self.parquet {
            return copy_.row(doc.line, d.plan.fate == Fate::Kept, copy.cut());
        }
        if let Some(record) = &doc.record {
            let j = self
                .open
                .as_mut()
                .expect("a JSONL record comes inside its input");
            j.read(record.line.as_bytes());
            if record.newline {
                j.read(b"\n");
            }
            if let Some(path) = &j.jsonl {
                let write = |sink: &mut Sink, bytes: &[u8]| {
                    sink.write_all(bytes).map_err(|e| Error::io(path, e))
                };
                match &copy.bytes {
                    Bytes::Nothing => {}
                    Bytes::Source => {
                        write(&mut self.sink, record.line.as_bytes())?;
                        if record.newline {
                            write(&mut self.sink, b"\n")?;
                        }
                    }
                    Bytes::New(bytes) => write(&mut self.sink, bytes)?,
                }
            }
            if !copy.removed.is_empty() {
                let source = line_bytes(record);
                for r in &copy.removed {
                    let at = record.offset + r.start as u64;
                    self.undo.removed(&j.name, at, &source[r.clone()])?;
                }
            }
            if let Some((at, len)) = copy.added {
                self.undo
                    .added(&j.name, record.offset + at as u64, len as u64)?;
            }
            return Ok(());
        }
        self.close()?;
        let (rel, name) = self.name(doc.input as usize, &doc.file);
        let bytes = match &copy.bytes {
            Bytes::Nothing => None,
            Bytes::Source => Some(doc.source()),
            Bytes::New(bytes) => Some(&bytes[..]),
        };
        if let Some(bytes) = bytes {
            let path = self.staging.join(rel);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
        }
        let source = doc.source();
        for r in &copy.removed {
            self.undo
                .removed(&name, r.start as u64, &source[r.clone()])?;
        }
        self.undo.end(&name, source.len() as u64, d.text_hash)?;
        if let Some(line) = &copy.annotation {
            if self.annotations.is_none() {
                let path = self.staging.join(staging::ANNOTATIONS_FILE);
                let file = fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
                self.annotations = Some((path, BufWriter::new(file)));
            }
            let (path, w) = self.annotations.as_mut().expect("just opened");
            w.write_all(line.as_bytes())
                .map_err(|e| Error::io(path, e))?;
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        self.undo.finish()?;
        match self.annotations {
            Some((path, w)) => sync(w, &path),
            None => Ok(()),
        }
    }
}
