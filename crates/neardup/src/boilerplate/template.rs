//! Corpus templates: a segment whose normalised text, with digits masked,
//! recurs across many documents is boilerplate (a navigation line, a footer,
//! a newsletter call, a copyright line whose year changes).
//!
//! Templates are found twice over, from one census of every segment of the
//! corpus taken before any document is matched ([`Census`]):
//!
//! - **shared lines**, for matching: the keys found in at least `min_docs`
//!   distinct documents (exact copies counted once). Documents are compared
//!   with these set aside, so that two pages of one site are not taken for
//!   copies of each other because they share its menus, sidebar and footer;
//! - **templates**, for cleaning: the shared lines found in at least
//!   `min_docs` *kept* documents (`Shared::kept`), once duplicates are
//!   known, so that an article and its copies never make each other's
//!   lines boilerplate. A template is removed from every document it occurs
//!   in, with one exception: a line of one or two words ("Pros:", "Audio")
//!   recurs across unrelated sites as ordinary content, so it goes only when
//!   it sits in a run of boilerplate or at the edge of the document, as menus
//!   and footers do, and stays when kept text stands on both sides of it.
//!
//! The census sorts (key, document) records with an external sorter, like
//! the LSH stage, so memory stays bounded and the same step could run on a
//! distributed shuffle.

use crate::boilerplate::body::Class;
use crate::boilerplate::structural::LineFacts;
use crate::error::{Error, Result};
use crate::removal::{Removal, Rule};
use crate::spill::{Record, Sorter};
use crate::text::segment;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use unicode_normalization::char::is_combining_mark;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The template key of a segment's text: its words, lower-cased, with
/// punctuation and spacing dropped, and its digits masked, so that a footer
/// whose year changes still matches itself. A segment with two or more
/// figures ("Shr 52 cts vs 51 cts") is data, not a template: its figures
/// stay in the key. `None` when the text has no word. `buf` is scratch.
///
/// The key reads characters, not tokens, so the census computes it without
/// tokenising; the first pass computes the same key for the same segment.
pub fn key(text: &str, seed: u64, buf: &mut Vec<u8>) -> Option<u64> {
    key_and_words(text, seed, buf).map(|(key, _)| key)
}

/// [`key`], and the number of words of the text (runs of letters and digits;
/// a character of a script written without spaces is a word of its own).
fn key_and_words(text: &str, seed: u64, buf: &mut Vec<u8>) -> Option<(u64, usize)> {
    let bytes = text.as_bytes();
    // Figures are the runs of ASCII digits, which the key keeps apart as the
    // text does (what separates two runs leaves a byte between them): with
    // one at most, its digits are written as `0`.
    let table = if figure_runs(bytes) <= 1 {
        &ASCII_KEY_MASKED
    } else {
        &ASCII_KEY
    };
    let mut words = 0usize;
    // Every byte gives at most one byte of the key, except a non-ASCII
    // character whose lower case is longer: room for those is made there.
    buf.clear();
    buf.resize(bytes.len() + 1, 0);
    let mut len = 0usize;
    let mut gap = true;
    let mut i = 0;
    if bytes.is_ascii() {
        // The common case, without the check for other characters.
        // Branch-free: a word byte is written and kept, the first separator
        // after a word is written as a space, the others dropped.
        let out = &mut buf[..];
        for &b in bytes {
            // ASCII: the mask changes nothing and spares the bounds check.
            let mapped = table[usize::from(b & 0x7f)];
            let word = mapped != 0;
            out[len] = mapped | (u8::from(!word) * b' ');
            len += usize::from(word | !gap);
            words += usize::from(word & gap);
            gap = !word;
        }
        i = bytes.len();
    }
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            let mapped = table[b as usize];
            let word = mapped != 0;
            buf[len] = mapped | (u8::from(!word) * b' ');
            len += usize::from(word | !gap);
            words += usize::from(word & gap);
            gap = !word;
            i += 1;
            continue;
        }
        let c = text[i..].chars().next().expect("i is on a char boundary");
        i += c.len_utf8();
        if c.is_alphanumeric() || is_combining_mark(c) {
            // A lower case is at most three characters: room for them and
            // for a byte per input byte still to come.
            let room = len + 12 + (bytes.len() - i) + 1;
            if buf.len() < room {
                buf.resize(room, 0);
            }
            let mut utf8 = [0u8; 4];
            for l in c.to_lowercase() {
                let l = l.encode_utf8(&mut utf8).as_bytes();
                buf[len..len + l.len()].copy_from_slice(l);
                len += l.len();
            }
            words += usize::from(gap || crate::text::is_unspaced_script(c));
            gap = false;
        } else if !gap {
            buf[len] = b' ';
            len += 1;
            gap = true;
        }
    }
    if gap && len > 0 {
        len -= 1;
    }
    if len == 0 {
        return None;
    }
    Some((xxh3_64_with_seed(&buf[..len], seed), words))
}

