//! Runs the stages in order and nothing else:
//!
//! 1. read + analyse: every document becomes a [`DocSketch`] (parallel, in
//!    batches, so memory holds sketches, not texts);
//! 2. match documents: exact hashes and LSH candidates, verified, clustered;
//! 3. corpus templates over the kept documents;
//! 4. shared passages between kept documents;
//! 5. the plan.
//!
//! The text is read again by the writer ([`crate::output`]), which checks that
//! every document is unchanged since the first pass.

use crate::analyze::{Analyzer, DocSketch, Scratch};
use crate::boilerplate::structural::{self, TailFacts};
use crate::boilerplate::template;
use crate::cluster::components;
use crate::config::{Config, OnError};
use crate::corpus::{self, Document, Fields, Input};
use crate::error::{Error, Result};
use crate::lsh::{band_keys, candidate_pairs};
use crate::passages::{self, Item};
use crate::plan::{self, DocPlan, Fate, Removal, Rule, Twin};
use crate::sketch::minhash::{similarity, Signatures};
use crate::text::Segment;
use crate::verify::verify;
use bitvec::vec::BitVec;
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What is known of one document after analysis.
#[derive(Debug, Clone)]
pub struct DocRecord {
    pub id: String,
    pub input: u32,
    pub file: PathBuf,
    pub line: u64,
    pub text_hash: u64,
    pub bytes: u32,
    pub words: u32,
    /// Words the document is matched on (after the in-document rules).
    pub matched_words: u32,
    pub segments: Vec<Segment>,
    pub plan: DocPlan,
}

/// A document left out because it could not be read (with `--on-error skip`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Skipped {
    pub file: String,
    /// The error, naming the file and line.
    pub reason: String,
}

