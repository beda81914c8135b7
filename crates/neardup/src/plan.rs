//! The policy, in one place: which copy of a duplicate survives, and which
//! segments of each kept document go and why.
//!
//! Inputs are plain data from the earlier stages: per-document local verdicts
//! (repeats, structural boilerplate), document clusters, corpus templates and
//! shared passages. The output is a [`DocPlan`] per document, kept or dropped,
//! and a removal per segment that goes, with its kind, rule and kept twin.

use crate::boilerplate::body;
use crate::boilerplate::structural::{self, LineFacts};
use crate::boilerplate::template;
use crate::config::Config;
use crate::passages::Match;
use crate::removal::{Fate, Kind, Removal, Rule, Twin};
use crate::store::LocalRecord;

/// The decisions for one document.
#[derive(Debug, Clone)]
pub struct DocPlan {
    /// Kept, or dropped as a copy of which kept document.
    pub fate: Fate,
    /// One entry per segment: `Some` when it goes.
    pub removals: Vec<Option<Removal>>,
    /// Kept segments that share a passage with an earlier kept document:
    /// reported, removed only when the user asks.
    pub shared: Vec<(u32, Twin)>,
    /// Segments that matched a corpus template (removed or not).
    pub template_hits: Vec<usize>,
    /// Boilerplate found but written through (`keep_boilerplate`).
    pub flagged: Vec<(u32, Removal)>,
}

/// Decides one document: its fate, and for a kept document the in-document
/// removals from the first pass, then corpus templates and trailing blocks
/// (applied together until nothing changes, since each reads its
/// neighbours), then the body, then the passages it shares with earlier
/// documents. Lines the user pinned never lose to a boilerplate rule; what an
/// unsure rule finds, and with `keep_boilerplate` all the boilerplate found,
/// is moved to `flagged`.
pub fn decide(
    local: &LocalRecord,
    fate: Fate,
    templates: &[(u64, u32)],
    shared: &[Match],
    config: &Config,
) -> DocPlan {
    let n = local.segments.len();
    let mut plan = DocPlan {
        fate,
        removals: vec![None; n],
        shared: Vec::new(),
        template_hits: Vec::new(),
        flagged: Vec::new(),
    };
    if plan.fate != Fate::Kept {
        return plan;
    }
    for &(seg, removal) in &local.removals {
        plan.removals[seg as usize] = Some(removal);
    }
    let keys: Vec<(u64, u32)> = local
        .segments
        .iter()
        .map(|s| (s.template, s.words))
        .collect();
    let facts: Vec<LineFacts> = local.segments.iter().map(|s| s.facts).collect();
    let removed = |r: &[Option<Removal>]| r.iter().filter(|x| x.is_some()).count();
    let context = template::Context { templates };
    plan.template_hits = template::mark(&keys, &facts, context, &mut plan.removals);
    if config.structural_rules {
        structural::comment_thread(&facts, &mut plan.removals);
    }
    loop {
        let before = removed(&plan.removals);
        if config.structural_rules {
            structural::trailing_block(&facts, &mut plan.removals);
        }
        template::mark(&keys, &facts, context, &mut plan.removals);
        structural::release_pinned(&facts, &mut plan.removals);
        if removed(&plan.removals) == before {
            break;
        }
    }
    if config.body {
        if body::is_clean_text(&facts, &plan.removals) {
            template::release_inside(&facts, &mut plan.removals);
        } else {
            body::select(&facts, &mut plan.removals);
        }
    }
    if config.structural_rules {
        structural::author_bio(&facts, &mut plan.removals);
    }
    for (seg, r) in plan.removals.iter_mut().enumerate() {
        let flag = |r: &mut Removal| {
            r.rule.is_unsure() || (config.keep_boilerplate && r.rule.kind() == Kind::Boilerplate)
        };
        if let Some(removal) = r.take_if(flag) {
            plan.flagged.push((seg as u32, removal));
        }
    }
    for m in shared {
        let seg = m.segment as usize;
        if plan.removals[seg].is_some() {
            continue;
        }
        if config.remove_shared {
            plan.removals[seg] = Some(Removal::with_twin(Rule::SharedPassage, m.twin));
        } else {
            plan.shared.push((m.segment, m.twin));
        }
    }
    plan
}

