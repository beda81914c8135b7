//! Writing results: cleaned copies of the corpus and the report.
//!
//! Outputs are built in a staging folder beside the destination and renamed
//! into place only when complete, so an interrupted run never leaves a
//! half-written output that looks finished. Inputs are only ever read.

pub mod report;

use crate::boilerplate::template;
use crate::config::OnError;
use crate::corpus::{self, Compression, Document, Fields, InputKind};
use crate::error::{Error, Result};
use crate::pipeline::{Analysis, Progress};
use crate::plan::{self, apply, cuts, Fate};
use crate::plan::{Cut, DocPlan};
use crate::store::LocalRecord;
use crate::text::Segment;
use rayon::prelude::*;
use report::{DocumentView, ReportWriter, Summary, TemplateAt, TemplateEntry};
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// One document of the second pass, decided, rendered and cut.
struct Decided {
    index: u32,
    document: Document,
    segments: Vec<Segment>,
    templates: Vec<u64>,
    plan: DocPlan,
    cuts: Vec<Cut>,
    words: u64,
    /// Its report entry.
    entry: String,
    /// What its cleaned copy holds, when kept and asked for: the cleaned
    /// text, or for JSONL the record's line with the cleaned text.
    output: Option<Vec<u8>>,
}

/// What the second pass hands on, in order.
enum Step<'a> {
    /// Input number `i` starts.
    Input(usize),
    Document(&'a Decided),
}

/// Documents decided and rendered per parallel batch.
const BATCH_DOCS: usize = 4096;
const BATCH_BYTES: usize = 64 << 20;

/// The second pass: reads every input again in step with the store of
/// first-pass results, checks that each document is unchanged, then decides
/// ([`plan::decide`]), renders and cuts batches of documents in parallel and
/// hands them on in input order. `cleaned` asks for the cleaned texts.
/// Returns the summary and the most frequent templates.
fn second_pass(
    analysis: &Analysis,
    cleaned: bool,
    progress: &dyn Progress,
    mut f: impl FnMut(Step) -> Result<()>,
) -> Result<(Summary, Vec<TemplateEntry>)> {
    progress.start("read again + write", Some(analysis.len() as u64));
    let fields = Fields {
        text: analysis.config.text_field.clone(),
        id: analysis.config.id_field.clone(),
    };
    let mut store = analysis.store.reader()?;
    let mut summary = Summary {
        documents_skipped: analysis.skipped.len() as u64,
        ..Summary::default()
    };
    let mut templates: Vec<TemplateEntry> = Vec::new();
    let mut seen = rustc_hash::FxHashSet::default();
    let mut batch: Vec<(u32, Document, LocalRecord)> = Vec::new();
    let mut index: u32 = 0;

    let mut flush = |batch: &mut Vec<(u32, Document, LocalRecord)>,
                     f: &mut dyn FnMut(Step) -> Result<()>| {
        let decided: Vec<Decided> = batch
            .par_drain(..)
            .map(|(index, document, local)| decide(analysis, index, document, local, cleaned))
            .collect();
        for d in &decided {
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
            f(Step::Document(d))?;
            progress.advance(1, d.document.text.len() as u64);
        }
        Ok::<(), Error>(())
    };

    for (i, input) in analysis.inputs.iter().enumerate() {
        flush(&mut batch, &mut f)?;
        let mut batch_bytes = 0;
        f(Step::Input(i))?;
        corpus::read(input, i as u32, &fields, &mut |doc| {
            let doc = match doc {
                Ok(doc) => doc,
                // Recorded in the first pass.
                Err(_) if analysis.config.on_error == OnError::Skip => return Ok(()),
                Err(e) => return Err(e),
            };
            let changed = || Error::InputChanged {
                path: doc.file.clone(),
            };
            let local = store.next_record()?.ok_or_else(changed)?;
            if local.text_hash != xxhash_rust::xxh3::xxh3_64(doc.text.as_bytes())
                || index as usize >= analysis.len()
                || analysis.id(index) != doc.id
            {
                return Err(changed());
            }
            batch_bytes += doc.text.len();
            batch.push((index, doc, local));
            index += 1;
            if batch.len() >= BATCH_DOCS || batch_bytes >= BATCH_BYTES {
                flush(&mut batch, &mut f)?;
                batch_bytes = 0;
            }
            Ok(())
        })?;
    }
    flush(&mut batch, &mut f)?;
    progress.finish();
    if index as usize != analysis.len() || store.next_record()?.is_some() {
        let path = analysis
            .inputs
            .last()
            .map(|i| i.path.clone())
            .unwrap_or_default();
        return Err(Error::InputChanged { path });
    }
    // Most frequent first; among equals, first seen first.
    templates.sort_by_key(|t| std::cmp::Reverse(t.documents));
    templates.truncate(50);
    Ok((summary, templates))
}

