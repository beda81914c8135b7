//! The per-document stage: text in, a [`DocSketch`] out. Tokenise once; sketch
//! each segment (exact hash, template key, and a smaller MinHash for segments
//! long enough); find repeats inside the document and apply the structural
//! boilerplate rules; then sketch the document (MinHash over word shingles) on
//! its content: the segments those rules keep, with the corpus's shared lines
//! (its sites' menus, sidebars and footers, from the template census) set
//! aside.
//!
//! It needs no other document, so it runs in parallel over a batch, and would
//! run unchanged inside a map step of a distributed engine.

use crate::boilerplate::body;
use crate::boilerplate::language::StopLists;
use crate::boilerplate::rules::Verdict;
use crate::boilerplate::structural::{self, LineFacts, SegmentView, StopWords};
use crate::boilerplate::template::{self, SharedLines};
use crate::config::Config;
use crate::removal::{Removal, Rule};
use crate::repeats::{self, RepeatParams, SegmentKey};
use crate::sketch::shingle::combine;
use crate::sketch::{shingles, MinHasher};
use crate::text::{segment, Hashes, Segment, Tokenizer, Tokens};
use xxhash_rust::xxh3::xxh3_64;

/// One segment's sketch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentSketch {
    /// Its byte range in the document.
    pub span: Segment,
    /// Normalised words.
    pub words: u32,
    /// Its template key ([`template::key`]): corpus templates and shared lines.
    pub template: u64,
    /// Hash of the normalised words (shared passages).
    pub exact: u64,
    /// Whether the segment is long enough to be matched as a passage.
    pub signed: bool,
}

/// Everything later stages need from one document; the text is not kept.
#[derive(Debug, Clone)]
pub struct DocSketch {
    /// xxh3 of the original bytes, to check that a second read sees the same.
    pub text_hash: u64,
    /// Size of the original text in bytes.
    pub bytes: u32,
    /// Normalised words in the whole document.
    pub words: u32,
    /// Words in the segments that the in-document rules keep.
    pub kept_words: u32,
    /// Words of its content: the kept segments that are not shared lines.
    /// What the document is compared on.
    pub content_words: u32,
    /// Hash of the kept word sequence (exact duplicates).
    pub exact: u64,
    /// Signature of the content's shingles; all `u32::MAX` when there are none.
    pub signature: Vec<u32>,
    /// Number of the content's shingles.
    pub shingles: u32,
    /// Hash of the content's first [`PREFIX_WORDS`] words, when it has as
    /// many: documents cut short share it with their longer originals.
    pub prefix: Option<u64>,
    /// One sketch per segment, in order.
    pub segments: Vec<SegmentSketch>,
    /// Local verdicts: one per segment.
    pub removals: Vec<Option<Removal>>,
    /// What the plan-stage rules need, per segment (empty when the paragraph
    /// work is off).
    pub facts: Vec<LineFacts>,
}

/// Builds [`DocSketch`]es for one configuration.
#[derive(Debug, Clone)]
pub struct Analyzer {
    config: Config,
    tokenizer: Tokenizer,
    doc_hasher: MinHasher,
    segment_hasher: MinHasher,
    repeat: RepeatParams,
    stop: StopWords,
    lists: StopLists,
}

/// Buffers reused between documents on one thread.
#[derive(Debug, Default)]
pub struct Scratch {
    tokens: Tokens,
    hashes: Hashes,
    kept: Vec<u64>,
    content: Vec<u64>,
    shingles: Vec<u32>,
    stop_bits: Vec<u64>,
    key: Vec<u8>,
}

/// Words of the content prefix that [`DocSketch::prefix`] hashes.
pub const PREFIX_WORDS: usize = 16;

