//! Sketches: shingle hashes combined from token hashes, and MinHash
//! signatures over them.

pub mod minhash;
pub mod shingle;

pub use minhash::MinHasher;
pub use shingle::shingles;

use serde::Serialize;

/// How documents and segments are sketched: the parameters written into every
/// report so that results can be compared only when they match.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SketchParams {
    /// Number of MinHash permutations (signature length).
    pub permutations: usize,
    /// Words per shingle.
    pub shingle_size: usize,
    /// Seed of every hash: tokens, shingles, permutations and bands.
    pub seed: u64,
}
