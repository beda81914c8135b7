//! The normalised view of text that all matching works on.
//!
//! Text is cut into word tokens: runs of letters, digits and combining marks.
//! Each token is Unicode NFKC-normalised and lower-cased, then hashed once with
//! seeded xxh3. Punctuation, quotes, dashes and white space separate tokens and
//! are otherwise dropped, so "Russia’s" and "Russia's" are the same token.
//! Apostrophes inside a word join it rather than split it. Characters of
//! scripts written without spaces (Han, kana, Thai, Lao, Khmer, Myanmar) are
//! one token each, so word n-grams there are character n-grams.
//!
//! Every token keeps the byte offset where it starts in the original text, so
//! that tokens can be assigned to segments.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The tokens of one text: hashes, digit-masked hashes and start offsets, in
/// parallel arrays that are reused between texts.
#[derive(Debug, Default, Clone)]
pub struct Tokens {
    /// xxh3 of each normalised token.
    pub hashes: Vec<u64>,
    /// Same, with every digit replaced by `0`: "2024" and "2025" agree.
    pub masked: Vec<u64>,
    /// Byte offset of each token's first byte in the original text.
    pub starts: Vec<u32>,
    /// Normalised characters of each token, for the rules that read words.
    words: String,
    word_ends: Vec<u32>,
}

impl Tokens {
    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The normalised text of token `i`.
    pub fn word(&self, i: usize) -> &str {
        let start = if i == 0 {
            0
        } else {
            self.word_ends[i - 1] as usize
        };
        &self.words[start..self.word_ends[i] as usize]
    }

    /// Index range of the tokens that start inside `start..end`.
    pub fn range(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        let lo = self.starts.partition_point(|&s| (s as usize) < start);
        let hi = self.starts.partition_point(|&s| (s as usize) < end);
        lo..hi
    }

    fn clear(&mut self) {
        self.hashes.clear();
        self.masked.clear();
        self.starts.clear();
        self.words.clear();
        self.word_ends.clear();
    }
}

/// Cuts text into normalised, hashed tokens. Cheap to create; holds only the seed.
#[derive(Debug, Clone, Copy)]
pub struct Tokenizer {
    seed: u64,
}

/// Characters written without spaces between words: one token each.
fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9F    // half-width Katakana
        | 0x20000..=0x2FFFF) // CJK extensions B and later
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}' | '\u{FF07}')
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

impl Tokenizer {
    pub fn new(seed: u64) -> Self {
        Tokenizer { seed }
    }

    /// Tokenises `text` into `out` (cleared first).
    pub fn tokenize(&self, text: &str, out: &mut Tokens) {
        out.clear();
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 {
                if !b.is_ascii_alphanumeric() {
                    i += 1;
                    continue;
                }
            } else {
                let c = text[i..].chars().next().expect("i is on a char boundary");
                if is_unspaced_script(c) {
                    self.push_normalized(&text[i..i + c.len_utf8()], i, out);
                    i += c.len_utf8();
                    continue;
                }
                if !is_word_char(c) {
                    i += c.len_utf8();
                    continue;
                }
            }
            let end = word_end(text, i);
            let word = &text[i..end];
            if word.is_ascii() {
                self.push_ascii(word.as_bytes(), i, out);
            } else {
                self.push_normalized(word, i, out);
            }
            i = end;
        }
    }

    fn push_ascii(&self, word: &[u8], start: usize, out: &mut Tokens) {
        let base = out.words.len();
        // Apostrophes join a word and are dropped from it.
        out.words.extend(
            word.iter()
                .filter(|&&b| b != b'\'')
                .map(|b| b.to_ascii_lowercase() as char),
        );
        self.finish_token(base, start, out);
    }

    fn push_normalized(&self, word: &str, start: usize, out: &mut Tokens) {
        let base = out.words.len();
        for c in word.nfkc() {
            for l in c.to_lowercase() {
                if l.is_alphanumeric() {
                    out.words.push(l);
                }
            }
        }
        if out.words.len() == base {
            return; // only combining marks or apostrophes: no token
        }
        self.finish_token(base, start, out);
    }

    fn finish_token(&self, base: usize, start: usize, out: &mut Tokens) {
        let word = &out.words.as_bytes()[base..];
        let hash = xxh3_64_with_seed(word, self.seed);
        let masked = if word.iter().any(u8::is_ascii_digit) {
            let m: Vec<u8> = word
                .iter()
                .map(|&b| if b.is_ascii_digit() { b'0' } else { b })
                .collect();
            xxh3_64_with_seed(&m, self.seed)
        } else {
            hash
        };
        out.hashes.push(hash);
        out.masked.push(masked);
        out.starts.push(start as u32);
        out.word_ends.push(out.words.len() as u32);
    }
}

/// End of the word that starts at byte `i`: letters, digits, combining marks,
/// and apostrophes between two of those.
fn word_end(text: &str, i: usize) -> usize {
    let bytes = text.as_bytes();
    let mut j = i;
    while j < bytes.len() {
        let b = bytes[j];
        if b < 0x80 {
            if b.is_ascii_alphanumeric() {
                j += 1;
                continue;
            }
            if b == b'\'' && next_is_word(text, j + 1) {
                j += 1;
                continue;
            }
            break;
        }
        let c = text[j..].chars().next().expect("char boundary");
        if is_unspaced_script(c) {
            break;
        }
        if is_word_char(c) || (is_apostrophe(c) && next_is_word(text, j + c.len_utf8())) {
            j += c.len_utf8();
            continue;
        }
        break;
    }
    j
}

fn next_is_word(text: &str, j: usize) -> bool {
    text[j..]
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() && !is_unspaced_script(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        let mut t = Tokens::default();
        Tokenizer::new(1).tokenize(text, &mut t);
        (0..t.len()).map(|i| t.word(i).to_string()).collect()
    }

    #[test]
    fn folds_case_quotes_and_punctuation() {
        assert_eq!(
            words("Russia’s “WAR”—dual-use, Russia's war."),
            ["russias", "war", "dual", "use", "russias", "war"]
        );
    }

    #[test]
    fn nfkc_and_combining_marks_make_one_form() {
        // Precomposed é and e + combining acute; the "ﬁ" ligature.
        assert_eq!(
            words("caf\u{e9} cafe\u{301} \u{fb01}ne"),
            ["café", "café", "fine"]
        );
    }

    #[test]
    fn unspaced_scripts_are_character_tokens() {
        assert_eq!(
            words("中国外交部 said"),
            ["中", "国", "外", "交", "部", "said"]
        );
        assert_eq!(words("Привет, мир"), ["привет", "мир"]);
    }

    #[test]
    fn offsets_point_at_original_bytes_and_hashes_agree() {
        let text = "  Foo, “bar” FOO";
        let mut t = Tokens::default();
        Tokenizer::new(7).tokenize(text, &mut t);
        assert_eq!(t.starts, [2, 10, 17]);
        assert_eq!(t.hashes[0], t.hashes[2]);
        assert_ne!(t.hashes[0], t.hashes[1]);
        assert_eq!(t.range(3, 18), 1..3);
    }

    #[test]
    fn digits_are_masked_only_in_masked_hashes() {
        let mut a = Tokens::default();
        let mut b = Tokens::default();
        Tokenizer::new(7).tokenize("© 2024 Acme", &mut a);
        Tokenizer::new(7).tokenize("© 2025 Acme", &mut b);
        assert_ne!(a.hashes, b.hashes);
        assert_eq!(a.masked, b.masked);
    }
}
