//! Benchmark corpora with known duplicates, built from real article text.
//!
//! Real sentences come from any mix of sources: folders of `.txt` articles,
//! JSONL files, Reuters-21578 `.sgm` files; with none, from the bundled
//! `corpora/news-sample`. An *original* document is a new article recombined
//! from random sentences of the pool (a title, then paragraphs of sentences),
//! so any number of originals can be made from a few thousand real articles
//! and two originals share almost no word 5-grams. A *near duplicate* copies an
//! earlier original and edits it the way copies drift on the web: sentences
//! dropped, inserted, swapped or reworded, words changed, a paragraph
//! repeated, a boilerplate header or footer added, white space and
//! punctuation changed, the end cut off. The edit strength is drawn per copy
//! and recorded, with the exact word-5-gram Jaccard similarity to the
//! original, so recall can be plotted against true similarity.
//!
//! Two further cases, off by default:
//!
//! - **copies cut short** (`cut_rate`): a re-scrape that stopped early keeps
//!   the first 10% to 90% of the original's words and nothing else changes;
//!   the share kept is recorded, so recall can be plotted against it;
//! - **sites** (`sites`): every document is a page of one of a number of
//!   sites, its article wrapped in the site's own long template (menu,
//!   sidebar with headlines and an about paragraph, footer), the same on
//!   every page of the site, and half the articles are short, so that the
//!   template is most of the page. A copy is then the same page again
//!   (exact), edited, cut short, or the same article on another site; its
//!   Jaccard similarity is that of the two articles, since the templates say
//!   nothing about which article a page holds.
//!
//! Every document is a function of (seed, index), so generation is
//! deterministic, runs in parallel and holds nothing but the pool in memory.

use neardup::corpus::{self, ReadOptions};
use neardup::error::{Error, Result};
use neardup::repeats::jaccard;
use neardup::sketch::shingle::fmix64;
use neardup::sketch::shingles;
use neardup::text::{Tokenizer, Tokens};
use rayon::prelude::*;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The sample articles, built in, for when no source is given.
const BUNDLED: [&str; 5] = [
    include_str!("../../../corpora/news-sample/000_c2cc60b2651c84c4.txt"),
    include_str!("../../../corpora/news-sample/001_eab3c6313df7ae51.txt"),
    include_str!("../../../corpora/news-sample/002_9d642e258972d604.txt"),
    include_str!("../../../corpora/news-sample/003_cd478b5acfd1d8e8.txt"),
    include_str!("../../../corpora/news-sample/004_92d7cee229c4202d.txt"),
];

/// Lines that sites wrap around articles: added by the boilerplate edit.
const HEADERS: [&str; 6] = [
    "Skip to main content",
    "Home | News | Business | Sport | Culture",
    "Advertisement",
    "Listen to this article",
    "Menu",
    "Subscribe for unlimited access",
];
const FOOTERS: [&str; 6] = [
    "Share this article",
    "Sign up for our daily newsletter to get the latest news in your inbox.",
    "Copyright 2024 Daily Example Media. All rights reserved.",
    "Read more:",
    "Follow us on Facebook and Twitter",
    "This story was originally published by a partner site.",
];

/// Real sentences to build documents from.
#[derive(Debug, Clone)]
pub struct SentencePool {
    sentences: Vec<String>,
    /// Source documents that could not be read and were passed over.
    pub skipped: u64,
}

impl SentencePool {
    /// Sentences of the bundled sample articles.
    pub fn bundled() -> Self {
        let mut pool = SentencePool {
            sentences: Vec::new(),
            skipped: 0,
        };
        for text in BUNDLED {
            pool.add_text(text);
        }
        pool
    }

