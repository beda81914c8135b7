//! Function words for the body classifier, in the languages that have a
//! published stop-word list (NLTK's lists, and the Stopwords ISO lists for
//! languages NLTK lacks), with a fallback for any other language.
//!
//! A document's language is the list with the most hits among its tokens. A
//! document that no list fits (fewer than one token in eight is on the best
//! list) uses its own most frequent words instead: in every language the
//! commonest words of a text are its function words, which is what the
//! lists hold.

use crate::text::{Tokenizer, Tokens};
use rustc_hash::FxHashMap;
use std::ops::Range;

/// Languages whose lists are used (ISO 639-1 codes as the stop-words crate
/// names them): NLTK's, then the ISO lists of other major languages.
const LANGUAGES: &[&str] = &[
    "ar", "az", "be", "bg", "bn", "ca", "cs", "da", "de", "el", "en", "es", "et", "eu", "fa", "fi",
    "fr", "he", "hi", "hr", "hu", "id", "it", "ja", "kk", "ko", "lt", "lv", "ne", "nl", "no", "pl",
    "pt", "ro", "ru", "sk", "sl", "sq", "sv", "ta", "tg", "th", "tr", "uk", "uz", "vi", "zh",
];

/// A list is used when at least one token in `MIN_HIT_RATIO` of the
/// document is on it. Prose in a listed language has two to four times
/// more; a few short words that happen to be on some list have far less.
const MIN_HIT_RATIO: usize = 8;
/// Tokens of a document on which its language is chosen.
pub const DETECT_TOKENS: usize = 2048;
/// Words of a line from which it is likely a sentence, whose function words
/// tell the language.
const SENTENCE_WORDS: usize = 8;
/// Most frequent words taken as function words when no list fits.
const FALLBACK_WORDS: usize = 24;

/// Every list, as a map from word hash to the set of languages (bits in
/// `LANGUAGES` order) whose list holds the word.
#[derive(Debug, Clone)]
pub struct StopLists {
    words: FxHashMap<u64, u64>,
    /// One bit per `FILTER_BITS` slot of the hash, set for every listed
    /// word: most other tokens are turned away without a table lookup.
    filter: Vec<u64>,
}

/// Bits of the word filter (16 KiB, small enough to stay in cache).
const FILTER_BITS: u32 = 17;

fn filter_slot(hash: u64) -> (usize, u64) {
    let slot = hash >> (64 - FILTER_BITS);
    ((slot >> 6) as usize, 1 << (slot & 63))
}

/// Where a document's function words come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocStops {
    /// The list of a language, by its code.
    Listed(&'static str),
    /// The document's own most frequent words (this many).
    Frequent(usize),
}

impl StopLists {
    /// The word lists of every language, hashed with `tokenizer`'s seed.
    pub fn new(tokenizer: &Tokenizer) -> Self {
        const { assert!(LANGUAGES.len() <= 64) };
        let mut words: FxHashMap<u64, u64> = FxHashMap::default();
        let mut tokens = Tokens::default();
        for (i, code) in LANGUAGES.iter().enumerate() {
            let list = stop_words::lookup(code).unwrap_or_default();
            for w in list {
                // Entries the tokenizer splits (phrases, multi-character
                // words of unspaced scripts) can never match one token.
                tokenizer.tokenize(w, &mut tokens);
                if tokens.len() == 1 {
                    *words.entry(tokens.hashes[0]).or_default() |= 1 << i;
                }
            }
        }
        let mut filter = vec![0u64; 1 << (FILTER_BITS - 6)];
        for &h in words.keys() {
            let (i, bit) = filter_slot(h);
            filter[i] |= bit;
        }
        StopLists { words, filter }
    }

    /// The languages whose list holds the word with this hash.
    fn languages(&self, hash: u64) -> u64 {
        let (i, bit) = filter_slot(hash);
        if self.filter[i] & bit == 0 {
            return 0;
        }
        self.words.get(&hash).copied().unwrap_or(0)
    }

