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

/// The tokens of one text: hashes, digit-masked hashes, start offsets and
/// a few facts per token, in parallel arrays that are reused between texts.
#[derive(Debug, Default, Clone)]
pub struct Tokens {
    /// xxh3 of each normalised token.
    pub hashes: Vec<u64>,
    /// Same, with every digit replaced by `0`: "2024" and "2025" agree.
    pub masked: Vec<u64>,
    /// Byte offset of each token's first byte in the original text.
    pub starts: Vec<u32>,
    /// Per token: its characters (up to 255).
    chars: Vec<u8>,
    /// Scratch for the normalised form of one token.
    norm: Vec<u8>,
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

    /// Characters in the normalised token `i` (255 for longer ones).
    pub fn chars(&self, i: usize) -> usize {
        self.chars[i] as usize
    }

    /// Whether the normalised token `i` holds a digit.
    pub fn has_digit(&self, i: usize) -> bool {
        self.masked[i] != self.hashes[i]
    }

    /// Index range of the tokens that start inside `start..end`.
    pub fn range(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        let lo = self.starts.partition_point(|&s| (s as usize) < start);
        let hi = self.starts.partition_point(|&s| (s as usize) < end);
        lo..hi
    }
}

/// Where the tokenizer puts each token: [`Tokens`] keeps everything the
/// paragraph work needs, [`Hashes`] the hashes only (document dedup).
pub trait TokenSink {
    /// Whether the digit-masked hash is wanted (a second hash per token
    /// with a digit).
    const MASKED: bool;
    /// Empties the sink and makes room for about `n` tokens.
    fn start(&mut self, n: usize);
    /// Pushes a token: its hash, its digit-masked hash (its hash when not
    /// [`TokenSink::MASKED`]), the byte where it starts, its characters.
    fn push(&mut self, hash: u64, masked: u64, start: usize, chars: usize);
    /// Scratch for the normalised form of one token.
    fn norm(&mut self) -> &mut Vec<u8>;
}

impl TokenSink for Tokens {
    const MASKED: bool = true;

    fn start(&mut self, n: usize) {
        self.hashes.clear();
        self.masked.clear();
        self.starts.clear();
        self.chars.clear();
        self.hashes.reserve(n);
        self.masked.reserve(n);
        self.starts.reserve(n);
        self.chars.reserve(n);
    }

    // Once per token: inlined into the tokenizer's loop.
    #[inline(always)]
    fn push(&mut self, hash: u64, masked: u64, start: usize, chars: usize) {
        self.hashes.push(hash);
        self.masked.push(masked);
        self.starts.push(start as u32);
        self.chars.push(chars.min(255) as u8);
    }

    fn norm(&mut self) -> &mut Vec<u8> {
        &mut self.norm
    }
}

/// The token hashes of one text alone, reused between texts: what document
/// dedup compares, without the facts the paragraph work needs.
#[derive(Debug, Default, Clone)]
pub struct Hashes {
    /// xxh3 of each normalised token, as [`Tokens::hashes`] has them.
    pub hashes: Vec<u64>,
    norm: Vec<u8>,
}

impl TokenSink for Hashes {
    const MASKED: bool = false;

    fn start(&mut self, n: usize) {
        self.hashes.clear();
        self.hashes.reserve(n);
    }

    #[inline(always)]
    fn push(&mut self, hash: u64, _masked: u64, _start: usize, _chars: usize) {
        self.hashes.push(hash);
    }

    fn norm(&mut self) -> &mut Vec<u8> {
        &mut self.norm
    }
}

/// Cuts text into normalised, hashed tokens. Cheap to create; holds only the seed.
#[derive(Debug, Clone, Copy)]
pub struct Tokenizer {
    seed: u64,
}