/// The result of a run, before anything is written.
#[derive(Debug)]
pub struct Analysis {
    pub config: Config,
    pub inputs: Vec<Input>,
    pub docs: Vec<DocRecord>,
    pub skipped: Vec<Skipped>,
    /// Corpus templates found: (segment of a document that holds it, count).
    pub templates: Vec<(Twin, u32)>,
    /// Wall time per stage, for the human summary.
    pub timings: Vec<(&'static str, Duration)>,
}

/// Documents analysed per parallel batch.
const BATCH_DOCS: usize = 4096;
const BATCH_BYTES: usize = 64 << 20;

struct Sketched {
    docs: Vec<DocRecord>,
    exact: Vec<u64>,
    doc_sigs: Signatures,
    /// Per document: per segment, template key and number of words.
    templates: Vec<Vec<(u64, u32)>>,
    /// Per document: first row in `seg_sigs` and which segments are signed.
    seg_rows: Vec<(u32, BitVec)>,
    /// Per document: what the trailing-block rule needs.
    tails: Vec<Vec<TailFacts>>,
    seg_sigs: Signatures,
    skipped: Vec<Skipped>,
}

/// Reads and analyses `paths` with `config` (validated here).
pub fn analyze(paths: &[PathBuf], config: Config) -> Result<Analysis> {
    let config = config.validate()?;
    let mut timings = Vec::new();
    let t = Instant::now();
    let inputs = corpus::discover(paths)?;
    let mut s = sketch_corpus(&inputs, &config)?;
    timings.push(("read + sketch", t.elapsed()));

    let t = Instant::now();
    let survivors = match_documents(&s, &config);
    let fates = plan::fates(
        &survivors,
        |d, k| s.exact[d as usize] == s.exact[k as usize],
        |d, k| similarity(s.doc_sigs.row(d as usize), s.doc_sigs.row(k as usize)) as f32,
    );
    for (doc, fate) in s.docs.iter_mut().zip(fates) {
        doc.plan.fate = fate;
    }
    timings.push(("match documents", t.elapsed()));

    let t = Instant::now();
    let templates = apply_corpus_rules(&mut s, config.template_min_docs);
    timings.push(("corpus templates + trailing blocks", t.elapsed()));

    let t = Instant::now();
    apply_shared(&mut s, &config);
    timings.push(("shared passages", t.elapsed()));

    Ok(Analysis {
        config,
        inputs,
        docs: s.docs,
        skipped: s.skipped,
        templates,
        timings,
    })
}

fn sketch_corpus(inputs: &[Input], config: &Config) -> Result<Sketched> {
    let analyzer = Analyzer::new(config);
    let fields = Fields {
        text: config.text_field.clone(),
        id: config.id_field.clone(),
    };
    let mut out = Sketched {
        docs: Vec::new(),
        exact: Vec::new(),
        doc_sigs: Signatures::new(config.doc_sketch),
        templates: Vec::new(),
        seg_rows: Vec::new(),
        tails: Vec::new(),
        seg_sigs: Signatures::new(config.segment_sketch),
        skipped: Vec::new(),
    };
    let mut batch: Vec<Document> = Vec::new();
    let mut batch_bytes = 0;
    for (index, input) in inputs.iter().enumerate() {
        corpus::read(input, index as u32, &fields, &mut |doc| {
            let doc = match doc {
                Ok(doc) => doc,
                Err(e) if config.on_error == OnError::Skip => {
                    out.skipped.push(Skipped {
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
                flush(&analyzer, &mut batch, &mut out)?;
                batch_bytes = 0;
            }
            Ok(())
        })?;
    }
    flush(&analyzer, &mut batch, &mut out)?;
    Ok(out)
}

fn flush(analyzer: &Analyzer, batch: &mut Vec<Document>, out: &mut Sketched) -> Result<()> {
    let base = out.docs.len();
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
    for (doc, sketch) in batch.drain(..).zip(sketches) {
        out.exact.push(sketch.exact);
        out.doc_sigs.push(&sketch.signature);
        out.templates.push(
            sketch
                .segments
                .iter()
                .map(|s| (s.template, s.words))
                .collect(),
        );
        out.seg_rows.push((
            out.seg_sigs.len() as u32,
            sketch.segments.iter().map(|s| s.signed).collect(),
        ));
        out.tails.push(sketch.tail);
        for row in sketch
            .segment_signatures
            .chunks_exact(out.seg_sigs.params().permutations)
        {
            out.seg_sigs.push(row);
        }
        out.docs.push(DocRecord {
            id: doc.id,
            input: doc.input,
            file: doc.file,
            line: doc.line,
            text_hash: sketch.text_hash,
            bytes: sketch.bytes,
            words: sketch.words,
            matched_words: sketch.matched_words,
            segments: sketch.segments.iter().map(|s| s.span).collect(),
            plan: DocPlan {
                fate: Fate::Kept,
                removals: sketch.removals,
                shared: Vec::new(),
            },
        });
    }
    Ok(())
}

/// Near-duplicate documents: every document labelled with the first
/// document of its cluster. Documents with no words left after the
/// in-document rules are never matched.
fn match_documents(s: &Sketched, config: &Config) -> Vec<u32> {
    let n = s.docs.len();
    let has_words = |d: usize| s.docs[d].matched_words > 0;

    // Exact copies: same normalised text.
    let mut by_exact: Vec<(u64, u32)> = (0..n)
        .filter(|&d| has_words(d))
        .map(|d| (s.exact[d], d as u32))
        .collect();
    by_exact.par_sort_unstable();
    let mut edges: Vec<(u32, u32)> = by_exact
        .chunk_by(|a, b| a.0 == b.0)
        .flat_map(|run| run[1..].iter().map(move |&(_, d)| (run[0].1, d)))
        .collect();

    // Near copies: LSH candidates verified on the full signature.
    let lsh = config.doc_lsh();
    let seed = config.doc_sketch.seed;
    let records: Vec<(u64, u32)> = (0..n)
        .into_par_iter()
        .filter(|&d| has_words(d))
        .flat_map_iter(|d| {
            let mut keys = Vec::with_capacity(lsh.bands);
            band_keys(s.doc_sigs.row(d), lsh, seed, &mut keys);
            keys.into_iter().map(move |k| (k, d as u32))
        })
        .collect();
    let pairs = candidate_pairs(records);
    edges.extend(
        verify(&pairs, &s.doc_sigs, config.threshold)
            .into_iter()
            .map(|e| (e.a, e.b)),
    );
    components(n, edges)
}

/// Marks corpus templates and trailing blocks in kept documents; returns one
/// example of each template with its document count, most frequent first.
fn apply_corpus_rules(s: &mut Sketched, min_docs: usize) -> Vec<(Twin, u32)> {
    let kept = |d: &DocRecord| d.plan.fate == Fate::Kept;
    let records: Vec<(u64, u32)> = s
        .docs
        .iter()
        .enumerate()
        .filter(|(_, d)| kept(d))
        .flat_map(|(d, _)| {
            s.templates[d]
                .iter()
                .filter(|(_, words)| *words > 0)
                .map(move |&(key, _)| (key, d as u32))
        })
        .collect();
    let found = template::find(records, min_docs);
    let mut examples: Vec<(Twin, u32)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (d, rec) in s.docs.iter_mut().enumerate() {
        if !kept(rec) {
            continue;
        }
        // Both rules read their neighbours and only ever add removals: apply
        // them until nothing changes, so a second cleaning finds nothing.
        let facts = &s.tails[d];
        let removed = |r: &[Option<Removal>]| r.iter().filter(|x| x.is_some()).count();
        let marks = template::mark(&s.templates[d], &found, &mut rec.plan.removals);
        loop {
            let before = removed(&rec.plan.removals);
            if !facts.is_empty() {
                structural::trailing_block(facts, &mut rec.plan.removals);
            }
            template::mark(&s.templates[d], &found, &mut rec.plan.removals);
            if removed(&rec.plan.removals) == before {
                break;
            }
        }
        for i in marks {
            let (key, _) = s.templates[d][i];
            if seen.insert(key) {
                let twin = Twin {
                    doc: d as u32,
                    segment: i as u32,
                    similarity: 1.0,
                };
                let count = template::lookup(&found, key).expect("marked segments are templates");
                examples.push((twin, count));
            }
        }
    }
    examples.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(a.0.doc.cmp(&b.0.doc))
            .then(a.0.segment.cmp(&b.0.segment))
    });
    examples
}

/// Finds passages shared between kept documents; removes them when asked.
fn apply_shared(s: &mut Sketched, config: &Config) {
    let mut items = Vec::new();
    let mut sigs = Signatures::new(config.segment_sketch);
    for (d, rec) in s.docs.iter().enumerate() {
        if rec.plan.fate != Fate::Kept {
            continue;
        }
        let (mut row, signed) = (s.seg_rows[d].0 as usize, &s.seg_rows[d].1);
        for i in signed.iter_ones() {
            if rec.plan.removals[i].is_none() {
                items.push(Item {
                    doc: d as u32,
                    segment: i as u32,
                });
                sigs.push(s.seg_sigs.row(row));
            }
            row += 1;
        }
    }
    let matches = passages::find(
        &items,
        &sigs,
        config.segment_lsh(),
        config.segment_sketch.seed,
        config.segment_threshold,
    );
    // A twin must be kept text: when the earlier segment is itself a shared
    // copy that will be removed, point at the segment it copies.
    let earlier_of: std::collections::HashMap<Item, (Item, f32)> = matches
        .iter()
        .map(|m| (m.later, (m.earlier, m.similarity)))
        .collect();
    for m in &matches {
        let mut earlier = m.earlier;
        if config.remove_shared {
            while let Some(&(e, _)) = earlier_of.get(&earlier) {
                earlier = e;
            }
        }
        let twin = Twin {
            doc: earlier.doc,
            segment: earlier.segment,
            similarity: m.similarity,
        };
        let plan = &mut s.docs[m.later.doc as usize].plan;
        if config.remove_shared {
            plan.removals[m.later.segment as usize] =
                Some(Removal::with_twin(Rule::SharedPassage, twin));
        } else {
            plan.shared.push((m.later.segment, twin));
        }
    }
}
