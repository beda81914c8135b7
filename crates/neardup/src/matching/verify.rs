//! Verification: a candidate pair matches only when its similarity,
//! estimated from the signatures, reaches the threshold. Banding alone lets
//! through pairs that agree on one band by chance.
//!
//! For verification neardup keeps b-bit signatures: the lowest 8 bits of
//! each MinHash value (Li and König's b-bit minwise hashing), a quarter of
//! the memory. Two values that differ agree on their low byte by chance with
//! probability 1/256, so the share `m` of agreeing bytes estimates
//! `J + (1 - J) / 256`, and `(m - 1/256) / (1 - 1/256)` estimates `J`.

/// The b-bit form of a signature: each value's lowest byte.
pub fn low_bytes(sig: &[u32], out: &mut Vec<u8>) {
    out.extend(sig.iter().map(|&v| v as u8));
}

/// The b-bit signatures of many items, in one flat array: row `i` is item `i`.
#[derive(Debug, Clone)]
pub struct BitSignatures {
    permutations: usize,
    bytes: Vec<u8>,
}

impl BitSignatures {
    /// An empty set of signatures of `permutations` values each.
    pub fn new(permutations: usize) -> Self {
        BitSignatures {
            permutations,
            bytes: Vec::new(),
        }
    }

    /// Appends the b-bit form of `sig` (of `permutations` values).
    pub fn push(&mut self, sig: &[u32]) {
        debug_assert_eq!(sig.len(), self.permutations);
        low_bytes(sig, &mut self.bytes);
    }

    /// Appends a signature already in b-bit form (`permutations` bytes).
    pub fn push_bits(&mut self, bits: &[u8]) {
        debug_assert_eq!(bits.len(), self.permutations);
        self.bytes.extend_from_slice(bits);
    }

    /// Item `i`'s b-bit signature.
    pub fn bits(&self, i: u32) -> &[u8] {
        let p = self.permutations;
        &self.bytes[i as usize * p..(i as usize + 1) * p]
    }

    /// Estimated Jaccard similarity of items `a` and `b`.
    pub fn similarity(&self, a: u32, b: u32) -> f64 {
        bbit_similarity(self.bits(a), self.bits(b))
    }
}

/// Estimated Jaccard similarity of two b-bit signatures.
pub fn bbit_similarity(a: &[u8], b: &[u8]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len() as f64;
    let chance = 1.0 / 256.0;
    ((same - chance) / (1.0 - chance)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sketch::minhash::similarity;
    use crate::sketch::MinHasher;
    use crate::sketch::SketchParams;

    #[test]
    fn bbit_estimate_tracks_the_full_one() {
        let h = MinHasher::new(SketchParams {
            permutations: 256,
            shingle_size: 5,
            seed: 9,
        });
        let a: Vec<u32> = (0..600u32).map(|i| i.wrapping_mul(2_654_435_761)).collect();
        for overlap in [0usize, 150, 300, 450, 600] {
            let b: Vec<u32> = a[..overlap]
                .iter()
                .copied()
                .chain((0..(600 - overlap) as u32).map(|i| i.wrapping_mul(40_503) ^ 0xdead_beef))
                .collect();
            let (mut sa, mut sb) = (vec![0; 256], vec![0; 256]);
            h.sign(&a, &mut sa);
            h.sign(&b, &mut sb);
            let (mut ba, mut bb) = (Vec::new(), Vec::new());
            low_bytes(&sa, &mut ba);
            low_bytes(&sb, &mut bb);
            let full = similarity(&sa, &sb);
            assert!(
                (bbit_similarity(&ba, &bb) - full).abs() < 0.03,
                "{overlap}: {full}"
            );
        }
    }
}