    /// Sentences of every article under `paths`: folders of `.txt` files,
    /// `.txt` files, JSONL files (`fields.text`), Reuters `.sgm` files.
    /// Documents that cannot be read (invalid UTF-8, a malformed line) are
    /// passed over and counted in `skipped`.
    pub fn from_paths(paths: &[PathBuf], fields: &ReadOptions) -> Result<Self> {
        let mut pool = SentencePool {
            sentences: Vec::new(),
            skipped: 0,
        };
        let is_sgm = |p: &Path| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("sgm"));
        let (mut sgm, other): (Vec<PathBuf>, Vec<PathBuf>) =
            paths.iter().cloned().partition(|p| is_sgm(p));
        // Folders may hold .sgm files too.
        for dir in other.iter().filter(|p| p.is_dir()) {
            for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
                let entry = entry.map_err(|e| Error::Output {
                    path: dir.clone(),
                    message: e.to_string(),
                })?;
                if entry.file_type().is_file() && is_sgm(entry.path()) {
                    sgm.push(entry.into_path());
                }
            }
        }
        for path in sgm {
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            // Reuters-21578 is Latin-1; every byte is a character.
            let text: String = bytes.iter().map(|&b| b as char).collect();
            for body in sgm_bodies(&text) {
                pool.add_text(&body);
            }
        }
        for (i, input) in corpus::discover(&other)?.iter().enumerate() {
            corpus::read(input, i as u32, fields, &mut |doc| {
                match doc {
                    Ok(doc) => pool.add_text(&doc.text),
                    Err(_) => pool.skipped += 1,
                }
                Ok(())
            })?;
        }
        if pool.sentences.len() < 20 {
            return Err(Error::Config(format!(
                "the sources hold {} usable sentences; at least 20 are needed",
                pool.sentences.len()
            )));
        }
        Ok(pool)
    }

    pub fn len(&self) -> usize {
        self.sentences.len()
    }

    /// Adds the sentences of one article: white space folded, split after
    /// `.`, `!` or `?` before a capital or a quote, 5 to 60 words kept.
    fn add_text(&mut self, text: &str) {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut start = 0;
        let chars: Vec<(usize, char)> = flat.char_indices().collect();
        for w in 0..chars.len() {
            let (at, c) = chars[w];
            let ends = matches!(c, '.' | '!' | '?')
                && chars.get(w + 1).is_some_and(|&(_, n)| n == ' ')
                && chars
                    .get(w + 2)
                    .is_some_and(|&(_, n)| n.is_uppercase() || matches!(n, '"' | '“' | '\''));
            if ends || w + 1 == chars.len() {
                let end = at + c.len_utf8();
                self.push_sentence(flat[start..end].trim());
                start = end;
            }
        }
    }

    fn push_sentence(&mut self, s: &str) {
        let words = s.split_whitespace().count();
        if (5..=60).contains(&words) && s.ends_with(['.', '!', '?', '"', '”']) {
            self.sentences.push(s.to_string());
        }
    }

    fn pick(&self, rng: &mut Rng) -> &str {
        &self.sentences[rng.below(self.sentences.len() as u64) as usize]
    }
}

/// The bodies of a Reuters-21578 SGML file, entities decoded, sign-off removed.
fn sgm_bodies(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("<BODY>") {
        let after = &rest[open + 6..];
        let Some(close) = after.find("</BODY>") else {
            break;
        };
        let body = after[..close]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#3;", "")
            .replace("&amp;", "&");
        let body = body.trim_end();
        let body = body
            .strip_suffix("Reuter")
            .or_else(|| body.strip_suffix("REUTER"))
            .unwrap_or(body)
            .trim_end();
        out.push(body.to_string());
        rest = &after[close..];
    }
    out
}

/// SplitMix64: small, fast, seeded, the same on every platform.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    /// Stream `stream` of `seed`. SplitMix64 walks its state in steps of a
    /// fixed constant, so states must not be a multiple of that constant
    /// apart: both inputs go through the full mixer first, or stream `i + 1`
    /// would be stream `i` shifted by a step or two.
    fn new(seed: u64, stream: u64) -> Self {
        Rng(fmix64(seed ^ fmix64(stream ^ 0x5851_f42d_4c95_7f2d)))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below((hi - lo + 1) as u64) as usize
    }
}

/// How to build a corpus.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SynthParams {
    /// Documents to write.
    pub docs: u64,
    /// Share of documents that are near duplicates of an earlier original.
    pub dup_rate: f64,
    /// Edit strength of each copy is drawn uniformly from [0, max_strength].
    pub max_strength: f64,
    /// Share of copies that get a boilerplate header or footer.
    pub boilerplate_rate: f64,
    /// Share of copies that are the original cut short, and nothing else.
    pub cut_rate: f64,
    /// With more than 0: every document is a page of one of this many
    /// sites, wrapped in the site's template.
    pub sites: u64,
    pub seed: u64,
}

impl Default for SynthParams {
    fn default() -> Self {
        SynthParams {
            docs: 10_000,
            dup_rate: 0.3,
            max_strength: 0.4,
            boilerplate_rate: 0.25,
            cut_rate: 0.0,
            sites: 0,
            seed: 1,
        }
    }
}

