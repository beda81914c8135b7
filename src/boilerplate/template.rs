//! Corpus templates: a segment whose normalised text, with digits masked,
//! occurs in at least `min_docs` different kept documents is boilerplate (a
//! navigation line, a footer, a newsletter call, a copyright line whose year
//! changes). It is removed from every document it occurs in, with one
//! exception: a line of one or two words ("Pros:", "Audio") recurs across
//! unrelated sites as ordinary content, so it goes only when it sits in a run
//! of boilerplate or at the edge of the document, as menus and footers do,
//! and stays when kept text stands on both sides of it.
//!
//! Counting reads (key, document) records sorted by an external sorter, like
//! the LSH stage, so memory stays bounded and the same step could run on a
//! distributed shuffle.

use crate::error::Result;
use crate::plan::{Removal, Rule};
use crate::spill::Merged;

/// Keys found in at least `min_docs` kept documents, sorted, with their
/// document counts, from (key, document) records sorted by key with each
/// document once per key. `min_docs == 0` finds nothing.
pub fn count(
    records: Merged<(u64, u32)>,
    kept: &impl Fn(u32) -> bool,
    min_docs: usize,
) -> Result<Vec<(u64, u32)>> {
    let mut found = Vec::new();
    if min_docs == 0 {
        return Ok(found);
    }
    records.for_each_group(
        |r| r.0,
        |run| {
            let docs = run.iter().filter(|r| kept(r.1)).count();
            if docs >= min_docs {
                found.push((run[0].0, docs as u32));
            }
            Ok(())
        },
    )?;
    Ok(found)
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
            occurrences: count,
            ..Removal::new(Rule::CorpusTemplate)
        });
    }
    marks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_kept_documents() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = crate::spill::Sorter::new("t", dir.path(), 1024);
        for r in [(7, 0), (7, 1), (8, 0), (7, 2), (7, 3), (8, 3)] {
            s.push(r).unwrap();
        }
        let t = count(s.sorted().unwrap(), &|d| d != 3, 3).unwrap();
        assert_eq!(t, vec![(7, 3)]);
        assert_eq!(lookup(&t, 7), Some(3));
        assert_eq!(lookup(&t, 8), None);
        let none = crate::spill::Sorter::<(u64, u32)>::new("u", dir.path(), 1024);
        assert!(count(none.sorted().unwrap(), &|_| true, 0)
            .unwrap()
            .is_empty());
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
