//! The word index behind the report page's text search: which documents
//! hold each word, for the texts in the report's pages and the spans
//! removed from documents whose text is not there.
//!
//! A word is a run of alphanumeric characters, each lowercased on its own
//! (so that the page's script, which lowercases the same way, finds the
//! same words), and is known by its 32-bit FNV-1a hash over UTF-8. The
//! index is cut into pages by hash (page `hash * pages >> 32`, so that the
//! pages follow the order of the hashes), so that a query loads the pages
//! of its words only; the page then checks each candidate's text for the phrase,
//! which also sets aside the rare document that a hash collision brings.

use rayon::slice::ParallelSliceMut;
use serde::Serialize;

/// Postings (word, document) held at most: past them, later documents are
/// not indexed, and the page says from which document on.
pub const POSTINGS_BUDGET: usize = 8 << 20;
/// Postings a page of the index holds, about.
const POSTINGS_PER_PAGE: usize = 64 << 10;

/// The word index, built one document at a time in document order.
pub struct TextIndex {
    /// Postings held at most.
    budget: usize,
    /// (word hash << 32) | document.
    postings: Vec<u64>,
    words: Vec<u32>,
    /// The first document not indexed, once the budget ran out.
    stopped_at: Option<u32>,
}

/// What the page needs to know of the index.
#[derive(Serialize)]
pub struct IndexMeta {
    /// Pages of the index; a word's page is `hash * pages >> 32`.
    pub pages: usize,
    /// The first document not indexed, when the budget ran out.
    pub stopped_at: Option<u32>,
}

impl Default for TextIndex {
    fn default() -> Self {
        TextIndex {
            budget: POSTINGS_BUDGET,
            postings: Vec::new(),
            words: Vec::new(),
            stopped_at: None,
        }
    }
}

impl TextIndex {
    /// Indexes the words of `texts` as document `doc`'s.
    pub fn add<'t>(&mut self, doc: u32, texts: impl IntoIterator<Item = &'t str>) {
        if self.stopped_at.is_some() {
            return;
        }
        self.words.clear();
        for text in texts {
            each_word(text, |w| self.words.push(w));
        }
        self.words.sort_unstable();
        self.words.dedup();
        if self.postings.len() + self.words.len() > self.budget {
            self.stopped_at = Some(doc);
            return;
        }
        self.postings.extend(
            self.words
                .iter()
                .map(|&w| u64::from(w) << 32 | u64::from(doc)),
        );
    }

    /// The index's pages (each a JSON object from a word's hash to its
    /// documents, as the gaps between them), and what the page needs to
    /// know of them.
    pub fn finish(mut self) -> (Vec<Vec<u8>>, IndexMeta) {
        let pages = self.postings.len().div_ceil(POSTINGS_PER_PAGE).max(1);
        // By word, then document: the pages, and each word's documents, come
        // in order.
        self.postings.par_sort_unstable();
        let mut json = vec![b"{".to_vec(); pages];
        let mut last: Option<(u32, u32)> = None;
        let mut number = itoa::Buffer::new();
        for &posting in &self.postings {
            let (word, doc) = ((posting >> 32) as u32, posting as u32);
            let page = &mut json[page_of(word, pages)];
            let gap = match last {
                Some((w, d)) if w == word => {
                    page.push(b',');
                    doc - d
                }
                _ => {
                    if page.len() > 1 {
                        page.extend_from_slice(b"],");
                    }
                    page.push(b'"');
                    page.extend_from_slice(number.format(word).as_bytes());
                    page.extend_from_slice(b"\":[");
                    doc
                }
            };
            page.extend_from_slice(number.format(gap).as_bytes());
            last = Some((word, doc));
        }
        for page in &mut json {
            page.extend_from_slice(if page.len() > 1 { b"]}" } else { b"}" });
        }
        let meta = IndexMeta {
            pages,
            stopped_at: self.stopped_at,
        };
        (json, meta)
    }
}

/// The page of `word` among `pages`.
fn page_of(word: u32, pages: usize) -> usize {
    ((u64::from(word) * pages as u64) >> 32) as usize
}

const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

/// FNV-1a (32 bits) of `h` and then byte `b`.
fn fold_byte(h: u32, b: u8) -> u32 {
    (h ^ u32::from(b)).wrapping_mul(FNV_PRIME)
}

/// FNV-1a of `h` and then `c` lowercased, as UTF-8.
fn fold_char(mut h: u32, c: char) -> u32 {
    let mut buf = [0u8; 4];
    for lower in c.to_lowercase() {
        for &b in lower.encode_utf8(&mut buf).as_bytes() {
            h = fold_byte(h, b);
        }
    }
    h
}

