//! A persistent index of the documents earlier runs kept, so that a new dump
//! is deduplicated against everything cleaned before without reading it
//! again, and a training dump can be scrubbed of the documents of an
//! evaluation set (decontamination).
//!
//! Takes, per kept document of a run, its id, source (file and line), exact
//! hash and b-bit signature, and the LSH bucket keys of its bands; gives,
//! for the documents of a new run, the indexed documents each one copies
//! ([`Index::candidates`], then [`Index::match_run`]), and the nearest
//! indexed documents of one text ([`Index::query`]).
//!
//! # Layout
//!
//! An index is a folder:
//!
//! - `MANIFEST.json`: the format's name and version, every parameter the
//!   signatures depend on ([`IndexParams`]), and the runs in order, each
//!   with its number of documents. It is replaced atomically (written
//!   beside, synced, renamed), so an update that is killed leaves the index
//!   as it was.
//! - per run, two immutable files that start with a magic number and the
//!   format version: `run-N.docs` (a fixed-size record per document: exact
//!   hash, line, where its id and file end in the strings; then the b-bit
//!   signatures; then the strings) and `run-N.keys` (the (exact hash,
//!   document) and (bucket key, document) records, each sorted). Documents
//!   are numbered across runs in the order they were added.
//! - `LOCK`: an advisory lock, held exclusively by a run that adds to the
//!   index and shared by runs that only read it, so two writers never meet
//!   and a reader never sees a half-updated index.
//!
//! The runs are memory-mapped; a new run's bucket keys are sorted, so they
//! are matched against each indexed run by a merge that gallops over the
//! keys between them: the cost follows the new run's keys and the pages of
//! the index they land on, not the index's size. [`Index::compact`] merges
//! the runs into one.
//!
//! # Why results equal one big run
//!
//! Matching takes documents in input order and drops each as a copy of a
//! kept document it shares a bucket or its exact text with, at the
//! threshold or above ([`crate::matching`]). The indexed documents are the
//! kept documents of the earlier runs, all before the new ones; so a new
//! document is dropped when it copies an indexed document (here), or a kept
//! new document before it (matching, with these settled first). Cleaning A
//! and then B against A's index drops the same documents of B as cleaning A
//! and B in one run, whenever the documents' contents are the same in both
//! (always with the `documents` profile; with the others, as long as the
//! corpus-wide shared lines that contents set aside are the same).

use crate::config::Config;
use crate::error::{Error, Result};
use crate::matching::verify::bbit_similarity;
use crate::matching::Match;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The index format's name, in its manifest.
const FORMAT: &str = "neardup-index";
/// The index format's version; bumped on any incompatible change.
pub const VERSION: u32 = 1;
/// The magic number that starts a run's documents file.
const DOCS_MAGIC: &[u8; 8] = b"NDIXDOCS";
/// The magic number that starts a run's keys file.
const KEYS_MAGIC: &[u8; 8] = b"NDIXKEYS";
/// Bytes of a documents file's header: magic, version, permutations, count.
const DOCS_HEADER: usize = 24;
/// Bytes of a document's fixed record: exact hash, line, strings end, flags.
const DOC_RECORD: usize = 32;
/// Bytes of a keys file's header: magic, version, reserved, two counts.
const KEYS_HEADER: usize = 32;
/// Bytes of a (key, document) record.
const KEY_RECORD: usize = 12;
/// A document's flag: it has words, so its exact hash means something.
const HAS_EXACT: u64 = 1;

const MANIFEST: &str = "MANIFEST.json";

/// Everything an indexed signature depends on. A run with other values
/// would compute other signatures or bucket keys, so it cannot use the
/// index: opening it is [`Error::IndexParameters`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexParams {
    /// Seed of every hash.
    pub seed: u64,
    /// MinHash permutations per signature.
    pub permutations: usize,
    /// Words per shingle.
    pub shingle_size: usize,
    /// LSH bands.
    pub bands: usize,
    /// LSH rows per band.
    pub rows: usize,
    /// Whether a signature is taken over the text the in-document rules
    /// keep (else the whole text: the `documents` profile).
    pub paragraphs: bool,
    /// Whether the structural rules cut from that text.
    pub structural_rules: bool,
    /// Whether body selection cuts from it.
    pub body: bool,
    /// Kept documents a line recurs in to be set aside from the contents
    /// compared (0: none).
    pub template_min_docs: usize,
}

impl IndexParams {
    /// The parameters of a run with `config`.
    pub fn of(config: &Config) -> Self {
        let lsh = config.doc_lsh();
        IndexParams {
            seed: config.doc_sketch.seed,
            permutations: config.doc_sketch.permutations,
            shingle_size: config.doc_sketch.shingle_size,
            bands: lsh.bands,
            rows: lsh.rows,
            paragraphs: config.paragraphs,
            structural_rules: config.paragraphs && config.structural_rules,
            body: config.paragraphs && config.body,
            template_min_docs: if config.paragraphs {
                config.template_min_docs
            } else {
                0
            },
        }
    }