/// What the truth file says of one document.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Truth {
    pub id: String,
    /// Id of the original of its cluster (its own id for an original).
    pub cluster: String,
    /// For a copy: edit strength, edits applied, and the exact Jaccard
    /// similarity of its word 5-grams with the original's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength: Option<f32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub edits: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jaccard: Option<f32>,
    /// For a copy cut short: the share of the original's words it keeps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept: Option<f32>,
}

/// An article as paragraphs of sentences, the unit the edits work on.
#[derive(Debug, Clone)]
struct Article {
    title: String,
    paragraphs: Vec<Vec<String>>,
}

impl Article {
    fn render(&self, header: Option<&str>, footer: Option<&str>, blank_lines: bool) -> String {
        let sep = if blank_lines { "\n\n" } else { "\n" };
        let mut parts: Vec<String> = Vec::new();
        parts.extend(header.map(str::to_string));
        parts.push(self.title.clone());
        parts.extend(
            self.paragraphs
                .iter()
                .filter(|p| !p.is_empty())
                .map(|p| p.join(" ")),
        );
        parts.extend(footer.map(str::to_string));
        parts.join(sep) + "\n"
    }

    fn sentence_count(&self) -> usize {
        self.paragraphs.iter().map(Vec::len).sum()
    }

    /// The article cut after `share` of its body's words, in mid-sentence.
    fn cut(&self, share: f64) -> Article {
        let words: usize = self
            .paragraphs
            .iter()
            .flatten()
            .map(|s| s.split_whitespace().count())
            .sum();
        let mut left = ((words as f64 * share).ceil() as usize).max(1);
        let mut paragraphs = Vec::new();
        for p in &self.paragraphs {
            let mut kept = Vec::new();
            for sentence in p {
                let n = sentence.split_whitespace().count();
                if n <= left {
                    kept.push(sentence.clone());
                    left -= n;
                } else {
                    if left > 0 {
                        kept.push(
                            sentence
                                .split_whitespace()
                                .take(left)
                                .collect::<Vec<_>>()
                                .join(" "),
                        );
                        left = 0;
                    }
                    break;
                }
            }
            if !kept.is_empty() {
                paragraphs.push(kept);
            }
            if left == 0 {
                break;
            }
        }
        Article {
            title: self.title.clone(),
            paragraphs,
        }
    }
}

/// Builds the documents of one corpus.
#[derive(Debug, Clone)]
pub struct Generator {
    pool: SentencePool,
    params: SynthParams,
}

/// The role of one document, decided in order.
#[derive(Debug, Clone, Copy)]
enum Role {
    Original,
    CopyOf(u64),
}

impl Generator {
    pub fn new(pool: SentencePool, params: SynthParams) -> Self {
        Generator { pool, params }
    }

    fn id(i: u64) -> String {
        format!("doc{i:08}")
    }

    fn original(&self, i: u64) -> Article {
        let mut rng = Rng::new(self.params.seed, i.wrapping_mul(2) + 1);
        let title = self.headline(&mut rng);
        // Pages of a site: half the articles are a paragraph or two.
        let short = self.params.sites > 0 && rng.chance(0.5);
        let paragraphs = (0..if short { 1 } else { rng.range(3, 9) })
            .map(|_| {
                (0..rng.range(1, if short { 2 } else { 4 }))
                    .map(|_| self.pool.pick(&mut rng).to_string())
                    .collect()
            })
            .collect();
        Article { title, paragraphs }
    }

    /// The first 5 to 12 words of a sentence, without its final punctuation.
    fn headline(&self, rng: &mut Rng) -> String {
        let words: Vec<&str> = self.pool.pick(rng).split_whitespace().collect();
        let n = words.len().min(rng.range(5, 12));
        words[..n]
            .join(" ")
            .trim_end_matches(['.', ',', ';', ':'])
            .to_string()
    }

    /// A word of the pool, capitalised and without punctuation.
    fn word(&self, rng: &mut Rng) -> String {
        loop {
            let sentence = self.pool.pick(rng);
            let words: Vec<&str> = sentence.split_whitespace().collect();
            let w = words[rng.below(words.len() as u64) as usize]
                .trim_matches(|c: char| !c.is_alphanumeric());
            let mut chars = w.chars();
            if let Some(first) = chars.next().filter(|c| c.is_alphabetic()) {
                return first.to_uppercase().chain(chars).collect();
            }
        }
    }

