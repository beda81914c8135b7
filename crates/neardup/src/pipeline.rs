//! Runs the stages in order and nothing else.
//!
//! 1. The template census reads every document once and counts its segment
//!    keys ([`Census`]): the corpus's shared lines are known
//!    before any document is sketched.
//! 2. The first pass reads every document again and, in parallel batches,
//!    turns it into a [`DocSketch`] whose content sets the shared lines
//!    aside. What the corpus-wide stages need goes into bounded structures:
//!    bucket, prefix and passage records into external sorters, b-bit
//!    signatures and exact hashes into flat arrays, the in-document results
//!    into a sequential store on disk.
//! 3. Documents are matched ([`matching::resolve`], then
//!    [`matching::containment`]), corpus templates counted over the kept
//!    documents, shared passages found between kept documents.
//!
//! The second pass ([`crate::second_pass`]) reads the inputs and the store
//! again in step and checks that every document is unchanged; the output
//! stage ([`crate::output`]) decides each document's plan
//! ([`crate::plan::decide`]) in it as it writes.

use crate::analyze::{Analyzer, DocSketch, Scratch};
use crate::boilerplate::template::{Census, DocKeys, SegmentKeys, Shared};
use crate::config::{Config, OnError};
use crate::corpus::{self, Document, Input, ReadOptions};
use crate::error::{Error, Result};
use crate::index::{Index, IndexParams, IndexedDoc, NewDoc};
use crate::matching::containment::{self, SignatureFile};
use crate::matching::lsh::band_keys;
use crate::matching::verify::BitSignatures;
use crate::matching::{self, Match, Verdict};
use crate::passages::{self, PassageRecord};
use crate::removal::{Fate, Original};
use crate::sketch::shingle::fmix64;
use crate::spill::Sorter;
use crate::store::{LocalRecord, Store, StoreWriter};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::passages::Match as PassageMatch;

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

/// The wall time of one stage of a run.
#[derive(Debug, Clone, Copy)]
pub struct Stage {
    /// Its name ("read + sketch").
    pub name: &'static str,
    /// How long it took.
    pub time: Duration,
    /// Whether it reads the inputs, so that its throughput over their bytes
    /// means something.
    pub reads_input: bool,
}

impl Stage {
    /// A stage named `name` that started at `started` and ends now.
    pub fn since(name: &'static str, started: Instant, reads_input: bool) -> Stage {
        Stage {
            name,
            time: started.elapsed(),
            reads_input,
        }
    }
}

/// Progress that goes nowhere.
pub struct Silent;

impl Progress for Silent {}

/// A document left out because it could not be read (with `--on-error skip`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Skipped {
    /// The file, as given or under its input folder.
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
    /// The run's configuration.
    pub config: Config,
    /// The inputs, in the order given.
    pub inputs: Vec<Input>,
    /// Documents that could not be read (with `--on-error skip`).
    pub skipped: Vec<Skipped>,
    ids: Ids,
    /// Per document: kept, or dropped as a copy of which kept document.
    verdicts: Vec<Verdict>,
    /// Candidate pairs of documents that matching compared, by estimated
    /// similarity: a count per bin and the first pairs of each.
    pub compared: matching::Compared,
    /// Segment keys found in many distinct documents, set aside when
    /// documents are compared.
    pub shared_lines: usize,
    /// Corpus templates: (key, kept documents), sorted by key.
    pub templates: Vec<(u64, u32)>,
    /// Shared passages, sorted by (document, segment).
    pub shared: Vec<PassageMatch>,
    /// What the second pass needs of each document, on disk.
    pub store: Store,
    /// Wall time per stage, for the human summary.
    pub timings: Vec<Stage>,
    /// The index the run matched against, when it has one.
    index: Option<IndexUse>,
    /// The folder of temporary files, removed with the analysis.
    _work: crate::staging::WorkDir,
}

/// A run's use of an index ([`crate::index`]).
struct IndexUse {
    index: Index,
    /// The documents of the run that copy an indexed one, by the indexed
    /// document's number.
    matched: rustc_hash::FxHashMap<u32, u64>,
    /// What adding the kept documents needs, when the run may add.
    pending: Option<Pending>,
}

impl std::fmt::Debug for IndexUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexUse")
            .field("index", &self.index)
            .field("matched", &self.matched.len())
            .finish()
    }
}

