//! Sketches: shingle hashes combined from token hashes, and MinHash
//! signatures over them.

pub mod minhash;
pub mod shingle;

pub use minhash::MinHasher;
pub use shingle::shingles;
