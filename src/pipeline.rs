//! Runs the stages in order and nothing else.
//!
//! The first pass reads every document once and, in parallel batches, turns
//! it into a [`DocSketch`]. What the corpus-wide stages need goes into
//! bounded structures: bucket, template and passage records into external
//! sorters, b-bit signatures and exact hashes into flat arrays, the
//! in-document results into a sequential store on disk. Then:
//!
//! 1. match documents: exact hashes and LSH candidates, verified, clustered;
//! 2. corpus templates over the kept documents;
//! 3. shared passages between kept documents.
//!
//! The second pass ([`crate::output`]) reads the inputs and the store again
//! in step, checks that every document is unchanged, and decides each
//! document's plan ([`crate::plan::decide`]) as it writes.

use crate::analyze::{Analyzer, DocSketch, Scratch};
use crate::boilerplate::template;
use crate::cluster::components;
use crate::config::{Config, OnError};
use crate::corpus::{self, Document, Input, ReadOptions};
use crate::error::{Error, Result};
use crate::lsh::{band_keys, candidates};
use crate::passages::{self, PassageRecord};
use crate::plan::{Fate, Rule};
use crate::spill::Sorter;
use crate::store::{LocalRecord, SegmentLocal, Store, StoreWriter};
use crate::verify::{verify, BitSignatures};
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::passages::Match;

/// Told how a run advances, so that a front end can show progress. The
/// library itself prints nothing.
pub trait Progress: Sync {
    /// A stage starts; `documents` is its total when known.
    fn start(&self, _stage: &'static str, _documents: Option<u64>) {}
    /// `documents` more documents, of `bytes` bytes, are done.
    fn advance(&self, _documents: u64, _bytes: u64) {}
    /// The stage is done.
    fn finish(&self) {}
    /// Something the user should know that is not an error: what an
    /// interrupted earlier run left, and was removed.
    fn note(&self, _message: &str) {}
}

/// Progress that goes nowhere.
pub struct Silent;

impl Progress for Silent {}

/// A document left out because it could not be read (with `--on-error skip`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Skipped {
    pub file: String,
    /// The error, naming the file and line.
    pub reason: String,
}

/// Document ids, in one arena.
#[derive(Debug, Default)]
struct Ids {
    text: String,
    ends: Vec<u64>,
}

impl Ids {
    fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len() as u64);
    }

    fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
}

/// The result of the first pass and the corpus-wide stages: everything the
/// second pass needs to decide and write each document.
#[derive(Debug)]
pub struct Analysis {
    pub config: Config,
    pub inputs: Vec<Input>,
    pub skipped: Vec<Skipped>,
    ids: Ids,
    exact: Vec<u64>,
    /// b-bit signatures, for verification and reported similarities.
    sigs: BitSignatures,
    /// Per document: the first document of its cluster, which survives.
    survivors: Vec<u32>,
    /// Candidate pairs of documents (from LSH buckets) by estimated
    /// similarity, in [`SIMILARITY_BINS`] equal bins over [0, 1].
    pub similarity_histogram: Vec<u64>,
    /// Corpus templates: (key, kept documents), sorted by key.
    pub templates: Vec<(u64, u32)>,
    /// Shared passages, sorted by (document, segment).
    pub shared: Vec<Match>,
    pub store: Store,
    /// Wall time per stage, for the human summary.
    pub timings: Vec<(&'static str, Duration)>,
    /// The folder of temporary files, removed with the analysis.
    _work: crate::output::staging::WorkDir,
}

impl Analysis {
    /// Number of documents read.
    pub fn len(&self) -> usize {
        self.survivors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.survivors.is_empty()
    }

    /// The id of document `doc`.
    pub fn id(&self, doc: u32) -> &str {
        self.ids.get(doc)
    }

    /// Per document: whether some other document was dropped as its duplicate.
    pub fn has_duplicates(&self) -> Vec<bool> {
        let mut heads = vec![false; self.survivors.len()];
        for (d, &k) in self.survivors.iter().enumerate() {
            if k as usize != d {
                heads[k as usize] = true;
            }
        }
        heads
    }

    /// Whether document `doc` survives its cluster.
    pub fn kept(&self, doc: u32) -> bool {
        self.survivors[doc as usize] == doc
    }