/// What the run's kept documents are added to the index with.
struct Pending {
    exact: Vec<Option<u64>>,
    sigs: BitSignatures,
    bands: Sorter<(u64, u32)>,
    origins: Origins,
}

/// Each document's file and line, the files named once per run of
/// documents from the same one.
#[derive(Default)]
struct Origins {
    files: Vec<String>,
    at: Vec<(u32, u64)>,
}

impl Origins {
    fn push(&mut self, file: &Path, line: u64) {
        let file = file.to_string_lossy();
        if self.files.last().map(String::as_str) != Some(&*file) {
            self.files.push(file.into_owned());
        }
        self.at.push((self.files.len() as u32 - 1, line));
    }
}

impl Analysis {
    /// Number of documents read.
    pub fn len(&self) -> usize {
        self.verdicts.len()
    }

    /// Whether no document was read.
    pub fn is_empty(&self) -> bool {
        self.verdicts.is_empty()
    }

    /// The id of document `doc`.
    pub fn id(&self, doc: u32) -> &str {
        self.ids.get(doc)
    }

    /// Per document: whether some other document was dropped as its duplicate.
    pub fn has_duplicates(&self) -> Vec<bool> {
        let mut heads = vec![false; self.verdicts.len()];
        for (d, v) in self.verdicts.iter().enumerate() {
            if !v.is_kept() && self.indexed_original(d as u32).is_none() {
                heads[v.of as usize] = true;
            }
        }
        heads
    }

    /// Whether document `doc` is kept.
    pub fn kept(&self, doc: u32) -> bool {
        self.verdicts[doc as usize].is_kept()
    }

    /// What happens to document `doc`.
    pub fn fate(&self, doc: u32) -> Fate {
        let v = self.verdicts[doc as usize];
        let Some(by) = v.by else {
            return Fate::Kept;
        };
        let of = match self.indexed_original(doc) {
            Some(indexed) => Original::Indexed(indexed),
            None => Original::Run(v.of),
        };
        Fate::Dropped {
            of,
            similarity: v.similarity,
            containment: (by == Match::Contained).then_some(v.containment),
            rule: by.rule(),
        }
    }

    /// The indexed document that document `doc` copies, when it copies one.
    fn indexed_original(&self, doc: u32) -> Option<u64> {
        self.index.as_ref()?.matched.get(&doc).copied()
    }

    /// The id of the kept document a dropped one copies.
    pub fn original_id(&self, of: Original) -> std::borrow::Cow<'_, str> {
        match of {
            Original::Run(d) => self.id(d).into(),
            Original::Indexed(d) => self.indexed(d).id.into(),
        }
    }

    /// Indexed document `doc`'s id and source (it is the original of a
    /// document of the run, [`Original::Indexed`]).
    pub fn indexed(&self, doc: u64) -> IndexedDoc {
        self.index
            .as_ref()
            .expect("an indexed original comes from the run's index")
            .index
            .doc(doc)
    }

    /// Adds the kept documents to the run's index, unless it is read-only;
    /// `None` without an index. Called once the run's outputs are written,
    /// so that a run that fails adds nothing.
    pub fn commit_index(&mut self) -> Result<Option<IndexUpdate>> {
        let Some(used) = self.index.as_mut() else {
            return Ok(None);
        };
        let update = |added: u64, index: &Index| IndexUpdate {
            copies: used.matched.len() as u64,
            added,
            documents: index.documents(),
            runs: index.runs(),
        };
        let Some(pending) = used.pending.take() else {
            return Ok(Some(update(0, &used.index)));
        };
        let Pending {
            exact,
            sigs,
            bands,
            origins,
        } = pending;
        // Kept documents with words, numbered in order.
        let mut number = vec![u32::MAX; self.verdicts.len()];
        let mut docs = Vec::new();
        for (d, v) in self.verdicts.iter().enumerate() {
            if !v.is_kept() || exact[d].is_none() {
                continue;
            }
            number[d] = docs.len() as u32;
            let (file, line) = origins.at[d];
            docs.push(NewDoc {
                id: self.ids.get(d as u32),
                file: &origins.files[file as usize],
                line,
                exact: exact[d],
                bits: sigs.bits(d as u32),
            });
        }
        let mut sorted = bands.sorted()?;
        let added = used.index.add(&docs, || {
            while let Some((key, d)) = sorted.next_record()? {
                if number[d as usize] != u32::MAX {
                    return Ok(Some((key, number[d as usize])));
                }
            }
            Ok(None)
        })?;
        Ok(Some(update(added, &used.index)))
    }
}