/// Decides, renders and cuts one document.
fn decide(
    analysis: &Analysis,
    index: u32,
    document: Document,
    local: LocalRecord,
    cleaned: bool,
) -> Decided {
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
            segments: &segments,
            plan: &plan,
            cuts: &doc_cuts,
        },
    );
    let output = (cleaned && plan.fate == Fate::Kept).then(|| match &document.record {
        Some(record) => {
            let line = if doc_cuts.is_empty() {
                record.line.clone()
            } else {
                record.with_text(&apply(&document.text, &doc_cuts))
            };
            let mut bytes = line.into_bytes();
            if record.newline {
                bytes.push(b'\n');
            }
            bytes
        }
        None => apply(&document.text, &doc_cuts).into_bytes(),
    });
    Decided {
        index,
        segments,
        templates: local.segments.iter().map(|s| s.template).collect(),
        words: local.segments.iter().map(|s| s.words as u64).sum(),
        plan,
        cuts: doc_cuts,
        entry,
        output,
        document,
    }
}

/// Writes the report only (`scan`), to `dest` or to `out` when `dest` is None.
pub fn write_report(
    analysis: &Analysis,
    dest: Option<&Path>,
    out: impl Write,
    progress: &dyn Progress,
) -> Result<Summary> {
    match dest {
        Some(path) => {
            let abs = absolute(path)?;
            for input in &analysis.inputs {
                let abs_in =
                    fs::canonicalize(&input.path).map_err(|e| Error::io(&input.path, e))?;
                if abs.starts_with(&abs_in) {
                    return Err(Error::Output {
                        path: path.to_path_buf(),
                        message: "the report must not be an input or inside an input folder".into(),
                    });
                }
            }
            let tmp = temp_sibling(path)?;
            let result = (|| {
                let file = fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
                let (summary, file) =
                    stream_report(analysis, BufWriter::new(file), &tmp, progress)?;
                file.into_inner()
                    .map_err(|e| Error::io(&tmp, e.into_error()))?
                    .sync_all()
                    .map_err(|e| Error::io(&tmp, e))?;
                fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
                Ok(summary)
            })();
            if result.is_err() {
                let _ = fs::remove_file(&tmp);
            }
            result
        }
        None => Ok(stream_report(analysis, out, Path::new("<stdout>"), progress)?.0),
    }
}

fn stream_report<W: Write>(
    analysis: &Analysis,
    out: W,
    path: &Path,
    progress: &dyn Progress,
) -> Result<(Summary, W)> {
    let io = |e| Error::io(path, e);
    let mut report = ReportWriter::begin(out, analysis).map_err(io)?;
    let (summary, top) = second_pass(analysis, false, progress, |step| match step {
        Step::Input(_) => Ok(()),
        Step::Document(d) => report.line(&d.entry).map_err(io),
    })?;
    Ok((summary.clone(), report.finish(&summary, &top).map_err(io)?))
}

/// A name beside `path` for writing before the final rename.
fn temp_sibling(path: &Path) -> Result<PathBuf> {
    sibling(path, "tmp")
}

/// `path` with `.neardup-<tag>-<pid>` appended to its file name.
fn sibling(path: &Path, tag: &str) -> Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| Error::Output {
        path: path.to_path_buf(),
        message: "not a file name".into(),
    })?;
    let mut tmp = name.to_os_string();
    tmp.push(format!(".neardup-{tag}-{}", std::process::id()));
    Ok(path.with_file_name(tmp))
}

/// Where each input goes under the output folder: with one input, its
/// contents at the top; with several, each under its own name.
fn layout(analysis: &Analysis) -> Result<Vec<PathBuf>> {
    let single = analysis.inputs.len() == 1;
    let mut roots: Vec<PathBuf> = Vec::new();
    for input in &analysis.inputs {
        let name = match input.path.file_name() {
            Some(n) => PathBuf::from(n),
            None => fs::canonicalize(&input.path)
                .ok()
                .and_then(|p| p.file_name().map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from("input")),
        };
        let root = match (&input.kind, single) {
            (InputKind::TextDir { .. }, true) => PathBuf::new(),
            _ => name,
        };
        if roots.contains(&root) {
            return Err(Error::Output {
                path: input.path.clone(),
                message: "two inputs have the same name; clean them in separate runs".into(),
            });
        }
        roots.push(root);
    }
    Ok(roots)
}