    /// `n` words of the pool.
    fn label(&self, rng: &mut Rng, n: usize) -> String {
        (0..n).map(|_| self.word(rng)).collect::<Vec<_>>().join(" ")
    }

    /// The site of original `i`.
    fn site_of(&self, i: u64) -> u64 {
        Rng::new(self.params.seed ^ 0x5175_e5e5, i).below(self.params.sites)
    }

    /// The template of site `site`: the lines above an article, and below.
    fn template(&self, site: u64) -> (Vec<String>, Vec<String>) {
        let mut rng = Rng::new(self.params.seed ^ 0x7e3_91a7e, site);
        let name = self.label(&mut rng, 2);
        let mut head = vec![name.clone()];
        head.extend((0..rng.range(6, 14)).map(|_| {
            let n = rng.range(1, 2);
            self.label(&mut rng, n)
        }));
        let mut foot = vec![self.label(&mut rng, 2)];
        foot.extend((0..rng.range(4, 8)).map(|_| self.headline(&mut rng)));
        foot.push(self.label(&mut rng, 2));
        foot.extend((0..rng.range(1, 2)).map(|_| self.pool.pick(&mut rng).to_string()));
        foot.extend((0..rng.range(3, 6)).map(|_| {
            let n = rng.range(1, 3);
            self.label(&mut rng, n)
        }));
        foot.push(format!("{} {}", name, 2000 + rng.below(25)));
        (head, foot)
    }

    /// An article's text as a page of site `site`.
    fn page(&self, site: u64, article: &str) -> String {
        let (head, foot) = self.template(site);
        format!("{}\n{article}{}\n", head.join("\n"), foot.join("\n"))
    }

    /// The copy of original `of` that document `i` is, with its truth.
    fn copy(&self, i: u64, of: u64) -> (String, Truth) {
        let mut rng = Rng::new(self.params.seed, i.wrapping_mul(2));
        let original = self.original(of);
        // The cases that are off by default draw nothing when off, so the
        // default corpus stays what it was.
        let draw = |rng: &mut Rng, p: f64| p > 0.0 && rng.chance(p);
        let cut = draw(&mut rng, self.params.cut_rate).then(|| 0.1 + 0.8 * rng.unit());
        let sites = self.params.sites > 0;
        let (site, exact) = if sites {
            let site = if rng.chance(0.2) {
                rng.below(self.params.sites)
            } else {
                self.site_of(of)
            };
            (site, cut.is_none() && rng.chance(0.25))
        } else {
            (0, false)
        };
        let truth =
            |strength: f32, edits: Vec<&'static str>, copy: &str, kept: Option<f32>| Truth {
                id: Self::id(i),
                cluster: Self::id(of),
                strength: Some(strength),
                edits,
                jaccard: Some(word_jaccard(&original.render(None, None, true), copy) as f32),
                kept,
            };
        if cut.is_some() || exact {
            let article = match cut {
                Some(share) => original.cut(share),
                None => original.clone(),
            };
            let text = article.render(None, None, true);
            let edits = if cut.is_some() {
                vec!["cut_short"]
            } else {
                Vec::new()
            };
            let t = truth(0.0, edits, &text, cut.map(|c| c as f32));
            let text = if sites { self.page(site, &text) } else { text };
            return (text, t);
        }
        let mut a = original.clone();
        let s = rng.unit() * self.params.max_strength;
        let mut edits = Vec::new();
        let n = a.sentence_count().max(1);