    /// The parameters in words, for an error message.
    pub fn describe(&self) -> String {
        let content = match (self.paragraphs, self.structural_rules, self.body) {
            (false, _, _) => "whole texts (profile documents)",
            (true, false, false) => "kept texts (profile dedup)",
            (true, true, true) => "kept texts (profile full)",
            (true, true, false) => "kept texts (profile full without body)",
            (true, false, true) => "kept texts (profile dedup with body)",
        };
        format!(
            "seed {}, {} permutations, shingles of {} words, {} bands of {} rows, signatures of {content}, templates from {} documents",
            self.seed,
            self.permutations,
            self.shingle_size,
            self.bands,
            self.rows,
            self.template_min_docs
        )
    }

    /// A run's configuration that gives these parameters.
    pub fn config(&self) -> Result<Config> {
        let mut config = Config {
            doc_sketch: crate::sketch::SketchParams {
                permutations: self.permutations,
                shingle_size: self.shingle_size,
                seed: self.seed,
            },
            doc_lsh: Some(crate::matching::lsh::LshParams {
                bands: self.bands,
                rows: self.rows,
            }),
            paragraphs: self.paragraphs,
            structural_rules: self.structural_rules,
            body: self.body,
            template_min_docs: self.template_min_docs,
            ..Config::default()
        };
        config.segment_sketch.seed = self.seed;
        config.validate()
    }
}

/// What `MANIFEST.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    params: IndexParams,
    runs: Vec<RunEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RunEntry {
    /// The run's file stem (`run-000001`).
    name: String,
    /// Its documents.
    documents: u64,
}

/// One indexed run, mapped.
struct Run {
    name: String,
    /// Its first document's number in the index.
    base: u64,
    count: u64,
    docs: memmap2::Mmap,
    keys: memmap2::Mmap,
    /// The keys file, for errors.
    keys_path: PathBuf,
    exact: u64,
    bands: u64,
}

impl Run {
    fn open(dir: &Path, entry: &RunEntry, base: u64, permutations: usize) -> Result<Run> {
        let docs = map(&dir.join(format!("{}.docs", entry.name)))?;
        let keys = map(&dir.join(format!("{}.keys", entry.name)))?;
        let bad = |file: &str, what: &str| Error::IndexFormat {
            path: dir.join(file),
            reason: what.into(),
        };
        let docs_name = format!("{}.docs", entry.name);
        let keys_name = format!("{}.keys", entry.name);
        if docs.len() < DOCS_HEADER || &docs[..8] != DOCS_MAGIC {
            return Err(bad(&docs_name, "not a neardup index documents file"));
        }
        if u32_at(&docs, 8) != VERSION {
            return Err(bad(&docs_name, "another version of the index format"));
        }
        if u32_at(&docs, 12) as usize != permutations || u64_at(&docs, 16) != entry.documents {
            return Err(bad(&docs_name, "does not match MANIFEST.json"));
        }
        let n = entry.documents as usize;
        let fixed = DOCS_HEADER + n * (DOC_RECORD + permutations);
        let strings = if n == 0 {
            0
        } else {
            u64_at(&docs, DOCS_HEADER + (n - 1) * DOC_RECORD + 16) as usize
        };
        if docs.len() != fixed + strings {
            return Err(bad(&docs_name, "truncated or overlong"));
        }
        if keys.len() < KEYS_HEADER || &keys[..8] != KEYS_MAGIC || u32_at(&keys, 8) != VERSION {
            return Err(bad(
                &keys_name,
                "not a neardup index keys file of this version",
            ));
        }
        let (exact, bands) = (u64_at(&keys, 16), u64_at(&keys, 24));
        if keys.len() as u64 != KEYS_HEADER as u64 + (exact + bands) * KEY_RECORD as u64 {
            return Err(bad(&keys_name, "truncated or overlong"));
        }
        Ok(Run {
            name: entry.name.clone(),
            base,
            count: entry.documents,
            docs,
            keys,
            keys_path: dir.join(keys_name),
            exact,
            bands,
        })
    }

    /// The (key, document) records of the exact section, or the bands'.
    fn section(&self, bands: bool) -> Keys<'_> {
        let start = KEYS_HEADER + if bands { self.exact as usize } else { 0 } * KEY_RECORD;
        let n = if bands { self.bands } else { self.exact } as usize;
        Keys {
            bytes: &self.keys[start..start + n * KEY_RECORD],
            count: self.count,
            path: &self.keys_path,
        }
    }

    fn record(&self, local: usize) -> usize {
        DOCS_HEADER + local * DOC_RECORD
    }

    fn bits(&self, local: usize, permutations: usize) -> &[u8] {
        let start = DOCS_HEADER + self.count as usize * DOC_RECORD + local * permutations;
        &self.docs[start..start + permutations]
    }

    /// Document `local` as [`Index::add`] took it.
    fn doc_at(&self, local: usize, permutations: usize) -> NewDoc<'_> {
        let (id, file) = self.strings(local, permutations);
        let r = self.record(local);
        let has_exact = u64_at(&self.docs, r + 24) & HAS_EXACT != 0;
        NewDoc {
            id,
            file,
            line: u64_at(&self.docs, r + 8),
            exact: has_exact.then(|| u64_at(&self.docs, r)),
            bits: self.bits(local, permutations),
        }
    }

    fn strings(&self, local: usize, permutations: usize) -> (&str, &str) {
        let base = DOCS_HEADER + self.count as usize * (DOC_RECORD + permutations);
        let start = if local == 0 {
            0
        } else {
            u64_at(&self.docs, self.record(local - 1) + 16) as usize
        };
        let end = u64_at(&self.docs, self.record(local) + 16) as usize;
        // A damaged record gives an empty id, never a read out of bounds.
        let text = self
            .docs
            .get(base + start..base + end)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("");
        text.split_once('\0').unwrap_or((text, ""))
    }
}

