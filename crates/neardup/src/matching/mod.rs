//! Document matching: which documents are copies of which.
//!
//! Takes, per document, the hash of the text the in-document rules keep
//! (exact copies), the b-bit signature of its content and whether the
//! content can be judged ([`judged`]), plus the LSH bucket records of the
//! judged documents. Gives each document its [`Verdict`]: kept, or dropped as
//! a copy of a kept document, with the similarity between the two.
//!
//! The policy: documents are taken in input order, and each is compared with
//! the documents already kept that share an LSH bucket or its exact text; it
//! is dropped as a copy of the most similar of them that reaches the
//! threshold (exact copies first, ties to the earliest), and kept when none
//! does. So every dropped document is verified directly against the one it
//! is reported as a copy of, never through a chain of neighbours (A like B,
//! B like C, so C goes as a copy of A), and the first of each group of
//! copies stays. This is the query-then-insert loop of an LSH index that
//! holds only kept documents, computed here in bounded memory:
//!
//! 1. exact groups and the buckets of the LSH bands join documents into
//!    candidate components (union-find); documents in no shared bucket are
//!    kept at once;
//! 2. the (component, document, bucket) records of the rest are sorted by an
//!    external sorter, so each component arrives whole, its documents in
//!    input order;
//! 3. each component is resolved on its own, with a map from bucket to the
//!    kept documents in it: memory follows the largest component's kept
//!    documents, not the corpus, and the result depends on nothing but the
//!    records' order, which is fixed.
//!
//! [`containment`] then finds documents cut short: a kept document whose
//! content is contained in a longer kept one.

pub mod cluster;
pub mod containment;
pub mod lsh;
pub mod verify;

use crate::error::Result;
use crate::removal::Original;
use crate::spill::{Record, Sorter};
use cluster::UnionFind;
use rustc_hash::FxHashMap;
use std::path::Path;

/// The rule by which a document was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Match {
    /// The same kept text as the earlier document.
    Exact = 1,
    /// Content similarity (estimated Jaccard) at or above the threshold.
    Near = 2,
    /// Content contained in a longer kept document.
    Contained = 3,
}

impl Match {
    /// The rule a document dropped by this match is reported under.
    pub fn rule(self) -> crate::removal::Rule {
        use crate::removal::Rule;
        match self {
            Match::Exact => Rule::ExactDocument,
            Match::Near => Rule::NearDuplicateDocument,
            Match::Contained => Rule::ContainedDuplicate,
        }
    }
}

/// What matching decided for one document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// The kept document it copies; itself when kept.
    pub of: u32,
    /// Estimated Jaccard similarity of the two contents (1 for exact copies).
    pub similarity: f32,
    /// For [`Match::Contained`]: the estimated share of its content's
    /// shingles that the kept document holds.
    pub containment: f32,
    /// How it matched; `None` when kept.
    pub by: Option<Match>,
}

impl Verdict {
    /// The verdict of a kept document.
    pub fn kept(doc: u32) -> Self {
        Verdict {
            of: doc,
            similarity: 1.0,
            containment: 0.0,
            by: None,
        }
    }

    /// Whether the document is kept.
    pub fn is_kept(&self) -> bool {
        self.by.is_none()
    }
}

/// The verdicts of `n` documents nothing is settled for yet: every one kept.
pub fn unsettled(n: usize) -> Vec<Verdict> {
    (0..n as u32).map(Verdict::kept).collect()
}

/// Words of content below which a document is too short to be judged a
/// near copy, for shingles of `shingle_size` words: three shingles' worth,
/// so that at least `2 * shingle_size + 1` shingles are compared.
pub fn min_content_words(shingle_size: usize) -> usize {
    3 * shingle_size
}

/// The share of its kept words that a document's content must have to be
/// judged: below it, most of what the document says is shared with other
/// documents (its site's template), and what is left is too small a part of
/// it to call the whole a copy.
pub const MIN_CONTENT_SHARE: f64 = 0.25;