/// Characters written without spaces between words: one token each.
pub fn is_unspaced_script(c: char) -> bool {
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
    // General Punctuation (spaces, dashes, quotes, bullets) holds no letter,
    // digit or mark: answered before the Unicode tables are searched.
    !('\u{2000}'..='\u{206F}').contains(&c) && (c.is_alphanumeric() || is_combining_mark(c))
}

impl Tokenizer {
    /// A tokenizer whose word hashes are seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Tokenizer { seed }
    }

    /// The hash a word gets, given in its normalised form (lower case,
    /// NFKC): for word lists such as stop words.
    pub fn hash_word(&self, normalised: &str) -> u64 {
        xxh3_64_with_seed(normalised.as_bytes(), self.seed)
    }

    /// Tokenises `text` into `out` (cleared first).
    ///
    /// Blocks of 64 bytes are classified at once into bit masks; the ASCII
    /// words that end inside a block are taken from the masks, without a
    /// branch per byte. Everything else (a word running into the next block
    /// or going on with an apostrophe or a non-ASCII character, a non-ASCII
    /// character, the last bytes of the text) takes one step of the
    /// byte-by-byte path, which gives the same tokens as the masks would.
    pub fn tokenize(&self, text: &str, out: &mut impl TokenSink) {
        // `Block` classifies `BLOCK` bytes; `Tokenizer::step` is the
        // byte-by-byte path.
        out.start(text.len() / 5);
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(block) = bytes.get(i..i + BLOCK) {
            let m = Block::of(block.try_into().expect("BLOCK bytes"));
            let mut p = 0;
            i = loop {
                let ahead = (m.alnum | m.high) & (!0 << p);
                if ahead == 0 {
                    break i + BLOCK;
                }
                let s = ahead.trailing_zeros() as usize;
                let end = s + (!(m.alnum >> s)).trailing_zeros() as usize;
                if (m.high >> s) & 1 == 1
                    || end == BLOCK
                    || ((m.apostrophe | m.high) >> end) & 1 == 1
                {
                    break self.step(text, i + s, out);
                }
                let word = &bytes[i + s..i + end];
                let span = (!0 << s) & !(!0 << end);
                let digits = m.digit & span != 0;
                if m.upper & span == 0 {
                    self.finish_token(word, word.len(), i + s, digits, out);
                } else {
                    let mut low = [0u8; BLOCK];
                    for (d, &c) in low.iter_mut().zip(word) {
                        // Letters and digits: `| 0x20` lower-cases.
                        *d = c | 0x20;
                    }
                    self.finish_token(&low[..word.len()], word.len(), i + s, digits, out);
                }
                p = end;
            };
        }
        while i < bytes.len() {
            i = self.step(text, i, out);
        }
    }

    /// One step of the byte-by-byte path at `i`: skips a separator, or
    /// pushes the token that starts there. Returns where the next step starts.
    fn step<S: TokenSink>(&self, text: &str, i: usize, out: &mut S) -> usize {
        let bytes = text.as_bytes();
        let b = bytes[i];
        if b < 0x80 {
            if !b.is_ascii_alphanumeric() {
                return i + 1;
            }
            if let Some(end) = self.ascii_word(bytes, i, out) {
                return end;
            }
        } else {
            let c = text[i..].chars().next().expect("i is on a char boundary");
            if is_unspaced_script(c) {
                self.push_normalized(&text[i..i + c.len_utf8()], i, out);
                return i + c.len_utf8();
            }
            if !is_word_char(c) {
                return i + c.len_utf8();
            }
        }
        let end = word_end(text, i);
        self.push_normalized(&text[i..end], i, out);
        end
    }

    /// The fast path: a word of ASCII letters and digits (apostrophes,
    /// straight or curly, may join it) starting at `start`, lower-cased and
    /// hashed. Returns where it ends, or `None` when the word goes on with
    /// other letters and needs Unicode normalisation.
    fn ascii_word<S: TokenSink>(&self, bytes: &[u8], start: usize, out: &mut S) -> Option<usize> {
        let mut j = start;
        let mut upper = false;
        while let Some(&c) = bytes.get(j).filter(|c| c.is_ascii_alphanumeric()) {
            upper |= c.is_ascii_uppercase();
            j += 1;
        }
        match bytes.get(j) {
            Some(&c) if c == b'\'' || c >= 0x80 => self.ascii_word_joined(bytes, start, out),
            _ if !upper => {
                let word = &bytes[start..j];
                self.finish_token(word, word.len(), start, has_digit(word), out);
                Some(j)
            }
            _ => {
                let mut low = [0u8; 32];
                if j - start <= low.len() {
                    for (d, s) in low.iter_mut().zip(&bytes[start..j]) {
                        *d = s.to_ascii_lowercase();
                    }
                    let word = &low[..j - start];
                    self.finish_token(word, word.len(), start, has_digit(word), out);
                } else {
                    let word: Vec<u8> =
                        bytes[start..j].iter().map(u8::to_ascii_lowercase).collect();
                    self.finish_token(&word, word.len(), start, has_digit(&word), out);
                }
                Some(j)
            }
        }
    }

    /// [`Tokenizer::ascii_word`] for a word followed by an apostrophe or a
    /// non-ASCII character.
    fn ascii_word_joined<S: TokenSink>(
        &self,
        bytes: &[u8],
        start: usize,
        out: &mut S,
    ) -> Option<usize> {
        const CURLY: &[u8] = "\u{2019}".as_bytes();
        let alnum_at = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_alphanumeric);
        let mut norm = std::mem::take(out.norm());
        norm.clear();
        let mut j = start;
        let end = loop {
            let Some(&c) = bytes.get(j) else {
                break Some(j);
            };
            if c.is_ascii_alphanumeric() {
                norm.push(c.to_ascii_lowercase());
                j += 1;
            } else if c == b'\'' || bytes[j..].starts_with(CURLY) {
                let after = j + if c == b'\'' { 1 } else { CURLY.len() };
                if alnum_at(after) {
                    j = after;
                } else if bytes.get(after).is_some_and(|&n| n >= 0x80)
                    && continues_word(bytes, after)
                {
                    break None;
                } else {
                    break Some(j);
                }
            } else if c < 0x80 || !continues_word(bytes, j) {
                break Some(j);
            } else {
                break None;
            }
        };
        if end.is_some() {
            self.finish_token(&norm, norm.len(), start, has_digit(&norm), out);
        }
        *out.norm() = norm;
        end
    }

    fn push_normalized<S: TokenSink>(&self, word: &str, start: usize, out: &mut S) {
        let mut norm = std::mem::take(out.norm());
        norm.clear();
        let mut chars = 0;
        let mut utf8 = [0u8; 4];
        for c in word.nfkc() {
            for l in c.to_lowercase() {
                if l.is_alphanumeric() {
                    norm.extend_from_slice(l.encode_utf8(&mut utf8).as_bytes());
                    chars += 1;
                }
            }
        }
        // Only combining marks or apostrophes: no token.
        if chars > 0 {
            self.finish_token(&norm, chars, start, has_digit(&norm), out);
        }
        *out.norm() = norm;
    }

    /// Pushes the normalised `word`, of `chars` characters, found at
    /// `start`; `digits`: whether it holds an ASCII digit.
    fn finish_token<S: TokenSink>(
        &self,
        word: &[u8],
        chars: usize,
        start: usize,
        digits: bool,
        out: &mut S,
    ) {
        let hash = xxh3_64_with_seed(word, self.seed);
        let masked = if S::MASKED && digits {
            let mut m = [0u8; 64];
            if word.len() <= m.len() {
                for (d, &b) in m.iter_mut().zip(word) {
                    *d = if b.is_ascii_digit() { b'0' } else { b };
                }
                xxh3_64_with_seed(&m[..word.len()], self.seed)
            } else {
                let m: Vec<u8> = word
                    .iter()
                    .map(|&b| if b.is_ascii_digit() { b'0' } else { b })
                    .collect();
                xxh3_64_with_seed(&m, self.seed)
            }
        } else {
            hash
        };
        out.push(hash, masked, start, chars);
    }
}

