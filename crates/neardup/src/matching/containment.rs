//! Documents cut short: a re-scrape that stopped early is a prefix of the
//! kept document it copies. Its Jaccard similarity with the whole is low
//! (a copy of the first third shares a third of the shingles), so near-copy
//! matching never finds it; its *containment* in the longer document, the
//! share of its shingles the longer one holds, is close to 1.
//!
//! Candidates are documents whose content opens with the same
//! [`PREFIX_WORDS`](crate::analyze::PREFIX_WORDS) words. Containment is
//! estimated from the two full MinHash signatures: for each permutation, the
//! minimum of the union falls in the intersection when the two minima are
//! equal, and in the part of the shorter document that the longer one lacks
//! when the shorter one's minimum is smaller. So, counting permutations,
//! `equal / (equal + shorter_smaller)` estimates `|A ∩ B| / |A|`, exactly 1
//! for a clean prefix, and `equal + shorter_smaller` is how many
//! permutations said anything about the shorter document: at least
//! [`MIN_INFORMATIVE`] are needed to judge, which a document a quarter the
//! length of the other gets from 128 permutations.
//!
//! The full signatures (four bytes a value, not the one byte that
//! verification keeps) go to a temporary file, read back only for
//! candidates. Longer documents are taken first; a document is dropped as
//! contained in the longer kept document that contains most of it, and a
//! document that another one was dropped as a copy of is never dropped
//! itself, so no drop leads to a dropped document.

use super::{Match, Verdict};
use crate::error::{Error, Result};
use crate::spill::Sorter;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Permutations that must speak about the shorter document for its
/// containment to be judged.
pub const MIN_INFORMATIVE: usize = 32;

/// Longer documents of one prefix group that a document is compared with.
pub const MAX_TARGETS: usize = 64;

/// The estimated containment of `short`'s set in `long`'s, from their full
/// signatures; `None` when too few permutations speak to it.
pub fn containment(short: &[u32], long: &[u32]) -> Option<f64> {
    let (mut equal, mut smaller) = (0usize, 0usize);
    for (s, l) in short.iter().zip(long) {
        equal += usize::from(s == l);
        smaller += usize::from(s < l);
    }
    let informative = equal + smaller;
    (informative >= MIN_INFORMATIVE).then(|| equal as f64 / informative as f64)
}

/// Full signatures of every document, in input order, in a temporary file:
/// each record is the number of shingles, then the signature.
pub struct SignatureFile {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    file: Option<File>,
    permutations: usize,
}

impl SignatureFile {
    /// A new signature file in `dir`, of `permutations` values per signature.
    pub fn create(dir: &Path, permutations: usize) -> Result<Self> {
        let path = dir.join(format!("neardup-signatures-{}.bin", std::process::id()));
        let file = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        Ok(SignatureFile {
            path,
            out: Some(BufWriter::with_capacity(1 << 20, file)),
            file: None,
            permutations,
        })
    }

    /// Appends the next document's record.
    pub fn push(&mut self, shingles: u32, signature: &[u32]) -> Result<()> {
        debug_assert_eq!(signature.len(), self.permutations);
        let out = self.out.as_mut().expect("written before it is read");
        let mut write = |v: u32| out.write_all(&v.to_le_bytes());
        write(shingles)
            .and_then(|()| signature.iter().try_for_each(|&v| write(v)))
            .map_err(|e| Error::io(&self.path, e))
    }

    /// The record of document `doc`: its shingle count and signature.
    fn read(&mut self, doc: u32, sig: &mut Vec<u32>) -> Result<u32> {
        if let Some(out) = self.out.take() {
            let file = out
                .into_inner()
                .map_err(|e| Error::io(&self.path, e.into_error()))?;
            self.file = Some(file);
        }
        let mut file = self.file.as_ref().expect("opened above");
        let len = 4 * (self.permutations + 1);
        let mut bytes = vec![0u8; len];
        file.seek(SeekFrom::Start(doc as u64 * len as u64))
            .and_then(|_| file.read_exact(&mut bytes))
            .map_err(|e| Error::io(&self.path, e))?;
        let mut words = bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")));
        let shingles = words.next().expect("a record");
        sig.clear();
        sig.extend(words);
        Ok(shingles)
    }
}