/// A section of sorted (key, document) records of a run of `count`
/// documents.
#[derive(Clone, Copy)]
struct Keys<'a> {
    bytes: &'a [u8],
    count: u64,
    path: &'a Path,
}

impl Keys<'_> {
    fn len(&self) -> usize {
        self.bytes.len() / KEY_RECORD
    }

    fn key(&self, i: usize) -> u64 {
        u64_at(self.bytes, i * KEY_RECORD)
    }

    /// The document of record `i`; one the run does not hold is an error
    /// (a damaged file), never a read out of bounds.
    fn doc(&self, i: usize) -> Result<u32> {
        let d = u32_at(self.bytes, i * KEY_RECORD + 8);
        if u64::from(d) < self.count {
            Ok(d)
        } else {
            Err(Error::IndexFormat {
                path: self.path.to_path_buf(),
                reason: format!("a key names document {d} of a run of {}", self.count),
            })
        }
    }

    /// Hands `f` the document of each record with key `key`, seeking from
    /// position `from` ([`Keys::seek`]); gives the position of the first
    /// such record (or of the first greater key), where the next seek of a
    /// key at least as large starts.
    fn each(&self, from: usize, key: u64, mut f: impl FnMut(u32)) -> Result<usize> {
        let at = self.seek(from, key);
        let mut i = at;
        while i < self.len() && self.key(i) == key {
            f(self.doc(i)?);
            i += 1;
        }
        Ok(at)
    }

    /// The first position at or after `from` whose key is at least `key`:
    /// a gallop, then a binary search, so a merge that moves forward by
    /// small steps costs little and one that jumps costs a logarithm.
    fn seek(&self, from: usize, key: u64) -> usize {
        let n = self.len();
        if from >= n || self.key(from) >= key {
            return from;
        }
        let (mut lo, mut step) = (from, 1);
        let mut hi = loop {
            let probe = lo + step;
            if probe >= n {
                break n;
            }
            if self.key(probe) >= key {
                break probe;
            }
            lo = probe;
            step *= 2;
        };
        // The key at `lo` is below `key`; the one at `hi` (if any) is not.
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.key(mid) >= key {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn map(path: &Path) -> Result<memmap2::Mmap> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    // SAFETY: run files are never written after they are renamed into
    // place, and they are read under the index's lock, which every neardup
    // that replaces or removes them holds exclusively.
    unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))
}

/// An indexed document, as a report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexedDoc {
    /// Its number in the index, in the order documents were added.
    pub document: u64,
    /// Its id.
    pub id: String,
    /// The file it was read from when it was added.
    pub file: String,
    /// Its line (JSONL, text files: 1) or row (Parquet) there, from 1.
    pub line: u64,
}

/// A new document's match in the index: the indexed document it copies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexMatch {
    /// The indexed document.
    pub of: u64,
    /// Estimated Jaccard similarity (1 for an exact copy).
    pub similarity: f32,
    /// Exact or near.
    pub by: Match,
}

/// A kept document of a run, as [`Index::add`] takes it.
#[derive(Debug, Clone, Copy)]
pub struct NewDoc<'a> {
    /// Its id.
    pub id: &'a str,
    /// The file it was read from.
    pub file: &'a str,
    /// Its line or row there, from 1.
    pub line: u64,
    /// The hash of its kept text; `None` without words.
    pub exact: Option<u64>,
    /// Its b-bit signature.
    pub bits: &'a [u8],
}

/// An open index (see the module documentation).
pub struct Index {
    dir: PathBuf,
    params: IndexParams,
    runs: Vec<Run>,
    writable: bool,
    /// Holds the lock for as long as the index is open.
    _lock: File,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("dir", &self.dir)
            .field("documents", &self.documents())
            .field("runs", &self.runs.len())
            .finish()
    }
}

impl Index {
    /// Opens the index in `dir` for a run with `params`: to add to it
    /// (`writable`; the folder is made when it does not exist, and what an
    /// update killed earlier left is removed), or only to match against it.
    /// A writer holds the index alone; a reader shares it with readers.
    pub fn open(dir: &Path, params: &IndexParams, writable: bool) -> Result<Index> {
        Index::open_with(dir, Some(params), writable)
    }

    /// Opens an existing index to read it, with the parameters it was built
    /// with ([`Index::params`]).
    pub fn open_existing(dir: &Path) -> Result<Index> {
        Index::open_with(dir, None, false)
    }

