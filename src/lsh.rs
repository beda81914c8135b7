//! Banding: signatures become (bucket key, item) records, and items that share
//! a bucket become candidate pairs.
//!
//! Candidates come from sorting the records, not from a hash map of buckets:
//! the records go through an external sorter ([`crate::spill`]) whose runs
//! spill to disk past a memory budget, and a linear scan of the merged stream
//! gives the pairs; the same shape runs on a distributed shuffle.

use crate::config::LshParams;
use crate::error::Result;
use crate::spill::Merged;
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// A bucket key (band included) and the item that falls in it.
pub type BandRecord = (u64, u32);

/// Appends the `bands` bucket keys of one signature to `out`. Each key hashes
/// the band's values (little-endian, so every platform agrees) with a seed
/// that includes the band number, so equal values in different bands never
/// share a bucket.
pub fn band_keys(sig: &[u32], lsh: LshParams, seed: u64, out: &mut Vec<u64>) {
    let mut buf = Vec::with_capacity(lsh.rows * 4);
    for band in 0..lsh.bands {
        buf.clear();
        for v in &sig[band * lsh.rows..(band + 1) * lsh.rows] {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        out.push(xxh3_64_with_seed(
            &buf,
            seed ^ (band as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
        ));
    }
}

/// Candidate pairs `(a, b)` with `a < b` from bucket records sorted by an
/// external sorter, in order and without repeats. In each bucket, every
/// item is paired with the bucket's smallest item (a star, not all pairs), so
/// a bucket of `n` identical items costs `n - 1` pairs rather than `n^2 / 2`;
/// union-find still joins them all.
pub fn candidates(records: Merged<BandRecord>) -> Result<Vec<(u32, u32)>> {
    let mut pairs = Vec::new();
    records.for_each_group(
        |r| r.0,
        |bucket| {
            pairs.extend(
                bucket
                    .windows(2)
                    .filter(|w| w[0] != w[1])
                    .map(|w| (bucket[0].1, w[1].1)),
            );
            Ok(())
        },
    )?;
    pairs.par_sort_unstable();
    pairs.dedup();
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spill::Sorter;

    fn pairs(records: &[(u64, u32)]) -> Vec<(u32, u32)> {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Sorter::new("lsh", dir.path(), 1024);
        for &r in records {
            s.push(r).unwrap();
        }
        candidates(s.sorted().unwrap()).unwrap()
    }

    #[test]
    fn shared_band_makes_a_candidate() {
        let lsh = LshParams { bands: 4, rows: 2 };
        let a = [1, 2, 3, 4, 5, 6, 7, 8];
        let b = [9, 9, 9, 9, 9, 9, 7, 8]; // last band equal
        let c = [7, 8, 9, 9, 9, 9, 9, 9]; // same values as a's last band, other band
        let mut records = Vec::new();
        for (item, sig) in [a, b, c].iter().enumerate() {
            let mut keys = Vec::new();
            band_keys(sig, lsh, 1, &mut keys);
            records.extend(keys.into_iter().map(|k| (k, item as u32)));
        }
        assert_eq!(pairs(&records), vec![(0, 1), (1, 2)]);
    }

    #[test]
    fn buckets_pair_with_their_smallest_item() {
        let records = [(5, 3), (5, 1), (5, 2), (6, 2), (6, 3), (5, 1)];
        assert_eq!(pairs(&records), vec![(1, 2), (1, 3), (2, 3)]);
    }
}