/// What a run did with its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexUpdate {
    /// Documents of the run dropped as copies of indexed ones.
    pub copies: u64,
    /// Kept documents added (0 when read-only).
    pub added: u64,
    /// Documents in the index now.
    pub documents: u64,
    /// Runs (immutable files) it is made of now.
    pub runs: usize,
}

/// Documents analysed per parallel batch.
const BATCH_DOCS: usize = 4096;
const BATCH_BYTES: usize = 64 << 20;

/// What the first pass gathers.
struct Gathered {
    ids: Ids,
    /// Hash of each document's kept text; `None` without words.
    exact: Vec<Option<u64>>,
    sigs: BitSignatures,
    bands: Sorter<(u64, u32)>,
    /// Content prefixes and full signatures, when containment is on.
    prefixes: Option<(Sorter<(u64, u32)>, SignatureFile)>,
    passages: Sorter<PassageRecord>,
    store: StoreWriter,
    skipped: Vec<Skipped>,
    keys: Vec<u64>,
    /// Each document's file and line, when the kept ones go into an index.
    origins: Option<Origins>,
    /// The documents' text hashes, folded in order, to check that the first
    /// pass reads what the census read.
    read: u64,
}

/// Folds the text hash of the next document into `state`.
fn fold(state: u64, text_hash: u64) -> u64 {
    fmix64(state ^ text_hash).wrapping_add(0x9e37_79b9_7f4a_7c15)
}

/// The input (of `paths`) that is the absolute path `abs` or holds it.
fn input_holding(paths: &[PathBuf], abs: &Path) -> Result<Option<PathBuf>> {
    for input in paths {
        let input = std::fs::canonicalize(input).map_err(|e| Error::io(input, e))?;
        if abs.starts_with(&input) {
            return Ok(Some(input));
        }
    }
    Ok(None)
}

/// Refuses an index folder that is an input or inside an input folder (its
/// manifest would be read as JSON Lines); gives it back.
fn refuse_index_in_inputs<'a>(paths: &[PathBuf], index: &'a Path) -> Result<&'a Path> {
    match input_holding(paths, &crate::staging::absolute(index)?)? {
        Some(input) => Err(Error::Config(format!(
            "--index {} is an input or inside the input {}; keep the index apart",
            index.display(),
            input.display()
        ))),
        None => Ok(index),
    }
}

/// Refuses a temporary folder that is an input folder or inside one: a
/// killed run would leave its work files among the inputs.
fn refuse_inside_inputs(paths: &[PathBuf], dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        return Err(Error::Config(format!(
            "--temp-dir {}: no such folder; give a folder that exists",
            dir.display()
        )));
    }
    let abs = crate::staging::absolute(dir)?;
    let abs = std::fs::canonicalize(&abs).unwrap_or(abs);
    match input_holding(paths, &abs)? {
        Some(input) => Err(Error::Config(format!(
            "--temp-dir {} is inside the input folder {}; a killed run would leave its work files there",
            dir.display(),
            input.display()
        ))),
        None => Ok(()),
    }
}