/// Refuses an output folder that is an input, inside one, or holds one, and a
/// non-empty one unless `force`.
fn check_destination(analysis: &Analysis, out: &Path, force: bool) -> Result<()> {
    let err = |message: &str| Error::Output {
        path: out.to_path_buf(),
        message: message.into(),
    };
    let abs_out = absolute(out)?;
    for input in &analysis.inputs {
        let abs_in = fs::canonicalize(&input.path).map_err(|e| Error::io(&input.path, e))?;
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

/// `path` made absolute with symbolic links resolved, for a path that may not
/// exist yet (its parent must).
fn absolute(path: &Path) -> Result<PathBuf> {
    if let Ok(p) = fs::canonicalize(path) {
        return Ok(p);
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| Error::Output {
        path: path.to_path_buf(),
        message: "not a folder name".into(),
    })?;
    Ok(fs::canonicalize(parent)
        .map_err(|e| Error::io(parent, e))?
        .join(name))
}

/// Removes the staging folder unless the run completed.
struct Staging {
    path: PathBuf,
    done: bool,
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

enum Sink {
    None,
    Plain(BufWriter<fs::File>),
    Gzip(flate2::write::GzEncoder<BufWriter<fs::File>>),
    Zstd(zstd::Encoder<'static, BufWriter<fs::File>>),
}

impl Sink {
    fn open(path: &Path, compression: Compression) -> Result<Sink> {
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

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::None => Ok(()),
            Sink::Plain(w) => w.write_all(bytes),
            Sink::Gzip(w) => w.write_all(bytes),
            Sink::Zstd(w) => w.write_all(bytes),
        }
    }

    fn finish(self) -> std::io::Result<()> {
        let file = match self {
            Sink::None => return Ok(()),
            Sink::Plain(w) => w,
            Sink::Gzip(w) => w.finish()?,
            Sink::Zstd(w) => w.finish()?,
        };
        file.into_inner().map_err(|e| e.into_error())?.sync_all()
    }
}

/// Writes the cleaned corpus and `report.json` into `out`.
pub fn write_clean(
    analysis: &Analysis,
    out: &Path,
    force: bool,
    progress: &dyn Progress,
) -> Result<Summary> {
    check_destination(analysis, out, force)?;
    let roots = layout(analysis)?;
    let staging_path = temp_sibling(&absolute(out)?)?;
    if staging_path.exists() {
        fs::remove_dir_all(&staging_path).map_err(|e| Error::io(&staging_path, e))?;
    }
    fs::create_dir_all(&staging_path).map_err(|e| Error::io(&staging_path, e))?;
    let mut staging = Staging {
        path: staging_path.clone(),
        done: false,
    };

    let report_path = staging_path.join("report.json");
    let report_file = fs::File::create(&report_path).map_err(|e| Error::io(&report_path, e))?;
    let io_report = |e| Error::io(&report_path, e);
    let mut report =
        ReportWriter::begin(BufWriter::new(report_file), analysis).map_err(io_report)?;
    let mut sink = Sink::None;
    let mut sink_path = PathBuf::new();
    let (summary, top) = second_pass(analysis, true, progress, |step| {
        let d = match step {
            Step::Input(i) => {
                std::mem::replace(&mut sink, Sink::None)
                    .finish()
                    .map_err(|e| Error::io(&sink_path, e))?;
                if let InputKind::Jsonl(compression) = analysis.inputs[i].kind {
                    sink_path = staging_path.join(&roots[i]);
                    sink = Sink::open(&sink_path, compression)?;
                }
                return Ok(());
            }
            Step::Document(d) => d,
        };
        {
            report.line(&d.entry).map_err(io_report)?;
            let Some(bytes) = &d.output else {
                return Ok(());
            };
            let doc = &d.document;
            if doc.record.is_some() {
                return sink.write(bytes).map_err(|e| Error::io(&sink_path, e));
            }
            let input = &analysis.inputs[doc.input as usize];
            let rel = match input.kind {
                InputKind::TextDir { .. } => {
                    doc.file.strip_prefix(&input.path).unwrap_or(&doc.file)
                }
                _ => Path::new(""),
            };
            let path = staging_path.join(&roots[doc.input as usize]).join(rel);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            fs::write(&path, bytes).map_err(|e| Error::io(&path, e))
        }
    })?;
    sink.finish().map_err(|e| Error::io(&sink_path, e))?;
    report
        .finish(&summary, &top)
        .map_err(io_report)?
        .into_inner()
        .map_err(|e| Error::io(&report_path, e.into_error()))?
        .sync_all()
        .map_err(io_report)?;

    // Swap the finished output into place.
    if out.exists() {
        let old = sibling(&absolute(out)?, "old")?;
        fs::rename(out, &old).map_err(|e| Error::io(out, e))?;
        fs::rename(&staging_path, out).map_err(|e| Error::io(out, e))?;
        fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    } else {
        fs::rename(&staging_path, out).map_err(|e| Error::io(out, e))?;
    }
    staging.done = true;
    Ok(summary)
}