impl Analyzer {
    /// An analyzer for `config`: its tokenizer, hashers and word lists.
    pub fn new(config: &Config) -> Self {
        let tokenizer = Tokenizer::new(config.doc_sketch.seed);
        Analyzer {
            config: config.clone(),
            tokenizer,
            stop: StopWords::new(&tokenizer),
            lists: StopLists::new(&tokenizer),
            doc_hasher: MinHasher::new(config.doc_sketch),
            segment_hasher: MinHasher::new(config.segment_sketch),
            repeat: RepeatParams {
                min_words: config.min_segment_words,
                shingle_size: config.segment_sketch.shingle_size,
                threshold: config.segment_threshold,
                lsh: config.segment_lsh(),
                seed: config.segment_sketch.seed,
            },
        }
    }

    /// Sketches document number `doc` with text `text` (shorter than 4 GiB);
    /// segments whose key is in `shared` are set aside from its content.
    /// `keys` are its segments' template keys when the census computed them
    /// already ([`crate::boilerplate::template::SegmentKeys`]).
    pub fn analyze(
        &self,
        doc: u32,
        text: &str,
        scratch: &mut Scratch,
        shared: &SharedLines,
        keys: Option<&[u64]>,
    ) -> DocSketch {
        if !self.config.paragraphs {
            // Document dedup alone: the whole text is kept and compared, and
            // of its tokens only the hashes are needed.
            self.tokenizer.tokenize(text, &mut scratch.hashes);
            let hashes = &scratch.hashes.hashes;
            let paragraphs = Paragraphs::default();
            let shingles = &mut scratch.shingles;
            return self.sketch(text, hashes.len(), (hashes, hashes), paragraphs, shingles);
        }
        self.tokenizer.tokenize(text, &mut scratch.tokens);
        let paragraphs = self.paragraphs(doc, text, scratch, shared, keys);

        // Exact copies are found on what the in-document rules keep, so that
        // copies with other bylines, captions or link lists still meet; near
        // copies on the content, so that pages of one site do not meet on
        // the menus and footers they share.
        let Scratch {
            tokens,
            kept,
            content,
            shingles,
            ..
        } = scratch;
        kept.clear();
        content.clear();
        for (i, (s, removal)) in paragraphs
            .segments
            .iter()
            .zip(&paragraphs.removals)
            .enumerate()
        {
            if removal.is_none() {
                let range = tokens.range(s.span.start as usize, s.span.end as usize);
                kept.extend_from_slice(&tokens.hashes[range.clone()]);
                if !paragraphs.set_aside[i] {
                    content.extend_from_slice(&tokens.hashes[range]);
                }
            }
        }
        self.sketch(text, tokens.len(), (kept, content), paragraphs, shingles)
    }

    /// The document's sketch from its `words`, the word hashes the
    /// in-document rules keep (`kept`), those it is compared on (`content`)
    /// and its paragraphs' results; `scratch_shingles` is scratch.
    fn sketch(
        &self,
        text: &str,
        words: usize,
        (kept, content): (&[u64], &[u64]),
        paragraphs: Paragraphs,
        scratch_shingles: &mut Vec<u32>,
    ) -> DocSketch {
        scratch_shingles.clear();
        shingles(
            content,
            self.config.doc_sketch.shingle_size,
            scratch_shingles,
        );
        let mut signature = vec![0; self.config.doc_sketch.permutations];
        self.doc_hasher.sign(scratch_shingles, &mut signature);

        DocSketch {
            text_hash: xxh3_64(text.as_bytes()),
            bytes: text.len() as u32,
            words: words as u32,
            kept_words: kept.len() as u32,
            content_words: content.len() as u32,
            exact: combine(kept),
            signature,
            shingles: scratch_shingles.len() as u32,
            prefix: (content.len() >= PREFIX_WORDS).then(|| combine(&content[..PREFIX_WORDS])),
            segments: paragraphs.segments,
            removals: paragraphs.removals,
            facts: paragraphs.facts,
        }
    }