fn has_digit(word: &[u8]) -> bool {
    word.iter().any(u8::is_ascii_digit)
}

/// Bytes classified at once by [`Block::of`].
const BLOCK: usize = 64;

/// The classes of [`BLOCK`] bytes, one bit per byte (bit `k` for byte `k`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Block {
    /// ASCII letters and digits.
    alnum: u64,
    /// ASCII capitals.
    upper: u64,
    /// ASCII digits.
    digit: u64,
    /// Straight apostrophes.
    apostrophe: u64,
    /// Bytes of non-ASCII characters.
    high: u64,
}

impl Block {
    /// The classes of `bytes`: sixteen at a time with SSE2 (always there on
    /// x86-64), one at a time elsewhere.
    fn of(bytes: &[u8; BLOCK]) -> Block {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: SSE2 is part of every x86-64 processor.
            unsafe { Block::sse2(bytes) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Block::bytewise(bytes)
        }
    }

    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    fn bytewise(bytes: &[u8; BLOCK]) -> Block {
        let mut m = Block::default();
        for (k, &b) in bytes.iter().enumerate() {
            let bit = |yes: bool| u64::from(yes) << k;
            m.alnum |= bit(b.is_ascii_alphanumeric());
            m.upper |= bit(b.is_ascii_uppercase());
            m.digit |= bit(b.is_ascii_digit());
            m.apostrophe |= bit(b == b'\'');
            m.high |= bit(b >= 0x80);
        }
        m
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "sse2")]
    fn sse2(bytes: &[u8; BLOCK]) -> Block {
        use std::arch::x86_64::*;
        // Signed compares: bytes of 0x80 and up are negative, below every
        // ASCII bound, so no range below takes them.
        let within = |v: __m128i, lo: u8, hi: u8| {
            _mm_and_si128(
                _mm_cmpgt_epi8(v, _mm_set1_epi8((lo - 1) as i8)),
                _mm_cmplt_epi8(v, _mm_set1_epi8((hi + 1) as i8)),
            )
        };
        let mut m = Block::default();
        for (k, chunk) in bytes.chunks_exact(16).enumerate() {
            // SAFETY: `chunk` is 16 readable bytes; the load is unaligned.
            let v = unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) };
            let bits = |mask: __m128i| u64::from(_mm_movemask_epi8(mask) as u16) << (16 * k);
            let letter = within(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', b'z');
            let digit = within(v, b'0', b'9');
            m.alnum |= bits(_mm_or_si128(letter, digit));
            m.upper |= bits(within(v, b'A', b'Z'));
            m.digit |= bits(digit);
            m.apostrophe |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'\'' as i8)));
            m.high |= bits(v);
        }
        m
    }
}