    /// What happens to document `doc`.
    pub fn fate(&self, doc: u32) -> Fate {
        let kept = self.survivors[doc as usize];
        if kept == doc {
            return Fate::Kept;
        }
        let (d, k) = (doc as usize, kept as usize);
        if self.exact[d] == self.exact[k] {
            return Fate::Dropped {
                of: kept,
                similarity: 1.0,
                rule: Rule::ExactDocument,
            };
        }
        Fate::Dropped {
            of: kept,
            similarity: self.sigs.similarity(doc, kept) as f32,
            rule: Rule::NearDuplicateDocument,
        }
    }
}

/// Documents analysed per parallel batch.
const BATCH_DOCS: usize = 4096;
const BATCH_BYTES: usize = 64 << 20;

/// What the first pass gathers.
struct Gathered {
    ids: Ids,
    exact: Vec<u64>,
    sigs: BitSignatures,
    /// Whether the document has words left to match on.
    matchable: Vec<bool>,
    bands: Sorter<(u64, u32)>,
    templates: Sorter<(u64, u32)>,
    passages: Sorter<PassageRecord>,
    store: StoreWriter,
    skipped: Vec<Skipped>,
    keys: Vec<u64>,
}

/// Reads and analyses `paths` with `config` (validated here); temporary files
/// go into a folder under `config.temp_dir`, removed when done.
pub fn analyze(paths: &[PathBuf], config: Config, progress: &dyn Progress) -> Result<Analysis> {
    let config = config.validate()?;
    let temp = config.work_dir()?;
    for swept in &temp.swept {
        progress.note(&format!(
            "removed {}, the temporary files of an interrupted earlier run",
            swept.display()
        ));
    }
    let mut timings = Vec::new();
    let t = Instant::now();
    let inputs = corpus::discover(paths)?;
    // The memory budget, split over the three sorters by record size.
    let budget = config.memory_mb << 20;
    let mut g = Gathered {
        ids: Ids::default(),
        exact: Vec::new(),
        sigs: BitSignatures::new(config.doc_sketch.permutations),
        matchable: Vec::new(),
        bands: Sorter::new("bands", temp.path(), budget / 2 / 12),
        templates: Sorter::new("templates", temp.path(), budget / 4 / 12),
        passages: Sorter::new("passages", temp.path(), budget / 4 / 24),
        store: StoreWriter::create(temp.path())?,
        skipped: Vec::new(),
        keys: Vec::new(),
    };
    progress.start("read + sketch", None);
    read_and_sketch(&inputs, &config, &mut g, progress)?;
    progress.finish();
    timings.push(("read + sketch", t.elapsed()));

    let t = Instant::now();
    let Gathered {
        ids,
        exact,
        sigs,
        matchable,
        bands,
        templates,
        passages,
        store,
        skipped,
        ..
    } = g;
    let (survivors, similarity_histogram) = match_documents(
        &exact,
        &matchable,
        bands,
        |a, b| sigs.similarity(a, b),
        config.threshold,
    )?;
    timings.push(("match documents", t.elapsed()));

    let t = Instant::now();
    let kept = |d: u32| survivors[d as usize] == d;
    let templates = template::count(templates.sorted()?, &kept, config.template_min_docs)?;
    timings.push(("corpus templates", t.elapsed()));

    let t = Instant::now();
    let shared = passages::find(passages.sorted()?, kept, config.template_min_docs)?;
    timings.push(("shared passages", t.elapsed()));

    Ok(Analysis {
        config,
        inputs,
        skipped,
        ids,
        exact,
        sigs,
        survivors,
        similarity_histogram,
        templates,
        shared,
        store: store.finish()?,
        _work: temp,
        timings,
    })
}

/// Reads on one thread while the pool analyses the batch before, so that
/// parsing overlaps with the work on documents; batches keep input order.
fn read_and_sketch(
    inputs: &[Input],
    config: &Config,
    g: &mut Gathered,
    progress: &dyn Progress,
) -> Result<()> {
    let analyzer = Analyzer::new(config);
    let fields = ReadOptions::of(config);
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Document>>(2);
        let reader = scope.spawn(move || -> Result<Vec<Skipped>> {
            let mut skipped = Vec::new();
            let mut batch: Vec<Document> = Vec::new();
            let mut batch_bytes = 0;
            // The analysis stopped (and says why): stop reading.
            let stopped = || Error::Config("analysis stopped".into());
            for (index, input) in inputs.iter().enumerate() {
                corpus::read(input, index as u32, &fields, &mut |doc| {
                    crate::interrupt::check()?;
                    let doc = match doc {
                        Ok(doc) => doc,
                        Err(e) if config.on_error == OnError::Skip => {
                            skipped.push(Skipped {
                                file: e
                                    .path()
                                    .unwrap_or(&input.path)
                                    .to_string_lossy()
                                    .into_owned(),
                                reason: e.to_string(),
                            });
                            return Ok(());
                        }
                        Err(e) => return Err(e),
                    };
                    batch_bytes += doc.text.len();
                    batch.push(doc);
                    if batch.len() >= BATCH_DOCS || batch_bytes >= BATCH_BYTES {
                        tx.send(std::mem::take(&mut batch)).map_err(|_| stopped())?;
                        batch_bytes = 0;
                    }
                    Ok(())
                })?;
            }
            if !batch.is_empty() {
                tx.send(batch).map_err(|_| stopped())?;
            }
            Ok(skipped)
        });
        let mut analysed = Ok(());
        for mut batch in rx.iter() {
            let bytes = batch.iter().map(|d| d.text.len() as u64).sum();
            progress.advance(batch.len() as u64, bytes);
            analysed = flush(&analyzer, config, &mut batch, g);
            if analysed.is_err() {
                break;
            }
        }
        drop(rx);
        let read = reader.join().expect("the reader thread does not panic");
        analysed?;
        g.skipped = read?;
        Ok(())
    })
}