impl Drop for SignatureFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Drops every kept document whose content is contained, at `threshold` or
/// more, in a longer kept document with the same content prefix. `prefixes`
/// holds (prefix key, document) records.
/// `similarity` is the estimate that verdicts report.
pub fn find(
    prefixes: Sorter<(u64, u32)>,
    signatures: &mut SignatureFile,
    threshold: f64,
    similarity: impl Fn(u32, u32) -> f64,
    verdicts: &mut [Verdict],
) -> Result<()> {
    let mut target = vec![false; verdicts.len()];
    for v in verdicts.iter().filter(|v| !v.is_kept()) {
        target[v.of as usize] = true;
    }
    let mut group: Vec<(u32, u32, Vec<u32>)> = Vec::new();
    let mut sig = Vec::new();
    prefixes.sorted()?.for_each_group(
        |r| r.0,
        |run| {
            group.clear();
            for &(_, d) in run.iter().filter(|r| verdicts[r.1 as usize].is_kept()) {
                let shingles = signatures.read(d, &mut sig)?;
                group.push((shingles, d, sig.clone()));
            }
            if group.len() < 2 {
                return Ok(());
            }
            // Longest first; among equals, the earliest.
            group.sort_by_key(|g| (std::cmp::Reverse(g.0), g.1));
            let mut kept: Vec<usize> = Vec::new();
            for i in 0..group.len() {
                let (_, d, ref short) = group[i];
                let best = if target[d as usize] {
                    None
                } else {
                    kept.iter()
                        .take(MAX_TARGETS)
                        .filter_map(|&k| {
                            let c = containment(short, &group[k].2)?;
                            (c >= threshold).then_some((c, k))
                        })
                        .fold(None, |best: Option<(f64, usize)>, (c, k)| match best {
                            Some((b, _)) if b >= c => best,
                            _ => Some((c, k)),
                        })
                };
                match best {
                    Some((c, k)) => {
                        let of = group[k].1;
                        verdicts[d as usize] = Verdict {
                            of,
                            similarity: similarity(d, of) as f32,
                            containment: c as f32,
                            by: Some(Match::Contained),
                        };
                    }
                    None => kept.push(i),
                }
            }
            Ok(())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sketch::MinHasher;
    use crate::sketch::SketchParams;

    fn sig(h: &MinHasher, set: &[u32]) -> Vec<u32> {
        let mut s = vec![0; 128];
        h.sign(set, &mut s);
        s
    }

    #[test]
    fn a_prefix_is_contained_and_a_different_ending_is_not() {
        let h = MinHasher::new(SketchParams {
            permutations: 128,
            shingle_size: 5,
            seed: 3,
        });
        let whole: Vec<u32> = (0..1000u32)
            .map(|i| i.wrapping_mul(2_654_435_761))
            .collect();
        let long = sig(&h, &whole);
        assert_eq!(containment(&sig(&h, &whole[..500]), &long), Some(1.0));
        // Half of it, then something else: about one half.
        let mut half: Vec<u32> = whole[..250].to_vec();
        half.extend((0..250u32).map(|i| i.wrapping_mul(40_503) ^ 0x5555_5555));
        let c = containment(&sig(&h, &half), &long).unwrap();
        assert!((0.3..0.7).contains(&c), "{c}");
        // A twentieth: too few permutations speak about it.
        assert_eq!(containment(&sig(&h, &whole[..50]), &long), None);
    }

    proptest::proptest! {
        /// Documents that are prefixes of each other (chains of documents
        /// cut short) and others that share only an opening: every document
        /// dropped as contained names a longer document that stays, contained
        /// at or above the threshold, and a document that others were dropped
        /// as copies of stays.
        #[test]
        fn every_contained_drop_names_a_kept_longer_document(
            lengths in proptest::collection::vec((0usize..3, 40usize..600), 2..24),
            threshold in 0.8f64..0.98,
        ) {
            let h = MinHasher::new(SketchParams { permutations: 128, shingle_size: 5, seed: 5 });
            // Three bases sharing their first 20 shingles.
            let base = |b: usize, i: usize| -> u32 {
                if i < 20 { i as u32 } else { (i as u32).wrapping_mul(2_654_435_761) ^ (b as u32 * 40_503 + 17) }
            };
            let sets: Vec<Vec<u32>> = lengths
                .iter()
                .map(|&(b, n)| (0..n).map(|i| base(b, i)).collect())
                .collect();
            let dir = tempfile::tempdir().unwrap();
            let mut file = SignatureFile::create(dir.path(), 128).unwrap();
            let mut prefixes = Sorter::new("p", dir.path(), 1024);
            let sigs: Vec<Vec<u32>> = sets.iter().map(|s| sig(&h, s)).collect();
            for (d, (set, sg)) in sets.iter().zip(&sigs).enumerate() {
                file.push(set.len() as u32, sg).unwrap();
                prefixes.push((1, d as u32)).unwrap();
            }
            let mut verdicts: Vec<Verdict> = (0..sets.len() as u32).map(Verdict::kept).collect();
            // Document 0 is the twin of an exact copy dropped before.
            let mut protected = None;
            if sets.len() > 2 {
                verdicts[1] = Verdict { of: 0, similarity: 1.0, containment: 0.0, by: Some(Match::Exact) };
                protected = Some(0);
            }
            find(prefixes, &mut file, threshold, |_, _| 0.5, &mut verdicts).unwrap();
            for (d, v) in verdicts.iter().enumerate() {
                if v.by != Some(Match::Contained) {
                    continue;
                }
                proptest::prop_assert!(Some(d) != protected);
                let of = v.of as usize;
                proptest::prop_assert!(verdicts[of].is_kept());
                proptest::prop_assert!(
                    sets[of].len() > sets[d].len() || (sets[of].len() == sets[d].len() && of < d)
                );
                proptest::prop_assert!(v.containment as f64 >= threshold);
                proptest::prop_assert_eq!(Some(v.containment as f64), containment(&sigs[d], &sigs[of]));
            }
        }
    }
}