/// Whether the non-ASCII character at byte `j` continues a word.
fn continues_word(bytes: &[u8], j: usize) -> bool {
    let text = std::str::from_utf8(&bytes[j..bytes.len().min(j + 4)])
        .or_else(|e| std::str::from_utf8(&bytes[j..j + e.valid_up_to()]))
        .unwrap_or_default();
    text.chars()
        .next()
        .is_some_and(|c| (is_word_char(c) && !is_unspaced_script(c)) || is_apostrophe(c))
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

    /// Whether `text` tokenises to exactly `expected` (normalised words).
    fn assert_words(text: &str, expected: &[&str]) {
        let tok = Tokenizer::new(1);
        let mut t = Tokens::default();
        tok.tokenize(text, &mut t);
        let want: Vec<u64> = expected.iter().map(|w| tok.hash_word(w)).collect();
        assert_eq!(t.hashes, want, "{text:?} should give {expected:?}");
        for (i, w) in expected.iter().enumerate() {
            assert_eq!(t.chars(i), w.chars().count());
            assert_eq!(t.has_digit(i), w.contains(|c: char| c.is_ascii_digit()));
        }
    }

    #[test]
    fn folds_case_quotes_and_punctuation() {
        assert_words(
            "Russia’s “WAR”—dual-use, Russia's war.",
            &["russias", "war", "dual", "use", "russias", "war"],
        );
    }

    #[test]
    fn fast_and_unicode_paths_agree() {
        assert_words("l'été l’été", &["lété", "lété"]);
        assert_words(
            "naïve Zelenskyy’s Zelenskyy's",
            &["naïve", "zelenskyys", "zelenskyys"],
        );
        assert_words("end’ ’start it’", &["end", "start", "it"]);
        assert_words("ABC\u{301}D x", &["abćd", "x"]);
    }

    #[test]
    fn nfkc_and_combining_marks_make_one_form() {
        // Precomposed é and e + combining acute; the "ﬁ" ligature.
        assert_words(
            "caf\u{e9} cafe\u{301} \u{fb01}ne",
            &["café", "café", "fine"],
        );
    }

    #[test]
    fn unspaced_scripts_are_character_tokens() {
        assert_words("中国外交部 said", &["中", "国", "外", "交", "部", "said"]);
        assert_words("Привет, мир 2025", &["привет", "мир", "2025"]);
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

    /// The byte-by-byte path alone, step after step.
    fn bytewise(tok: Tokenizer, text: &str) -> Tokens {
        let mut out = Tokens::default();
        let mut i = 0;
        while i < text.len() {
            i = tok.step(text, i, &mut out);
        }
        out
    }

    #[test]
    fn blocks_give_the_tokens_of_the_bytewise_path_with_either_sink() {
        // Pieces that end words in every way the block path hands on:
        // apostrophes, curly ones, marks, letters of other scripts, runs
        // longer than a block, capitals, digits.
        const PIECES: &[&str] = &[
            "a",
            "Zed",
            "x9",
            "2024",
            " ",
            "  ",
            ", ",
            ".",
            "'",
            "\u{2019}",
            "e\u{301}",
            "é",
            "中",
            "\u{a0}",
            "—",
            "ﬁ",
            "мир",
            "ª",
            "²",
            "\n",
            "O'Neil",
            "it\u{2019}s",
            "-",
            "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123",
        ];
        let tok = Tokenizer::new(3);
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut t = Tokens::default();
        let mut hashes = Hashes::default();
        for _ in 0..3000 {
            let mut text = String::new();
            let n = (state >> 59) as usize * 12;
            for _ in 0..n {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(PIECES[(state % PIECES.len() as u64) as usize]);
            }
            tok.tokenize(&text, &mut t);
            let want = bytewise(tok, &text);
            assert_eq!(t.hashes, want.hashes, "{text:?}");
            assert_eq!(t.masked, want.masked, "{text:?}");
            assert_eq!(t.starts, want.starts, "{text:?}");
            assert_eq!(t.chars, want.chars, "{text:?}");
            // The hashes alone, as document dedup takes them, are the same.
            tok.tokenize(&text, &mut hashes);
            assert_eq!(hashes.hashes, want.hashes, "{text:?}");
        }
    }

    #[test]
    fn block_classes_agree_with_the_bytewise_ones() {
        let mut bytes = [0u8; BLOCK];
        for start in (0..=255u8).step_by(BLOCK / 2) {
            for (k, b) in bytes.iter_mut().enumerate() {
                *b = start.wrapping_add(k as u8);
            }
            assert_eq!(Block::of(&bytes), Block::bytewise(&bytes), "from {start}");
        }
    }

    #[test]
    fn general_punctuation_holds_no_word_character() {
        for c in '\u{2000}'..='\u{206F}' {
            assert!(!c.is_alphanumeric() && !is_combining_mark(c), "{c:?}");
        }
    }
}
