//! Shared passages: a paragraph of one kept document whose normalised text
//! is also a paragraph of an earlier kept document (a quote, a paragraph
//! copied between articles). Each long-enough paragraph that the in-document
//! rules keep gives one record (hash of its normalised words, document,
//! segment, span); sorting the records brings the copies together, in
//! bounded memory however large the corpus. The first copy is the original.
//!
//! Paragraphs found in `template_min_docs` documents or more are corpus
//! templates, not shared passages, and are left to that rule.

use crate::analyze::DocSketch;
use crate::error::Result;
use crate::removal::Twin;
use crate::spill::{Merged, Record};

/// One paragraph: its key, where it is, and its byte span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PassageRecord {
    /// Hash of the paragraph's normalised words.
    pub key: u64,
    /// Its document's number.
    pub doc: u32,
    /// Its segment in that document.
    pub segment: u32,
    /// Its first byte in the document.
    pub start: u32,
    /// The byte after its last.
    pub end: u32,
}

impl Record for PassageRecord {
    const SIZE: usize = 24;
    fn write(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.key.to_le_bytes());
        for (i, v) in [self.doc, self.segment, self.start, self.end]
            .iter()
            .enumerate()
        {
            out[8 + 4 * i..12 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
    }
    fn read(b: &[u8]) -> Self {
        let u =
            |i: usize| u32::from_le_bytes(b[8 + 4 * i..12 + 4 * i].try_into().expect("4 bytes"));
        PassageRecord {
            key: u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
            doc: u(0),
            segment: u(1),
            start: u(2),
            end: u(3),
        }
    }
}

/// A later paragraph and the earlier one it copies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    /// The later paragraph's document.
    pub doc: u32,
    /// Its segment in that document.
    pub segment: u32,
    /// The earlier paragraph it copies.
    pub twin: Twin,
}

/// The passage records of one document, number `doc`, from its first-pass
/// sketch: one for each long segment that the in-document rules keep.
pub fn records(sketch: &DocSketch, doc: u32) -> impl Iterator<Item = PassageRecord> + '_ {
    sketch
        .segments
        .iter()
        .enumerate()
        .filter(|&(i, s)| s.signed && sketch.removals[i].is_none())
        .map(move |(i, s)| PassageRecord {
            key: s.exact,
            doc,
            segment: i as u32,
            start: s.span.start,
            end: s.span.end,
        })
}

/// Matches from the sorted records; `kept(doc)` tells which documents take
/// part. The result is sorted by (document, segment).
pub fn find(
    records: Merged<PassageRecord>,
    kept: impl Fn(u32) -> bool,
    template_min_docs: usize,
) -> Result<Vec<Match>> {
    let mut out = Vec::new();
    let mut group: Vec<PassageRecord> = Vec::new();
    records.for_each_group(
        |r| r.key,
        |all| {
            group.clear();
            group.extend(all.iter().filter(|r| kept(r.doc)));
            matches_of(&mut group, template_min_docs, &mut out);
            Ok(())
        },
    )?;
    out.sort_by_key(|m| (m.doc, m.segment));
    Ok(out)
}

/// The matches of one paragraph key: `group` is its records in the kept
/// documents, sorted, and is left with each document's first. Each document
/// counts once, by its first segment with the key; the first document holds
/// the original, each later one a copy. A key in fewer than two documents,
/// or in as many as the template rule needs (`template_min_docs`, when not
/// 0), gives none.
pub fn matches_of(group: &mut Vec<PassageRecord>, template_min_docs: usize, out: &mut Vec<Match>) {
    group.dedup_by_key(|r| r.doc);
    let docs = group.len();
    if docs < 2 || (template_min_docs > 0 && docs >= template_min_docs) {
        return;
    }
    let first = group[0];
    let twin = Twin {
        doc: first.doc,
        segment: first.segment,
        similarity: 1.0,
        start: first.start,
        end: first.end,
    };
    out.extend(group[1..].iter().map(|r| Match {
        doc: r.doc,
        segment: r.segment,
        twin,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spill::Sorter;

    #[test]
    fn later_copies_point_at_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Sorter::new("p", dir.path(), 1024);
        let rec = |key, doc, segment| PassageRecord {
            key,
            doc,
            segment,
            start: segment * 10,
            end: segment * 10 + 5,
        };
        for r in [
            rec(1, 4, 2),
            rec(1, 2, 7),
            rec(1, 9, 0),
            rec(2, 3, 1),
            rec(3, 5, 0),
            rec(3, 6, 0),
        ] {
            s.push(r).unwrap();
        }
        // Document 6 is dropped: key 3 then has one document left.
        let m = find(s.sorted().unwrap(), |d| d != 6, 10).unwrap();
        let got: Vec<(u32, u32, u32, u32)> = m
            .iter()
            .map(|m| (m.doc, m.segment, m.twin.doc, m.twin.start))
            .collect();
        assert_eq!(got, [(4, 2, 2, 70), (9, 0, 2, 70)]);
    }
}