/// A removed span resolved against the document's segments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cut {
    /// Byte range removed from the original text (segment and the line
    /// break(s) that would otherwise be left dangling).
    pub start: usize,
    /// The byte after the range.
    pub end: usize,
    /// The segment it removes.
    pub segment: u32,
    /// Why.
    pub removal: Removal,
}

/// Turns per-segment removals into byte ranges to cut. Each run of removed
/// segments takes the white space after it when text follows, or the white
/// space before it when it ends the document, so no blank-line debris is left
/// and the document's own final line break is kept. The cuts are in order,
/// disjoint, and their union is exactly what the cleaned copy lacks.
pub fn cuts(segments: &[crate::text::Segment], removals: &[Option<Removal>]) -> Vec<Cut> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < segments.len() {
        if removals[i].is_none() {
            i += 1;
            continue;
        }
        let first = i;
        while i < segments.len() && removals[i].is_some() {
            i += 1;
        }
        // Segments first..i are removed.
        let trailing = i == segments.len();
        for s in first..i {
            let (start, end) = if !trailing {
                (segments[s].start, segments[s + 1].start)
            } else if first > 0 {
                (segments[s - 1].end, segments[s].end)
            } else if s + 1 < segments.len() {
                (segments[s].start, segments[s + 1].start)
            } else {
                (segments[s].start, segments[s].end)
            };
            out.push(Cut {
                start: start as usize,
                end: end as usize,
                segment: s as u32,
                removal: removals[s].expect("removed run"),
            });
        }
    }
    out
}

/// `source` with the `removed` ranges (in order, not overlapping) cut out:
/// a cleaned text from its cuts, or a cleaned JSONL line from the ranges of
/// its JSON string that hold them.
pub fn without(source: &[u8], removed: &[std::ops::Range<usize>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(source.len());
    let mut pos = 0;
    for r in removed {
        out.extend_from_slice(&source[pos..r.start]);
        pos = r.end;
    }
    out.extend_from_slice(&source[pos..]);
    out
}

/// A kept document's text with its `cuts` applied: what its cleaned copy
/// holds.
pub fn cut_text(text: &str, cuts: &[Cut]) -> String {
    let ranges: Vec<std::ops::Range<usize>> = cuts.iter().map(|c| c.start..c.end).collect();
    String::from_utf8(without(text.as_bytes(), &ranges)).expect("cuts fall on character boundaries")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::segment;

    fn clean(text: &str, remove: &[usize]) -> String {
        let segs = segment(text);
        let removals: Vec<Option<Removal>> = (0..segs.len())
            .map(|i| remove.contains(&i).then(|| Removal::new(Rule::Byline)))
            .collect();
        let ranges: Vec<_> = cuts(&segs, &removals)
            .iter()
            .map(|c| c.start..c.end)
            .collect();
        String::from_utf8(without(text.as_bytes(), &ranges)).unwrap()
    }

    #[test]
    fn cuts_tidy_line_breaks() {
        assert_eq!(clean("A\n\nB\n\nC\n", &[1]), "A\n\nC\n");
        assert_eq!(clean("A\nB\nC", &[2]), "A\nB");
        assert_eq!(clean("A\nB\nC\n", &[1, 2]), "A\n");
        assert_eq!(clean("A\n\nB\n\nC\n", &[0]), "B\n\nC\n");
        assert_eq!(clean("A\nB", &[0, 1]), "");
        assert_eq!(clean("  A\n  B\n  C", &[1]), "  A\n  C");
    }

    #[test]
    fn rule_codes_round_trip() {
        for r in Rule::ALL {
            assert_eq!(Rule::from_code(r.code()), Some(r));
        }
        assert_eq!(Rule::from_code(200), None);
    }

    #[test]
    fn rules_have_kinds() {
        assert_eq!(Rule::RepeatedBlock.kind(), Kind::RepeatedParagraph);
        assert_eq!(Rule::Caption.kind(), Kind::Boilerplate);
    }
}
