//! MinHash signatures.
//!
//! Permutation `i` maps a 32-bit shingle hash `x` to `a_i * x + b_i (mod 2^32)`
//! with `a_i` odd: a bijection of the 32-bit space, so each permutation's
//! minimum is equally likely to fall on any shingle and two sets agree on it
//! with probability equal to their Jaccard similarity. The shingle hashes are
//! already pseudo-random (xxh3), which is what makes an affine family enough.
//! All lanes are computed in fixed-width blocks of u32 that the compiler turns
//! into AVX2 or AVX-512 instructions; the CPU's support is checked at run time,
//! so one binary runs everywhere and gives the same bits everywhere.

use crate::sketch::SketchParams;

/// Computes signatures for one set of [`SketchParams`].
#[derive(Debug, Clone)]
pub struct MinHasher {
    params: SketchParams,
    a: Vec<u32>,
    b: Vec<u32>,
}

/// SplitMix64: a seeded, platform-independent stream for the permutation
/// coefficients.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl MinHasher {
    /// A hasher of `params.permutations` permutations drawn from `params.seed`.
    pub fn new(params: SketchParams) -> Self {
        let mut state = params.seed ^ 0x6e65_6172_6475_7021; // "neardup!"
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..params.permutations {
            let r = splitmix64(&mut state);
            a.push((r as u32) | 1);
            b.push((r >> 32) as u32);
        }
        MinHasher { params, a, b }
    }

    /// The parameters it was made with.
    pub fn params(&self) -> SketchParams {
        self.params
    }

    /// Fills `out` (length = permutations) with the signature of `shingles`.
    /// An empty set gives all `u32::MAX`.
    pub fn sign(&self, shingles: &[u32], out: &mut [u32]) {
        assert_eq!(out.len(), self.params.permutations, "signature length");
        out.fill(u32::MAX);
        update(&self.a, &self.b, out, shingles);
    }
}

fn update(a: &[u32], b: &[u32], mins: &mut [u32], xs: &[u32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F, checked just above.
            return unsafe { update_avx512(a, b, mins, xs) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { update_avx2(a, b, mins, xs) };
        }
    }
    update_lanes::<16>(a, b, mins, xs)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn update_avx512(a: &[u32], b: &[u32], mins: &mut [u32], xs: &[u32]) {
    update_lanes::<64>(a, b, mins, xs)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn update_avx2(a: &[u32], b: &[u32], mins: &mut [u32], xs: &[u32]) {
    update_lanes::<32>(a, b, mins, xs)
}

/// The kernel: blocks of `L` lanes stay in registers while every shingle
/// streams past them.
#[inline(always)]
fn update_lanes<const L: usize>(a: &[u32], b: &[u32], mins: &mut [u32], xs: &[u32]) {
    let full = mins.len() / L * L;
    for c in (0..full).step_by(L) {
        let aa: [u32; L] = a[c..c + L].try_into().expect("block");
        let bb: [u32; L] = b[c..c + L].try_into().expect("block");
        let mut m: [u32; L] = mins[c..c + L].try_into().expect("block");
        for &x in xs {
            for l in 0..L {
                m[l] = m[l].min(aa[l].wrapping_mul(x).wrapping_add(bb[l]));
            }
        }
        mins[c..c + L].copy_from_slice(&m);
    }
    for i in full..mins.len() {
        for &x in xs {
            mins[i] = mins[i].min(a[i].wrapping_mul(x).wrapping_add(b[i]));
        }
    }
}

/// Estimated Jaccard similarity: the share of permutations whose minima agree.
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(p: usize) -> SketchParams {
        SketchParams {
            permutations: p,
            shingle_size: 5,
            seed: 3,
        }
    }

    #[test]
    fn lanes_agree_with_scalar() {
        let h = MinHasher::new(params(133));
        let xs: Vec<u32> = (0..1000u32)
            .map(|i| i.wrapping_mul(2_654_435_761))
            .collect();
        let mut fast = vec![0; 133];
        h.sign(&xs, &mut fast);
        let mut slow = vec![u32::MAX; 133];
        for (i, m) in slow.iter_mut().enumerate() {
            for &x in &xs {
                *m = (*m).min(h.a[i].wrapping_mul(x).wrapping_add(h.b[i]));
            }
        }
        assert_eq!(fast, slow);
        let mut generic = vec![u32::MAX; 133];
        update_lanes::<16>(&h.a, &h.b, &mut generic, &xs);
        assert_eq!(generic, slow);
    }

    #[test]
    fn identical_sets_agree_and_disjoint_sets_differ() {
        let h = MinHasher::new(params(128));
        let (mut s1, mut s2, mut s3) = (vec![0; 128], vec![0; 128], vec![0; 128]);
        h.sign(&[1, 2, 3, 4], &mut s1);
        h.sign(&[4, 3, 2, 1, 1], &mut s2);
        h.sign(&[10, 20, 30, 40], &mut s3);
        assert_eq!(similarity(&s1, &s2), 1.0);
        assert!(similarity(&s1, &s3) < 0.1);
    }
}