    /// The paragraph work on a tokenised document: segments and their
    /// sketches, repeats, structural boilerplate, line facts, and which kept
    /// segments are shared lines set aside from the content.
    fn paragraphs(
        &self,
        doc: u32,
        text: &str,
        scratch: &mut Scratch,
        shared: &SharedLines,
        keys: Option<&[u64]>,
    ) -> Paragraphs {
        let tokens = &scratch.tokens;
        let spans = segment(text);
        // Keys for another text (it changed since the census, which the
        // run finds out) are not used.
        let keys = keys.filter(|k| k.len() == spans.len());
        let seg_perm = self.config.segment_sketch.permutations;
        let mut segments = Vec::with_capacity(spans.len());
        let mut segment_signatures = Vec::new();
        let mut ranges = Vec::with_capacity(spans.len());
        let seed = self.config.doc_sketch.seed;
        for (i, span) in spans.iter().enumerate() {
            let range = tokens.range(span.start as usize, span.end as usize);
            let words = range.len();
            let signed = words >= self.config.min_segment_words;
            if signed {
                scratch.shingles.clear();
                shingles(
                    &tokens.hashes[range.clone()],
                    self.config.segment_sketch.shingle_size,
                    &mut scratch.shingles,
                );
                let row = segment_signatures.len();
                segment_signatures.resize(row + seg_perm, 0);
                self.segment_hasher
                    .sign(&scratch.shingles, &mut segment_signatures[row..]);
            }
            segments.push(SegmentSketch {
                span: *span,
                exact: combine(&tokens.hashes[range.clone()]),
                words: words as u32,
                template: match keys {
                    Some(keys) => keys[i],
                    None => template::key(&text[span.range()], seed, &mut scratch.key).unwrap_or(0),
                },
                signed,
            });
            ranges.push(range);
        }

        let mut removals = vec![None; segments.len()];
        let mut row = 0;
        let keys: Vec<SegmentKey> = segments
            .iter()
            .zip(&ranges)
            .map(|(s, range)| {
                let signature = s.signed.then(|| {
                    row += seg_perm;
                    &segment_signatures[row - seg_perm..row]
                });
                SegmentKey {
                    span: s.span,
                    words: s.words as usize,
                    exact: s.exact,
                    signature,
                    tokens: &tokens.hashes[range.clone()],
                }
            })
            .collect();
        repeats::find(doc, &keys, &self.repeat, &mut removals);

        let views: Vec<SegmentView> = spans
            .iter()
            .zip(&ranges)
            .map(|(s, r)| SegmentView {
                text: &text[s.range()],
                tokens: r.clone(),
            })
            .collect();
        if self.config.structural_rules {
            structural::apply(&views, &mut removals);
        }
        let mut facts: Vec<LineFacts> = views
            .iter()
            .map(|v| LineFacts::of_words(v.tokens.len()))
            .collect();
        if self.config.body {
            let (_, mask) =
                self.lists
                    .for_document(&tokens.hashes, &ranges, &mut scratch.stop_bits);
            let classes = body::classify(&views, &scratch.stop_bits, mask);
            for (f, (class, menu)) in facts.iter_mut().zip(classes) {
                f.class = class;
                f.menu = menu;
            }
        }
        if self.config.structural_rules {
            // Lines are weighed against the article: its main run of prose
            // when the body classifier finds one, else all the prose.
            let article = self
                .config
                .body
                .then(|| {
                    body::main_run(&facts, &removals, |i| shared.contains(segments[i].template))
                })
                .flatten();
            let classes: Vec<LineFacts> = facts;
            facts = structural::line_facts(&views, tokens, &self.stop, article);
            for (f, c) in facts.iter_mut().zip(classes) {
                f.class = c.class;
                f.menu = c.menu;
            }
        }
        if let Some(rules) = &self.config.rules {
            for (i, v) in views.iter().enumerate() {
                match rules.verdict(v.text) {
                    Some(Verdict::Keep) => facts[i].pinned = true,
                    Some(Verdict::Drop(rule)) if removals[i].is_none() => {
                        removals[i] = Some(Removal {
                            user_rule: Some(rule),
                            ..Removal::new(Rule::UserRule)
                        });
                    }
                    _ => {}
                }
            }
            structural::release_pinned(&facts, &mut removals);
        }
        let set_aside = set_aside(&views, &segments, &removals, shared);
        Paragraphs {
            segments,
            removals,
            facts,
            set_aside,
        }
    }
}