/// Calls `f` with the hash of each word of `text`, in order: the FNV-1a
/// (32 bits) of the word lowercased character by character, as UTF-8. A
/// word is a run of alphanumeric characters; ASCII bytes are classified
/// and folded one by one, other characters decoded.
fn each_word(text: &str, mut f: impl FnMut(u32)) {
    let bytes = text.as_bytes();
    let (mut h, mut in_word) = (FNV_OFFSET, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (alphanumeric, next) = if b.is_ascii() {
            if b.is_ascii_alphanumeric() {
                h = fold_byte(h, b.to_ascii_lowercase());
            }
            (b.is_ascii_alphanumeric(), i + 1)
        } else {
            let c = text[i..].chars().next().expect("i is on a char boundary");
            if c.is_alphanumeric() {
                h = fold_char(h, c);
            }
            (c.is_alphanumeric(), i + c.len_utf8())
        };
        if alphanumeric {
            in_word = true;
        } else if in_word {
            f(h);
            (h, in_word) = (FNV_OFFSET, false);
        }
        i = next;
    }
    if in_word {
        f(h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The hashes of the words of `text`.
    fn words(text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        each_word(text, |w| out.push(w));
        out
    }

    /// The hash of one word, by its definition.
    fn word_hash(word: &str) -> u32 {
        word.chars().fold(FNV_OFFSET, fold_char)
    }

    #[test]
    fn words_are_alphanumeric_runs_lowercased() {
        let hashes = words("Über-all, 2024 ÜBER? über");
        assert_eq!(hashes.len(), 5);
        assert_eq!(hashes[0], hashes[3]);
        assert_eq!(hashes[0], hashes[4]);
        assert_eq!(hashes[1], word_hash("all"));
        // FNV-1a's published value for "a".
        assert_eq!(word_hash("a"), 0xe40c_292c);
        assert_eq!(word_hash("A"), 0xe40c_292c);
        // The same lowercasing on both paths: ASCII, and characters beyond.
        assert_eq!(word_hash("ÄbC"), word_hash("äbc"));
        assert_eq!(word_hash("ÄBC"), word_hash("äbc"));
    }

    proptest::proptest! {
        /// The byte scan cuts and hashes the words of any text as the
        /// definition does: alphanumeric runs, each hashed by its chars.
        #[test]
        fn the_scan_finds_the_words_of_the_definition(text in "\\PC{0,60}") {
            let defined: Vec<u32> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(word_hash)
                .collect();
            proptest::prop_assert_eq!(words(&text), defined);
        }
    }

    #[test]
    fn postings_are_gaps_per_word_on_the_page_of_its_hash() {
        let mut ix = TextIndex::default();
        ix.add(2, ["red fox", "red"]);
        ix.add(7, ["Red hen"]);
        let (pages, meta) = ix.finish();
        assert_eq!(meta.pages, 1);
        let empty = TextIndex::default().finish().0;
        assert_eq!(empty, vec![b"{}".to_vec()]);
        assert_eq!(meta.stopped_at, None);
        let page: BTreeMap<String, Vec<u32>> = serde_json::from_slice(&pages[0]).unwrap();
        assert_eq!(page[&word_hash("red").to_string()], vec![2, 5]);
        assert_eq!(page[&word_hash("fox").to_string()], vec![2]);
        assert_eq!(page[&word_hash("hen").to_string()], vec![7]);
    }

    #[test]
    fn each_word_is_on_the_page_of_its_hash() {
        let mut ix = TextIndex::default();
        let many: String = (0..POSTINGS_PER_PAGE + 10)
            .map(|i| format!("w{i} "))
            .collect();
        ix.add(0, [many.as_str()]);
        ix.add(3, ["w5 w6"]);
        let (pages, meta) = ix.finish();
        assert_eq!(meta.pages, 2);
        let mut seen = 0;
        for (k, page) in pages.iter().enumerate() {
            let page: BTreeMap<u32, Vec<u32>> = serde_json::from_slice(page).unwrap();
            for (w, gaps) in page {
                assert_eq!(page_of(w, 2), k);
                seen += 1;
                let expected = if w == word_hash("w5") || w == word_hash("w6") {
                    vec![0, 3]
                } else {
                    vec![0]
                };
                assert_eq!(gaps, expected);
            }
        }
        assert_eq!(seen, POSTINGS_PER_PAGE + 10);
    }

    #[test]
    fn past_the_budget_later_documents_are_not_indexed() {
        let mut ix = TextIndex {
            budget: 5,
            ..TextIndex::default()
        };
        ix.add(0, ["one two"]);
        ix.add(1, ["three four"]);
        ix.add(2, ["five six"]);
        ix.add(3, ["seven"]);
        let (_, meta) = ix.finish();
        assert_eq!(meta.stopped_at, Some(2));
    }
}