/// Whether a document whose content has `content_words` of its
/// `kept_words` kept words can be judged a near copy (or be the document a
/// near copy is judged against). Exact copies of the kept text are always
/// copies.
pub fn judged(content_words: u32, kept_words: u32, shingle_size: usize) -> bool {
    content_words as usize >= min_content_words(shingle_size)
        && content_words as f64 >= MIN_CONTENT_SHARE * kept_words as f64
}

/// Bins of the histogram of candidate similarities.
pub const SIMILARITY_BINS: usize = 20;

/// The histogram bin of similarity `s`.
pub fn similarity_bin(s: f64) -> usize {
    ((s * SIMILARITY_BINS as f64) as usize).min(SIMILARITY_BINS - 1)
}

/// Pairs of each bin that [`Compared`] keeps, at most: enough to read what
/// a range of similarities holds, a few hundred kilobytes of report pages
/// whatever the corpus.
pub const PAIRS_PER_BIN: usize = 1_000;

/// A candidate pair that matching compared: a document, the earlier kept
/// document it was compared with, and their estimated similarity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ComparedPair {
    /// The document judged.
    pub doc: u32,
    /// The kept document it was compared with, of the run or of its index.
    pub with: Original,
    /// Their estimated Jaccard similarity.
    pub similarity: f32,
}

/// The candidate pairs matching compared, by estimated similarity in
/// [`SIMILARITY_BINS`] equal bins over [0, 1]: how many fell in each bin,
/// and the first [`PAIRS_PER_BIN`] of each in the order compared (which
/// does not depend on the thread count).
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    /// Pairs per bin.
    pub counts: Vec<u64>,
    /// The first pairs of each bin.
    pub pairs: Vec<Vec<ComparedPair>>,
}

impl Default for Compared {
    fn default() -> Self {
        Compared {
            counts: vec![0; SIMILARITY_BINS],
            pairs: vec![Vec::new(); SIMILARITY_BINS],
        }
    }
}

impl Compared {
    /// Counts the pair (`doc`, `with`) of similarity `s`.
    pub fn add(&mut self, doc: u32, with: Original, s: f64) {
        let bin = similarity_bin(s);
        self.counts[bin] += 1;
        if self.pairs[bin].len() < PAIRS_PER_BIN {
            self.pairs[bin].push(ComparedPair {
                doc,
                with,
                similarity: s as f32,
            });
        }
    }

    /// Adds the pairs of `later`, compared after these.
    pub fn extend(&mut self, later: Compared) {
        for (bin, pairs) in later.pairs.into_iter().enumerate() {
            self.counts[bin] += later.counts[bin];
            let room = PAIRS_PER_BIN - self.pairs[bin].len();
            self.pairs[bin].extend(pairs.into_iter().take(room));
        }
    }
}

/// What matching gives: a verdict per document, and the candidate pairs it
/// compared.
#[derive(Debug, Clone)]
pub struct Matched {
    /// Per document, in input order: kept, or dropped as a copy of which kept document.
    pub verdicts: Vec<Verdict>,
    /// The compared pairs by estimated similarity.
    pub compared: Compared,
}

/// A bucket of an exact group, told apart from the LSH buckets by its top bit.
const EXACT_BUCKET: u64 = 1 << 63;

/// A (component << 32 | document, bucket) record.
type Member = (u64, u64);

impl Record for (u64, u64) {
    const SIZE: usize = 16;
    fn write(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.0.to_le_bytes());
        out[8..16].copy_from_slice(&self.1.to_le_bytes());
    }
    fn read(b: &[u8]) -> Self {
        (
            u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
            u64::from_le_bytes(b[8..16].try_into().expect("8 bytes")),
        )
    }
}