/// Runs of ASCII digits in `bytes`. Branch-free, so that it vectorises.
fn figure_runs(bytes: &[u8]) -> usize {
    let digit = |b: u8| b.wrapping_sub(b'0') < 10;
    let first = bytes.first().is_some_and(|&b| digit(b));
    let after = bytes.get(1..).unwrap_or_default();
    let starts: usize = after
        .iter()
        .zip(bytes)
        .map(|(&b, &before)| usize::from(digit(b) & !digit(before)))
        .sum();
    usize::from(first) + starts
}

/// Each ASCII byte as it stands in a template key: letters lower-cased,
/// digits as they are, everything else 0 (a separator).
static ASCII_KEY: [u8; 128] = ascii_key(false);
/// [`ASCII_KEY`] with every digit as `0`.
static ASCII_KEY_MASKED: [u8; 128] = ascii_key(true);

const fn ascii_key(mask_digits: bool) -> [u8; 128] {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if mask_digits && c.is_ascii_digit() {
            b'0'
        } else if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            0
        };
        b += 1;
    }
    t
}

/// One segment of one document in the census: its key, the key of the
/// document's whole text (so exact copies count once) and the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Occurrence {
    key: u64,
    text: u64,
    doc: u32,
}

impl Record for Occurrence {
    const SIZE: usize = 20;
    fn write(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.key.to_le_bytes());
        out[8..16].copy_from_slice(&self.text.to_le_bytes());
        out[16..20].copy_from_slice(&self.doc.to_le_bytes());
    }
    fn read(b: &[u8]) -> Self {
        Occurrence {
            key: u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
            text: u64::from_le_bytes(b[8..16].try_into().expect("8 bytes")),
            doc: u32::from_le_bytes(b[16..20].try_into().expect("4 bytes")),
        }
    }
}

/// The segment keys of one document and the key of its text, as
/// [`Census::add`] takes them; computed by [`DocKeys::of`] in parallel.
#[derive(Debug, Clone, Default)]
pub struct DocKeys {
    /// Per segment, in order: its key, 0 for a segment without a word.
    segments: Vec<u64>,
    /// Per segment: whether it is a sentence (prose).
    prose: Vec<bool>,
    /// The distinct keys, sorted.
    keys: Vec<u64>,
    text: u64,
}

impl DocKeys {
    /// The keys of `text`'s segments (as [`segment()`] cuts it).
    pub fn of(text: &str, seed: u64, buf: &mut Vec<u8>) -> DocKeys {
        let (segments, prose): (Vec<u64>, Vec<bool>) = segment(text)
            .iter()
            .map(|s| {
                let line = &text[s.range()];
                match key_and_words(line, seed, buf) {
                    Some((key, words)) => (key, is_sentence(line, words)),
                    None => (0, false),
                }
            })
            .unzip();
        let mut keys: Vec<u64> = segments.iter().copied().filter(|&k| k != 0).collect();
        let text = crate::sketch::shingle::combine(&keys);
        keys.sort_unstable();
        keys.dedup();
        DocKeys {
            segments,
            prose,
            keys,
            text,
        }
    }