    /// The function words of a document with these tokens, whose lines
    /// hold the token ranges `lines`. Fills `bits` (cleared first) with one
    /// word per token; a token is a function word when `bits[t] & mask !=
    /// 0`, for the returned mask. One table lookup per token; the language
    /// is chosen on the first [`DETECT_TOKENS`] tokens of its lines of
    /// `SENTENCE_WORDS` words or more (a page's menus, however long, hold
    /// few function words), or of all its lines when none is that long.
    pub fn for_document(
        &self,
        tokens: &[u64],
        lines: &[Range<usize>],
        bits: &mut Vec<u64>,
    ) -> (DocStops, u64) {
        bits.clear();
        bits.extend(tokens.iter().map(|&t| self.languages(t)));
        let long = lines.iter().any(|l| l.len() >= SENTENCE_WORDS);
        let sample = lines
            .iter()
            .filter(|l| !long || l.len() >= SENTENCE_WORDS)
            .flat_map(|l| bits[l.clone()].iter().copied())
            .take(DETECT_TOKENS);
        let mut hits = [0usize; 64];
        let mut sampled = 0;
        for mut b in sample {
            sampled += 1;
            while b != 0 {
                hits[b.trailing_zeros() as usize] += 1;
                b &= b - 1;
            }
        }
        // The first language wins ties, so the choice is deterministic.
        let (best, &n) = hits[..LANGUAGES.len()]
            .iter()
            .enumerate()
            .rev()
            .max_by_key(|&(_, n)| n)
            .expect("at least one language");
        if n > 0 && n * MIN_HIT_RATIO >= sampled {
            return (DocStops::Listed(LANGUAGES[best]), 1 << best);
        }
        let mut counts: FxHashMap<u64, u32> = FxHashMap::default();
        for &t in tokens {
            *counts.entry(t).or_default() += 1;
        }
        let mut by_count: Vec<(u32, u64)> = counts
            .into_iter()
            .filter(|&(_, c)| c >= 2)
            .map(|(h, c)| (c, h))
            .collect();
        by_count.sort_unstable_by(|a, b| b.cmp(a));
        let mut frequent: Vec<u64> = by_count
            .into_iter()
            .take(FALLBACK_WORDS)
            .map(|(_, h)| h)
            .collect();
        frequent.sort_unstable();
        bits.clear();
        bits.extend(
            tokens
                .iter()
                .map(|t| u64::from(frequent.binary_search(t).is_ok())),
        );
        (DocStops::Frequent(frequent.len()), 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The source of the text's function words, and which of its tokens
    /// are function words.
    fn stops_of(text: &str) -> (DocStops, Vec<bool>) {
        let tokenizer = Tokenizer::new(7);
        let lists = StopLists::new(&tokenizer);
        let mut tokens = Tokens::default();
        tokenizer.tokenize(text, &mut tokens);
        let mut bits = Vec::new();
        let mut start = 0;
        let lines: Vec<Range<usize>> = text
            .split('\n')
            .map(|line| {
                let range = tokens.range(start, start + line.len());
                start += line.len() + 1;
                range
            })
            .collect();
        let (doc, mask) = lists.for_document(&tokens.hashes, &lines, &mut bits);
        (doc, bits.iter().map(|b| b & mask != 0).collect())
    }

    #[test]
    fn the_language_of_the_sentences_wins_over_a_menu() {
        // A long menu of short German labels above one English article.
        let menu = "Über uns und die Seite\nDie Mitglieder der Gruppe\n".repeat(40);
        let text =
            format!("{menu}The council said that it would not change the plan for the new bridge.");
        assert_eq!(language(&text), "en");
    }

    fn language(text: &str) -> &'static str {
        match stops_of(text).0 {
            DocStops::Listed(language) => language,
            DocStops::Frequent(_) => "none",
        }
    }

    #[test]
    fn picks_the_language_of_the_text() {
        assert_eq!(
            language("The council said that it would not change the plan for the new bridge."),
            "en"
        );
        // NLTK's English list has "wouldn" but not "would".
        let (_, flags) = stops_of("The council said that it would not");
        assert_eq!(flags, [true, false, false, true, true, false, true]);
        assert_eq!(
            language("Der Rat sagte, dass er den Plan für die neue Brücke nicht ändern werde."),
            "de"
        );
        assert_eq!(
            language("Совет заявил, что он не будет менять план строительства нового моста."),
            "ru"
        );
        assert_eq!(language("委员会表示，他们不会改变这座新桥的计划。"), "zh");
    }

    #[test]
    fn unlisted_language_falls_back_to_frequent_words() {
        // A made-up language: "zhq", "vrk" and "xtl" behave as function words.
        let text = "zhq tumbo vrk viranda xtl mesoki zhq palindo vrk survati xtl kalindra \
                    zhq teroba vrk mintaru xtl sofiru zhq wendalo vrk priski xtl gotaru";
        let (doc, flags) = stops_of(text);
        assert!(matches!(doc, DocStops::Frequent(_)), "{doc:?}");
        // zhq tumbo vrk viranda xtl ...
        assert_eq!(&flags[..5], [true, false, true, false, true]);
    }
}
