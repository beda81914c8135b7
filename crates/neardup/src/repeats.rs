//! Repeats inside one document: a body captured twice, a paragraph pasted
//! again with small edits. The first occurrence stays; later ones go.
//!
//! Exact repeats (same normalised text) are found by hash. Near repeats use
//! the segment MinHash signatures: LSH bands within the document give
//! candidates, and the exact Jaccard similarity of the two shingle sets
//! decides. Short segments (fewer than `min_words` words: headings, bylines,
//! "Advertisement") are too common to remove on their own; a short repeat goes
//! only when it sits inside a run of removed repeats, i.e. when it is part of
//! a repeated block.

use crate::matching::lsh::band_keys;
use crate::matching::lsh::LshParams;
use crate::removal::{Removal, Rule, Twin};
use crate::sketch::shingles;
use rustc_hash::FxHashMap as HashMap;

/// What the repeat finder needs to know about one segment.
#[derive(Debug, Clone, Copy)]
pub struct SegmentKey<'a> {
    /// Where the segment is, for the twin reference.
    pub span: crate::text::Segment,
    /// Number of normalised words.
    pub words: usize,
    /// Hash of the normalised word sequence.
    pub exact: u64,
    /// MinHash signature, for segments long enough to have one.
    pub signature: Option<&'a [u32]>,
    /// The segment's token hashes, to build its shingle set when a
    /// candidate needs checking.
    pub tokens: &'a [u64],
}

/// Settings of the repeat finder.
#[derive(Debug, Clone, Copy)]
pub struct RepeatParams {
    /// Shortest paragraph, in words, that is compared.
    pub min_words: usize,
    /// Words per shingle.
    pub shingle_size: usize,
    /// Jaccard similarity from which a paragraph is a repeat.
    pub threshold: f64,
    /// Banding of paragraph signatures.
    pub lsh: LshParams,
    /// Seed of the paragraph hashers.
    pub seed: u64,
}