    /// The distinct segment keys, sorted.
    pub fn keys(&self) -> &[u64] {
        &self.keys
    }

    /// Per segment, in order: whether it is a sentence.
    pub fn prose(&self) -> &[bool] {
        &self.prose
    }

    /// Each segment's key, in order (0 for a segment without a word).
    pub fn segments(&self) -> &[u64] {
        &self.segments
    }

    /// The key of the whole text: equal for exact copies.
    pub fn text_key(&self) -> u64 {
        self.text
    }
}

/// The census of segment keys, taken over the whole corpus before documents
/// are matched. Each document's keys, in order, are kept too, so that the
/// first pass reads them instead of computing them again.
pub struct Census {
    sorter: Sorter<Occurrence>,
    dir: PathBuf,
    segments: (PathBuf, BufWriter<std::fs::File>),
    documents: u32,
}

impl Census {
    /// A census whose files go into `dir`, in at most `capacity` records of
    /// memory.
    pub fn new(dir: &Path, capacity: usize) -> Result<Self> {
        let path = dir.join(format!("neardup-keys-{}.bin", std::process::id()));
        let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        Ok(Census {
            sorter: Sorter::new("census", dir, capacity),
            dir: dir.to_path_buf(),
            segments: (path, BufWriter::with_capacity(1 << 20, file)),
            documents: 0,
        })
    }

    /// Counts the segments of the next document, number `doc`.
    pub fn add(&mut self, doc: u32, keys: &DocKeys) -> Result<()> {
        self.documents = doc + 1;
        for &key in &keys.keys {
            self.sorter.push(Occurrence {
                key,
                text: keys.text,
                doc,
            })?;
        }
        let (path, out) = &mut self.segments;
        let mut bits = vec![0u8; keys.prose.len().div_ceil(8)];
        for (i, _) in keys.prose.iter().enumerate().filter(|p| *p.1) {
            bits[i / 8] |= 1 << (i % 8);
        }
        let mut put = |v: u64| out.write_all(&v.to_le_bytes());
        put(keys.segments.len() as u64)
            .and_then(|()| keys.segments.iter().try_for_each(|&k| put(k)))
            .and_then(|()| out.write_all(&bits))
            .map_err(|e| Error::io(path, e))
    }

    /// The shared lines: keys in at least `min_docs` distinct documents
    /// (`min_docs == 0` finds none). Their documents are kept on disk for
    /// `Shared::kept`.
    pub fn finish(self, min_docs: usize) -> Result<Shared> {
        let path = self
            .dir
            .join(format!("neardup-shared-{}.docs", std::process::id()));
        let (keys_path, mut keys_out) = self.segments;
        keys_out.flush().map_err(|e| Error::io(&keys_path, e))?;
        let mut shared = Shared {
            lines: SharedLines::default(),
            path: path.clone(),
            segments: keys_path,
            documents: self.documents,
            min_docs,
        };
        let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        if min_docs > 0 {
            let keys = &mut shared.lines.0;
            self.sorter.sorted()?.for_each_group(
                |r| r.key,
                |run| {
                    let distinct = 1 + run.windows(2).filter(|w| w[0].text != w[1].text).count();
                    if distinct < min_docs {
                        return Ok(());
                    }
                    keys.push(run[0].key);
                    let write = |out: &mut BufWriter<std::fs::File>, v: u32| {
                        out.write_all(&v.to_le_bytes())
                    };
                    write(&mut out, run.len() as u32)
                        .and_then(|()| run.iter().try_for_each(|r| write(&mut out, r.doc)))
                        .map_err(|e| Error::io(&path, e))
                },
            )?;
        }
        out.flush().map_err(|e| Error::io(&path, e))?;
        Ok(shared)
    }
}

/// Each document's segment keys, in order, as the census computed them.
pub struct SegmentKeys {
    input: BufReader<std::fs::File>,
    path: PathBuf,
}

impl SegmentKeys {
    /// The next document's keys, one per segment, into `out`.
    pub fn next_into(&mut self, out: &mut Vec<u64>) -> Result<()> {
        let mut prose = Vec::new();
        self.next_with_prose(out, &mut prose)
    }

