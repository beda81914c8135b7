//! Corpus templates: a segment whose normalised text, with digits masked,
//! occurs in at least `min_docs` different kept documents is boilerplate (a
//! navigation line, a footer, a newsletter call, a copyright line whose year
//! changes). It is removed from every document it occurs in.
//!
//! Counting sorts (key, document) records, like the LSH stage, so memory is one
//! flat array and the same step can run on spilled runs or a shuffle.

use rayon::prelude::*;

/// Keys that occur in at least `min_docs` distinct documents, sorted, with
/// their document counts. `min_docs == 0` finds nothing.
pub fn find(mut records: Vec<(u64, u32)>, min_docs: usize) -> Vec<(u64, u32)> {
    if min_docs == 0 {
        return Vec::new();
    }
    records.par_sort_unstable();
    records.dedup();
    records
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() >= min_docs)
        .map(|run| (run[0].0, run.len() as u32))
        .collect()
}

/// Document count of `key` if it is a template.
pub fn lookup(templates: &[(u64, u32)], key: u64) -> Option<u32> {
    templates
        .binary_search_by_key(&key, |t| t.0)
        .ok()
        .map(|i| templates[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_distinct_documents() {
        let recs = vec![(7, 0), (7, 1), (7, 1), (8, 0), (7, 2), (8, 0)];
        let t = find(recs, 3);
        assert_eq!(t, vec![(7, 3)]);
        assert_eq!(lookup(&t, 7), Some(3));
        assert_eq!(lookup(&t, 8), None);
        assert!(find(vec![(1, 1)], 0).is_empty());
    }
}