/// Finds repeated segments of document `doc`; `removals` (one per segment)
/// receives a removal for every later copy, with its kept twin.
pub fn find(
    doc: u32,
    segs: &[SegmentKey],
    params: &RepeatParams,
    removals: &mut [Option<Removal>],
) {
    let twin = |segment: usize, similarity: f64| Twin {
        doc,
        segment: segment as u32,
        similarity: similarity as f32,
        start: segs[segment].span.start,
        end: segs[segment].span.end,
    };
    let mut first: HashMap<u64, usize> = HashMap::default();
    let mut short = Vec::new();
    for (i, s) in segs.iter().enumerate() {
        if s.words == 0 || removals[i].is_some() {
            continue;
        }
        match first.get(&s.exact) {
            Some(&j) if s.words >= params.min_words => {
                removals[i] = Some(Removal::with_twin(Rule::ExactRepeat, twin(j, 1.0)));
            }
            Some(&j) => short.push((i, j)),
            None => {
                first.insert(s.exact, i);
            }
        }
    }

    // The kept segments under each band key, as lists threaded through one
    // vector (the key's last entry, then each entry's predecessor), so that
    // a key costs no allocation of its own.
    let mut buckets: HashMap<u64, usize> = HashMap::default();
    let mut entries: Vec<(usize, Option<usize>)> = Vec::new();
    let set = |i: usize| {
        let mut s = Vec::new();
        shingles(segs[i].tokens, params.shingle_size, &mut s);
        s.sort_unstable();
        s.dedup();
        s
    };
    let mut keys = Vec::new();
    for (i, s) in segs.iter().enumerate() {
        let Some(sig) = s.signature else { continue };
        keys.clear();
        band_keys(sig, params.lsh, params.seed, &mut keys);
        if removals[i].is_none() {
            let mut best: Option<(usize, f64)> = None;
            let mut candidates: Vec<usize> = Vec::new();
            for k in &keys {
                let mut at = buckets.get(k).copied();
                while let Some(e) = at {
                    candidates.push(entries[e].0);
                    at = entries[e].1;
                }
            }
            candidates.sort_unstable();
            candidates.dedup();
            let mine = if candidates.is_empty() {
                Vec::new()
            } else {
                set(i)
            };
            for j in candidates {
                let sim = jaccard(&set(j), &mine);
                if sim >= params.threshold && best.is_none_or(|(_, bs)| sim > bs) {
                    best = Some((j, sim));
                }
            }
            if let Some((j, sim)) = best {
                removals[i] = Some(Removal::with_twin(Rule::NearRepeat, twin(j, sim)));
            }
        }
        // Only kept segments can be twins.
        if removals[i].is_none() {
            for &k in &keys {
                let before = buckets.insert(k, entries.len());
                entries.push((i, before));
            }
        }
    }

    // A short repeat joins a removed neighbour when the block was copied: its
    // earlier copy stands next to the neighbour's twin, on the same side.
    // Repeated cells of a table or a list do not line up like that. Repeat
    // until nothing changes.
    let content: Vec<usize> = (0..segs.len()).filter(|&i| segs[i].words > 0).collect();
    let position: HashMap<usize, usize> =
        content.iter().enumerate().map(|(p, &i)| (i, p)).collect();
    let is_repeat = |r: &Option<Removal>| {
        r.is_some_and(|r| {
            matches!(
                r.rule,
                Rule::ExactRepeat | Rule::NearRepeat | Rule::RepeatedBlock
            )
        })
    };
    loop {
        let mut changed = false;
        for &(i, j) in &short {
            if removals[i].is_some() {
                continue;
            }
            let (p, pj) = (position[&i], position[&j]);
            let joined = [-1isize, 1].into_iter().any(|step| {
                let at = |q: usize| q.checked_add_signed(step).and_then(|q| content.get(q));
                match (at(p), at(pj)) {
                    (Some(&n), Some(&beside_twin)) => {
                        is_repeat(&removals[n])
                            && removals[n].and_then(|r| r.twin).map(|t| t.segment as usize)
                                == Some(beside_twin)
                    }
                    _ => false,
                }
            });
            if joined {
                removals[i] = Some(Removal::with_twin(Rule::RepeatedBlock, twin(j, 1.0)));
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// Exact Jaccard similarity of two sorted sets without repeats.
pub fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut both) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    both as f64 / (a.len() + b.len() - both) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(texts: &[&str]) -> Vec<(usize, u64)> {
        texts
            .iter()
            .map(|t| {
                (
                    t.split_whitespace().count(),
                    xxhash_rust::xxh3::xxh3_64(t.as_bytes()),
                )
            })
            .collect()
    }

    fn run(texts: &[&str]) -> Vec<Option<Rule>> {
        let k = keys(texts);
        let segs: Vec<SegmentKey> = k
            .iter()
            .map(|&(words, exact)| SegmentKey {
                span: crate::text::Segment { start: 0, end: 0 },
                words,
                exact,
                signature: None,
                tokens: &[],
            })
            .collect();
        let params = RepeatParams {
            min_words: 4,
            shingle_size: 3,
            threshold: 0.7,
            lsh: LshParams { bands: 1, rows: 1 },
            seed: 0,
        };
        let mut removals = vec![None; segs.len()];
        find(0, &segs, &params, &mut removals);
        removals.into_iter().map(|r| r.map(|r| r.rule)).collect()
    }

    #[test]
    fn short_lines_of_a_copied_block_go_with_it() {
        let long1 = "first long paragraph of the body";
        let long2 = "second long paragraph of the body";
        let r = run(&["Title", long1, "Heading", long2, long1, "Heading", long2]);
        assert_eq!(
            r,
            [
                None,
                None,
                None,
                None,
                Some(Rule::ExactRepeat),
                Some(Rule::RepeatedBlock),
                Some(Rule::ExactRepeat)
            ]
        );
    }

    #[test]
    fn repeated_table_cells_stay() {
        let row = "a long row of the table here";
        let r = run(&["Basic", "Best", row, "Best", "Basic", row, "Best"]);
        assert_eq!(r.iter().filter(|x| x.is_some()).count(), 1, "{r:?}");
    }

    #[test]
    fn jaccard_of_sorted_sets() {
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
        assert_eq!(jaccard(&[], &[1]), 0.0);
        assert_eq!(jaccard(&[], &[]), 1.0);
    }
}