/// Reads and analyses `paths` with `config` (validated here); temporary files
/// go into a folder under `config.temp_dir`, removed when done.
pub fn analyze(paths: &[PathBuf], config: Config, progress: &dyn Progress) -> Result<Analysis> {
    let config = config.validate()?;
    if let Some(dir) = &config.temp_dir {
        refuse_inside_inputs(paths, dir)?;
    }
    let temp = config.work_dir()?;
    for swept in &temp.swept {
        progress.note(&format!(
            "removed {}, the temporary files of an interrupted earlier run",
            swept.display()
        ));
    }
    let mut timings = Vec::new();
    // The index is opened first: a busy index or one of other parameters
    // is said before the long passes.
    let index = match &config.index {
        Some(dir) => Some(Index::open(
            refuse_index_in_inputs(paths, dir)?,
            &IndexParams::of(&config),
            !config.index_read_only,
        )?),
        None => None,
    };
    let inputs = corpus::discover(paths)?;
    // The memory budget, split over the sorters by record size.
    let budget = config.memory_mb << 20;

    let t = Instant::now();
    let (shared, census_read) = if let Some(min_docs) = config.census_min_docs() {
        progress.start("count lines", None);
        let mut census = Census::new(temp.path(), budget / 2 / 20)?;
        let mut read = 0u64;
        let seed = config.doc_sketch.seed;
        let mut count = 0u32;
        read_batches(
            &inputs,
            &config,
            progress,
            &mut |batch, base| {
                let keys: Vec<(DocKeys, u64)> = batch
                    .par_iter()
                    .map_init(Vec::new, |buf, doc| {
                        let hash = doc.hash();
                        (DocKeys::of(&doc.text, seed, buf), hash)
                    })
                    .collect();
                Ok((base, keys))
            },
            &mut |(base, keys)| {
                for (k, (keys, hash)) in keys.iter().enumerate() {
                    census.add(base + k as u32, keys)?;
                    read = fold(read, *hash);
                }
                count = base + keys.len() as u32;
                Ok(())
            },
        )?;
        progress.finish();
        let shared = census.finish(min_docs)?;
        timings.push(Stage::since("count lines", t, true));
        (shared, Some((read, count)))
    } else {
        (Shared::none(), None)
    };

    let t = Instant::now();
    let mut g = Gathered {
        ids: Ids::default(),
        exact: Vec::new(),
        sigs: BitSignatures::new(config.doc_sketch.permutations),
        bands: Sorter::new("bands", temp.path(), budget / 2 / 12),
        prefixes: match config.containment {
            Some(_) => Some((
                Sorter::new("prefixes", temp.path(), budget / 8 / 12),
                SignatureFile::create(temp.path(), config.doc_sketch.permutations)?,
            )),
            None => None,
        },
        passages: Sorter::new("passages", temp.path(), budget / 4 / 24),
        store: StoreWriter::create(temp.path())?,
        skipped: Vec::new(),
        keys: Vec::new(),
        origins: index
            .as_ref()
            .is_some_and(Index::writable)
            .then(Origins::default),
        read: 0,
    };
    // The census counted the documents: the first pass knows its total.
    progress.start("read + sketch", census_read.map(|(_, n)| u64::from(n)));
    let analyzer = Analyzer::new(&config);
    let mut keys = shared.segment_keys()?;
    let skipped = read_batches(
        &inputs,
        &config,
        progress,
        &mut |batch, base| sketch(&analyzer, &shared, keys.as_mut(), batch, base),
        &mut |(batch, sketches)| gather(&config, batch, sketches, &mut g),
    )?;
    g.skipped = skipped;
    progress.finish();
    if census_read.is_some_and(|c| c != (g.read, g.exact.len() as u32)) {
        let path = inputs.last().map(|i| i.path.clone()).unwrap_or_default();
        return Err(Error::InputChanged { path });
    }
    timings.push(Stage::since("read + sketch", t, true));

    let t = Instant::now();
    let Gathered {
        ids,
        exact,
        sigs,
        bands,
        prefixes,
        passages,
        store,
        skipped,
        origins,
        ..
    } = g;
    // Documents that copy an indexed one are settled first.
    let mut verdicts = matching::unsettled(exact.len());
    let mut compared = matching::Compared::default();
    let (bands, mut index_use, index_bands) = match index {
        None => (bands, None, None),
        Some(index) => {
            let m = match_index(&index, &exact, &sigs, bands, &config, temp.path(), budget)?;
            for &(d, found) in &m.matches {
                verdicts[d as usize] = Verdict {
                    of: d,
                    similarity: found.similarity,
                    containment: 0.0,
                    by: Some(found.by),
                };
            }
            compared = m.compared;
            let used = IndexUse {
                index,
                matched: m.matches.iter().map(|&(d, found)| (d, found.of)).collect(),
                pending: None,
            };
            (m.bands, Some(used), m.for_index)
        }
    };
    let similarity = |a: u32, b: u32| sigs.similarity(a, b);
    let matching::Matched {
        mut verdicts,
        compared: in_run,
    } = matching::resolve(
        &exact,
        bands,
        similarity,
        config.threshold,
        verdicts,
        temp.path(),
        budget / 4 / 16,
    )?;
    compared.extend(in_run);
    if let (Some(threshold), Some((prefixes, mut signatures))) = (config.containment, prefixes) {
        containment::find(
            prefixes,
            &mut signatures,
            threshold,
            similarity,
            &mut verdicts,
        )?;
    }
    if let (Some(used), Some(bands), Some(origins)) = (index_use.as_mut(), index_bands, origins) {
        used.pending = Some(Pending {
            exact,
            sigs,
            bands,
            origins,
        });
    }
    timings.push(Stage::since("match documents", t, false));

    let t = Instant::now();
    let kept = |d: u32| verdicts[d as usize].is_kept();
    let templates = shared.templates(kept, temp.path(), budget / 4 / 16)?;
    let shared_lines = shared.lines.len();
    drop(shared);
    timings.push(Stage::since("corpus templates", t, false));

    let t = Instant::now();
    let shared = passages::find(passages.sorted()?, kept, config.template_min_docs)?;
    timings.push(Stage::since("shared passages", t, false));

    Ok(Analysis {
        config,
        inputs,
        skipped,
        ids,
        verdicts,
        compared,
        shared_lines,
        templates,
        shared,
        store: store.finish()?,
        _work: temp,
        timings,
        index: index_use,
    })
}

