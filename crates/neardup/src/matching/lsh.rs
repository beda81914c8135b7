//! Banding: signatures become (bucket key, item) records; items that share a
//! bucket are candidates ([`super::resolve`]).
//!
//! Buckets come from sorting the records, not from a hash map of buckets:
//! the records go through an external sorter ([`crate::spill`]) whose runs
//! spill to disk past a memory budget, and a linear scan of the merged stream
//! gives the buckets; the same shape runs on a distributed shuffle.

use crate::config::LshParams;
use xxhash_rust::xxh3::xxh3_64_with_seed;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_bands_share_a_bucket_and_other_bands_never_do() {
        let lsh = LshParams { bands: 4, rows: 2 };
        let a = [1, 2, 3, 4, 5, 6, 7, 8];
        let b = [9, 9, 9, 9, 9, 9, 7, 8]; // last band equal
        let c = [7, 8, 9, 9, 9, 9, 9, 9]; // a's last band's values, in another band
        let keys = |sig: &[u32]| {
            let mut k = Vec::new();
            band_keys(sig, lsh, 1, &mut k);
            k
        };
        let (ka, kb, kc) = (keys(&a), keys(&b), keys(&c));
        assert_eq!(ka[3], kb[3]);
        assert!((0..3).all(|i| ka[i] != kb[i]));
        assert!(kc.iter().all(|k| !ka.contains(k)));
        assert_eq!(&kb[1..3], &kc[1..3], "b and c share their middle bands");
    }
}