/// Resolves every document (see the module documentation). `exact[d]` is
/// `None` for a document without words, which is never matched; `bands`
/// holds the (bucket key, document) records of the judged documents;
/// `similarity` estimates the Jaccard similarity of two documents' contents
/// (from their signatures). `settled` holds a verdict per document: those
/// dropped there (copies of documents an index holds, [`crate::index`]) stay
/// dropped and are no document's original; the rest are resolved here.
/// Temporary files go into `dir`, in at most `capacity` records of memory.
pub fn resolve(
    exact: &[Option<u64>],
    bands: Sorter<(u64, u32)>,
    similarity: impl Fn(u32, u32) -> f64,
    threshold: f64,
    settled: Vec<Verdict>,
    dir: &Path,
    capacity: usize,
) -> Result<Matched> {
    let n = exact.len();
    debug_assert_eq!(settled.len(), n);
    let mut uf = UnionFind::new(n);
    let mut buckets: Sorter<(u64, u32)> = Sorter::new("buckets", dir, capacity);

    // Exact groups: one bucket each.
    let mut by_exact: Vec<(u64, u32)> = exact
        .iter()
        .enumerate()
        .filter_map(|(d, e)| e.map(|e| (e, d as u32)))
        .collect();
    rayon::slice::ParallelSliceMut::par_sort_unstable(&mut by_exact[..]);
    let groups = by_exact.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1);
    for (group, run) in groups.enumerate() {
        for &(_, d) in run {
            uf.union(run[0].1, d);
            buckets.push((EXACT_BUCKET | group as u64, d))?;
        }
    }
    drop(by_exact);

    // LSH buckets shared by two documents or more.
    let mut bucket = 0u64;
    bands.sorted()?.for_each_group(
        |r| r.0,
        |run| {
            let first = run[0].1;
            if run.iter().all(|r| r.1 == first) {
                return Ok(());
            }
            for w in run.windows(2).filter(|w| w[0].1 != w[1].1) {
                uf.union(first, w[1].1);
            }
            for (i, r) in run.iter().enumerate() {
                if i == 0 || r.1 != run[i - 1].1 {
                    buckets.push((bucket, r.1))?;
                }
            }
            bucket += 1;
            Ok(())
        },
    )?;

    // Each bucket membership, by component and document.
    let label = uf.smallest_members();
    let mut members: Sorter<Member> = Sorter::new("members", dir, capacity);
    buckets.sorted()?.for_each_group(
        |r| r.0,
        |run| {
            for &(b, d) in run {
                members.push(((label[d as usize] as u64) << 32 | d as u64, b))?;
            }
            Ok(())
        },
    )?;

    let mut verdicts = settled;
    let mut compared = Compared::default();
    let mut component = Component::default();
    members.sorted()?.for_each_group(
        |r| r.0 >> 32,
        |run| {
            component.resolve(run, &similarity, threshold, &mut verdicts, &mut compared);
            Ok(())
        },
    )?;
    Ok(Matched { verdicts, compared })
}

/// The state of one component's resolution, reused between components.
#[derive(Default)]
struct Component {
    kept: FxHashMap<u64, Vec<u32>>,
    candidates: Vec<u32>,
}