    /// The next document's keys into `keys`, and whether each segment is a
    /// sentence into `prose`.
    fn next_with_prose(&mut self, keys: &mut Vec<u64>, prose: &mut Vec<bool>) -> Result<()> {
        let path = &self.path;
        let mut word = [0u8; 8];
        let mut next = |input: &mut BufReader<std::fs::File>| {
            input
                .read_exact(&mut word)
                .map(|()| u64::from_le_bytes(word))
                .map_err(|e| Error::io(path, e))
        };
        let n = next(&mut self.input)? as usize;
        keys.clear();
        for _ in 0..n {
            keys.push(next(&mut self.input)?);
        }
        let mut bits = vec![0u8; n.div_ceil(8)];
        self.input
            .read_exact(&mut bits)
            .map_err(|e| Error::io(path, e))?;
        prose.clear();
        prose.extend((0..n).map(|i| bits[i / 8] & (1 << (i % 8)) != 0));
        Ok(())
    }
}

/// A set of segment keys: the shared lines that matching sets aside.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharedLines(Vec<u64>);

impl SharedLines {
    /// The set of `keys`, in any order.
    pub fn from_keys(mut keys: Vec<u64>) -> Self {
        keys.sort_unstable();
        keys.dedup();
        SharedLines(keys)
    }

    /// Whether the segment key `key` is a shared line.
    pub fn contains(&self, key: u64) -> bool {
        self.0.binary_search(&key).is_ok()
    }

    /// Number of shared lines.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no shared line.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The keys, sorted.
    pub fn keys(&self) -> &[u64] {
        &self.0
    }
}

/// The shared lines of a corpus, with the documents each is in (on disk).
#[derive(Debug)]
pub struct Shared {
    /// The shared lines' keys.
    pub lines: SharedLines,
    /// For each key in order: its number of documents, then the documents.
    path: PathBuf,
    /// Each document's segment keys ([`SegmentKeys`]).
    segments: PathBuf,
    /// The documents counted.
    documents: u32,
    min_docs: usize,
}

impl Shared {
    /// No shared lines (templates off, or nothing to count).
    pub fn none() -> Self {
        Shared {
            lines: SharedLines::default(),
            path: PathBuf::new(),
            segments: PathBuf::new(),
            documents: 0,
            min_docs: 0,
        }
    }

    /// Each document's segment keys, in order, from the census; `None`
    /// without a census.
    pub fn segment_keys(&self) -> Result<Option<SegmentKeys>> {
        if self.segments.as_os_str().is_empty() {
            return Ok(None);
        }
        let file = std::fs::File::open(&self.segments).map_err(|e| Error::io(&self.segments, e))?;
        Ok(Some(SegmentKeys {
            input: BufReader::with_capacity(1 << 20, file),
            path: self.segments.clone(),
        }))
    }

    /// The corpus templates: the shared lines in at least `min_docs` kept
    /// documents, with their counts, sorted by key; but a sentence is a
    /// template only when it stands in a block of template lines, that is,
    /// when in at least half of the kept documents that hold one of the
    /// template lines it stands beside, it stands beside it (a site's footer
    /// sentence between its footer links, a form's notice above its fields),
    /// or when it opens or closes at least half of the documents that hold
    /// it (a copyright line).
    /// A sentence that recurs without one ("Terms were not disclosed." above
    /// a sign-off found in every story) is content that happens to recur.
    /// Sorted records of (sentence, neighbour) go to `dir`, in at most
    /// `capacity` records of memory.
    pub fn templates(
        &self,
        kept: impl Fn(u32) -> bool,
        dir: &Path,
        capacity: usize,
    ) -> Result<Vec<(u64, u32)>> {
        let mut templates = self.kept(&kept)?;
        let Some(mut census) = self.segment_keys()? else {
            return Ok(templates);
        };
        // (sentence, neighbour) once per kept document; (sentence, 0) for
        // every kept document that holds the sentence at all.
        let mut pairs: Sorter<(u64, u64)> = Sorter::new("sentences", dir, capacity);
        let (mut keys, mut prose, mut found) = (Vec::new(), Vec::new(), Vec::new());
        for doc in 0..self.documents {
            census.next_with_prose(&mut keys, &mut prose)?;
            if !kept(doc) {
                continue;
            }
            sentence_pairs(&keys, &prose, &templates, &mut found);
            for &pair in &found {
                pairs.push(pair)?;
            }
        }
        let mut loose = Vec::new();
        pairs.sorted()?.for_each_group(
            |r| r.0,
            |run| {
                let beside = run
                    .chunk_by(|a, b| a == b)
                    .map(|same| (same[0].1, same.len()));
                if !in_block(&templates, run[0].0, beside) {
                    loose.push(run[0].0);
                }
                Ok(())
            },
        )?;
        templates.retain(|t| loose.binary_search(&t.0).is_err());
        Ok(templates)
    }