        let ops = (s * n as f64 * 0.3).round() as usize;
        for _ in 0..ops {
            let p = rng.below(a.paragraphs.len() as u64) as usize;
            let para = &mut a.paragraphs[p];
            let at = rng.below(para.len().max(1) as u64) as usize;
            match rng.below(4) {
                0 if para.len() > 1 => {
                    para.remove(at);
                    edits.push("sentence_dropped");
                }
                1 => {
                    para.insert(at, self.pool.pick(&mut rng).to_string());
                    edits.push("sentence_inserted");
                }
                2 if at + 1 < para.len() => {
                    para.swap(at, at + 1);
                    edits.push("sentences_swapped");
                }
                _ if !para.is_empty() => {
                    let at = at.min(para.len() - 1);
                    para[at] = reword(&para[at], &self.pool, &mut rng, 0.3);
                    edits.push("sentence_reworded");
                }
                _ => {}
            }
        }
        let word_rate = s * 0.04;
        if word_rate > 0.0 {
            for para in &mut a.paragraphs {
                for sentence in para.iter_mut() {
                    *sentence = reword(sentence, &self.pool, &mut rng, word_rate);
                }
            }
            edits.push("words_changed");
        }
        if rng.chance(s * 0.5) && !a.paragraphs.is_empty() {
            let p = rng.below(a.paragraphs.len() as u64) as usize;
            let again = a.paragraphs[p].clone();
            a.paragraphs.push(again);
            edits.push("paragraph_repeated");
        }
        if rng.chance(s * 0.5) {
            let keep = ((1.0 - s * 0.6) * a.paragraphs.len() as f64)
                .ceil()
                .max(1.0) as usize;
            a.paragraphs.truncate(keep);
            edits.push("truncated");
        }
        let (mut header, mut footer) = (None, None);
        if !sites && rng.chance(self.params.boilerplate_rate) {
            header = Some(HEADERS[rng.below(HEADERS.len() as u64) as usize]);
            footer = Some(FOOTERS[rng.below(FOOTERS.len() as u64) as usize]);
            edits.push("boilerplate_added");
        }
        let blank_lines = rng.chance(0.5);
        let mut text = a.render(header, footer, blank_lines);
        if rng.chance(0.5) {
            text = text
                .replace(". ", ".  ")
                .replace('\'', "’")
                .replace(", ", " , ");
            edits.push("whitespace_punctuation");
        }
        let t = truth(s as f32, edits, &text, None);
        let text = if sites { self.page(site, &text) } else { text };
        (text, t)
    }

    /// Writes `docs` documents as JSONL (`{"id", "text"}`; zstd when `out`
    /// ends in `.zst`) and the truth, one JSON object per document, to
    /// `truth`. Deterministic for a seed.
    pub fn write(&self, out: &Path, truth: &Path) -> Result<SynthStats> {
        let mut docs = Output::create(out)?;
        let mut truths = Output::create(truth)?;
        let mut roles = Vec::new();
        let mut originals: Vec<u64> = Vec::new();
        let mut role_rng = Rng::new(self.params.seed, u64::MAX);
        let mut stats = SynthStats::default();
        const CHUNK: u64 = 8192;
        let mut start = 0;
        while start < self.params.docs {
            let end = (start + CHUNK).min(self.params.docs);
            roles.clear();
            for i in start..end {
                let role = if !originals.is_empty() && role_rng.chance(self.params.dup_rate) {
                    Role::CopyOf(originals[role_rng.below(originals.len() as u64) as usize])
                } else {
                    originals.push(i);
                    Role::Original
                };
                roles.push((i, role));
            }
            let made: Vec<(String, Truth)> = roles
                .par_iter()
                .map(|&(i, role)| match role {
                    Role::Original => {
                        let text = self.original(i).render(None, None, true);
                        let text = if self.params.sites > 0 {
                            self.page(self.site_of(i), &text)
                        } else {
                            text
                        };
                        let truth = Truth {
                            id: Self::id(i),
                            cluster: Self::id(i),
                            strength: None,
                            edits: Vec::new(),
                            jaccard: None,
                            kept: None,
                        };
                        (text, truth)
                    }
                    Role::CopyOf(of) => self.copy(i, of),
                })
                .collect();
            for (text, t) in made {
                stats.documents += 1;
                stats.bytes += text.len() as u64;
                stats.copies += u64::from(t.strength.is_some());
                let line = serde_json::json!({"id": t.id, "text": text});
                docs.line(&line.to_string())?;
                truths.line(&serde_json::to_string(&t).expect("truth serialises"))?;
            }
            start = end;
        }
        stats.originals = originals.len() as u64;
        docs.finish()?;
        truths.finish()?;
        Ok(stats)
    }
}

/// Counts of what [`Generator::write`] wrote.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct SynthStats {
    pub documents: u64,
    pub originals: u64,
    pub copies: u64,
    pub bytes: u64,
}

