//! Shared passages: a segment of one kept document that is a near-duplicate of
//! a segment of an earlier kept document (a quote, a paragraph copied between
//! articles). Segment signatures are banded and sorted like documents; each
//! candidate is verified on the full signature; each later segment is matched
//! to its most similar earlier one.

use crate::config::LshParams;
use crate::lsh::{band_keys, candidate_pairs};
use crate::sketch::minhash::{similarity, Signatures};
use rayon::prelude::*;

/// One signed segment of a kept document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Item {
    pub doc: u32,
    pub segment: u32,
}

/// A later segment and the earlier segment (of another document) it shares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    pub later: Item,
    pub earlier: Item,
    pub similarity: f32,
}

/// `items[i]` has signature row `i` of `sigs`; items are in document order.
pub fn find(
    items: &[Item],
    sigs: &Signatures,
    lsh: LshParams,
    seed: u64,
    threshold: f64,
) -> Vec<Match> {
    let records: Vec<(u64, u32)> = (0..items.len())
        .into_par_iter()
        .flat_map_iter(|i| {
            let mut keys = Vec::with_capacity(lsh.bands);
            band_keys(sigs.row(i), lsh, seed, &mut keys);
            keys.into_iter().map(move |k| (k, i as u32))
        })
        .collect();
    let mut matches: Vec<Match> = candidate_pairs(records)
        .into_par_iter()
        .filter_map(|(a, b)| {
            let (ia, ib) = (items[a as usize], items[b as usize]);
            if ia.doc == ib.doc {
                return None;
            }
            let s = similarity(sigs.row(a as usize), sigs.row(b as usize));
            (s >= threshold).then_some(Match {
                later: ia.max(ib),
                earlier: ia.min(ib),
                similarity: s as f32,
            })
        })
        .collect();
    // Best earlier twin per later segment: highest similarity, then earliest.
    matches.sort_by(|x, y| {
        x.later
            .cmp(&y.later)
            .then(y.similarity.total_cmp(&x.similarity))
            .then(x.earlier.cmp(&y.earlier))
    });
    matches.dedup_by_key(|m| m.later);
    matches
}