    /// The shared lines in at least `min_docs` kept documents.
    fn kept(&self, kept: &impl Fn(u32) -> bool) -> Result<Vec<(u64, u32)>> {
        let mut found = Vec::new();
        if self.lines.is_empty() {
            return Ok(found);
        }
        let file = std::fs::File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let mut input = BufReader::with_capacity(1 << 20, file);
        let mut word = [0u8; 4];
        let mut next = |input: &mut BufReader<std::fs::File>| {
            input
                .read_exact(&mut word)
                .map(|()| u32::from_le_bytes(word))
                .map_err(|e| Error::io(&self.path, e))
        };
        for &key in self.lines.keys() {
            crate::interrupt::check()?;
            let n = next(&mut input)?;
            let mut docs = 0u32;
            for _ in 0..n {
                docs += u32::from(kept(next(&mut input)?));
            }
            if docs as usize >= self.min_docs {
                found.push((key, docs));
            }
        }
        Ok(found)
    }
}

/// The (sentence, neighbour) pairs of one kept document, sorted and once
/// each, for [`Shared::templates`]: for each of its prose segments that is
/// a template (in `templates`), `(sentence, 0)`, and `(sentence, key)` for
/// each template line beside it, or `(sentence, u64::MAX)` when it opens
/// or closes the document. `keys` and `prose` are the document's segment keys
/// and sentence flags, as the census computed them ([`DocKeys`]).
pub fn sentence_pairs(
    keys: &[u64],
    prose: &[bool],
    templates: &[(u64, u32)],
    found: &mut Vec<(u64, u64)>,
) {
    found.clear();
    let template = |k: u64| k != 0 && lookup(templates, k).is_some();
    let lines: Vec<usize> = (0..keys.len()).filter(|&i| keys[i] != 0).collect();
    for (p, &i) in lines.iter().enumerate() {
        if !prose[i] || !template(keys[i]) {
            continue;
        }
        found.push((keys[i], 0));
        for q in [p.checked_sub(1), Some(p + 1)] {
            match q.and_then(|q| lines.get(q)) {
                Some(&j) if template(keys[j]) && keys[j] != keys[i] => {
                    found.push((keys[i], keys[j]))
                }
                Some(_) => {}
                None => found.push((keys[i], EDGE)),
            }
        }
    }
    found.sort_unstable();
    found.dedup();
}

/// Whether the template sentence `sentence` stands in a block of template
/// lines, from `beside`: for each neighbour of its pairs
/// ([`sentence_pairs`]), in any order, the number of kept documents in
/// which it stands beside it. It does when, for some template
/// line, it stands beside it in at least half of that line's kept documents,
/// or when it opens or closes at least half of its own. A neighbour that is
/// no template (in pairs found against more lines than the templates) is
/// no block.
pub fn in_block(
    templates: &[(u64, u32)],
    sentence: u64,
    beside: impl IntoIterator<Item = (u64, usize)>,
) -> bool {
    let own = lookup(templates, sentence).unwrap_or(u32::MAX);
    beside.into_iter().any(|(neighbour, docs)| {
        let of = match neighbour {
            0 => return false,
            EDGE => own,
            key => match lookup(templates, key) {
                Some(docs) => docs,
                None => return false,
            },
        };
        docs * 2 >= of as usize
    })
}