/// Replaces each word of `sentence` with probability `rate` by a word of a
/// random pool sentence.
fn reword(sentence: &str, pool: &SentencePool, rng: &mut Rng, rate: f64) -> String {
    sentence
        .split(' ')
        .map(|w| {
            if rng.chance(rate) {
                let donor: Vec<&str> = pool.pick(rng).split(' ').collect();
                donor[rng.below(donor.len() as u64) as usize].to_string()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Exact Jaccard similarity of the word 5-gram sets of two texts, on the same
/// normalised words neardup matches on.
pub fn word_jaccard(a: &str, b: &str) -> f64 {
    let set = |text: &str| {
        let mut tokens = Tokens::default();
        Tokenizer::new(0).tokenize(text, &mut tokens);
        let mut s = Vec::new();
        shingles(&tokens.hashes, 5, &mut s);
        s.sort_unstable();
        s.dedup();
        s
    };
    jaccard(&set(a), &set(b))
}

/// A line-oriented output file, zstd-compressed when its name ends in `.zst`,
/// written under a temporary name and renamed when finished.
struct Output {
    path: PathBuf,
    tmp: PathBuf,
    writer: Box<dyn Write>,
}

impl Output {
    fn create(path: &Path) -> Result<Output> {
        let mut tmp = path.as_os_str().to_os_string();
        tmp.push(format!(".neardup-tmp-{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let buffered = std::io::BufWriter::with_capacity(1 << 20, file);
        let writer: Box<dyn Write> = if path.extension().is_some_and(|e| e == "zst") {
            Box::new(
                zstd::Encoder::new(buffered, 3)
                    .map_err(|e| Error::io(&tmp, e))?
                    .auto_finish(),
            )
        } else {
            Box::new(buffered)
        };
        Ok(Output {
            path: path.to_path_buf(),
            tmp,
            writer,
        })
    }

    fn line(&mut self, line: &str) -> Result<()> {
        self.writer
            .write_all(line.as_bytes())
            .and_then(|()| self.writer.write_all(b"\n"))
            .map_err(|e| Error::io(&self.tmp, e))
    }

    fn finish(mut self) -> Result<()> {
        self.writer.flush().map_err(|e| Error::io(&self.tmp, e))?;
        drop(self.writer);
        std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::io(&self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generator(seed: u64) -> Generator {
        Generator::new(
            SentencePool::bundled(),
            SynthParams {
                docs: 200,
                seed,
                ..SynthParams::default()
            },
        )
    }

    #[test]
    fn neighbouring_streams_are_unrelated() {
        let draws = |stream| {
            let mut r = Rng::new(1, stream);
            (0..64).map(|_| r.below(1000)).collect::<Vec<_>>()
        };
        for stream in 0..50 {
            let (a, b) = (draws(stream), draws(stream + 1));
            let shared = a.iter().filter(|x| b.contains(x)).count();
            assert!(
                shared < 16,
                "streams {stream} and {} share {shared} of 64 draws",
                stream + 1
            );
        }
    }

    #[test]
    fn bundled_pool_has_sentences() {
        let pool = SentencePool::bundled();
        assert!(pool.len() > 80, "{}", pool.len());
        assert!(pool
            .sentences
            .iter()
            .all(|s| s.ends_with(['.', '!', '?', '"', '”'])));
    }

    #[test]
    fn copies_drift_with_strength_and_record_it() {
        let g = generator(7);
        let mut weak = Vec::new();
        let mut strong = Vec::new();
        for i in 1..200 {
            let (_, t) = g.copy(i, 0);
            let (s, j) = (t.strength.unwrap(), t.jaccard.unwrap());
            assert!((0.0..=1.0).contains(&j));
            if s < 0.1 {
                weak.push(j);
            } else if s > 0.3 {
                strong.push(j);
            }
        }
        let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
        assert!(
            mean(&weak) > mean(&strong) + 0.1,
            "{} {}",
            mean(&weak),
            mean(&strong)
        );
        assert!(mean(&weak) > 0.8);
    }

    #[test]
    fn same_seed_same_corpus_other_seed_other_corpus() {
        let dir = tempfile::tempdir().unwrap();
        let run = |seed: u64, name: &str| {
            let (out, truth) = (
                dir.path().join(format!("{name}.jsonl")),
                dir.path().join(format!("{name}.truth")),
            );
            let stats = generator(seed).write(&out, &truth).unwrap();
            assert_eq!(stats.documents, 200);
            assert!(stats.copies > 30 && stats.copies < 100, "{stats:?}");
            (std::fs::read(out).unwrap(), std::fs::read(truth).unwrap())
        };
        assert_eq!(run(3, "a"), run(3, "b"));
        assert_ne!(run(3, "a").0, run(4, "c").0);
    }

    #[test]
    fn reuters_bodies_are_extracted() {
        let sgm = "<REUTERS><TEXT><TITLE>X</TITLE><BODY>Shares &lt;ABC&gt; rose.\n Reuter\n&#3;</BODY></TEXT></REUTERS>";
        assert_eq!(sgm_bodies(sgm), ["Shares <ABC> rose."]);
    }
}