impl Component {
    /// Resolves the documents of one component from its (component <<
    /// 32 | document, bucket) records, sorted.
    fn resolve(
        &mut self,
        run: &[Member],
        similarity: &impl Fn(u32, u32) -> f64,
        threshold: f64,
        verdicts: &mut [Verdict],
        compared: &mut Compared,
    ) {
        self.kept.clear();
        for doc in run.chunk_by(|a, b| a.0 == b.0) {
            let d = doc[0].0 as u32;
            if !verdicts[d as usize].is_kept() {
                continue;
            }
            let mut verdict = Verdict::kept(d);
            // An exact copy of a kept document: at most one is kept per group.
            let exact = doc
                .iter()
                .filter(|r| r.1 & EXACT_BUCKET != 0)
                .find_map(|r| self.kept.get(&r.1).and_then(|k| k.first()).copied());
            if let Some(of) = exact {
                verdict = Verdict {
                    of,
                    similarity: 1.0,
                    containment: 0.0,
                    by: Some(Match::Exact),
                };
            } else {
                self.candidates.clear();
                for r in doc.iter().filter(|r| r.1 & EXACT_BUCKET == 0) {
                    if let Some(k) = self.kept.get(&r.1) {
                        self.candidates.extend_from_slice(k);
                    }
                }
                self.candidates.sort_unstable();
                self.candidates.dedup();
                let mut best: Option<(f64, u32)> = None;
                for &c in &self.candidates {
                    let s = similarity(d, c);
                    compared.add(d, Original::Run(c), s);
                    if s >= threshold && best.is_none_or(|(b, _)| s > b) {
                        best = Some((s, c));
                    }
                }
                if let Some((s, of)) = best {
                    verdict = Verdict {
                        of,
                        similarity: s as f32,
                        containment: 0.0,
                        by: Some(Match::Near),
                    };
                }
            }
            if verdict.is_kept() {
                for r in doc {
                    self.kept.entry(r.1).or_default().push(d);
                }
            }
            verdicts[d as usize] = verdict;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Similarities given as (a, b, similarity in 256ths); 0 for other pairs.
    fn table(sims: &[(u32, u32, u8)]) -> impl Fn(u32, u32) -> f64 + '_ {
        move |a, b| {
            sims.iter()
                .find(|&&(x, y, _)| (x, y) == (a, b) || (x, y) == (b, a))
                .map_or(0.0, |&(_, _, s)| s as f64 / 256.0)
        }
    }

    /// Resolves documents whose pairwise similarities are given, with every
    /// pair of documents with a similarity sharing one LSH bucket.
    fn run(exact: &[Option<u64>], sims: &[(u32, u32, u8)], threshold: f64) -> Matched {
        run_settled(exact, sims, threshold, unsettled(exact.len()))
    }

    /// [`run`], with some verdicts settled beforehand.
    fn run_settled(
        exact: &[Option<u64>],
        sims: &[(u32, u32, u8)],
        threshold: f64,
        settled: Vec<Verdict>,
    ) -> Matched {
        let dir = tempfile::tempdir().unwrap();
        let mut bands = Sorter::new("b", dir.path(), 1024);
        for (k, &(a, b, _)) in sims.iter().enumerate() {
            bands.push((k as u64, a)).unwrap();
            bands.push((k as u64, b)).unwrap();
        }
        resolve(
            exact,
            bands,
            table(sims),
            threshold,
            settled,
            dir.path(),
            1024,
        )
        .unwrap()
    }

    #[test]
    fn no_chain_below_the_threshold() {
        // A ~ B (0.9), B ~ C (0.9), A ~ C (0.7): C is not a copy of A.
        let exact = [Some(1), Some(2), Some(3)];
        let m = run(&exact, &[(0, 1, 230), (1, 2, 230), (0, 2, 180)], 0.8);
        let v = &m.verdicts;
        assert!(v[0].is_kept());
        assert_eq!((v[1].of, v[1].by), (0, Some(Match::Near)));
        assert!(v[2].is_kept(), "C stays: its only match, B, was dropped");
    }

    #[test]
    fn a_settled_document_stays_dropped_and_is_no_original() {
        // 0 copies an indexed document; 1 and 2 copy 0 (2 exactly): they
        // are compared with the kept documents only, so 1 stays and 2 is
        // a near copy of 1.
        let exact = [Some(5), Some(6), Some(5)];
        let mut settled = unsettled(3);
        settled[0].by = Some(Match::Near);
        let m = run_settled(&exact, &[(0, 1, 240), (1, 2, 235)], 0.8, settled);
        let v = &m.verdicts;
        assert_eq!(v[0].by, Some(Match::Near), "settled, not resolved again");
        assert!(v[1].is_kept(), "its only match was dropped before");
        assert_eq!((v[2].of, v[2].by), (1, Some(Match::Near)));
    }

    #[test]
    fn exact_copies_go_first_and_follow_their_group() {
        let exact = [Some(7), Some(8), Some(7), None, Some(8)];
        let m = run(&exact, &[(0, 1, 240)], 0.8);
        let v = &m.verdicts;
        assert!(v[0].is_kept() && v[3].is_kept());
        assert_eq!((v[1].of, v[1].by), (0, Some(Match::Near)));
        assert_eq!((v[2].of, v[2].by), (0, Some(Match::Exact)));
        // 4 is an exact copy of 1, which was dropped: it is compared on its
        // own, and has no bucket with 0, so it stays.
        assert!(v[4].is_kept());
    }

    #[test]
    fn the_most_similar_kept_document_is_the_twin() {
        let exact = [Some(1), Some(2), Some(3)];
        let m = run(&exact, &[(0, 2, 215), (1, 2, 250), (0, 1, 10)], 0.8);
        assert_eq!(m.verdicts[2].of, 1);
        assert_eq!(m.compared.counts.iter().sum::<u64>(), 3);
    }

    #[test]
    fn compared_pairs_are_counted_all_and_listed_first_come_up_to_the_cap() {
        let mut first = Compared::default();
        for d in 0..PAIRS_PER_BIN as u32 + 5 {
            first.add(d, Original::Run(0), 0.83);
        }
        first.add(7, Original::Indexed(9), 0.12);
        let mut later = Compared::default();
        later.add(5_000, Original::Run(1), 0.84);
        later.add(5_001, Original::Run(1), 0.13);
        first.extend(later);
        let (high, low) = (similarity_bin(0.83), similarity_bin(0.12));
        assert_eq!(first.counts[high], PAIRS_PER_BIN as u64 + 6);
        assert_eq!(first.counts[low], 2);
        assert_eq!(first.counts.iter().sum::<u64>(), PAIRS_PER_BIN as u64 + 8);
        // The full bin lists its first pairs, in order; the other takes the later one.
        assert_eq!(first.pairs[high].len(), PAIRS_PER_BIN);
        assert!(first.pairs[high]
            .iter()
            .enumerate()
            .all(|(i, p)| p.doc == i as u32));
        let docs: Vec<(u32, Original)> = first.pairs[low].iter().map(|p| (p.doc, p.with)).collect();
        assert_eq!(docs, [(7, Original::Indexed(9)), (5_001, Original::Run(1))]);
    }

    proptest! {
        /// On random graphs of near-duplicate chains, no document is ever
        /// reported as a copy of a dropped one, of a later one, or at a
        /// similarity below the threshold; and every kept document that
        /// could have been a copy of an earlier kept one was compared.
        #[test]
        fn every_drop_is_verified_against_a_kept_earlier_twin(
            n in 2usize..40,
            raw in prop::collection::vec((0u32..40, 0u32..40, 150u8..=255), 0..120),
            threshold in 0.6f64..0.95,
        ) {
            let mut sims: Vec<(u32, u32, u8)> = raw
                .into_iter()
                .map(|(a, b, s)| (a % n as u32, b % n as u32, s))
                .filter(|(a, b, _)| a != b)
                .collect();
            sims.sort_by_key(|&(a, b, _)| (a.min(b), a.max(b)));
            sims.dedup_by_key(|&mut (a, b, _)| (a.min(b), a.max(b)));
            let exact: Vec<Option<u64>> = (0..n as u64).map(Some).collect();
            let m = run(&exact, &sims, threshold);
            let similarity = table(&sims);
            for (d, v) in m.verdicts.iter().enumerate() {
                if v.is_kept() {
                    for &(a, b, _) in &sims {
                        let other = if a as usize == d { b } else if b as usize == d { a } else { continue };
                        if (other as usize) < d && m.verdicts[other as usize].is_kept() {
                            prop_assert!(similarity(d as u32, other) < threshold);
                        }
                    }
                    continue;
                }
                prop_assert!((v.of as usize) < d);
                prop_assert!(m.verdicts[v.of as usize].is_kept());
                prop_assert!(v.similarity as f64 >= threshold - 1e-6);
                prop_assert!((similarity(d as u32, v.of) - v.similarity as f64).abs() < 1e-6);
            }
        }
    }
}