impl Drop for Shared {
    fn drop(&mut self) {
        for path in [&self.path, &self.segments] {
            if !path.as_os_str().is_empty() {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// Document count of `key` if it is a template.
pub fn lookup(templates: &[(u64, u32)], key: u64) -> Option<u32> {
    templates
        .binary_search_by_key(&key, |t| t.0)
        .ok()
        .map(|i| templates[i].1)
}

/// Whether segment `p` of `content` is a row of a table: it carries two
/// figures, or one and so does a line beside it ("Record March 31" among a
/// dividend's figures), or it is a label between two rows of data
/// ("Acreage (mln acres) --").
pub fn is_row(facts: &[LineFacts], content: &[usize], p: usize) -> bool {
    let line = |q: Option<usize>| q.and_then(|q| content.get(q)).map(|&i| facts[i]);
    let figures = |q: Option<usize>| line(q).is_some_and(|f| f.has_figures());
    let data = |q: Option<usize>| line(q).is_some_and(|f| f.has_two_figures());
    let (before, after) = (p.checked_sub(1), Some(p + 1));
    data(Some(p))
        || (figures(Some(p)) && (figures(before) || figures(after)))
        || (!line(Some(p)).is_some_and(|f| f.is_prose()) && data(before) && data(after))
}

/// In a document that is already clean text, not a page
/// ([`super::body::is_clean_text`]), its recurring lines are its own: a
/// series' title, the rows of a dividend's table ("Record April Three"), a
/// sentence every such story ends with. Of its template lines only its
/// first line, when it is no title (a standing header, a menu), and its last
/// (a sign-off, "Reuter") stay removed, unless they are a table's rows.
pub fn release_inside(facts: &[LineFacts], removals: &mut [Option<Removal>]) {
    let content: Vec<usize> = (0..facts.len()).filter(|&i| facts[i].words > 0).collect();
    let edge = |p: usize| !is_row(facts, &content, p);
    let title = |i: usize| facts[i].is_headline() || facts[i].class != Class::Bad;
    let first = content.first().filter(|&&i| edge(0) && !title(i)).copied();
    let last = content
        .len()
        .checked_sub(1)
        .filter(|&p| edge(p))
        .map(|p| content[p]);
    for (i, r) in removals.iter_mut().enumerate() {
        let at_edge = Some(i) == first || Some(i) == last;
        if !at_edge && r.is_some_and(|r| r.rule == Rule::CorpusTemplate) {
            *r = None;
        }
    }
}

/// The neighbour of a sentence that opens or closes its document.
const EDGE: u64 = u64::MAX;

/// Whether a segment of `words` words is a sentence: it ends one and has
/// three words or more, or is long (as the structural rules say of prose).
fn is_sentence(text: &str, words: usize) -> bool {
    (crate::text::segment::ends_sentence(text) && words >= 3) || words >= 25
}

/// Words up to which a template line needs boilerplate beside it.
const SHORT: u32 = 2;

/// What [`mark`] knows of the corpus and of the document.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The corpus templates, with their kept documents, sorted by key.
    pub templates: &'a [(u64, u32)],
}

/// Marks the template segments of one document. `segments` holds each
/// segment's (template key, words) and `facts` its line facts; segments
/// already removed keep their reason. Some lines stay however often they
/// recur, as the document's own:
///
/// - a headline: the document's first line, shaped like one or not
///   menu-like (a line of names without a function word), directly above
///   its first paragraph of prose, its lead-in or its table (a series'
///   recurring title);
/// - a line of one or two words ("Pros:", "Audio") with kept text on both
///   sides, which recurs across unrelated sites as ordinary content.
///
/// Returns the indices of the segments that matched a template.
pub fn mark(
    segments: &[(u64, u32)],
    facts: &[LineFacts],
    context: Context,
    removals: &mut [Option<Removal>],
) -> Vec<usize> {
    let content: Vec<usize> = (0..segments.len()).filter(|&i| segments[i].1 > 0).collect();
    let at = |p: Option<usize>| p.and_then(|p| content.get(p)).map(|&i| facts[i]);
    let found: Vec<Option<u32>> = content
        .iter()
        .map(|&i| lookup(context.templates, segments[i].0))
        .collect();
    let hit: Vec<Option<u32>> = (0..content.len())
        .map(|p| {
            let first = facts[content[p]];
            let headline = p == 0
                && (first.is_headline() || first.class != Class::Bad)
                && at(Some(1)).is_some_and(|f| f.is_prose() || f.is_lead_in() || f.has_figures());
            found[p].filter(|_| !headline)
        })
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
        if found[p].is_some() {
            marks.push(i);
        }
        let Some(count) = hit[p] else { continue };
        let beside = boilerplate_side(p.checked_sub(1)) || boilerplate_side(Some(p + 1));
        let stays = removals[i].is_some() || (segments[i].1 <= SHORT && !beside);
        if !stays {
            removals[i] = Some(Removal {
                occurrences: count,
                ..Removal::new(Rule::CorpusTemplate)
            });
        }
    }
    marks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn census(texts: &[&str], min_docs: usize) -> (tempfile::TempDir, Shared) {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Census::new(dir.path(), 1024).unwrap();
        let mut buf = Vec::new();
        for (d, t) in texts.iter().enumerate() {
            c.add(d as u32, &DocKeys::of(t, 1, &mut buf)).unwrap();
        }
        let shared = c.finish(min_docs).unwrap();
        (dir, shared)
    }

    #[test]
    fn keys_ignore_case_spacing_punctuation_and_one_figure() {
        let k = |t: &str| key(t, 7, &mut Vec::new());
        assert_eq!(
            k("Copyright 2024, Example Media"),
            k("copyright  2025 Example media.")
        );
        assert_eq!(k("Sign up: NEWSLETTER"), k("sign up newsletter"));
        assert_ne!(k("Home News"), k("HomeNews"));
        // Two figures are data: they stay in the key.
        assert_ne!(k("Shr 52 cts vs 51 cts"), k("Shr 40 cts vs 41 cts"));
        assert_eq!(k("Überblick ÄRGER"), k("überblick ärger"));
        // Characters whose lower case is longer than they are.
        assert_eq!(k("İİİİ İİ"), k("i̇i̇i̇i̇ i̇i̇"));
        assert_eq!(k("  --- "), None);
    }

    /// The key as its definition says, one character at a time.
    fn key_by_definition(text: &str) -> Option<u64> {
        let word = |c: char| c.is_alphanumeric() || is_combining_mark(c);
        let words: Vec<String> = text
            .split(|c: char| !word(c))
            .filter(|w| !w.is_empty())
            .map(|w| w.chars().flat_map(char::to_lowercase).collect())
            .collect();
        let figures = text
            .as_bytes()
            .split(|b| !b.is_ascii_digit())
            .filter(|run| !run.is_empty())
            .count();
        let mut joined = words.join(" ");
        if figures <= 1 {
            joined = joined.replace(|c: char| c.is_ascii_digit(), "0");
        }
        (!joined.is_empty()).then(|| xxh3_64_with_seed(joined.as_bytes(), 7))
    }

    proptest::proptest! {
        #[test]
        fn keys_follow_their_definition(text in "\\PC{0,40}|[a-zA-Z0-9 .,İß\u{301}]{0,40}") {
            proptest::prop_assert_eq!(key(&text, 7, &mut Vec::new()), key_by_definition(&text));
        }
    }

    #[test]
    fn shared_lines_count_distinct_documents_and_templates_kept_ones() {
        let menu = "Home | World | Sport";
        let texts: Vec<String> = ["apples", "boats", "clouds", "drums", "eggs"]
            .iter()
            .map(|w| format!("{menu}\nThis story is about {w}.\nFooter line"))
            .collect();
        let mut all: Vec<&str> = texts.iter().map(String::as_str).collect();
        // An exact copy counts once.
        all.push(texts[0].as_str());
        let (_dir, shared) = census(&all, 5);
        let k = |t: &str| key(t, 1, &mut Vec::new()).unwrap();
        let lines = &shared.lines;
        assert!(lines.contains(k(menu)) && lines.contains(k("Footer line")));
        assert!(!lines.contains(k("This story is about drums.")));
        assert_eq!(lines.len(), 2);
        assert!(census(&all[..5], 6).1.lines.is_empty());
        // Over kept documents: with two of them dropped, three are left.
        let t = shared.kept(&|d| d >= 2).unwrap();
        assert!(t.is_empty());
        let t = shared.kept(&|d| d != 1).unwrap();
        assert_eq!(
            t,
            vec![
                (k(menu).min(k("Footer line")), 5),
                (k(menu).max(k("Footer line")), 5)
            ]
        );
        assert_eq!(lookup(&t, k(menu)), Some(5));
        assert!(census(&all, 0).1.lines.is_empty());
    }

    fn context(templates: &[(u64, u32)]) -> Context<'_> {
        Context { templates }
    }

    fn facts(words: &[(u16, bool, bool)]) -> Vec<LineFacts> {
        words
            .iter()
            .map(|&(w, prose, figures)| LineFacts::sketch(w, prose, figures))
            .collect()
    }

    #[test]
    fn short_template_lines_need_boilerplate_beside_them() {
        let templates = vec![(1, 40), (2, 30)];
        // menu, headline, body, "Pros:" (template) inside the body, body, footer
        let segs = [(1, 1), (10, 6), (11, 20), (2, 1), (12, 20), (1, 1)];
        let f = facts(&[
            (1, false, false),
            (6, false, false),
            (20, true, false),
            (1, false, false),
            (20, true, false),
            (1, false, false),
        ]);
        let mut removals = vec![None; segs.len()];
        let marks = mark(&segs, &f, context(&templates), &mut removals);
        assert_eq!(marks, vec![0, 3, 5]);
        let removed: Vec<usize> = (0..segs.len()).filter(|&i| removals[i].is_some()).collect();
        assert_eq!(removed, vec![0, 5], "the isolated short line stays");
        assert_eq!(removals[0].unwrap().occurrences, 40);
    }

    #[test]
    fn headlines_are_the_documents_own() {
        // A recurring title above prose: a headline; a figure among lines
        // without (a footer's year): a template.
        let templates = vec![(1, 25), (2, 900), (4, 19000)];
        let segs = [(1, 6), (8, 20), (2, 3), (4, 1)];
        let f = facts(&[
            (6, false, false),
            (20, true, false),
            (3, false, true),
            (1, false, false),
        ]);
        let mut removals = vec![None; segs.len()];
        mark(&segs, &f, context(&templates), &mut removals);
        assert!(removals[0].is_none());
        assert!(removals[2].is_some() && removals[3].is_some());
        // Above a menu, the first line is no headline.
        let segs = [(1, 6), (2, 3), (8, 20)];
        let f = facts(&[(6, false, false), (3, false, false), (20, true, false)]);
        let mut removals = vec![None; segs.len()];
        mark(&segs, &f, context(&templates), &mut removals);
        assert!(removals[0].is_some());
    }

    #[test]
    fn in_clean_text_only_a_closing_template_goes() {
        // A standing header, the story, a template line inside it, the rows
        // of a table (templates), a sign-off.
        let f = facts(&[
            (3, false, false),
            (30, true, false),
            (6, false, false),
            (3, false, true),
            (3, false, true),
            (1, false, false),
        ]);
        let t = |r: Rule| Some(Removal::new(r));
        let template = t(Rule::CorpusTemplate);
        let mut removals = vec![
            template,
            None,
            template,
            template,
            t(Rule::Timestamp),
            template,
        ];
        release_inside(&f, &mut removals);
        let kept: Vec<bool> = removals.iter().map(Option::is_none).collect();
        assert_eq!(kept, [false, true, true, true, false, false]);
    }
}