    fn open_with(dir: &Path, params: Option<&IndexParams>, writable: bool) -> Result<Index> {
        let manifest_path = dir.join(MANIFEST);
        let missing = || {
            Error::Config(format!(
                "{}: no index there (a run that may add to it makes it)",
                dir.display()
            ))
        };
        if !dir.is_dir() {
            if !writable {
                return Err(missing());
            }
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        // A reader only opens the lock, so an index on a read-only file
        // system can be matched against.
        let lock_path = dir.join("LOCK");
        let lock = if writable {
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
        } else {
            File::open(&lock_path)
        };
        let lock = match lock {
            Ok(lock) => lock,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing()),
            Err(e) => return Err(Error::io(&lock_path, e)),
        };
        let locked = if writable {
            lock.try_lock()
        } else {
            lock.try_lock_shared()
        };
        match locked {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::IndexBusy {
                    path: dir.to_path_buf(),
                })
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&lock_path, e)),
        }
        let manifest = match std::fs::read(&manifest_path) {
            Ok(bytes) => {
                let m: Manifest =
                    serde_json::from_slice(&bytes).map_err(|e| Error::IndexFormat {
                        path: manifest_path.clone(),
                        reason: e.to_string(),
                    })?;
                if m.format != FORMAT || m.version != VERSION {
                    return Err(Error::IndexFormat {
                        path: manifest_path,
                        reason: format!(
                            "format {} version {}; this neardup reads {FORMAT} version {VERSION}",
                            m.format, m.version
                        ),
                    });
                }
                if let Some(p) = params.filter(|p| **p != m.params) {
                    return Err(Error::IndexParameters {
                        path: dir.to_path_buf(),
                        index: m.params.describe(),
                        run: p.describe(),
                    });
                }
                Some(m)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&manifest_path, e)),
        };
        let Some(params) = manifest
            .as_ref()
            .map(|m| m.params.clone())
            .or_else(|| params.cloned())
        else {
            return Err(missing());
        };
        let entries = manifest.map(|m| m.runs).unwrap_or_default();
        if writable {
            sweep(dir, &entries)?;
        }
        let mut runs = Vec::with_capacity(entries.len());
        let mut base = 0;
        for entry in &entries {
            runs.push(Run::open(dir, entry, base, params.permutations)?);
            base += entry.documents;
        }
        Ok(Index {
            dir: dir.to_path_buf(),
            params,
            runs,
            writable,
            _lock: lock,
        })
    }

    /// Whether `dir` holds an index (its manifest).
    pub fn exists(dir: &Path) -> bool {
        dir.join(MANIFEST).is_file()
    }

    /// The parameters its signatures were made with.
    pub fn params(&self) -> &IndexParams {
        &self.params
    }

    /// Documents indexed.
    pub fn documents(&self) -> u64 {
        self.runs.iter().map(|r| r.count).sum()
    }

    /// Runs (immutable files) it is made of.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// Bytes of its files.
    pub fn bytes(&self) -> u64 {
        self.runs
            .iter()
            .map(|r| (r.docs.len() + r.keys.len()) as u64)
            .sum()
    }

    /// Whether this run may add to it.
    pub fn writable(&self) -> bool {
        self.writable
    }

    fn run_of(&self, doc: u64) -> (&Run, usize) {
        let i = self.runs.partition_point(|r| r.base + r.count <= doc);
        let run = &self.runs[i];
        (run, (doc - run.base) as usize)
    }

    /// Indexed document `doc`'s id and source.
    pub fn doc(&self, doc: u64) -> IndexedDoc {
        let (run, local) = self.run_of(doc);
        let d = run.doc_at(local, self.params.permutations);
        IndexedDoc {
            document: doc,
            id: d.id.to_owned(),
            file: d.file.to_owned(),
            line: d.line,
        }
    }

    /// Indexed document `doc`'s b-bit signature.
    pub fn bits(&self, doc: u64) -> &[u8] {
        let (run, local) = self.run_of(doc);
        run.bits(local, self.params.permutations)
    }

    /// The (new document, indexed document) pairs that share a key: `keys`
    /// yields the new run's (key, document) records in key order; `bands`
    /// says whether they are bucket keys (else exact hashes). Each pair comes
    /// once per key it shares.
    pub fn candidates(
        &self,
        bands: bool,
        mut keys: impl FnMut() -> Result<Option<(u64, u32)>>,
        mut pair: impl FnMut(u32, u64),
    ) -> Result<()> {
        let sections: Vec<(Keys, u64)> = self
            .runs
            .iter()
            .map(|r| (r.section(bands), r.base))
            .collect();
        let mut at = vec![0usize; sections.len()];
        while let Some((key, doc)) = keys()? {
            for ((section, base), at) in sections.iter().zip(&mut at) {
                *at = section.each(*at, key, |d| pair(doc, base + u64::from(d)))?;
            }
        }
        Ok(())
    }

    /// The indexed document each new document copies, from the candidate
    /// pairs of [`Index::candidates`] (`exact` pairs and `near` pairs, in any
    /// order): an exact copy of the earliest indexed document with its kept
    /// text, else the most similar candidate at `threshold` or above (the
    /// earliest on ties), as [`crate::matching`] decides within a run.
    /// `bits(d)` is new document `d`'s b-bit signature; `compared` hears
    /// each similarity computed. Sorted by new document.
    pub fn match_run<'b>(
        &self,
        mut exact: Vec<(u32, u64)>,
        mut near: Vec<(u32, u64)>,
        bits: impl Fn(u32) -> &'b [u8],
        threshold: f64,
        mut compared: impl FnMut(u32, u64, f64),
    ) -> Vec<(u32, IndexMatch)> {
        exact.sort_unstable();
        near.sort_unstable();
        near.dedup();
        let mut out: Vec<(u32, IndexMatch)> = exact
            .chunk_by(|a, b| a.0 == b.0)
            .map(|g| {
                let m = IndexMatch {
                    of: g[0].1,
                    similarity: 1.0,
                    by: Match::Exact,
                };
                (g[0].0, m)
            })
            .collect();
        let copied: rustc_hash::FxHashSet<u32> = out.iter().map(|m| m.0).collect();
        for group in near.chunk_by(|a, b| a.0 == b.0) {
            let d = group[0].0;
            if copied.contains(&d) {
                continue;
            }
            let mut best: Option<(f64, u64)> = None;
            for &(_, of) in group {
                let s = bbit_similarity(bits(d), self.bits(of));
                compared(d, of, s);
                if s >= threshold && best.is_none_or(|(b, _)| s > b) {
                    best = Some((s, of));
                }
            }
            if let Some((s, of)) = best {
                let m = IndexMatch {
                    of,
                    similarity: s as f32,
                    by: Match::Near,
                };
                out.push((d, m));
            }
        }
        out.sort_unstable_by_key(|m| m.0);
        out
    }

    /// The indexed documents nearest a document with b-bit signature
    /// `bits`, bucket keys `keys` and exact hash `exact`: every indexed
    /// document that shares one with it, most similar first (exact copies
    /// first), at most `limit`.
    pub fn query(
        &self,
        bits: &[u8],
        keys: &[u64],
        exact: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(IndexedDoc, f32, Match)>> {
        let mut found: Vec<(u64, Match)> = Vec::new();
        for run in &self.runs {
            let mut probe = |section: Keys, key: u64, by: Match| {
                section.each(0, key, |d| found.push((run.base + u64::from(d), by)))
            };
            if let Some(e) = exact {
                probe(run.section(false), e, Match::Exact)?;
            }
            for &k in keys {
                probe(run.section(true), k, Match::Near)?;
            }
        }
        found.sort_unstable_by_key(|&(d, by)| (d, by as u8));
        found.dedup_by_key(|f| f.0);
        let mut scored: Vec<(u64, f32, Match)> = found
            .into_iter()
            .map(|(d, by)| {
                let s = match by {
                    Match::Exact => 1.0,
                    _ => bbit_similarity(bits, self.bits(d)) as f32,
                };
                (d, s, by)
            })
            .collect();
        scored.sort_by(|a, b| {
            (b.2 == Match::Exact)
                .cmp(&(a.2 == Match::Exact))
                .then(b.1.total_cmp(&a.1))
                .then(a.0.cmp(&b.0))
        });
        scored.truncate(limit);
        Ok(scored
            .into_iter()
            .map(|(d, s, by)| (self.doc(d), s, by))
            .collect())
    }

    /// The indexed documents nearest `text`, analysed as a document of a run
    /// with the index's parameters (without the corpus-wide shared lines a
    /// run sets aside): see [`Index::query`].
    pub fn query_text(&self, text: &str, limit: usize) -> Result<Vec<(IndexedDoc, f32, Match)>> {
        use crate::analyze::{Analyzer, Scratch};
        let config = self.params.config()?;
        let sketch = Analyzer::new(&config).analyze(
            0,
            text,
            &mut Scratch::default(),
            &crate::boilerplate::template::SharedLines::default(),
            None,
        );
        let mut bits = Vec::with_capacity(self.params.permutations);
        crate::matching::verify::low_bytes(&sketch.signature, &mut bits);
        let mut keys = Vec::new();
        let shingle_size = self.params.shingle_size;
        if crate::matching::judged(sketch.content_words, sketch.kept_words, shingle_size) {
            let lsh = config.doc_lsh();
            crate::matching::lsh::band_keys(&sketch.signature, lsh, self.params.seed, &mut keys);
        }
        let exact = (sketch.kept_words > 0).then_some(sketch.exact);
        self.query(&bits, &keys, exact, limit)
    }

    /// Adds `docs` (numbered from 0 in the order given) as a new run, with
    /// their bucket records `bands` ((key, document), in key order), then
    /// makes it part of the index atomically: the run's files are written
    /// and synced under new names, then the manifest that lists them
    /// replaces the old one by a rename. Returns the documents added.
    pub fn add(
        &mut self,
        docs: &[NewDoc],
        bands: impl FnMut() -> Result<Option<(u64, u32)>>,
    ) -> Result<u64> {
        if !self.writable {
            return Err(Error::Config(format!(
                "{}: opened read-only; nothing is added to it",
                self.dir.display()
            )));
        }
        if docs.is_empty() {
            // A new index is made even when nothing is added to it.
            if !self.dir.join(MANIFEST).exists() {
                self.write_manifest(&[])?;
            }
            return Ok(0);
        }
        let number = next_run_number(&self.runs);
        let entry = RunEntry {
            name: format!("run-{number:06}"),
            documents: docs.len() as u64,
        };
        write_run(
            &self.dir,
            &entry.name,
            self.params.permutations,
            docs,
            bands,
        )?;
        let mut entries: Vec<RunEntry> = self.entries();
        entries.push(entry.clone());
        self.write_manifest(&entries)?;
        let base = self.documents();
        self.runs.push(Run::open(
            &self.dir,
            &entry,
            base,
            self.params.permutations,
        )?);
        Ok(docs.len() as u64)
    }

    /// Merges every run into one (the same documents, numbered as before),
    /// atomically as [`Index::add`]; the old runs' files are removed after.
    pub fn compact(&mut self) -> Result<()> {
        if !self.writable {
            return Err(Error::Config(format!(
                "{}: opened read-only; it cannot be compacted",
                self.dir.display()
            )));
        }
        if self.runs.len() < 2 {
            return Ok(());
        }
        let perms = self.params.permutations;
        let total = self.documents();
        if total > u64::from(u32::MAX) {
            return Err(Error::Config(
                "an index of more than 4 billion documents cannot be one run".into(),
            ));
        }
        let number = next_run_number(&self.runs);
        let entry = RunEntry {
            name: format!("run-{number:06}"),
            documents: total,
        };
        // Documents in order, read from the mapped runs.
        let docs: Vec<NewDoc> = self
            .runs
            .iter()
            .flat_map(|run| (0..run.count as usize).map(move |local| run.doc_at(local, perms)))
            .collect();
        let mut merge = RunMerge::new(&self.runs, true)?;
        write_run(&self.dir, &entry.name, perms, &docs, || merge.next())?;
        drop(docs);
        let old: Vec<String> = self.runs.iter().map(|r| r.name.clone()).collect();
        self.write_manifest(std::slice::from_ref(&entry))?;
        self.runs = vec![Run::open(&self.dir, &entry, 0, perms)?];
        for name in old {
            for ext in ["docs", "keys"] {
                let path = self.dir.join(format!("{name}.{ext}"));
                std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            }
        }
        Ok(())
    }

    fn entries(&self) -> Vec<RunEntry> {
        self.runs
            .iter()
            .map(|r| RunEntry {
                name: r.name.clone(),
                documents: r.count,
            })
            .collect()
    }

    fn write_manifest(&self, runs: &[RunEntry]) -> Result<()> {
        let manifest = Manifest {
            format: FORMAT.into(),
            version: VERSION,
            params: self.params.clone(),
            runs: runs.to_vec(),
        };
        let mut bytes = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
        bytes.push(b'\n');
        let path = self.dir.join(MANIFEST);
        let tmp = self.dir.join(format!("{MANIFEST}.tmp"));
        write_synced(&tmp, &bytes)?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        sync_dir(&self.dir)
    }
}

