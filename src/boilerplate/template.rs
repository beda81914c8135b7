//! Corpus templates: a segment whose normalised text, with digits masked,
//! occurs in at least `min_docs` different kept documents is boilerplate (a
//! navigation line, a footer, a newsletter call, a copyright line whose year
//! changes). It is removed from every document it occurs in, with one
//! exception: a line of one or two words ("Pros:", "Audio") recurs across
//! unrelated sites as ordinary content, so it goes only when it sits in a run
//! of boilerplate or at the edge of the document, as menus and footers do,
//! and stays when kept text stands on both sides of it.
//!
//! Counting sorts (key, document) records, like the LSH stage, so memory is one
//! flat array and the same step can run on spilled runs or a shuffle.

use crate::plan::{Removal, Rule};
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

/// Words up to which a template line needs boilerplate beside it.
const SHORT: u32 = 2;

/// Marks the template segments of one document. `segments` holds each
/// segment's (template key, words); segments already removed keep their
/// reason. Returns the indices of the segments that matched a template.
pub fn mark(
    segments: &[(u64, u32)],
    templates: &[(u64, u32)],
    removals: &mut [Option<Removal>],
) -> Vec<usize> {
    let content: Vec<usize> = (0..segments.len()).filter(|&i| segments[i].1 > 0).collect();
    let hit: Vec<Option<u32>> = content
        .iter()
        .map(|&i| lookup(templates, segments[i].0))
        .collect();
    // A neighbour on the boilerplate side: none (document edge), a template,
    // or a segment already removed.
    let removed: Vec<bool> = content.iter().map(|&i| removals[i].is_some()).collect();
    let boilerplate_side = |p: Option<usize>| match p.filter(|&p| p < content.len()) {
        None => true,
        Some(p) => hit[p].is_some() || removed[p],
    };
    let mut marks = Vec::new();
    for (p, &i) in content.iter().enumerate() {
        let Some(count) = hit[p] else { continue };
        marks.push(i);
        let short = segments[i].1 <= SHORT;
        if removals[i].is_some()
            || (short && !boilerplate_side(p.checked_sub(1)) && !boilerplate_side(Some(p + 1)))
        {
            continue;
        }
        removals[i] = Some(Removal {
            rule: Rule::CorpusTemplate,
            twin: None,
            occurrences: count,
        });
    }
    marks
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

    #[test]
    fn short_template_lines_need_boilerplate_beside_them() {
        let templates = vec![(1, 40), (2, 30)];
        // menu, headline, body, "Pros:" (template) inside the body, body, footer
        let segs = [(1, 1), (10, 6), (11, 20), (2, 1), (12, 20), (1, 1)];
        let mut removals = vec![None; segs.len()];
        let marks = mark(&segs, &templates, &mut removals);
        assert_eq!(marks, vec![0, 3, 5]);
        let removed: Vec<usize> = (0..segs.len()).filter(|&i| removals[i].is_some()).collect();
        assert_eq!(removed, vec![0, 5], "the isolated short line stays");
        assert_eq!(removals[0].unwrap().occurrences, 40);
    }
}