/// What matching a run against an index gives.
struct IndexMatched {
    /// The run's bucket records again, for matching within the run.
    bands: Sorter<(u64, u32)>,
    /// The same, for adding the kept documents to the index (when it may).
    for_index: Option<Sorter<(u64, u32)>>,
    /// The documents that copy an indexed one, in order.
    matches: Vec<(u32, crate::index::IndexMatch)>,
    /// The pairs compared.
    compared: matching::Compared,
}

/// Matches the run's documents against `index`: their exact hashes and
/// their bucket records (`bands`), each merged with the index's sorted
/// keys ([`Index::candidates`]), then each candidate verified
/// ([`Index::match_run`]).
fn match_index(
    index: &Index,
    exact: &[Option<u64>],
    sigs: &BitSignatures,
    bands: Sorter<(u64, u32)>,
    config: &Config,
    dir: &Path,
    budget: usize,
) -> Result<IndexMatched> {
    let mut again = Sorter::new("bands", dir, budget / 2 / 12);
    let mut for_index = index
        .writable()
        .then(|| Sorter::new("index-bands", dir, budget / 4 / 12));
    let mut sorted = bands.sorted()?;
    let mut near = Vec::new();
    index.candidates(
        true,
        || {
            let record = sorted.next_record()?;
            if let Some(r) = record {
                again.push(r)?;
                if let Some(f) = for_index.as_mut() {
                    f.push(r)?;
                }
            }
            Ok(record)
        },
        |d, of| near.push((d, of)),
    )?;
    drop(sorted);
    let mut by_exact: Vec<(u64, u32)> = exact
        .iter()
        .enumerate()
        .filter_map(|(d, e)| e.map(|e| (e, d as u32)))
        .collect();
    by_exact.sort_unstable();
    let mut records = by_exact.into_iter();
    let mut copies = Vec::new();
    index.candidates(false, || Ok(records.next()), |d, of| copies.push((d, of)))?;
    let mut compared = matching::Compared::default();
    let matches = index.match_run(
        copies,
        near,
        |d| sigs.bits(d),
        config.threshold,
        |d, of, s| compared.add(d, Original::Indexed(of), s),
    );
    Ok(IndexMatched {
        bands: again,
        for_index,
        matches,
        compared,
    })
}

/// Reads every input on one thread, in batches that go through two stages:
/// `prepare` (given the batch and the number of its first document) runs on
/// the pool while `gather` takes the result of the batch before on this
/// thread, so that reading, the parallel work and the sequential work
/// overlap; batches keep input order. Returns the documents skipped as
/// unreadable.
fn read_batches<A: Send>(
    inputs: &[Input],
    config: &Config,
    progress: &dyn Progress,
    prepare: &mut (dyn FnMut(Vec<Document>, u32) -> Result<A> + Send),
    gather: &mut dyn FnMut(A) -> Result<()>,
) -> Result<Vec<Skipped>> {
    let fields = ReadOptions::of(config, false);
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Document>>(1);
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
        let mut base = 0usize;
        let worked = overlapped(
            rx.iter(),
            &mut |batch: Vec<Document>| {
                if base + batch.len() > u32::MAX as usize {
                    return Err(Error::Config(
                        "more than 4 billion documents in one run".into(),
                    ));
                }
                let bytes = batch.iter().map(|d| d.text.len() as u64).sum();
                progress.advance(batch.len() as u64, bytes);
                let first = base as u32;
                base += batch.len();
                prepare(batch, first)
            },
            gather,
        );
        drop(rx);
        let read = reader.join().expect("the reader thread does not panic");
        worked?;
        read
    })
}