/// The number after the highest run's.
fn next_run_number(runs: &[Run]) -> u64 {
    runs.iter()
        .filter_map(|r| r.name.strip_prefix("run-")?.parse::<u64>().ok())
        .max()
        .map_or(1, |n| n + 1)
}

/// Removes what an update killed before its manifest was replaced left: run
/// files the manifest does not list, and temporary files.
fn sweep(dir: &Path, entries: &[RunEntry]) -> Result<()> {
    let listed: std::collections::HashSet<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    let read = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in read {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let stem = name
            .strip_suffix(".docs")
            .or_else(|| name.strip_suffix(".keys"));
        let orphan = match stem {
            Some(stem) => stem.starts_with("run-") && !listed.contains(stem),
            None => name.ends_with(".tmp"),
        };
        if orphan {
            let path = entry.path();
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

/// The merged (key, document) records of `runs`' bucket keys (or exact
/// hashes), in (key, document) order, numbered across the runs.
struct RunMerge<'a> {
    sections: Vec<(Keys<'a>, u64)>,
    heap: std::collections::BinaryHeap<std::cmp::Reverse<(u64, u64, usize, usize)>>,
}

impl<'a> RunMerge<'a> {
    fn new(runs: &'a [Run], bands: bool) -> Result<Self> {
        let sections: Vec<(Keys, u64)> = runs.iter().map(|r| (r.section(bands), r.base)).collect();
        let mut merge = RunMerge {
            sections,
            heap: std::collections::BinaryHeap::new(),
        };
        for s in 0..merge.sections.len() {
            merge.push(s, 0)?;
        }
        Ok(merge)
    }

    /// Record `i` of section `s` onto the heap, when there is one.
    fn push(&mut self, s: usize, i: usize) -> Result<()> {
        let (keys, base) = self.sections[s];
        if i < keys.len() {
            let doc = base + u64::from(keys.doc(i)?);
            self.heap.push(std::cmp::Reverse((keys.key(i), doc, s, i)));
        }
        Ok(())
    }

    fn next(&mut self) -> Result<Option<(u64, u32)>> {
        let Some(std::cmp::Reverse((key, doc, s, i))) = self.heap.pop() else {
            return Ok(None);
        };
        self.push(s, i + 1)?;
        Ok(Some((key, doc as u32)))
    }
}

/// Writes a run's two files under temporary names, synced, then renames
/// them into place (they are not part of the index until a manifest lists
/// them).
fn write_run(
    dir: &Path,
    name: &str,
    permutations: usize,
    docs: &[NewDoc],
    mut bands: impl FnMut() -> Result<Option<(u64, u32)>>,
) -> Result<()> {
    let docs_path = dir.join(format!("{name}.docs"));
    let docs_tmp = dir.join(format!("{name}.docs.tmp"));
    {
        let file = File::create(&docs_tmp).map_err(io(&docs_tmp))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let mut head = Vec::with_capacity(DOCS_HEADER);
        head.extend_from_slice(DOCS_MAGIC);
        head.extend_from_slice(&VERSION.to_le_bytes());
        head.extend_from_slice(&(permutations as u32).to_le_bytes());
        head.extend_from_slice(&(docs.len() as u64).to_le_bytes());
        out.write_all(&head).map_err(io(&docs_tmp))?;
        let mut end = 0u64;
        for d in docs {
            end += (d.id.len() + 1 + d.file.len()) as u64;
            let mut r = [0u8; DOC_RECORD];
            r[..8].copy_from_slice(&d.exact.unwrap_or(0).to_le_bytes());
            r[8..16].copy_from_slice(&d.line.to_le_bytes());
            r[16..24].copy_from_slice(&end.to_le_bytes());
            let flags = if d.exact.is_some() { HAS_EXACT } else { 0 };
            r[24..].copy_from_slice(&flags.to_le_bytes());
            out.write_all(&r).map_err(io(&docs_tmp))?;
        }
        for d in docs {
            debug_assert_eq!(d.bits.len(), permutations);
            out.write_all(d.bits).map_err(io(&docs_tmp))?;
        }
        for d in docs {
            out.write_all(d.id.as_bytes()).map_err(io(&docs_tmp))?;
            out.write_all(b"\0").map_err(io(&docs_tmp))?;
            out.write_all(d.file.as_bytes()).map_err(io(&docs_tmp))?;
        }
        let file = out
            .into_inner()
            .map_err(|e| Error::io(&docs_tmp, e.into_error()))?;
        file.sync_all().map_err(io(&docs_tmp))?;
    }
    let keys_path = dir.join(format!("{name}.keys"));
    let keys_tmp = dir.join(format!("{name}.keys.tmp"));
    {
        let mut exact: Vec<(u64, u32)> = docs
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.exact.map(|e| (e, i as u32)))
            .collect();
        exact.sort_unstable();
        let file = File::create(&keys_tmp).map_err(io(&keys_tmp))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        // The header, with the bands' count filled in once known.
        out.write_all(&[0u8; KEYS_HEADER]).map_err(io(&keys_tmp))?;
        let record = |out: &mut BufWriter<File>, (k, d): (u64, u32)| {
            out.write_all(&k.to_le_bytes())?;
            out.write_all(&d.to_le_bytes())
        };
        for &r in &exact {
            record(&mut out, r).map_err(io(&keys_tmp))?;
        }
        let mut n_bands = 0u64;
        while let Some(r) = bands()? {
            record(&mut out, r).map_err(io(&keys_tmp))?;
            n_bands += 1;
        }
        let mut file = out
            .into_inner()
            .map_err(|e| Error::io(&keys_tmp, e.into_error()))?;
        let mut head = Vec::with_capacity(KEYS_HEADER);
        head.extend_from_slice(KEYS_MAGIC);
        head.extend_from_slice(&VERSION.to_le_bytes());
        head.extend_from_slice(&0u32.to_le_bytes());
        head.extend_from_slice(&(exact.len() as u64).to_le_bytes());
        head.extend_from_slice(&n_bands.to_le_bytes());
        use std::io::{Seek, SeekFrom};
        file.seek(SeekFrom::Start(0)).map_err(io(&keys_tmp))?;
        file.write_all(&head).map_err(io(&keys_tmp))?;
        file.sync_all().map_err(io(&keys_tmp))?;
    }
    std::fs::rename(&docs_tmp, &docs_path).map_err(io(&docs_path))?;
    std::fs::rename(&keys_tmp, &keys_path).map_err(io(&keys_path))?;
    sync_dir(dir)
}

/// The error of an operation on `path`.
fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = File::create(path).map_err(|e| Error::io(path, e))?;
    file.write_all(bytes).map_err(|e| Error::io(path, e))?;
    file.sync_all().map_err(|e| Error::io(path, e))
}

/// Makes the renames in `dir` durable.
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> IndexParams {
        IndexParams::of(&Config::default())
    }

    fn doc<'a>(id: &'a str, exact: u64, bits: &'a [u8]) -> NewDoc<'a> {
        NewDoc {
            id,
            file: "a.jsonl",
            line: 7,
            exact: Some(exact),
            bits,
        }
    }

    /// Bucket records of `docs`' keys, sorted, as a run hands them over.
    fn feed(mut records: Vec<(u64, u32)>) -> impl FnMut() -> Result<Option<(u64, u32)>> {
        records.sort_unstable();
        let mut it = records.into_iter();
        move || Ok(it.next())
    }

    #[test]
    fn added_documents_are_found_again_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let p = params();
        let bits_a = vec![1u8; p.permutations];
        let bits_b = vec![2u8; p.permutations];
        {
            let mut ix = Index::open(dir.path(), &p, true).unwrap();
            let docs = [doc("a", 10, &bits_a), doc("b", 20, &bits_b)];
            ix.add(&docs, feed(vec![(5, 0), (9, 1), (7, 1)])).unwrap();
            let more = [doc("c", 30, &bits_a)];
            ix.add(&more, feed(vec![(5, 0)])).unwrap();
        }
        let ix = Index::open(dir.path(), &p, false).unwrap();
        assert_eq!((ix.documents(), ix.runs()), (3, 2));
        assert_eq!(ix.doc(2).id, "c");
        assert_eq!((ix.doc(1).file.as_str(), ix.doc(1).line), ("a.jsonl", 7));
        let mut pairs = Vec::new();
        let keys = feed(vec![(5, 0), (7, 1), (8, 2)]);
        ix.candidates(true, keys, |d, of| pairs.push((d, of)))
            .unwrap();
        assert_eq!(pairs, vec![(0, 0), (0, 2), (1, 1)]);
        let q = ix.query(&bits_a, &[5], None, 10).unwrap();
        assert_eq!(
            q.iter().map(|h| h.0.id.as_str()).collect::<Vec<_>>(),
            ["a", "c"]
        );
        assert!(q.iter().all(|h| h.1 == 1.0));
    }

    /// An index in `dir` of one document, "a", with bucket key 1.
    fn index_of_one(dir: &Path, p: &IndexParams) {
        let bits = vec![0u8; p.permutations];
        Index::open(dir, p, true)
            .unwrap()
            .add(&[doc("a", 1, &bits)], feed(vec![(1, 0)]))
            .unwrap();
    }

    #[test]
    fn other_parameters_are_refused_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let p = params();
        index_of_one(dir.path(), &p);
        let other = IndexParams { seed: 7, ..p };
        let err = Index::open(dir.path(), &other, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("seed 42") && err.contains("seed 7"), "{err}");
    }

    #[test]
    fn a_second_writer_is_refused_and_readers_share() {
        let dir = tempfile::tempdir().unwrap();
        let p = params();
        let writer = Index::open(dir.path(), &p, true).unwrap();
        assert!(matches!(
            Index::open(dir.path(), &p, true),
            Err(Error::IndexBusy { .. })
        ));
        drop(writer);
        let bits = vec![0u8; p.permutations];
        Index::open(dir.path(), &p, true)
            .unwrap()
            .add(&[doc("a", 1, &bits)], feed(vec![]))
            .unwrap();
        let r1 = Index::open(dir.path(), &p, false).unwrap();
        let _r2 = Index::open(dir.path(), &p, false).unwrap();
        assert!(matches!(
            Index::open(dir.path(), &p, true),
            Err(Error::IndexBusy { .. })
        ));
        drop(r1);
    }

    #[test]
    fn compaction_keeps_every_document_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let p = params();
        let bits: Vec<Vec<u8>> = (0..4u8).map(|i| vec![i; p.permutations]).collect();
        let mut ix = Index::open(dir.path(), &p, true).unwrap();
        ix.add(
            &[doc("a", 1, &bits[0]), doc("b", 2, &bits[1])],
            feed(vec![(9, 0), (3, 1)]),
        )
        .unwrap();
        ix.add(
            &[doc("c", 3, &bits[2]), doc("d", 2, &bits[3])],
            feed(vec![(9, 1), (4, 0)]),
        )
        .unwrap();
        let before: Vec<_> = [3u64, 4, 9]
            .iter()
            .map(|&k| ix.query(&bits[0], &[k], None, 9).unwrap())
            .collect();
        ix.compact().unwrap();
        assert_eq!(ix.runs(), 1);
        let after: Vec<_> = [3u64, 4, 9]
            .iter()
            .map(|&k| ix.query(&bits[0], &[k], None, 9).unwrap())
            .collect();
        assert_eq!(before, after);
        assert_eq!(
            ix.query(&bits[0], &[], Some(2), 9).unwrap().len(),
            2,
            "b and d share an exact hash"
        );
        drop(ix);
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with("run-"))
            .collect();
        assert_eq!(names.len(), 2, "one run's two files: {names:?}");
    }

    #[test]
    fn a_key_naming_a_document_the_run_lacks_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let p = params();
        let bits = vec![0u8; p.permutations];
        let mut ix = Index::open(dir.path(), &p, true).unwrap();
        // A damaged run: its key names document 7 of a run of one.
        ix.add(&[doc("a", 1, &bits)], feed(vec![(5, 7)])).unwrap();
        let err = ix
            .candidates(true, feed(vec![(5, 0)]), |_, _| {})
            .unwrap_err();
        assert!(matches!(err, Error::IndexFormat { .. }), "{err}");
        assert!(ix.query(&bits, &[5], None, 9).is_err());
        assert!(ix.query(&bits, &[6], None, 9).unwrap().is_empty());
    }

    #[test]
    fn an_update_killed_before_its_manifest_leaves_the_old_index() {
        let dir = tempfile::tempdir().unwrap();
        let p = params();
        let bits = vec![0u8; p.permutations];
        index_of_one(dir.path(), &p);
        // What a run killed after writing its files, before the manifest, left.
        write_run(
            dir.path(),
            "run-000002",
            p.permutations,
            &[doc("b", 2, &bits)],
            feed(vec![]),
        )
        .unwrap();
        std::fs::write(dir.path().join("MANIFEST.json.tmp"), b"{").unwrap();
        let ix = Index::open(dir.path(), &p, true).unwrap();
        assert_eq!(ix.documents(), 1);
        assert!(!dir.path().join("run-000002.docs").exists());
        assert!(!dir.path().join("MANIFEST.json.tmp").exists());
    }
}