fn flush(
    analyzer: &Analyzer,
    config: &Config,
    batch: &mut Vec<Document>,
    g: &mut Gathered,
) -> Result<()> {
    let base = g.exact.len();
    if base + batch.len() > u32::MAX as usize {
        return Err(Error::Config(
            "more than 4 billion documents in one run".into(),
        ));
    }
    let sketches: Vec<DocSketch> = batch
        .par_iter()
        .enumerate()
        .map_init(Scratch::default, |scratch, (k, doc)| {
            analyzer.analyze((base + k) as u32, &doc.text, scratch)
        })
        .collect();
    let lsh = config.doc_lsh();
    for (k, (doc, sketch)) in batch.drain(..).zip(sketches).enumerate() {
        let d = (base + k) as u32;
        g.ids.push(&doc.id);
        g.exact.push(sketch.exact);
        g.sigs.push(&sketch.signature);
        let matchable = sketch.matched_words > 0;
        g.matchable.push(matchable);
        if matchable {
            g.keys.clear();
            band_keys(&sketch.signature, lsh, config.doc_sketch.seed, &mut g.keys);
            for &key in &g.keys {
                g.bands.push((key, d))?;
            }
        }
        // Template keys once per document; passages for the long segments
        // that the in-document rules keep.
        g.keys.clear();
        g.keys.extend(
            sketch
                .segments
                .iter()
                .filter(|s| s.words > 0)
                .map(|s| s.template),
        );
        g.keys.sort_unstable();
        g.keys.dedup();
        for &key in &g.keys {
            g.templates.push((key, d))?;
        }
        for (i, s) in sketch.segments.iter().enumerate() {
            if s.signed && sketch.removals[i].is_none() {
                g.passages.push(PassageRecord {
                    key: s.exact,
                    doc: d,
                    segment: i as u32,
                    start: s.span.start,
                    end: s.span.end,
                })?;
            }
        }
        let segments = sketch
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| SegmentLocal {
                span: s.span,
                words: s.words,
                template: s.template,
                facts: sketch.facts.get(i).copied().unwrap_or_default(),
            })
            .collect();
        let removals = sketch
            .removals
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.map(|r| (i as u32, r)))
            .collect();
        g.store.write(&LocalRecord {
            text_hash: sketch.text_hash,
            bytes: sketch.bytes,
            input: doc.input,
            line: doc.line,
            segments,
            removals,
        })?;
    }
    Ok(())
}

/// Bins of [`Analysis::similarity_histogram`].
pub const SIMILARITY_BINS: usize = 20;

/// Near-duplicate documents: every document labelled with the first
/// document of its cluster, and the histogram of candidate similarities.
/// Documents with no words left after the in-document rules are never
/// matched.
fn match_documents(
    exact: &[u64],
    matchable: &[bool],
    bands: Sorter<(u64, u32)>,
    similarity: impl Fn(u32, u32) -> f64 + Sync,
    threshold: f64,
) -> Result<(Vec<u32>, Vec<u64>)> {
    let n = exact.len();
    // Exact copies: same normalised text.
    let mut by_exact: Vec<(u64, u32)> = (0..n)
        .filter(|&d| matchable[d])
        .map(|d| (exact[d], d as u32))
        .collect();
    by_exact.par_sort_unstable();
    let mut edges: Vec<(u32, u32)> = by_exact
        .chunk_by(|a, b| a.0 == b.0)
        .flat_map(|run| run[1..].iter().map(move |&(_, d)| (run[0].1, d)))
        .collect();
    drop(by_exact);

    // Near copies: candidates from the buckets, verified.
    let pairs = candidates(bands.sorted()?)?;
    let histogram = pairs
        .par_iter()
        .fold(
            || vec![0u64; SIMILARITY_BINS],
            |mut h, &(a, b)| {
                let bin = (similarity(a, b) * SIMILARITY_BINS as f64) as usize;
                h[bin.min(SIMILARITY_BINS - 1)] += 1;
                h
            },
        )
        .reduce(
            || vec![0u64; SIMILARITY_BINS],
            |a, b| a.iter().zip(&b).map(|(x, y)| x + y).collect(),
        );
    edges.extend(
        verify(&pairs, similarity, threshold)
            .into_iter()
            .map(|e| (e.a, e.b)),
    );
    Ok((components(n, edges), histogram))
}
