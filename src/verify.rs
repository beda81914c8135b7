//! Verification: a candidate pair is kept only when its similarity, estimated
//! from the full signatures, reaches the threshold. Banding alone lets through
//! pairs that agree on one band by chance.

use crate::sketch::minhash::{similarity, Signatures};
use rayon::prelude::*;

/// A verified pair of items and their estimated Jaccard similarity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub a: u32,
    pub b: u32,
    pub similarity: f32,
}

/// Keeps the pairs whose estimated similarity is at least `threshold`.
pub fn verify(pairs: &[(u32, u32)], sigs: &Signatures, threshold: f64) -> Vec<Edge> {
    pairs
        .par_iter()
        .filter_map(|&(a, b)| {
            let s = similarity(sigs.row(a as usize), sigs.row(b as usize));
            (s >= threshold).then_some(Edge {
                a,
                b,
                similarity: s as f32,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SketchParams;

    #[test]
    fn keeps_only_pairs_at_or_above_threshold() {
        let mut sigs = Signatures::new(SketchParams {
            permutations: 4,
            shingle_size: 1,
            seed: 0,
        });
        sigs.push(&[1, 2, 3, 4]);
        sigs.push(&[1, 2, 3, 5]);
        sigs.push(&[9, 9, 3, 5]);
        let edges = verify(&[(0, 1), (0, 2), (1, 2)], &sigs, 0.75);
        assert_eq!(edges.len(), 1);
        assert_eq!((edges[0].a, edges[0].b, edges[0].similarity), (0, 1, 0.75));
    }
}