/// Which segments are set aside from a document's content: every shared
/// line (menus, link lists, headings, a sidebar's blurb, a footer's
/// sentences: the site's template), except shared prose inside a run of
/// prose lines that is mostly the document's own text, such as a paragraph
/// quoted in an article. A run of prose that is mostly shared is set aside
/// whole, even when it is the article itself (syndicated to many sites):
/// what is left of such a page is then too small a part of it to judge, and
/// it is kept, rather than compared on whatever else it shares.
fn set_aside(
    views: &[SegmentView],
    segments: &[SegmentSketch],
    removals: &[Option<Removal>],
    shared: &SharedLines,
) -> Vec<bool> {
    let kept: Vec<usize> = (0..segments.len())
        .filter(|&i| removals[i].is_none() && segments[i].words > 0)
        .collect();
    let mut out: Vec<bool> = (0..segments.len())
        .map(|i| shared.contains(segments[i].template))
        .collect();
    let mut p = 0;
    while p < kept.len() {
        let start = p;
        let (mut own, mut common) = (0u32, 0u32);
        while p < kept.len() && views[kept[p]].is_prose() {
            let i = kept[p];
            if out[i] {
                common += segments[i].words;
            } else {
                own += segments[i].words;
            }
            p += 1;
        }
        if own >= common {
            for &i in &kept[start..p] {
                out[i] = false;
            }
        }
        p = p.max(start + 1);
    }
    out
}

/// What the paragraph work gives.
#[derive(Debug, Default)]
struct Paragraphs {
    segments: Vec<SegmentSketch>,
    removals: Vec<Option<Removal>>,
    facts: Vec<LineFacts>,
    /// Per segment: whether it is a shared line set aside from the content.
    set_aside: Vec<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::removal::Rule;

    #[test]
    fn doubled_body_keeps_first_copy() {
        let para = |n: usize| {
            format!(
                "Paragraph number {n} tells a different part of the long story in enough words."
            )
        };
        let body: Vec<String> = (0..4).map(para).collect();
        let mut text = format!("Headline\n{}\n", body.join("\n"));
        text.push_str(&body[1..].join("\n"));
        let a = Analyzer::new(&Config::default().validate().unwrap());
        let sketch = a.analyze(
            0,
            &text,
            &mut Scratch::default(),
            &SharedLines::default(),
            None,
        );
        let rules: Vec<Option<Rule>> = sketch.removals.iter().map(|r| r.map(|r| r.rule)).collect();
        assert_eq!(
            rules,
            [
                None,
                None,
                None,
                None,
                None,
                Some(Rule::ExactRepeat),
                Some(Rule::ExactRepeat),
                Some(Rule::ExactRepeat)
            ]
        );
        let twin = sketch.removals[5].unwrap().twin.unwrap();
        assert_eq!((twin.doc, twin.segment), (0, 2));
    }

    #[test]
    fn near_repeat_with_small_edit() {
        let a = "The ministry said on Tuesday that the talks would resume next week in Geneva with both delegations present.";
        let b = "The ministry said on Tuesday that talks would resume next week in Geneva, with both delegations present.";
        let text = format!(
            "{a}\nSomething else entirely is said in this other paragraph of the article.\n{b}"
        );
        let an = Analyzer::new(&Config::default().validate().unwrap());
        let sketch = an.analyze(
            3,
            &text,
            &mut Scratch::default(),
            &SharedLines::default(),
            None,
        );
        let r = sketch.removals[2].expect("near repeat found");
        assert_eq!(r.rule, Rule::NearRepeat);
        let twin = r.twin.unwrap();
        assert_eq!((twin.doc, twin.segment), (3, 0));
        assert!(twin.similarity >= 0.7 && twin.similarity < 1.0);
    }
}