/// Runs `batches` through two stages that overlap: `prepare` of a batch
/// goes to the pool while `consume` takes the result of the batch before on
/// this thread (so `consume` may hold what cannot move between threads, such
/// as a writer of standard output). Results are consumed in batch order;
/// the first error stops both.
pub(crate) fn overlapped<B: Send, R: Send>(
    batches: impl Iterator<Item = B>,
    prepare: &mut (dyn FnMut(B) -> Result<R> + Send),
    consume: &mut dyn FnMut(R) -> Result<()>,
) -> Result<()> {
    let mut ready = None;
    for batch in batches {
        let mut next = None;
        let consumed = rayon::in_place_scope(|s| {
            s.spawn(|_| next = Some(prepare(batch)));
            ready.take().map_or(Ok(()), &mut *consume)
        });
        consumed?;
        ready = Some(next.expect("the scope ran the work")?);
    }
    ready.map_or(Ok(()), consume)
}

/// The parallel stage of the first pass: each document of `batch` (the
/// first numbered `base`) sketched, with the segment keys the census
/// computed for it, read in the same order.
fn sketch(
    analyzer: &Analyzer,
    shared: &Shared,
    census: Option<&mut SegmentKeys>,
    batch: Vec<Document>,
    base: u32,
) -> Result<(Vec<Document>, Vec<DocSketch>)> {
    let mut keys = vec![Vec::new(); batch.len()];
    if let Some(census) = census {
        for k in &mut keys {
            census.next_into(k)?;
        }
    }
    let sketches: Vec<DocSketch> = batch
        .par_iter()
        .zip(&keys)
        .enumerate()
        .map_init(Scratch::default, |scratch, (k, (doc, keys))| {
            let keys = (!keys.is_empty()).then_some(&keys[..]);
            let mut sketch =
                analyzer.analyze(base + k as u32, &doc.text, scratch, &shared.lines, keys);
            if doc.original.is_some() {
                // What the second pass and restore check is the bytes read.
                sketch.text_hash = doc.hash();
            }
            sketch
        })
        .collect();
    Ok((batch, sketches))
}

/// The sequential stage of the first pass: what the corpus-wide stages need
/// of each sketched document, gathered in input order.
fn gather(
    config: &Config,
    batch: Vec<Document>,
    sketches: Vec<DocSketch>,
    g: &mut Gathered,
) -> Result<()> {
    let base = g.exact.len();
    let lsh = config.doc_lsh();
    let shingle_size = config.doc_sketch.shingle_size;
    for (k, (doc, sketch)) in batch.into_iter().zip(sketches).enumerate() {
        let d = (base + k) as u32;
        g.ids.push(&doc.id);
        if let Some(origins) = g.origins.as_mut() {
            origins.push(&doc.file, doc.line);
        }
        g.read = fold(g.read, sketch.text_hash);
        g.exact
            .push((sketch.kept_words > 0).then_some(sketch.exact));
        g.sigs.push(&sketch.signature);
        if matching::judged(sketch.content_words, sketch.kept_words, shingle_size) {
            g.keys.clear();
            band_keys(&sketch.signature, lsh, config.doc_sketch.seed, &mut g.keys);
            for &key in &g.keys {
                g.bands.push((key, d))?;
            }
            if let (Some((prefixes, _)), Some(prefix)) = (g.prefixes.as_mut(), sketch.prefix) {
                prefixes.push((prefix, d))?;
            }
        }
        if let Some((_, signatures)) = g.prefixes.as_mut() {
            signatures.push(sketch.shingles, &sketch.signature)?;
        }
        for record in passages::records(&sketch, d) {
            g.passages.push(record)?;
        }
        g.store
            .write(&LocalRecord::of(&sketch, doc.input, doc.line))?;
    }
    Ok(())
}
