//! Word n-gram shingles. Each token is hashed once by the tokenizer; a shingle
//! hash folds the hashes of its `k` tokens in order, so no shingle text is
//! ever built and nothing is allocated per shingle.

/// The final mixer of MurmurHash3: a bijection on u64 that spreads every input
/// bit over every output bit.
#[inline(always)]
pub fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Order-sensitive hash of a run of token hashes.
#[inline(always)]
pub fn combine(tokens: &[u64]) -> u64 {
    let mut h = 0x9e37_79b9_7f4a_7c15u64 ^ tokens.len() as u64;
    for &t in tokens {
        h = (h ^ t).wrapping_mul(0x2127_599b_f432_5c37).rotate_left(31);
    }
    fmix64(h)
}

/// Appends to `out` the 32-bit shingle hashes of `tokens` with `k` tokens per
/// shingle. A text shorter than `k` tokens (and not empty) is one shingle.
pub fn shingles(tokens: &[u64], k: usize, out: &mut Vec<u32>) {
    if tokens.is_empty() {
        return;
    }
    if tokens.len() <= k {
        out.push(fold(combine(tokens)));
        return;
    }
    // The common sizes with `k` known when compiled, so that each window's
    // fold is unrolled: the same hashes as the loop of any other size.
    match k {
        3 => windows::<3>(tokens, out),
        4 => windows::<4>(tokens, out),
        5 => windows::<5>(tokens, out),
        _ => out.extend(tokens.windows(k).map(|w| fold(combine(w)))),
    }
}

/// [`shingles`] of `K` tokens each, for a text longer than `K` tokens.
fn windows<const K: usize>(tokens: &[u64], out: &mut Vec<u32>) {
    out.extend(tokens.windows(K).map(|w| {
        let w: &[u64; K] = w.try_into().expect("windows of K tokens");
        fold(combine(w))
    }));
}

#[inline(always)]
fn fold(h: u64) -> u32 {
    (h ^ (h >> 32)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_are_one_shingle_and_order_matters() {
        let mut out = Vec::new();
        shingles(&[1, 2], 5, &mut out);
        assert_eq!(out.len(), 1);
        out.clear();
        shingles(&[1, 2, 3, 4, 5, 6], 5, &mut out);
        assert_eq!(out.len(), 2);
        assert_ne!(combine(&[1, 2]), combine(&[2, 1]));
        out.clear();
        shingles(&[], 5, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn every_size_folds_each_window_alike() {
        let tokens: Vec<u64> = (0..40u64).map(|i| fmix64(i + 1)).collect();
        for k in 1..=7 {
            let mut out = Vec::new();
            shingles(&tokens, k, &mut out);
            let want: Vec<u32> = tokens.windows(k).map(|w| fold(combine(w))).collect();
            assert_eq!(out, want, "k = {k}");
        }
    }
}
